"""`tipstats export`: the GLOTIP, Eurostat and SDG 16.2.2 returns of the sample's 2025, re-read (openpyxl,
pysdmx) and reconciled figure by figure with `tipstats stats --json`, their disclosure control checked against
the public edition, and the refusals."""
from __future__ import annotations

import json
from pathlib import Path

import openpyxl
import pandas as pd
import pytest
from pysdmx.io import read_sdmx
from pysdmx.io.pd import PandasDataset
from typer.testing import CliRunner

from pipeline import suppress, terminal
from pipeline.cli import app
from pipeline.config import Config
from pipeline.publication import editions
from pipeline.publication.figures import gather
from pipeline.publication.periods import Period
from pipeline.returns import cells, command, crosswalk, sdg
from pipeline.returns.crosswalk import ReturnsError

YEAR = 2025
FORMS = {"Sexual exploitation": ["sexual"], "Forced labour": ["labour"], "Organ removal": ["organ_removal"],
         "Other purposes": ["begging", "criminality", "marriage", "other"]}
SEXES = {"Total": None, "Female": "F", "Male": "M"}
AGES = {"Total": None, "0 to 17 years": "child", "18 years or over": "adult"}
FIGURE = {"Persons brought into formal contact": "investigated_persons", "Persons prosecuted": "prosecuted_persons",
          "Persons convicted": "convicted_persons", "Detected trafficking victims": "victims_identified"}


@pytest.fixture(scope="module")
def exported(sample_settings, tmp_path_factory):
    """`tipstats export --year 2025` on the shared sample warehouse, the returns in a folder of the module's own;
    returns (folder, run)."""
    reports = tmp_path_factory.mktemp("returns-reports")
    runner = CliRunner()

    def run(*args: str):
        with pytest.MonkeyPatch.context() as patch:
            patch.setenv("TIPSTATS_REPORTS", str(reports))
            return runner.invoke(app, list(args), prog_name="tipstats", catch_exceptions=False)

    done = run("export", "--year", str(YEAR))
    assert done.exit_code == 0, done.output
    return reports / "public" / str(YEAR) / "returns", run


STATS: dict[tuple, dict] = {}


def stats(run, group: str, *by: str) -> dict:
    """`tipstats stats --year 2025 --group G --by … --json` (each asked once per session)."""
    if (group, *by) in STATS:
        return STATS[(group, *by)]
    done = run("stats", "--year", str(YEAR), "--group", group, "--json", *[a for d in by for a in ("--by", d)])
    assert done.exit_code == 0, done.output
    return STATS.setdefault((group, *by), json.loads(done.stdout))


def expected(run, figure: str, group: str, form: str | None, sex: str | None, age: str | None) -> int:
    """The figure of one GLOTIP cell, summed from `stats --by exploitation_form --by sex --by age_group`."""
    rows = stats(run, group, "exploitation_form", "sex", "age_group")["rows"]
    return sum(r[figure] for r in rows if (form is None or r["exploitation_form"] in FORMS[form])
               and (sex is None or r["sex"] == sex) and (age is None or r["age_group"] == age))


def test_the_three_returns_are_written(exported):
    folder, _ = exported
    assert sorted(p.name for p in folder.iterdir()) == [
        "eurostat-crim_thb.csv", "eurostat-crim_thb.xlsx", "glotip.csv", "glotip.xlsx", "sdg-16-2-2-about.csv",
        "sdg-16-2-2.csv"]


def read_sheet(path: Path, name: str) -> pd.DataFrame:
    """A sheet as written by export.write_xlsx: a title line, then the header and the rows."""
    sheet = openpyxl.load_workbook(path, read_only=True)[name]
    rows = [list(r) for r in sheet.iter_rows(values_only=True)]
    header = next(i for i, r in enumerate(rows) if r and r[0] in ("Iso3_code", "geo", "item"))
    return pd.DataFrame(rows[header + 1:], columns=rows[header]).dropna(how="all")


