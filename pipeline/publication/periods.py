"""The periods a report covers: a calendar year or a month, and which ones a report builds by default."""
from __future__ import annotations

import re
from dataclasses import dataclass

import duckdb
import pandas as pd

from pipeline.config import Labels
from pipeline.publication.sql import query

MONTH = re.compile(r"^\d{4}-(0[1-9]|1[0-2])$")


class ReportError(Exception):
    """A report that cannot be built as asked; the message is the one line the user sees."""


@dataclass(frozen=True)
class Period:
    kind: str  # "year" or "month"
    label: str  # "2025", "2026-10": the folder name
    year: int
    first_month: str
    last_month: str

    @classmethod
    def of_year(cls, year: int) -> "Period":
        return cls("year", str(year), year, f"{year}-01", f"{year}-12")

    @classmethod
    def of_month(cls, month: str) -> "Period":
        return cls("month", month, int(month[:4]), month, month)

    def name(self, labels: Labels) -> str:
        if self.kind == "year":
            return self.label
        return labels.text("period.month", month=labels[f"month.{self.label[5:]}"], year=self.year)

    @property
    def months(self) -> list[str]:
        return [f"{self.year}-{m:02d}" for m in range(int(self.first_month[5:]), int(self.last_month[5:]) + 1)]

    @property
    def victim_year_end(self) -> int:
        """Victims are published by calendar year only. A monthly report shows the complete years before
        its own: a year to date would give each month away by difference with last month's report."""
        return self.year if self.kind == "year" else self.year - 1


def default_periods(con: duckdb.DuckDBPyConnection) -> list[Period]:
    """The latest complete year in the data (January to December within the months loaded) and the
    latest month loaded."""
    as_of = query(con, "report_as_of").iloc[0]
    if pd.isna(as_of["last_month"]):
        return []
    first, last = str(as_of["first_month"]), str(as_of["last_month"])
    year = int(last[:4]) if last.endswith("-12") else int(last[:4]) - 1
    return ([Period.of_year(year)] if f"{year}-01" >= first else []) + [Period.of_month(last)]


def years(first: int, last: int) -> list[str]:
    return [str(y) for y in range(first, last + 1)]
