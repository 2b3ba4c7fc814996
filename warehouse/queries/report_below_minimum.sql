-- `tipstats report`: "K of the C sentences were below the statutory minimum" (DATA-SPEC 4) per year up to
-- $year and per first-instance court and year: persons convicted at first instance (trafficking + related)
-- whose sentence has a known minimum (C = sentenced) and those of them below it (K = below). Court 'all' is
-- the year's total; it equals `tipstats stats --json` sentenced_persons and below_minimum_persons.
select year, case when grouping(court) = 1 then 'all' else court end as court,
       count(*) filter (where known_minimum) as sentenced,
       count(*) filter (where below_minimum) as below
from mart_person_sentences
where basis = 'first' and "group" in ('trafficking', 'related') and year <= $year
group by grouping sets ((year), (year, court))
order by year, grouping(court) desc, court
