"""Every failure a sentence (issue 14, defects 6 and 9): a full disk, exhausted memory, a full spill folder, an
unreadable configuration, an unexpected error and a kill during the report phase each end in one line naming
what ran out and what to do, exit 2, the warehouse as before, never a traceback; file names are printed with
their control characters escaped.

The failures are the pipeline's fault points (pipeline/faults.py, TIPSTATS_TEST_FAIL_AT), which raise the
exceptions DuckDB and Python raised on a real full tmpfs; memory limits are real; one test fills a real tmpfs
where the machine lets it mount one.
"""
from __future__ import annotations

import os
import re
import shutil
import signal
import subprocess
import sys
import pytest

from conftest import INV, JUD, VIC, Env, dump
from pipeline import faults, load
from pipeline.terminal import ERROR_LOG

NO_BROWSER = "/nonexistent/chromium"
FEBRUARY = {**INV, "case_id": "PR-02/2024", "opened_on": "2024-02-03", "status_on": "2024-02-04"}


def loaded_january(env: Env, cli) -> dict:
    """January loaded; February delivered, not loaded. Returns the warehouse as it is."""
    env.deliver("2024-01", investigations=[INV], victims=[VIC])
    assert cli("refresh").exit_code == 0
    env.deliver("2024-02", investigations=[FEBRUARY], judgments=[JUD])
    return dump(env.warehouse)


def reports_on(env: Env, monkeypatch) -> None:
    """refresh builds the reports, without a Chromium (the charts are not drawn: fast, and the same anywhere)."""
    config = env.root / "tipstats.toml"
    config.write_text(f'[charts]\nbrowser = "{NO_BROWSER}"\n', encoding="utf-8")
    monkeypatch.setenv("TIPSTATS_CONFIG", str(config))
    monkeypatch.setenv("TIPSTATS_REPORT_ON_REFRESH", "1")


# ----------------------------------------------------------------------------------------------- full disk
def test_a_commit_on_a_full_disk_says_so_and_loads_nothing(env, cli, monkeypatch):
    before = loaded_january(env, cli)
    monkeypatch.setenv(faults.FAIL_AT, "commit:disk_full")
    result = cli("refresh")
    assert (result.exit_code, result.stdout) == (2, "")
    assert result.stderr == (f"error: the disk holding the warehouse {env.warehouse} is full (No space left on "
                             "device): free space and run the refresh again; nothing was loaded\n")
    assert dump(env.warehouse) == before
    monkeypatch.delenv(faults.FAIL_AT)
    again = cli("refresh")
    assert again.exit_code == 0 and again.stdout.startswith("Load 2: 1 month(s) 2024-02 … 2024-02"), again.stderr


def test_a_warehouse_on_a_real_full_disk(env, cli, tmp_path):
    """A tmpfs of 4 MB: January fits; with 120 kB left, February's commit cannot be written."""
    if os.geteuid() != 0 or not shutil.which("mount"):
        pytest.skip("mounting a tmpfs needs root")
    disk = tmp_path / "disk"
    disk.mkdir()
    if subprocess.run(["mount", "-t", "tmpfs", "-o", "size=4m", "tmpfs", str(disk)], capture_output=True).returncode:
        pytest.skip("this machine does not let a tmpfs be mounted")
    try:
        env.warehouse = disk / "tipstats.duckdb"
        os.environ["TIPSTATS_WAREHOUSE"] = str(env.warehouse)  # the env fixture's patch restores it
        before = loaded_january(env, cli)
        filler = disk / "filler"
        free = shutil.disk_usage(disk).free
        filler.write_bytes(b"\0" * max(free - 120_000, 0))
        result = cli("refresh")
        assert (result.exit_code, result.stdout) == (2, "")
        assert result.stderr == (f"error: the disk holding the warehouse {env.warehouse} is full (No space left on "
                                 "device): free space and run the refresh again; nothing was loaded\n")
        filler.unlink()
        assert dump(env.warehouse) == before
    finally:
        subprocess.run(["umount", "-l", str(disk)], check=True)


def test_reports_on_a_full_disk_after_the_commit_say_the_load_is_in(env, cli, monkeypatch):
    reports_on(env, monkeypatch)
    env.deliver("2024-01", investigations=[INV], victims=[VIC])
    monkeypatch.setenv(faults.FAIL_AT, "mid_report:no_space")
    result = cli("refresh")
    assert result.exit_code == 2
    assert result.stdout.startswith("Load 1: 1 month(s) 2024-01 … 2024-01")
    assert result.stderr == (
        "error: load 1 is in the warehouse, but its quality files and reports were not all written: a disk written "
        "to is full (No space left on device): free space, then run `tipstats refresh` to write the missing quality "
        "files and `tipstats report` to write the reports\n")
    assert [row[0] for row in dump(env.warehouse)["loads"]] == [1]
    public = env.reports / "public" / "2024-01"
    assert not (public / "en").exists()  # the edition appears whole or not at all
    monkeypatch.delenv(faults.FAIL_AT)
    again = cli("refresh")  # nothing new to load; the edition cut short is written again
    assert again.exit_code == 0, again.stderr
    assert again.stdout.startswith("Nothing new to load (1 month(s) already loaded and unchanged).\nReport 2024-01: ")
    assert (public / "en" / "report.html").is_file()
    assert not (public / ".partial").exists()


