"""Hostile and unusual workbooks (issue 14): number cells read as their stored digits, rows as stored, the bounds
of unpacking and parsing, and a one-line reason naming the file for every workbook that cannot be read.

The workbooks are written by hand (zip + XML) to hold exactly what a writer put there: xlsxwriter and
LibreOffice write what openpyxl never would (exponent numbers, rows out of order, chartsheets, Strict XML).
"""
from __future__ import annotations

import io
import zipfile
from xml.sax.saxutils import escape

import pytest

from conftest import INV, JUD, VIC, errors_of, xlsx_bytes
from pipeline.read import number_text, read_file
from pipeline.settings import Limits

MAIN = "http://schemas.openxmlformats.org/spreadsheetml/2006/main"
STRICT = "http://purl.oclc.org/ooxml/spreadsheetml/main"
RELS = "http://schemas.openxmlformats.org/package/2006/relationships"
R = "http://schemas.openxmlformats.org/officeDocument/2006/relationships"
# cell format 1 shows a number as a date (built-in format 14), format 2 as a duration ([h]:mm, custom)
STYLES = (f'<styleSheet xmlns="{MAIN}"><numFmts count="1"><numFmt numFmtId="164" formatCode="[h]:mm"/></numFmts>'
          '<cellStyleXfs count="1"><xf numFmtId="14"/></cellStyleXfs>'
          '<cellXfs count="3"><xf numFmtId="0"/><xf numFmtId="14"/><xf numFmtId="164"/></cellXfs></styleSheet>')

# what openpyxl needs to find the parts (the reader here follows the relationships instead)
CONTENT_TYPES = (
    '<Types xmlns="http://schemas.openxmlformats.org/package/2006/content-types">'
    '<Default Extension="rels" ContentType="application/vnd.openxmlformats-package.relationships+xml"/>'
    '<Default Extension="xml" ContentType="application/xml"/>'
    '<Override PartName="/xl/workbook.xml" '
    'ContentType="application/vnd.openxmlformats-officedocument.spreadsheetml.sheet.main+xml"/>'
    '<Override PartName="/xl/{folder}/sheet1.xml" '
    'ContentType="application/vnd.openxmlformats-officedocument.spreadsheetml.{kind}+xml"/>'
    '<Override PartName="/xl/styles.xml" '
    'ContentType="application/vnd.openxmlformats-officedocument.spreadsheetml.styles+xml"/>'
    '<Override PartName="/xl/sharedStrings.xml" '
    'ContentType="application/vnd.openxmlformats-officedocument.spreadsheetml.sharedStrings+xml"/></Types>')


def text(value: str) -> str:
    return f'<c t="inlineStr"><is><t>{escape(value)}</t></is></c>'


def number(stored: str, style: str = "") -> str:
    return f'<c{f" s={style!r}" if style else ""}><v>{stored}</v></c>'


def row(number_: int | None, cells: list[str]) -> str:
    """A <row> of cells without references (each in the next column), `cells` as XML or plain text."""
    body = "".join(c if c.startswith("<c") else text(c) for c in cells)
    return f'<row r="{number_}">{body}</row>' if number_ is not None else f"<row>{body}</row>"


def rows_of(source: dict, *rows: dict) -> list[list[str]]:
    return [list(source)] + [list(r.values()) for r in rows]


