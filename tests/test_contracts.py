"""Every contract rule of DATA-SPEC sections 1–3: one failing row, and the exact (line, column, check)."""
import pytest

from conftest import DEFAULTS, INV, JUD, PROS, VIC, csv_text, errors_of

LONG_ID = "X" * 41


# ---------------------------------------------------------------------------------------- one bad cell
@pytest.mark.parametrize("source, change, column, check", [
    # required
    ("investigations", {"case_id": ""}, "case_id", "required"),
    ("investigations", {"opened_on": ""}, "opened_on", "required"),
    ("prosecutions", {"decision": ""}, "decision", "required"),
    ("judgments", {"final": ""}, "final", "required"),
    ("victims", {"exploitation_form": ""}, "exploitation_form", "required"),
    # max_length
    ("investigations", {"case_id": LONG_ID}, "case_id", "max_length"),
    ("prosecutions", {"prosecution_id": LONG_ID}, "prosecution_id", "max_length"),
    ("judgments", {"judge_id": LONG_ID}, "judge_id", "max_length"),
    ("victims", {"victim_id": LONG_ID}, "victim_id", "max_length"),
    # code_list
    ("investigations", {"sex": "Q"}, "sex", "code_list"),
    ("investigations", {"region": "SPRK"}, "region", "code_list"),
    ("investigations", {"region": "Basic Court of Atlantis"}, "region", "code_list"),
    ("investigations", {"status": "pending"}, "status", "code_list"),
    ("investigations", {"citizenship": "ZZ"}, "citizenship", "code_list"),
    ("prosecutions", {"court": "SPRK"}, "court", "code_list"),
    ("prosecutions", {"decision": "convicted"}, "decision", "code_list"),
    ("judgments", {"instance": "second"}, "instance", "code_list"),
    ("judgments", {"verdict": "guilty"}, "verdict", "code_list"),
    ("judgments", {"mitigation": "remorse"}, "mitigation", "code_list"),
    ("victims", {"identified_by": "family"}, "identified_by", "code_list"),
    ("victims", {"exploitation_form": "trafficking"}, "exploitation_form", "code_list"),
    # offence_code: malformed, unknown law
    ("investigations", {"offence_code": "CCRK2019-165"}, "offence_code", "offence_code"),
    ("investigations", {"offence_code": "CCRK2019."}, "offence_code", "offence_code"),
    ("investigations", {"offence_code": "165.1"}, "offence_code", "offence_code"),
    ("prosecutions", {"offence_code": "CCRK2030.165.1"}, "offence_code", "offence_code"),
    ("judgments", {"offence_code": "CC2019.165.1"}, "offence_code", "offence_code"),
    # date_format, date_invalid
    ("investigations", {"opened_on": "2024/01/05"}, "opened_on", "date_format"),
    ("investigations", {"opened_on": "5.1.2024"}, "opened_on", "date_format"),
    ("victims", {"identified_on": "20240106"}, "identified_on", "date_format"),
    ("investigations", {"opened_on": "2023-02-30"}, "opened_on", "date_invalid"),
    ("prosecutions", {"decided_on": "31.04.2023"}, "decided_on", "date_invalid"),
    # future_date: later than the last day of the reporting month 2024-01
    ("investigations", {"status_on": "2024-02-01"}, "status_on", "future_date"),
    ("prosecutions", {"decided_on": "01.02.2024"}, "decided_on", "future_date"),
    ("victims", {"identified_on": "2024-02-01"}, "identified_on", "future_date"),
    # date_range
    ("investigations", {"opened_on": "1999-12-31"}, "opened_on", "date_range"),
    # date_order, both sources
    ("investigations", {"status_on": "2024-01-04"}, "status_on", "date_order"),
    ("judgments", {"offence_date": "2024-01-26"}, "judgment_date", "date_order"),
    # number_format
    ("investigations", {"victim_count": "2.5"}, "victim_count", "number_format"),
    ("investigations", {"birth_year": "nineteen-eighty"}, "birth_year", "number_format"),
    ("victims", {"age": "17.0"}, "age", "number_format"),
    ("judgments", {"prison_months": "seven"}, "prison_months", "number_format"),
    # range
    ("judgments", {"prison_months": "-1"}, "prison_months", "range"),
    ("judgments", {"fine_eur": "-0.5"}, "fine_eur", "range"),
    ("investigations", {"victim_count": "-1"}, "victim_count", "range"),
    ("victims", {"age": "121"}, "age", "range"),
    ("victims", {"age": "-1"}, "age", "range"),
    ("investigations", {"victim_count": "123456789012"}, "victim_count", "range"),
    ("investigations", {"birth_year": "198000000000"}, "birth_year", "range"),
    # boolean
    ("investigations", {"public_official": "maybe"}, "public_official", "boolean"),
    ("judgments", {"final": "y"}, "final", "boolean"),
    ("victims", {"sheltered": "2"}, "sheltered", "boolean"),
    # court_instance, verdict_instance
    ("judgments", {"court": "APP"}, "court", "court_instance"),
    ("judgments", {"instance": "appeal", "verdict": "confirmed"}, "court", "court_instance"),
    ("judgments", {"instance": "supreme", "court": "APP", "verdict": "confirmed"}, "court", "court_instance"),
    ("judgments", {"instance": "appeal", "court": "APP"}, "verdict", "verdict_instance"),
    ("judgments", {"verdict": "confirmed"}, "verdict", "verdict_instance"),
    ("judgments", {"instance": "supreme", "court": "SUP", "verdict": "rejected",
                   "prison_months": "", "fine_eur": ""}, "verdict", "verdict_instance"),
])
def test_one_bad_cell_is_reported_with_line_column_and_check(validate_rows, source, change, column, check):
    result = validate_rows(source, [{**DEFAULTS[source], **change}])
    assert errors_of(result) == [(2, column, check)]
    assert result.rows_read == 1 and result.rows_rejected == 1 and len(result.valid) == 0


