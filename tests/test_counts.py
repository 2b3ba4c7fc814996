"""Counting rules (DATA-SPEC 4, with 1: corrections, withdrawals, not delivered), pinned on tiny deliveries.

Each test delivers a few hand-built rows for one to twelve months, runs the real `tipstats refresh`, and
asserts exact figures of `tipstats stats --year 2024 --json` and/or exact rows of mart_units / mart_counts.
Every delivered row must be accepted (the `load` fixture insists on an empty quarantine), so a figure never
moves because a row was silently held back.

Statute groups used (contracts/packs/kosovo/statutes.csv): CCRK2019.165.1 trafficking, CCRK2019.243.3 related,
CCRK2019.170.1 other, CCRK2019.999 unlisted (→ other, range unknown).
"""
from __future__ import annotations

import hashlib
import hmac
import datetime
import json

import pytest

from conftest import DEFAULTS, INV, JUD, PROS, TEST_KEY, VIC, csv_text, header_only, querier
from pipeline.stats import COUNT_FIGURES, DIMENSIONS

TRAFFICKING = "CCRK2019.165.1"
RELATED = "CCRK2019.243.3"
OTHER = "CCRK2019.170.1"
UNLISTED = "CCRK2019.999"

KEYS = {
    "investigations": ("case_id", "person_id", "offence_code"),
    "prosecutions": ("prosecution_id", "person_id", "offence_code", "decision"),
    "judgments": ("judgment_id", "person_id", "offence_code", "instance"),
    "victims": ("victim_id", "case_id"),
}
COURT_OF_INSTANCE = {"first": "PR", "appeal": "APP", "supreme": "SUP"}
CONVICTING = ("convicted", "confirmed", "modified")


# ----------------------------------------------------------------------------------------------- row builders
def inv(case: str, person: str, code: str = TRAFFICKING, opened: str = "2024-01-05", **columns) -> dict:
    """One investigation row (suspect × offence), status dated on the opening day."""
    return {**INV, "case_id": case, "person_id": person, "offence_code": code, "opened_on": opened,
            "status_on": opened, **columns}


def pros(prosecution: str, person: str, code: str = TRAFFICKING, decision: str = "indicted",
         decided: str = "2024-01-20", case: str = "", **columns) -> dict:
    """One prosecution row (defendant × charge × decision); no case_id unless given."""
    return {**PROS, "prosecution_id": prosecution, "case_id": case, "person_id": person, "offence_code": code,
            "decision": decision, "decided_on": decided, **columns}


def jud(judgment: str, person: str, code: str = TRAFFICKING, verdict: str = "convicted",
        date: str = "2024-01-25", instance: str = "first", final: str = "false", prosecution: str = "",
        **columns) -> dict:
    """One judgment row (defendant × charge × instance); the court follows the instance, and a verdict that
    does not convict carries no sentence."""
    row = {**JUD, "judgment_id": judgment, "prosecution_id": prosecution, "person_id": person,
           "court": COURT_OF_INSTANCE[instance], "instance": instance, "offence_code": code,
           "judgment_date": date, "verdict": verdict, "final": final}
    if verdict not in CONVICTING:
        row.update(prison_months="", suspended="", fine_eur="", mitigation="")
    return {**row, **columns}


def vic(victim: str, case: str = "", identified: str = "2024-01-06", **columns) -> dict:
    """One victim row; identified outside a criminal case unless a case is given."""
    return {**VIC, "victim_id": victim, "case_id": case, "identified_on": identified, **columns}


def withdrawals(source: str, *rows: dict) -> list[dict]:
    """Withdrawal rows: only the key columns filled, `withdrawn` true."""
    return [{**{c: row[c] for c in KEYS[source]}, "withdrawn": "true"} for row in rows]


def delivery(source: str, rows: list[dict]) -> str:
    """A file with every column of the source plus `withdrawn` (withdrawals and ordinary rows together)."""
    return csv_text([{"withdrawn": "false", **row} for row in rows], columns=[*DEFAULTS[source], "withdrawn"])


def pkey(person_id: str) -> str:
    """The pseudonym the warehouse stores for a person identifier (test key)."""
    return hmac.new(TEST_KEY.encode(), person_id.strip().upper().replace(" ", "").encode(),
                    hashlib.sha256).hexdigest()[:32]


def day(text: str) -> datetime.date:
    return datetime.date.fromisoformat(text)


def unit(record_id: str, person_id: str) -> str:
    """mart_units.unit_id of a person-unit: the case / prosecution / judgment number and the pseudonym."""
    return f"{record_id} {pkey(person_id)}"


