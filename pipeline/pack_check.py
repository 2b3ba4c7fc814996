"""`tipstats pack check` and `tipstats pack new`: is a country pack complete and consistent (docs/packs.md)?

The check reads the pack's files directly, not through contracts.codes, so that every problem is one line
`<file>:<line>: <what is wrong>: <what to do>` instead of the first error a build would stop on. Lines are
CSV line numbers (the header is line 1).
"""
from __future__ import annotations

import csv
import re
import shutil
import tomllib
from dataclasses import dataclass
from datetime import date
from pathlib import Path
from typing import Annotated, Optional

import typer

from contracts import pack
from contracts.codes import LABELS_DIR, fold
from pipeline import terminal
from pipeline.build import GROUP_RANK

# the columns each code list must have (docs/packs.md); other lists are `code,label`
COLUMNS = {
    "region": ("code", "label", "level", "region", "court"),
    "verdict": ("code", "label", "instance", "convicting"),
    "mitigation": ("code", "label", "legal_ground"),
    "law": ("code", "title", "citation", "pattern", "case"),
    "region_aliases": ("alias", "code"),
    "region_prefixes": ("prefix",),
    "pii_columns": ("column",),
    "citizenship_groups": ("group", "code", "valid_from", "valid_to"),
    "offence_aliases": ("alias", "offence_code"),
}
CODE_LISTS = ("instance", "sex", "citizenship", "exploitation_form", "identified_by", "investigation_status",
              "prosecution_decision", "sentence_category")
OPTIONAL = ("offence_aliases",)  # contracts.codes reads a missing one as no aliases
# the columns that identify a row, where that is not `code` alone; region_aliases' `code` is a target
KEYS = {"verdict": ("instance", "code"), "citizenship_groups": ("group", "code", "valid_from"),
        "region_aliases": ()}
STATUTE_COLUMNS = ("law", "article", "paragraph", "offence_key", "group", "title", "valid_from", "valid_to",
                   "min_months", "max_months", "fine", "verified_range", "verified_dates", "verified_article",
                   "source")
FLAGS = ("verified_range", "verified_dates", "verified_article")
MONTHS = re.compile(r"[0-9]+(\.[0-9]+)?")
ISO_DATE = re.compile(r"[0-9]{4}-[0-9]{2}-[0-9]{2}")
# iccs.csv: the ICCS code of every provision and exploitation form, for the international returns
ICCS_COLUMNS = ("kind", "code", "iccs", "iccs_version", "source", "verified")
ICCS_KINDS = ("statute", "exploitation_form")
ICCS_CODE = re.compile(r"[0-9]{4,5}")
UNKNOWN_FORM = "unknown"  # the form that has no ICCS code: not known
# population.csv (optional): the population the rates per 100,000 divide by
POPULATION_COLUMNS = ("year", "sex", "age_group", "population", "source", "verified")
SEXES = ("F", "M", "total")
AGE_GROUPS = ("child", "adult", "total")
YEAR = re.compile(r"[0-9]{4}")
POSITIVE = re.compile(r"[1-9][0-9]*")


@dataclass(frozen=True)
class Finding:
    file: str
    line: int
    text: str  # "<what is wrong>: <what to do>"

    def __str__(self) -> str:
        return f"{self.file}:{self.line}: {self.text}"


Row = tuple[int, dict[str, str]]  # (CSV line number, the row)


