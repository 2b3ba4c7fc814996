"""The print edition, report.pdf: A4, a cover, the contents, page numbers, every chart once and on one page, the
restricted edition marked on every page; and without a Chromium, everything else written and one line saying so."""
from __future__ import annotations

import re
from pathlib import Path

import pytest
from pypdf import PdfReader

from conftest import INV, VIC

YEAR = 2025
TITLE = "Trafficking in persons in Kosovo: investigations, prosecutions and convictions, 2025"
A4 = (595.28, 841.89)  # points
CHARTS = 10  # at least: the charts of the first edition


def folder_of(stdout: str) -> Path:
    """The edition's folder, as the report's line names it ("Report 2025: FOLDER — …")."""
    return Path(re.match(r"Report \S+(?: \(RESTRICTED\))?: (.+?) — ", stdout).group(1))


@pytest.fixture(scope="module")
def sample(sample_report):
    """The session's English 2025 edition of the sample (conftest.sample_report), public and restricted, with the
    defaults of tipstats.toml (no [publisher] given), read only."""
    public, restricted = sample_report["public"], sample_report["restricted"]
    for code, _, stderr in (public, restricted):
        assert (code, stderr) == (0, "")
    return {"public": folder_of(public[1]), "restricted": folder_of(restricted[1])}


def text(page) -> str:
    """A page's text with its lines joined: a title wrapped on two lines reads as one."""
    return re.sub(r"\s+", " ", page.extract_text()).strip()


def chart_titles(folder: Path) -> list[str]:
    html = (folder / "report.html").read_text(encoding="utf-8")
    titles = re.findall(r'<h3 class="chart-title" id="title-[a-z_]+">(.*?)</h3>', html)
    assert len(titles) >= CHARTS
    return [t.replace("&lt;", "<").replace("&gt;", ">").replace("&amp;", "&").replace("&#39;", "'") for t in titles]


def test_the_pdf_is_a4_with_a_cover_the_contents_and_page_numbers(sample):
    pages = PdfReader(sample["public"] / "report.pdf").pages
    assert 12 <= len(pages) <= 26  # 17 on the sample: cover, contents, a chart a page, text and tables
    # A4 to a point: Chromium rounds the paper to its own units (595.92 × 841.92)
    assert all(abs(float(p.mediabox.width) - A4[0]) < 1 and abs(float(p.mediabox.height) - A4[1]) < 1 for p in pages)
    cover = text(pages[0])
    assert cover.startswith(f"{TITLE} 2025 Data as of October 2026 (load 1); built ")
    assert "Producer: not stated" in cover
    assert text(pages[1]).startswith("Contents 1. Headline figures 2. Law enforcement, in the words of the TIP "
                                     "report 3. Charts 4. Revisions 5. Caveats 6. Methodology 7. Tables ")
    for number, page in enumerate(pages, start=1):
        assert text(page).endswith(f"{TITLE} · page {number} of {len(pages)}"), number


def test_every_chart_title_is_printed_once_and_each_chart_on_one_page(sample):
    pages = [text(p) for p in PdfReader(sample["public"] / "report.pdf").pages]
    whole = " ".join(pages)
    titles = chart_titles(sample["public"])
    for title in titles:  # the three victim charts share a title when suppression hides which group is largest
        assert whole.count(title) == titles.count(title), title
    # a chart's box starts with its title and ends with its links: on every page each title is followed by its
    # links before the next title, so no chart was split across pages
    links = "The chart as an image: PNG · SVG"
    marks = "|".join(re.escape(t) for t in sorted(set(titles), key=len, reverse=True))
    order = [m.group(0) == links for page in pages for m in re.finditer(f"{marks}|{re.escape(links)}", page)]
    assert order == [False, True] * len(titles)
    seen = [[m.group(0) == links for m in re.finditer(f"{marks}|{re.escape(links)}", page)] for page in pages]
    assert all(marks_on_page == [False, True] * (len(marks_on_page) // 2) for marks_on_page in seen), seen
    assert "The figures of this chart as a table" not in whole  # the tables under the charts are the screen's


def test_the_restricted_pdf_is_marked_on_every_page(sample):
    pages = PdfReader(sample["restricted"] / "report.pdf").pages
    assert 12 <= len(pages) <= 30
    for number, page in enumerate(pages, start=1):
        assert text(page).endswith(f"RESTRICTED · {TITLE} · page {number} of {len(pages)}"), number
    assert text(pages[0]).startswith("RESTRICTED — internal edition, not for publication")


def test_print_styles_keep_charts_and_tables_whole_and_leave_out_the_screen_parts(sample):
    from playwright.sync_api import sync_playwright

    from test_report import BROWSER_ARGS, chromium

    with sync_playwright() as p:
        browser = p.chromium.launch(executable_path=chromium(), args=BROWSER_ARGS)
        page = browser.new_page(viewport={"width": 680, "height": 1000})
        page.emulate_media(media="print")
        page.goto((sample["public"] / "report.html").as_uri(), wait_until="load")
        look = page.evaluate("""() => ({
            whole: [...document.querySelectorAll('figure.chart, table')].map(e => getComputedStyle(e).breakInside),
            hidden: [...document.querySelectorAll('details.chart-table, a.skip')].map(e => getComputedStyle(e).display),
            cover: getComputedStyle(document.querySelector('header.cover')).breakAfter,
            contents: getComputedStyle(document.querySelector('nav.contents')).breakAfter,
            buttons: document.querySelectorAll('.modebar, .modebar-btn').length,
        })""")
        browser.close()
    assert look["whole"] and set(look["whole"]) == {"avoid"}
    assert look["hidden"] and set(look["hidden"]) == {"none"}
    assert (look["cover"], look["contents"], look["buttons"]) == ("page", "page", 0)


def test_without_chromium_there_is_no_pdf_and_one_line_says_so(env, cli, refresh, monkeypatch):
    env.deliver("2024-01", investigations=[INV], victims=[VIC])
    refresh()
    monkeypatch.setenv("BROWSER_PATH", "/nonexistent/chromium")
    result = cli("report", "--month", "2024-01", "--language", "en")
    assert result.exit_code == 0
    assert result.stderr == (
        "warning: no Chromium to draw the PNG and SVG charts or print report.pdf, so charts/ and report.pdf were "
        "not written (everything else was): install it (Debian: apt-get install chromium) or set BROWSER_PATH or "
        "charts.browser in tipstats.toml to a Chrome or Chromium\n")
    folder = folder_of(result.stdout)
    assert not (folder / "report.pdf").exists()
    html = (folder / "report.html").read_text(encoding="utf-8")
    assert 'id="chart-trends"' in html and "charts/trends.png" not in html  # no link to an image not drawn
