"""Writing tables people open in a spreadsheet: CSV and XLSX with formula injection neutralised."""
from __future__ import annotations

import re
from dataclasses import dataclass, field
from pathlib import Path

import pandas as pd

# A cell starting with one of these is run as a formula by spreadsheet programs (CSV injection).
FORMULA_STARTS = ("=", "+", "-", "@", "\t", "\r")


def neutralise(frame: pd.DataFrame) -> pd.DataFrame:
    """Prefix a quote to every text cell a spreadsheet would read as a formula; numbers are left alone."""
    out = frame.copy()
    for column in out.columns:
        values = out[column]
        if values.dtype == object or pd.api.types.is_string_dtype(values):
            text = values.astype("str")
            risky = values.notna() & text.str.startswith(FORMULA_STARTS)
            out[column] = values.where(~risky, "'" + text)
    return out


# A quoted field (quotes inside doubled), or a record's line end outside any quoted field.
QUOTED_OR_LINE_END = re.compile(r'("[^"]*(?:""[^"]*)*")|\r\n')


def write_csv(frame: pd.DataFrame, path: Path) -> Path:
    """CSV, UTF-8, records ending in "\\n"; every cell reads back exactly as written (once neutralised).

    Python's csv writer (which pandas uses) quotes a field only for the delimiter, the quote character and
    the characters of the line terminator: with "\\n" a cell holding a lone "\\r" went out unquoted, and
    every reader took that "\\r" for the end of the record. So the table is written with "\\r\\n", which
    quotes any cell holding "\\r" or "\\n", and the line ends outside quoted fields become "\\n" again
    (the "\\r\\n" inside quoted cells is kept)."""
    path.parent.mkdir(parents=True, exist_ok=True)
    text = neutralise(frame).to_csv(index=False, lineterminator="\r\n")
    text = QUOTED_OR_LINE_END.sub(lambda m: m.group(1) or "\n", text)
    path.write_bytes(text.encode("utf-8"))
    return path


@dataclass
class Sheet:
    """One worksheet: a title line above the table, the table, notes below it."""
    name: str
    frame: pd.DataFrame
    title: str = ""
    notes: list[str] = field(default_factory=list)


def write_xlsx(sheets: list[Sheet], path: Path, marking: str | None = None) -> Path:
    """A workbook, one sheet per table, text cells neutralised like CSV. With `marking` (e.g. RESTRICTED)
    every sheet starts with it and every printed page carries it in its header."""
    from openpyxl import Workbook
    from openpyxl.styles import Font

    workbook = Workbook()
    workbook.remove(workbook.active)
    bold = Font(bold=True)
    for sheet in sheets:
        ws = workbook.create_sheet(sheet_name(sheet.name))
        lines = ([marking] if marking else []) + ([sheet.title] if sheet.title else [])
        for line in lines:
            ws.append([neutral_text(line)])
            ws.cell(ws.max_row, 1).font = bold
        if lines:
            ws.append([])
        header_row = ws.max_row + 1
        frame = neutralise(sheet.frame)
        ws.append([neutral_text(str(c)) for c in frame.columns])
        for cell in ws[header_row]:
            cell.font = bold
        for row in frame.itertuples(index=False):
            ws.append([xlsx_value(v) for v in row])
        if sheet.notes:
            ws.append([])
            for note in sheet.notes:
                ws.append([neutral_text(note)])
        ws.freeze_panes = ws.cell(header_row + 1, 1)
        for column, cells in zip(range(1, frame.shape[1] + 1), ws.iter_cols(min_row=header_row)):
            width = max((len(str(c.value)) for c in cells if c.value is not None), default=8)
            ws.column_dimensions[cells[0].column_letter].width = min(max(width + 2, 8), 60)
        if marking:
            ws.oddHeader.center.text = marking
            ws.evenHeader.center.text = marking
            ws.oddFooter.center.text = marking
    path.parent.mkdir(parents=True, exist_ok=True)
    workbook.save(path)
    return path


def sheet_name(name: str) -> str:
    """Excel's rules: at most 31 characters, none of []:*?/\\."""
    return "".join("_" if c in "[]:*?/\\" else c for c in name)[:31]


def neutral_text(text: str) -> str:
    return "'" + text if text.startswith(FORMULA_STARTS) else text


def xlsx_value(value):
    """A cell as openpyxl writes it: missing → empty, numpy scalars → Python numbers, text as it is
    (already neutralised); openpyxl would store text starting with '=' as a formula, which neutralise()
    has prevented."""
    if value is None or (not isinstance(value, str) and pd.isna(value)):
        return None
    if isinstance(value, pd.Timestamp):
        return value.to_pydatetime()
    if hasattr(value, "item"):
        return value.item()
    return value