class Checker:
    def __init__(self, root: Path):
        self.root = root
        self.findings: list[Finding] = []

    def add(self, file: str, line: int, text: str) -> None:
        self.findings.append(Finding(file, line, text))

    def read(self, relative: str, columns: tuple[str, ...], optional: bool = False) -> list[Row] | None:
        """The rows of a CSV file with their line numbers; None (and a finding, unless optional) when it is
        missing, not UTF-8 or lacks a column, so that the checks that need it are skipped."""
        path = self.root / relative
        if not path.is_file():
            if not optional:
                self.add(relative, 1, f"the file is missing: write it with the header {','.join(columns)}")
            return None
        try:
            with open(path, newline="", encoding="utf-8") as f:
                reader = csv.DictReader(f)
                header = reader.fieldnames or []
                rows = []
                for row in reader:
                    # a short row's missing cells are None: read them as empty, as an empty cell
                    rows.append((reader.line_num, {k: (v or "") for k, v in row.items() if k is not None}))
        except UnicodeDecodeError:
            self.add(relative, 1, "not UTF-8 text: save it as UTF-8")
            return None
        missing = [c for c in columns if c not in header]
        if missing:
            self.add(relative, 1, f"the header lacks {', '.join(missing)}: the header is {','.join(columns)}")
            return None
        return rows

    def boolean(self, relative: str, line: int, column: str, value: str) -> None:
        # the build reads `true` in any case as true, anything else as false: only true/false are meant
        if value.lower() not in ("true", "false"):
            self.add(relative, line, f"{column} is {value!r}: write true or false")


# --------------------------------------------------------------------------------------------- pack.toml
def toml_line(text: str, section: str, key: str | None = None) -> int:
    """The line of `key =` in `[section]` of pack.toml (else of the section, else 1): where a finding points."""
    current, section_line = None, 1
    for number, line in enumerate(text.splitlines(), start=1):
        header = re.match(r"\s*\[([^\]]+)\]", line)
        if header:
            current = header.group(1).strip()
            if current == section:
                section_line = number
        elif current == section and key and re.match(rf"\s*{re.escape(key)}\s*=", line):
            return number
    return section_line


def load_pack(c: Checker, text: str) -> pack.Pack | None:
    try:
        return pack.load.__wrapped__(c.root)  # not the cached Pack: the files as they are now
    except pack.PackError as e:
        message = str(e).removeprefix(f"{c.root / 'pack.toml'}: ")
        at = re.search(r"at line (\d+)", message)
        where = re.match(r"\[(\w+)\] (\w+)", message)
        line = int(at.group(1)) if at else toml_line(text, *where.groups()) if where else 1
        c.add("pack.toml", line, message)
        return None


def check_labels(c: Checker, p: pack.Pack, text: str) -> None:
    reference = c.read("labels/en.csv", ("key", "text", "status"))
    line = toml_line(text, "pack", "languages")
    for lang in p.languages:
        if not (LABELS_DIR / f"{lang}.csv").is_file():
            c.add("pack.toml", line, f"language {lang!r} has no words of tipstats (contracts/labels/{lang}.csv): "
                                     f"translate contracts/labels/en.csv or remove {lang!r} from languages")
        if lang == "en":
            continue
        rows = c.read(f"labels/{lang}.csv", ("key", "text", "status"))
        if rows is None or reference is None:
            continue
        have = {r["key"] for _, r in rows}
        for number, r in reference:
            if r["key"] not in have:
                c.add(f"labels/{lang}.csv", 1, f"key {r['key']!r} of labels/en.csv (line {number}) is missing: "
                                              f"add a row {r['key']},<text>,<status>")


