-- `tipstats report`: per source, what the months $first_month … $last_month delivered (mart_coverage:
-- delivered, nil return, not delivered, and months before the first or after the last month loaded) and
-- the rows held back in quarantine from those months' deliveries.
with months as (
    select strftime(m, '%Y-%m') as month
    from generate_series(strptime($first_month, '%Y-%m'), strptime($last_month, '%Y-%m'), interval 1 month) t(m)
),
sources(source, ord) as (values ('investigations', 1), ('prosecutions', 2), ('judgments', 3), ('victims', 4)),
calendar as (
    select s.source, s.ord, m.month, coalesce(c.status, 'not_loaded') as status
    from sources s cross join months m
    left join mart_coverage c on c.source = s.source and c.month = m.month
),
held as (
    select source, count(distinct file || ':' || coalesce(line::varchar, '')) filter (where "check" <> 'unlisted')
                   + coalesce(sum(unlisted), 0) as rows_quarantined
    from quarantine
    where month between $first_month and $last_month
    group by source
)
select c.source, count(*) as months,
       count(*) filter (where status = 'delivered') as delivered,
       count(*) filter (where status = 'nil_return') as nil_returns,
       count(*) filter (where status = 'not_delivered') as not_delivered,
       count(*) filter (where status = 'not_loaded') as not_loaded,
       coalesce(string_agg(month, ', ' order by month) filter (where status = 'not_delivered'), '') as months_not_delivered,
       coalesce(max(h.rows_quarantined), 0) as rows_quarantined
from calendar c
left join held h using (source)
group by c.source, c.ord
order by c.ord
