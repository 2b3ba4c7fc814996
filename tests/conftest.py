"""Shared fixtures of the ingest tests: an isolated environment, tiny hand-built deliveries, the CLI, the
warehouse.

Every test gets its own raw/, warehouse and reports/ under tmp_path and a fixed test key; HOME and
XDG_CONFIG_HOME point into tmp_path too, so no test can read or create the user's key file.

Deliveries follow DATA-SPEC v1.3. One valid row per source is defined below (INV, PROS, JUD, VIC); a test
changes what it is about with `{**INV, "sex": "Q"}`.
"""
from __future__ import annotations

import csv
import io
import json
import os
import shutil
from dataclasses import dataclass
from pathlib import Path
from typing import Callable

import duckdb
import pytest
from typer.testing import CliRunner

# the tests are written against the Kosovo pack (DATA-SPEC as written), whatever the shell has chosen; a test
# of another pack chooses it itself
os.environ.pop("TIPSTATS_PACK", None)
# and charts are drawn unless a test says otherwise (TIPSTATS_IMAGES=0), whatever the shell has set
os.environ.pop("TIPSTATS_IMAGES", None)

from contracts import SOURCES  # noqa: E402 (after the pack is settled)
from contracts.base import header_name  # noqa: E402
from pipeline import load, stats  # noqa: E402
from pipeline.cli import app  # noqa: E402
from pipeline.settings import Settings  # noqa: E402
from pipeline.validate import FileResult, validate_file  # noqa: E402

TEST_KEY = "tipstats-test-key-0123456789abcdef"
MONTH = "2024-01"

INV = {
    "case_id": "PR-01/2024", "person_id": "1234567890", "offence_code": "CCRK2019.165.1",
    "opened_on": "2024-01-05", "region": "PR", "exploitation_form": "sexual", "sex": "M",
    "birth_year": "1980", "citizenship": "XK", "public_official": "false", "status": "open",
    "status_on": "2024-01-10", "victim_count": "2",
}
PROS = {
    "prosecution_id": "PPS-PR-01/2024", "case_id": "PR-01/2024", "person_id": "1234567890", "office": "PR",
    "court": "", "offence_code": "CCRK2019.165.1", "decision": "indicted", "decided_on": "2024-01-20",
    "sex": "M", "birth_year": "1980", "citizenship": "XK", "public_official": "false",
}
JUD = {
    "judgment_id": "P-PR-07/2024", "prosecution_id": "PPS-PR-01/2024", "person_id": "1234567890",
    "court": "PR", "instance": "first", "judge_id": "JUDGE-0042", "offence_code": "CCRK2019.165.1",
    "offence_date": "2023-06-01", "judgment_date": "2024-01-25", "verdict": "convicted", "final": "false",
    "plea_agreement": "false", "prison_months": "60", "suspended": "false", "fine_eur": "1000",
    "mitigation": "", "total_prison_months": "", "sex": "M", "birth_year": "1980", "citizenship": "XK",
    "public_official": "false",
}
VIC = {
    "victim_id": "VICTIM-0007", "case_id": "PR-01/2024", "identified_on": "2024-01-06",
    "identified_by": "police", "sex": "F", "age": "17", "citizenship": "XK", "exploitation_form": "sexual",
    "referred_to_services": "yes", "sheltered": "no", "repatriated": "",
}
DEFAULTS = {"investigations": INV, "prosecutions": PROS, "judgments": JUD, "victims": VIC}
assert list(DEFAULTS) == list(SOURCES)
# every column, by the header a Kosovo agency sends (fine_eur is the contract's `fine`)
assert all([header_name(h) for h in DEFAULTS[s]] == [c.name for c in SOURCES[s].columns] for s in SOURCES)


# --------------------------------------------------------------------------------------------- file text
def csv_text(rows: list[dict], delimiter: str = ",", columns: list[str] | None = None) -> str:
    """A CSV delivery: header (the first row's keys unless `columns` is given) and rows, `\\n` line ends."""
    columns = columns if columns is not None else list(rows[0])
    buffer = io.StringIO()
    writer = csv.writer(buffer, delimiter=delimiter, lineterminator="\n")
    writer.writerow(columns)
    for row in rows:
        writer.writerow([row.get(c, "") for c in columns])
    return buffer.getvalue()


def header_only(source: str, delimiter: str = ",") -> str:
    """A nil return: the header row of every column of the source, no rows."""
    return delimiter.join(DEFAULTS[source]) + "\n"


def write_file(path: Path, content: list[dict] | str | bytes) -> Path:
    """Rows (list of dicts) → CSV; text → UTF-8 as given; bytes → as given."""
    path.parent.mkdir(parents=True, exist_ok=True)
    if isinstance(content, list):
        content = csv_text(content)
    if isinstance(content, str):
        content = content.encode("utf-8")
    path.write_bytes(content)
    return path


