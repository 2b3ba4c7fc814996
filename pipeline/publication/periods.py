"""The periods a report covers: a calendar year or a month, which ones a report builds by default, the
folders their editions go to, and which of the periods a chart draws the collection covers only in part."""
from __future__ import annotations

import re
from dataclasses import dataclass
from pathlib import Path

import duckdb
import pandas as pd

from pipeline.config import Labels
from pipeline.publication.sql import query

MONTH = re.compile(r"^\d{4}-(0[1-9]|1[0-2])$")


class ReportError(Exception):
    """A report that cannot be built as asked; the message is the one line the user sees."""


# Public editions and restricted material never share a folder, so that reports/public/ can be uploaded as it
# is: reports/public/<period>/ holds the public edition; reports/restricted/<period>/ the restricted edition,
# its suppression list and the period's quality files (`tipstats audit` checks that nothing restricted is
# anywhere else).
PUBLIC, RESTRICTED_FOLDER = "public", "restricted"


def edition_folder(output: Path, period_label: str, restricted: bool) -> Path:
    return output / (RESTRICTED_FOLDER if restricted else PUBLIC) / period_label


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
        return labels.month(self.label)

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


def collected_months(period: str, first_month: str, last_month: str) -> tuple[int, int]:
    """(months of `period` within the collection, months in `period`): the collection runs from the first
    month any source delivered to the last month loaded. `period`: "2023", "2023-Q4" or "2023-11"."""
    year = int(period[:4])
    if len(period) == 4:
        first, last = 1, 12
    elif period[5] == "Q":
        first = (int(period[6]) - 1) * 3 + 1
        last = first + 2
    else:
        first = last = int(period[5:7])
    months = [f"{year}-{m:02d}" for m in range(first, last + 1)]
    return sum(1 for m in months if first_month <= m <= last_month), len(months)


def incomplete_periods(periods, first_month: str, last_month: str) -> dict[str, tuple[int, int]]:
    """period → (months collected, months in it), for the periods the collection covers only in part: a year
    or quarter before the first delivery (2023 of November and December) or still running."""
    covered = {str(p): collected_months(str(p), first_month, last_month) for p in periods}
    return {p: c for p, c in covered.items() if c[0] < c[1]}
