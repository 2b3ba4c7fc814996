"""The contracts run two ways: by pandera on pandas (the reference, validate.contract_stages_on_pandas), and as one
polars query per stage of pandera's polars check functions and the row checks' expressions
(pipeline.polars_stages). Both must reject exactly the same cells with the same checks and give the same typed
rows, on the sample and on whatever hypothesis makes up."""
from datetime import date
from pathlib import Path

import pandas as pd
import pandera.pandas as pa
import polars as pl
import pytest
from hypothesis import HealthCheck, given, settings, strategies as st

from contracts import SOURCES, base, codes
from pipeline import polars_stages, validate
from pipeline.read import open_file

ROOT = Path(__file__).resolve().parents[1]
MONTHS = ("2019-04", "2024-02", "2026-10")


def both(normal: pd.DataFrame, source: str, month: str, decimal_comma: bool):
    spec = SOURCES[source]
    pandas = validate.contract_stages_on_pandas(normal, spec, month, decimal_comma)
    polars = polars_stages.contract_stages(normal, spec, month, decimal_comma)
    return pandas, polars


def assert_same(pandas, polars) -> None:
    (errors_a, typed_a, checked_a), (errors_b, typed_b, checked_b) = pandas, polars
    assert errors_b.astype(str).values.tolist() == errors_a.astype(str).values.tolist()
    pd.testing.assert_frame_equal(typed_b, typed_a, check_exact=True)
    pd.testing.assert_frame_equal(checked_b, checked_a, check_exact=True)


def test_every_column_check_is_registered_with_its_statistics():
    """A generic reader of the schemas (a compiler, the delivery guide) finds each check's statistics, and
    each check's `error` is a check the pack explains to the agency."""
    explained = set(codes.checks())
    for spec in SOURCES.values():
        for schema in (base.raw_schema(spec, False), base.raw_schema(spec, True), base.typed_schema(spec, "2024-02")):
            for name, column in schema.columns.items():
                for check in column.checks:
                    assert check.name in {"isin", "str_matches", "str_length", "in_range",
                                          "greater_than_or_equal_to", "less_than_or_equal_to"}, (name, check)
                    assert check.statistics and check.error in explained, (name, check.name)
            for check in schema.checks:
                assert check.error in explained and check.statistics, check.name
    judgments = base.raw_schema(SOURCES["judgments"], True)
    assert judgments.columns["verdict"].checks[0].statistics["allowed_values"] == list(codes.code_list("verdict"))
    assert judgments.columns["fine"].checks[0].statistics == {"pattern": base.DECIMAL_COMMA_PATTERN}
    assert judgments.columns["judge_id"].checks[0].statistics["max_value"] == 40
    assert not judgments.columns["judgment_id"].nullable and judgments.columns["judge_id"].nullable
    age = base.typed_schema(SOURCES["victims"], "2024-02").columns["age"].checks[0]
    assert (age.name, age.statistics["min_value"], age.statistics["max_value"]) == ("in_range", 0, 120)


def test_the_sample_deliveries_give_the_same_failures_on_both_back_ends():
    checked = failures = 0
    for path in sorted((ROOT / "raw").glob("*/*.csv")):
        source, spec = validate.source_of(path), SOURCES[validate.source_of(path)]
        with open_file(path) as stream:
            plan = validate._ColumnPlan(stream.header, spec, path.name)
            for chunk in stream.chunks():
                normal = base.normalise(plan.text(chunk.cells), spec)
                pandas, polars = both(normal, source, path.parent.name, stream.delimiter == ";")
                assert_same(pandas, polars)
                checked, failures = checked + len(normal), failures + len(pandas[0])
    # the sample's planted defects are among them (tests/test_sample_load.py counts them by check)
    assert checked > 500 and failures > 20


# ------------------------------------------------------------------------------------------ property
def _dates():
    day = st.dates(date(1890, 1, 1), date(2030, 12, 31))
    return st.one_of(
        day.map(date.isoformat), day.map(lambda d: d.strftime("%d.%m.%Y")),
        st.sampled_from(["", "2024-02-30", "31.02.2024", "2024/01/05", "0000-01-01", "1999-13-01", "05.01.24"]))


def _numbers(kind: str):
    whole = st.integers(-20, 130).map(str)
    odd = st.sampled_from(["", "+5", "-0", "007", "1234567890", "0000000001", "12a", "1e5", "١٩٨٠",
                           "9" * 12 + ".5", "1.5", "2,25", "-3.0"])
    if kind == "decimal":
        return st.one_of(whole, odd, st.floats(-10, 500, allow_nan=False).map(lambda f: f"{f:.2f}"),
                         st.floats(0, 500, allow_nan=False).map(lambda f: f"{f:.1f}".replace(".", ",")))
    return st.one_of(whole, odd, st.integers(1890, 2030).map(str))


