-- Which sources delivered each month (DATA-SPEC 1): a nil return is a delivery (nothing to report);
-- a missing, empty, unreadable or refused file is not. One row per source × calendar month, from January of
-- the earliest year with a delivery or a counted unit (units can be dated before the first delivered month)
-- to the last month loaded; a month with no record at all counts as not delivered.
create or replace table mart_coverage as
with bounds as (
    select date_trunc('year', least(strptime(min(d.month), '%Y-%m')::date,
                                    (select min(unit_date) from mart_units)))::date as first_month,
           strptime(max(d.month), '%Y-%m')::date as last_month
    from deliveries d
),
months as (
    select strftime(m, '%Y-%m') as month, year(m) as year, quarter_of(m) as quarter
    from bounds, unnest(generate_series(first_month, last_month, interval 1 month)) as t(m)
),
sources(source) as (values ('investigations'), ('prosecutions'), ('judgments'), ('victims'))
select s.source, m.month, m.quarter, m.year,
       coalesce(d.status, 'not_delivered') as status,
       coalesce(d.status in ('delivered', 'nil_return'), false) as delivered
from months m
cross join sources s
left join deliveries d on d.month = m.month and d.source = s.source
