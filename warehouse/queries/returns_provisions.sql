-- `tipstats export`: every provision (statute_id) the current records charge, each once; a code the lookup
-- matched to several provisions names them all (", " between them), and a code no provision matches has none.
select distinct trim(unnest(string_split(statute_id, ','))) as statute_id
from int_offences
where statute_id is not null
order by statute_id
