"""`tipstats refresh` from start to end, in one place: the refresh lock, the quality files an interrupted
refresh left unwritten, the load in its transaction (pipeline/load.py), the month's quality files, the
summary, the reports (publication.publish.after_refresh), and every failure as one line and its exit code.

The warehouse needs no repair: a refresh is one DuckDB transaction, so a refresh killed at any point leaves
it as it was. The quality files are written after the commit, so the load marks its months in `meta`
(`quality_pending`) inside its transaction, and the mark is cleared only once their quality files are
written. A refresh killed in between (or while writing them) leaves the mark; the next refresh starts by
writing the quality files of the marked months (stale or cut short) and of every loaded month whose
quality file is missing.
"""
from __future__ import annotations

import contextlib
from pathlib import Path

import duckdb
from rich.table import Table

from contracts import SOURCES
from pipeline import faults, load, lock, quality, terminal, warehouse
from pipeline.publication import publish
from pipeline.settings import Settings
from pipeline.validate import shown

out, fail = terminal.out, terminal.fail


def run(settings: Settings, months: list[Path] | None = None, reload: str | None = None) -> None:
    """One refresh, holding the refresh lock for the whole of it (exit 3 if another one runs). Before the
    commit a failure says nothing was loaded; after it, that the load is in and what writes the rest."""
    command = " ".join(["refresh", *map(str, months or []), *(["--reload", reload] if reload else [])])
    with contextlib.ExitStack() as held:
        try:
            # one refresh at a time, for the whole command (quality files and reports included)
            held.enter_context(lock.refresh_lock(settings.warehouse))
            recovered = write_quality_files(settings, [])  # missing, or left unwritten by an interrupted refresh
            faults.checkpoint("after_lock")
            report = load.refresh(settings, months or None, reload, command=command)
        except warehouse.RefreshError as e:
            fail(str(e), e.exit_code)
        except Exception as e:
            ran_out = terminal.exhausted(e, settings)
            if ran_out is None:
                raise
            fail(f"{ran_out[0]}: {ran_out[1]} and run the refresh again; nothing was loaded")
        if recovered:
            out.print(f"Wrote {len(recovered)} quality file(s) that were missing or left unwritten by an interrupted refresh.")
        if report.load_id is None:
            out.print(f"Nothing new to load ({len(report.skipped)} month(s) already loaded and unchanged).")
            publish.after_refresh(loaded=False)  # only editions an interrupted run left incomplete
            return
        try:
            written = write_quality_files(settings, [m.month.month for m in report.months])
            print_refresh_summary(report, settings, written)
            publish.after_refresh()  # the latest complete year's and the latest month's reports
        except Exception as e:  # the load is committed: say so, and how to write what is missing
            ran_out = terminal.exhausted(e, settings)
            if ran_out is None:
                raise
            fail(f"load {report.load_id} is in the warehouse, but its quality files and reports were not all written: "
                 f"{ran_out[0]}: {ran_out[1]}, then run `tipstats refresh` to write the missing quality files and "
                 "`tipstats report` to write the reports")


# ------------------------------------------------------------------------------------------ quality files
def months_to_rewrite(settings: Settings) -> tuple[list[str], bool]:
    """(months whose quality files are pending or missing, whether the pending mark is set)."""
    if not settings.warehouse.exists():
        return [], False
    con = warehouse.connect(settings.warehouse, read_only=True)
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
        con = warehouse.connect(settings.warehouse)
        try:
            con.execute("delete from meta where name = ?", [load.QUALITY_PENDING])
        finally:
            con.close()
    return written


# ---------------------------------------------------------------------------------------------- summary
def print_refresh_summary(report: load.RefreshReport, settings: Settings, quality_files: list[Path]) -> None:
    months = [m.month.month for m in report.months]
    out.print(f"Load {report.load_id}: {len(months)} month(s) {months[0]} … {months[-1]} into {settings.warehouse}"
              f" (key fingerprint {report.fingerprint}).")
    table = Table("source", "files", "rows read", "new", "replacing", "unchanged", "stored not current",
                  "quarantined", title="Rows by source")
    totals: dict[str, list[int]] = {}
    for month in report.months:
        for f in month.files:
            t = totals.setdefault(f.result.source, [0] * 7)
            c = f.counts
            for i, v in enumerate([1, f.result.rows_read, c["new"], c["replacing"], c["unchanged"],
                                   c["stored_not_current"], f.result.rows_rejected]):
                t[i] += v
    for source, t in totals.items():
        table.add_row(source, *[str(v) for v in t])
    out.print(table)
    notes = []
    for month in report.months:
        for source, status in month.statuses.items():
            if status != "delivered":
                notes.append(f"{month.month.month} {source}: {status.replace('_', ' ')}")
        for f in month.files:
            r = f.result
            if r.file_error:
                notes.append(f"{r.month} {shown(r.path.name)} refused: {r.file_error}")
            if r.dropped_columns:
                notes.append(f"{r.month} {shown(r.path.name)}: identifying column(s) dropped unread: {', '.join(r.dropped_columns)}")
        for name in month.month.ignored:
            notes.append(f"{month.month.month} {name}: not a delivery file, ignored")
        for label, read, mapped in month.imported:  # an agency's own file converted by `tipstats import`
            notes.append(f"{label}: {read} rows, {mapped} mapped, {read - mapped} not mapped (quarantined, reasons "
                         "in the quality file)")
    for note in notes:
        out.print(f"  - {terminal.printable(note)}")
    if quality_files:
        out.print(f"Quality files for the agencies: {len(quality_files)} under {settings.reports / 'restricted' / 'quality'}")
