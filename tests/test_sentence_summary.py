"""`tipstats sentences --summary`: the persons' unsuspended prison terms (0 months without one) per dimension,
on the committed sample months (raw/, 2023-11 … 2026-10).

Expected values are computed here with pandas from mart_person_sentences and mart_units (pandas' default
quantile interpolates linearly, as quantile_cont does), not by the query the command runs; the totals and
the rows of one sex were also counted by hand and are written out.
"""
from __future__ import annotations

import json

import duckdb
import pandas as pd
import pytest
from typer.testing import CliRunner

from pipeline.cli import app
from pipeline.sentences import SUMMARY_DIMENSIONS

GROUPS = {"trafficking": ["trafficking"], "related": ["related"], "all": ["trafficking", "related"]}
UNIT_FIGURE = {"first": "convicted_persons", "final": "final_convictions"}


@pytest.fixture(scope="module")
def sample(sample_settings):
    """The shared sample warehouse (conftest); the environment stays pointed at it for the module."""
    return sample_settings.warehouse


@pytest.fixture(scope="module")
def persons(sample) -> pd.DataFrame:
    """One row per person sentence with the dimensions of its unit and its months (0 without a prison term)."""
    con = duckdb.connect(str(sample), read_only=True)
    try:
        sentences = con.execute("select * from mart_person_sentences").df()
        units = con.execute("select * from mart_units").df()
    finally:
        con.close()
    sentences["unit_id"] = sentences["judgment_id"] + " " + sentences["person_key"]
    sentences["figure"] = sentences["basis"].map(UNIT_FIGURE)
    sentences["months"] = sentences["imposed_months"].fillna(0.0)
    sentences["month"] = pd.to_datetime(sentences["counted_on"]).dt.strftime("%Y-%m")
    dimensions = units[["figure", "unit_id", *SUMMARY_DIMENSIONS]]
    joined = sentences.drop(columns=["court"]).merge(dimensions, on=["figure", "unit_id"], how="inner")
    assert len(joined) == len(sentences)  # every person sentence has its unit
    return joined


def run(*args: str) -> tuple[int, str, str]:
    result = CliRunner().invoke(app, list(args), prog_name="tipstats", catch_exceptions=False)
    return result.exit_code, result.stdout, result.stderr


def summary(*args: str) -> list[dict]:
    code, out, err = run("sentences", "--summary", *args, "--json")
    assert code == 0, err
    return json.loads(out)


def described(by: str, value: str, months: pd.Series) -> dict:
    return {"by": by, "value": value, "persons": len(months), "median_months": months.quantile(0.5),
            "q1_months": months.quantile(0.25), "q3_months": months.quantile(0.75),
            "min_months": months.min(), "max_months": months.max()}


def expected(persons: pd.DataFrame, instance: str = "first", group: str = "trafficking", by: str | None = None,
             first: str = "0000-00", last: str = "9999-99") -> dict[str, dict]:
    chosen = persons[(persons["basis"] == instance) & persons["group"].isin(GROUPS[group])
                     & persons["month"].between(first, last)]
    rows = {"total": described(by or "total", "total", chosen["months"])}
    if by is not None:
        rows |= {value: described(by, value, part["months"]) for value, part in chosen.groupby(by)}
    return rows


@pytest.mark.parametrize("instance", ["first", "final"])
@pytest.mark.parametrize("group", ["trafficking", "related", "all"])
def test_total_per_instance_and_group(persons, instance, group):
    assert summary("--instance", instance, "--group", group) == [expected(persons, instance, group)["total"]]


@pytest.mark.parametrize("by", SUMMARY_DIMENSIONS)
def test_by_every_dimension(persons, by):
    rows = summary("--by", by)
    assert {r["value"]: r for r in rows} == expected(persons, by=by)
    assert rows[-1]["value"] == "total"


