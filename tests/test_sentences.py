"""Sentences against the statutory minimum: int_applicable_ranges, the sentence marts and `tipstats sentences`.

One warehouse is built for the module with the real refresh from three tiny deliveries:
  2020-12  first-instance judgments of 2020: one judgment per sentence category, lex mitior, a missing
           offence date, a person with several charges, first instances that are appealed later;
  2021-06  the appeals (a modified and a confirmed sentence, a quashing) and the retrial;
  2022-12  a small set for the published figures: C, K, X–Y, quartiles and the histogram.
Each judgment_id holds one person, so rows are named by judgment_id.
"""
from __future__ import annotations

import json

import duckdb
import pytest
import typer
from typer.testing import CliRunner

from conftest import JUD, csv_text, isolate, querier, write_file
from pipeline import load
from pipeline import warehouse as warehouses  # `warehouse` is the fixture below
from pipeline.sentences import register
from pipeline.settings import Settings

COLUMNS = ["judgment_id", "person_id", "court", "instance", "judge_id", "offence_code", "offence_date",
           "judgment_date", "verdict", "final", "plea_agreement", "prison_months", "suspended", "fine_eur",
           "mitigation"]
TRAFFICKING = "CCRK2019.165.1"  # 60–144 months from 2019-04-14; earlier versions PCCK2003.139, CCRK2012.171.1


def jud(judgment_id: str, prison: str = "", *, person: str | None = None, code: str = TRAFFICKING,
        instance: str = "first", court: str = "PR", offence_date: str = "2020-01-10",
        judgment_date: str = "2020-06-01", verdict: str = "convicted", final: str = "true",
        suspended: str = "", mitigation: str = "", plea: str = "") -> dict:
    return {
        "judgment_id": judgment_id, "person_id": person or f"ID-{judgment_id}", "court": court,
        "instance": instance, "judge_id": "JUDGE-1", "offence_code": code, "offence_date": offence_date,
        "judgment_date": judgment_date, "verdict": verdict, "final": final, "plea_agreement": plea,
        "prison_months": prison, "suspended": suspended, "fine_eur": "", "mitigation": mitigation,
    }


def appeal(judgment_id: str, prison: str = "", *, verdict: str, judgment_date: str, final: str = "true",
           person: str | None = None) -> dict:
    # offence_date and mitigation empty: inherited from the first-instance row
    return jud(judgment_id, prison, person=person, instance="appeal", court="APP", offence_date="",
               judgment_date=judgment_date, verdict=verdict, final=final)


MIX = dict(offence_date="2018-06-01", judgment_date="2020-07-01")
DELIVERIES = {
    "2020-12": [
        jud("J-NOPRISON", "0", mitigation="mitigating_circumstances"),
        jud("J-SUSP", "36", suspended="true"),
        jud("J-UNLISTED", "36", code="CCRK2019.999"),
        jud("J-MITIG", "36", mitigation="cooperation"),
        jud("J-PLEA", "36", plea="true"),
        jud("J-NOGROUND", "36"),
        jud("J-ABOVE", "150"),
        jud("J-AT-MIN", "60"),
        jud("J-AT-MAX", "144"),
        jud("J-2011", "30", offence_date="2011-05-01"),
        jud("J-2015", "48", offence_date="2015-05-01"),
        jud("J-NODATE", "60", offence_date=""),
        jud("J-APPEAL", "36", offence_date="2020-02-01", judgment_date="2020-09-01", final="false"),
        jud("J-CONFIRM", "40", mitigation="other", judgment_date="2020-10-01", final="false"),
        jud("J-OLD", "24", person="ID-RETRIED", judgment_date="2020-11-01", final="false"),
        # several charges, mixed verdicts: the person's sentence is the first charge
        jud("J-MIX", "40", mitigation="other", **MIX),
        jud("J-MIX", "40", code="CCRK2012.171.1", **MIX),
        jud("J-MIX", "50", code="CCRK2019.165", suspended="true", **MIX),
        jud("J-MIX", "100", code="CCRK2012.231.1", **MIX),
        jud("J-MIX", code="PCCK2003.139", verdict="acquitted", **MIX),
        # only suspended terms: the most suspended months
        jud("J-SUSPTIE", "24", suspended="true", final="false"),
        jud("J-SUSPTIE", "36", code="CCRK2019.165", suspended="true", final="false"),
        jud("J-SUSPTIE", "90", code="CCRK2019.999", final="false"),
    ],
    "2021-06": [
        appeal("J-APPEAL", "72", verdict="modified", judgment_date="2021-03-01"),
        appeal("J-CONFIRM", "40", verdict="confirmed", judgment_date="2021-04-01"),
        appeal("J-OLD", verdict="quashed", judgment_date="2021-02-01", person="ID-RETRIED"),
        jud("J-NEW", "66", person="ID-RETRIED", judgment_date="2021-05-01"),
    ],
    "2022-12": [
        jud(f"K-{name}", prison, court=court, code=code, offence_date="2022-01-01", judgment_date="2022-06-01",
            final="false", suspended=suspended, mitigation=mitigation)
        for name, prison, court, code, suspended, mitigation in [
            ("12", "12", "PR", TRAFFICKING, "", ""),
            ("15", "15", "GJ", TRAFFICKING, "", ""),
            ("24", "24", "PR", TRAFFICKING, "", "other"),
            ("36", "36", "PR", TRAFFICKING, "", ""),
            ("48", "48", "PR", TRAFFICKING, "", ""),
            ("SUSP", "60", "PR", TRAFFICKING, "true", ""),
            ("NONE", "0", "PR", TRAFFICKING, "", ""),
            ("72", "72", "PZ", TRAFFICKING, "", ""),
            ("UNKNOWN", "90", "PZ", "CCRK2019.165.9", "", ""),  # article listed, paragraph not: range unknown
        ]
    ],
}


