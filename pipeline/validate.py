"""Validate delivered files: header handling, the three contract stages, row-level reasons.

Nothing here touches the warehouse: `tipstats validate` and `refresh` share this step.
"""
from __future__ import annotations

import itertools
import queue
import re
import threading
from array import array
from collections import Counter
from contextlib import closing
from dataclasses import dataclass, field
from pathlib import Path
from typing import Callable, Generator, Iterator

import numpy as np
import pandas as pd
import pandera.pandas as pa

from contracts import SOURCES, base, codes
from contracts.base import Source
from contracts.judgments import attribute_sentence_column
from pipeline import polars_stages, rejected
from pipeline.read import FileRefused, RawStream, open_file, sha256_of
from pipeline.settings import Limits
from pipeline.staging import Staging

MONTH_PATTERN = re.compile(r"^\d{4}-(0[1-9]|1[0-2])$")
# files of a refresh read and checked at once, each by a thread of its own, ahead of the thread that stages
# them: reading (Arrow) and the contract stages (polars) let go of the GIL for much of their work, so a second
# file is checked while the first waits for the GIL or for its turn to be staged (docs/benchmarks.md)
CHECKING_THREADS = 2
MASK = "***"
ERROR_COLUMNS = ["line", "column", "check", "value", "reason", "record_key"]


@dataclass
class FileResult:
    """Everything the load log, the quarantine and `validate --json` need to know about one file."""

    path: Path
    source: str
    month: str
    sha256: str | None = None
    format: str | None = None
    encoding: str | None = None
    delimiter: str | None = None
    rows_read: int = 0
    dropped_columns: list[str] = field(default_factory=list)
    missing_columns: list[str] = field(default_factory=list)
    extra_columns: list[str] = field(default_factory=list)
    file_error: str | None = None
    errors: pd.DataFrame = field(default_factory=lambda: pd.DataFrame(columns=ERROR_COLUMNS))
    warnings: pd.DataFrame = field(default_factory=lambda: pd.DataFrame(columns=ERROR_COLUMNS))
    staging: Staging | None = None  # every row, staged; None when the file is refused

    @property
    def valid(self) -> pd.DataFrame | None:
        """The typed rows that passed, with their `line` (read from the staging table into memory)."""
        return None if self.staging is None else self.staging.valid()

    @property
    def rows_rejected(self) -> int:
        if self.file_error:
            return self.rows_read
        if self._rejected is not None:
            return self._rejected
        return int(self.errors["line"].nunique())

    def release(self) -> None:
        """Forget the row-level errors and warnings once they are stored (the counts stay)."""
        self._rejected = self.rows_rejected
        self.errors = pd.DataFrame(columns=ERROR_COLUMNS)
        self.warnings = pd.DataFrame(columns=ERROR_COLUMNS)

    @property
    def rows_valid(self) -> int:
        return self.rows_read - self.rows_rejected

    @property
    def delivered(self) -> bool:
        return self.file_error is None

    def refuse(self, message: str, max_reasons: int | None = None) -> "FileResult":
        """Refuse the whole file: each of its rows is quarantined, the first `max_reasons` listed by line."""
        self.file_error = message
        if self.staging is not None:
            self.staging.discard()
            self.staging = None
        cap = max_reasons or Limits.from_env().max_reasons
        listed = self._lines[:cap]
        self.errors = pd.DataFrame({
            "line": pd.Series(listed, dtype="Int64"), "column": "", "check": "file_refused",
            "value": "", "reason": message, "record_key": "",
        }, columns=ERROR_COLUMNS)
        self.errors = with_unlisted(self.errors, len(self._lines) - len(listed), Counter(), cap)
        return self

    _lines: list[int] = field(default_factory=list, repr=False)  # kept only for a file refused whole
    _rejected: int | None = field(default=None, repr=False)


@dataclass
class MonthResult:
    month: str
    folder: Path
    files: list[FileResult]
    ignored: list[str]  # files in the folder that are not a source's delivery

    def by_source(self) -> dict[str, FileResult]:
        return {f.source: f for f in self.files}


def source_of(path: Path) -> str | None:
    name = path.stem.lower()
    return name if name in SOURCES and path.suffix.lower() in (".csv", ".xlsx") else None


