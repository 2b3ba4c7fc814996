"""Validate delivered files: header handling, the three contract stages, row-level reasons.

Nothing here touches the warehouse: `tipstats validate` and `refresh` share this step.
"""
from __future__ import annotations

import re
from dataclasses import dataclass, field
from pathlib import Path

import pandas as pd
import pandera.pandas as pa

from contracts import SOURCES, base, codes
from contracts.base import Source
from pipeline.read import FileRefused, RawFile, read_file, sha256_of

MONTH_PATTERN = re.compile(r"^\d{4}-(0[1-9]|1[0-2])$")
MASK = "***"
ERROR_COLUMNS = ["line", "column", "check", "value", "reason", "record_key"]


@dataclass
class FileResult:
    """Everything the load log, the quarantine and `validate --json` need to know about one file."""

    path: Path
    source: str
    month: str
    sha256: str | None = None
    format: str | None = None
    encoding: str | None = None
    delimiter: str | None = None
    rows_read: int = 0
    dropped_columns: list[str] = field(default_factory=list)
    missing_columns: list[str] = field(default_factory=list)
    extra_columns: list[str] = field(default_factory=list)
    file_error: str | None = None
    errors: pd.DataFrame = field(default_factory=lambda: pd.DataFrame(columns=ERROR_COLUMNS))
    warnings: pd.DataFrame = field(default_factory=lambda: pd.DataFrame(columns=ERROR_COLUMNS))
    valid: pd.DataFrame | None = None  # typed rows that passed, with their `line`

    @property
    def rows_rejected(self) -> int:
        if self.file_error:
            return self.rows_read
        return int(self.errors["line"].nunique())

    @property
    def rows_valid(self) -> int:
        return self.rows_read - self.rows_rejected

    @property
    def delivered(self) -> bool:
        return self.file_error is None

    def refuse(self, message: str) -> "FileResult":
        self.file_error = message
        self.valid = None
        self.errors = pd.DataFrame({
            "line": pd.Series(self._lines, dtype="Int64"), "column": "", "check": "file_refused",
            "value": "", "reason": message, "record_key": "",
        }, columns=ERROR_COLUMNS)
        return self

    _lines: list[int] = field(default_factory=list, repr=False)


@dataclass
class MonthResult:
    month: str
    folder: Path
    files: list[FileResult]
    ignored: list[str]  # files in the folder that are not a source's delivery

    def by_source(self) -> dict[str, FileResult]:
        return {f.source: f for f in self.files}


def source_of(path: Path) -> str | None:
    name = path.stem.lower()
    return name if name in SOURCES and path.suffix.lower() in (".csv", ".xlsx") else None


def month_of(path: Path) -> str | None:
    folder = path.parent.name
    return folder if MONTH_PATTERN.match(folder) else None


def validate_month(folder: Path) -> MonthResult:
    month = folder.name
    if not MONTH_PATTERN.match(month):
        raise ValueError(f"{folder}: a month folder is named YYYY-MM")
    found: dict[str, list[Path]] = {}
    ignored = []
    for path in sorted(p for p in folder.iterdir() if not p.name.startswith(".")):
        source = source_of(path) if path.is_file() else None
        if source is None:
            ignored.append(path.name)
        else:
            found.setdefault(source, []).append(path)
    results = []
    for source in SOURCES:
        paths = found.get(source, [])
        if len(paths) > 1:
            names = " and ".join(p.name for p in paths)
            for p in paths:
                result = FileResult(p, source, month)
                _read_into(result)  # hash and row count, so the refused rows are accounted for
                results.append(result.refuse(f"{p.name}: two files for source {source} ({names}); send one"))
        elif paths:
            results.append(validate_file(paths[0], month))
    return MonthResult(month, folder, results, ignored)


def validate_file(path: Path, month: str, source: str | None = None) -> FileResult:
    source = source or source_of(path)
    if source is None:
        raise ValueError(f"{path.name}: not named after a source ({', '.join(SOURCES)}) as .csv or .xlsx")
    result = FileResult(path, source, month)
    raw = _read_into(result)
    if raw is None:
        return result
    spec = SOURCES[source]
    try:
        text = _prepare_columns(raw, spec, result)
    except FileRefused as e:
        return result.refuse(str(e))
    decimal_comma = raw.delimiter == ";"
    normal = base.normalise(text, spec)
    errors, typed = run_contracts(normal, spec, month, decimal_comma)
    if raw.too_many_cells:
        extra = pd.DataFrame({"index": raw.too_many_cells, "column": "", "check": "field_count"})
        errors = pd.concat([errors, extra], ignore_index=True)
    errors = _drop_non_key_errors_of_withdrawals(errors, typed, spec)
    lines = pd.Series(raw.lines, index=text.index)
    result.errors = describe(errors, text, normal, spec, lines)
    bad = set(errors["index"])
    valid = typed.loc[~typed.index.isin(bad)].copy()
    valid.insert(0, "line", lines.loc[valid.index].astype("int64"))
    result.valid = valid.reset_index(drop=True)
    result.warnings = unknown_articles(valid, spec)
    return result


