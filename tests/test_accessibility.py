"""The page for every reader: alt text, a table under each chart, its CSV, PNG and SVG, SVGs with a title and a
description, a skip link, tables with captions and scope, and a methodology section (read from the page's HTML)."""
from __future__ import annotations

import csv
import datetime as dt
import re
import xml.etree.ElementTree as ET
from dataclasses import dataclass, field
from html.parser import HTMLParser
from pathlib import Path

import pytest
from typer.testing import CliRunner

from conftest import isolate, sample_copy
from pipeline.cli import app
from pipeline.config import Config, ConfigError

REPO = Path(__file__).resolve().parents[1]
YEAR = 2025
PACK = REPO / "contracts" / "packs" / "kosovo"
CHARTS = ["trends", "attrition", "sentences_vs_minimum", "below_minimum_by_court", "below_minimum_by_year",
          "victims_by_sex", "victims_by_age", "victims_by_form", "backlog_by_court", "public_officials"]
PUBLISHER = ('[publisher]\nproducer = "Office of Judicial Statistics"\ncontact = "statistics@example.org"\n'
             'licence = "CC BY 4.0"\n')


# ------------------------------------------------------------------------------------- the page as a tree
VOID = {"meta", "br", "img", "input", "link", "hr", "source", "wbr", "col", "area", "base", "embed", "track"}


@dataclass
class Node:
    tag: str
    attrs: dict
    children: list = field(default_factory=list)
    parent: "Node | None" = None

    def text(self) -> str:
        return re.sub(r"\s+", " ", "".join(c if isinstance(c, str) else c.text() for c in self.children)).strip()

    def all(self, tag: str, **attrs) -> list["Node"]:
        found = []
        for c in self.children:
            if isinstance(c, Node):
                if c.tag == tag and all(c.attrs.get(k.rstrip("_")) == v for k, v in attrs.items()):
                    found.append(c)
                found += c.all(tag, **attrs)
        return found

    def one(self, tag: str, **attrs) -> "Node":
        found = self.all(tag, **attrs)
        assert len(found) == 1, (tag, attrs, len(found))
        return found[0]

    def kids(self, tag: str) -> list["Node"]:
        return [c for c in self.children if isinstance(c, Node) and c.tag == tag]


class Tree(HTMLParser):
    def __init__(self):
        super().__init__(convert_charrefs=True)
        self.root = self.at = Node("#document", {})

    def handle_starttag(self, tag, attrs):
        node = Node(tag, dict(attrs), parent=self.at)
        self.at.children.append(node)
        if tag not in VOID:
            self.at = node

    def handle_endtag(self, tag):
        if tag in VOID:
            return
        assert self.at.tag == tag, f"</{tag}> closes <{self.at.tag}>"
        self.at = self.at.parent

    def handle_data(self, data):
        if self.at.tag not in ("script", "style"):
            self.at.children.append(data)


def parse(html: str) -> Node:
    tree = Tree()
    tree.feed(html)
    tree.close()
    assert tree.at is tree.root  # every element closed
    return tree.root


def labels(key: str, default: str | None = None) -> str:
    with open(REPO / "contracts" / "labels" / "en.csv", newline="", encoding="utf-8") as f:
        found = [r["text"] for r in csv.DictReader(f) if r["key"] == key]
    assert found or default is not None, key
    return found[0] if found else default


def sentence(f: "Node") -> str:
    """The chart's one sentence: alt.<name>, else what its subtitle says is counted."""
    return labels(f"alt.{f.attrs['id']}", f"Chart: {f.one('p', class_='chart-subtitle').text()}.")


def names(sample) -> list[str]:
    """The charts of the page, in order; the ten of the first edition among them, in their order."""
    found = [f.attrs["id"] for f in sample["page"].all("figure", class_="chart")]
    assert [n for n in found if n in CHARTS] == CHARTS
    return found


# ------------------------------------------------------------------------------------------------- fixture
def edition(stdout: str) -> dict:
    """The edition the report's line names ("Report 2025: FOLDER — …"): its folder and its page."""
    folder = Path(re.match(r"Report \S+: (.+?) — ", stdout).group(1))
    html = (folder / "report.html").read_text(encoding="utf-8")
    return {"folder": folder, "html": html, "page": parse(html)}


