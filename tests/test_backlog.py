"""Attrition, linkage, court backlog and the watch lists: marts and `tipstats backlog` / `tipstats funnel`.

One warehouse is built for the module with the real refresh from three tiny deliveries (2022-12, 2023-12,
2024-12; every source each month, nil returns where there is nothing). The people, each with one story:
  A1…A5   suspects of case PR-A (trafficking, opened 2023-01-10), dropping out one stage each:
          A1 indicted (explicit case_id), convicted, final on appeal — a public official;
          A2 indicted (no case_id: linked through the person), convicted (no prosecution_id: through the
             person), not final; A3 indicted, acquitted; A4 dismissed only; A5 never charged.
  R1, O1  a related (CCRK2019.243.3) and an other (CCRK2019.170.1) suspect of cohort 2023.
  U       investigated in two cases; prosecuted without case_id: two candidates, unlinked.
  W       two defendant-cases; judged without prosecution_id: two candidates, unlinked.
  B1…B5   the backlog of court GJ (and MI): B1 judged, quashed on appeal, retried; B2 never judged (indicted
          2022-12-05, the first delivered month); B3 indicted 2022-11-20, before it: left out; B4 indicted
          and judged in 2024; B5 at MI, judged the next year.
  G1, G2  begging: G1's case is begging through its victim, G2's through the investigation.
"""
from __future__ import annotations

import datetime as dt
import json

import pytest
import typer
from typer.testing import CliRunner

from conftest import csv_text, isolate, querier, write_file
from pipeline import load
from pipeline.backlog import register
from pipeline.settings import Settings

TRAFFICKING, BEGGING, SMUGGLING = "CCRK2019.165.1", "CCRK2019.243.3", "CCRK2019.170.1"

COLUMNS = {
    "investigations": ["case_id", "person_id", "offence_code", "opened_on", "region", "exploitation_form", "sex",
                       "public_official", "status", "status_on"],
    "prosecutions": ["prosecution_id", "case_id", "person_id", "office", "court", "offence_code", "decision",
                     "decided_on", "public_official"],
    "judgments": ["judgment_id", "prosecution_id", "person_id", "court", "instance", "offence_code",
                  "judgment_date", "verdict", "final"],
    "victims": ["victim_id", "case_id", "identified_on", "identified_by", "sex", "exploitation_form"],
}


def inv(case, person, opened, code=TRAFFICKING, form="sexual", official="false"):
    return {"case_id": case, "person_id": person, "offence_code": code, "opened_on": opened, "region": "PR",
            "exploitation_form": form, "sex": "M", "public_official": official, "status": "referred",
            "status_on": opened}


def pros(pid, person, decided, case="", office="PR", court="", code=TRAFFICKING, decision="indicted"):
    return {"prosecution_id": pid, "case_id": case, "person_id": person, "office": office, "court": court,
            "offence_code": code, "decision": decision, "decided_on": decided}


def jud(jid, person, date, pid="", court="PR", instance="first", verdict="convicted", final="false",
        code=TRAFFICKING):
    return {"judgment_id": jid, "prosecution_id": pid, "person_id": person, "court": court, "instance": instance,
            "offence_code": code, "judgment_date": date, "verdict": verdict, "final": final}


