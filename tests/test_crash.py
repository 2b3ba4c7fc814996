"""Crash safety: a refresh killed at any point (SIGKILL, no clean-up) leaves the warehouse exactly as it was;
running it again gives the same warehouse and the same quality files as an uninterrupted run.

The kill points are the pipeline's fault-injection hook (pipeline/faults.py, TIPSTATS_TEST_KILL_AT), checked
only by a refresh. Each killed refresh is a real `tipstats refresh` process; the comparisons are on every
table's rows (the two timestamps of `loads` left out: they differ between any two runs).
"""
from __future__ import annotations

import os
import signal
import subprocess
import sys
from pathlib import Path

import pytest

from conftest import INV, JUD, PROS, VIC, Env, csv_text, dump
from pipeline import faults

INV2 = {**INV, "case_id": "PZ-02/2024", "person_id": "5550001", "region": "PZ"}
FEBRUARY = {"opened_on": "2024-02-03", "status_on": "2024-02-04"}


def january(env: Env) -> None:
    env.deliver("2024-01", investigations=[INV, {**INV2, "sex": "Q"}], prosecutions=[PROS], victims=[VIC])


def february_and_march(env: Env) -> None:
    env.deliver("2024-02",
                investigations=[{**INV, "status": "referred", "status_on": "2024-02-10"}, {**INV2, **FEBRUARY}],
                judgments=[JUD, {**JUD, "verdict": "guilty"}], victims=csv_text([VIC]).encode() + b"\x00")
    env.deliver("2024-03", investigations=[{**INV, "case_id": "PR-03/2024", **FEBRUARY}], prosecutions=b"")


def tipstats(env: Env, *args: str, kill_at: str | None = None, timeout: float = 120) -> subprocess.CompletedProcess:
    """`tipstats ARGS` as its own process, in the test's environment (raw/, warehouse, reports, key)."""
    environ = {**os.environ, "TIPSTATS_REPORT_ON_REFRESH": "0"}
    environ.pop(faults.KILL_AT, None)
    environ.pop(faults.PAUSE_AT, None)
    if kill_at:
        environ[faults.KILL_AT] = kill_at
    return subprocess.run([sys.executable, "-m", "pipeline.cli", *args], cwd=env.root, env=environ,
                          capture_output=True, text=True, timeout=timeout)


def comparable(warehouse: Path) -> dict[str, list[tuple]]:
    """dump() without the start and end times of each load (the only values two runs cannot share)."""
    tables = dump(warehouse)
    tables["loads"] = sorted(((row[0], row[3], row[4]) for row in tables["loads"]), key=repr)
    return tables


def files(folder: Path) -> dict[str, bytes]:
    return {str(p.relative_to(folder)): p.read_bytes() for p in sorted(folder.rglob("*")) if p.is_file()} \
        if folder.exists() else {}


@pytest.fixture
def no_reports(monkeypatch):
    monkeypatch.setenv("TIPSTATS_REPORT_ON_REFRESH", "0")


@pytest.fixture(scope="module")
def uninterrupted(tmp_path_factory):
    """The warehouse and quality files of an uninterrupted run: January, then February and March."""
    cache: dict[str, tuple] = {}

    def build(kind: str = "two_loads") -> tuple[dict, dict]:
        if kind not in cache:
            root = tmp_path_factory.mktemp(f"uninterrupted-{kind}")
            env = Env(root, root / "raw", root / "warehouse" / "tipstats.duckdb", root / "reports")
            env.raw.mkdir()
            with pytest.MonkeyPatch.context() as patch:
                for name, value in {"TIPSTATS_RAW": env.raw, "TIPSTATS_WAREHOUSE": env.warehouse,
                                    "TIPSTATS_REPORTS": env.reports}.items():
                    patch.setenv(name, str(value))
                january(env)
                if kind == "two_loads":
                    assert tipstats(env, "refresh").returncode == 0
                february_and_march(env)
                result = tipstats(env, "refresh")
                assert result.returncode == 0, result.stderr
            cache[kind] = (comparable(env.warehouse), files(env.reports))
        return cache[kind]

    return build


# ---------------------------------------------------------------------------------------------- kill points
@pytest.mark.parametrize("point", ["after_lock", "after_read", "mid_load", "mid_rebuild", "before_commit"])
def test_a_refresh_killed_before_its_commit_leaves_the_warehouse_as_it_was(env, cli, no_reports, uninterrupted,
                                                                            point):
    january(env)
    assert cli("refresh").exit_code == 0
    before, reports_before = comparable(env.warehouse), files(env.reports)
    february_and_march(env)

    killed = tipstats(env, "refresh", kill_at=point)
    assert killed.returncode == -signal.SIGKILL, killed.stderr
    assert comparable(env.warehouse) == before
    assert files(env.reports) == reports_before
    assert cli("status").exit_code == 0  # no stale lock: the warehouse is usable at once

    again = cli("refresh")
    assert again.exit_code == 0, again.stderr
    assert again.stdout.startswith("Load 2: 2 month(s) 2024-02 … 2024-03")
    assert (comparable(env.warehouse), files(env.reports)) == uninterrupted()


