"""Concurrency: one refresh at a time. While a refresh runs, a second refresh and every read-only command get
one line, "warehouse is busy (refresh running since …)", and exit code 3 — never a traceback, never a
half-written warehouse; once it has finished they work again. DuckDB's own file lock (another process holding
the warehouse open) is reported the same way.

The running refresh is a real `tipstats refresh` process held inside its transaction by the pipeline's pause
hook (pipeline/faults.py, TIPSTATS_TEST_PAUSE_AT) until the test releases it.
"""
from __future__ import annotations

import os
import re
import subprocess
import sys
import time
from pathlib import Path

import pytest

from conftest import INV, JUD, PROS, VIC, Env, dump
from pipeline import faults, lock

INV2 = {**INV, "case_id": "PZ-02/2024", "person_id": "5550001", "region": "PZ"}
READERS = [
    ("status",), ("stats", "--year", "2024"), ("sentences",), ("backlog",), ("funnel",), ("audit",),
    ("report", "--month", "2024-01"),
]
BUSY = re.compile(r"^error: warehouse is busy \(refresh running since \d{4}-\d\d-\d\d \d\d:\d\d:\d\d, process \d+\)")


def environ(**extra: str) -> dict[str, str]:
    values = {**os.environ, "TIPSTATS_REPORT_ON_REFRESH": "0", **extra}
    for name in (faults.KILL_AT, faults.PAUSE_AT):
        if name not in extra:
            values.pop(name, None)
    return values


def start(env: Env, *args: str, **extra: str) -> subprocess.Popen:
    return subprocess.Popen([sys.executable, "-m", "pipeline.cli", *args], cwd=env.root, env=environ(**extra),
                            stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)


def wait_for(path: Path, process: subprocess.Popen, seconds: float = 60) -> None:
    deadline = time.monotonic() + seconds
    while not path.exists():
        if process.poll() is not None:
            raise AssertionError(f"the refresh ended early: {process.communicate()}")
        assert time.monotonic() < deadline, f"{path} never appeared"
        time.sleep(0.02)


class Paused:
    """A `tipstats refresh` process stopped at a point of its run until release()."""

    def __init__(self, env: Env, point: str, *args: str):
        self.release_file = env.root / f"release-{point}"
        self.process = start(env, "refresh", *args, **{faults.PAUSE_AT: f"{point}:{self.release_file}"})
        wait_for(Path(f"{self.release_file}.waiting"), self.process)

    def release(self) -> subprocess.CompletedProcess:
        self.release_file.touch()
        stdout, stderr = self.process.communicate(timeout=120)
        return subprocess.CompletedProcess(self.process.args, self.process.returncode, stdout, stderr)

    def kill(self) -> None:
        if self.process.poll() is None:
            self.process.kill()
            self.process.communicate()


@pytest.fixture
def paused(env):
    running: list[Paused] = []

    def pause(point: str, *args: str) -> Paused:
        running.append(Paused(env, point, *args))
        return running[-1]

    yield pause
    for p in running:
        p.kill()


@pytest.fixture
def loaded(env, cli, monkeypatch):
    """January loaded; February delivered, waiting for the next refresh."""
    monkeypatch.setenv("TIPSTATS_REPORT_ON_REFRESH", "0")
    env.deliver("2024-01", investigations=[INV], prosecutions=[PROS], judgments=[JUD], victims=[VIC])
    assert cli("refresh").exit_code == 0
    env.deliver("2024-02", investigations=[{**INV2, "opened_on": "2024-02-01", "status_on": "2024-02-02"}])
    return env


def assert_busy(result) -> None:
    assert result.exit_code == 3, (result.exit_code, result.stdout, result.stderr)
    assert BUSY.match(result.stderr), result.stderr
    assert result.stderr.count("\n") == 1 and "Traceback" not in result.stderr
    assert result.stdout == ""


