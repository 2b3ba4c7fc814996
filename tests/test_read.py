"""Reading deliveries (DATA-SPEC 1): encodings, delimiters, dates, booleans, XLSX cells, lines, refusals."""
import io
import zipfile
from datetime import date, datetime

import pandas as pd
import pytest

from conftest import INV, JUD, VIC, csv_text, errors_of, header_only, xlsx_bytes


# ----------------------------------------------------------------------------------------------- encodings
def test_utf8(validate_rows):
    result = validate_rows("investigations", csv_text([{**INV, "region": "Prishtinë"}]).encode("utf-8"))
    assert (result.encoding, result.delimiter) == ("utf-8", ",")
    assert errors_of(result) == []
    assert result.valid["region"].tolist() == ["PR"]


def test_utf8_with_bom(validate_rows):
    content = "\ufeff".encode("utf-8") + csv_text([{**INV, "region": "Pejë"}]).encode("utf-8")
    result = validate_rows("investigations", content)
    assert result.encoding == "utf-8-sig"
    assert result.missing_columns == [] and errors_of(result) == []  # the BOM is not part of "case_id"
    assert result.valid["case_id"].tolist() == ["PR-01/2024"]
    assert result.valid["region"].tolist() == ["PE"]


@pytest.mark.parametrize("alias, code", [("Osnovni sud Uroševac", "FE"), ("Đakovica", "GJ"), ("Gjakovë", "GJ")])
def test_windows_1250(validate_rows, alias, code):
    result = validate_rows("investigations", csv_text([{**INV, "region": alias}]).encode("cp1250"))
    assert result.encoding == "cp1250"
    assert errors_of(result) == []
    assert result.valid["region"].tolist() == [code]


def test_windows_1250_text_is_quoted_back_decoded(validate_rows):
    result = validate_rows("investigations", csv_text([{**INV, "region": "Kruševac"}]).encode("cp1250"))
    assert errors_of(result) == [(2, "region", "code_list")]
    assert result.errors["value"].tolist() == ["Kruševac"]


def test_neither_utf8_nor_windows_1250_is_refused(validate_rows):
    result = validate_rows("investigations", csv_text([INV]).encode("cp1250") + b"\x81\n")
    assert result.file_error == "investigations.csv: neither UTF-8 nor Windows-1250 text (byte 231)"


def test_a_bom_followed_by_something_else_than_utf8_is_refused(validate_rows):
    content = b"\xef\xbb\xbf" + csv_text([{**INV, "region": "Uroševac"}]).encode("cp1250")
    result = validate_rows("investigations", content)
    assert result.file_error == ("investigations.csv: line 2: not valid UTF-8 after the file's byte-order mark "
                                 "(invalid start byte): save the file as UTF-8 again")


# ------------------------------------------------------------------------------------ delimiters, numbers
def test_semicolon_with_decimal_comma(validate_rows):
    row = {**JUD, "prison_months": "7,5", "fine_eur": "1000,50"}
    result = validate_rows("judgments", csv_text([row], delimiter=";"))
    assert result.delimiter == ";"
    assert errors_of(result) == []
    assert result.valid[["prison_months", "fine"]].values.tolist() == [[7.5, 1000.5]]


def test_semicolon_with_decimal_point(validate_rows):
    result = validate_rows("judgments", csv_text([{**JUD, "prison_months": "7.5"}], delimiter=";"))
    assert result.valid["prison_months"].tolist() == [7.5]


def test_decimal_comma_in_a_comma_file_is_a_number_format_error(validate_rows):
    result = validate_rows("judgments", csv_text([{**JUD, "prison_months": "7,5"}]))
    assert '"7,5"' in result.path.read_text()  # quoted, so the row still has its 21 cells
    assert errors_of(result) == [(2, "prison_months", "number_format")]
    assert result.errors["value"].tolist() == ["7,5"]


def test_whole_numbers_take_no_decimal_comma_even_with_semicolons(validate_rows):
    result = validate_rows("victims", csv_text([{**VIC, "age": "17,0"}], delimiter=";"))
    assert errors_of(result) == [(2, "age", "number_format")]


def test_quoted_cells_with_the_delimiter_inside(validate_rows):
    result = validate_rows("investigations", csv_text([{**INV, "region": "Prizren; Prizreni"}], delimiter=";"))
    assert result.delimiter == ";"
    assert errors_of(result) == [(2, "region", "code_list")]
    assert result.errors["value"].tolist() == ["Prizren; Prizreni"]


