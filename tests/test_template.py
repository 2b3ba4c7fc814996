"""`tipstats template`: workbooks generated from the contracts, filled in, validate as deliveries."""
from __future__ import annotations

import hashlib
import re
from datetime import date
from pathlib import Path

import pytest
from openpyxl import load_workbook
from openpyxl.utils import column_index_from_string, range_boundaries
from typer.testing import CliRunner

from contracts import SOURCES, base, codes, pack
from pipeline.cli import app
from pipeline.template import header_of, write_templates
from pipeline.validate import validate_file

MONTH = "2025-06"

# three realistic rows per source that obey DATA-SPEC for reporting month 2025-06 (typed cells)
ROWS = {
    "investigations": [
        {"case_id": "PR-2025-0412", "person_id": "1234567890", "offence_code": "CCRK2019.165.1",
         "opened_on": date(2025, 5, 12), "region": "PR", "exploitation_form": "sexual", "sex": "M",
         "birth_year": 1988, "citizenship": "XK", "public_official": False, "status": "referred",
         "status_on": date(2025, 6, 20), "victim_count": 2},
        {"case_id": "PR-2025-0412", "person_id": "1234567891", "offence_code": "CCRK2019.165.1",
         "opened_on": date(2025, 5, 12), "region": "PR", "exploitation_form": "sexual", "sex": "F",
         "birth_year": 1992, "citizenship": "AL", "public_official": False, "status": "open",
         "status_on": date(2025, 5, 12), "victim_count": 2},
        {"case_id": "PZ-2025-0107", "person_id": "1000456789", "offence_code": "CCRK2019.165",
         "opened_on": date(2025, 6, 3), "region": "PZ", "exploitation_form": "labour", "sex": "M",
         "birth_year": 1975, "public_official": True, "status": "open", "status_on": date(2025, 6, 3)},
    ],
    "prosecutions": [
        {"prosecution_id": "PP-PR-2025-088", "case_id": "PR-2025-0412", "person_id": "1234567890",
         "office": "PR", "court": "PR", "offence_code": "CCRK2019.165.1", "decision": "indicted",
         "decided_on": date(2025, 6, 25), "sex": "M", "birth_year": 1988, "citizenship": "XK",
         "public_official": False},
        {"prosecution_id": "PPS-2025-012", "person_id": "1000999888", "office": "SPRK",
         "offence_code": "CCRK2019.165.1", "decision": "plea_agreement", "decided_on": date(2025, 6, 10),
         "sex": "F", "birth_year": 1990, "citizenship": "RS", "public_official": True},
        {"prosecution_id": "PP-GJ-2025-031", "case_id": "GJ-2024-0913", "person_id": "1000111222",
         "office": "GJ", "offence_code": "CCRK2012.171.1", "decision": "dismissed",
         "decided_on": date(2025, 4, 30), "sex": "U"},
    ],
    "judgments": [
        {"judgment_id": "C-PR-2024-301", "prosecution_id": "PP-PR-2024-055", "person_id": "1234500001",
         "court": "PR", "instance": "first", "judge_id": "J-PR-17", "offence_code": "CCRK2019.165.1",
         "offence_date": date(2023, 9, 1), "judgment_date": date(2025, 6, 12), "verdict": "convicted",
         "final": False, "plea_agreement": False, "prison_months": 60, "suspended": False,
         "fine_eur": 2000.0, "sex": "M", "birth_year": 1985, "citizenship": "XK", "public_official": False},
        {"judgment_id": "C-PR-2023-118", "person_id": "1234500002", "court": "APP", "instance": "appeal",
         "judge_id": "J-APP-03", "offence_code": "CCRK2019.165.1", "judgment_date": date(2025, 6, 5),
         "verdict": "modified", "final": True, "prison_months": 48.5,
         "mitigation": "mitigating_circumstances", "sex": "F", "birth_year": 1979, "citizenship": "AL"},
        {"judgment_id": "C-GJ-2024-077", "prosecution_id": "PP-GJ-2024-009", "person_id": "1234500003",
         "court": "GJ", "instance": "first", "offence_code": "CCRK2012.171.1",
         "offence_date": date(2018, 11, 20), "judgment_date": date(2025, 5, 28), "verdict": "acquitted",
         "final": False, "sex": "M", "birth_year": 1970},
    ],
    "victims": [
        {"victim_id": "V-1234567890", "case_id": "PR-2025-0412", "identified_on": date(2025, 5, 14),
         "identified_by": "police", "sex": "F", "age": 17, "citizenship": "XK", "exploitation_form": "sexual",
         "referred_to_services": True, "sheltered": True, "repatriated": False},
        {"victim_id": "2001002003", "identified_on": date(2025, 6, 2), "identified_by": "ngo", "sex": "F",
         "age": 24, "citizenship": "AL", "exploitation_form": "labour", "referred_to_services": True,
         "sheltered": False, "repatriated": True},
        {"victim_id": "V-555", "case_id": "PZ-2025-0107", "identified_on": date(2025, 6, 3),
         "identified_by": "labour_inspectorate", "sex": "M", "age": 35, "exploitation_form": "labour",
         "referred_to_services": False},
    ],
}


