"""The report's queries: one SQL file each under warehouse/, run into a data frame."""
from __future__ import annotations

import duckdb
import pandas as pd

from pipeline.settings import SQL_DIR


def query(con: duckdb.DuckDBPyConnection, name: str, params: dict | list | None = None,
          folder: str = "queries") -> pd.DataFrame:
    return con.execute((SQL_DIR / folder / f"{name}.sql").read_text(), params or {}).df()
