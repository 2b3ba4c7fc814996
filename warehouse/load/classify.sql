-- Classify the incoming valid rows of one file against the versions already stored for their keys
-- (DATA-SPEC, Corrections): versions are ordered by reporting month, then by load. Returns the count of
-- each outcome. {table} is one of the four version tables; `incoming` is the file's rows (store.sql).
with latest as (
    select record_key, month, row_hash
    from {table}
    where record_key in (select record_key from incoming)
    qualify row_number() over (partition by record_key order by month desc, load_id desc) = 1
)
select
    case
        when l.record_key is null then 'new'
        when i.month < l.month then 'stored_not_current'
        when i.row_hash = l.row_hash then 'unchanged'
        else 'replacing'
    end as outcome,
    count(*) as n
from incoming i
left join latest l using (record_key)
group by outcome
