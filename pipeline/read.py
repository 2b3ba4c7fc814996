"""Read one delivered file (CSV or XLSX) into text cells, with the physical line of every row.

Every cell comes back as text so that one raw contract serves both formats; typed XLSX cells are written
as the text an agency would have typed (dates ISO, whole numbers as digits, booleans true/false).
"""
from __future__ import annotations

import csv
import hashlib
import io
import zipfile
from dataclasses import dataclass, field
from datetime import date, datetime
from pathlib import Path

import pandas as pd

FORMATS = (".csv", ".xlsx")
DELIMITERS = (",", ";")
# csv refuses a longer cell with its own error, which becomes a file-level refusal naming the file
csv.field_size_limit(1 << 20)


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


def sha256_of(path: Path) -> str:
    digest = hashlib.sha256()
    with open(path, "rb") as f:
        for block in iter(lambda: f.read(1 << 20), b""):
            digest.update(block)
    return digest.hexdigest()


def read_file(path: Path) -> RawFile:
    suffix = path.suffix.lower()
    if suffix not in FORMATS:
        raise FileRefused(f"{path.name}: not a .csv or .xlsx file")
    if path.stat().st_size == 0:
        raise FileRefused(f"{path.name}: empty file (0 bytes), counted as not delivered")
    sha = sha256_of(path)
    if suffix == ".csv":
        return _read_csv(path, sha)
    return _read_xlsx(path, sha)


def _add_row(record: list[str], header: list[str], line: int, rows, lines, too_many) -> None:
    """Pad a short row with empty cells; remember a row with filled cells beyond the header."""
    width = len(header)
    if len(record) > width and any(c.strip() for c in record[width:]):
        too_many.append(len(rows))
    rows.append((record + [""] * width)[:width])
    lines.append(line)


# ------------------------------------------------------------------------------------------------- CSV
def decode(data: bytes, name: str) -> tuple[str, str]:
    """UTF-8 (with or without BOM), else Windows-1250, the two encodings DATA-SPEC allows."""
    if b"\x00" in data:
        raise FileRefused(f"{name}: contains NUL bytes, not a text file")
    if data.startswith(b"\xef\xbb\xbf"):
        return data[3:].decode("utf-8", errors="strict"), "utf-8-sig"
    try:
        return data.decode("utf-8"), "utf-8"
    except UnicodeDecodeError:
        pass
    try:
        return data.decode("cp1250"), "cp1250"
    except UnicodeDecodeError as e:
        raise FileRefused(f"{name}: neither UTF-8 nor Windows-1250 text (byte {e.start})") from None


def sniff_delimiter(header_line: str) -> str:
    """The delimiter is whichever of `,` and `;` the header row uses more (header names hold neither)."""
    counts = {d: header_line.count(d) for d in DELIMITERS}
    return max(DELIMITERS, key=lambda d: (counts[d], d == ","))


def _read_csv(path: Path, sha: str) -> RawFile:
    try:
        text, encoding = decode(path.read_bytes(), path.name)
    except UnicodeDecodeError as e:
        raise FileRefused(f"{path.name}: not valid UTF-8 after its byte-order mark ({e.reason})") from None
    first_line = text.split("\n", 1)[0]
    delimiter = sniff_delimiter(first_line)
    reader = csv.reader(io.StringIO(text, newline=""), delimiter=delimiter, quotechar='"')
    header: list[str] | None = None
    rows, lines, too_many = [], [], []
    previous_end = 0
    try:
        for record in reader:
            start, previous_end = previous_end + 1, reader.line_num
            if not any(cell.strip() for cell in record):
                continue  # blank lines carry nothing
            if header is None:
                header = record
                continue
            _add_row(record, header, start, rows, lines, too_many)
    except csv.Error as e:
        raise FileRefused(f"{path.name}: line {reader.line_num}: unreadable CSV ({e})") from None
    if header is None:
        raise FileRefused(f"{path.name}: no header row")
    cells = pd.DataFrame(rows, columns=range(len(header)), dtype="str")
    return RawFile(path, sha, "csv", header, cells, lines, too_many, encoding, delimiter)


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


def _read_xlsx(path: Path, sha: str) -> RawFile:
    from openpyxl import load_workbook

    try:
        workbook = load_workbook(path, read_only=True, data_only=True)
    except (zipfile.BadZipFile, KeyError, OSError, ValueError, TypeError) as e:
        raise FileRefused(f"{path.name}: not a readable .xlsx workbook ({type(e).__name__})") from None
    try:
        sheet = workbook.worksheets[0]
        header: list[str] | None = None
        rows, lines, too_many = [], [], []
        for number, values in enumerate(sheet.iter_rows(values_only=True), start=1):
            record = [cell_text(v) for v in values]
            if not any(c.strip() for c in record):
                continue
            if header is None:
                while record and not record[-1].strip():
                    record.pop()  # formatted but empty cells to the right of the header
                header = record
                continue
            _add_row(record, header, number, rows, lines, too_many)
    except Exception as e:  # openpyxl raises many kinds on a damaged sheet; all mean the same to a clerk
        raise FileRefused(f"{path.name}: unreadable worksheet ({type(e).__name__})") from None
    finally:
        workbook.close()
    if header is None:
        raise FileRefused(f"{path.name}: no header row")
    cells = pd.DataFrame(rows, columns=range(len(header)), dtype="str")
    return RawFile(path, sha, "xlsx", header, cells, lines, too_many)
