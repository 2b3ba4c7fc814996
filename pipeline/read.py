"""Read one delivered file (CSV or XLSX) into text cells, with the physical line of every row.

Every cell comes back as text so that one raw contract serves both formats; typed XLSX cells are written
as the text an agency would have typed (dates ISO, whole numbers as digits, booleans true/false).

Files are read as a stream: `open_file` checks the file (size limit, encoding, header) and `chunks()` then
yields the rows a bounded number at a time, so a large file is never held in memory as text. `read_file`
collects every chunk into one `RawFile` (for tests and small files).

A CSV file is parsed by Arrow's CSV reader, in C++ and without a Python object per cell, and by nothing else
(CsvStream says what is done around it); an XLSX file by expat, and its rows become the same text cells.
"""
from __future__ import annotations

import bisect
import codecs
import csv
import hashlib
import io
import math
import posixpath
import re
import stat
import time
import zipfile
from array import array
from contextlib import contextmanager
from dataclasses import dataclass, field
from datetime import date, timedelta
from decimal import Decimal, InvalidOperation
from pathlib import Path
from typing import Iterator
from xml.parsers import expat

import numpy as np
import pandas as pd
import pyarrow as pa
import pyarrow.compute as pc
import pyarrow.csv as pacsv

from contracts import base, pack
from pipeline import rejected
from pipeline.settings import Limits

FORMATS = (".csv", ".xlsx")
DELIMITERS = (",", ";")
BLOCK = 1 << 20
MAX_CELL_CHARS = 1 << 20  # a longer cell refuses the file, naming its line (CSV) or cell (XLSX)
csv.field_size_limit(MAX_CELL_CHARS)  # the audit's own reading of CSV text stops at it too
# the delimiter is sniffed from the header line, or its first characters when it is absurdly long
SNIFF_CHARS = 4 << 20
UTF8_BOM = b"\xef\xbb\xbf"
BLANK_CELL = f"^{base.WHITESPACE}*$"  # what str.strip() removes entirely
# bytes the Arrow reader parses at a time: a longer row refuses the file (a cell is at most 1 MiB), and the
# uneven rows of one block are what is held as Python text at most (1M of them for a block of "1\n" lines)
ARROW_BLOCK = 2 << 20
ARROW_ERRORS = (pa.ArrowInvalid, pa.ArrowNotImplementedError, UnicodeDecodeError)
# a line above the header holding only these is blank, and skipped (whitespace as str.strip sees it)
BLANK_LINE = re.compile(r"[\s,;]*")
# the bytes each single-byte encoding a pack may accept leaves undefined (ISO-8859-2: the C1 controls, which no
# text holds): a file holding one is not in that encoding
UNDEFINED = {
    "cp1250": re.compile(b"[\x81\x83\x88\x90\x98]"),
    "cp1252": re.compile(b"[\x81\x8d\x8f\x90\x9d]"),
    "iso-8859-2": re.compile(b"[\x80-\x9f]"),
}
ENCODING_NAMES = {"cp1250": "Windows-1250", "cp1252": "Windows-1252", "iso-8859-2": "ISO-8859-2"}



UTF8_LEAD_BYTES = bytes(range(0xC2, 0xF5))
UTF8_MULTIBYTE = re.compile(b"[\xc2-\xdf][\x80-\xbf]|[\xe0-\xef][\x80-\xbf]{2}|[\xf0-\xf4][\x80-\xbf]{3}")
XLSX_MAX_ROWS = 1_048_576  # a worksheet holds no more rows (a larger row number is a damaged file)
MAX_COLUMNS = 1_000  # a header wider than this is no delivery (a source has about 20 columns)
STRING_COLUMNS = {f"f{i}": pa.string() for i in range(MAX_COLUMNS + 1)}  # every cell is text


NOT_REGULAR = ((stat.S_ISDIR, "a folder"), (stat.S_ISFIFO, "a named pipe (FIFO)"),
               (stat.S_ISCHR, "a device"), (stat.S_ISBLK, "a device"), (stat.S_ISSOCK, "a socket"))


def quoted(text: str) -> str:
    """A string of the delivery (a sheet title, a cell reference) as a message may name it: under the rule for
    rejected values, it may hold an identifier."""
    return rejected.said(rejected.shown(text))


class FileRefused(Exception):
    """A file that cannot be read as a delivery; the message is one line saying why."""


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
    # (position, header column index, check) of cells the reader itself finds wrong (XLSX number and date
    # cells that cannot be what the agency typed); validation reports them like a contract's failures
    cell_errors: list[tuple[int, int, str]] = field(default_factory=list)


def sha256_of(path: Path) -> str:
    digest = hashlib.sha256()
    with open(path, "rb") as f:
        for block in iter(lambda: f.read(BLOCK), b""):
            digest.update(block)
    return digest.hexdigest()


def mb(size: int) -> str:
    """A size in MB with one decimal, rounded up: a size over a limit never reads as the limit itself."""
    return f"{math.ceil(size * 10 / (1024 * 1024)) / 10:,.1f} MB"


class RawStream:
    """An open delivery: its hash, format, encoding, delimiter and header, and its rows chunk by chunk."""

    format: str = ""
    encoding: str | None = None
    delimiter: str | None = None

    def __init__(self, path: Path, sha256: str, limits: Limits):
        self.path, self.sha256, self.limits = path, sha256, limits
        self.header: list[str] = []
        self.rows_read = 0
        self.physical_rows = 0  # rows under the header, blank ones too: what TIPSTATS_MAX_ROWS limits

    def __enter__(self) -> "RawStream":
        return self

    def __exit__(self, *exc) -> None:
        self.close()

    def close(self) -> None:
        pass

    def records(self) -> Iterator[tuple[int, list[str]]]:
        """(line, cells) of every non-blank row after the header."""
        raise NotImplementedError

    def _count_rows(self, n: int) -> None:
        """Count n more physical rows (blank or not) against the row limit: a file of empty rows costs as
        much to read as any other."""
        self.physical_rows += n
        if self.physical_rows > self.limits.max_rows:
            raise FileRefused(
                f"{self.path.name}: more than {self.limits.max_rows:,} rows, over the limit "
                "(TIPSTATS_MAX_ROWS); refused: split the delivery or raise the limit")

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
            position = start + len(rows)  # the row limit is kept by records(), which counts blank rows too
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


