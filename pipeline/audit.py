"""`tipstats audit`: check that the warehouse and the reports leak no one's identity and add up.

Checks (each finding names the check, where — file or table, column — and what, never the identifier):

- `identifier`: no person, victim or judge identifier sent in raw/ (person_id, victim_id, judge_id and
  the personal-number, phone and e-mail columns that are dropped on read), as sent or normalised, and no
  value of any other personal column dropped on read (the pack's codes/pii_columns.csv: names, addresses,
  dates of birth) appears in clear text in any warehouse table, quality file, report or log;
- `key`: the pseudonymisation key is in no file of the repository (tracked by git, or not ignored; without
  git every file of the project folder), and no such file is a key file;
- `masking`: quarantine and warnings show identifier columns masked (`***`), in values and record keys, and
  every value they show in clear keeps the rule for rejected values (pipeline/rejected.py);
- `identifier (database file)`: the bytes of the warehouse file and its WAL hold no identifier sent in raw/
  that no table holds (DuckDB does not overwrite the blocks it frees);
- `public`: outputs under reports/ outside reports/restricted/ hold no pseudonym (person_key,
  victim_key, judge_key) and no case number (case_id, prosecution_id, judgment_id) of the warehouse;
- `load_log`: every file's rows read = mapped (an imported agency file) + new + replacing + unchanged +
  stored not current + quarantined;
  the versions stored and the rows quarantined are those the load log counts; every file of every loaded
  month in raw/ is in the load log with its hash and row count;
- `marts`: the units of every figure (mart_units) are those of the core tables (int_*) and of the current
  records (stg_*), and every count of mart_counts is re-derived from mart_units;
- `quality`: every agency that delivered in a loaded month has its quality file;
- `reports`: no edition left incomplete, and no restricted material (a `restricted` folder, a suppression
  list, a quality file, a file marked RESTRICTED) anywhere under reports/ but in reports/restricted/: the
  public folder reports/public/ is uploaded as it is.

What is searched, and how (the `identifier` check):

- Every value of a person column (person_id, victim_id, judge_id) or of a column of pii_columns.csv in a raw
  file, in the forms the pipeline could have written it: as sent (trimmed); identifiers, numbers, phones and
  e-mails also without spaces in upper case; names and addresses with their spaces collapsed (a full name is
  searched as the whole name, not name by name: a surname alone is shared by many people and places); dates
  of birth also as YYYY-MM-DD and DD.MM.YYYY.
- Matched case-insensitively as whole tokens, in every text of the warehouse and of the files: not inside a
  longer run of letters and digits, so a number inside a pseudonym's hex digits is no finding.
- Not searched at all: words of the code lists, column names and placeholders ("unknown", "n/a", "***"):
  anybody's value, no one's identifier.
- Matched only as a whole cell (weak values): values shorter than 4 characters (6 for digits only: shorter
  numbers are counts, years and codes), and names or addresses that are a word the pipeline writes itself
  (of its report labels, code lists or messages, e.g. a first name "Mark"). As tokens of free text they would
  be found in every report. A whole cell is: a text value of a warehouse table (an element of a text list),
  or a cell of a CSV, TSV or XLSX file, trimmed, case-insensitively. A weak value is matched in a cell of an
  identifier-bearing column -- a warehouse column or a file column whose header names a person or
  pii_columns.csv column, a quarantine or warnings value of such a column, an identifier in a quarantine
  record key -- and, when it mixes letters and digits (e.g. "K9"), in any cell: counts (digits only) and codes
  or words (letters only) would match cells of every table, a mixed value is an identifier's shape. Weak
  values are not searched in free text (logs, HTML, Markdown).
- PNG images are inspected for their text chunks (tEXt, zTXt, iTXt: metadata such as a title or a
  description); their pixels are not read (no OCR): text drawn in a chart is not checked. SVG, HTML and the
  other text files are searched as text (entities also unescaped; an HTML page without the plotly.js bundle
  it embeds), workbooks by their XML parts and cells.
"""
from __future__ import annotations

import ast
import csv
import html
import io
import os
import re
import struct
import subprocess
import zipfile
import zlib
from collections import Counter
from collections.abc import Iterable, Iterator
from dataclasses import dataclass, field
from datetime import date, datetime
from functools import cache
from pathlib import Path
from typing import Annotated

import duckdb
import typer

from contracts import SOURCES, codes, pack
from contracts.base import normalise_header
from pipeline import load, pseudonym, rejected, terminal
from pipeline.export import FORMULA_STARTS
from pipeline.read import FileRefused, open_file, sha256_of
from pipeline.settings import Settings
from pipeline.validate import MASK, MONTH_PATTERN, source_of

EXIT_FINDINGS = 1
PERSON_COLUMNS = ("person_id", "victim_id", "judge_id")
# Columns of the pack's codes/pii_columns.csv (dropped on read): numbers, phones and e-mails are searched like
# the person identifiers (also without spaces); dates of birth also in the two date forms; every other column
# of the list (names, addresses, and any column added to it) as free text.
IDENTIFYING_COLUMNS = ("personal_number", "personal_no", "nr_personal", "numri_personal", "jmbg", "phone",
                       "telefoni", "telefon", "email")
BIRTH_DATE_COLUMNS = ("date_of_birth", "dob", "data_e_lindjes", "datum_rodjenja")
PSEUDONYM_COLUMNS = ("person_key", "victim_key", "judge_key")
CASE_COLUMNS = ("case_id", "prosecution_id", "judgment_id")
PLACEHOLDERS = {"unknown", "none", "null", "nan", "n/a", "na", "anonymous", "anonim", "nepoznat", "i panjohur",
                "true", "false", "yes", "no", "missing", "test"}
MIN_LENGTH, MIN_DIGITS = 4, 6
MIN_KEY_LENGTH = 16
TEXT_SUFFIXES = {".csv", ".tsv", ".txt", ".json", ".md", ".html", ".htm", ".xml", ".svg", ".log", ".js", ".css"}
MAX_SCANNED_BYTES = 256 << 20
SKIPPED_DIRS = {".git", ".venv", "venv", "node_modules", "__pycache__", ".hypothesis", ".pytest_cache",
                ".ruff_cache", ".mypy_cache"}
ALNUM = re.compile(r"[^\W_]")
LETTER, DIGIT, WORD = re.compile(r"[^\W\d_]"), re.compile(r"\d"), re.compile(r"[^\W\d_]+")
DATES = ((re.compile(r"(\d{4})[-./](\d{1,2})[-./](\d{1,2})"), (0, 1, 2)),
         (re.compile(r"(\d{1,2})[-./](\d{1,2})[-./](\d{4})\.?"), (2, 1, 0)))
