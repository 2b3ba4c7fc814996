"""What the commands print: the consoles, the error line and exit code, table cells, the read-only warehouse."""
from __future__ import annotations

import contextlib
import datetime as dt
import sys
from typing import Iterator, NoReturn

import duckdb
import typer
from rich.console import Console
from rich.table import Table

from pipeline import load
from pipeline.settings import Settings

# markup off: paths and agency values are printed as they are, never read as rich markup
out = Console(highlight=False, markup=False, soft_wrap=True, width=None if sys.stdout.isatty() else 200)
err = Console(stderr=True, highlight=False, markup=False, soft_wrap=True)


def fail(message: str, code: int = 2) -> NoReturn:
    err.print(f"error: {message}")
    raise typer.Exit(code)


@contextlib.contextmanager
def warehouse(holding: str = "statistics") -> Iterator[duckdb.DuckDBPyConnection]:
    """The warehouse, read-only; exit 2 with one line when it, or the tables a command reads, are missing."""
    try:
        con = load.connect(Settings.from_env().warehouse, read_only=True)
    except load.RefreshError as e:
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