def open_file(path: Path, limits: Limits | None = None) -> RawStream:
    """Check a file and read its header; FileRefused (one line naming the file) when it cannot be a delivery."""
    limits = limits or Limits.from_env()
    suffix = path.suffix.lower()
    if suffix not in FORMATS:
        raise FileRefused(f"{path.name}: not a .csv or .xlsx file")
    try:
        info = path.stat()
    except OSError as e:  # a dangling link, a file removed meanwhile, no permission
        raise FileRefused(f"{path.name}: cannot be read ({e.strerror})") from None
    kind = next((k for test, k in NOT_REGULAR if test(info.st_mode)), None)
    if kind:  # never opened: reading a FIFO or a device would block or never end
        raise FileRefused(f"{path.name}: {kind}, not a regular file; not read: deliver the file itself")
    size = info.st_size
    if size == 0:
        raise FileRefused(f"{path.name}: empty file (0 bytes), counted as not delivered")
    if size > limits.max_bytes:
        raise FileRefused(f"{path.name}: {mb(size)}, larger than the limit of {limits.max_file_mb:,} MB "
                          "(TIPSTATS_MAX_FILE_MB); refused unread: split the delivery or raise the limit")
    if suffix == ".csv":
        return CsvStream.open(path, limits)
    return XlsxStream.open(path, limits)


def read_file(path: Path, limits: Limits | None = None) -> RawFile:
    """The whole file at once (every chunk collected)."""
    with open_file(path, limits) as stream:
        chunks = list(stream.chunks())
    cells = pd.concat([c.cells for c in chunks]) if len(chunks) > 1 else chunks[0].cells
    return RawFile(path, stream.sha256, stream.format, stream.header, cells.reset_index(drop=True),
                   [line for c in chunks for line in c.lines], [p for c in chunks for p in c.too_many_cells],
                   stream.encoding, stream.delimiter)


# ------------------------------------------------------------------------------------------------- CSV
def wide_encoding(block: bytes) -> str | None:
    """"UTF-16" or "UTF-32" when the file's first bytes are text in one of them (a byte-order mark, or the
    NUL bytes of ASCII text written two or four bytes a character), else None."""
    if block.startswith((b"\xff\xfe\x00\x00", b"\x00\x00\xfe\xff")):
        return "UTF-32"
    if block.startswith((b"\xff\xfe", b"\xfe\xff")):
        return "UTF-16"
    head = block[:4096]
    if len(head) < 8 or head.count(0) * 3 < len(head):  # ASCII in UTF-16 is half NULs, in UTF-32 three quarters
        return None
    zeros = [head[i::4].count(0) / len(head[i::4]) for i in range(4)]
    if sum(z > 0.9 for z in zeros) == 3:
        return "UTF-32"
    return "UTF-16" if (zeros[0] > 0.9 and zeros[2] > 0.9) or (zeros[1] > 0.9 and zeros[3] > 0.9) else None


def detect_encoding(path: Path) -> tuple[str, str]:
    """(SHA-256, encoding): UTF-8 (with or without BOM), else the first of the pack's single-byte encodings
    (pack.toml [files] encodings) that defines every byte, decided from every byte of the file in one pass of
    bounded blocks.

    A file that is mostly UTF-8 (it holds at least as many valid multi-byte UTF-8 characters as invalid
    bytes) but for some lines is refused naming the first such line, rather than read whole as a single-byte
    encoding with every UTF-8 letter garbled. In single-byte text, byte pairs that happen to be valid UTF-8
    are rare."""
    name = path.name
    digest = hashlib.sha256()
    utf8 = codecs.getincrementaldecoder("utf-8")("strict")
    utf8_error: UnicodeDecodeError | None = None
    utf8_error_line = 0
    utf8_letters = invalid = 0  # valid multi-byte UTF-8 characters; bytes that are not UTF-8
    candidates = pack.active().encodings
    undefined_at: dict[str, int] = {}  # encoding → offset of the first byte it does not define
    bom = False
    offset = lines = 0
    with open(path, "rb") as f:
        for block in iter(lambda: f.read(BLOCK), b""):
            digest.update(block)
            if b"\x00" in block:
                wide = wide_encoding(block) if offset == 0 else None
                if wide:
                    raise FileRefused(f"{name}: {wide} text, which is not read: save it as UTF-8 "
                                      "(in Excel: CSV UTF-8)" + "".join(f" or {ENCODING_NAMES[e]}" for e in candidates))
                raise FileRefused(f"{name}: contains NUL bytes, not a text file")
            data = block
            if offset == 0 and block.startswith(UTF8_BOM):
                bom, data = True, block[len(UTF8_BOM):]
            if utf8_error is None:
                try:
                    utf8.decode(data)
                except UnicodeDecodeError as e:
                    utf8_error = e
                    utf8_error_line = lines + data[:max(e.start, 0)].count(b"\n") + 1
            if not bom and not data.isascii():
                if utf8_error is None:  # valid so far: each multi-byte character has one lead byte, C2-F4
                    utf8_letters += len(data) - len(data.translate(None, UTF8_LEAD_BYTES))
                else:
                    utf8_letters += len(UTF8_MULTIBYTE.findall(data))
                    invalid += data.decode("utf-8", errors="replace").count("\ufffd")
            if not bom:
                for encoding in candidates:
                    found = encoding not in undefined_at and UNDEFINED[encoding].search(block)
                    if found:
                        undefined_at[encoding] = offset + found.start()
            offset += len(block)
            lines += block.count(b"\n")
    if utf8_error is None:
        try:
            utf8.decode(b"", final=True)
        except UnicodeDecodeError as e:
            utf8_error, utf8_error_line = e, lines + 1
    if bom:
        if utf8_error is not None:
            raise FileRefused(f"{name}: line {utf8_error_line}: not valid UTF-8 after the file's byte-order mark "
                              f"({utf8_error.reason}): save the file as UTF-8 again")
        return digest.hexdigest(), "utf-8-sig"
    if utf8_error is None:
        return digest.hexdigest(), "utf-8"
    if utf8_letters >= invalid:
        raise FileRefused(f"{name}: line {utf8_error_line}: not UTF-8, while the rest of the file is: the file "
                          "mixes two encodings; save it as UTF-8 again")
    for encoding in candidates:
        if encoding not in undefined_at:
            return digest.hexdigest(), encoding
    if not candidates:
        raise FileRefused(f"{name}: line {utf8_error_line}: not UTF-8 text ({utf8_error.reason}): save it as UTF-8")
    first = min(undefined_at.values())
    names = " nor ".join(ENCODING_NAMES[e] for e in candidates)
    raise FileRefused(f"{name}: neither UTF-8 nor {names} text (byte {first})")


