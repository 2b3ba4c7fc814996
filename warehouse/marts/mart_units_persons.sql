-- The person-units (investigated, prosecuted, convicted and acquitted persons, final convictions), rebuilt
-- by person_key: one of the three tables the units view unites (marts/mart_units.sql).
-- incremental by: person_key
create or replace table mart_units_persons as
with units as (
    select 'investigated_persons' as figure, 'investigations' as source, case_id || ' ' || person_key as unit_id,
           person_key, opened_on as unit_date, group_rank, region, null::varchar as office,
           null::varchar as court, exploitation_form, sex, age, citizenship, public_official
    from int_investigated_persons
    union all
    select 'prosecuted_persons', 'prosecutions', prosecution_id || ' ' || person_key, person_key,
           prosecuted_on, group_rank, office, office, court, exploitation_form, sex, age, citizenship,
           public_official
    from int_prosecution_units where prosecuted_on is not null
    union all
    select 'convicted_persons', 'judgments', judgment_id || ' ' || person_key, person_key,
           convicted_on, convicted_group_rank, court, null, court, exploitation_form, sex, age, citizenship,
           public_official
    from int_judgment_units where convicted_on is not null
    union all
    select 'acquitted_persons', 'judgments', judgment_id || ' ' || person_key, person_key,
           acquitted_on, acquitted_group_rank, court, null, court, exploitation_form, sex, age, citizenship,
           public_official
    from int_judgment_units where acquitted_on is not null
    union all
    select 'final_convictions', 'judgments', judgment_id || ' ' || person_key, person_key,
           final_on, final_group_rank, court, null, court, exploitation_form, sex, age, citizenship,
           public_official
    from int_judgment_units where final_on is not null
)
select u.figure, u.source, u.unit_id, u.person_key, u.unit_date, year(u.unit_date) as year,
       quarter_of(u.unit_date) as quarter, strftime(u.unit_date, '%Y-%m') as month, g."group", u.region,
       u.office, u.court, u.exploitation_form, sex_category(u.sex) as sex, u.age, age_group(u.age) as age_group,
       u.citizenship, citizenship_group(u.citizenship) as citizenship_group, yes_no(u.public_official) as public_official
from units u
join ref_groups g using (group_rank)
