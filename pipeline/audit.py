"""`tipstats audit`: check that the warehouse and the reports leak no one's identity and add up.

Checks (each finding names the check, where — file or table, column — and what, never the identifier):

- `identifier`: no person, victim or judge identifier sent in raw/ (person_id, victim_id, judge_id and
  the personal-number, phone and e-mail columns that are dropped on read), as sent or normalised, appears
  in clear text in any warehouse table, quality file, report or log;
- `key`: the pseudonymisation key is in no file of the repository (tracked by git, or not ignored; without
  git every file of the project folder), and no such file is a key file;
- `masking`: quarantine and warnings show identifier columns masked (`***`), in values and record keys;
- `public`: outputs under reports/ outside any `restricted/` folder hold no pseudonym (person_key,
  victim_key, judge_key) and no case number (case_id, prosecution_id, judgment_id) of the warehouse;
- `load_log`: every file's rows read = new + replacing + unchanged + stored not current + quarantined;
  the versions stored and the rows quarantined are those the load log counts; every file of every loaded
  month in raw/ is in the load log with its hash and row count;
- `marts`: the units of every figure (mart_units) are those of the core tables (int_*) and of the current
  records (stg_*), and every count of mart_counts is re-derived from mart_units;
- `quality`: every agency that delivered in a loaded month has its quality file.

Identifiers are matched case-insensitively as whole tokens (not inside a longer run of letters and digits,
so a number inside a pseudonym's hex digits is no finding); identifiers shorter than 4 characters (6 for
digits only) or that are words of the code lists or placeholders ("unknown", "n/a") are not searched.
"""
from __future__ import annotations

import html
import os
import re
import subprocess
import zipfile
from collections import Counter
from dataclasses import dataclass, field
from pathlib import Path
from typing import Annotated, Iterable, Iterator, Optional

import duckdb
import typer

from contracts import SOURCES, codes
from contracts.base import normalise_header
from pipeline import load, pseudonym, terminal
from pipeline.read import FileRefused, open_file, sha256_of
from pipeline.settings import Settings
from pipeline.validate import MASK, MONTH_PATTERN, source_of

EXIT_FINDINGS = 1
PERSON_COLUMNS = ("person_id", "victim_id", "judge_id")
# dropped on read, but identifiers of a person all the same: searched for too (names, addresses and birth
# dates are not: as words and dates they would be found everywhere)
IDENTIFYING_COLUMNS = ("personal_number", "personal_no", "nr_personal", "numri_personal", "jmbg", "phone",
                       "telefoni", "telefon", "email")
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
    for path in codes.CODES_DIR.glob("*.csv"):
        for row in codes.read_rows(path):
            words.update(v.strip().lower() for v in row.values() if v)
    for spec in SOURCES.values():
        words.update(c.name for c in spec.columns)
    return words


def searchable(value: str, words: set[str]) -> bool:
    low = value.lower()
    if low in words or low == MASK:
        return False
    return len(value) >= (MIN_DIGITS if value.isdigit() else MIN_LENGTH)


# ------------------------------------------------------------------------------------------------- raw
@dataclass
class RawScan:
    identifiers: dict[str, str]  # needle (lower case) → where it was sent ("person_id of raw/… line n")
    rows: dict[str, int]  # "YYYY-MM/name" → data rows, for files that could be read
    sha: dict[str, str]  # "YYYY-MM/name" → SHA-256 (files that are not empty)
    all: set[str] = field(default_factory=set)  # "YYYY-MM/name" of every source file
    files: int = 0
    unreadable: int = 0
    skipped_short: int = 0


