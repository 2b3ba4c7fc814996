"""`tipstats report` on the committed sample months: the files, the charts, disclosure control, spreadsheet
safety, the TIP paragraph against `tipstats stats --json`, revisions, and the report without a Chromium."""
from __future__ import annotations

import csv
import json
import re
import struct
from pathlib import Path

import pandas as pd
import pytest
from openpyxl import load_workbook
from plotly.utils import PlotlyJSONEncoder
from typer.testing import CliRunner

from conftest import INV, VIC, isolate, sample_copy
from pipeline.cli import app
from pipeline.config import Config, ConfigError, Labels, LABELS_DIR
from pipeline.export import FORMULA_STARTS, Sheet, write_csv, write_xlsx

REPO = Path(__file__).resolve().parents[1]
YEAR = 2025
CHART_TRACES = {  # chart → traces drawn (a trace per series; victims: one per category + "not shown")
    "trends": 3, "attrition": 1, "sentences_vs_minimum": 3, "below_minimum_by_court": 1,
    "below_minimum_by_year": 1, "victims_by_sex": 5, "victims_by_age": 4, "victims_by_form": 9,
    "backlog_by_court": 2, "public_officials": 3, "reclassified": 2, "watch_begging": 3,
}
NO_BROWSER = "/nonexistent/chromium"


def run(*args: str):
    result = CliRunner().invoke(app, [str(a) for a in args], prog_name="tipstats", catch_exceptions=False)
    return result.exit_code, result.stdout, result.stderr


# ------------------------------------------------------------------------------------------------ fixtures
@pytest.fixture(scope="module")
def sample(sample_report):
    """The session's 2025 report of the sample (conftest.sample_report: the public and the restricted edition, in
    every language, the English ones with their images), read only."""
    root = sample_report["root"]
    with pytest.MonkeyPatch.context() as patch:
        isolate(patch, root, REPO / "raw")
        stats_json = run("stats", "--year", YEAR, "--group", "trafficking", "--json")
    return {"root": root, "public": sample_report["public"], "restricted": sample_report["restricted"],
            "translations": [sample_report["public_translations"], sample_report["restricted_translations"]],
            "stats": json.loads(stats_json[1]),
            # public and restricted editions apart (issue 12 point 10), each edition in its language's folder
            "folder": root / "reports" / "public" / str(YEAR) / "en",
            "restricted_folder": root / "reports" / "restricted" / str(YEAR) / "en"}


def png_size(path: Path) -> tuple[int, int]:
    header = path.read_bytes()[:24]
    assert header[:8] == b"\x89PNG\r\n\x1a\n", path
    return struct.unpack(">II", header[16:24])


def read_csv(path: Path) -> list[list[str]]:
    with open(path, newline="", encoding="utf-8") as f:
        return list(csv.reader(f))


# ----------------------------------------------------------------------------------------------- the files
def test_report_writes_every_part_and_says_where(sample):
    for code, stdout, stderr in [sample["public"], sample["restricted"], *sample["translations"]]:
        assert code == 0, stderr
        assert stderr == ""
        assert re.match(rf"Report {YEAR}( \(RESTRICTED\))?: .* — 12 charts, \d+ tables, ", stdout), stdout
    folder, restricted = sample["folder"], sample["restricted_folder"]
    for name in ("report.html", "tables.xlsx", "revisions.csv", "tip-summary.md", "tables/headline.csv"):
        assert (folder / name).is_file(), name
    for name in ("report.html", "tables.xlsx", "suppression.csv", "quality-police.xlsx", "quality-courts.xlsx",
                 "quality-prosecution.xlsx", "quality-victim-identification.xlsx"):
        assert (restricted / name).is_file(), name
    public = sample["root"] / "reports" / "public"
    assert not [p for p in public.rglob("*") if "restricted" in p.parts or p.name == "suppression.csv"
                or p.name.startswith("quality-")]


