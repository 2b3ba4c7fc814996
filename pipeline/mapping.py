"""`tipstats import`: an agency's own extract → the exchange-format sources, by a source mapping.

A mapping (contracts/packs/<pack>/mappings/NAME.toml, docs/ingest.md "Source mappings and historical
imports") names the input files and how they join, the index-aligned list columns exploded in step, and
per source the SQL expression of every column and the row filters with their reasons. This module only
runs what the file says, in DuckDB: the file names columns and rules, the code is the same for every agency.

What it writes is a month folder of raw/ like any delivery (raw/ stays the record of what was delivered):
the converted files, the agency's own files under `import/`, and the accounting of every input row
(`import.csv`: mapped into how many rows of each source, or not mapped and why) with its manifest
(`import.toml`: mapping, inputs and their SHA-256, coverage, precision and proxy notes). `tipstats refresh`
reads the two with `read_manifest` and `accounting`.
"""
from __future__ import annotations

import json
import re
import shutil
import tempfile
import tomllib
from dataclasses import dataclass
from pathlib import Path

import duckdb
import pandas as pd

from contracts import SOURCES, pack
from pipeline.read import sha256_of
from pipeline.validate import MONTH_PATTERN

MANIFEST = "import.toml"
ACCOUNTING = "import.csv"
INPUTS = "import"  # the folder of the agency's own files inside the month folder
FILES = (MANIFEST, ACCOUNTING, INPUTS)  # what a refresh reads besides the deliveries (not "ignored")
NAME = re.compile(r"^[a-z_][a-z0-9_]*$")
ACCOUNTING_COLUMNS = ["file", "line", "record_key", *SOURCES, "mapped", "reason"]

# The SQL a mapping's expressions may call besides DuckDB's own functions.
MACROS = r"""
create or replace macro num(s) as try_cast(nullif(trim(cast(s as varchar)), '') as double);
-- a Python-list string ("['a', 'b_to_c']", "['0' '0']" as numpy prints it, "[None, None]") or a bare value → items;
-- None, nan and empty items are null; an empty cell is an empty list
create or replace macro pylist(s) as case when s is null or trim(s) in ('', '[]') then []::varchar[] else
    list_transform(regexp_extract_all(s, '''[^'']*''|"[^"]*"|[^\s,\[\]''"]+'),
                   lambda x: case when trim(x, '''"') in ('', 'None', 'nan', 'NaN') then null else trim(x, '''"') end)
    end;
-- a date known only to its year or month is written as the period's last day: it is then never before an
-- event of the same period known to the day (date order holds), and the precision is recorded as a note
create or replace macro year_end(y) as make_date(cast(num(y) as integer), 12, 31);
create or replace macro month_end(y, m) as last_day(make_date(cast(num(y) as integer), cast(num(m) as integer), 1));
"""


class MappingError(ValueError):
    """A mapping or an input that cannot be imported; the message names the file and the key."""


@dataclass
class Imported:
    folder: Path
    coverage: tuple[str, str]
    delivered: dict[str, int]  # source → rows written
    inputs: pd.DataFrame  # per input file: rows, mapped, not_mapped


# ------------------------------------------------------------------------------------------------ mapping
def mapping_path(name: str) -> Path:
    return pack.active().path("mappings", f"{name}.toml")


def load_mapping(name: str) -> dict:
    path = mapping_path(name)
    if not path.is_file():
        have = sorted(p.stem for p in path.parent.glob("*.toml")) if path.parent.is_dir() else []
        raise MappingError(f"no mapping {name!r} in the pack {pack.active().name} ({path}); "
                           + (f"its mappings: {', '.join(have)}" if have else "it has no mappings/ folder"))
    try:
        doc = tomllib.loads(path.read_text(encoding="utf-8"))
    except (tomllib.TOMLDecodeError, UnicodeDecodeError) as e:
        raise MappingError(f"{path}: not valid UTF-8 TOML: {e}") from None
    inputs = doc.get("inputs")
    if not isinstance(inputs, dict) or not inputs:
        raise MappingError(f"{path}: [inputs] names no input file")
    for name_, spec in inputs.items():
        if not NAME.match(name_) or not isinstance(spec, dict) or not isinstance(spec.get("file"), str):
            raise MappingError(f"{path}: [inputs.{name_}] needs a lower-case name and file = \"…\"")
    agencies = [SOURCES[s].agency for s in SOURCES]
    if doc.get("agency") not in agencies:
        raise MappingError(f"{path}: agency names whose quality file lists the rows not mapped: "
                           f"{', '.join(dict.fromkeys(agencies))}")
    sources = doc.get("sources", {})
    unknown = sorted(set(sources) - set(SOURCES))
    if unknown or not sources:
        raise MappingError(f"{path}: [sources] takes {', '.join(SOURCES)}" + (f", not {', '.join(unknown)}" if unknown else ""))
    for source, spec in sources.items():
        if not isinstance(spec.get("columns"), dict) or not spec["columns"]:
            raise MappingError(f"{path}: [sources.{source}] columns names no column")
        if spec.get("grain", "row") not in ("row", "item"):
            raise MappingError(f"{path}: [sources.{source}] grain is \"row\" or \"item\"")
        if spec.get("grain") == "item" and not doc.get("lists", {}).get("columns"):
            raise MappingError(f"{path}: [sources.{source}] grain \"item\" needs [lists] columns")
    return doc