def sniff_delimiter(header_line: str) -> str:
    """The delimiter is whichever of `,` and `;` the header row uses more (header names hold neither)."""
    counts = {d: header_line.count(d) for d in DELIMITERS}
    return max(DELIMITERS, key=lambda d: (counts[d], d == ","))


def line_breaks(column) -> np.ndarray:
    """The line breaks in each cell of an Arrow string column (\\r\\n, \\r and \\n each one), as the csv
    module and a text editor count them."""
    return pc.subtract(pc.add(pc.count_substring(column, "\r"), pc.count_substring(column, "\n")),
                       pc.count_substring(column, "\r\n")).to_numpy(zero_copy_only=False)


def breaks_in(text: str) -> int:
    return text.count("\r") + text.count("\n") - text.count("\r\n")


class CsvStream(RawStream):
    """A CSV delivery, parsed by Arrow's CSV reader, the one CSV parser (in C++, no Python object per cell).

    What Arrow does not do is done around it, on bytes and line counts, never by parsing CSV a second way:
    - the encoding is found first (detect_encoding, every byte) and Arrow decodes with it;
    - blank lines above the header are skipped as lines;
    - the physical line of every row is counted from the line breaks inside its cells;
    - a row not as wide as the header, which Arrow hands back with its text and its width, is parsed again
      by Arrow at its own width (many such rows at once) and cut or padded as the spec says; these rows
      count towards the chunk they are in, so that a file of millions of them is read in bounded memory."""

    format = "csv"

    @classmethod
    def open(cls, path: Path, limits: Limits) -> "CsvStream":
        sha, encoding = detect_encoding(path)
        stream = cls(path, sha, limits)
        stream.encoding = encoding
        stream._binary = None
        try:
            skipped, stream.delimiter = stream._blank_lines_above_header()
            if stream.delimiter is None:
                raise FileRefused(f"{path.name}: no header row")
            stream._blank_row = f"^[{base.WHITESPACE[1:-1]}{stream.delimiter}]*$"  # of a row without quotes
            stream._record_base = skipped + 2  # Arrow numbers rows from 1, the skipped lines and the header too
            # uneven rows in the order Arrow meets them: record (0 = the first after the header), text, width
            stream._uneven_records, stream._uneven_rows = array("q"), []
            stream._binary = open(path, "rb")  # a file name need not be valid UTF-8 for Python to open it
            with stream._arrow_errors(skipped + 1):
                try:
                    stream._open_reader(stream._binary, skipped)
                except pa.ArrowInvalid as e:
                    # Arrow takes the width from a header it has seen end: a header-only file without a final
                    # line end (so, within one block) gets one
                    if "cannot infer number of columns" not in str(e) or path.stat().st_size > 2 * ARROW_BLOCK:
                        raise
                    stream._binary.seek(0)
                    stream._open_reader(io.BytesIO(stream._binary.read() + b"\n"), skipped)
            stream._read_header(skipped)
        except StopIteration:  # Arrow read no row at all
            stream.close()
            raise FileRefused(f"{path.name}: no header row") from None
        except BaseException:
            stream.close()
            raise
        return stream

    def close(self) -> None:
        if getattr(self, "_binary", None) is not None:
            self._binary.close()

    def _open_reader(self, source, skipped: int) -> None:
        encoding = "utf8" if self.encoding.startswith("utf-8") else self.encoding
        self._reader = pacsv.open_csv(
            source,
            read_options=pacsv.ReadOptions(autogenerate_column_names=True, skip_rows=skipped, block_size=ARROW_BLOCK,
                                           use_threads=False, encoding=encoding),
            parse_options=self._parse_options(self._keep_uneven),
            convert_options=pacsv.ConvertOptions(column_types=STRING_COLUMNS, strings_can_be_null=False,
                                                 quoted_strings_can_be_null=False))
        self._first = self._reader.read_next_batch()

    def _parse_options(self, invalid_row_handler=None) -> pacsv.ParseOptions:
        return pacsv.ParseOptions(delimiter=self.delimiter, quote_char='"', double_quote=True, escape_char=False,
                                  newlines_in_values=True, ignore_empty_lines=False,
                                  invalid_row_handler=invalid_row_handler)

    def _blank_lines_above_header(self) -> tuple[int, str | None]:
        """(blank lines above the header, which Arrow skips as lines; the delimiter, sniffed from the first
        SNIFF_CHARS characters of the header line, or None when the file has no such line). A line is blank
        when it holds only spaces and the file's delimiter (its cells are empty), as Python's csv module and
        the spec see it: the delimiter is sniffed from the first line holding anything else, and a line above
        it of spaces and the other delimiter is the header (one cell)."""
        blank_for = []  # for each line above the one sniffed: (blank if "," is the delimiter, if ";" is)
        comma = semicolon = True
        with open(self.path, encoding=self.encoding, newline="", errors="strict") as text:
            while piece := text.readline(SNIFF_CHARS):
                if not BLANK_LINE.fullmatch(piece):
                    delimiter = sniff_delimiter(piece)
                    skipped = next((i for i, b in enumerate(blank_for) if not b[delimiter == ";"]), len(blank_for))
                    return skipped, delimiter
                comma, semicolon = comma and ";" not in piece, semicolon and "," not in piece
                if piece.endswith(("\n", "\r")):  # else the line goes on in the next piece
                    blank_for.append((comma, semicolon))
                    comma = semicolon = True
        return len(blank_for), None

    def _read_header(self, skipped: int) -> None:
        first = self._first
        self.header = [column[0].as_py() for column in first.columns]
        self._check_header()
        line = skipped + 1
        if any(len(name) > MAX_CELL_CHARS for name in self.header):
            raise self._cell_too_long(line)
        if not any(name.strip() for name in self.header):  # a row of empty quoted cells
            raise FileRefused(f"{self.path.name}: line {line}: no header row, only empty cells: put the header "
                              "on the first line")
        self._next_line = line + 1 + sum(map(breaks_in, self.header))
        self._record = self._start = 0

    def _keep_uneven(self, row) -> str:
        if row.number is None:  # known whenever Arrow parses in one thread, as here
            return "error"
        self._uneven_records.append(row.number - self._record_base)
        self._uneven_rows.append((row.text, row.actual_columns))
        return "skip"

    @contextmanager
    def _arrow_errors(self, line: int):
        """Arrow's errors as a refusal naming the file and the line where Arrow stopped (never its message,
        which may quote a row: an identifier of the file)."""
        try:
            yield
        except ARROW_ERRORS as e:
            if isinstance(e, UnicodeDecodeError) or "UTF8" in str(e):  # the file changed since it was checked
                raise FileRefused(f"{self.path.name}: changed while it was read (no longer "
                                  f"{ENCODING_NAMES.get(self.encoding, 'UTF-8')} text)") from None
            if "Empty CSV" in str(e):
                raise FileRefused(f"{self.path.name}: no header row") from None
            raise FileRefused(f"{self.path.name}: line {line}: unreadable CSV (a row longer than "
                              f"{ARROW_BLOCK >> 20} MB, or a quote that is never closed); check the quoting of "
                              "that line") from None

    def chunks(self) -> Iterator[Chunk]:
        """The rows in chunks of `chunk_rows` records (Arrow's rows and the uneven ones together)."""
        size = self.limits.chunk_rows
        schema = self._first.schema
        batch, self._first = self._first.slice(1), None  # the rows of the header's batch after it
        buffered, rows = [], 0
        while True:
            buffered.append(batch)
            rows += batch.num_rows
            while True:  # every record up to the end of this batch is known: Arrow's rows or uneven ones
                uneven = bisect.bisect_left(self._uneven_records, self._record + size)
                if size - uneven > rows:
                    break
                table = pa.Table.from_batches(buffered, schema)
                yield self._chunk(table.slice(0, size - uneven), uneven)
                rest = table.slice(size - uneven)
                buffered, rows = rest.to_batches(), rest.num_rows
            try:
                batch = self._reader.read_next_batch()
            except StopIteration:
                break
            except ARROW_ERRORS as e:
                # the line Arrow stopped at is the one after the rows it gave: number those first (a cell too
                # long among them is the earlier, and more precise, reason)
                self._chunk(pa.Table.from_batches(buffered, schema), len(self._uneven_records))
                with self._arrow_errors(self._next_line):
                    raise e
        if rows or self._uneven_records or self._start == 0:
            yield self._chunk(pa.Table.from_batches(buffered, schema), len(self._uneven_records))
        self.rows_read = self._start

    def _chunk(self, table: pa.Table, uneven: int) -> Chunk:
        """One chunk: Arrow's rows with the first `uneven` uneven rows put back in their places, numbered by
        physical line (a quoted line break starts a new line), blank rows left out."""
        width, first = len(self.header), self._record
        span = np.ones(table.num_rows, dtype="int64")
        blank = np.ones(table.num_rows, dtype=bool)
        too_long = np.zeros(table.num_rows, dtype=bool)
        for column in table.columns:
            if (pc.max(pc.utf8_length(column)).as_py() or 0) > MAX_CELL_CHARS:
                too_long |= pc.greater(pc.utf8_length(column), MAX_CELL_CHARS).to_numpy(zero_copy_only=False)
            span += line_breaks(column)
            blank &= pc.match_substring_regex(column, BLANK_CELL).to_numpy(zero_copy_only=False)
        cells = table.to_pandas()
        cells.columns = range(width)
        too_many = np.zeros(table.num_rows, dtype=bool)
        rows = np.arange(table.num_rows)  # each record's row in `cells` (-1: a blank uneven row, not in it)
        if uneven:
            records = np.array(self._uneven_records[:uneven], dtype="int64")
            odd_cells, *odd = self._parse_uneven(self._uneven_rows[:uneven])
            del self._uneven_records[:uneven], self._uneven_rows[:uneven]
            everything = np.arange(first, first + table.num_rows + uneven)
            order = np.argsort(np.concatenate([np.setdiff1d(everything, records), records]), kind="stable")
            odd_rows = np.full(uneven, -1)
            odd_rows[~odd[1]] = table.num_rows + np.arange(len(odd_cells))
            rows = np.concatenate([rows, odd_rows])[order]
            span, blank, too_many, too_long = (np.concatenate([arrow_side, odd_side])[order] for arrow_side, odd_side
                                               in zip((span, blank, too_many, too_long), odd))
            if odd_cells:
                cells = pd.concat([cells, pd.DataFrame(odd_cells, columns=range(width), dtype="str")],
                                  ignore_index=True)
        self._record = first + len(rows)
        lines = self._next_line + np.cumsum(span) - span
        if too_long.any():
            raise self._cell_too_long(int(lines[np.argmax(too_long)]))
        self._next_line += int(span.sum())
        self._count_rows(len(rows))
        if uneven or blank.any():
            kept = ~blank
            cells, lines, too_many = cells.iloc[rows[kept]].reset_index(drop=True), lines[kept], too_many[kept]
        n = len(cells)
        cells.index = pd.RangeIndex(self._start, self._start + n)
        positions = (self._start + np.flatnonzero(too_many)).tolist()
        self._start += n
        return Chunk(cells, lines.tolist(), positions)

    def _cell_too_long(self, line: int) -> FileRefused:
        return FileRefused(f"{self.path.name}: line {line}: unreadable CSV (a cell longer than "
                           f"{MAX_CELL_CHARS:,} characters); check the quoting of that line")

    def _parse_uneven(self, rows: list[tuple[str, int]]) -> tuple[list[list[str]], np.ndarray, np.ndarray,
                                                                   np.ndarray, np.ndarray]:
        """Rows Arrow skipped: the cells, cut or padded to the header, of those that are not blank; and for
        every row the lines it spans, whether it is blank, has filled cells beyond the header, a cell too
        long. A row without a quote holding only spaces and delimiters is blank as it is (a file of millions of
        "," lines costs no Python per cell); any other row without a quote is its text split at the delimiter
        (the whole of CSV without quotes); rows with one are parsed by Arrow, all those of one width at once."""
        texts = pa.array([text for text, _ in rows], pa.string())
        span = 1 + line_breaks(texts)
        unquoted = pc.invert(pc.match_substring(texts, '"'))
        blank = pc.and_(unquoted, pc.match_substring_regex(texts, self._blank_row)).to_numpy(zero_copy_only=False)
        # a blank row's cells are at most as long as its text: split only the rare one long enough to matter
        long_blank = blank & (pc.utf8_length(texts).to_numpy(zero_copy_only=False) > MAX_CELL_CHARS)
        records: dict[int, list[str]] = {}
        quoted: dict[int, list[int]] = {}
        for i in np.flatnonzero(~blank | long_blank):
            text, fields = rows[i]
            if '"' in text:
                quoted.setdefault(fields, []).append(i)
            else:
                records[i] = text.split(self.delimiter)
        for fields, indexes in quoted.items():
            names = [str(j) for j in range(fields)]
            # each text is one whole record, so that joined by line ends they are these records again (only
            # a file's last record can leave a quote open, and it comes last)
            text = "\n".join(rows[i][0] for i in indexes).encode("utf-8")
            with self._arrow_errors(self._next_line):
                table = pacsv.read_csv(
                    io.BytesIO(text), read_options=pacsv.ReadOptions(column_names=names, use_threads=False,
                                                                     block_size=ARROW_BLOCK),
                    parse_options=self._parse_options(),
                    convert_options=pacsv.ConvertOptions(column_types=dict.fromkeys(names, pa.string()),
                                                         strings_can_be_null=False, quoted_strings_can_be_null=False))
            if table.num_rows != len(indexes):
                raise FileRefused(f"{self.path.name}: line {self._next_line}: unreadable CSV; check the quoting "
                                  "of the lines from there")
            for i, record in zip(indexes, zip(*(column.to_pylist() for column in table.columns))):
                records[i] = list(record)
        width = len(self.header)
        cells = []
        too_many, too_long = np.zeros(len(rows), dtype=bool), np.zeros(len(rows), dtype=bool)
        for i in sorted(records):
            record = records[i]
            too_long[i] = any(len(cell) > MAX_CELL_CHARS for cell in record)
            blank[i] = not any(cell.strip() for cell in record)
            too_many[i] = any(cell.strip() for cell in record[width:])
            if not blank[i]:
                cells.append((record + [""] * (width - len(record)))[:width])
        return cells, span, blank, too_many, too_long


