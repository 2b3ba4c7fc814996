-- Mark the current version of each record of {table} in {scope} (every record, or those a refresh touched):
-- its latest by reporting month, then load. Only the rows whose mark changes are written.
with latest as (  -- by row id: no sort of whole rows
    select arg_max(rowid, (month, load_id)) as version
    from {table}
    where {scope}
    group by record_key
)
update {table} set current = not current
where {scope} and current <> (rowid in (select version from latest))