DELIVERIES = {
    "2022-12": {
        "investigations": [inv("PR-U1", "U", "2022-12-01"), inv("PR-U2", "U", "2022-12-02")],
        "prosecutions": [
            pros("PP-B2", "B2", "2022-12-05", office="GJ"),
            pros("PP-B3", "B3", "2022-11-20", office="GJ"),  # before the first delivered month
        ],
    },
    "2023-12": {
        "investigations": [
            inv("PR-A", "A1", "2023-01-10", official="true"),
            *[inv("PR-A", p, "2023-01-10") for p in ("A2", "A3", "A4", "A5")],
            inv("PR-R1", "R1", "2023-05-01", code=BEGGING),  # a begging charge in a sexual case: not listed
            inv("PR-O1", "O1", "2023-05-01", code=SMUGGLING),
        ],
        "prosecutions": [
            pros("PP-A1", "A1", "2023-03-11", case="PR-A"),
            pros("PP-A2", "A2", "2023-05-10"),
            pros("PP-A3", "A3", "2023-04-10", case="PR-A"),
            pros("PP-A4", "A4", "2023-03-01", case="PR-A", decision="dismissed"),
            pros("PP-R1", "R1", "2023-06-01", case="PR-R1", code=BEGGING),
            pros("PP-U", "U", "2023-02-15"),
            pros("PP-W1", "W", "2023-01-20"),
            pros("PP-W2", "W", "2023-02-20"),
            pros("PP-B1", "B1", "2023-02-01", office="SPRK", court="GJ"),
            pros("PP-B5", "B5", "2023-04-01", office="MI"),
        ],
        "judgments": [
            jud("J-A1", "A1", "2023-09-07", pid="PP-A1"),
            jud("J-A2", "A2", "2023-07-09"),
            jud("J-A3", "A3", "2023-11-01", pid="PP-A3", verdict="acquitted"),
            jud("J-W", "W", "2023-08-01"),
            jud("J-B1", "B1", "2023-06-01", pid="PP-B1", court="GJ"),
            jud("J-B1", "B1", "2023-10-01", court="APP", instance="appeal", verdict="quashed"),
            jud("J-B3", "B3", "2023-05-01", pid="PP-B3", court="GJ"),
        ],
    },
    "2024-12": {
        "investigations": [
            inv("PR-BEG", "G1", "2024-02-01", code=BEGGING, form=""),
            inv("PR-BEG", "G1", "2024-02-01", code=TRAFFICKING, form=""),
            inv("PR-BEG2", "G2", "2024-03-01", code=SMUGGLING, form="begging"),
        ],
        "prosecutions": [
            pros("PP-G1", "G1", "2024-04-01", case="PR-BEG", code=BEGGING),
            pros("PP-G1", "G1", "2024-04-01", case="PR-BEG", code=TRAFFICKING),
            pros("PP-B4", "B4", "2024-02-01", office="GJ"),
        ],
        "judgments": [
            jud("J-A1", "A1", "2024-03-05", court="APP", instance="appeal", verdict="confirmed", final="true"),
            jud("J-B1R", "B1", "2024-03-01", pid="PP-B1", court="GJ", final="true"),  # the retrial
            jud("J-B4", "B4", "2024-08-01", pid="PP-B4", court="GJ", verdict="rejected", final="true"),
            jud("J-B5", "B5", "2024-04-01", pid="PP-B5", court="MI", verdict="acquitted", final="true"),
            jud("J-G1", "G1", "2024-10-01", pid="PP-G1", code=BEGGING),
            jud("J-G1", "G1", "2024-10-01", pid="PP-G1", code=TRAFFICKING, verdict="acquitted"),
        ],
        "victims": [{"victim_id": "V-BEG", "case_id": "PR-BEG", "identified_on": "2024-02-02",
                     "identified_by": "police", "sex": "F", "exploitation_form": "begging"}],
    },
}


@pytest.fixture(scope="module")
def warehouse(tmp_path_factory):
    root = tmp_path_factory.mktemp("backlog")
    with pytest.MonkeyPatch.context() as mp:
        isolate(mp, root, root / "raw")
        for month, files in DELIVERIES.items():
            folder = root / "raw" / month
            folder.mkdir(parents=True)
            for source, columns in COLUMNS.items():
                write_file(folder / f"{source}.csv", csv_text(files.get(source, []), columns=columns))
        settings = Settings.from_env()
        report = load.refresh(settings)
        assert sum(f.result.rows_rejected for m in report.months for f in m.files) == 0
        yield settings.warehouse


@pytest.fixture(scope="module")
def query(warehouse):
    return querier(warehouse)


def _date(text: str) -> dt.date:
    return dt.date.fromisoformat(text)


def rounded(rows: list[tuple], digits: int = 2) -> list[tuple]:
    return [tuple(round(v, digits) if isinstance(v, float) else v for v in row) for row in rows]