def coverage_of(doc: dict, month: str | None, first: str | None, last: str | None) -> tuple[str, str]:
    """The months the delivery covers: --month alone, else --from/--to, else the mapping's [coverage]."""
    if month:
        return month, month
    declared = doc.get("coverage", {})
    first, last = first or declared.get("from"), last or declared.get("to")
    if not first or not last:
        raise MappingError("a historical import needs its coverage: --from YYYY-MM --to YYYY-MM, "
                           "or [coverage] from and to in the mapping")
    for option, value in (("--from", first), ("--to", last)):
        if not MONTH_PATTERN.match(value):
            raise MappingError(f"{option} takes YYYY-MM, not {value!r}")
    if first > last:
        raise MappingError(f"--from {first} is after --to {last}")
    return first, last


def months_between(first: str, last: str) -> list[str]:
    return [str(p) for p in pd.period_range(first, last, freq="M")]


# ------------------------------------------------------------------------------------------------- inputs
def find_inputs(doc: dict, paths: list[Path]) -> dict[str, Path]:
    """Each input of the mapping, by its file name, among the files given and the files of the folders given."""
    files = []
    for path in paths:
        if path.is_dir():
            files += sorted(p for p in path.iterdir() if p.is_file())
        elif path.is_file():
            files.append(path)
        else:
            raise MappingError(f"{path}: no such file or folder")
    found = {}
    for name, spec in doc["inputs"].items():
        matches = [p for p in files if p.name.lower() == spec["file"].lower()]
        if not matches:
            raise MappingError(f"input {name}: no file {spec['file']} among {', '.join(str(p) for p in paths)}")
        if len(matches) > 1:
            raise MappingError(f"input {name}: {len(matches)} files named {spec['file']}: give one")
        found[name] = matches[0]
    return found


def read_input(path: Path) -> pd.DataFrame:
    """Every cell as text, as sent (the mapping's SQL casts); UTF-8, else the pack's encodings."""
    for encoding in ("utf-8-sig", *pack.active().encodings):
        try:
            frame = pd.read_csv(path, dtype=str, keep_default_na=False, encoding=encoding)
            break
        except UnicodeDecodeError:
            continue
    else:
        raise MappingError(f"{path}: not UTF-8 nor {', '.join(pack.active().encodings) or 'another accepted encoding'}")
    # the line of each row as a reader counts it (header = line 1), so the agency can find it
    return frame.assign(_line=range(2, len(frame) + 2))


def quoted(value: str) -> str:
    return "'" + str(value).replace("'", "''") + "'"


def value_maps(con, doc: dict) -> None:
    """[maps.NAME] from = to …: a SQL macro NAME(value) for each; a value not listed maps to null."""
    for name, pairs in doc.get("maps", {}).items():
        if not NAME.match(name):
            raise MappingError(f"[maps.{name}]: a map's name is lower case letters, digits and _")
        whens = " ".join(f"when {quoted(k)} then {quoted(v)}" for k, v in pairs.items())
        con.execute(f"create or replace macro {name}(v) as case trim(cast(v as varchar)) {whens} else null end")


