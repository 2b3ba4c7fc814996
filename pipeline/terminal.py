"""What the commands print: the consoles, the error line and exit code, table cells, the read-only warehouse,
and the sentence for a disk or memory that ran out."""
from __future__ import annotations

import contextlib
import datetime as dt
import errno
import os
import re
import sys
import traceback
from pathlib import Path
from typing import Iterator, NoReturn

import duckdb
import typer
from rich.console import Console
from rich.table import Table

from pipeline import warehouse as warehouses
from pipeline.settings import MEMORY_MB, Limits, Settings, SettingsError

# markup off: paths and agency values are printed as they are, never read as rich markup
out = Console(highlight=False, markup=False, soft_wrap=True, width=None if sys.stdout.isatty() else 200)
err = Console(stderr=True, highlight=False, markup=False, soft_wrap=True)

ERROR_LOG = "tipstats-errors.log"  # beside the warehouse: the stack of an unexpected error, never printed
NO_SPACE = "No space left on device"
WRITING = re.compile(r'file "([^"]+)"')  # DuckDB: Could not write file "<path>": No space left on device


def printable(text: str) -> str:
    """`text` with every control character escaped (a newline as \\n, ESC as \\x1b): a terminal acts on none
    of them, and an error stays one line."""
    return text if text.isprintable() else "".join(
        c if c.isprintable() else c.encode("unicode_escape").decode("ascii") for c in text)


def fail(message: str, code: int = 2) -> NoReturn:
    err.print(f"error: {printable(message)}")
    raise typer.Exit(code)


def chain(e: BaseException | None) -> list[BaseException]:
    """The exception, then those it arose from."""
    links: list[BaseException] = []
    while e is not None and e not in links:
        links.append(e)
        e = e.__cause__ or e.__context__
    return links


def exhausted(e: BaseException, settings: Settings) -> tuple[str, str] | None:
    """(what ran out, what to do) when `e`, or an exception it arose from (e.g. a model's failure wrapping
    DuckDB's), is a full disk, a full spill folder or exhausted memory; else None. Only paths and settings are
    named: the exception's own text may quote delivered values."""
    return next(filter(None, (_exhausted(link, settings) for link in chain(e))), None)


def _exhausted(e: BaseException, settings: Settings) -> tuple[str, str] | None:
    spill = Path(f"{settings.warehouse}.tmp")  # DuckDB's temp_directory, left at its default
    try:
        megabytes = Limits.from_env().memory_mb
    except SettingsError:  # an unusable value: DuckDB ran at its default
        megabytes = MEMORY_MB
    memory = f"TIPSTATS_MEMORY_MB={megabytes}"
    text = str(e) if isinstance(e, duckdb.Error) else ""
    if (isinstance(e, OSError) and e.errno == errno.ENOSPC) or NO_SPACE in text:
        found = WRITING.search(text)
        where = str(e.filename) if isinstance(e, OSError) and e.filename else found.group(1) if found else None
        if where and where.startswith(str(spill)):
            return (f"the spill folder {spill} is full (No space left on device)",
                    f"free space on its disk, or raise TIPSTATS_MEMORY_MB (now {megabytes}) if the machine has "
                    "the memory")
        if where and where.startswith(str(settings.warehouse)):
            where = f"the warehouse {settings.warehouse}"
        disk = f"the disk holding {where}" if where else "a disk written to"
        return f"{disk} is full (No space left on device)", "free space"
    if isinstance(e, duckdb.OutOfMemoryException):
        if "max_temp_directory_size" in text:  # memory full, and the spill folder's disk too
            return (f"DuckDB used all of {memory} and the spill folder {spill} is full",
                    f"free space on the disk holding {spill}, or raise TIPSTATS_MEMORY_MB")
        return (f"DuckDB ran out of memory at {memory} (spill folder {spill})",
                f"raise TIPSTATS_MEMORY_MB (default {MEMORY_MB}) as far as the machine's memory allows")
    if isinstance(e, MemoryError):
        return "the machine ran out of memory", "close other programs, or lower TIPSTATS_CHUNK_ROWS"
    return None


def log_error(e: BaseException, settings: Settings, command: str) -> Path | None:
    """Append the exception's type and stack frames (file, line, function) to the error log beside the
    warehouse; None if it cannot be written. No exception message and no local value is logged: a message
    may quote a delivered value, and the log must hold no identifier."""
    lines = [f"{dt.datetime.now().isoformat(timespec='seconds')} tipstats {command}"]
    for link in chain(e):
        lines.append(f"  {type(link).__module__}.{type(link).__qualname__}")
        lines += [f"    {f.filename}:{f.lineno} in {f.name}" for f in traceback.extract_tb(link.__traceback__)]
    path = settings.warehouse.parent / ERROR_LOG
    try:
        path.parent.mkdir(parents=True, exist_ok=True)
        # readable by the operator alone, like the warehouse's key file
        with open(path, "a", encoding="utf-8", opener=lambda p, flags: os.open(p, flags, 0o600)) as f:
            f.write("\n".join(lines) + "\n")
    except OSError:
        return None
    return path


@contextlib.contextmanager
def warehouse(holding: str = "statistics") -> Iterator[duckdb.DuckDBPyConnection]:
    """The warehouse, read-only; exit 2 with one line when it, or the tables a command reads, are missing."""
    try:
        con = warehouses.connect(Settings.from_env().warehouse, read_only=True)
    except warehouses.RefreshError as e:
        fail(str(e))
    with con:
        try:
            yield con
        except duckdb.CatalogException:
            fail(f"the warehouse has no {holding} yet: run `tipstats refresh` to build it")


def cell(value, empty: str = "–", number: str = "{:g}") -> str:
    if value is None:
        return empty
    if isinstance(value, bool):
        return "yes" if value else "no"
    if isinstance(value, float):
        return number.format(value)
    if isinstance(value, dt.date):
        return value.isoformat()
    return str(value)


def records(columns: list[str], rows: list[tuple]) -> list[dict]:
    """Rows as JSON-ready objects (dates as ISO text)."""
    return [{c: v.isoformat() if isinstance(v, dt.date) else v for c, v in zip(columns, row)} for row in rows]


def table(title: str, headers: list[str], rows: list[tuple], **cell_format) -> Table:
    shown = Table(*headers, title=title)
    for row in rows:
        shown.add_row(*[cell(v, **cell_format) for v in row])
    return shown
