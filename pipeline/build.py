"""Rebuild the statistics: run the model files of warehouse/ in layer order (staging → core → marts)."""
from __future__ import annotations

from pathlib import Path

import duckdb

from pipeline.settings import SQL_DIR

LAYERS = ("staging", "core", "marts")


def model_files() -> list[Path]:
    """Within a layer, files run in name order; a model that reads another of its layer sorts after it."""
    return [p for layer in LAYERS for p in sorted((SQL_DIR / layer).glob("*.sql"))]


def rebuild(con: duckdb.DuckDBPyConnection) -> list[str]:
    names = []
    for path in model_files():
        con.execute(path.read_text())
        names.append(path.stem)
    return names
