-- The cases, persons and victims of the records a refresh touched (incremental rebuild, pipeline/build.py),
-- read off the current rows of those records (the stg_* views). Run before the current versions are marked
-- again, for the rows they replace (and before a reload forgets a month's rows), and after, for the rows now
-- current: a correction that moves a record to another person touches both persons.
insert into touched_ids
with touched as (select id as record_key from touched_ids where kind = 'record_key')
select 'case_id', case_id from stg_investigations where record_key in (select record_key from touched)
union all
select 'person_key', person_key from stg_investigations where record_key in (select record_key from touched)
union all
select 'person_key', person_key from stg_prosecutions where record_key in (select record_key from touched)
union all
select 'person_key', person_key from stg_judgments where record_key in (select record_key from touched)
union all
select 'victim_key', victim_key from stg_victims where record_key in (select record_key from touched)
