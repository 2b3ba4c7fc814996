-- `tipstats report`: the statute-table provisions applied to first-instance sentences of year $year whose
-- range, dates or article number are not verified (ref_statutes verified_*; mart_sentences.statute_verified),
-- with the number of sentenced charges that used them: a caveat of the report. A provision with several
-- versions is one row: a fact is verified when it is in every version, the citations joined.
with provisions as (
    select statute_id, arg_max(title, coalesce(valid_from, timestamp '0001-01-01')) as title,
           bool_and(verified_range) as verified_range, bool_and(verified_dates) as verified_dates,
           bool_and(verified_article) as verified_article,
           string_agg(distinct source, '; ' order by source) as citation
    from ref_statutes
    group by statute_id
)
select s.law_applied as statute_id, r.title, r.verified_range, r.verified_dates, r.verified_article,
       r.citation, count(*) as charges
from mart_sentences s
join provisions r on r.statute_id = s.law_applied
where s.basis = 'first' and s.year = $year and not s.statute_verified
group by all
order by statute_id
