"""`tipstats sentences`: every sentenced charge against its statutory range, from mart_sentences; with
--summary, the distribution of the persons' unsuspended prison terms, from mart_person_sentences.

The queries are warehouse/queries/sentences.sql and sentences_summary.sql; this module only chooses the
columns a user may see (case numbers and pseudonyms only with --restricted) and formats the rows.
"""
from __future__ import annotations

import json
import sys
from enum import Enum
from typing import Annotated, Optional

import duckdb
import pandas as pd
import typer

from pipeline import stats, terminal
from pipeline.export import neutralise
from pipeline.settings import SQL_DIR

QUERY = SQL_DIR / "queries" / "sentences.sql"
SUMMARY_QUERY = SQL_DIR / "queries" / "sentences_summary.sql"
SUMMARY_DIMENSIONS = ("sex", "age_group", "court", "region", "exploitation_form", "citizenship_group")
SUMMARY_COLUMNS = ["by", "value", "persons", "median_months", "q1_months", "q3_months", "min_months", "max_months"]
PUBLIC_COLUMNS = ["year", "court", "offence_code", "offence_date", "law_applied", "on_charged_version",
                  "min_months", "max_months", "prison_months", "suspended", "category", "mitigation"]
RESTRICTED_COLUMNS = ["judgment_id", "person_key", "judge_key", "judgment_date"]


class Basis(str, Enum):
    first = "first"
    final = "final"


class Format(str, Enum):
    table = "table"
    csv = "csv"
    json = "json"


def fetch(con: duckdb.DuckDBPyConnection, basis: str, year: int | None, below_minimum: bool,
          restricted: bool) -> tuple[list[str], list[tuple]]:
    """The charges as (columns, rows), restricted columns dropped unless asked for."""
    result = con.execute(QUERY.read_text(), {"basis": basis, "year": year, "below_minimum": below_minimum})
    names = [d[0] for d in result.description]
    rows = result.fetchall()
    keep = [n for n in names if n in PUBLIC_COLUMNS or (restricted and n in RESTRICTED_COLUMNS)]
    index = [names.index(n) for n in keep]
    return keep, [tuple(row[i] for i in index) for row in rows]


def summary(con: duckdb.DuckDBPyConnection, basis: str, group: str, by: str | None,
            period: tuple[str | None, str | None]) -> list[dict]:
    """The `sentences --summary --json` list: one object per value of `by` in code-list order, then the total
    (`by` and `value` both "total" without a dimension)."""
    dimension = by or "total"
    sql = SUMMARY_QUERY.read_text()
    result = stats.with_units_by(con, sql).execute(sql, {
        "instance": basis, "groups": stats.GROUPS[group], "first_month": period[0], "last_month": period[1],
        "by": dimension})
    names = [d[0] for d in result.description]
    rows = [dict(zip(names, row)) for row in result.fetchall()]
    total = [r for r in rows if r["value"] == "total"]
    order = stats.dimension_order(dimension)
    values = sorted((r for r in rows if r["value"] != "total"), key=lambda r: order(r["value"]))
    return [{"by": dimension, **r} for r in values + total]