# -------------------------------------------------------------------------------------------------- items
def explode(con, doc: dict, primary: str) -> None:
    """Table `items` (the primary input's list columns exploded in step: _line, _item, one column per list)
    and `item_reasons` (_line, reason) for the rows that give no item: lists of unequal length, or every list
    empty when the mapping declares no `empty` row."""
    lists = doc.get("lists", {})
    columns = lists.get("columns", {})
    if not columns:
        con.execute("create table items as select null::integer as _line, null::integer as _item where false")
        con.execute("create table item_reasons as select null::integer as _line, null::varchar as reason where false")
        return
    parsed = ", ".join(f"pylist({source}) as {alias}" for alias, source in columns.items())
    con.execute(f"create table parsed as select _line, {parsed} from {primary}")
    lengths = "[" + ", ".join(f"len({a})" for a in columns) + "]"
    described = " || ', ' || ".join(f"'{source} ' || len({alias})" for alias, source in columns.items())
    con.execute(f"""create table shaped as select *, list_max({lengths}) as _n,
                    len(list_distinct(list_filter({lengths}, lambda n: n > 0))) <= 1 as _aligned,
                    {described} as _lengths from parsed""")
    items = ", ".join(f"{a}[i] as {a}" for a in columns)
    empty = lists.get("empty")
    filled = ", ".join(f"{quoted(empty[a]) if a in empty else 'null'} as {a}" for a in columns) if empty else ""
    con.execute(f"""create table items as
        select _line, i as _item, {items} from shaped, range(1, _n + 1) t(i) where _aligned and _n > 0
        {f"union all select _line, 1, {filled} from shaped where _n = 0" if empty else ""}""")
    no_items = "every list column is empty"
    con.execute(f"""create table item_reasons as
        select _line, 'list columns of unequal length (' || _lengths || ')' as reason from shaped where not _aligned
        {"" if empty else f"union all select _line, {quoted(no_items)} from shaped where _n = 0"}""")


# ------------------------------------------------------------------------------------------------ sources
def source_query(doc: dict, source: str, primary: str) -> str:
    """One row per primary row (grain "row") or per item (grain "item"), every declared column an SQL
    expression (later ones may use earlier ones by name), each input's line, and the reason of the first
    filter the row fails (null = kept)."""
    spec = doc["sources"][source]
    joins = "".join(f" left join {name} on {s['join']}" for name, s in doc["inputs"].items() if name != primary)
    if spec.get("grain") == "item":
        joins += f" join items on items._line = {primary}._line"
    lines = ", ".join(f"{name}._line as _line_{name}" for name in doc["inputs"])
    columns = ", ".join(f"({expr}) as {column}" for column, expr in spec["columns"].items())
    filters = spec.get("filters", [])
    keeps = "".join(f", coalesce(({f['keep']}), false) as _keep_{i}" for i, f in enumerate(filters))
    reason = ("case " + " ".join(f"when not _keep_{i} then {quoted(f['reason'])}" for i, f in enumerate(filters))
              + " end") if filters else "null::varchar"
    item = "items._item" if spec.get("grain") == "item" else "null::integer"
    return (f"select *, {reason} as _reason from (select {lines}, {item} as _item, {columns}{keeps} "
            f"from {primary}{joins}) order by all")


def convert(doc: dict, frames: dict[str, pd.DataFrame]) -> tuple[dict[str, pd.DataFrame], pd.DataFrame]:
    """(source → converted rows, the accounting: one row per input row)."""
    primary = next(iter(doc["inputs"]))
    con = duckdb.connect()
    try:
        con.execute(MACROS)
        value_maps(con, doc)
        for name, frame in frames.items():
            con.register(f"{name}_frame", frame)
            con.execute(f"create table {name} as select * from {name}_frame")
        for name, spec in doc["inputs"].items():
            key = spec.get("key")
            if key and name != primary:
                twice = con.execute(f"select count(*) - count(distinct {key}) from {name}").fetchone()[0]
                if twice:  # a joined row that matches twice would double the rows of the primary input
                    raise MappingError(f"input {name}: key {key} is not unique ({twice} repeated value(s))")
        explode(con, doc, primary)
        outputs, parts = {}, []
        for source, spec in doc["sources"].items():
            try:
                rows = con.execute(source_query(doc, source, primary)).df()
            except duckdb.Error as e:
                raise MappingError(f"[sources.{source}]: {str(e).splitlines()[0]}") from None
            kept = rows[rows["_reason"].isna()]
            outputs[source] = kept[list(spec["columns"])]
            for name in doc["inputs"]:
                counted = kept.groupby(f"_line_{name}").size().rename("rows")
                reasons = rows.loc[rows["_reason"].notna()].groupby(f"_line_{name}")["_reason"].agg(
                    lambda r: "; ".join(sorted(set(r))))
                part = pd.concat([counted, reasons], axis=1).reset_index(names="line")
                part["rows"] = part["rows"].fillna(0).astype(int)
                parts.append(part.assign(input=name, source=source))
            if spec.get("grain") == "item":
                why = con.execute("select _line, reason from item_reasons").df()
                parts.append(pd.DataFrame({"line": why["_line"], "rows": 0, "_reason": why["reason"],
                                           "input": primary, "source": source}))
        accounting = account(doc, frames, pd.concat(parts, ignore_index=True), primary)
    finally:
        con.close()
    return outputs, accounting