@pytest.fixture(scope="module")
def sample(sample_report):
    """The English 2025 public edition of the session's sample report (conftest.sample_report, the defaults of
    tipstats.toml), its charts drawn, read only: the charts, their files, the page and its tables."""
    code, stdout, stderr = sample_report["public"]
    assert (code, stderr) == (0, "")
    return edition(stdout)


@pytest.fixture(scope="module")
def published(sample_root, tmp_path_factory):
    """A copy of the shared sample warehouse; the English 2025 public edition with a publisher in tipstats.toml (no
    citation given): its methodology. Written with TIPSTATS_IMAGES=0: the page is the same as with images, and
    the charts' files are read in `sample`'s edition."""
    root = sample_copy(sample_root, tmp_path_factory, "a11y")
    with pytest.MonkeyPatch.context() as patch:
        isolate(patch, root, REPO / "raw")
        (root / "tipstats.toml").write_text(PUBLISHER, encoding="utf-8")
        patch.setenv("TIPSTATS_CONFIG", str(root / "tipstats.toml"))
        patch.setenv("TIPSTATS_IMAGES", "0")
        result = CliRunner().invoke(app, ["report", "--year", str(YEAR), "--language", "en"], prog_name="tipstats",
                                    catch_exceptions=False)
    assert (result.exit_code, result.stderr) == (0, "")
    return edition(result.stdout)


def figure(sample, name: str) -> Node:
    return sample["page"].one("figure", id=name)


# ------------------------------------------------------------------------------------------------- charts
def test_every_chart_has_alt_text_its_title_and_one_sentence(sample):
    names(sample)
    for f in sample["page"].all("figure", class_="chart"):
        name = f.attrs["id"]
        title = f.one("h3", class_="chart-title")
        assert f.attrs["aria-labelledby"] == title.attrs["id"] == f"title-{name}"
        plot = f.one("div", class_="plot")
        assert plot.attrs["role"] == "img"
        assert plot.attrs["aria-label"] == f"{title.text()}. {sentence(f)}"
    assert figure(sample, "trends").one("div", class_="plot").attrs["aria-label"] == (
        "15 persons convicted and 32 investigated in 2025. A line for each stage, investigated, prosecuted and "
        "convicted at first instance, with a point for each period.")


def test_every_chart_has_its_table_under_details_and_links_to_its_csv_png_and_svg(sample):
    folder = sample["folder"]
    for name in names(sample):
        f = figure(sample, name)
        details = f.one("details", class_="chart-table")
        assert details.one("summary").text() == "The figures of this chart as a table"
        table = details.one("table")
        with open(folder / "tables" / f"{name}.csv", newline="", encoding="utf-8") as fh:
            published = list(csv.reader(fh))
        # the CSV's rows and columns (the page's headers are in the edition's language, the CSV's are names)
        assert len(table.one("thead").all("th")) == len(published[0]), name
        assert len(table.one("tbody").kids("tr")) == len(published) - 1, name
        hrefs = [a.attrs["href"] for a in f.all("a")]
        assert hrefs == [f"tables/{name}.csv", f"charts/{name}.png", f"charts/{name}.svg"], name
        assert all((folder / href).is_file() for href in hrefs), name


def test_every_svg_carries_its_title_and_description(sample):
    svg_ns = "{http://www.w3.org/2000/svg}"
    for name in names(sample):
        root = ET.parse(sample["folder"] / "charts" / f"{name}.svg").getroot()
        title, desc = list(root)[:2]
        assert (title.tag, desc.tag) == (f"{svg_ns}title", f"{svg_ns}desc"), name
        assert title.text == figure(sample, name).one("h3").text()
        assert desc.text == sentence(figure(sample, name))
        assert (root.get("role"), root.get("aria-labelledby")) == ("img", "chart-title chart-desc")


# ------------------------------------------------------------------------------------- page and tables
def test_the_skip_link_comes_first_and_leads_to_the_content(sample):
    body = sample["page"].one("body")
    first = next(c for c in body.children if isinstance(c, Node))
    assert (first.tag, first.attrs, first.text()) == ("a", {"class": "skip", "href": "#content"}, "Skip to the figures")
    assert sample["page"].one("main").attrs["id"] == "content"
    contents = sample["page"].one("nav", class_="contents")
    targets = [a.attrs["href"][1:] for a in contents.all("a")]
    assert targets == ["section-headline", "section-summary", "section-charts", "section-revisions",
                       "section-caveats", "section-methodology", "section-tables"]
    assert all(len(sample["page"].all("section", id=t)) == 1 for t in targets)


