-- Imposed prison terms per charge: year × basis × group × court, with an `all` court row and an `all`
-- group (trafficking and related; `other` is kept but not in `all`). Charge level: each charge's own group.
-- Imposed = prison_months > 0 and not suspended; quartiles interpolate linearly (quantile_cont).
-- charges counts every sentenced charge of the cell, n those with an imposed term (the statistics' base);
-- the statistics are null when n = 0.
create or replace table mart_sentence_distribution as
with charges as (
    select basis, year, "group", court,
           case when prison_months > 0 and not suspended then prison_months end as imposed_months
    from mart_sentences
),
grouped as (
    select basis, year, "group", court, imposed_months from charges
    union all
    select basis, year, 'all', court, imposed_months from charges where "group" in ('trafficking', 'related')
),
cells as (
    select basis, year, "group", court, imposed_months from grouped
    union all
    select basis, year, "group", 'all', imposed_months from grouped
)
select year, basis, "group", court,
       count(*) as charges,
       count(imposed_months) as n,
       min(imposed_months) as imposed_min,
       quantile_cont(imposed_months, 0.25) as imposed_q1,
       quantile_cont(imposed_months, 0.5) as imposed_median,
       quantile_cont(imposed_months, 0.75) as imposed_q3,
       max(imposed_months) as imposed_max
from cells
group by year, basis, "group", court
order by year, basis, "group", court
