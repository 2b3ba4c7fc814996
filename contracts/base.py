"""The three validation stages every source goes through, built from its column list.

1. raw contract (pandera, over text): required, length, code lists, patterns;
2. parse: text → typed values, recording every cell that matches its pattern but still cannot be parsed;
3. typed contract (pandera): ranges, cross-column rules, duplicate keys.

A cell that failed an earlier stage is null in later stages, so each defect is reported once, by the stage
that can name it best (the coercion trap of a one-stage schema hides the real bad rows).
"""
from __future__ import annotations

import re
import unicodedata
from dataclasses import dataclass, field
from functools import lru_cache

import pandas as pd
import pandera.pandas as pa
import polars as pl
from pandera.api.polars.types import PolarsData

from contracts import codes, pack

MAX_ID_LENGTH = 40
MAX_INT_DIGITS = 9  # larger numbers are out of range for every integer column; keeps Int64 safe

# read in every country; the pack adds its own languages' words (pack.toml [booleans])
TRUE_WORDS = ("true", "yes", "1")
FALSE_WORDS = ("false", "no", "0")


def boolean_words() -> dict[str, str]:
    p = pack.active()
    return {**{w: "true" for w in TRUE_WORDS + p.true_words}, **{w: "false" for w in FALSE_WORDS + p.false_words}}


def earliest_date() -> pd.Timestamp:
    return pd.Timestamp(pack.active().earliest_date)

DATE_DOTTED = r"^([0-9]{2})\.([0-9]{2})\.([0-9]{4})$"
DATE_PATTERN = r"^([0-9]{4}-[0-9]{2}-[0-9]{2}|[0-9]{2}\.[0-9]{2}\.[0-9]{4})$"
# [0-9], not \d: \d also matches the digits of other scripts ("١٩٨٠"), which do not parse
INT_PATTERN = r"^[+-]?[0-9]+$"
DECIMAL_POINT_PATTERN = r"^[+-]?[0-9]+(\.[0-9]+)?$"
DECIMAL_COMMA_PATTERN = r"^[+-]?[0-9]+([.,][0-9]+)?$"


@dataclass(frozen=True)
class Column:
    """One column of a source as DATA-SPEC section 3 defines it.

    kind: id (case number, kept), person (identifier of a person, pseudonymised), code, region, offence,
    date, int, decimal, bool.
    """

    name: str
    kind: str
    required: bool = False
    codes: tuple[str, ...] = ()  # allowed codes for code and region kinds


@dataclass(frozen=True, eq=False)  # one object per source, hashed by identity (the schema caches)
class Source:
    name: str
    agency: str
    columns: tuple[Column, ...]
    key: tuple[str, ...]
    # builds the source's own typed row checks for a reporting month
    row_checks: object = None
    # the column each row check's failure is attributed to
    check_columns: dict[str, str] = field(default_factory=dict)

    @property
    def by_name(self) -> dict[str, Column]:
        return {c.name: c for c in self.columns}

    @property
    def required(self) -> list[str]:
        return [c.name for c in self.columns if c.required]

    @property
    def person_columns(self) -> list[str]:
        return [c.name for c in self.columns if c.kind == "person"]


WITHDRAWN = Column("withdrawn", "bool")


def code(name: str, required: bool = False, list_name: str | None = None) -> Column:
    return Column(name, "code", required, codes.code_list(list_name or name))


def demographics() -> tuple[Column, ...]:
    """sex, birth_year, citizenship, public_official as investigations define them (optional)."""
    return (
        code("sex", list_name="sex"),
        Column("birth_year", "int"),
        code("citizenship"),
        Column("public_official", "bool"),
    )


# ---------------------------------------------------------------------------------------------- normalise
# the characters Python's `\s` and str.isspace() take, as a class of the characters themselves (which Python's
# re and Arrow's RE2 both read): RE2, which pandas' str methods hand a pattern to when they can, takes `\s` as
# ASCII whitespace only, so pandas runs a pattern holding `\s` in Python instead, three times slower
WHITESPACE = "[" + "".join(c for c in map(chr, range(0x110000)) if c.isspace()) + "]"


def visible(text: str) -> str:
    """Unicode NFKC (fullwidth and other compatibility forms to their plain letters and digits) with format
    characters removed (byte-order marks, zero-width spaces and joiners, soft hyphens, direction marks):
    characters a reader cannot see must not make two spellings of one identifier, code or header."""
    return "".join(c for c in unicodedata.normalize("NFKC", text) if unicodedata.category(c) != "Cf")


