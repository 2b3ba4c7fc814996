-- Current judgments: the latest version of each record by reporting month, then load; withdrawn keys retired.
-- incremental by: record_key
create or replace table stg_judgments as
with versions as (
    select *
    from judgments
    qualify row_number() over (partition by record_key order by month desc, load_id desc) = 1
)
select * exclude (row_hash)
from versions
where not withdrawn
