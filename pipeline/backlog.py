"""`tipstats backlog` and `tipstats funnel`: court backlog (CEPEJ) and attrition of investigated persons.

The figures come from mart_backlog and mart_attrition through the query files in warehouse/queries/
(backlog.sql, backlog_excluded.sql, funnel.sql, funnel_linkage.sql); this module only runs them on a
read-only connection and formats the rows.
"""
from __future__ import annotations

import json
from typing import Annotated, Optional

import duckdb
import typer

from pipeline import terminal
from pipeline.settings import SQL_DIR

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


def table(title: str, columns: list[str], rows: list[tuple]):
    return terminal.table(title, [HEADERS.get(c, c) for c in columns], rows, number="{:.1f}")


def run(queries: list[str], year: int | None) -> list[tuple[list[str], list[tuple]]]:
    """Each query's (columns, rows) from the warehouse, read-only; exit 2 with a message when it is missing."""
    with terminal.warehouse("backlog and attrition tables") as con:
        return [fetch(con, name, year) for name in queries]


def backlog(
    year: Annotated[Optional[int], typer.Option(help="Only this year (default: every year delivered).")] = None,
    as_json: Annotated[bool, typer.Option("--json", help="Print a JSON list of objects, one per court and year.")] = False,
) -> None:
    """Court backlog per basic court and year (CEPEJ): incoming, resolved, pending, clearance, disposition time."""
    (columns, rows), (excluded_columns, excluded) = run(["backlog", "backlog_excluded"], year)
    if as_json:
        print(json.dumps(terminal.records(columns, rows), indent=2, ensure_ascii=False))
        return
    out = terminal.out
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
        print(json.dumps(terminal.records(columns, rows), indent=2, ensure_ascii=False))
        return
    out = terminal.out
    out.print(table("Attrition of investigated persons (case, person) by cohort year", columns, rows))
    out.print(table("Later stages linked back (year of the later stage)", link_columns, links))


def register(app: typer.Typer) -> None:
    app.command("backlog")(backlog)
    app.command("funnel")(funnel)
