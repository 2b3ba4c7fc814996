"""Where validation puts a file's rows, chunk by chunk: a DuckDB table, so that memory stays bounded whatever
the file's size. In a refresh it is a table of the warehouse, created and dropped inside the refresh's
transaction (never committed): DuckDB writes its row groups to the database file as they fill, where a
temporary table would stay in memory.

Every row of the file is staged with its line, whether it passed the contracts, and its key as the
duplicate check saw it, so that keys sent again in a later chunk are found by one query over the whole file.
Person identifiers are pseudonymised before they are staged, so no clear identifier can reach a spill file.

In a refresh (`load_id` given) each valid row is written once: straight into its version table, with its
lineage, record key and row hash (warehouse/load/store.sql), while the staging table keeps only the
bookkeeping, the key and the person columns. A row found duplicated in a later chunk is taken out of the
version table again, and a file refused part-way leaves nothing there. Without a load (`tipstats
validate`, tests) every column is staged, in memory, and nothing is stored.
"""
from __future__ import annotations

import atexit
import itertools
import shutil
import tempfile
import weakref

import duckdb
import pandas as pd
import pyarrow as pa

from contracts.base import Source
from pipeline import pseudonym
from pipeline.settings import SQL_DIR, Limits

_numbers = itertools.count(1)
_scratch: duckdb.DuckDBPyConnection | None = None
DTYPES = {"date": "datetime64[s]", "int": "Int64", "decimal": "Float64", "bool": "boolean"}
FLAGS = ["position", "line", "valid", "flagged"]  # bookkeeping columns in front of the source's columns
PERSON_KEYS = {"person_id": "person_key", "victim_id": "victim_key", "judge_id": "judge_key"}  # stored as


def scratch() -> duckdb.DuckDBPyConnection:
    """An in-memory database for validating without a warehouse (`tipstats validate`, tests), with the
    warehouse's memory limit; past it, DuckDB spills to a private temporary folder."""
    global _scratch
    if _scratch is None:
        _scratch = duckdb.connect()
        _scratch.execute("set memory_limit = ?", [f"{Limits.from_env().memory_mb}MB"])
        spill = tempfile.mkdtemp(prefix="tipstats-")
        atexit.register(shutil.rmtree, spill, True)
        _scratch.execute("set temp_directory = ?", [spill])
    return _scratch


