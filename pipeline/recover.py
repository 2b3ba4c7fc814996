"""Finish what a refresh does after its commit: the agencies' quality files.

The warehouse needs no repair: a refresh is one DuckDB transaction, so a refresh killed at any point leaves
it as it was. The quality files are written after the commit, so the load marks its months in `meta`
(`quality_pending`) inside its transaction, and the mark is cleared only once their quality files are
written. A refresh killed in between (or while writing them) leaves the mark; the next refresh starts by
writing the quality files of the marked months (stale or cut short) and of every loaded month whose
quality file is missing.
"""
from __future__ import annotations

from pathlib import Path

import duckdb

from contracts import SOURCES
from pipeline import load, quality
from pipeline.settings import Settings


def months_to_rewrite(settings: Settings) -> tuple[list[str], bool]:
    """(months whose quality files are pending or missing, whether the pending mark is set)."""
    if not settings.warehouse.exists():
        return [], False
    con = load.connect(settings.warehouse, read_only=True)
    try:
        pending = load.pending_quality(con)
        delivered = con.execute("select month, source from deliveries where file is not null").fetchall()
    except duckdb.CatalogException:  # a warehouse without tables yet
        return [], False
    finally:
        con.close()
    missing = {month for month, source in delivered
               if not (quality.quality_dir(settings, month) / f"quality-{SOURCES[source].agency}.csv").is_file()}
    return sorted(set(pending) | missing), bool(pending)


def write_quality_files(settings: Settings, months: list[str]) -> list[Path]:
    """The quality files of `months`, and of every month still marked pending or with a file missing; then
    clear the mark. Returns the files written."""
    again, marked = months_to_rewrite(settings)
    todo = sorted(set(months) | set(again))
    if not todo:
        return []
    written = quality.write_quality_files(settings, todo)
    if marked:
        con = load.connect(settings.warehouse)
        try:
            con.execute("delete from meta where name = ?", [load.QUALITY_PENDING])
        finally:
            con.close()
    return written