def test_every_chart_is_a_print_ready_png_and_an_svg_with_its_traces(sample):
    for folder in (sample["folder"], sample["restricted_folder"]):
        charts = folder / "charts"
        assert sorted(p.stem for p in charts.glob("*.png")) == sorted(CHART_TRACES)
        for name, traces in CHART_TRACES.items():
            width, height = png_size(charts / f"{name}.png")
            assert width >= 1000 and height >= 500, (name, width, height)
            svg = (charts / f"{name}.svg").read_text(encoding="utf-8")
            assert svg.startswith("<svg")
            assert len(re.findall(r'<g class="trace (?:bars|scatter)', svg)) == traces, name


def test_charts_state_source_coverage_and_data_as_of(sample):
    svg = (sample["folder"] / "charts" / "trends.svg").read_text(encoding="utf-8")
    assert "Source: Kosovo police, prosecution offices, courts" in svg
    assert "Coverage 2025: investigations 12/12 months" in svg
    assert "Data as" in svg and "October 2026 (load 1)" in svg
    restricted = (sample["restricted_folder"] / "charts" / "trends.svg").read_text(encoding="utf-8")
    assert "RESTRICTED" in restricted and "RESTRICTED" not in svg


def test_quality_files_hold_the_period_rows_of_each_agency_and_no_identifier(sample):
    book = load_workbook(sample["restricted_folder"] / "quality-police.xlsx")
    sheet = book.worksheets[0]
    rows = [[c.value for c in row] for row in sheet.iter_rows()]
    assert rows[0][0] == "RESTRICTED"
    header = rows[3]
    assert header == ["Month", "File", "Line", "Record key", "Column", "Check", "Reason"]
    body = [r for r in rows[4:] if r and r[0]]
    assert body and all(str(r[0]).startswith(f"{YEAR}-") for r in body)
    assert all("person_id=***" in r[3] for r in body if "person_id" in r[3])
    assert sheet.oddHeader.center.text == "RESTRICTED"


# ------------------------------------------------------------------------------------- disclosure control
def test_public_and_restricted_editions_differ_exactly_in_the_suppressed_cells(sample):
    public, restricted = sample["folder"] / "tables", sample["restricted_folder"] / "tables"
    listed = {(r[0], r[1], r[2]): r[3] for r in read_csv(sample["restricted_folder"] / "suppression.csv")[1:]}
    assert listed, "the sample has small victim counts: something must be suppressed"
    differing = {}
    for path in sorted(public.glob("*.csv")):
        theirs = read_csv(restricted / path.name)
        ours = read_csv(path)
        assert ours[0] == theirs[0] and len(ours) == len(theirs), path.name
        header = ours[0]
        for mine, full in zip(ours[1:], theirs[1:]):
            for column, a, b in zip(header, mine, full):
                if a != b:
                    differing[(path.stem, mine[0], column)] = a
    assert set(differing) == set(listed)
    for cell, shown in differing.items():
        assert shown == ("<5" if listed[cell] == "primary" else "x"), cell
    # what is hidden really is small (primary) and never a victim count from 1 to 4 left in the public tables
    for path in public.glob("victims_*.csv"):
        for row in read_csv(path)[1:]:
            assert not any(v.isdigit() and 1 <= int(v) <= 4 for v in row[2:]), (path.name, row)


def test_case_numbers_and_pseudonyms_only_in_the_restricted_edition(sample):
    import duckdb

    con = duckdb.connect(str(sample["root"] / "warehouse" / "tipstats.duckdb"), read_only=True)
    secrets = {v for (v,) in con.execute(
        "select distinct judgment_id from mart_sentences union select distinct person_key from mart_units "
        "where person_key is not null union select distinct case_id from stg_investigations").fetchall()}
    con.close()
    public_files = [p for p in sample["folder"].rglob("*") if p.is_file() and "restricted" not in p.parts
                    and p.suffix in (".csv", ".html", ".md", ".svg", ".json")]
    for path in public_files:
        text = path.read_text(encoding="utf-8")
        found = [s for s in secrets if s in text]
        assert not found, (path, found[:3])
    restricted = (sample["restricted_folder"] / "tables" / "below_minimum_list.csv").read_text(encoding="utf-8")
    assert any(s in restricted for s in secrets)


