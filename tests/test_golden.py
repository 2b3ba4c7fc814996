"""Golden figures for the sample year 2025: the warehouse must reproduce tests/golden/2025.csv exactly.

The CSV was derived independently of the SQL (tests/golden/derive.py, plain pandas over the validated rows
of raw/, following DATA-SPEC sections 1 and 4; tests/golden/README.md explains every figure). This test
does not re-run the derivation: the committed CSV is the ground truth. It loads all 36 sample months once
into a fresh warehouse and compares, figure by figure, both what `tipstats stats` computes
(`pipeline.stats.compute`) and the mart rows themselves (mart_counts, mart_units, mart_sentences,
mart_person_sentences).

A golden figure that the SQL gets wrong is marked xfail(strict=True) with the bug as its reason (see
KNOWN_BUGS): the test then fails loudly as soon as the SQL is fixed, so the mark can be removed.
"""
from __future__ import annotations

import csv
from collections import defaultdict
from pathlib import Path

import pytest

from conftest import isolate
from pipeline import load, stats
from pipeline import warehouse as warehouses  # `warehouse` is the fixture below
from pipeline.settings import Settings

REPO = Path(__file__).resolve().parents[1]
GOLDEN = Path(__file__).parent / "golden" / "2025.csv"
YEAR = 2025
GROUPS = {"all": ["trafficking", "related"], "trafficking": ["trafficking"]}
PERSON_FIGURES = ("sentenced_persons", "below_minimum_persons", "prison_months_min", "prison_months_max",
                  "suspended_term_persons", "no_prison_persons", "sentences_on_charged_version")

# (figure, group, dimension) → the reason the warehouse disagrees with DATA-SPEC (xfail, strict)
KNOWN_BUGS: dict[tuple[str, str, str], str] = {}


def number(text: str):
    return None if text == "" else float(text)


def golden_cases() -> dict[tuple[str, str, str], dict[str, float | None]]:
    """(figure, group, dimension) → {dimension value: n}; totals have the one value 'all'."""
    cases: dict[tuple[str, str, str], dict] = defaultdict(dict)
    with open(GOLDEN, newline="", encoding="utf-8") as f:
        for row in csv.DictReader(f):
            cases[(row["figure"], row["group"], row["dimension"])][row["value"]] = number(row["n"])
    return dict(cases)


CASES = golden_cases()


def params() -> list:
    return [pytest.param(key, id="-".join(key),
                         marks=[pytest.mark.xfail(strict=True, reason=KNOWN_BUGS[key])] if key in KNOWN_BUGS else [])
            for key in CASES]


def as_numbers(values: dict) -> dict[str, float | None]:
    return {k: (None if v is None else float(v)) for k, v in values.items()}


# ------------------------------------------------------------------------------------------------- fixture
@pytest.fixture(scope="module")
def warehouse(tmp_path_factory) -> Path:
    """All of raw/ loaded once into a fresh warehouse under tmp, with the test key."""
    root = tmp_path_factory.mktemp("golden")
    with pytest.MonkeyPatch.context() as patch:
        isolate(patch, root, REPO / "raw")
        settings = Settings.from_env()
        report = load.refresh(settings)
        assert len(report.months) == 36, [m.month.month for m in report.months]
        return settings.warehouse


@pytest.fixture(scope="module")
def con(warehouse):
    connection = warehouses.connect(warehouse, read_only=True)
    yield connection
    connection.close()


@pytest.fixture(scope="module")
def computed(con):
    """compute() for each group, as totals and by every dimension the golden file breaks down."""
    cache: dict[tuple[str, str], dict] = {}

    def get(group: str, dimension: str) -> dict:
        if (group, dimension) not in cache:
            cache[group, dimension] = stats.compute(con, YEAR, group, None if dimension == "total" else dimension)
        return cache[group, dimension]

    return get


# --------------------------------------------------------------------------------------------- compute()
def from_compute(result: dict, figure: str, dimension: str) -> dict[str, float | None]:
    def value(row: dict):
        if figure.startswith("sentences."):
            return row["sentences"][figure.split(".", 1)[1]]
        return row[figure]

    if dimension == "total":
        return as_numbers({"all": value(result)})
    # a breakdown lists the dimension values with a non-zero count (zero and not-applicable are absent)
    return as_numbers({row[dimension]: value(row) for row in result["rows"] if value(row)})