def test_every_glotip_figure_equals_stats(exported):
    folder, run = exported
    data = read_sheet(folder / "glotip.xlsx", "Data")
    csv = pd.read_csv(folder / "glotip.csv", dtype=str, keep_default_na=False, skiprows=2)
    assert list(csv.columns) == ["Iso3_code", "Country", "Region", "Subregion", "Indicator", "Dimension", "Category",
                                 "Sex", "Age", "Year", "Unit of measurement", "txtVALUE", "Source"]
    assert len(data) == len(csv) == 200
    assert (csv["txtVALUE"] == data["txtVALUE"].astype(str)).all()
    assert set(csv["Iso3_code"]) == {"XKX"} and set(csv["Year"]) == {"2025"} and set(csv["Unit of measurement"]) == {"Counts"}
    checked = 0
    for row in csv[csv["Dimension"] != "by citizenship"].itertuples():
        figure = FIGURE[row.Indicator]
        group = "all" if figure == "victims_identified" else "trafficking"
        n = expected(run, figure, group, None if row.Category == "Total" else row.Category, SEXES[row.Sex], AGES[row.Age])
        if row.txtVALUE == "<5":
            assert 1 <= n <= 4, row
        elif row.txtVALUE == "x":
            assert n >= 5 and figure == "victims_identified", row
        else:
            assert int(row.txtVALUE) == n, row
            checked += 1
    assert checked == 152  # and 28 victim cells suppressed
    # the headline cells, as stats prints them
    total = {(r.Indicator, r.Dimension, r.Sex, r.Age): r.txtVALUE for r in csv.itertuples()}
    assert total[("Detected trafficking victims", "Total", "Total", "Total")] == "29"
    assert total[("Persons convicted", "Total", "Total", "Total")] == "12"
    assert total[("Persons prosecuted", "Total", "Total", "Total")] == "29"
    assert total[("Persons brought into formal contact", "Total", "Total", "Total")] == "30"


def test_glotip_by_citizenship_equals_stats(exported):
    folder, run = exported
    csv = pd.read_csv(folder / "glotip.csv", dtype=str, keep_default_na=False, skiprows=2)
    by = csv[(csv["Dimension"] == "by citizenship") & (csv["Indicator"] == "Persons convicted")]
    rows = stats(run, "trafficking", "citizenship")["rows"]
    names = {"AL": "Albania", "MD": "Moldova, Republic of", "XK": "Kosovo", "RS": "Serbia", "NG": "Nigeria"}
    counted = {names.get(r["citizenship"], r["citizenship"]): r["convicted_persons"] for r in rows
               if r["citizenship"] != "unknown"}
    assert dict(zip(by["Category"], by["txtVALUE"].astype(int))) == counted


def test_eurostat_figures_equal_stats(exported):
    folder, run = exported
    csv = pd.read_csv(folder / "eurostat-crim_thb.csv", dtype=str, keep_default_na=False, skiprows=2)
    assert read_sheet(folder / "eurostat-crim_thb.xlsx", "Data").shape[0] == len(csv) == 4 * (9 + 9 + 12)
    trafficking, victims = stats(run, "trafficking"), stats(run, "all")
    by_sex = {r["sex"]: r for r in stats(run, "trafficking", "sex")["rows"]}
    cell = {(r.leg_stat, r.iccs, r.citizen, r.sex, r.age): (r.OBS_VALUE, r.OBS_FLAG) for r in csv.itertuples()}
    assert cell[("SUSP", "ICCS0204", "TOTAL", "T", "TOTAL")] == (str(trafficking["investigated_persons"]), "")
    assert cell[("CONV", "ICCS0204", "TOTAL", "M", "TOTAL")] == (str(by_sex["M"]["convicted_persons"]), "")
    assert cell[("VICT", "ICCS0204", "TOTAL", "T", "TOTAL")] == (str(victims["victims_identified"]), "")
    # citizenship groups: the pack's national citizenship, the EU members of 2025, everyone else
    groups = {"NAT": 0, "EU_FOR": 0, "NEU_FOR": 0, "UNK": 0}
    for r in stats(run, "trafficking", "citizenship")["rows"]:
        c = r["citizenship"]
        key = "UNK" if c == "unknown" else "NAT" if c == "XK" else "EU_FOR" if c in EU_2025 else "NEU_FOR"
        groups[key] += r["prosecuted_persons"]
    assert {g: int(cell[("PROS", "ICCS0204", g, "T", "TOTAL")][0]) for g in groups} == groups
    # a suppressed victims cell has no value and the flag c, never a 0
    flagged = csv[csv["OBS_FLAG"] == "c"]
    assert len(flagged) > 0 and set(flagged["OBS_VALUE"]) == {""} and set(flagged["leg_stat"]) == {"VICT"}


