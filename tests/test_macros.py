"""The SQL macros the models share (warehouse/macros.sql)."""
from __future__ import annotations

from datetime import date

import duckdb
from hypothesis import given, settings, strategies as st

from pipeline.settings import SQL_DIR

ROWS = st.lists(st.tuples(
    st.integers(0, 7),  # rank
    st.none() | st.dates(date(1, 1, 1), date(9999, 12, 31)),
    st.builds(lambda y, m: f"{y:04d}-{m:02d}", st.integers(2000, 2200), st.integers(1, 12)),
    st.integers(1, 2**31 - 1),  # load_id
    st.integers(1, 2**31 - 1),  # line
), min_size=1, max_size=30, unique_by=lambda r: r[2:])


@settings(max_examples=60, deadline=None, derandomize=True, database=None)
@given(rows=ROWS)
def test_row_order_sorts_as_the_order_by_it_replaces(rows):
    """arg_min(x, row_order(...)) must pick the row that first(x order by date, month, load_id, line) picks:
    dates ascending with the empty ones last, then month, load and line; ranked_row_order puts a rank first."""
    con = duckdb.connect()
    con.execute((SQL_DIR / "macros.sql").read_text())
    con.execute("create table t (rank integer, d date, month varchar, load_id integer, line integer)")
    con.executemany("insert into t values (?, ?, ?, ?, ?)", rows)
    by_macro = con.execute("select rank, d, month, load_id, line from t "
                           "order by ranked_row_order(rank, d, month, load_id, line)").fetchall()
    by_columns = con.execute("select rank, d, month, load_id, line from t "
                             "order by rank, d nulls last, month, load_id, line").fetchall()
    assert by_macro == by_columns
    first = con.execute("select arg_min(line, row_order(d, month, load_id, line)), "
                        "first(line order by d nulls last, month, load_id, line) from t").fetchone()
    assert first[0] == first[1]
