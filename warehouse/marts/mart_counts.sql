-- Counts of every figure by period (month, quarter, year) × group (trafficking, related, other, and all =
-- trafficking + related) × dimension value ('total' for the whole figure). A month whose source did not
-- deliver is "not reported": n is null and reported is false, even if rows dated in it arrived later (those
-- still count in the quarter and the year). Quarters and years carry their coverage: months delivered of
-- the months in the period. Zero rows exist for totals only.
create or replace table mart_counts as
-- Units are counted once per month and combination of dimension values, then unpivoted; quarters and years
-- are sums of their months (each unit is dated once, so months add up).
with cells as (
    select figure, source, month, quarter, year::varchar as year, "group",
           'all' as total, region, office, court, exploitation_form, sex, age_group, citizenship_group,
           public_official, count(*) as n
    from mart_units
    group by all
),
long as (
    unpivot cells
    on total, region, office, court, exploitation_form, sex, age_group, citizenship_group, public_official
    into name dimension value value
),
monthly as (
    select figure, source, month, quarter, year, "group", dimension, value, sum(n)::bigint as n
    from long group by all
),
periods as (
    select figure, source, 'month' as period_type, month as period, "group", dimension, value, n from monthly
    union all
    select figure, source, 'quarter', quarter, "group", dimension, value, sum(n)::bigint from monthly group by all
    union all
    select figure, source, 'year', year, "group", dimension, value, sum(n)::bigint from monthly group by all
),
grouped as (
    select figure, source, period_type, period, "group", dimension, value, n from periods
    union all
    select figure, source, period_type, period, 'all', dimension, value, sum(n)::bigint
    from periods where "group" in ('trafficking', 'related') group by all
),
figures as (select distinct figure, source from mart_units),
calendar as (
    select source, 'month' as period_type, month as period, 1 as months_in_period, count(*) filter (where delivered) as months_delivered
    from mart_coverage group by source, month
    union all
    select source, 'quarter', quarter, 3, count(*) filter (where delivered) from mart_coverage group by source, quarter
    union all
    select source, 'year', year::varchar, 12, count(*) filter (where delivered) from mart_coverage group by source, year
),
totals as (
    select f.figure, f.source, c.period_type, c.period, g."group", 'total' as dimension, 'all' as value
    from figures f
    join calendar c using (source)
    cross join (values ('trafficking'), ('related'), ('other'), ('all')) as g("group")
),
filled as (
    select t.*, coalesce(gr.n, 0) as n from totals t
    left join grouped gr using (figure, source, period_type, period, "group", dimension, value)
    union all
    select * from grouped where dimension <> 'total'
    union all
    -- units dated outside the delivered calendar (e.g. opened before the first delivered month)
    select gr.* from grouped gr
    where gr.dimension = 'total'
      and not exists (select 1 from calendar c where c.source = gr.source and c.period_type = gr.period_type
                      and c.period = gr.period)
)
select f.figure, f.source, f.period_type, f.period, f."group", f.dimension, f.value,
       case when f.period_type = 'month' and coalesce(c.months_delivered, 0) = 0 then null else f.n end as n,
       not (f.period_type = 'month' and coalesce(c.months_delivered, 0) = 0) as reported,
       c.months_delivered, coalesce(c.months_in_period, case f.period_type when 'month' then 1 when 'quarter' then 3 else 12 end) as months_in_period
from filled f
left join calendar c using (source, period_type, period)