# ----------------------------------------------------------------------------------------------- reading back
@pytest.fixture
def load(refresh, query):
    """Run the refresh and insist every delivered row was accepted."""

    def run() -> None:
        refresh()
        assert query('select line, "column", "check", value from quarantine') == []

    return run


@pytest.fixture
def stats(cli):
    """stats(group=, by=) → the `tipstats stats --year 2024 --json` object."""

    def run(group: str = "all", by: str | None = None, year: int = 2024) -> dict:
        args = ["stats", "--year", str(year), "--group", group, "--json", *(["--by", by] if by else [])]
        result = cli(*args)
        assert result.exit_code == 0, result.stderr + result.stdout
        return json.loads(result.stdout)

    return run


def figures(result: dict) -> dict:
    """The count figures of a stats object (totals)."""
    return {f: result[f] for f in COUNT_FIGURES}


def rows_by(result: dict) -> dict[str, dict]:
    """A `--by` stats object as {dimension value: row}."""
    return {row[result["by"]]: row for row in result["rows"]}


def units(query, figure: str, *columns: str) -> list[tuple]:
    """(unit_id, columns...) of every counted unit of a figure in mart_units, sorted."""
    selected = ", ".join(["unit_id", *(f'"{c}"' for c in columns)])
    return sorted(query(f"select {selected} from mart_units where figure = ?", [figure]))


def count(query, figure: str, period: str, group: str = "all", dimension: str = "total",
          value: str = "all") -> tuple:
    """(n, reported, months_delivered, months_in_period) of one mart_counts cell; period 2024, 2024-Q1 or
    2024-01."""
    period_type = "year" if len(period) == 4 else "quarter" if "Q" in period else "month"
    found = query("""select n, reported, months_delivered, months_in_period from mart_counts
                     where figure = ? and period_type = ? and period = ? and "group" = ? and dimension = ?
                       and value = ?""", [figure, period_type, period, group, dimension, value])
    assert len(found) == 1, found
    return found[0]


# ------------------------------------------------------------------------------------- 1. persons, not charges
def test_a_person_with_several_charges_and_decisions_counts_once_per_stage(env, load, stats, query):
    env.deliver(
        "2024-01",
        investigations=[inv("C-1", "P1", TRAFFICKING), inv("C-1", "P1", RELATED, opened="2024-01-07")],
        prosecutions=[pros("PP-1", "P1", TRAFFICKING, "indicted", "2024-01-20", case="C-1"),
                      pros("PP-1", "P1", RELATED, "indicted", "2024-01-21", case="C-1"),
                      pros("PP-1", "P1", RELATED, "plea_agreement", "2024-01-22", case="C-1")],
        judgments=[jud("J-1", "P1", TRAFFICKING, prosecution="PP-1"),
                   jud("J-1", "P1", RELATED, prosecution="PP-1", date="2024-01-26")],
    )
    load()
    assert figures(stats()) == {
        "investigated_cases": 1, "investigated_persons": 1, "prosecuted_persons": 1, "convicted_persons": 1,
        "final_convictions": 0, "acquitted_persons": 0, "victims_identified": 0, "child_victims": 0}
    # each person-unit at its earliest qualifying date
    assert units(query, "investigated_persons", "unit_date") == [(unit("C-1", "P1"), day("2024-01-05"))]
    assert units(query, "prosecuted_persons", "unit_date") == [(unit("PP-1", "P1"), day("2024-01-20"))]
    assert units(query, "convicted_persons", "unit_date") == [(unit("J-1", "P1"), day("2024-01-25"))]


def test_mixed_verdicts_count_as_convicted_acquitted_only_without_a_conviction(env, load, stats, query):
    env.deliver("2024-01", judgments=[
        # convicted on one charge, acquitted on the other: convicted, not acquitted
        jud("J-MIX", "P-MIX", TRAFFICKING, "convicted"), jud("J-MIX", "P-MIX", RELATED, "acquitted"),
        # no conviction, one acquittal (and a rejected charge): acquitted
        jud("J-ACQ", "P-ACQ", TRAFFICKING, "acquitted", date="2024-01-27"),
        jud("J-ACQ", "P-ACQ", RELATED, "rejected", date="2024-01-27"),
        # rejected and dismissed only: neither
        jud("J-NONE", "P-NONE", TRAFFICKING, "rejected"), jud("J-NONE", "P-NONE", RELATED, "dismissed"),
    ])
    load()
    result = stats()
    assert (result["convicted_persons"], result["acquitted_persons"]) == (1, 1)
    assert units(query, "convicted_persons", "unit_date") == [(unit("J-MIX", "P-MIX"), day("2024-01-25"))]
    assert units(query, "acquitted_persons", "unit_date") == [(unit("J-ACQ", "P-ACQ"), day("2024-01-27"))]


