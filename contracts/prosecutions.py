"""prosecutions — one row per defendant per charge per prosecution decision (DATA-SPEC 3)."""
from contracts import codes, pack
from contracts.base import Column, Source, birth_year_check, code, demographics


def source() -> Source:
    p = pack.active()
    return Source(
        name="prosecutions",
        agency="prosecution",
        columns=(
            Column("prosecution_id", "id", required=True),
            Column("case_id", "id"),
            Column("person_id", "person", required=True),
            Column("office", "region", required=True, codes=codes.regions(*p.office_levels)),
            # empty = the office's court (codes/region.csv), unknown for an office without one
            Column("court", "region", codes=codes.regions(*p.prosecution_court_levels)),
            Column("offence_code", "offence", required=True),
            code("decision", required=True, list_name="prosecution_decision"),
            Column("decided_on", "date", required=True),
            *demographics(),
        ),
        key=("prosecution_id", "person_id", "offence_code", "decision"),
        row_checks=lambda: [birth_year_check("decided_on")],
        check_columns={"birth_year_range": "birth_year"},
    )
