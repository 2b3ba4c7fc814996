-- Cross-source reference checks for the rows a load stored ($1 = load_id). They are warnings, not
-- rejections: the earlier stage may arrive later, or come from before the first delivered month.
insert into warnings
with files as (select distinct load_id, sha256, file from load_log where load_id = $1),
known_cases as (select distinct case_id from investigations),
known_prosecutions as (select distinct prosecution_id from prosecutions),
first_instance as (select distinct judgment_id from judgments where instance = 'first'),
found as (
    select month, 'prosecutions' as source, file_sha256, line, 'case_id' as "column", 'unknown_case' as "check",
           case_id as value, 'no investigation with this case_id has been delivered' as why
    from prosecutions
    where load_id = $1 and case_id is not null and case_id not in (select case_id from known_cases)
    union all
    select month, 'victims', file_sha256, line, 'case_id', 'unknown_case',
           case_id, 'no investigation with this case_id has been delivered'
    from victims
    where load_id = $1 and case_id is not null and case_id not in (select case_id from known_cases)
    union all
    select month, 'judgments', file_sha256, line, 'prosecution_id', 'unknown_prosecution',
           prosecution_id, 'no prosecution with this prosecution_id has been delivered'
    from judgments
    where load_id = $1 and prosecution_id is not null
      and prosecution_id not in (select prosecution_id from known_prosecutions)
    union all
    select month, 'judgments', file_sha256, line, 'judgment_id', 'unknown_judgment',
           judgment_id, 'an appeal or supreme decision on a judgment whose first instance has not been delivered'
    from judgments
    where load_id = $1 and instance <> 'first' and judgment_id not in (select judgment_id from first_instance)
)
select $1, found.month, found.source, files.file, found.line, found."column", found."check", found.value,
       found."column" || ' ' || found.value || ': ' || found.why
from found join files on files.sha256 = found.file_sha256