def _cell(col: base.Column, key: bool):
    if col.kind in ("id", "person"):
        pool = ["A-1", "A-2", "b 3", ""] if key else ["X-9", ""]
        return st.one_of(st.sampled_from(pool + ["X" * 40, "X" * 41, " " + "y" * 40]), st.text("AB1- ", max_size=44))
    if col.kind in ("code", "region"):
        return st.sampled_from(list(col.codes) + ["", "ZZ", "first instance"]
                               + [c.lower() for c in col.codes[:3]])
    if col.kind == "offence":
        statutes = sorted({f"{r['law']}.{r['article']}" + (f".{r['paragraph']}" if r["paragraph"] else "")
                           for r in codes.statutes()})
        return st.sampled_from(statutes[:6] + ["", "CCRK2019-165", "165.1", "CC2019.165.1", "ccrk2019.165.1"])
    if col.kind == "date":
        return _dates()
    if col.kind in ("int", "decimal"):
        return _numbers(col.kind)
    return st.sampled_from(["true", "false", "", "yes", "maybe", "1"])


@st.composite
def deliveries(draw, source: str):
    spec = SOURCES[source]
    columns = spec.columns + (base.WITHDRAWN,)
    rows = draw(st.lists(st.fixed_dictionaries({c.name: _cell(c, c.name in spec.key) for c in columns}),
                         min_size=1, max_size=25))
    if rows and draw(st.booleans()):
        rows.append(dict(rows[0]))  # a copy of a row: duplicate keys
    text = pd.DataFrame(rows, columns=[c.name for c in columns]).astype("str")
    return base.normalise(text, spec), draw(st.sampled_from(MONTHS)), draw(st.booleans())


@pytest.mark.parametrize("source", list(SOURCES))
@settings(max_examples=60, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(data=st.data())
def test_both_back_ends_reject_the_same_cells_with_the_same_checks(source, data):
    normal, month, decimal_comma = data.draw(deliveries(source))
    assert_same(*both(normal, source, month, decimal_comma))


# ------------------------------------------------------------------------------------- the one query
def test_a_check_pandera_has_no_polars_function_for_stops_validation_by_name():
    """The polars stages evaluate a column check by pandera's polars function of its name: a check added to the
    contracts without one is refused with its names, never skipped."""
    positive = pa.Check(lambda data: data.lazyframe.select(pl.col(data.key) > 0), name="positive", error="range")
    schema = pa.DataFrameSchema({"age": pa.Column("Int64", [positive], nullable=True)}, name="made up (typed)")
    frame = pl.DataFrame({"age": [1, None, -2]}, schema={"age": pl.Int64})
    with pytest.raises(RuntimeError, match=r"^check positive \(range\): pandera has no polars function of that "
                                           r"name$"):
        polars_stages.failures(schema, frame, SOURCES["victims"])


def test_the_checks_of_a_stage_give_each_failing_row_in_row_order():
    """One query for every check of the stage; failures come back by row, then column, each check once."""
    schema = pa.DataFrameSchema({
        "a": pa.Column("str", [pa.Check.isin(["x", "y"], error="code_list")], nullable=False),
        "b": pa.Column("str", [pa.Check.str_length(max_value=2, error="max_length"),
                               pa.Check.str_matches(r"[0-9]+", error="number_format")], nullable=True),
    }, checks=[base.not_before("b", "a")], name="made up (raw)")
    # text compares as text: "123" < "x", "1" < "z" and "q" < "y" fail the order; a null passes every check
    # but `required`
    frame = pl.DataFrame({"a": ["x", "z", None, "y"], "b": ["123", "1", None, "q"]})
    found = polars_stages.failures(schema, frame, SOURCES["victims"])
    assert found.values.tolist() == [
        [0, "", "date_order"], [0, "b", "max_length"],
        [1, "", "date_order"], [1, "a", "code_list"],
        [2, "a", "required"],
        [3, "", "date_order"], [3, "b", "number_format"]]


def test_two_row_rules_cannot_share_a_name():
    """A row check's polars expression is found by its name: a second rule under a used name is refused."""
    base.typed_schema(SOURCES["judgments"], "2024-02")  # its rules are registered as it is built
    with pytest.raises(ValueError, match=r"^row check date_order: another rule already has this name$"):
        base.row_check("date_order", lambda frame: frame.notna(), lambda: pl.lit(True))