def normalise_header(name: str) -> str:
    return re.sub(r"[\s\-]+", "_", visible(str(name)).strip().lower())


def header_name(header: str) -> str:
    """The contract's column for a delivered header: normalised, and the pack's own name of the fine column
    (pack.toml [money] fine_column, e.g. fine_eur) read as `fine`."""
    name = normalise_header(header)
    return "fine" if name == pack.active().fine_column else name


def delivered_header(column: str) -> str:
    """The header an agency sends for a contract column (the inverse of header_name), as messages name it."""
    return pack.active().fine_column if column == "fine" else column


def _visible_cells(text: pd.Series) -> pd.Series:
    """visible() on the cells that are not plain ASCII (nearly all are, and need nothing)."""
    odd = ~text.str.isascii()
    if odd.any():
        text = text.copy()
        text[odd] = _per_value(text[odd], visible)
    return text


def _per_value(values: pd.Series, canonical) -> pd.Series:
    """canonical(text) → text applied once per distinct value (code columns hold a handful of values)."""
    positions, distinct = pd.factorize(values)
    return pd.Series(pd.array([canonical(v) for v in distinct], dtype="str")[positions], index=values.index)


def _code_lookup(allowed: tuple[str, ...]):
    lookup = {c.lower(): c for c in allowed}
    return lambda v: lookup.get(v.lower(), v)


def _region_lookup():
    regions = codes.region_alias_map()
    return lambda v: regions.get(codes.fold(v), v)


def _boolean(text: str, words: dict[str, str]) -> str:
    return words.get(text.lower(), text)


def _offence(text: str, aliases: dict[str, str], case: dict[str, str]) -> str:
    """An agency's token for a provision (codes/offence_aliases.csv) → its code; else the code without spaces,
    the law part in upper case and the rest in the case the law writes it in (law.csv `case`)."""
    if codes.fold(text) in aliases:
        return aliases[codes.fold(text)]
    law, dot, rest = re.sub(r"\s+", "", text).partition(".")
    law = law.upper()
    rest = rest.lower() if case.get(law) == "lower" else rest.upper()
    return law + dot + rest


def person_identifier(text: pd.Series) -> pd.Series:
    """A person identifier as it is pseudonymised (DATA-SPEC 3): visible characters, trimmed, upper case,
    no inner spaces."""
    return _visible_cells(text.astype("str")).str.strip().str.upper().str.replace(WHITESPACE + "+", "", regex=True)


def normalise(frame: pd.DataFrame, source: Source) -> pd.DataFrame:
    """Trim every cell and bring codes, regions, booleans and person identifiers to canonical form.

    Values that do not normalise are left as sent, so the contract can quote them back to the agency.
    """
    out = pd.DataFrame(index=frame.index)
    words, aliases, case = boolean_words(), codes.offence_alias_map(), codes.offence_case()
    for col in source.columns + (WITHDRAWN,):
        text = _visible_cells(frame[col.name].astype("str")).str.strip()
        if col.kind == "code":
            text = _per_value(text, _code_lookup(col.codes))
        elif col.kind == "region":
            text = _per_value(text, _region_lookup())
        elif col.kind == "offence":
            text = _per_value(text, lambda v: _offence(v, aliases, case))
        elif col.kind == "bool":
            text = _per_value(text, lambda v: _boolean(v, words))
        elif col.kind == "person":
            text = person_identifier(text)
        out[col.name] = text
    return out


# --------------------------------------------------------------------------------------------- raw stage
# Every column check is one of pandera's registered checks, so it carries its statistics (isin its values,
# str_matches its pattern, in_range its bounds) and runs unchanged on the pandas and the polars back ends;
# `error` holds the contract's own name of the check (the pack's checks.csv), which the quarantine reports.
# The raw stage sees blank cells as nulls: pandera's checks pass nulls, and `required` is nullable=False.
REQUIRED = "required"


