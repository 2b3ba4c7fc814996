"""Read one delivered file (CSV or XLSX) into text cells, with the physical line of every row.

Every cell comes back as text so that one raw contract serves both formats; typed XLSX cells are written
as the text an agency would have typed (dates ISO, whole numbers as digits, booleans true/false).

Files are read as a stream: `open_file` checks the file (size limit, encoding, header) and `chunks()` then
yields the rows a bounded number at a time, so a large file is never held in memory as text. `read_file`
collects every chunk into one `RawFile` (for tests and small files).

A well-formed CSV file (every row as wide as the header, no blank line) is parsed by Arrow's CSV reader, in
C++ and without a Python object per cell; any other file by Python's csv module, which can say what is
wrong with each row. Both give the same cells and lines (tests/test_fuzz.py compares them); when the Arrow
reader meets what it cannot take part-way, it raises `SlowPath` and the caller reads the file again.
"""
from __future__ import annotations

import codecs
import csv
import hashlib
import io
import re
import zipfile
from dataclasses import dataclass, field
from datetime import date, datetime
from pathlib import Path
from typing import Iterator

import numpy as np
import pandas as pd
import pyarrow as pa
import pyarrow.compute as pc
import pyarrow.csv as pacsv

from pipeline.settings import Limits

FORMATS = (".csv", ".xlsx")
DELIMITERS = (",", ";")
BLOCK = 1 << 20
# csv refuses a longer cell with its own error, which becomes a file-level refusal naming the file
csv.field_size_limit(1 << 20)
# a physical line longer than this is refused before it is held whole (a cell is at most 1 MiB anyway)
MAX_LINE_CHARS = 64 << 20
# the delimiter is sniffed from the header line, or its first characters when it is absurdly long
SNIFF_CHARS = 4 << 20
UTF8_BOM = b"\xef\xbb\xbf"
# the characters str.strip() removes, so that both readers see the same rows as blank
BLANK_CELL = "^[" + "".join(f"\\x{{{ord(c):x}}}" for c in map(chr, range(0x110000)) if c.isspace()) + "]*$"
ARROW_BLOCK = 16 << 20  # bytes the Arrow reader parses at a time
CP1250_UNDEFINED = re.compile(b"[\x81\x83\x88\x90\x98]")  # the five bytes Windows-1250 leaves undefined
XLSX_MAX_ROWS = 1_048_576  # a worksheet holds no more rows (a larger row number is a damaged file)
MAX_COLUMNS = 1_000  # a header wider than this is no delivery (a source has about 20 columns)
XLSX_EXTRA_COLUMNS = 256  # cells read to the right of the header, to find rows longer than the header


class FileRefused(Exception):
    """A file that cannot be read as a delivery; the message is one line saying why."""


class SlowPath(Exception):
    """The Arrow reader met a row it cannot take as it is (too short or long, a blank line, a huge cell):
    the file must be read again by the row-by-row reader (open_file(..., fast=False))."""


@dataclass
class RawFile:
    path: Path
    sha256: str
    format: str
    header: list[str]
    cells: pd.DataFrame  # text cells, positional columns 0..n-1 matching `header`
    lines: list[int]  # physical line (CSV, header = 1) or sheet row (XLSX) of each row
    too_many_cells: list[int] = field(default_factory=list)  # positions of rows longer than the header
    encoding: str | None = None
    delimiter: str | None = None


@dataclass
class Chunk:
    """Up to `chunk_rows` consecutive rows of a file; positions (the frame's index) count from the file's
    first row, so that chunks line up with each other."""

    cells: pd.DataFrame
    lines: list[int]
    too_many_cells: list[int]  # positions (file-wide) of rows longer than the header


def sha256_of(path: Path) -> str:
    digest = hashlib.sha256()
    with open(path, "rb") as f:
        for block in iter(lambda: f.read(BLOCK), b""):
            digest.update(block)
    return digest.hexdigest()


