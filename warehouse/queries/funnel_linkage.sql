-- `tipstats funnel`: how many later-stage units link back to an earlier stage (mart_linkage), the year of
-- the later stage ($year null = every year).
select year, stage, units, linked_explicit, linked_person, unlinked, linkage_pct
from mart_linkage
where $year is null or year = $year
order by year, list_position(['prosecutions', 'judgments'], stage)
