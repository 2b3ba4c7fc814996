"""Deterministic sample deliveries: the monthly delta files of DATA-SPEC v1.3, with known defects.

`generate()` simulates trafficking cases from the police investigation through prosecution, first-instance
judgment, appeal and Supreme Court, and writes what each agency would deliver month by month into
`out_dir/YYYY-MM/{investigations,prosecutions,judgments,victims}.csv` (one month as .xlsx). About 3 % of the
rows are made defective on purpose, each row breaking exactly one validation check of the pack's checks.csv
on one column; the returned manifest lists them. The special features a loader must handle (corrections,
a withdrawal, a retrial, a nil return, an undelivered file, a month in a legacy single-byte encoding, an
.xlsx file, a PII column, odd headers, reordered and missing columns, a BOM) are placed at fixed months,
see FEATURES.

Everything that belongs to one country (its courts, offence codes and their ranges, region spellings, the
words clerks type, the citizenship mix) is read from the active pack's sample.toml and code lists
(docs/packs.md); this module holds the generic simulation.

Determinism: all randomness comes from two `random.Random` streams seeded from `seed` (one for the cases,
one for how they are written), nothing reads the clock or iterates a set, and the .xlsx zip is rewritten
with fixed timestamps and stored (uncompressed) members so that its bytes do not depend on the zlib build.
Two runs with the same arguments give byte-identical files. `out_dir` should be empty: nothing is deleted.

Scale: `scale` multiplies the number of cases. Cases are simulated one at a time and their rows written
straight to the open month files, so memory stays flat and time linear in the number of rows.

    python -m pipeline.sample raw --manifest /tmp/defects.csv
"""

from __future__ import annotations

import argparse
import csv
import datetime as dt
import io
import re
import random
import tomllib
import zipfile
from dataclasses import dataclass, field
from functools import cache
from pathlib import Path

from openpyxl import Workbook

from contracts import base, codes, pack

DAY = dt.timedelta(days=1)

SOURCES = ("investigations", "prosecutions", "judgments", "victims")

# The contract's column names; a file's header names `fine` as the pack does (headers(), e.g. fine_eur).
COLUMNS = {
    "investigations": ["case_id", "person_id", "offence_code", "opened_on", "region", "exploitation_form",
                       "sex", "birth_year", "citizenship", "public_official", "status", "status_on",
                       "victim_count"],
    "prosecutions": ["prosecution_id", "case_id", "person_id", "office", "court", "offence_code", "decision",
                     "decided_on", "sex", "birth_year", "citizenship", "public_official"],
    "judgments": ["judgment_id", "prosecution_id", "person_id", "court", "instance", "judge_id", "offence_code",
                  "offence_date", "judgment_date", "verdict", "final", "plea_agreement", "prison_months",
                  "suspended", "fine", "mitigation", "sex", "birth_year", "citizenship", "public_official"],
    "victims": ["victim_id", "case_id", "identified_on", "identified_by", "sex", "age", "citizenship",
                "exploitation_form", "referred_to_services", "sheltered", "repatriated"],
}
KEYS = {
    "investigations": ("case_id", "person_id", "offence_code"),
    "prosecutions": ("prosecution_id", "person_id", "offence_code", "decision"),
    "judgments": ("judgment_id", "person_id", "offence_code", "instance"),
    "victims": ("victim_id", "case_id"),
}
REGION_COLUMNS = ("region", "office", "court")
CODE_COLUMNS = ("sex", "exploitation_form", "citizenship", "status", "decision", "instance", "verdict",
                "mitigation", "identified_by")

# Where each special feature sits. A feature whose month falls outside the generated window is skipped, and so
# is the legacy-encoding month for a pack that accepts no single-byte encoding.
FEATURES = {
    "bom": ("victims", "2024-03"),                  # UTF-8 with byte-order mark
    "header_variants": ("investigations", "2024-04"),  # "Case ID", "Opened-On", ...
    "reordered": ("prosecutions", "2025-07"),       # columns shuffled
    "withdrawal": ("investigations", "2024-07"),    # withdrawn=true row + the right row (wrong row a month before)
    "nil_return": ("prosecutions", "2024-08"),      # header only: no decisions in the August recess
    "victim_correction": ("victims", "2024-09"),    # first victim identified from here: age corrected a month later
    "missing_optional": ("judgments", "2025-09"),   # no judge_id column
    "undelivered": ("victims", "2025-01"),          # no file; its rows arrive with February's delta
    "legacy_encoding": (None, "2025-03"),           # all four files single-byte (e.g. Windows-1250), ';',
                                                    # DD.MM.YYYY, decimal comma, the legacy system's spellings
    "pii": ("victims", "2024-10"),                  # extra name column (sample.toml [pii]) the loader must drop
    "xlsx": ("judgments", "2025-06"),               # typed spreadsheet cells
}

CASES_PER_YEAR = 30            # new trafficking-related investigations a year at scale 1
VICTIMS_OUTSIDE_PER_YEAR = 3   # victims identified without a criminal case
BACKLOG_MONTHS = 24            # cases opened before the first delivery still move through the window
# Rows of one source between two defects: about 3 % overall. Judgments are few but have the most checks
# of their own (court, verdict, sentence), so they are hit more often.
DEFECT_GAPS = {"investigations": (30, 48), "prosecutions": (30, 48), "judgments": (9, 16), "victims": (30, 48)}

# true/false words per source; a pack's sample.toml [booleans] may name others (its own language's)
BOOL_WORDS = {"investigations": ("true", "false"), "prosecutions": ("yes", "no"),
              "judgments": ("1", "0"), "victims": ("yes", "no")}
FORMS = {"sexual": 60, "labour": 18, "marriage": 5, "criminality": 4, "other": 3, "": 10}


class SampleError(pack.PackError):
    """A pack whose sample.toml the generator cannot use; the message names the file and the key (the
    command prints it as one line, like every unusable pack)."""


# the keys of sample.toml the simulation draws on, by section ([legacy] and [booleans] are optional)
REQUIRED = {
    "regions": ("weights",),
    "citizenship": ("suspects", "victims"),
    "offences": ("trafficking", "begging", "smuggling", "old", "second_charge", "unlisted", "withdrawal",
                 "wrong_law"),
    "sentences": ("ranges", "trafficking", "begging", "fine_only", "short", "fine_step"),
    "mitigation": ("plea", "juvenile", "below_minimum", "suspended"),
    "verdicts": ("first", "convicted", "acquitted", "appeal_chance", "after_conviction", "after_acquittal",
                 "last_word", "confirmed", "modified", "quashed", "elsewhere"),
    "pii": ("header", "first_names", "last_names"),
    "words": ("presiding", "joined", "three", "months", "years", "maybe", "remarks"),
}


