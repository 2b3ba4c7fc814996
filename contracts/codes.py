"""Code lists, aliases and the statute table, read from the active country pack (contracts/pack.py).

Law and code lists are data: another country is a new pack (docs/packs.md), not new code. Every function
reads the pack in use when it is called (cached per pack folder), so a process may switch packs.
"""
from __future__ import annotations

import csv
import re
import unicodedata
from functools import cache
from pathlib import Path

from contracts import pack

HERE = Path(__file__).parent
LABELS_DIR = HERE / "labels"  # the words of tipstats itself; a pack's own words are in its labels/


def read_rows(path: Path) -> list[dict[str, str]]:
    with open(path, newline="", encoding="utf-8") as f:
        return list(csv.DictReader(f))


def codes_dir() -> Path:
    return pack.active().path("codes")


def code_list(name: str) -> tuple[str, ...]:
    """The codes of the pack's codes/<name>.csv, in file order (the order published tables follow)."""
    return _code_list(codes_dir(), name)


@cache
def _code_list(folder: Path, name: str) -> tuple[str, ...]:
    return tuple(dict.fromkeys(r["code"] for r in read_rows(folder / f"{name}.csv")))


def code_labels(name: str) -> dict[str, str]:
    return _code_labels(codes_dir(), name)


@cache
def _code_labels(folder: Path, name: str) -> dict[str, str]:
    return {r["code"]: r["label"] for r in read_rows(folder / f"{name}.csv")}


def rows(name: str) -> list[dict[str, str]]:
    """The rows of the pack's codes/<name>.csv (read once per pack)."""
    return _rows(codes_dir(), name)


@cache
def _rows(folder: Path, name: str) -> list[dict[str, str]]:
    return read_rows(folder / f"{name}.csv")


def regions(*levels: str) -> tuple[str, ...]:
    """The codes of codes/region.csv at the given levels (courts, offices, regions)."""
    return tuple(r["code"] for r in rows("region") if r["level"] in levels)


def verdicts_for(instance: str) -> tuple[str, ...]:
    return tuple(r["code"] for r in rows("verdict") if r["instance"] == instance)


def convicting_verdicts() -> frozenset[tuple[str, str]]:
    """(instance, verdict) pairs that convict."""
    return frozenset((r["instance"], r["code"]) for r in rows("verdict") if r["convicting"].lower() == "true")


def instance_courts() -> dict[str, tuple[str, ...]]:
    """Which courts may decide at each instance: those of the instance's level (pack.toml [courts])."""
    return {i.code: regions(i.level) for i in pack.active().instances}


def first_instance_courts() -> tuple[str, ...]:
    return regions(pack.active().first_instance.level)


def office_court(office: str) -> str | None:
    """The court an office's cases go to: codes/region.csv `court`, else the office itself when it is a
    court of first instance, else None (unknown)."""
    row = next(r for r in rows("region") if r["code"] == office)
    if row.get("court"):
        return row["court"]
    return office if office in first_instance_courts() else None


def pii_columns() -> frozenset[str]:
    return frozenset(r["column"] for r in rows("pii_columns"))


def fold(text: str) -> str:
    """Lower case without diacritics, single spaces: the form aliases are matched in."""
    decomposed = unicodedata.normalize("NFKD", text.replace("Đ", "Dj").replace("đ", "dj"))
    plain = "".join(c for c in decomposed if not unicodedata.combining(c))
    return " ".join(plain.lower().split())


def region_alias_map() -> dict[str, str]:
    return _region_alias_map(codes_dir())


@cache
def _region_alias_map(folder: Path) -> dict[str, str]:
    """Folded spelling → region code, for codes, aliases and aliases behind an official prefix."""
    prefixes = [fold(r["prefix"]) for r in read_rows(folder / "region_prefixes.csv")]
    names = {fold(r["alias"]): r["code"] for r in read_rows(folder / "region_aliases.csv")}
    names.update({fold(r["code"]): r["code"] for r in read_rows(folder / "region.csv")})
    out = dict(names)
    for prefix in prefixes:
        for name, code in names.items():
            out[f"{prefix} {name}"] = code
    return out


def offence_alias_map() -> dict[str, str]:
    """Folded agency token → offence code (codes/offence_aliases.csv)."""
    return _offence_alias_map(codes_dir())


@cache
def _offence_alias_map(folder: Path) -> dict[str, str]:
    path = folder / "offence_aliases.csv"
    return {fold(r["alias"]): r["offence_code"] for r in read_rows(path)} if path.exists() else {}


def laws() -> list[dict[str, str]]:
    return rows("law")


def offence_pattern() -> str:
    """One regular expression for every offence code the pack's laws accept: `LAW.` then the law's pattern."""
    return _offence_pattern(codes_dir())


@cache
def _offence_pattern(folder: Path) -> str:
    parts = [rf"{re.escape(r['code'])}\.(?:{r['pattern']})" for r in read_rows(folder / "law.csv")]
    return rf"^(?:{'|'.join(parts)})$"


def offence_case() -> dict[str, str]:
    """Law code (upper case) → how the rest of its codes are written: `upper` or `lower`."""
    return {r["code"].upper(): r["case"] for r in laws()}


def statutes() -> list[dict[str, str]]:
    return _statutes(pack.active().root)


@cache
def _statutes(root: Path) -> list[dict[str, str]]:
    return read_rows(root / "statutes.csv")


def checks() -> dict[str, str]:
    """Check name → what the agency should do about it (the pack's checks.csv)."""
    return _checks(pack.active().root)


@cache
def _checks(root: Path) -> dict[str, str]:
    return {r["check"]: r["what the agency should do"] for r in read_rows(root / "checks.csv")}
