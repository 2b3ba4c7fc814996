-- `tipstats report --restricted`: the public officials (trafficking + related) counted in year $year, one row
-- per stage and unit, with the case number and pseudonym (restricted).
select figure, year, unit_date, "group", region, office, court, exploitation_form, unit_id, person_key
from mart_watch_public_officials
where "group" in ('trafficking', 'related') and year = $year
order by stage_order, unit_date, unit_id
