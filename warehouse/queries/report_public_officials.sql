-- `tipstats report`: public officials (trafficking + related) counted at each stage, per year up to $year
-- (mart_watch_public_officials; only these counts are published, never its rows).
select figure, stage_order, year, count(*) as n
from mart_watch_public_officials
where "group" in ('trafficking', 'related') and year <= $year
group by all
order by stage_order, year