@pytest.mark.parametrize("case", params())
def test_stats_compute_equals_golden(case, computed):
    figure, group, dimension = case
    got = from_compute(computed(group, dimension), figure, dimension)
    assert got == CASES[case], f"{figure} ({group}, {dimension}): stats.compute {got} != golden {CASES[case]}"


# ------------------------------------------------------------------------------------------------ marts
def from_marts(con, figure: str, group: str, dimension: str) -> dict[str, float | None]:
    groups = GROUPS[group]
    if figure.startswith("sentences."):
        category = figure.split(".", 1)[1]
        (n,) = con.execute(
            """select count(*) from mart_sentences
               where basis = 'first' and year = ? and "group" in (select unnest(?::varchar[]))
                 and (? = 'total' or category = ?)""", [YEAR, groups, category, category]).fetchone()
        return as_numbers({"all": n})
    if figure in PERSON_FIGURES:
        values = con.execute(
            """select count(*) filter (where known_minimum), count(*) filter (where below_minimum),
                      min(imposed_months), max(imposed_months),
                      count(*) filter (where category = 'suspended'), count(*) filter (where category = 'no_prison'),
                      count(*) filter (where known_minimum and on_charged_version)
               from mart_person_sentences
               where basis = 'first' and year = ? and "group" in (select unnest(?::varchar[]))""",
            [YEAR, groups]).fetchone()
        return as_numbers({"all": dict(zip(PERSON_FIGURES, values))[figure]})
    if figure == "child_victims":  # not a mart_counts figure: the victims units whose age_group is child
        column = "'all'" if dimension == "total" else dimension
        rows = con.execute(
            f"""select {column}, count(*) from mart_units
                where figure = 'victims_identified' and age_group = 'child' and year = ?
                  and "group" in (select unnest(?::varchar[])) group by all""", [YEAR, groups]).fetchall()
        return as_numbers(dict(rows) or {"all": 0})
    rows = con.execute(
        """select value, n from mart_counts
           where figure = ? and period_type = 'year' and period = ? and "group" = ? and dimension = ?
             and (dimension = 'total' or n > 0)""", [figure, str(YEAR), group, dimension]).fetchall()
    return as_numbers(dict(rows))


@pytest.mark.parametrize("case", params())
def test_mart_rows_equal_golden(case, con):
    figure, group, dimension = case
    got = from_marts(con, figure, group, dimension)
    assert got == CASES[case], f"{figure} ({group}, {dimension}): marts {got} != golden {CASES[case]}"


def test_every_golden_breakdown_adds_up_to_its_total():
    """The golden file is consistent with itself: each breakdown sums to the figure's total."""
    for (figure, group, dimension), values in CASES.items():
        if dimension != "total":
            assert sum(values.values()) == CASES[(figure, group, "total")]["all"], (figure, group, dimension)


def test_january_victims_are_not_reported_for_the_month_but_count_in_the_quarter_and_year(con):
    """DATA-SPEC 1: victims did not deliver 2025-01; its 3 victims (identified 8, 10 and 17 January) arrive in
    the 2025-02 delta. The month is "not reported" (null, never 0); Q1 = 3 + 2 (February) + 2 (March) = 7 and
    the year (29, golden) include them; the year states its coverage, 11 of 12 months (golden README)."""
    rows = con.execute(
        """select period, n, reported, months_delivered, months_in_period from mart_counts
           where figure = 'victims_identified' and "group" = 'all' and dimension = 'total'
             and period in ('2025-01', '2025-Q1', '2025') order by period""").fetchall()
    assert rows == [("2025", CASES[("victims_identified", "all", "total")]["all"], True, 11, 12),
                    ("2025-01", None, False, 0, 1), ("2025-Q1", 7, True, 2, 3)]
    assert stats.compute(con, YEAR)["coverage"]["victims"] == {"months_delivered": 11, "months_in_year": 12}
