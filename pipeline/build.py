"""Rebuild the statistics: reference tables from the data pack, then the model files of warehouse/.

Models are one SQL file each, in layers staging (stg_*) → core (int_*) → marts (mart_*). A model names the
models it reads, so they run in dependency order, found from the names each file mentions.
"""
from __future__ import annotations

import re
from graphlib import TopologicalSorter
from pathlib import Path

import duckdb
import pandas as pd

from contracts import codes
from pipeline.settings import SQL_DIR

LAYERS = ("staging", "core", "marts")
MODEL_NAME = re.compile(r"\b((?:stg|int|mart)_[a-z0-9_]+)\b")
CREATES = re.compile(r"^create or replace (table|view) ([a-z0-9_]+)", re.MULTILINE)
GROUP_RANK = {"trafficking": 3, "related": 2, "other": 1}  # a unit takes its highest group


def model_files() -> dict[str, Path]:
    return {p.stem: p for layer in LAYERS for p in sorted((SQL_DIR / layer).glob("*.sql"))}


def build_order(files: dict[str, Path]) -> list[str]:
    graph = {}
    for name, path in files.items():
        mentioned = set(MODEL_NAME.findall(path.read_text())) & files.keys()
        graph[name] = sorted(mentioned - {name})
    return list(TopologicalSorter(dict(sorted(graph.items()))).static_order())


def statute_table() -> pd.DataFrame:
    """contracts/statutes.csv typed: empty paragraph, bound or date = null; flags as booleans."""
    table = pd.DataFrame(codes.statutes())
    for column in ("paragraph", "offence_key", "fine", "valid_to", "max_months", "min_months", "valid_from"):
        table[column] = table[column].replace("", None)
    for column in ("min_months", "max_months"):
        table[column] = pd.to_numeric(table[column]).astype("Float64")
    for column in ("valid_from", "valid_to"):
        table[column] = pd.to_datetime(table[column]).astype("datetime64[s]")
    for column in ("verified_range", "verified_dates", "verified_article"):
        table[column] = table[column].str.lower().eq("true")
    table["statute_id"] = table["law"] + "." + table["article"] + ("." + table["paragraph"]).fillna("")
    return table


def code_table() -> pd.DataFrame:
    rows = []
    for path in sorted(codes.CODES_DIR.glob("*.csv")):
        if path.stem in ("region_aliases", "region_prefixes", "pii_columns"):
            continue
        for order, row in enumerate(codes.read_rows(path)):
            rows.append({"list": path.stem, "code": row.get("code") or row.get("column"),
                         "label": row.get("label") or row.get("title") or "", "sort_order": order})
    return pd.DataFrame(rows)


def load_reference(con: duckdb.DuckDBPyConnection) -> None:
    tables = {
        "ref_statutes": statute_table(),
        "ref_codes": code_table(),
        "ref_groups": pd.DataFrame({"group": list(GROUP_RANK), "group_rank": list(GROUP_RANK.values())}),
    }
    for name, frame in tables.items():
        con.register("reference", frame)
        con.execute(f"create or replace table {name} as select * from reference")
        con.unregister("reference")


def rebuild(con: duckdb.DuckDBPyConnection) -> list[str]:
    load_reference(con)
    con.execute((SQL_DIR / "macros.sql").read_text())
    files = model_files()
    order = build_order(files)
    for name in order:
        sql = files[name].read_text()
        try:
            _drop_if_kind_changed(con, sql)
            con.execute(sql)
        except duckdb.Error as e:
            raise RuntimeError(f"model {files[name].relative_to(SQL_DIR)}: {e}") from e
    return order


def _drop_if_kind_changed(con: duckdb.DuckDBPyConnection, sql: str) -> None:
    """A model that became a view (or a table) replaces the object an older warehouse holds under its name."""
    kind, name = CREATES.search(sql).groups()
    row = con.execute("select table_type from information_schema.tables where table_schema = 'main' "
                      "and table_name = ?", [name]).fetchone()
    if row is not None and (row[0] == "VIEW") != (kind == "view"):
        con.execute(f"drop {'view' if row[0] == 'VIEW' else 'table'} {name}")
