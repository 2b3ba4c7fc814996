-- `tipstats backlog`: what the backlog leaves out, all courts, per year ($year null = every year).
select year, excluded_defendant_cases, excluded_case_judgments, unlinked_judgments, not_indicted_judgments
from mart_backlog_excluded
where court = 'all' and ($year is null or year = $year)
order by year
