-- Watch list: first-instance convictions below the statutory minimum that became final unchanged. A person
-- (judgment_id, person) whose sentence at basis first is below the minimum (below_minimum) and whose final
-- sentence is the same: equal prison_months (both empty counts as equal), suspended and category. The final
-- sentence may come from the first-instance row itself (not appealed) or from a confirming/modifying
-- decision that left it as it was (final_instance). on_charged_version: the minimum is that of the version the
-- charge names, the offence date not being recorded. Restricted output: holds case numbers and pseudonyms.
create or replace table mart_watch_below_minimum_final as
select f.judgment_id, f.person_key, f.judge_key, f.court, f."group",
       f.year as first_year, f.counted_on as first_judgment_date,
       l.year as final_year, l.counted_on as final_on, l.instance as final_instance,
       f.offence_code, f.law_applied, f.on_charged_version, f.min_months, f.max_months,
       f.prison_months, f.suspended, f.category, f.statute_verified
from mart_person_sentences f
join mart_person_sentences l
    on l.basis = 'final' and l.judgment_id = f.judgment_id and l.person_key = f.person_key
where f.basis = 'first' and f.below_minimum
  and l.prison_months is not distinct from f.prison_months
  and l.suspended = f.suspended
  and l.category = f.category
order by f.year, f.court, f.judgment_id, f.person_key
