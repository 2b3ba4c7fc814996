"""One refresh at a time (docs/reliability.md, "One refresh at a time — exit code 3").

A refresh holds an exclusive `flock` on `<warehouse>.lock` from start to end (the lock file records its
process id and start time). A second refresh, and any read-only command while a refresh runs, stops with
"warehouse is busy (refresh running since …)" and exit code 3; so does a command that meets DuckDB's own
file lock (another process holding the warehouse open), instead of a DuckDB traceback. The operating
system releases the lock when the process ends, however it ends: a killed refresh leaves no stale lock.
"""
from __future__ import annotations

import contextlib
import fcntl
import os
import re
from datetime import datetime
from pathlib import Path
from typing import Iterator

EXIT_BUSY = 3
_held: set[str] = set()  # lock files this process holds (re-entrant: a caller inside a refresh may take it again)


class Busy(Exception):
    """The warehouse is in use by another process; the message says by what and since when."""

    exit_code = EXIT_BUSY


def lock_file(warehouse: Path) -> Path:
    return warehouse.with_name(warehouse.name + ".lock")


def _key(path: Path) -> str:
    return str(path.absolute())


def holds(warehouse: Path) -> bool:
    return _key(lock_file(warehouse)) in _held


def _holder(path: Path) -> str:
    """What the lock file says about the refresh holding it: 'since <time>, process <pid>'."""
    try:
        text = path.read_text(encoding="utf-8", errors="replace")
    except OSError:
        text = ""
    fields = dict(re.findall(r"^(\w+)=(.*)$", text, flags=re.MULTILINE))
    since = fields.get("started", "an unknown time")
    pid = fields.get("pid")
    return f"since {since}" + (f", process {pid}" if pid else "")


def busy_message(warehouse: Path) -> str:
    return (f"warehouse is busy (refresh running {_holder(lock_file(warehouse))}): {warehouse} is being "
            "refreshed; try again when the refresh has finished")


@contextlib.contextmanager
def refresh_lock(warehouse: Path) -> Iterator[None]:
    """Hold the refresh lock (re-entrant within the process); Busy when another process holds it."""
    path = lock_file(warehouse)
    key = _key(path)
    if key in _held:
        yield
        return
    path.parent.mkdir(parents=True, exist_ok=True)
    fd = os.open(path, os.O_RDWR | os.O_CREAT, 0o600)
    try:
        try:
            fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
        except (BlockingIOError, PermissionError):
            raise Busy(busy_message(warehouse)) from None
        os.ftruncate(fd, 0)
        started = datetime.now().isoformat(sep=" ", timespec="seconds")
        os.pwrite(fd, f"pid={os.getpid()}\nstarted={started}\n".encode(), 0)
        _held.add(key)
        try:
            yield
        finally:
            _held.discard(key)
            os.ftruncate(fd, 0)
    finally:
        os.close(fd)  # releases the lock


def refresh_running(warehouse: Path) -> bool:
    """Whether another process holds the refresh lock (probed with a shared lock, released at once)."""
    path = lock_file(warehouse)
    if _key(path) in _held or not path.exists():
        return False
    try:
        fd = os.open(path, os.O_RDONLY)
    except OSError:
        return False
    try:
        fcntl.flock(fd, fcntl.LOCK_SH | fcntl.LOCK_NB)
    except (BlockingIOError, PermissionError):
        return True
    finally:
        os.close(fd)
    return False


def check_not_busy(warehouse: Path) -> None:
    if refresh_running(warehouse):
        raise Busy(busy_message(warehouse))


def is_duckdb_lock_error(error: BaseException) -> bool:
    return "Could not set lock" in str(error) or "Conflicting lock" in str(error)


def from_duckdb(warehouse: Path, error: BaseException) -> Busy:
    """DuckDB's "Could not set lock on file … Conflicting lock is held in … (PID n)" as a Busy."""
    if refresh_running(warehouse):
        return Busy(busy_message(warehouse))
    pid = re.search(r"\(PID (\d+)\)", str(error))
    by = f"process {pid.group(1)}" if pid else "another process"
    return Busy(f"warehouse is busy (open in {by}): {warehouse} cannot be opened now; "
                "try again when that process has finished")
