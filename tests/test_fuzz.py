"""Hostile and broken input (property-based): random bytes, truncated files, wrong encodings, NUL bytes,
duplicated or missing headers, empty and header-only files, very long cells, extreme numbers, workbooks that
are not workbooks, formulas and HTML/script in cells; and the input limits.

Every case must end in row-level reasons or a one-line file-level error naming the file (a header-only file is
a nil return): never an exception, never a value silently lost, never a partial load. Examples are capped and
derandomised so that the suite stays fast and repeatable (max_examples per property below).
"""
from __future__ import annotations

import csv
import io
import json
import re
import zipfile
from datetime import date, datetime
from itertools import count
from pathlib import Path

import duckdb
import pandas as pd
import pytest
from hypothesis import HealthCheck, event, given, settings, strategies as st
from typer.testing import CliRunner

from conftest import DEFAULTS, INV, JUD, VIC, Env, csv_text, isolate, xlsx_bytes
from contracts import SOURCES, codes
from contracts.base import normalise_header
from pipeline.cli import app
from pipeline.read import FileRefused, open_file, read_file
from pipeline.settings import Limits
from pipeline.validate import FileResult, validate_file

MONTH = "2024-01"
FUZZ = settings(max_examples=60, deadline=None, derandomize=True, database=None,
                suppress_health_check=[HealthCheck.too_slow, HealthCheck.function_scoped_fixture,
                                       HealthCheck.data_too_large])
CONTROL = re.compile(r"[\x00-\x08\x0b-\x1f\x7f]")  # what a terminal may act on (\t and \n aside)

HOSTILE_CELLS = [
    "", " ", "=1+2", '=HYPERLINK("http://evil.example","click")', "+SUM(A1:A9)", "-2+3", "@cmd", "\t=1",
    "\r=1", "<script>alert(1)</script>", '"><img src=x onerror=alert(1)>', "&lt;b&gt;", "[bold]x[/bold]",
    "x" * 70_000, "1" * 5_000, "9" * 25, "-0", "+0", "1e308", "1e-400", "NaN", "inf", "-inf", "0x1F", "١٩٨٠",
    "²", "½", "𝟙𝟡𝟠𝟘", "2024-02-30", "0000-00-00", "9999-12-31", "31.12.9999", "00.00.0000", "1.1.2024",
    "TRUE ", "po", "ДА", "\u00a0PR\u00a0", "P\u0301R", "pr\u200b", "ＰＲ", "'", '"', '""', ",", ";", "\n", "\r\n",
    "\\", "\x1b[31mred\x1b[0m", "\x1b]0;title\x07", "\x7f", "\u2028", "\ufeff", "🙂", "Prishtinë", "Đakovica",
    "CCRK2019.165.1", "ccrk2019.١٦٥.1", "PCCK2003.139", "1980", "-1980", "99999999999", "7,5", "7.5", "-7.5",
    "1000000000", "999999999.99", "true", "false", "withdrawn", "SPRK", "APP", "first", "appeal", "convicted",
    "quashed", "final", "PR-01/2024",
]
ENCODINGS = ["utf-8", "utf-8-sig", "cp1250", "latin-1", "utf-16", "utf-32", "cp1252"]


# ------------------------------------------------------------------------------------------ invariants
def check(result: FileResult, path: Path) -> None:
    """What every validation result must satisfy, whatever the file held."""
    assert isinstance(result, FileResult)
    event("refused: " + re.sub(r"\(.*|byte \d+|line \d+|'.*", "", result.file_error.split(": ", 1)[1])
          if result.file_error else f"rows: {'none' if not result.rows_read else 'all valid' if not result.rows_rejected else 'some rejected' if result.rows_valid else 'all rejected'}")
    if result.file_error is not None:
        assert isinstance(result.file_error, str) and "\n" not in result.file_error and "\r" not in result.file_error
        assert result.file_error.startswith(f"{path.name}: "), result.file_error
        assert result.valid is None and not result.delivered
        assert result.rows_rejected == result.rows_read
        assert list(result.errors["check"].unique()) in ([], ["file_refused"])
        return
    assert result.valid is not None and result.delivered
    assert result.rows_valid + result.rows_rejected == result.rows_read
    assert len(result.valid) == result.rows_valid >= 0
    errors = result.errors
    known = set(codes.checks())
    assert set(errors["check"]) <= known | {"duplicate_key", "field_count"}, set(errors["check"]) - known
    assert not set(errors["line"]) & set(result.valid["line"])  # a row is either loaded or held back
    assert result.valid["line"].is_unique
    spec = SOURCES[result.source]
    person = errors["column"].isin(spec.person_columns)
    assert (errors.loc[person, "value"].isin(["", "***"])).all(), errors.loc[person, "value"].tolist()
    for column in spec.person_columns:
        assert not errors["record_key"].str.contains(f"{column}=(?!\\*\\*\\*)", regex=True).any()
    for reason in errors["reason"]:
        assert reason and "\n" not in reason and not CONTROL.search(reason), reason


