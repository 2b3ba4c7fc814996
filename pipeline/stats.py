"""`tipstats stats`: the figures of a year or of any run of months (DATA-SPEC section 4), unsuppressed, from
the marts.

Each figure comes from one query file in warehouse/queries/, so every number printed here can be
reproduced with that query (see docs/data-dictionary.md).
"""
from __future__ import annotations

import json
import re
from typing import Annotated, Optional

import duckdb
import typer
from rich.table import Table

from contracts import codes
from pipeline import terminal
from pipeline.settings import SQL_DIR

GROUPS = {"trafficking": ["trafficking"], "related": ["related"], "all": ["trafficking", "related"]}
DIMENSIONS = ("region", "court", "office", "group", "exploitation_form", "sex", "age_group",
              "citizenship_group", "public_official", "citizenship")
MAX_CROSS = 3  # `--by` given up to three times cross-classifies (stats_cross.sql)
COUNT_FIGURES = ("investigated_cases", "investigated_persons", "prosecuted_persons", "convicted_persons",
                 "final_convictions", "acquitted_persons", "victims_identified", "child_victims")
PERSON_FIGURES = ("sentenced_persons", "below_minimum_persons", "prison_months_min", "prison_months_max",
                  "suspended_term_persons", "no_prison_persons", "sentences_on_charged_version",
                  "sentences_from_person_total")
# added for the TIP paragraph (totals only, after every older key): stats_tip.sql, public officials
# (the `--by public_official` row "yes") and victims of trafficking and related offences by dimension
OFFICIAL_FIGURES = {"official_investigated_persons": "investigated_persons",
                    "official_prosecuted_persons": "prosecuted_persons",
                    "official_convicted_persons": "convicted_persons",
                    "official_final_convictions": "final_convictions"}
VICTIM_DIMENSIONS = ("sex", "age_group", "exploitation_form")


MONTH = re.compile(r"([0-9]{4})(?:-([0-9]{2}))?")


def query(con: duckdb.DuckDBPyConnection, name: str, params: list) -> list[tuple]:
    sql = (SQL_DIR / "queries" / f"{name}.sql").read_text()
    return with_units_by(con, sql).execute(sql, params).fetchall()


def with_units_by(con: duckdb.DuckDBPyConnection, sql: str) -> duckdb.DuckDBPyConnection:
    """The connection, with the macro units_by (warehouse/queries/units_by.sql) created on it when `sql` reads
    it (the breakdown queries): a temporary macro, so that a read-only warehouse, or one built before the macro,
    has it too. Only then, since creating it needs mart_units, which a warehouse never refreshed lacks."""
    if "units_by(" in sql:
        con.execute((SQL_DIR / "queries" / "units_by.sql").read_text())
    return con


def month_option(option: str, text: str, last: bool) -> str:
    """'YYYY-MM' from --from/--to: a month as given, a bare year its January (--from) or December (--to)."""
    found = MONTH.fullmatch(text)
    if found is None or (found[2] is not None and not 1 <= int(found[2]) <= 12):
        terminal.fail(f"{option} must be a year (YYYY) or a month (YYYY-MM), not {text!r}")
    return f"{found[1]}-{found[2] or ('12' if last else '01')}"


def period_options(year: int | None, start: str | None, end: str | None) -> tuple[str | None, str | None]:
    """The months --year or --from/--to ask for, None where the period is open (resolve() closes it)."""
    if year is not None and (start is not None or end is not None):
        terminal.fail("--year cannot be combined with --from or --to")
    if year is not None:
        if not 1 <= year <= 9999:
            terminal.fail(f"--year must be a year of four digits, not {year}")
        return f"{year:04d}-01", f"{year:04d}-12"
    first = month_option("--from", start, last=False) if start is not None else None
    last = month_option("--to", end, last=True) if end is not None else None
    if first and last and first > last:
        terminal.fail(f"--from {first} is after --to {last}")
    return first, last


def resolve(con: duckdb.DuckDBPyConnection, start: str | None, end: str | None) -> tuple[str, str]:
    """The period with its open sides closed (from the first month the warehouse covers, to the last loaded);
    exit 2 with one line when no source delivered any month of it and no unit is dated in it (undelivered())."""
    first, last, refusal = undelivered(con, start, end)
    if refusal:
        terminal.fail(refusal)
    return first, last