# ------------------------------------------------------------------------------------------------ 2. corrections
def test_a_dismissal_corrected_to_an_indictment_counts_in_the_month_of_the_decision(env, load, stats, query):
    """The decision is part of the prosecutions key: the agency withdraws the wrong row and sends the right one."""
    dismissed = pros("PP-1", "P1", decision="dismissed", decided="2024-01-20")
    env.deliver("2024-01", prosecutions=[dismissed])
    load()
    assert stats()["prosecuted_persons"] == 0

    env.deliver("2024-02", prosecutions=delivery("prosecutions", [
        *withdrawals("prosecutions", dismissed), pros("PP-1", "P1", decision="indicted", decided="2024-01-20")]))
    load()
    assert stats()["prosecuted_persons"] == 1
    assert units(query, "prosecuted_persons", "month") == [(unit("PP-1", "P1"), "2024-01")]
    assert count(query, "prosecuted_persons", "2024-01") == (1, True, 1, 1)
    assert count(query, "prosecuted_persons", "2024-02") == (0, True, 1, 1)


def test_a_judgment_corrected_to_final_becomes_a_final_conviction_at_its_judgment_date(env, load, stats, query):
    env.deliver("2024-01", judgments=[jud("J-1", "P1", final="false", date="2024-01-25")])
    load()
    assert (stats()["convicted_persons"], stats()["final_convictions"]) == (1, 0)

    env.deliver("2024-03", judgments=[jud("J-1", "P1", final="true", date="2024-01-25")])
    load()
    assert (stats()["convicted_persons"], stats()["final_convictions"]) == (1, 1)
    assert units(query, "final_convictions", "unit_date", "month") == [
        (unit("J-1", "P1"), day("2024-01-25"), "2024-01")]
    assert count(query, "final_convictions", "2024-01")[:2] == (1, True)
    assert count(query, "final_convictions", "2024-03")[:2] == (0, True)


# ------------------------------------------------------------------------------------------------ 3. withdrawals
def test_a_withdrawal_removes_the_unit_from_the_counts(env, load, stats, query):
    kept, wrong = inv("C-KEPT", "P1"), inv("C-WRONG", "P2")
    wrong_judgment = jud("J-WRONG", "P2")
    env.deliver("2024-01", investigations=[kept, wrong], judgments=[jud("J-KEPT", "P1"), wrong_judgment])
    load()
    assert (stats()["investigated_cases"], stats()["convicted_persons"]) == (2, 2)

    env.deliver("2024-02", investigations=delivery("investigations", withdrawals("investigations", wrong)),
                judgments=delivery("judgments", withdrawals("judgments", wrong_judgment)))
    load()
    result = stats()
    assert (result["investigated_cases"], result["investigated_persons"], result["convicted_persons"]) == (1, 1, 1)
    assert units(query, "investigated_cases") == [("C-KEPT",)]
    assert units(query, "convicted_persons") == [(unit("J-KEPT", "P1"),)]


# ---------------------------------------------------------------------------------------------------- 4. groups
def test_groups_partition_all_and_other_stays_out(env, load, stats, query):
    env.deliver(
        "2024-01",
        investigations=[
            inv("C-TIP", "P1", TRAFFICKING), inv("C-TIP", "P1", OTHER),  # trafficking + other → trafficking
            inv("C-REL", "P2", RELATED),                                 # related only → related
            inv("C-UNL", "P3", UNLISTED),                                # unlisted article → other
            inv("C-OTH", "P4", OTHER),                                   # other
        ],
        prosecutions=[pros("PP-TIP", "P1", TRAFFICKING, case="C-TIP"), pros("PP-TIP", "P1", OTHER, case="C-TIP"),
                      pros("PP-REL", "P2", RELATED, case="C-REL"), pros("PP-UNL", "P3", UNLISTED, case="C-UNL")],
        judgments=[jud("J-TIP", "P1", TRAFFICKING, prosecution="PP-TIP"),
                   jud("J-TIP", "P1", OTHER, prosecution="PP-TIP"),
                   jud("J-REL", "P2", RELATED, prosecution="PP-REL", final="true"),
                   jud("J-UNL", "P3", UNLISTED, prosecution="PP-UNL", final="true")],
        victims=[vic("V-NOCASE"), vic("V-TIP", "C-TIP"), vic("V-REL", "C-REL"), vic("V-UNL", "C-UNL"),
                 vic("V-UNDELIVERED-CASE", "C-NEVER-SENT")],
    )
    load()
    assert units(query, "investigated_cases", "group") == [
        ("C-OTH", "other"), ("C-REL", "related"), ("C-TIP", "trafficking"), ("C-UNL", "other")]
    assert units(query, "victims_identified", "group") == sorted([
        (pkey("V-NOCASE"), "trafficking"), (pkey("V-TIP"), "trafficking"), (pkey("V-REL"), "related"),
        (pkey("V-UNL"), "other"), (pkey("V-UNDELIVERED-CASE"), "trafficking")])

    trafficking, related, total = figures(stats("trafficking")), figures(stats("related")), figures(stats("all"))
    assert trafficking == {
        "investigated_cases": 1, "investigated_persons": 1, "prosecuted_persons": 1, "convicted_persons": 1,
        "final_convictions": 0, "acquitted_persons": 0, "victims_identified": 3, "child_victims": 3}
    assert related == {
        "investigated_cases": 1, "investigated_persons": 1, "prosecuted_persons": 1, "convicted_persons": 1,
        "final_convictions": 1, "acquitted_persons": 0, "victims_identified": 1, "child_victims": 1}
    assert total == {figure: trafficking[figure] + related[figure] for figure in COUNT_FIGURES}
    assert {value: row["convicted_persons"] for value, row in rows_by(stats(by="group")).items()} == {
        "trafficking": 1, "related": 1}
    # `other` is kept, not in `all`
    assert count(query, "investigated_cases", "2024", group="other")[0] == 2
    assert count(query, "final_convictions", "2024", group="other")[0] == 1
    assert count(query, "victims_identified", "2024", group="other")[0] == 1
    assert count(query, "investigated_cases", "2024", group="all")[0] == 2


