"""The warehouse's connection factory, for every command: open the DuckDB file (lock.Busy, exit 3, while
another process refreshes it or holds it open), set its memory limit, create or migrate its schema when
opened for writing, and refuse a warehouse loaded with another country pack.
"""
from __future__ import annotations

from pathlib import Path

import duckdb

from contracts import pack
from pipeline import lock
from pipeline.settings import SQL_DIR, Limits


class RefreshError(Exception):
    """A refresh that cannot go ahead; the message says why and what to do. Nothing was written."""

    exit_code = 2


def connect(path: Path, read_only: bool = False) -> duckdb.DuckDBPyConnection:
    """The warehouse; lock.Busy (exit 3) while another process refreshes it or holds it open for writing."""
    if read_only:
        lock.check_not_busy(path)
        if not path.exists():
            raise RefreshError(f"no warehouse at {path}: run `tipstats refresh` first")
    else:
        path.parent.mkdir(parents=True, exist_ok=True)
    try:
        con = duckdb.connect(str(path), read_only=read_only)
    except duckdb.IOException as e:
        if lock.is_duckdb_lock_error(e):
            raise lock.from_duckdb(path, e) from None
        raise RefreshError(f"cannot open the warehouse {path}: {str(e).splitlines()[0]}") from None
    except duckdb.Error as e:  # not a DuckDB file, a newer version, a damaged file
        raise RefreshError(f"cannot open the warehouse {path}: {str(e).splitlines()[0]}") from None
    try:
        con.execute("set memory_limit = ?", [f"{Limits.from_env().memory_mb}MB"])
        if not read_only:
            con.execute((SQL_DIR / "schema.sql").read_text())
            rename_fine_column(con)
        check_pack(con, path)
    except BaseException:  # closed here: an open connection would keep the database (and its settings) alive
        con.close()
        raise
    return con


def rename_fine_column(con: duckdb.DuckDBPyConnection) -> None:
    """A warehouse written before packs holds the fine as judgments.fine_eur: the column is now `fine` (done
    here because DuckDB cannot rename a column only when it exists)."""
    old = con.execute("select count(*) from information_schema.columns where table_catalog = current_database() "
                      "and table_schema = 'main' "
                      "and table_name = 'judgments' and column_name = 'fine_eur'").fetchone()[0]
    if old:
        con.execute("alter table judgments rename column fine_eur to fine")


def check_pack(con: duckdb.DuckDBPyConnection, path: Path) -> None:
    """Refuse a warehouse loaded with another country pack (meta pack_name; the first load records it)."""
    try:
        row = con.execute("select value from meta where name = 'pack_name'").fetchone()
    except duckdb.CatalogException:  # a read-only warehouse from before any load: nothing recorded yet
        return
    used = pack.active()
    if row is not None and row[0] != used.name:
        raise RefreshError(
            f"the warehouse {path} holds data loaded with the pack {row[0]}, not {used.name}: choose the pack "
            f"{row[0]} (--pack, TIPSTATS_PACK or tipstats.toml) or another warehouse (TIPSTATS_WAREHOUSE)")
