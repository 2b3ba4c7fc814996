"""Load validated files into the warehouse: versions with lineage, quarantine, load log, deliveries.

One refresh is one transaction: either every month it loads is in the warehouse, or nothing changed.
"""
from __future__ import annotations

from contextlib import closing
from dataclasses import dataclass, field
from datetime import datetime
from pathlib import Path

import duckdb
import pandas as pd

from contracts import SOURCES, pack
from pipeline import build, faults, mapping, pseudonym, warehouse
from pipeline.settings import SQL_DIR, Settings
from pipeline.staging import Staging, arrow, content_hash
from pipeline.validate import MONTH_PATTERN, FileResult, MonthResult, source_of, validate_months
from pipeline.warehouse import RefreshError  # raised by the warehouse's connection too

OUTCOMES = ("new", "replacing", "unchanged", "stored_not_current")
# the load-log identity: every row read is one of these (rows_mapped: an imported agency file's rows that
# went into the converted deliveries, null for a delivery file; its other rows are quarantined)
ACCOUNTED = ("coalesce(rows_mapped, 0) + rows_new + rows_replacing + rows_unchanged + rows_stored_not_current"
             " + rows_quarantined")
LOAD_LOG_COLUMNS = ("load_id, month, source, file, sha256, format, encoding, delimiter, rows_read, rows_new, "
                    "rows_replacing, rows_unchanged, rows_stored_not_current, rows_quarantined, dropped_columns, "
                    "missing_columns, extra_columns, file_error")
# meta row naming the months whose quality files are still to be written: set in the load's transaction,
# cleared once they are written (pipeline/refresh.py), so a refresh killed in between leaves a mark
QUALITY_PENDING = "quality_pending"
# meta row_hash: how the stored hashes were computed (staging.content_hash; DuckDB's hash() may change with
# its version, so a warehouse opened by another version hashes its rows again, once)
ROW_HASH = f"hash() of the content as stored, store.sql, DuckDB {duckdb.__version__}"


@dataclass
class FileLoad:
    result: FileResult
    counts: dict[str, int] = field(default_factory=lambda: dict.fromkeys(OUTCOMES, 0))


@dataclass
class MonthLoad:
    month: MonthResult
    files: list[FileLoad]
    whole_month: bool  # first load or reload: every source gets a delivery status
    statuses: dict[str, str] = field(default_factory=dict)  # source → delivery status
    imported: list[tuple[str, int, int]] = field(default_factory=list)  # an import's inputs: file, read, mapped


@dataclass
class RefreshReport:
    load_id: int | None
    months: list[MonthLoad]
    skipped: list[str]  # month folders with nothing new
    fingerprint: str


# ------------------------------------------------------------------------------------------ the load's pack
def record_pack(con: duckdb.DuckDBPyConnection) -> None:
    """Record the pack of this load: its name binds the warehouse, its content hash says which version of
    it the data were last loaded with (a changed pack rebuilds the statistics whole: build.rebuild)."""
    used = pack.active()
    con.execute("insert or ignore into meta values ('pack_name', ?)", [used.name])
    con.execute("insert or replace into meta values ('pack_hash', ?)", [used.content_hash])


def check_key(con: duckdb.DuckDBPyConnection, fingerprint: str) -> None:
    """Refuse a key other than the warehouse's; the first load records its key (inside its transaction,
    so a failed first refresh does not bind the warehouse to a key it never used)."""
    row = con.execute("select value from meta where name = 'key_fingerprint'").fetchone()
    if row is not None and row[0] != fingerprint:
        raise RefreshError(
            f"the pseudonymisation key (fingerprint {fingerprint}) is not the one this warehouse was built "
            f"with (fingerprint {row[0]}): set TIPSTATS_KEY or TIPSTATS_KEY_FILE to the original key; "
            "nothing was loaded"
        )


# ---------------------------------------------------------------------------------------------- planning
def month_folders(raw: Path) -> list[Path]:
    if not raw.is_dir():
        raise RefreshError(f"no raw folder at {raw}")
    return sorted(p for p in raw.iterdir() if p.is_dir() and MONTH_PATTERN.match(p.name))


def delivered_files(folder: Path) -> dict[str, str]:
    """source → the combined SHA-256 of its file(s) in the folder, as recorded in `deliveries`."""
    from pipeline.read import sha256_of

    found: dict[str, list[str]] = {}
    for path in sorted(folder.iterdir()):
        source = source_of(path) if path.is_file() else None
        if source and path.stat().st_size > 0:
            found.setdefault(source, []).append(sha256_of(path))
    return {s: ",".join(h) for s, h in found.items()}