def xlsx_bytes(rows: list[list]) -> bytes:
    """A workbook whose first sheet holds `rows` (the header first), cells typed as the Python values are."""
    from openpyxl import Workbook

    workbook = Workbook()
    sheet = workbook.active
    for row in rows:
        sheet.append(row)
    buffer = io.BytesIO()
    workbook.save(buffer)
    return buffer.getvalue()


# ----------------------------------------------------------------------------------------------- environment
@dataclass
class Env:
    root: Path
    raw: Path
    warehouse: Path
    reports: Path

    def deliver(self, month: str, **files: list[dict] | str | bytes) -> Path:
        """Write raw/<month>/<source>.csv for each keyword: source=rows (list of dicts), text or bytes."""
        folder = self.raw / month
        folder.mkdir(parents=True, exist_ok=True)
        for source, content in files.items():
            write_file(folder / f"{source}.csv", content)
        return folder

    def file(self, relative: str, content: list[dict] | str | bytes) -> Path:
        """Write any file under raw/ (e.g. "2024-01/victims.xlsx", "loose/investigations.csv")."""
        return write_file(self.raw / relative, content)


def isolate(patch: pytest.MonkeyPatch, root: Path, raw: Path) -> None:
    """Point every setting under `root` (deliveries read from `raw`), with the test key; HOME too, so that no
    test can read or create the user's key file."""
    home = root / "home"
    home.mkdir(exist_ok=True)
    patch.setenv("TIPSTATS_RAW", str(raw))
    patch.setenv("TIPSTATS_WAREHOUSE", str(root / "warehouse" / "tipstats.duckdb"))
    patch.setenv("TIPSTATS_REPORTS", str(root / "reports"))
    patch.setenv("TIPSTATS_KEY", TEST_KEY)
    # refresh builds the reports when it loads something; the ingest tests do not need them (the report
    # tests switch it back on where they test it)
    patch.setenv("TIPSTATS_REPORT_ON_REFRESH", "0")
    for name in ("TIPSTATS_CONFIG", "TIPSTATS_KEY_FILE", "BROWSER_PATH", "TIPSTATS_PACK", "TIPSTATS_IMAGES"):
        patch.delenv(name, raising=False)
    patch.setenv("HOME", str(home))
    patch.setenv("XDG_CONFIG_HOME", str(home / ".config"))
    patch.chdir(root)


SAMPLE_RAW = Path(__file__).resolve().parents[1] / "raw"


@pytest.fixture(scope="session")
def sample_root(tmp_path_factory) -> Path:
    """The sample months of raw/ loaded once into a warehouse of their own (no reports): for the test modules
    that only read it."""
    root = tmp_path_factory.mktemp("sample")
    with pytest.MonkeyPatch.context() as patch:
        isolate(patch, root, SAMPLE_RAW)
        load.refresh(Settings.from_env())
    return root


def sample_copy(sample_root: Path, tmp_path_factory, name: str) -> Path:
    """A root of one module's own holding a copy of the shared sample (warehouse loaded, no reports): for the
    modules that write reports, cheaper than refreshing raw/ again."""
    root = tmp_path_factory.mktemp(name)
    shutil.copytree(sample_root, root, dirs_exist_ok=True)
    return root


def built_once(tmp_path_factory, name: str, build: Callable[[Path], dict]) -> dict:
    """`build(folder)` run once for the whole test run, however many workers pytest-xdist starts: the first
    worker to ask builds it under the folder the workers share (their base temporary folders' parent) and
    writes what it returned as JSON; the others wait for it (a file lock) and read that. For a session fixture
    too costly to build once per worker, whose files the tests only read."""
    from filelock import FileLock

    if os.environ.get("PYTEST_XDIST_WORKER") is None:  # one process: nobody to share with
        return build(tmp_path_factory.mktemp(name))
    shared = tmp_path_factory.getbasetemp().parent
    done = shared / f"{name}.json"
    with FileLock(shared / f"{name}.lock"):
        if not done.is_file():
            done.write_text(json.dumps(build(shared / name)), encoding="utf-8")
        return json.loads(done.read_text(encoding="utf-8"))