def test_every_table_has_a_caption_and_scope_on_its_headers(sample):
    tables = sample["page"].all("table")
    assert len(tables) == 1 + len(names(sample)) + 1  # the headline, one under each chart, the provisions
    for table in tables:
        assert table.children[0].tag == "caption" and table.children[0].text(), table.children[0]
        assert all(th.attrs.get("scope") == "col" for th in table.one("thead").all("th"))
        for row in table.one("tbody").kids("tr"):
            cells = [c for c in row.children if isinstance(c, Node)]
            assert cells[0].tag == "th" and cells[0].attrs["scope"] == "row"
            assert all(c.tag == "td" for c in cells[1:])
    assert tables[0].children[0].text() == "Headline figures, 2025"


# ------------------------------------------------------------------------------------------- methodology
def test_the_methodology_states_the_groups_from_the_statute_table(published):
    section = published["page"].one("section", id="section-methodology")
    assert [h.text() for h in section.all("h3")] == ["What is counted", "Offence groups",
                                                     "Sentences below the statutory minimum", "Small counts",
                                                     "Revisions", "Publisher"]
    table = section.one("table")
    assert table.one("caption").text() == "Provisions of the statute table and their groups"
    rows = [[c.text() for c in row.children if isinstance(c, Node)] for row in table.one("tbody").kids("tr")]
    with open(PACK / "statutes.csv", newline="", encoding="utf-8") as f:
        statutes = list(csv.DictReader(f))
    assert [(r[0], r[1]) for r in rows if r[0] == "Related"] == [
        ("Related", "CCRK2012.231.1"), ("Related", "CCRK2019.243.3")]
    assert sorted(r[1] for r in rows) == sorted(".".join(p for p in (s["law"], s["article"], s["paragraph"]) if p)
                                                for s in statutes)
    assert [r[0] for r in rows] == ["Trafficking"] * 3 + ["Related"] * 2 + ["Other"]
    assert rows[3] == ["Related", "CCRK2012.231.1", "Using the sexual services of a victim of trafficking",
                       "Criminal Code of the Republic of Kosovo (Code 04/L-082)", "1 January 2013 – 13 April 2019"]
    assert rows[4][4] == "14 April 2019 – in force"


def test_the_methodology_states_grounds_suppression_revisions_and_publisher(published):
    section = published["page"].one("section", id="section-methodology")
    paragraphs = [p.text() for p in section.all("p")]
    assert (
        "A sentence below the statutory minimum counts as having a legal ground when the court recorded one of these "
        "grounds for going below it: Mitigating circumstances, Plea agreement, Cooperation with justice, Attempt, "
        "Juvenile offender, Other ground. A plea agreement recorded in the judgment counts as a legal ground too."
    ) in paragraphs
    assert (
        "Counts of 1 to 4 victims are shown as “<5”, and every figure from which such a count could be worked out "
        "(a total, another year, an earlier edition) is shown as “x”; the cells hidden are the ones that cost the "
        "published figures least. A hidden count cannot be narrowed, from all the figures published, to anything "
        "less than 1 to 4."
    ) in paragraphs
    assert labels("method.revisions") in paragraphs
    publisher = section.one("dl", class_="publisher")
    pairs = dict(zip([d.text() for d in publisher.all("dt")], [d.text() for d in publisher.all("dd")]))
    assert pairs == {
        "Producer": "Office of Judicial Statistics", "Contact": "statistics@example.org", "Licence": "CC BY 4.0",
        # no citation configured: composed from the producer, the title and the month of the data
        "Suggested citation": f"Office of Judicial Statistics ({dt.date.today().year}). Trafficking in persons in "
                              "Kosovo: investigations, prosecutions and convictions, 2025. Data as of October 2026."}


def test_publisher_keys_are_read_and_checked(tmp_path):
    path = tmp_path / "tipstats.toml"
    path.write_text(PUBLISHER + 'citation = "Cite as: the office, 2026."\n', encoding="utf-8")
    config = Config.load(path)
    assert (config.producer, config.contact, config.licence, config.citation) == (
        "Office of Judicial Statistics", "statistics@example.org", "CC BY 4.0", "Cite as: the office, 2026.")
    path.write_text("[publisher]\nlicence = 4\n", encoding="utf-8")
    with pytest.raises(ConfigError) as e:
        Config.load(path)
    assert str(e.value) == f"{path}: publisher.licence takes a string, not 4"