def test_every_restricted_page_and_sheet_is_marked(sample):
    folder = sample["restricted_folder"]
    html = (folder / "report.html").read_text(encoding="utf-8")
    assert html.count("RESTRICTED — internal edition") == 2  # top and bottom of the page
    for sheet in load_workbook(folder / "tables.xlsx").worksheets:
        assert sheet["A1"].value == "RESTRICTED", sheet.title
        assert sheet.oddHeader.center.text == "RESTRICTED"
    assert (folder / "tip-summary.md").read_text(encoding="utf-8").startswith("**RESTRICTED**")
    assert "RESTRICTED" not in (sample["folder"] / "report.html").read_text(encoding="utf-8")


# ---------------------------------------------------------------------------------------- spreadsheet safety
RISKY = ["=1+1", "+cmd", "-2+3", "@SUM(A1)", "\tx", "\rx", "safe"]


def test_formula_cells_are_neutralised_in_csv_and_xlsx(tmp_path):
    frame = pd.DataFrame({"text": RISKY, "number": [-1, 2, -3, 4, 5, 6, 7]})
    write_csv(frame, tmp_path / "t.csv")
    text = (tmp_path / "t.csv").read_bytes().decode("utf-8")
    assert all(f"'{v}," in text for v in RISKY if v not in ("safe", "\rx")) and "\nsafe,7" in text
    assert "\n\"'\rx\",6\n" in text  # quoted: a lone carriage return stays inside its cell (tests/test_export.py)
    assert ",-1\n" in text and ",-3\n" in text  # numbers stay numbers
    write_xlsx([Sheet("=evil", frame, "+title", ["-note"])], tmp_path / "t.xlsx", "RESTRICTED")
    sheet = load_workbook(tmp_path / "t.xlsx").worksheets[0]
    values = [c.value for row in sheet.iter_rows() for c in row if c.value is not None]
    assert all(c.data_type != "f" for row in sheet.iter_rows() for c in row)
    assert "'=1+1" in values and "'+title" in values and "'-note" in values and -3 in values


def test_no_cell_of_the_report_workbooks_or_csvs_could_run_as_a_formula(sample):
    for path in [*sample["folder"].rglob("*.xlsx"), *sample["restricted_folder"].rglob("*.xlsx")]:
        for sheet in load_workbook(path).worksheets:
            for row in sheet.iter_rows():
                for c in row:
                    assert c.data_type != "f", (path, c.coordinate)
                    assert not (isinstance(c.value, str) and c.value.startswith(FORMULA_STARTS)), (path, c.value)
    for path in [*sample["folder"].rglob("*.csv"), *sample["restricted_folder"].rglob("*.csv")]:
        for row in read_csv(path):
            for value in row:
                assert not value.startswith(FORMULA_STARTS) or _is_number(value), (path, value)


def _is_number(text: str) -> bool:
    try:
        float(text)
        return True
    except ValueError:
        return False


# --------------------------------------------------------------------------------------------- TIP paragraph
def test_tip_paragraph_numbers_equal_stats_json(sample):
    # the whole paragraph, word for word, and every number against the keys: tests/test_tip.py
    s = sample["stats"]
    text = (sample["folder"] / "tip-summary.md").read_text(encoding="utf-8")
    m = re.search(r"In (\d{4}), police investigated (\d+) cases? involving (\d+) suspects?, compared with", text)
    assert m, text
    assert [int(g) for g in m.groups()] == [YEAR, s["investigated_cases"], s["investigated_persons"]]
    m = re.search(r"Prosecutors indicted (\d+) defendants?, .* Courts convicted (\d+) traffickers? at first instance,"
                  r".* prison terms ranging from (\d+) to (\d+) months, .* on (\d+) of the (\d+) traffickers whose "
                  r"minimum is known", text)
    assert m, text
    assert [int(g) for g in m.groups()] == [s["prosecuted_persons"], s["convicted_persons"], s["prison_months_min"],
                                            s["prison_months_max"], s["below_minimum_persons"], s["sentenced_persons"]]
    headline = {r[0]: r for r in read_csv(sample["folder"] / "tables" / "headline.csv")}
    assert headline["convicted_persons"][2] == str(s["convicted_persons"])