def recorded(con: duckdb.DuckDBPyConnection, month: str) -> dict[str, tuple[str, str | None]] | None:
    """source → (delivery status, file hash) as loaded, or None for a month never loaded."""
    rows = con.execute("select source, status, sha256 from deliveries where month = ?", [month]).fetchall()
    return {s: (status, h) for s, status, h in rows} if rows else None


def plan(con, folders: list[Path], reload: str | None) -> tuple[list[tuple[Path, set[str] | None]], list[str]]:
    """Which months (and which of their sources) to load. None = every source (first load or reload)."""
    todo, skipped, changed = [], [], []
    for folder in folders:
        before = recorded(con, folder.name)
        if folder.name == reload or before is None:
            todo.append((folder, None))
            continue
        now = delivered_files(folder)
        # a delivered file (or nil return) may not change without --reload; a source that was not
        # delivered (missing, empty, refused) may arrive later: that is its first delivery
        delivered = {s: h for s, (status, h) in before.items() if status != "not_delivered"}
        differs = [s for s in SOURCES if s in delivered and now.get(s) != delivered[s]]
        if differs:
            changed.append(f"{folder.name} ({', '.join(differs)})")
            continue
        added = {s for s in now if s not in delivered and now[s] != before.get(s, (None, None))[1]}
        if added:
            todo.append((folder, added))
        else:
            skipped.append(folder.name)
    if changed:
        first = changed[0].split()[0]
        raise RefreshError(
            "files changed since they were loaded: " + "; ".join(changed)
            + f". Nothing was loaded. To replace a month with its new files run `tipstats refresh --reload {first}`"
        )
    return todo, skipped


# ------------------------------------------------------------------------------------------------ refresh
def refresh(settings: Settings, folders: list[Path] | None = None, reload: str | None = None,
            command: str = "refresh") -> RefreshReport:
    """The load of a refresh, in one transaction (_write). Its caller holds the refresh lock: `tipstats refresh`
    runs it through pipeline/refresh.py, which owns the refresh from start to end."""
    key = pseudonym.load_key(settings.key_file)
    fp = pseudonym.fingerprint(key)
    if reload and not MONTH_PATTERN.match(reload):
        raise RefreshError(f"--reload takes a month as YYYY-MM, not {reload!r}")
    con = warehouse.connect(settings.warehouse)
    try:
        check_key(con, fp)
        if folders is None:
            folders = month_folders(settings.raw)
            if reload:
                folders = [f for f in folders if f.name == reload]
        for folder in folders:
            if not folder.is_dir() or not MONTH_PATTERN.match(folder.name):
                raise RefreshError(f"{folder}: not a month folder (raw/YYYY-MM)")
        if reload:
            if recorded(con, reload) is None:
                raise RefreshError(f"month {reload} was never loaded: run `tipstats refresh` to load it")
            if reload not in [f.name for f in folders]:
                raise RefreshError(f"no folder for month {reload} to reload")
        todo, skipped = plan(con, sorted(folders, key=lambda f: f.name), reload)
        if not todo:
            return RefreshReport(None, [], skipped, fp)
        load_id, months = _write(con, todo, key, fp, reload, command)
    finally:
        con.close()
    return RefreshReport(load_id, months, skipped, fp)


def _month_load(result: MonthResult, only: set[str] | None) -> MonthLoad:
    if only is not None:
        result.files = [f for f in result.files if f.source in only]
    if mapping.read_manifest(result.folder) is not None:  # what `tipstats import` wrote beside the deliveries
        result.ignored = [name for name in result.ignored if name not in mapping.FILES]
    return MonthLoad(result, [FileLoad(f) for f in result.files], whole_month=only is None)