# ------------------------------------------------------------------------------------------ while it runs
@pytest.mark.parametrize("point", ["after_lock", "mid_load", "mid_rebuild"])
def test_a_second_refresh_is_told_the_warehouse_is_busy(loaded, cli, paused, point):
    before = dump(loaded.warehouse)
    running = paused(point)
    assert_busy(cli("refresh"))
    second = start(loaded, "refresh")  # the real command, as a process of its own
    out, err = second.communicate(timeout=120)
    assert second.returncode == 3 and BUSY.match(err) and "Traceback" not in err and out == ""
    assert running.release().returncode == 0
    after = dump(loaded.warehouse)
    assert after != before and after["deliveries"][-1][:3] == ("2024-02", "victims", "not_delivered")
    assert cli("refresh").stdout == "Nothing new to load (2 month(s) already loaded and unchanged).\n"


def test_read_only_commands_are_told_the_warehouse_is_busy_while_a_refresh_runs(loaded, cli, paused):
    running = paused("mid_load")
    for command in READERS:
        assert_busy(cli(*command))
    assert running.release().returncode == 0
    for command in READERS:
        if command[0] != "report":  # slow (charts); it works once the refresh is over like the others
            result = cli(*command)
            assert result.exit_code == 0, (command, result.stdout, result.stderr)


def test_the_busy_message_says_since_when_and_which_process(loaded, cli, paused):
    running = paused("mid_load")
    text = lock.lock_file(loaded.warehouse).read_text()
    pid = re.search(r"^pid=(\d+)$", text, re.MULTILINE).group(1)
    started = re.search(r"^started=(.+)$", text, re.MULTILINE).group(1)
    assert int(pid) == running.process.pid
    result = cli("status")
    assert f"refresh running since {started}, process {pid})" in result.stderr
    running.release()


def test_a_busy_command_as_a_process_prints_one_line_and_no_traceback(loaded, paused):
    running = paused("mid_rebuild")
    reader = start(loaded, "stats", "--year", "2024")
    out, err = reader.communicate(timeout=120)
    assert (reader.returncode, out) == (3, "")
    assert BUSY.match(err) and err.count("\n") == 1
    running.release()


# ------------------------------------------------------------------------------------------- before, after
def test_read_only_commands_work_when_no_refresh_runs_even_after_a_killed_one(loaded, cli):
    killed = start(loaded, "refresh", **{faults.KILL_AT: "mid_load"})
    killed.communicate(timeout=120)
    assert killed.returncode == -9
    assert lock.lock_file(loaded.warehouse).read_text().startswith("pid=")  # left behind, but not held
    for command in [c for c in READERS if c[0] != "report"]:
        result = cli(*command)
        assert result.exit_code in (0, 1), (command, result.stderr)  # audit may find something: not busy
        assert "busy" not in result.stderr
    assert cli("refresh").exit_code == 0


def test_two_refreshes_at_once_load_once(loaded, cli):
    processes = [start(loaded, "refresh") for _ in range(3)]
    results = [(p.wait(timeout=120), *p.communicate()) for p in processes]
    codes = sorted(code for code, _, _ in results)
    assert codes[0] == 0 and set(codes) <= {0, 3}, results
    for code, out, err in results:
        assert "Traceback" not in err
        if code == 3:
            assert "warehouse is busy" in err
    assert [row[0] for row in dump(loaded.warehouse)["loads"]] == [1, 2]  # February loaded exactly once
    assert cli("refresh").stdout == "Nothing new to load (2 month(s) already loaded and unchanged).\n"


# ------------------------------------------------------------------------------------------ DuckDB's lock
HOLD = """
import sys, duckdb
con = duckdb.connect(sys.argv[1])
print("holding", flush=True)
sys.stdin.read()
"""


def test_duckdb_s_own_lock_is_the_same_busy_message(loaded, cli):
    holder = subprocess.Popen([sys.executable, "-c", HOLD, str(loaded.warehouse)], stdin=subprocess.PIPE,
                              stdout=subprocess.PIPE, text=True)
    try:
        assert holder.stdout.readline() == "holding\n"
        before = loaded.warehouse.read_bytes()
        for command in [("refresh",), ("status",), ("stats", "--year", "2024"), ("audit",)]:
            result = cli(*command)
            assert result.exit_code == 3, (command, result.stdout, result.stderr)
            assert result.stderr == (f"error: warehouse is busy (open in process {holder.pid}): {loaded.warehouse} "
                                     "cannot be opened now; try again when that process has finished\n")
        assert loaded.warehouse.read_bytes() == before
    finally:
        holder.communicate("")
    assert cli("refresh").exit_code == 0