def check_values_kept(result: FileResult, path: Path) -> None:
    """A valid row keeps every value it was sent: a non-empty cell of a typed column is never null."""
    if result.file_error or not len(result.valid):
        return
    raw = read_file(path)
    names = [normalise_header(h) for h in raw.header]
    spec = SOURCES[result.source]
    by_line = dict(zip(raw.lines, raw.cells.itertuples(index=False)))
    for _, row in result.valid.iterrows():
        if row["withdrawn"] is True:
            continue  # a withdrawal keeps its key only
        cells = by_line[row["line"]]
        for column in spec.columns:
            if column.name in names and cells[names.index(column.name)].strip():
                assert not pd.isna(row[column.name]), (column.name, cells[names.index(column.name)], row["line"])


def validate_cli(path: Path, result: FileResult) -> None:
    """`tipstats validate` on the file: the exit code the result calls for, no traceback, nothing a terminal
    would act on, and JSON that parses."""
    runner = CliRunner()
    expected = 2 if result.file_error else 1 if result.rows_rejected else 0
    plain = runner.invoke(app, ["validate", str(path)], catch_exceptions=False)
    assert plain.exit_code == expected, plain.output
    assert not CONTROL.search(plain.stdout + plain.stderr), repr((plain.stdout + plain.stderr)[:2000])
    as_json = runner.invoke(app, ["validate", str(path), "--json"], catch_exceptions=False)
    assert as_json.exit_code == expected
    report = json.loads(as_json.stdout)
    assert report["files"][0]["rows_read"] == result.rows_read


def write(folder: Path, name: str, content: bytes) -> Path:
    path = folder / MONTH / name
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_bytes(content)
    return path


@pytest.fixture(scope="module")
def folder(tmp_path_factory) -> Path:
    return tmp_path_factory.mktemp("fuzz")


# ------------------------------------------------------------------------------------------- strategies
@st.composite
def deliveries(draw) -> tuple[str, bytes]:
    """A delivery that starts as valid rows and is then damaged: hostile cells, header changes, duplicated
    rows, withdrawals, another delimiter, encoding or line end, NUL bytes, truncation."""
    source = draw(st.sampled_from(list(DEFAULTS)))
    base = DEFAULTS[source]
    columns = list(base)
    rows = []
    for i in range(draw(st.integers(0, 6))):
        row = {**base, SOURCES[source].key[0]: f"K-{i}"}  # each row its own key, unless damaged below
        for column in draw(st.lists(st.sampled_from(columns), max_size=4)):
            row[column] = draw(st.sampled_from(HOSTILE_CELLS) | st.text(max_size=30))
        if draw(st.booleans()):
            row[draw(st.sampled_from(columns))] = f"{draw(st.integers(0, 99))}"
        rows.append(row)
    if rows and draw(st.booleans()):
        rows.append(dict(draw(st.sampled_from(rows))))  # a key sent twice
    header = list(columns)
    change = draw(st.sampled_from(["none", "drop", "duplicate", "blank", "extra", "pii", "withdrawn", "case"]))
    if change == "drop":
        header.remove(draw(st.sampled_from(header)))
    elif change == "duplicate":
        header.append(draw(st.sampled_from(header)))
    elif change == "blank":
        header[draw(st.integers(0, len(header) - 1))] = ""
    elif change == "extra":
        header.append(draw(st.sampled_from(["<script>x</script>", "\x1b[31mred", "=cmd", "notes", " ", "a\nb"])))
    elif change == "pii":
        header.append(draw(st.sampled_from(["Emri", "Full Name", "DOB", "personal_no"])))
    elif change == "withdrawn":
        header.append("withdrawn")
    elif change == "case":
        header = [f"  {h.upper().replace('_', ' ')} " for h in header]
    names = [normalise_header(h) for h in header]
    delimiter = draw(st.sampled_from([",", ";"]))
    buffer = io.StringIO()
    writer = csv.writer(buffer, delimiter=delimiter, lineterminator=draw(st.sampled_from(["\n", "\r\n", "\r"])))
    writer.writerow(header)
    for row in rows:
        cells = [row.get(n, draw(st.sampled_from(["", "true", "x"]))) for n in names]
        if draw(st.integers(0, 9)) == 0:
            cells = cells[:draw(st.integers(0, len(cells)))] if draw(st.booleans()) else cells + ["extra", ""]
        writer.writerow(cells)
    text = buffer.getvalue()
    if draw(st.integers(0, 4)) == 0:
        text = "\n\n" + text  # blank lines before the header
    data = text.encode(draw(st.sampled_from(ENCODINGS)), errors="replace")
    damage = draw(st.sampled_from(["none", "none", "none", "truncate", "nul", "junk", "empty"]))
    if damage == "truncate":
        data = data[:draw(st.integers(0, len(data)))]
    elif damage == "nul":
        at = draw(st.integers(0, len(data)))
        data = data[:at] + b"\x00" + data[at:]
    elif damage == "junk":
        data = data + draw(st.binary(min_size=1, max_size=64))
    elif damage == "empty":
        data = b""
    return source, data