def test_a_person_takes_the_group_of_the_charges_that_qualify_the_figure(env, load, query):
    """Prosecuted: only indicted/plea charges count (a dismissed trafficking charge does not lift the group);
    convicted: only convicted charges; acquitted: the acquitted charges."""
    env.deliver("2024-01",
                prosecutions=[pros("PP-1", "P1", TRAFFICKING, "dismissed"),
                              pros("PP-1", "P1", RELATED, "indicted")],
                judgments=[jud("J-1", "P1", TRAFFICKING, "acquitted"), jud("J-1", "P1", RELATED, "convicted"),
                           jud("J-2", "P2", TRAFFICKING, "rejected"), jud("J-2", "P2", OTHER, "acquitted")])
    load()
    assert units(query, "prosecuted_persons", "group") == [(unit("PP-1", "P1"), "related")]
    assert units(query, "convicted_persons", "group") == [(unit("J-1", "P1"), "related")]
    assert units(query, "acquitted_persons", "group") == [(unit("J-2", "P2"), "other")]


def test_a_victim_of_several_cases_counts_once_at_the_earliest_date_with_the_highest_group(
        env, load, stats, query):
    env.deliver("2024-01", investigations=[inv("C-REL", "P1", RELATED), inv("C-TIP", "P2", TRAFFICKING)],
                victims=[vic("V-1", "C-REL", identified="2024-01-06"),
                         vic("V-1", "C-TIP", identified="2024-01-09")])
    env.deliver("2024-02", investigations=[inv("C-REL-2", "P3", RELATED, opened="2024-02-01")],
                victims=[vic("V-1", "C-REL-2", identified="2024-02-01")])
    load()
    assert units(query, "victims_identified", "unit_date", "group") == [
        (pkey("V-1"), day("2024-01-06"), "trafficking")]
    assert (stats("trafficking")["victims_identified"], stats("related")["victims_identified"]) == (1, 0)


# ----------------------------------------------------------------------------------------------- 5. demographics
def test_a_judgment_without_demographics_takes_the_earlier_stages(env, load, query):
    env.deliver(
        "2024-01",
        investigations=[inv("C-1", "P1", sex="F", birth_year="1990", citizenship="AL", public_official="true")],
        prosecutions=[pros("PP-1", "P1", case="C-1", sex="U", birth_year="1991", citizenship="",
                           public_official="")],
        judgments=[jud("J-1", "P1", prosecution="PP-1", sex="U", birth_year="", citizenship="",
                       public_official="", offence_date="2023-06-01")],
    )
    load()
    columns = ("sex", "age", "age_group", "citizenship", "citizenship_group", "public_official")
    assert units(query, "investigated_persons", *columns) == [
        (unit("C-1", "P1"), "F", 2024 - 1990, "adult", "AL", "foreign", "yes")]
    # the prosecution's own birth year holds; 'U' and empty let the investigation's values through
    assert units(query, "prosecuted_persons", *columns) == [
        (unit("PP-1", "P1"), "F", 2024 - 1991, "adult", "AL", "foreign", "yes")]
    # the judgment's age is at its reference date, the offence date (2023), with the prosecution's birth year
    assert units(query, "convicted_persons", *columns) == [
        (unit("J-1", "P1"), "F", 2023 - 1991, "adult", "AL", "foreign", "yes")]


