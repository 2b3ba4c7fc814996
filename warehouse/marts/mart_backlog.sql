-- Court backlog (CEPEJ) per first-instance court × year. Unit: the defendant-case (prosecution_id, person) (BJS).
-- Built from the counted events of int_backlog_events (left_out is null); what is left out is counted in
-- mart_backlog_excluded.
-- Grain: court (the pack's first-instance courts: ref_courts at the level of the instance of rank 1, in the
-- pack's order; 'unknown' for an indictment naming no court by an office without a court of its own; 'all')
-- × year, every year from the first to the last month any source delivered (mart_coverage); zeros kept.
--   incoming       entries dated in the year at the court: first indictments (incoming_indicted) plus
--                  re-entries after a quashing appeal/supreme decision (incoming_reentered);
--   resolved       first-instance judgments dated in the year at the court, any verdict;
--   pending_start  defendant-cases pending on 31 December of the year before;
--   pending        defendant-cases pending at as_of: 31 December, or the last day of the last delivered
--                  month in the year the data end;
--   months_in_span months of the year between the first and last delivered month; complete_year = 12 of 12;
--   clearance_rate = 100 × resolved ÷ incoming, null when incoming = 0;
--   disposition_days = 365 × pending ÷ resolved, null when resolved = 0 (365 also for an incomplete year,
--                  as CEPEJ defines it: read it with complete_year);
--   pending_age_median_days (continuous median), pending_over_two_years (> 730 days): age at as_of of the
--                  pending defendant-cases, counted from their latest entry (indictment or re-entry).
-- Pending ("entries minus resolutions up to the date, per defendant-case, never negative"): a defendant-case
-- is pending when its latest event up to the date is an entry (same day: the entry first) — the running
-- balance kept within 0 and 1, so a second judgment of a resolved case cannot push it below 0, and a
-- quashing after it makes the case pending again. A pending defendant-case sits at the court of its latest
-- entry; a case indicted at one court and judged at another is pending nowhere once judged. Flows count
-- where each event happened, so pending_start + incoming − resolved = pending holds for a court whose
-- cases stay at that court with entries and resolutions alternating.
create or replace table mart_backlog as
with events as (
    select * from int_backlog_events where left_out is null
),
delivered as (
    select min(month) as first_month, max(month) as last_month from mart_coverage where delivered
),
years as (
    select c.year,
           least(make_date(c.year, 12, 31), last_day(strptime(d.last_month, '%Y-%m')::date)) as as_of,
           make_date(c.year, 1, 1) - 1 as start_as_of,
           count(*) as months_in_span
    from (select distinct year, month from mart_coverage) c
    cross join delivered d
    where c.month between d.first_month and d.last_month
    group by c.year, d.last_month
),
first_instance_courts as (
    select code as court, sort_order + 1 as court_order
    from ref_courts where level = (select level from ref_instances where rank = 1)
),
courts as (
    select * from first_instance_courts
    union all select 'unknown', 90
    union all
    -- a court outside the first-instance courts (validation should stop it) is shown, not dropped
    select distinct court, 95 from events
    where court not in (select court from first_instance_courts) and court <> 'unknown'
    union all select 'all', 100
),
flows as (
    select year, case when grouping(court) = 1 then 'all' else court end as court,
           count(*) filter (where delta > 0) as incoming,
           count(*) filter (where event = 'indicted') as incoming_indicted,
           count(*) filter (where event = 'reentered') as incoming_reentered,
           count(*) filter (where delta < 0) as resolved
    from events
    group by grouping sets ((year, court), (year))
),
states as (
    -- each defendant-case's latest event up to each date (the year's end and the end of the year before):
    -- the event in force from its date until the case's next event
    select y.year, d.moment, d.as_of, e.delta, e.court, e.event_date
    from years y
    cross join lateral (values ('end', y.as_of), ('start', y.start_as_of)) as d(moment, as_of)
    join (
        select *, lead(event_date) over (partition by prosecution_id, person_key
                                         order by event_date, event_order) as next_event_date
        from events
    ) e on e.event_date <= d.as_of and (e.next_event_date is null or e.next_event_date > d.as_of)
),
pending as (
    -- the pending defendant-cases: latest event an entry; they sit at the court of that entry
    select year, case when grouping(court) = 1 then 'all' else court end as court,
           count(*) filter (where moment = 'start') as pending_start,
           count(*) filter (where moment = 'end') as pending,
           quantile_cont(as_of - event_date, 0.5) filter (where moment = 'end') as pending_age_median_days,
           count(*) filter (where moment = 'end' and as_of - event_date > 730) as pending_over_two_years
    from states
    where delta > 0
    group by grouping sets ((year, court), (year))
)
select y.year, c.court, c.court_order, y.as_of, y.months_in_span, y.months_in_span = 12 as complete_year,
       coalesce(p.pending_start, 0) as pending_start,
       coalesce(f.incoming, 0) as incoming,
       coalesce(f.incoming_indicted, 0) as incoming_indicted,
       coalesce(f.incoming_reentered, 0) as incoming_reentered,
       coalesce(f.resolved, 0) as resolved,
       coalesce(p.pending, 0) as pending,
       100.0 * coalesce(f.resolved, 0) / nullif(f.incoming, 0) as clearance_rate,
       365.0 * coalesce(p.pending, 0) / nullif(f.resolved, 0) as disposition_days,
       p.pending_age_median_days,
       coalesce(p.pending_over_two_years, 0) as pending_over_two_years
from years y
cross join courts c
left join flows f on f.year = y.year and f.court = c.court
left join pending p on p.year = y.year and p.court = c.court
order by y.year, c.court_order, c.court
