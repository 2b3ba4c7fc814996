"""`tipstats sentences`: every sentenced charge against its statutory range, from mart_sentences.

The query is warehouse/queries/sentences.sql; this module only chooses the columns a user may see
(case numbers and pseudonyms only with --restricted) and formats the rows.
"""
from __future__ import annotations

import json
import sys
from enum import Enum
from typing import Annotated, Optional

import duckdb
import pandas as pd
import typer

from pipeline import terminal
from pipeline.export import neutralise
from pipeline.settings import SQL_DIR

QUERY = SQL_DIR / "queries" / "sentences.sql"
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


def sentences(
    year: Annotated[Optional[int], typer.Option(help="Only sentences of this year (of the judgment date).")] = None,
    below_minimum: Annotated[bool, typer.Option("--below-minimum", help="Only sentences below the statutory minimum (no prison, suspended or a shorter term, where the minimum is known).")] = False,
    instance: Annotated[Basis, typer.Option("--instance", help="first: first-instance convictions; final: the final sentence of each charge.")] = Basis.first,
    fmt: Annotated[Format, typer.Option("--format", help="table, csv or json (a list of objects).")] = Format.table,
    restricted: Annotated[bool, typer.Option("--restricted", help="Also show judgment_id, judgment_date and the person and judge pseudonyms (restricted output).")] = False,
) -> None:
    """Sentenced charges against the statutory minimum: law applied, range, sentence, category."""
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


def register(app: typer.Typer) -> None:
    app.command("sentences")(sentences)