# ------------------------------------------------------------------------------------------------- linking
def test_prosecutions_link_explicitly_through_the_person_or_not_at_all(query):
    rows = query("""select prosecution_id, link_method, linked_case_id from int_prosecution_units
                    where prosecution_id in ('PP-A1', 'PP-A2', 'PP-U') order by prosecution_id""")
    assert rows == [
        ("PP-A1", "explicit", "PR-A"),
        ("PP-A2", "person", "PR-A"),  # no case_id, one investigated case of the person
        ("PP-U", "unlinked", None),  # no case_id, two investigated cases of the person
    ]


def test_judgments_link_explicitly_through_the_person_or_not_at_all(query):
    rows = query("""select judgment_id, link_method, linked_prosecution_id, linked_case_id from int_judgment_units
                    where judgment_id in ('J-A1', 'J-A2', 'J-W') order by judgment_id""")
    assert rows == [
        ("J-A1", "explicit", "PP-A1", "PR-A"),
        ("J-A2", "person", "PP-A2", "PR-A"),  # no prosecution_id, one defendant-case of the person
        ("J-W", "unlinked", None, None),  # no prosecution_id, two defendant-cases of the person
    ]


def test_linkage_counts_each_later_stage_by_method(query):
    rows = query("""select year, stage, units, linked_explicit, linked_person, unlinked, linkage_pct,
                           linked_to_investigation
                    from mart_linkage where year = 2023 order by stage""")
    assert rounded(rows) == [
        # J-A1, J-A3, J-B1, J-B3 explicit; J-A2 through the person; J-W unlinked
        (2023, "judgments", 6, 4, 1, 1, 83.33, 3),
        # A1, A3, R1 explicit; A2 through the person; U, W1, W2, B1, B5 unlinked (A4 only dismissed)
        (2023, "prosecutions", 9, 3, 1, 5, 44.44, 4),
    ]


# ----------------------------------------------------------------------------------------------- attrition
ATTRITION = """select "group", investigated, prosecuted, convicted, finally_convicted,
                      prosecuted_pct, convicted_pct, final_pct, investigated_to_final_pct,
                      median_days_to_prosecution, median_days_to_conviction, median_days_to_final
               from mart_attrition where cohort_year = ? order by list_position(['trafficking', 'related', 'other', 'all'], "group")"""


def test_attrition_follows_a_cohort_stage_by_stage(query):
    assert rounded(query(ATTRITION, [2023])) == [
        # A1..A5: A5 never charged, A4 dismissed (dropped before court), A3 acquitted, A2 not final.
        # days: to prosecution A1 60, A2 120, A3 90; to conviction A1 180, A2 60; to final A1 180
        ("trafficking", 5, 3, 2, 1, 60.0, 66.67, 50.0, 20.0, 90.0, 120.0, 180.0),
        # R1 indicted 31 days after the investigation opened, never judged: no convicted, final rate null
        ("related", 1, 1, 0, 0, 100.0, 0.0, None, 0.0, 31.0, None, None),
        ("other", 1, 0, 0, 0, 0.0, None, None, 0.0, None, None, None),
        # trafficking + related; other is not in all
        ("all", 6, 4, 2, 1, 66.67, 50.0, 50.0, 16.67, 75.0, 120.0, 180.0),
    ]


def test_an_unlinked_prosecution_does_not_carry_its_person_through(query):
    # U's prosecution links to neither of U's two cases: both investigated units stop there
    assert query(ATTRITION, [2022])[0][:5] == ("trafficking", 2, 0, 0, 0)


def test_an_empty_group_has_zero_counts_and_null_rates(query):
    assert query(ATTRITION, [2024])[1] == ("related", 0, 0, 0, 0) + (None,) * 7


# ------------------------------------------------------------------------------------------------ backlog
BACKLOG = """select year, court, as_of, complete_year, pending_start, incoming, incoming_indicted,
                    incoming_reentered, resolved, pending, clearance_rate, disposition_days,
                    pending_age_median_days, pending_over_two_years
             from mart_backlog where court = ? order by year"""