# -------------------------------------------------------------------------------------------------- memory
@pytest.mark.parametrize("megabytes", [1, 8])
def test_a_memory_limit_too_small_for_the_refresh(env, cli, monkeypatch, megabytes):
    before = loaded_january(env, cli)
    monkeypatch.setenv("TIPSTATS_MEMORY_MB", str(megabytes))
    result = cli("refresh")
    assert (result.exit_code, result.stdout) == (2, "")
    assert result.stderr == (
        f"error: DuckDB ran out of memory at TIPSTATS_MEMORY_MB={megabytes} (spill folder {env.warehouse}.tmp): "
        "raise TIPSTATS_MEMORY_MB (default 768) as far as the machine's memory allows and run the refresh again; "
        "nothing was loaded\n")
    monkeypatch.delenv("TIPSTATS_MEMORY_MB")
    assert dump(env.warehouse) == before


def test_a_full_spill_folder(env, cli, monkeypatch):
    before = loaded_january(env, cli)
    monkeypatch.setenv(faults.FAIL_AT, "mid_load:spill_full")
    result = cli("refresh")
    assert (result.exit_code, result.stdout) == (2, "")
    assert result.stderr == (
        f"error: DuckDB used all of TIPSTATS_MEMORY_MB=768 and the spill folder {env.warehouse}.tmp is full: free "
        f"space on the disk holding {env.warehouse}.tmp, or raise TIPSTATS_MEMORY_MB and run the refresh again; "
        "nothing was loaded\n")
    assert dump(env.warehouse) == before


def test_a_read_only_command_out_of_memory(env, cli, monkeypatch):
    loaded_january(env, cli)
    monkeypatch.setenv("TIPSTATS_MEMORY_MB", "1")
    result = cli("stats", "--year", "2024")
    assert (result.exit_code, result.stdout) == (2, "")
    assert result.stderr == (
        f"error: DuckDB ran out of memory at TIPSTATS_MEMORY_MB=1 (spill folder {env.warehouse}.tmp): raise "
        "TIPSTATS_MEMORY_MB (default 768) as far as the machine's memory allows, then run the command again\n")


# ----------------------------------------------------------------------------------------- configuration
@pytest.mark.parametrize("content, message", [
    (b'[report]\ncountry = "Kosov\xeb"\n', "not UTF-8 text (byte 26 is not UTF-8): save it as UTF-8"),
    (b"[report]\noutput = 5\n", "report.output takes a string, not 5"),
    (b"[disclosure]\nk = true\n", "disclosure.k takes a whole number, not True"),
    (b"[charts\n", "not valid TOML: Expected ']' at the end of a table declaration (at line 1, column 8)"),
])
def test_an_unusable_configuration_is_one_line_naming_it(env, cli, monkeypatch, content, message):
    env.deliver("2024-01", investigations=[INV])
    assert cli("refresh").exit_code == 0
    config = env.root / "bad.toml"
    config.write_bytes(content)
    monkeypatch.setenv("TIPSTATS_CONFIG", str(config))
    result = cli("report", "--year", "2024")
    assert (result.exit_code, result.stdout, result.stderr) == (2, "", f"error: {config}: {message}\n")


def test_a_configuration_that_cannot_be_read(env, cli, monkeypatch):
    env.deliver("2024-01", investigations=[INV])
    assert cli("refresh").exit_code == 0
    monkeypatch.setenv("TIPSTATS_CONFIG", str(env.root))  # a folder
    result = cli("report", "--year", "2024")
    assert (result.exit_code, result.stderr) == (
        2, f"error: cannot read the configuration {env.root}: Is a directory: check TIPSTATS_CONFIG\n")


# ------------------------------------------------------------------------------------------ the unexpected
def test_an_unexpected_error_is_one_line_and_its_stack_is_logged_without_values(env, cli, monkeypatch):
    def boom(*args, **kwargs):
        raise ValueError("invalid literal for int() with base 10: 'PERSONX123'")

    monkeypatch.setattr(load, "refresh", boom)
    result = cli("refresh")
    log = env.warehouse.parent / ERROR_LOG
    assert (result.exit_code, result.stdout) == (2, "")
    assert re.fullmatch(r"error: tipstats stopped on an unexpected error \(ValueError at test_failures\.py line "
                        rf"\d+\); its stack is logged in {re.escape(str(log))}: please report it with that log\n",
                        result.stderr), result.stderr
    text = log.read_text(encoding="utf-8")
    assert "PERSONX123" not in text and "invalid literal" not in text
    assert "  builtins.ValueError\n" in text and re.search(r"test_failures\.py:\d+ in boom\n", text)
    assert "pipeline/cli.py" in text  # the frames, from the command down
    assert log.stat().st_mode & 0o777 == 0o600


