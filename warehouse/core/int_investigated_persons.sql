-- Investigated persons (DATA-SPEC 4): one row per (case_id, person), at the earliest opened_on.
-- Group: the case's (all charges of the case). Where the person's rows disagree, the earliest row with a
-- known value holds ('U' and empty are unknown). Age = year(opened_on) − birth_year.
-- incremental by: person_key
create or replace table int_investigated_persons as
with person as (
    select case_id, person_key,
           min(opened_on) as opened_on,
           arg_min_null(region, row_order(opened_on, month, load_id, line)) as region,
           arg_min(known_form(exploitation_form), row_order(opened_on, month, load_id, line)) as exploitation_form,
           arg_min_null(sex, row_order(opened_on, month, load_id, line)) filter (where known_sex(sex) is not null) as sex,
           arg_min(birth_year, row_order(opened_on, month, load_id, line)) as birth_year,
           arg_min(citizenship, row_order(opened_on, month, load_id, line)) as citizenship,
           arg_min(public_official, row_order(opened_on, month, load_id, line)) as public_official
    from stg_investigations
    group by case_id, person_key
)
select p.* replace (coalesce(p.exploitation_form, c.exploitation_form) as exploitation_form),
       year(p.opened_on) - p.birth_year as age,
       c.group_rank
from person p
join int_investigated_cases c using (case_id)