PNG_SIGNATURE = b"\x89PNG\r\n\x1a\n"
PNG_TEXT_CHUNKS = (b"tEXt", b"zTXt", b"iTXt")
PNG_NOTE = "{n} PNG image(s): text chunks searched, pixels not read (no OCR)"


@dataclass
class Finding:
    check: str
    where: str
    what: str

    def __str__(self) -> str:
        return f"[{self.check}] {self.where}: {self.what}"


@dataclass
class Report:
    findings: list[Finding] = field(default_factory=list)
    checked: list[str] = field(default_factory=list)

    def add(self, check: str, where: str, what: str) -> None:
        self.findings.append(Finding(check, where, what))


# --------------------------------------------------------------------------------------------- matching
class Matcher:
    """Finds any of many strings (needles) in text, case-insensitively, as whole tokens: a match may not
    continue a run of letters or digits on either side. needle → label (what it is, never the needle)."""

    PREFIX = 4

    def __init__(self, needles: dict[str, str]):
        self.labels = needles
        self.by_prefix: dict[str, list[str]] = {}
        self.odd: list[str] = []  # needles that start with neither a letter nor a digit
        for needle in needles:
            if ALNUM.match(needle):
                self.by_prefix.setdefault(needle[:self.PREFIX], []).append(needle)
            else:
                self.odd.append(needle)
        # where a token starts with the first characters of some needle; the prefixes as a trie, so that
        # the regular expression engine, not Python, walks the text
        self.starts = re.compile(r"(?<![^\W_])(?=(" + trie_pattern(self.by_prefix) + "))") if self.by_prefix else None

    def __len__(self) -> int:
        return len(self.labels)

    def find(self, text: str) -> list[str]:
        """The needles found in `text` (each once)."""
        if not self.labels or not text:
            return []
        low = text.lower()
        found: dict[str, None] = {}
        if self.starts is not None:
            for m in self.starts.finditer(low):
                i = m.start()
                for needle in self.by_prefix[m.group(1)]:
                    if low.startswith(needle, i) and self._ends(low, i + len(needle), needle):
                        found[needle] = None
        for needle in self.odd:
            start = low.find(needle)
            while start >= 0:
                if self._ends(low, start + len(needle), needle):
                    found[needle] = None
                    break
                start = low.find(needle, start + 1)
        return list(found)

    @staticmethod
    def _ends(low: str, end: int, needle: str) -> bool:
        return end >= len(low) or not (ALNUM.match(needle[-1]) and ALNUM.match(low[end]))


def trie_pattern(words: Iterable[str]) -> str:
    """A regular expression matching exactly `words`, shared beginnings written once ("ab(?:c|d)")."""
    trie: dict = {}
    for word in words:
        node = trie
        for ch in word:
            node = node.setdefault(ch, {})
        node[""] = {}

    def build(node: dict) -> str:
        branches = [re.escape(ch) + build(child) for ch, child in sorted(node.items()) if ch]
        if "" in node:
            branches.append("")
        return branches[0] if len(branches) == 1 else "(?:" + "|".join(branches) + ")"

    return build(trie)


def vocabulary() -> set[str]:
    """Words that are no one's identifier although an agency may send them as one."""
    words = set(PLACEHOLDERS)
    for path in codes.codes_dir().glob("*.csv"):
        for row in codes.read_rows(path):
            words.update(v.strip().lower() for v in row.values() if v)
    for spec in SOURCES.values():
        words.update(c.name for c in spec.columns)
    return words


def searchable(value: str, words: set[str]) -> bool:
    low = value.lower()
    if low in words or low == MASK:
        return False
    return long_enough(value)


def long_enough(value: str) -> bool:
    return len(value) >= (MIN_DIGITS if value.isdigit() else MIN_LENGTH)


@cache
def identifier_columns() -> frozenset[str]:
    """Columns whose cells are a person's identifier or personal detail: the person columns and those of
    pii_columns.csv."""
    return frozenset(PERSON_COLUMNS + IDENTIFYING_COLUMNS + BIRTH_DATE_COLUMNS) | codes.pii_columns()


@cache
def written_words() -> frozenset[str]:
    """Words the pipeline writes itself: of the report labels, the code lists and the text of its messages
    (the string literals of its modules; not the sample generator's, whose names are made-up people's)."""
    texts = [p.read_text(encoding="utf-8") for folder in (codes.LABELS_DIR, pack.active().path("labels"), codes.codes_dir())
             for p in sorted(folder.glob("*.csv"))]
    for path in sorted(Path(__file__).parent.glob("*.py")):
        if path.name == "sample.py":
            continue
        try:
            tree = ast.parse(path.read_text(encoding="utf-8"))
        except (SyntaxError, UnicodeDecodeError, OSError):  # a module being edited: its words are left out
            continue
        texts += [node.value for node in ast.walk(tree) if isinstance(node, ast.Constant) and isinstance(node.value, str)]
    return frozenset(w.lower() for text in texts for w in WORD.findall(text))


def forms(column: str, value: str) -> set[str]:
    """The forms of a sent value that are searched for: see the module's docstring."""
    value = value.strip()
    if not value:
        return set()
    if column in PERSON_COLUMNS or column in IDENTIFYING_COLUMNS:
        return {value, "".join(value.split()).upper()}
    if column in BIRTH_DATE_COLUMNS:
        return {value, *date_forms(value)}
    return {" ".join(value.split())}


def date_forms(value: str) -> list[str]:
    """A date (YYYY-MM-DD, DD.MM.YYYY, DD/MM/YYYY, ...) as YYYY-MM-DD and DD.MM.YYYY; [] if it is none."""
    for pattern, order in DATES:
        m = pattern.fullmatch(value)
        if m:
            parts = [int(p) for p in m.groups()]
            try:
                day = date(*(parts[i] for i in order))
            except ValueError:
                return []
            return [day.isoformat(), day.strftime("%d.%m.%Y")]
    return []


def article(word: str) -> str:
    return "an" if word[:1] in "aeiou" else "a"


# ------------------------------------------------------------------------------------------------- raw
@dataclass
class RawScan:
    identifiers: dict[str, str]  # needle (lower case) → where it was sent ("a person_id of raw/… line n")
    rows: dict[str, int]  # "YYYY-MM/name" → data rows, for files that could be read
    sha: dict[str, str]  # "YYYY-MM/name" → SHA-256 (files that are not empty)
    all: set[str] = field(default_factory=set)  # "YYYY-MM/name" of every source file
    weak: dict[str, str] = field(default_factory=dict)  # short or common-word values: matched as whole cells
    details: set[str] = field(default_factory=set)  # the needles of names, addresses, birth dates
    files: int = 0
    unreadable: int = 0
    skipped_words: int = 0


