-- The investigated_cases units, one row per case, with the case_id they are rebuilt by: one of the three
-- tables the units view unites (marts/mart_units.sql, where the columns are described).
-- incremental by: case_id
create or replace table mart_units_cases as
select 'investigated_cases' as figure, 'investigations' as source, c.case_id as unit_id,
       null::varchar as person_key, c.opened_on as unit_date, year(c.opened_on) as year,
       quarter_of(c.opened_on) as quarter, strftime(c.opened_on, '%Y-%m') as month, g."group", c.region,
       null::varchar as office, null::varchar as court, c.exploitation_form, null::varchar as sex,
       null::integer as age, null::varchar as age_group, null::varchar as citizenship,
       null::varchar as citizenship_group, null::varchar as public_official,
       c.case_id
from int_investigated_cases c
join ref_groups g using (group_rank)