EU_2025 = {"AT", "BE", "BG", "HR", "CY", "CZ", "DK", "EE", "FI", "FR", "DE", "GR", "HU", "IE", "IT", "LV", "LT", "LU",
           "MT", "NL", "PL", "PT", "RO", "SK", "SI", "ES", "SE"}


def test_the_eu_list_is_dated(sample_settings):
    members = crosswalk.read()
    assert members.eu_members(2025) == EU_2025
    assert "GB" in members.eu_members(2019) and "GB" not in members.eu_members(2020)
    assert "HR" not in members.eu_members(2012) and "HR" in members.eu_members(2013)


def test_sdg_round_trip_with_pysdmx(exported, sample_settings):
    folder, run = exported
    schema = sdg.schema(crosswalk.read())
    dataset = read_sdmx(folder / "sdg-16-2-2.csv").data[0]
    assert dataset.short_urn == "Dataflow=IAEG-SDGs:DF_SDG_GLH(1.12)"
    data = PandasDataset(structure=schema, data=dataset.data).data  # the same Schema types every column
    assert list(data.columns) == [c.id for c in schema.components]
    assert len(data) == 5 * 9  # five series × sex × age; no rates: the Kosovo pack gives no population
    assert set(data["REF_AREA"]) == {"412"} and set(data["TIME_PERIOD"]) == {"2025"}
    series = {"VC_HTF_DETV": None, "VC_HTF_DETVSX": "Sexual exploitation", "VC_HTF_DETVFL": "Forced labour",
              "VC_HTF_DETVOG": "Organ removal", "VC_HTF_DETVOP": "Other purposes"}
    sexes, ages = {"_T": None, "F": "F", "M": "M"}, {"_T": None, "Y0T17": "child", "Y_GE18": "adult"}
    for row in data.itertuples():
        n = expected(run, "victims_identified", "all", series[row.SERIES], sexes[row.SEX], ages[row.AGE])
        if row.OBS_VALUE == "":
            assert row.CONF_STATUS in ("C", "D") and row.OBS_STATUS == "O", row
            assert (1 <= n <= 4) == (row.CONF_STATUS == "C") and n != 0, row
        else:
            assert int(row.OBS_VALUE) == n and row.CONF_STATUS == "F" and row.OBS_STATUS == "A", row


def test_sdg_rates_where_the_pack_gives_population(sample_settings):
    """Rates per 100,000 for the (sex, age) the population covers; a suppressed count has no rate."""
    base = crosswalk.read()
    population = pd.DataFrame([[str(YEAR), "total", "total", "1600000", "test", "false"],
                               [str(YEAR), "F", "total", "800000", "test", "false"]],
                              columns=["year", "sex", "age_group", "population", "source", "verified"])
    walk = crosswalk.Crosswalk(base.settings, base.iccs, population, base.eu)
    with terminal.warehouse() as con:
        cuts = cells.cut(con, Config.load(), YEAR, "victims", walk)
    frame = sdg.observations(cuts, YEAR, walk, "test")
    rates = frame[frame["UNIT_MEASURE"] == "PER_100000_POP"]
    assert len(frame) == 5 * 9 + len(rates) and len(rates) == 5 * 2
    total = rates[(rates["SERIES"] == "VC_HTF_DETVR") & (rates["SEX"] == "_T")]
    assert total["OBS_VALUE"].tolist() == ["1.812"]  # 29 victims per 1,600,000 people
    female = rates[(rates["SERIES"] == "VC_HTF_DETVR") & (rates["SEX"] == "F")]
    assert female["OBS_VALUE"].tolist() == [""] and female["CONF_STATUS"].tolist() == ["D"]


