-- The valid rows of one staged file ({staged}) as they will be stored ($1 month, $2 load_id, $3 file hash,
-- $4 the file's number in this refresh), added to {incoming}: withdrawals reduced to their key, person
-- identifiers (pseudonymised when they were staged) under their *_key names, the record key (key columns
-- joined by U+001F, an empty column as '') and a hash of the whole content, which tells a correction from a
-- repeat. {kept}, {record_key}, {row_hash} and {renamed} are the source's column lists (pipeline/load.py).
create temp table if not exists {incoming} as
select ''::varchar as record_key, ''::varchar as month, 0::integer as load_id, ''::varchar as file_sha256,
       0::bigint as line, 0::bigint as position, 0::ubigint as row_hash, false as withdrawn, {renamed},
       0::integer as file_no
from {staged}
limit 0;

insert into {incoming} by name
with rows as (
    select position, line, coalesce(withdrawn, false) as withdrawn, {kept}
    from {staged}
    where valid
)
select {record_key} as record_key, $1 as month, $2 as load_id, $3 as file_sha256, line, position,
       {row_hash} as row_hash, withdrawn, {renamed}, $4 as file_no
from rows
