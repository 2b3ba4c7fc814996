"""`tipstats report` and its periods (issue 12 point 7): a period without any delivered month is refused as
`tipstats stats` refuses it; coverage counts from each source's first delivery; the years and quarters the
collection covers only in part are marked on the charts. Collection here begins in November 2024."""
from __future__ import annotations


import duckdb
import pytest
from openpyxl import load_workbook
from typer.testing import CliRunner

from conftest import INV, JUD, PROS, VIC, Env, header_only, isolate
from pipeline.cli import app
from pipeline.config import Config, Labels
from pipeline.publication.editions import build
from pipeline.publication.periods import Period, collected_months, incomplete_periods

SOURCES = ("investigations", "prosecutions", "judgments", "victims")


def run(*args: str):
    result = CliRunner().invoke(app, [str(a) for a in args], prog_name="tipstats", catch_exceptions=False)
    return result.exit_code, result.stdout, result.stderr


@pytest.fixture(scope="module")
def late(tmp_path_factory):
    """November 2024 with one row per source, December 2024 nil returns: collection begins in November."""
    root = tmp_path_factory.mktemp("late")
    env = Env(root, root / "raw", root / "warehouse" / "tipstats.duckdb", root / "reports")
    env.deliver("2024-11",
                investigations=[{**INV, "opened_on": "2024-11-05", "status_on": "2024-11-10"}],
                prosecutions=[{**PROS, "decided_on": "2024-11-20"}],
                judgments=[{**JUD, "judgment_date": "2024-11-25"}],
                victims=[{**VIC, "identified_on": "2024-11-06"}])
    env.deliver("2024-12", **{source: header_only(source) for source in SOURCES})
    (root / "tipstats.toml").write_text('[charts]\nbrowser = "/nonexistent/chromium"\n', encoding="utf-8")
    with pytest.MonkeyPatch.context() as patch:
        isolate(patch, root, env.raw)
        patch.setenv("TIPSTATS_CONFIG", str(root / "tipstats.toml"))
        code, _, stderr = run("refresh")
        assert code == 0, stderr
        yield env


# ------------------------------------------------------------------------------------ no delivered month
@pytest.mark.parametrize("args, stats_args", [
    (("--year", "2031"), ("--year", "2031")),
    (("--month", "2031-05"), ("--from", "2031-05", "--to", "2031-05")),
    (("--year", "2023"), ("--year", "2023")),  # before collection began, and no unit dated in it
])
def test_a_period_without_a_delivered_month_is_refused_like_stats(late, args, stats_args):
    code, stdout, stderr = run("report", *args)
    first, last = (f"{args[1]}-01", f"{args[1]}-12") if args[0] == "--year" else (args[1], args[1])
    assert (code, stdout) == (2, "")
    assert stderr == f"error: no source delivered any month in {first} … {last}: loaded months are 2024-11 … 2024-12\n"
    assert run("stats", *stats_args)[::2] == (2, stderr)  # the same rule, the same words
    assert not (late.reports / "public" / args[1]).exists()


# ------------------------------------------------------------------------------------------- coverage
def test_coverage_counts_from_the_first_delivery(late):
    code, _, stderr = run("report", "--year", "2024")
    assert code == 0, stderr
    folder = late.reports / "public" / "2024" / "en"
    book = load_workbook(folder / "tables.xlsx")
    L = Labels.of("en")  # sheets and headers as the English edition names them
    about = [row for row in book[L.sheet("about")].iter_rows(values_only=True)]
    caveats = [text for item, text in about if item == L["about.caveat"]]
    assert ("Collection began in November 2024: the 10 months of 2024 before it are outside the coverage of every "
            "source, not months they failed to deliver.") in caveats
    assert not [c for c in caveats if "did not deliver" in c]
    coverage = [text for item, text in about if item == L["about.coverage"]]
    assert coverage == ["investigations 2/2 months, prosecutions 2/2 months, judgments 2/2 months, victims 2/2 months"]
    rows = [r for r in book[L.sheet("data_quality")].iter_rows(values_only=True)]
    header = rows.index(next(r for r in rows if r and r[0] == L.column("source")))
    table = [dict(zip(rows[header], r)) for r in rows[header + 1:header + 5]]
    columns = [L.column(c) for c in ("source", "months", "not_delivered", "not_collected", "first_delivery")]
    assert [tuple(r[c] for c in columns) for r in table] == [(s, 2, 0, 10, "2024-11") for s in SOURCES]
    summary = (folder / "tip-summary.md").read_text(encoding="utf-8")
    assert "of the 12 months" not in summary


# ---------------------------------------------------------------------------------------- chart marks
def test_the_charts_mark_the_year_and_quarter_collected_in_part(late):
    with duckdb.connect(str(late.warehouse), read_only=True) as con:
        edition = build(con, Config.load(), Period.of_year(2024))
    charts = {c.name: c for c in edition.charts}
    trends = charts["trends"]
    assert "* Incomplete: 2024-Q4 (2 of 3 months collected)." in trends.footer
    axis = trends.figure.layout.xaxis
    assert list(axis.ticktext) == ["2024-Q4*"] and list(axis.tickvals) == ["2024-Q4"]
    for name in ("victims_by_sex", "victims_by_age", "victims_by_form"):
        assert "* Incomplete: 2024 (2 of 12 months collected)." in charts[name].footer, name
        assert list(charts[name].figure.layout.xaxis.ticktext) == ["2024*"], name
    assert [t.name for t in charts["public_officials"].figure.data] == ["2024*"]


def test_collected_months_of_years_quarters_and_months():
    assert collected_months("2023", "2023-11", "2026-10") == (2, 12)
    assert collected_months("2023-Q4", "2023-11", "2026-10") == (2, 3)
    assert collected_months("2024-Q1", "2023-11", "2026-10") == (3, 3)
    assert collected_months("2026", "2023-11", "2026-10") == (10, 12)
    assert collected_months("2026-11", "2023-11", "2026-10") == (0, 1)
    assert incomplete_periods(["2023", "2024", "2023-Q4", "2024-Q1", "2026"], "2023-11", "2026-10") == {
        "2023": (2, 12), "2023-Q4": (2, 3), "2026": (10, 12)}


def test_the_layout_keeps_public_and_restricted_apart(late):
    assert run("report", "--year", "2024", "--restricted")[0] == 0
    public, restricted = late.reports / "public" / "2024", late.reports / "restricted" / "2024"
    assert (public / "en" / "report.html").is_file() and (restricted / "en" / "report.html").is_file()
    assert (restricted / "en" / "suppression.csv").is_file() and (restricted / "en" / "quality-police.xlsx").is_file()
    assert not [p for p in public.rglob("*") if "restricted" in p.parts or p.name == "suppression.csv"
                or p.name.startswith("quality-")]
    assert run("audit")[0] == 0
