-- `tipstats report`: the forced-begging watch (mart_watch_begging) per year up to $year and stage: cases whose
-- exploitation form is begging with a charge outside the trafficking group at that stage, and those charges.
select year, stage, count(distinct case_id) as cases, count(*) as charges
from mart_watch_begging
where year <= $year
group by year, stage
order by year, list_position(['investigation', 'prosecution', 'judgment'], stage)
