"""judgments — one row per defendant per charge per judgment (DATA-SPEC 3)."""
import pandas as pd
import polars as pl

from contracts import codes, pack
from contracts.base import Column, Source, birth_year_check, code, demographics, not_before, row_check

# `fine` is delivered under the pack's header for it (pack.toml [money] fine_column, e.g. fine_eur).
# total_prison_months: the defendant's imprisonment in this judgment, all charges together, where the source
# records the outcome per defendant rather than per charge (the person's sentence uses it when no charge of
# theirs has a term).
SENTENCE_COLUMNS = ("prison_months", "suspended", "fine", "mitigation", "total_prison_months")


def _allowed_at_instance(df: pd.DataFrame, column: str, allowed: dict[str, tuple[str, ...]]) -> pd.Series:
    """The row's `column` (court, verdict) is one of those allowed at its instance, or unknown."""
    ok = pd.Series(True, index=df.index)
    for instance, values in allowed.items():
        rows = df["instance"] == instance
        ok &= ~(rows.fillna(False) & df[column].notna() & ~df[column].isin(values))
    return ok


def _allowed_at_instance_expr(column: str, allowed: dict[str, tuple[str, ...]]) -> pl.Expr:
    return pl.all_horizontal([
        ~((pl.col("instance") == instance).fill_null(False) & pl.col(column).is_not_null()
          & ~pl.col(column).is_in(list(values)))
        for instance, values in allowed.items()] or [pl.lit(True)])


def sentence_filled(df: pd.DataFrame) -> pd.DataFrame:
    """Which sentence cells are filled: non-empty and not false or 0."""
    return pd.DataFrame({
        "prison_months": df["prison_months"].fillna(0) != 0,
        "suspended": df["suspended"].fillna(False).astype(bool),
        "fine": df["fine"].fillna(0) != 0,
        "mitigation": df["mitigation"].notna(),
        "total_prison_months": df["total_prison_months"].fillna(0) != 0,
    })


def _pairs_in(df: pd.DataFrame, pairs) -> pd.Series:
    return pd.Series(list(zip(df["instance"], df["verdict"])), index=df.index, dtype=object).isin(pairs)


def _pairs_in_expr(pairs) -> pl.Expr:
    return pl.any_horizontal([((pl.col("instance") == i) & (pl.col("verdict") == v)).fill_null(False)
                              for i, v in pairs] or [pl.lit(False)])


def _sentence_on_conviction(df: pd.DataFrame, convicting: frozenset, allowed: frozenset) -> pd.Series:
    # a row whose instance or verdict failed another check (verdict not allowed at the instance, instance
    # unknown) is judged by its verdict alone: each defect is reported once
    convicts_somewhere = df["verdict"].isin({verdict for _, verdict in convicting})
    unknown = df["verdict"].isna() | (~_pairs_in(df, allowed) & convicts_somewhere)
    return _pairs_in(df, convicting) | unknown | ~sentence_filled(df).any(axis=1)


def _sentence_on_conviction_expr(convicting: frozenset, allowed: frozenset) -> pl.Expr:
    convicts_somewhere = pl.col("verdict").is_in(sorted({verdict for _, verdict in convicting})).fill_null(False)
    unknown = pl.col("verdict").is_null() | (~_pairs_in_expr(allowed) & convicts_somewhere)
    filled = pl.any_horizontal(
        pl.col("prison_months").fill_null(0) != 0, pl.col("suspended").fill_null(False),
        pl.col("fine").fill_null(0) != 0, pl.col("mitigation").is_not_null(),
        pl.col("total_prison_months").fill_null(0) != 0)
    return _pairs_in_expr(convicting) | unknown | ~filled


def attribute_sentence_column(errors: pd.DataFrame, typed: pd.DataFrame) -> pd.DataFrame:
    """A sentence on a verdict that does not convict is reported on the first sentence column filled."""
    rows = errors["check"] == "sentence_without_conviction"
    if rows.any():
        filled = sentence_filled(typed.loc[errors.loc[rows, "index"]])
        first = filled.idxmax(axis=1).where(filled.any(axis=1), SENTENCE_COLUMNS[0])
        errors.loc[rows, "column"] = first.to_numpy()
    return errors


def row_checks() -> list:
    """The judgments' cross-column rules, with the pack's code lists they read as statistics."""
    verdicts = {instance: codes.verdicts_for(instance) for instance in codes.instance_courts()}
    allowed = frozenset((r["instance"], r["code"]) for r in codes.rows("verdict"))
    return [
        not_before("judgment_date", "offence_date"),
        birth_year_check(("offence_date", "judgment_date")),
        row_check("court_instance", _allowed_at_instance, _allowed_at_instance_expr,
                  column="court", allowed=codes.instance_courts()),
        row_check("verdict_instance", _allowed_at_instance, _allowed_at_instance_expr,
                  column="verdict", allowed=verdicts),
        row_check("sentence_without_conviction", _sentence_on_conviction, _sentence_on_conviction_expr,
                  convicting=codes.convicting_verdicts(), allowed=allowed),
    ]


def source() -> Source:
    return Source(
        name="judgments",
        agency="courts",
        columns=(
            Column("judgment_id", "id", required=True),
            Column("prosecution_id", "id"),
            Column("person_id", "person", required=True),
            Column("court", "region", required=True, codes=codes.regions(*pack.active().court_levels)),
            code("instance", required=True),
            Column("judge_id", "person"),
            Column("offence_code", "offence", required=True),
            Column("offence_date", "date"),
            Column("judgment_date", "date", required=True),
            Column("verdict", "code", required=True, codes=codes.code_list("verdict")),
            Column("final", "bool", required=True),
            Column("plea_agreement", "bool"),
            Column("prison_months", "decimal"),
            Column("suspended", "bool"),
            Column("fine", "decimal"),
            code("mitigation"),
            Column("total_prison_months", "decimal"),
            *demographics(),
        ),
        key=("judgment_id", "person_id", "offence_code", "instance"),
        row_checks=row_checks,
        check_columns={
            "date_order": "judgment_date", "birth_year_range": "birth_year",
            "court_instance": "court", "verdict_instance": "verdict",
        },
    )