def contract_header(source: str) -> list[str]:
    """The contract's columns by the headers an agency sends (the pack's name of `fine`), then `withdrawn`."""
    return [header_of(c) for c in SOURCES[source].columns] + [base.WITHDRAWN.name]


@pytest.fixture(scope="module")
def templates(tmp_path_factory) -> dict[str, Path]:
    paths = write_templates(tmp_path_factory.mktemp("templates"))
    return {p.stem: p for p in paths}


def list_validations(path: Path) -> dict[str, list[str]]:
    """Header name → values of the list validation covering that column from row 2 (ranges resolved)."""
    workbook = load_workbook(path)
    sheet = workbook.worksheets[0]
    header = [c.value for c in sheet[1]]
    out = {}
    for dv in sheet.data_validations.dataValidation:
        if dv.type != "list":
            continue
        formula = dv.formula1
        if formula.startswith('"'):
            values = formula.strip('"').split(",")
        else:
            sheet_name, ref = formula.rsplit("!", 1)
            target = workbook[sheet_name.strip("'")]
            min_col, min_row, max_col, max_row = range_boundaries(ref.replace("$", ""))
            assert min_col == max_col
            values = [target.cell(row=r, column=min_col).value for r in range(min_row, max_row + 1)]
        for rng in dv.sqref.ranges:
            assert rng.min_row <= 2 and rng.max_row >= 1000, f"{dv.sqref}: should cover rows 2..1000"
            for col in range(rng.min_col, rng.max_col + 1):
                out[header[col - 1]] = values
    return out


def fill(template: Path, rows: list[dict], target: Path) -> Path:
    workbook = load_workbook(template)
    sheet = workbook.worksheets[0]
    header = [c.value for c in sheet[1]]
    for r, row in enumerate(rows, start=2):
        unknown = set(row) - set(header)
        assert not unknown, unknown
        for name, value in row.items():
            sheet.cell(row=r, column=header.index(name) + 1, value=value)
    target.parent.mkdir(parents=True, exist_ok=True)
    workbook.save(target)
    return target


# ------------------------------------------------------------------------------------------------ tests
def test_one_workbook_per_source(templates):
    assert sorted(templates) == sorted(SOURCES)
    for name, path in templates.items():
        assert path.name == f"{name}.xlsx"


@pytest.mark.parametrize("source", list(SOURCES))
def test_first_sheet_is_the_data_sheet_with_the_contract_header(templates, source):
    workbook = load_workbook(templates[source])
    sheet = workbook.worksheets[0]
    assert sheet.title == source
    assert [c.value for c in sheet[1]] == contract_header(source)
    assert sheet.max_row == 1  # header only: an untouched template is a nil return
    assert sheet.freeze_panes == "A2"
    assert {"Columns", "Codes"} <= set(workbook.sheetnames)


@pytest.mark.parametrize("source", list(SOURCES))
def test_every_code_and_boolean_column_has_its_drop_down(templates, source):
    lists = list_validations(templates[source])
    expected = {}
    for col in SOURCES[source].columns + (base.WITHDRAWN,):
        if col.kind in ("code", "region"):
            expected[col.name] = list(col.codes)
        elif col.kind == "bool":
            expected[col.name] = ["true", "false"]
    assert lists == expected
    assert expected  # every source has coded columns


def test_long_code_lists_point_to_the_codes_sheet(templates):
    workbook = load_workbook(templates["investigations"])
    sheet = workbook.worksheets[0]
    citizenship = column_index_from_string("A") + contract_header("investigations").index("citizenship")
    [dv] = [d for d in sheet.data_validations.dataValidation
            if any(r.min_col == citizenship for r in d.sqref.ranges)]
    assert dv.formula1.startswith("'Codes'!") or dv.formula1.startswith("Codes!")
    assert list_validations(templates["investigations"])["citizenship"] == list(codes.code_list("citizenship"))