# ------------------------------------------------------------------------------------------------ code lists
def check_codes(c: Checker, p: pack.Pack | None,
                text: str) -> tuple[int, dict[str, re.Pattern | None] | None, dict[str, list[Row] | None]]:
    """Checks codes/*.csv; returns how many code lists the pack has, the laws' patterns (None: no usable
    law.csv) and the lists' rows (None: not usable)."""
    lists = {name: c.read(f"codes/{name}.csv", COLUMNS.get(name, ("code", "label")), name in OPTIONAL)
             for name in (*COLUMNS, *CODE_LISTS)}
    others = sorted(path.stem for path in (c.root / "codes").glob("*.csv") if path.stem not in lists)
    lists.update({name: c.read(f"codes/{name}.csv", ()) for name in others})

    for name, rows in lists.items():
        key = KEYS.get(name, ("code",))
        if rows is None or not key or (rows and not all(k in rows[0][1] for k in key)):
            continue
        seen: dict[tuple[str, ...], int] = {}
        for number, r in rows:
            value = tuple(r[k] for k in key)
            if value in seen:
                what = " ".join(f"{k} {v!r}" for k, v in zip(key, value))
                c.add(f"codes/{name}.csv", number, f"{what} is already on line {seen[value]}: give each one row")
            seen.setdefault(value, number)

    region, law = lists["region"], lists["law"]
    region_codes = {r["code"] for _, r in region} if region is not None else None
    patterns = check_laws(c, law) if law is not None else None
    if region is not None:
        check_region(c, region, region_codes, p, text)
    if lists["region_aliases"] is not None and region_codes is not None:
        check_region_aliases(c, lists["region_aliases"], region, region_codes)
    if lists["offence_aliases"] is not None and patterns is not None:
        check_offence_aliases(c, lists["offence_aliases"], patterns)
    if lists["verdict"] is not None:
        instances = {i.code for i in p.instances} if p else None
        for number, r in lists["verdict"]:
            if instances is not None and r["instance"] not in instances:
                c.add("codes/verdict.csv", number, f"instance {r['instance']!r} is not an instance of pack.toml: "
                                                   f"use one of {', '.join(sorted(instances))}")
            c.boolean("codes/verdict.csv", number, "convicting", r["convicting"])
    if lists["mitigation"] is not None:
        for number, r in lists["mitigation"]:
            c.boolean("codes/mitigation.csv", number, "legal_ground", r["legal_ground"])
    return len(list((c.root / "codes").glob("*.csv"))), patterns, lists


def check_laws(c: Checker, rows: list[Row]) -> dict[str, re.Pattern | None]:
    """law.csv's patterns compiled, by law code (None: the pattern does not compile)."""
    patterns: dict[str, re.Pattern | None] = {}
    for number, r in rows:
        try:
            patterns[r["code"]] = re.compile(r["pattern"])
        except re.error as e:
            patterns[r["code"]] = None
            c.add("codes/law.csv", number, f"pattern {r['pattern']!r} is not a regular expression ({e}): "
                                           "correct it")
        if r["case"] not in ("upper", "lower"):
            c.add("codes/law.csv", number, f"case is {r['case']!r}: write upper or lower")
    return patterns


def check_region(c: Checker, rows: list[Row], codes: set[str], p: pack.Pack | None, text: str) -> None:
    for number, r in rows:
        for column in ("region", "court"):
            if r[column] and r[column] not in codes:
                c.add("codes/region.csv", number, f"{column} {r[column]!r} is not a code of codes/region.csv: "
                                                  "use one of its codes or leave it empty")
    if p is None:
        return
    levels = {r["level"] for _, r in rows}
    for i in p.instances:
        if i.level not in levels:
            c.add("pack.toml", toml_line(text, "courts", "instances"),
                  f"instance {i.code!r} is decided at level {i.level!r}, which has no court in codes/region.csv: "
                  "add its courts to codes/region.csv or correct the level")
    for key in ("investigation_levels", "office_levels", "prosecution_court_levels"):
        for level in getattr(p, key):
            if level not in levels:
                c.add("pack.toml", toml_line(text, "courts", key),
                      f"{key} names level {level!r}, which codes/region.csv does not have: "
                      f"use one of {', '.join(sorted(levels))}")


def check_region_aliases(c: Checker, rows: list[Row], region: list[Row], codes: set[str]) -> None:
    # codes are spellings too (contracts.codes.region_alias_map) and win over an alias of the same spelling
    spelled = {fold(r["code"]): (r["code"], number) for number, r in region}
    file = "codes/region_aliases.csv"
    seen: dict[str, tuple[str, int]] = {}
    for number, r in rows:
        folded = fold(r["alias"])
        if r["code"] not in codes:
            c.add(file, number, f"alias {r['alias']!r} names {r['code']!r}, which is not a code of "
                                "codes/region.csv: use one of its codes")
        if folded in spelled and spelled[folded][0] != r["code"]:
            c.add(file, number, f"alias {r['alias']!r} reads as {folded!r}, the code {spelled[folded][0]} "
                                f"(codes/region.csv line {spelled[folded][1]}): remove the alias")
        elif folded in seen and seen[folded][0] != r["code"]:
            c.add(file, number, f"alias {r['alias']!r} reads as {folded!r}, which line {seen[folded][1]} gives "
                                f"to {seen[folded][0]}: give each spelling one code")
        seen.setdefault(folded, (r["code"], number))


