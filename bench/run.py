"""Benchmark: `tipstats refresh` against DuckDB's own load of the same CSV files.

    .venv/bin/python bench/run.py --rows 100000 1000000

For each N it writes sample months (pipeline.sample at the scale that gives about N judgment rows, with
proportional investigations, prosecutions and victims; above 1M rows, copies of the 1M sample with their
identifiers prefixed) under bench/data/ (git-ignored), then measures, each in its own process so that peak
resident memory is the process's own:
- floor: DuckDB `read_csv` of the same four sources' CSV files into tables of a database file, no checks;
- refresh, split by stage (exclusive times, so nesting does not count twice): read and validate in the thread
  that checks files a few chunks ahead; wait (for checked chunks), load, rebuild statistics and the commit
  (which mostly writes the rebuilt tables) in the refresh's thread; the refresh's wall clock, rows per second,
  peak memory, and the CPU seconds of all its threads (over the cores: the least wall clock that work allows);
- report: what refresh publishes afterwards (pages, tables, chart images), apart from the refresh;
- incremental: one more month on top of the loaded history, against the same month into an empty warehouse.
It prints a table and the ratios the performance issue sets targets for. Timings are wall-clock seconds.
"""
from __future__ import annotations

import argparse
import json
import os
import platform
import shutil
import subprocess
import sys
import time
from pathlib import Path

REPO = Path(__file__).resolve().parents[1]
DATA = REPO / "bench" / "data"
JUDGMENT_ROWS_AT_SCALE_1 = 131  # judgment rows of the 36 default sample months at scale 1
SOURCES = ("investigations", "prosecutions", "judgments", "victims")
MONTHS = 36
GENERATED = 1_000_000  # the largest sample generated; larger ones are copies of it
IDENTIFIERS = {"case_id", "prosecution_id", "judgment_id", "person_id", "victim_id"}


# ------------------------------------------------------------------------------------ child processes
FLOOR = """
import duckdb, json, sys, time
from pathlib import Path
raw, db = Path(sys.argv[1]), sys.argv[2]
start = time.perf_counter()
con = duckdb.connect(db)
rows = {}
for source in %r:
    files = sorted(str(p) for p in raw.glob('*/' + source + '.csv'))
    con.execute(f"create table {source} as select * from read_csv({files!r}, union_by_name = true, "
                "ignore_errors = true, null_padding = true, header = true)")
    rows[source] = con.execute(f"select count(*) from {source}").fetchone()[0]
con.close()
print(json.dumps({"seconds": time.perf_counter() - start, "rows": rows}))
""" % (SOURCES,)

REFRESH = """
import json, sys, threading, time
from pathlib import Path
from pipeline import build, faults, load, read, staging, validate
from pipeline.settings import Settings

# exclusive seconds by stage, nested calls subtracted; each thread keeps its own stack, since files are read
# and checked in a second thread (validate.validate_months) while the refresh's thread stages and stores them
local, exclusive, adding = threading.local(), {}, threading.Lock()

def timed(stage, fn):
    def wrapper(*args, **kwargs):
        stack = local.__dict__.setdefault("stack", [])
        start = time.perf_counter()
        stack.append(0.0)
        try:
            return fn(*args, **kwargs)
        finally:
            nested = stack.pop()
            spent = time.perf_counter() - start
            with adding:
                exclusive[stage] = exclusive.get(stage, 0.0) + spent - nested
            if stack:
                stack[-1] += spent
    return wrapper

def timed_generator(stage, fn):
    # time each step of a generator (the chunks of a file), not what runs between steps
    def wrapper(*args, **kwargs):
        steps = fn(*args, **kwargs)
        step = timed(stage, lambda: next(steps, None))
        while (item := step()) is not None:
            yield item
    return wrapper

# the checking thread: reading and the contracts
validate.open_file = timed("read", validate.open_file)
read.RawStream.chunks = timed_generator("read", read.RawStream.chunks)
read.CsvStream.chunks = timed_generator("read", read.CsvStream.chunks)
validate._checked_chunks = timed_generator("validate", validate._checked_chunks)
# the refresh's thread: waiting for checked chunks (and the duplicate check across chunks), then staging them
validate._staged = timed("wait", validate._staged)
staging.Staging.append = timed("load", staging.Staging.append)
rebuilt = {}
whole_or_touched = build.rebuild
def rebuild(con, load_id=None):
    result = whole_or_touched(con, load_id)
    rebuilt["touched"] = result  # None: rebuilt whole
    return result
build.rebuild = timed("rebuild", rebuild)

# the commit, timed between the fault-injection checkpoints around it (it mostly writes the rebuilt tables)
checkpoint, commit = faults.checkpoint, {}
def timed_checkpoint(name):
    commit[name] = time.perf_counter()
    checkpoint(name)
faults.checkpoint = timed_checkpoint
refresh = timed("load", load.refresh)

raw, warehouse = Path(sys.argv[1]), Path(sys.argv[2])
folders = [raw / m for m in sys.argv[3:]]
settings = Settings(raw=raw, warehouse=warehouse, reports=warehouse.parent / "reports", key_file=None)
start = time.perf_counter()
report = refresh(settings, folders)
total = time.perf_counter() - start
if "after_commit" in commit:
    exclusive["commit"] = commit["after_commit"] - commit["before_commit"]
    exclusive["load"] -= exclusive["commit"]
rows = sum(f.result.rows_read for m in report.months for f in m.files)
print(json.dumps({"stages": exclusive, "total": total, "rows": rows, "touched": rebuilt.get("touched")}))
"""

