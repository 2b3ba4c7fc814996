"""Rebuild the statistics: reference tables from the data pack, then the model files of warehouse/.

Models are one SQL file each, in layers staging (stg_*) → core (int_*) → marts (mart_*). They run in
dependency order: each file is parsed with sqlglot (DuckDB dialect), and a model depends on the models its
statement reads as tables (not the names of its own CTEs, nor names in its comments or strings). A file
sqlglot cannot parse stops the build.

A refresh rebuilds only what it touched when it can, that is when the statistics were last built from the
same inputs: models, macros, data pack, and the first month each source delivered. A model whose file says
`-- incremental by: <column>` is then recomputed for the touched values of that column only, reading only
those rows of every table it reads that has the column, and its other rows are kept. That is sound because
such a model's rows for one value depend only on input rows with the same value (a person's units on that
person's rows; tables without the column, such as the cases, are read whole). The touched values are the
refresh's records (stored or forgotten), then the cases, persons and victims of their rows before and after
(warehouse/scope/). Models without the line are rebuilt whole.
"""
from __future__ import annotations

import functools
import hashlib
import re
from dataclasses import dataclass
from graphlib import TopologicalSorter
from pathlib import Path

import duckdb
import pandas as pd
import sqlglot
from sqlglot import exp

from contracts import SOURCES, codes, pack
from pipeline.settings import SQL_DIR, Limits

LAYERS = ("staging", "core", "marts")
CREATES = re.compile(r"^create or replace (table|view) ([a-z0-9_]+) as\b", re.MULTILINE)  # its select follows
INCREMENTAL_BY = re.compile(r"^-- incremental by: ([a-z_]+)$", re.MULTILINE)
TOUCHED = "touched_ids"  # (kind, id): the records, cases, persons and victims a refresh touched
# DuckDB pins, until the commit, about this many bytes per row of a table whose rows were deleted here and
# there (version information for every vector of 2,048 rows; measured at 10M rows: three tables of 13M rows
# took 750 MB). Touched rows are deleted in place while the tables' total stays within half the memory limit
# (the other half is left to the queries, which spill past it); a larger table is written anew instead, which
# costs a copy of it (at 1M judgment rows, a month's incremental rebuild took 26.1 s with a quarter, 16.0 s
# with half; peak memory 1,076 MB and 1,086 MB).
PINNED_PER_ROW = 28
FINGERPRINT = "stats_fingerprint"  # meta: a hash of the inputs the statistics were last built from
GROUP_RANK = {"trafficking": 3, "related": 2, "other": 1}  # a unit takes its highest group


def model_files() -> dict[str, Path]:
    return {p.stem: p for layer in LAYERS for p in sorted((SQL_DIR / layer).glob("*.sql"))}


@dataclass(frozen=True)
class Model:
    name: str  # the name its statement creates
    kind: str  # table or view
    reads: frozenset[str]  # the tables (and views) it reads, its own CTEs aside


class ModelParseError(ValueError):
    """A model file that is not one `create or replace table|view … as …` statement sqlglot can parse."""


def parse_model(path: Path, text: str | None = None) -> Model:
    """The model of a file (`text` = its SQL, read from it if not given), as sqlglot parses it."""
    file = path.relative_to(SQL_DIR) if path.is_relative_to(SQL_DIR) else path
    return _parse_model(path.read_text() if text is None else text, str(file))


@functools.lru_cache(maxsize=256)  # a refresh parses every model; tests refresh many times
def _parse_model(text: str, file: str) -> Model:
    try:
        statements = [s for s in sqlglot.parse(text, read="duckdb") if s is not None]
    except sqlglot.errors.SqlglotError as e:  # its message underlines the place with terminal escapes
        first = (getattr(e, "errors", None) or [{}])[0]
        where = f" (line {first['line']}, column {first['col']})" if first.get("line") else ""
        raise ModelParseError(f"model {file}: sqlglot cannot parse it: {first.get('description') or e}{where}") from e
    if len(statements) != 1 or not isinstance(statements[0], exp.Create) \
            or statements[0].kind not in ("TABLE", "VIEW") or statements[0].find(exp.Command):
        raise ModelParseError(f"model {file}: sqlglot does not read it as one create table or view statement")
    create = statements[0]
    target = create.this.find(exp.Table)
    ctes = {cte.alias_or_name.lower() for cte in create.find_all(exp.CTE)}
    reads = {t.name.lower() for t in create.find_all(exp.Table) if t is not target} - ctes
    return Model(target.name.lower(), create.kind.lower(), frozenset(reads))