# ------------------------------------------------------------------------------------------------ XLSX
# An .xlsx is a zip of XML parts, read here with expat rather than openpyxl: the stored text of a number cell
# is needed (openpyxl makes it a float, which loses the digits of a long identifier), every stored row must
# come out at its place (openpyxl drops a row numbered out of order), and every second of unpacking and parsing
# counts against TIPSTATS_MAX_XLSX_SECONDS. It is as fast as openpyxl's read-only mode on a sheet of shared
# strings, and twice as fast on one of inline strings (as openpyxl writes them).
XLSX_BLOCK = 1 << 16  # bytes unpacked and parsed at a time
STRICT_NS = "http://purl.oclc.org/ooxml/spreadsheetml/main"  # Strict Open XML, which Excel writes only on request
OLE_MAGIC = b"\xd0\xcf\x11\xe0"  # an .xls, or an .xlsx encrypted with a password
XLSX_MAX_COLUMN = 16_384  # XFD, a worksheet's last column
EXACT_DIGITS = 10 ** 15  # Excel keeps 15 significant digits: a number this large in exponent form may have lost some
EXCEL_LAST_DAY = 2_958_466  # the date serial after 9999-12-31
WINDOWS_EPOCH, MAC_EPOCH = date(1899, 12, 30), date(1904, 1, 1)  # day 0 of a workbook's dates (1904: date1904)
PLAIN_NUMBER = re.compile(r"([+-]?)([0-9]*)(?:\.([0-9]*))?")
REDO = "save the workbook again from Excel or LibreOffice"


