"""victims — one row per victim per case (DATA-SPEC 3)."""
from contracts.base import Column, Source, code


def source() -> Source:
    return Source(
        name="victims",
        agency="victim-identification",
        columns=(
            Column("victim_id", "person", required=True),
            # empty for a victim identified outside a criminal case
            Column("case_id", "id"),
            Column("identified_on", "date", required=True),
            code("identified_by", required=True),
            code("sex", required=True),
            Column("age", "int"),
            code("citizenship"),
            code("exploitation_form", required=True),
            Column("referred_to_services", "bool"),
            Column("sheltered", "bool"),
            Column("repatriated", "bool"),
        ),
        key=("victim_id", "case_id"),
    )
