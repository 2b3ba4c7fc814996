-- `tipstats funnel`: attrition of the investigated persons of a cohort year ($year null = every cohort),
-- groups in the order trafficking, related, other, all.
select cohort_year, "group", investigated, prosecuted, convicted, finally_convicted,
       prosecuted_pct, convicted_pct, final_pct, investigated_to_final_pct,
       median_days_to_prosecution, median_days_to_conviction, median_days_to_final
from mart_attrition
where $year is null or cohort_year = $year
order by cohort_year, list_position(['trafficking', 'related', 'other', 'all'], "group")