def model_graph(files: dict[str, Path]) -> dict[str, list[str]]:
    """Each model's file name → the other models it reads."""
    return {name: sorted((parse_model(path).reads & files.keys()) - {name}) for name, path in sorted(files.items())}


def build_order(files: dict[str, Path]) -> list[str]:
    """The models in an order where each comes after the models it reads."""
    return list(TopologicalSorter(model_graph(files)).static_order())


def statute_table() -> pd.DataFrame:
    """The pack's statutes.csv typed: empty paragraph, bound or date = null; `none` (no mandatory minimum,
    no maximum) = 0 months for a minimum and null for a maximum; flags as booleans. A provision's versions
    share its statute_id; an empty offence_key is the provision itself."""
    table = pd.DataFrame(codes.statutes())
    for column in ("paragraph", "offence_key", "fine", "valid_to", "max_months", "min_months", "valid_from"):
        table[column] = table[column].replace("", None)
    table["min_months"] = table["min_months"].replace("none", "0")
    table["max_months"] = table["max_months"].replace("none", None)
    for column in ("min_months", "max_months"):
        table[column] = pd.to_numeric(table[column]).astype("Float64")
    for column in ("valid_from", "valid_to"):
        table[column] = pd.to_datetime(table[column]).astype("datetime64[s]")
    for column in ("verified_range", "verified_dates", "verified_article"):
        table[column] = table[column].str.lower().eq("true")
    table["statute_id"] = table["law"] + "." + table["article"] + ("." + table["paragraph"]).fillna("")
    table["offence_key"] = table["offence_key"].fillna(table["statute_id"])
    return table


# code lists that are not a list of codes (aliases, prefixes, headers) or have a table of their own
NOT_CODE_LISTS = ("region_aliases", "region_prefixes", "pii_columns", "offence_aliases", "citizenship_groups")


def code_table() -> pd.DataFrame:
    rows = []
    for path in sorted(codes.codes_dir().glob("*.csv")):
        if path.stem in NOT_CODE_LISTS:
            continue
        for order, row in enumerate(codes.read_rows(path)):
            rows.append({"list": path.stem, "code": row.get("code"),
                         "label": row.get("label") or row.get("title") or "", "sort_order": order})
    return pd.DataFrame(rows)


def pack_tables() -> dict[str, pd.DataFrame]:
    """The pack's settings and hierarchy as the tables the models read (docs/packs.md)."""
    p = pack.active()
    region = pd.DataFrame(codes.rows("region"))
    courts = region[region["level"].isin(p.court_levels)]
    offices = region[region["level"].isin(p.office_levels)]
    labels = codes.code_labels("instance")
    mitigation = pd.DataFrame(codes.rows("mitigation"))
    verdicts = pd.DataFrame(codes.rows("verdict"))
    groups = pd.DataFrame(codes.rows("citizenship_groups"),
                          columns=["group", "code", "valid_from", "valid_to"]).astype("str")
    return {
        "ref_pack": pd.DataFrame([{
            "name": p.name, "country": p.country, "country_code": p.country_code, "currency": p.currency,
            "law_in_force": p.law_in_force, "plea_agreement_is_ground": p.plea_agreement_is_ground,
            "national_citizenship": list(p.national_citizenship), "version": p.version,
        }]),
        "ref_courts": pd.DataFrame({
            "code": courts["code"], "label": courts["label"], "level": courts["level"],
            "region": courts["region"].where(courts["region"] != "", courts["code"]),
            "sort_order": range(len(courts)),
        }),
        "ref_instances": pd.DataFrame([{"instance": i.code, "label": labels.get(i.code, i.code), "rank": i.rank,
                                        "level": i.level} for i in p.instances]),
        "ref_verdicts": pd.DataFrame({"instance": verdicts["instance"], "verdict": verdicts["code"],
                                      "convicting": verdicts["convicting"].str.lower().eq("true")}),
        "ref_offices": pd.DataFrame({"office": offices["code"],
                                     "court": pd.array([codes.office_court(c) for c in offices["code"]], dtype="str")}),
        "ref_mitigations": pd.DataFrame({"code": mitigation["code"],
                                         "legal_ground": mitigation["legal_ground"].str.lower().eq("true")}),
        "ref_citizenship_groups": groups.assign(
            valid_from=pd.to_datetime(groups["valid_from"].replace("", None)).astype("datetime64[s]"),
            valid_to=pd.to_datetime(groups["valid_to"].replace("", None)).astype("datetime64[s]")),
    }