def account(doc: dict, frames: dict[str, pd.DataFrame], parts: pd.DataFrame, primary: str) -> pd.DataFrame:
    """One row per input row: rows made in each source, mapped (any), and every reason a row or an item of
    it was left out of a source."""
    tables = []
    for name, spec in doc["inputs"].items():
        frame = frames[name]
        own = parts[(parts["input"] == name) & parts["line"].notna()].copy()
        own["line"] = own["line"].astype(int)
        counts = own.pivot_table(index="line", columns="source", values="rows", aggfunc="sum", fill_value=0)
        table = pd.DataFrame({"file": spec["file"], "line": frame["_line"].to_numpy()})
        key = spec.get("key")
        # a key that identifies a person is never written out in clear (DATA-SPEC 3), a case number is
        # (the quarantine's form: name=value)
        table["record_key"] = (f"{key}=***" if spec.get("person_key") else (key + "=" + frame[key]).to_numpy()) if key else ""
        for source in SOURCES:
            table[source] = (table["line"].map(counts[source]).fillna(0).astype(int)
                             if source in counts.columns else 0)
        table["mapped"] = table[list(SOURCES)].sum(axis=1) > 0
        said = own[own["_reason"].notna()].assign(text=lambda d: d["source"] + ": " + d["_reason"])
        reasons = said.groupby("line")["text"].agg(lambda t: " | ".join(sorted(set(t))))
        if name == primary:
            table["reason"] = table["line"].map(reasons).fillna("")
        else:  # a joined row: the reasons are its primary rows' (listed there); unused, it says so in its own words
            table["reason"] = ""
            table.loc[~table["mapped"], "reason"] = doc["inputs"][name].get(
                "unused_reason", f"no row of {doc['inputs'][primary]['file']} that refers to it was mapped")
        tables.append(table)
    return pd.concat(tables, ignore_index=True)[ACCOUNTING_COLUMNS]


# --------------------------------------------------------------------------------------------------- write
def write_source(frame: pd.DataFrame, path: Path) -> None:
    """A delivery as the contracts read it: text, ISO dates, true/false, empty = unknown; the fine column
    under the pack's header for it."""
    out = pd.DataFrame(index=frame.index)
    for column in frame.columns:
        values = frame[column]
        if pd.api.types.is_datetime64_any_dtype(values):
            text = values.dt.strftime("%Y-%m-%d")
        elif pd.api.types.is_bool_dtype(values):
            text = values.map({True: "true", False: "false"})
        elif pd.api.types.is_float_dtype(values):
            # whole numbers without ".0", as an agency writes them
            text = values.map(lambda v: "" if pd.isna(v) else (str(int(v)) if float(v).is_integer() else repr(float(v))))
        else:
            text = values.astype("string")
        out[pack.active().fine_column if column == "fine" else column] = text.fillna("")
    out.to_csv(path, index=False, lineterminator="\n")


def toml_value(value) -> str:
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, (int, float)):
        return str(value)
    return json.dumps(str(value), ensure_ascii=False)  # a JSON string is a TOML basic string


def manifest_text(name: str, doc: dict, coverage: tuple[str, str], inputs: list[dict], delivered: dict[str, int]) -> str:
    lines = ["# Written by `tipstats import`: what this folder's deliveries were converted from (docs/ingest.md).",
             "[import]", f"mapping = {toml_value(name)}", f"pack = {toml_value(pack.active().name)}",
             f"agency = {toml_value(doc['agency'])}",
             f"coverage_from = {toml_value(coverage[0])}", f"coverage_to = {toml_value(coverage[1])}",
             f"description = {toml_value(doc.get('description', ''))}", ""]
    for item in inputs:
        lines += ["[[inputs]]", *(f"{k} = {toml_value(v)}" for k, v in item.items()), ""]
    for source, rows in delivered.items():
        lines += ["[[deliveries]]", f"source = {toml_value(source)}", f"file = {toml_value(source + '.csv')}",
                  f"rows = {rows}", ""]
    for kind in ("precision", "proxies", "notes"):
        notes = [(source, column, text) for source, spec in doc["sources"].items()
                 for column, text in spec.get(kind, {}).items()]
        if notes:
            lines.append(f"[{kind}]")
            lines += [f"{toml_value(f'{s}.{c}')} = {toml_value(t)}" for s, c, t in notes]
            lines.append("")
    return "\n".join(lines)