# ------------------------------------------------------------------------------ refresh, revisions, no browser
def no_browser_config(env, k: int = 5) -> Path:
    path = env.root / "tipstats.toml"
    path.write_text(f'[disclosure]\nk = {k}\n[charts]\nbrowser = "{NO_BROWSER}"\n', encoding="utf-8")
    return path


def test_without_chromium_everything_else_is_written_and_one_line_says_so(env, cli, refresh, monkeypatch):
    env.deliver("2024-01", investigations=[INV], victims=[VIC])
    refresh()
    monkeypatch.setenv("BROWSER_PATH", NO_BROWSER)  # choreographer's override: a browser that is not there
    result = cli("report", "--month", "2024-01")
    assert result.exit_code == 0, result.stderr
    assert result.stderr.count("\n") == 1
    assert result.stderr.startswith("warning: no Chromium to draw the PNG and SVG charts")
    assert "apt-get install chromium" in result.stderr
    folder = env.reports / "public" / "2024-01" / "en"
    assert not list(folder.glob("charts/*"))
    for name in ("report.html", "tables.xlsx", "revisions.csv", "tables/headline.csv"):
        assert (folder / name).is_file(), name
    assert (env.reports / "restricted" / "2024-01" / "en" / "quality-police.xlsx").is_file()
    assert 'id="chart-trends"' in (folder / "report.html").read_text(encoding="utf-8")  # drawn by plotly.js


def test_without_images_the_page_is_the_page_with_images(sample, sample_root, tmp_path_factory):
    """TIPSTATS_IMAGES=0, which the tests that are not about charts or report.pdf use: no Chromium and no warning;
    the same files as the English edition with images but charts/ and report.pdf, and the same page, links to the
    PNG and SVG files included. What differs is inherent: the time each page says it was built."""
    root = sample_copy(sample_root, tmp_path_factory, "no-images")  # the same warehouse, no edition before
    with pytest.MonkeyPatch.context() as patch:
        isolate(patch, root, REPO / "raw")
        patch.setenv("TIPSTATS_IMAGES", "0")
        code, stdout, stderr = run("report", "--year", YEAR, "--language", "en")
    assert (code, stderr) == (0, "")
    assert re.match(rf"Report {YEAR}: .* — 12 charts, \d+ tables, ", stdout), stdout
    drawn, plain = sample["folder"], root / "reports" / "public" / str(YEAR) / "en"

    def files(folder: Path) -> set[str]:
        return {p.relative_to(folder).as_posix() for p in folder.rglob("*") if p.is_file()}

    images = {f"charts/{name}.{suffix}" for name in CHART_TRACES for suffix in ("png", "svg")}
    assert files(drawn) - files(plain) == images | {"report.pdf"}
    assert files(plain) < files(drawn)
    assert not (plain / "charts").exists()

    def built_left_out(page: str) -> str:  # "…; built 2 December 2026, 16:40." on the cover
        page, n = re.subn(r"; built [^<]+\.</p>", "; built ….</p>", page)
        assert n == 1
        return page

    page = (plain / "report.html").read_text(encoding="utf-8")
    assert "charts/trends.png" in page and "charts/trends.svg" in page
    assert built_left_out(page) == built_left_out((drawn / "report.html").read_text(encoding="utf-8"))
    for name in sorted(files(plain)):
        if name.endswith((".csv", ".md")):
            assert (plain / name).read_bytes() == (drawn / name).read_bytes(), name


def test_browser_named_in_the_configuration(env, cli, refresh, monkeypatch):
    env.deliver("2024-01", investigations=[INV])
    refresh()
    monkeypatch.setenv("TIPSTATS_CONFIG", str(no_browser_config(env)))
    result = cli("report", "--year", "2024")
    assert result.exit_code == 0
    assert result.stderr.startswith(f"warning: no Chromium at {NO_BROWSER} ") and result.stderr.count("\n") == 1
    assert (env.reports / "public" / "2024" / "en" / "tip-summary.md").is_file()


