"""The report's three languages (issue 12 point 6): every key in every language, plural forms, numbers and
dates by CLDR (Babel), and no English word of tipstats' own left in an Albanian or Serbian edition."""
from __future__ import annotations

import csv
import datetime as dt
import html
import re
from pathlib import Path

import pytest
from openpyxl import load_workbook

from contracts import pack
from pipeline import template
from pipeline.config import ENGLISH_ONLY, LABELS_DIR, Labels

TRANSLATIONS = ("sq", "sr")
PLACEHOLDER = re.compile(r"\{(\w+)\}")


def rows(path: Path) -> list[dict[str, str]]:
    with open(path, newline="", encoding="utf-8") as f:
        return list(csv.DictReader(f))


def plural_forms(language: str) -> set[str]:
    return Labels.of(language).locale.plural_form.tags | {"other"}


# ------------------------------------------------------------------------------------------- the tables
@pytest.mark.parametrize("folder", [LABELS_DIR, pack.PACKS_DIR / "kosovo" / "labels"], ids=["tipstats", "kosovo"])
@pytest.mark.parametrize("language", TRANSLATIONS)
def test_every_english_key_is_translated(folder, language):
    english = {r["key"] for r in rows(folder / "en.csv")}
    own = {r["key"] for r in rows(folder / f"{language}.csv")}
    # plural keys: the English `one` and `other`, and every further CLDR form of the language (Serbian `few`)
    bases = {k.rsplit(".", 1)[0] for k in english if k.endswith(".other") and f"{k[:-6]}.one" in english}
    wanted = {k for k in english if not k.startswith(ENGLISH_ONLY)}
    wanted |= {f"{b}.{form}" for b in bases if not b.startswith(ENGLISH_ONLY) for form in plural_forms(language)}
    assert sorted(wanted - own) == []
    # the TIP paragraph is English in every edition: its keys are not carried by a translation
    assert sorted(k for k in own if k.startswith(ENGLISH_ONLY)) == []


@pytest.mark.parametrize("path", sorted([*LABELS_DIR.glob("*.csv"), *(pack.PACKS_DIR / "kosovo" / "labels").glob("*.csv")]),
                         ids=lambda p: f"{p.parent.parent.name}/{p.name}")
def test_every_row_is_marked_reviewed_or_draft(path):
    table = rows(path)
    assert list(table[0]) == ["key", "text", "status"]
    assert [r["key"] for r in table if r["status"] not in ("reviewed", "draft")] == []
    assert len({r["key"] for r in table}) == len(table)  # no key twice


@pytest.mark.parametrize("language", TRANSLATIONS)
def test_a_translation_fills_in_the_same_values_as_the_english(language):
    english = {r["key"]: r["text"] for r in rows(LABELS_DIR / "en.csv")}
    english |= {f"template.{k}": text for k, text in template.english_words().items()}
    found = []
    for r in [*rows(LABELS_DIR / f"{language}.csv"), *rows(pack.PACKS_DIR / "kosovo" / "labels" / f"{language}.csv")]:
        if not r["key"].startswith("template.") and r["key"] not in english and r["key"].startswith(("code.", "statute.", "country")):
            continue  # the pack's own words: their English is in its code lists and statute table
        base, _, form = r["key"].rpartition(".")
        reference = english.get(r["key"]) or english.get(f"{base}.other")
        if reference is None:
            found.append((r["key"], "not a key of en.csv"))
            continue
        # a value may be given in two cases ({top} and {top_lower}, {Later_instances} and {later_instances}):
        # a translation takes either
        used, given = (PLACEHOLDER.findall(r["text"]), PLACEHOLDER.findall(reference))
        used, given = ({n.lower().removesuffix("_lower") for n in names} for names in (used, given))
        if used != given:
            found.append((r["key"], sorted(used ^ given)))
    assert found == []


@pytest.mark.parametrize("language", TRANSLATIONS)
def test_every_word_of_the_agency_templates_is_translated(language):
    labels = Labels.of(language)
    assert [k for k in template.english_words() if labels.status.get(f"template.{k}") is None] == []