@pytest.fixture(scope="module")
def warehouse(tmp_path_factory):
    root = tmp_path_factory.mktemp("sentences")
    with pytest.MonkeyPatch.context() as mp:
        isolate(mp, root, root / "raw")
        for month, rows in DELIVERIES.items():
            folder = root / "raw" / month
            folder.mkdir(parents=True)
            write_file(folder / "judgments.csv", csv_text(rows, columns=COLUMNS))
        settings = Settings.from_env()
        report = load.refresh(settings)
        assert sum(f.result.rows_rejected for m in report.months for f in m.files) == 0
        yield settings.warehouse


@pytest.fixture(scope="module")
def query(warehouse):
    return querier(warehouse)


# ------------------------------------------------------------------------------------- applicable range
def test_law_in_force_is_the_most_lenient_version_between_offence_and_judgment(query):
    rows = query("""select judgment_id, offence_code, statute_id, min_months, max_months, other_version_applied,
                           versions_in_force, range_unknown_reason
                    from int_applicable_ranges
                    where instance = 'first' and judgment_id in ('J-2011', 'J-2015', 'J-AT-MIN', 'J-MIX')
                    order by judgment_id, offence_code""")
    assert rows == [
        # offence 2011, judged 2020: PCCK2003 (24–144), CCRK2012 and CCRK2019 (60–144): the lowest minimum
        ("J-2011", TRAFFICKING, "PCCK2003.139", 24, 144, True, 3, None),
        # offence 2015: CCRK2012 and CCRK2019 are equally lenient: the law of the time of the offence
        ("J-2015", TRAFFICKING, "CCRK2012.171.1", 60, 144, True, 2, None),
        ("J-AT-MIN", TRAFFICKING, "CCRK2019.165.1", 60, 144, False, 1, None),
        ("J-MIX", "CCRK2012.171.1", "CCRK2012.171.1", 60, 144, False, 2, None),
        ("J-MIX", "CCRK2012.231.1", "CCRK2012.231.1", 3, None, False, 1, None),  # maximum unknown
        ("J-MIX", "CCRK2019.165", "CCRK2012.171.1", 60, 144, True, 2, None),  # code without paragraph
        ("J-MIX", TRAFFICKING, "CCRK2012.171.1", 60, 144, True, 2, None),
    ]


def test_range_unknown_says_why(query):
    rows = query("""select judgment_id, offence_code, statute_id, min_months, statute_verified, range_unknown_reason
                    from int_applicable_ranges where range_unknown_reason is not null
                    order by judgment_id, offence_code""")
    listed_article = query("select range_unknown_reason from int_offences where offence_code = 'CCRK2019.165.9'")
    assert listed_article[0][0]  # the lookup's own reason, passed on
    assert rows == [
        ("J-SUSPTIE", "CCRK2019.999", None, None, None, "article not in the statute table"),
        ("J-UNLISTED", "CCRK2019.999", None, None, None, "article not in the statute table"),
        ("K-UNKNOWN", "CCRK2019.165.9", None, None, None, listed_article[0][0]),
    ]


