-- What a touched case reaches (incremental rebuild, pipeline/build.py): its group, region and exploitation
-- form are read by every person investigated in it, every defendant-case that names it, and every victim
-- identified in it.
insert into touched_ids
with cases as (select id as case_id from touched_ids where kind = 'case_id')
select 'person_key', person_key from stg_investigations where case_id in (select case_id from cases)
union all
select 'person_key', person_key from stg_prosecutions where case_id in (select case_id from cases)
union all
select 'victim_key', victim_key from stg_victims where case_id in (select case_id from cases)
