-- `tipstats report`: the total of every figure (mart_counts, dimension total) for every month, quarter and
-- year that starts by the report's last month $last_month (YYYY-MM), groups trafficking, related and all,
-- with the coverage of each period. `first_month` and `last_month` bound the period: one whose last month
-- is after $last_month is still running (the report's quarter or year to date).
with periods as (
    select figure, source, period_type, period, "group", n, reported, months_delivered, months_in_period,
           case period_type
               when 'month' then period
               when 'quarter' then left(period, 4) || '-' || lpad(((right(period, 1)::integer - 1) * 3 + 1)::varchar, 2, '0')
               else period || '-01'
           end as first_month,
           case period_type
               when 'month' then period
               when 'quarter' then left(period, 4) || '-' || lpad((right(period, 1)::integer * 3)::varchar, 2, '0')
               else period || '-12'
           end as last_month
    from mart_counts
    where dimension = 'total' and "group" in ('trafficking', 'related', 'all')
)
select figure, source, period_type, period, "group", n, reported, months_delivered, months_in_period,
       first_month, last_month
from periods
where first_month <= $last_month
order by figure, period_type, period, "group"