def scan_raw(raw: Path) -> RawScan:
    words, written = vocabulary(), written_words()
    scan = RawScan({}, {}, {})
    wanted = identifier_columns()
    folders = sorted(p for p in raw.iterdir() if p.is_dir() and MONTH_PATTERN.match(p.name)) if raw.is_dir() else []
    skipped: set[str] = set()
    for folder in folders:
        for path in sorted(folder.iterdir()):
            if not path.is_file() or source_of(path) is None:
                continue
            label = f"{folder.name}/{path.name}"
            scan.files += 1
            try:
                with open_file(path) as stream:
                    scan.sha[label] = stream.sha256
                    names = [normalise_header(h) for h in stream.header]
                    columns = [(i, n) for i, n in enumerate(names) if n in wanted]
                    rows = 0
                    for chunk in stream.chunks():
                        rows += len(chunk.lines)
                        for i, name in columns:
                            free_text = name not in PERSON_COLUMNS + IDENTIFYING_COLUMNS + BIRTH_DATE_COLUMNS
                            for line, value in zip(chunk.lines, chunk.cells[i]):
                                for form in forms(name, value):
                                    low = form.lower()
                                    where = f"{article(name)} {name} of raw/{label} line {line}"
                                    if low in words or low == MASK:
                                        skipped.add(low)
                                    elif not long_enough(form) or (free_text and low in written):
                                        scan.weak.setdefault(low, where)
                                    elif low not in scan.identifiers:
                                        scan.identifiers[low] = where
                                        if name not in PERSON_COLUMNS + IDENTIFYING_COLUMNS:
                                            scan.details.add(low)
                    scan.rows[label] = rows
            except FileRefused:
                scan.unreadable += 1
                if path.stat().st_size:
                    scan.sha[label] = sha256_of(path)
            scan.all.add(label)
    scan.skipped_words = len(skipped)
    for needle in scan.identifiers:  # weak in one file, searched as a token for another: searched
        scan.weak.pop(needle, None)
    return scan


class CellMatcher:
    """Weak values (short or common words) found only as a whole cell: in any cell if they mix letters and
    digits, else only in a cell of an identifier-bearing column. needle → label, as Matcher."""

    def __init__(self, needles: dict[str, str]):
        self.labels = needles
        self.anywhere = {n for n in needles if LETTER.search(n) and DIGIT.search(n)}

    def __len__(self) -> int:
        return len(self.labels)

    def find(self, cell: str, bearing: bool) -> list[str]:
        low = cell.strip().lower()
        if low[:1] == "'" and low[1:2] in FORMULA_STARTS:  # as export neutralises a formula
            low = low[1:]
        return [low] if low in self.labels and (bearing or low in self.anywhere) else []


# ------------------------------------------------------------------------------------------------ texts
def table_texts(con: duckdb.DuckDBPyConnection) -> Iterator[tuple[str, str, list[str]]]:
    """(table, column, distinct text values) for every text or text-list column of every stored table."""
    tables = [t for (t,) in con.execute(
        "select table_name from information_schema.tables where table_type = 'BASE TABLE' order by 1").fetchall()]
    for table in tables:
        columns = con.execute(
            "select column_name, data_type from information_schema.columns where table_name = ? order by ordinal_position",
            [table]).fetchall()
        for column, dtype in columns:
            if dtype == "VARCHAR":
                sql = f'select distinct "{column}" from "{table}" where "{column}" is not null'
            elif dtype == "VARCHAR[]":
                sql = f'select distinct v from (select unnest("{column}") as v from "{table}") where v is not null'
            else:
                continue
            yield table, column, [v for (v,) in con.execute(sql).fetchall()]


def file_text(path: Path) -> str | None:
    """The text a file shows a reader (HTML also unescaped; workbooks and other zip packages: their XML
    parts; PNG images: the text of their text chunks), or None for a binary file that cannot be inspected."""
    if path.stat().st_size > MAX_SCANNED_BYTES:
        return None
    data = path.read_bytes()
    if data.startswith(PNG_SIGNATURE):
        return png_text(data)
    if zipfile.is_zipfile(path):
        parts = []
        try:
            with zipfile.ZipFile(path) as archive:
                for info in archive.infolist():
                    if info.file_size <= MAX_SCANNED_BYTES:
                        parts.append(archive.read(info).decode("utf-8", errors="replace"))
        except (zipfile.BadZipFile, OSError, ValueError, NotImplementedError):
            return None
        return "\n".join(parts + [html.unescape(p) for p in parts])
    if b"\x00" in data[:8192] and path.suffix.lower() not in TEXT_SUFFIXES:
        return None
    try:
        text = data.decode("utf-8")
    except UnicodeDecodeError:
        if path.suffix.lower() not in TEXT_SUFFIXES:
            return None
        text = data.decode((pack.active().encodings or ("latin-1",))[0], errors="replace")
    if path.suffix.lower() in (".html", ".htm", ".xml", ".svg"):
        # the plotly.js bundle a report page embeds is the library's code, not the page's text: its
        # identifiers and strings ("=1+3") would match identifiers sent in raw/
        text = text.replace(plotly_bundle(), "")
        text += "\n" + html.unescape(text)
    return text


@cache
def plotly_bundle() -> str:
    from plotly.offline import get_plotlyjs

    return get_plotlyjs()


def png_text(data: bytes) -> str | None:
    """The keywords and texts of a PNG image's text chunks (tEXt, zTXt, iTXt), "" when it has none; None when
    it is no well-formed PNG (a chunk runs past the end, a compressed text does not inflate). The pixels are
    not read: text drawn in the image is not found (no OCR)."""
    parts: list[str] = []
    pos = len(PNG_SIGNATURE)
    while pos < len(data):
        if pos + 12 > len(data):
            return None
        length, kind = struct.unpack(">I4s", data[pos:pos + 8])
        if pos + 12 + length > len(data):
            return None
        body = data[pos + 8:pos + 8 + length]
        pos += 12 + length
        if kind in PNG_TEXT_CHUNKS:
            text = png_chunk_text(kind, body)
            if text is None:
                return None
            parts.append(text)
        elif kind == b"IEND":
            break
    return "\n".join(parts)


def png_chunk_text(kind: bytes, body: bytes) -> str | None:
    keyword, _, rest = body.partition(b"\0")
    try:
        if kind == b"tEXt":  # keyword, NUL, Latin-1 text
            texts = [rest.decode("latin-1")]
        elif kind == b"zTXt":  # keyword, NUL, compression method, deflated Latin-1 text
            texts = [inflate(rest[1:]).decode("latin-1")]
        else:  # iTXt: keyword, NUL, compressed?, method, language, NUL, translated keyword, NUL, UTF-8 text
            compressed = rest[:1] == b"\x01"
            language, _, rest = rest[2:].partition(b"\0")
            translated, _, text = rest.partition(b"\0")
            texts = [language.decode("ascii", errors="replace"), translated.decode("utf-8", errors="replace"),
                     (inflate(text) if compressed else text).decode("utf-8", errors="replace")]
    except zlib.error:
        return None
    return "\n".join([keyword.decode("latin-1"), *texts])


