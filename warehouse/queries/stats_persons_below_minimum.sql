-- `tipstats stats`: "K of the C sentences were below the statutory minimum" and "sentences ranged from X to
-- Y" (DATA-SPEC 4), first instance, persons counted in the months $1 … $2 ('YYYY-MM', both included), of the
-- groups in $3, by dimension $4.
-- C = persons whose sentence has a known minimum; K = those of them below it (no_prison, suspended,
-- below_minimum_*); X, Y = smallest and largest unsuspended prison term (> 0) among the sentences of all the
-- persons, whether their minimum is known or not (DATA-SPEC v1.3), and of all of them those whose sentence
-- is a suspended term and those with no imprisonment; of the C, those placed against the range of the
-- version their charge names, the offence date not being known (DATA-SPEC v1.3); of all of them, those whose
-- term is the person's total in the judgment, no charge having one (mart_person_sentences.term_from_total).
select case when $4 = 'group' then p."group" else d.value end as value,
       count(*) filter (where p.known_minimum) as sentenced_persons,
       count(*) filter (where p.below_minimum) as below_minimum_persons,
       min(p.imposed_months) as prison_months_min,
       max(p.imposed_months) as prison_months_max,
       count(*) filter (where p.category = 'suspended') as suspended_term_persons,
       count(*) filter (where p.category = 'no_prison') as no_prison_persons,
       count(*) filter (where p.known_minimum and p.on_charged_version) as sentences_on_charged_version,
       count(*) filter (where p.term_from_total) as sentences_from_person_total
from mart_person_sentences p
join units_by($4) d on d.figure = 'convicted_persons' and d.unit_id = p.judgment_id || ' ' || p.person_key
where p.basis = 'first' and strftime(p.counted_on, '%Y-%m') between $1 and $2
  and p."group" in (select unnest($3::varchar[]))
group by all
order by all
