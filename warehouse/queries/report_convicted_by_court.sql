-- `tipstats report`: convicted persons at first instance (groups trafficking + related) per court and year,
-- up to $year (mart_counts).
select value as court, period::integer as year, n
from mart_counts
where figure = 'convicted_persons' and period_type = 'year' and "group" = 'all' and dimension = 'court'
  and period::integer <= $year
order by all