def month_of(path: Path) -> str | None:
    folder = path.parent.name
    return folder if MONTH_PATTERN.match(folder) else None


def validate_month(folder: Path, staging: Callable[[Source, FileResult], Staging] | None = None) -> MonthResult:
    with closing(validate_months([folder], staging)) as months:
        return next(months)


def validate_months(folders: list[Path], staging: Callable[[Source, FileResult], Staging] | None = None
                    ) -> Iterator[MonthResult]:
    """Validate the months in order, one MonthResult at a time. The files are read and checked in other
    threads (CHECKING_THREADS, a file each) that keep a few chunks ahead, across files and months, while this
    one stages the checked rows and the caller stores each month: reading (Arrow), the contracts (polars) and
    staging (DuckDB) each let go of the GIL for much of their work, so they overlap on two cores."""
    plans = [_MonthPlan(folder) for folder in folders]
    checks = _ahead((_check_file(path, plan.month, source) for plan in plans for source, path in plan.checked()),
                    depth=2, threads=CHECKING_THREADS)
    try:
        for plan in plans:
            results = []
            for source in SOURCES:
                paths = plan.found.get(source, [])
                if len(paths) > 1:
                    names = " and ".join(p.name for p in paths)
                    for p in paths:
                        result = FileResult(p, source, plan.month)
                        _count_into(result)  # hash and row count, so the refused rows are accounted for
                        results.append(result.refuse(f"{p.name}: two files for source {source} ({names}); send one"))
                elif paths:
                    results.append(_staged(checks, SOURCES[source], staging or Staging))
            yield MonthResult(plan.month, plan.folder, results, plan.ignored)
    finally:
        checks.close()


class _MonthPlan:
    """A month folder's delivery files by source, and the files that are no source's delivery."""

    def __init__(self, folder: Path):
        self.folder, self.month = folder, folder.name
        if not MONTH_PATTERN.match(self.month):
            raise ValueError(f"{folder}: a month folder is named YYYY-MM")
        self.found: dict[str, list[Path]] = {}
        self.ignored = []
        for path in sorted(p for p in folder.iterdir() if not p.name.startswith(".")):
            # a pipe, device or socket named after a source is that source's file, refused unread
            source = source_of(path) if not path.is_dir() else None
            if source is None:
                self.ignored.append(shown(path.name))
            else:
                self.found.setdefault(source, []).append(path)

    def checked(self) -> list[tuple[str, Path]]:
        """The files to read and check, in source order (two files for one source are refused unread)."""
        return [(s, self.found[s][0]) for s in SOURCES if len(self.found.get(s, [])) == 1]


def validate_file(path: Path, month: str, source: str | None = None, limits: Limits | None = None,
                  staging: Callable[[Source, FileResult], Staging] | None = None) -> FileResult:
    """Validate one file, reading it chunk by chunk (TIPSTATS_CHUNK_ROWS rows at a time) into a staging
    table (`staging` makes it; default: in memory, identifiers as validated). Every check is per row except
    the duplicate-key check, which also compares the keys of different chunks in the staging table."""
    source = source or source_of(path)
    if source is None:
        raise ValueError(f"{shown(path.name)}: not named after a source ({', '.join(SOURCES)}) as .csv or .xlsx")
    checks = _ahead(iter([_check_file(path, month, source, limits)]))
    try:
        return _staged(checks, SOURCES[source], staging or Staging)
    finally:
        checks.close()


# ---------------------------------------------------- the checking thread's side: one file's events
@dataclass
class _Opened:
    """The file is open (or refused: `columns` is None and `result` says why)."""

    result: FileResult
    columns: "_ColumnPlan | None" = None
    refused_lines: array = field(default_factory=lambda: array("q"))  # a file refused by its header
    # failures per check in the whole file, listed or not (written by the checking thread, read by the
    # consumer once the file has ended)
    failures: Counter = field(default_factory=Counter)
    max_reasons: int = 0  # failures listed per check (the stream's TIPSTATS_MAX_REASONS)


@dataclass
class _CheckedChunk:
    rows: int
    staged: tuple | None = None  # Staging.append's arguments; None for a file refused by its header
    errors: pd.DataFrame | None = None
    field_count_errors: pd.DataFrame | None = None
    warnings: pd.DataFrame | None = None


@dataclass
class _Ended:
    """The file was read to its end; `refused`: it became unreadable part-way (or went over the row limit)."""

    refused: str | None = None