class _Cache(dict):
    """A function's results by argument, for the few arguments a workbook repeats (element names, column
    letters); a hostile part's endless new ones are computed but not kept."""

    def __init__(self, function):
        super().__init__()
        self.function = function

    def __missing__(self, key: str):
        value = self.function(key)
        if len(self) < 20_000:
            self[key] = value
        return value


def column_letters(index: int) -> str:
    """The letters naming a 0-based column (0 = A)."""
    letters = ""
    while index >= 0:
        index, rest = divmod(index, 26)
        letters, index = chr(65 + rest) + letters, index - 1
    return letters


def column_index(letters: str) -> int:
    """0-based index of a column named by letters (A = 0); -1 when they name no column of a worksheet."""
    index = 0
    for letter in letters:
        if not "A" <= letter <= "Z":
            return -1
        index = index * 26 + ord(letter) - 64
    return index - 1 if 0 < index <= XLSX_MAX_COLUMN else -1


COLUMNS = _Cache(column_index)
# the local name of each element name expat reports ("namespace name"): parts are matched by local name,
# whatever prefix or namespace a writer used
LOCAL = _Cache(lambda name: name.rpartition(" ")[2])


def number_text(text: str) -> tuple[str, str | None]:
    """A number cell's stored text as the agency typed it, with the check it fails (or None). A whole number
    written out is its exact digits however long; a fraction is a number_fraction (no identifier); a whole
    number from 10^15 up in exponent form, as Excel or a writer holding a float writes it, may have lost
    digits (number_inexact), as has a text that is no number."""
    text = text.strip()
    if not text.isascii():  # Decimal would read digits of other scripts
        return text, "number_inexact"
    plain = PLAIN_NUMBER.fullmatch(text)
    if plain and (plain[2] or plain[3]):
        whole, fraction = plain[2].lstrip("0") or "0", (plain[3] or "").rstrip("0")
        sign = "-" if plain[1] == "-" and (whole != "0" or fraction) else ""
        return (f"{sign}{whole}.{fraction}", "number_fraction") if fraction else (sign + whole, None)
    try:
        number = Decimal(text)
    except InvalidOperation:
        return text, "number_inexact"
    if not number.is_finite() or abs(number.adjusted()) > 308:  # beyond what a spreadsheet can hold
        return text, "number_inexact"
    if number != number.to_integral_value():
        return format(number, "f"), "number_fraction"
    if abs(number) >= EXACT_DIGITS:
        return text, "number_inexact"
    return str(int(number)), None


