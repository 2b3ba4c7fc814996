"""The three contract stages (contracts.base) executed on polars.

The contract is declared once, as the pandera schemas of contracts.base: every column check is a registered
check and every row check carries a polars expression beside its pandas function. Here pandera-polars checks
each stage's columns and dtypes, and the checks of a stage run as one polars query: a column check by
pandera's polars function of its name with its statistics, a row check by its expression. This module also
moves the data to polars, parses text into typed columns as contracts.base.parse does, and reads each check's
failing rows. `validate.contract_stages_on_pandas` (pandera on pandas) is the reference:
tests/test_contract_engines.py holds the two to the same failures (row, column, check) and the same typed rows.
"""
from __future__ import annotations

import numpy as np
import pandas as pd
import pandera.pandas as pa
import pandera.polars as pp
import polars as pl
import pyarrow
from pandera.api.polars.types import PolarsData
from pandera.backends.polars import builtin_checks

from contracts import base
from contracts.base import Source
from contracts.judgments import attribute_sentence_column

# the dtypes of contracts.base's schemas (as pandera names them), as polars has them
POLARS_TYPES = {"string[pyarrow]": pl.String, "datetime64[ns]": pl.Datetime("ms"), "Int64": pl.Int64,
                "Float64": pl.Float64, "boolean": pl.Boolean}
_PANDAS_TYPES = {pyarrow.int64(): pd.Int64Dtype(), pyarrow.float64(): pd.Float64Dtype(),
                 pyarrow.bool_(): pd.BooleanDtype()}
FAILURE_COLUMNS = ["index", "column", "check"]


def on_polars(schema: pa.DataFrameSchema) -> pp.DataFrameSchema:
    """The same contract as a pandera-polars schema: the same Check objects, the dtypes polars names."""
    columns = {name: pp.Column(POLARS_TYPES[str(column.dtype)], column.checks, nullable=column.nullable)
               for name, column in schema.columns.items()}
    return pp.DataFrameSchema(columns, checks=schema.checks, strict=True, name=schema.name)


def contract_stages(normal: pd.DataFrame, spec: Source, month: str, decimal_comma: bool):
    """validate.contract_stages on polars: the same (errors, typed, checked) for the same normalised text."""
    index = normal.index.to_numpy()
    text = pl.from_arrow(pyarrow.Table.from_pandas(normal, preserve_index=False))
    text = text.with_columns(pl.when(pl.col(c) != "").then(pl.col(c)) for c in text.columns)  # blank → null
    raw_failures = failures(base.raw_schema(spec, decimal_comma), text, spec)
    # a cell that failed the raw stage is not parsed: it is reported once, by the raw stage
    failed = {c: rows for c, rows in raw_failures.groupby("column")["index"]}
    text = text.with_columns(_without(text[c], rows).alias(c) for c, rows in failed.items())
    typed, parse_failures = parse(text, spec)
    # a row whose key failed an earlier stage has no key to compare: keep it out of the duplicate check
    early = pd.concat([raw_failures, parse_failures])
    no_key = early.loc[early["column"].isin(spec.key), "index"].unique()
    first_key = next(k for k in spec.key if k in spec.required)
    checked = typed.with_columns(_without(typed[first_key], no_key).alias(first_key))
    typed_failures = failures(base.typed_schema(spec, month), checked, spec)
    errors = pd.concat([f for f in (raw_failures, parse_failures, typed_failures) if len(f)]
                       or [raw_failures], ignore_index=True)
    errors["index"] = index[errors["index"].to_numpy(dtype="int64")]
    typed_frame, checked_frame = (_pandas(f, normal.index) for f in (typed, checked))
    if spec.name == "judgments":
        errors = attribute_sentence_column(errors, typed_frame)
    errors = errors.drop_duplicates(FAILURE_COLUMNS).sort_values(["index", "column"])
    return errors.reset_index(drop=True), typed_frame, checked_frame


def _without(values: pl.Series, rows) -> pl.Series:
    """values with the cells at the row positions `rows` made null."""
    rows = np.asarray(rows, dtype="int64")
    return values.scatter(rows, None) if len(rows) else values


_STRUCTURES_VALID: set[tuple] = set()  # (schema name, columns, dtypes) pandera-polars accepted


