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


def write_csv(frame: pd.DataFrame, path: Path, preamble: list[str] = ()) -> Path:
    """CSV, UTF-8, records ending in "\\n"; every cell reads back exactly as written (once neutralised).

    Python's csv writer (which pandas uses) quotes a field only for the delimiter, the quote character and
    the characters of the line terminator: with "\\n" a cell holding a lone "\\r" went out unquoted, and
    every reader took that "\\r" for the end of the record. So the table is written with "\\r\\n", which
    quotes any cell holding "\\r" or "\\n", and the line ends outside quoted fields become "\\n" again
    (the "\\r\\n" inside quoted cells is kept)."""
    path.parent.mkdir(parents=True, exist_ok=True)
    lines = pd.DataFrame({"line": list(preamble)}, dtype=object)  # lines above the table, one field each
    text = (neutralise(lines).to_csv(index=False, header=False, lineterminator="\r\n") if preamble else "") \
        + neutralise(frame).to_csv(index=False, lineterminator="\r\n")
    text = QUOTED_OR_LINE_END.sub(lambda m: m.group(1) or "\n", text)
    path.write_bytes(text.encode("utf-8"))
    return path


@dataclass
class Sheet:
    """One worksheet: a title line above the table, the table, notes below it. `link_column`: a column whose
    cells name other sheets of the workbook, each linked to its sheet (a contents sheet)."""
    name: str
    frame: pd.DataFrame
    title: str = ""
    notes: list[str] = field(default_factory=list)
    link_column: str | None = None


MAX_WIDTH = 60  # characters: a wider column's cells wrap instead
INTEGER, DECIMAL = "0", "0.0"  # years must not read "2,025"; measures and percentages (0–100) one decimal


def write_xlsx(sheets: list[Sheet], path: Path, marking: str | None = None) -> Path:
    """A workbook, one sheet per table, text cells neutralised like CSV: bold header with the panes frozen
    under it (and repeated on every printed page), columns as wide as their cells up to MAX_WIDTH (wider
    ones wrap), whole numbers as integers, other numbers rounded to one decimal, title and notes wrapped
    across the table's width, A4 landscape fitted to the page width. With `marking` (e.g. RESTRICTED) every
    sheet starts with it and every printed page carries it in its header."""
    from openpyxl import Workbook
    from openpyxl.styles import Alignment, Font
    from openpyxl.utils import get_column_letter
    from openpyxl.worksheet.hyperlink import Hyperlink

    workbook = Workbook()
    workbook.remove(workbook.active)
    bold = Font(bold=True)
    wrap = Alignment(wrap_text=True, vertical="top")
    names = {sheet.name: sheet_name(sheet.name) for sheet in sheets}
    for sheet in sheets:
        ws = workbook.create_sheet(names[sheet.name])
        frame = neutralise(sheet.frame)
        columns = max(frame.shape[1], 1)
        rows = [[xlsx_value(v) for v in row] for row in frame.itertuples(index=False)]
        header = [neutral_text(str(c)) for c in frame.columns]
        widths = [max(min(max([len(header[i])] + [len(cell_shown(r[i])) for r in rows]) + 2, MAX_WIDTH), 8)
                  for i in range(frame.shape[1])]
        for i, width in enumerate(widths, start=1):
            ws.column_dimensions[get_column_letter(i)].width = width
        span = sum(widths) or MAX_WIDTH
        # a number column: integers when every value is whole, else every value to one decimal
        decimal = [frame.dtypes.iloc[i].kind == "f" and any(isinstance(r[i], float) and not r[i].is_integer()
                                                          for r in rows) for i in range(frame.shape[1])]
        row = 0

        def text_line(text: str, font=None) -> None:  # a title or note: one cell wrapped across the table
            nonlocal row
            row += 1
            cell = ws.cell(row, 1, neutral_text(text))
            cell.alignment = wrap
            if font:
                cell.font = font
            if columns > 1:
                ws.merge_cells(start_row=row, start_column=1, end_row=row, end_column=columns)
            ws.row_dimensions[row].height = 15 * max(1, -(-len(text) * 11 // (10 * span)))  # merged cells do not grow

        lines = ([marking] if marking else []) + ([sheet.title] if sheet.title else [])
        for line in lines:
            text_line(line, bold)
        row += 1 if lines else 0
        row += 1
        header_row = row
        for column, name in enumerate(header, start=1):
            cell = ws.cell(row, column, name)
            cell.font = bold
            cell.alignment = wrap
        for values in rows:
            row += 1
            for column, value in enumerate(values, start=1):
                if isinstance(value, float) and not isinstance(value, bool):
                    value = round(value, 1) if decimal[column - 1] else int(value) if value.is_integer() else round(value, 1)
                cell = ws.cell(row, column, value)
                if isinstance(value, bool):
                    continue
                if isinstance(value, (int, float)):
                    cell.number_format = DECIMAL if decimal[column - 1] or isinstance(value, float) else INTEGER
                elif widths[column - 1] >= MAX_WIDTH:
                    cell.alignment = wrap
                if sheet.link_column == frame.columns[column - 1] and str(value) in names:
                    cell.hyperlink = Hyperlink(ref=cell.coordinate, location=f"'{names[str(value)]}'!A1")
                    cell.style = "Hyperlink"
        if sheet.notes:
            row += 1
            for note in sheet.notes:
                text_line(note)
        ws.freeze_panes = ws.cell(header_row + 1, 1)
        ws.print_title_rows = f"{header_row}:{header_row}"
        ws.page_setup.paperSize = ws.PAPERSIZE_A4
        ws.page_setup.orientation = "landscape"
        ws.page_setup.fitToWidth = 1
        ws.page_setup.fitToHeight = 0  # as many pages down as the table needs
        ws.sheet_properties.pageSetUpPr.fitToPage = True
        if marking:
            ws.oddHeader.center.text = marking
            ws.evenHeader.center.text = marking
            ws.oddFooter.center.text = marking
    path.parent.mkdir(parents=True, exist_ok=True)
    workbook.save(path)
    return path


def cell_shown(value) -> str:
    """A cell's text as the sheet shows it, for the column's width."""
    if value is None:
        return ""
    if isinstance(value, float):
        return f"{value:.0f}" if value.is_integer() else f"{value:.1f}"
    return str(value)


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