@pytest.mark.parametrize("source", list(SOURCES))
def test_formats_and_validations_of_the_other_columns(templates, source):
    sheet = load_workbook(templates[source]).worksheets[0]
    kinds = {}
    for dv in sheet.data_validations.dataValidation:
        for rng in dv.sqref.ranges:
            kinds[contract_header(source)[rng.min_col - 1]] = dv
    for i, col in enumerate(SOURCES[source].columns, start=1):
        letter = sheet.cell(row=1, column=i).column_letter
        fmt = sheet.column_dimensions[letter].number_format
        dv = kinds.get(header_of(col))
        if col.kind == "date":
            assert fmt == "yyyy-mm-dd" and dv.type == "date"
        elif col.kind == "int":
            assert fmt == "0" and dv.type == "whole"
            if col.name != "birth_year":
                assert dv.formula1 == "0"
        elif col.kind == "decimal":
            assert dv.type == "decimal" and dv.formula1 == "0" and dv.operator == "greaterThanOrEqual"
        elif col.kind in ("id", "person"):
            assert fmt == "@" and dv.type == "textLength" and dv.formula1 == str(base.MAX_ID_LENGTH)
        assert sheet.column_dimensions[letter].width >= len(col.name)


@pytest.mark.parametrize("source", list(SOURCES))
def test_columns_sheet_explains_every_column(templates, source):
    sheet = load_workbook(templates[source])["Columns"]
    rows = list(sheet.iter_rows(values_only=True))
    header_at = next(i for i, r in enumerate(rows) if r[0] == "column")
    assert rows[header_at][:6] == ("column", "type", "required", "in record key", "rule", "allowed values")
    table = {r[0]: r for r in rows[header_at + 1:] if r[0]}
    assert list(table) == contract_header(source)
    spec = SOURCES[source]
    for col in spec.columns:
        _, kind, required, in_key, rule, allowed = table[header_of(col)]
        assert required == ("yes" if col.required else "no")
        assert in_key == ("yes" if col.name in spec.key else "no")
        assert kind and rule, col.name
        if col.kind in ("code", "region") and len(col.codes) <= 12:
            for c in col.codes:
                assert f"{c} = " in allowed
    key_line = f"Record key: ({', '.join(spec.key)})"
    assert any(r[0] and str(r[0]).startswith(key_line) for r in rows)


@pytest.mark.parametrize("source", list(SOURCES))
def test_codes_sheet_lists_every_code_with_its_label(templates, source):
    sheet = load_workbook(templates[source])["Codes"]
    rows = list(sheet.iter_rows(values_only=True))
    assert rows[0] == ("column", "list", "code", "label")
    for col in SOURCES[source].columns:
        if col.kind not in ("code", "region"):
            continue
        listed = [(r[2], r[3]) for r in rows[1:] if r[0] == col.name]
        assert [c for c, _ in listed] == list(col.codes)
        assert all(label for _, label in listed)
    assert ("sex", "sex", "F", "Female") in rows


def test_templates_are_deterministic(tmp_path):
    first = {p.name: hashlib.sha256(p.read_bytes()).hexdigest() for p in write_templates(tmp_path / "a")}
    second = {p.name: hashlib.sha256(p.read_bytes()).hexdigest() for p in write_templates(tmp_path / "b")}
    assert first == second


@pytest.mark.parametrize("source", list(SOURCES))
def test_untouched_template_is_a_nil_return(templates, tmp_path, source):
    target = tmp_path / MONTH / f"{source}.xlsx"
    target.parent.mkdir()
    target.write_bytes(templates[source].read_bytes())
    result = validate_file(target, MONTH)
    assert result.file_error is None
    assert result.rows_read == 0 and result.missing_columns == [] and result.extra_columns == []


@pytest.mark.parametrize("source", list(SOURCES))
def test_filled_template_validates_cleanly(templates, tmp_path, source):
    path = fill(templates[source], ROWS[source], tmp_path / MONTH / f"{source}.xlsx")
    result = validate_file(path, MONTH)
    assert result.file_error is None
    assert result.errors.empty, result.errors.to_dict("records")
    assert (result.rows_read, result.rows_valid, result.rows_rejected) == (3, 3, 0)
    assert result.missing_columns == [] and result.extra_columns == [] and result.dropped_columns == []
    # typed cells come through as the values typed: person ids as text, dates as dates
    valid = result.valid
    first = ROWS[source][0]
    for header, value in first.items():
        name = base.header_name(header)  # fine_eur is the contract's `fine`
        got = valid.loc[0, name]
        if isinstance(value, date):
            assert got.date() == value
        elif SOURCES[source].by_name[name].kind not in ("person",):
            assert got == value, name


@pytest.mark.parametrize("source", list(SOURCES))
def test_filled_template_with_a_bad_code_rejects_that_row(templates, tmp_path, source):
    rows = [dict(r) for r in ROWS[source]]
    rows[1]["sex"] = "Q"
    path = fill(templates[source], rows, tmp_path / MONTH / f"{source}.xlsx")
    result = validate_file(path, MONTH)
    assert result.file_error is None
    assert (result.rows_read, result.rows_valid, result.rows_rejected) == (3, 2, 1)
    assert result.errors[["line", "column", "check", "value"]].to_dict("records") == [
        {"line": 3, "column": "sex", "check": "code_list", "value": "Q"}]


