-- Court backlog events (CEPEJ flows, BJS unit): one row per event of a defendant-case (prosecution_id,
-- person) before the first-instance courts. delta +1 = an entry, -1 = a resolution.
--   indicted    the defendant-case's first `indicted`/`plea_agreement` decision (its prosecuted_on), at the
--               court of DATA-SPEC's court rule (int_prosecution_units.court: the court named, else the
--               office's court (ref_offices), else unknown);
--   reentered   an `appeal` or `supreme` decision quashing at least one charge of a judgment of the
--               defendant-case (one event per judgment, person, instance and decision date): the case goes
--               back for retrial, dated at the decision, at the first-instance court of the quashed judgment;
--   resolved    every first-instance judgment (judgment_id, person) of any verdict linked to the
--               defendant-case (linked_prosecution_id; a retrial under a new judgment_id is another
--               resolution), at its first-instance judgment date and court.
-- event_order breaks ties on one day: an entry comes before a resolution dated the same day (a plea
-- agreement judged the day it was filed, a retrial decided the day the appeal quashed the first judgment).
--
-- Every event considered is kept; left_out says why an event does not count in the backlog (null = counted):
--   'indicted before the first delivered month'  the defendant-case was indicted before the first month the
--       prosecutions source delivered: its earlier history (and so the opening stock) is not in the data,
--       so all its events are left out;
--   'unlinked judgment'  a first-instance judgment (or a quashing of it) that links to no defendant-case;
--   'defendant-case never indicted'  a judgment linked to a defendant-case with no indicted/plea_agreement
--       decision (only dismissed/transferred rows were delivered).
-- Restricted: holds case numbers and pseudonyms.
-- incremental by: person_key
create or replace table int_backlog_events as
with first_month as (
    -- a nil return is a delivery (DATA-SPEC 1); no prosecutions delivery at all → nothing is left out
    select strptime(min(month), '%Y-%m')::date as first_day
    from deliveries
    where source = 'prosecutions' and status in ('delivered', 'nil_return')
),
defendant_cases as (
    select p.prosecution_id, p.person_key, p.prosecuted_on, p.court,
           case when p.prosecuted_on < f.first_day then 'indicted before the first delivered month' end as left_out
    from int_prosecution_units p
    cross join first_month f
    where p.prosecuted_on is not null
),
first_instance as (
    select judgment_id, person_key,
           case when bool_or(verdict = 'convicted') then 'convicted'
                when bool_or(verdict = 'acquitted') then 'acquitted'
                when bool_or(verdict = 'rejected') then 'rejected'
                else 'dismissed' end as outcome
    from int_judgment_rows
    where instance = 'first'
    group by judgment_id, person_key
),
quashings as (
    select judgment_id, person_key, instance, judgment_date
    from int_judgment_rows
    where verdict = 'quashed'
    group by judgment_id, person_key, instance, judgment_date
),
judgment_events as (
    select 'resolved' as event, 3 as event_order, -1 as delta, j.first_judgment_date as event_date,
           j.court, j.judgment_id, j.person_key, j.linked_prosecution_id, 'first' as instance, f.outcome
    from int_judgment_units j
    join first_instance f using (judgment_id, person_key)
    where j.first_judgment_date is not null
    union all
    select 'reentered', 2, 1, q.judgment_date, j.court, j.judgment_id, j.person_key, j.linked_prosecution_id,
           q.instance, 'quashed'
    from quashings q
    join int_judgment_units j using (judgment_id, person_key)
)
select d.prosecution_id, d.person_key, 'indicted' as event, 1 as event_order, 1 as delta,
       d.prosecuted_on as event_date, year(d.prosecuted_on) as year, d.court,
       null::varchar as judgment_id, null::varchar as instance, null::varchar as outcome, d.left_out
from defendant_cases d
union all
select e.linked_prosecution_id, e.person_key, e.event, e.event_order, e.delta, e.event_date, year(e.event_date),
       e.court, e.judgment_id, e.instance, e.outcome,
       case when e.linked_prosecution_id is null then 'unlinked judgment'
            when d.prosecution_id is null then 'defendant-case never indicted'
            else d.left_out end
from judgment_events e
left join defendant_cases d on d.prosecution_id = e.linked_prosecution_id and d.person_key = e.person_key
