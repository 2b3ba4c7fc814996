-- The victims_identified units, one row per victim, with the victim_key they are rebuilt by (a victim's
-- unit_id and person_key): one of the three tables the units view unites (marts/mart_units.sql).
-- incremental by: victim_key
create or replace table mart_units_victims as
select 'victims_identified' as figure, 'victims' as source, v.victim_key as unit_id, v.victim_key as person_key,
       v.identified_on as unit_date, year(v.identified_on) as year, quarter_of(v.identified_on) as quarter,
       strftime(v.identified_on, '%Y-%m') as month, g."group", v.region, null::varchar as office,
       null::varchar as court, v.exploitation_form, sex_category(v.sex) as sex, v.age, age_group(v.age) as age_group,
       v.citizenship, citizenship_group(v.citizenship) as citizenship_group, null::varchar as public_official,
       v.victim_key
from int_victims v
join ref_groups g using (group_rank)