def inflate(data: bytes) -> bytes:
    """Deflated data, at most MAX_SCANNED_BYTES of it (zlib.error beyond: not inspected, not a bomb)."""
    inflater = zlib.decompressobj()
    out = inflater.decompress(data, MAX_SCANNED_BYTES)
    if inflater.unconsumed_tail:
        raise zlib.error("more than MAX_SCANNED_BYTES")
    return out


WORKBOOK_SUFFIXES = (".xlsx", ".xlsm")


def file_cells(path: Path, text: str) -> Iterator[tuple[str, bool]]:
    """(cell, identifier-bearing) for every cell of a CSV, TSV or workbook (nothing for other files). A cell
    is identifier-bearing below a cell naming a person or pii_columns.csv column (its header, under any title
    lines), and in a table with a `column` and a `value` header (quality files), the value of a row whose
    column is such a column."""
    suffix = path.suffix.lower()
    if suffix in WORKBOOK_SUFFIXES:
        tables = workbook_rows(path)
    elif suffix in (".csv", ".tsv"):
        tables = [csv_rows(text, "\t" if suffix == ".tsv" else None)]
    else:
        return
    names = identifier_columns()
    for rows in tables:
        bearing: set[int] = set()
        pair: tuple[int, int] | None = None  # where the `column` and `value` headers are
        for row in rows:
            keyed = pair is not None and pair[0] < len(row) and normalise_header(row[pair[0]]) in names
            for i, cell in enumerate(row):
                if cell:
                    yield cell, i in bearing or (keyed and i == pair[1])
                    if normalise_header(cell) in names:
                        bearing.add(i)
            headers = [normalise_header(c) for c in row]
            if pair is None and "column" in headers and "value" in headers:
                pair = headers.index("column"), headers.index("value")


def csv_rows(text: str, delimiter: str | None) -> Iterator[list[str]]:
    """The rows of a CSV; the delimiter that of , ; or tab the first line holds most often."""
    first = text.split("\n", 1)[0]
    delimiter = delimiter or max(",;\t", key=first.count)
    try:
        yield from csv.reader(io.StringIO(text, newline=""), delimiter=delimiter)
    except csv.Error:  # a NUL or an overlong cell: the rest was searched as text all the same
        return


def workbook_rows(path: Path) -> list[list[list[str]]]:
    """Every sheet's rows of cells as text (whole numbers without ".0", dates as YYYY-MM-DD)."""
    from openpyxl import load_workbook

    try:
        book = load_workbook(path, read_only=True, data_only=True)
    except Exception:  # noqa: BLE001 -- any workbook openpyxl cannot open: its XML parts were searched as text
        return []
    try:
        return [[[cell_text(v) for v in row] for row in sheet.iter_rows(values_only=True)] for sheet in book.worksheets]
    except Exception:  # noqa: BLE001 -- as above
        return []
    finally:
        book.close()


def cell_text(value) -> str:
    if value is None:
        return ""
    if isinstance(value, float) and value.is_integer():
        return str(int(value))
    if isinstance(value, datetime):
        return value.date().isoformat() if value == datetime.combine(value.date(), datetime.min.time()) else value.isoformat()
    if isinstance(value, date):
        return value.isoformat()
    return str(value)


def row_cells(con: duckdb.DuckDBPyConnection) -> Iterator[tuple[str, str, list[str]]]:
    """(table, column, distinct values) of identifier-bearing cells inside rows: the quarantine and warnings
    values of a person or pii_columns.csv column, and the identifiers in the quarantine's record keys."""
    names = sorted(identifier_columns())
    tables = {t for (t,) in con.execute("select table_name from information_schema.tables").fetchall()}
    for table in ("quarantine", "warnings"):  # table: one of these two names; the column names are parameters
        if table in tables:
            yield table, "value", [v for (v,) in con.execute(
                f'select distinct value from {table} where list_contains(?, lower("column")) and value is not null',
                [names]).fetchall()]
    if "quarantine" in tables:
        pattern = r"\b(?:" + "|".join(map(re.escape, names)) + r")=(\S*)"
        yield "quarantine", "record_key", [v for (v,) in con.execute(
            "select distinct v from (select unnest(regexp_extract_all(record_key, ?, 1)) as v from quarantine)",
            [pattern]).fetchall()]


def report_files(reports: Path) -> list[Path]:
    return sorted(p for p in reports.rglob("*") if p.is_file()) if reports.is_dir() else []


def is_public(path: Path, reports: Path) -> bool:
    """Anything outside reports/restricted/ may be published (reports/public/ is uploaded as it is)."""
    return path.relative_to(reports).parts[0] != "restricted"


RESTRICTED_NAMES = re.compile(r"suppression\.csv|quality-.*\.(xlsx|csv)", re.IGNORECASE)
RESTRICTED_MARK = re.compile(r"\bRESTRICTED\b")  # editions.RESTRICTED, as every restricted page and sheet carries it


def restricted_material(path: Path, reports: Path) -> str | None:
    """Why a file outside reports/restricted/ is restricted material, or None."""
    if "restricted" in path.relative_to(reports).parts[:-1]:
        return "in a restricted folder"
    if RESTRICTED_NAMES.fullmatch(path.name):
        return "a suppression list" if path.name.lower() == "suppression.csv" else "a quality file"
    text = file_text(path)
    if text is not None and RESTRICTED_MARK.search(text):
        return "marked RESTRICTED"
    return None


def log_files(settings: Settings) -> list[Path]:
    folder = settings.warehouse.parent
    return sorted(p for p in folder.glob("*.log") if p.is_file()) if folder.is_dir() else []