def _check_file(path: Path, month: str, source: str, limits: Limits | None = None) -> Iterator:
    spec = SOURCES[source]
    result = FileResult(path, source, month)
    stream = _open_into(result, limits)
    if stream is None:
        yield _Opened(result)
        return
    opened = _Opened(result, _ColumnPlan(stream.header, spec, path.name), max_reasons=stream.limits.max_reasons)
    yield opened
    with stream:
        try:
            yield from _checked_chunks(stream, spec, month, opened)
        except FileRefused as e:
            yield _Ended(refused=str(e))
            return
    yield _Ended()


def _checked_chunks(stream: RawStream, spec: Source, month: str, opened: _Opened) -> Iterator[_CheckedChunk]:
    """Each chunk of the stream through the contracts, with its described errors and warnings: every
    failure decides whether its row is valid, but only the first `max_reasons` of each check in the file are
    described (the rest are counted in opened.failures), so that a file of a million bad rows costs
    seconds and bounded memory."""
    decimal_comma = stream.delimiter == ";"
    columns, warned, max_reasons = opened.columns, Counter(), opened.max_reasons
    for chunk in stream.chunks():
        columns.see(chunk.cells)
        if columns.error:  # a refused file is still read to the end: its rows are counted as quarantined
            opened.refused_lines.extend(chunk.lines)
            yield _CheckedChunk(len(chunk.lines))
            continue
        text = columns.text(chunk.cells)
        normal = base.normalise(text, spec)
        errors, typed, checked = contract_stages(normal, spec, month, decimal_comma)
        errors = _with_cell_errors(errors, chunk.cell_errors, columns, spec, text.index)
        too_many = pd.DataFrame({"index": chunk.too_many_cells, "column": "", "check": "field_count"})
        errors = _drop_non_key_errors_of_withdrawals(errors, typed, spec)
        too_many = _drop_non_key_errors_of_withdrawals(too_many, typed, spec)
        chunk_lines = pd.Series(chunk.lines, index=text.index, dtype="int64")
        valid = ~typed.index.isin(errors["index"]) & ~typed.index.isin(too_many["index"])
        flagged = typed.index.isin(errors.loc[errors["check"] == "duplicate_key", "index"])
        warnings = unknown_articles(typed.loc[valid].assign(line=chunk_lines[valid]), spec)
        yield _CheckedChunk(
            len(chunk.lines),
            staged=(checked, chunk_lines, pd.Series(valid), pd.Series(flagged)),
            errors=_described(_listed(errors, opened.failures, max_reasons), text, normal, spec, chunk_lines),
            field_count_errors=_described(_listed(too_many, opened.failures, max_reasons), text, normal, spec,
                                          chunk_lines),
            warnings=_listed(warnings, warned, max_reasons),
        )


def _listed(failures: pd.DataFrame, counted: Counter, cap: int) -> pd.DataFrame:
    """The failures (in row order) still to be listed: the first `cap` of each check in the file, counting
    those of earlier chunks in `counted`, which is then brought up to date with all of these."""
    if failures.empty:
        return failures
    checks = failures["check"]
    before = checks.map(lambda c: counted[c])
    keep = (checks.groupby(checks).cumcount() + before) < cap
    counted.update(checks.value_counts().to_dict())
    return failures[keep.to_numpy()].reset_index(drop=True)


def with_unlisted(errors: pd.DataFrame, unlisted: int, failures: Counter, cap: int) -> pd.DataFrame:
    """The file's listed errors and, when some rejected rows are not listed, one row that counts them
    (check `unlisted`, the number in column `unlisted`), so that the quarantine still accounts for every row."""
    if unlisted <= 0:
        return errors
    over = [f"{check} {n - cap:,} more" for check, n in sorted(failures.items()) if n > cap]
    reason = (f"{unlisted:,} more rejected rows are not listed: only the first {cap:,} rows failing each check "
              "are (TIPSTATS_MAX_REASONS)" + (f"; {', '.join(over)}" if over else "")
              + ". Correct the rows listed, look for the same mistake in the others, and send the file again")
    row = pd.DataFrame({"line": pd.array([None], dtype="Int64"), "column": "", "check": "unlisted", "value": "",
                        "reason": reason, "record_key": "", "unlisted": unlisted})
    return pd.concat([errors.assign(unlisted=pd.array([None] * len(errors), dtype="Int64")), row],
                     ignore_index=True)


