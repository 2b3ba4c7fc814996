-- `tipstats sentences --summary`: the unsuspended prison term of every convicted person (DATA-SPEC 4: the
-- person's sentence, mart_person_sentences; 0 months when the sentence has no unsuspended imprisonment), at
-- the instance $instance (first or final), persons of the groups in $groups (['trafficking', 'related'] for
-- `all`), counted in the months $first_month … $last_month ('YYYY-MM', both included; null = every month).
-- One row per value of the person's dimension $by (as `stats --by`: the dimensions of the person's
-- convicted_persons or final_convictions unit) and one row 'total'; $by = 'total' gives the total alone.
-- Quartiles interpolate linearly (quantile_cont).
with persons as (
    select d.value, coalesce(p.imposed_months, 0) as months
    from mart_person_sentences p
    join units_by($by) d
      on d.figure = case $instance when 'first' then 'convicted_persons' else 'final_convictions' end
     and d.unit_id = p.judgment_id || ' ' || p.person_key
    where p.basis = $instance
      and p."group" in (select unnest($groups::varchar[]))
      and ($first_month is null or strftime(p.counted_on, '%Y-%m') >= $first_month)
      and ($last_month is null or strftime(p.counted_on, '%Y-%m') <= $last_month)
)
select case when grouping(value) = 1 then 'total' else value end as value,
       count(*) as persons,
       quantile_cont(months, 0.5) as median_months,
       quantile_cont(months, 0.25) as q1_months,
       quantile_cont(months, 0.75) as q3_months,
       min(months) as min_months,
       max(months) as max_months
from persons
group by grouping sets ((value), ())
having grouping(value) = 1 or $by <> 'total'
