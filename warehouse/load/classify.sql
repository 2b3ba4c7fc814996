-- Classify the rows a refresh stored in one version table ({table}, load $1) against the version before each
-- (DATA-SPEC, Corrections). Versions are ordered by reporting month, then by load; months are loaded in
-- order, so the version before a row is the latest of: the versions stored before this refresh, and this
-- refresh's row for the same record from the nearest earlier month. Returns the count of each outcome per
-- month (a refresh loads one file per source and month).
with incoming as (
    select record_key, month, row_hash,
           lag(month) over earlier as earlier_month, lag(row_hash) over earlier as earlier_hash
    from {table}
    where load_id = $1
    window earlier as (partition by record_key order by month)
),
stored as (
    select record_key, month, row_hash
    from {table}
    where load_id < $1 and record_key in (select record_key from incoming)
    qualify row_number() over (partition by record_key order by month desc, load_id desc) = 1
),
before as (
    select i.month, i.row_hash,
           case when i.earlier_month is not null and (s.month is null or i.earlier_month >= s.month)
                then i.earlier_month else s.month end as before_month,
           case when i.earlier_month is not null and (s.month is null or i.earlier_month >= s.month)
                then i.earlier_hash else s.row_hash end as before_hash
    from incoming i
    left join stored s using (record_key)
)
select month,
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