def test_cli_writes_the_templates(tmp_path):
    out_dir = tmp_path / "templates"
    result = CliRunner().invoke(app, ["template", str(out_dir)])
    assert result.exit_code == 0, result.output
    output = re.sub(r"\s*\n\s*", "", result.output)  # rich may wrap a long path
    for source in SOURCES:
        path = out_dir / f"{source}.xlsx"
        assert path.is_file()
        assert f"Wrote {path}" in output or str(path) in output
    assert sorted(p.name for p in out_dir.iterdir()) == sorted(f"{s}.xlsx" for s in SOURCES)


# ------------------------------------------------------------------------------------- the pack's words
def rules(path: Path) -> dict[str, tuple[str, str]]:
    """Column → (rule, allowed values) of a workbook's Columns sheet."""
    rows = list(load_workbook(path)["Columns"].iter_rows(values_only=True))
    header_at = next(i for i, r in enumerate(rows) if r[0] == "column")
    return {r[0]: (r[4], r[5]) for r in rows[header_at + 1:] if r[0]}


def test_kosovo_notes_name_its_codes(templates):
    prosecutions, judgments = rules(templates["prosecutions"]), rules(templates["judgments"])
    assert prosecutions["office"][0] == ("Basic-level region or SPRK (Special Prosecution Office). "
                                         "Choose the code from the drop-down.")
    assert prosecutions["court"][0] == ("Basic court the indictment was filed with; empty = the court of the "
                                        "office's region (unknown for SPRK). Choose the code from the drop-down.")
    assert judgments["court"][0] == ("first: a basic-level court; appeal: APP; supreme: SUP. "
                                     "Choose the code from the drop-down.")
    assert judgments["citizenship"][0] == ("The defendant's, when known. ISO 3166-1 alpha-2, XK for Kosovo. "
                                           "Choose from the drop-down (codes are case-insensitive).")
    assert judgments["offence_code"][0] == (
        "As adjudicated. <LAW>.<article>[.<paragraph>], e.g. CCRK2019.165.1, or CCRK2019.165 when the paragraph "
        "is not known. An article the statute table does not list is accepted as group 'other' and reported.")
    assert judgments["final"][1] == "true, false (yes/no, 1/0, po/jo, da/ne are also read)"
    assert judgments["fine_eur"][0] == ("≥ 0. Only on a convicting verdict (convicted, confirmed, modified). "
                                        "Decimal point, e.g. 7.5.")
    assert judgments["total_prison_months"][0] == (
        "The defendant's imprisonment for the whole judgment, all charges together, when the source records it "
        "per defendant rather than per charge. Only on a convicting verdict (convicted, confirmed, modified). "
        "Decimal point, e.g. 7.5.")
    assert "Appeal and supreme rows may leave it empty: it is taken from the first-instance row." in \
        judgments["mitigation"][0]


@pytest.fixture(scope="module")
def us_templates(tmp_path_factory) -> dict[str, Path]:
    pack.use("us-federal")
    try:
        return {p.stem: p for p in write_templates(tmp_path_factory.mktemp("us-templates"))}
    finally:
        pack.use(None)


def test_us_templates_speak_the_us_pack(us_templates, tmp_path):
    prosecutions, judgments = rules(us_templates["prosecutions"]), rules(us_templates["judgments"])
    assert prosecutions["office"][0] == ("U.S. Attorney's Office by state (USPS code) or HTPU (Human "
                                         "Trafficking Prosecution Unit, Department of Justice). "
                                         "Choose the code from the drop-down.")
    assert judgments["court"][0] == ("first: a district-level court; appeal: a circuit-level court; "
                                     "supreme: SCOTUS. Choose the code from the drop-down.")
    assert judgments["offence_code"][0].startswith(
        "As adjudicated. <LAW>.<article>[.<paragraph>], e.g. USC18.1591.b.1, or USC18.1591 when the paragraph")
    assert judgments["final"][1] == "true, false (yes/no, 1/0 are also read)"
    assert judgments["fine_usd"][0] == (
        "≥ 0. Only on a convicting verdict (convicted, affirmed, sentence_vacated, appeal_dismissed, "
        "certiorari_denied). Decimal point, e.g. 7.5.")
    assert judgments["offence_code"][1].startswith("LAW: USC18 = United States Code, Title 18")
    assert "fine_eur" not in judgments and "SPRK" not in str(prosecutions)
    birth_year = [dv for dv in load_workbook(us_templates["judgments"]).worksheets[0].data_validations.dataValidation
                  if dv.promptTitle == "birth_year"]
    assert birth_year[0].formula2 == "YEAR(TODAY())-15"  # the pack's age of criminal responsibility
