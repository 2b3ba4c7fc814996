-- `tipstats backlog`: court backlog per first-instance court and year (mart_backlog), one year ($year) or every year
-- ($year null), courts in code-list order, then unknown, then all.
select year, court, as_of, complete_year, pending_start, incoming, incoming_reentered, resolved, pending,
       clearance_rate, disposition_days, pending_age_median_days, pending_over_two_years
from mart_backlog
where $year is null or year = $year
order by year, court_order, court
