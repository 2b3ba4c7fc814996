-- `tipstats report`: the deliveries loaded after load $load_id, with the calendar months of the records they
-- brought (the record's own date: opened_on, decided_on, judgment_date, identified_on; null for a withdrawal
-- row, which needs only its key), and each month's delivery itself (a first delivery makes a month
-- "reported"). A revised figure of a source and period names the deliveries that touched that period.
select 'investigations' as source, month as delivered_month, load_id,
       strftime(opened_on, '%Y-%m') as record_month, count(*) as rows
from investigations where load_id > $load_id group by all
union all
select 'prosecutions', month, load_id, strftime(decided_on, '%Y-%m'), count(*)
from prosecutions where load_id > $load_id group by all
union all
select 'judgments', month, load_id, strftime(judgment_date, '%Y-%m'), count(*)
from judgments where load_id > $load_id group by all
union all
select 'victims', month, load_id, strftime(identified_on, '%Y-%m'), count(*)
from victims where load_id > $load_id group by all
union all
select source, month, load_id, month, 0
from deliveries where load_id > $load_id
order by source, delivered_month, record_month