def test_backlog_of_a_court_over_the_years_with_a_quashing_and_a_retrial(query):
    assert rounded(query(BACKLOG, ["GJ"])) == [
        # data start 2022-12: B2 indicted 2022-12-05, pending 26 days at year end, nothing resolved
        (2022, "GJ", _date("2022-12-31"), False, 0, 1, 1, 0, 0, 1, 0.0, None, 26.0, 0),
        # B1 indicted (SPRK, court GJ) and judged; the appeal quashes on 2023-10-01: B1 re-enters at GJ.
        # Pending: B1 (91 days since the re-entry), B2 (391 days). B3's judgment is left out.
        (2023, "GJ", _date("2023-12-31"), True, 1, 2, 1, 1, 1, 2, 50.0, 730.0, 241.0, 0),
        # B4 indicted and rejected; B1's retrial resolves it again; B2 still pending, 757 days > 2 years
        (2024, "GJ", _date("2024-12-31"), True, 2, 1, 1, 0, 2, 1, 200.0, 182.5, 757.0, 1),
    ]


def test_backlog_rates_are_null_when_their_denominator_is_zero(query):
    assert rounded(query(BACKLOG, ["MI"])) == [
        (2022, "MI", _date("2022-12-31"), False, 0, 0, 0, 0, 0, 0, None, None, None, 0),
        (2023, "MI", _date("2023-12-31"), True, 0, 1, 1, 0, 0, 1, 0.0, None, 274.0, 0),
        # nothing incoming: clearance null; nothing pending: disposition 0
        (2024, "MI", _date("2024-12-31"), True, 1, 0, 0, 0, 1, 0, None, 0.0, None, 0),
    ]


def test_backlog_all_courts_add_up(query):
    by_court = query("""select year, sum(incoming), sum(resolved), sum(pending), sum(pending_start)
                        from mart_backlog where court <> 'all' group by year order by year""")
    all_courts = query("""select year, incoming, resolved, pending, pending_start
                          from mart_backlog where court = 'all' order by year""")
    assert by_court == all_courts
    assert [c for (c,) in query("select distinct court from mart_backlog order by court_order")] == \
        ["PR", "PZ", "PE", "GJ", "MI", "FE", "GL", "unknown", "all"]


def test_the_reentry_is_at_the_first_instance_court_of_the_quashed_judgment(query):
    rows = query("""select event, event_date, court, judgment_id, instance, outcome, left_out
                    from int_backlog_events where prosecution_id = 'PP-B1' order by event_date""")
    assert rows == [
        ("indicted", _date("2023-02-01"), "GJ", None, None, None, None),
        ("resolved", _date("2023-06-01"), "GJ", "J-B1", "first", "convicted", None),
        ("reentered", _date("2023-10-01"), "GJ", "J-B1", "appeal", "quashed", None),
        ("resolved", _date("2024-03-01"), "GJ", "J-B1R", "first", "convicted", None),
    ]


def test_defendant_cases_indicted_before_the_first_delivered_month_are_left_out_and_counted(query):
    rows = query("""select year, court, excluded_defendant_cases, excluded_case_judgments, unlinked_judgments,
                           not_indicted_judgments, reentries_left_out
                    from mart_backlog_excluded order by year, court = 'all', court""")
    assert rows == [
        (2022, "GJ", 1, 0, 0, 0, 0),  # B3 indicted 2022-11-20; prosecutions first delivered 2022-12
        (2022, "all", 1, 0, 0, 0, 0),
        (2023, "GJ", 0, 1, 0, 0, 0),  # B3's judgment, left out with it
        (2023, "PR", 0, 0, 1, 0, 0),  # J-W: two candidate defendant-cases
        (2023, "all", 0, 1, 1, 0, 0),
    ]


# --------------------------------------------------------------------------------------------- watch lists
def test_begging_charged_as_something_other_than_trafficking(query):
    rows = query("""select stage, case_id, record_id, instance, offence_code, "group", charged_on, outcome,
                           begging_from
                    from mart_watch_begging""")
    assert rows == [
        # begging through the victim; the trafficking charges of the same case are not listed
        ("investigation", "PR-BEG", "PR-BEG", None, BEGGING, "related", _date("2024-02-01"), "referred", "victim"),
        ("prosecution", "PR-BEG", "PP-G1", None, BEGGING, "related", _date("2024-04-01"), "indicted", "victim"),
        ("judgment", "PR-BEG", "J-G1", "first", BEGGING, "related", _date("2024-10-01"), "convicted", "victim"),
        # begging through the investigation's exploitation form
        ("investigation", "PR-BEG2", "PR-BEG2", None, SMUGGLING, "other", _date("2024-03-01"), "referred", "case"),
    ]