# ------------------------------------------------------------------------------------------------ checks
def check_identifiers(con, settings: Settings, scan: RawScan, report: Report) -> set[str]:
    """Returns the identifiers found in warehouse tables."""
    matcher, cells = Matcher(scan.identifiers), CellMatcher(scan.weak)
    in_tables: set[str] = set()
    labels = {**scan.weak, **scan.identifiers}
    bearing_names = identifier_columns()
    # (table, column) → value → needles, for the cells found inside rows (quarantine and warnings values)
    inside: dict[tuple[str, str], dict[str, list[str]]] = {}
    if cells:
        for table, column, values in row_cells(con):
            for value in values:
                found = cells.find(value, True)
                if found:
                    inside.setdefault((table, column), {})[value] = found
    columns = 0
    for table, column, values in table_texts(con):
        columns += 1
        bearing = column.lower() in bearing_names
        hits = inside.pop((table, column), {})
        for value in values:
            found = matcher.find(value) + cells.find(value, bearing)
            if found:
                hits[value] = list(dict.fromkeys(hits.get(value, []) + found))
        if hits:
            needles = {n for found in hits.values() for n in found}
            in_tables |= needles
            report.add("identifier", f"warehouse table {table}, column {column}",
                       f"{len(hits)} distinct value(s) hold an identifier in clear text: {len(needles)} identifier(s), "
                       f"e.g. {min(labels[n] for n in needles)}")
    files = report_files(settings.reports) + log_files(settings)
    inspected = 0
    for path in files:
        text = file_text(path)
        if text is None:
            continue
        inspected += 1
        workbook = path.suffix.lower() in WORKBOOK_SUFFIXES
        found = dict.fromkeys(matcher.find(text))
        if cells or workbook:
            for cell, bearing in file_cells(path, text):
                found.update(dict.fromkeys(cells.find(cell, bearing)))
                if workbook:  # a date cell is a serial number in the XML
                    found.update(dict.fromkeys(matcher.find(cell)))
        if found:
            report.add("identifier", f"file {path}", f"holds {len(found)} identifier(s) in clear text, "
                       f"e.g. {labels[next(iter(found))]}")
    pngs = sum(1 for p in files if p.suffix.lower() == ".png")
    report.checked.append(
        f"identifier: {len(matcher) - len(scan.details):,} identifier(s) and {len(scan.details):,} personal "
        f"detail(s) (names, addresses, birth dates) sent in {scan.files} raw file(s), searched for in {columns} "
        f"text column(s) of the warehouse and {inspected} of {len(files)} file(s) under {settings.reports} and "
        f"beside the warehouse" + (f" ({scan.unreadable} raw file(s) unreadable)" if scan.unreadable else "")
        + (f"; {len(cells):,} short or common-word value(s) matched only as whole cells" if cells else "")
        + (f"; {scan.skipped_words:,} code word(s) or placeholder(s) not searched" if scan.skipped_words else "")
        + (f"; {PNG_NOTE.format(n=pngs)}" if pngs else ""))
    return in_tables


def project_files(project: Path) -> tuple[list[Path], str]:
    """The repository's files (tracked, or untracked and not ignored) via git, else every file under the
    project folder (tool and cache folders left out)."""
    try:
        out = subprocess.run(["git", "-C", str(project), "ls-files", "-z", "--cached", "--others", "--exclude-standard"],
                             capture_output=True, check=True, timeout=120).stdout
        top = subprocess.run(["git", "-C", str(project), "rev-parse", "--show-toplevel"],
                             capture_output=True, check=True, text=True, timeout=60).stdout.strip()
        names = [n for n in out.decode("utf-8", errors="surrogateescape").split("\0") if n]
        paths = [project / n for n in names]
        return sorted({p for p in paths if p.is_file() and not p.is_symlink()}), f"git repository {top}"
    except (OSError, subprocess.SubprocessError):
        pass
    paths = []
    for folder, dirs, names in os.walk(project):
        dirs[:] = [d for d in dirs if d not in SKIPPED_DIRS]
        paths += [Path(folder) / n for n in names]
    return sorted(p for p in paths if p.is_file() and not p.is_symlink()), f"project folder {project}"


def contains(path: Path, needle: bytes) -> bool:
    overlap = len(needle) - 1
    tail = b""
    with open(path, "rb") as f:
        for block in iter(lambda: f.read(1 << 20), b""):
            if needle in tail + block:
                return True
            tail = block[-overlap:] if overlap else b""
    return False


def check_key(settings: Settings, project: Path, report: Report) -> None:
    try:
        key = pseudonym.load_key(settings.key_file, create=False)
    except (pseudonym.KeyError_, OSError, UnicodeDecodeError):
        report.checked.append("key: no key configured (TIPSTATS_KEY, TIPSTATS_KEY_FILE or the key file): not checked")
        return
    if len(key) < MIN_KEY_LENGTH:
        report.add("key", "the pseudonymisation key", f"only {len(key)} characters long: too short to be secret "
                   "(and to be searched for); use a key of at least 32 random characters, e.g. the generated key file")
        report.checked.append("key: too short to be searched for")
        return
    configured = settings.key_file or Path(os.environ.get("TIPSTATS_KEY_FILE") or pseudonym.default_key_file())
    configured = configured.resolve() if configured.exists() else None
    files, what = project_files(project)
    scanned = 0
    for path in files:
        relative = path.relative_to(project) if path.is_relative_to(project) else path
        if path.name == "key" or path.suffix == ".key" or (configured and path.resolve() == configured):
            report.add("key", f"file {relative}", "is a key file, in the repository")
            continue
        try:
            if path.stat().st_size > MAX_SCANNED_BYTES:
                continue
            scanned += 1
            if contains(path, key):
                report.add("key", f"file {relative}", "contains the pseudonymisation key")
        except OSError:
            continue
    report.checked.append(f"key: the key and key files searched for in {scanned} file(s) of the {what}")


MASKED_SQL = """
select '{table}' as tbl, column_name, count(*) from (
    select 'value' as column_name from {table}
    where ("column" in ('person_id', 'victim_id', 'judge_id') and value not in ('', '***'))
       or len(list_filter(regexp_extract_all(value, '(?:person_id|victim_id|judge_id)=(\\S*)', 1), lambda x: x <> '***')) > 0
    {record_key}
) group by all
order by column_name desc
"""


def check_masking(con, scan: RawScan, report: Report) -> None:
    record_key = """union all select 'record_key' from quarantine
        where len(list_filter(regexp_extract_all(record_key, '(?:person_id|victim_id|judge_id)=(\\S*)', 1),
                              lambda x: x <> '***')) > 0"""
    total = 0
    for table in ("quarantine", "warnings"):
        rows = con.execute(MASKED_SQL.format(table=table, record_key=record_key if table == "quarantine" else "")).fetchall()
        for tbl, column, n in rows:
            report.add("masking", f"warehouse table {tbl}, column {column}",
                       f"{n} row(s) show a person, victim or judge identifier unmasked")
        total += con.execute(f"""select count(*) from {table} where "column" in ('person_id', 'victim_id', 'judge_id')""").fetchone()[0]
    rows = check_rejected_values(con, scan, report)
    report.checked.append(f"masking: {total} quarantine/warning row(s) of identifier columns and every record key "
                          f"checked for masking; {rows:,} value(s) shown in clear checked against the rule for "
                          "rejected values")


# the value of a reference warning is a case number stored as delivered and valid, not a rejected value
REFERENCE_CHECKS = ("unknown_case", "unknown_prosecution", "unknown_judgment")
QUOTED = re.compile(r"'(?:[^'\\]|\\.)*'" + r'|"(?:[^"\\]|\\.)*"')  # a value as repr() quotes it
KEY_PART = re.compile(r"(?:^| )([a-z_]+)=(.*?)(?= [a-z_]+=|$)")
MAX_MASKING_FINDINGS = 20