def test_the_earliest_row_holds_when_a_persons_rows_disagree(env, load, query):
    env.deliver("2024-01", investigations=[
        # the later row comes first in the file: the earliest opened_on decides, not the line
        inv("C-1", "P1", RELATED, opened="2024-01-09", sex="F", birth_year="1981", citizenship="AL",
            public_official="true"),
        inv("C-1", "P1", TRAFFICKING, opened="2024-01-05", sex="M", birth_year="1980", citizenship="XK",
            public_official="false"),
    ], prosecutions=[
        pros("PP-1", "P1", RELATED, decided="2024-01-22", case="C-1", sex="X", birth_year="1975"),
        pros("PP-1", "P1", TRAFFICKING, decided="2024-01-20", case="C-1", sex="F", birth_year="1970"),
    ])
    load()
    columns = ("unit_date", "sex", "age", "citizenship_group", "public_official")
    assert units(query, "investigated_persons", *columns) == [
        (unit("C-1", "P1"), day("2024-01-05"), "M", 44, "national", "no")]
    assert units(query, "prosecuted_persons", *columns) == [
        (unit("PP-1", "P1"), day("2024-01-20"), "F", 54, "national", "no")]


def test_age_group_citizenship_group_and_public_official_categories(env, load, stats, query):
    env.deliver("2024-01", investigations=[
        inv("C-1", "CHILD", birth_year="2007", citizenship="XK", public_official="true"),     # 17 → child
        inv("C-2", "ADULT", birth_year="2006", citizenship="RS", public_official="false"),    # 18 → adult
        inv("C-3", "UNKNOWN", birth_year="", citizenship="", public_official=""),
    ])
    load()
    columns = ("age", "age_group", "citizenship_group", "public_official")
    assert units(query, "investigated_persons", *columns) == sorted([
        (unit("C-1", "CHILD"), 17, "child", "national", "yes"),
        (unit("C-2", "ADULT"), 18, "adult", "foreign", "no"),
        (unit("C-3", "UNKNOWN"), None, "unknown", "unknown", "unknown")])
    for dimension, expected in [("age_group", {"child": 1, "adult": 1, "unknown": 1}),
                                ("citizenship_group", {"national": 1, "foreign": 1, "unknown": 1}),
                                ("public_official", {"yes": 1, "no": 1, "unknown": 1})]:
        by = rows_by(stats(by=dimension))
        assert {value: row["investigated_persons"] for value, row in by.items()} == expected, dimension
        assert {row["investigated_cases"] for row in by.values()} == {None}, dimension


def test_a_victim_is_a_child_under_18(env, load, stats):
    env.deliver("2024-01", victims=[vic("V-17", age="17"), vic("V-18", age="18"), vic("V-NOAGE", age="")])
    load()
    result = stats()
    assert (result["victims_identified"], result["child_victims"]) == (3, 1)
    by = rows_by(stats(by="age_group"))
    assert {value: row["victims_identified"] for value, row in by.items()} == {
        "child": 1, "adult": 1, "unknown": 1}


# --------------------------------------------------------------------------------------------- 6. unknowns kept
def test_breakdowns_keep_unknown_and_add_up_to_the_total(env, load, stats):
    env.deliver(
        "2024-01",
        investigations=[inv("C-1", "P1", region="PR", sex="M", exploitation_form="sexual"),
                        inv("C-2", "P2", region="PZ", sex="U", exploitation_form=""),
                        inv("C-3", "P3", region="PZ", sex="F", exploitation_form="unknown")],
        prosecutions=[pros("PP-1", "P1", case="C-1", sex=""), pros("PP-2", "P2", case="C-2", sex="", office="PZ")],
        victims=[vic("V-1", "C-1", sex="F", exploitation_form="labour"),
                 vic("V-2", "", sex="U", exploitation_form="unknown"),
                 vic("V-3", "C-3", sex="M", exploitation_form="sexual")],
    )
    load()
    total = stats()
    for dimension, expected in [
        ("sex", {"M": (None, 1, 1, 1), "F": (None, 1, 0, 1), "U": (None, 1, 1, 1)}),
        ("exploitation_form", {"sexual": (1, 1, 1, 1), "labour": (0, 0, 0, 1), "unknown": (2, 2, 1, 1)}),
        ("region", {"PR": (1, 1, 1, 1), "PZ": (2, 2, 1, 1), "unknown": (0, 0, 0, 1)}),
    ]:
        by = rows_by(stats(by=dimension))
        shown = ("investigated_cases", "investigated_persons", "prosecuted_persons", "victims_identified")
        assert {value: tuple(row[f] for f in shown) for value, row in by.items()} == expected, dimension
        assert list(by)[-1] in ("U", "unknown"), dimension  # unknown is a row of its own, listed last
        for figure in shown:
            if by[list(by)[0]][figure] is not None:
                assert sum(row[figure] for row in by.values()) == total[figure], (dimension, figure)


