"""judgments — one row per defendant per charge per judgment (DATA-SPEC 3)."""
import pandas as pd

from contracts import codes
from contracts.base import (
    Column, Source, named_check, birth_year_check, code, demographics, not_before,
)

CONVICTING = ("convicted", "confirmed", "modified")
SENTENCE_COLUMNS = ("prison_months", "suspended", "fine_eur", "mitigation")


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
        "fine_eur": df["fine_eur"].fillna(0) != 0,
        "mitigation": df["mitigation"].notna(),
    })


def sentence_only_on_conviction(df: pd.DataFrame) -> pd.Series:
    convicting = df["verdict"].isin(CONVICTING) | df["verdict"].isna()
    return convicting | ~sentence_filled(df).any(axis=1)


SOURCE = Source(
    name="judgments",
    agency="courts",
    columns=(
        Column("judgment_id", "id", required=True),
        Column("prosecution_id", "id"),
        Column("person_id", "person", required=True),
        Column("court", "region", required=True, codes=codes.regions("basic", "appeal", "supreme")),
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
        Column("fine_eur", "decimal"),
        code("mitigation"),
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
