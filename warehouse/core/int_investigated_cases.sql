-- Investigated cases (DATA-SPEC 4): one row per case_id, dated at its earliest opened_on. The case takes
-- the highest group over all its charges; region and exploitation form come from its earliest row that
-- has them (rows ordered by opened_on, then delivery).
-- incremental by: case_id
create or replace table int_investigated_cases as
select i.case_id,
       min(i.opened_on) as opened_on,
       arg_min_null(i.region, row_order(i.opened_on, i.month, i.load_id, i.line)) as region,
       coalesce(arg_min_null(i.exploitation_form, row_order(i.opened_on, i.month, i.load_id, i.line))
                    filter (where known_form(i.exploitation_form) is not null), 'unknown') as exploitation_form,
       max(g.group_rank) as group_rank,
       count(distinct i.person_key) as persons
from stg_investigations i
join int_offences o using (offence_code)
join ref_groups g on g."group" = o."group"
group by i.case_id
