-- Every counted unit of every figure (DATA-SPEC 4), one row each, dated at its earliest qualifying date,
-- with every dimension (null where a dimension does not apply to the figure). Counting a figure is
-- `count(*)` over this table; the person-unit is counted once, so months add up to quarters and years.
--   figure               unit                         date            group from
--   investigated_cases   case_id                      opened_on       all charges of the case
--   investigated_persons (case_id, person)           opened_on       all charges of the case
--   prosecuted_persons   (prosecution_id, person)    indicted/plea   indicted/plea_agreement charges
--   convicted_persons    (judgment_id, person)       judgment_date   first-instance convicted charges
--   acquitted_persons    (judgment_id, person)       judgment_date   first-instance acquitted charges
--   final_convictions    (judgment_id, person)       earliest final  final convicting charges
--   victims_identified   victim                       identified_on   the victim's cases
-- unit_id holds case numbers and pseudonyms: restricted outputs only.
create or replace table mart_units as
with units as (
    select 'investigated_cases' as figure, 'investigations' as source, case_id as unit_id, null as person_key,
           opened_on as unit_date, group_rank, region, null as office, null as court, exploitation_form,
           null as sex, null::integer as age, null as citizenship, null::boolean as public_official
    from int_investigated_cases
    union all
    select 'investigated_persons', 'investigations', case_id || ' ' || person_key, person_key,
           opened_on, group_rank, region, null, null, exploitation_form,
           sex_category(sex), age, citizenship, public_official
    from int_investigated_persons
    union all
    select 'prosecuted_persons', 'prosecutions', prosecution_id || ' ' || person_key, person_key,
           prosecuted_on, group_rank, office, office, court, exploitation_form,
           sex_category(sex), age, citizenship, public_official
    from int_prosecution_units where prosecuted_on is not null
    union all
    select 'convicted_persons', 'judgments', judgment_id || ' ' || person_key, person_key,
           convicted_on, convicted_group_rank, court, null, court, exploitation_form,
           sex_category(sex), age, citizenship, public_official
    from int_judgment_units where convicted_on is not null
    union all
    select 'acquitted_persons', 'judgments', judgment_id || ' ' || person_key, person_key,
           acquitted_on, acquitted_group_rank, court, null, court, exploitation_form,
           sex_category(sex), age, citizenship, public_official
    from int_judgment_units where acquitted_on is not null
    union all
    select 'final_convictions', 'judgments', judgment_id || ' ' || person_key, person_key,
           final_on, final_group_rank, court, null, court, exploitation_form,
           sex_category(sex), age, citizenship, public_official
    from int_judgment_units where final_on is not null
    union all
    select 'victims_identified', 'victims', victim_key, victim_key,
           identified_on, group_rank, region, null, null, exploitation_form,
           sex_category(sex), age, citizenship, null
    from int_victims
)
select u.figure, u.source, u.unit_id, u.person_key, u.unit_date,
       year(u.unit_date) as year, quarter_of(u.unit_date) as quarter, strftime(u.unit_date, '%Y-%m') as month,
       g."group", u.region, u.office, u.court, u.exploitation_form, u.sex, u.age,
       case when u.figure = 'investigated_cases' then null else age_group(u.age) end as age_group,
       u.citizenship,
       case when u.figure = 'investigated_cases' then null else citizenship_group(u.citizenship) end as citizenship_group,
       case when u.figure in ('investigated_cases', 'victims_identified') then null
            else yes_no(u.public_official) end as public_official
from units u
join ref_groups g on g.group_rank = u.group_rank