def load_reference(con: duckdb.DuckDBPyConnection) -> list[str]:
    """Load the reference tables; returns them as CSV text (what the statistics were built from)."""
    tables = {
        "ref_statutes": statute_table(),
        "ref_codes": code_table(),
        "ref_groups": pd.DataFrame({"group": list(GROUP_RANK), "group_rank": list(GROUP_RANK.values())}),
        **pack_tables(),
    }
    for name, frame in tables.items():
        con.register("reference", frame)
        con.execute(f"create or replace table {name} as select * from reference")
        con.unregister("reference")
    return [frame.to_csv(index=False) for frame in tables.values()]


def begin_scope(con: duckdb.DuckDBPyConnection) -> None:
    """Start collecting what a refresh touches (a table of its transaction, gone after it)."""
    con.execute(f"create or replace table {TOUCHED} (kind varchar not null, id varchar not null)")


def touch_records(con: duckdb.DuckDBPyConnection, select_record_keys: str, parameters: list) -> None:
    """Mark records as touched: `select_record_keys` selects their record_key."""
    con.execute(f"insert into {TOUCHED} select 'record_key', record_key from ({select_record_keys})", parameters)


def touch_current_rows(con: duckdb.DuckDBPyConnection) -> None:
    """Mark as touched the cases, persons and victims of the current rows of the touched records."""
    con.execute((SQL_DIR / "scope" / "touched_ids.sql").read_text())


def rebuild(con: duckdb.DuckDBPyConnection, load_id: int | None = None) -> dict[str, int] | None:
    """Rebuild the statistics: with the refresh's load_id (begin_scope called before it stored anything),
    only what the refresh touched when the statistics were last built from the same inputs; else whole.
    Returns how many records, cases, persons and victims were touched, or None when it rebuilt whole."""
    reference = load_reference(con)
    macros = (SQL_DIR / "macros.sql").read_text()
    con.execute(macros)
    files = model_files()
    sql = {name: path.read_text() for name, path in files.items()}
    # the backlog's opening stock hangs on the first month the prosecutions delivered: a global input too
    first_months = con.execute("select string_agg(source || ' ' || month, ',' order by source) from ("
                               "select source, min(month) as month from deliveries "
                               "where status in ('delivered', 'nil_return') group by source)").fetchone()[0]
    inputs = [macros, *reference, str(first_months), *(sql[n] for n in sorted(sql))]
    fingerprint = hashlib.sha256("\0".join(inputs).encode()).hexdigest()
    order = build_order(files)
    staged = [n for n in order if n.startswith("stg_")]  # first: the scope is read off them
    order = staged + [n for n in order if n not in staged]
    incremental = load_id is not None and _built_from(con, fingerprint, files)
    touched = None
    room = Limits.from_env().memory_mb * 1024 * 1024 // 2  # for version information pinned by deletes
    if incremental:
        for source in SOURCES:
            touch_records(con, f"select record_key from {source} where load_id = ?", [load_id])
    for name in order:
        try:
            if name == staged[0]:
                if incremental:
                    touch_current_rows(con)  # the rows about to be replaced
                mark_current(con, incremental)
            by = INCREMENTAL_BY.search(sql[name])
            if incremental and by:
                room = _rebuild_touched(con, parse_model(files[name], sql[name]), sql[name], by.group(1), room)
            else:
                _drop_if_kind_changed(con, parse_model(files[name], sql[name]))
                con.execute(sql[name])
            if incremental and name == staged[-1]:
                touch_current_rows(con)  # the rows now current
                con.execute((SQL_DIR / "scope" / "touched_closure.sql").read_text())
                touched = dict(con.execute(f"select kind, count(distinct id) from {TOUCHED} group by kind").fetchall())
        except duckdb.Error as e:
            raise RuntimeError(f"model {files[name].relative_to(SQL_DIR)}: {e}") from e
    con.execute("insert or replace into meta values (?, ?)", [FINGERPRINT, fingerprint])
    con.execute(f"drop table if exists {TOUCHED}")
    return touched


