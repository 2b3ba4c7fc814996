"""Where things are: raw deliveries, the warehouse file, reports, the key. Environment overrides defaults."""
from __future__ import annotations

import os
from dataclasses import dataclass
from pathlib import Path

REPO = Path(__file__).resolve().parents[1]
SQL_DIR = REPO / "warehouse"


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