def _with_cell_errors(errors: pd.DataFrame, cells: list[tuple[int, int, str]], columns: "_ColumnPlan",
                      spec: Source, index: pd.Index) -> pd.DataFrame:
    """The reader's own cell findings (XLSX number and date cells) added to the contract's failures, for the
    columns the contract reads; a number with a fraction is a failure in an identifier column only."""
    kinds = {c.name: c.kind for c in spec.columns}
    found = [(position, columns.names[i], check) for position, i, check in cells
             if columns.names[i] in kinds and position in index
             and (check != "number_fraction" or kinds[columns.names[i]] in ("id", "person"))]
    if not found:
        return errors
    added = pd.DataFrame(found, columns=["index", "column", "check"])
    # the reader's finding names the cell's defect better than a pattern its text then fails
    cells = pd.MultiIndex.from_frame(added[["index", "column"]])
    kept = errors[~pd.MultiIndex.from_frame(errors[["index", "column"]]).isin(cells)]
    merged = pd.concat([kept, added], ignore_index=True).drop_duplicates(["index", "column", "check"])
    return merged.sort_values(["index", "column"], kind="stable").reset_index(drop=True)


def _ahead(files: Iterator[Iterator], depth: int = 4, threads: int = 1) -> Generator:
    """The events of each file's checks, file by file in order, produced by `threads` threads that each check
    one file at a time and keep up to `depth` of its events ahead (bounded queues, and no thread starts a file
    more than `threads` files ahead of the one being consumed, so memory stays bounded). Closing the generator
    stops the threads and closes the files they were reading; an exception in a thread is raised here, at the
    event it replaced."""
    stop = threading.Event()
    slots = threading.Semaphore(threads)  # a file holds one from being taken until it is consumed
    started: dict[int, queue.Queue] = {}  # each file's events by its place in `files`, once a thread took it
    taken = threading.Condition()  # held to take the next file; notified when one is taken
    places = itertools.count()

    def put(events: queue.Queue, item) -> bool:
        if stop.is_set():
            return False
        events.put(item)  # a full queue waits for the consumer, or for halt(), which empties it
        return True

    def take() -> tuple[Iterator | BaseException | None, queue.Queue | None]:
        """The next file (None after the last; an exception `files` raised) and the queue of its events."""
        slots.acquire()  # released by the consumer as it finishes a file, or by halt()
        if stop.is_set():
            return None, None
        events = queue.Queue(maxsize=depth)
        with taken:
            try:
                file = next(files, None)
            except BaseException as e:  # handed over to the consumer at the place of the file it stood for
                file = e
            started[next(places)] = events
            taken.notify_all()
        return file, events

    def produce() -> None:
        while not stop.is_set():
            file, events = take()
            if events is None:
                return
            if file is None or isinstance(file, BaseException):
                put(events, _DONE if file is None else _Failed(file))
                return
            try:
                for event in file:
                    if not put(events, event):
                        return
                put(events, _END_OF_FILE)
            except BaseException as e:  # handed over to the consumer
                put(events, _Failed(e))
                return
            finally:
                file.close()

    def halt() -> None:
        """Wake every thread at once, whatever it waits for, so that closing takes no longer than the event
        being checked: a thread putting into a full queue finds room and then sees `stop`; one waiting for a
        slot gets one and sees `stop`. (Waiting with a timeout instead cost each closing up to the timeout:
        0.1 s on every file validated alone.)"""
        stop.set()
        with taken:
            queues = list(started.values())
        for events in queues:
            while True:
                try:
                    events.get_nowait()
                except queue.Empty:
                    break
        for _ in range(threads):
            slots.release()

    workers = [threading.Thread(target=produce, name="tipstats-check", daemon=True) for _ in range(threads)]
    for worker in workers:
        worker.start()
    try:
        for place in itertools.count():
            with taken:
                taken.wait_for(lambda: place in started)
                events = started[place]
            while (event := events.get()) is not _END_OF_FILE:
                if event is _DONE:
                    return
                if isinstance(event, _Failed):
                    raise event.error
                yield event
            del started[place]
            slots.release()
    finally:
        halt()
        for worker in workers:
            worker.join()


