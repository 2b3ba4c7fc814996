-- Imposed prison terms per charge: year × basis × group × court, with an `all` court row and an `all`
-- group (trafficking and related; `other` is kept but not in `all`). Charge level: each charge's own group.
-- Imposed = prison_months > 0 and not suspended; quartiles interpolate linearly between the values at ranks
-- floor(h) and ceil(h), h = (n − 1) p, as quantile_cont does. They are read off each cell's counts of
-- distinct terms (terms repeat, so this stays small), not from every charge held in memory at once.
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
),
terms as (
    select basis, year, "group", court, imposed_months as term, count(*) as k
    from cells group by all
),
ranked as (
    -- upto: charges with this term or a shorter one; n: charges with an imposed term in the cell
    select *, sum(k) filter (where term is not null) over (partition by basis, year, "group", court order by term
                                 rows between unbounded preceding and current row) as upto,
           sum(k) filter (where term is not null) over (partition by basis, year, "group", court) as n
    from terms
),
ranks as (
    -- the term at 0-based rank r is the shortest term with upto > r
    select basis, year, "group", court, sum(k)::bigint as charges, coalesce(max(n), 0)::bigint as n,
           min(term) as imposed_min, max(term) as imposed_max,
           min(term) filter (where upto > floor((n - 1) * 0.25)) as q1_low,
           min(term) filter (where upto > ceil((n - 1) * 0.25)) as q1_high,
           min(term) filter (where upto > floor((n - 1) * 0.5)) as median_low,
           min(term) filter (where upto > ceil((n - 1) * 0.5)) as median_high,
           min(term) filter (where upto > floor((n - 1) * 0.75)) as q3_low,
           min(term) filter (where upto > ceil((n - 1) * 0.75)) as q3_high
    from ranked
    group by basis, year, "group", court
)
select year, basis, "group", court, charges, n, imposed_min,
       q1_low + ((n - 1) * 0.25 - floor((n - 1) * 0.25)) * (q1_high - q1_low) as imposed_q1,
       median_low + ((n - 1) * 0.5 - floor((n - 1) * 0.5)) * (median_high - median_low) as imposed_median,
       q3_low + ((n - 1) * 0.75 - floor((n - 1) * 0.75)) * (q3_high - q3_low) as imposed_q3,
       imposed_max
from ranks
order by year, basis, "group", court
