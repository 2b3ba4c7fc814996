"""Prototype for issue 15, point 2: where the contracts execute, measured on the bench sample.

    .venv/bin/python bench/contracts_prototype.py --rows 1000000

For the judgments files of the 36 history months of bench/run.py's sample it measures, one after the other in
this process (CPU = user + system seconds of all its threads, from getrusage):
- reference: the checking thread of today's refresh (pipeline.read + pipeline.validate._check_file), no load;
- sql: the contract compiled into one DuckDB statement per file over read_csv(all_varchar) (compile_sql);
- polars: the same contract through pandera's polars back end (`pip install polars` into .venv first).
Both prototypes walk one pandera schema per stage made of *registered* checks (isin, str_matches, ...), which
carry their statistics. Today's contracts (contracts/base.py) declare every check as a Python lambda, which
neither compiles nor runs on polars: inventory() shows it. registered_schemas() declares the same checks the
way the contracts would have to, from the same Column list; the row checks stay custom and are counted.
"""
from __future__ import annotations

import argparse
import os
import resource
import sys
import tempfile
import time
from collections import Counter, defaultdict
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))
sys.path.insert(0, str(Path(__file__).resolve().parents[1]))
from run import MONTHS, sample  # noqa: E402  (bench/run.py's sample, generated once under bench/data/)

os.environ["TIPSTATS_MAX_REASONS"] = "1000000000"  # the reference lists every failure, not the first 1,000

import duckdb  # noqa: E402
import pandas as pd  # noqa: E402
import polars as pl  # noqa: E402
import pandera.polars as pp  # noqa: E402

from contracts import SOURCES, base, codes  # noqa: E402
from pipeline import validate  # noqa: E402
from pipeline.read import detect_encoding, sniff_delimiter  # noqa: E402

COMPILABLE = {"isin", "str_matches", "str_length", "in_range", "greater_than_or_equal_to",
              "less_than_or_equal_to"}


def cpu() -> float:
    r = resource.getrusage(resource.RUSAGE_SELF)  # the process: every thread, DuckDB's and polars' too
    return r.ru_utime + r.ru_stime


# ------------------------------------------------------------------------------------------ the contract
def registered_schemas(spec, month: str, decimal_comma: bool):
    """(raw, typed) pandera-polars schemas with registered checks, each check's contract name in `error`.
    Blank cells are nulls (pandera skips nulls in checks), so `required` is nullable=False."""
    raw, typed = {}, {}
    kinds = {"date": pl.Date, "int": pl.Int64, "decimal": pl.Float64, "bool": pl.Boolean}
    for col in spec.columns + (base.WITHDRAWN,):
        checks, later = [], []
        if col.kind in ("id", "person"):
            checks.append(pp.Check.str_length(max_value=base.MAX_ID_LENGTH, error="max_length"))
        elif col.kind in ("code", "region"):
            checks.append(pp.Check.isin(list(col.codes), error="code_list"))
        elif col.kind == "offence":
            checks.append(pp.Check.str_matches(codes.offence_pattern(), error="offence_code"))
        elif col.kind == "date":
            checks.append(pp.Check.str_matches(base.DATE_PATTERN, error="date_format"))
            later.append(pp.Check.le(base.month_end(month).date(), error="future_date"))
            if col.name == "opened_on":
                later.append(pp.Check.ge(base.earliest_date().date(), error="date_range"))
        elif col.kind in ("int", "decimal"):
            pattern = base.INT_PATTERN if col.kind == "int" else (
                base.DECIMAL_COMMA_PATTERN if decimal_comma else base.DECIMAL_POINT_PATTERN)
            checks.append(pp.Check.str_matches(pattern, error="number_format"))
            # parse's "more than 9 digits" rule, as a range; then the typed contract's at_least(0)
            later.append(pp.Check.in_range(-1e9, 1e9, include_min=False, include_max=False, error="range"))
            if col.name != "birth_year":
                later.append(pp.Check.ge(0, error="range"))
            if col.name == "age":
                later.append(pp.Check.le(120, error="range"))
        elif col.kind == "bool":
            checks.append(pp.Check.isin(["true", "false"], error="boolean"))
        raw[col.name] = pp.Column(pl.String, checks, nullable=not col.required)
        typed[col.name] = pp.Column(kinds.get(col.kind, pl.String), later, nullable=True)
    return (pp.DataFrameSchema(raw, name=f"{spec.name} (raw, registered)"),
            pp.DataFrameSchema(typed, unique=list(spec.key), name=f"{spec.name} (typed, registered)"))


