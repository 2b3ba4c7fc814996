-- The quarantined rows of one month ($1), in file and line order, for the agencies' quality files; a file
-- refused before any row could be read (empty, unreadable) is listed once, without a line, so that its
-- agency never receives an empty quality file (= all accepted) for it.
select source, file, line, record_key, "column", "check", value, reason
from quarantine
where month = $1
union all
select source, file, null, '', '', 'file_refused', '', file_error
from load_log
where month = $1 and file_error is not null and rows_read = 0 and superseded_by is null
order by file, line nulls first, "column", "check"