def test_a_refresh_killed_after_its_commit_gets_its_quality_files_from_the_next_refresh(env, cli, no_reports,
                                                                                       uninterrupted):
    january(env)
    assert cli("refresh").exit_code == 0
    february_and_march(env)
    killed = tipstats(env, "refresh", kill_at="after_commit")
    assert killed.returncode == -signal.SIGKILL
    expected_tables, expected_reports = uninterrupted()
    written = files(env.reports)
    assert not any(name.startswith(("restricted/quality/2024-02", "restricted/quality/2024-03")) for name in written)
    audit = cli("audit")  # the missing quality files are a finding until the next refresh
    findings = [line for line in audit.stdout.splitlines() if line.startswith("  [")]
    assert audit.exit_code == 1 and len(findings) == 6, audit.stdout  # five files, and the mark in meta
    assert all(line.startswith("  [quality] ") for line in findings), findings

    again = cli("refresh")
    assert again.exit_code == 0
    assert again.stdout == ("Wrote 5 quality file(s) that were missing or left unwritten by an interrupted refresh.\n"
                            "Nothing new to load (3 month(s) already loaded and unchanged).\n")
    assert (comparable(env.warehouse), files(env.reports)) == (expected_tables, expected_reports)


def test_quality_files_cut_short_by_a_kill_are_written_again(env, cli, no_reports, uninterrupted):
    january(env)
    assert cli("refresh").exit_code == 0
    february_and_march(env)
    assert tipstats(env, "refresh", kill_at="after_commit").returncode == -signal.SIGKILL
    # as if killed while writing them: one half-written, one written, the rest missing
    folder = env.reports / "restricted" / "quality" / "2024-02"
    folder.mkdir(parents=True)
    (folder / "quality-police.csv").write_text("file,line,rec")
    assert cli("refresh").exit_code == 0
    assert files(env.reports) == uninterrupted()[1]
    assert cli("refresh").stdout == "Nothing new to load (3 month(s) already loaded and unchanged).\n"


@pytest.mark.parametrize("point", ["mid_load", "mid_rebuild"])
def test_a_first_refresh_killed_leaves_nothing_loaded(env, cli, no_reports, uninterrupted, point):
    january(env)
    february_and_march(env)
    killed = tipstats(env, "refresh", kill_at=point)
    assert killed.returncode == -signal.SIGKILL
    tables = dump(env.warehouse)
    assert all(rows == [] for rows in tables.values()), {n: r for n, r in tables.items() if r}
    assert cli("refresh").exit_code == 0
    assert (comparable(env.warehouse), files(env.reports)) == uninterrupted("one_load")


def test_a_reload_killed_mid_load_leaves_the_month_as_it_was(env, cli, no_reports):
    january(env)
    february_and_march(env)
    assert cli("refresh").exit_code == 0
    env.deliver("2024-02", investigations=[{**INV2, **FEBRUARY, "status": "closed"}])
    before = comparable(env.warehouse)
    assert tipstats(env, "refresh", "--reload", "2024-02", kill_at="mid_load").returncode == -signal.SIGKILL
    assert comparable(env.warehouse) == before
    assert cli("refresh", "--reload", "2024-02").exit_code == 0
    reloaded = comparable(env.warehouse)
    assert reloaded != before
    # the same as a reload that was never interrupted
    other = env.root / "other"
    clean = Env(other, other / "raw", other / "warehouse" / "tipstats.duckdb", other / "reports")
    clean.raw.mkdir(parents=True)
    january(clean)
    february_and_march(clean)
    with pytest.MonkeyPatch.context() as patch:
        patch.setenv("TIPSTATS_RAW", str(clean.raw))
        patch.setenv("TIPSTATS_WAREHOUSE", str(clean.warehouse))
        patch.setenv("TIPSTATS_REPORTS", str(clean.reports))
        assert cli("refresh").exit_code == 0
        clean.deliver("2024-02", investigations=[{**INV2, **FEBRUARY, "status": "closed"}])
        assert cli("refresh", "--reload", "2024-02").exit_code == 0
    assert comparable(clean.warehouse) == reloaded


def test_the_kill_points_are_the_ones_documented():
    assert faults.POINTS == ("after_lock", "after_read", "mid_load", "mid_rebuild", "before_commit", "commit",
                             "after_commit", "mid_report")