def inventory(schemas) -> Counter:
    """Checks by (compilable?, name) over pandera schemas: what a generic compiler finds in them."""
    found = Counter()
    for schema in schemas:
        for column in schema.columns.values():
            for check in column.checks:
                found[(check.name in COMPILABLE and bool(check.statistics), check.name)] += 1
        for check in schema.checks:
            found[(False, check.name)] += 1
    return found


# --------------------------------------------------------------------------------------- shared helpers
def prepared(path: Path, work: Path) -> tuple[Path, str, list[str]]:
    """(UTF-8 path, delimiter, contract names of the header). Neither DuckDB (no `encodings` extension here)
    nor polars reads Windows-1250, so such a file is decoded first: the byte-level step of issue 15 point 1."""
    _, encoding = detect_encoding(path)
    if not encoding.startswith("utf-8"):
        target = work / f"{path.parent.name}-{path.name}"
        target.write_text(path.read_text(encoding=encoding), encoding="utf-8")
        path = target
    with open(path, encoding="utf-8-sig") as f:
        header = f.readline().rstrip("\r\n")
    delimiter = sniff_delimiter(header)
    return path, delimiter, [base.header_name(h) for h in header.split(delimiter)]


def canonical(distinct: dict[str, list[str]], spec) -> dict[str, dict[str, str]]:
    """The contract's own normalisation (base.normalise) applied to each column's distinct values:
    raw → canonical for the values it changes (a handful: codes in another case, `yes`, ` 1`)."""
    width = max(1, *(len(v) for v in distinct.values()))
    frame = pd.DataFrame({c.name: pd.Series((distinct.get(c.name, []) + [""] * width)[:width], dtype="str")
                          for c in spec.columns + (base.WITHDRAWN,)})
    normal = base.normalise(frame, spec)
    return {c: {r: n for r, n in zip(v, normal[c]) if r != n} for c, v in distinct.items()}


def keep_for_withdrawn(check: str, column: str, spec) -> bool:
    """The pipeline's rule (validate._drop_non_key_errors_of_withdrawals): a withdrawal row needs only keys."""
    return column in spec.key or column == "withdrawn" or check in ("duplicate_key", "field_count")


# ------------------------------------------------------------------------------------------- reference
def reference(files, spec) -> set:
    found = set()
    for path, month in files:
        per_file = set()
        for event in validate._check_file(path, month, spec.name):
            if isinstance(event, validate._Opened):  # (again, on the row-by-row reader: start over)
                per_file = set()
            if isinstance(event, validate._CheckedChunk) and event.errors is not None:
                for e in (event.errors, event.field_count_errors):
                    per_file |= {(month, int(line), base.header_name(c), check)
                                 for line, c, check in zip(e["line"], e["column"], e["check"])}
        found |= per_file
    return found


# -------------------------------------------------------------------------------------------------- sql
def literal(v) -> str:
    return "'" + str(v).replace("'", "''") + "'"


