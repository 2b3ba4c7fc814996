"""Hostile CSV input, second round (issue "Hostile input, second round"): each reproduction of the issue's
CSV defects and misleading messages, as it was found."""
from __future__ import annotations

import os

import pytest

from conftest import INV, JUD, MONTH, TEST_KEY, VIC, csv_text, errors_of, header_only
from pipeline import pseudonym


# ------------------------------------------------------------------ defect 1: a field over 1 MiB, uneven row
HUGE_UNEVEN = (header_only("victims") + "V1," + "x" * 1_048_577 + "\n").encode()
HUGE_CELL_REFUSAL = ("victims.csv: line 2: unreadable CSV (a cell longer than 1,048,576 characters); check the "
                     "quoting of that line")


def test_a_huge_cell_in_an_uneven_row_refuses_the_file_with_one_line(validate_rows):
    result = validate_rows("victims", HUGE_UNEVEN)
    assert result.file_error == HUGE_CELL_REFUSAL
    assert (result.rows_read, result.delivered) == (0, False)


def test_a_huge_cell_in_a_later_month_does_not_block_the_months_beside_it(env, cli, query):
    env.deliver("2024-01", victims=[VIC])
    env.deliver("2024-02", victims=HUGE_UNEVEN)
    result = cli("refresh")
    assert result.exit_code == 0, result.stderr
    assert "Traceback" not in result.stdout + result.stderr
    assert f"2024-02 victims.csv refused: {HUGE_CELL_REFUSAL}" in result.stdout
    assert query("select month, status from deliveries where source = 'victims' order by month") == [
        ("2024-01", "delivered"), ("2024-02", "not_delivered")]
    assert query("select count(*) from victims") == [(1,)]


# ------------------------------------------------------------------ defect 4: numbers of thousands of digits
@pytest.mark.parametrize("column", ["prison_months", "fine_eur"])
def test_a_decimal_of_4301_digits_is_rejected_not_stored_as_missing(validate_rows, column):
    result = validate_rows("judgments", [{**JUD, column: "9" * 4_301}])
    assert errors_of(result) == [(2, column, "range")]
    assert result.rows_valid == 0


def test_a_huge_birth_year_says_the_number_is_too_long(validate_rows):
    result = validate_rows("investigations", [{**INV, "birth_year": "1" * 5_000}])
    assert errors_of(result) == [(2, "birth_year", "range")]
    assert result.errors["reason"].str.endswith(
        "more than 9 digits before the decimal mark): correct it.").all()


def test_leading_zeros_do_not_make_a_number_too_long(validate_rows):
    result = validate_rows("judgments", [{**JUD, "prison_months": "0000000000060.5"}])
    assert errors_of(result) == []
    assert result.valid["prison_months"].tolist() == [60.5]


# --------------------------------------------------------------------- defect 5: bounds that hold
def test_blank_rows_count_against_the_row_limit(validate_rows, monkeypatch):
    monkeypatch.setenv("TIPSTATS_MAX_ROWS", "10")
    result = validate_rows("victims", header_only("victims") + ",\n" * 11)
    assert result.file_error == ("victims.csv: more than 10 rows, over the limit (TIPSTATS_MAX_ROWS); refused: "
                                 "split the delivery or raise the limit")


def test_blank_rows_within_the_limit_are_a_nil_return(validate_rows, monkeypatch):
    monkeypatch.setenv("TIPSTATS_MAX_ROWS", "10")
    result = validate_rows("victims", header_only("victims") + ",\n" * 10)
    assert (result.file_error, result.rows_read, result.delivered) == (None, 0, True)


def bad_rows(n: int) -> list[dict]:
    return [{**VIC, "victim_id": f"VX{i:05d}", "sex": "Q"} for i in range(n)]


