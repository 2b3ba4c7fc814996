-- Classify the valid rows a refresh loads for one version table ({table}; the rows in {incoming}, store.sql)
-- against the version before each (DATA-SPEC, Corrections). Versions are ordered by reporting month, then by
-- load; months are loaded in order, so the version before a row is the latest of: the versions stored
-- before this refresh, and this refresh's row for the same record from the nearest earlier month.
-- Returns the count of each outcome per file.
with stored as (
    select record_key, month, row_hash
    from {table}
    where record_key in (select record_key from {incoming})
    qualify row_number() over (partition by record_key order by month desc, load_id desc) = 1
),
rows as (
    select file_no, record_key, month, row_hash,
           lag(month) over earlier as earlier_month, lag(row_hash) over earlier as earlier_hash
    from {incoming}
    window earlier as (partition by record_key order by month, file_no)
),
before as (
    select r.file_no, r.month, r.row_hash,
           case when r.earlier_month is not null and (s.month is null or r.earlier_month >= s.month)
                then r.earlier_month else s.month end as before_month,
           case when r.earlier_month is not null and (s.month is null or r.earlier_month >= s.month)
                then r.earlier_hash else s.row_hash end as before_hash
    from rows r
    left join stored s using (record_key)
)
select file_no,
       case
           when before_month is null then 'new'
           when month < before_month then 'stored_not_current'
           when row_hash = before_hash then 'unchanged'
           else 'replacing'
       end as outcome,
       count(*) as n
from before
group by all
order by all
