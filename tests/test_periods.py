"""`tipstats stats --from/--to`: the figures of any run of months, on the committed sample months (raw/,
2023-11 … 2026-10; victims did not deliver 2025-01).

Expected figures are counted here with pandas from the mart rows (mart_units, mart_person_sentences,
mart_sentences, mart_coverage), not by the queries the command runs; a few were counted by hand and are
written out.
"""
from __future__ import annotations

import json

import duckdb
import pandas as pd
import pytest
from typer.testing import CliRunner

from pipeline.cli import app
from pipeline.stats import COUNT_FIGURES

BOTH = ["trafficking", "related"]  # --group all
SOURCES = ["investigations", "judgments", "prosecutions", "victims"]


@pytest.fixture(scope="module")
def sample(sample_settings):
    """The shared sample warehouse (conftest); the environment stays pointed at it for the module."""
    return sample_settings.warehouse


@pytest.fixture(scope="module")
def marts(sample):
    con = duckdb.connect(str(sample), read_only=True)
    try:
        yield {name: con.execute(f"select * from {name}").df()
               for name in ("mart_units", "mart_person_sentences", "mart_sentences", "mart_coverage")}
    finally:
        con.close()


def run(*args: str) -> tuple[int, str, str]:
    result = CliRunner().invoke(app, list(args), prog_name="tipstats", catch_exceptions=False)
    return result.exit_code, result.stdout, result.stderr


def stats_json(*args: str) -> dict:
    code, out, err = run("stats", *args, "--json")
    assert code == 0, err
    return json.loads(out)


def month_of(dates: pd.Series) -> pd.Series:
    return pd.to_datetime(dates).dt.strftime("%Y-%m")


def expected_counts(units: pd.DataFrame, first: str, last: str, groups: list[str]) -> dict[str, int]:
    units = units[units["month"].between(first, last) & units["group"].isin(groups)]
    counts = {figure: int((units["figure"] == figure).sum()) for figure in COUNT_FIGURES}
    counts["child_victims"] = int(((units["figure"] == "victims_identified") & (units["age_group"] == "child")).sum())
    return counts


def test_period_counts_are_the_units_dated_in_its_months(marts):
    result = stats_json("--from", "2024-03", "--to", "2025-06")
    assert (result["from"], result["to"], result["group"]) == ("2024-03", "2025-06", "all")
    assert "year" not in result
    assert {f: result[f] for f in COUNT_FIGURES} == expected_counts(marts["mart_units"], "2024-03", "2025-06", BOTH)
    # counted by hand from mart_units
    assert [result[f] for f in ("investigated_cases", "investigated_persons", "prosecuted_persons",
                                "convicted_persons")] == [36, 57, 35, 23]


def test_period_person_sentence_figures(marts):
    persons = marts["mart_person_sentences"]
    persons = persons[(persons["basis"] == "first") & month_of(persons["counted_on"]).between("2024-03", "2025-06")
                      & persons["group"].isin(["trafficking"])]
    charges = marts["mart_sentences"]
    charges = charges[(charges["basis"] == "first") & charges["group"].isin(["trafficking"])
                      & month_of(charges["judgment_date"]).between("2024-03", "2025-06")]
    result = stats_json("--from", "2024-03", "--to", "2025-06", "--group", "trafficking")
    assert result["sentenced_persons"] == int(persons["known_minimum"].sum())
    assert result["below_minimum_persons"] == int(persons["below_minimum"].sum())
    assert result["prison_months_min"] == persons["imposed_months"].min()
    assert result["prison_months_max"] == persons["imposed_months"].max()
    assert result["no_prison_persons"] == int((persons["category"] == "no_prison").sum())
    assert result["sentences"]["total"] == len(charges)
    assert {c: n for c, n in result["sentences"].items() if c != "total" and n} == \
        charges["category"].value_counts().to_dict()


def test_period_by_dimension(marts):
    units = marts["mart_units"]
    units = units[units["month"].between("2025-02", "2026-04") & units["group"].isin(BOTH)
                  & (units["figure"] == "convicted_persons")]
    result = stats_json("--from", "2025-02", "--to", "2026-04", "--by", "sex")
    assert {r["sex"]: r["convicted_persons"] for r in result["rows"] if r["convicted_persons"]} == \
        units["sex"].value_counts().to_dict()


