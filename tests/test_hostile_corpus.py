"""The hostile corpus (tests/hostile_corpus.py, issue 14): more than 1,000 files no delivery should hold, each
validated once, and a hostile delivery loaded, reloaded and killed.

For every file: an exit code of 0-3 (validate: 0 valid, 1 rows rejected, 2 file refused, 3 busy) and the one
its category calls for, no traceback, a reason or refusal naming the file, no identifier of the file in any
output (terminal text, `--json`; for the delivery loaded also the warehouse tables, the quality files and the
bytes of the warehouse file and its WAL), the exact pseudonym of each row that passes, and time and memory
within the bounds below. Each failure is one line naming the file's category, number and what is hostile
about it, so that a failing run says which defect is back.

Every file is validated once, in one of two worker processes (the suite itself runs on one core of two):
`validate_file` with the test key, then the command's own printing of the result, text and JSON, which costs a
tenth of a `tipstats validate` process per file. The special files, whose reading could block, run in one
process of their own with a timeout; the killed refreshes are processes of their own too.
"""
from __future__ import annotations

import json
import multiprocessing
import os
import re
import resource
import shutil
import signal
import subprocess
import sys
import time
import traceback
from collections import Counter
from concurrent.futures import ProcessPoolExecutor
from dataclasses import dataclass, field
from functools import partial
from pathlib import Path

import duckdb
import pandas as pd
import pytest
from typer.testing import CliRunner

import hostile_corpus as corpus
from conftest import TEST_KEY, Env, dump, isolate
from pipeline import cli as command
from pipeline import faults
from pipeline.pseudonym import pseudonymise
from pipeline.settings import Limits
from pipeline.staging import Staging
from pipeline.validate import validate_file

KEY = TEST_KEY.encode()
MAX_REASONS = 50  # rows listed per check and file (TIPSTATS_MAX_REASONS), low so that random files reach it
LIMITS = Limits(max_file_mb=corpus.MAX_FILE_MB, max_rows=corpus.MAX_ROWS, max_reasons=MAX_REASONS)
ENVIRONMENT = {"TIPSTATS_MAX_ROWS": str(corpus.MAX_ROWS), "TIPSTATS_MAX_FILE_MB": str(corpus.MAX_FILE_MB),
               "TIPSTATS_MAX_REASONS": str(MAX_REASONS)}
SECONDS_PER_FILE = 5.0  # processor seconds; the largest files (a 1 MiB cell, 20,000 rows) take one or two
MEMORY_PER_FILE_MB = 300  # growth of the process's peak memory that one file may cause
TRACEBACK = re.compile(r"Traceback \(most recent call last\)|^\w+(Error|Exception): |File \"[^\"]+\", line \d+", re.M)
CONTROL = re.compile(r"[\x00-\x08\x0b-\x1f\x7f\x9b]")  # what a terminal acts on (\t and \n aside)


@dataclass
class Outcome:
    case: corpus.Case
    exit_code: int | None = None
    text: str = ""  # what `tipstats validate FILE` prints
    json: str = ""  # what `tipstats validate FILE --json` prints
    crash: str | None = None  # the last line of a traceback
    seconds: float = 0.0  # processor time (every thread of the process): wall time depends on the machine's load
    memory_mb: float = 0.0
    pseudonyms: dict[int, dict[str, str]] = field(default_factory=dict)  # line -> column -> pseudonym, passed rows

    def say(self, problem: str) -> str:
        c = self.case
        return f"{c.label} {c.source or '-'} {c.what!r}: {problem}"


def peak_mb() -> float:
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024