def compile_sql(raw: pp.DataFrameSchema, typed: pp.DataFrameSchema, spec, relation: str) -> tuple[str, str]:
    """One statement: failing (rec, column, check) rows of `relation` (text columns and `rec`, the record's
    ordinal). Raw checks on text; typed checks on the value cast from text that passed every raw check (null
    otherwise: each defect once); unique as a window count over rows whose key passed."""
    def predicate(check, x):  # SQL that is true where the check FAILS on a non-null x
        s = check.statistics
        if check.name == "isin":
            return f"{x} not in ({', '.join(map(literal, s['allowed_values']))})"
        if check.name == "str_matches":
            return f"not regexp_full_match({x}, {literal(s['pattern'])})"
        if check.name == "str_length":
            return f"length({x}) > {s['max_value']}"
        if check.name == "greater_than_or_equal_to":
            return f"{x} < {literal(s['min_value'])}"
        if check.name == "less_than_or_equal_to":
            return f"{x} > {literal(s['max_value'])}"
        if check.name == "in_range":
            low, high = ("<", ">") if s["include_min"] else ("<=", ">=")
            return f"({x} {low} {s['min_value']} or {x} {high} {s['max_value']})"
        raise LookupError(check.name)  # inventory() counts these; the schemas passed here hold none

    casts = {pl.Date: "try_strptime({x}, ['%Y-%m-%d', '%d.%m.%Y'])::date",
             pl.Int64: "try_cast({x} as bigint)", pl.Float64: "try_cast(replace({x}, ',', '.') as double)",
             pl.Boolean: "({x} = 'true')", pl.String: "{x}"}
    fails, raw_ok, values = [], {}, []
    for name, column in raw.columns.items():
        x = f'"{name}"'
        tests = [f"{x} is not null and {predicate(c, x)}" for c in column.checks]
        fails += [f"select rec, '{name}' as col, {literal(c.error)} as chk from t where {t}"
                  for c, t in zip(column.checks, tests)]
        if not column.nullable:
            fails.append(f"select rec, '{name}', 'required' from t where {x} is null")
        raw_ok[name] = " and ".join(f"not coalesce({t}, false)" for t in tests) or "true"
        values.append(f"case when {raw_ok[name]} then {casts[typed.columns[name].dtype.type].format(x=x)} end"
                      f" as {x}")
    for name, column in typed.columns.items():
        x = f'"{name}"'
        if column.dtype.type == pl.Date:  # matched its pattern, no such day: parse's date_invalid
            sent = f'"{name}_text"'
            fails.append(f"select rec, '{name}', 'date_invalid' from v where {x} is null and {sent} is not null"
                         f" and {raw_ok[name].replace(x, sent)}")
        fails += [f"select rec, '{name}', {literal(c.error)} from v where {x} is not null and {predicate(c, x)}"
                  for c in column.checks]
    # an empty optional key column is part of the key (PARTITION BY groups nulls); a required one is no key
    key = ", ".join(f'"{k}"' for k in typed.unique)
    complete = " and ".join(f'"{k}" is not null' for k in typed.unique if not raw.columns[k].nullable)
    fails.append(f"select rec, '', 'duplicate_key' from (select rec, count(*) over (partition by {key}) as n "
                 f"from v where {complete}) where n > 1")
    text = ", ".join(f'"{n}" as "{n}_text"' for n in raw.columns)
    ctes = (f"with t as materialized (select * from {relation}), "
            f"v as materialized (select rec, {', '.join(values)}, {text} from t)")
    return (f"{ctes}, f as ({' union all '.join(fails)}) "
            "select f.rec, f.col, f.chk, t.withdrawn = 'true' as withdrawn from f join t using (rec)"), ctes


class Fallback:
    """Times (wall, CPU) and collects what runs on pandas because it did not compile: today's row checks
    (the contract's own Python, as validate runs them), on the prototype's typed rows."""

    def __init__(self):
        self.wall = self.cpu = 0.0
        self.found = set()

    def __enter__(self):
        self.started = (time.perf_counter(), cpu())

    def __exit__(self, *exc):
        self.wall += time.perf_counter() - self.started[0]
        self.cpu += cpu() - self.started[1]


PARTS = {}  # name → Fallback: the CPU of parts of a run that are no engine's work, shown apart