def test_refresh_builds_the_latest_year_and_month(env, cli, monkeypatch):
    env.deliver("2024-01", investigations=[INV])  # 2024 is complete: every month from January to December is
    env.deliver("2025-01", investigations=[{**INV, "case_id": "PR-02/2025", "opened_on": "2025-01-05",
                                            "status_on": "2025-01-06"}])  # loaded (February to December: not delivered)
    monkeypatch.setenv("TIPSTATS_REPORT_ON_REFRESH", "1")
    monkeypatch.setenv("TIPSTATS_CONFIG", str(no_browser_config(env)))
    result = cli("refresh")
    assert result.exit_code == 0, result.stderr
    assert "Report 2024: " in result.stdout and "Report 2025-01: " in result.stdout
    for period in ("2024", "2025-01"):
        assert (env.reports / "public" / period / "en" / "report.html").is_file(), period


def test_a_correction_is_listed_in_revisions_with_the_delivery_that_caused_it(env, cli, refresh, monkeypatch):
    monkeypatch.setenv("TIPSTATS_CONFIG", str(no_browser_config(env)))
    env.deliver("2024-01", investigations=[INV])
    refresh()
    assert cli("report", "--year", "2024").exit_code == 0
    first = read_csv(env.reports / "public" / "2024" / "en" / "revisions.csv")
    assert first == [["figure", "group", "period_type", "period", "previous", "current", "previous_edition",
                      "caused_by"]]
    # February brings a second case opened in January: January's figures are revised
    env.deliver("2024-02", investigations=[{**INV, "case_id": "PR-09/2024", "opened_on": "2024-01-20",
                                            "status_on": "2024-02-01"}])
    refresh()
    assert cli("report", "--year", "2024").exit_code == 0
    rows = read_csv(env.reports / "public" / "2024" / "en" / "revisions.csv")
    revised = {(r[0], r[1], r[2], r[3]): r for r in rows[1:]}
    row = revised[("investigated_cases", "trafficking", "month", "2024-01")]
    assert row[4:6] == ["1", "2"]
    assert row[7] == "2024-02/investigations (load 2)"
    assert revised[("investigated_cases", "all", "quarter", "2024-Q1")][4:6] == ["1", "2"]
    assert ("investigated_cases", "all", "year", "2024") in revised
    html = (env.reports / "public" / "2024" / "en" / "report.html").read_text(encoding="utf-8")
    assert "have changed because corrections arrived" in html


# --------------------------------------------------------------------------------------------- configuration
def test_the_documented_configuration_is_the_default(monkeypatch):
    monkeypatch.delenv("TIPSTATS_REPORTS", raising=False)
    monkeypatch.delenv("TIPSTATS_REPORT_ON_REFRESH", raising=False)
    documented = Config.load(REPO / "tipstats.toml")
    assert documented == Config()
    assert set(Labels.of("en").texts)  # the built-in language loads and is complete


def test_a_bad_configuration_is_one_line(env, cli, refresh, monkeypatch):
    env.deliver("2024-01", investigations=[INV])
    refresh()
    bad = env.root / "bad.toml"
    bad.write_text("[disclosure]\nthreshold = 5\n", encoding="utf-8")
    monkeypatch.setenv("TIPSTATS_CONFIG", str(bad))
    result = cli("report", "--year", "2024")
    assert (result.exit_code, result.stdout) == (2, "")
    assert result.stderr == f"error: {bad}: unknown key disclosure.threshold (keys: k, suppress)\n"
    with pytest.raises(ConfigError, match="no labels table"):
        Config(language="xx").check()
    assert sorted(p.stem for p in LABELS_DIR.glob("*.csv")) == ["en", "sq", "sr"]


