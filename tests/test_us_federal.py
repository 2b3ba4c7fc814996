"""The U.S. federal pack on real data (issue 13, item 8): the HumanTraffickingData.org extract imported by
the pack's mapping `htd`, refreshed, and tipstats' person-level sentence figures by sex compared with a
direct pandas computation on defendants.csv written here. Runs the CLI as a user does (subprocess)."""
from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import duckdb
import pandas as pd
import pytest

REPO = Path(__file__).resolve().parents[1]
EXTRACT = REPO.parent / "shared" / "external" / "us-federal-ht-2000-2016"
PACK = REPO / "contracts" / "packs" / "us-federal"
COVERAGE_END = 2016  # the mapping's coverage: 2000-01 … 2016-12

pytestmark = pytest.mark.skipif(
    not (EXTRACT / "defendants.csv").is_file(),
    reason=f"the U.S. extract is not here ({EXTRACT}): this test runs where ../shared is (CI)")


@pytest.fixture(scope="module")
def loaded(tmp_path_factory):
    """import --historical and refresh into a warehouse of the test's own; returns (run, query)."""
    root = tmp_path_factory.mktemp("us")
    env = {**os.environ, "TIPSTATS_PACK": "us-federal", "TIPSTATS_RAW": str(root / "raw"),
           "TIPSTATS_WAREHOUSE": str(root / "warehouse" / "tipstats.duckdb"),
           "TIPSTATS_REPORTS": str(root / "reports"), "TIPSTATS_KEY": "tipstats-test-key-0123456789abcdef",
           "TIPSTATS_REPORT_ON_REFRESH": "0", "HOME": str(root), "PYTHONPATH": str(REPO),
           # no test here reads a chart image or report.pdf: the report is written without Chromium
           "TIPSTATS_IMAGES": "0"}
    for name in ("TIPSTATS_CONFIG", "TIPSTATS_KEY_FILE"):
        env.pop(name, None)

    def run(*args: str, expect: int = 0) -> subprocess.CompletedProcess:
        done = subprocess.run([sys.executable, "-m", "pipeline.cli", *args], cwd=root, env=env,
                              capture_output=True, text=True)
        assert done.returncode == expect, done.stdout + done.stderr
        return done

    run("import", "--mapping", "htd", "--historical", str(EXTRACT))
    run("refresh")

    def query(sql: str) -> list[tuple]:
        con = duckdb.connect(str(root / "warehouse" / "tipstats.duckdb"), read_only=True)
        try:
            return con.execute(sql).fetchall()
        finally:
            con.close()

    run.root = root  # where the reports go: root / reports
    return run, query


def test_the_load_log_accounts_for_every_input_row(loaded):
    _, query = loaded
    assert query("""select file, rows_read, rows_mapped, rows_quarantined from load_log
                    where rows_mapped is not null order by file""") == [
        ("2016-12/import/cases.csv", 674, 664, 10),
        ("2016-12/import/defendants.csv", 1762, 1737, 25),
    ]
    # the identity, on every file of the load log, delivery files and agency files alike
    assert query("""select count(*) from load_log where rows_read <> coalesce(rows_mapped, 0) + rows_new
                    + rows_replacing + rows_unchanged + rows_stored_not_current + rows_quarantined""") == [(0,)]
    defendants = pd.read_csv(EXTRACT / "defendants.csv", dtype=str, keep_default_na=False)
    cases = pd.read_csv(EXTRACT / "cases.csv", dtype=str, keep_default_na=False)
    assert (len(defendants), len(cases)) == (1762, 674)
    # not mapped: every defendant of a case without a state, and those with neither charge date nor outcome
    stateless = defendants["case_id"].isin(cases.loc[cases["state"] == "", "id"])
    reasons = dict(query("""select reason, count(*) from quarantine where "check" = 'not_mapped'
                            and file = '2016-12/import/defendants.csv' group by all"""))
    state = "the state of the case is not recorded (no district court, no U.S. Attorney office)"
    undated = ("investigations: no charge_date: the referral to prosecution is not dated | judgments: {} | "
               "prosecutions: no charge_date: the charge is not dated")
    assert reasons == {
        f"not mapped: investigations: {state} | judgments: {state} | prosecutions: {state}": int(stateless.sum()),
        "not mapped: " + undated.format("outcome pending or unknown (n_sentences 999)"): 6,
        "not mapped: " + undated.format("no year_terminated: the judgment is not dated"): 1,
        "not mapped: " + undated.format(
            "no outcome recorded for the statute (no plea, trial or dismissal count; no sentence)"): 1,
    }
    assert int(stateless.sum()) == 17
    assert query("""select reason, count(*) from quarantine where file = '2016-12/import/cases.csv'
                    group by all""") == [("not mapped: no defendant of the case was mapped", 10)]
    # the converted rows held back by the contracts: judgments after the coverage, and two out of date order
    assert query("""select "check", count(*) from quarantine where file = '2016-12/judgments.csv'
                    group by all order by all""") == [("date_order", 2), ("future_date", 39)]
    # every month of the coverage delivered, victims never (the extract counts victims per case only)
    assert query("""select source, count(*) filter (where status = 'delivered'), min(month), max(month)
                    from deliveries group by all order by source""") == [
        ("investigations", 204, "2000-01", "2016-12"), ("judgments", 204, "2000-01", "2016-12"),
        ("prosecutions", 204, "2000-01", "2016-12"), ("victims", 0, "2016-12", "2016-12")]