_END_OF_FILE = object()
_DONE = object()


@dataclass
class _Failed:
    error: BaseException


# ------------------------------------------------------- this thread's side: staging one file's events
@dataclass
class _Gathered:
    """What one reading of a file gave, chunk by chunk."""

    chunks: int = 0
    rows: int = 0
    contract_errors: list = field(default_factory=list)
    field_count_errors: list = field(default_factory=list)
    warnings: list = field(default_factory=list)


def _staged(checks: Iterator, spec: Source, make_staging: Callable[[Source, FileResult], Staging]) -> FileResult:
    """Consume one file's events: stage its checked rows, gather its errors and warnings."""
    opened = next(checks)
    result, columns = opened.result, opened.columns
    if columns is None:
        return result
    result.staging = make_staging(spec, result)
    gathered = _Gathered()
    while isinstance(chunk := next(checks), _CheckedChunk):
        gathered.chunks += 1
        gathered.rows += chunk.rows
        if chunk.staged is not None:
            gathered.contract_errors.append(chunk.errors)
            gathered.field_count_errors.append(chunk.field_count_errors)
            gathered.warnings.append(chunk.warnings)
            result.staging.append(*chunk.staged)
    if chunk.refused is not None:  # the whole file is refused: nothing read from it is reported
        result.format = result.encoding = result.delimiter = None
        return result.refuse(chunk.refused)
    return _finished(result, spec, opened, gathered)


def _finished(result: FileResult, spec: Source, opened: _Opened, gathered: _Gathered) -> FileResult:
    """The file's result once every chunk is staged: header findings, duplicates across chunks, all errors."""
    columns = opened.columns
    if columns.refused_early is None:
        result.dropped_columns, result.missing_columns = columns.dropped, columns.missing
        result.extra_columns = columns.extra()
    result.rows_read, result._lines = gathered.rows, opened.refused_lines
    cap = opened.max_reasons
    if columns.error:
        return result.refuse(columns.error, cap)
    contract_errors, field_count_errors, warnings = (
        gathered.contract_errors, gathered.field_count_errors, gathered.warnings)
    across = False
    if gathered.chunks > 1:  # keys sent again in another chunk: all copies are held back, as within one
        already = opened.failures["duplicate_key"]
        duplicates = _duplicates_across_chunks(result.staging.duplicates(max(cap - already, 0)), spec)
        found = result.staging.reject_duplicates()
        if found:
            opened.failures["duplicate_key"] += found
            contract_errors.append(duplicates)
            warned = pd.concat([w["line"] for w in warnings]) if warnings else pd.Series(dtype="int64")
            now_rejected = result.staging.rejected_lines(warned)
            warnings = [w[~w["line"].isin(now_rejected)] for w in warnings]
            across = True
    contract_errors = [e for e in contract_errors if len(e)]
    field_count_errors = [e for e in field_count_errors if len(e)]
    if contract_errors or field_count_errors:
        errors = pd.concat(contract_errors, ignore_index=True) if contract_errors else None
        if across:  # merged into row order, as one chunk would have reported them
            errors = errors.sort_values(["_index", "column"], kind="stable")
        errors = pd.concat([e for e in [errors, *field_count_errors] if e is not None], ignore_index=True)
        result.errors = errors[ERROR_COLUMNS]
    warnings = [w for w in warnings if len(w)]
    if warnings:
        result.warnings = pd.concat(warnings, ignore_index=True)
    rejected.apply(result, spec)  # values holding an identifier of the file: known only now, at its end
    result._rejected = result.rows_read - result.staging.count_valid()
    listed = result.errors["line"].nunique()
    result.errors = with_unlisted(result.errors, result._rejected - listed, opened.failures, cap)
    return result


def _described(errors: pd.DataFrame, text: pd.DataFrame, normal: pd.DataFrame, spec: Source,
               lines: pd.Series) -> pd.DataFrame:
    """describe(), keeping each error's row position (`_index`) so that chunks can be merged in order."""
    described = describe(errors, text, normal, spec, lines)
    described["_index"] = errors["index"].to_numpy(dtype="int64") if len(errors) else pd.Series(dtype="int64")
    return described


