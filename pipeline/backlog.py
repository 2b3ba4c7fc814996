"""`tipstats backlog` and `tipstats funnel`: court backlog (CEPEJ) and attrition of investigated persons.

The figures come from mart_backlog and mart_attrition through the query files in warehouse/queries/
(backlog.sql, backlog_excluded.sql, funnel.sql, funnel_linkage.sql); this module only runs them on a
read-only connection and formats the rows.
"""
from __future__ import annotations

import datetime as dt
import json
import sys
from typing import Annotated, Optional

import duckdb
import typer
from rich.console import Console
from rich.table import Table

from pipeline import load
from pipeline.settings import SQL_DIR, Settings

HEADERS = {
    "pending_start": "pending 1 Jan", "incoming_reentered": "of which re-entered", "pending": "pending",
    "clearance_rate": "clearance %", "disposition_days": "disposition days",
    "pending_age_median_days": "median age (days)", "pending_over_two_years": "> 2 years",
    "complete_year": "full year", "as_of": "as of", "finally_convicted": "final",
    "prosecuted_pct": "prosecuted %", "convicted_pct": "convicted %", "final_pct": "final %",
    "investigated_to_final_pct": "inv. → final %", "median_days_to_prosecution": "days to prosecution",
    "median_days_to_conviction": "days to conviction", "median_days_to_final": "days to final",
    "linked_explicit": "explicit", "linked_person": "through person", "linkage_pct": "linked %",
}


def fetch(con: duckdb.DuckDBPyConnection, name: str, year: int | None) -> tuple[list[str], list[tuple]]:
    result = con.execute((SQL_DIR / "queries" / f"{name}.sql").read_text(), {"year": year})
    return [d[0] for d in result.description], result.fetchall()


def cell(value) -> str:
    if value is None:
        return "–"
    if isinstance(value, bool):
        return "yes" if value else "no"
    if isinstance(value, float):
        return f"{value:.1f}"
    if isinstance(value, dt.date):
        return value.isoformat()
    return str(value)


def as_objects(columns: list[str], rows: list[tuple]) -> list[dict]:
    return [{c: v.isoformat() if isinstance(v, dt.date) else v for c, v in zip(columns, row)} for row in rows]


def table(title: str, columns: list[str], rows: list[tuple]) -> Table:
    shown = Table(*[HEADERS.get(c, c) for c in columns], title=title)
    for row in rows:
        shown.add_row(*[cell(v) for v in row])
    return shown


def run(queries: list[str], year: int | None) -> list[tuple[list[str], list[tuple]]]:
    """Each query's (columns, rows) from the warehouse, read-only; exit 2 with a message when it is missing."""
    err = Console(stderr=True, highlight=False, markup=False, soft_wrap=True)
    try:
        con = load.connect(Settings.from_env().warehouse, read_only=True)
    except load.RefreshError as e:
        err.print(f"error: {e}")
        raise typer.Exit(2)
    with con:
        try:
            return [fetch(con, name, year) for name in queries]
        except duckdb.CatalogException:
            err.print("error: the warehouse has no backlog and attrition tables: run `tipstats refresh` to rebuild it")
            raise typer.Exit(2)


def console() -> Console:
    return Console(highlight=False, markup=False, width=None if sys.stdout.isatty() else 200)


def backlog(
    year: Annotated[Optional[int], typer.Option(help="Only this year (default: every year delivered).")] = None,
    as_json: Annotated[bool, typer.Option("--json", help="Print a JSON list of objects, one per court and year.")] = False,
) -> None:
    """Court backlog per basic court and year (CEPEJ): incoming, resolved, pending, clearance, disposition time."""
    (columns, rows), (excluded_columns, excluded) = run(["backlog", "backlog_excluded"], year)
    if as_json:
        print(json.dumps(as_objects(columns, rows), indent=2, ensure_ascii=False))
        return
    out = console()
    out.print(table("Court backlog, unit defendant-case (prosecution, person)", columns, rows))
    for row in excluded:
        left_out = dict(zip(excluded_columns, row))
        out.print(f"{left_out['year']}: left out {left_out['excluded_defendant_cases']} defendant-case(s) indicted "
                  f"before the first delivered month (and their {left_out['excluded_case_judgments']} judgment(s)), "
                  f"{left_out['unlinked_judgments']} unlinked first-instance judgment(s), "
                  f"{left_out['not_indicted_judgments']} judgment(s) of never-indicted defendant-cases")


def funnel(
    year: Annotated[Optional[int], typer.Option(help="Only this cohort year (year the investigation opened).")] = None,
    as_json: Annotated[bool, typer.Option("--json", help="Print a JSON list of objects, one per cohort and group.")] = False,
) -> None:
    """Attrition of investigated persons: prosecuted, convicted at first instance, finally convicted."""
    (columns, rows), (link_columns, links) = run(["funnel", "funnel_linkage"], year)
    if as_json:
        print(json.dumps(as_objects(columns, rows), indent=2, ensure_ascii=False))
        return
    out = console()
    out.print(table("Attrition of investigated persons (case, person) by cohort year", columns, rows))
    out.print(table("Later stages linked back (year of the later stage)", link_columns, links))


def register(app: typer.Typer) -> None:
    app.command("backlog")(backlog)
    app.command("funnel")(funnel)