REPORT = """
import json, time
from pipeline.publication import publish
start = time.perf_counter()
publish.after_refresh()  # what refresh publishes: the latest complete year and the latest month
print(json.dumps({"seconds": time.perf_counter() - start}))
"""


def run_child(code: str, *args: str, env: dict | None = None) -> tuple[dict, float]:
    """Run a Python snippet in a fresh process; its JSON output (with the CPU seconds it used, all threads,
    as "cpu") and its own peak RSS in MB."""
    env = {**os.environ, "TIPSTATS_KEY": os.environ.get("TIPSTATS_KEY", "benchmark-key"), **(env or {})}
    proc = subprocess.Popen([sys.executable, "-c", code, *args], stdout=subprocess.PIPE, cwd=REPO, env=env)
    out = proc.stdout.read()
    _, status, usage = os.wait4(proc.pid, 0)
    proc.returncode = os.waitstatus_to_exitcode(status)
    if proc.returncode != 0:
        raise SystemExit(f"benchmark step failed ({proc.returncode}): {args}")
    reported = json.loads(out.splitlines()[-1])  # the last line: what a child reports
    return {**reported, "cpu": usage.ru_utime + usage.ru_stime}, usage.ru_maxrss / 1024


# ---------------------------------------------------------------------------------------------- driver
def sample(rows: int) -> Path:
    """Months 1..36 plus a 37th for the incremental run, written once per size. Above GENERATED rows the
    sample of GENERATED rows is replicated (the generator's simulation is too slow there)."""
    from pipeline.sample import generate

    folder = DATA / f"rows-{rows}"
    if not (folder / "done").exists():
        shutil.rmtree(folder, ignore_errors=True)
        if rows > GENERATED:
            replicate(sample(GENERATED) / "raw", folder / "raw", rows // GENERATED)
        else:
            generate(folder / "raw", months=MONTHS + 1, scale=rows / JUDGMENT_ROWS_AT_SCALE_1)
        (folder / "done").touch()
    return folder


def replicate(source: Path, target: Path, copies: int) -> None:
    """Each CSV delivery `copies` times over, every identifier prefixed with its copy's number (r0-, r1-, …), so
    that each copy is a whole second set of cases with the same defects; files are kept in their encoding and
    delimiter, uneven rows as they are. The one .xlsx delivery is copied once."""
    import csv

    from pipeline.read import detect_encoding, sniff_delimiter
    from contracts.base import normalise_header

    for month in sorted(p for p in source.iterdir() if p.is_dir()):
        (target / month.name).mkdir(parents=True)
        for path in sorted(month.iterdir()):
            if path.suffix != ".csv":
                shutil.copy(path, target / month.name / path.name)
                continue
            _, encoding = detect_encoding(path)
            with open(path, encoding=encoding, newline="") as f:
                text = f.read()
            delimiter = sniff_delimiter(text.split("\n", 1)[0])
            rows = list(csv.reader(text.splitlines(keepends=True), delimiter=delimiter))
            header = rows[0] if rows else []
            ids = [i for i, h in enumerate(header) if normalise_header(h) in IDENTIFIERS]
            with open(target / month.name / path.name, "w", encoding=encoding, newline="") as f:
                writer = csv.writer(f, delimiter=delimiter, lineterminator="\n")
                writer.writerow(header)
                for copy in range(copies):
                    for row in rows[1:]:
                        writer.writerow([f"r{copy}-{cell}" if i in ids and cell.strip() else cell
                                         for i, cell in enumerate(row)])


def measure(rows: int, report: bool = True) -> dict:
    folder = sample(rows)
    raw = folder / "raw"
    months = sorted(p.name for p in raw.iterdir() if p.is_dir())
    history, extra = months[:MONTHS], months[MONTHS]
    work = folder / "work"
    shutil.rmtree(work, ignore_errors=True)
    work.mkdir()
    measured = {"rows": rows}

    def step(name: str, code: str, *args: str, env: dict | None = None) -> None:
        """One measurement, kept in work/measured.json as soon as it is taken (a later step that fails, as
        the 10M incremental month once did, loses nothing measured before it)."""
        measured[name], measured[f"{name}_mb"] = run_child(code, *args, env=env)
        (work / "measured.json").write_text(json.dumps(measured, indent=1))

    step("floor", FLOOR, str(raw), str(work / "floor.duckdb"))
    step("full", REFRESH, str(raw), str(work / "full" / "w.duckdb"), *history)
    if report:
        step("report", REPORT, env={"TIPSTATS_WAREHOUSE": str(work / "full" / "w.duckdb"),
                                    "TIPSTATS_REPORTS": str(work / "reports")})
    else:
        measured["report"], measured["report_mb"] = {}, 0.0
    shutil.copytree(work / "full", work / "incremental")
    step("incremental", REFRESH, str(raw), str(work / "incremental" / "w.duckdb"), extra)
    step("alone", REFRESH, str(raw), str(work / "alone" / "w.duckdb"), extra)
    return measured


STAGES = ("read", "validate", "wait", "load", "rebuild", "commit")


def ingest_seconds(result: dict) -> float:
    """Wall-clock seconds of the refresh before its statistics are rebuilt (read, validate and load overlap)."""
    s = result["stages"]
    return refresh_seconds(result) - s.get("rebuild", 0) - s.get("commit", 0)


def refresh_seconds(result: dict) -> float:
    """Wall-clock seconds of the whole refresh: read, validate, load, rebuild and the commit that writes it."""
    return result["total"]


def print_results(results: list[dict]) -> None:
    print(f"machine: {platform.machine()}, {os.cpu_count()} cores, Python {platform.python_version()}")
    header = ("judgment rows", "all rows", "floor s", *(f"{s} s" for s in STAGES), "refresh s", "rows/s",
              "peak MB", "floor MB", "ratio", "report s", "floor cpu s", "refresh cpu s")
    print("(read and validate: the checking thread's seconds; wait, load, rebuild, commit: the refresh's thread,"
          " which waits while the next chunk is checked; refresh: wall clock)")
    print(" | ".join(header))
    for r in results:
        stages, refresh, all_rows = r["full"]["stages"], refresh_seconds(r["full"]), r["full"]["rows"]
        print(" | ".join([
            f"{r['floor']['rows']['judgments']:,}", f"{all_rows:,}", f"{r['floor']['seconds']:.2f}",
            *(f"{stages.get(s, 0):.2f}" for s in STAGES),
            f"{refresh:.2f}", f"{all_rows / refresh:,.0f}", f"{r['full_mb']:.0f}", f"{r['floor_mb']:.0f}",
            f"{refresh / r['floor']['seconds']:.1f}", f"{r['report']['seconds']:.1f}" if r["report"] else "–",
            f"{r['floor']['cpu']:.1f}", f"{r['full']['cpu']:.1f}",
        ]))
    for r in results:
        stages, floor = r["full"]["stages"], r["floor"]["seconds"]
        inc, alone = ingest_seconds(r["incremental"]), ingest_seconds(r["alone"])
        inc_all, alone_all = refresh_seconds(r["incremental"]), refresh_seconds(r["alone"])
        rebuild = stages.get("rebuild", 0) + stages.get("commit", 0)
        inc_stages, touched = r["incremental"]["stages"], r["incremental"].get("touched") or {}
        inc_rebuild = inc_stages.get("rebuild", 0) + inc_stages.get("commit", 0)
        print(f"rows {r['rows']:,}: ratio refresh/floor: {refresh_seconds(r['full']) / floor:.2f} (target ≤ 3 at 1M, "
              f"≤ 4 at 10M); whole rebuild + commit / floor: {rebuild / floor:.2f} (target ≤ 1 at 10M); one more month, "
              f"read → commit, / the first load's refresh: {inc_all / refresh_seconds(r['full']):.2f} (target ≤ 0.1); "
              f"incremental month (read + validate + load) on history / into empty: {inc:.2f} s / {alone:.2f} s "
              f"= {inc / alone:.2f}, with rebuild and commit {inc_all:.2f} s / {alone_all:.2f} s; "
              f"rebuild + commit {rebuild:.2f} s vs floor {floor:.2f} s; incremental rebuild + commit "
              f"{inc_rebuild:.2f} s ({touched.get('record_key', 0):,} records, {touched.get('person_key', 0):,} "
              f"persons touched) vs whole {rebuild:.2f} s; peak {r['full_mb']:.0f} MB "
              f"(incremental {r['incremental_mb']:.0f} MB); the refresh's CPU seconds over {os.cpu_count()} cores, "
              f"the least wall clock its work allows: {r['full']['cpu'] / os.cpu_count():.2f} s = "
              f"{r['full']['cpu'] / os.cpu_count() / floor:.2f} × floor")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--rows", type=int, nargs="+", default=[100_000], help="judgment rows per run")
    parser.add_argument("--no-report", action="store_true",
                        help="leave out the report step (which no target is set for; at 10M it takes the longest)")
    args = parser.parse_args()
    started = time.perf_counter()
    results = [measure(n, report=not args.no_report) for n in args.rows]
    print_results(results)
    print(f"(benchmark took {time.perf_counter() - started:.0f} s)")


if __name__ == "__main__":
    main()