def mb(size: int) -> str:
    return f"{size / (1024 * 1024):,.0f} MB"


class RawStream:
    """An open delivery: its hash, format, encoding, delimiter and header, and its rows chunk by chunk."""

    format: str = ""
    encoding: str | None = None
    delimiter: str | None = None

    def __init__(self, path: Path, sha256: str, limits: Limits):
        self.path, self.sha256, self.limits = path, sha256, limits
        self.header: list[str] = []
        self.rows_read = 0

    def __enter__(self) -> "RawStream":
        return self

    def __exit__(self, *exc) -> None:
        self.close()

    def close(self) -> None:
        pass

    def records(self) -> Iterator[tuple[int, list[str]]]:
        """(line, cells) of every non-blank row after the header."""
        raise NotImplementedError

    def _check_header(self) -> None:
        if len(self.header) > MAX_COLUMNS:
            raise FileRefused(f"{self.path.name}: {len(self.header):,} columns in the header, more than "
                              f"{MAX_COLUMNS:,}: not a delivery")

    def chunks(self) -> Iterator[Chunk]:
        """The rows in chunks; raises FileRefused (one line naming the file) if the file turns out unreadable
        or over the row limit part-way: the caller refuses the whole file then, nothing of it is loaded."""
        width, size = len(self.header), self.limits.chunk_rows
        rows, lines, too_many = [], [], []
        start = 0
        for line, record in self.records():
            position = start + len(rows)
            if position >= self.limits.max_rows:
                raise FileRefused(
                    f"{self.path.name}: more than {self.limits.max_rows:,} rows, over the limit "
                    "(TIPSTATS_MAX_ROWS); refused: split the delivery or raise the limit")
            if len(record) > width:
                rest = record[width:]
                if any(c.strip() for c in rest if c):
                    too_many.append(position)
                record = record[:width]
            elif len(record) < width:
                record = record + [""] * (width - len(record))
            rows.append(record)
            lines.append(line)
            if len(rows) == size:
                yield self._chunk(start, rows, lines, too_many)
                start += len(rows)
                rows, lines, too_many = [], [], []
        self.rows_read = start + len(rows)
        if rows or start == 0:
            yield self._chunk(start, rows, lines, too_many)

    def _chunk(self, start: int, rows: list[list[str]], lines: list[int], too_many: list[int]) -> Chunk:
        cells = pd.DataFrame(rows, columns=range(len(self.header)), dtype="str")
        cells.index = pd.RangeIndex(start, start + len(rows))
        return Chunk(cells, lines, too_many)


def open_file(path: Path, limits: Limits | None = None, fast: bool = True) -> RawStream:
    """Check a file and read its header; FileRefused (one line naming the file) when it cannot be a delivery.
    fast=False: never the Arrow reader (after it raised SlowPath)."""
    limits = limits or Limits.from_env()
    suffix = path.suffix.lower()
    if suffix not in FORMATS:
        raise FileRefused(f"{path.name}: not a .csv or .xlsx file")
    size = path.stat().st_size
    if size == 0:
        raise FileRefused(f"{path.name}: empty file (0 bytes), counted as not delivered")
    if size > limits.max_bytes:
        raise FileRefused(f"{path.name}: {mb(size)}, larger than the limit of {limits.max_file_mb:,} MB "
                          "(TIPSTATS_MAX_FILE_MB); refused unread: split the delivery or raise the limit")
    if suffix == ".csv":
        return CsvStream.open(path, limits, fast)
    return XlsxStream.open(path, limits)