def test_threshold_k_comes_from_the_configuration(env, cli, refresh, monkeypatch):
    monkeypatch.setenv("TIPSTATS_CONFIG", str(no_browser_config(env, k=3)))
    env.deliver("2024-01", investigations=[INV], victims=[VIC, {**VIC, "victim_id": "V-2"},
                                                          {**VIC, "victim_id": "V-3", "sex": "M"}])
    refresh()
    assert cli("report", "--year", "2024").exit_code == 0
    by_sex = {r[0]: r for r in read_csv(env.reports / "public" / "2024" / "en" / "tables" / "victims_by_sex.csv")}
    assert by_sex["M"][2] == "<3"
    assert by_sex["F"][2] in ("x", "<3")  # 2 is below k = 3 too


def test_the_languages_of_a_period_hide_the_same_cells_from_one_disclosure_control(env, cli, refresh, monkeypatch):
    """The suppression has no language: `report` computes it once for a period's editions in every language
    and each hides the same cells."""
    from pipeline.publication import editions

    monkeypatch.setenv("TIPSTATS_IMAGES", "0")
    env.deliver("2024-01", investigations=[INV], victims=[VIC, {**VIC, "victim_id": "V-2"},
                                                          {**VIC, "victim_id": "V-3", "sex": "M", "age": "30"}])
    refresh()
    computed = []
    whole = editions.public_protection
    monkeypatch.setattr(editions, "public_protection",
                        lambda facts, period, config: computed.append((period.label, config.language))
                        or whole(facts, period, config))
    result = cli("report", "--year", "2024")  # every language of the pack
    assert (result.exit_code, result.stderr) == (0, ""), result.stderr
    assert computed == [("2024", "en")]
    folder = env.reports / "public" / "2024"
    shown = {language: [row[2:] for row in read_csv(folder / language / "tables" / "victims_by_sex.csv")[1:]]
             for language in ("en", "sq", "sr")}  # the figures, after the code and the language's label
    assert shown == {language: [["<5"], ["<5"], ["0"], ["0"], ["<5"]] for language in ("en", "sq", "sr")}


def test_usage_errors(env, cli):
    assert cli("report", "--month", "2024-13").exit_code == 2
    result = cli("report", "--month", "2024-01", "--year", "2024")
    assert (result.exit_code, result.stderr) == (2, "error: give --month or --year, not both\n")


def test_each_chart_on_the_page_is_what_plotlys_own_updates_make_of_its_image(env, refresh):
    """charts.for_page changes the image's figure as a dict, not through plotly's (validating) objects: for every
    chart of an edition, public and restricted, the page's figure is what plotly's update methods give, but
    for properties left empty ({}), which plotly.js reads as unset."""
    import duckdb
    import plotly.graph_objects as go

    from pipeline import charts
    from pipeline.publication import editions
    from pipeline.publication.periods import Period

    def by_plotly(chart: charts.Chart) -> dict:  # for_page as it was written with plotly's objects
        fig = go.Figure(chart.figure)
        fig.update_layout(title=None, meta=None, width=None, height=None, autosize=True, font=dict(size=13),
                          margin=dict(l=8, r=8, t=12, b=8, autoexpand=True),
                          legend=dict(orientation="h", x=0, xanchor="left", yref="container", y=0, yanchor="bottom",
                                      font=dict(size=12)))
        fig.update_xaxes(automargin=True, tickangle=None, autotickangles=[0, 45, 90])
        fig.update_yaxes(automargin=True)
        fig.for_each_xaxis(lambda axis: axis.update(title_text="<br>".join(charts.wrap(axis.title.text, 34)))
                           if axis.title.text else None)
        fig.update_layout(chart.page_layout)
        fig.layout.annotations = [a for a in fig.layout.annotations if a.name != charts.PAGE_HTML]
        return json.loads(fig.to_json())

    def set_only(value):
        if isinstance(value, dict):
            return {k: set_only(v) for k, v in value.items() if not (isinstance(v, dict) and not set_only(v))}
        return [set_only(v) for v in value] if isinstance(value, list) else value

    env.deliver("2024-01", investigations=[INV], victims=[VIC, {**VIC, "victim_id": "V-2", "sex": "M"}])
    refresh()
    con = duckdb.connect(str(env.warehouse), read_only=True)
    try:
        built = [editions.build(con, Config(), Period.of_year(2024), restricted) for restricted in (False, True)]
    finally:
        con.close()
    compared = 0
    for edition in built:
        for chart in edition.charts:
            page = json.loads(json.dumps(charts.for_page(chart), cls=PlotlyJSONEncoder))
            assert set_only(page) == set_only(by_plotly(chart)), chart.name
            assert "title" not in page["layout"] and "meta" not in page["layout"]
            assert charts.PAGE_HTML not in json.dumps(page)
            compared += 1
    assert compared == 2 * len(CHART_TRACES)
    # the image's own figure is left as it was
    assert built[0].charts[0].figure.layout.title.text and built[0].charts[0].figure.layout.width == 960


