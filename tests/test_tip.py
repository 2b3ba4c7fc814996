"""The TIP paragraph (issue 12 point 1): the golden year's paragraph word for word, every number in it a key of
`tipstats stats --json` (the year's or the year before's), the number words, and the reclassified-charges mart."""
from __future__ import annotations

import re
from pathlib import Path
from types import SimpleNamespace

import duckdb
import pytest

from conftest import INV, JUD, PROS, header_only, isolate
from pipeline import stats
from pipeline.config import Config
from pipeline.publication import editions, publish
from pipeline.publication.figures import gather
from pipeline.publication.periods import Period
from pipeline.publication.tip import number
from pipeline.settings import Settings

compute = stats.compute

REPO = Path(__file__).resolve().parents[1]
YEAR = 2025
WORDS = {w: i for i, w in enumerate(("none", "one", "two", "three", "four", "five", "six", "seven", "eight", "nine"))}

# The 2025 figures are those of tests/golden/2025.csv (group trafficking): 22 cases, 30 suspects, 29 defendants,
# 12 convicted, 10 final, prison terms 30–102 months, one suspended, none without prison, 10 of the 12 below the
# minimum (eight with a ground, one without: one charge each), five on the charged version, 24 trafficking
# victims, 29 victims of trafficking and related offences of whom two male (published as "<5"). The 2024 figures,
# the public officials, pending defendant-cases and forced-begging cases are not in the golden file: read by hand
# from the sample warehouse (issue 12 report).
GOLDEN = (
    "In 2025, police investigated 22 cases involving 30 suspects, compared with 27 cases and 45 suspects in 2024. "
    "Prosecutors indicted 29 defendants, compared with 13 in 2024. "
    "Courts convicted 12 traffickers at first instance, compared with 10 in 2024, and 10 convictions became final, "
    "compared with five in 2024. "
    "Courts sentenced them to prison terms ranging from 30 to 102 months, compared with 30 to 90 months in 2024; "
    "one received a suspended sentence, compared with two in 2024, and none a sentence without imprisonment, such "
    "as a fine only, compared with none in 2024. "
    "Courts imposed sentences below the statutory minimum on 10 of the 12 traffickers whose minimum is known, "
    "compared with nine of 10 in 2024. "
    "Of these sentences, eight were prison terms below the minimum with a recorded legal ground, such as a plea "
    "agreement or mitigating circumstances, and one with no ground recorded, compared with six and one in 2024. "
    "For five of these traffickers the offence date is not recorded, so their sentences were compared with the "
    "range of the law version charged, compared with two in 2024. "
    "Police investigated no public officials for complicity in trafficking, prosecutors indicted one and courts "
    "convicted two, compared with two, two and one in 2024. "
    "At the end of 2025, 23 defendant-cases of all offences were pending before the first-instance courts, "
    "compared with 13 at the end of 2024. "
    "Authorities identified 24 victims of trafficking; the figure for 2024 is not published. "
    "Of the 29 victims of trafficking and related offences (2024: 45): fewer than five male (2024: 15), fewer "
    "than five forced labour or services (2024: not published), fewer than five forced criminality (2024: none), "
    "fewer than five forced or sham marriage (2024: fewer than five), fewer than five other forms (2024: fewer "
    "than five), fewer than five unknown (2024: fewer than five). Other breakdowns are not published, to protect "
    "the victims. Of the persons investigated for trafficking, prosecutors indicted no persons only for a related"
    " or other offence and courts convicted none only of such an offence, compared with none and none in 2024. "
    "Forced begging charged as an offence other than trafficking, in cases: two at investigation, two at "
    "prosecution and two at trial, compared with two, one and none in 2024. Victim-identification bodies "
    "delivered data for 11 of the 12 months of 2025, so the figures from them are incomplete."
)


@pytest.fixture(scope="module")
def sample(sample_root):
    """The shared sample warehouse (read only); the 2025 edition computed (no files written) and the stats
    objects."""
    with pytest.MonkeyPatch.context() as patch:
        isolate(patch, sample_root, REPO / "raw")
        con = duckdb.connect(str(Settings.from_env().warehouse), read_only=True)
        config = Config.load()
        edition = editions.build(con, config, Period.of_year(YEAR))
        restricted = editions.build(con, config, Period.of_year(YEAR), restricted=True)
        first = editions.build(con, config, Period.of_year(2023))  # collection began in November 2023
        result = {"summary": edition.summary, "restricted": restricted.summary, "first": first.summary,
                  "stats": [stats.compute(con, y, "trafficking") for y in (YEAR, YEAR - 1)], "con": con}
    yield result
    con.close()


def paragraph(summary: str) -> str:
    return summary.split("\n")[2]


def test_golden_paragraph_word_for_word(sample):
    text = paragraph(sample["summary"])
    assert text == GOLDEN
    assert sample["summary"].startswith("# Kosovo: law enforcement, 2025\n\n")


def test_restricted_edition_states_the_public_figures(sample):
    assert paragraph(sample["restricted"]) == paragraph(sample["summary"])