def test_without_offence_date_the_charged_version_applies(query):
    """DATA-SPEC v1.3: no offence date → the range of the provision the code names, and the row says so."""
    rows = query("""select judgment_id, instance, statute_id, min_months, max_months, range_source, on_charged_version,
                           versions_in_force, other_version_applied, range_unknown_reason
                    from int_applicable_ranges where on_charged_version or offence_date is null""")
    assert rows == [("J-NODATE", "first", TRAFFICKING, 60, 144, "charged_version", True, 1, False, None)]
    assert query("select count(*) from int_applicable_ranges where range_unknown_reason = 'no offence date'") == [(0,)]


def test_appeal_row_inherits_the_offence_date_for_its_range(query):
    rows = query("""select instance, offence_date::varchar, statute_id, min_months from int_applicable_ranges
                    where judgment_id = 'J-APPEAL' order by instance""")
    assert rows == [("appeal", "2020-02-01", "CCRK2019.165.1", 60), ("first", "2020-02-01", "CCRK2019.165.1", 60)]


def test_statute_verified_needs_all_three_flags(query):
    # the statute table verifies no row's dates yet: every applied provision carries the caveat
    assert query("select distinct statute_verified from int_applicable_ranges where statute_id is not null") \
        == [(False,)]


def test_no_version_in_force_between_offence_and_judgment(warehouse):
    """An offence and judgment before the first version of the offence came into force (2004-04-06)."""
    from pipeline import build

    con = duckdb.connect(":memory:")
    try:
        build.load_reference(con)
        con.execute("""create table int_offences as select 'CCRK2019.165.1' as offence_code,
                       null::varchar as range_unknown_reason, 60.0 as min_months, 144.0 as max_months""")
        con.execute("""create table int_judgment_rows as select 'J' as judgment_id, 'P' as person_key,
                       'CCRK2019.165.1' as offence_code, 'first' as instance, date '2003-01-01' as offence_date,
                       date '2003-06-01' as judgment_date, 'trafficking_base' as offence_key,
                       'CCRK2019.165.1' as statute_id, true as convicting""")
        con.execute(build.model_files()["int_applicable_ranges"].read_text())
        assert con.execute("select statute_id, min_months, range_unknown_reason from int_applicable_ranges") \
            .fetchall() == [(None, None, "no version of the offence in force between offence and judgment")]
    finally:
        con.close()


# ---------------------------------------------------------------------------------------------- charges
def test_every_category_the_first_that_applies(query):
    rows = query("""select judgment_id, law_applied, min_months, max_months, prison_months, suspended, category,
                           category_number, gap_months, round(ratio_to_minimum, 4), below_minimum
                    from mart_sentences
                    where basis = 'first' and year = 2020 and judgment_id not in ('J-MIX', 'J-SUSPTIE')
                    order by judgment_id""")
    c19, c12, p03 = "CCRK2019.165.1", "CCRK2012.171.1", "PCCK2003.139"
    assert rows == [
        ("J-2011", p03, 24, 144, 30, False, "within_range", 7, 6, 1.25, False),
        ("J-2015", c12, 60, 144, 48, False, "below_minimum_no_ground", 5, -12, 0.8, True),
        ("J-ABOVE", c19, 60, 144, 150, False, "above_maximum", 6, 90, 2.5, False),  # 150 on a 144 maximum
        ("J-APPEAL", c19, 60, 144, 36, False, "below_minimum_no_ground", 5, -24, 0.6, True),
        ("J-AT-MAX", c19, 60, 144, 144, False, "within_range", 7, 84, 2.4, False),  # bounds inclusive
        ("J-AT-MIN", c19, 60, 144, 60, False, "within_range", 7, 0, 1.0, False),
        ("J-CONFIRM", c19, 60, 144, 40, False, "below_minimum_with_ground", 4, -20, 0.6667, True),
        ("J-MITIG", c19, 60, 144, 36, False, "below_minimum_with_ground", 4, -24, 0.6, True),  # mitigation
        ("J-NODATE", c19, 60, 144, 60, False, "within_range", 7, 0, 1.0, False),  # on the charged version
        ("J-NOGROUND", c19, 60, 144, 36, False, "below_minimum_no_ground", 5, -24, 0.6, True),
        ("J-NOPRISON", c19, 60, 144, 0, False, "no_prison", 1, -60, 0.0, True),  # before its mitigation
        ("J-OLD", c19, 60, 144, 24, False, "below_minimum_no_ground", 5, -36, 0.4, True),
        ("J-PLEA", c19, 60, 144, 36, False, "below_minimum_with_ground", 4, -24, 0.6, True),  # plea agreement
        ("J-SUSP", c19, 60, 144, 36, True, "suspended", 2, -24, 0.6, True),  # before below the minimum
        ("J-UNLISTED", None, None, None, 36, False, "range_unknown", 3, None, None, False),
    ]


