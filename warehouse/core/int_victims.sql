-- Identified victims (DATA-SPEC 4): one row per victim, at the earliest identified_on; child if age < 18.
-- Sex, age, citizenship and exploitation form from the victim's own rows (earliest known value); region
-- from the earliest row whose case is known, else 'unknown'. Group: the highest over all the victim's
-- cases; a victim identified outside a criminal case, or whose case is unknown, counts as trafficking.
-- A view: mart_units_victims, its one reader, computes it as it reads it (cheaper than storing it;
-- docs/benchmarks.md).
create or replace view int_victims as
with rows as (
    select v.*, c.region as case_region, coalesce(c.group_rank, 3) as case_group_rank
    from stg_victims v
    left join int_investigated_cases c using (case_id)
)
select victim_key,
       min(identified_on) as identified_on,
       arg_min_null(identified_by, row_order(identified_on, month, load_id, line)) as identified_by,
       arg_min_null(sex, row_order(identified_on, month, load_id, line)) filter (where known_sex(sex) is not null) as sex,
       arg_min(age, row_order(identified_on, month, load_id, line)) as age,
       arg_min(citizenship, row_order(identified_on, month, load_id, line)) as citizenship,
       coalesce(arg_min_null(exploitation_form, row_order(identified_on, month, load_id, line))
                    filter (where known_form(exploitation_form) is not null), 'unknown') as exploitation_form,
       coalesce(arg_min(case_region, row_order(identified_on, month, load_id, line)), 'unknown') as region,
       max(case_group_rank) as group_rank,
       count(*) as cases,
       bool_or(referred_to_services) as referred_to_services,
       bool_or(sheltered) as sheltered,
       bool_or(repatriated) as repatriated
from rows
group by victim_key