def test_the_defaults_are_valid(validate_rows):
    for source, row in DEFAULTS.items():
        result = validate_rows(source, [row])
        assert errors_of(result) == [], source
        assert len(result.valid) == 1


def test_the_error_names_line_and_quotes_the_value_with_what_to_do(validate_rows):
    result = validate_rows("investigations", [INV, {**INV, "case_id": "PR-02/2024", "sex": "Q"}])
    error = result.errors.iloc[0]
    assert (error["line"], error["column"], error["check"], error["value"]) == (3, "sex", "code_list", "Q")
    assert error["reason"] == "sex 'Q': not in the code list (F, M, X, U)"
    assert error["record_key"] == "case_id=PR-02/2024 person_id=*** offence_code=CCRK2019.165.1"
    assert result.valid["case_id"].tolist() == ["PR-01/2024"]


def test_a_date_on_the_last_day_of_the_month_is_not_in_the_future(validate_rows):
    result = validate_rows("investigations", [{**INV, "status_on": "2024-01-31"}])
    assert errors_of(result) == []


def test_opened_on_2000_01_01_is_in_range(validate_rows):
    assert errors_of(validate_rows("investigations", [{**INV, "opened_on": "01.01.2000"}])) == []


def test_age_0_and_120_are_in_range(validate_rows):
    rows = [{**VIC, "age": "0"}, {**VIC, "case_id": "PR-02/2024", "age": "120"}]
    assert errors_of(validate_rows("victims", rows)) == []


def test_each_defect_of_a_row_is_reported_once_by_the_stage_that_names_it(validate_rows):
    result = validate_rows("judgments", [{**JUD, "offence_date": "2024-02-01", "prison_months": "-3"}])
    assert errors_of(result) == [
        (2, "judgment_date", "date_order"), (2, "offence_date", "future_date"), (2, "prison_months", "range"),
    ]
    assert result.rows_rejected == 1


# -------------------------------------------------------------------------------------------- birth_year
@pytest.mark.parametrize("birth_year, check", [("2010", []), ("2011", ["birth_year_range"]),
                                               ("1900", []), ("1899", ["birth_year_range"])])
def test_birth_year_range_investigations_reference_opened_on(validate_rows, birth_year, check):
    result = validate_rows("investigations", [{**INV, "birth_year": birth_year}])
    assert errors_of(result) == [(2, "birth_year", c) for c in check]


def test_birth_year_range_investigations_use_opened_on_not_status_on(validate_rows):
    row = {**INV, "opened_on": "2010-03-01", "status_on": "2024-01-10", "birth_year": "1997"}
    assert errors_of(validate_rows("investigations", [row])) == [(2, "birth_year", "birth_year_range")]
    assert errors_of(validate_rows("investigations", [{**row, "birth_year": "1996"}])) == []


