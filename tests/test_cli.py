"""The `tipstats` command as a user meets it: exit codes, messages, --json, status, help."""
import json

import pytest
import typer

from conftest import INV, JUD, PROS, TEST_KEY, VIC, header_only
from pipeline import pseudonym
from pipeline.cli import app


def table_rows(text: str) -> dict[str, list[str]]:
    """The body rows of a console table, by their first cell."""
    rows = {}
    for line in text.splitlines():
        cells = [c.strip() for c in line.split("│")[1:-1]]
        if cells and cells[0] and cells[0] != "source":
            rows[cells[0]] = cells[1:]
    return rows


# -------------------------------------------------------------------------------------------- validate
def test_validate_a_valid_file_exits_0(env, cli):
    path = env.file("2024-01/investigations.csv", [INV])
    result = cli("validate", path)
    assert (result.exit_code, result.stdout, result.stderr) == (
        0, f"{path}: 1 rows, 1 valid, 0 rejected\n", "")


def test_validate_rejected_rows_exits_1_with_line_check_and_reason(env, cli):
    path = env.file("2024-01/investigations.csv", [INV, {**INV, "case_id": "PR-02/2024", "sex": "Q"},
                                                   {**INV, "case_id": "PR-03/2024", "offence_code": "CCRK2019.999"}])
    result = cli("validate", path)
    assert result.exit_code == 1
    assert result.stdout == (
        f"{path}: 3 rows, 2 valid, 1 rejected\n"
        "  line 3: [code_list] sex 'Q': not in the code list (F, M, X, U)\n"
        "  line 4: warning [unknown_article] offence_code 'CCRK2019.999': article not in the statute table; "
        "counted as group 'other' with its range unknown\n")


def test_validate_reports_dropped_missing_and_extra_columns(env, cli):
    row = {c: v for c, v in INV.items() if c != "victim_count"}
    path = env.file("2024-01/investigations.csv", [{**row, "Emri": "Agimzana", "notes": "x"}])
    result = cli("validate", path)
    assert result.exit_code == 0
    assert result.stdout.splitlines()[1:] == [
        "  identifying column(s) dropped unread: emri",
        "  optional column(s) missing, read as unknown: victim_count",
        "  extra column(s) ignored: notes",
    ]


def test_validate_a_refused_file_exits_2(env, cli):
    path = env.file("2024-01/victims.csv", b"")
    good = env.file("2024-01/investigations.csv", [{**INV, "sex": "Q"}])
    result = cli("validate", good, path)
    assert result.exit_code == 2
    assert result.stdout.splitlines()[-1] == (
        f"{path}: REFUSED: victims.csv: empty file (0 bytes), counted as not delivered")


def test_validate_a_month_folder(env, cli):
    folder = env.deliver("2024-01", investigations=[INV], judgments=header_only("judgments"), notes="x\n")
    result = cli("validate", folder)
    assert result.exit_code == 0
    assert result.stdout == (
        f"{folder}/investigations.csv: 1 rows, 1 valid, 0 rejected\n"
        f"{folder}/judgments.csv: 0 rows, 0 valid, 0 rejected\n"
        "2024-01/notes.csv: not a delivery file, ignored\n")


def test_validate_two_files_for_one_source_exits_2(env, cli):
    folder = env.deliver("2024-01", victims=[VIC])
    env.file("2024-01/victims.xlsx", b"whatever")
    result = cli("validate", folder, "--json")
    assert result.exit_code == 2
    files = json.loads(result.stdout)["files"]
    assert [(f["file"], f["file_error"]) for f in files] == [
        (f"{folder}/victims.csv", "victims.csv: two files for source victims (victims.csv and victims.xlsx); send one"),
        (f"{folder}/victims.xlsx",
         "victims.xlsx: two files for source victims (victims.csv and victims.xlsx); send one"),
    ]


def test_validate_a_file_outside_a_month_folder_needs_the_month(env, cli):
    path = env.file("inbox/investigations.csv", [INV])
    result = cli("validate", path)
    assert (result.exit_code, result.stdout) == (2, "")
    assert result.stderr == f"error: {path}: outside a month folder; give its reporting month with --month YYYY-MM\n"


def test_validate_takes_the_month_of_a_loose_file_from_month(env, cli):
    path = env.file("inbox/investigations.csv", [{**INV, "status_on": "2024-02-01"}])
    assert cli("validate", path, "--month", "2024-02").exit_code == 0
    result = cli("validate", path, "--month", "2024-01")
    assert result.exit_code == 1
    assert "  line 2: [future_date] status_on '2024-02-01': The date is after the last day" in result.stdout


@pytest.mark.parametrize("month", ["2024-13", "2024-1", "24-01", "January"])
def test_validate_refuses_a_bad_month(env, cli, month):
    path = env.file("inbox/investigations.csv", [INV])
    result = cli("validate", path, "--month", month)
    assert (result.exit_code, result.stderr) == (2, f"error: --month takes YYYY-MM, not '{month}'\n")