def check_offence_aliases(c: Checker, rows: list[Row], patterns: dict[str, re.Pattern | None]) -> None:
    file = "codes/offence_aliases.csv"
    seen: dict[str, tuple[str, int]] = {}
    for number, r in rows:
        folded, target = fold(r["alias"]), r["offence_code"]
        if folded in seen and seen[folded][0] != target:
            c.add(file, number, f"alias {r['alias']!r} reads as {folded!r}, which line {seen[folded][1]} gives "
                                f"to {seen[folded][0]}: give each spelling one code")
        seen.setdefault(folded, (target, number))
        law, _, rest = target.partition(".")
        if law not in patterns:
            c.add(file, number, f"alias {r['alias']!r} names {target!r}, whose law {law!r} is not in "
                                "codes/law.csv: write LAW.article[.paragraph] with a law of codes/law.csv")
        elif patterns[law] is not None and not patterns[law].fullmatch(rest):
            c.add(file, number, f"alias {r['alias']!r} names {target!r}, which the pattern of {law} "
                                f"({patterns[law].pattern}) does not accept: correct the code")


# ---------------------------------------------------------------------------------------------- statutes
def provision_of(row: dict[str, str]) -> str:
    """LAW.article[.paragraph]: the statute_id the build gives the row (pipeline/build.py)."""
    return row["law"] + "." + row["article"] + (f".{row['paragraph']}" if row["paragraph"] else "")


def check_statutes(c: Checker, patterns: dict[str, re.Pattern | None] | None) -> list[Row] | None:
    """Checks statutes.csv; returns its rows (None: not usable)."""
    rows = c.read("statutes.csv", STATUTE_COLUMNS)
    if rows is None:
        return None
    file = "statutes.csv"
    spans = []  # (line, provision, offence_key, valid_from, valid_to or None): the versions to compare
    for number, r in rows:
        provision = provision_of(r)
        rest = provision.partition(".")[2]
        if patterns is not None and r["law"] not in patterns:
            c.add(file, number, f"law {r['law']!r} is not in codes/law.csv: add it there or correct the law")
        elif patterns is not None and patterns[r["law"]] is not None and not patterns[r["law"]].fullmatch(rest):
            c.add(file, number, f"provision {provision} does not match the pattern of {r['law']} "
                                f"({patterns[r['law']].pattern}): correct article or paragraph")
        start, end = day(c, number, "valid_from", r["valid_from"], False), day(c, number, "valid_to", r["valid_to"])
        if start and end and start > end:
            c.add(file, number, f"valid_from {start} is after valid_to {end}: correct the dates")
        elif start and end is not False:
            spans.append((number, provision, r["offence_key"], start, end))
        check_range(c, number, r["min_months"], r["max_months"])
        if r["group"] not in GROUP_RANK:
            c.add(file, number, f"group {r['group']!r} is not {', '.join(GROUP_RANK)}: choose one of them")
        if not r["source"].strip():
            c.add(file, number, "source is empty: cite where the range and the dates were read")
        for flag in FLAGS:
            c.boolean(file, number, flag, r[flag])
    check_overlaps(c, spans)
    return rows


def day(c: Checker, line: int, column: str, text: str, may_be_empty: bool = True) -> date | None | bool:
    """The date of a cell; None for an empty valid_to (still in force); False (and a finding) otherwise."""
    if not text and may_be_empty:
        return None
    try:
        if ISO_DATE.fullmatch(text):
            return date.fromisoformat(text)
    except ValueError:
        pass  # the finding below says what to write
    c.add("statutes.csv", line, f"{column} {text!r} is not a date YYYY-MM-DD: write the date" +
          (" or leave it empty (still in force)" if may_be_empty else ""))
    return False