# ----------------------------------------------------------------------------------------- dates, booleans
def test_dotted_dates(validate_rows):
    result = validate_rows("investigations", [{**INV, "opened_on": "05.01.2024", "status_on": "31.01.2024"}])
    assert errors_of(result) == []
    assert result.valid[["opened_on", "status_on"]].values.tolist() == [
        [pd.Timestamp("2024-01-05"), pd.Timestamp("2024-01-31")]]


def test_an_empty_date_is_missing(validate_rows):
    result = validate_rows("judgments", [{**JUD, "offence_date": ""}])
    assert errors_of(result) == []
    assert result.valid["offence_date"].isna().tolist() == [True]


@pytest.mark.parametrize("word, value", [
    ("true", True), ("false", False), ("yes", True), ("no", False), ("1", True), ("0", False),
    ("po", True), ("jo", False), ("da", True), ("ne", False),
    ("TRUE", True), ("False", False), ("YES", True), ("No", False), ("PO", True), ("Jo", False),
    ("DA", True), ("nE", False), (" yes ", True),
])
def test_every_boolean_word_in_any_case(validate_rows, word, value):
    result = validate_rows("victims", [{**VIC, "sheltered": word}])
    assert errors_of(result) == []
    assert result.valid["sheltered"].tolist() == [value]


def test_an_empty_boolean_is_unknown(validate_rows):
    result = validate_rows("victims", [{**VIC, "sheltered": ""}])
    assert result.valid["sheltered"].isna().tolist() == [True]


# ---------------------------------------------------------------------------------------------------- XLSX
def test_xlsx_typed_cells(validate_rows):
    row = {**JUD, "person_id": 1234567890, "judge_id": 42.0, "offence_date": date(2023, 6, 1),
           "judgment_date": datetime(2024, 1, 25, 14, 30), "final": True, "plea_agreement": False,
           "prison_months": 7.5, "fine_eur": 1000, "birth_year": 1980, "suspended": None}
    result = validate_rows("judgments", xlsx_bytes([list(row), list(row.values())]), name="judgments.xlsx")
    assert (result.format, result.encoding, result.delimiter) == ("xlsx", None, None)
    assert errors_of(result) == []
    valid = result.valid.iloc[0]
    assert valid["person_id"] == "1234567890" and valid["judge_id"] == "42"
    assert valid["offence_date"] == pd.Timestamp("2023-06-01")
    assert valid["judgment_date"] == pd.Timestamp("2024-01-25")  # the time part is ignored
    assert (valid["final"], valid["plea_agreement"]) == (True, False)
    assert (valid["prison_months"], valid["fine"], valid["birth_year"]) == (7.5, 1000.0, 1980)
    assert pd.isna(valid["suspended"])


def test_xlsx_numeric_identifier_is_read_as_its_integer_digits(validate_rows):
    row = {**INV, "case_id": 20240017.0, "person_id": 1234567890123}
    result = validate_rows("investigations", xlsx_bytes([list(row), list(row.values())]), name="investigations.xlsx")
    assert errors_of(result) == []
    assert result.valid[["case_id", "person_id"]].values.tolist() == [["20240017", "1234567890123"]]


def test_xlsx_text_cells(validate_rows):
    result = validate_rows("investigations", xlsx_bytes([list(INV), list(INV.values())]),
                           name="investigations.xlsx")
    assert errors_of(result) == []
    assert result.valid["opened_on"].tolist() == [pd.Timestamp("2024-01-05")]


def test_xlsx_lines_are_sheet_rows_and_blank_rows_are_skipped(validate_rows):
    rows = [list(INV) + [None, None], list(INV.values()), [None], [None],
            list({**INV, "case_id": "PR-02/2024", "sex": "Q"}.values())]
    result = validate_rows("investigations", xlsx_bytes(rows), name="investigations.xlsx")
    assert result.rows_read == 2 and result.extra_columns == []
    assert errors_of(result) == [(5, "sex", "code_list")]
    assert result.valid["line"].tolist() == [2]


def test_xlsx_header_only_is_a_nil_return(validate_rows):
    result = validate_rows("victims", xlsx_bytes([list(VIC)]), name="victims.xlsx")
    assert (result.file_error, result.rows_read, result.delivered) == (None, 0, True)


def test_xlsx_decimal_comma_text_is_a_number_format_error(validate_rows):
    row = {**JUD, "prison_months": "7,5"}
    result = validate_rows("judgments", xlsx_bytes([list(row), list(row.values())]), name="judgments.xlsx")
    assert errors_of(result) == [(2, "prison_months", "number_format")]