def test_birth_year_range_prosecutions_reference_decided_on(validate_rows):
    row = {**PROS, "decided_on": "2010-06-01", "birth_year": "1997"}
    assert errors_of(validate_rows("prosecutions", [row])) == [(2, "birth_year", "birth_year_range")]
    assert errors_of(validate_rows("prosecutions", [{**row, "birth_year": "1996"}])) == []


def test_birth_year_range_judgments_reference_offence_date(validate_rows):
    row = {**JUD, "offence_date": "2010-06-01", "birth_year": "1997"}
    assert errors_of(validate_rows("judgments", [row])) == [(2, "birth_year", "birth_year_range")]
    assert errors_of(validate_rows("judgments", [{**row, "birth_year": "1996"}])) == []


def test_birth_year_range_judgments_without_offence_date_reference_judgment_date(validate_rows):
    row = {**JUD, "offence_date": "", "birth_year": "2010"}  # 2024 − 14
    assert errors_of(validate_rows("judgments", [row])) == []
    assert errors_of(validate_rows("judgments", [{**row, "birth_year": "2011"}])) == [
        (2, "birth_year", "birth_year_range")]


# ------------------------------------------------------------------------------------- sentence columns
@pytest.mark.parametrize("change, column", [
    ({"prison_months": "60"}, "prison_months"),
    ({"prison_months": "", "suspended": "true"}, "suspended"),
    ({"prison_months": "", "fine_eur": "500"}, "fine_eur"),
    ({"prison_months": "", "mitigation": "plea_agreement"}, "mitigation"),
])
def test_sentence_without_conviction(validate_rows, change, column):
    row = {**JUD, "verdict": "acquitted", "prison_months": "", "fine_eur": "", **change}
    assert errors_of(validate_rows("judgments", [row])) == [(2, column, "sentence_without_conviction")]


def test_sentence_on_a_quashed_appeal_is_rejected(validate_rows):
    row = {**JUD, "instance": "appeal", "court": "APP", "verdict": "quashed"}
    assert errors_of(validate_rows("judgments", [row])) == [(2, "prison_months", "sentence_without_conviction")]


@pytest.mark.parametrize("instance, court, verdict", [
    ("first", "PR", "convicted"), ("appeal", "APP", "confirmed"), ("appeal", "APP", "modified"),
    ("supreme", "SUP", "confirmed"), ("supreme", "SUP", "modified"),
])
def test_sentence_on_a_convicting_verdict_is_accepted(validate_rows, instance, court, verdict):
    row = {**JUD, "instance": instance, "court": court, "verdict": verdict, "prison_months": "48",
           "suspended": "true", "fine_eur": "200", "mitigation": "cooperation"}
    result = validate_rows("judgments", [row])
    assert errors_of(result) == []
    assert result.valid["prison_months"].tolist() == [48.0]


def test_an_acquittal_with_suspended_false_and_zero_prison_and_fine_is_accepted(validate_rows):
    row = {**JUD, "verdict": "acquitted", "prison_months": "0", "suspended": "false", "fine_eur": "0"}
    assert errors_of(validate_rows("judgments", [row])) == []


# ----------------------------------------------------------------------------------------- duplicate_key
def test_duplicate_key_holds_back_all_copies_with_person_ids_differing_in_case_and_spaces(validate_rows):
    rows = [
        {**INV, "person_id": "ab 12345"},
        {**INV, "person_id": "PR-99/2024"},  # another key: accepted
        {**INV, "person_id": " AB12345 ", "offence_code": "ccrk2019.165.1"},
        {**INV, "person_id": "Ab 123 45", "status": "closed"},
    ]
    result = validate_rows("investigations", rows)
    assert errors_of(result) == [(2, "", "duplicate_key"), (4, "", "duplicate_key"), (5, "", "duplicate_key")]
    assert result.valid["line"].tolist() == [3]
    reason = result.errors["reason"].iloc[0]
    assert reason == "key (case_id, person_id, offence_code) sent more than once in this file: all copies are held back"
    assert result.errors["value"].iloc[0] == "case_id=PR-01/2024 person_id=*** offence_code=CCRK2019.165.1"