def test_public_officials_at_every_stage(query):
    rows = query("""select figure, year, unit_date, "group", court, split_part(unit_id, ' ', 1)
                    from mart_watch_public_officials""")
    # A1: flagged by the investigation only; the later stages take it from the linked earlier stage
    assert rows == [
        ("investigated_persons", 2023, _date("2023-01-10"), "trafficking", None, "PR-A"),
        ("prosecuted_persons", 2023, _date("2023-03-11"), "trafficking", "PR", "PP-A1"),
        ("convicted_persons", 2023, _date("2023-09-07"), "trafficking", "PR", "J-A1"),
        ("final_convictions", 2024, _date("2024-03-05"), "trafficking", "PR", "J-A1"),
    ]
    assert len({r[0] for r in query("select person_key from mart_watch_public_officials")}) == 1


# ---------------------------------------------------------------------------------------------------- CLI
@pytest.fixture
def cli(warehouse, monkeypatch):
    monkeypatch.setenv("TIPSTATS_WAREHOUSE", str(warehouse))
    app = typer.Typer()
    register(app)
    runner = CliRunner()

    def run(*args: str):
        return runner.invoke(app, list(args), catch_exceptions=False)

    return run


def test_backlog_command_prints_the_courts_of_the_year(cli):
    result = cli("backlog", "--year", "2024")
    assert result.exit_code == 0, result.output
    gj = next(line for line in result.stdout.splitlines() if "│ GJ " in line)
    assert [c.strip() for c in gj.strip("│ ").split("│")] == \
        ["2024", "GJ", "2024-12-31", "yes", "2", "1", "0", "2", "1", "200.0", "182.5", "757.0", "1"]
    assert not [line for line in result.stdout.splitlines() if line.startswith(("│ 2022", "│ 2023"))]


def test_backlog_command_says_what_was_left_out(cli):
    result = cli("backlog", "--year", "2022")
    assert result.exit_code == 0
    assert "2022: left out 1 defendant-case(s) indicted before the first delivered month" in result.stdout


def test_backlog_json_is_a_list_of_objects(cli):
    result = cli("backlog", "--json")
    assert result.exit_code == 0
    rows = json.loads(result.stdout)
    assert len(rows) == 3 * 9  # years 2022–2024 × 7 basic courts, unknown, all
    gj = next(r for r in rows if r["year"] == 2023 and r["court"] == "GJ")
    assert gj == {"year": 2023, "court": "GJ", "as_of": "2023-12-31", "complete_year": True, "pending_start": 1,
                  "incoming": 2, "incoming_reentered": 1, "resolved": 1, "pending": 2, "clearance_rate": 50.0,
                  "disposition_days": 730.0, "pending_age_median_days": 241.0, "pending_over_two_years": 0}


def test_funnel_command(cli):
    result = cli("funnel", "--year", "2023")
    assert result.exit_code == 0
    trafficking = next(line for line in result.stdout.splitlines() if "│ trafficking " in line)
    assert [c.strip() for c in trafficking.strip("│ ").split("│")] == \
        ["2023", "trafficking", "5", "3", "2", "1", "60.0", "66.7", "50.0", "20.0", "90.0", "120.0", "180.0"]
    assert "prosecutions" in result.stdout and "judgments" in result.stdout  # the linkage table
    rows = json.loads(cli("funnel", "--year", "2023", "--json").stdout)
    assert [(r["group"], r["investigated"], r["finally_convicted"]) for r in rows] == \
        [("trafficking", 5, 1), ("related", 1, 0), ("other", 1, 0), ("all", 6, 1)]


def test_commands_need_a_warehouse(cli, tmp_path, monkeypatch):
    monkeypatch.setenv("TIPSTATS_WAREHOUSE", str(tmp_path / "none.duckdb"))
    result = cli("funnel")
    assert result.exit_code == 2
    assert "run `tipstats refresh` first" in result.stderr