def items(cell: str) -> list[str | None]:
    """The extract's list cells: "['1591', '2421_to_2424']", "['0' '0']", "[None, None]", a bare "1591"."""
    cell = cell.strip()
    if not cell:
        return []
    if not cell.startswith("["):
        return [cell]
    return [None if t in ("None", "nan") else t.strip("'\"") for t in cell.strip("[]").replace(",", " ").split()]


def number(text: str | None) -> float | None:
    try:
        return float(text)
    except (TypeError, ValueError):
        return None


def twin() -> pd.DataFrame:
    """Persons convicted at first instance, straight from defendants.csv, one row each: sex and prison months.

    Convicted on a statute with a guilty plea or trial verdict; a defendant without statute lists when
    sentenced (n_sentences 1–998 or a prison term). Left out as the load leaves them out: outcome pending
    (n_sentences 999), no year terminated, the case's state unknown, terminated after the coverage, or
    arrested/charged after the year terminated. The prison term (DATA-SPEC 4): the person's group is the
    highest of their convicted statutes (the pack's statutes.csv), the term the largest of that group's
    per-statute terms; total_months_sentenced when no convicted statute has a term; 0 when none.
    Group `all` = trafficking and related."""
    aliases = pd.read_csv(PACK / "codes" / "offence_aliases.csv", dtype=str)
    statutes = pd.read_csv(PACK / "statutes.csv", dtype=str, keep_default_na=False)
    articles = statutes[statutes["paragraph"] == ""]
    group_of = dict(zip(articles["law"] + "." + articles["article"], articles["group"]))
    token_group = {a: group_of.get(c, "other") for a, c in zip(aliases["alias"], aliases["offence_code"])}
    unrecorded = group_of.get("HTD.unrecorded", "other")
    rank = {"other": 0, "related": 1, "trafficking": 2}

    defendants = pd.read_csv(EXTRACT / "defendants.csv", dtype=str, keep_default_na=False)
    cases = pd.read_csv(EXTRACT / "cases.csv", dtype=str, keep_default_na=False)
    defendants = defendants.merge(cases[["id", "state"]].rename(columns={"id": "case_id"}), on="case_id", how="left")
    persons = []
    for d in defendants.itertuples():
        year = number(d.year_terminated)
        if not d.state or number(d.n_sentences) == 999 or year is None or year > COVERAGE_END:
            continue
        known = [x for x in (d.arrest_date, d.charge_date) if x]
        if known and min(known) > f"{int(year)}-12-31":
            continue
        convicted = []  # (group rank, months or None)
        statutes_ = items(d.statute_sentence)
        if not statutes_:
            sentences = number(d.n_sentences)
            if (sentences is not None and 1 <= sentences <= 998) or (number(d.total_months_sentenced) or 0) > 0:
                convicted.append((rank[unrecorded], None))
        else:
            pleas, trials, months = (items(d.statute_plea_guilty), items(d.statute_trial_guilty),
                                     items(d.statute_months_sentenced))

            def at(values: list, i: int) -> float | None:
                return number(values[i]) if i < len(values) else None

            for i, statute in enumerate(statutes_):
                if (at(pleas, i) or 0) + (at(trials, i) or 0) > 0:
                    convicted.append((rank[token_group[statute]], at(months, i)))
        if not convicted:
            continue
        top = max(g for g, _ in convicted)
        if all(m is None for _, m in convicted):
            months_ = number(d.total_months_sentenced) or 0
        else:
            months_ = max([m for g, m in convicted if g == top and m is not None], default=0)
        persons.append({"sex": {"Male": "M", "Female": "F"}.get(d.gender, "U"), "group": top, "months": months_})
    frame = pd.DataFrame(persons)
    return frame[frame["group"] >= rank["related"]]


