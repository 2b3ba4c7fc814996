-- Judgment units (judgment_id, person) over all instances from their own rows (DATA-SPEC 4), before linking
-- (int_links) and the linked stages' demographics (int_judgment_units):
--   convicted_on  first-instance judgment_date of a `convicted` charge (convicted persons, first instance);
--   acquitted_charge_on  first instance with an `acquitted` charge (acquitted persons when none convicted);
--   final_on      earliest row that is `final` and convicting (final convictions).
-- Each figure's group is the highest among the charges that qualify it. Court = the first-instance court.
-- linked_on, the date a link looks back from: the first first-instance judgment, else the earliest row.
-- incremental by: person_key
create or replace table int_judgment_units_own as
with rows as (
    select r.*, g.group_rank, r.instance = 'first' as first_instance
    from int_judgment_rows r
    join ref_groups g on g."group" = r."group"
),
units as (
    select judgment_id, person_key,
           min(judgment_date) filter (where first_instance and verdict = 'convicted') as convicted_on,
           max(group_rank) filter (where first_instance and verdict = 'convicted') as convicted_group_rank,
           min(judgment_date) filter (where first_instance and verdict = 'acquitted') as acquitted_charge_on,
           max(group_rank) filter (where first_instance and verdict = 'acquitted') as acquitted_group_rank,
           min(judgment_date) filter (where final and convicting) as final_on,
           max(group_rank) filter (where final and convicting) as final_group_rank,
           min(judgment_date) filter (where first_instance) as first_judgment_date,
           min(judgment_date) as earliest_date,
           coalesce(arg_min_null(court, row_order(judgment_date, month, load_id, line)) filter (where first_instance), 'unknown') as court,
           arg_min_null(judge_key, row_order(judgment_date, month, load_id, line)) filter (where first_instance) as judge_key,
           arg_min(prosecution_id, ranked_row_order(instance_rank, judgment_date, month, load_id, line)) as explicit_prosecution_id,
           -- birth_year's reference date: offence_date, else judgment_date
           arg_min_null(coalesce(offence_date, judgment_date), ranked_row_order(instance_rank, judgment_date, month, load_id, line)) as reference_date,
           arg_min_null(sex, ranked_row_order(instance_rank, judgment_date, month, load_id, line)) filter (where known_sex(sex) is not null) as sex,
           arg_min(birth_year, ranked_row_order(instance_rank, judgment_date, month, load_id, line)) as birth_year,
           arg_min(citizenship, ranked_row_order(instance_rank, judgment_date, month, load_id, line)) as citizenship,
           arg_min(public_official, ranked_row_order(instance_rank, judgment_date, month, load_id, line)) as public_official
    from rows
    group by judgment_id, person_key
)
select *, coalesce(first_judgment_date, earliest_date) as linked_on
from units