# ------------------------------------------------------------------------------------- control characters
def test_a_file_name_with_terminal_escapes_is_printed_escaped(env, cli):
    path = env.file("2024-01/sus\x1b[2Jpects\n.csv", [INV])
    result = cli("validate", path)
    assert (result.exit_code, result.stdout) == (2, "")
    assert result.stderr == ("error: 'sus\\x1b[2Jpects\\n.csv': not named after a source (investigations, "
                             "prosecutions, judgments, victims) as .csv or .xlsx\n")


def test_a_path_with_terminal_escapes_is_printed_escaped_everywhere(env, cli):
    inbox = env.file("in\x1b]0;owned\x07box/investigations.csv", [INV])
    valid = cli("validate", inbox, "--month", "2024-01")
    assert valid.exit_code == 0
    escaped = str(inbox.parent).replace("\x1b", "\\x1b").replace("\x07", "\\x07")
    assert valid.stdout == f"{escaped}/investigations.csv: 1 rows, 1 valid, 0 rejected\n"
    missing = cli("validate", inbox.parent / "victims.csv")
    assert (missing.exit_code, missing.stderr) == (2, f"error: {escaped}/victims.csv: no such file or folder\n")


# ------------------------------------------------------------------------------------------ the report phase
def test_a_refresh_killed_while_writing_a_report_leaves_no_part_of_it_and_the_next_refresh_writes_it(
        env, cli, monkeypatch):
    reports_on(env, monkeypatch)
    env.deliver("2024-01", investigations=[INV], victims=[VIC])
    environ = {**os.environ, faults.KILL_AT: "mid_report"}
    environ.pop(faults.FAIL_AT, None)
    killed = subprocess.run([sys.executable, "-m", "pipeline.cli", "refresh"], cwd=env.root, env=environ,
                            capture_output=True, text=True, timeout=120)
    assert killed.returncode == -signal.SIGKILL, killed.stderr
    public = env.reports / "public" / "2024-01"
    assert not (public / "en").exists()  # not a folder of tables alone: nothing, until it is whole
    staged = public / ".partial" / "en"
    assert (staged / "tables").is_dir()

    audit = cli("audit")
    assert audit.exit_code == 1
    assert (f"  [reports] folder {staged.parent}: edition 2024-01 left incomplete by an interrupted run: run `tipstats "
            "refresh` or `tipstats report --month 2024-01`") in audit.stdout.splitlines(), audit.stdout

    again = cli("refresh")
    assert again.exit_code == 0, again.stderr
    assert again.stdout.startswith("Nothing new to load (1 month(s) already loaded and unchanged).\nReport 2024-01: ")
    assert not staged.exists()
    assert {p.name for p in (public / "en").iterdir()} >= {"report.html", "tables.xlsx", "tables", "revisions.csv"}
    assert "[reports]" not in cli("audit").stdout


def test_an_incomplete_edition_is_named_when_refresh_does_not_build_reports(env, cli, monkeypatch):
    reports_on(env, monkeypatch)
    env.deliver("2024-01", investigations=[INV])
    monkeypatch.setenv(faults.FAIL_AT, "mid_report:no_space")
    assert cli("refresh").exit_code == 2
    monkeypatch.delenv(faults.FAIL_AT)
    monkeypatch.setenv("TIPSTATS_REPORT_ON_REFRESH", "0")
    result = cli("refresh")
    assert (result.exit_code, result.stderr) == (
        0, "warning: report 2024-01 was left incomplete: run `tipstats report --month 2024-01`\n")


def test_a_restricted_edition_cut_short_is_found_by_audit_and_written_again_by_refresh(env, cli, monkeypatch):
    reports_on(env, monkeypatch)
    env.deliver("2024-01", investigations=[INV], victims=[VIC])
    assert cli("refresh").exit_code == 0
    monkeypatch.setenv(faults.FAIL_AT, "mid_report:no_space")
    result = cli("report", "--month", "2024-01", "--restricted")
    assert (result.exit_code, result.stderr) == (
        2, "error: a disk written to is full (No space left on device): free space, then run the command again\n")
    monkeypatch.delenv(faults.FAIL_AT)
    restricted = env.reports / "restricted" / "2024-01"
    staged = restricted / ".partial" / "en"
    assert (staged / "tables").is_dir() and not (restricted / "en" / "tables").exists()
    audit = cli("audit")
    assert (f"  [reports] folder {staged.parent}: edition 2024-01 (restricted) left incomplete by an interrupted run: run "
            "`tipstats refresh` or `tipstats report --month 2024-01 --restricted`") in audit.stdout.splitlines()
    again = cli("refresh")
    assert again.exit_code == 0, again.stderr
    assert "\nReport 2024-01 (RESTRICTED): " in again.stdout
    assert (restricted / "en" / "report.html").is_file()
    assert not (restricted / ".partial").exists()