def test_charges_of_a_person_keep_their_own_group_and_verdicts_that_do_not_convict_drop(query):
    rows = query("""select offence_code, "group", prison_months, suspended, category from mart_sentences
                    where basis = 'first' and judgment_id = 'J-MIX' order by offence_code""")
    assert rows == [
        ("CCRK2012.171.1", "trafficking", 40, False, "below_minimum_no_ground"),
        ("CCRK2012.231.1", "related", 100, False, "within_range"),  # maximum unknown: not above it
        ("CCRK2019.165", "trafficking", 50, True, "suspended"),
        ("CCRK2019.165.1", "trafficking", 40, False, "below_minimum_with_ground"),
    ]  # PCCK2003.139 was acquitted


def test_final_basis_takes_the_appeal_and_first_basis_keeps_the_original(query):
    rows = query("""select judgment_id, basis, year, instance, court, decision_court, offence_date::varchar,
                           prison_months, category, mitigation
                    from mart_sentences where judgment_id in ('J-APPEAL', 'J-CONFIRM') order by judgment_id, basis""")
    assert rows == [
        ("J-APPEAL", "final", 2021, "appeal", "PR", "APP", "2020-02-01", 72, "within_range", None),
        ("J-APPEAL", "first", 2020, "first", "PR", "PR", "2020-02-01", 36, "below_minimum_no_ground", None),
        # the appeal row's empty mitigation is inherited: still below the minimum with a ground
        ("J-CONFIRM", "final", 2021, "appeal", "PR", "APP", "2020-01-10", 40, "below_minimum_with_ground", "other"),
        ("J-CONFIRM", "first", 2020, "first", "PR", "PR", "2020-01-10", 40, "below_minimum_with_ground", "other"),
    ]


def test_final_basis_is_the_final_convicting_rows_only(query):
    rows = query("""select judgment_id, count(*) from mart_sentences where basis = 'final'
                    group by judgment_id order by judgment_id""")
    assert rows == [
        ("J-2011", 1), ("J-2015", 1), ("J-ABOVE", 1), ("J-APPEAL", 1), ("J-AT-MAX", 1), ("J-AT-MIN", 1),
        ("J-CONFIRM", 1), ("J-MITIG", 1), ("J-MIX", 4), ("J-NEW", 1), ("J-NODATE", 1), ("J-NOGROUND", 1),
        ("J-NOPRISON", 1), ("J-PLEA", 1), ("J-SUSP", 1), ("J-UNLISTED", 1),
    ]  # not final: J-SUSPTIE, K-*; quashed: J-OLD


def test_sentence_marts_have_unique_keys(query):
    assert query("""select count(*) = count(distinct (basis, judgment_id, person_key, offence_code))
                    from mart_sentences""") == [(True,)]
    assert query("""select count(*) = count(distinct (basis, judgment_id, person_key))
                    from mart_person_sentences""") == [(True,)]


# ---------------------------------------------------------------------------------------------- persons
def test_person_sentence_is_chosen_by_the_rule(query):
    rows = query("""select judgment_id, basis, "group", charges, offence_code, prison_months, suspended, category,
                           known_minimum, below_minimum, imposed_months
                    from mart_person_sentences where judgment_id in ('J-MIX', 'J-SUSPTIE')
                    order by judgment_id, basis""")
    assert rows == [
        # trafficking over the related 100 months; 40 unsuspended over 50 suspended; category 4 before 5
        ("J-MIX", "final", "trafficking", 4, "CCRK2019.165.1", 40, False, "below_minimum_with_ground",
         True, True, 40),
        ("J-MIX", "first", "trafficking", 4, "CCRK2019.165.1", 40, False, "below_minimum_with_ground",
         True, True, 40),
        # no unsuspended term: the most suspended months (CCRK2019.999 is group other)
        ("J-SUSPTIE", "first", "trafficking", 3, "CCRK2019.165", 36, True, "suspended", True, True, None),
    ]