def validate_case(case: corpus.Case) -> Outcome:
    """`tipstats validate` on one file, in this process: the validation, then the command's printing of it."""
    outcome, start, peak = Outcome(case), time.process_time(), peak_mb()
    try:
        result = validate_file(case.path, corpus.MONTH, limits=LIMITS, staging=partial(Staging, key=KEY))
        try:
            outcome.exit_code = 2 if result.file_error else 1 if result.rows_rejected else 0
            with command.out.capture() as captured:
                command.print_validation([result], [])
            outcome.text = captured.get()
            outcome.json = json.dumps({"files": [command.file_json(result)], "ignored": []}, indent=2,
                                      ensure_ascii=False)
            valid = result.valid
            if valid is not None:
                columns = corpus.PERSON_COLUMNS[case.source]
                outcome.pseudonyms = {int(r["line"]): {c: r[c] for c in columns} for r in
                                      valid[["line", *columns]].to_dict("records")}
        finally:
            if result.staging is not None:
                result.staging.drop()
    except ValueError as e:  # what `validate` prints as its one line (pipeline.cli.validate)
        outcome.exit_code, outcome.text = 2, f"error: {e}\n"
    except Exception:  # noqa: BLE001 - the point: any other exception is a traceback the user would see
        outcome.crash = traceback.format_exc().strip().splitlines()[-1][:300]
    outcome.seconds = time.process_time() - start
    outcome.memory_mb = peak_mb() - peak
    return outcome


def leaked(identifiers: list[str], *texts: str) -> list[str]:
    """The identifiers found in any of the texts, in any case."""
    low = [text.lower() for text in texts]
    return [i for i in identifiers if any(i.lower() in text for text in low)]


def report(problems: list[str], what: str) -> str:
    return f"{len(problems)} file(s) {what}:\n" + "\n".join(problems)


# ------------------------------------------------------------------------------------------------ the corpus
@pytest.fixture(scope="module")
def cases(tmp_path_factory) -> list[corpus.Case]:
    return corpus.generate(tmp_path_factory.mktemp("hostile"))


@pytest.fixture(scope="module")
def outcomes(cases, tmp_path_factory) -> list[Outcome]:
    """Every regular file named after a source, validated once (the module's main cost)."""
    root = tmp_path_factory.mktemp("validate")
    (root / "raw").mkdir()
    with pytest.MonkeyPatch.context() as patch:
        isolate(patch, root, root / "raw")
        for name, value in ENVIRONMENT.items():
            patch.setenv(name, value)
        # on two processes: the corpus costs twice the time on one (the suite itself runs on one core)
        with ProcessPoolExecutor(2, mp_context=multiprocessing.get_context("spawn")) as pool:
            return list(pool.map(validate_case, [c for c in cases if not c.special and c.source is not None],
                                 chunksize=16))


def test_the_corpus_holds_over_1000_files_in_every_category(cases):
    counts = Counter(c.category for c in cases)
    print("hostile corpus, files by category: " + ", ".join(f"{k} {v}" for k, v in sorted(counts.items())))
    assert len(cases) >= 1000, counts
    assert set(counts) == {"random_bytes", "encodings", "boms", "nuls", "line_endings", "quotes", "widths",
                           "huge_cells", "headers", "formulas", "markup", "numbers", "dates", "blank_rows",
                           "identifiers_odd", "file_names", "xlsx", "xlsx_broken", "special_files"}, counts
    assert all(c.identifiers for c in cases if c.category not in ("special_files",)
               and c.what != "the issue's reproduction: V1, then 1,048,577 x"), \
        [c.label for c in cases if not c.identifiers]


def test_every_file_ends_in_its_exit_code_and_a_reason_naming_it_without_a_traceback(outcomes):
    problems = []
    for o in outcomes:
        name = o.case.path.name
        if o.crash:
            problems.append(o.say(f"traceback: {o.crash}"))
            continue
        if o.exit_code not in o.case.exits:
            problems.append(o.say(f"exit {o.exit_code}, expected {'/'.join(map(str, o.case.exits))}: "
                                  f"{o.text.splitlines()[0][:200] if o.text else ''}"))
        if TRACEBACK.search(o.text + o.json):
            problems.append(o.say("a traceback in the output"))
        if CONTROL.search(o.text):
            problems.append(o.say(f"control characters printed: {o.text[:120]!r}"))
        if name not in o.text:
            problems.append(o.say(f"output does not name the file: {o.text[:120]!r}"))
        if o.exit_code and not re.search(r"REFUSED: |\n  line \d*: |^error: ", o.text, re.M):
            problems.append(o.say(f"exit {o.exit_code} without a reason: {o.text[:160]!r}"))
        read = json.loads(o.json)["files"][0] if o.json else {}
        if o.case.count is not None and o.exit_code != 2 and read.get("rows_read") != o.case.count:
            problems.append(o.say(f"{read.get('rows_read')} rows read of the {o.case.count} it holds"))
        if o.exit_code == 2 and "REFUSED: " in o.text:
            refusal = read["file_error"]
            if not refusal.startswith(f"{name}: ") or "\n" in refusal:
                problems.append(o.say(f"refusal not one line naming the file: {refusal[:160]!r}"))
    assert not problems, report(problems, "without a clean ending")