CELL_VALUES = (st.sampled_from(HOSTILE_CELLS) | st.none() | st.booleans() | st.integers(-10**20, 10**20)
               | st.floats(allow_nan=True, allow_infinity=True) | st.dates(date(1, 1, 1), date(9999, 12, 31))
               | st.datetimes(datetime(1900, 1, 1), datetime(9999, 12, 31)) | st.text(max_size=40))


def xlsx_safe(value):
    """openpyxl refuses control characters in text cells; a real workbook cannot hold them either."""
    if isinstance(value, str):
        return re.sub(r"[\x00-\x08\x0b\x0c\x0e-\x1f]", "", value)
    return value


@st.composite
def workbooks(draw) -> tuple[str, bytes]:
    source = draw(st.sampled_from(list(DEFAULTS)))
    columns = list(DEFAULTS[source])
    rows = [columns] if draw(st.integers(0, 5)) else []
    for n in range(draw(st.integers(0, 5))):
        row = list({**DEFAULTS[source], SOURCES[source].key[0]: f"K-{n}"}.values())
        for i in draw(st.lists(st.integers(0, len(columns) - 1), max_size=5)):
            row[i] = xlsx_safe(draw(CELL_VALUES))
        rows.append(row)
    data = xlsx_bytes(rows)  # its length varies with the time stamps inside: positions are drawn as fractions
    damage = draw(st.sampled_from(["none", "none", "truncate", "flip", "not_a_workbook"]))
    at = int(draw(st.floats(0, 1)) * (len(data) - 1))
    if damage == "truncate":
        data = data[:at]
    elif damage == "flip":
        data = data[:at] + bytes([data[at] ^ 0xFF]) + data[at + 1:]
    elif damage == "not_a_workbook":
        buffer = io.BytesIO()
        with zipfile.ZipFile(buffer, "w") as archive:
            archive.writestr("[Content_Types].xml", draw(st.sampled_from(["", "<x/>", "<?xml version='1.0'?><Types/>"])))
            archive.writestr("xl/workbook.xml", draw(st.binary(max_size=64)))
        data = buffer.getvalue()
    return source, data


# ----------------------------------------------------------------------------------------------- validate
@FUZZ
@given(data=st.binary(max_size=2048), source=st.sampled_from(list(DEFAULTS)))
def test_random_bytes_as_csv(folder, data, source):
    path = write(folder, f"{source}.csv", data)
    check(validate_file(path, MONTH), path)


@FUZZ
@given(data=st.binary(max_size=2048), source=st.sampled_from(list(DEFAULTS)))
def test_random_bytes_as_xlsx(folder, data, source):
    path = write(folder, f"{source}.xlsx", data)
    result = validate_file(path, MONTH)
    check(result, path)
    assert result.file_error is not None  # random bytes are never a workbook


@settings(FUZZ, max_examples=80)
@given(delivery=deliveries())
def test_damaged_deliveries(folder, delivery):
    source, data = delivery
    path = write(folder, f"{source}.csv", data)
    result = validate_file(path, MONTH)
    check(result, path)
    check_values_kept(result, path)


