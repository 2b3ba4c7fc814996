-- `tipstats report`: persons investigated for trafficking followed to their prosecution and first-instance
-- conviction (mart_reclassified), per year up to $year and stage: how many, by the group of the offence they were
-- prosecuted or convicted for; reclassified = related + other (prosecuted or convicted only for a lesser offence).
select year, stage, count(*) as persons,
       count(*) filter (where charged_group = 'trafficking') as trafficking,
       count(*) filter (where charged_group = 'related') as related,
       count(*) filter (where charged_group = 'other') as other,
       count(*) filter (where reclassified) as reclassified
from mart_reclassified
where investigated_group = 'trafficking' and year <= $year
group by year, stage, stage_order
order by year, stage_order