def read_file(path: Path, limits: Limits | None = None) -> RawFile:
    """The whole file at once (every chunk collected)."""
    try:
        with open_file(path, limits) as stream:
            chunks = list(stream.chunks())
    except SlowPath:
        with open_file(path, limits, fast=False) as stream:
            chunks = list(stream.chunks())
    cells = pd.concat([c.cells for c in chunks]) if len(chunks) > 1 else chunks[0].cells
    return RawFile(path, stream.sha256, stream.format, stream.header, cells.reset_index(drop=True),
                   [line for c in chunks for line in c.lines], [p for c in chunks for p in c.too_many_cells],
                   stream.encoding, stream.delimiter)


# ------------------------------------------------------------------------------------------------- CSV
def detect_encoding(path: Path) -> tuple[str, str]:
    """(SHA-256, encoding): UTF-8 (with or without BOM), else Windows-1250, the two encodings DATA-SPEC
    allows, decided from every byte of the file in one pass of bounded blocks."""
    name = path.name
    digest = hashlib.sha256()
    utf8 = codecs.getincrementaldecoder("utf-8")("strict")
    utf8_error: UnicodeDecodeError | None = None
    cp1250_error: int | None = None
    bom = False
    offset = 0
    with open(path, "rb") as f:
        for block in iter(lambda: f.read(BLOCK), b""):
            digest.update(block)
            if b"\x00" in block:
                raise FileRefused(f"{name}: contains NUL bytes, not a text file")
            data = block
            if offset == 0 and block.startswith(UTF8_BOM):
                bom, data = True, block[len(UTF8_BOM):]
            if utf8_error is None:
                try:
                    utf8.decode(data)
                except UnicodeDecodeError as e:
                    utf8_error = e
            if cp1250_error is None and not bom:
                found = CP1250_UNDEFINED.search(block)
                if found:
                    cp1250_error = offset + found.start()
            offset += len(block)
    if utf8_error is None:
        try:
            utf8.decode(b"", final=True)
        except UnicodeDecodeError as e:
            utf8_error = e
    if bom:
        if utf8_error is not None:
            raise FileRefused(f"{name}: not valid UTF-8 after its byte-order mark ({utf8_error.reason})")
        return digest.hexdigest(), "utf-8-sig"
    if utf8_error is None:
        return digest.hexdigest(), "utf-8"
    if cp1250_error is None:
        return digest.hexdigest(), "cp1250"
    raise FileRefused(f"{name}: neither UTF-8 nor Windows-1250 text (byte {cp1250_error})")


def sniff_delimiter(header_line: str) -> str:
    """The delimiter is whichever of `,` and `;` the header row uses more (header names hold neither)."""
    counts = {d: header_line.count(d) for d in DELIMITERS}
    return max(DELIMITERS, key=lambda d: (counts[d], d == ","))