def _duplicates_across_chunks(rows: pd.DataFrame, spec: Source) -> pd.DataFrame:
    """duplicate_key errors for the staged rows whose key another chunk sent too (rows already held back as
    duplicates within their chunk are not reported twice)."""
    if rows.empty:
        return pd.DataFrame(columns=[*ERROR_COLUMNS, "_index"])
    record_keys = record_key(rows.fillna("").astype("str"), spec)
    return pd.DataFrame({
        "line": rows["line"].to_numpy(dtype="int64"), "column": "", "check": "duplicate_key",
        "value": record_keys.to_numpy(), "reason": reason("duplicate_key", "", "", spec),
        "record_key": record_keys.to_numpy(), "_index": rows["position"].to_numpy(dtype="int64"),
    })


def _open_into(result: FileResult, limits: Limits | None = None) -> RawStream | None:
    """Open the file and record what it is; on a refusal record its hash (so that the same refused file sent
    again is no new delivery) and refuse the result."""
    try:
        stream = open_file(result.path, limits)
    except FileRefused as e:
        if result.path.is_file() and result.path.stat().st_size:
            result.sha256 = sha256_of(result.path)
        result.refuse(str(e))
        return None
    result.sha256, result.format = stream.sha256, stream.format
    result.encoding, result.delimiter = stream.encoding, stream.delimiter
    return stream


def _count_into(result: FileResult) -> None:
    """Hash and row count of a file that is refused whatever it holds, so that its rows are accounted for
    (only the count matters)."""
    stream = _open_into(result)
    if stream is None:
        return
    with stream:
        try:
            lines = array("q")
            for chunk in stream.chunks():
                lines.extend(chunk.lines)
        except FileRefused as e:
            result.format = result.encoding = result.delimiter = None
            result.refuse(str(e))
            return
    result.rows_read, result._lines = len(lines), lines


def shown(name: str) -> str:
    """A header or file name as it may be printed: masked by the rule for rejected values (it can hold an
    identifier too), else quoted with escapes if it holds control characters (a terminal would act on them)."""
    if rejected.breaks(name):
        return rejected.masked(name)
    return name if name.isprintable() else repr(name)


class _ColumnPlan:
    """The header's columns: identifying columns dropped unread, duplicates and missing required columns
    (a file-level refusal), missing optional and extra columns (reported)."""

    def __init__(self, header: list[str], spec: Source, file_name: str):
        self.names = [base.header_name(h) for h in header]
        self.error: str | None = None
        self.refused_early: str | None = None  # a duplicate column: nothing else about the header is reported
        self.dropped, self.missing, self.named_extra = [], [], []
        pii = codes.pii_columns()
        seen: dict[str, str] = {}
        for original, name in zip(header, self.names):
            if name == "":
                continue
            if name in seen and name not in pii:
                said = [rejected.said(rejected.shown(h)) for h in (name, seen[name], original)]
                self.error = self.refused_early = (
                    f"{file_name}: column {said[0]} appears twice (headers {said[1]} and {said[2]})")
                return
            seen[name] = original
        self.dropped = sorted({n for n in self.names if n in pii})
        self.wanted = [c.name for c in spec.columns] + [base.WITHDRAWN.name]
        self.named_extra = sorted({shown(n) for n in self.names if n and n not in self.wanted and n not in pii})
        self.unnamed = [i for i, n in enumerate(self.names) if n == ""]
        self.unnamed_filled: set[int] = set()
        missing_required = [c for c in spec.required if c not in self.names]
        if missing_required:
            self.error = f"{file_name}: required column(s) missing: {', '.join(missing_required)}"
            return
        # `withdrawn` is optional for every source and only reported missing when another column is
        self.missing = [base.delivered_header(c.name) for c in spec.columns if c.name not in self.names]

    def see(self, cells: pd.DataFrame) -> None:
        """Remember the columns without a header that hold something (reported as extra columns)."""
        if self.refused_early is None:
            for i in self.unnamed:
                if i not in self.unnamed_filled and cells[i].str.strip().ne("").any():
                    self.unnamed_filled.add(i)

    def extra(self) -> list[str]:
        return self.named_extra + [f"column {i + 1} (no header)" for i in self.unnamed if i in self.unnamed_filled]

    def text(self, cells: pd.DataFrame) -> pd.DataFrame:
        text = pd.DataFrame(index=cells.index)
        for name in self.wanted:
            text[name] = cells[self.names.index(name)] if name in self.names else ""
        return text.astype("str")


