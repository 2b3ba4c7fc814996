-- `tipstats stats`: first-instance sentences per charge (DATA-SPEC categories) judged in the months $1 … $2
-- ('YYYY-MM', both included), charges of the groups in $3 (a charge counts in its own group), by dimension $4
-- of the convicted person ('group' is the charge's own group).
select case when $4 = 'group' then s."group" else d.value end as value, s.category, count(*) as n
from mart_sentences s
join units_by($4) d on d.figure = 'convicted_persons' and d.unit_id = s.judgment_id || ' ' || s.person_key
where s.basis = 'first' and strftime(s.judgment_date, '%Y-%m') between $1 and $2
  and s."group" in (select unnest($3::varchar[]))
group by all
order by all
