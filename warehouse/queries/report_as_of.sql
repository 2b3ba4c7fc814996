-- `tipstats report`: what the warehouse holds: the last month delivered, the last load and when it ended.
select (select max(month) from deliveries) as last_month,
       (select min(month) from deliveries) as first_month,
       (select max(load_id) from loads) as load_id,
       (select max(finished_at) from loads) as loaded_at