def _read_into(result: FileResult) -> RawFile | None:
    try:
        raw = read_file(result.path)
    except FileRefused as e:
        if result.path.is_file() and result.path.stat().st_size:
            result.sha256 = sha256_of(result.path)  # so the same refused file sent again is no new delivery
        result.refuse(str(e))
        return None
    result.sha256, result.format = raw.sha256, raw.format
    result.encoding, result.delimiter = raw.encoding, raw.delimiter
    result.rows_read = len(raw.lines)
    result._lines = raw.lines
    return raw


def _prepare_columns(raw: RawFile, spec: Source, result: FileResult) -> pd.DataFrame:
    """Normalise headers, drop identifying columns unread, refuse a file without a required column."""
    names = [base.normalise_header(h) for h in raw.header]
    pii = codes.pii_columns()
    seen: dict[str, str] = {}
    for original, name in zip(raw.header, names):
        if name == "":
            continue
        if name in seen and name not in pii:
            raise FileRefused(f"{raw.path.name}: column {name!r} appears twice (headers {seen[name]!r} and {original!r})")
        seen[name] = original
    result.dropped_columns = sorted({n for n in names if n in pii})
    wanted = [c.name for c in spec.columns] + [base.WITHDRAWN.name]
    result.extra_columns = sorted({n for n in names if n and n not in wanted and n not in pii}) + [
        f"column {i + 1} (no header)" for i, n in enumerate(names) if n == "" and raw.cells[i].str.strip().ne("").any()
    ]
    missing_required = [c for c in spec.required if c not in names]
    if missing_required:
        raise FileRefused(f"{raw.path.name}: required column(s) missing: {', '.join(missing_required)}")
    # `withdrawn` is optional for every source and only reported missing when another column is
    result.missing_columns = [c.name for c in spec.columns if c.name not in names]
    text = pd.DataFrame(index=raw.cells.index)
    for name in wanted:
        text[name] = raw.cells[names.index(name)] if name in names else ""
    return text.astype("str")


def run_contracts(normal: pd.DataFrame, spec: Source, month: str, decimal_comma: bool):
    """Raw contract → parse → typed contract. Returns (errors[index, column, check], typed frame)."""
    raw_failures = _failures(base.raw_schema(spec, decimal_comma), normal, spec)
    # a cell that failed the raw stage is not parsed: it is reported once, by the raw stage
    cleaned = normal.copy()
    for column, rows in raw_failures.groupby("column")["index"]:
        cleaned.loc[rows.to_numpy(), column] = ""
    typed, parse_failures = base.parse(cleaned, spec)
    # a row whose key failed an earlier stage has no key to compare: keep it out of the duplicate check
    early = pd.concat([raw_failures, parse_failures])
    checked = typed.copy()
    no_key = early.loc[early["column"].isin(spec.key), "index"].unique()
    checked.loc[no_key, next(k for k in spec.key if k in spec.required)] = None
    typed_failures = _failures(base.typed_schema(spec, month), checked, spec)
    errors = pd.concat([raw_failures, parse_failures, typed_failures], ignore_index=True)
    if spec.name == "judgments":
        errors = _attribute_sentence_column(errors, typed)
    errors = errors.drop_duplicates(["index", "column", "check"]).sort_values(["index", "column"])
    return errors.reset_index(drop=True), typed


def _failures(schema: pa.DataFrameSchema, frame: pd.DataFrame, spec: Source) -> pd.DataFrame:
    try:
        schema.validate(frame, lazy=True)
        return pd.DataFrame(columns=["index", "column", "check"])
    except pa.errors.SchemaErrors as e:
        cases = e.failure_cases
    unexpected = cases[cases["index"].isna()]
    if len(unexpected):  # a schema-level failure (wrong dtype, missing column) is a bug, not bad data
        raise RuntimeError(f"{schema.name}: {unexpected[['column', 'check']].to_dict('records')}")
    # a row check names every column of the row: keep one error, on the column the check is about
    wide = cases["schema_context"] == "DataFrameSchema"
    cases = cases[["index", "column", "check"]].copy()
    cases["index"] = cases["index"].astype("int64")
    cases.loc[wide, "column"] = cases.loc[wide, "check"].map(lambda check: spec.check_columns.get(check, ""))
    return cases.drop_duplicates()


