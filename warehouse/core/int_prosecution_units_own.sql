-- Defendant-cases of the prosecution (prosecution_id, person) from their own rows, all decisions, before
-- linking (int_links) and the linked stages' demographics (int_prosecution_units). `prosecuted_on` is the
-- earliest `indicted`/`plea_agreement` decision (null when the person was never charged in court);
-- `linked_on` is the date a link looks back from: prosecuted_on, else the first decision.
-- incremental by: person_key
create or replace table int_prosecution_units_own as
with rows as (
    select p.*, g.group_rank, p.decision in ('indicted', 'plea_agreement') as qualifying,
           po.court as office_court
    from stg_prosecutions p
    join int_offences o using (offence_code)
    join ref_groups g on g."group" = o."group"
    left join ref_offices po on po.office = p.office
),
units as (
    select prosecution_id, person_key,
           min(decided_on) filter (where qualifying) as prosecuted_on,
           min(decided_on) as first_decided_on,
           max(group_rank) filter (where qualifying) as group_rank,
           -- the earliest qualifying row names office and court (the earliest row when none qualifies)
           arg_min_null(office, ranked_row_order((not qualifying)::integer, decided_on, month, load_id, line)) as office,
           arg_min_null(prosecution_court(court, office_court), ranked_row_order((not qualifying)::integer, decided_on, month, load_id, line)) as court,
           arg_min(case_id, row_order(decided_on, month, load_id, line)) as explicit_case_id,
           arg_min_null(sex, row_order(decided_on, month, load_id, line)) filter (where known_sex(sex) is not null) as sex,
           arg_min(birth_year, row_order(decided_on, month, load_id, line)) as birth_year,
           arg_min(citizenship, row_order(decided_on, month, load_id, line)) as citizenship,
           arg_min(public_official, row_order(decided_on, month, load_id, line)) as public_official
    from rows
    group by prosecution_id, person_key
)
select *, coalesce(prosecuted_on, first_decided_on) as linked_on
from units
