-- units_by(dimension): every unit of mart_units with its value in one dimension (the value column of
-- mart_unit_dimensions for that dimension, with the figure, month, group and age group the breakdowns count
-- by), read straight off mart_units: the breakdown queries (stats_*, sentences_summary) read it instead of
-- joining the long form, whose rows are ten times the units. A temporary macro, created on the connection
-- before each of those queries (pipeline/stats.py), so that it needs nothing written to the warehouse.
-- tests/test_counts.py holds it to mart_unit_dimensions for every dimension.
create or replace temp macro units_by(dimension) as table
select figure, unit_id, month, "group", age_group,
       case dimension
           when 'total' then 'all'
           when 'group' then "group"
           when 'region' then region
           when 'office' then office
           when 'court' then court
           when 'exploitation_form' then exploitation_form
           when 'sex' then sex
           when 'age_group' then age_group
           when 'citizenship_group' then citizenship_group
           when 'citizenship' then case when citizenship_group is not null then coalesce(citizenship, 'unknown') end
           when 'public_official' then public_official
       end as value
from mart_units