@pytest.mark.parametrize("language, expected", [
    ("en", ("Columns", "column", "Required. The suspect's sex; U = unknown. Choose from the drop-down")),
    ("sq", ("Kolonat", "kolona", "E detyrueshme. Gjinia e të dyshuarit; U = e panjohur. Zgjidhni nga lista rënëse")),
    ("sr", ("Kolone", "kolona", "Obavezno. Pol osumnjičenog; U = nepoznato. Izaberite sa padajuće liste")),
])
def test_the_agency_templates_in_each_language(tmp_path, language, expected):
    path = next(p for p in template.write_templates(tmp_path, language) if p.stem == "investigations")
    book = load_workbook(path)
    sheet, header, prompt = expected
    assert book.sheetnames == ["investigations", sheet, Labels.of(language).get("template.sheet.codes", "Codes")]
    columns = book[sheet]
    assert columns.cell(7, 1).value == header
    sex = next(v for v in book["investigations"].data_validations.dataValidation if v.promptTitle == "sex")
    assert sex.prompt.startswith(prompt)
    codes_sheet = book.worksheets[2]
    labels = {(r[0], r[2]): r[3] for r in codes_sheet.iter_rows(min_row=2, values_only=True)}
    assert labels[("sex", "F")] == {"en": "Female", "sq": "Femra", "sr": "Žene"}[language]


def test_no_english_text_uses_a_parenthesised_plural():
    assert [r["key"] for r in rows(LABELS_DIR / "en.csv") if "(s)" in r["text"]] == []


# ------------------------------------------------------------------------- plurals, numbers and dates
@pytest.mark.parametrize("language, day, month", [
    ("en", "1 December 2026", "December 2026"),
    ("sq", "1 dhjetor 2026", "dhjetor 2026"),
    ("sr", "1. decembar 2026.", "decembar 2026."),  # CLDR's Serbian (Latin) writes the year with its dot
])
def test_dates_as_each_language_writes_them(language, day, month):
    labels = Labels.of(language)
    assert labels.date(dt.date(2026, 12, 1)) == day
    assert labels.date("2026-12-01T14:05:09") == day
    assert labels.month("2026-12") == month


def test_a_timestamp_is_a_date_and_a_time_of_day():
    assert Labels.of("en").timestamp("2026-12-01T14:05:09") == "1 December 2026, 14:05"
    assert Labels.of("sr").timestamp("2026-12-01T14:05:09") == "1. decembar 2026., 14:05"


@pytest.mark.parametrize("language, written", [("en", "1,234.5"), ("sq", "1\N{NO-BREAK SPACE}234,5"), ("sr", "1.234,5")])
def test_numbers_as_each_language_writes_them(language, written):
    labels = Labels.of(language)
    assert labels.number(1234.5) == written
    assert labels.number(43.333333333333336) == ("43.3" if language == "en" else "43,3")
    # a year in a text stays a year
    assert labels.text("table.attrition", year=2025).count("2025") == 1


PLURALS = {  # caveat.not_delivered for n = 1, 2, 5, 21, 22
    "en": ["for 1 month (", "for 2 months (", "for 5 months (", "for 21 months (", "for 22 months ("],
    "sq": ["për 1 muaj (", "për 2 muaj (", "për 5 muaj (", "për 21 muaj (", "për 22 muaj ("],
    "sr": ["za 1 mesec (", "za 2 meseca (", "za 5 meseci (", "za 21 mesec (", "za 22 meseca ("],
}


@pytest.mark.parametrize("language", PLURALS)
def test_plural_forms_follow_the_rules_of_each_language(language):
    labels = Labels.of(language)
    texts = [labels.plural("caveat.not_delivered", n, source="x", months="m") for n in (1, 2, 5, 21, 22)]
    assert [next(p for p in PLURALS[language] if p in t) for t in texts] == PLURALS[language]


def test_quarantined_rows_in_serbian():
    labels = Labels.of("sr")
    assert [labels.plural("caveat.quarantined", n, source="istrage", period="2025").split(" zbog")[0]
            for n in (1, 3, 11)] == [
        "1 red izvora istrage dostavljen za 2025 zadržan je",
        "3 reda izvora istrage dostavljena za 2025 zadržana su",
        "11 redova izvora istrage dostavljenih za 2025 zadržano je"]


def test_the_country_is_named_in_the_language_of_the_edition():
    assert [Labels.of(lang)["country"] for lang in ("en", "sq", "sr")] == ["Kosovo", "Kosova", "Kosovo"]
    assert Labels.of("sq").code("sex", "F") == "Femra"
    assert Labels.of("sr").code("region", "PE") == "Peć"


# -------------------------------------------------------------------------------------- the editions
@pytest.fixture(scope="module")
def editions(sample_report):
    """The sample's 2025 report in Albanian and Serbian (conftest.sample_report: the page, tables and workbooks,
    written with TIPSTATS_IMAGES=0), read only."""
    result = sample_report["public_translations"]
    assert result[0] == 0, result
    return sample_report["root"] / "reports"


