-- Attrition: cohorts of investigated persons followed through the later stages (BJS: linked stages).
-- Grain: cohort_year (year of the investigated person's opened_on) × group (the investigated person's group,
-- i.e. the case's: trafficking, related, other, and all = trafficking + related), every group for every
-- cohort year that has an investigated person (zeros kept).
-- Unit: the investigated person (case_id, person), counted once per stage it reaches:
--   investigated       every investigated (case, person);
--   prosecuted         a defendant-case linked to that case (linked_case_id = case_id, explicitly or through
--                      the person, DATA-SPEC 4 Linking) of the same person, with an indicted/plea_agreement
--                      decision (prosecuted_on); the earliest such date;
--   convicted          a judgment (judgment_id, person) linked to one of those defendant-cases
--                      (linked_prosecution_id) with a first-instance conviction (convicted_on); the earliest;
--   finally_convicted  a convicted person with a final conviction (final_on) on a judgment linked to one of
--                      those defendant-cases; the earliest. The stages are nested, so every rate is ≤ 100:
--                      a final conviction without a first-instance one (an acquittal modified on appeal)
--                      is counted apart in final_without_first_instance.
-- Rates in percent, of the stage before (prosecuted_pct of investigated, convicted_pct of prosecuted,
-- final_pct of convicted) and of the cohort (investigated_to_final_pct); null when the denominator (the
-- count column it is divided by) is 0.
-- Median days (continuous median) over the persons who reached both stages: opened_on → prosecuted_on,
-- prosecuted_on → convicted_on, convicted_on → final_on.
-- Recent cohorts are censored: their persons may still reach a later stage. investigation_months_delivered
-- gives the cohort year's coverage of the investigations source.
create or replace table mart_attrition as
with investigated as (
    select ip.case_id, ip.person_key, ip.opened_on, year(ip.opened_on) as cohort_year, g."group"
    from int_investigated_persons ip
    join ref_groups g using (group_rank)
),
defendant_cases as (
    select prosecution_id, person_key, linked_case_id as case_id, prosecuted_on
    from int_prosecution_units
    where prosecuted_on is not null and linked_case_id is not null
),
prosecuted as (
    select case_id, person_key, min(prosecuted_on) as prosecuted_on
    from defendant_cases
    group by case_id, person_key
),
judged as (
    select d.case_id, d.person_key, min(j.convicted_on) as convicted_on, min(j.final_on) as final_on
    from defendant_cases d
    join int_judgment_units j on j.linked_prosecution_id = d.prosecution_id and j.person_key = d.person_key
    group by d.case_id, d.person_key
),
persons as (
    select i.cohort_year, i."group", i.opened_on, p.prosecuted_on, j.convicted_on,
           case when j.convicted_on is not null then j.final_on end as final_on,
           j.convicted_on is null and j.final_on is not null as final_without_first_instance
    from investigated i
    left join prosecuted p using (case_id, person_key)
    left join judged j using (case_id, person_key)
),
grouped as (
    select cohort_year, "group", opened_on, prosecuted_on, convicted_on, final_on, final_without_first_instance
    from persons
    union all
    select cohort_year, 'all', opened_on, prosecuted_on, convicted_on, final_on, final_without_first_instance
    from persons where "group" in ('trafficking', 'related')
),
stages as (
    select cohort_year, "group",
           count(*) as investigated,
           count(prosecuted_on) as prosecuted,
           count(convicted_on) as convicted,
           count(final_on) as finally_convicted,
           count(*) filter (where final_without_first_instance) as final_without_first_instance,
           quantile_cont(prosecuted_on - opened_on, 0.5) as median_days_to_prosecution,
           quantile_cont(convicted_on - prosecuted_on, 0.5) as median_days_to_conviction,
           quantile_cont(final_on - convicted_on, 0.5) as median_days_to_final
    from grouped
    group by cohort_year, "group"
),
cells as (
    select y.cohort_year, g."group", g.group_order
    from (select distinct cohort_year from persons) y
    cross join (values ('trafficking', 1), ('related', 2), ('other', 3), ('all', 4)) as g("group", group_order)
),
coverage as (
    select year as cohort_year, count(*) filter (where delivered) as investigation_months_delivered
    from mart_coverage where source = 'investigations'
    group by year
)
select c.cohort_year, c."group",
       coalesce(s.investigated, 0) as investigated,
       coalesce(s.prosecuted, 0) as prosecuted,
       coalesce(s.convicted, 0) as convicted,
       coalesce(s.finally_convicted, 0) as finally_convicted,
       100.0 * s.prosecuted / nullif(s.investigated, 0) as prosecuted_pct,
       100.0 * s.convicted / nullif(s.prosecuted, 0) as convicted_pct,
       100.0 * s.finally_convicted / nullif(s.convicted, 0) as final_pct,
       100.0 * s.finally_convicted / nullif(s.investigated, 0) as investigated_to_final_pct,
       s.median_days_to_prosecution, s.median_days_to_conviction, s.median_days_to_final,
       coalesce(s.final_without_first_instance, 0) as final_without_first_instance,
       coalesce(v.investigation_months_delivered, 0) as investigation_months_delivered
from cells c
left join stages s using (cohort_year, "group")
left join coverage v using (cohort_year)
order by c.cohort_year, c.group_order
