-- `tipstats stats --by A --by B [--by C]` and the international returns: every count figure for the months
-- $1 … $2 ('YYYY-MM', both included) over the groups in $3, cross-classified by the dimensions $4, $5 and $6
-- ('total' for a dimension not asked for: its value is 'all'). One row per combination of values counted and
-- figure; n is null for a figure one of the dimensions does not apply to (as in stats_counts.sql), and units
-- whose value is null in a dimension are left out. child_victims = identified victims whose age_group is child.
with units as (
    select d1.figure, d1.month, d1."group", d1.age_group, d1.value as v1, d2.value as v2, d3.value as v3
    from units_by($4) d1
    join units_by($5) d2 on d2.figure = d1.figure and d2.unit_id = d1.unit_id
    join units_by($6) d3 on d3.figure = d1.figure and d3.unit_id = d1.unit_id
),
counted as (
    select figure, month, "group", v1, v2, v3 from units
    union all
    select 'child_victims', month, "group", v1, v2, v3 from units
    where figure = 'victims_identified' and age_group = 'child'
),
applies as (
    select figure, bool_or(v1 is not null) and bool_or(v2 is not null) and bool_or(v3 is not null) as applies
    from counted group by figure
),
selected as (
    select * from counted
    where month between $1 and $2 and "group" in (select unnest($3::varchar[]))
      and v1 is not null and v2 is not null and v3 is not null
),
figures(figure, ord) as (
    values ('investigated_cases', 1), ('investigated_persons', 2), ('prosecuted_persons', 3),
           ('convicted_persons', 4), ('final_convictions', 5), ('acquitted_persons', 6),
           ('victims_identified', 7), ('child_victims', 8)
),
combinations as (select distinct v1, v2, v3 from selected),
counts as (select v1, v2, v3, figure, count(*) as n from selected group by all)
select c.v1, c.v2, c.v3, f.figure, case when a.applies then coalesce(n.n, 0) end as n
from combinations c
cross join figures f
left join applies a on a.figure = f.figure
left join counts n on n.v1 = c.v1 and n.v2 = c.v2 and n.v3 = c.v3 and n.figure = f.figure
order by c.v1, c.v2, c.v3, f.ord