def test_a_dimension_that_does_not_apply_is_null_not_zero(env, load, stats, query):
    env.deliver("2024-01", investigations=[inv("C-1", "P1")], victims=[vic("V-1", "C-1")])
    load()
    by = rows_by(stats(by="sex"))
    assert {value: row["investigated_cases"] for value, row in by.items()} == {"M": None, "F": None}
    assert by["F"]["victims_identified"] == 1 and by["M"]["investigated_persons"] == 1
    assert by["M"]["victims_identified"] == 0  # applies, none of them
    assert {value: row["victims_identified"] for value, row in rows_by(stats(by="public_official")).items()} == {
        "no": None}
    assert query("""select sex, age_group, citizenship_group, public_official, office, court from mart_units
                    where figure = 'investigated_cases'""") == [(None, None, None, None, None, None)]
    assert query("select public_official, office from mart_units where figure = 'victims_identified'") == [
        (None, None)]


# ---------------------------------------------------------------------------------------- 7. not delivered
def test_a_month_not_delivered_is_not_reported_but_its_rows_count_later(env, load, stats, query):
    """Victims are missing in February (no file): February is "not reported", though a victim identified in
    February arrives in March's delta and counts in the quarter and the year. April is a nil return: a
    delivered month with 0. Investigations deliver every month (nil returns after January)."""
    for m in range(1, 13):
        month = f"2024-{m:02d}"
        files = {"investigations": [inv("C-1", "P1")] if m == 1 else header_only("investigations")}
        if m == 1:
            files["victims"] = [vic("V-JAN", identified="2024-01-06")]
        elif m == 3:
            files["victims"] = [vic("V-FEB", identified="2024-02-10"), vic("V-MAR", identified="2024-03-05")]
        elif m != 2:
            files["victims"] = header_only("victims")
        env.deliver(month, **files)
    load()
    assert query("""select month, status, delivered from mart_coverage
                    where source = 'victims' and month <= '2024-04' order by month""") == [
        ("2024-01", "delivered", True), ("2024-02", "not_delivered", False), ("2024-03", "delivered", True),
        ("2024-04", "nil_return", True)]

    assert count(query, "victims_identified", "2024-01") == (1, True, 1, 1)
    assert count(query, "victims_identified", "2024-02") == (None, False, 0, 1)
    assert count(query, "victims_identified", "2024-03") == (1, True, 1, 1)  # V-FEB is dated February
    assert count(query, "victims_identified", "2024-04") == (0, True, 1, 1)
    assert count(query, "victims_identified", "2024-Q1") == (3, True, 2, 3)
    assert count(query, "victims_identified", "2024") == (3, True, 11, 12)
    assert count(query, "investigated_cases", "2024-02") == (0, True, 1, 1)

    result = stats()
    assert result["victims_identified"] == 3
    assert result["coverage"] == {
        "investigations": {"months_delivered": 12, "months_in_year": 12},
        "judgments": {"months_delivered": 0, "months_in_year": 12},
        "prosecutions": {"months_delivered": 0, "months_in_year": 12},
        "victims": {"months_delivered": 11, "months_in_year": 12},
    }


def test_units_dated_before_the_first_delivered_month_count_with_zero_coverage(env, load, stats, query):
    """January 2024's delta holds a case opened in December 2023 (its status changed in January): December
    was not delivered, so its month is "not reported", and 2023 counts the case with 0 of 12 months
    delivered."""
    env.deliver("2024-01", investigations=[inv("C-OLD", "P1", opened="2023-12-20", status="referred",
                                               status_on="2024-01-03")])
    load()
    assert units(query, "investigated_cases", "unit_date") == [("C-OLD", day("2023-12-20"))]
    assert count(query, "investigated_cases", "2023-12") == (None, False, 0, 1)
    assert count(query, "investigated_cases", "2023-Q4") == (1, True, 0, 3)
    assert count(query, "investigated_cases", "2023") == (1, True, 0, 12)
    result = stats(year=2023)
    assert result["investigated_cases"] == 1
    assert result["coverage"]["investigations"] == {"months_delivered": 0, "months_in_year": 12}