@pytest.mark.parametrize("chunk_rows", ["100000", "700"])
def test_reasons_are_listed_up_to_the_cap_per_check_and_the_rest_counted(validate_rows, monkeypatch, chunk_rows):
    monkeypatch.setenv("TIPSTATS_MAX_REASONS", "1000")
    monkeypatch.setenv("TIPSTATS_CHUNK_ROWS", chunk_rows)
    rows = bad_rows(2_500)
    for row in rows[:3]:
        row["identified_on"] = "someday"  # a second check, under its cap
    result = validate_rows("victims", rows)
    assert (result.rows_read, result.rows_valid, result.rows_rejected) == (2_500, 0, 2_500)
    listed = result.errors[result.errors["check"] != "unlisted"]
    assert listed["check"].value_counts().to_dict() == {"code_list": 1_000, "date_format": 3}
    assert listed.loc[listed["check"] == "code_list", "line"].tolist() == list(range(2, 1_002))
    summary = result.errors[result.errors["check"] == "unlisted"]
    assert summary["unlisted"].tolist() == [1_500]
    assert summary["reason"].tolist() == [
        "1,500 more rejected rows are not listed: only the first 1,000 rows failing each check are "
        "(TIPSTATS_MAX_REASONS); code_list 1,500 more. Correct the rows listed, look for the same mistake in "
        "the others, and send the file again"]


def test_duplicates_across_chunks_are_capped_too(validate_rows, monkeypatch):
    monkeypatch.setenv("TIPSTATS_MAX_REASONS", "5")
    monkeypatch.setenv("TIPSTATS_CHUNK_ROWS", "4")
    result = validate_rows("victims", [VIC] * 12)  # one key twelve times: every copy held back
    assert (result.rows_read, result.rows_rejected) == (12, 12)
    listed = result.errors[result.errors["check"] == "duplicate_key"]
    assert len(listed) == 5
    assert result.errors.loc[result.errors["check"] == "unlisted", "unlisted"].tolist() == [7]


def test_a_refused_file_lists_its_first_lines_and_counts_the_rest(validate_rows, monkeypatch):
    monkeypatch.setenv("TIPSTATS_MAX_REASONS", "3")
    text = csv_text([{k: v for k, v in VIC.items() if k != "victim_id"}] * 8)  # a required column missing
    result = validate_rows("victims", text)
    assert result.file_error == "victims.csv: required column(s) missing: victim_id"
    assert result.rows_rejected == 8
    assert result.errors["line"].tolist()[:3] == [2, 3, 4]
    assert result.errors.loc[result.errors["check"] == "unlisted", "unlisted"].tolist() == [5]


def test_capped_reasons_still_account_for_every_row_in_the_load_log(env, cli, query, monkeypatch):
    monkeypatch.setenv("TIPSTATS_MAX_REASONS", "10")
    env.deliver(MONTH, victims=bad_rows(25) + [VIC])
    assert cli("refresh").exit_code == 0
    assert query("select rows_read, rows_new, rows_quarantined from load_log") == [(26, 1, 25)]
    assert query("select count(*) filter (where \"check\" = 'code_list'), sum(unlisted) from quarantine") == [(10, 15)]
    audit = cli("audit")
    assert (audit.exit_code, audit.stdout.splitlines()[0].endswith(": no findings")) == (0, True), audit.stdout


# ------------------------------------------------------------ defect 7: identifiers that change silently
SPELLINGS = ["V9000001", " v9000001 ", "V\u200b9000001", "\ufeffV9000001", "Ｖ９０００００１", "V 9000001",
             "V\u00a09000001", "V9000001\u00ad", "v\u20609000001\u200d"]


def test_nine_spellings_of_one_victim_are_one_pseudonym(validate_rows):
    rows = [{**VIC, "victim_id": spelling, "case_id": f"PR-{i:02d}/2024"} for i, spelling in enumerate(SPELLINGS)]
    result = validate_rows("victims", rows)
    assert errors_of(result) == []
    assert set(result.valid["victim_id"]) == {"V9000001"}


def test_a_bom_at_the_start_of_every_line_changes_no_identifier(validate_rows):
    plain = csv_text([VIC, {**VIC, "victim_id": "VICTIM-0008"}])
    result = validate_rows("victims", "".join("\ufeff" + line for line in plain.splitlines(keepends=True)))
    assert errors_of(result) == []
    assert result.valid["victim_id"].tolist() == ["VICTIM-0007", "VICTIM-0008"]


def test_the_pseudonym_of_a_spelling_is_the_pseudonym_of_the_identifier(env, cli, query):
    env.deliver(MONTH, victims=[{**VIC, "victim_id": "Ｖ９０００００１\u200b"}])
    assert cli("refresh").exit_code == 0
    expected = pseudonym.pseudonymise(__import__("pandas").Series(["V9000001"]), TEST_KEY.encode())[0]
    assert query("select victim_key from victims") == [(expected,)]