@settings(FUZZ, max_examples=40)
@given(delivery=deliveries())
def test_damaged_deliveries_through_the_command(folder, delivery):
    source, data = delivery
    path = write(folder, f"{source}.csv", data)
    validate_cli(path, validate_file(path, MONTH))


@settings(FUZZ, max_examples=40)
@given(workbook=workbooks())
def test_hostile_workbooks(folder, workbook):
    source, data = workbook
    path = write(folder, f"{source}.xlsx", data)
    result = validate_file(path, MONTH)
    check(result, path)
    check_values_kept(result, path)


@settings(FUZZ, max_examples=40)
@given(delivery=deliveries(), chunk_rows=st.integers(1, 3))
def test_reading_in_chunks_changes_nothing(folder, delivery, chunk_rows):
    source, data = delivery
    path = write(folder, f"{source}.csv", data)
    whole, chunked = validate_file(path, MONTH), validate_file(path, MONTH, limits=Limits(chunk_rows=chunk_rows))
    assert (chunked.file_error, chunked.rows_read, chunked.rows_rejected, chunked.extra_columns,
            chunked.missing_columns, chunked.dropped_columns, chunked.sha256) == (
        whole.file_error, whole.rows_read, whole.rows_rejected, whole.extra_columns, whole.missing_columns,
        whole.dropped_columns, whole.sha256)
    pd.testing.assert_frame_equal(chunked.errors, whole.errors)
    pd.testing.assert_frame_equal(chunked.warnings, whole.warnings)
    if whole.valid is not None:
        pd.testing.assert_frame_equal(chunked.valid, whole.valid)


def chunks_read(path: Path, limits: Limits = Limits()) -> tuple[list, list, list, list]:
    """(header, cells, lines, positions of rows longer than the header) as the reader gives them, chunk by chunk."""
    with open_file(path, limits) as stream:
        chunks = list(stream.chunks())
        header = stream.header
    cells = pd.concat([c.cells for c in chunks]).reset_index(drop=True)
    return (header, cells.values.tolist(), [line for c in chunks for line in c.lines],
            [p for c in chunks for p in c.too_many_cells])


def csv_module_read(path: Path) -> tuple[list, list, list, list]:
    """The same, as Python's csv module reads the file (the oracle: the reader the project had beside Arrow's
    until it read CSV with Arrow alone): physical lines as the csv module counts them, blank records skipped,
    the first non-blank one the header, rows cut or padded to it."""
    with open_file(path) as stream:
        encoding, delimiter = stream.encoding, stream.delimiter
    text = path.read_bytes().decode(encoding)
    reader = csv.reader(io.StringIO(text, newline=""), delimiter=delimiter, quotechar='"')
    header, rows, lines, too_many, end = None, [], [], [], 0
    for record in reader:
        start, end = end + 1, reader.line_num
        if not any(cell.strip() for cell in record):
            continue
        if header is None:
            header = record
            continue
        if any(cell.strip() for cell in record[len(header):]):
            too_many.append(len(rows))
        rows.append((record + [""] * len(header))[:len(header)])
        lines.append(start)
    return header, rows, lines, too_many


@settings(FUZZ, max_examples=80)
@given(delivery=deliveries(), chunk_rows=st.integers(1, 4))
def test_the_reader_reads_what_the_csv_module_reads(folder, delivery, chunk_rows):
    source, data = delivery
    path = write(folder, f"{source}.csv", data)
    try:
        expected = csv_module_read(path)
    except FileRefused:
        return event("refused before parsing (encoding, NUL bytes, no header)")
    except csv.Error:
        event("a cell over the limit: refused")
        with pytest.raises(FileRefused, match="a cell longer than 1,048,576 characters"):
            chunks_read(path)
        return
    event("read")
    assert chunks_read(path, Limits(chunk_rows=chunk_rows)) == expected