def test_no_identifier_of_a_file_is_shown_by_validate(outcomes):
    problems = [o.say(f"shows {', '.join(map(repr, found))}: {excerpt(o.text + o.json, found[0])}")
                for o in outcomes if (found := leaked(o.case.identifiers, o.text, o.json))]
    assert not problems, report(problems, "leaking an identifier in `validate` or `validate --json`")


def excerpt(text: str, needle: str) -> str:
    at = text.lower().find(needle.lower())
    line_start = text.rfind("\n", 0, at) + 1
    return repr(text[line_start:line_start + 160])


def expected_pseudonyms(case: corpus.Case) -> tuple[dict[int, dict[str, str]], set[str]]:
    """The pseudonym of each written row by line, and the pseudonyms of every identifier the file holds."""
    by_line = {line: dict(zip(ids, pseudonymise(pd.Series(list(ids.values()), dtype="str"), KEY)))
               for line, ids in case.rows.items()}
    known = set(pseudonymise(pd.Series(case.identifiers, dtype="str"), KEY)) if case.identifiers else set()
    return by_line, known | {p for ids in by_line.values() for p in ids.values()}


def test_rows_that_pass_carry_the_exact_pseudonyms_of_their_identifiers(outcomes):
    problems = []
    for o in outcomes:
        if o.crash:
            continue
        by_line, known = expected_pseudonyms(o.case)
        if o.case.all_valid and o.exit_code != 2 and set(o.pseudonyms) != set(by_line):
            problems.append(o.say(f"lines {sorted(by_line)} should pass, lines {sorted(o.pseudonyms)} did"))
        for line, got in o.pseudonyms.items():
            want = by_line.get(line)
            if want is not None and got != want:
                problems.append(o.say(f"line {line}: pseudonyms {got} are not those of {o.case.rows[line]}"))
            elif want is None and not set(got.values()) <= known | {None}:
                problems.append(o.say(f"line {line} passed with a pseudonym of no identifier the file holds"))
    assert not problems, report(problems, "with a row that passed under a changed identifier")


def test_every_file_is_validated_within_its_time_memory_and_reason_bounds(outcomes):
    problems = []
    for o in outcomes:
        listed = Counter(re.findall(r"^  line \d+: ((?:warning )?\[\w+\])", o.text, re.M))
        if o.seconds > SECONDS_PER_FILE:
            problems.append(o.say(f"{o.seconds:.1f} s of processor time, over {SECONDS_PER_FILE} s"))
        if o.memory_mb > MEMORY_PER_FILE_MB:
            problems.append(o.say(f"peak memory up {o.memory_mb:.0f} MB, over {MEMORY_PER_FILE_MB} MB"))
        over = {check: n for check, n in listed.items() if n > MAX_REASONS}
        if over:
            problems.append(o.say(f"rows listed per check over {MAX_REASONS}: {over}"))
    slowest = sorted(outcomes, key=lambda o: -o.seconds)[:3]
    print(f"validated {len(outcomes)} files in {sum(o.seconds for o in outcomes):.1f} s of processor time; slowest: "
          + "; ".join(f"{o.case.label} {o.seconds:.2f} s" for o in slowest))
    assert not problems, report(problems, "over a bound")


# ------------------------------------------------------------------------------- file names, special files
def test_odd_file_names_are_one_line_without_escapes(cases, env):
    runner = CliRunner()
    problems = []
    for case in (c for c in cases if c.category == "file_names"):
        result = runner.invoke(command.app, ["validate", str(case.path)], prog_name="tipstats")
        shown = result.stdout + result.stderr
        crashed = result.exception is not None and not isinstance(result.exception, SystemExit)
        problem = (f"traceback: {result.exception!r}" if crashed
                   else f"exit {result.exit_code}" if result.exit_code != 2
                   else f"control characters printed: {shown[:120]!r}" if CONTROL.search(shown)
                   else f"{len(shown.splitlines())} lines, not one: {shown[:120]!r}" if len(shown.splitlines()) != 1
                   else f"shows {found}" if (found := leaked(case.identifiers, shown)) else None)
        if problem:
            problems.append(f"{case.label} {case.what!r}: {problem}")
    assert not problems, report(problems, "badly named")