def test_a_double_bom_is_read_as_one(validate_rows):
    result = validate_rows("victims", b"\xef\xbb\xbf\xef\xbb\xbf" + csv_text([VIC]).encode())
    assert (result.file_error, errors_of(result)) == (None, [])
    assert result.valid["victim_id"].tolist() == ["VICTIM-0007"]


# ------------------------------------------------------------------------------------- misleading messages
@pytest.mark.parametrize("codec, wide", [("utf-16", "UTF-16"), ("utf-16-le", "UTF-16"), ("utf-16-be", "UTF-16"),
                                         ("utf-32", "UTF-32"), ("utf-32-le", "UTF-32")])
def test_utf16_and_utf32_text_is_named(validate_rows, codec, wide):
    result = validate_rows("victims", csv_text([VIC]).encode(codec))
    assert result.file_error == (f"victims.csv: {wide} text, which is not read: save it as UTF-8 (in Excel: CSV "
                                 "UTF-8) or Windows-1250")


def test_nul_bytes_in_other_text_still_say_so(validate_rows):
    result = validate_rows("victims", csv_text([VIC]).encode() + b"\x00")
    assert result.file_error == "victims.csv: contains NUL bytes, not a text file"


def test_a_utf8_file_with_one_windows_1250_line_names_the_line(validate_rows):
    lines = [csv_text([{**VIC, "victim_id": f"V{i}", "citizenship": "AL"}]).splitlines()[1] for i in range(5)]
    content = (header_only("victims") + "\n".join(lines[:3])).encode()
    content += "\nV9,PR-01/2024,2024-01-06,police,F,17,XK,sexual,yes,no,Prishtinë\n".encode("utf-8")
    content += "V10,PR-01/2024,2024-01-06,police,F,17,XK,sexual,yes,no,Prishtinë\n".encode("cp1250")
    result = validate_rows("victims", content)
    assert result.file_error == ("victims.csv: line 6: not UTF-8, while the rest of the file is: the file mixes two "
                                 "encodings; save it as UTF-8 again")


def test_a_windows_1250_first_line_in_a_utf8_file_is_named_too(validate_rows):
    lines = [f"V{i},PR-01/2024,2024-01-06,police,F,17,XK,sexual,yes,no,Prishtinë\n" for i in range(3)]
    content = header_only("victims").encode() + lines[0].encode("cp1250") + "".join(lines[1:]).encode()
    result = validate_rows("victims", content)
    assert result.file_error == ("victims.csv: line 2: not UTF-8, while the rest of the file is: the file mixes two "
                                 "encodings; save it as UTF-8 again")


def test_a_windows_1250_file_without_utf8_letters_is_still_read(validate_rows):
    result = validate_rows("investigations", csv_text([{**INV, "region": "Uroševac"}]).encode("cp1250"))
    assert (result.encoding, errors_of(result)) == ("cp1250", [])


@pytest.mark.skipif(not hasattr(os, "mkfifo"), reason="no named pipes on this system")
def test_a_named_pipe_is_refused_unread(tmp_path):
    from pipeline.validate import validate_file, validate_month

    folder = tmp_path / MONTH
    folder.mkdir()
    os.mkfifo(folder / "victims.csv")
    (folder / "judgments.csv").symlink_to("/dev/zero")
    assert validate_file(folder / "victims.csv", MONTH).file_error == (
        "victims.csv: a named pipe (FIFO), not a regular file; not read: deliver the file itself")
    by_source = validate_month(folder).by_source()
    assert by_source["judgments"].file_error == (
        "judgments.csv: a device, not a regular file; not read: deliver the file itself")
    assert by_source["victims"].delivered is False


def test_validate_prints_and_counts_the_unlisted_rows(env, cli, monkeypatch):
    monkeypatch.setenv("TIPSTATS_MAX_REASONS", "5")
    path = env.file(f"{MONTH}/victims.csv", csv_text(bad_rows(12)))
    text = cli("validate", path)
    assert text.exit_code == 1
    assert text.stdout.splitlines()[-1] == (
        "  [unlisted] 7 more rejected rows are not listed: only the first 5 rows failing each check are "
        "(TIPSTATS_MAX_REASONS); code_list 7 more. Correct the rows listed, look for the same mistake in the "
        "others, and send the file again")
    as_json = __import__("json").loads(cli("validate", path, "--json").stdout)["files"][0]
    assert (as_json["rows_rejected"], as_json["rows_unlisted"], len(as_json["errors"])) == (12, 7, 6)