class Staging:
    """One file's staged rows in table `name` of `con`.

    key: person columns are pseudonymised with it as they are staged, in the query that reads the chunk, so
    that only pseudonyms are written (None: kept as validated, for `validate` and tests, which stage in
    memory). load_id (with the file's `result`): a refresh's load, whose version table gets the valid rows.
    """

    def __init__(self, spec: Source, result=None, con: duckdb.DuckDBPyConnection | None = None,
                 key: bytes | None = None, load_id: int | None = None):
        self.spec, self.key = spec, key
        self.con = con if con is not None else scratch()
        self.name = f"staged_{spec.name}_{next(_numbers)}"
        self.columns = [c.name for c in spec.columns] + ["withdrawn"]
        self.store = None
        if load_id is not None:  # (month, load_id, file hash): the lineage of every stored row
            self.store = (result.month, load_id, result.sha256)
            self.columns = list(dict.fromkeys([*spec.key, *spec.person_columns]))
        self.created = False
        # the table goes with the object: a validation result that is dropped leaves nothing behind
        self._finalizer = weakref.finalize(self, _drop, self.con, self.name)

    def append(self, typed: pd.DataFrame, lines: pd.Series, valid: pd.Series, flagged: pd.Series) -> None:
        """Stage a chunk (and store its valid rows, in a refresh): `typed` holds every row (a row whose key
        failed an earlier stage has its first required key column null, as the duplicate check saw it)."""
        frame = typed[[c.name for c in self.spec.columns] + ["withdrawn"]].copy()
        frame.insert(0, "flagged", flagged.to_numpy(dtype=bool))
        frame.insert(0, "valid", valid.to_numpy(dtype=bool))
        frame.insert(0, "line", lines.to_numpy(dtype="int64"))
        frame.insert(0, "position", typed.index.to_numpy(dtype="int64"))
        # scanned as an Arrow table named in the query: a frame registered with the connection stays pinned in
        # memory until the refresh's transaction ends (DuckDB 2), an Arrow table goes when the query ends
        chunk = arrow(frame)
        if self.key is not None:  # pseudonymised once, in memory, for both writes below
            replaced = ", ".join(f"{pseudonym.sql(c)} as {c}" for c in self.spec.person_columns)
            # on a cursor of its own: it reads only the chunk, and a relation (no copy of the rows, unlike an
            # execute() result's Arrow) may not run on a connection that has another result open
            with self.con.cursor() as cursor:
                chunk = cursor.sql(f"select * replace ({replaced}) from chunk",
                                   params=list(pseudonym.pads(self.key))).to_arrow_table()
        rows = f"select {', '.join(FLAGS + self.columns)} from chunk"
        if not self.created:
            self.con.execute(f"create or replace table {self.name} as {rows}")
            self.created = True
        else:
            self.con.execute(f"insert into {self.name} {rows}")
        if self.store is not None:
            self.con.execute(store_sql(self.spec, "chunk"), list(self.store))

    def _duplicated(self) -> str:
        """SQL of the rows whose complete key another row of the file has too, and that the duplicate check
        of their own chunk did not already hold back."""
        key = ", ".join(self.spec.key)
        complete = " and ".join(f"{k} is not null" for k in self.spec.key if k in self.spec.required)
        return f"""
            with keyed as (
                select position, line, flagged, {key}, count(*) over (partition by {key}) as copies
                from {self.name} where {complete}
            )
            select position, line, {key} from keyed where copies > 1 and not flagged"""

    def duplicates(self, limit: int) -> pd.DataFrame:
        """The first `limit` duplicated rows (_duplicated) in file order: position, line, the key columns."""
        if not self.created or limit <= 0:
            return pd.DataFrame(columns=["position", "line", *self.spec.key])
        return self.con.execute(f"{self._duplicated()} order by position limit {int(limit)}").df()

    def reject_duplicates(self) -> int:
        """Hold back every duplicated row (_duplicated), out of the version table too; how many there were."""
        if not self.created:
            return 0
        if self.store is not None:
            self.con.execute(f"""delete from {self.spec.name} where month = ? and load_id = ? and file_sha256 = ?
                                 and line in (select line from ({self._duplicated()}))""", list(self.store))
        return self.con.execute(f"""update {self.name} set valid = false
                                    where position in (select position from ({self._duplicated()}))""").fetchone()[0]

    def rejected_lines(self, lines: pd.Series) -> list[int]:
        """Those of `lines` whose row is held back."""
        if not self.created or lines.empty:
            return []
        wanted = arrow(pd.DataFrame({"line": lines.astype("int64")}))  # noqa: F841 (read by name below)
        return [line for (line,) in self.con.execute(
            f"select line from {self.name} where not valid and line in (select line from wanted)").fetchall()]

    def count_valid(self) -> int:
        if not self.created:
            return 0
        return self.con.execute(f"select count(*) from {self.name} where valid").fetchone()[0]

    def valid(self) -> pd.DataFrame:
        """The valid rows with their line, typed as the contracts typed them (reads them all into memory)."""
        if self.store is not None:
            raise RuntimeError("a refresh's staging keeps no rows: they are in the version table")
        if not self.created:
            return pd.DataFrame(columns=["line", *self.columns])
        frame = self.con.execute(
            f"select line, {', '.join(self.columns)} from {self.name} where valid order by position").df()
        kinds = {c.name: c.kind for c in self.spec.columns}
        kinds["withdrawn"] = "bool"
        for column, kind in kinds.items():
            frame[column] = frame[column].astype(DTYPES.get(kind, "str"))
        frame["line"] = frame["line"].astype("int64")
        return frame

    def drop(self) -> None:
        """Let go of the staging table (the stored rows stay)."""
        self._finalizer()
        self.created = False

    def discard(self) -> None:
        """Let go of the file: its stored rows too (a file refused part-way)."""
        if self.store is not None and self.created:
            self.con.execute(f"delete from {self.spec.name} where month = ? and load_id = ? and file_sha256 = ?",
                             list(self.store))
        self.drop()


def store_sql(spec: Source, rows: str) -> str:
    """warehouse/load/store.sql for one source, storing the valid rows of the relation `rows`."""
    return (SQL_DIR / "load" / "store.sql").read_text().format(
        staged=rows, table=spec.name, **_columns_sql(spec))


def arrow(frame: pd.DataFrame) -> pa.Table:
    """A frame as an Arrow table, for DuckDB to scan by its variable name (see Staging.append)."""
    return pa.Table.from_pandas(frame, preserve_index=False)


def _drop(con: duckdb.DuckDBPyConnection, name: str) -> None:
    try:
        con.execute(f"drop table if exists {name}")
    except duckdb.Error:
        pass  # the connection is closed or its transaction failed: the table went with the transaction


HASHED_AS = {"date": "date", "int": "bigint", "decimal": "double", "bool": "boolean"}  # else varchar


def content_hash(spec, stored: bool = False) -> str:
    """SQL for row_hash: DuckDB's 64-bit hash of the row's content, as staged or (stored=True) as stored, each
    value cast to one type per kind, so that a staged row and its stored copy hash alike (a date staged as a
    timestamp counts as the date, an integer as a bigint either way). Only compared with hashes made by the
    same DuckDB version: load.ROW_HASH names it, and a warehouse hashed another way is hashed again."""
    kinds = {c.name: c.kind for c in spec.columns} | {"withdrawn": "bool"}
    values = [f"cast({PERSON_KEYS.get(name, name) if stored else name} as {HASHED_AS.get(kind, 'varchar')})"
              for name, kind in kinds.items()]
    return "hash(" + ", ".join(values) + ")"


def _columns_sql(spec) -> dict[str, str]:
    """The column lists store.sql is written with, for one source."""
    content = [c.name for c in spec.columns] + ["withdrawn"]
    kept = [c if c in spec.key else f"case when withdrawn then null else {c} end as {c}"
            for c in content if c != "withdrawn"]
    return {
        "kept": ", ".join(kept),
        "record_key": "concat_ws(chr(31), " + ", ".join(f"coalesce({k}, '')" for k in spec.key) + ")",
        "row_hash": content_hash(spec),
        "renamed": ", ".join(f"{c} as {PERSON_KEYS[c]}" if c in PERSON_KEYS else c for c in content[:-1]),
    }
