-- `tipstats report`: per source, what the months $first_month … $last_month delivered (mart_coverage:
-- delivered, nil return, not delivered, and months after the last month loaded) and the rows held back in
-- quarantine from those months' deliveries. Coverage counts from the source's first delivery (from the first
-- delivery of any source for a source that never delivered): a month before it is `not_collected`, not a month
-- the agency failed to deliver, and `months` leaves it out.
with months as (
    select strftime(m, '%Y-%m') as month
    from generate_series(strptime($first_month, '%Y-%m'), strptime($last_month, '%Y-%m'), interval 1 month) t(m)
),
sources(source, ord) as (values ('investigations', 1), ('prosecutions', 2), ('judgments', 3), ('victims', 4)),
began as (
    select s.source, coalesce(min(c.month) filter (where c.delivered),
                              (select min(month) from mart_coverage where delivered)) as first_delivery
    from sources s left join mart_coverage c using (source)
    group by s.source
),
calendar as (
    select s.source, s.ord, m.month, b.first_delivery,
           case when m.month < b.first_delivery then 'not_collected' else coalesce(c.status, 'not_loaded') end as status
    from sources s cross join months m
    join began b using (source)
    left join mart_coverage c on c.source = s.source and c.month = m.month
),
held as (
    select source, count(distinct file || ':' || coalesce(line::varchar, '')) filter (where "check" <> 'unlisted')
                   + coalesce(sum(unlisted), 0) as rows_quarantined
    from quarantine
    where month between $first_month and $last_month
    group by source
)
select c.source, count(*) filter (where status <> 'not_collected') as months,
       count(*) filter (where status = 'delivered') as delivered,
       count(*) filter (where status = 'nil_return') as nil_returns,
       count(*) filter (where status = 'not_delivered') as not_delivered,
       count(*) filter (where status = 'not_loaded') as not_loaded,
       coalesce(string_agg(month, ', ' order by month) filter (where status = 'not_delivered'), '') as months_not_delivered,
       coalesce(max(h.rows_quarantined), 0) as rows_quarantined,
       count(*) filter (where status = 'not_collected') as not_collected,
       min(c.first_delivery) as first_delivery
from calendar c
left join held h using (source)
group by c.source, c.ord
order by c.ord