class CsvStream(RawStream):
    format = "csv"

    @classmethod
    def open(cls, path: Path, limits: Limits, fast: bool = True) -> "CsvStream":
        sha, encoding = detect_encoding(path)
        stream = cls(path, sha, limits)
        stream.encoding = encoding
        stream._text = open(path, encoding=encoding, newline="", errors="strict")
        try:
            stream.delimiter = sniff_delimiter(stream._first_line())
            stream._text.seek(0)
            stream._reader = csv.reader(stream._lines(), delimiter=stream.delimiter, quotechar='"')
            stream._previous_end = 0
            for line, record in stream._records():
                stream.header = record
                break
            else:
                raise FileRefused(f"{path.name}: no header row")
            stream._check_header()
            # the Arrow reader numbers lines from a header that is the file's first line, and one line long
            stream.fast = fast and line == 1 and stream._reader.line_num == 1
        except BaseException:
            stream.close()
            raise
        return stream

    def close(self) -> None:
        self._text.close()

    def _first_line(self) -> str:
        """The text up to the first `\\n` (or its first SNIFF_CHARS characters)."""
        parts, length = [], 0
        while length < SNIFF_CHARS:
            block = self._text.read(min(BLOCK, SNIFF_CHARS - length))
            if not block:
                break
            end = block.find("\n")
            if end >= 0:
                parts.append(block[:end])
                break
            parts.append(block)
            length += len(block)
        return "".join(parts)

    def _lines(self) -> Iterator[str]:
        """Physical lines (universal newlines, untranslated), none held longer than MAX_LINE_CHARS."""
        number = 0
        while True:
            try:
                line = self._text.readline(MAX_LINE_CHARS)
            except UnicodeDecodeError as e:  # the file changed since its encoding was checked
                raise FileRefused(f"{self.path.name}: changed while it was read ({e.reason})") from None
            if not line:
                return
            number += 1
            if len(line) == MAX_LINE_CHARS and not line.endswith(("\n", "\r")):
                raise FileRefused(f"{self.path.name}: line {number}: longer than {MAX_LINE_CHARS:,} characters, "
                                  "unreadable CSV")
            yield line

    def _records(self) -> Iterator[tuple[int, list[str]]]:
        reader = self._reader
        try:
            for record in reader:
                start, self._previous_end = self._previous_end + 1, reader.line_num
                if not any(cell.strip() for cell in record):
                    continue  # blank lines carry nothing
                yield start, record
        except csv.Error as e:
            raise FileRefused(f"{self.path.name}: line {reader.line_num}: unreadable CSV ({e})") from None

    def records(self) -> Iterator[tuple[int, list[str]]]:
        return self._records()

    def chunks(self) -> Iterator[Chunk]:
        return self._arrow_chunks() if self.fast else super().chunks()

    def _arrow_chunks(self) -> Iterator[Chunk]:
        """The rows as the csv module would give them, parsed by Arrow. A row not as wide as the header is
        handed back by Arrow with its record number and its text; the csv module reads it (rare rows, so
        the cost does not matter) and it is put back in its place. SlowPath when Arrow cannot go on."""
        names = [str(i) for i in range(len(self.header))]
        size = self.limits.chunk_rows
        uneven: dict[int, str] = {}  # record (0 = the first after the header) → text, rows Arrow skipped

        def keep_uneven(row) -> str:
            if row.number is None:
                return "error"
            uneven[row.number - 2] = row.text  # Arrow numbers records from 1, the header's
            return "skip"

        try:
            reader = pacsv.open_csv(
                self.path,
                read_options=pacsv.ReadOptions(
                    column_names=names, skip_rows=1, block_size=ARROW_BLOCK, use_threads=False,
                    encoding="utf8" if self.encoding.startswith("utf-8") else self.encoding),
                parse_options=pacsv.ParseOptions(
                    delimiter=self.delimiter, quote_char='"', double_quote=True, escape_char=False,
                    newlines_in_values=True, ignore_empty_lines=False, invalid_row_handler=keep_uneven),
                convert_options=pacsv.ConvertOptions(
                    column_types=dict.fromkeys(names, pa.string()), strings_can_be_null=False,
                    quoted_strings_can_be_null=False),
            )
            self._start, self._record, self._next_line = 0, 0, 2
            buffered, rows = [], 0
            for batch in reader:
                buffered.append(batch)
                rows += batch.num_rows
                while rows >= size:
                    table = pa.Table.from_batches(buffered)
                    yield self._arrow_chunk(table.slice(0, size), uneven)
                    rest = table.slice(size)
                    buffered, rows = rest.to_batches(), rest.num_rows
            if rows or uneven or self._start == 0:
                yield self._arrow_chunk(pa.Table.from_batches(buffered, reader.schema), uneven)
        except (pa.ArrowInvalid, pa.ArrowNotImplementedError):
            raise SlowPath(self.path.name) from None
        self.rows_read = self._start

    def _arrow_chunk(self, table, uneven: dict[int, str]) -> Chunk:
        """One chunk: Arrow's rows with the uneven rows of their stretch of the file put back, numbered by
        physical line (a quoted line break starts a new line, as the csv module counts), blank rows left out.
        Arrow has met every uneven row before the rows that follow it, so those of this stretch are known."""
        width = len(self.header)
        span = np.ones(table.num_rows, dtype="int64")
        blank = np.ones(table.num_rows, dtype=bool)
        for column in table.columns:
            if (pc.max(pc.utf8_length(column)).as_py() or 0) > csv.field_size_limit():
                raise SlowPath(self.path.name)
            breaks = pc.subtract(pc.add(pc.count_substring(column, "\r"), pc.count_substring(column, "\n")),
                                 pc.count_substring(column, "\r\n"))
            span += breaks.to_numpy(zero_copy_only=False)
            blank &= pc.match_substring_regex(column, BLANK_CELL).to_numpy(zero_copy_only=False)
        cells = table.to_pandas()
        cells.columns = range(width)
        too_many = np.zeros(len(cells), dtype=bool)
        first = self._record
        mine = sorted(uneven)  # those of earlier chunks were taken out
        taken = 0
        while taken < len(mine) and mine[taken] <= first + table.num_rows + taken:
            taken += 1
        if taken:  # records of this stretch: Arrow's rows in order, the uneven ones at their numbers
            records = np.arange(first, first + table.num_rows + taken)
            odd = [self._uneven_row(uneven.pop(r)) for r in mine[:taken]]
            order = np.argsort(np.concatenate([np.setdiff1d(records, mine[:taken]), mine[:taken]]), kind="stable")
            odd_cells = pd.DataFrame([o[0] for o in odd], columns=range(width), dtype="str")
            cells = pd.concat([cells, odd_cells], ignore_index=True).iloc[order].reset_index(drop=True)
            span, blank, too_many = (np.concatenate([arrow_side, [o[i] for o in odd]])[order]
                                     for i, arrow_side in ((1, span), (2, blank), (3, too_many)))
        self._record = first + len(cells)
        lines = self._next_line + np.cumsum(span) - span
        self._next_line += int(span.sum())
        if blank.any():
            cells, lines, too_many = cells[~blank].reset_index(drop=True), lines[~blank], too_many[~blank]
        n = len(cells)
        if self._start + n > self.limits.max_rows:
            raise FileRefused(f"{self.path.name}: more than {self.limits.max_rows:,} rows, over the limit "
                              "(TIPSTATS_MAX_ROWS); refused: split the delivery or raise the limit")
        cells.index = pd.RangeIndex(self._start, self._start + n)
        positions = (self._start + np.flatnonzero(too_many)).tolist()
        self._start += n
        return Chunk(cells, lines.tolist(), positions)

    def _uneven_row(self, text: str) -> tuple[list[str], int, bool, bool]:
        """A row Arrow skipped, read by the csv module: (cells cut or padded to the header, lines it spans,
        blank, filled cells beyond the header), as RawStream.chunks and CsvStream._records treat such rows."""
        record = next(csv.reader(io.StringIO(text, newline=""), delimiter=self.delimiter, quotechar='"'), [])
        span = 1 + text.count("\r") + text.count("\n") - text.count("\r\n")
        if any(len(c) > csv.field_size_limit() for c in record):
            raise SlowPath(self.path.name)
        width = len(self.header)
        blank = not any(c.strip() for c in record)
        too_many = any(c.strip() for c in record[width:] if c)
        return (record + [""] * (width - len(record)))[:width], span, blank, too_many