@dataclass(frozen=True)
class Plan:
    """What the sample draws from: the pack's sample.toml, with the pack's instances, courts and verdicts."""
    regions: dict                 # first-instance court (and its region and office) -> weight
    special_office: str           # a prosecution office without a court of its own; "" = none
    aliases: dict
    prefixes: dict
    legacy_encoding: str | None   # None: the legacy-encoding month is skipped
    legacy_booleans: tuple
    legacy_court_prefix: str
    legacy_names: dict
    booleans: dict
    suspect_citizenship: dict
    victim_citizenship: dict
    national: tuple
    offences: dict
    ranges: dict                  # offence code -> (min, max) months, None = unknown
    sentences: dict
    mitigation: dict
    verdicts: dict
    convicting: frozenset         # verdict codes that convict at some instance
    instances: tuple              # instance codes, in rank order
    upper_courts: tuple           # per instance after the first: its courts
    court_region: dict            # court -> its region.csv `region`
    fine_header: str
    pii_header: str
    first_names: tuple
    last_names: tuple
    words: dict

    @property
    def basic(self) -> tuple:
        return tuple(self.regions)

    @property
    def pii_field(self) -> str:
        return base.normalise_header(self.pii_header)

    def court_at(self, rank: int, court: str) -> str:
        """The court deciding at instance `rank` (2 = appeal) over first-instance `court`: the level's only
        court, else the one region.csv names as the court's region, else the level's first."""
        courts = self.upper_courts[rank - 2]
        region = self.court_region.get(court)
        return courts[0] if len(courts) == 1 or region not in courts else region


def plan() -> Plan:
    return _plan(pack.active().root)


@cache
def _plan(root: Path) -> Plan:
    p = pack.load(root)
    path = root / "sample.toml"
    try:
        with open(path, "rb") as f:
            doc = tomllib.load(f)
    except FileNotFoundError:
        raise SampleError(f"pack {p.name} has no sample.toml: `tipstats sample` draws from it "
                          "(docs/packs.md)") from None
    except (tomllib.TOMLDecodeError, UnicodeDecodeError) as e:
        raise SampleError(f"{path}: not valid UTF-8 TOML: {e}") from None

    for section, keys in REQUIRED.items():
        missing = [k for k in keys if k not in doc.get(section, {})]
        if missing:
            raise SampleError(f"{path}: [{section}] {', '.join(missing)} missing")

    def get(section: str, key: str, default=None):
        return doc[section].get(key, default)

    legacy = doc.get("legacy", {})
    wanted = legacy.get("encoding")
    # the legacy month in the encoding sample.toml names when the pack reads it, else in the pack's first
    encoding = wanted if wanted in p.encodings else (p.encodings[0] if p.encodings else None)
    ranges = {code: tuple(None if v == "" else v for v in pair) for code, pair in get("sentences", "ranges").items()}
    pii = doc["pii"]
    return Plan(
        regions=get("regions", "weights"), special_office=get("regions", "special_office", ""),
        aliases=get("regions", "aliases", {}), prefixes=get("regions", "prefixes", {}),
        legacy_encoding=encoding, legacy_booleans=tuple(legacy.get("booleans", ("yes", "no"))),
        legacy_court_prefix=legacy.get("court_prefix", ""), legacy_names=legacy.get("names", {}),
        booleans={**BOOL_WORDS, **{k: tuple(v) for k, v in doc.get("booleans", {}).items()}},
        suspect_citizenship=get("citizenship", "suspects"), victim_citizenship=get("citizenship", "victims"),
        national=p.national_citizenship, offences=doc["offences"], ranges=ranges,
        sentences=doc["sentences"], mitigation=doc["mitigation"], verdicts=doc["verdicts"],
        convicting=frozenset(v for _, v in codes.convicting_verdicts()),
        instances=tuple(i.code for i in p.instances),
        upper_courts=tuple(codes.regions(i.level) for i in p.instances[1:]),
        court_region={r["code"]: r["region"] for r in codes.rows("region")},
        fine_header=base.delivered_header("fine"),
        pii_header=pii["header"], first_names=tuple(pii["first_names"]), last_names=tuple(pii["last_names"]),
        words=doc["words"],
    )


EXTRA_CELL = "_extra_cell"   # row key of a value written after the last column (the field_count defect)


class Raw(str):
    """A value written exactly as given (a defect): no formatting, no code noise."""


@dataclass
class Emission:
    """One version of one record, to be delivered in reporting month `ym`."""
    ym: int
    source: str
    row: dict
    protect: bool = False   # part of a special feature: never made defective


@dataclass
class Suspect:
    person_id: str
    sex: str
    birth_year: int | None
    citizenship: str
    public_official: bool | None
    offences: list[str]
    juvenile: bool


@dataclass
class Case:
    case_id: str
    kind: str
    region: str
    opened_on: dt.date
    offence_date: dt.date
    form: str | None
    suspects: list[Suspect] = field(default_factory=list)
    n_victims: int = 0


# --- months ---------------------------------------------------------------------------------------------

def _ym(text: str) -> int:
    year, month = text.split("-")
    return int(year) * 12 + int(month) - 1


def _ym_text(ym: int) -> str:
    return f"{ym // 12:04d}-{ym % 12 + 1:02d}"


def _ym_of(day: dt.date) -> int:
    return day.year * 12 + day.month - 1