# The contract stages every delivery goes through: pandera's polars back end. The same stages on pandas,
# below, are the reference the polars ones are held to (tests/test_contract_engines.py).
contract_stages = polars_stages.contract_stages


def contract_stages_on_pandas(normal: pd.DataFrame, spec: Source, month: str, decimal_comma: bool):
    """Raw contract → parse → typed contract. Returns (errors[index, column, check], typed frame, the typed
    frame as the duplicate check saw it: a row whose key failed an earlier stage has its required key null)."""
    raw_failures = _failures(base.raw_schema(spec, decimal_comma), normal.mask(normal.eq("")), spec)
    # a cell that failed the raw stage is not parsed: it is reported once, by the raw stage
    cleaned = normal.copy()
    for column, rows in raw_failures.groupby("column")["index"]:
        cleaned.loc[rows.to_numpy(), column] = ""
    typed, parse_failures = base.parse(cleaned, spec)
    # a row whose key failed an earlier stage has no key to compare: keep it out of the duplicate check
    early = pd.concat([raw_failures, parse_failures])
    checked = typed.copy()
    no_key = early.loc[early["column"].isin(spec.key), "index"].unique()
    checked.loc[no_key, next(k for k in spec.key if k in spec.required)] = None
    typed_failures = _failures(base.typed_schema(spec, month), checked, spec)
    errors = pd.concat([raw_failures, parse_failures, typed_failures], ignore_index=True)
    if spec.name == "judgments":
        errors = attribute_sentence_column(errors, typed)
    errors = errors.drop_duplicates(["index", "column", "check"]).sort_values(["index", "column"])
    return errors.reset_index(drop=True), typed, checked


_STRUCTURES_VALID: set[tuple] = set()  # (schema name, columns, dtypes) that passed pandera's own validation


def _failures(schema: pa.DataFrameSchema, frame: pd.DataFrame, spec: Source) -> pd.DataFrame:
    """The rows failing each check of a pandera contract: (index, column, check).

    pandera validates the frame's columns and dtypes (on no rows: a mismatch is a bug, not bad data), and runs
    every check of the contract through its Check API. The failing rows are read from each check's boolean
    output rather than from SchemaErrors' failure-case tables, which cost some 3 ms per failing column per
    chunk: over half of all validation time on files of a few thousand rows (docs/benchmarks.md).
    """
    structure = (schema.name, tuple(frame.columns), tuple(map(str, frame.dtypes)))
    if structure not in _STRUCTURES_VALID:  # on no rows the outcome depends on nothing else (22 ms a call)
        try:
            schema.validate(frame.head(0))
        except pa.errors.SchemaError as e:
            raise RuntimeError(f"{schema.name}: {e}") from None
        _STRUCTURES_VALID.add(structure)
    found = []  # (failing rows, column, check); a frame is made only for checks that failed
    for name, column in schema.columns.items():
        if not column.nullable:  # the contract's `required`
            found.append((frame.index[frame[name].isna()].to_numpy(), name, base.REQUIRED))
        for check in column.checks:  # `error` holds the contract's name of a registered check
            found.append((_failed(check(frame, column=name)), name, check.error))
    for check in schema.checks:  # a row check is about one column (the duplicate key about none)
        found.append((_failed(check(frame)), spec.check_columns.get(check.error, ""), check.error))
    found = [pd.DataFrame({"index": rows, "column": column, "check": check})
             for rows, column, check in found if len(rows)]
    if not found:
        return pd.DataFrame(columns=["index", "column", "check"])
    return pd.concat(found, ignore_index=True).sort_values(["index", "column"], kind="stable")


def _failed(result) -> np.ndarray:
    passed = result.check_output
    return passed.index[~passed.to_numpy(dtype=bool)].to_numpy(dtype="int64")


def _drop_non_key_errors_of_withdrawals(errors: pd.DataFrame, typed: pd.DataFrame, spec: Source) -> pd.DataFrame:
    """A withdrawal row needs only valid key columns (DATA-SPEC, Corrections)."""
    withdrawn = typed.index[typed["withdrawn"].fillna(False).astype(bool)]
    keep_columns = set(spec.key) | {"withdrawn"}
    on_withdrawn = errors["index"].isin(withdrawn)
    relevant = errors["column"].isin(keep_columns) | errors["check"].isin(["duplicate_key", "field_count"])
    return errors[~on_withdrawn | relevant].reset_index(drop=True)