def test_prosecution_decisions_are_part_of_the_key(validate_rows):
    rows = [PROS, {**PROS, "decision": "plea_agreement"}]
    assert errors_of(validate_rows("prosecutions", rows)) == []


def test_judgment_instances_are_part_of_the_key(validate_rows):
    rows = [JUD, {**JUD, "instance": "appeal", "court": "APP", "verdict": "confirmed"}]
    assert errors_of(validate_rows("judgments", rows)) == []


def test_duplicate_victims_outside_a_case_share_a_key(validate_rows):
    rows = [{**VIC, "case_id": ""}, {**VIC, "case_id": "", "age": "18"}, VIC]
    result = validate_rows("victims", rows)
    assert errors_of(result) == [(2, "", "duplicate_key"), (3, "", "duplicate_key")]
    assert result.errors["value"].tolist() == ["victim_id=*** case_id="] * 2


def test_a_row_whose_key_is_invalid_does_not_make_a_duplicate(validate_rows):
    rows = [{**VIC, "case_id": ""}, {**VIC, "case_id": LONG_ID}]
    result = validate_rows("victims", rows)
    assert errors_of(result) == [(3, "case_id", "max_length")]
    assert result.valid["line"].tolist() == [2]


# ------------------------------------------------------------------------------------------- field_count
def test_a_row_with_more_cells_than_the_header_is_rejected(validate_rows):
    header = ",".join(INV)
    line = ",".join(INV.values())
    text = f"{header}\n{line},surplus\n{line.replace('PR-01', 'PR-02')},,\n"
    result = validate_rows("investigations", text)
    assert errors_of(result) == [(2, "", "field_count")]  # empty trailing cells are no defect
    assert result.errors["reason"].iloc[0] == (
        "row: The row has more cells than the header has columns: check the delimiter and the quoting of the row.")
    assert result.valid["case_id"].tolist() == ["PR-02/2024"]


def test_a_short_row_reads_its_missing_cells_as_empty(validate_rows):
    header = ",".join(INV)
    line = ",".join(list(INV.values())[:-2])  # no status_on, no victim_count
    result = validate_rows("investigations", f"{header}\n{line}\n")
    assert errors_of(result) == [(2, "status_on", "required")]


# ---------------------------------------------------------------------------------------------- withdrawal
def test_a_withdrawal_needs_only_valid_key_columns(validate_rows):
    row = {"case_id": "PR-01/2024", "person_id": "1234567890", "offence_code": "CCRK2019.165.1",
           "opened_on": "", "region": "Atlantis", "sex": "", "status": "bogus", "status_on": "31.31.2024",
           "victim_count": "-4", "withdrawn": "po"}
    result = validate_rows("investigations", [row])
    assert errors_of(result) == []
    assert result.valid["withdrawn"].tolist() == [True]


def test_a_withdrawal_with_a_bad_key_is_rejected_for_its_key_only(validate_rows):
    row = {"case_id": "PR-01/2024", "person_id": "1234567890", "offence_code": "CCRK2019-165",
           "opened_on": "", "region": "Atlantis", "sex": "", "status": "bogus", "status_on": "",
           "withdrawn": "true"}
    result = validate_rows("investigations", [row])
    assert errors_of(result) == [(2, "offence_code", "offence_code")]


def test_a_withdrawal_without_a_required_key_column_is_rejected(validate_rows):
    row = {**VIC, "victim_id": "", "withdrawn": "yes"}
    assert errors_of(validate_rows("victims", [row])) == [(2, "victim_id", "required")]


def test_withdrawn_must_be_a_boolean(validate_rows):
    result = validate_rows("investigations", [{**INV, "withdrawn": "perhaps"}])
    assert errors_of(result) == [(2, "withdrawn", "boolean")]


# -------------------------------------------------------------------------------------------- normalising
@pytest.mark.parametrize("alias, code", [
    ("Basic Court of Prizren", "PZ"), ("Peć", "PE"), ("gjakova", "GJ"), ("Osnovni sud Uroševac", "FE"),
    ("Đakovica", "GJ"), ("Gjykata Themelore Gjilan", "GL"), ("  PRISHTINË ", "PR"), ("pr", "PR"),
    ("Kosovska  Mitrovica", "MI"),
])
def test_region_aliases_map_to_codes(validate_rows, alias, code):
    result = validate_rows("investigations", [{**INV, "region": alias}])
    assert errors_of(result) == []
    assert result.valid["region"].tolist() == [code]