def serial_date_text(text: str, epoch: date) -> tuple[str, str | None]:
    """A number cell formatted as a date: its date ISO (a time part is ignored), or date_cell_invalid."""
    try:
        serial = float(text)
        if 0 <= serial < EXCEL_LAST_DAY:
            days = int(serial)
            if epoch == WINDOWS_EPOCH and 0 < days < 60:
                days += 1  # Excel counts a 29 February 1900 that never was
            return (epoch + timedelta(days=days)).isoformat(), None
    except (ValueError, OverflowError):
        pass
    return text, "date_cell_invalid"


def iso_date_text(text: str) -> tuple[str, str | None]:
    """A date cell (t="d", ISO 8601 text): its date, or date_cell_invalid."""
    try:
        if len(text) == 10 or text[10:11] in ("T", " "):
            return date.fromisoformat(text[:10]).isoformat(), None
    except ValueError:
        pass
    return text, "date_cell_invalid"


class _Package:
    """The parts of an .xlsx, each unpacked and parsed a block at a time against TIPSTATS_MAX_XLSX_SECONDS (the
    processor time of the thread reading it, which neither a busy machine nor the time validating rows between
    blocks adds to).
    Its size is bounded by what the zip's directory declares: zipfile never inflates more than a member's
    declared size (a member that holds more fails its CRC check, and the workbook is refused as damaged)."""

    def __init__(self, path: Path, limits: Limits):
        self.name, self.limits, self.seconds = path.name, limits, 0.0
        try:
            self.zip = zipfile.ZipFile(path)
            self.members = {info.filename: info for info in self.zip.infolist()}
        except Exception:  # a damaged zip fails in many ways; all mean the same to a clerk
            with open(path, "rb") as f:
                magic = f.read(len(OLE_MAGIC))
            if magic == OLE_MAGIC:
                raise FileRefused(f"{self.name}: an old .xls workbook, or an .xlsx protected by a password: save it "
                                  "as 'Excel Workbook (.xlsx)' without a password") from None
            raise FileRefused(f"{self.name}: not a readable .xlsx workbook (not a zip archive): save it as "
                              "'Excel Workbook (.xlsx)'") from None
        unpacked = sum(info.file_size for info in self.members.values())
        if unpacked > limits.max_bytes:
            self.close()
            raise FileRefused(f"{self.name}: unpacks to {mb(unpacked)}, larger than the limit of "
                              f"{limits.max_file_mb:,} MB (TIPSTATS_MAX_FILE_MB); refused unread")

    def close(self) -> None:
        self.zip.close()

    def damaged(self, part: str, what: str) -> FileRefused:
        part = part if part.isprintable() else repr(part)
        return FileRefused(f"{self.name}: not a readable .xlsx workbook ({part}: {what}): {REDO}")

    def parse(self, part: str, start, end=None, text=None) -> Iterator[None]:
        """Feed the part to a parser with these handlers, yielding after each block (the sheet's rows are
        taken as they come). A part that is missing, damaged, not well-formed XML or declares a DTD (no
        spreadsheet program writes one; entities could expand without end) refuses the workbook."""
        info = self.members.get(part)
        if info is None:
            raise self.damaged(part, "missing")
        parser = expat.ParserCreate(namespace_separator=" ")
        parser.buffer_text = True
        parser.StartElementHandler, parser.EndElementHandler = start, end
        parser.CharacterDataHandler = text

        def no_dtd(*_) -> None:
            raise self.damaged(part, "declares a DTD")

        parser.StartDoctypeDeclHandler = no_dtd
        try:
            with self.zip.open(info) as member:
                while True:
                    began = time.thread_time()
                    try:
                        block = member.read(XLSX_BLOCK)
                    except Exception as e:  # a bad CRC, a truncated or encrypted member, a bad compression
                        raise self.damaged(part, f"damaged ({type(e).__name__})") from None
                    parser.Parse(block, not block)
                    self.seconds += time.thread_time() - began
                    if self.seconds > self.limits.max_xlsx_seconds:
                        raise FileRefused(
                            f"{self.name}: still being read after {self.limits.max_xlsx_seconds:,} s, the limit "
                            "(TIPSTATS_MAX_XLSX_SECONDS); refused: split the delivery or raise the limit")
                    if not block:
                        return
                    yield
        except expat.ExpatError as e:
            raise self.damaged(part, f"{expat.ErrorString(e.code)} at line {e.lineno}") from None
        except (RuntimeError, NotImplementedError, zipfile.BadZipFile, OSError, EOFError, ValueError) as e:
            raise self.damaged(part, f"damaged ({type(e).__name__})") from None

    def elements(self, part: str, wanted: set[str]) -> list[tuple[str, dict, str]]:
        """(element name as expat gives it, attributes, parent's local name) of the wanted elements."""
        found, parents = [], [""]

        def start(name: str, attrs: dict) -> None:
            local = LOCAL[name]
            if local in wanted:
                found.append((name, attrs, parents[-1]))
            parents.append(local)

        for _ in self.parse(part, start, lambda name: parents.pop()):
            pass
        return found

    def relationships(self, part: str) -> dict[str, tuple[str, str]]:
        """Id → (type's last word, member name) of the part's relationships."""
        folder, _, file = part.rpartition("/")
        rels = f"{folder}/_rels/{file}.rels" if folder else f"_rels/{file}.rels"
        if rels not in self.members:
            return {}
        found = {}
        for _, attrs, _ in self.elements(rels, {"Relationship"}):
            target = attrs.get("Target", "")  # relative to the part's folder, or from the package's root
            member = posixpath.normpath(target[1:] if target.startswith("/") else posixpath.join(folder, target))
            found[attrs.get("Id", "")] = (attrs.get("Type", "").rpartition("/")[2], member)
        return found

    def text_items(self, part: str, item: str) -> list[str]:
        """The text of each `item` element (a shared string `si`): its `t` runs, without phonetic (rPh) ones."""
        items, pieces, depth = [], [], {"t": 0, "rPh": 0}

        def start(name: str, attrs: dict) -> None:
            local = LOCAL[name]
            if local in depth:
                depth[local] += 1

        def end(name: str) -> None:
            local = LOCAL[name]
            if local in depth:
                depth[local] -= 1
            elif local == item:
                items.append("".join(pieces))
                pieces.clear()

        def text(data: str) -> None:
            if depth["t"] and not depth["rPh"]:
                pieces.append(data)

        for _ in self.parse(part, start, end, text):
            pass
        return items


