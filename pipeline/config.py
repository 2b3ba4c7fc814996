"""The report's configuration (tipstats.toml) and the labels of its language (contracts/labels/<lang>.csv).

Every key has a default here; tipstats.toml at the repository root documents them with the same values.
"""
from __future__ import annotations

import csv
import os
import re
from dataclasses import dataclass, field, replace
from functools import cache
from pathlib import Path

from contracts import codes, pack

LABELS_DIR = codes.LABELS_DIR
PROTECTABLE = ("public_officials", "convicted_by_court")  # tables `suppress` may name, besides the victims'


class ConfigError(ValueError):
    """A configuration the report cannot use; the message says which key and what to do."""


@dataclass(frozen=True)
class Config:
    country: str = ""  # empty = the pack's country (pack.toml)
    language: str = "en"
    output: Path = Path("reports")
    on_refresh: bool = True
    k: int = 5
    suppress: tuple[str, ...] = ()
    scale: float = 2
    width: int = 960
    height: int = 540
    browser: str = ""
    # who publishes the edition: the cover, the methodology section and the suggested citation name them
    producer: str = ""
    contact: str = ""
    licence: str = ""
    citation: str = ""  # empty = composed from the producer, the title and the date of the data
    source: Path | None = field(default=None, compare=False)  # the file read, None = defaults

    @classmethod
    def load(cls, path: Path | None = None) -> "Config":
        """$TIPSTATS_CONFIG, else ./tipstats.toml, else the defaults; TIPSTATS_REPORTS and
        TIPSTATS_REPORT_ON_REFRESH override `output` and `on_refresh`."""
        if path is None:
            given = os.environ.get("TIPSTATS_CONFIG")
            path = Path(given) if given else Path("tipstats.toml")
            if not given and not path.exists():
                path = None
        values = read_toml(path) if path is not None else {}
        values.pop("name", None)  # [pack] name: read by contracts.pack, which chooses the pack
        if os.environ.get("TIPSTATS_REPORTS"):
            values["output"] = os.environ["TIPSTATS_REPORTS"]
        if os.environ.get("TIPSTATS_REPORT_ON_REFRESH"):
            values["on_refresh"] = os.environ["TIPSTATS_REPORT_ON_REFRESH"].lower() not in ("0", "false", "no", "off")
        config = cls(**{**values, "output": Path(values.get("output", cls.output)),
                        "suppress": tuple(values.get("suppress", ())), "source": path})
        config.check()
        return config

    def check(self) -> None:
        if not isinstance(self.k, int) or self.k < 2:
            raise ConfigError(f"disclosure.k must be a whole number of at least 2, not {self.k!r}")
        unknown = sorted(set(self.suppress) - set(PROTECTABLE))
        if unknown:
            raise ConfigError(f"disclosure.suppress names unknown table(s) {', '.join(unknown)}; "
                              f"tables that can be protected: {', '.join(PROTECTABLE)}")
        if not (isinstance(self.scale, (int, float)) and self.scale >= 1):
            raise ConfigError(f"charts.scale must be a number of at least 1, not {self.scale!r}")
        if not (LABELS_DIR / f"{self.language}.csv").exists():
            have = ", ".join(sorted(p.stem for p in LABELS_DIR.glob("*.csv")))
            raise ConfigError(f"report.language {self.language!r} has no labels table "
                              f"contracts/labels/{self.language}.csv (available: {have})")

    @property
    def country_name(self) -> str:
        """The country named in titles and text: report.country, else the pack's, in the report's language
        (the pack's labels/<lang>.csv, key `country`)."""
        return self.country or self.labels.get("country", pack.active().country)

    @property
    def labels(self) -> "Labels":
        return Labels.of(self.language)

    def in_language(self, language: str) -> "Config":
        """The same configuration for an edition in another language (checked like report.language)."""
        other = replace(self, language=language)
        other.check()
        return other


KEYS = {"report": ("country", "language", "output", "on_refresh"), "disclosure": ("k", "suppress"),
        "charts": ("scale", "width", "height", "browser"), "pack": ("name",),
        "publisher": ("producer", "contact", "licence", "citation")}


# what each key takes, as TOML gives it (checked before use: a wrong type would fail far from the file)
TYPES = {"name": str, "country": str, "language": str, "output": str, "on_refresh": bool, "k": int, "suppress": list,
         "scale": (int, float), "width": int, "height": int, "browser": str,
         "producer": str, "contact": str, "licence": str, "citation": str}
TYPE_NAMES = {str: "a string", bool: "true or false", int: "a whole number", list: "a list of table names",
              (int, float): "a number"}


