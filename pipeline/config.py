"""The report's configuration (tipstats.toml) and the labels of its language (contracts/labels/<lang>.csv).

Every key has a default here; tipstats.toml at the repository root documents them with the same values.
"""
from __future__ import annotations

import csv
import os
from dataclasses import dataclass, field
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
        """The country named in titles and text: report.country, else the pack's."""
        return self.country or pack.active().country

    @property
    def labels(self) -> "Labels":
        return Labels.of(self.language)


KEYS = {"report": ("country", "language", "output", "on_refresh"), "disclosure": ("k", "suppress"),
        "charts": ("scale", "width", "height", "browser"), "pack": ("name",)}


# what each key takes, as TOML gives it (checked before use: a wrong type would fail far from the file)
TYPES = {"name": str, "country": str, "language": str, "output": str, "on_refresh": bool, "k": int, "suppress": list,
         "scale": (int, float), "width": int, "height": int, "browser": str}
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


class Labels:
    """Every word a report shows: `labels["title.trends"]`, code labels `labels.code("sex", "F")`,
    and templates `labels.text("note.coverage", months=11)`."""

    def __init__(self, language: str, texts: dict[str, str]):
        self.language = language
        self.texts = texts

    @classmethod
    @cache
    def of(cls, language: str) -> "Labels":
        texts = read_labels(LABELS_DIR / f"{language}.csv")
        missing = sorted(read_labels(LABELS_DIR / "en.csv").keys() - texts.keys())
        if missing:
            raise ConfigError(f"contracts/labels/{language}.csv lacks {len(missing)} label(s): "
                              f"{', '.join(missing[:8])}{' …' if len(missing) > 8 else ''}")
        return cls(language, texts)

    def __getitem__(self, key: str) -> str:
        return self.texts[key]

    def get(self, key: str, default: str) -> str:
        return self.texts.get(key, default)

    def text(self, key: str, **values) -> str:
        return self.texts[key].format(**values)

    def code(self, code_list: str, code: str | None) -> str:
        """A code's label: the language table's `code.<list>.<code>`, else the code list's own label."""
        if code is None:
            return self.texts["value.unknown"]
        return self.texts.get(f"code.{code_list}.{code}") or codes.code_labels(code_list).get(code, code)


def read_labels(path: Path) -> dict[str, str]:
    with open(path, newline="", encoding="utf-8") as f:
        return {row["key"]: row["text"] for row in csv.DictReader(f)}