def check_range(c: Checker, line: int, low: str, high: str) -> None:
    # an empty minimum beside a known maximum is the ambiguity "no minimum" must not hide behind; both empty
    # is a range not known at all (reported as range unknown wherever it is used)
    if low == "" and high != "":
        c.add("statutes.csv", line, "min_months is empty: write `none` for no mandatory minimum or the months")
    elif low not in ("", "none") and not MONTHS.fullmatch(low):
        c.add("statutes.csv", line, f"min_months is {low!r}: write `none` for no mandatory minimum or the months")
    if high not in ("", "none") and not MONTHS.fullmatch(high):
        c.add("statutes.csv", line, f"max_months is {high!r}: write the months, `none` (no maximum) or leave it "
                                    "empty (not known)")
    if MONTHS.fullmatch(low) and MONTHS.fullmatch(high) and float(low) > float(high):
        c.add("statutes.csv", line, f"min_months {low} is above max_months {high}: correct the range")


def check_overlaps(c: Checker, spans: list[tuple]) -> None:
    """Versions of one provision, and provisions of one offence_key, must not be in force on the same day."""
    for i, (line, provision, key, start, end) in enumerate(spans):
        for earlier, other, other_key, other_start, other_end in spans[:i]:
            if not (start <= (other_end or date.max) and other_start <= (end or date.max)):
                continue
            period = f"{other_start} to {other_end or 'in force'}"
            if provision == other:
                c.add("statutes.csv", line, f"this version of {provision} overlaps the one on line {earlier} "
                                            f"({period}): end one the day before the other begins")
            elif key and key == other_key:
                c.add("statutes.csv", line, f"{provision} overlaps {other} on line {earlier} ({period}), both "
                                            f"offence_key {key}: end one the day before the other begins")


# --------------------------------------------------------------------------------- iccs.csv, population.csv
def check_iccs(c: Checker, statutes: list[Row] | None, forms: list[Row] | None) -> None:
    """Every provision and every known exploitation form has one ICCS code, and every row names one."""
    rows = c.read("iccs.csv", ICCS_COLUMNS)
    if rows is None:
        return
    file = "iccs.csv"
    provisions: dict[str, int] = {}  # provision → the statutes.csv line of its first version
    for number, r in statutes or []:
        provisions.setdefault(provision_of(r), number)
    form_lines = {r["code"]: number for number, r in forms or [] if r["code"] != UNKNOWN_FORM}
    seen: dict[tuple[str, str], int] = {}
    for number, r in rows:
        kind, code = r["kind"], r["code"]
        if kind not in ICCS_KINDS:
            c.add(file, number, f"kind {kind!r} is not {' or '.join(ICCS_KINDS)}: choose one of them")
        elif kind == "statute" and statutes is not None and code not in provisions:
            c.add(file, number, f"code {code!r} is not a provision of statutes.csv: write a provision "
                                "LAW.article[.paragraph] of statutes.csv or remove the row")
        elif kind == "exploitation_form" and forms is not None and code not in form_lines:
            c.add(file, number, f"code {code!r} is not a form of codes/exploitation_form.csv other than "
                                f"{UNKNOWN_FORM}: use one of its codes or remove the row")
        if not ICCS_CODE.fullmatch(r["iccs"]):
            c.add(file, number, f"iccs {r['iccs']!r} is not an ICCS code of 4 or 5 digits: write the code's "
                                "digits, e.g. 0204")
        if not r["iccs_version"].strip():
            c.add(file, number, "iccs_version is empty: write the version of ICCS the code is of, e.g. "
                                "ICCS 1.0 (2015)")
        if not r["source"].strip():
            c.add(file, number, "source is empty: cite where the ICCS code was read")
        c.boolean(file, number, "verified", r["verified"])
        if (kind, code) in seen:
            c.add(file, number, f"kind {kind!r} code {code!r} is already on line {seen[kind, code]}: "
                                "give each one row")
        seen.setdefault((kind, code), number)
    for provision, number in provisions.items():
        if ("statute", provision) not in seen:
            c.add(file, 1, f"provision {provision} of statutes.csv (line {number}) has no statute row: add a row "
                           f"statute,{provision},<ICCS code>,<iccs_version>,<source>,<verified>")
    for form, number in form_lines.items():
        if ("exploitation_form", form) not in seen:
            c.add(file, 1, f"exploitation form {form!r} of codes/exploitation_form.csv (line {number}) has no "
                           f"exploitation_form row: add a row exploitation_form,{form},<ICCS code>,<iccs_version>,"
                           "<source>,<verified>")


