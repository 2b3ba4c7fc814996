"""pipeline.export.write_csv: every cell reads back exactly as written (formulas neutralised), whatever line
breaks, quotes or delimiters it holds; records end in "\\n"."""
from __future__ import annotations

import csv
import io

import pandas as pd

from pipeline.export import FORMULA_STARTS, neutralise, write_csv

CELLS = [
    "plain", "", "a\rb", "ends\r", "\r", "a\nb", "a\r\nb", "\r\n", "\n\r", "a\r\rb\n\nc", 'say "hi"', '"', '""',
    'x,"y"\r\nz', "a,b", "a;b", "a\tb", " padded ", "=1+1", "+cmd", "-2+3", "@SUM(A1)", "\tx", "\rx", "\r\n=x",
    "Nënë Tereza", "ﬁ ligature ١٩٨٠",
]
# what each cell must read back as: formula starts get the quote prefix, nothing else changes
EXPECTED = ["'" + c if c.startswith(FORMULA_STARTS) else c for c in CELLS]


def frame() -> pd.DataFrame:
    return pd.DataFrame({"text": CELLS, "n": range(-2, len(CELLS) - 2), 'odd\r"head,er': ["x\r"] * len(CELLS)})


def test_cells_round_trip_through_python_csv(tmp_path):
    path = write_csv(frame(), tmp_path / "t.csv")
    with open(path, encoding="utf-8", newline="") as f:
        rows = list(csv.reader(f))
    assert rows[0] == ["text", "n", 'odd\r"head,er']
    assert [r[0] for r in rows[1:]] == EXPECTED
    assert [r[1] for r in rows[1:]] == [str(n) for n in range(-2, len(CELLS) - 2)]  # numbers left alone
    assert [r[2] for r in rows[1:]] == ["x\r"] * len(CELLS)
    assert len(rows) == len(CELLS) + 1


def test_cells_round_trip_through_pandas(tmp_path):
    path = write_csv(frame(), tmp_path / "t.csv")
    back = pd.read_csv(path, dtype=str, keep_default_na=False, encoding="utf-8")
    assert list(back.columns) == ["text", "n", 'odd\r"head,er']
    assert back["text"].tolist() == EXPECTED
    assert back["n"].tolist() == [str(n) for n in range(-2, len(CELLS) - 2)]
    assert back['odd\r"head,er'].tolist() == ["x\r"] * len(CELLS)
    assert back.equals(neutralise(frame()).astype(str))


def test_a_lone_carriage_return_is_quoted_and_records_end_in_a_line_feed(tmp_path):
    cells = pd.DataFrame({"text": ["plain", "a\rb", "a\r\nb", 'q"', "=x"], "n": [1, 2, 3, 4, -5]})
    path = write_csv(cells, tmp_path / "t.csv")
    assert path.read_bytes() == b'text,n\nplain,1\n"a\rb",2\n"a\r\nb",3\n"q""",4\n\'=x,-5\n'


def test_missing_values_and_an_empty_table(tmp_path):
    path = write_csv(pd.DataFrame({"a": ["x\ry", None], "b": [1.5, None]}), tmp_path / "m.csv")
    assert path.read_bytes() == b'a,b\n"x\ry",1.5\n,\n'
    assert list(csv.reader(io.StringIO(path.read_bytes().decode("utf-8"), newline=""))) == [["a", "b"], ["x\ry", "1.5"], ["", ""]]
    empty = write_csv(pd.DataFrame({"a": [], "b\r": []}), tmp_path / "e.csv")
    assert empty.read_bytes() == b'a,"b\r"\n'
