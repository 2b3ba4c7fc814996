"""tipstats' code names no country: every country's codes, laws and names are data in its pack (docs/packs.md).

The code is pipeline/*.py, contracts/*.py and warehouse/**/*.sql. Searched for, from every pack's own files:
the country's name (pack.toml `country`, and its part before a parenthesis), the country code and the
national citizenship codes as quoted strings, every code of codes/region.csv as a quoted string (courts,
offices, regions), every law code of codes/law.csv as a word, and the words Kosovo and Prishtin.
"""
from __future__ import annotations

import csv
import re
import tomllib
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
PACKS = ROOT / "contracts" / "packs"
CODE = sorted([*ROOT.glob("pipeline/*.py"), *ROOT.glob("contracts/*.py"), *ROOT.glob("warehouse/**/*.sql")])


def quoted(code: str) -> str:
    return rf"""(?<![\w])['"]{re.escape(code)}['"](?![\w])"""


def forbidden() -> dict[str, str]:
    """Regular expression → what it is (pack, kind, value), for every pack."""
    out = {r"Kosovo": "the word Kosovo", r"Prishtin": "the word Prishtin"}
    for folder in sorted(p.parent for p in PACKS.glob("*/pack.toml")):
        with open(folder / "pack.toml", "rb") as f:
            doc = tomllib.load(f)
        name, country = folder.name, doc["pack"]["country"]
        for text in dict.fromkeys((country, country.split(" (")[0].strip())):
            out[re.escape(text)] = f"{name}: country name {text!r}"
        out[quoted(doc["pack"]["country_code"])] = f"{name}: country code {doc['pack']['country_code']!r}"
        for code in doc.get("citizenship", {}).get("national", []):
            out[quoted(code)] = f"{name}: national citizenship {code!r}"
        with open(folder / "codes" / "region.csv", encoding="utf-8", newline="") as f:
            for row in csv.DictReader(f):
                out.setdefault(quoted(row["code"]), f"{name}: region code {row['code']!r}")
        with open(folder / "codes" / "law.csv", encoding="utf-8", newline="") as f:
            for row in csv.DictReader(f):
                out.setdefault(rf"\b{re.escape(row['code'])}\b", f"{name}: law code {row['code']!r}")
    return out


def test_the_search_has_something_to_find():
    patterns = forbidden()
    assert len(CODE) > 20 and len(patterns) > 20
    assert any(what.startswith("kosovo: region code") for what in patterns.values())
    assert any(what.startswith("us-federal: law code") for what in patterns.values())
    sample = ["region = 'PR'", 'office == "SPRK"', "CCRK2019.165.1", "Kosovo's", 'court = "CA9"', "USC18.1591"]
    assert [s for s in sample if not any(re.search(p, s) for p in patterns)] == []
    assert [s for s in ("'PRO'", "PRODUCT", "USC181", "'pr'") if any(re.search(p, s) for p in patterns)] == []


def test_no_country_in_the_code():
    patterns = {re.compile(p): what for p, what in forbidden().items()}
    found = []
    for path in CODE:
        for number, line in enumerate(path.read_text(encoding="utf-8").splitlines(), start=1):
            found += [f"{path.relative_to(ROOT)}:{number}: {what}" for p, what in patterns.items() if p.search(line)]
    assert found == []