def run(name: str, paths: list[Path], raw: Path, month: str | None = None, first: str | None = None,
        last: str | None = None) -> Imported:
    """Convert the inputs by the mapping NAME into raw/<month>, or for a historical import (month None)
    into raw/<last month of the coverage> with the coverage in its manifest. Writes nothing on an error."""
    if month is not None and not MONTH_PATTERN.match(month):
        raise MappingError(f"--month takes YYYY-MM, not {month!r}")
    doc = load_mapping(name)
    coverage = coverage_of(doc, month, first, last)
    folder = raw / coverage[1]
    if folder.exists() and any(folder.iterdir()):
        raise MappingError(f"{folder} already holds files: raw/ is never modified; move them away or import "
                           "into another month")
    found = find_inputs(doc, paths)
    frames = {n: read_input(p) for n, p in found.items()}
    for n, frame in frames.items():
        missing = [c for c in [doc["inputs"][n].get("key")] if c and c not in frame.columns]
        if missing:
            raise MappingError(f"input {n} ({found[n].name}): no column {missing[0]} (its key)")
    outputs, accounting = convert(doc, frames)
    inputs = []
    for n, path in found.items():
        own = accounting[accounting["file"] == doc["inputs"][n]["file"]]
        inputs.append({"name": n, "file": f"{INPUTS}/{doc['inputs'][n]['file']}", "sha256": sha256_of(path),
                       "rows": len(own), "rows_mapped": int(own["mapped"].sum()),
                       "rows_not_mapped": int((~own["mapped"]).sum())})
    delivered = {s: len(f) for s, f in outputs.items()}
    raw.mkdir(parents=True, exist_ok=True)
    staged = Path(tempfile.mkdtemp(prefix=f".{coverage[1]}-", dir=raw))  # hidden from refresh until complete
    try:
        (staged / INPUTS).mkdir()
        for n, path in found.items():  # under the mapping's spelling of the name, as the accounting names it
            shutil.copyfile(path, staged / INPUTS / doc["inputs"][n]["file"])
        for source, frame in outputs.items():
            write_source(frame, staged / f"{source}.csv")
        accounting.to_csv(staged / ACCOUNTING, index=False, lineterminator="\n")
        (staged / MANIFEST).write_text(manifest_text(name, doc, coverage, inputs, delivered), encoding="utf-8")
        if folder.exists():
            folder.rmdir()  # empty (checked above)
        staged.rename(folder)
    except BaseException:
        shutil.rmtree(staged, ignore_errors=True)
        raise
    summary = pd.DataFrame(inputs)[["file", "rows", "rows_mapped", "rows_not_mapped"]]
    return Imported(folder, coverage, delivered, summary)


# ------------------------------------------------------------------------------------- read by refresh
def read_manifest(folder: Path) -> dict | None:
    """The folder's import manifest, or None for an ordinary delivery."""
    path = folder / MANIFEST
    if not path.is_file():
        return None
    try:
        return tomllib.loads(path.read_text(encoding="utf-8"))
    except (tomllib.TOMLDecodeError, UnicodeDecodeError) as e:
        raise MappingError(f"{path}: not a manifest written by `tipstats import`: {e}") from None


def accounting(folder: Path) -> pd.DataFrame:
    return pd.read_csv(folder / ACCOUNTING, dtype={"record_key": str, "reason": str}, keep_default_na=False)


def quality_source(manifest: dict) -> str:
    """The source whose agency's quality file lists the rows not mapped (the manifest's agency)."""
    agency = manifest["import"].get("agency")
    for source in SOURCES:
        if SOURCES[source].agency == agency:
            return source
    raise MappingError(f"import.toml: agency {agency!r} is none of "
                       f"{', '.join(SOURCES[s].agency for s in SOURCES)}")
