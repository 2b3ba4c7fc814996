"""Code lists, region aliases and the statute table, read from the data files beside this module.

Law and code lists are data: another country is a new data pack (these CSV files), not new code.
"""
from __future__ import annotations

import csv
import unicodedata
from functools import cache
from pathlib import Path

HERE = Path(__file__).parent
CODES_DIR = HERE / "codes"

BASIC_REGIONS_LEVEL = "basic"


def read_rows(path: Path) -> list[dict[str, str]]:
    with open(path, newline="", encoding="utf-8") as f:
        return list(csv.DictReader(f))


@cache
def code_list(name: str) -> tuple[str, ...]:
    """The codes of contracts/codes/<name>.csv, in file order (the order published tables follow)."""
    return tuple(dict.fromkeys(r["code"] for r in read_rows(CODES_DIR / f"{name}.csv")))


@cache
def code_labels(name: str) -> dict[str, str]:
    return {r["code"]: r["label"] for r in read_rows(CODES_DIR / f"{name}.csv")}


@cache
def regions(*levels: str) -> tuple[str, ...]:
    return tuple(r["code"] for r in read_rows(CODES_DIR / "region.csv") if r["level"] in levels)


@cache
def verdicts_for(instance: str) -> tuple[str, ...]:
    return tuple(r["code"] for r in read_rows(CODES_DIR / "verdict.csv") if r["instance"] == instance)


@cache
def instance_courts() -> dict[str, tuple[str, ...]]:
    """Which courts may decide at each instance: `basic` stands for every basic-level court."""
    out = {}
    for r in read_rows(CODES_DIR / "instance.csv"):
        out[r["code"]] = regions(BASIC_REGIONS_LEVEL) if r["court"] == "basic" else (r["court"],)
    return out


@cache
def pii_columns() -> frozenset[str]:
    return frozenset(r["column"] for r in read_rows(CODES_DIR / "pii_columns.csv"))


def fold(text: str) -> str:
    """Lower case without diacritics, single spaces: the form aliases are matched in."""
    decomposed = unicodedata.normalize("NFKD", text.replace("Đ", "Dj").replace("đ", "dj"))
    plain = "".join(c for c in decomposed if not unicodedata.combining(c))
    return " ".join(plain.lower().split())


@cache
def region_alias_map() -> dict[str, str]:
    """Folded spelling → region code, for codes, aliases and aliases behind an official prefix."""
    prefixes = [fold(r["prefix"]) for r in read_rows(CODES_DIR / "region_prefixes.csv")]
    names = {fold(r["alias"]): r["code"] for r in read_rows(CODES_DIR / "region_aliases.csv")}
    names.update({fold(c): c for c in regions("basic", "special_office", "appeal", "supreme")})
    out = dict(names)
    for prefix in prefixes:
        for name, code in names.items():
            out[f"{prefix} {name}"] = code
    return out


@cache
def statutes() -> list[dict[str, str]]:
    return read_rows(HERE / "statutes.csv")


@cache
def checks() -> dict[str, str]:
    """Check name → what the agency should do about it (contracts/checks.csv)."""
    return {r["check"]: r["what the agency should do"] for r in read_rows(HERE / "checks.csv")}