def undelivered(con: duckdb.DuckDBPyConnection, start: str | None, end: str | None) -> tuple[str, str, str | None]:
    """The period with its open sides closed, and the one line refusing it when no source delivered any month
    of it and no unit is dated in it: its figures would be zeros that mean "not delivered", not "none". (Units
    dated before the first delivery are counted, with a coverage of 0 months.) `tipstats report` refuses such
    a period by the same rule and in the same words."""
    first, last, delivered, units, loaded_first, loaded_last = query(con, "stats_period", [start, end])[0]
    if delivered or units:
        return first, last, None
    asked = (f"in {first} … {last}" if start is not None and end is not None
             else f"from {start}" if start is not None else f"up to {end}" if end is not None
             else f"in {first} … {last}")
    loaded = f"loaded months are {loaded_first} … {loaded_last}" if loaded_first else "no month is loaded"
    return first, last, f"no source delivered any month {asked}: {loaded}"


def compute(con: duckdb.DuckDBPyConnection, year: int | None, group: str = "all",
            by: str | list[str] | None = None, period: tuple[str, str] | None = None) -> dict:
    """The `stats --json` object for a calendar year, or for `period` (first and last month, 'YYYY-MM'):
    totals, or with `by` a list `rows` (one per dimension value); `by` a list of two or three dimensions
    cross-classifies the count figures (cross())."""
    start, end = (f"{year:04d}-01", f"{year:04d}-12") if year is not None else period
    if isinstance(by, (list, tuple)):
        if len(by) > 1:
            return cross(con, year, start, end, group, list(by))
        by = by[0] if by else None
    params = [start, end, GROUPS[group], by or "total"]
    rows: dict[str, dict] = {}

    def row(value):
        if value not in rows:
            rows[value] = {
                **dict.fromkeys(COUNT_FIGURES, 0),
                "sentences": {"total": 0, **dict.fromkeys(codes.code_list("sentence_category"), 0)},
                **dict.fromkeys(PERSON_FIGURES, 0), "prison_months_min": None, "prison_months_max": None,
            }
        return rows[value]

    for value, figure, n in query(con, "stats_counts", params):
        row(value)[figure] = n
    for value, category, n in query(con, "stats_sentences", params):
        sentences = row(value)["sentences"]
        sentences[category] += n
        sentences["total"] += n
    for value, *figures in query(con, "stats_persons_below_minimum", params):
        row(value).update(zip(PERSON_FIGURES, figures))
    result = {"year": year} if year is not None else {}
    result.update({"from": start, "to": end, "group": group})
    if by is None:
        result.update(row("all"))
        result.update(tip_figures(con, start, end, group))
    else:
        result["by"] = by
        result["rows"] = [{by: value, **rows[value]} for value in sorted(rows, key=dimension_order(by))]
    result["coverage"] = coverage(con, year, start, end)
    return result


def coverage(con: duckdb.DuckDBPyConnection, year: int | None, start: str, end: str) -> dict:
    """Months delivered per source; a year's coverage keeps the key it has always had, any other period counts
    its own months."""
    months_key = "months_in_year" if year is not None else "months_in_period"
    return {source: {"months_delivered": delivered, months_key: months}
            for source, delivered, months in query(con, "stats_coverage", [start, end])}


def cross(con: duckdb.DuckDBPyConnection, year: int | None, start: str, end: str, group: str,
          dimensions: list[str]) -> dict:
    """The count figures cross-classified by two or three dimensions: `by` the list, one row per combination
    of values counted (in each dimension's order), each with every count figure (null where a dimension does
    not apply to it). Sentence figures are broken down by one dimension only."""
    padded = [*dimensions, *["total"] * (MAX_CROSS - len(dimensions))]
    rows: dict[tuple, dict] = {}
    for *values, figure, n in query(con, "stats_cross", [start, end, GROUPS[group], *padded]):
        key = tuple(values[: len(dimensions)])
        rows.setdefault(key, dict.fromkeys(COUNT_FIGURES, 0))[figure] = n
    orders = [dimension_order(d) for d in dimensions]
    ordered = sorted(rows, key=lambda key: [order(v) for order, v in zip(orders, key)])
    result = {"year": year} if year is not None else {}
    result.update({"from": start, "to": end, "group": group, "by": dimensions,
                   "rows": [{**dict(zip(dimensions, key)), **rows[key]} for key in ordered]})
    result["coverage"] = coverage(con, year, start, end)
    return result