def read_toml(path: Path) -> dict:
    try:
        document = pack.read_configuration(path)
    except pack.PackError as e:
        raise ConfigError(str(e)) from None
    values = {}
    for section, table in document.items():
        if section not in KEYS or not isinstance(table, dict):
            raise ConfigError(f"{path}: unknown section [{section}] (sections: {', '.join(KEYS)})")
        for key, value in table.items():
            if key not in KEYS[section]:
                raise ConfigError(f"{path}: unknown key {section}.{key} (keys: {', '.join(KEYS[section])})")
            wanted = TYPES[key]
            if not isinstance(value, wanted) or (isinstance(value, bool) and wanted is not bool):
                raise ConfigError(f"{path}: {section}.{key} takes {TYPE_NAMES[wanted]}, not {value!r}")
            values[key] = value
    return values


# Keys every edition shows in English: the TIP paragraph is drafted for the U.S. TIP report, which is written in
# English, so its words are not translated (the sq and sr tables do not carry them; they come from en.csv).
ENGLISH_ONLY = ("tip.",)
STATUSES = ("reviewed", "draft")
# a number in a text is written as the language writes it (CLDR), except years and load numbers: "2025", never
# "2,025" or "2.025"
NOT_NUMBERS = re.compile(r"(^|_)(year|load)s?($|_)")


class Labels:
    """Every word a report shows, in one language: `labels["title.trends"]`, code labels `labels.code("sex", "F")`,
    templates `labels.text("note.coverage", months=11)`, plural forms `labels.plural("caveat.quarantined", n,
    source=…)` (keys `<key>.one`, `<key>.few`, `<key>.other`: the CLDR categories of the language), and numbers,
    months and dates as the language writes them (Babel, CLDR). The texts are tipstats' own
    (contracts/labels/<lang>.csv) and the pack's (labels/<lang>.csv: the country's name, code labels)."""

    def __init__(self, language: str, texts: dict[str, str], status: dict[str, str] | None = None):
        from babel import Locale

        self.language = language
        self.texts = texts
        self.status = status or dict.fromkeys(texts, "reviewed")
        # the CLDR locale is data too: the `locale` row (en_GB writes "1 December 2026", sr_Latn Serbian in Latin)
        self.locale = Locale.parse(texts.get("locale", language))

    @classmethod
    def of(cls, language: str) -> "Labels":
        return cls._of(language, pack.active().root)

    @classmethod
    @cache
    def _of(cls, language: str, pack_root: Path) -> "Labels":
        rows = read_label_rows(LABELS_DIR / f"{language}.csv")
        english = read_label_rows(LABELS_DIR / "en.csv")
        wanted = {k for k in english if not k.startswith(ENGLISH_ONLY)}
        # A key not yet translated (one just added to en.csv) shows its English text, counted as a draft, so the
        # edition says so; tests/test_languages.py requires every key in every language.
        missing = wanted - rows.keys()
        rows.update({k: (english[k][0], "draft") for k in missing})
        for key in missing_plural_forms(rows, language):  # e.g. Serbian `few` of a key translated without it
            rows[key] = (rows[f"{key.rsplit('.', 1)[0]}.other"][0], "draft")
        rows.update({k: v for k, v in english.items() if k.startswith(ENGLISH_ONLY)})
        own = pack_root / "labels" / f"{language}.csv"
        if own.exists():
            rows.update(read_label_rows(own))
        return cls(language, {k: text for k, (text, _) in rows.items()},
                   {k: status for k, (_, status) in rows.items()})

    def __getitem__(self, key: str) -> str:
        return self.texts[key]

    def get(self, key: str, default: str) -> str:
        return self.texts.get(key, default)

    def text(self, key: str, **values) -> str:
        return self.texts[key].format(**self.numbers(values))

    def plural(self, key: str, n: int, **values) -> str:
        """The text of `key` in the plural form the language uses for `n` (CLDR rules: Serbian 1, 21, 31 … one;
        2–4, 22–24 … few; else other), with {n} and the other values filled in."""
        form = self.locale.plural_form(n)
        return self.text(f"{key}.{form}" if f"{key}.{form}" in self.texts else f"{key}.other", n=n, **values)

    def numbers(self, values: dict) -> dict:
        return {name: self.number(v) if isinstance(v, (int, float)) and not isinstance(v, bool)
                and not NOT_NUMBERS.search(name) else v for name, v in values.items()}

    def number(self, value: float, decimals: int = 1) -> str:
        """A count or a measure as the language writes it: "1,234.5" (en), "1 234,5" (sq), "1.234,5" (sr)."""
        from babel.numbers import format_decimal

        return format_decimal(value, format="#,##0." + "#" * decimals if decimals else "#,##0", locale=self.locale)

    def month(self, month: str) -> str:
        """YYYY-MM as the language names a month: "December 2026", "dhjetor 2026", "decembar 2026."."""
        import datetime as dt

        from babel.dates import format_skeleton

        return format_skeleton("yMMMM", dt.date(int(month[:4]), int(month[5:7]), 1), locale=self.locale)

    def date(self, day) -> str:
        """A date (or an ISO date or timestamp): "1 December 2026", "1 dhjetor 2026", "1. decembar 2026."."""
        import datetime as dt

        from babel.dates import format_date

        if isinstance(day, str):
            day = dt.date.fromisoformat(day[:10])
        return format_date(day, "long", locale=self.locale)

    def timestamp(self, moment) -> str:
        """An ISO timestamp as a date and a time of day: "1 December 2026, 14:05"."""
        import datetime as dt

        from babel.dates import format_time

        if isinstance(moment, str):
            moment = dt.datetime.fromisoformat(moment)
        return f"{self.date(moment.date())}, {format_time(moment.time(), 'short', locale=self.locale)}"

    @property
    def separators(self) -> str:
        """The decimal and group separators, as plotly's layout.separators takes them ("." and "," in English)."""
        from babel.numbers import get_decimal_symbol, get_group_symbol

        return get_decimal_symbol(self.locale) + get_group_symbol(self.locale)

    @property
    def drafts(self) -> int:
        """How many of this language's texts an edition may show are draft translations, not yet reviewed (the
        agency templates' words, `template.*`, are not in an edition)."""
        return sum(1 for k, s in self.status.items() if s == "draft" and not k.startswith("template."))

    def column(self, name) -> str:
        """A table's column as its header reads (`column.<name>`): a year stays a year, "2025 child" is the year
        and the age group, "Total" the language's; a column without a label keeps its name (as in the CSV)."""
        name = str(name)
        if name == "Total":  # suppress.TOTAL
            return self.texts["table.total"]
        year, _, age = name.partition(" ")
        if year.isdigit() and f"column.age_group.{age}" in self.texts:
            return f"{year} {self.texts[f'column.age_group.{age}']}"
        return self.texts.get(f"column.{name}", name)

    def sheet(self, name: str) -> str:
        """A workbook sheet's name (`sheet.<name>`, at most 31 characters), else the table's name."""
        return self.texts.get(f"sheet.{name}", name)

    def code(self, code_list: str, code: str | None) -> str:
        """A code's label: the language table's `code.<list>.<code>`, else the code list's own label."""
        if code is None:
            return self.texts["value.unknown"]
        own = self.texts.get(f"code.{code_list}.{code}")
        if own is None and code_list == "citizenship" and self.language != "en":
            own = self.locale.territories.get(code)  # ISO 3166 codes: CLDR names every country in every language
        return own or codes.code_labels(code_list).get(code, code)