def test_retrial_after_quashing_counts_under_the_new_judgment(query):
    rows = query("""select basis, judgment_id, year, counted_on::varchar, prison_months from mart_person_sentences
                    where judgment_id in ('J-OLD', 'J-NEW') order by basis, judgment_id""")
    assert rows == [
        ("final", "J-NEW", 2021, "2021-05-01", 66),
        ("first", "J-NEW", 2021, "2021-05-01", 66),
        ("first", "J-OLD", 2020, "2020-11-01", 24),
    ]
    assert query("select count(distinct person_key) from mart_person_sentences where judgment_id in ('J-OLD', 'J-NEW')") \
        == [(1,)]


def test_final_person_counts_at_the_earliest_final_convicting_row(query):
    assert query("""select year, counted_on::varchar, court, instance from mart_person_sentences
                    where basis = 'final' and judgment_id = 'J-APPEAL'""") == [(2021, "2021-03-01", "PR", "appeal")]


def test_k_of_the_c_and_the_range(query):
    rows = query("""select count(*) filter (where known_minimum) as c,
                           count(*) filter (where below_minimum) as k,
                           min(imposed_months) as x, max(imposed_months) as y,
                           count(*) filter (where category = 'suspended') as suspended,
                           count(*) filter (where category = 'no_prison') as no_prison
                    from mart_person_sentences
                    where basis = 'first' and year = 2022 and "group" in ('trafficking', 'related')""")
    # 9 persons; K-UNKNOWN (90 months, range unknown) is outside C but inside X–Y (DATA-SPEC v1.3: all persons);
    # K-NONE (no prison) and K-SUSP (suspended) are below the minimum and outside X–Y; K-72 is within the range
    assert rows == [(8, 7, 12, 90, 1, 1)]


def test_charged_version_and_the_range_over_all_convicted_persons(env, refresh, cli):
    """DATA-SPEC v1.3, two changed rules, on four convicted traffickers of 2024: a charge without offence date is
    placed on the version it names (CCRK2012.171.1, 60–144, although CCRK2019.165.1 was in force when judged)
    and counted; X–Y take every convicted person's unsuspended term, the one whose minimum is unknown too,
    and the suspended term and the fine alone are counted instead."""
    def person(n: int, **changes) -> dict:
        return {**JUD, "judgment_id": f"P-PR-{n}/2024", "person_id": f"90000000{n}", "prosecution_id": "",
                "fine_eur": "", **changes}

    env.deliver("2024-01", judgments=[
        person(1, offence_code="CCRK2012.171.1", offence_date="", prison_months="36"),
        person(2, prison_months="24", suspended="true"),
        person(3, prison_months="0", fine_eur="5000"),
        person(4, offence_code="CCRK2019.165.9", prison_months="90"),  # paragraph not listed: range unknown
    ])
    refresh()
    query = querier(env.warehouse)  # this module's own `query` reads the module's warehouse
    assert query("""select judgment_id, law_applied, min_months, max_months, category, on_charged_version
                    from mart_sentences where basis = 'first' order by judgment_id""") == [
        ("P-PR-1/2024", "CCRK2012.171.1", 60, 144, "below_minimum_no_ground", True),
        ("P-PR-2/2024", "CCRK2019.165.1", 60, 144, "suspended", False),
        ("P-PR-3/2024", "CCRK2019.165.1", 60, 144, "no_prison", False),
        ("P-PR-4/2024", None, None, None, "range_unknown", False),
    ]
    assert query("""select bin, n, on_charged_version from mart_sentence_histogram
                    where basis = 'first' and "group" = 'trafficking' and n > 0 order by sort_order""") == [
        ("no prison", 1, 0), ("suspended", 1, 0), ("0.5–0.75", 1, 1), ("minimum unknown", 1, 0)]

    result = cli("stats", "--year", "2024", "--group", "trafficking", "--json")
    assert result.exit_code == 0, result.stderr
    s = json.loads(result.stdout)
    assert {k: s[k] for k in ("convicted_persons", "sentenced_persons", "below_minimum_persons", "prison_months_min",
                              "prison_months_max", "suspended_term_persons", "no_prison_persons",
                              "sentences_on_charged_version")} == {
        "convicted_persons": 4, "sentenced_persons": 3, "below_minimum_persons": 3, "prison_months_min": 36,
        "prison_months_max": 90, "suspended_term_persons": 1, "no_prison_persons": 1,
        "sentences_on_charged_version": 1}
    result = cli("sentences", "--year", "2024", "--format", "json")
    assert [(r["offence_code"], r["on_charged_version"]) for r in json.loads(result.stdout)] == [
        ("CCRK2012.171.1", True), ("CCRK2019.165.1", False), ("CCRK2019.165.1", False), ("CCRK2019.165.9", False)]

    from pipeline.publication import figures, periods, tip
    from pipeline.config import Config, Labels

    period = periods.Period.of_year(2024)
    con = warehouses.connect(env.warehouse, read_only=True)
    try:
        text = tip.tip_summary(figures.gather(con, period), period, Labels.of("en"), Config())
    finally:
        con.close()
    assert ("Courts convicted four traffickers at first instance, and no convictions became final. Courts sentenced "
            "them to prison terms ranging from 36 to 90 months; one received a suspended sentence, and one a sentence "
            "without imprisonment, such as a fine only. Courts imposed sentences below the statutory minimum on all "
            "three traffickers whose minimum is known.") in text
    assert ("For one of these traffickers the offence date is not recorded, so the sentence was compared with the "
            "range of the law version charged.") in text