# ---------------------------------------------------------------------------------------------- the browser
def chromium() -> str:
    """Debian's Chromium; without it the test is skipped, except in CI (.ci/run installs it)."""
    import os
    import shutil

    path = shutil.which("chromium") or shutil.which("chromium-browser")
    if path is None:
        if os.environ.get("CI"):
            pytest.fail("no chromium on the PATH: `make test` installs it (apt-get install chromium)")
        pytest.skip("no chromium on the PATH (apt-get install chromium)")
    return path


BROWSER_ARGS = ["--no-sandbox", "--disable-gpu", "--disable-background-networking", "--disable-component-update",
                "--disable-default-apps", "--disable-sync", "--no-first-run", "--disable-features=Translate"]


def test_the_page_opens_offline_draws_every_chart_and_logs_no_error(sample):
    from playwright.sync_api import sync_playwright

    page_file = sample["folder"] / "report.html"
    html = page_file.read_text(encoding="utf-8")
    assert html.count("* plotly.js v") == 1  # the library, embedded once
    left, problems = [], []
    with sync_playwright() as p:
        browser = p.chromium.launch(executable_path=chromium(), args=BROWSER_ARGS)
        context = browser.new_context(viewport={"width": 1200, "height": 900})

        def guard(route):  # a request for anything but the file itself (or data the page made) is stopped
            if route.request.url.startswith(("file:", "data:", "blob:", "about:")):
                route.continue_()
            else:
                left.append(route.request.url)
                route.abort()

        context.route("**/*", guard)
        page = context.new_page()
        page.on("console", lambda m: problems.append(f"console {m.type}: {m.text}") if m.type in ("error", "warning") else None)
        page.on("pageerror", lambda e: problems.append(f"page error: {e}"))
        page.on("requestfailed", lambda r: problems.append(f"request failed: {r.url}"))
        page.goto(page_file.as_uri(), wait_until="load")
        page.wait_for_function("() => [...document.querySelectorAll('div[id^=chart-]')]"
                               ".every(d => d.querySelector('svg.main-svg'))", timeout=30_000)
        drawn = page.evaluate("""() => Object.fromEntries([...document.querySelectorAll('div[id^=chart-]')].map(
            d => [d.id.slice(6), [d.data.length, d.querySelectorAll('g.trace').length]]))""")
        artifacts = REPO / "test-artifacts"
        artifacts.mkdir(exist_ok=True)
        page.screenshot(path=str(artifacts / f"report-{YEAR}.png"), full_page=True)
        browser.close()
    assert drawn == {name: [n, n] for name, n in CHART_TRACES.items()}
    assert left == []
    assert problems == []


