"""judgments — one row per defendant per charge per judgment (DATA-SPEC 3)."""
import pandas as pd

from contracts import codes, pack
from contracts.base import (
    Column, Source, named_check, birth_year_check, code, demographics, not_before,
)

# `fine` is delivered under the pack's header for it (pack.toml [money] fine_column, e.g. fine_eur).
# total_prison_months: the defendant's imprisonment in this judgment, all charges together, where the source
# records the outcome per defendant rather than per charge (the person's sentence uses it when no charge of
# theirs has a term).
SENTENCE_COLUMNS = ("prison_months", "suspended", "fine", "mitigation", "total_prison_months")


def court_matches_instance(df: pd.DataFrame) -> pd.Series:
    ok = pd.Series(True, index=df.index)
    for instance, courts in codes.instance_courts().items():
        rows = df["instance"] == instance
        ok &= ~(rows.fillna(False) & df["court"].notna() & ~df["court"].isin(courts))
    return ok


def verdict_matches_instance(df: pd.DataFrame) -> pd.Series:
    ok = pd.Series(True, index=df.index)
    for instance in codes.instance_courts():
        rows = df["instance"] == instance
        ok &= ~(rows.fillna(False) & df["verdict"].notna() & ~df["verdict"].isin(codes.verdicts_for(instance)))
    return ok


def sentence_filled(df: pd.DataFrame) -> pd.DataFrame:
    """Which sentence cells are filled: non-empty and not false or 0."""
    return pd.DataFrame({
        "prison_months": df["prison_months"].fillna(0) != 0,
        "suspended": df["suspended"].fillna(False).astype(bool),
        "fine": df["fine"].fillna(0) != 0,
        "mitigation": df["mitigation"].notna(),
        "total_prison_months": df["total_prison_months"].fillna(0) != 0,
    })


def convicting(df: pd.DataFrame) -> pd.Series:
    """Rows whose verdict convicts at their instance (codes/verdict.csv `convicting`)."""
    pairs = pd.Series(list(zip(df["instance"], df["verdict"])), index=df.index, dtype=object)
    return pairs.isin(codes.convicting_verdicts())


def sentence_only_on_conviction(df: pd.DataFrame) -> pd.Series:
    # a row whose instance or verdict failed another check (verdict not allowed at the instance, instance
    # unknown) is judged by its verdict alone: each defect is reported once
    pairs = pd.Series(list(zip(df["instance"], df["verdict"])), index=df.index, dtype=object)
    allowed = {(r["instance"], r["code"]) for r in codes.rows("verdict")}
    convicts_somewhere = df["verdict"].isin({verdict for _, verdict in codes.convicting_verdicts()})
    unknown = df["verdict"].isna() | (~pairs.isin(allowed) & convicts_somewhere)
    return convicting(df) | unknown | ~sentence_filled(df).any(axis=1)


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
        row_checks=lambda: [
            not_before("judgment_date", "offence_date"),
            birth_year_check(("offence_date", "judgment_date")),
            named_check(court_matches_instance, "court_instance"),
            named_check(verdict_matches_instance, "verdict_instance"),
            named_check(sentence_only_on_conviction, "sentence_without_conviction"),
        ],
        check_columns={
            "date_order": "judgment_date", "birth_year_range": "birth_year",
            "court_instance": "court", "verdict_instance": "verdict",
        },
    )
