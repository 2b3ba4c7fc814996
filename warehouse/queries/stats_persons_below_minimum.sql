-- `tipstats stats`: "K of the C sentences were below the statutory minimum" and "sentences ranged from X to
-- Y" (DATA-SPEC 4), first instance, year $1, persons of the groups in $2, by dimension $3.
-- C = persons whose sentence has a known minimum; K = those of them below it (no_prison, suspended,
-- below_minimum_*); X, Y = smallest and largest unsuspended prison term (> 0) among the C persons' sentences.
select case when $3 = 'group' then p."group" else d.value end as value,
       count(*) filter (where p.known_minimum) as sentenced_persons,
       count(*) filter (where p.below_minimum) as below_minimum_persons,
       min(p.prison_months) filter (where p.known_minimum and p.prison_months > 0 and not coalesce(p.suspended, false)) as prison_months_min,
       max(p.prison_months) filter (where p.known_minimum and p.prison_months > 0 and not coalesce(p.suspended, false)) as prison_months_max
from mart_person_sentences p
join mart_unit_dimensions d
  on d.figure = 'convicted_persons' and d.unit_id = p.judgment_id || ' ' || p.person_key and d.dimension = $3
where p.basis = 'first' and p.year = $1 and p."group" in (select unnest($2::varchar[]))
group by all
order by all