# --------------------------------------------------------------------------------------- lines, headers
def test_physical_line_numbers_with_a_multi_line_cell_and_blank_lines(validate_rows):
    rows = csv_text([INV, {**INV, "case_id": "PR-02/2024", "region": "Basic Court\nof Prizren"},
                     {**INV, "case_id": "PR-03/2024", "sex": "Q"}]).split("\n")
    # header, blank, row (line 3), row over lines 4-5, blank, blank, row (line 8)
    text = "\n".join([rows[0], "", rows[1], rows[2], rows[3], "", "  ", rows[4], ""])
    result = validate_rows("investigations", text)
    assert errors_of(result) == [(8, "sex", "code_list")]
    assert result.valid["line"].tolist() == [3, 4]
    assert result.valid["region"].tolist() == ["PR", "PZ"]


def test_crlf_line_endings(validate_rows):
    text = csv_text([INV, {**INV, "case_id": "PR-02/2024", "sex": "Q"}]).replace("\n", "\r\n")
    result = validate_rows("investigations", text)
    assert errors_of(result) == [(3, "sex", "code_list")]
    assert result.valid["status_on"].tolist() == [pd.Timestamp("2024-01-10")]


def test_header_names_are_normalised(validate_rows):
    text = csv_text([INV]).replace("case_id", " Case ID ", 1).replace("opened_on", "Opened-On", 1)
    text = text.replace("status_on", "STATUS  ON", 1).replace("person_id", "Person_Id", 1)
    result = validate_rows("investigations", text)
    assert (result.file_error, result.missing_columns, result.extra_columns) == (None, [], [])
    assert errors_of(result) == []
    assert result.valid["opened_on"].tolist() == [pd.Timestamp("2024-01-05")]


def test_columns_in_any_order(validate_rows):
    result = validate_rows("investigations", csv_text([INV], columns=sorted(INV)))
    assert errors_of(result) == []
    assert result.valid["case_id"].tolist() == ["PR-01/2024"]


# --------------------------------------------------------------------------------------- refused files
def zip_bytes(files: dict[str, str]) -> bytes:
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w") as archive:
        for name, text in files.items():
            archive.writestr(name, text)
    return buffer.getvalue()


@pytest.mark.parametrize("name, content, message", [
    ("investigations.csv", b"", "investigations.csv: empty file (0 bytes), counted as not delivered"),
    ("investigations.csv", csv_text([INV]).encode() + b"\x00\x00",
     "investigations.csv: contains NUL bytes, not a text file"),
    ("victims.xlsx", b"PK but not really a zip",
     "victims.xlsx: not a readable .xlsx workbook (not a zip archive): save it as 'Excel Workbook (.xlsx)'"),
    ("victims.xlsx", csv_text([VIC]).encode(),
     "victims.xlsx: not a readable .xlsx workbook (not a zip archive): save it as 'Excel Workbook (.xlsx)'"),
    ("victims.xlsx", zip_bytes({"hello.txt": "a zip, but no workbook"}),
     "victims.xlsx: not a readable .xlsx workbook (no workbook inside the zip): save it as 'Excel Workbook (.xlsx)'"),
    ("victims.xlsx", xlsx_bytes([]), "victims.xlsx: no header row"),
    ("victims.csv", b"\n  \n", "victims.csv: no header row"),
    ("victims.csv", ("x" * 1_100_000).encode(),
     "victims.csv: line 1: unreadable CSV (a cell longer than 1,048,576 characters); check the quoting of "
     "that line"),
])
def test_an_unreadable_file_is_refused_with_one_line_naming_the_file(validate_rows, name, content, message):
    result = validate_rows(name.split(".")[0], content, name=name)
    assert result.file_error == message
    assert "\n" not in result.file_error
    assert (result.delivered, result.valid) == (False, None)


def test_a_header_only_file_is_a_nil_return(validate_rows):
    result = validate_rows("judgments", header_only("judgments"))
    assert (result.file_error, result.rows_read, result.rows_rejected, result.delivered) == (None, 0, 0, True)
    assert len(result.valid) == 0 and result.errors.empty


def test_a_header_only_file_with_semicolons_is_a_nil_return(validate_rows):
    result = validate_rows("victims", header_only("victims", delimiter=";"))
    assert (result.file_error, result.rows_read, result.delimiter, result.delivered) == (None, 0, ";", True)
