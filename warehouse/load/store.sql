-- Store the valid rows of one checked chunk of a file ({staged}, pipeline/staging.py) in their version table
-- ({table}) in the refresh's transaction ($1 month, $2 load_id, $3 file hash): withdrawals reduced to their
-- key, person identifiers (already pseudonymised) under their *_key names, the record key (key columns joined by
-- U+001F, an empty column as '') and a hash of the whole content, which tells a correction from a repeat.
-- {kept}, {record_key}, {row_hash} and {renamed} are the source's column lists (pipeline/staging.py).
insert into {table} by name
with rows as (
    select line, coalesce(withdrawn, false) as withdrawn, {kept}
    from {staged}
    where valid
)
select {record_key} as record_key, $1 as month, $2 as load_id, $3 as file_sha256, line,
       {row_hash} as row_hash, withdrawn, {renamed}
from rows