def check_population(c: Checker) -> None:
    """population.csv, when the pack has one: one positive count per year, sex and age group, whose parts
    add up to their totals."""
    rows = c.read("population.csv", POPULATION_COLUMNS, optional=True)
    if rows is None:
        return
    file = "population.csv"
    counts: dict[tuple[str, str, str], tuple[int, int]] = {}  # (year, sex, age_group) → (count, line)
    for number, r in rows:
        year, sex, age = r["year"], r["sex"], r["age_group"]
        good = True
        if not YEAR.fullmatch(year):
            c.add(file, number, f"year {year!r} is not a year: write the four digits of the year")
            good = False
        if sex not in SEXES:
            c.add(file, number, f"sex {sex!r} is not {', '.join(SEXES)}: choose one of them")
            good = False
        if age not in AGE_GROUPS:
            c.add(file, number, f"age_group {age!r} is not {', '.join(AGE_GROUPS)}: choose one of them "
                                "(child 0-17, adult 18 and over)")
            good = False
        if not POSITIVE.fullmatch(r["population"]):
            c.add(file, number, f"population {r['population']!r} is not a positive whole number: write the "
                                "number of persons")
            good = False
        if not r["source"].strip():
            c.add(file, number, "source is empty: cite where the figure was read")
        c.boolean(file, number, "verified", r["verified"])
        key = (year, sex, age)
        if key in counts:
            c.add(file, number, f"year {year!r} sex {sex!r} age_group {age!r} is already on line "
                                f"{counts[key][1]}: give each one row")
        elif good:
            counts[key] = (int(r["population"]), number)
    # the parts of a total, when all are given: F + M within an age group, child + adult within a sex
    for (year, sex, age), (total, number) in counts.items():
        if sex == "total":
            check_sum(c, number, f"year {year} age_group {age}", total,
                      {s: counts.get((year, s, age)) for s in ("F", "M")})
        if age == "total":
            check_sum(c, number, f"year {year} sex {sex}", total,
                      {a: counts.get((year, sex, a)) for a in ("child", "adult")})


def check_sum(c: Checker, line: int, where: str, total: int, parts: dict[str, tuple[int, int] | None]) -> None:
    if any(part is None for part in parts.values()):
        return
    added = sum(count for count, _ in parts.values())
    if added != total:
        terms = " + ".join(f"{name} {count} (line {number})" for name, (count, number) in parts.items())
        c.add("population.csv", line, f"{where}: {terms} = {added}, not the total {total}: correct the figures")


# ---------------------------------------------------------------------------------------------- the check
def check(root: Path) -> tuple[list[Finding], str]:
    """The findings, and the line printed when there are none."""
    c = Checker(root)
    text = (root / "pack.toml").read_text(encoding="utf-8", errors="replace")
    p = load_pack(c, text)
    if p is not None:
        check_labels(c, p, text)
    lists, patterns, code_rows = check_codes(c, p, text)
    statute_rows = check_statutes(c, patterns)
    statutes = len(statute_rows) if statute_rows is not None else 0
    check_iccs(c, statute_rows, code_rows.get("exploitation_form"))
    check_population(c)
    name = p.name if p else root.name
    languages = len(p.languages) if p else 0
    counts = ", ".join(plural(n, word) for n, word in
                       ((statutes, "statute"), (lists, "code list"), (languages, "language")))
    return c.findings, f"pack {name}: no findings ({counts})"


def plural(n: int, word: str) -> str:
    return f"{n} {word}" if n == 1 else f"{n} {word}s"


