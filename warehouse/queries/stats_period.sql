-- `tipstats stats` and `tipstats sentences --summary`: the period asked for, $1 = its first month and $2 = its
-- last ('YYYY-MM'; null = open on that side). An open start is the first month mart_coverage holds (January of
-- the earliest year with a delivery or a counted unit, so that no dated unit falls before it), an open end its
-- last (the last month loaded). Returns the period; how many source-months in it were delivered (a nil return
-- counts) and how many units are dated in it (a unit can be dated before the first delivery: its figures are
-- shown, with their coverage of 0 months); and the first and last delivered month, which the message for a
-- period with neither names.
with bounds as (
    select coalesce($1::varchar, min(month)) as first_month, coalesce($2::varchar, max(month)) as last_month,
           min(month) filter (where delivered) as first_delivered,
           max(month) filter (where delivered) as last_delivered
    from mart_coverage
)
select b.first_month, b.last_month,
       (select count(*) from mart_coverage c
        where c.delivered and c.month between b.first_month and b.last_month) as delivered_months,
       (select count(*) from mart_units u where u.month between b.first_month and b.last_month) as units,
       b.first_delivered, b.last_delivered
from bounds b