# ---------------------------------------------------------------------------------------------- 8. linking
def test_a_prosecution_without_case_links_through_the_one_earlier_investigation(env, load, query):
    env.deliver(
        "2024-01",
        investigations=[
            inv("C-ONE", "ONE", exploitation_form="labour"),
            inv("C-TWO-A", "TWO", exploitation_form="sexual"), inv("C-TWO-B", "TWO", exploitation_form="sexual"),
            # the second case is opened after the prosecution's decision: not a candidate
            inv("C-LATER-A", "LATER", exploitation_form="begging"),
            inv("C-LATER-B", "LATER", opened="2024-01-25", exploitation_form="sexual"),
            inv("C-SOLE", "WRONG-CASE", exploitation_form="sexual"),
        ],
        prosecutions=[pros("PP-ONE", "ONE"), pros("PP-TWO", "TWO"), pros("PP-LATER", "LATER"),
                      # an explicit case_id that names nothing delivered: unlinked, not linked by the person
                      pros("PP-WRONG-CASE", "WRONG-CASE", case="C-NEVER-SENT")],
        judgments=[jud("J-ONE", "ONE", prosecution="PP-ONE", date="2024-01-28"),
                   jud("J-TWO", "TWO", prosecution="PP-TWO", date="2024-01-28"),
                   jud("J-LATER", "LATER", prosecution="PP-LATER", date="2024-01-28")],
    )
    load()
    assert sorted(query("""select prosecution_id, linked_case_id, link_method, exploitation_form
                           from int_prosecution_units""")) == [
        ("PP-LATER", "C-LATER-A", "person", "begging"),
        ("PP-ONE", "C-ONE", "person", "labour"),
        ("PP-TWO", None, "unlinked", "unknown"),
        ("PP-WRONG-CASE", None, "unlinked", "unknown"),
    ]
    assert units(query, "convicted_persons", "exploitation_form") == sorted([
        (unit("J-LATER", "LATER"), "begging"), (unit("J-ONE", "ONE"), "labour"),
        (unit("J-TWO", "TWO"), "unknown")])


def test_a_judgment_links_through_the_person_or_stays_unknown(env, load, query):
    """No prosecution_id: the one charged defendant-case of the person; a person never prosecuted or
    investigated leaves the exploitation form unknown."""
    env.deliver(
        "2024-01",
        investigations=[inv("C-1", "P1", exploitation_form="marriage")],
        prosecutions=[pros("PP-1", "P1", case="C-1")],
        judgments=[jud("J-1", "P1"), jud("J-STRANGER", "STRANGER")],
    )
    load()
    assert sorted(query("select judgment_id, linked_prosecution_id, linked_case_id, link_method "
                        "from int_judgment_units")) == [
        ("J-1", "PP-1", "C-1", "person"), ("J-STRANGER", None, None, "unlinked")]
    assert units(query, "convicted_persons", "exploitation_form") == sorted([
        (unit("J-1", "P1"), "marriage"), (unit("J-STRANGER", "STRANGER"), "unknown")])


def test_every_link_follows_the_one_rule_of_int_links(env, load, query):
    """int_links holds the rule once for the three links: explicit (found or unlinked, never by the person
    then), else the one earlier candidate of the person, else unlinked. A judgment whose prosecution_id names
    nothing reaches the investigation through the person directly."""
    env.deliver(
        "2024-01",
        investigations=[inv("C-1", "P1"), inv("C-2", "P2"), inv("C-3", "P3"),
                        inv("C-4A", "P4"), inv("C-4B", "P4")],
        prosecutions=[pros("PP-1", "P1", case="C-1"), pros("PP-2", "P2"),
                      pros("PP-4A", "P4"), pros("PP-4B", "P4")],
        judgments=[jud("J-1", "P1", prosecution="PP-1"), jud("J-2", "P2"), jud("J-3", "P3"),
                   jud("J-1X", "P1", prosecution="PP-NEVER-SENT"), jud("J-4", "P4")],
    )
    load()
    assert sorted(query("select stage, unit_id, earlier_stage, linked_id, link_method from int_links")) == [
        ("judgment", "J-1", "investigation", "C-1", "person"),
        ("judgment", "J-1", "prosecution", "PP-1", "explicit"),
        ("judgment", "J-1X", "investigation", "C-1", "person"),
        ("judgment", "J-1X", "prosecution", None, "unlinked"),  # explicit and absent: not by the person
        ("judgment", "J-2", "investigation", "C-2", "person"),
        ("judgment", "J-2", "prosecution", "PP-2", "person"),
        ("judgment", "J-3", "investigation", "C-3", "person"),
        ("judgment", "J-3", "prosecution", None, "unlinked"),
        ("judgment", "J-4", "investigation", None, "unlinked"),  # two candidates each
        ("judgment", "J-4", "prosecution", None, "unlinked"),
        ("prosecution", "PP-1", "investigation", "C-1", "explicit"),
        ("prosecution", "PP-2", "investigation", "C-2", "person"),
        ("prosecution", "PP-4A", "investigation", None, "unlinked"),
        ("prosecution", "PP-4B", "investigation", None, "unlinked"),
    ]
    # the units read their links off it: the investigation through the defendant-case, else directly
    assert sorted(query("select judgment_id, linked_prosecution_id, linked_case_id, link_method "
                        "from int_judgment_units")) == [
        ("J-1", "PP-1", "C-1", "explicit"), ("J-1X", None, "C-1", "unlinked"), ("J-2", "PP-2", "C-2", "person"),
        ("J-3", None, "C-3", "unlinked"), ("J-4", None, None, "unlinked")]


