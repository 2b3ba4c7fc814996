-- `tipstats report`: identified victims (groups trafficking + related) per year up to $year, by sex, age
-- group, form of exploitation, region and group, and the total (mart_counts); `form_age` = by form of
-- exploitation and age group together ('sexual|child'), from mart_units. Only values that occur are
-- returned: the report fills the code lists with zeros.
select dimension, value, period::integer as year, n
from mart_counts
where figure = 'victims_identified' and period_type = 'year' and "group" = 'all'
  and dimension in ('total', 'sex', 'age_group', 'exploitation_form', 'region')
  and period::integer <= $year
union all
select 'group', "group", period::integer, n
from mart_counts
where figure = 'victims_identified' and period_type = 'year' and "group" in ('trafficking', 'related')
  and dimension = 'total' and period::integer <= $year
union all
select 'form_age', exploitation_form || '|' || age_group, year, count(*)
from mart_units
where figure = 'victims_identified' and "group" in ('trafficking', 'related') and year <= $year
group by all
order by all