class _Sheet:
    """The expat handlers of a worksheet part: each stored <row> becomes (row number, cells or None when blank,
    (column, check) of its cell errors) in `rows`; once `width` (the header's) is known, a row's cells beyond it
    are kept only if filled (all that matters of them is that the row is longer than the header)."""

    def __init__(self, name: str, strings: list[str], date_styles: set[str], epoch: date):
        self.name, self.strings, self.date_styles, self.epoch = name, strings, date_styles, epoch
        self.rows: list[tuple[int, list[str] | None, list[tuple[int, str]]]] = []
        self.width: int | None = None
        self.number = 0  # the last row's number
        self.in_row = False
        self.cells: dict[int, str] = {}
        self.errors: list[tuple[int, str]] = []
        self.pieces: list[str] = []
        self.in_value = self.phonetic = 0
        self.column = -1
        self.kind = self.style = self.ref = ""

    def start(self, name: str, attrs: dict) -> None:
        local = LOCAL[name]
        if local == "c":
            if not self.in_row:
                raise FileRefused(f"{self.name}: a cell stored outside any row, unreadable worksheet: {REDO}")
            self.ref, self.kind, self.style = attrs.get("r"), attrs.get("t", "n"), attrs.get("s", "0")
            column = COLUMNS[self.ref.rstrip("0123456789")] if self.ref else self.column + 1
            if column < 0:
                raise FileRefused(f"{self.name}: row {self.number}: a cell named {quoted(self.ref)}, which is no cell of "
                                  f"a worksheet: {REDO}")
            if column <= self.column:
                raise FileRefused(f"{self.name}: row {self.number}: cell {self.where(column)} is stored twice or "
                                  f"out of order in the sheet: {REDO}")
            self.column = column
            self.pieces.clear()
        elif local == "v" or (local == "t" and self.kind == "inlineStr"):
            self.in_value += 1
        elif local == "rPh":
            self.phonetic += 1
        elif local == "row":
            number = attrs.get("r")
            number = int(number) if number and number.isascii() and number.isdigit() and len(number) < 12 else (
                self.number + 1 if number is None else -1)
            if self.in_row:
                raise FileRefused(f"{self.name}: a row stored inside row {self.number}, unreadable worksheet: {REDO}")
            if not 0 < number <= XLSX_MAX_ROWS:
                raise FileRefused(f"{self.name}: a row number beyond {XLSX_MAX_ROWS:,} or no number, "
                                  f"unreadable worksheet: {REDO}")
            if number <= self.number:
                what = "appears twice in the sheet" if number == self.number else \
                    f"is stored after row {self.number} (rows out of order)"
                raise FileRefused(f"{self.name}: row {number} {what}: {REDO}")
            self.number, self.column, self.in_row = number, -1, True
            self.cells, self.errors = {}, []

    def end(self, name: str) -> None:
        local = LOCAL[name]
        if local == "c":
            text, check = self.value("".join(self.pieces))
            if text:
                if len(text) > MAX_CELL_CHARS:
                    raise FileRefused(f"{self.name}: cell {self.where(self.column)}: longer than "
                                      f"{MAX_CELL_CHARS:,} characters, more than a delivery's cell may hold")
                self.cells[self.column] = text
            if check:
                self.errors.append((self.column, check))
        elif local == "v" or (local == "t" and self.kind == "inlineStr"):
            self.in_value -= 1
        elif local == "rPh":
            self.phonetic -= 1
        elif local == "row":
            self.in_row = False
            self.rows.append((self.number, self.record(), self.errors))

    def text(self, data: str) -> None:
        if self.in_value and not self.phonetic:
            self.pieces.append(data)

    def where(self, column: int) -> str:
        """The cell's reference, as written or (a writer may leave it out) as its place makes it."""
        return self.ref or f"{column_letters(column)}{self.number}"

    def record(self) -> list[str] | None:
        """The row's cells, or None when it is blank."""
        cells = self.cells
        if not any(text.strip() for text in cells.values()):
            return None
        width = self.width if self.width is not None else max(cells) + 1
        record = [""] * width
        for column, text in cells.items():
            if column < width:
                record[column] = text
            else:
                record.append(text)  # all that matters of it: the row is longer than the header
        return record

    def value(self, stored: str) -> tuple[str, str | None]:
        """The cell's text as the agency typed it, and the check it fails (or None)."""
        kind = self.kind
        if kind in ("inlineStr", "str", "e") or not stored:
            return stored, None
        if kind == "s":
            stored = stored.strip()
            index = int(stored) if stored.isascii() and stored.isdigit() and len(stored) < 12 else -1
            if not 0 <= index < len(self.strings):
                raise FileRefused(f"{self.name}: cell {self.where(self.column)}: refers to a text the workbook does "
                                  f"not hold: {REDO}")
            return self.strings[index], None
        if kind == "b":
            return {"1": "true", "0": "false"}.get(stored.strip(), stored), None
        if kind == "d":
            return iso_date_text(stored.strip())
        if self.style in self.date_styles:
            return serial_date_text(stored, self.epoch)
        return number_text(stored)