# ------------------------------------------------------------------------------------ distribution, histogram
def test_distribution_quartiles_interpolate(query):
    rows = query("""select court, charges, n, imposed_min, imposed_q1, imposed_median, imposed_q3, imposed_max
                    from mart_sentence_distribution
                    where year = 2022 and basis = 'first' and "group" = 'trafficking'
                    order by court = 'all', court""")
    assert rows == [
        ("GJ", 1, 1, 15, 15, 15, 15, 15),
        ("PR", 6, 4, 12, 21, 30, 39, 48),  # 12, 24, 36, 48: suspended and no-prison charges not imposed
        ("PZ", 2, 2, 72, 76.5, 81, 85.5, 90),  # an unknown range still imposes a term
        ("all", 9, 7, 12, 19.5, 36, 60, 90),
    ]
    assert query("""select count(*) from mart_sentence_distribution where year = 2022 and basis = 'first'
                    and "group" = 'all'""") == [(4,)]


def test_histogram_bins_relative_to_the_minimum(query):
    rows = query("""select bin, n from mart_sentence_histogram
                    where year = 2022 and basis = 'first' and "group" = 'trafficking' order by sort_order""")
    assert rows == [
        ("no prison", 1), ("suspended", 1), ("<0.25", 1), ("0.25–0.5", 2),  # 15 ÷ 60 = 0.25 closes below
        ("0.5–0.75", 1), ("0.75–1", 1), ("1–1.5", 1), ("1.5–2", 0), ("≥2", 0), ("minimum unknown", 1),
    ]


def test_histogram_counts_every_sentenced_charge_once(query):
    assert query("""select h.year, h.basis, h."group", h.total, s.charges
                    from (select year, basis, "group", sum(n) as total from mart_sentence_histogram
                          where "group" <> 'all' group by all) h
                    join (select year, basis, "group", count(*) as charges from mart_sentences group by all) s
                      using (year, basis, "group")
                    where h.total <> s.charges""") == []


# ------------------------------------------------------------------------------------------------ watch list
def test_watch_list_below_minimum_that_became_final_unchanged(query):
    rows = query("""select judgment_id, final_instance, category, prison_months from mart_watch_below_minimum_final
                    order by judgment_id""")
    assert rows == [
        ("J-2015", "first", "below_minimum_no_ground", 48),
        ("J-CONFIRM", "appeal", "below_minimum_with_ground", 40),  # confirmed on appeal
        ("J-MITIG", "first", "below_minimum_with_ground", 36),
        ("J-MIX", "first", "below_minimum_with_ground", 40),
        ("J-NOGROUND", "first", "below_minimum_no_ground", 36),
        ("J-NOPRISON", "first", "no_prison", 0),
        ("J-PLEA", "first", "below_minimum_with_ground", 36),
        ("J-SUSP", "first", "suspended", 36),
    ]  # not: J-APPEAL (raised to 72 on appeal), J-OLD (quashed), J-SUSPTIE and K-* (not final)


