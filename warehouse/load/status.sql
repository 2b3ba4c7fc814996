-- `tipstats status`: per source, what was delivered and what the warehouse holds now.
with sources(source, ord) as (values ('investigations', 1), ('prosecutions', 2), ('judgments', 3), ('victims', 4)),
delivered as (
    select source,
           -- a month covered by a historical import names no file of its own
           count(*) filter (where status = 'delivered' and file is not null) as files,
           count(*) filter (where status = 'nil_return') as nil_returns,
           count(*) filter (where status = 'not_delivered') as not_delivered
    from deliveries group by source
),
read as (
    select source, sum(rows_read) as rows_read, sum(rows_quarantined) as rows_quarantined
    from load_log where superseded_by is null and rows_mapped is null  -- delivery files, not imported agency files
    group by source
),
held as (
    select 'investigations' as source, count(*) as versions, count(distinct record_key) as keys from investigations
    union all select 'prosecutions', count(*), count(distinct record_key) from prosecutions
    union all select 'judgments', count(*), count(distinct record_key) from judgments
    union all select 'victims', count(*), count(distinct record_key) from victims
),
current_records as (
    select 'investigations' as source, count(*) as n from stg_investigations
    union all select 'prosecutions', count(*) from stg_prosecutions
    union all select 'judgments', count(*) from stg_judgments
    union all select 'victims', count(*) from stg_victims
)
select s.source, coalesce(d.files, 0), coalesce(d.nil_returns, 0), coalesce(d.not_delivered, 0),
       coalesce(r.rows_read, 0), coalesce(c.n, 0), coalesce(h.versions, 0), coalesce(r.rows_quarantined, 0)
from sources s
left join delivered d using (source)
left join read r using (source)
left join held h using (source)
left join current_records c using (source)
order by s.ord