def row_checks_on_pandas(values: pd.DataFrame, spec) -> list[tuple[int, str, str]]:
    """(position, column, check) failing the source's custom row checks, on typed values in pandas."""
    dtypes = {"date": "datetime64[s]", "int": "Int64", "decimal": "Float64", "bool": "boolean"}
    kinds = spec.by_name | {"withdrawn": base.WITHDRAWN}
    frame = pd.DataFrame({n: values[n].astype(dtypes.get(kinds[n].kind, "str")) for n in kinds})
    errors = []
    for check in spec.row_checks() if spec.row_checks else []:
        passed = check(frame).check_output.to_numpy(dtype=bool)
        errors.append(pd.DataFrame({"index": frame.index[~passed], "column": spec.check_columns.get(check.name, ""),
                                    "check": check.name}))
    if not errors:
        return []
    errors = pd.concat(errors, ignore_index=True)
    if spec.name == "judgments":  # as validate.contract_stages does: the first sentence column filled
        errors = validate._attribute_sentence_column(errors, frame)
    withdrawn = frame["withdrawn"].fillna(False).to_numpy(dtype=bool)
    return [(int(i), c, k) for i, c, k in zip(errors["index"], errors["column"], errors["check"])
            if not withdrawn[frame.index.get_loc(i)] or keep_for_withdrawn(k, c, spec)]


def run_sql(files, spec, work: Path, fallback: Fallback) -> set:
    con = duckdb.connect()
    found = set()
    for path, month in files:
        with PARTS["byte step"]:
            utf8, delimiter, names = prepared(path, work)
        wanted = [c.name for c in spec.columns] + ["withdrawn"]
        read = (f"read_csv('{utf8}', all_varchar = true, header = true, delim = '{delimiter}', quote = '\"', "
                f"escape = '\"', null_padding = true, strict_mode = false, "
                f"names = [{', '.join(repr(n) for n in names)}])")
        # the one read of the file, into a temporary table; rec: the record's ordinal (line = rec + 1 holds only
        # without quoted line breaks or blank lines: the byte-level step would give each record its line)
        con.execute(f"create or replace temp table delivered as select row_number() over () as rec, * from {read}")
        # normalisation: the contract's own Python on the file's distinct values
        present = [n for n in wanted if n in names]
        lists = con.execute(f"select {', '.join(f'list(distinct {chr(34)}{n}{chr(34)})' for n in present)} "
                            "from delivered").fetchone()
        distinct = {n: [v for v in values or [] if v is not None] for n, values in zip(present, lists)}
        with PARTS["normalise"]:
            mapping = canonical(distinct, spec)
        cols = []
        for n in wanted:
            if n not in names:
                cols.append(f'null::varchar as "{n}"')
                continue
            cases = " ".join(f"when {literal(v)} then {literal(c)}" for v, c in mapping[n].items()) if mapping[n] else ""
            x = f'case "{n}" {cases} else trim("{n}") end' if cases else f'trim("{n}")'
            cols.append(f"nullif({x}, '') as \"{n}\"")
        relation = f"(select rec, {', '.join(cols)} from delivered)"
        raw, typed = registered_schemas(spec, month, delimiter == ";")
        statement, ctes = compile_sql(raw, typed, spec, relation)
        for rec, col, chk, withdrawn in con.execute(statement).fetchall():
            if not withdrawn or keep_for_withdrawn(chk, col, spec):
                found.add((month, rec + 1, col, chk))
        if not spec.row_checks:
            continue
        with fallback:  # the typed rows out of DuckDB into pandas (computed again), for the checks not compiled
            values = con.sql(f"{ctes} select * from v order by rec").to_arrow_table().to_pandas()
            values = values.set_index("rec")
            fallback.found |= {(month, rec + 1, c, k) for rec, c, k in row_checks_on_pandas(values, spec)}
    return found