def failures(schema: pa.DataFrameSchema, frame: pl.DataFrame, spec: Source) -> pd.DataFrame:
    """The row positions failing each check of the contract: (index, column, check), as validate._failures.

    pandera-polars validates the frame's columns and dtypes (on no rows). The checks are then evaluated in one
    polars query: each registered column check by pandera's own polars function for it (its name, with its
    statistics), each row check by its polars expression; a null outcome passes unless the check says
    otherwise (ignore_na), as in pandera's check back end. Through pandera's Check API each check costs about
    four collects, more than half of the contract stages' time (docs/benchmarks.md)."""
    structure = (schema.name, tuple(frame.columns), tuple(map(str, frame.dtypes)))
    if structure not in _STRUCTURES_VALID:
        try:
            on_polars(schema).validate(frame.head(0))
        except pp.errors.SchemaError as e:
            raise RuntimeError(f"{schema.name}: {e}") from None
        _STRUCTURES_VALID.add(structure)
    lazy = frame.lazy()
    outcomes = []  # (a LazyFrame of the check's one boolean column, whether a null passes, column, check)
    for name, column in schema.columns.items():
        if not column.nullable:  # the contract's `required`
            outcomes.append((lazy.select(pl.col(name).is_not_null()), False, name, base.REQUIRED))
        for check in column.checks:
            outcomes.append((_column_check(check, lazy, name), check.ignore_na, name, check.error))
    for check in schema.checks:
        outcome = lazy.select(base.ROW_CHECKS_ON_POLARS[check.name](**check.statistics))
        outcomes.append((outcome, check.ignore_na, spec.check_columns.get(check.error, ""), check.error))
    passed = pl.concat([outcome.select(pl.first().fill_null(na).alias(str(i)))
                        for i, (outcome, na, _, _) in enumerate(outcomes)], how="horizontal")
    failed = (passed.with_row_index("index").unpivot(index="index", variable_name="outcome")
              .filter(~pl.col("value")).collect())
    if failed.is_empty():
        return pd.DataFrame(columns=FAILURE_COLUMNS)
    named = np.array([(column, check) for _, _, column, check in outcomes], dtype=object)
    which = named[failed["outcome"].cast(pl.Int64).to_numpy()]  # in the checks' order, rows in order in each
    found = pd.DataFrame({"index": failed["index"].to_numpy().astype("int64"), "column": which[:, 0],
                          "check": which[:, 1]})
    return found.sort_values(["index", "column"], kind="stable")


def _column_check(check: pa.Check, lazy: pl.LazyFrame, column: str) -> pl.LazyFrame:
    """A registered column check's outcome, by pandera's polars function of that name."""
    function = getattr(builtin_checks, check.name, None)
    if function is None:  # a check added to contracts.base that pandera does not have for polars
        raise RuntimeError(f"check {check.name} ({check.error}): pandera has no polars function of that name")
    return function(PolarsData(lazy, column), **check.statistics)


def parse(text: pl.DataFrame, spec: Source) -> tuple[pl.DataFrame, pd.DataFrame]:
    """contracts.base.parse on polars: typed columns, and the cells that matched their pattern but have no
    value (an impossible date: date_invalid; more than MAX_INT_DIGITS before the decimal mark: range)."""
    columns, errors = [], []
    for col in spec.columns + (base.WITHDRAWN,):
        s = pl.col(col.name)
        if col.kind == "date":
            iso = s.str.replace(base.DATE_DOTTED, "${3}-${2}-${1}")
            value = iso.str.strptime(pl.Date, "%Y-%m-%d", strict=False).cast(pl.Datetime("ms"))
            errors.append((s.is_not_null() & value.is_null(), col.name, "date_invalid"))
        elif col.kind in ("int", "decimal"):
            whole = s.str.replace(r"[.,].*$", "").str.strip_chars_start("+-").str.strip_chars_start("0")
            too_long = s.is_not_null() & (whole.str.len_chars() > base.MAX_INT_DIGITS)
            kept = pl.when(~too_long).then(s)
            value = (kept.cast(pl.Int64, strict=False) if col.kind == "int"
                     else kept.str.replace(",", ".", literal=True).cast(pl.Float64, strict=False))
            errors.append((too_long, col.name, "range"))
        elif col.kind == "bool":
            value = s.replace_strict({"true": True, "false": False}, default=None, return_dtype=pl.Boolean)
        else:
            value = s
        columns.append(value.alias(col.name))
    typed = text.select(columns)
    flags = text.select(flag.fill_null(False).alias(str(i)) for i, (flag, _, _) in enumerate(errors))
    found = [pd.DataFrame({"index": np.flatnonzero(flags[str(i)].to_numpy()), "column": column, "check": check})
             for i, (_, column, check) in enumerate(errors)]
    found = [f for f in found if len(f)]
    return typed, (pd.concat(found, ignore_index=True) if found else pd.DataFrame(columns=FAILURE_COLUMNS))


def _pandas(frame: pl.DataFrame, index: pd.Index) -> pd.DataFrame:
    """The typed polars frame as the pandas frame contracts.base.parse gives (its dtypes, its index)."""
    out = frame.to_arrow().to_pandas(types_mapper=_PANDAS_TYPES.get)
    for name, dtype in frame.schema.items():
        if dtype == pl.Datetime:
            out[name] = out[name].astype("datetime64[s]")
        elif dtype == pl.String:
            out[name] = out[name].astype("str")
    out.index = index
    return out