SPECIAL_RUNNER = """
import json, sys
from typer.testing import CliRunner
from pipeline.cli import app
for path in sys.argv[1:]:
    result = CliRunner().invoke(app, ["validate", path, "--json"], prog_name="tipstats")
    crash = None if result.exception is None or isinstance(result.exception, SystemExit) else repr(result.exception)
    print(json.dumps({"path": path, "exit": result.exit_code, "out": result.stdout, "err": result.stderr,
                      "crash": crash}), flush=True)
"""


def test_special_files_are_refused_unread_naming_the_file(cases, tmp_path):
    special = [c for c in cases if c.special]
    environ = {**os.environ, "TIPSTATS_KEY": TEST_KEY, "TIPSTATS_RAW": str(tmp_path), **ENVIRONMENT}
    try:  # one process for all (a read that blocks on a FIFO or never ends on a device ends in the timeout)
        done = subprocess.run([sys.executable, "-c", SPECIAL_RUNNER, *map(str, (c.path for c in special))],
                              capture_output=True, text=True, timeout=60, env=environ, cwd=tmp_path).stdout
    except subprocess.TimeoutExpired as e:
        done = (e.stdout or b"").decode()
    results = {r["path"]: r for r in map(json.loads, done.splitlines())}
    problems = []
    for case in special:
        r = results.get(str(case.path))
        problem = ("never ended (over the 60 s bound)" if r is None else f"traceback: {r['crash']}" if r["crash"]
                   else f"exit {r['exit']}, not 2: {(r['out'] + r['err'])[:160]!r}" if r["exit"] != 2
                   else f"does not name the file: {r['err'][:160]!r}"
                   if case.path.name not in r["out"] + r["err"] else None)
        if problem:
            problems.append(f"{case.label} {case.what!r}: {problem}")
    assert not problems, report(problems, "special")


# ------------------------------------------------------------------------------------ a hostile delivery
LOADED_PER_CATEGORY = 1  # files of each category in the delivery loaded (one month per file of a source)


def hostile_delivery(cases: list[corpus.Case], raw: Path, first: int = 0, per_category: int = LOADED_PER_CATEGORY
                     ) -> list[tuple[corpus.Case, Path]]:
    """A few files of every category copied into month folders, each source once a month, from the `first`
    month after 2024-01; the files named after no source beside those of the first month (ignored, but named
    in the refresh's notes)."""
    chosen: list[tuple[corpus.Case, Path]] = []
    taken: Counter = Counter()
    months: dict[str, int] = Counter()
    for case in cases:
        if case.special or taken[case.category] >= per_category:
            continue
        if case.exits == (2,) and case.category not in ("xlsx", "blank_rows", "file_names"):
            continue  # refused whole: nothing of it reaches the warehouse, the validate tests cover it
        taken[case.category] += 1
        index = first + months[case.source]
        months[case.source] += case.source is not None
        month = f"{2024 + index // 12}-{index % 12 + 1:02d}"
        target = raw / month / case.path.name
        target.parent.mkdir(parents=True, exist_ok=True)
        shutil.copyfile(case.path, target)
        chosen.append((case, target))
    return chosen


def stored_text(env: Env) -> tuple[str, bytes]:
    """Every table of the warehouse as text, and the bytes of the warehouse file and its write-ahead log."""
    tables = repr(dump(env.warehouse))
    data = env.warehouse.read_bytes()
    wal = env.warehouse.with_name(env.warehouse.name + ".wal")
    return tables, data + (wal.read_bytes() if wal.exists() else b"")


def stored_leaks(chosen, env: Env) -> list[str]:
    tables, data = stored_text(env)
    quality = {p: p.read_text(encoding="utf-8", errors="replace") for p in env.reports.rglob("*") if p.is_file()}
    tables_low, quality_low = tables.lower(), {p: text.lower() for p, text in quality.items()}
    problems = []
    for case, _ in chosen:
        for identifier in case.identifiers:
            low = identifier.lower()
            where = ([f"table {excerpt(tables, identifier)}"] if low in tables_low else []) + \
                    [f"{p.name} {excerpt(quality[p], identifier)}"
                     for p, text in quality_low.items() if low in text] + \
                    [f"warehouse bytes ({encoding})" for encoding in ("utf-8", "utf-16-le")
                     if identifier.encode(encoding) in data]
            if where:
                problems.append(f"{case.label} {case.source} {case.what!r}: {identifier!r} stored in "
                                + "; ".join(where))
    return problems