def test_person_counts_and_median_sentences_by_sex_equal_pandas(loaded):
    run, _ = loaded
    summary = json.loads(run("sentences", "--summary", "--by", "sex", "--group", "all", "--json").stdout)
    persons = twin()
    expected = [
        {"value": sex, "persons": len(g), "median_months": float(g["months"].median())}
        for sex, g in sorted(persons.groupby("sex"), key=lambda kv: kv[0])
    ] + [{"value": "total", "persons": len(persons), "median_months": float(persons["months"].median())}]
    assert [{k: row[k] for k in ("value", "persons", "median_months")} for row in summary] == expected
    # and as read by hand on 2026-12-02
    assert expected == [
        {"value": "F", "persons": 259, "median_months": 36.0},
        {"value": "M", "persons": 707, "median_months": 120.0},
        {"value": "U", "persons": 4, "median_months": 0.0},
        {"value": "total", "persons": 970, "median_months": 96.0},
    ]


def test_stats_and_report_run_on_the_import(loaded):
    run, _ = loaded
    stats = json.loads(run("stats", "--year", "2016", "--json").stdout)
    # coverage follows the historical delivery; victims were not delivered (only counts per case exist)
    assert stats["coverage"] == {
        "investigations": {"months_delivered": 12, "months_in_year": 12},
        "judgments": {"months_delivered": 12, "months_in_year": 12},
        "prosecutions": {"months_delivered": 12, "months_in_year": 12},
        "victims": {"months_delivered": 0, "months_in_year": 12},
    }
    report = run("report")
    assert "Report 2016:" in report.stdout  # the default period: the coverage's last year


def test_glotip_return_runs_on_the_import(loaded):
    """Persons prosecuted and convicted as stats counts them; victims were not delivered: "not reported"."""
    run, _ = loaded
    done = run("export", "glotip", "--year", "2016")
    assert "Return 2016:" in done.stdout
    folder = run.root / "reports" / "public" / "2016" / "returns"
    csv = pd.read_csv(folder / "glotip.csv", dtype=str, keep_default_na=False, skiprows=2)
    stats = json.loads(run("stats", "--year", "2016", "--group", "trafficking", "--json").stdout)
    cell = {(r.Indicator, r.Dimension, r.Category, r.Sex, r.Age): r.txtVALUE for r in csv.itertuples()}
    assert set(csv["Iso3_code"]) == {"USA"}
    assert cell[("Persons prosecuted", "Total", "Total", "Total", "Total")] == str(stats["prosecuted_persons"])
    assert cell[("Persons convicted", "Total", "Total", "Total", "Total")] == str(stats["convicted_persons"])
    victims = csv[csv["Indicator"] == "Detected trafficking victims"]
    assert victims["txtVALUE"].tolist() == ["not reported"]
    sdg = run("export", "sdg", "--year", "2016", expect=2)
    assert (sdg.stdout + sdg.stderr).strip() == ("error: sdg 2016: victims were not reported that year (no victims delivery): "
                                  "SDG 16.2.2 has nothing to send")