# ------------------------------------------------------------------------------------------------ skeleton
PACK_TOML = '''\
# The pack {name}: replace every value below with the country's own. docs/packs.md explains each key;
# `tipstats pack check {name}` says what is still missing or inconsistent.
[pack]
name = "{name}"                   # the folder's name
country = "The country"           # named in titles, notes and the TIP paragraph
country_code = "ZZ"               # ISO 3166-1 alpha-2 or the code the collections use
languages = ["en"]                # labels/<lang>.csv exists for each, and contracts/labels/<lang>.csv
version = "0.1"                   # the pack's own version, stated in reports and returns

[citizenship]
national = ["ZZ"]                 # citizenship codes counted as "national"; every other code is "foreign"

[money]
currency = "XXX"                  # ISO 4217 code of the currency fines are in
fine_column = "fine"              # the header of the fine column in this country's deliveries

[people]
age_of_criminal_responsibility = 14   # birth_year <= year of the reference date - this
age_of_criminal_responsibility_source = "cite the law that sets it"

[dates]
earliest = "2000-01-01"           # investigations opened earlier are rejected (date_range)

[booleans]                        # words read as true / false, besides true/false, yes/no, 1/0
true = []
false = []

[files]
encodings = []                    # tried after UTF-8; choices: cp1250, cp1252, iso-8859-2

[courts]
# the instances in rank order, each with the level of codes/region.csv whose courts decide there
instances = [
    {{ code = "first", level = "basic" }},
    {{ code = "appeal", level = "appeal" }},
    {{ code = "supreme", level = "supreme" }},
]
investigation_levels = ["basic"]          # levels whose codes are an investigation's region
office_levels = ["basic", "office"]       # levels whose codes are prosecution offices
prosecution_court_levels = ["basic"]      # levels a prosecution's `court` may name

[law]
in_force = "offence_time"         # or "most_lenient": the version most favourable to the accused
plea_agreement_is_ground = false  # true: a plea agreement is a legal ground for a sentence below the minimum
'''

# one example row per list; region and instance have a row per level of the courts above, so that the
# skeleton passes `pack check` as written
CODES = {
    "region": "code,label,level,region,court\nC1,First court (example),basic,,\nA1,Court of appeal (example),"
              "appeal,,\nS1,Supreme court (example),supreme,,\nP1,Prosecution office (example),office,,C1\n",
    "instance": "code,label\nfirst,First instance\nappeal,Appeal\nsupreme,Supreme\n",
    "verdict": "code,label,instance,convicting\nconvicted,Convicted,first,true\n",
    "mitigation": "code,label,legal_ground\nmitigating_circumstances,Mitigating circumstances,true\n",
    "law": "code,title,citation,pattern,case\nPENAL,Criminal code (its title),Its official citation,"
           "[0-9]+[A-Z]?(\\.[0-9]+)?,upper\n",
    "offence_aliases": "alias,offence_code\ntrafficking,PENAL.100.1\n",
    "region_aliases": "alias,code\nFirst court,C1\n",
    "region_prefixes": "prefix\nBasic Court of\n",
    "pii_columns": "column\nname\n",
    "citizenship_groups": "group,code,valid_from,valid_to\nexample_group,ZZ,2000-01-01,\n",
    "sex": "code,label\nF,Female\n",
    "citizenship": "code,label\nZZ,The country\n",
    "exploitation_form": "code,label\nsexual,Sexual exploitation\n",
    "identified_by": "code,label\npolice,Police\n",
    "investigation_status": "code,label\nopen,Open\n",
    "prosecution_decision": "code,label\nindicted,Indicted\n",
    "sentence_category": "code,label,number\nno_prison,No imprisonment (fine or none),1\n",
}
STATUTES = (",".join(STATUTE_COLUMNS) + "\nPENAL,100,1,,trafficking,Trafficking in persons,2000-01-01,,60,144,,"
            "false,false,false,cite where the range and the dates were read\n")
# the ICCS code of the example provision and form; population.csv is optional: its header only
ICCS = (",".join(ICCS_COLUMNS) + "\nstatute,PENAL.100.1,0204,ICCS 1.0 (2015),cite where the ICCS code was read,"
        "false\nexploitation_form,sexual,02041,ICCS 1.0 (2015),cite where the ICCS code was read,false\n")