# ----------------------------------------------------------------------------------------------- polars
def run_polars(files, spec, work: Path, fallback: Fallback) -> set:
    found = set()
    wanted = [c.name for c in spec.columns] + ["withdrawn"]
    kinds = spec.by_name | {"withdrawn": base.WITHDRAWN}
    for path, month in files:
        with PARTS["byte step"]:
            utf8, delimiter, names = prepared(path, work)
        frame = pl.read_csv(utf8, separator=delimiter, infer_schema=False, new_columns=names, quote_char='"',
                            truncate_ragged_lines=True)
        frame = frame.with_columns(*(pl.lit(None, pl.String).alias(n) for n in wanted if n not in names))
        with PARTS["normalise"]:
            mapping = canonical({n: frame[n].drop_nulls().unique().to_list() for n in wanted if n in names}, spec)
        frame = frame.select(
            (pl.col(n).replace(mapping[n]) if mapping.get(n) else pl.col(n)).str.strip_chars()
            .replace("", None).alias(n) for n in wanted)
        raw, typed = registered_schemas(spec, month, delimiter == ";")
        failures = []  # (position, column, check)
        try:
            raw.validate(frame, lazy=True)
        except pp.errors.SchemaErrors as e:
            cases = e.failure_cases
            failures += [(i, c, "required" if k == "not_nullable" else k)
                         for i, c, k in zip(cases["index"], cases["column"], cases["check"])]
        bad = defaultdict(list)
        for i, c, _ in failures:
            bad[c].append(i)
        rec = pl.int_range(pl.len())
        clean = frame.with_columns(pl.when(rec.is_in(rows)).then(None).otherwise(pl.col(c)).alias(c)
                                   for c, rows in bad.items())
        values = []
        for n in wanted:
            x, kind = pl.col(n), kinds[n].kind
            if kind == "date":
                x = pl.coalesce(x.str.to_date("%Y-%m-%d", strict=False), x.str.to_date("%d.%m.%Y", strict=False))
            elif kind in ("int", "decimal"):
                x = (x.str.replace(",", ".") if kind == "decimal" else x).cast(
                    pl.Float64 if kind == "decimal" else pl.Int64, strict=False)
            elif kind == "bool":
                x = x == "true"
            values.append(x.alias(n))
        values_frame = clean.select(values)
        for n in wanted:  # matched its pattern, no such day
            if kinds[n].kind == "date":
                invalid = values_frame[n].is_null() & clean[n].is_not_null()
                failures += [(i, n, "date_invalid") for i in invalid.arg_true().to_list()]
        # a row whose key failed an earlier stage has no key: out of the duplicate check, as validate does it
        no_key = {i for i, c, _ in failures if c in spec.key}
        first = next(k for k in spec.key if k in spec.required)
        keyed = values_frame.with_columns(
            pl.when(rec.is_in(list(no_key))).then(None).otherwise(pl.col(first)).alias(first))
        # pandera's unique counts null keys as equal: a row without a required key column is no key at all
        keyless = set(keyed.select(pl.any_horizontal(pl.col(k).is_null() for k in spec.key if k in spec.required))
                      .to_series().arg_true().to_list())
        try:
            typed.validate(keyed, lazy=True)
        except pp.errors.SchemaErrors as e:
            cases = e.failure_cases
            for i, c, k in zip(cases["index"], cases["column"], cases["check"]):
                if k == "multiple_fields_uniqueness" or c == typed.name:
                    if i not in keyless:
                        failures.append((i, "", "duplicate_key"))
                else:
                    failures.append((i, c, k))
        if spec.row_checks:
            with fallback:  # polars → pandas (Arrow underneath) for the checks that did not compile
                fallback.found |= {(month, i + 2, c, k)
                                   for i, c, k in row_checks_on_pandas(values_frame.to_pandas(), spec)}
        withdrawn = set(frame["withdrawn"].eq("true").arg_true().to_list())
        found |= {(month, int(i) + 2, c, k) for i, c, k in failures
                  if i is not None and (i not in withdrawn or keep_for_withdrawn(k, c, spec))}
    return found


# ------------------------------------------------------------------------------------------------ driver
def compare(found: set, expected: set) -> tuple[int, list[str]]:
    notes = []
    for label, diff in (("only here", found - expected), ("only in reference", expected - found)):
        by_check = defaultdict(list)
        for f in sorted(diff):
            by_check[f[3]].append(f)
        notes += [f"  {label}: {check} ×{len(v)}, e.g. " + "; ".join(f"{m} line {ln} {c or '(row)'}"
                                                                    for m, ln, c, _ in v[:5])
                  for check, v in sorted(by_check.items())]
    return len(found ^ expected), notes


