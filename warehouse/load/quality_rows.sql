-- The quarantined rows of one month ($1), in file and line order, for the agencies' quality files.
select source, file, line, record_key, "column", "check", value, reason
from quarantine
where month = $1
order by file, line, "column", "check"