def mark_current(con: duckdb.DuckDBPyConnection, touched_only: bool) -> None:
    """Mark the current version of every record of the version tables (the stg_* views read the mark), or
    (touched_only) of the records a refresh touched."""
    scope = f"record_key in (select id from {TOUCHED} where kind = 'record_key')" if touched_only else "true"
    for source in SOURCES:
        con.execute((SQL_DIR / "load" / "current.sql").read_text().format(table=source, scope=scope))


def _built_from(con: duckdb.DuckDBPyConnection, fingerprint: str, files: dict[str, Path]) -> bool:
    """Whether every model's table is there, built from these inputs, and begin_scope was called."""
    built = {r[0] for r in con.execute(
        "select table_name from information_schema.tables where table_schema = 'main'").fetchall()}
    row = con.execute("select value from meta where name = ?", [FINGERPRINT]).fetchone()
    return row == (fingerprint,) and files.keys() <= built and TOUCHED in built


def _rebuild_touched(con: duckdb.DuckDBPyConnection, model: Model, sql: str, column: str, room: int) -> int:
    """Recompute `model` for the touched values of `column`, reading only those rows of the tables it
    reads that have the column (temporary views shadow them), and put them in place of its touched rows: in
    place while the memory the deletes pin fits in `room` (returned, less what they took), else by writing the
    table anew."""
    database = con.execute("select current_database()").fetchone()[0]
    has_column = {r[0] for r in con.execute(
        "select table_name from information_schema.columns where table_schema = 'main' and table_catalog = ? "
        "and column_name = ?", [database, column]).fetchall()}
    name = model.name
    inputs = sorted((model.reads & has_column) - {name})
    in_scope = f"{column} in (select id from {TOUCHED} where kind = '{column}')"
    for table in inputs:
        con.execute(f"create or replace temp view {table} as select * from {database}.main.{table} "
                    f"where {in_scope}")
    query = sql[CREATES.search(sql).end():]  # the model's select
    rows = con.execute(f"select count(*) from {name}").fetchone()[0]
    if rows * PINNED_PER_ROW <= room:
        con.execute(f"delete from {name} where {in_scope}")
        con.execute(f"insert into {name} select * from ({query})")
        room -= rows * PINNED_PER_ROW
    else:
        con.execute(f"create or replace table {name} as select * from {name} "
                    f"where not coalesce({in_scope}, false) union all select * from ({query})")
    for table in inputs:  # (on an error the transaction is rolled back, and the views with it)
        con.execute(f"drop view temp.main.{table}")
    return room


def _drop_if_kind_changed(con: duckdb.DuckDBPyConnection, model: Model) -> None:
    """A model that became a view (or a table) replaces the object an older warehouse holds under its name."""
    kind, name = model.kind, model.name
    row = con.execute("select table_type from information_schema.tables where table_schema = 'main' "
                      "and table_name = ?", [name]).fetchone()
    if row is not None and (row[0] == "VIEW") != (kind == "view"):
        con.execute(f"drop {'view' if row[0] == 'VIEW' else 'table'} {name}")