def workbook(sheet_rows: str, *, namespace: str = MAIN, kind: str = "worksheet", state: str = "visible",
             date1904: bool = False, strings: list[str] | None = None, prologue: str = "",
             sheet_xml: str | None = None) -> bytes:
    """An .xlsx of one sheet named 'Data' holding `sheet_rows` (XML of <row> elements)."""
    folder = {"worksheet": "worksheets", "chartsheet": "chartsheets"}[kind]
    sheet = sheet_xml if sheet_xml is not None else (
        f'{prologue}<worksheet xmlns="{namespace}"><sheetData>{sheet_rows}</sheetData></worksheet>')
    parts = {
        "[Content_Types].xml": CONTENT_TYPES.format(folder=folder, kind=kind),
        "_rels/.rels": f'<Relationships xmlns="{RELS}"><Relationship Id="rId1" Target="xl/workbook.xml" '
                       f'Type="{R}/officeDocument"/></Relationships>',
        "xl/workbook.xml": f'<workbook xmlns="{namespace}" xmlns:r="{R}"><workbookPr date1904="{int(date1904)}"/>'
                           f'<sheets><sheet name="Data" sheetId="1" state="{state}" r:id="rId1"/></sheets></workbook>',
        "xl/_rels/workbook.xml.rels": (
            f'<Relationships xmlns="{RELS}"><Relationship Id="rId1" Type="{R}/{kind}" Target="{folder}/sheet1.xml"/>'
            f'<Relationship Id="rId2" Type="{R}/styles" Target="styles.xml"/>'
            f'<Relationship Id="rId3" Type="{R}/sharedStrings" Target="sharedStrings.xml"/></Relationships>'),
        "xl/styles.xml": STYLES,
        f"xl/{folder}/sheet1.xml": sheet,
        "xl/sharedStrings.xml": f'<sst xmlns="{MAIN}">' + "".join(
            f"<si><t>{escape(s)}</t></si>" for s in strings or []) + "</sst>",
    }
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w", zipfile.ZIP_DEFLATED) as archive:
        for name, content in parts.items():
            archive.writestr(name, content)
    return buffer.getvalue()


def sheet(*rows: list[str], first: int = 1) -> str:
    return "".join(row(first + i, cells) for i, cells in enumerate(rows))


# ------------------------------------------------------------------------------------ number cells (defect 7)
@pytest.mark.parametrize("stored, text, check", [
    ("12345678901234567890", "12345678901234567890", None),  # written out: its digits, however many
    ("1234567890123456", "1234567890123456", None),
    ("1234567890123456.0", "1234567890123456", None),
    ("-0042", "-42", None),
    ("1E+3", "1000", None),  # exponent form below 15 digits: nothing was lost
    ("1.2345678901234567E+19", "1.2345678901234567E+19", "number_inexact"),  # xlsxwriter, %.16G
    ("1.234567890123457e+19", "1.234567890123457e+19", "number_inexact"),  # openpyxl, Python's repr
    ("1.23456789012346E+015", "1.23456789012346E+015", "number_inexact"),  # LibreOffice
    ("7.5", "7.5", "number_fraction"),
    ("7.50", "7.5", "number_fraction"),
    ("1.5E-3", "0.0015", "number_fraction"),
    ("NaN", "NaN", "number_inexact"),
    ("1E+999999999", "1E+999999999", "number_inexact"),
    ("١٢", "١٢", "number_inexact"),
    ("twelve", "twelve", "number_inexact"),
])
def test_a_number_cell_is_read_from_its_stored_text(stored, text, check):
    assert number_text(stored) == (text, check)


def test_long_numeric_identifiers_are_read_as_their_exact_digits(validate_rows):
    """Defect 7: number cells of 1e15 and more came back as '1234567890123456.0' or '1.2345678901234567e+19'."""
    cells = list(INV.values())
    big = cells.copy()
    big[0], big[1] = number("2024001700000000001"), number("1234567890123456.0")
    data = workbook(sheet(list(INV), big))
    result = validate_rows("investigations", data, name="investigations.xlsx")
    assert errors_of(result) == []
    assert result.valid[["case_id", "person_id"]].values.tolist() == [["2024001700000000001", "1234567890123456"]]


def test_numbers_in_exponent_form_beyond_15_digits_are_rejected_not_changed(validate_rows):
    """Defect 7: xlsxwriter and LibreOffice write such cells; their digits are not those typed."""
    rows = [list(INV)]
    for i, stored in enumerate(["1.2345678901234567E+19", "1.23456789012346E+015"]):
        cells = list({**INV, "case_id": f"PR-{i}/2024"}.values())
        cells[1] = number(stored)
        rows.append(cells)
    result = validate_rows("investigations", workbook(sheet(*rows)), name="investigations.xlsx")
    assert errors_of(result) == [(2, "person_id", "number_inexact"), (3, "person_id", "number_inexact")]
    assert result.rows_valid == 0
    assert "digit for digit" in result.errors["reason"].iloc[0]