@pytest.fixture
def hostile_env(env, monkeypatch):
    for name, value in ENVIRONMENT.items():
        monkeypatch.setenv(name, value)
    return env


def tipstats(env: Env, *args: str, kill_at: str | None = None) -> subprocess.CompletedProcess:
    environ = {k: v for k, v in os.environ.items() if k not in (faults.KILL_AT, faults.PAUSE_AT)}
    if kill_at:
        environ[faults.KILL_AT] = kill_at
    return subprocess.run([sys.executable, "-m", "pipeline.cli", *args], cwd=env.root, env=environ,
                          capture_output=True, text=True, timeout=120)


def stored_keys(env: Env) -> set[str]:
    con = duckdb.connect(str(env.warehouse), read_only=True)
    try:
        return {k for (k,) in con.execute(
            "select person_key from stg_investigations union select person_key from stg_prosecutions union "
            "select person_key from stg_judgments union select judge_key from stg_judgments union "
            "select victim_key from stg_victims").fetchall()}
    finally:
        con.close()


def test_a_hostile_delivery_killed_loaded_and_reloaded_stores_no_identifier(cases, hostile_env, cli):
    """Clean months of 2024 loaded; then a hostile delivery from 2025-01 whose refresh is killed mid-load and
    before its commit (the warehouse stays as it was), loaded, and its first month reloaded with corrected
    files: no identifier in the refresh's output, the tables, the quality files or the bytes of the warehouse
    and its WAL (the reload's freed blocks included), and every valid row under its exact pseudonym."""
    from test_crash import comparable, files

    env = hostile_env
    clean = hostile_delivery([c for c in cases if c.all_valid and c.exits == (0,)], env.raw, per_category=1)
    assert cli("refresh").exit_code == 0
    before, reports = comparable(env.warehouse), files(env.reports)
    chosen = hostile_delivery(cases, env.raw, first=12)
    for point in ("mid_load", "before_commit"):  # inside the transaction, the hostile rows half stored
        killed = tipstats(env, "refresh", kill_at=point)
        assert killed.returncode == -signal.SIGKILL, (point, killed.stdout + killed.stderr)
        assert comparable(env.warehouse) == before, point
        assert files(env.reports) == reports, point
    loaded = cli("refresh")
    assert loaded.exit_code in (0, 1), loaded.stdout + loaded.stderr
    problems = [f"{case.label} {case.what!r}: the refresh shows {found}" for case, _ in chosen
                if (found := leaked(case.identifiers, loaded.stdout + loaded.stderr))]
    keys = stored_keys(env)
    for case, _ in clean + chosen:
        if case.all_valid and case.exits == (0,):
            expected = {p for ids in expected_pseudonyms(case)[0].values() for p in ids.values()}
            if expected - keys:
                problems.append(f"{case.label} {case.what!r}: {len(expected - keys)} valid row(s) not stored "
                                "under their pseudonyms")
    # each hostile file of 2025-01 corrected (one valid row of its source): the rejected values go, bytes too
    for case, target in chosen:
        if target.parent.name == "2025-01" and case.source:
            target.unlink()
            corrected = corpus.row(case.source, case.number, 50)
            target.with_suffix(".csv").write_text(corpus.csv_of(list(corrected), [list(corrected.values())]))
    reloaded = cli("refresh", "--reload", "2025-01")
    assert reloaded.exit_code in (0, 1), reloaded.stdout + reloaded.stderr
    problems += stored_leaks(chosen, env)
    audit = cli("audit")
    if problems and audit.exit_code != 1:
        problems.append(f"`tipstats audit` exit {audit.exit_code}, found none of these: {audit.stdout[-200:]!r}")
    print("hostile delivery loaded: " + ", ".join(f"{k} {v}" for k, v in
                                                   sorted(Counter(c.category for c, _ in chosen).items())))
    assert not problems, report(problems, "stored in clear text")