def measure(source: str, months: list[str], raw_folder: Path) -> list[tuple]:
    """(label, files, rows, failures, differences, notes, wall, cpu) for each path over one source's files."""
    spec = SOURCES[source]
    every = [(p, m) for m in months for p in (raw_folder / m).glob(f"{source}.*")]
    files = [(p, m) for p, m in every if p.suffix == ".csv"]
    real = inventory([base.raw_schema(spec, False), base.typed_schema(spec, months[-1])])
    raw, typed = registered_schemas(spec, months[-1], False)
    custom = sorted(c.name for c in base.typed_schema(spec, months[-1]).checks if c.name != "duplicate_key")
    print(f"{source}: {len(every)} files ({len(every) - len(files)} .xlsx, read by no path here); today's "
          f"contract {sum(real.values())} checks, {sum(n for (ok, _), n in real.items() if ok)} compilable; the "
          f"registered form {sum(inventory([raw, typed]).values())} column checks + unique key, all compiled; "
          f"row checks not compiled ({len(custom)}): {', '.join(custom) or 'none'}")
    rows = sum(sum(1 for _ in open(p, "rb")) - 1 for p, _ in files)  # physical lines after the header
    results = []  # (label, failures, wall, cpu)
    with tempfile.TemporaryDirectory() as work:
        # each path once on the first file, untimed: first calls (code lists, regex caches, thread pools)
        reference(files[:1], spec)
        for run in (run_sql, run_polars):
            PARTS.update({"byte step": Fallback(), "normalise": Fallback()})
            run(files[:1], spec, Path(work), Fallback())
        wall, used = time.perf_counter(), cpu()
        found = reference(files, spec)
        results.append(("reference: pandera on pandas", found, time.perf_counter() - wall, cpu() - used))
        for label, run in (("(b) DuckDB SQL", run_sql), ("(a) pandera polars", run_polars)):
            PARTS.update({"byte step": Fallback(), "normalise": Fallback()})
            fallback, wall, used = Fallback(), time.perf_counter(), cpu()
            found = run(files, spec, Path(work), fallback)
            wall, used = time.perf_counter() - wall, cpu() - used
            # one run, two rows: without the fallback's time and failures, and with them
            results.append((f"{label}, compiled checks only", found, wall - fallback.wall, used - fallback.cpu))
            results.append((f"{label} + row checks on pandas", found | fallback.found, wall, used))
            print(f"  {label}: of its CPU s, byte step (encoding, decoding) {PARTS['byte step'].cpu:.2f}, "
                  f"normalisation (the contract's Python on distinct values) {PARTS['normalise'].cpu:.2f}, "
                  f"typed rows to pandas + row checks {fallback.cpu:.2f}")
    expected = results[0][1]
    print(f"  failures by check (reference): {dict(sorted(Counter(f[3] for f in expected).items()))}")
    return [(label, len(files), rows, found, *compare(found, expected), wall, used)
            for label, found, wall, used in results]


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--rows", type=int, default=1_000_000, help="judgment rows of the bench sample")
    parser.add_argument("--sources", nargs="+", default=["judgments"], choices=list(SOURCES))
    args = parser.parse_args()
    raw_folder = sample(args.rows) / "raw"
    months = sorted(p.name for p in raw_folder.iterdir() if p.is_dir())[:MONTHS]
    table, notes = [], []
    for source in args.sources:
        results = measure(source, months, raw_folder)
        ref_cpu = results[0][-1]
        for label, files, rows, found, differences, lines, wall, used in results:
            table.append(f"| {source} | {label} | {files} | {rows:,} | {len(found):,} | {differences:,} | "
                         f"{wall:.2f} | {used:.2f} | {used / ref_cpu:.2f} |")
            notes += [f"{source}, {label}:"] + lines if lines else []
    print("| source | path | files | rows | failures | differences vs reference | wall s | CPU s | CPU ÷ reference |")
    print("|---|---|---|---|---|---|---|---|---|")
    print("\n".join(table))
    print("\n".join(notes))


if __name__ == "__main__":
    main()