def tip_figures(con: duckdb.DuckDBPyConnection, start: str, end: str, group: str) -> dict:
    """The TIP paragraph's figures that the counts above lack. `victims_trafficking_and_related` holds the
    victims of the report's published victim tables (groups trafficking and related, whatever `group`), so
    that the paragraph can state those the public edition shows."""
    out = dict(query(con, "stats_tip", [start, end, GROUPS[group]]))
    officials = {figure: n for value, figure, n in query(con, "stats_counts", [start, end, GROUPS[group], "public_official"])
                 if value == "yes"}
    out.update({key: officials.get(figure) or 0 for key, figure in OFFICIAL_FIGURES.items()})
    victims = {"total": 0, **{d: {} for d in VICTIM_DIMENSIONS}}
    for dimension in VICTIM_DIMENSIONS:
        for value, figure, n in query(con, "stats_counts", [start, end, GROUPS["all"], dimension]):
            if figure == "victims_identified" and n:
                victims[dimension][value] = n
        victims["total"] = sum(victims[dimension].values())
    out["victims_trafficking_and_related"] = victims
    return out


def dimension_order(dimension: str):
    """Code-list order (regions, sexes, groups…), unknown last, anything else alphabetically."""
    lists = {"region": "region", "court": "region", "office": "region", "exploitation_form": "exploitation_form",
             "sex": "sex"}
    fixed = {"group": ["trafficking", "related", "other"], "age_group": ["child", "adult"],
             "citizenship_group": ["national", "foreign"], "public_official": ["yes", "no"]}
    order = list(codes.code_list(lists[dimension])) if dimension in lists else fixed.get(dimension, [])

    def key(value):
        unknown = value in ("unknown", "U")
        return (unknown, order.index(value) if value in order else len(order), value)

    return key


def stats(
    year: Annotated[Optional[int], typer.Option(help="Calendar year of the figures (or use --from/--to).")] = None,
    start: Annotated[Optional[str], typer.Option("--from", help="First month (YYYY-MM) or year (YYYY) of the period; alone: up to the last loaded month.")] = None,
    end: Annotated[Optional[str], typer.Option("--to", help="Last month (YYYY-MM) or year (YYYY) of the period; alone: from the first month the warehouse covers.")] = None,
    group: Annotated[str, typer.Option(help="trafficking, related or all (= trafficking + related).")] = "all",
    by: Annotated[Optional[list[str]], typer.Option(help="Break down by " + ", ".join(DIMENSIONS) + "; given two or three times, the count figures cross-classified.")] = None,
    as_json: Annotated[bool, typer.Option("--json", help="Print one JSON object.")] = False,
) -> None:
    """The figures of a year or a period, unsuppressed (internal): investigations, prosecutions, convictions,
    sentences."""
    if year is None and start is None and end is None:
        terminal.fail("give --year, or --from and/or --to")
    start, end = period_options(year, start, end)
    if group not in GROUPS:
        terminal.fail(f"--group must be one of {', '.join(GROUPS)}, not {group!r}")
    for dimension in by or []:
        if dimension not in DIMENSIONS:
            terminal.fail(f"--by must be one of {', '.join(DIMENSIONS)}, not {dimension!r}")
    if by and (len(by) > MAX_CROSS or len(set(by)) < len(by)):
        terminal.fail(f"--by may be given up to {MAX_CROSS} times, each with another dimension")
    with terminal.warehouse() as con:
        period = resolve(con, start, end)
        result = compute(con, year, group, by, period)
    if as_json:
        print(json.dumps(result, indent=2, ensure_ascii=False))
    else:
        print_stats(result)


def print_stats(result: dict) -> None:
    rows = result["rows"] if "rows" in result else [{"value": "all", **result}]
    by = result.get("by") or "value"
    labels = [by] if isinstance(by, str) else by
    columns = [" · ".join(str(r.get(label, "all")) for label in labels) for r in rows]
    when = result.get("year") or f"{result['from']} … {result['to']}"
    table = Table("figure", *columns, title=f"{when}, group {result['group']}"
                  + (f", by {' × '.join(labels)}" if result.get("by") else ""))
    shown = terminal.cell
    for figure in COUNT_FIGURES:
        table.add_row(figure, *[shown(r[figure]) for r in rows])
    if len(labels) > 1:  # cross-classified: count figures only
        terminal.out.print(table)
        return print_coverage(result)
    for category in ["total", *codes.code_list("sentence_category")]:
        table.add_row(f"sentences: {category}", *[shown(r["sentences"][category]) for r in rows])
    for figure in PERSON_FIGURES:
        table.add_row(figure, *[shown(r[figure]) for r in rows])
    terminal.out.print(table)
    print_coverage(result)


def print_coverage(result: dict) -> None:
    cover = ", ".join(f"{s} {c['months_delivered']}/{c.get('months_in_year', c.get('months_in_period'))}"
                      for s, c in result["coverage"].items())
    terminal.out.print(f"Coverage (months delivered): {cover}")


def register(app: typer.Typer) -> None:
    app.command()(stats)