def test_paragraph_has_no_code_placeholder_or_digit_below_ten(sample):
    text = sample["summary"]
    for bad in ("`", "{", "}", "(s)", "(C)", "tipstats", " 0 "):
        assert bad not in text
    assert not re.search(r"(?<![\d,.])[1-9](?![\d,])", re.sub(r"\b\d{4}\b", "", paragraph(text)))


def values(obj) -> set[float]:
    if isinstance(obj, dict):
        return set().union(*(values(v) for v in obj.values()))
    return {float(obj)} if isinstance(obj, (int, float)) and not isinstance(obj, bool) else set()


def test_every_number_is_a_stats_key(sample):
    text = re.sub(r"fewer than \w+", "", paragraph(sample["summary"]))  # the threshold k, not a figure
    text = re.sub(r"\b(?:in|of|end of|for|\() ?(20\d\d)\b", "", text)  # the years
    numbers = [float(n.replace(",", "")) for n in re.findall(r"\b\d[\d,]*\b", text)]
    numbers += [float(WORDS[w]) for w in re.findall(r"\b(" + "|".join(WORDS) + r")\b", text)]
    keys = values(sample["stats"][0]) | values(sample["stats"][1])
    assert numbers and not [n for n in numbers if n not in keys]


def test_the_first_year_compares_with_nothing_and_says_what_is_not_reported(sample):
    text = paragraph(sample["first"])
    assert text.startswith("In 2023, police investigated 11 cases involving 17 suspects. Prosecutors indicted four "
                           "defendants. Courts convicted no traffickers at first instance, and no convictions became "
                           "final. No convicted trafficker received an unsuspended prison term; "), text
    # two months of 2023 collected: the backlog at the end of the year is not known, and is never 0
    assert ("Defendant-cases pending before the first-instance courts at the end of 2023: data not reported."
            in text)
    assert text.endswith("No data were collected for 2022, so no figure is compared with the year before.")
    assert text.count("compared with") == 1 and "2022:" not in text  # the last sentence only


@pytest.mark.parametrize("n, text", [(0, "no"), (1, "one"), (7, "seven"), (9, "nine"), (10, "10"), (1234, "1,234")])
def test_number_words(n, text):
    assert number(n) == text


def test_reclassified_charges_follow_the_attrition_links(env, refresh, query):
    """Person 1 is investigated for trafficking, indicted and convicted for a related offence only; person 2
    is investigated and indicted for trafficking. Only person 1 is reclassified, at both stages."""
    second = {"case_id": "PR-02/2024", "person_id": "2234567890"}
    env.deliver("2024-01",
                investigations=[INV, {**INV, **second}],
                prosecutions=[{**PROS, "offence_code": "CCRK2019.243.3"},
                              {**PROS, **second, "prosecution_id": "PPS-PR-02/2024"}],
                judgments=[{**JUD, "offence_code": "CCRK2019.243.3", "prison_months": "24"}],
                victims=header_only("victims"))
    refresh()
    rows = query("""select stage, year, case_id, investigated_group, charged_group, reclassified
                    from mart_reclassified order by stage_order, case_id""")
    assert rows == [("prosecution", 2024, "PR-01/2024", "trafficking", "related", True),
                    ("prosecution", 2024, "PR-02/2024", "trafficking", "trafficking", False),
                    ("conviction", 2024, "PR-01/2024", "trafficking", "related", True)]
    con = duckdb.connect(str(env.warehouse), read_only=True)
    try:
        s = stats.compute(con, 2024, "trafficking")
    finally:
        con.close()
    assert (s["reclassified_prosecuted_persons"], s["reclassified_convicted_persons"]) == (1, 1)
    assert s["prosecuted_persons"] == 1  # the reclassified defendant counts under related, not trafficking


def test_a_periods_languages_read_the_warehouse_once(sample, monkeypatch):
    """The three language editions of a year share one reading of the warehouse (figures have no language):
    gather and the year before's figures run once, and each edition holds the facts and paragraph a fresh
    reading gives."""
    con, config, period = sample["con"], Config.load(), Period.of_year(YEAR)
    reads = []
    monkeypatch.setattr(editions, "gather", lambda *a: reads.append("gather") or gather(*a))
    monkeypatch.setattr(editions.stats, "compute", lambda *a: reads.append(f"compute {a[1]}") or compute(*a))
    built = []
    monkeypatch.setattr(publish, "run", lambda config, period, restricted, con, facts: built.append(
        editions.build(con, config, period, restricted, facts)) or SimpleNamespace(edition=built[-1]))
    configs = [config.in_language(language) for language in ("en", "sq", "sr")]
    list(publish.run_languages(configs, period, False, con))
    # gather computes the year's figures of each group (trafficking, related, all); the paragraph the year before's
    assert reads == ["gather", *[f"compute {YEAR}"] * 3, f"compute {YEAR - 1}"]
    assert [e.summary for e in built] == [sample["summary"]] * 3
    fresh = gather(con, period)
    for edition in built:
        assert edition.facts.stats == fresh.stats
        assert edition.facts.figures.equals(fresh.figures) and edition.facts.quarantine.equals(fresh.quarantine)
    assert built[0].facts is not built[1].facts  # copied: an edition cannot change another's