def check_rejected_values(con, scan: RawScan, report: Report) -> int:
    """The rule for rejected values (pipeline/rejected.py) on every quarantine and warnings row: its value,
    the non-person parts of its record key and every value its reason quotes. A piece shown in clear that is
    longer than the rule allows, holds a run of 6 or more digits or a person, victim or judge identifier sent
    in raw/ (of any file: more than the delivery's own) is a finding. Returns the number of rows checked."""
    def people(needles: dict[str, str]) -> dict[str, str]:  # labels read "a person_id of raw/…"
        return {n: label for n, label in needles.items() if label.split(" ")[1] in PERSON_COLUMNS}

    matcher, cells = Matcher(people(scan.identifiers)), CellMatcher(people(scan.weak))
    found, checked = [], 0
    for table in ("quarantine", "warnings"):
        record_key = "record_key" if table == "quarantine" else "''"
        rows = con.execute(f'select month, file, line, "column", "check", value, reason, {record_key} '
                           f'from {table} order by month, file, line, "column"').fetchall()
        for month, file, line, column, check, value, reason, key in rows:
            if check in REFERENCE_CHECKS:
                continue
            checked += 1
            pieces = [("value", value)] if check != "duplicate_key" else []
            pieces += [("a part of the record key", part) for name, part in KEY_PART.findall(key or "")
                       if name not in PERSON_COLUMNS]
            pieces += [("a value quoted in the reason", unquoted(q)) for q in QUOTED.findall(reason or "")]
            for what, piece in pieces:
                if not piece or rejected.is_masked(piece):
                    continue
                why = rejected.breaks(piece) or (
                    "an identifier sent in raw/" if matcher.find(piece) or cells.find(piece, True) else None)
                if why:
                    found.append((f"warehouse table {table}, file {file}, line {line if line is not None else '-'}, "
                                  f"column {column or '-'}", f"{what} shown in clear breaks the rule for rejected "
                                  f"values ({why}): run `tipstats refresh --reload {month}` to store it masked"))
                    break
    for where, what in found[:MAX_MASKING_FINDINGS]:
        report.add("masking", where, what)
    if len(found) > MAX_MASKING_FINDINGS:
        report.add("masking", "warehouse tables quarantine and warnings",
                   f"{len(found) - MAX_MASKING_FINDINGS:,} more row(s) show a value that breaks the rule for rejected values")
    return checked


def unquoted(text: str) -> str:
    """A value quoted by repr(), as it was (a quote of other words taken as it stands)."""
    try:
        return ast.literal_eval(text)
    except (ValueError, SyntaxError):
        return text[1:-1]


class ByteMatcher:
    """Finds identifiers in the bytes of a database file, case-insensitively (ASCII letters; other letters as
    sent in lower case or in upper case). DuckDB stores the strings of a column back to back, so a needle is
    found anywhere, except one of hex digits only: it must not touch another hex digit (pseudonyms and hashes
    are hex). needle → label, as Matcher."""

    def __init__(self, needles: dict[str, str]):
        self.labels: dict[bytes, str] = {}  # the needle's bytes, ASCII letters in lower case → the needle
        for needle in needles:
            for form in {needle, needle.upper()}:
                self.labels.setdefault(form.encode("utf-8").lower(), needle)
        self.by_prefix: dict[bytes, list[bytes]] = {}
        for form in self.labels:
            self.by_prefix.setdefault(form[:Matcher.PREFIX], []).append(form)
        prefixes = [p.decode("latin-1") for p in self.by_prefix]  # a pattern over bytes, written as Latin-1
        self.starts = re.compile(trie_pattern(prefixes).encode("latin-1")) if prefixes else None
        self.overlap = max((len(f) for f in self.labels), default=1) - 1

    def find(self, path: Path) -> set[str]:
        """The needles in the file's bytes, read in blocks of 1 MiB."""
        found: set[str] = set()
        if self.starts is None:
            return found
        tail = b""
        with open(path, "rb") as f:
            for block in iter(lambda: f.read(1 << 20), b""):
                data = tail + block.lower()
                position = 0
                # search, not finditer: a prefix may begin inside the one just found
                while (m := self.starts.search(data, position)) is not None:
                    i = position = m.start()
                    position += 1
                    for form in self.by_prefix[m.group()]:
                        end = i + len(form)
                        if data.startswith(form, i) and not (HEX.fullmatch(form) and (
                                (i and data[i - 1] in HEX_DIGITS) or (end < len(data) and data[end] in HEX_DIGITS))):
                            found.add(self.labels[form])
                tail = data[-self.overlap:] if self.overlap else b""
        return found


HEX_DIGITS = frozenset(b"0123456789abcdef")
HEX = re.compile(rb"[0-9a-f]+")


def check_database_bytes(settings: Settings, scan: RawScan, in_tables: set[str], report: Report) -> None:
    """The identifiers sent in raw/ searched for in the bytes of the warehouse file and its WAL: DuckDB does
    not overwrite the blocks it frees, so a value deleted from every table (by a reload) can stay in them.
    Those a table holds (`in_tables`) are findings of the table already."""
    matcher = ByteMatcher(scan.identifiers)
    paths = [p for p in (settings.warehouse, Path(f"{settings.warehouse}.wal")) if p.is_file()]
    labels = {**scan.weak, **scan.identifiers}
    for path in paths:
        found = matcher.find(path) - in_tables
        if found:
            report.add("identifier", f"file {path}",
                       f"its bytes hold {len(found)} identifier(s) in clear text that no table holds, e.g. "
                       f"{min(labels[n] for n in found)}: they are in blocks DuckDB freed without overwriting them: rebuild "
                       f"the warehouse from raw/ (move {path.parent.name}/ aside, run `tipstats refresh`, `tipstats "
                       "audit`, then delete the old folder)")
    size = sum(p.stat().st_size for p in paths)
    report.checked.append(f"identifier (database file): {len(scan.identifiers):,} identifier(s) searched for in the "
                          f"bytes of {len(paths)} file(s) ({size / 2**20:,.1f} MB: the warehouse and its WAL), freed "
                          "blocks included")