def english_pieces(language: str) -> dict[str, str]:
    """The English texts whose translation differs, cut at their placeholders: pieces of at least two words."""
    english = {r["key"]: r["text"] for r in rows(LABELS_DIR / "en.csv")}
    own = {r["key"]: r["text"] for r in rows(LABELS_DIR / f"{language}.csv")}
    # the pack's words: its code labels, law and statute titles, in English in its codes/ and statutes.csv
    kosovo = pack.PACKS_DIR / "kosovo"
    for key in (r["key"] for r in rows(kosovo / "labels" / f"{language}.csv")):
        kind, _, rest = key.partition(".")
        if kind == "code" and rest.startswith("law."):
            english.setdefault(key, next(r["title"] for r in rows(kosovo / "codes" / "law.csv") if r["code"] == rest[4:]))
        elif kind == "code":
            name, _, code = rest.partition(".")
            english.setdefault(key, next(r["label"] for r in rows(kosovo / "codes" / f"{name}.csv") if r["code"] == code))
        elif kind == "statute":
            english.setdefault(key, next(r["title"] for r in rows(kosovo / "statutes.csv")
                                         if ".".join(filter(None, (r["law"], r["article"], r["paragraph"]))) == rest))
    own.update({r["key"]: r["text"] for r in rows(kosovo / "labels" / f"{language}.csv")})
    pieces = {}
    for key, text in english.items():
        if key.startswith(ENGLISH_ONLY) or own.get(key) == text:
            continue
        for piece in PLACEHOLDER.split(text)[::2]:
            piece = piece.strip(" ,.;:()")
            if re.search(r"[A-Za-z]{3,}\W+[A-Za-z]{2,}", piece):
                pieces.setdefault(piece, key)
    return pieces


def page_text(path: Path) -> str:
    """The words a reader sees on the page, without plotly's code and without the TIP paragraph (lang="en")."""
    page = path.read_text(encoding="utf-8")
    page = re.sub(r"<(script|style)\b.*?</\1>", " ", page, flags=re.S)
    page = re.sub(r'<p lang="en">.*?</p>', " ", page, flags=re.S)
    return html.unescape(re.sub(r"<[^>]+>", "\n", page))


def left_in(text: str, pieces: dict[str, str]) -> list[tuple[str, str]]:
    return sorted((key, piece) for piece, key in pieces.items()
                  if re.search(rf"(?<![A-Za-z]){re.escape(piece)}(?![A-Za-z])", text))


@pytest.mark.parametrize("language", TRANSLATIONS)
def test_no_english_label_is_left_in_the_page(editions, language):
    folder = editions / "public" / "2025" / language
    text = page_text(folder / "report.html")
    assert f'<html lang="{language}">' in (folder / "report.html").read_text(encoding="utf-8")
    assert left_in(text, english_pieces(language)) == []
    assert Labels.of(language).plural("page.drafts", Labels.of(language).drafts) in text  # the drafts are said


@pytest.mark.parametrize("language", TRANSLATIONS)
def test_no_english_label_is_left_in_the_workbooks(editions, language):
    books = [editions / "public" / "2025" / language / "tables.xlsx",
             *sorted((editions / "restricted" / "2025" / language).glob("quality-*.xlsx"))]
    assert len(books) > 1
    pieces = english_pieces(language)
    for book in books:
        cells = "\n".join(str(c.value) for sheet in load_workbook(book, read_only=True).worksheets
                          for row in sheet.iter_rows() for c in row if isinstance(c.value, str))
        assert left_in(cells, pieces) == [], book.name
    cells = [c.value for row in load_workbook(books[0]).worksheets[0].iter_rows() for c in row]
    assert Labels.of(language).plural("page.drafts", Labels.of(language).drafts) in cells


def test_the_tip_paragraph_stays_in_english(editions):
    for language in TRANSLATIONS:
        page = (editions / "public" / "2025" / language / "report.html").read_text(encoding="utf-8")
        paragraph = re.search(r'<p lang="en">(.*?)</p>', page, flags=re.S).group(1)
        assert paragraph.startswith("In 2025, ")
        assert "Kosova" not in paragraph


def test_a_language_the_pack_does_not_publish_in_is_refused(env, cli):
    result = cli("report", "--year", "2025", "--language", "fr")
    assert result.exit_code == 2
    assert result.stderr.strip() == ("error: --language fr: the pack kosovo publishes in en, sq, sr; add the "
                                     "language to its pack.toml languages first")