# ------------------------------------------------------------------------------------------------ XLSX
def cell_text(value) -> str:
    if value is None:
        return ""
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, datetime):
        return value.date().isoformat()  # the time part of a date is ignored
    if isinstance(value, date):
        return value.isoformat()
    if isinstance(value, float) and value.is_integer() and abs(value) < 1e15:
        return str(int(value))  # numeric identifier cells are read as their integer digits
    return str(value)


class XlsxStream(RawStream):
    format = "xlsx"

    @classmethod
    def open(cls, path: Path, limits: Limits) -> "XlsxStream":
        from openpyxl import load_workbook

        sha = sha256_of(path)
        stream = cls(path, sha, limits)
        try:
            with zipfile.ZipFile(path) as archive:
                unpacked = sum(info.file_size for info in archive.infolist())
        except (zipfile.BadZipFile, OSError, ValueError, EOFError, NotImplementedError):
            unpacked = 0  # not a zip: openpyxl below says so in its words
        if unpacked > limits.max_bytes:
            raise FileRefused(f"{path.name}: unpacks to {mb(unpacked)}, larger than the limit of "
                              f"{limits.max_file_mb:,} MB (TIPSTATS_MAX_FILE_MB); refused unread")
        try:
            stream._workbook = load_workbook(path, read_only=True, data_only=True)
        except (zipfile.BadZipFile, KeyError, OSError, ValueError, TypeError, EOFError) as e:
            raise FileRefused(f"{path.name}: not a readable .xlsx workbook ({type(e).__name__})") from None
        except Exception as e:  # a damaged package can fail in many ways; all mean the same to a clerk
            raise FileRefused(f"{path.name}: not a readable .xlsx workbook ({type(e).__name__})") from None
        try:
            stream._read_header()
            stream._check_header()
        except BaseException:
            stream.close()
            raise
        return stream

    def close(self) -> None:
        workbook = getattr(self, "_workbook", None)
        if workbook is not None:
            workbook.close()

    def _sheet(self):
        sheets = self._workbook.worksheets
        if not sheets:
            raise FileRefused(f"{self.path.name}: no worksheet")
        sheet = sheets[0]
        if hasattr(sheet, "reset_dimensions"):
            sheet.reset_dimensions()  # a row is as wide as its cells, not as the sheet claims to be
        return sheet

    def _read_header(self) -> None:
        rows = self._sheet_rows(self._sheet().iter_rows(values_only=True), first=1)
        try:
            for number, record in rows:
                while record and not record[-1].strip():
                    record.pop()  # formatted but empty cells to the right of the header
                self.header, self._header_row = record, number
                return
        finally:
            rows.close()
        raise FileRefused(f"{self.path.name}: no header row")

    def _sheet_rows(self, values: Iterator[tuple], first: int, width: int | None = None
                    ) -> Iterator[tuple[int, list[str]]]:
        """(row number, cells) of the non-blank rows; with `width`, cells beyond it only if filled (all that
        matters of them is whether the row is longer than the header)."""
        try:
            for number, row in enumerate(values, start=first):
                if number > XLSX_MAX_ROWS:
                    raise FileRefused(f"{self.path.name}: a row number beyond {XLSX_MAX_ROWS:,}, "
                                      "unreadable worksheet")
                if not row or row.count(None) == len(row):
                    continue
                if width is None or len(row) <= width:
                    record = [cell_text(v) for v in row]
                else:
                    record = [cell_text(v) for v in row[:width]] + [cell_text(v) for v in row[width:] if v is not None]
                if not any(c.strip() for c in record):
                    continue
                yield number, record
        except FileRefused:
            raise
        except Exception as e:  # openpyxl raises many kinds on a damaged sheet; all mean the same to a clerk
            raise FileRefused(f"{self.path.name}: unreadable worksheet ({type(e).__name__})") from None

    def records(self) -> Iterator[tuple[int, list[str]]]:
        """The rows under the header, each read at most XLSX_EXTRA_COLUMNS cells wider than the header (a
        stray cell further right is not seen), so that a damaged sheet claiming 16,384 columns costs nothing."""
        first = self._header_row + 1
        try:
            values = self._sheet().iter_rows(min_row=first, max_col=len(self.header) + XLSX_EXTRA_COLUMNS,
                                              values_only=True)
        except Exception as e:
            raise FileRefused(f"{self.path.name}: unreadable worksheet ({type(e).__name__})") from None
        return self._sheet_rows(values, first, len(self.header))