@pytest.fixture(scope="session")
def sample_report(request, tmp_path_factory) -> dict:
    """A copy of the shared sample with its 2025 report, public then restricted, in every language of the pack, with
    the defaults of tipstats.toml: for the modules that only read the editions (test_report, test_print,
    test_languages, test_accessibility); a test that changes a file works on a copy of its own. Built once for
    the whole run (built_once). Only the English editions are drawn (charts/ and report.pdf, by Chromium): the
    Albanian and Serbian ones are written with TIPSTATS_IMAGES=0, which leaves their pages as with images, and no
    test reads their image files. Returns the root and each command's (exit code, stdout, stderr): "public" and
    "restricted" (English), "public_translations" and "restricted_translations" (Albanian and Serbian)."""

    def build(root: Path) -> dict:
        shutil.copytree(request.getfixturevalue("sample_root"), root, dirs_exist_ok=True)
        runner = CliRunner()

        def run(*args: str | int) -> tuple[int, str, str]:
            result = runner.invoke(app, [str(a) for a in args], prog_name="tipstats", catch_exceptions=False)
            return result.exit_code, result.stdout, result.stderr

        runs = {}
        with pytest.MonkeyPatch.context() as patch:
            isolate(patch, root, SAMPLE_RAW)
            for edition, flags in (("public", ()), ("restricted", ("--restricted",))):
                runs[edition] = run("report", "--year", 2025, "--language", "en", *flags)
                patch.setenv("TIPSTATS_IMAGES", "0")
                runs[f"{edition}_translations"] = run("report", "--year", 2025, "--language", "sq", "--language",
                                                      "sr", *flags)
                patch.delenv("TIPSTATS_IMAGES")
        return {"root": str(root), **runs}

    built = built_once(tmp_path_factory, "report", build)
    return {"root": Path(built["root"]), **{name: tuple(run) for name, run in built.items() if name != "root"}}


@pytest.fixture(scope="module")
def sample_settings(sample_root: Path):
    """The environment pointed at the shared sample warehouse for one module; its tests must not write to it."""
    with pytest.MonkeyPatch.context() as patch:
        isolate(patch, sample_root, SAMPLE_RAW)
        yield Settings.from_env()


@pytest.fixture
def env(tmp_path: Path):
    """Settings, key and home all under tmp_path. The patch is the fixture's own, so a test's
    `monkeypatch` (even `monkeypatch.undo()`) can never send a command to the repository's raw/."""
    e = Env(tmp_path, tmp_path / "raw", tmp_path / "warehouse" / "tipstats.duckdb", tmp_path / "reports")
    e.raw.mkdir()
    with pytest.MonkeyPatch.context() as patch:
        isolate(patch, tmp_path, e.raw)
        yield e


# ------------------------------------------------------------------------------------------------------ CLI
@dataclass
class Run:
    exit_code: int
    stdout: str
    stderr: str


@pytest.fixture
def cli(env: Env):
    """run("validate", path, "--json") → Run(exit_code, stdout, stderr). Unexpected exceptions propagate."""
    runner = CliRunner()

    def run(*args: str | Path) -> Run:
        result = runner.invoke(app, [str(a) for a in args], prog_name="tipstats", catch_exceptions=False)
        return Run(result.exit_code, result.stdout, result.stderr)

    return run


@pytest.fixture
def refresh(cli):
    """Run `tipstats refresh` and insist it succeeded."""

    def run(*args: str | Path) -> Run:
        result = cli("refresh", *args)
        assert result.exit_code == 0, result.stderr + result.stdout
        return result

    return run


# ------------------------------------------------------------------------------------------------ warehouse
@pytest.fixture
def query(env: Env):
    """query(sql, params) → list of row tuples, from a read-only connection opened for the one query."""
    return querier(env.warehouse)


def querier(warehouse: Path):
    def run(sql: str, params: list | None = None) -> list[tuple]:
        con = duckdb.connect(str(warehouse), read_only=True)
        try:
            # with the macro the breakdown queries read, when `sql` reads it, as stats.query has it
            return stats.with_units_by(con, sql).execute(sql, params or []).fetchall()
        finally:
            con.close()

    return run


def dump(warehouse: Path) -> dict[str, list[tuple]]:
    """Every table and view of the warehouse, rows sorted: equal dumps mean an unchanged warehouse."""
    con = duckdb.connect(str(warehouse), read_only=True)
    try:
        names = [n for (n,) in con.execute(
            "select table_name from information_schema.tables order by table_name").fetchall()]
        return {n: sorted(con.execute(f'select * from "{n}"').fetchall(), key=repr) for n in names}
    finally:
        con.close()


# ------------------------------------------------------------------------------------------------ validation
@pytest.fixture
def validate_rows(tmp_path: Path):
    """validate_rows(source, rows or text or bytes, month=, name=) → FileResult, as `tipstats validate`
    sees the file written to tmp_path/<month>/<source>.csv (or `name`)."""

    def run(source: str, content: list[dict] | str | bytes, month: str = MONTH,
            name: str | None = None) -> FileResult:
        path = write_file(tmp_path / "files" / month / (name or f"{source}.csv"), content)
        return validate_file(path, month)

    return run


def errors_of(result: FileResult) -> list[tuple[int, str, str]]:
    """The (line, column, check) of every rejected cell, in report order."""
    return [(int(line), column, check) for line, column, check in
            result.errors[["line", "column", "check"]].itertuples(index=False)]