def scan_raw(raw: Path) -> RawScan:
    words = vocabulary()
    scan = RawScan({}, {}, {})
    wanted = set(PERSON_COLUMNS) | set(IDENTIFYING_COLUMNS)
    folders = sorted(p for p in raw.iterdir() if p.is_dir() and MONTH_PATTERN.match(p.name)) if raw.is_dir() else []
    short: set[str] = set()
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
                            for line, value in zip(chunk.lines, chunk.cells[i]):
                                for form in {value.strip(), "".join(value.split()).upper()}:
                                    if not form:
                                        continue
                                    if not searchable(form, words):
                                        short.add(form)
                                        continue
                                    scan.identifiers.setdefault(form.lower(), f"a {name} of raw/{label} line {line}")
                    scan.rows[label] = rows
            except FileRefused:
                scan.unreadable += 1
                if path.stat().st_size:
                    scan.sha[label] = sha256_of(path)
            scan.all.add(label)
    scan.skipped_short = len(short)
    return scan


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
    parts), or None for a binary file that cannot be inspected."""
    if path.stat().st_size > MAX_SCANNED_BYTES:
        return None
    data = path.read_bytes()
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
        text = data.decode("cp1250", errors="replace")
    if path.suffix.lower() in (".html", ".htm", ".xml", ".svg"):
        text += "\n" + html.unescape(text)
    return text


def report_files(reports: Path) -> list[Path]:
    return sorted(p for p in reports.rglob("*") if p.is_file()) if reports.is_dir() else []


def is_public(path: Path, reports: Path) -> bool:
    return "restricted" not in path.relative_to(reports).parts[:-1]


def log_files(settings: Settings) -> list[Path]:
    folder = settings.warehouse.parent
    return sorted(p for p in folder.glob("*.log") if p.is_file()) if folder.is_dir() else []


# ------------------------------------------------------------------------------------------------ checks
def check_identifiers(con, settings: Settings, scan: RawScan, report: Report) -> None:
    matcher = Matcher(scan.identifiers)
    columns = 0
    for table, column, values in table_texts(con):
        columns += 1
        hits: dict[str, None] = {}
        rows = 0
        for value in values:
            found = matcher.find(value)
            if found:
                rows += 1
                hits.update(dict.fromkeys(found))
        if hits:
            report.add("identifier", f"warehouse table {table}, column {column}",
                       f"{rows} distinct value(s) hold an identifier in clear text: {len(hits)} identifier(s), "
                       f"e.g. {matcher.labels[next(iter(hits))]}")
    files = report_files(settings.reports) + log_files(settings)
    inspected = 0
    for path in files:
        text = file_text(path)
        if text is None:
            continue
        inspected += 1
        found = matcher.find(text)
        if found:
            report.add("identifier", f"file {path}", f"holds {len(found)} identifier(s) in clear text, "
                       f"e.g. {matcher.labels[found[0]]}")
    report.checked.append(
        f"identifier: {len(matcher):,} identifier(s) sent in {scan.files} raw file(s), searched for in {columns} "
        f"text column(s) of the warehouse and {inspected} of {len(files)} file(s) under {settings.reports} and "
        f"beside the warehouse" + (f" ({scan.unreadable} raw file(s) unreadable)" if scan.unreadable else "")
        + (f"; {scan.skipped_short} too short or a common word, not searched" if scan.skipped_short else ""))


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


def check_masking(con, report: Report) -> None:
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
    report.checked.append(f"masking: {total} quarantine/warning row(s) of identifier columns and every record key "
                          "checked for masking")


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
    report.checked.append(
        f"public: {pseudonyms:,} pseudonym(s) and {len(needles) - pseudonyms:,} case number(s) searched for in "
        f"{inspected} public file(s) under {settings.reports}" + (f" ({len(binary)} image or other binary file(s) not inspectable)" if binary else ""))


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
    select load_id, month, file, count(distinct line) as n from quarantine group by all
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
    for file, load_id, read, accounted in con.execute(
            """select file, load_id, rows_read, rows_new + rows_replacing + rows_unchanged + rows_stored_not_current
                      + rows_quarantined from load_log where rows_read <> rows_new + rows_replacing + rows_unchanged
                      + rows_stored_not_current + rows_quarantined order by load_id, file""").fetchall():
        report.add("load_log", f"load_log, file {file} (load {load_id})",
                   f"rows read {read} <> new + replacing + unchanged + stored not current + quarantined = {accounted}")
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


def run(con: duckdb.DuckDBPyConnection, settings: Settings, project: Path) -> Report:
    report = Report()
    scan = scan_raw(settings.raw)
    check_identifiers(con, settings, scan, report)
    check_key(settings, project, report)
    check_masking(con, report)
    check_public(con, settings, report)
    check_load_log(con, settings, scan, report)
    check_marts(con, report)
    check_quality(con, settings, report)
    return report


def default_project() -> Path:
    try:
        top = subprocess.run(["git", "rev-parse", "--show-toplevel"], capture_output=True, text=True,
                             check=True, timeout=60).stdout.strip()
        return Path(top)
    except (OSError, subprocess.SubprocessError):
        return Path.cwd()


def audit(
    project: Annotated[Optional[Path], typer.Option(help="Repository to search for the key (default: the git repository of the current folder, else the current folder).")] = None,
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