# ----------------------------------------------------------------------------------------------------- CLI
@pytest.fixture
def run(warehouse):
    app = typer.Typer()
    register(app)

    def invoke(*args: str):
        return CliRunner().invoke(app, list(args), catch_exceptions=False)
    return invoke


def test_cli_table_hides_case_numbers_and_pseudonyms(run):
    result = run("--year", "2020")
    assert result.exit_code == 0, result.stderr
    assert "below_minimum_no_ground" in result.stdout and "PCCK2003.139" in result.stdout
    assert "J-NOGROUND" not in result.stdout and "judgment_id" not in result.stdout


def test_cli_restricted_shows_case_numbers(run):
    public = run("--format", "csv")
    restricted = run("--format", "csv", "--restricted")
    assert public.exit_code == restricted.exit_code == 0
    assert public.stdout.splitlines()[0] == ("year,court,offence_code,offence_date,law_applied,on_charged_version,"
                                              "min_months,max_months,prison_months,suspended,category,mitigation")
    assert restricted.stdout.splitlines()[0] == (
        "year,court,judgment_id,person_key,judge_key,offence_code,offence_date,judgment_date,law_applied,"
        "on_charged_version,min_months,max_months,prison_months,suspended,category,mitigation")
    assert "J-NOGROUND" in restricted.stdout and "J-NOGROUND" not in public.stdout


def test_cli_below_minimum_json(run):
    result = run("--below-minimum", "--year", "2022", "--format", "json")
    assert result.exit_code == 0, result.stderr
    rows = json.loads(result.stdout)
    assert {tuple(sorted(r)) for r in rows} == {tuple(sorted(
        ["year", "court", "offence_code", "offence_date", "law_applied", "on_charged_version", "min_months",
         "max_months", "prison_months", "suspended", "category", "mitigation"]))}
    assert [(r["court"], r["prison_months"], r["suspended"], r["category"]) for r in rows] == [
        ("GJ", 15, False, "below_minimum_no_ground"),
        ("PR", 12, False, "below_minimum_no_ground"),
        ("PR", 24, False, "below_minimum_with_ground"),
        ("PR", 36, False, "below_minimum_no_ground"),
        ("PR", 48, False, "below_minimum_no_ground"),
        ("PR", 0, False, "no_prison"),
        ("PR", 60, True, "suspended"),
    ]
    assert rows[0]["offence_date"] == "2022-01-01" and rows[0]["min_months"] == 60


def test_cli_final_instance(run):
    result = run("--instance", "final", "--year", "2021", "--format", "json", "--restricted")
    assert result.exit_code == 0, result.stderr
    assert [(r["judgment_id"], r["prison_months"], r["category"]) for r in json.loads(result.stdout)] == [
        ("J-APPEAL", 72, "within_range"), ("J-CONFIRM", 40, "below_minimum_with_ground"),
        ("J-NEW", 66, "within_range"),
    ]


def test_cli_refuses_a_bad_instance(run):
    result = run("--instance", "appeal")
    assert result.exit_code == 2
    assert "first" in result.stderr and "final" in result.stderr


def test_cli_without_a_warehouse(run, tmp_path, monkeypatch):
    monkeypatch.setenv("TIPSTATS_WAREHOUSE", str(tmp_path / "none.duckdb"))
    result = run()
    assert result.exit_code == 2
    assert result.stderr.strip() == f"error: no warehouse at {tmp_path / 'none.duckdb'}: run `tipstats refresh` first"


def test_cli_command_has_help(run):
    result = run("--help")
    assert result.exit_code == 0
    assert "statutory minimum" in result.stdout


def test_category_numbers_follow_the_code_list(query):
    from contracts import codes

    numbers = dict(query("select distinct category, category_number from mart_sentences"))
    listed = {code: n for n, code in enumerate(codes.code_list("sentence_category"), start=1)}
    assert numbers == {c: listed[c] for c in numbers} and len(numbers) == 7
