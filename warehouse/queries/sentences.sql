-- `tipstats sentences`: one row per sentenced charge at a basis ($basis: first or final), optionally one
-- year ($year, null = every year) and only sentences below the statutory minimum ($below_minimum).
-- The command drops judgment_id, person_key and judge_key unless --restricted. on_charged_version: no offence
-- date, so placed against the range of the version the charge names (DATA-SPEC v1.3).
select year, court, judgment_id, person_key, judge_key, offence_code, offence_date, judgment_date,
       law_applied, on_charged_version, min_months, max_months, prison_months, suspended, category, mitigation
from mart_sentences
where basis = $basis
  and ($year is null or year = $year)
  and (not $below_minimum or below_minimum)
order by year, court, judgment_date, judgment_id, person_key, offence_code