@lru_cache(maxsize=None)  # built once per source and decimal mark: every chunk of every file uses it
def raw_schema(source: Source, decimal_comma: bool) -> pa.DataFrameSchema:
    columns = {}
    for col in source.columns + (WITHDRAWN,):
        checks = []
        if col.kind in ("id", "person"):
            checks.append(pa.Check.str_length(max_value=MAX_ID_LENGTH, error="max_length"))
        elif col.kind in ("code", "region"):
            checks.append(pa.Check.isin(list(col.codes), error="code_list"))
        elif col.kind == "offence":
            checks.append(pa.Check.str_matches(codes.offence_pattern(), error="offence_code"))
        elif col.kind == "date":
            checks.append(pa.Check.str_matches(DATE_PATTERN, error="date_format"))
        elif col.kind == "int":
            checks.append(pa.Check.str_matches(INT_PATTERN, error="number_format"))
        elif col.kind == "decimal":
            pattern = DECIMAL_COMMA_PATTERN if decimal_comma else DECIMAL_POINT_PATTERN
            checks.append(pa.Check.str_matches(pattern, error="number_format"))
        elif col.kind == "bool":
            checks.append(pa.Check.isin(["true", "false"], error="boolean"))
        columns[col.name] = pa.Column("str", checks, nullable=not col.required)
    return pa.DataFrameSchema(columns, strict=True, name=f"{source.name} (raw)")


# ------------------------------------------------------------------------------------------- parse stage
def to_iso_dates(text: pd.Series) -> pd.Series:
    return text.str.replace(DATE_DOTTED, r"\3-\2-\1", regex=True)


def parse(text: pd.DataFrame, source: Source) -> tuple[pd.DataFrame, pd.DataFrame]:
    """Typed frame from text that passed the raw contract (failed cells arrive as "").

    Returns (typed, errors): errors lists each cell that matched its pattern but has no value
    (an impossible date, a number too large), with its check name.
    """
    typed = pd.DataFrame(index=text.index)
    errors = []
    for col in source.columns + (WITHDRAWN,):
        s = text[col.name]
        blank = s == ""
        if col.kind == "date":
            values = _on_distinct(s, lambda d: pd.to_datetime(to_iso_dates(d), format="%Y-%m-%d", errors="coerce")
                                  .astype("datetime64[s]"))
            bad = ~blank & values.isna()
            errors.append(_cell_errors(bad, col.name, "date_invalid"))
        elif col.kind in ("int", "decimal"):
            # counted before parsing: a number of thousands of digits is no count, and Python refuses to
            # parse more than 4,300 digits (it would become a missing value, not an error)
            whole = s.str.replace(r"[.,].*$", "", regex=True).str.lstrip("+-").str.lstrip("0")
            bad = ~blank & (whole.str.len() > MAX_INT_DIGITS)
            kept = s.where(~bad, "")
            if col.kind == "int":
                values = _on_distinct(kept, lambda d: pd.to_numeric(d.replace("", None), errors="coerce").astype("Int64"))
            else:
                values = _on_distinct(kept, lambda d: pd.to_numeric(
                    d.str.replace(",", ".", regex=False).replace("", None), errors="coerce")).astype("Float64")
            errors.append(_cell_errors(bad, col.name, "range"))
        elif col.kind == "bool":
            values = s.map({"true": True, "false": False}).astype("boolean")
        else:
            values = s.where(~blank).astype("str")
        typed[col.name] = values
    found = pd.concat(errors) if errors else pd.DataFrame(columns=["index", "column", "check"])
    return typed, found


def _on_distinct(text: pd.Series, convert) -> pd.Series:
    """convert(text) computed once per distinct value (dates and numbers repeat a lot in a delivery)."""
    positions, distinct = pd.factorize(text)
    converted = convert(pd.Series(distinct, dtype="str")).iloc[positions]
    converted.index = text.index
    return converted


def _cell_errors(bad: pd.Series, column: str, check: str) -> pd.DataFrame:
    idx = bad[bad.fillna(False)].index
    return pd.DataFrame({"index": idx, "column": column, "check": check})


# ------------------------------------------------------------------------------------------- typed stage
def month_end(month: str) -> pd.Timestamp:
    return pd.Period(month, freq="M").end_time.normalize()


# each row check's polars expression by its name: what pipeline.polars_stages evaluates, with the check's
# statistics, in one query with the column checks
ROW_CHECKS_ON_POLARS: dict = {}


