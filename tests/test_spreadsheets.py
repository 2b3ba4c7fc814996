"""The workbooks a reader opens and prints (tables.xlsx, the quality files; issue 12 point 8): bold header with
the panes frozen under it, widths, number formats, wrapped title and notes, a contents sheet linking to each
sheet, A4 landscape fitted to the page width."""
from __future__ import annotations

import pandas as pd
import pytest
from openpyxl import load_workbook

from pipeline.export import Sheet, write_xlsx

NOTE = "Counts of 1 to 4 victims are shown as <5, and figures that would reveal them as x. " * 3


@pytest.fixture
def book(tmp_path):
    frame = pd.DataFrame({"year": [2024, 2025], "group": ["trafficking", "related"],
                          "prosecuted_pct": [43.333333333333336, 100.0], "rows": [2.0, 1.0],
                          "victims": [12, "<5"], "verified": [True, False]})
    contents = pd.DataFrame({"sheet": ["attrition", "unknown"], "title": ["Attrition of persons", "Not a sheet"]})
    path = write_xlsx([Sheet("contents", contents, "Tables in this workbook", link_column="sheet"),
                       Sheet("attrition", frame, "Attrition of persons investigated in 2025", [NOTE])],
                      tmp_path / "tables.xlsx")
    return load_workbook(path)


def test_header_is_bold_and_the_panes_freeze_under_it(book):
    ws = book["attrition"]
    assert [c.value for c in ws[1]][0] == "Attrition of persons investigated in 2025" and ws["A1"].font.b
    assert ws["A2"].value is None
    assert [c.value for c in ws[3]] == ["year", "group", "prosecuted_pct", "rows", "victims", "verified"]
    assert all(c.font.b for c in ws[3])
    assert ws.freeze_panes == "A4"
    assert ws.print_title_rows == "$3:$3"  # the header on every printed page


def test_numbers_are_integers_or_one_decimal(book):
    ws = book["attrition"]
    rows = [[(c.value, c.number_format) for c in row] for row in ws.iter_rows(min_row=4, max_row=5)]
    assert rows == [
        [(2024, "0"), ("trafficking", "General"), (43.3, "0.0"), (2, "0"), (12, "0"), (True, "General")],
        [(2025, "0"), ("related", "General"), (100.0, "0.0"), (1, "0"), ("<5", "General"), (False, "General")],
    ]


def test_columns_are_as_wide_as_their_cells_and_the_notes_wrap_across_the_table(book):
    ws = book["attrition"]
    assert {k: d.width for k, d in ws.column_dimensions.items()} == {
        "A": 8, "B": 13, "C": 16, "D": 8, "E": 9, "F": 10}
    note = ws["A7"]
    assert note.value == NOTE and note.alignment.wrap_text
    assert [str(r) for r in ws.merged_cells.ranges] == ["A1:F1", "A7:F7"]
    assert ws.row_dimensions[7].height == 15 * 5  # 249 characters over a table 64 characters wide


def test_the_contents_sheet_links_to_each_sheet(book):
    ws = book["contents"]
    linked = {c.value: c.hyperlink.location for c in ws["A"][3:] if c.hyperlink}
    assert linked == {"attrition": "'attrition'!A1"}
    assert ws["A4"].style == "Hyperlink"


def test_every_sheet_prints_on_a4_landscape_fitted_to_the_width(book):
    for ws in book.worksheets:
        setup = ws.page_setup
        assert (setup.paperSize, setup.orientation, setup.fitToWidth, setup.fitToHeight) == (9, "landscape", 1, 0)  # 9: A4
        assert ws.sheet_properties.pageSetUpPr.fitToPage is True


def test_a_marking_heads_every_sheet_and_page(tmp_path):
    path = write_xlsx([Sheet("quality", pd.DataFrame({"month": ["2025-04"], "line": [2]}), "Rows held back")],
                      tmp_path / "quality-police.xlsx", "RESTRICTED")
    ws = load_workbook(path).worksheets[0]
    assert [ws["A1"].value, ws["A2"].value, ws["A3"].value] == ["RESTRICTED", "Rows held back", None]
    assert [c.value for c in ws[4]] == ["month", "line"] and ws.freeze_panes == "A5"
    assert ws.oddHeader.center.text == "RESTRICTED" and ws.oddFooter.center.text == "RESTRICTED"