class XlsxStream(RawStream):
    format = "xlsx"

    @classmethod
    def open(cls, path: Path, limits: Limits) -> "XlsxStream":
        stream = cls(path, sha256_of(path), limits)
        stream._package = _Package(path, limits)
        stream._cell_errors: list[tuple[int, int, str]] = []  # (position, column, check), for chunks()
        try:
            stream._rows = stream._sheet_rows()
            stream._read_header()
            stream._check_header()
        except BaseException:
            stream.close()
            raise
        return stream

    def close(self) -> None:
        rows = getattr(self, "_rows", None)
        if rows is not None:
            rows.close()
        self._package.close()

    def _first_sheet(self) -> tuple[_Sheet, str]:
        """The handlers and member name of the workbook's first sheet, which must be a visible worksheet."""
        package, name = self._package, self.path.name
        office = [m for kind, m in package.relationships("").values() if kind == "officeDocument"]
        workbook = office[0] if office else "xl/workbook.xml"
        if workbook not in package.members:
            raise FileRefused(f"{name}: not a readable .xlsx workbook (no workbook inside the zip): save it as "
                              "'Excel Workbook (.xlsx)'")
        found = package.elements(workbook, {"workbook", "workbookPr", "sheet"})
        if not found or found[0][2] or LOCAL[found[0][0]] != "workbook":
            raise package.damaged(workbook, "no workbook")
        if found[0][0].startswith(STRICT_NS):
            raise FileRefused(f"{name}: a Strict Open XML workbook, which is not read: save it as "
                              "'Excel Workbook (.xlsx)'")
        sheets = [attrs for tag, attrs, parent in found if LOCAL[tag] == "sheet" and parent == "sheets"]
        date1904 = any(attrs.get("date1904") in ("1", "true") for tag, attrs, _ in found if LOCAL[tag] == "workbookPr")
        if not sheets:
            raise FileRefused(f"{name}: a workbook without any sheet: put the data on its first sheet")
        first = sheets[0]
        title = first.get("name", "")
        relation = next((v for k, v in first.items() if LOCAL[k] == "id"), "")
        parts = package.relationships(workbook)
        kind, member = parts.get(relation, ("", ""))
        if kind != "worksheet":
            what = "a chart" if kind == "chartsheet" else "a dialog or macro sheet" if kind else "missing"
            raise FileRefused(f"{name}: the first sheet {quoted(title)} is {what}, not a worksheet: put the data on the "
                              "first sheet")
        if first.get("state", "visible") != "visible":
            raise FileRefused(f"{name}: the first sheet {quoted(title)} is hidden: unhide it, or put the data on the "
                              "first sheet (the first sheet is the one read)")
        related = {what: part for what, part in parts.values()}
        strings = package.text_items(related["sharedStrings"], "si") if "sharedStrings" in related else []
        date_styles = self._date_styles(related.get("styles"))
        return _Sheet(name, strings, date_styles, MAC_EPOCH if date1904 else WINDOWS_EPOCH), member

    def _date_styles(self, part: str | None) -> set[str]:
        """Indexes (as written in a cell's `s`) of the cell formats that show a number as a date (a duration
        such as [h]:mm stays a number)."""
        from openpyxl.styles.numbers import BUILTIN_FORMATS, is_date_format, is_timedelta_format

        if part is None:
            return set()
        formats, styles = {}, []
        for name, attrs, parent in self._package.elements(part, {"numFmt", "xf"}):
            if LOCAL[name] == "numFmt":
                formats[attrs.get("numFmtId")] = attrs.get("formatCode")
            elif parent == "cellXfs":
                styles.append(attrs.get("numFmtId", "0"))
        dates = set()
        for index, number_format in enumerate(styles):
            code = formats.get(number_format)
            if code is None and number_format.isdigit():
                code = BUILTIN_FORMATS.get(int(number_format))
            if is_date_format(code) and not is_timedelta_format(code):
                dates.add(str(index))
        return dates

    def _sheet_rows(self) -> Iterator[tuple[int, list[str] | None, list[tuple[int, str]]]]:
        sheet, member = self._first_sheet()
        self._handlers = sheet
        for _ in self._package.parse(member, sheet.start, sheet.end, sheet.text):
            rows, sheet.rows = sheet.rows, []
            yield from rows
        yield from sheet.rows

    def _read_header(self) -> None:
        for number, record, _ in self._rows:
            if record is None:
                continue
            while record and not record[-1].strip():
                record.pop()  # formatted but empty cells to the right of the header
            self.header, self._header_row = record, number
            self._handlers.width = len(record)
            return
        raise FileRefused(f"{self.path.name}: no header row")

    def records(self) -> Iterator[tuple[int, list[str]]]:
        """The non-blank rows under the header; every stored row counts against the row limit, and the cell
        errors of each row are kept for chunks(), at the row's position."""
        position, width = 0, len(self.header)
        for number, record, errors in self._rows:
            self._count_rows(1)
            if record is None:
                continue
            self._cell_errors.extend((position, column, check) for column, check in errors if column < width)
            position += 1
            yield number, record

    def chunks(self) -> Iterator[Chunk]:
        for chunk in super().chunks():
            end = chunk.cells.index.stop
            taken = next((i for i, e in enumerate(self._cell_errors) if e[0] >= end), len(self._cell_errors))
            chunk.cell_errors, self._cell_errors = self._cell_errors[:taken], self._cell_errors[taken:]
            yield chunk