def row_check(name: str, on_pandas, on_polars, **statistics) -> pa.Check:
    """A check over whole rows (a cross-column rule), declared once for both of pandera's back ends.

    on_pandas(frame, **statistics) → a boolean Series; on_polars(**statistics) → a boolean polars expression
    over the row's columns. pandera calls the check with a pandas DataFrame or with PolarsData (a LazyFrame);
    tests/test_contract_engines.py holds the two to the same rows."""
    if ROW_CHECKS_ON_POLARS.setdefault(name, on_polars) is not on_polars:
        raise ValueError(f"row check {name}: another rule already has this name")

    def check(data):
        if isinstance(data, PolarsData):
            return data.lazyframe.select(on_polars(**statistics))
        return on_pandas(data, **statistics)

    return pa.Check(check, name=name, error=name, statistics=statistics)


def _date_order(df: pd.DataFrame, later: str, earlier: str) -> pd.Series:
    return (df[later].isna() | df[earlier].isna() | (df[later] >= df[earlier])).astype(bool)


def _date_order_expr(later: str, earlier: str) -> pl.Expr:
    return (pl.col(later).is_null() | pl.col(earlier).is_null() | (pl.col(later) >= pl.col(earlier)))


def not_before(later: str, earlier: str) -> pa.Check:
    return row_check("date_order", _date_order, _date_order_expr, later=later, earlier=earlier)


def _birth_year(df: pd.DataFrame, reference: tuple[str, ...], minimum_age: int) -> pd.Series:
    ref = df[reference[0]]
    for fallback in reference[1:]:
        ref = ref.fillna(df[fallback])
    year = ref.dt.year.astype("Int64")
    by = df["birth_year"]
    good = (by >= 1900) & (by <= year - minimum_age)
    return (by.isna() | year.isna() | good).fillna(True).astype(bool)


def _birth_year_expr(reference: tuple[str, ...], minimum_age: int) -> pl.Expr:
    year = pl.coalesce([pl.col(c) for c in reference]).dt.year()
    by = pl.col("birth_year")
    return (by.is_null() | year.is_null() | ((by >= 1900) & (by <= year - minimum_age))).fill_null(True)


def birth_year_check(reference: str | tuple[str, str]) -> pa.Check:
    """birth_year within 1900 … year(reference date) − the age of criminal responsibility (pack.toml);
    reference may be (preferred, fallback)."""
    reference = reference if isinstance(reference, tuple) else (reference,)
    return row_check("birth_year_range", _birth_year, _birth_year_expr, reference=reference,
                     minimum_age=pack.active().age_of_criminal_responsibility)


def _unique_key(df: pd.DataFrame, key: tuple[str, ...], required: tuple[str, ...]) -> pd.Series:
    complete = df[list(required)].notna().all(axis=1)
    return ~(complete & df.duplicated(list(key), keep=False))


def _unique_key_expr(key: tuple[str, ...], required: tuple[str, ...]) -> pl.Expr:
    complete = pl.all_horizontal([pl.col(c).is_not_null() for c in required])
    return ~(complete & pl.struct(list(key)).is_duplicated())


def unique_key(key: tuple[str, ...], required: tuple[str, ...]) -> pa.Check:
    """Every row that shares its key with another row of the file fails (all copies are held back).

    An empty optional key column is part of the key (victims: `case_id` empty = identified outside a case);
    a row without a required key column has no key (it failed `required`).
    """
    return row_check("duplicate_key", _unique_key, _unique_key_expr, key=key, required=required)


@lru_cache(maxsize=256)  # per source and reporting month
def typed_schema(source: Source, month: str) -> pa.DataFrameSchema:
    limit = month_end(month)
    dtypes = {
        "date": "datetime64[s]", "int": "Int64", "decimal": "Float64", "bool": "boolean",
    }
    columns = {}
    for col in source.columns + (WITHDRAWN,):
        checks = []
        if col.kind == "date":
            checks.append(pa.Check.le(limit, error="future_date"))
        elif col.name == "age":
            checks.append(pa.Check.in_range(0, 120, error="range"))
        elif col.kind in ("int", "decimal") and col.name != "birth_year":
            checks.append(pa.Check.ge(0, error="range"))
        if col.name == "opened_on":
            checks.append(pa.Check.ge(earliest_date(), error="date_range"))
        columns[col.name] = pa.Column(dtypes.get(col.kind, "str"), checks, nullable=True)
    row_checks = list(source.row_checks()) if source.row_checks else []
    row_checks.append(unique_key(source.key, tuple(k for k in source.key if k in source.required)))
    return pa.DataFrameSchema(columns, checks=row_checks, strict=True, name=f"{source.name} (typed)")
