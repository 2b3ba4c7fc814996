-- `tipstats stats`: every count figure for the months $1 … $2 ('YYYY-MM', both included; a unit counts in the
-- month of its date), over the groups in $3 (['trafficking', 'related'] for `all`), by dimension $4 ('total'
-- gives one row, value 'all'). child_victims = identified victims whose age_group is child. A figure the
-- dimension does not apply to gets null, not zero.
with units as (
    select figure, month, "group", age_group, value from units_by($4)
),
counted as (
    select figure, month, "group", value from units
    union all
    select 'child_victims', month, "group", value from units
    where figure = 'victims_identified' and age_group = 'child'
),
applies as (select figure, bool_or(value is not null) as applies from counted group by figure),
selected as (
    select * from counted
    where month between $1 and $2 and "group" in (select unnest($3::varchar[])) and value is not null
),
figures(figure, ord) as (
    values ('investigated_cases', 1), ('investigated_persons', 2), ('prosecuted_persons', 3),
           ('convicted_persons', 4), ('final_convictions', 5), ('acquitted_persons', 6),
           ('victims_identified', 7), ('child_victims', 8)
),
dim_values as (select distinct value from selected union select 'all' where $4 = 'total'),
counts as (select value, figure, count(*) as n from selected group by value, figure)
select v.value, f.figure, case when coalesce(a.applies, $4 = 'total') then coalesce(c.n, 0) end as n
from dim_values v
cross join figures f
left join applies a on a.figure = f.figure
left join counts c on c.value = v.value and c.figure = f.figure
order by v.value, f.ord