def test_office_aliases_and_sprk_map_to_codes(validate_rows):
    rows = [{**PROS, "office": "Prokuroria Themelore Mitrovicë"},
            {**PROS, "office": "sprk", "person_id": "other"},
            {**PROS, "office": "Basic Prosecution Office Peja", "court": "Basic Court of Peja", "person_id": "x"}]
    result = validate_rows("prosecutions", rows)
    assert errors_of(result) == []
    assert result.valid["office"].tolist() == ["MI", "SPRK", "PE"]
    assert result.valid["court"].isna().tolist() == [True, True, False]
    assert result.valid["court"].iloc[2] == "PE"


def test_codes_are_case_insensitive_and_trimmed(validate_rows):
    row = {**INV, "sex": " m", "status": "OPEN", "exploitation_form": "Sexual ", "citizenship": "xk",
           "offence_code": "ccrk2019.165.1", "public_official": "YES"}
    result = validate_rows("investigations", [row])
    assert errors_of(result) == []
    valid = result.valid.iloc[0]
    assert (valid["sex"], valid["status"], valid["exploitation_form"], valid["citizenship"]) == (
        "M", "open", "sexual", "XK")
    assert (valid["offence_code"], valid["public_official"]) == ("CCRK2019.165.1", True)


def test_an_unknown_article_is_accepted_with_a_warning(validate_rows):
    result = validate_rows("investigations", [INV, {**INV, "offence_code": "CCRK2019.999"}])
    assert errors_of(result) == []
    assert len(result.valid) == 2
    warnings = result.warnings[["line", "column", "check", "value"]].values.tolist()
    assert warnings == [[3, "offence_code", "unknown_article", "CCRK2019.999"]]
    assert result.warnings["reason"].iloc[0] == (
        "offence_code 'CCRK2019.999': article not in the statute table; counted as group 'other' with its range unknown")


def test_a_known_article_with_an_unlisted_paragraph_is_no_warning(validate_rows):
    result = validate_rows("judgments", [{**JUD, "offence_code": "CCRK2019.165.9"}])
    assert errors_of(result) == [] and result.warnings.empty


def test_victims_have_no_offence_and_no_article_warning(validate_rows):
    result = validate_rows("victims", [VIC])
    assert errors_of(result) == [] and result.warnings.empty


# ------------------------------------------------------------------------------------------------ columns
def test_a_missing_optional_column_is_reported_and_read_as_unknown(validate_rows):
    columns = [c for c in INV if c not in ("citizenship", "victim_count")]
    result = validate_rows("investigations", csv_text([INV], columns=columns))
    assert errors_of(result) == []
    assert result.missing_columns == ["citizenship", "victim_count"]
    assert result.valid["citizenship"].isna().all() and result.valid["victim_count"].isna().all()


def test_a_missing_required_column_refuses_the_file_naming_the_column(validate_rows):
    columns = [c for c in INV if c not in ("status_on", "region")]
    result = validate_rows("investigations", csv_text([INV, {**INV, "case_id": "PR-02/2024"}], columns=columns))
    assert result.file_error == "investigations.csv: required column(s) missing: region, status_on"
    assert result.rows_read == 2 and result.rows_rejected == 2 and result.valid is None
    assert errors_of(result) == [(2, "", "file_refused"), (3, "", "file_refused")]


def test_an_extra_column_is_reported_and_ignored(validate_rows):
    result = validate_rows("investigations", [{**INV, "Remarks": "see file", "court": "PR"}])
    assert errors_of(result) == []
    assert result.extra_columns == ["court", "remarks"]
    assert "remarks" not in result.valid


def test_a_duplicated_header_refuses_the_file(validate_rows):
    text = csv_text([INV]).replace("opened_on,", "opened_on,Case ID,", 1)
    text = text.replace("2024-01-05,", "2024-01-05,PR-01/2024,", 1)
    result = validate_rows("investigations", text)
    assert result.file_error == "investigations.csv: column 'case_id' appears twice (headers 'case_id' and 'Case ID')"
    assert result.rows_rejected == 1
