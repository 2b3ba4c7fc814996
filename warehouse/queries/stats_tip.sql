-- `tipstats stats`: the figures the TIP paragraph needs besides the counts, for the months $1 … $2 ('YYYY-MM',
-- both included), groups $3. One row per figure (figure, n); n null = not available.
--   below_minimum_with_ground_persons / below_minimum_no_ground_persons: first-instance convicted persons whose
--     sentence (mart_person_sentences) is below the minimum with / without a recorded legal ground;
--   reclassified_prosecuted_persons / reclassified_convicted_persons: defendant-cases prosecuted, and persons
--     convicted at first instance, in the months, whose investigation was of a group in $3 and who were
--     prosecuted / convicted only for an offence of a lower group (mart_reclassified);
--   begging_watch_investigated_cases / _prosecuted_cases / _judged_cases: cases whose exploitation form is
--     begging with a charge outside the trafficking group at that stage dated in the months (mart_watch_begging;
--     the same whatever the group: the watch is about charges outside trafficking);
--   pending_defendant_cases: defendant-cases of every offence pending before the first-instance courts at the end
--     of the period's last year (mart_backlog, court all), null unless that year's data cover all twelve months.
with persons as (
    select category from mart_person_sentences
    where basis = 'first' and strftime(counted_on, '%Y-%m') between $1 and $2
      and "group" in (select unnest($3::varchar[]))
),
reclassified as (
    select stage from mart_reclassified
    where reclassified and strftime(counted_on, '%Y-%m') between $1 and $2
      and investigated_group in (select unnest($3::varchar[]))
),
begging as (
    select distinct stage, case_id from mart_watch_begging where strftime(charged_on, '%Y-%m') between $1 and $2
)
select 'below_minimum_with_ground_persons' as figure,
       (select count(*) from persons where category = 'below_minimum_with_ground') as n
union all select 'below_minimum_no_ground_persons',
       (select count(*) from persons where category = 'below_minimum_no_ground')
union all select 'reclassified_prosecuted_persons', (select count(*) from reclassified where stage = 'prosecution')
union all select 'reclassified_convicted_persons', (select count(*) from reclassified where stage = 'conviction')
union all select 'begging_watch_investigated_cases', (select count(*) from begging where stage = 'investigation')
union all select 'begging_watch_prosecuted_cases', (select count(*) from begging where stage = 'prosecution')
union all select 'begging_watch_judged_cases', (select count(*) from begging where stage = 'judgment')
union all select 'pending_defendant_cases',
       (select max(pending) from mart_backlog
        where court = 'all' and complete_year and year = cast(left($2, 4) as integer))