@pytest.mark.parametrize("text, lines", [
    ('a,b\n1,"x\ny"\n2,z\n', [2, 4]),  # a quoted line break: the next row starts a line later
    ('a,b\r\n"1\r\n2",z\r\n3,w\r\n', [2, 4]),  # \r\n is one line break
    ('a,b\r1,x\r,\r2,y\r', [2, 4]),  # old Mac line ends; a row of empty cells is blank
    ('a,b\n1,x\n \t, \u3000\n2,y', [2, 4]),  # whitespace only (as str.strip sees it), no final line end
    ('"a\nA",b\n1,x\n', [3]),  # a header over two lines
    ('\n ,,\na,b\n1,x\n', [4]),  # blank lines above the header
    ('\r\n;;\na;b\n1;x\n', [4]),
    ('\n;\na,b\n1,x\n', [3, 4]),  # not blank in a file of commas: ";" is its header, "a,b" a row
])
def test_the_reader_numbers_lines_as_the_file_has_them(tmp_path, text, lines):
    path = tmp_path / "x.csv"
    path.write_bytes(text.encode("utf-8"))
    read = chunks_read(path)
    assert read[2] == lines
    assert read == csv_module_read(path) == chunks_read(path, Limits(chunk_rows=1))


def test_uneven_and_blank_rows_are_put_back_in_their_place(tmp_path):
    path = tmp_path / "x.csv"
    path.write_bytes(b'a,b\n1\n\n"2\n",y,z\n3,w,\n \n4,v\n5\n"6\n"\n')
    header, cells, lines, too_many = chunks_read(path)
    # short rows padded, long ones cut ("z" is reported, the empty cell of "3,w," is not), blank lines skipped;
    # "2\n" and "6\n" are quoted rows Arrow hands back, parsed again by Arrow at their own width
    assert lines == [2, 4, 6, 8, 9, 10]
    assert cells == [["1", ""], ["2\n", "y"], ["3", "w"], ["4", "v"], ["5", ""], ["6\n", ""]]
    assert too_many == [1]
    assert chunks_read(path, Limits(chunk_rows=2)) == csv_module_read(path)


def test_a_header_only_file_without_a_final_line_end_is_read(tmp_path):
    for text, header in [("a,b", ["a", "b"]), ('"a\nb",c', ["a\nb", "c"])]:
        path = tmp_path / "x.csv"
        path.write_bytes(text.encode("utf-8"))
        assert chunks_read(path) == (header, [], [], [])


@pytest.mark.parametrize("text, message", [
    (b"a,b\n1,x\n2," + b"y" * ((1 << 20) + 1) + b"\n",
     "x.csv: line 3: unreadable CSV (a cell longer than 1,048,576 characters); check the quoting of that line"),
    (b'a,b\n1,x\n2,"y\n' + b"3,z\n" * 2_000_000,  # a quote never closed: the rest of the file one cell
     "x.csv: line 3: unreadable CSV (a row longer than 2 MB, or a quote that is never closed); check the quoting "
     "of that line"),
    (b'""\na,b\n', "x.csv: line 1: no header row, only empty cells: put the header on the first line"),
    (b"a,b\n1,x\n" + b" " * ((1 << 20) + 1) + b"\n",  # blank, but one cell over the limit all the same
     "x.csv: line 3: unreadable CSV (a cell longer than 1,048,576 characters); check the quoting of that line"),
])
def test_what_arrow_cannot_take_refuses_the_file_naming_the_line(tmp_path, text, message):
    path = tmp_path / "x.csv"
    path.write_bytes(text)
    with pytest.raises(FileRefused) as refused:
        chunks_read(path, Limits(chunk_rows=1))
    assert str(refused.value) == message


def test_a_file_of_millions_of_uneven_rows_is_read_in_bounded_chunks(tmp_path):
    path = tmp_path / "x.csv"
    path.write_bytes(b"a,b\n" + b"1\n" * 150_000 + b",\n" * 150_000 + b"," * ((1 << 20) + 1) + b"\n2,y\n")
    sizes, lines = [], []
    with open_file(path, Limits(chunk_rows=10_000)) as stream:
        for chunk in stream.chunks():
            sizes.append(len(chunk.lines))
            lines.append((chunk.lines[:1], chunk.lines[-1:]))
    # each chunk 10,000 records: those of "," (and the line of a million commas: empty cells) are blank and left
    # out, so the rows are 150,000 "1" and one "2,y"
    assert sum(sizes) == 150_001 and max(sizes) == 10_000 and len(sizes) == 31
    assert lines[0] == ([2], [10_001]) and lines[-1] == ([300_003], [300_003])


# -------------------------------------------------------------------------------------------------- refresh
months = (f"{2024 + n // 12}-{n % 12 + 1:02d}" for n in count())


