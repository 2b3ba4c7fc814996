"""Per-month quality files for each agency: the rows held back and why, ready to send back.

They name files, lines and case numbers (never a person's identifier), so they go to the restricted
folder, not with the public reports.
"""
from __future__ import annotations

from pathlib import Path

from contracts import SOURCES
from pipeline import warehouse
from pipeline.export import write_csv
from pipeline.settings import SQL_DIR, Settings

COLUMNS = ["file", "line", "record_key", "column", "check", "value", "reason"]


def quality_dir(settings: Settings, month: str) -> Path:
    return settings.reports / "restricted" / "quality" / month


def write_quality_files(settings: Settings, months: list[str]) -> list[Path]:
    """One CSV per agency that delivered in the month, listing its quarantined rows (none = all accepted)."""
    written = []
    con = warehouse.connect(settings.warehouse, read_only=True)
    try:
        for month in months:
            rows = con.execute((SQL_DIR / "load" / "quality_rows.sql").read_text(), [month]).df()
            sources = [s for (s,) in con.execute(
                "select source from deliveries where month = ? and file is not null order by source", [month]
            ).fetchall()]
            for source in sources:
                agency = SOURCES[source].agency
                path = quality_dir(settings, month) / f"quality-{agency}.csv"
                written.append(write_csv(rows.loc[rows["source"] == source, COLUMNS], path))
    finally:
        con.close()
    return written
