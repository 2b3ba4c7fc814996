-- `tipstats stats`: first-instance sentences per charge (DATA-SPEC categories) for year $1, charges of the
-- groups in $2 (a charge counts in its own group), by dimension $3 of the convicted person ('group' is the
-- charge's own group).
select case when $3 = 'group' then s."group" else d.value end as value, s.category, count(*) as n
from mart_sentences s
join mart_unit_dimensions d
  on d.figure = 'convicted_persons' and d.unit_id = s.judgment_id || ' ' || s.person_key and d.dimension = $3
where s.basis = 'first' and s.year = $1 and s."group" in (select unnest($2::varchar[]))
group by all
order by all