def test_validate_refuses_a_file_not_named_after_a_source(env, cli):
    path = env.file("2024-01/suspects.csv", [INV])
    result = cli("validate", path)
    assert (result.exit_code, result.stderr) == (2, (
        "error: suspects.csv: not named after a source (investigations, prosecutions, judgments, victims) "
        "as .csv or .xlsx\n"))


def test_validate_a_path_that_does_not_exist(env, cli):
    result = cli("validate", env.raw / "2024-01" / "victims.csv")
    assert (result.exit_code, result.stderr) == (2, f"error: {env.raw / '2024-01' / 'victims.csv'}: no such file or folder\n")


def test_validate_a_folder_that_is_not_a_month(env, cli):
    (env.raw / "latest").mkdir()
    result = cli("validate", env.raw / "latest")
    assert (result.exit_code, result.stderr) == (2, f"error: {env.raw / 'latest'}: a month folder is named YYYY-MM\n")


def test_validate_json_shape(env, cli):
    path = env.file("2024-01/judgments.csv", [{**JUD, "Full Name": "Agimzana Berishova"},
                                              {**JUD, "person_id": "other", "verdict": "acquitted"}])
    result = cli("validate", path, "--json")
    assert result.exit_code == 1
    report = json.loads(result.stdout)
    assert set(report) == {"files", "ignored"}
    [file] = report["files"]
    assert set(file) >= {"file", "source", "rows_read", "rows_valid", "rows_rejected", "dropped_columns",
                         "file_error", "errors"}
    assert (file["file"], file["source"], file["month"]) == (str(path), "judgments", "2024-01")
    assert (file["rows_read"], file["rows_valid"], file["rows_rejected"]) == (2, 1, 1)
    assert (file["dropped_columns"], file["file_error"]) == (["full_name"], None)
    assert file["errors"] == [{
        "line": 3, "column": "prison_months", "check": "sentence_without_conviction", "value": "60",
        "reason": "prison_months '60': A sentence (prison months, suspension, fine or mitigation) is given on a "
                  "verdict that does not convict: remove the sentence or correct the verdict.",
    }]


def test_validate_json_of_a_refused_file(env, cli):
    path = env.file("2024-01/prosecutions.csv", [{c: v for c, v in PROS.items() if c != "decision"}])
    result = cli("validate", path, "--json")
    assert result.exit_code == 2
    [file] = json.loads(result.stdout)["files"]
    assert (file["rows_read"], file["rows_valid"], file["rows_rejected"]) == (1, 0, 1)
    assert file["file_error"] == "prosecutions.csv: required column(s) missing: decision"
    assert file["errors"] == []


# ------------------------------------------------------------------------------------------------ status
def test_status_after_a_refresh(env, cli, refresh):
    env.deliver("2024-01", investigations=[INV, {**INV, "case_id": "PR-02/2024", "sex": "Q"}],
                judgments=header_only("judgments"), victims=[VIC])
    env.deliver("2024-02", investigations=[{**INV, "status": "closed"}], victims=b"")
    refresh()
    result = cli("status")
    assert result.exit_code == 0
    first = " ".join(result.stdout.split("\n", 2)[:2]).split("By source")[0]
    assert " ".join(first.split()) == (
        f"Warehouse {env.warehouse}: 2 month(s) loaded, 2024-01 … 2024-02; key fingerprint "
        f"{pseudonym.fingerprint(TEST_KEY.encode())}")
    # files, nil returns, not delivered, rows read, current records, versions stored, rows quarantined
    assert table_rows(result.stdout) == {
        "investigations": ["2", "0", "0", "3", "1", "2", "1"],
        "prosecutions": ["0", "0", "2", "0", "0", "0", "0"],
        "judgments": ["0", "1", "1", "0", "0", "0", "0"],
        "victims": ["1", "0", "1", "1", "1", "1", "0"],
    }


def test_status_without_a_warehouse(env, cli):
    result = cli("status")
    assert (result.exit_code, result.stderr) == (
        2, f"error: no warehouse at {env.warehouse}: run `tipstats refresh` first\n")


def test_status_when_nothing_was_loaded(env, cli):
    assert cli("refresh").stdout == "Nothing new to load (0 month(s) already loaded and unchanged).\n"
    result = cli("status")
    assert (result.exit_code, result.stderr) == (
        2, f"error: nothing loaded into {env.warehouse} yet: run `tipstats refresh`\n")


# -------------------------------------------------------------------------------------------------- help
def test_every_command_is_listed_and_has_help(cli):
    listing = cli("--help")
    assert listing.exit_code == 0
    commands = typer.main.get_command(app).commands
    assert {"refresh", "validate", "status", "template", "sample"} <= set(commands)
    for name, command in commands.items():
        assert f" {name} " in listing.stdout, name
        assert (command.help or "").strip(), f"{name} has no help text"
        result = cli(name, "--help")
        assert result.exit_code == 0, name
        assert f"Usage: tipstats {name}" in " ".join(result.stdout.split()), name