def test_coverage_counts_the_months_of_the_period(marts):
    coverage = marts["mart_coverage"]
    coverage = coverage[coverage["month"].between("2024-03", "2025-06")]
    result = stats_json("--from", "2024-03", "--to", "2025-06")
    assert result["coverage"] == {
        source: {"months_delivered": int(coverage[(coverage["source"] == source)]["delivered"].sum()),
                 "months_in_period": 16}
        for source in SOURCES}
    assert result["coverage"]["victims"] == {"months_delivered": 15, "months_in_period": 16}  # 2025-01 missing


def test_a_year_is_its_twelve_months_and_keeps_its_keys(sample):
    year = stats_json("--year", "2025")
    months = stats_json("--from", "2025-01", "--to", "2025-12")
    assert (year["year"], year["from"], year["to"]) == (2025, "2025-01", "2025-12")
    assert year["coverage"]["victims"] == {"months_delivered": 11, "months_in_year": 12}
    del year["year"]
    year["coverage"] = {s: {"months_delivered": c["months_delivered"], "months_in_period": c["months_in_year"]}
                        for s, c in year["coverage"].items()}
    assert year == months
    assert stats_json("--from", "2025", "--to", "2025") == months  # a bare year: January … December


def test_from_alone_runs_to_the_last_loaded_month_and_to_alone_from_the_first(marts):
    later = stats_json("--from", "2026-03")
    assert (later["from"], later["to"]) == ("2026-03", "2026-10")
    assert later == stats_json("--from", "2026-03", "--to", "2026-10")
    earlier = stats_json("--to", "2024")
    # the warehouse covers from January of the first year with a delivery or a dated unit
    assert (earlier["from"], earlier["to"]) == ("2023-01", "2024-12")
    assert {f: earlier[f] for f in COUNT_FIGURES} == expected_counts(marts["mart_units"], "2023-01", "2024-12", BOTH)


def test_units_dated_before_the_first_delivery_count_with_no_coverage(marts):
    """Cases opened in 2023-05 and 2023-06, delivered from 2023-11 on: counted, with 0 of 6 months covered."""
    result = stats_json("--from", "2023-01", "--to", "2023-06")
    assert (result["investigated_cases"], result["investigated_persons"]) == (3, 3)
    assert {f: result[f] for f in COUNT_FIGURES} == expected_counts(marts["mart_units"], "2023-01", "2023-06", BOTH)
    assert result["coverage"]["judgments"] == {"months_delivered": 0, "months_in_period": 6}


def test_the_table_states_the_period(sample):
    code, out, _ = run("stats", "--from", "2024-03", "--to", "2025-06")
    assert code == 0
    assert "2024-03 … 2025-06, group all" in out
    assert out.splitlines()[-1] == ("Coverage (months delivered): investigations 16/16, judgments 16/16, "
                                    "prosecutions 16/16, victims 15/16")


@pytest.mark.parametrize("args, message", [
    (["--year", "2031"],
     "no source delivered any month in 2031-01 … 2031-12: loaded months are 2023-11 … 2026-10"),
    (["--from", "2019-01", "--to", "2020-06"],
     "no source delivered any month in 2019-01 … 2020-06: loaded months are 2023-11 … 2026-10"),
    (["--from", "2031-01"], "no source delivered any month from 2031-01: loaded months are 2023-11 … 2026-10"),
    (["--to", "2022-12"], "no source delivered any month up to 2022-12: loaded months are 2023-11 … 2026-10"),
    (["--from", "2025-13"], "--from must be a year (YYYY) or a month (YYYY-MM), not '2025-13'"),
    (["--to", "25-01"], "--to must be a year (YYYY) or a month (YYYY-MM), not '25-01'"),
    (["--from", "2025-06", "--to", "2025-01"], "--from 2025-06 is after --to 2025-01"),
    (["--year", "2025", "--from", "2025-01"], "--year cannot be combined with --from or --to"),
    (["--year", "2025", "--to", "2025-06"], "--year cannot be combined with --from or --to"),
    ([], "give --year, or --from and/or --to"),
], ids=["no-delivery-year", "no-delivery-period", "from-after-last", "to-before-first", "bad-month",
        "bad-to", "from-after-to", "year-and-from", "year-and-to", "no-period"])
def test_exit_2_with_one_line(sample, args, message):
    assert run("stats", *args) == (2, "", f"error: {message}\n")