def test_victim_cells_keep_the_public_editions_suppression(sample_settings):
    """What the public edition of 2025 shows of the victims, the returns show alike; what it hides, they hide;
    and nothing hidden in either can be worked out from both together."""
    config = Config.load()
    with terminal.warehouse() as con:
        walk = crosswalk.read()
        cuts = cells.cut(con, config, YEAR, "victims", walk)
        period = Period.of_year(YEAR)
        public_grids, public = editions.public_protection(gather(con, period), period, config)
    by_sex = public["victims_by_sex"].display(config.k)
    for sex in ("F", "M", "U"):
        assert cuts.shown("sa", sex) == by_sex.at[sex, str(YEAR)], sex
    by_form = public["victims_by_form"].display(config.k)
    for form in ("sexual", "labour", "unknown"):
        assert cuts.shown("fsa", form) == by_form.at[form, str(YEAR)], form
    # together: the public grids as published and the return's as exported, tied by the same sums: no hidden
    # figure of either follows exactly from both
    grids, sums = cuts.together
    result = {**{g.name: public[g.name] for g in grids if g.name in public}, **cuts.protected}
    assert [g.name for g in grids][:5] == ["victims_by_sex", "victims_by_form", "victims_by_form_and_age",
                                           "victims_by_region", "victims_by_group"]
    assert suppress.recoverable(grids, result, sums=sums) == []
    hidden = [(name, r, c) for name, p in cuts.protected.items() for (_, r, c, _) in p.cells()]
    assert len(hidden) == 99  # of the 327 figures of the return's victim cuts


def test_a_year_without_deliveries_is_refused(exported):
    _, run = exported
    done = run("export", "--year", "2019")
    assert done.exit_code == 2
    assert done.output.strip().splitlines() == [
        "error: no source delivered any month in 2019-01 … 2019-12: loaded months are 2023-11 … 2026-10"]


def test_a_charged_provision_without_an_iccs_code_is_refused(sample_settings):
    base = crosswalk.read()
    iccs = base.iccs[~((base.iccs["kind"] == "statute") & base.iccs["code"].isin(["CCRK2019.165.1", "PCCK2003.139"]))]
    with terminal.warehouse() as con, pytest.raises(ReturnsError) as refused:
        command.check_provisions(con, crosswalk.Crosswalk(base.settings, iccs, base.population, base.eu))
    assert str(refused.value) == ("2 charged provisions have no ICCS code in kosovo/iccs.csv: CCRK2019.165.1, "
                                  "PCCK2003.139 (`tipstats pack check` lists them)")
    with terminal.warehouse() as con:
        command.check_provisions(con, base)  # the pack as shipped maps every charged provision


def test_unknown_collection_is_refused(exported):
    _, run = exported
    done = run("export", "unodc")
    assert done.exit_code == 2
    assert done.output.strip() == "error: unknown return 'unodc': choose from glotip, eurostat, sdg"


