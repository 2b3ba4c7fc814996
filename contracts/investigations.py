"""investigations — one row per suspect per investigated offence (DATA-SPEC 3)."""
from contracts import codes, pack
from contracts.base import Column, Source, birth_year_check, code, demographics, not_before


def source() -> Source:
    return Source(
        name="investigations",
        agency="police",
        columns=(
            Column("case_id", "id", required=True),
            Column("person_id", "person", required=True),
            Column("offence_code", "offence", required=True),
            Column("opened_on", "date", required=True),
            Column("region", "region", required=True, codes=codes.regions(*pack.active().investigation_levels)),
            code("exploitation_form"),
            *[c if c.name != "sex" else Column("sex", "code", True, c.codes) for c in demographics()],
            code("status", required=True, list_name="investigation_status"),
            Column("status_on", "date", required=True),
            Column("victim_count", "int"),
        ),
        key=("case_id", "person_id", "offence_code"),
        row_checks=lambda: [not_before("status_on", "opened_on"), birth_year_check("opened_on")],
        check_columns={"date_order": "status_on", "birth_year_range": "birth_year"},
    )