@pytest.fixture(scope="module")
def warehouse_env(tmp_path_factory):
    root = tmp_path_factory.mktemp("fuzz-refresh")
    env = Env(root, root / "raw", root / "warehouse" / "tipstats.duckdb", root / "reports")
    env.raw.mkdir()
    return env


FILES = st.tuples(deliveries(), st.just("csv")) | st.tuples(workbooks(), st.just("xlsx"))


@settings(FUZZ, max_examples=25)
@given(files=st.lists(st.tuples(FILES, st.booleans()), min_size=1, max_size=4))
def test_refresh_of_hostile_deliveries_loads_all_or_refuses_whole_files(warehouse_env, files):
    """Each example a new month folder of damaged files (sometimes named with the other format's suffix, or two
    files for one source) loaded into one warehouse: every file loads whole or is refused whole."""
    env = warehouse_env
    month = next(months)
    folder = env.raw / month
    folder.mkdir()
    for ((source, data), suffix), misnamed in files:
        suffix = {"csv": "xlsx", "xlsx": "csv"}[suffix] if misnamed else suffix
        (folder / f"{source}.{suffix}").write_bytes(data)
    with pytest.MonkeyPatch.context() as patch:
        isolate(patch, env.root, env.raw)
        result = CliRunner().invoke(app, ["refresh"], catch_exceptions=False)
    assert result.exit_code == 0, result.output
    con = duckdb.connect(str(env.warehouse), read_only=True)
    try:
        logged = con.execute("""select file, rows_read, rows_new + rows_replacing + rows_unchanged
                                  + rows_stored_not_current + rows_quarantined, rows_quarantined, file_error
                                from load_log where month = ?""", [month]).fetchall()
        assert {f.split("/")[1] for f, *_ in logged} == {p.name for p in folder.iterdir()}
        for file, read, accounted, quarantined, error in logged:
            assert read == accounted, file
            if error:  # a refused file: nothing of it stored, every row it had counted as quarantined
                assert quarantined == read and "\n" not in error
                stored = sum(con.execute(f"select count(*) from {s} where month = ? and file_sha256 in "
                                         "(select sha256 from load_log where file = ?)", [month, file]).fetchone()[0]
                             for s in SOURCES)
                assert stored == 0, file
        masked = con.execute("""select count(*) from quarantine where month = ?
                                and "column" in ('person_id', 'victim_id', 'judge_id') and value not in ('', '***')""",
                             [month]).fetchone()[0]
        assert masked == 0
    finally:
        con.close()


# -------------------------------------------------------------------------------------------- HTML, formulas
PAYLOADS = {"html": "<script>alert('x')</script>", "formula": "=HYPERLINK(\"http://evil.example\",\"x\")"}


def test_formulas_and_script_in_cells_are_never_echoed_raw(env, cli, monkeypatch):
    """Hostile text in every cell: held back with reasons, neutralised in the agencies' CSV, escaped in HTML."""
    monkeypatch.setenv("TIPSTATS_REPORT_ON_REFRESH", "1")
    rows = {source: [{**row, c: PAYLOADS["html"] if i % 2 else PAYLOADS["formula"]}
                     for i, c in enumerate(row) if c not in ("withdrawn",)] for source, row in DEFAULTS.items()}
    env.deliver(MONTH, **rows)
    env.deliver("2024-02", investigations=[{**INV, "case_id": "<b>PR-9</b>", "opened_on": "2024-02-01"}])
    result = cli("refresh")
    assert result.exit_code == 0, result.stderr
    for path in env.reports.rglob("*"):
        if path.suffix in (".html", ".htm", ".svg", ".md", ".txt", ".json"):
            text = path.read_text(encoding="utf-8", errors="replace")
            assert "<script>alert" not in text and "<b>PR-9</b>" not in text, path
        if path.suffix == ".csv":
            for line in csv.reader(io.StringIO(path.read_text(encoding="utf-8"))):
                assert not any(cell.startswith(("=", "+", "@")) for cell in line), (path, line)
    validated = cli("validate", env.raw / MONTH / "victims.csv")
    assert validated.exit_code == 1
    assert "identified_by \"<script>alert('x')</script>\": not in the code list" in validated.stdout
    # in judgments the text is a judge_id of the file too: masked by the rule for rejected values
    validated = cli("validate", env.raw / MONTH / "judgments.csv")
    assert validated.exit_code == 1 and "[masked: 27 characters: letters, punctuation, symbols]: not in the code list" \
        in validated.stdout and "<script>" not in validated.stdout