def plural_bases(keys) -> set[str]:
    """The keys that have plural forms: `<key>.one` and `<key>.other` (`other` alone may be a code: code.group.other)."""
    keys = set(keys)
    return {k[:-len(".other")] for k in keys if k.endswith(".other") and f"{k[:-len('.other')]}.one" in keys}


def missing_plural_forms(rows: dict, language: str) -> list[str]:
    """`<key>.<form>` for every CLDR plural category of the language that a plural key lacks (Serbian: few)."""
    from babel import Locale

    tags = Locale.parse(rows.get("locale", ("", ""))[0] or language).plural_form.tags | {"other"}
    return [f"{base}.{tag}" for base in plural_bases(rows) if not base.startswith(ENGLISH_ONLY)
            for tag in sorted(tags) if f"{base}.{tag}" not in rows]


def read_label_rows(path: Path) -> dict[str, tuple[str, str]]:
    """key → (text, status) of a labels table (status: reviewed or draft)."""
    with open(path, newline="", encoding="utf-8") as f:
        rows = list(csv.DictReader(f))
    out = {}
    for line, row in enumerate(rows, start=2):
        # a row without a status is English source text when in en.csv, else a translation nobody reviewed
        status = row.get("status") or ("reviewed" if path.stem == "en" else "draft")
        if status not in STATUSES:
            raise ConfigError(f"{path}:{line}: status {status!r} of {row['key']!r}: write reviewed or draft")
        out[row["key"]] = (row["text"], status)
    return out


def read_labels(path: Path) -> dict[str, str]:
    return {k: text for k, (text, _) in read_label_rows(path).items()}
