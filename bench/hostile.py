"""Benchmark of the input bounds: time and peak memory of `tipstats validate` on the largest hostile files.

    .venv/bin/python bench/hostile.py [--only NAME ...]

Each case writes one file under bench/data/hostile/ (git-ignored) and validates it in a process of its own,
so that the peak resident memory is that process's (wait4's ru_maxrss). It prints one row per case: the
file's size and rows, the exit code, wall-clock seconds, peak MB and the first line the command printed
about the file. The cases are those of the issue "Hostile input, second round": a million rejected rows,
millions of empty rows, a cell over 1 MiB in an uneven row, a worksheet of a million invalid rows, and a
zip bomb (a small workbook whose sheet unpacks to far more than TIPSTATS_MAX_FILE_MB).
"""
from __future__ import annotations

import argparse
import io
import os
import subprocess
import sys
import time
import zipfile
from pathlib import Path

REPO = Path(__file__).resolve().parents[1]
DATA = REPO / "bench" / "data" / "hostile" / "2024-01"
sys.path.insert(0, str(REPO / "tests"))
from conftest import VIC, header_only, xlsx_bytes  # noqa: E402  (the tests' valid rows and files)

HEADER = list(VIC)


def bad_csv(path: Path, rows: int = 1_000_000) -> int:
    """Valid rows but for a sex code outside the code list: every row is rejected by one check."""
    line = ",".join("Q" if k == "sex" else v for k, v in VIC.items()).replace("VICTIM-0007", "VX{:07d}")
    with open(path, "w", encoding="utf-8") as f:
        f.write(header_only("victims"))
        for i in range(rows):
            f.write(line.format(i) + "\n")
    return rows


def blank_csv(path: Path, rows: int = 4_800_000) -> int:
    path.write_text(header_only("victims") + ",\n" * rows, encoding="utf-8")
    return rows


def huge_cell_csv(path: Path) -> int:
    path.write_text(header_only("victims") + "V1," + "x" * 1_048_577 + "\n", encoding="utf-8")
    return 1


def sheet_xml(rows: int, row_xml) -> bytes:
    head = '<?xml version="1.0" encoding="UTF-8"?><worksheet xmlns="http://schemas.openxmlformats.org/spreadsheetml/2006/main"><sheetData>'
    return (head + "".join(row_xml(r) for r in range(1, rows + 1)) + "</sheetData></worksheet>").encode()


def with_sheet(path: Path, sheet: bytes) -> None:
    """A workbook made by openpyxl with its first sheet's XML replaced by `sheet` (deflated)."""
    template = zipfile.ZipFile(io.BytesIO(xlsx_bytes([HEADER])))
    with zipfile.ZipFile(path, "w", zipfile.ZIP_DEFLATED) as out:
        for info in template.infolist():
            data = sheet if info.filename == "xl/worksheets/sheet1.xml" else template.read(info)
            out.writestr(info.filename, data)


def inline(r: int, values: list[str]) -> str:
    cells = "".join(f'<c r="{chr(65 + i)}{r}" t="inlineStr"><is><t>{v}</t></is></c>' for i, v in enumerate(values))
    return f'<row r="{r}">{cells}</row>'


def bad_xlsx(path: Path, rows: int = 1_048_575) -> int:
    """A full sheet of short rows: a victim number and a sex code outside the code list, every other required
    cell empty (some 100 MB unpacked, under the size limit, so that it is read)."""
    head = inline(1, HEADER)
    sheet = sheet_xml(rows + 1, lambda r: head if r == 1 else
                      f'<row r="{r}"><c r="A{r}"><v>{r}</v></c><c r="E{r}" t="inlineStr"><is><t>Q</t></is></c></row>')
    with_sheet(path, sheet)
    return rows


def bomb_xlsx(path: Path, rows: int = 1_048_575) -> int:
    """Rows of one long repeated cell: some 570 MB of XML that deflate to 7.5 MB (refused by the size its zip
    declares; a zip that lies about it fails its CRC check, tests/test_hostile_xlsx.py)."""
    filler = "A" * 500
    with_sheet(path, sheet_xml(rows + 1, lambda r: inline(r, HEADER if r == 1 else [filler])))
    return rows


CASES = {
    "csv-1M-rejected-rows": ("victims.csv", bad_csv),
    "csv-4.8M-empty-rows": ("victims.csv", blank_csv),
    "csv-1MiB-cell-uneven-row": ("victims.csv", huge_cell_csv),
    "xlsx-1M-rejected-rows": ("victims.xlsx", bad_xlsx),
    "xlsx-zip-bomb": ("victims.xlsx", bomb_xlsx),
}


def measure(path: Path) -> tuple[int, float, float, str]:
    """(exit code, seconds, peak MB, first line printed) of `tipstats validate path` in its own process."""
    env = {**os.environ, "TIPSTATS_KEY": os.environ.get("TIPSTATS_KEY", "bench-key-0123456789abcdef")}
    start = time.perf_counter()
    process = subprocess.Popen([str(REPO / ".venv" / "bin" / "tipstats"), "validate", str(path)], env=env,
                               stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True)
    output = process.stdout.read()
    _, status, usage = os.wait4(process.pid, 0)
    seconds = time.perf_counter() - start
    lines = output.splitlines()
    return os.waitstatus_to_exitcode(status), seconds, usage.ru_maxrss / 1024, lines[0] if lines else ""


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--only", nargs="*", choices=list(CASES), help="run only these cases")
    parser.add_argument("--write", choices=list(CASES), help=argparse.SUPPRESS)  # the child that writes a case
    args = parser.parse_args()
    if args.write:
        file_name, write = CASES[args.write]
        print(write(DATA / file_name))
        return
    DATA.mkdir(parents=True, exist_ok=True)
    print("| case | file MB | rows | exit | seconds | peak MB | first line |")
    print("|---|---:|---:|---:|---:|---:|---|")
    for name in args.only or CASES:
        file_name, write = CASES[name]
        for old in DATA.iterdir():
            old.unlink()
        path = DATA / file_name
        # written by a process of its own: a validation forked from a process that held the file's text would
        # count those pages in its peak memory
        rows = int(subprocess.run([sys.executable, __file__, "--write", name], check=True, capture_output=True,
                                  text=True).stdout)
        code, seconds, peak, first = measure(path)
        size = path.stat().st_size / 2**20
        first = first.replace(str(path), file_name)
        print(f"| {name} | {size:,.1f} | {rows:,} | {code} | {seconds:,.1f} | {peak:,.0f} | {first[:150]} |",
              flush=True)


if __name__ == "__main__":
    main()