def test_openpyxl_writes_a_huge_integer_as_a_float_which_is_rejected(validate_rows):
    row_ = {**INV, "person_id": 12345678901234567890}
    result = validate_rows("investigations", xlsx_bytes([list(row_), list(row_.values())]), name="investigations.xlsx")
    assert errors_of(result) == [(2, "person_id", "number_inexact")]


def test_a_fraction_is_an_error_in_an_identifier_only(validate_rows):
    cells = list(JUD.values())
    cells[0], cells[12] = number("20240017.5"), number("7.5")  # judgment_id, prison_months
    result = validate_rows("judgments", workbook(sheet(list(JUD), cells)), name="judgments.xlsx")
    assert errors_of(result) == [(2, "judgment_id", "number_fraction")]
    cells[0] = "P-1"
    result = validate_rows("judgments", workbook(sheet(list(JUD), cells)), name="judgments.xlsx")
    assert errors_of(result) == [] and result.valid["prison_months"].tolist() == [7.5]


def test_cell_errors_keep_their_rows_across_chunks(validate_rows, monkeypatch):
    monkeypatch.setenv("TIPSTATS_CHUNK_ROWS", "2")
    rows = [list(INV)]
    for i in range(5):
        cells = list({**INV, "case_id": f"PR-{i}/2024"}.values())
        if i in (1, 4):
            cells[1] = number("9.87654321098765E+20")
        rows.append(cells)
    rows.insert(3, [""])  # a blank row: positions count the rows read, lines the sheet's rows
    result = validate_rows("investigations", workbook(sheet(*rows)), name="investigations.xlsx")
    assert errors_of(result) == [(3, "person_id", "number_inexact"), (7, "person_id", "number_inexact")]
    assert result.valid["line"].tolist() == [2, 5, 6]


def test_a_number_beyond_the_header_only_makes_the_row_too_long(validate_rows):
    rows = [list({**VIC, "victim_id": f"V-{i}"}.values()) + ["", number("1.5E+20")] for i in range(2)]
    result = validate_rows("victims", workbook(sheet(list(VIC), *rows)), name="victims.xlsx")
    assert errors_of(result) == [(2, "", "field_count"), (3, "", "field_count")]


# ------------------------------------------------------------------------------------------ dates, types
def test_an_out_of_range_date_serial_is_a_cell_error_and_the_rest_is_read(validate_rows):
    """Was: 'not a readable .xlsx workbook (TypeError)'."""
    rows = [list(VIC)]
    for i, serial in enumerate(["45297", "99999999", "-1", "45297.75"]):
        cells = list({**VIC, "victim_id": f"V-{i}"}.values())
        cells[2] = number(serial, style="1")  # identified_on
        rows.append(cells)
    result = validate_rows("victims", workbook(sheet(*rows)), name="victims.xlsx")
    assert result.file_error is None
    assert errors_of(result) == [(3, "identified_on", "date_cell_invalid"), (4, "identified_on", "date_cell_invalid")]
    assert result.valid["victim_id"].tolist() == ["V-0", "V-3"]
    assert result.valid["identified_on"].astype(str).tolist() == ["2024-01-06", "2024-01-06"]


def test_typed_cells_of_every_kind(tmp_path):
    cells = [number("45297", "1"), number("43835", "1"), '<c t="d"><v>2024-01-06T10:00:00</v></c>',
             '<c t="b"><v>1</v></c>', '<c t="b"><v>0</v></c>', '<c t="e"><v>#N/A</v></c>',
             '<c t="str"><f>A1</f><v>formula text</v></c>', '<c t="s"><v>1</v></c>',
             '<c t="inlineStr"><is><r><t>Pri</t></r><r><t>shtinë</t></r><rPh><t>ぷり</t></rPh></is></c>',
             number("1.5", "2"), '<c s="1"/>']
    header = [f"h{i}" for i in range(len(cells))]
    for date1904, first, second in ((False, "2024-01-06", "2020-01-05"), (True, "2028-01-07", "2024-01-06")):
        data = workbook(sheet(header, cells), strings=["zero", "one"], date1904=date1904)
        path = tmp_path / "victims.xlsx"
        path.write_bytes(data)
        raw = read_file(path)
        assert raw.cells.iloc[0].tolist() == [
            first, second, "2024-01-06", "true", "false", "#N/A",
            "formula text", "one", "Prishtinë", "1.5", ""]