def test_hand_counted_values(sample):
    """First instance, trafficking, every month: 31 persons; sorted months 0 ×4, 30 ×4, 36 ×6, 42 ×6, 48 ×5,
    54 ×2, 90 ×2, 96, 102: median rank 15 = 42, q1 rank 7.5 = 30 + (36 − 30) / 2, q3 rank 22.5 = 48.
    Women: 36, 42, 42, 48, 48. Sex unknown: 0, 36, 42, 48 (median 39, q1 0.75 × 36, q3 42 + 0.25 × 6)."""
    rows = summary("--by", "sex")
    assert [(r["value"], r["persons"], r["median_months"], r["q1_months"], r["q3_months"], r["min_months"],
             r["max_months"]) for r in rows] == [
        ("F", 5, 42, 42, 48, 36, 48),
        ("M", 22, 39, 30, 52.5, 0, 102),
        ("U", 4, 39, 27, 43.5, 0, 48),
        ("total", 31, 42, 33, 48, 0, 102),
    ]
    assert summary() == [{"by": "total", "value": "total", "persons": 31, "median_months": 42, "q1_months": 33,
                          "q3_months": 48, "min_months": 0, "max_months": 102}]


def test_period(persons):
    rows = summary("--from", "2024-07", "--to", "2025-12", "--by", "age_group", "--instance", "final")
    assert {r["value"]: r for r in rows} == expected(persons, "final", by="age_group", first="2024-07",
                                                       last="2025-12")
    assert summary("--year", "2025") == summary("--from", "2025-01", "--to", "2025-12") == \
        [expected(persons, first="2025-01", last="2025-12")["total"]]
    assert summary("--from", "2026-01") == [expected(persons, first="2026-01")["total"]]


def test_nobody_convicted_in_the_period(sample):
    assert summary("--group", "related", "--from", "2026-01", "--by", "sex") == [
        {"by": "sex", "value": "total", "persons": 0, "median_months": None, "q1_months": None,
         "q3_months": None, "min_months": None, "max_months": None}]


def test_table_and_csv(sample):
    code, out, _ = run("sentences", "--summary", "--by", "sex")
    assert code == 0
    assert out.splitlines()[0].strip() == ("Unsuspended prison months per convicted person, first instance, "
                                           "group trafficking, every month loaded")
    cells = [[cell.strip() for cell in line.split(bar)[1:-1]] for line in out.splitlines()
             for bar in "┃│" if bar in line]
    assert cells == [["sex", "persons", "median", "q1", "q3", "min", "max"],
                     ["F", "5", "42", "42", "48", "36", "48"],
                     ["M", "22", "39", "30", "52.5", "0", "102"],
                     ["U", "4", "39", "27", "43.5", "0", "48"],
                     ["total", "31", "42", "33", "48", "0", "102"]]
    code, out, _ = run("sentences", "--summary", "--format", "csv")
    assert (code, out) == (0, "by,value,persons,median_months,q1_months,q3_months,min_months,max_months\n"
                              "total,total,31,42.0,33.0,48.0,0.0,102.0\n")


@pytest.mark.parametrize("args, message", [
    (["--summary", "--by", "office"],
     "--by must be one of sex, age_group, court, region, exploitation_form, citizenship_group, not 'office'"),
    (["--summary", "--group", "other"], "--group must be one of trafficking, related, all, not 'other'"),
    (["--summary", "--from", "2025-13"], "--from must be a year (YYYY) or a month (YYYY-MM), not '2025-13'"),
    (["--summary", "--from", "2025-06", "--to", "2025-01"], "--from 2025-06 is after --to 2025-01"),
    (["--summary", "--year", "2025", "--from", "2025-01"], "--year cannot be combined with --from or --to"),
    (["--summary", "--year", "2031"],
     "no source delivered any month in 2031-01 … 2031-12: loaded months are 2023-11 … 2026-10"),
    (["--summary", "--below-minimum"], "--below-minimum does not apply to --summary"),
    (["--summary", "--restricted"],
     "--restricted does not apply to --summary: it shows no case number or pseudonym"),
    (["--by", "sex"], "--by needs --summary"),
    (["--from", "2025-01"], "--from needs --summary"),
    (["--json", "--format", "csv"], "--json cannot be combined with --format csv"),
], ids=["bad-by", "bad-group", "bad-month", "from-after-to", "year-and-from", "no-delivery", "below-minimum",
        "restricted", "by-without-summary", "from-without-summary", "json-and-csv"])
def test_exit_2_with_one_line(sample, args, message):
    assert run("sentences", *args) == (2, "", f"error: {message}\n")