def _attribute_sentence_column(errors: pd.DataFrame, typed: pd.DataFrame) -> pd.DataFrame:
    from contracts.judgments import SENTENCE_COLUMNS, sentence_filled

    rows = errors["check"] == "sentence_without_conviction"
    if rows.any():
        filled = sentence_filled(typed.loc[errors.loc[rows, "index"]])
        first = filled.idxmax(axis=1).where(filled.any(axis=1), SENTENCE_COLUMNS[0])
        errors.loc[rows, "column"] = first.to_numpy()
    return errors


def _drop_non_key_errors_of_withdrawals(errors: pd.DataFrame, typed: pd.DataFrame, spec: Source) -> pd.DataFrame:
    """A withdrawal row needs only valid key columns (DATA-SPEC, Corrections)."""
    withdrawn = typed.index[typed["withdrawn"].fillna(False).astype(bool)]
    keep_columns = set(spec.key) | {"withdrawn"}
    on_withdrawn = errors["index"].isin(withdrawn)
    relevant = errors["column"].isin(keep_columns) | errors["check"].isin(["duplicate_key", "field_count"])
    return errors[~on_withdrawn | relevant].reset_index(drop=True)


def mask(column: str, value: str, spec: Source) -> str:
    return MASK if column in spec.person_columns and value != "" else value


def record_key(normal: pd.DataFrame, spec: Source) -> pd.Series:
    """The record's key as a clerk finds it in the file, person identifiers masked."""
    parts = [
        (f"{c}=" + (pd.Series(MASK, index=normal.index) if c in spec.person_columns else normal[c]))
        for c in spec.key
    ]
    out = parts[0]
    for p in parts[1:]:
        out = out + " " + p
    return out


def reason(check: str, column: str, value: str, spec: Source) -> str:
    col = spec.by_name.get(column)
    shown = f"{column} {value!r}" if column and value != "" else (column or "row")
    if check == "code_list" and col is not None and len(col.codes) <= 12:
        return f"{shown}: not in the code list ({', '.join(col.codes)})"
    if check == "duplicate_key":
        return f"key ({', '.join(spec.key)}) sent more than once in this file: all copies are held back"
    return f"{shown}: {codes.checks()[check]}"


def describe(errors: pd.DataFrame, text: pd.DataFrame, normal: pd.DataFrame, spec: Source,
             lines: pd.Series) -> pd.DataFrame:
    """Row-level reasons: line, column, check, the value as sent (identifiers masked), words, key."""
    if errors.empty:
        return pd.DataFrame(columns=ERROR_COLUMNS)
    keys = record_key(normal, spec)
    rows = []
    for idx, column, check in errors[["index", "column", "check"]].itertuples(index=False):
        if column in text:
            value = mask(column, text.at[idx, column].strip(), spec)
        elif check == "duplicate_key":
            value = keys.at[idx]
        else:
            value = ""
        rows.append((int(lines.at[idx]), column, check, value, reason(check, column, value, spec), keys.at[idx]))
    return pd.DataFrame(rows, columns=ERROR_COLUMNS)


def unknown_articles(valid: pd.DataFrame, spec: Source) -> pd.DataFrame:
    """Offence codes whose article the statute table does not list: accepted as group `other`, reported."""
    if "offence_code" not in valid:  # victims carry no offence
        return pd.DataFrame(columns=ERROR_COLUMNS)
    listed = {(r["law"], r["article"]) for r in codes.statutes()}
    codes_ = valid["offence_code"].dropna()
    parts = codes_.str.split(".", expand=True)
    if codes_.empty:
        return pd.DataFrame(columns=ERROR_COLUMNS)
    unknown = [(law, art) not in listed for law, art in zip(parts[0], parts[1])]
    hits = valid.loc[codes_.index[unknown]]
    return pd.DataFrame({
        "line": hits["line"], "column": "offence_code", "check": "unknown_article",
        "value": hits["offence_code"],
        "reason": "offence_code " + hits["offence_code"].map(repr)
        + ": article not in the statute table; counted as group 'other' with its range unknown",
        "record_key": "",
    }, columns=ERROR_COLUMNS).reset_index(drop=True)