def check_public(con, settings: Settings, report: Report) -> None:
    words = vocabulary()
    needles: dict[str, str] = {}
    for source in SOURCES:
        columns = [c for c in con.execute(
            "select column_name from information_schema.columns where table_name = ?", [source]).fetchall()]
        names = {c for (c,) in columns}
        for column in PSEUDONYM_COLUMNS + CASE_COLUMNS:
            if column not in names:
                continue
            kind = "pseudonym" if column in PSEUDONYM_COLUMNS else "case number"
            for (value,) in con.execute(f'select distinct "{column}" from "{source}" where "{column}" is not null').fetchall():
                value = value.strip()
                if searchable(value, words):
                    needles.setdefault(value.lower(), f"{kind}(s) ({column})")
    matcher = Matcher(needles)
    files = [p for p in report_files(settings.reports) if is_public(p, settings.reports)]
    inspected, binary = 0, []
    for path in files:
        text = file_text(path)
        if text is None:
            binary.append(path)
            continue
        inspected += 1
        found = matcher.find(text)
        if found:
            kinds = Counter(matcher.labels[f] for f in found)
            report.add("public", f"file {path}", "public output holds " + ", ".join(
                f"{n} {kind}" for kind, n in sorted(kinds.items())) + ": restricted content outside restricted/")
    pseudonyms = sum(1 for v in needles.values() if v.startswith("pseudonym"))
    pngs = sum(1 for p in files if p.suffix.lower() == ".png")
    report.checked.append(
        f"public: {pseudonyms:,} pseudonym(s) and {len(needles) - pseudonyms:,} case number(s) searched for in "
        f"{inspected} public file(s) under {settings.reports}"
        + (f" ({len(binary)} image or other binary file(s) not inspectable)" if binary else "")
        + (f"; {PNG_NOTE.format(n=pngs)}" if pngs else ""))


STORED_SQL = """
with stored as (
    {stored}
),
counted as (
    select load_id, month, source, sum(rows_new + rows_replacing + rows_unchanged + rows_stored_not_current) as n
    from load_log where superseded_by is null group by all
)
select coalesce(c.source, s.source), coalesce(c.month, s.month), coalesce(c.load_id, s.load_id),
       coalesce(c.n, 0), coalesce(s.n, 0)
from counted c full join stored s using (load_id, month, source)
where coalesce(c.n, 0) <> coalesce(s.n, 0)
order by 2, 1, 3
"""

QUARANTINED_SQL = """
with held as (
    select load_id, month, file, count(distinct line) + coalesce(sum(unlisted), 0) as n from quarantine group by all
),
counted as (
    select load_id, month, file, sum(rows_quarantined) as n from load_log where superseded_by is null group by all
)
select coalesce(c.file, h.file), coalesce(c.load_id, h.load_id), coalesce(c.n, 0), coalesce(h.n, 0)
from counted c full join held h using (load_id, month, file)
where coalesce(c.n, 0) <> coalesce(h.n, 0)
order by 1, 2
"""


def check_load_log(con, settings: Settings, scan: RawScan, report: Report) -> None:
    for file, load_id, read, accounted, imported in con.execute(
            f"""select file, load_id, rows_read, {load.ACCOUNTED}, rows_mapped is not null from load_log
                where rows_read <> {load.ACCOUNTED} order by load_id, file""").fetchall():
        report.add("load_log", f"load_log, file {file} (load {load_id})",
                   f"rows read {read} <> {'mapped + ' if imported else ''}new + replacing + unchanged + stored not "
                   f"current + quarantined = {accounted}")
    stored = "\n    union all\n    ".join(
        f"select '{s}' as source, month, load_id, count(*) as n from {s} group by all" for s in SOURCES)
    for source, month, load_id, counted, held in con.execute(STORED_SQL.format(stored=stored)).fetchall():
        report.add("load_log", f"warehouse table {source}, month {month} (load {load_id})",
                   f"{held} version(s) stored, the load log counts {counted}")
    for file, load_id, counted, held in con.execute(QUARANTINED_SQL).fetchall():
        report.add("load_log", f"warehouse table quarantine, file {file} (load {load_id})",
                   f"{held} line(s) quarantined, the load log counts {counted}")
    current = {file: (sha, read, error) for file, sha, read, error in con.execute(
        "select file, sha256, rows_read, file_error from load_log where superseded_by is null").fetchall()}
    # an agency's own file that `tipstats import` converted (raw/<month>/import/…): its bytes are the load log's
    for file, sha in con.execute("select file, sha256 from load_log where superseded_by is null "
                                 "and rows_mapped is not null order by file").fetchall():
        current.pop(file)
        path = settings.raw / file
        if not path.is_file():
            report.add("load_log", f"raw/{file}", "loaded, but no longer in raw/ (raw/ is never modified)")
        elif sha256_of(path) != sha:
            report.add("load_log", f"raw/{file}", "changed since it was loaded (raw/ is never modified)")
    months = {m for (m,) in con.execute("select distinct month from deliveries").fetchall()}
    raw_files = {label for label in scan.all if label.split("/")[0] in months}
    rows = 0
    for label in sorted(raw_files):
        if label not in current:
            report.add("load_log", f"raw/{label}", "a file of a loaded month not in the load log: run `tipstats refresh`")
            continue
        sha, read, error = current[label]
        if label in scan.sha and sha != scan.sha[label]:
            report.add("load_log", f"raw/{label}", "changed since it was loaded (raw/ is never modified): "
                       f"run `tipstats refresh --reload {label.split('/')[0]}` if the new file is right")
            continue
        rows += scan.rows.get(label, 0)
        if label in scan.rows and (error is None or read) and scan.rows[label] != read:
            report.add("load_log", f"raw/{label}", f"{scan.rows[label]} row(s) in the file, the load log read {read}")
    for label in sorted(set(current) - raw_files):
        if label.split("/")[0] in months:
            report.add("load_log", f"raw/{label}", "loaded, but no longer in raw/ (raw/ is never modified)")
    pending = sorted({p.name for p in settings.raw.iterdir() if p.is_dir() and MONTH_PATTERN.match(p.name)} - months) \
        if settings.raw.is_dir() else []
    report.checked.append(
        f"load_log: {len(current)} file(s) of the load log checked; {len(raw_files)} raw file(s) and {rows:,} "
        f"row(s) of {len(months)} loaded month(s) compared with it"
        + (f"; {len(pending)} month folder(s) in raw/ not loaded yet" if pending else ""))


UNITS_SQL = """
select figure, (select count(*) from mart_units u where u.figure = f.figure) as marts, core, current
from (values
    ('investigated_cases', (select count(*) from int_investigated_cases),
                           (select count(distinct case_id) from stg_investigations)),
    ('investigated_persons', (select count(*) from int_investigated_persons),
                             (select count(distinct (case_id, person_key)) from stg_investigations)),
    ('prosecuted_persons', (select count(*) from int_prosecution_units where prosecuted_on is not null),
                           (select count(distinct (prosecution_id, person_key)) from stg_prosecutions
                            where decision in ('indicted', 'plea_agreement'))),
    ('convicted_persons', (select count(*) from int_judgment_units where convicted_on is not null),
                          (select count(distinct (judgment_id, person_key)) from stg_judgments
                           where instance = 'first' and verdict = 'convicted')),
    ('acquitted_persons', (select count(*) from int_judgment_units where acquitted_on is not null),
                          (select count(*) from (select judgment_id, person_key from stg_judgments
                           where instance = 'first' group by all
                           having count(*) filter (where verdict = 'convicted') = 0
                              and count(*) filter (where verdict = 'acquitted') > 0))),
    ('final_convictions', (select count(*) from int_judgment_units where final_on is not null),
                          (select count(distinct (judgment_id, person_key)) from stg_judgments
                           where final and verdict in ('convicted', 'confirmed', 'modified'))),
    ('victims_identified', (select count(*) from int_victims), (select count(distinct victim_key) from stg_victims))
) as f(figure, core, current)
order by figure
"""

