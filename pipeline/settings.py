"""Where things are: raw deliveries, the warehouse file, reports, the key. Environment overrides defaults."""
from __future__ import annotations

import os
from dataclasses import dataclass
from pathlib import Path

REPO = Path(__file__).resolve().parents[1]
SQL_DIR = REPO / "warehouse"

# Input limits (README, Limits): a delivery larger than this is refused with one line instead of being read.
MAX_FILE_MB = 512  # TIPSTATS_MAX_FILE_MB: size of a file in MB (an .xlsx by its unpacked size)
MAX_ROWS = 5_000_000  # TIPSTATS_MAX_ROWS: data rows of a file
CHUNK_ROWS = 50_000  # TIPSTATS_CHUNK_ROWS: rows read and validated at a time
# TIPSTATS_MAX_XLSX_SECONDS: processor seconds spent unpacking and parsing one .xlsx; a workbook that takes
# longer (a zip bomb: a sheet of millions of empty elements compresses a thousandfold) is refused. A full sheet,
# 1,048,575 rows of 11 cells, takes about 40 s
MAX_XLSX_SECONDS = 300
# TIPSTATS_MAX_REASONS: rows listed with their reasons per check and file; the others are counted, so that a
# file of a million bad rows costs seconds and bounded memory, and its agency gets a list it can read
MAX_REASONS = 1_000
# TIPSTATS_MEMORY_MB: DuckDB's memory limit; past it, staged rows and large queries spill to disk beside
# the warehouse, so a refresh's memory stays bounded whatever the size of the files
MEMORY_MB = 768


def images_wanted() -> bool:
    """TIPSTATS_IMAGES=0 (or false, no, off): `tipstats report` starts no Chromium, so it draws no charts/NAME.png
    or .svg and prints no report.pdf, and says nothing about it; everything else, report.html included, is written
    exactly as with images (the page still links to the PNG and SVG files, which are not there). For the test suite
    and for a quick look at a page; unlike a missing Chromium, it leaves the page as published."""
    return os.environ.get("TIPSTATS_IMAGES", "").strip().lower() not in ("0", "false", "no", "off")


class SettingsError(ValueError):
    """An environment variable with a value the pipeline cannot use; the message names it."""


def _positive_int(name: str, default: int) -> int:
    value = os.environ.get(name, "").strip()
    if not value:
        return default
    try:
        number = int(value.replace("_", ""))
    except ValueError:
        number = 0
    if number <= 0:
        raise SettingsError(f"{name} must be a whole number greater than 0, not {value!r}")
    return number


@dataclass(frozen=True)
class Limits:
    max_file_mb: int = MAX_FILE_MB
    max_rows: int = MAX_ROWS
    chunk_rows: int = CHUNK_ROWS
    memory_mb: int = MEMORY_MB
    max_reasons: int = MAX_REASONS
    max_xlsx_seconds: int = MAX_XLSX_SECONDS

    @property
    def max_bytes(self) -> int:
        return self.max_file_mb * 1024 * 1024

    @classmethod
    def from_env(cls) -> "Limits":
        return cls(
            max_file_mb=_positive_int("TIPSTATS_MAX_FILE_MB", MAX_FILE_MB),
            max_rows=_positive_int("TIPSTATS_MAX_ROWS", MAX_ROWS),
            chunk_rows=_positive_int("TIPSTATS_CHUNK_ROWS", CHUNK_ROWS),
            memory_mb=_positive_int("TIPSTATS_MEMORY_MB", MEMORY_MB),
            max_reasons=_positive_int("TIPSTATS_MAX_REASONS", MAX_REASONS),
            max_xlsx_seconds=_positive_int("TIPSTATS_MAX_XLSX_SECONDS", MAX_XLSX_SECONDS),
        )


@dataclass(frozen=True)
class Settings:
    raw: Path
    warehouse: Path
    reports: Path
    key_file: Path | None

    @classmethod
    def from_env(cls) -> "Settings":
        env = os.environ.get
        key_file = env("TIPSTATS_KEY_FILE")
        return cls(
            raw=Path(env("TIPSTATS_RAW", "raw")),
            warehouse=Path(env("TIPSTATS_WAREHOUSE", "warehouse/tipstats.duckdb")),
            reports=Path(env("TIPSTATS_REPORTS", "reports")),
            key_file=Path(key_file) if key_file else None,
        )