def mask(column: str, value: str, spec: Source) -> str:
    """A rejected value as it may be stored and shown: person identifiers as `***`, every other value by the
    rule for rejected values (pipeline/rejected.py; its part (a) is applied once the whole file is read)."""
    if column in spec.person_columns:
        return MASK if value != "" else value
    return rejected.shown(value)


def record_key(normal: pd.DataFrame, spec: Source) -> pd.Series:
    """The record's key as a clerk finds it in the file, person identifiers masked."""
    parts = [
        (f"{c}=" + (pd.Series(MASK, index=normal.index) if c in spec.person_columns
                    else normal[c].map(rejected.shown).astype("str")))
        for c in spec.key
    ]
    out = parts[0]
    for p in parts[1:]:
        out = out + " " + p
    return out


def reason(check: str, column: str, value: str, spec: Source, what_to_do: dict[str, str] | None = None) -> str:
    """The reason a clerk reads; what_to_do: the pack's checks (codes.checks()), when the caller has them."""
    col = spec.by_name.get(column)
    header = base.delivered_header(column)
    shown = rejected.quoted(header, value) if column and value != "" else (header or "row")
    if check == "code_list" and col is not None and len(col.codes) <= 12:
        return f"{shown}: not in the code list ({', '.join(col.codes)})"
    if check == "duplicate_key":
        return f"key ({', '.join(spec.key)}) sent more than once in this file: all copies are held back"
    return f"{shown}: {(what_to_do or codes.checks())[check]}"


def describe(errors: pd.DataFrame, text: pd.DataFrame, normal: pd.DataFrame, spec: Source,
             lines: pd.Series) -> pd.DataFrame:
    """Row-level reasons: line, column, check, the value as sent (identifiers masked), words, key."""
    if errors.empty:
        return pd.DataFrame(columns=ERROR_COLUMNS)
    rows = errors["index"].to_numpy()
    what_to_do = codes.checks()
    keys = record_key(normal.loc[pd.unique(rows)], spec)
    values = pd.Series("", index=errors.index, dtype=object)
    for column, where in errors.groupby("column").groups.items():
        if column in text:
            sent = text[column].reindex(errors.loc[where, "index"]).str.strip().to_numpy(dtype=object)
            values.loc[where] = [mask(column, v, spec) for v in sent]
    by_key = (errors["check"] == "duplicate_key") & ~errors["column"].isin(text.columns)
    values[by_key] = keys.reindex(errors.loc[by_key, "index"]).to_numpy(dtype=object)
    return pd.DataFrame({
        "line": lines.reindex(rows).to_numpy(dtype="int64"),
        "column": errors["column"].map(base.delivered_header).to_numpy(dtype=object),
        "check": errors["check"].to_numpy(dtype=object),
        "value": values.to_numpy(),
        "reason": [reason(check, column, value, spec, what_to_do) for check, column, value
                   in zip(errors["check"], errors["column"], values)],
        "record_key": keys.reindex(rows).to_numpy(dtype=object),
    }, columns=ERROR_COLUMNS)


def unknown_articles(valid: pd.DataFrame, spec: Source) -> pd.DataFrame:
    """Offence codes whose article the statute table does not list: accepted as group `other`, reported."""
    if "offence_code" not in valid:  # victims carry no offence
        return pd.DataFrame(columns=ERROR_COLUMNS)
    listed = {(r["law"], r["article"]) for r in codes.statutes()}
    offences = valid["offence_code"]
    distinct = offences.dropna().unique()
    unknown = [c for c in distinct if tuple(c.split(".")[:2]) not in listed]
    hits = valid.loc[offences.isin(unknown)]
    values = hits["offence_code"].map(rejected.shown).astype("str")
    return pd.DataFrame({
        "line": hits["line"], "column": "offence_code", "check": "unknown_article",
        "value": values,
        "reason": values.map(lambda v: rejected.quoted("offence_code", v)).astype("str")
        + ": article not in the statute table; counted as group 'other' with its range unknown",
        "record_key": "",
    }, columns=ERROR_COLUMNS).reset_index(drop=True)