# What the page shows a reader at a width: whether anything is wider than the screen, each table's box, each
# chart's drawing against its box, each chart title's box and what is on top at its centre, every toolbar
# button, every link, and the plotly.js options that decide whether a chart can send itself anywhere.
LOOK = """() => {
    const inside = (r) => r.left >= 0 && r.right <= window.innerWidth && r.width > 0 && r.height > 0;
    const titles = [...document.querySelectorAll('figure.chart')].map(f => {
        const title = f.querySelector('.chart-title');
        title.scrollIntoView({block: 'center'});
        const r = title.getBoundingClientRect();
        const top = document.elementFromPoint(r.left + r.width / 2, r.top + r.height / 2);
        return [f.id, title.textContent.length > 0, inside(r), title === top || title.contains(top)];
    });
    const plots = [...document.querySelectorAll('div.plot')].map(box => {
        const svg = box.querySelector('svg.main-svg').getBoundingClientRect();
        return Math.abs(svg.width - box.clientWidth) <= 1 && svg.right <= window.innerWidth;
    });
    return {
        wide: document.documentElement.scrollWidth - window.innerWidth,
        tables: [...document.querySelectorAll('table')].map(t => [t.parentElement.className,
            getComputedStyle(t.parentElement).overflowX, t.parentElement.getBoundingClientRect().right <= window.innerWidth]),
        plots, titles,
        buttons: document.querySelectorAll('.modebar-btn, .modebar, [data-title]').length,
        links: [...document.querySelectorAll('a[href]')].map(a => a.href),
        options: [...document.querySelectorAll('div.js-plotly-plot')].map(d => [d._context.displayModeBar,
            d._context.showSendToCloud]),
    };
}"""


@pytest.mark.parametrize("edition", ["public", "restricted"])
def test_the_page_fits_a_phone_and_a_desktop_and_reaches_nothing_outside_itself(sample, edition):
    """At 390 and 1400 px: nothing wider than the screen (a wide table scrolls in its own box), every chart
    as wide as its box, every chart title inside the screen and on top; no toolbar (plotly's "share" uploads
    the figure to Plotly Cloud); after a hover and a click on every chart, no request but the page itself and
    no window opened."""
    from playwright.sync_api import sync_playwright

    page_file = sample["restricted_folder" if edition == "restricted" else "folder"] / "report.html"
    folder_url = page_file.parent.as_uri() + "/"
    looks, requests, opened, pages = {}, [], {}, []
    with sync_playwright() as p:
        browser = p.chromium.launch(executable_path=chromium(), args=BROWSER_ARGS)
        for width in (390, 1400):
            context = browser.new_context(viewport={"width": width, "height": 900})
            context.route("**/*", lambda route: route.continue_() if route.request.url.startswith(
                ("file:", "data:", "blob:")) else route.abort())  # recorded below, but never sent
            context.on("request", lambda r: requests.append(r.url))
            context.on("page", lambda p: pages.append(p.url))
            context.add_init_script("window.__opened = []; "
                                    "window.open = (...a) => { window.__opened.push(String(a[0])); return null; };")
            page = context.new_page()
            page.goto(page_file.as_uri(), wait_until="load")
            page.wait_for_function("() => [...document.querySelectorAll('div.plot')]"
                                   ".every(d => d.querySelector('svg.main-svg'))", timeout=30_000)
            for plot in page.locator("div.plot").all():
                plot.hover()
                plot.click()
            page.mouse.move(0, 0)
            looks[width] = page.evaluate(LOOK)
            opened[width] = page.evaluate("window.__opened")
            (REPO / "test-artifacts").mkdir(exist_ok=True)
            page.screenshot(path=str(REPO / "test-artifacts" / f"report-{YEAR}-{edition}-{width}.png"), full_page=True)
            context.close()
        browser.close()
    for width, look in looks.items():
        assert look["wide"] <= 0, (width, look["wide"])
        assert look["tables"] and all(t == ["table-box", "auto", True] for t in look["tables"]), (width, look["tables"])
        assert look["plots"] == [True] * len(CHART_TRACES), width
        assert [t[0] for t in look["titles"]] == list(CHART_TRACES)
        assert all(t[1:] == [True, True, True] for t in look["titles"]), (width, look["titles"])
        assert look["buttons"] == 0, width
        assert look["options"] == [[False, False]] * len(CHART_TRACES), (width, look["options"])
        assert look["links"] and all(link.startswith(folder_url) for link in look["links"]), (width, look["links"])
        assert opened[width] == [], width
    assert {url for url in requests if not url.startswith(("data:", "blob:"))} == {page_file.as_uri()}
    assert len(pages) == 2  # one page per width, no pop-up
