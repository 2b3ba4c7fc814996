"""`tipstats stats`: the year's figures (DATA-SPEC section 4), unsuppressed, from the marts.

Each figure comes from one query file in warehouse/queries/, so every number printed here can be
reproduced with that query (see docs/data-dictionary.md).
"""
from __future__ import annotations

import json
from typing import Annotated, Optional

import duckdb
import typer
from rich.table import Table

from contracts import codes
from pipeline import terminal
from pipeline.settings import SQL_DIR

GROUPS = {"trafficking": ["trafficking"], "related": ["related"], "all": ["trafficking", "related"]}
DIMENSIONS = ("region", "court", "office", "group", "exploitation_form", "sex", "age_group",
              "citizenship_group", "public_official")
COUNT_FIGURES = ("investigated_cases", "investigated_persons", "prosecuted_persons", "convicted_persons",
                 "final_convictions", "acquitted_persons", "victims_identified", "child_victims")
PERSON_FIGURES = ("sentenced_persons", "below_minimum_persons", "prison_months_min", "prison_months_max",
                  "suspended_term_persons", "no_prison_persons", "sentences_on_charged_version")


def query(con: duckdb.DuckDBPyConnection, name: str, params: list) -> list[tuple]:
    return con.execute((SQL_DIR / "queries" / f"{name}.sql").read_text(), params).fetchall()


def compute(con: duckdb.DuckDBPyConnection, year: int, group: str = "all", by: str | None = None) -> dict:
    """The `stats --json` object: totals, or with `by` a list `rows` (one per dimension value)."""
    params = [year, GROUPS[group], by or "total"]
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
    coverage = {source: {"months_delivered": delivered, "months_in_year": months}
                for source, delivered, months in query(con, "stats_coverage", [year])}
    result = {"year": year, "group": group}
    if by is None:
        result.update(row("all"))
    else:
        result["by"] = by
        result["rows"] = [{by: value, **rows[value]} for value in sorted(rows, key=dimension_order(by))]
    result["coverage"] = coverage
    return result


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
    year: Annotated[int, typer.Option(help="Calendar year of the figures.")],
    group: Annotated[str, typer.Option(help="trafficking, related or all (= trafficking + related).")] = "all",
    by: Annotated[Optional[str], typer.Option(help="Break down by " + ", ".join(DIMENSIONS) + ".")] = None,
    as_json: Annotated[bool, typer.Option("--json", help="Print one JSON object.")] = False,
) -> None:
    """The year's figures, unsuppressed (internal): investigations, prosecutions, convictions, sentences."""
    if group not in GROUPS:
        terminal.fail(f"--group must be one of {', '.join(GROUPS)}, not {group!r}")
    if by is not None and by not in DIMENSIONS:
        terminal.fail(f"--by must be one of {', '.join(DIMENSIONS)}, not {by!r}")
    with terminal.warehouse() as con:
        result = compute(con, year, group, by)
    if as_json:
        print(json.dumps(result, indent=2, ensure_ascii=False))
    else:
        print_stats(result)


def print_stats(result: dict) -> None:
    rows = result.get("rows") or [{"value": "all", **result}]
    label = result.get("by") or "value"
    columns = [str(r.get(label, "all")) for r in rows]
    table = Table("figure", *columns, title=f"{result['year']}, group {result['group']}"
                  + (f", by {result['by']}" if result.get("by") else ""))
    shown = terminal.cell
    for figure in COUNT_FIGURES:
        table.add_row(figure, *[shown(r[figure]) for r in rows])
    for category in ["total", *codes.code_list("sentence_category")]:
        table.add_row(f"sentences: {category}", *[shown(r["sentences"][category]) for r in rows])
    for figure in PERSON_FIGURES:
        table.add_row(figure, *[shown(r[figure]) for r in rows])
    terminal.out.print(table)
    cover = ", ".join(f"{s} {c['months_delivered']}/{c['months_in_year']}" for s, c in result["coverage"].items())
    terminal.out.print(f"Coverage (months delivered): {cover}")


def register(app: typer.Typer) -> None:
    app.command()(stats)