# ------------------------------------------------------------------------------------------ rows (defect 8)
@pytest.mark.parametrize("numbers, message", [
    ([1, 3, 2, 3], "victims.xlsx: row 2 is stored after row 3 (rows out of order): save the workbook again from "
                   "Excel or LibreOffice"),
    ([1, 2, 2], "victims.xlsx: row 2 appears twice in the sheet: save the workbook again from Excel or LibreOffice"),
])
def test_rows_stored_out_of_order_or_twice_refuse_the_file(validate_rows, numbers, message):
    """Defect 8: r = 1, 3, 2, 3 gave '1 rows, 1 valid', openpyxl dropping the others."""
    rows = rows_of(VIC, *({**VIC, "victim_id": f"V-{i}"} for i in range(len(numbers) - 1)))
    data = workbook("".join(row(n, cells) for n, cells in zip(numbers, rows)))
    result = validate_rows("victims", data, name="victims.xlsx")
    assert (result.file_error, result.delivered, result.valid) == (message, False, None)


def test_rows_and_cells_without_numbers_follow_the_previous_ones(validate_rows):
    rows = rows_of(VIC, {**VIC, "victim_id": "V-1"}, {**VIC, "victim_id": "V-2"})
    data = workbook(row(1, rows[0]) + row(4, rows[1]) + row(None, rows[2]))
    result = validate_rows("victims", data, name="victims.xlsx")
    assert result.valid[["line", "victim_id"]].values.tolist() == [[4, "V-1"], [5, "V-2"]]


@pytest.mark.parametrize("cells, message", [
    ('<c r="B2"><v>1</v></c><c r="A2"><v>2</v></c>',
     "victims.xlsx: row 2: cell A2 is stored twice or out of order in the sheet: save the workbook again from "
     "Excel or LibreOffice"),
    ('<c r="XFE2"><v>1</v></c>', "victims.xlsx: row 2: a cell named 'XFE2', which is no cell of a worksheet: save "
                                 "the workbook again from Excel or LibreOffice"),
    ('<c r="A2" t="s"><v>7</v></c>', "victims.xlsx: cell A2: refers to a text the workbook does not hold: save the "
                                     "workbook again from Excel or LibreOffice"),
])
def test_damaged_cells_refuse_the_file_naming_the_cell(validate_rows, cells, message):
    data = workbook(row(1, list(VIC)) + f'<row r="2">{cells}</row>')
    assert validate_rows("victims", data, name="victims.xlsx").file_error == message


# --------------------------------------------------------------------------------------- bounds (defect 5)
def test_every_stored_row_counts_against_the_row_limit(validate_rows, monkeypatch):
    """Defect 5: a header then N rows of empty cells counted 0 rows, so the limit never applied."""
    monkeypatch.setenv("TIPSTATS_MAX_ROWS", "3")
    blank = "".join(f'<row r="{n}"><c r="A{n}"/></row>' for n in range(2, 6))
    result = validate_rows("victims", workbook(row(1, list(VIC)) + blank), name="victims.xlsx")
    assert result.file_error == ("victims.xlsx: more than 3 rows, over the limit (TIPSTATS_MAX_ROWS); refused: "
                                 "split the delivery or raise the limit")
    result = validate_rows("victims", workbook(row(1, list(VIC)) + blank[:blank.index('<row r="5"')]),
                           name="victims.xlsx")
    assert (result.file_error, result.rows_read) == (None, 0)


def test_a_sheet_that_takes_too_long_to_parse_is_refused(validate_rows, monkeypatch):
    """A zip bomb: 50 MB of empty elements compress to some 100 kB and took minutes to read."""
    monkeypatch.setenv("TIPSTATS_MAX_XLSX_SECONDS", "1")
    data = workbook(row(1, list(VIC)) + "<x/>" * 12_000_000)
    assert len(data) < 200_000
    result = validate_rows("victims", data, name="victims.xlsx")  # the refusal says the limit stopped it
    assert result.file_error == ("victims.xlsx: still being read after 1 s, the limit (TIPSTATS_MAX_XLSX_SECONDS); "
                                 "refused: split the delivery or raise the limit")