POPULATION = ",".join(POPULATION_COLUMNS) + "\n"
# the international returns (`tipstats export`, docs/returns.md): each code as the collection spells it
RETURNS = '''\
[returns]
source = "who the figures come from"

[units]
formal_contact = "investigated_persons"
prosecuted = "prosecuted_persons"
convicted = "convicted_persons"
victims = "victims_identified"

[glotip]
layout = "which description of UNODC's layout was followed"
iso3_code = "ZZZ"
iso3_code_verified = false
country = "The country"
region = "region as UNODC names it"
subregion = "subregion as UNODC names it"
regions_verified = false

[eurostat]
layout = "which description of Eurostat's crim_thb was followed"
geo = "ZZ"
geo_verified = false
codes_verified = false

[sdg]
agency = "IAEG-SDGs"
dataflow = "DF_SDG_GLH"
version = "1.12"
version_verified = false
ref_area = "999"
ref_area_verified = false
age_child = "Y0T17"
age_adult = "Y_GE18"
age_verified = false
'''
README = '''\
# Pack `{name}`

What the pack covers (which courts, offices and offences), where each fact was read, and what is unverified.
Every file of this skeleton holds example rows: replace them with the country's own (docs/packs.md).
checks.csv is a copy of the default pack's: rewrite the texts that name that country's laws or codes.
'''


def write_skeleton(name: str, folder: Path) -> None:
    (folder / "codes").mkdir(parents=True)
    (folder / "labels").mkdir()
    (folder / "pack.toml").write_text(PACK_TOML.format(name=name), encoding="utf-8")
    for list_name, content in CODES.items():
        (folder / "codes" / f"{list_name}.csv").write_text(content, encoding="utf-8")
    (folder / "statutes.csv").write_text(STATUTES, encoding="utf-8")
    (folder / "iccs.csv").write_text(ICCS, encoding="utf-8")
    (folder / "population.csv").write_text(POPULATION, encoding="utf-8")
    (folder / "returns.toml").write_text(RETURNS, encoding="utf-8")
    shutil.copyfile(pack.PACKS_DIR / pack.DEFAULT / "checks.csv", folder / "checks.csv")
    (folder / "labels" / "en.csv").write_text("key,text,status\ncountry,The country,draft\n", encoding="utf-8")
    (folder / "README.md").write_text(README.format(name=name), encoding="utf-8")


# ------------------------------------------------------------------------------------------------ commands
def check_command(
    choice: Annotated[Optional[str], typer.Argument(metavar="[NAME|PATH]", help="The pack (default: the pack in use).")] = None,
) -> None:
    """Check a pack: labels, code lists, aliases, courts, statutes, ICCS codes and population. Exit 0 no
    findings, 1 findings."""
    try:
        root = pack.locate(choice or pack.chosen())
    except pack.PackError as e:
        terminal.fail(str(e))
    findings, clean = check(root)
    for finding in findings:
        terminal.out.print(terminal.printable(str(finding)))
    if findings:
        raise typer.Exit(1)
    terminal.out.print(terminal.printable(clean))


def new_command(
    name: Annotated[str, typer.Argument(help="The pack's name: the folder written.")],
    into: Annotated[Optional[Path], typer.Option("--into", metavar="DIR", help="Where to write the folder (default: contracts/packs).")] = None,
) -> None:
    """Write a commented skeleton pack to start from."""
    if not re.fullmatch(r"[A-Za-z0-9][A-Za-z0-9_.-]*", name):
        terminal.fail(f"{name!r} is not a pack name: use letters, digits, '-', '_' and '.'")
    folder = (into if into is not None else pack.PACKS_DIR) / name
    if folder.exists():
        terminal.fail(f"{folder} exists: choose another name or folder")
    write_skeleton(name, folder)
    terminal.out.print(terminal.printable(
        f"Wrote the skeleton pack {name} to {folder}: replace its example rows, then run "
        f"`tipstats pack check {name if into is None else folder}`"))


def register(app: typer.Typer) -> None:
    group = typer.Typer(help="Check a country pack or start a new one (docs/packs.md).", no_args_is_help=True)
    group.command("check")(check_command)
    group.command("new")(new_command)
    app.add_typer(group, name="pack")