def _first_day(ym: int) -> dt.date:
    return dt.date(ym // 12, ym % 12 + 1, 1)


def _last_day(ym: int) -> dt.date:
    return _first_day(ym + 1) - DAY


# --- public API -----------------------------------------------------------------------------------------

def headers(source: str) -> list[str]:
    """A source's header as the sample writes it: COLUMNS with the pack's name of `fine` (e.g. fine_eur)."""
    return [base.delivered_header(name) for name in COLUMNS[source]]


def generate(out_dir: Path, seed: int = 2023, start: str = "2023-11", months: int = 36,
             scale: float = 1.0) -> list[dict]:
    """Write the month folders under out_dir and return the manifest of defective rows."""
    return _Sample(Path(out_dir), seed, start, months, scale).run()


def write_manifest(rows: list[dict], path: Path) -> None:
    """Write the defect manifest as CSV: month, file, line, column, check."""
    with open(path, "w", newline="", encoding="utf-8") as f:
        writer = csv.DictWriter(f, fieldnames=["month", "file", "line", "column", "check"], lineterminator="\n")
        writer.writeheader()
        writer.writerows(rows)


# --- one delivery file ----------------------------------------------------------------------------------

@dataclass
class Style:
    encoding: str = "utf-8"
    bom: bool = False
    delimiter: str = ","
    lineterminator: str = "\n"
    dmy: bool = False             # dates as DD.MM.YYYY instead of YYYY-MM-DD
    decimal_comma: bool = False
    legacy_names: bool = False    # region names as the legacy system writes them (sample.toml [legacy])
    xlsx: bool = False
    bools: tuple = ("true", "false")


class DeliveryFile:
    """One (source, month) file, written row by row; knows its physical line numbers."""

    def __init__(self, sample: "_Sample", source: str, ym: int, style: Style, fields: list[str],
                 headers: list[str]):
        self.sample, self.source, self.ym, self.style = sample, source, ym, style
        self.fields, self.month_end = fields, _last_day(ym)
        self.name = source + (".xlsx" if style.xlsx else ".csv")
        self.path = sample.out_dir / _ym_text(ym) / self.name
        self.path.parent.mkdir(parents=True, exist_ok=True)
        self.line = 1
        if style.xlsx:
            self.workbook = Workbook(write_only=True)
            self.workbook.properties.creator = "tipstats sample generator"
            self.workbook.properties.created = dt.datetime(2020, 1, 1)
            self.sheet = self.workbook.create_sheet(source)
            self.sheet.append(headers)
        else:
            self.handle = open(self.path, "w", newline="", encoding=style.encoding)
            if style.bom:
                self.handle.write("\ufeff")
            self.writer = csv.writer(self.handle, delimiter=style.delimiter, lineterminator=style.lineterminator)
            self.writer.writerow(headers)

    def write(self, row: dict, protect: bool) -> None:
        rows, check, column = self.sample.maybe_defect(self, row, protect)
        for out in rows:
            self.line += 1
            values = [self.format(name, out.get(name)) for name in self.fields]
            if EXTRA_CELL in out:           # the field_count defect: one cell more than the header has
                values.append(str(out[EXTRA_CELL]))
            if self.style.xlsx:
                self.sheet.append(values)
            else:
                self.writer.writerow(values)
            if check:
                self.sample.manifest.append({"month": _ym_text(self.ym), "file": self.name, "line": self.line,
                                             "column": column, "check": check})

    def format(self, name: str, value):
        plan = self.sample.plan
        if name == plan.pii_field:              # the PII column: a fake name
            rng = self.sample.noise
            return f"{rng.choice(plan.first_names)} {rng.choice(plan.last_names)}"
        if value is None:
            return None if self.style.xlsx else ""
        if isinstance(value, Raw):
            return str(value)
        if name in REGION_COLUMNS:
            return self.sample.region_text(value, name, self.style.legacy_names)
        if name in CODE_COLUMNS:
            return self.sample.code_text(value)
        if self.style.xlsx:                     # typed cells: dates, numbers, booleans as they are
            return value
        if isinstance(value, bool):
            return self.style.bools[0] if value else self.style.bools[1]
        if isinstance(value, dt.date):
            return f"{value:%d.%m.%Y}" if self.style.dmy else value.isoformat()
        if isinstance(value, float):
            text = str(int(value)) if value.is_integer() else repr(value)
            return text.replace(".", ",") if self.style.decimal_comma else text
        return str(value)

    def close(self) -> None:
        if not self.style.xlsx:
            self.handle.close()
            return
        buffer = io.BytesIO()
        self.workbook.save(buffer)
        self.path.write_bytes(_deterministic_zip(buffer.getvalue()))


def _deterministic_zip(data: bytes) -> bytes:
    """Rewrite an .xlsx zip with fixed timestamps, fixed core properties and stored members."""
    fixed = b"2020-01-01T00:00:00Z"
    out = io.BytesIO()
    with zipfile.ZipFile(io.BytesIO(data)) as src, zipfile.ZipFile(out, "w", zipfile.ZIP_STORED) as dst:
        for info in src.infolist():
            content = src.read(info.filename)
            if info.filename == "docProps/core.xml":   # openpyxl stamps "modified" with the clock on save
                content = re.sub(rb"(<dcterms:(?:created|modified)[^>]*>)[^<]*", rb"\g<1>" + fixed, content)
            member = zipfile.ZipInfo(info.filename, date_time=(2020, 1, 1, 0, 0, 0))
            member.external_attr = 0o644 << 16
            dst.writestr(member, content)
    return out.getvalue()


# --- the generator --------------------------------------------------------------------------------------

class _Sample:
    def __init__(self, out_dir: Path, seed: int, start: str, months: int, scale: float):
        self.plan = plan()
        self.rng = random.Random(seed)          # the simulated cases
        # Everything decided while writing (code noise, defects, column order, fake names) draws from its own
        # stream, so that moving a feature to another file does not change the simulated cases.
        self.noise = random.Random(seed + 1)
        self.out_dir, self.scale = out_dir, scale
        self.first, self.last = _ym(start), _ym(start) + months - 1
        self.end = _last_day(self.last)
        self.manifest: list[dict] = []
        self.counters: dict[tuple, int] = {}
        self.people = 0
        self.defect_counts = {check: 0 for check in DEFECTS}
        self.until_defect = {source: self.noise.randint(*gap) for source, gap in DEFECT_GAPS.items()}
        self.feature = {name: (source, _ym(month)) for name, (source, month) in FEATURES.items()
                        if self.first <= _ym(month) <= self.last
                        and (name != "legacy_encoding" or self.plan.legacy_encoding)}
        self.todo = {"withdrawal": "withdrawal" in self.feature, "retrial": True,
                     "victim_correction": "victim_correction" in self.feature,
                     "decimal": "legacy_encoding" in self.feature}
        self.files: dict[tuple[str, int], DeliveryFile] = {}

    def run(self) -> list[dict]:
        self.open_files()
        try:
            for ym in range(self.first - BACKLOG_MONTHS, self.last + 1):
                for case in self.new_cases(ym):
                    self.deliver(self.simulate_case(case))
                for _ in range(self.count(VICTIMS_OUTSIDE_PER_YEAR / 12)):
                    self.deliver([self.victim_outside_case(ym)])
        finally:
            for f in self.files.values():
                f.close()
        return sorted(self.manifest, key=lambda r: (r["month"], SOURCES.index(r["file"].split(".")[0]), r["line"]))

    # files

    def is_feature(self, name: str, source: str | None, ym: int) -> bool:
        return self.feature.get(name, ("", -1)) == (source, ym)

    def open_files(self) -> None:
        for ym in range(self.first, self.last + 1):
            for source in SOURCES:
                if self.is_feature("undelivered", source, ym):
                    continue
                style, fields, headers = self.file_layout(source, ym)
                self.files[(source, ym)] = DeliveryFile(self, source, ym, style, fields, headers)

    def file_layout(self, source: str, ym: int) -> tuple[Style, list[str], list[str]]:
        plan = self.plan
        style = Style(bools=plan.booleans[source], dmy=source == "victims")
        if self.is_feature("legacy_encoding", None, ym):
            style = Style(encoding=plan.legacy_encoding, delimiter=";", lineterminator="\r\n", dmy=True,
                          decimal_comma=True, legacy_names=True, bools=plan.legacy_booleans)
        style.bom = self.is_feature("bom", source, ym)
        style.xlsx = self.is_feature("xlsx", source, ym)
        fields = list(COLUMNS[source])
        if self.is_feature("missing_optional", source, ym):
            fields.remove("judge_id")
        if self.is_feature("withdrawal", source, ym):
            fields.append("withdrawn")
        if self.is_feature("pii", source, ym):
            fields.insert(1, plan.pii_field)
        if self.is_feature("reordered", source, ym):
            self.noise.shuffle(fields)
        named = {plan.pii_field: plan.pii_header, "fine": plan.fine_header}
        headers = [named.get(name, name) for name in fields]
        if self.is_feature("header_variants", source, ym):
            headers = [_header_variant(name, i) for i, name in enumerate(headers)]
        return style, fields, headers

    def route(self, source: str, ym: int) -> int:
        """Rows of an undelivered file arrive with the next month's delta."""
        return ym + 1 if self.is_feature("undelivered", source, ym) else ym

    def deliver(self, emissions: list[Emission]) -> None:
        latest: dict[tuple, Emission] = {}
        for e in emissions:
            ym = self.route(e.source, e.ym)
            if self.first <= ym <= self.last:
                key = (e.source, ym) + tuple(e.row.get(k) for k in KEYS[e.source])
                latest[key] = e       # a later version of a record within one month replaces the earlier one
        for (source, ym, *_), e in latest.items():
            self.files[(source, ym)].write(e.row, e.protect)

    # value noise: codes in other cases and region aliases, as agencies really write them

    def region_text(self, code: str, column: str, legacy: bool) -> str:
        aliases = self.plan.aliases
        if code not in aliases:
            return code
        if legacy and code in self.plan.legacy_names:
            prefix = self.plan.legacy_court_prefix if column == "court" and self.noise.random() < 0.5 else ""
            return prefix + self.plan.legacy_names[code]
        r = self.noise.random()
        if r < 0.07:
            return self.noise.choice(self.plan.prefixes.get(column, [""])) + self.noise.choice(aliases[code])
        if r < 0.10:
            return code.lower()
        return code

    def code_text(self, code: str) -> str:
        r = self.noise.random()
        if r < 0.03:
            return code.upper() if code.islower() else code.lower()
        if r < 0.05:
            return code.title()
        if r < 0.06:
            return f" {code} "
        return code

    # random helpers

    def pick(self, weights: dict):
        return self.rng.choices(list(weights), weights=list(weights.values()))[0]

    def count(self, mean: float) -> int:
        mean *= self.scale
        return int(mean) + (self.rng.random() < mean - int(mean))

    def chance(self, p: float) -> bool:
        return self.rng.random() < p

    def days(self, lo: int, hi: int) -> dt.timedelta:
        return dt.timedelta(days=self.rng.randint(lo, hi))

    def next_id(self, *scope) -> int:
        self.counters[scope] = self.counters.get(scope, 0) + 1
        return self.counters[scope]

    def person_number(self) -> str:
        """A fake 10-digit personal number, unique: an affine bijection of a counter modulo 9e9."""
        self.people += 1
        return str(1_000_000_000 + (self.people * 2_654_435_761 + 123_456_789) % 9_000_000_000)

    def judge(self, court: str) -> str:
        # the n-th court of the sample's regions J-00n1..; appeal J-0101.., the next instance J-0121..
        upper = {c: 100 + 20 * i for i, courts in enumerate(self.plan.upper_courts) for c in courts}
        number = upper.get(court) or (self.plan.basic.index(court) + 1) * 10
        return f"J-{number + self.rng.randint(1, 6):04d}"

    def charge(self, offence: dict) -> str:
        """An offence of sample.toml [offences]: its `other` with the probability `other_share`, else its code."""
        return offence["other"] if "other" in offence and self.chance(offence["other_share"]) else offence["code"]

    # cases

    def new_cases(self, ym: int):
        n = max(1, self.count(CASES_PER_YEAR / 12 * self.rng.uniform(0.6, 1.4)))
        last = _last_day(ym).day
        for day in sorted(self.rng.randint(1, last) for _ in range(n)):
            yield self.make_case(_first_day(ym).replace(day=day))

    def make_case(self, opened_on: dt.date) -> Case:
        kind = self.pick({"trafficking": 70, "begging": 12, "smuggling": 10, "old": 8})
        region = self.pick(self.plan.regions)
        case_id = f"{region}-{opened_on.year}-{self.next_id('case', region, opened_on.year):04d}"
        offences = self.plan.offences
        if kind == "old":       # a historical offence, judged under the law in force at the time
            old = offences["old"]
            offence_date = old["from"] + self.days(0, old["days"])
            form, victims = "sexual", self.pick({0: 3, 1: 5, 2: 2})
            main = old["before"] if offence_date < old["switch"] else self.charge(old["after"])
        else:
            offence_date = opened_on - self.days(7, 300)
            form = {"trafficking": self.pick(FORMS) or None, "begging": "begging", "smuggling": None}[kind]
            victims = {"trafficking": self.pick({0: 15, 1: 50, 2: 25, 3: 10}),
                       "begging": self.pick({1: 50, 2: 35, 3: 15}), "smuggling": 0}[kind]
            # every kind's charge is drawn, so that the draws do not depend on the kind
            main = {k: self.charge(offences[k]) for k in ("trafficking", "begging", "smuggling")}[kind]
        case = Case(case_id, kind, region, opened_on, offence_date, form, n_victims=victims)
        for _ in range(self.pick({1: 50, 2: 35, 3: 15})):
            case.suspects.append(self.make_suspect(case, main))
        return case

    def make_suspect(self, case: Case, main: str) -> Suspect:
        offences = [main]
        if case.kind == "trafficking":
            r = self.rng.random()
            if r < 0.08:
                offences.append(self.plan.offences["second_charge"])
            elif r < 0.10:
                offences.append(self.plan.offences["unlisted"])     # an article the statute table does not list
        sex = self.pick({"F": 50, "M": 50} if case.kind == "begging" else {"M": 82, "F": 16, "U": 2})
        juvenile = self.chance(0.03)
        age = self.rng.randint(16, 17) if juvenile else self.rng.randint(19, 58)
        birth_year = None if self.chance(0.12) else case.offence_date.year - age
        official = self.pick({True: 4, False: 60, None: 36})
        return Suspect(self.person_number(), sex, birth_year, self.pick(self.plan.suspect_citizenship), official,
                       offences, juvenile)

    def simulate_case(self, case: Case) -> list[Emission]:
        out: list[Emission] = []
        referred, referred_on = self.investigate(case, out)
        self.identify_victims(case, out)
        if referred:
            self.prosecute(case, referred, referred_on, out)
        return out

    # investigations

    def investigate(self, case: Case, out: list[Emission]) -> tuple[list[Suspect], dt.date]:
        """Opening rows, then the status change re-sent as a correction. Returns the referred suspects."""
        outcome = self.pick({"referred": 68, "closed": 18, "suspended": 5, "open": 9})
        changed_on = case.opened_on + self.days(30, 240)
        withdraw = self.todo["withdrawal"] and _ym_of(case.opened_on) == self.feature["withdrawal"][1] - 1
        referred = []
        victim_count = None if self.chance(0.2) else case.n_victims
        for i, s in enumerate(case.suspects):
            status = outcome
            if outcome == "referred" and len(case.suspects) > 1 and self.chance(0.15):
                status = "closed"
            if status == "referred" and changed_on <= self.end:
                referred.append(s)
            for code in s.offences:
                states = [("open", case.opened_on)] + ([] if status == "open" else [(status, changed_on)])
                rows = [(_ym_of(on), _inv_row(case, s, code, st, on, victim_count)) for st, on in states]
                if withdraw and i == 0 and code == s.offences[0]:
                    self.todo["withdrawal"] = False
                    out.extend(self.withdrawal(case, s, code, rows))
                else:
                    out.extend(Emission(ym, "investigations", row) for ym, row in rows)
        return referred, changed_on

    def withdrawal(self, case: Case, s: Suspect, code: str, rows: list) -> list[Emission]:
        """The row is first sent with a wrong offence code; next month it is withdrawn and the right row sent."""
        month = self.feature["withdrawal"][1]
        wrong = next(c for c in self.plan.offences["withdrawal"] if c not in s.offences)
        out = [Emission(ym, "investigations", dict(row, offence_code=wrong), True) for ym, row in rows if ym < month]
        out.append(Emission(month, "investigations",
                            {"case_id": case.case_id, "person_id": s.person_id, "offence_code": wrong,
                             "withdrawn": True}, True))
        as_of = [row for ym, row in rows if ym <= month][-1]
        out.append(Emission(month, "investigations", dict(as_of, withdrawn=False), True))
        out.extend(Emission(ym, "investigations", row) for ym, row in rows if ym > month)
        return out

    # victims

    def identify_victims(self, case: Case, out: list[Emission]) -> None:
        for _ in range(case.n_victims):
            identified_on = case.opened_on + self.days(-30, 45)
            child = case.kind == "begging" or (case.kind == "trafficking" and self.chance(0.25))
            age = self.rng.randint(6, 15) if case.kind == "begging" else (
                self.rng.randint(13, 17) if child else self.rng.randint(18, 40))
            row = self.victim_row(case.case_id, identified_on, case.form or "unknown", age,
                                  by={"police": 50, "border_police": 15, "ngo": 15, "social_services": 12,
                                      "labour_inspectorate": 3, "prosecution": 5})
            ym = _ym_of(identified_on)
            if (self.todo["victim_correction"] and ym >= self.feature["victim_correction"][1] and ym < self.last
                    and self.route("victims", ym) < self.route("victims", ym + 1)):
                # count-relevant correction: first recorded as an adult, corrected to a child next month
                self.todo["victim_correction"] = False
                out.append(Emission(ym, "victims", dict(row, age=19), True))
                out.append(Emission(ym + 1, "victims", dict(row, age=16), True))
            else:
                out.append(Emission(ym, "victims", row))

    def victim_outside_case(self, ym: int) -> Emission:
        identified_on = _first_day(ym) + self.days(0, _last_day(ym).day - 1)
        form = self.pick({"labour": 40, "sexual": 35, "begging": 15, "other": 10})
        age = self.rng.randint(8, 17) if form == "begging" else self.rng.randint(16, 45)
        row = self.victim_row(None, identified_on, form, age,
                              by={"ngo": 45, "social_services": 30, "labour_inspectorate": 15, "other": 10})
        return Emission(ym, "victims", row)

    def victim_row(self, case_id, identified_on, form, age, by) -> dict:
        citizenship = self.pick(self.plan.victim_citizenship)
        foreign = citizenship not in (*self.plan.national, "")
        return {"victim_id": self.person_number(), "case_id": case_id, "identified_on": identified_on,
                "identified_by": self.pick(by), "sex": self.pick({"F": 76, "M": 22, "U": 2}),
                "age": None if self.chance(0.05) else age, "citizenship": citizenship or None,
                "exploitation_form": form, "referred_to_services": self.pick({True: 8, False: 1, None: 1}),
                "sheltered": self.pick({True: 45, False: 45, None: 10}),
                "repatriated": self.pick({True: 4, False: 5, None: 1} if foreign else {False: 7, None: 3})}

    # prosecutions

    def prosecute(self, case: Case, defendants: list[Suspect], received: dt.date, out: list[Emission]) -> None:
        special = self.plan.special_office
        office = special if case.kind in ("trafficking", "old") and self.chance(0.15) and special else case.region
        prosecution_id = f"PP-{office}-{received.year}-{self.next_id('pp', office, received.year):03d}"
        decided_on = self.working_day(received + self.days(20, 200), "prosecutions")
        if decided_on > self.end:
            return
        court = case.region if self.chance(0.8 if office == special else 0.3) else None
        case_id = case.case_id if self.chance(0.85) else None    # empty: linked through the person
        charged = []
        for s in defendants:
            decision = self.pick({"indicted": 72, "plea_agreement": 14, "dismissed": 10, "transferred": 4})
            known = self.chance(0.6)
            trafficking = self.plan.offences["trafficking"]   # its article-level code charged at paragraph level
            codes = [(trafficking["code"] if c == trafficking.get("other") and self.chance(0.5) else c)
                     for c in s.offences]
            for code in codes:
                row = {"prosecution_id": prosecution_id, "case_id": case_id, "person_id": s.person_id,
                       "office": office, "court": court, "offence_code": code, "decision": decision,
                       "decided_on": decided_on, **(_demographics(s) if known else {})}
                out.append(Emission(_ym_of(decided_on), "prosecutions", row))
            if decision in ("indicted", "plea_agreement"):
                charged.append((s, codes, decision == "plea_agreement"))
        if charged:
            self.judge_first_instance(case, prosecution_id, court or case.region, decided_on, charged, out)

    def working_day(self, day: dt.date, source: str) -> dt.date:
        """Decisions falling in the nil-return month (the August recess) move into the next month."""
        if self.is_feature("nil_return", source, _ym_of(day)):
            return _first_day(_ym_of(day) + 1) + self.days(0, 20)
        return day

    # judgments

    def judge_first_instance(self, case, prosecution_id, court, decided_on, charged, out, retrial=False,
                             protect_retrial=False):
        """First-instance rows for the charged defendants, then their appeals. A retrial follows a quash."""
        all_plea = all(plea for _, _, plea in charged)
        if retrial:
            judgment_date = decided_on + self.days(90, 270)
        else:
            judgment_date = decided_on + (self.days(20, 90) if all_plea else self.days(90, 480))
        if judgment_date > self.end:
            return
        filed = decided_on.year
        judgment_id = f"P-{court}-{filed}-{self.next_id('p', court, filed):03d}"
        verdicts = self.plan.verdicts
        convicted, acquitted = verdicts["convicted"], verdicts["acquitted"]
        base = {"judgment_id": judgment_id, "prosecution_id": prosecution_id if self.chance(0.9) else None,
                "court": court, "instance": self.plan.instances[0], "judge_id": self.judge(court),
                "offence_date": case.offence_date if self.chance(0.7) else None, "judgment_date": judgment_date}
        appeal_on = judgment_date + self.days(90, 300)
        for s, codes, plea in charged:
            verdict = convicted if plea else self.pick(verdicts["first"])
            if retrial:
                verdict = self.pick({convicted: 65, acquitted: 35})
            appealed = not retrial and self.chance(verdicts["appeal_chance"].get(verdict, 0))
            protect = protect_retrial
            if (verdict == convicted and not retrial and self.todo["retrial"]
                    and judgment_date >= _first_day(self.first) and appeal_on + dt.timedelta(days=280) <= self.end):
                # make sure one whole chain conviction -> quashed on appeal -> retrial lies in the window
                appealed, protect, self.todo["retrial"] = True, True, False
            known = self.chance(0.5)
            sentences = {}
            for code in codes:
                sentence = self.sentence(code, plea, s.juvenile, judgment_date) if verdict == convicted else {}
                sentences[code] = sentence
                row = {**base, "person_id": s.person_id, "offence_code": code, "verdict": verdict,
                       "plea_agreement": True if plea else self.pick({False: 1, None: 1}), **sentence,
                       **(_demographics(s) if known else {})}
                out.extend(self.first_instance_versions(row, appealed, protect))
            if appealed and appeal_on <= self.end:
                self.appeal(case, prosecution_id, base, s, codes, verdict, sentences, appeal_on, protect, out)

    def first_instance_versions(self, row: dict, appealed: bool, protect: bool) -> list[Emission]:
        """Not appealed: final; sometimes first sent as not final and corrected once the appeal time ran out."""
        ym = _ym_of(row["judgment_date"])
        if appealed:
            return [Emission(ym, "judgments", dict(row, final=False), protect)]
        if self.chance(0.3):
            later = _ym_of(row["judgment_date"] + self.days(20, 45))
            return [Emission(ym, "judgments", dict(row, final=False), protect),
                    Emission(later, "judgments", dict(row, final=True), protect)]
        return [Emission(ym, "judgments", dict(row, final=True), protect)]

    def appeal(self, case, prosecution_id, base, s, codes, verdict, sentences, appeal_on, force_quash, out) -> None:
        plan, verdicts = self.plan, self.plan.verdicts
        if verdict == verdicts["convicted"]:
            outcome = self.pick(verdicts["after_conviction"])
        else:
            outcome = self.pick(verdicts["after_acquittal"])
        if force_quash:
            outcome = verdicts["quashed"]
        supreme_on = appeal_on + self.days(120, 300)
        to_supreme = (outcome in (verdicts["confirmed"], verdicts["modified"]) and self.chance(0.15)
                      and len(plan.instances) > 2)
        court_of_appeal = plan.court_at(2, base["court"])
        known = self.chance(0.3)
        in_force = {}
        for code in codes:
            sentence = self.appeal_sentence(code, outcome, sentences[code], appeal_on)
            in_force[code] = sentence
            row = {**base, "person_id": s.person_id, "offence_code": code, "court": court_of_appeal,
                   "instance": plan.instances[1], "judge_id": self.judge(court_of_appeal), "judgment_date": appeal_on,
                   "offence_date": base["offence_date"] if self.chance(0.3) else None, "verdict": outcome,
                   "final": outcome == verdicts["acquitted"] or (outcome != verdicts["quashed"] and not to_supreme),
                   **sentence, **(_demographics(s) if known else {})}
            out.append(Emission(_ym_of(appeal_on), "judgments", row, force_quash))
        if to_supreme and supreme_on <= self.end:
            last_word = self.pick(verdicts["last_word"])
            last_court = plan.court_at(3, base["court"])
            for code in codes:
                row = {**base, "person_id": s.person_id, "offence_code": code, "court": last_court,
                       "instance": plan.instances[2], "judge_id": self.judge(last_court), "judgment_date": supreme_on,
                       "offence_date": None, "verdict": last_word, "final": True,
                       **self.appeal_sentence(code, last_word, in_force[code], supreme_on)}
                out.append(Emission(_ym_of(supreme_on), "judgments", row))
        if outcome == verdicts["quashed"]:    # retrial: new first-instance rows under a new judgment_id
            self.judge_first_instance(case, prosecution_id, base["court"], appeal_on, [(s, codes, False)], out,
                                      retrial=True, protect_retrial=force_quash)

    def sentence(self, code: str, plea: bool, juvenile: bool, judgment_date: dt.date) -> dict:
        """Sentence for one convicted charge: mostly below the statutory minimum for trafficking."""
        minimum, maximum = self.plan.ranges.get(code, (None, None))
        kinds, grounds, step = self.plan.sentences, self.plan.mitigation, self.plan.sentences["fine_step"]
        fine = None
        mitigation = None
        suspended = None
        if code in kinds["trafficking"]:
            r = self.rng.random()
            lowest = max(minimum or 0, 24) // 6     # within the range, in half years
            if plea:
                prison = self.rng.randint(4, 8) * 6
                mitigation = grounds["plea"] if self.chance(0.4) else None
            elif r < 0.30:
                prison = self.rng.randint(4, 9) * 6 if (minimum or 0) > 24 else self.rng.randint(12, 20)
                mitigation = grounds["juvenile"] if juvenile else self.pick(grounds["below_minimum"])
            elif r < 0.52:
                prison = self.rng.randint(5, 9) * 6 if (minimum or 0) > 24 else self.rng.randint(12, 20)
            elif r < 0.60:
                prison, suspended = self.rng.randint(12, 24), True
                mitigation = grounds["suspended"] if self.chance(0.5) else None
            elif r < 0.97 or maximum is None:   # no maximum (life): nothing is above it
                prison = self.rng.randint(lowest, max(20, lowest + 10)) * 6
            else:
                prison = maximum + self.rng.randint(1, 4) * 6
            if self.chance(0.4):
                fine = self.rng.randint(2, 20) * step
        elif code in kinds["begging"]:
            prison = self.rng.randint(6, 30)
            suspended = True if self.chance(0.35) else None
        elif code in kinds["fine_only"] and self.chance(0.25):
            prison, fine = None, self.rng.randint(1, 8) * step   # fine only
        else:
            prison = self.rng.randint(3, 12) if code in kinds["short"] else self.rng.randint(12, 48)
        if prison is not None and prison < 24 and self.chance(0.15):
            prison += 0.5                                        # a term of months and 15 days
        prison = self.show_decimal_comma(prison, judgment_date)
        return {"prison_months": prison, "suspended": suspended, "fine": fine, "mitigation": mitigation}

    def show_decimal_comma(self, prison, day: dt.date):
        """The first whole prison term decided in the legacy-encoding month gets half a month more, so that the
        ';' file shows a decimal comma."""
        if (self.todo["decimal"] and prison and float(prison).is_integer()
                and _ym_of(day) == self.feature["legacy_encoding"][1]):
            self.todo["decimal"] = False
            return prison + 0.5
        return prison

    def appeal_sentence(self, code: str, outcome: str, before: dict, day: dt.date) -> dict:
        if outcome == self.plan.verdicts["confirmed"]:      # states the sentence in force; mitigation is inherited
            return {"prison_months": before.get("prison_months"), "suspended": before.get("suspended"),
                    "fine": before.get("fine")}
        if outcome == self.plan.verdicts["modified"]:
            old = before.get("prison_months") or 12
            new = max(6, round(old * self.rng.uniform(0.6, 1.3)))
            minimum, maximum = self.plan.ranges.get(code, (None, None))
            if minimum and self.chance(0.3):
                new = max(new, minimum)     # raised to the statutory minimum
            if maximum:
                new = min(new, maximum)
            return {"prison_months": self.show_decimal_comma(new, day), "suspended": None,
                    "fine": before.get("fine")}
        return {}

    # defects

    def maybe_defect(self, f: DeliveryFile, row: dict, protect: bool):
        """Every few dozen rows of a source, break the row for the least-used check that can apply to it.

        So that every check is used at least once even at scale 1, checks never used yet come first, those
        that fit the fewest sources first of all (a row that fits none of them is left intact and the next
        row of the source is tried); after that the least-used check that fits the row, ties in the order
        of the pack's checks.csv."""
        self.until_defect[f.source] -= 1
        if self.until_defect[f.source] > 0 or protect or f.style.xlsx:
            return [row], None, None
        candidates = [c for c, (sources, _) in DEFECTS.items() if f.source in sources]
        unused = [c for c in candidates if not self.defect_counts[c]]
        if unused:      # until each check is used once, wait for a row that fits the most specific unused ones
            fewest = min(len(DEFECTS[c][0]) for c in unused)
            candidates = [c for c in unused if len(DEFECTS[c][0]) == fewest]
        for check in sorted(candidates, key=lambda c: (self.defect_counts[c], len(DEFECTS[c][0]))):
            bad = dict(row)
            column = DEFECTS[check][1](self.noise, f, bad)
            if column is None:
                continue
            self.defect_counts[check] += 1
            self.until_defect[f.source] = self.noise.randint(*DEFECT_GAPS[f.source])
            if check == "duplicate_key":
                return [row, dict(row)], check, ""
            return [bad], check, column
        return [row], None, None


def _inv_row(case: Case, s: Suspect, code: str, status: str, status_on: dt.date, victim_count) -> dict:
    return {"case_id": case.case_id, "person_id": s.person_id, "offence_code": code, "opened_on": case.opened_on,
            "region": case.region, "exploitation_form": case.form, "sex": s.sex, "birth_year": s.birth_year,
            "citizenship": s.citizenship or None, "public_official": s.public_official, "status": status,
            "status_on": status_on, "victim_count": victim_count}


def _demographics(s: Suspect) -> dict:
    return {"sex": s.sex, "birth_year": s.birth_year, "citizenship": s.citizenship or None,
            "public_official": s.public_official}


def _header_variant(name: str, i: int) -> str:
    """'case_id' -> 'Case ID', 'opened_on' -> 'Opened-On', ...: what header normalisation must undo."""
    words = [w.upper() if w == "id" else w.capitalize() for w in name.split("_")]
    return ("-" if i % 2 else " ").join(words)


# --- one function per check: break the row so that exactly this check fails, return the column ----------

def _days(rng: random.Random, lo: int, hi: int) -> dt.timedelta:
    return dt.timedelta(days=rng.randint(lo, hi))


def _own_date(f: DeliveryFile, row: dict) -> str:
    """A date column no other rule compares, so that breaking it breaks nothing else."""
    if f.source == "judgments":
        return "offence_date" if row.get("offence_date") else "judgment_date"
    return {"investigations": "status_on", "prosecutions": "decided_on", "victims": "identified_on"}[f.source]


def _is_convicting(f: DeliveryFile, row: dict) -> bool:
    return row.get("verdict") in f.sample.plan.convicting


def _required(rng, f, row):
    column = rng.choice({"investigations": ["region", "sex", "status"], "prosecutions": ["office"],
                           "judgments": ["final"], "victims": ["identified_by", "sex"]}[f.source])
    row[column] = None
    return column


def _max_length(rng, f, row):
    if f.source == "judgments" and "judge_id" in f.fields and row.get("judge_id"):
        members = ", ".join(f"J-0{rng.randint(101, 112)}" for _ in range(2))
        row["judge_id"] = Raw(f.sample.plan.words["presiding"].format(judge=row["judge_id"], members=members))
        column = "judge_id"
    elif f.source == "prosecutions" and row.get("case_id"):
        row["case_id"] = Raw(f.sample.plan.words["joined"].format(case_id=row["case_id"],
                                                                  prefix=row["case_id"][:8]))
        column = "case_id"
    else:
        return None
    assert len(row[column]) > 40
    return column


def _code_list(rng, f, row):
    options = {"investigations": [("sex", "Q"), ("exploitation_form", "slavery"), ("citizenship", "YU")],
               "prosecutions": [("decision", "deferred"), ("citizenship", "YU"), ("sex", "Q")],
               "judgments": [("citizenship", "YU"), ("sex", "Q")],
               "victims": [("identified_by", "media"), ("exploitation_form", "slavery"), ("sex", "Q")]}[f.source]
    if f.source == "judgments" and row.get("verdict") == "convicted" and row.get("prison_months"):
        options.append(("mitigation", "good_conduct"))
    column, value = rng.choice(options)
    row[column] = Raw(value)
    return column


def _offence_code(rng, f, row):
    if f.source == "victims":
        return None
    law, rest = row["offence_code"].split(".", 1)
    # the code without its law ("165.1"), or under a law no statute has (sample.toml wrong_law); a bare article
    # that is an agency token for a provision (codes/offence_aliases.csv) would be read as valid
    bare = rng.random() < 0.5 and codes.fold(rest) not in codes.offence_alias_map()
    row["offence_code"] = Raw(rest if bare else f.sample.plan.offences["wrong_law"][law] + "." + rest)
    return "offence_code"


def _date_format(rng, f, row):
    column = _own_date(f, row)
    row[column] = Raw(row[column].strftime(rng.choice(["%Y/%m/%d", "%d/%m/%Y", "%d-%m-%Y"])))
    return column


def _number_format(rng, f, row):
    words = f.sample.plan.words
    options = []
    if row.get("birth_year") and "birth_year" in f.fields:
        text = str(row["birth_year"])
        options.append(("birth_year", text[:2] + "x" + text[3]))        # "19x5"
    if f.source == "investigations" and row.get("victim_count"):
        options.append(("victim_count", words["three"]))
    if f.source == "judgments" and _is_convicting(f, row) and row.get("prison_months"):
        options.append(("prison_months", words["months"].format(value=row["prison_months"])))
    if f.source == "victims" and row.get("age") is not None:
        options.append(("age", words["years"].format(value=row["age"])))
    if not options:
        return None
    column, value = rng.choice(options)
    row[column] = Raw(value)
    return column


def _boolean(rng, f, row):
    column = {"investigations": "public_official", "prosecutions": "public_official",
              "judgments": "plea_agreement", "victims": "sheltered"}[f.source]
    row[column] = Raw(rng.choice(f.sample.plan.words["maybe"]))
    return column


def _date_invalid(rng, f, row):
    column = _own_date(f, row)
    day = row[column]
    if day.month in (4, 6, 9, 11):
        bad = (day.year, day.month, 31)
    else:
        bad = (day.year, 2, 30 if day.year % 4 == 0 else 29)
    row[column] = Raw(f"{bad[2]:02d}.{bad[1]:02d}.{bad[0]}" if f.style.dmy else f"{bad[0]}-{bad[1]:02d}-{bad[2]:02d}")
    return column


def _future_date(rng, f, row):
    column = {"investigations": "status_on", "prosecutions": "decided_on", "judgments": "judgment_date",
              "victims": "identified_on"}[f.source]
    row[column] = f.month_end + _days(rng, 1, 25)
    return column


def _date_range(rng, f, row):
    if f.source != "investigations":
        return None
    opened = row["opened_on"]
    row["opened_on"] = opened.replace(year=1900 + opened.year % 100)   # a two-digit year expanded wrongly
    row["birth_year"] = None        # would otherwise be "too young" at a 19xx reference date
    return "opened_on"


def _date_order(rng, f, row):
    if f.source == "investigations":
        row["status_on"] = row["opened_on"] - _days(rng, 3, 40)
        return "status_on"
    if f.source == "judgments" and row.get("offence_date") and row["judgment_date"] < f.month_end:
        # the offence date moves after the judgment (the judgment date must stay where it is: appeals follow
        # it); the rule "judgment_date >= offence_date" belongs to judgment_date, which is what is reported
        room = (f.month_end - row["judgment_date"]).days
        row["offence_date"] = row["judgment_date"] + _days(rng, 1, min(30, room))
        return "judgment_date"
    return None


def _range(rng, f, row):
    if f.source == "investigations" and "victim_count" in f.fields:
        row["victim_count"] = -rng.randint(1, 3)
        return "victim_count"
    if f.source == "judgments" and _is_convicting(f, row) and row.get("fine"):
        row["fine"] = -row["fine"]
        return f.sample.plan.fine_header
    if f.source == "judgments" and _is_convicting(f, row) and row.get("prison_months"):
        row["prison_months"] = -row["prison_months"]
        return "prison_months"
    if f.source == "victims" and row.get("age") is not None:
        row["age"] = row["identified_on"].year - row["age"]              # the birth year typed as the age
        return "age"
    return None


def _birth_year_range(rng, f, row):
    if f.source == "victims" or not row.get("birth_year"):
        return None
    reference = {"investigations": row.get("opened_on"), "prosecutions": row.get("decided_on")}.get(
        f.source) or row.get("offence_date") or row["judgment_date"]
    too_young = reference.year - rng.randint(0, 8)
    row["birth_year"] = too_young if rng.random() < 0.5 else 1800 + row["birth_year"] % 100   # "1978" typed "1878"
    return "birth_year"


def _court_instance(rng, f, row):
    if f.source != "judgments":
        return None
    plan = f.sample.plan   # a court of appeal at another instance, a first-instance court on appeal
    row["court"] = Raw(plan.upper_courts[0][0] if row["instance"] != plan.instances[1] else rng.choice(plan.basic))
    return "court"


def _verdict_instance(rng, f, row):
    if f.source != "judgments":
        return None
    first = row["instance"] == f.sample.plan.instances[0]
    elsewhere = f.sample.plan.verdicts["elsewhere"]
    if _is_convicting(f, row):         # keep a convicting verdict so the sentence stays allowed
        row["verdict"] = Raw(elsewhere["first_convicting"] if first else elsewhere["later_convicting"])
    else:
        row["verdict"] = Raw(elsewhere["first_other"] if first else elsewhere["later_other"])
    return "verdict"


def _sentence_without_conviction(rng, f, row):
    if f.source != "judgments" or _is_convicting(f, row):
        return None
    row["prison_months"] = rng.randint(2, 10) * 6
    return "prison_months"


def _duplicate_key(rng, f, row):
    return ""


def _field_count(rng, f, row):
    """A remark typed into the cell after the last column."""
    row[EXTRA_CELL] = Raw(rng.choice(f.sample.plan.words["remarks"]))
    return ""


# check -> (sources it can apply to, function), in the order of the pack's checks.csv
DEFECTS = {
    "required": (SOURCES, _required),
    "max_length": (("prosecutions", "judgments"), _max_length),
    "code_list": (SOURCES, _code_list),
    "offence_code": (("investigations", "prosecutions", "judgments"), _offence_code),
    "date_format": (SOURCES, _date_format),
    "number_format": (SOURCES, _number_format),
    "boolean": (SOURCES, _boolean),
    "date_invalid": (SOURCES, _date_invalid),
    "future_date": (SOURCES, _future_date),
    "date_range": (("investigations",), _date_range),
    "date_order": (("investigations", "judgments"), _date_order),
    "range": (("investigations", "judgments", "victims"), _range),
    "birth_year_range": (("investigations", "prosecutions", "judgments"), _birth_year_range),
    "court_instance": (("judgments",), _court_instance),
    "verdict_instance": (("judgments",), _verdict_instance),
    "sentence_without_conviction": (("judgments",), _sentence_without_conviction),
    "duplicate_key": (SOURCES, _duplicate_key),
    "field_count": (SOURCES, _field_count),
}


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description="Write deterministic sample deliveries.")
    parser.add_argument("out_dir", type=Path, nargs="?", default=Path("raw"))
    parser.add_argument("--seed", type=int, default=2023)
    parser.add_argument("--start", default="2023-11")
    parser.add_argument("--months", type=int, default=36)
    parser.add_argument("--scale", type=float, default=1.0)
    parser.add_argument("--manifest", type=Path, help="also write the defect manifest here (CSV)")
    args = parser.parse_args(argv)
    rows = generate(args.out_dir, args.seed, args.start, args.months, args.scale)
    if args.manifest:
        write_manifest(rows, args.manifest)
    print(f"{len(rows)} defective rows written under {args.out_dir}")


if __name__ == "__main__":
    main()