# ------------------------------------------------------------------------------------------ 9. retrial
def test_a_retrial_after_quashing_is_a_second_conviction_and_the_quashed_one_never_final(env, load, stats, query):
    env.deliver("2024-01", prosecutions=[pros("PP-1", "P1", decided="2024-01-10")],
                judgments=[jud("J-OLD", "P1", prosecution="PP-1", date="2024-01-25")])
    env.deliver("2024-02", judgments=[
        jud("J-OLD", "P1", verdict="quashed", instance="appeal", final="true", date="2024-02-15",
            prosecution="PP-1")])
    env.deliver("2024-03", judgments=[jud("J-NEW", "P1", prosecution="PP-1", date="2024-03-20")])
    env.deliver("2024-04", judgments=[
        jud("J-NEW", "P1", verdict="confirmed", instance="appeal", final="true", date="2024-04-10",
            prosecution="PP-1")])
    load()
    result = stats()
    assert (result["prosecuted_persons"], result["convicted_persons"], result["final_convictions"]) == (1, 2, 1)
    assert units(query, "convicted_persons", "unit_date") == sorted([
        (unit("J-OLD", "P1"), day("2024-01-25")), (unit("J-NEW", "P1"), day("2024-03-20"))])
    assert units(query, "final_convictions", "unit_date") == [(unit("J-NEW", "P1"), day("2024-04-10"))]


# ------------------------------------------------------------------------------------ 10. final convictions
def test_a_final_conviction_is_dated_at_the_earliest_final_convicting_row(env, load, stats, query):
    env.deliver("2024-01", judgments=[
        jud("J-APP", "P1", date="2024-01-25"),
        # one charge final at first instance, the other only on appeal: the first instance date counts
        jud("J-SPLIT", "P2", TRAFFICKING, date="2024-01-20", final="true"),
        jud("J-SPLIT", "P2", RELATED, date="2024-01-20", final="false"),
    ])
    env.deliver("2024-03", judgments=[
        jud("J-APP", "P1", verdict="modified", instance="appeal", final="true", date="2024-03-10"),
        jud("J-SPLIT", "P2", RELATED, verdict="confirmed", instance="appeal", final="true", date="2024-03-12"),
    ])
    env.deliver("2024-05", judgments=[
        jud("J-APP", "P1", verdict="confirmed", instance="supreme", final="true", date="2024-05-05")])
    load()
    assert units(query, "final_convictions", "unit_date", "month") == sorted([
        (unit("J-APP", "P1"), day("2024-03-10"), "2024-03"),
        (unit("J-SPLIT", "P2"), day("2024-01-20"), "2024-01")])
    assert stats()["final_convictions"] == 2
    assert count(query, "final_convictions", "2024-05")[:2] == (0, True)


def test_an_appeal_acquittal_after_a_first_instance_conviction_is_no_final_conviction(env, load, stats, query):
    env.deliver("2024-01", judgments=[jud("J-1", "P1", date="2024-01-25", final="false")])
    env.deliver("2024-02", judgments=[
        jud("J-1", "P1", verdict="acquitted", instance="appeal", final="true", date="2024-02-20")])
    load()
    result = stats()
    # still a first-instance conviction; the appeal acquittal is not a first-instance acquittal
    assert (result["convicted_persons"], result["final_convictions"], result["acquitted_persons"]) == (1, 0, 0)
    assert units(query, "final_convictions") == []


@pytest.mark.parametrize("dimension", ("total", *DIMENSIONS))
def test_units_by_is_the_long_form_of_each_dimension(sample_root, dimension):
    """The macro the breakdown queries read (warehouse/queries/units_by.sql) gives each unit the value
    mart_unit_dimensions gives it, for every dimension, on the shared sample; the warehouse stays read-only."""
    query = querier(sample_root / "warehouse" / "tipstats.duckdb")
    long_form = query("select figure, unit_id, value from mart_unit_dimensions where dimension = ? order by all",
                      [dimension])
    assert len(long_form) == query("select count(*) from mart_units")[0][0] == 535  # every unit of the sample, once
    assert query("select figure, unit_id, value from units_by(?) order by all", [dimension]) == long_form
    assert len({value for _, _, value in long_form}) > (1 if dimension != "total" else 0)
