-- `tipstats report`: the statute-table provisions applied to first-instance sentences of year $year whose
-- range, dates or article number are not verified (ref_statutes verified_*; mart_sentences.statute_verified),
-- with the number of sentenced charges that used them: a caveat of the report.
select s.law_applied as statute_id, r.title, r.verified_range, r.verified_dates, r.verified_article,
       r.source as citation, count(*) as charges
from mart_sentences s
join ref_statutes r on r.statute_id = s.law_applied
where s.basis = 'first' and s.year = $year and not s.statute_verified
group by all
order by statute_id