# ---------------------------------------------------------------------------------------------------- limits
def test_a_file_over_the_size_limit_is_refused_unread(env, cli, monkeypatch, query):
    monkeypatch.setenv("TIPSTATS_MAX_FILE_MB", "1")
    big = csv_text([INV]) + ("x," * 13 + "\n") * 80_000  # 2.2 MB
    env.deliver(MONTH, investigations=big, victims=[VIC])
    result = cli("validate", env.raw / MONTH / "investigations.csv")
    assert result.exit_code == 2
    size = -(-(env.raw / MONTH / "investigations.csv").stat().st_size * 10 // 2**20) / 10  # MB, rounded up
    assert f"investigations.csv: {size} MB, larger than the limit of 1 MB (TIPSTATS_MAX_FILE_MB); refused unread" \
        in result.stdout
    assert cli("refresh").exit_code == 0
    assert query("select source, rows_read, rows_quarantined, file_error like '%TIPSTATS_MAX_FILE_MB%' from load_log "
                 "order by source") == [("investigations", 0, 0, True), ("victims", 1, 0, None)]
    assert query("select status from deliveries where source = 'investigations'") == [("not_delivered",)]


def test_a_file_over_the_row_limit_is_refused(env, cli, monkeypatch, query):
    monkeypatch.setenv("TIPSTATS_MAX_ROWS", "3")
    monkeypatch.setenv("TIPSTATS_CHUNK_ROWS", "2")
    rows = [{**INV, "case_id": f"PR-{i}/2024"} for i in range(4)]
    env.deliver(MONTH, investigations=rows, victims=[VIC] * 1)
    result = validate_file(env.raw / MONTH / "investigations.csv", MONTH)
    assert result.file_error == ("investigations.csv: more than 3 rows, over the limit (TIPSTATS_MAX_ROWS); "
                                 "refused: split the delivery or raise the limit")
    assert result.rows_read == 0 and result.valid is None
    assert validate_file(env.raw / MONTH / "victims.csv", MONTH).file_error is None
    env.deliver(MONTH, investigations=rows[:3])
    assert validate_file(env.raw / MONTH / "investigations.csv", MONTH).rows_valid == 3  # at the limit: read
    env.deliver(MONTH, investigations=rows)
    assert cli("refresh").exit_code == 0
    assert query("select count(*) from investigations") == [(0,)]


def test_an_xlsx_is_limited_by_its_unpacked_size(env, monkeypatch):
    monkeypatch.setenv("TIPSTATS_MAX_FILE_MB", "1")
    rows = [list(VIC)] + [[f"V-{i}", "PR-01/2024", "2024-01-06", "police", "F", "17", "XK", "sexual", "yes",
                           "no", "", "x" * 200] for i in range(5000)]
    path = env.file(f"{MONTH}/victims.xlsx", xlsx_bytes(rows))
    assert path.stat().st_size < 1024 * 1024
    result = validate_file(path, MONTH)
    assert re.fullmatch(r"victims\.xlsx: unpacks to \d+\.\d MB, larger than the limit of 1 MB "
                        r"\(TIPSTATS_MAX_FILE_MB\); refused unread", result.file_error)


@pytest.mark.parametrize("value", ["0", "-5", "lots", "1.5"])
def test_a_limit_that_is_not_a_positive_number_is_one_line(env, cli, monkeypatch, value):
    monkeypatch.setenv("TIPSTATS_MAX_ROWS", value)
    env.deliver(MONTH, investigations=[INV])
    result = cli("refresh")
    assert (result.exit_code, result.stderr) == (
        2, f"error: TIPSTATS_MAX_ROWS must be a whole number greater than 0, not {value!r}\n")


def test_limits_default_to_512_mb_and_five_million_rows(monkeypatch):
    for name in ("TIPSTATS_MAX_FILE_MB", "TIPSTATS_MAX_ROWS", "TIPSTATS_CHUNK_ROWS"):
        monkeypatch.delenv(name, raising=False)
    assert Limits.from_env() == Limits(512, 5_000_000, 50_000)
    assert Limits.from_env().max_bytes == 512 * 1024 * 1024


def test_a_worksheet_claiming_a_huge_row_number_is_refused_quickly(env):
    data = xlsx_bytes([list(VIC), list(VIC.values())])
    buffer = io.BytesIO()
    with zipfile.ZipFile(io.BytesIO(data)) as source, zipfile.ZipFile(buffer, "w") as target:
        for item in source.infolist():
            content = source.read(item)
            if item.filename == "xl/worksheets/sheet1.xml":
                content = content.replace(b'<row r="2"', b'<row r="999999999999"').replace(b'r="A2"', b'r="A999999999999"')
            target.writestr(item, content)
    path = env.file(f"{MONTH}/victims.xlsx", buffer.getvalue())
    result = validate_file(path, MONTH)
    assert result.file_error is not None and result.file_error.startswith("victims.xlsx: ")


def test_a_cell_far_to_the_right_costs_nothing_and_is_reported(env):
    row = list(VIC.values()) + [None] * 5 + ["stray"]
    path = env.file(f"{MONTH}/victims.xlsx", xlsx_bytes([list(VIC), row]))
    result = validate_file(path, MONTH)
    assert [tuple(e) for e in result.errors[["line", "check"]].itertuples(index=False)] == [(2, "field_count")]


def test_arabic_indic_digits_are_a_number_format_error_not_a_lost_value(validate_rows):
    result = validate_rows("judgments", [{**JUD, "prison_months": "١٢", "birth_year": "١٩٨٠"}])
    assert sorted(result.errors[["column", "check"]].itertuples(index=False, name=None)) == [
        ("birth_year", "number_format"), ("prison_months", "number_format")]
    result = validate_rows("investigations", [{**INV, "victim_count": "٣"}])
    assert result.errors[["column", "check"]].values.tolist() == [["victim_count", "number_format"]]


def test_a_key_sent_again_in_a_later_chunk_holds_back_every_copy(validate_rows, monkeypatch):
    rows = [{**INV, "case_id": f"PR-{i}/2024"} for i in range(5)] + [{**INV, "case_id": "PR-1/2024"},
                                                                      {**INV, "case_id": "PR-9/2024", "sex": "Q"}]
    whole = validate_rows("investigations", rows)
    monkeypatch.setenv("TIPSTATS_CHUNK_ROWS", "2")
    chunked = validate_rows("investigations", rows)
    assert [(line, check) for line, _, check in
            chunked.errors[["line", "column", "check"]].itertuples(index=False)] == [
        (3, "duplicate_key"), (7, "duplicate_key"), (8, "code_list")]
    pd.testing.assert_frame_equal(chunked.errors, whole.errors)
    pd.testing.assert_frame_equal(chunked.valid, whole.valid)
    assert chunked.valid["line"].tolist() == [2, 4, 5, 6]


def test_a_header_of_thousands_of_columns_is_refused(validate_rows):
    result = validate_rows("victims", ",".join(VIC) + "," * 5000 + "\n" + ",".join(VIC.values()) + "\n")
    assert result.file_error == "victims.csv: 5,011 columns in the header, more than 1,000: not a delivery"
    path = Path(result.path).with_name("victims.xlsx")
    path.write_bytes(xlsx_bytes([list(VIC) + [f"c{i}" for i in range(1000)]]))
    assert validate_file(path, MONTH).file_error == ("victims.xlsx: 1,011 columns in the header, more than 1,000: "
                                                     "not a delivery")


def test_a_worksheet_with_a_stale_dimension_record_is_read_whole(env):
    """A workbook whose <dimension> claims fewer rows than it holds (some writers leave it stale): every row is
    read, none silently dropped (openpyxl's read-only mode stops at the claimed dimension)."""
    rows = [list(VIC)] + [list({**VIC, "victim_id": f"V-{i}"}.values()) for i in range(3)]
    buffer = io.BytesIO()
    with zipfile.ZipFile(io.BytesIO(xlsx_bytes(rows))) as source, zipfile.ZipFile(buffer, "w") as target:
        for item in source.infolist():
            content = source.read(item)
            if item.filename == "xl/worksheets/sheet1.xml":
                content = re.sub(rb'<dimension ref="[^"]*"', b'<dimension ref="A1:K2"', content)
            target.writestr(item, content)
    path = env.file(f"{MONTH}/victims.xlsx", buffer.getvalue())
    result = validate_file(path, MONTH)
    assert (result.rows_read, result.rows_valid) == (3, 3)
    assert result.valid["victim_id"].tolist() == ["V-0", "V-1", "V-2"]
