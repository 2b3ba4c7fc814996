"""Fault injection for the crash and concurrency tests: named points of a refresh where a test can have the
process killed (SIGKILL, no clean-up of any kind) or paused.

Read only from the environment of the process, only by the pipeline; unset (always, outside tests) they do
nothing:

- TIPSTATS_TEST_KILL_AT=<point>: kill the process at that point;
- TIPSTATS_TEST_PAUSE_AT=<point>:<file>: at that point create <file>.waiting, then wait (at most 120 s)
  until <file> exists.

Points, in the order a refresh passes them: after_lock, after_read (every file validated, nothing written),
mid_load (the first file's rows inserted, inside the transaction), mid_rebuild (half the statistics models
rebuilt, inside the transaction), before_commit, after_commit (committed, the agencies' quality files not
yet written).
"""
from __future__ import annotations

import os
import signal
import sys
import time
from pathlib import Path

KILL_AT = "TIPSTATS_TEST_KILL_AT"
PAUSE_AT = "TIPSTATS_TEST_PAUSE_AT"
POINTS = ("after_lock", "after_read", "mid_load", "mid_rebuild", "before_commit", "after_commit")
PAUSE_SECONDS = 120


def checkpoint(point: str) -> None:
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