def sentences(
    year: Annotated[Optional[int], typer.Option(help="Only sentences of this year (of the judgment date; with --summary, of the conviction counted).")] = None,
    below_minimum: Annotated[bool, typer.Option("--below-minimum", help="Only sentences below the statutory minimum (no prison, suspended or a shorter term, where the minimum is known).")] = False,
    instance: Annotated[Basis, typer.Option("--instance", help="first: first-instance convictions; final: the final sentence of each charge.")] = Basis.first,
    fmt: Annotated[Format, typer.Option("--format", help="table, csv or json (a list of objects).")] = Format.table,
    restricted: Annotated[bool, typer.Option("--restricted", help="Also show judgment_id, judgment_date and the person and judge pseudonyms (restricted output).")] = False,
    as_summary: Annotated[bool, typer.Option("--summary", help="Per person: persons, median, quartiles, minimum and maximum of the unsuspended prison months (0 without imprisonment).")] = False,
    by: Annotated[Optional[str], typer.Option(help="With --summary: also per value of " + ", ".join(SUMMARY_DIMENSIONS) + ".")] = None,
    group: Annotated[Optional[str], typer.Option(help="With --summary: trafficking (the default), related or all (= trafficking + related).")] = None,
    start: Annotated[Optional[str], typer.Option("--from", help="With --summary: first month (YYYY-MM) or year of the period; alone: up to the last loaded month.")] = None,
    end: Annotated[Optional[str], typer.Option("--to", help="With --summary: last month (YYYY-MM) or year of the period; alone: from the first month the warehouse covers.")] = None,
    as_json: Annotated[bool, typer.Option("--json", help="Print JSON (the same as --format json).")] = False,
) -> None:
    """Sentenced charges against the statutory minimum: law applied, range, sentence, category; with --summary,
    the distribution of the persons' prison terms."""
    if as_json:
        if fmt is Format.csv:
            terminal.fail("--json cannot be combined with --format csv")
        fmt = Format.json
    if as_summary:
        summarise(year, instance.value, fmt, below_minimum, restricted, by, group or "trafficking", start, end)
        return
    for option, value in (("--by", by), ("--group", group), ("--from", start), ("--to", end)):
        if value is not None:
            terminal.fail(f"{option} needs --summary")
    with terminal.warehouse("sentence tables") as con:
        columns, rows = fetch(con, instance.value, year, below_minimum, restricted)
    if fmt is Format.json:
        print(json.dumps(terminal.records(columns, rows),
                         indent=2, ensure_ascii=False))
    elif fmt is Format.csv:
        frame = pd.DataFrame(rows, columns=columns)
        neutralise(frame).to_csv(sys.stdout, index=False, lineterminator="\n")
    else:
        title = f"Sentenced charges, {instance.value} instance basis ({len(rows)})"
        terminal.out.print(terminal.table(title, columns, rows, empty=""))


def summarise(year: int | None, basis: str, fmt: Format, below_minimum: bool, restricted: bool, by: str | None,
              group: str, start: str | None, end: str | None) -> None:
    """`tipstats sentences --summary`: checks its options, prints the summary."""
    if below_minimum:
        terminal.fail("--below-minimum does not apply to --summary")
    if restricted:
        terminal.fail("--restricted does not apply to --summary: it shows no case number or pseudonym")
    if group not in stats.GROUPS:
        terminal.fail(f"--group must be one of {', '.join(stats.GROUPS)}, not {group!r}")
    if by is not None and by not in SUMMARY_DIMENSIONS:
        terminal.fail(f"--by must be one of {', '.join(SUMMARY_DIMENSIONS)}, not {by!r}")
    period = stats.period_options(year, start, end)
    with terminal.warehouse("sentence tables") as con:
        # without a period: every month loaded, nothing to check; with one, as `stats` does
        if period != (None, None):
            period = stats.resolve(con, *period)
        rows = summary(con, basis, group, by, period)
    if fmt is Format.json:
        print(json.dumps(rows, indent=2, ensure_ascii=False))
    elif fmt is Format.csv:
        frame = pd.DataFrame(rows, columns=SUMMARY_COLUMNS)
        neutralise(frame).to_csv(sys.stdout, index=False, lineterminator="\n")
    else:
        when = f"{period[0]} … {period[1]}" if period != (None, None) else "every month loaded"
        title = f"Unsuspended prison months per convicted person, {basis} instance, group {group}, {when}"
        headers = [by or "total", "persons", "median", "q1", "q3", "min", "max"]
        terminal.out.print(terminal.table(title, headers, [tuple(r.values())[1:] for r in rows]))


def register(app: typer.Typer) -> None:
    app.command("sentences")(sentences)