def test_stats_cross_classifies_and_adds_up_to_each_dimension(exported):
    _, run = exported
    cross = stats(run, "all", "sex", "age_group")
    assert cross["by"] == ["sex", "age_group"]
    assert [(r["sex"], r["age_group"]) for r in cross["rows"]] == [
        ("F", "child"), ("F", "adult"), ("F", "unknown"), ("M", "adult"), ("M", "unknown"), ("U", "unknown")]
    assert {(r["sex"], r["age_group"]): r["victims_identified"] for r in cross["rows"]} == {
        ("F", "child"): 11, ("F", "adult"): 16, ("F", "unknown"): 0, ("M", "adult"): 2, ("M", "unknown"): 0,
        ("U", "unknown"): 0}
    assert {r["investigated_cases"] for r in cross["rows"]} == {None}  # cases have no sex or age
    for dimension in ("sex", "age_group"):
        single = {r[dimension]: r for r in stats(run, "all", dimension)["rows"]}
        for figure in ("investigated_persons", "prosecuted_persons", "convicted_persons", "victims_identified"):
            summed: dict[str, int] = {}
            for r in cross["rows"]:
                summed[r[dimension]] = summed.get(r[dimension], 0) + r[figure]
            assert summed == {v: single[v][figure] for v in summed}, (dimension, figure)


def test_stats_by_refuses_a_dimension_twice(exported):
    _, run = exported
    done = run("stats", "--year", "2025", "--by", "sex", "--by", "sex")
    assert done.exit_code == 2
    assert done.output.strip() == "error: --by may be given up to 3 times, each with another dimension"


def test_each_file_states_its_source_coverage_pack_and_date(exported):
    folder, _ = exported
    lines = (folder / "glotip.csv").read_text(encoding="utf-8").splitlines()
    assert lines[0] == '"UNODC Global Report on Trafficking in Persons (GLOTIP) / UN-CTS: Kosovo, 2025"'
    assert lines[1] == (
        '"source: National authorities (police, prosecution, courts) through tipstats · coverage: police: 12 of 12 '
        'months delivered; courts: 12 of 12 months delivered; prosecution offices: 12 of 12 months delivered; '
        'victim-identification bodies: 11 of 12 months delivered · pack: kosovo 2026.12 · data as of: October 2026 '
        '(load 1)"')
    assert lines[2].startswith("Iso3_code,")
    about = read_sheet(folder / "eurostat-crim_thb.xlsx", "About")
    text = dict(zip(about["item"], about["text"]))
    assert text["collection"] == "Eurostat trafficking in human beings (crim_thb)"
    assert text["not checked against the collection"] == "geo, codes"
    assert text["not reported (no month delivered)"] == "none"
    sdg_about = pd.read_csv(folder / "sdg-16-2-2-about.csv", dtype=str)
    assert dict(zip(sdg_about["item"], sdg_about["text"]))["population"] == (
        "the pack gives no population for 2025: counts only, no rates")
    sdg_rows = pd.read_csv(folder / "sdg-16-2-2.csv", dtype=str)
    assert set(sdg_rows["SOURCE_DETAIL"]) == {"National authorities (police, prosecution, courts) through tipstats; "
                                              + lines[1].strip('"')}


def test_the_about_sheet_in_albanian(exported, tmp_path, monkeypatch):
    _, run = exported
    monkeypatch.setenv("TIPSTATS_REPORTS", str(tmp_path))  # not the module's returns, which other tests read
    done = CliRunner().invoke(app, ["export", "eurostat", "--language", "sq"], catch_exceptions=False)
    assert done.exit_code == 0, done.output
    folder = tmp_path / "public" / "2025" / "returns"
    assert sorted(p.name for p in folder.iterdir()) == ["eurostat-crim_thb.csv", "eurostat-crim_thb.xlsx"]
    workbook = openpyxl.load_workbook(folder / "eurostat-crim_thb.xlsx", read_only=True)
    assert workbook.sheetnames == ["Rreth", "Të dhënat"]
    about = [r for r in workbook["Rreth"].iter_rows(values_only=True) if r and r[0]]
    assert ("mbledhja", "Eurostat: trafikimi i qenieve njerëzore (crim_thb)") in [tuple(r[:2]) for r in about]
    # the collection's codes stay as its layout has them
    data = pd.read_csv(folder / "eurostat-crim_thb.csv", dtype=str, keep_default_na=False, skiprows=2)
    assert set(data["leg_stat"]) == {"VICT", "SUSP", "PROS", "CONV"}
    assert run("export", "--language", "de").output.strip() == "error: --language must be one of en, sq, sr, not 'de'"
