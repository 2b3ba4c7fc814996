"""Fault injection for the crash and concurrency tests: named points of a refresh where a test can have the
process killed (SIGKILL, no clean-up of any kind) or paused.

Read only from the environment of the process, only by the pipeline; unset (always, outside tests) they do
nothing:

- TIPSTATS_TEST_KILL_AT=<point>: kill the process at that point;
- TIPSTATS_TEST_PAUSE_AT=<point>:<file>: at that point create <file>.waiting, then wait (at most 120 s)
  until <file> exists;
- TIPSTATS_TEST_FAIL_AT=<point>:<failure>: at that point raise the exception DuckDB or Python raise when a
  resource runs out (FAILURES: the texts as they were met on a full tmpfs and at a small memory limit).

Points, in the order a refresh passes them: after_lock, after_read (every file validated, nothing written),
mid_load (the first file's rows inserted, inside the transaction), mid_rebuild (half the statistics models
rebuilt, inside the transaction), before_commit, commit (the commit itself: a failure there has ended the
transaction, as DuckDB's own does), after_commit (committed, the agencies' quality files not yet written),
mid_report (an edition's tables and page written, its charts not yet drawn).
"""
from __future__ import annotations

import errno
import os
import signal
import sys
import time
from pathlib import Path

import duckdb

from pipeline.settings import Settings

KILL_AT = "TIPSTATS_TEST_KILL_AT"
PAUSE_AT = "TIPSTATS_TEST_PAUSE_AT"
FAIL_AT = "TIPSTATS_TEST_FAIL_AT"
POINTS = ("after_lock", "after_read", "mid_load", "mid_rebuild", "before_commit", "commit", "after_commit",
          "mid_report")
PAUSE_SECONDS = 120
FAILURES = {
    "disk_full": lambda warehouse: duckdb.TransactionException(
        f'TransactionContext Error: Failed to commit: Could not write file "{warehouse}.wal": No space left on device'),
    "no_space": lambda warehouse: OSError(errno.ENOSPC, os.strerror(errno.ENOSPC)),  # a write() on a full disk
    "spill_full": lambda warehouse: duckdb.OutOfMemoryException(
        "Out of Memory Error: failed to offload data block of size 256.0 KiB (0 bytes/230.3 KiB used).\n"
        "This limit was set by the 'max_temp_directory_size' setting."),
}


def checkpoint(point: str) -> None:
    name, _, failure = os.environ.get(FAIL_AT, "").partition(":")
    if name == point:
        raise FAILURES[failure](Settings.from_env().warehouse)
    if os.environ.get(KILL_AT) == point:
        sys.stdout.flush()
        sys.stderr.flush()
        os.kill(os.getpid(), signal.SIGKILL)
    pause = os.environ.get(PAUSE_AT, "")
    name, _, release = pause.partition(":")
    if name == point and release:
        release_file = Path(release)
        Path(release + ".waiting").write_text(str(os.getpid()))
        deadline = time.monotonic() + PAUSE_SECONDS
        while not release_file.exists() and time.monotonic() < deadline:
            time.sleep(0.02)


def commit(con) -> None:
    """con.commit(), with the `commit` point: a failure injected there ends the transaction first, as a
    commit DuckDB cannot write does."""
    if os.environ.get(FAIL_AT, "").partition(":")[0] == "commit":
        con.rollback()
    checkpoint("commit")
    con.commit()


def armed(point: str) -> bool:
    """Whether a test asked to stop at `point` (so a caller can set up what the point needs)."""
    return os.environ.get(KILL_AT) == point or os.environ.get(PAUSE_AT, "").partition(":")[0] == point


class MidRebuild:
    """The connection as build.rebuild sees it, with the mid_rebuild point after half of its statements."""

    def __init__(self, con, after: int):
        self._con, self._after, self._count = con, after, 0

    def execute(self, *args, **kwargs):
        self._count += 1
        if self._count == self._after:
            checkpoint("mid_rebuild")
        return self._con.execute(*args, **kwargs)

    def __getattr__(self, name):
        return getattr(self._con, name)