DIMENSIONS = ("region", "office", "court", "exploitation_form", "sex", "age_group", "citizenship_group",
              "public_official")

COUNTS_SQL = """
with long as (
    unpivot (
        select figure, "group", year::varchar as year, quarter, month, 'all' as total, {dimensions}
        from mart_units
    )
    on total, {dimensions}
    into name dimension value value
),
periods as (
    select figure, 'year' as period_type, year as period, "group", dimension, value from long
    union all select figure, 'quarter', quarter, "group", dimension, value from long
    union all select figure, 'month', month, "group", dimension, value from long
),
recount as (
    select figure, period_type, period, "group", dimension, value, count(*) as n from periods group by all
    union all
    select figure, period_type, period, 'all', dimension, value, count(*) from periods
    where "group" in ('trafficking', 'related') group by all
)
select coalesce(c.figure, r.figure), coalesce(c.period_type, r.period_type), coalesce(c.period, r.period),
       coalesce(c."group", r."group"), coalesce(c.dimension, r.dimension), coalesce(c.value, r.value),
       c.n, coalesce(r.n, 0)
from (select * from mart_counts where n is not null) c
full join recount r using (figure, period_type, period, "group", dimension, value)
where coalesce(c.n, 0) <> coalesce(r.n, 0)
  and not exists (select 1 from mart_counts x where x.n is null and x.figure = r.figure
                  and x.period_type = r.period_type and x.period = r.period and x."group" = r."group"
                  and x.dimension = r.dimension and x.value = r.value)
order by 1, 2, 3, 4, 5, 6
"""


def check_marts(con, report: Report) -> None:
    units = con.execute(UNITS_SQL).fetchall()
    for figure, marts, core, current in units:
        if not marts == core == current:
            report.add("marts", f"mart_units, figure {figure}",
                       f"{marts} unit(s), the core table has {core}, the current records give {current}")
    mismatches = con.execute(COUNTS_SQL.format(dimensions=", ".join(DIMENSIONS))).fetchall()
    for figure, period_type, period, group, dimension, value, published, recounted in mismatches[:20]:
        report.add("marts", f"mart_counts, {figure} {period_type} {period} group {group}, {dimension} = {value}",
                   f"n = {published}, re-derived from mart_units: {recounted}")
    if len(mismatches) > 20:
        report.add("marts", "mart_counts", f"{len(mismatches) - 20} more count(s) not re-derived from mart_units")
    cells = con.execute("select count(*) from mart_counts where n is not null").fetchone()[0]
    report.checked.append(f"marts: {len(units)} figures' units compared with the core tables and current records; "
                          f"{cells:,} published count(s) of mart_counts re-derived from mart_units")


def check_quality(con, settings: Settings, report: Report) -> None:
    from pipeline import quality

    expected = con.execute(
        "select month, source from deliveries where file is not null order by month, source").fetchall()
    missing = 0
    for month, source in expected:
        path = quality.quality_dir(settings, month) / f"quality-{SOURCES[source].agency}.csv"
        if not path.is_file():
            missing += 1
            report.add("quality", f"file {path}", "missing: run `tipstats refresh` to write it")
    pending = load.pending_quality(con)
    if pending:
        report.add("quality", "warehouse table meta, quality_pending",
                   f"quality files of {len(pending)} month(s) not confirmed written: run `tipstats refresh`")
    report.checked.append(f"quality: {len(expected) - missing} of {len(expected)} quality file(s) present")


def check_editions(settings: Settings, report: Report) -> None:
    """No report edition left incomplete: a run cut short leaves its staging folder (pipeline/publication/publish.py)."""
    from pipeline.publication import publish as publication

    from pipeline.publication.periods import edition_folder

    left = publication.incomplete(settings.reports)
    for period, restricted in left:
        # the folder the run staged its edition in (one folder down per language: publish.staging_folder)
        staged = edition_folder(settings.reports, period.label, restricted) / publication.PARTIAL
        report.add("reports", f"folder {staged}",
                   f"edition {period.label}{' (restricted)' if restricted else ''} left incomplete by an "
                   f"interrupted run: run `tipstats refresh` or `{publication.report_command(period, restricted)}`")
    public = [p for p in report_files(settings.reports) if is_public(p, settings.reports)]
    for path in public:
        why = restricted_material(path, settings.reports)
        if why:
            report.add("reports", f"file {path}", f"restricted material ({why}) outside "
                       f"{settings.reports / 'restricted'}: move it there")
    report.checked.append(f"reports: {len(left)} edition(s) left incomplete; {len(public)} file(s) outside "
                          f"{settings.reports / 'restricted'} searched for restricted material")


def run(con: duckdb.DuckDBPyConnection, settings: Settings, project: Path) -> Report:
    report = Report()
    scan = scan_raw(settings.raw)
    in_tables = check_identifiers(con, settings, scan, report)
    check_database_bytes(settings, scan, in_tables, report)
    check_key(settings, project, report)
    check_masking(con, scan, report)
    check_public(con, settings, report)
    check_load_log(con, settings, scan, report)
    check_marts(con, report)
    check_quality(con, settings, report)
    check_editions(settings, report)
    return report


def default_project() -> Path:
    try:
        top = subprocess.run(["git", "rev-parse", "--show-toplevel"], capture_output=True, text=True,
                             check=True, timeout=60).stdout.strip()
        return Path(top)
    except (OSError, subprocess.SubprocessError):
        return Path.cwd()


def audit(
    project: Annotated[Path | None, typer.Option(help="Repository to search for the key (default: the git repository of the current folder, else the current folder).")] = None,
) -> None:
    """Check that no identifier leaks and that the figures add up; exit 1 with every finding, else 0."""
    settings = Settings.from_env()
    project = (project or default_project()).absolute()
    with terminal.warehouse("statistics") as con:
        result = run(con, settings, project)
    out = terminal.out
    if result.findings:
        out.print(f"Audit of {settings.warehouse}: {len(result.findings)} finding(s)")
        for finding in result.findings:
            out.print(f"  {finding}")
        out.print("Checked:")
        for line in result.checked:
            out.print(f"  {line}")
        raise typer.Exit(EXIT_FINDINGS)
    out.print(f"Audit of {settings.warehouse}: no findings")
    for line in result.checked:
        out.print(f"  {line}")


def register(app: typer.Typer) -> None:
    app.command("audit")(audit)