def test_a_zip_that_lies_about_its_sizes_is_refused_as_damaged(validate_rows):
    """The size limit reads the sizes the zip declares; zipfile inflates no more than that, so a member
    that holds more fails its check."""
    data = bytearray(workbook(row(1, list(VIC)) + row(2, list(VIC.values())) + "<x/>" * 1_000_000))
    with zipfile.ZipFile(io.BytesIO(bytes(data))) as archive:
        info = archive.getinfo("xl/worksheets/sheet1.xml")
    central = _central_entry(data, "xl/worksheets/sheet1.xml")
    data[central + 24:central + 28] = (1000).to_bytes(4, "little")  # declared uncompressed size
    local = info.header_offset
    data[local + 22:local + 26] = (1000).to_bytes(4, "little")
    result = validate_rows("victims", bytes(data), name="victims.xlsx")
    assert result.file_error == ("victims.xlsx: not a readable .xlsx workbook (xl/worksheets/sheet1.xml: damaged "
                                 "(BadZipFile)): save the workbook again from Excel or LibreOffice")


def test_the_limit_of_seconds_defaults_to_300(monkeypatch):
    monkeypatch.delenv("TIPSTATS_MAX_XLSX_SECONDS", raising=False)
    assert Limits.from_env().max_xlsx_seconds == 300
    monkeypatch.setenv("TIPSTATS_MAX_XLSX_SECONDS", "12")
    assert Limits.from_env().max_xlsx_seconds == 12


# ------------------------------------------------------------------------------------ misleading messages
@pytest.mark.parametrize("options, message", [
    ({"kind": "chartsheet"}, "victims.xlsx: the first sheet 'Data' is a chart, not a worksheet: put the data on the "
                             "first sheet"),
    ({"namespace": STRICT}, "victims.xlsx: a Strict Open XML workbook, which is not read: save it as 'Excel "
                            "Workbook (.xlsx)'"),
    ({"state": "hidden"}, "victims.xlsx: the first sheet 'Data' is hidden: unhide it, or put the data on the first "
                          "sheet (the first sheet is the one read)"),
    ({"state": "veryHidden"}, "victims.xlsx: the first sheet 'Data' is hidden: unhide it, or put the data on the "
                              "first sheet (the first sheet is the one read)"),
    ({"prologue": '<!DOCTYPE x [<!ENTITY a "aaaaaaaaaa">]>'},
     "victims.xlsx: not a readable .xlsx workbook (xl/worksheets/sheet1.xml: declares a DTD): save the workbook "
     "again from Excel or LibreOffice"),
    ({"sheet_xml": "<worksheet><sheetData><row"}, "victims.xlsx: not a readable .xlsx workbook "
     "(xl/worksheets/sheet1.xml: unclosed token at line 1): save the workbook again from Excel or LibreOffice"),
])
def test_workbooks_that_are_not_read_say_why_in_one_line(validate_rows, options, message):
    data = workbook(sheet(list(VIC), list(VIC.values())), **options)
    result = validate_rows("victims", data, name="victims.xlsx")
    assert (result.file_error, result.delivered) == (message, False)


def test_an_old_xls_or_a_password_protected_workbook_is_named_as_such(validate_rows):
    result = validate_rows("victims", b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1" + bytes(600), name="victims.xlsx")
    assert result.file_error == ("victims.xlsx: an old .xls workbook, or an .xlsx protected by a password: save it "
                                 "as 'Excel Workbook (.xlsx)' without a password")


def test_a_truncated_workbook_is_one_line(validate_rows):
    data = workbook(sheet(list(VIC), list(VIC.values())))
    result = validate_rows("victims", data[: len(data) // 2], name="victims.xlsx")
    assert result.file_error == ("victims.xlsx: not a readable .xlsx workbook (not a zip archive): save it as "
                                 "'Excel Workbook (.xlsx)'")


# ---------------------------------------------------------------------------------------------- helpers
def _central_entry(data: bytearray, name: str) -> int:
    """Offset of the zip central directory entry of `name`."""
    at = data.index(b"PK\x01\x02")
    while True:
        length = int.from_bytes(data[at + 28:at + 30], "little")
        if data[at + 46:at + 46 + length] == name.encode():
            return at
        at = data.index(b"PK\x01\x02", at + 46)