def _write(con, todo: list[tuple[Path, set[str] | None]], key: bytes, fp: str, reload: str | None,
           command: str) -> tuple[int, list[MonthLoad]]:
    """Validate and load the months in one transaction. Each file's rows go to the database as they are
    validated (valid rows to their version table, chunk by chunk; rejected rows to the quarantine once the
    file is read), so memory does not grow with the load."""
    con.begin()
    try:
        con.execute("insert or ignore into meta values ('key_fingerprint', ?)", [fp])
        record_pack(con)
        rehash(con)
        build.begin_scope(con)
        load_id = con.execute("select coalesce(max(load_id), 0) + 1 from loads").fetchone()[0]
        con.execute("insert into loads values (?, ?, null, ?, ?)", [load_id, datetime.now(), command, fp])
        if reload:
            _forget_month(con, reload, load_id)
        loaded = {folder.name: sources for folder, sources in todo}  # None: every source of the month

        def staging(spec, result):  # staged in the warehouse's connection, identifiers pseudonymised
            stored = loaded[result.month] is None or spec.name in loaded[result.month]
            return Staging(spec, result, con=con, key=key, load_id=load_id if stored else None)

        files: list[FileLoad] = []
        months = []
        # the next months are read and checked while each month is stored (validate_months)
        with closing(validate_months([folder for folder, _ in todo], staging)) as validated:
            for (_, only), result in zip(todo, validated):
                month = _month_load(result, only)
                for file in month.files:
                    _store_file(con, load_id, file)
                    files.append(file)
                    faults.checkpoint("mid_load")
                _record_deliveries(con, load_id, month)
                _record_import(con, load_id, month)
                months.append(month)
        faults.checkpoint("after_read")
        _classify(con, load_id, files)
        for file in files:
            _log_file(con, load_id, file)
        _reference_warnings(con, load_id)
        pending = set(pending_quality(con)) | {m.month.month for m in months}
        con.execute("insert or replace into meta values (?, ?)", [QUALITY_PENDING, ",".join(sorted(pending))])
        build.rebuild(faults.MidRebuild(con, len(build.model_files()) // 2) if faults.armed("mid_rebuild") else con,
                      load_id)
        verify_load_log(con, load_id)
        con.execute("update loads set finished_at = ? where load_id = ?", [datetime.now(), load_id])
        faults.checkpoint("before_commit")
    except BaseException:
        con.rollback()
        raise
    # outside the try: a commit that fails (a full disk) has ended the transaction itself, and a rollback
    # then would fail too ("no transaction is active") and hide the cause
    faults.commit(con)
    faults.checkpoint("after_commit")
    return load_id, months


def pending_quality(con) -> list[str]:
    """Months loaded whose quality files may not have been written yet."""
    row = con.execute("select value from meta where name = ?", [QUALITY_PENDING]).fetchone()
    return [m for m in row[0].split(",") if m] if row else []


def _forget_month(con, month: str, load_id: int) -> None:
    """A reload rebuilds the warehouse as if the month had first arrived with the new files."""
    for source in SOURCES:  # what the month's records were is forgotten: the statistics rebuild them
        build.touch_records(con, f"select record_key from {source} where month = ?", [month])
    if con.execute("select count(*) from information_schema.tables where table_name = 'stg_investigations'"
                   ).fetchone()[0]:  # and whom they were about (if ever built), before their rows go
        build.touch_current_rows(con)
    for table in list(SOURCES) + ["quarantine", "warnings", "deliveries"]:
        con.execute(f"delete from {table} where month = ?", [month])
    con.execute("update load_log set superseded_by = ? where month = ? and superseded_by is null",
                [load_id, month])


def file_label(result: FileResult) -> str:
    return f"{result.month}/{result.path.name}"


def rehash(con) -> None:
    """A warehouse whose hashes were made another way (meta row_hash) gets them recomputed once, so that a row
    sent again unchanged still reads as unchanged."""
    if con.execute("select value from meta where name = 'row_hash'").fetchone() != (ROW_HASH,):
        for source, spec in SOURCES.items():
            con.execute(f"update {source} set row_hash = {content_hash(spec, stored=True)}")
        con.execute("insert or replace into meta values ('row_hash', ?)", [ROW_HASH])


def _store_file(con, load_id: int, file: FileLoad) -> None:
    """Record a validated file's quarantined rows and warnings, then let go of them and of its staging table.
    Its valid rows are in their version table already (Staging stored them chunk by chunk), every one, an
    unchanged one too: a reload that forgets an earlier month must not lose what a later month sent (its
    unchanged rows were only "unchanged" against the forgotten one)."""
    result = file.result
    label = file_label(result)
    if result.staging is not None:
        result.staging.drop()
    _insert_rows(con, "quarantine", result.errors, load_id, result, label)
    _insert_rows(con, "warnings", result.warnings, load_id, result, label)
    result.release()


def _classify(con, load_id: int, files: list[FileLoad]) -> None:
    """Count each file's outcomes (new, replacing, unchanged, stored not current), one query per source."""
    by_month = {(f.result.source, f.result.month): f for f in files}
    for source in SOURCES:
        classify = (SQL_DIR / "load" / "classify.sql").read_text().format(table=source)
        for month, outcome, n in con.execute(classify, [load_id]).fetchall():
            by_month[(source, month)].counts[outcome] = int(n)


def _log_file(con, load_id: int, file: FileLoad) -> None:
    result = file.result
    con.execute(
        f"insert into load_log ({LOAD_LOG_COLUMNS}) values (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)",
        [load_id, result.month, result.source, file_label(result), result.sha256, result.format,
         result.encoding, result.delimiter, result.rows_read, file.counts["new"], file.counts["replacing"],
         file.counts["unchanged"], file.counts["stored_not_current"], result.rows_rejected,
         result.dropped_columns, result.missing_columns, result.extra_columns, result.file_error],
    )


def _record_import(con, load_id: int, month: MonthLoad) -> None:
    """A folder written by `tipstats import` (its import.toml): every month it covers counts as delivered
    for the sources it delivered, and every row of the agency's own files is in the load log (rows_mapped;
    the rows not mapped are quarantined with their reason, in the quality file of the manifest's agency)."""
    from pipeline.read import sha256_of

    folder = month.month.folder
    manifest = mapping.read_manifest(folder)
    if manifest is None:
        return
    info, name = manifest["import"], month.month.month
    # a covered month names no file (its delivery is the folder's; its quality file is the folder's); one
    # also delivered on its own keeps the record of the later load
    if month.whole_month:
        for covered in mapping.months_between(info["coverage_from"], info["coverage_to"]):
            if covered != name:
                con.execute("""insert or replace into deliveries select ?, source, status, null, null, load_id
                               from deliveries where month = ? and status in ('delivered', 'nil_return')""",
                            [covered, name])
    source = mapping.quality_source(manifest)
    accounted = mapping.accounting(folder)
    for item in manifest.get("inputs", []):
        path = folder / item["file"]
        label = f"{name}/{item['file']}"
        own = accounted[accounted["file"] == Path(item["file"]).name]
        left = own[~own["mapped"].astype(bool)]
        mapped = len(own) - len(left)
        con.execute(f"insert into load_log ({LOAD_LOG_COLUMNS}, rows_mapped) values "
                    "(?, ?, ?, ?, ?, 'csv', null, ',', ?, 0, 0, 0, 0, ?, [], [], [], null, ?)",
                    [load_id, name, source, label, sha256_of(path) if path.is_file() else None, len(own),
                     len(left), mapped])
        month.imported.append((label, len(own), mapped))
        if len(left):
            insert_frame(con, "quarantine", pd.DataFrame({
                "line": left["line"].astype(int), "column": "", "check": "not_mapped", "value": "",
                # a straight quote would read as a quoted rejected value (the audit's rule): typographic ones
                "reason": "not mapped: " + left["reason"].str.replace("'", "’").str.replace('"', "”"),
                "record_key": left["record_key"].fillna("")}),
                load_id=load_id, month=name, source=source, file=label)


def _insert_rows(con, table: str, rows: pd.DataFrame, load_id: int, result: FileResult, label: str) -> None:
    if rows is None or rows.empty:
        return
    frame = rows.assign(load_id=load_id, month=result.month, source=result.source, file=label)
    insert_frame(con, table, frame)


def insert_frame(con, table: str, frame: pd.DataFrame, **constants) -> None:
    """Insert a frame's columns that the table has, by name."""
    columns = [d[0] for d in con.execute(f"select * from {table} limit 0").description]
    incoming = arrow(frame[[c for c in frame.columns if c in columns]])  # noqa: F841 (read by name below)
    extra = "".join(f", ${i + 1} as {name}" for i, name in enumerate(constants))
    con.execute(f"insert into {table} by name select *{extra} from incoming", list(constants.values()))


def delivery_status(result: FileResult | None) -> str:
    if result is None or result.file_error:
        return "not_delivered"
    return "nil_return" if result.rows_read == 0 else "delivered"


def _record_deliveries(con, load_id: int, month: MonthLoad) -> None:
    by_source: dict[str, list[FileResult]] = {}
    for f in month.files:
        by_source.setdefault(f.result.source, []).append(f.result)
    sources = SOURCES if month.whole_month else by_source
    for source in sources:
        results = by_source.get(source, [])
        status = delivery_status(results[0] if len(results) == 1 else None)
        files = ", ".join(r.path.name for r in results) or None
        shas = ",".join(r.sha256 for r in results if r.sha256) or None
        month.statuses[source] = status
        con.execute("insert or replace into deliveries values (?, ?, ?, ?, ?, ?)",
                    [month.month.month, source, status, files, shas, load_id])
    for name in month.month.ignored if month.whole_month else []:  # reported once, when the month loads
        con.execute(
            "insert into warnings values (?, ?, null, ?, null, null, 'ignored_file', ?, ?)",
            [load_id, month.month.month, f"{month.month.month}/{name}", name,
             f"{name}: not a delivery file (investigations, prosecutions, judgments, victims as .csv or .xlsx); ignored"],
        )


def _reference_warnings(con, load_id: int) -> None:
    con.execute((SQL_DIR / "load" / "reference_warnings.sql").read_text(), [load_id])


def verify_load_log(con, load_id: int) -> None:
    """Every raw row is accounted for, always: fail the refresh (and roll back) if not."""
    broken = con.execute(
        f"select file from load_log where load_id = ? and rows_read <> {ACCOUNTED}", [load_id]).fetchall()
    if broken:
        raise RuntimeError(f"load log does not reconcile for {', '.join(f for (f,) in broken)}: nothing was loaded")
