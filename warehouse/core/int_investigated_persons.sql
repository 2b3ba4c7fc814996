-- Investigated persons (DATA-SPEC 4): one row per (case_id, person), at the earliest opened_on.
-- Group: the case's (all charges of the case). Where the person's rows disagree, the earliest row with a
-- known value holds ('U' and empty are unknown). Age = year(opened_on) − birth_year.
-- incremental by: person_key
create or replace table int_investigated_persons as
with person as (
    select case_id, person_key,
           min(opened_on) as opened_on,
           first(region order by opened_on, month, load_id, line) as region,
           first(known_form(exploitation_form) order by opened_on, month, load_id, line)
               filter (where known_form(exploitation_form) is not null) as exploitation_form,
           first(sex order by opened_on, month, load_id, line) filter (where known_sex(sex) is not null) as sex,
           first(birth_year order by opened_on, month, load_id, line) filter (where birth_year is not null) as birth_year,
           first(citizenship order by opened_on, month, load_id, line) filter (where citizenship is not null) as citizenship,
           first(public_official order by opened_on, month, load_id, line) filter (where public_official is not null) as public_official
    from stg_investigations
    group by case_id, person_key
)
select p.* replace (coalesce(p.exploitation_form, c.exploitation_form) as exploitation_form),
       year(p.opened_on) - p.birth_year as age,
       c.group_rank
from person p
join int_investigated_cases c using (case_id)
