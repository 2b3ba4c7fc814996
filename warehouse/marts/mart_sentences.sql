-- One row per sentenced charge per basis, placed against the statutory range (DATA-SPEC 4, Sentence
-- categories). Key: (basis, judgment_id, person_key, offence_code).
--   basis 'first': every first-instance `convicted` row;
--   basis 'final': per charge (judgment_id, person, offence_code) the latest row that is `final` and
--                  convicting (first < appeal < supreme, then judgment_date): the final sentence.
-- year: of the row's judgment_date. court: the first-instance court of the (judgment_id, person) — for basis
-- first the row's own court; for basis final the earliest first-instance row's court (the court a judgment
-- unit is placed in), 'unknown' without one. decision_court: the court of the row itself.
-- category: the first that applies, numbered as in the DATA-SPEC table (macros.sql sentence_category).
-- suspended: empty = not suspended.
-- on_charged_version: no offence_date, so placed against the range of the version the charge names
-- (int_applicable_ranges; DATA-SPEC v1.3).
-- gap_months = prison_months − min_months (null when the minimum is unknown); ratio_to_minimum =
-- prison_months ÷ min_months (null when the minimum is unknown or 0).
-- below_minimum (charge level, as for persons): the minimum is known and the sentence is below it — a
-- category below_minimum_*, or no prison / a suspended term when the minimum is imprisonment (> 0). A minimum
-- of 0 (no mandatory minimum) is known and nothing is below it.
-- Legal ground (below_minimum_with_ground): a mitigation the pack counts as one (ref_mitigations.legal_ground),
-- or a plea agreement where the pack makes it one (ref_pack.plea_agreement_is_ground).
-- incremental by: person_key
create or replace table mart_sentences as
with rows as (
    select r.*, r.court as decision_court, a.statute_id as law_applied, a.version_from, a.min_months,
           a.max_months, a.range_unknown_reason, a.statute_verified, a.other_version_applied, a.on_charged_version,
           coalesce(m.legal_ground, false)
               or (coalesce(r.plea_agreement, false) and p.plea_agreement_is_ground) as legal_ground
    from int_judgment_rows r
    join int_applicable_ranges a
        on a.judgment_id = r.judgment_id and a.person_key = r.person_key
       and a.offence_code = r.offence_code and a.instance = r.instance
    left join ref_mitigations m on m.code = r.mitigation
    cross join ref_pack p
    where r.convicting
),
first_courts as (
    select judgment_id, person_key, arg_min_null(court, row_order(judgment_date, month, load_id, line)) as court
    from int_judgment_rows
    where instance = 'first'
    group by judgment_id, person_key
),
based as (
    select 'first' as basis, rows.* from rows
    where instance = 'first' and verdict = 'convicted'
    union all
    select 'final' as basis, rows.* replace (coalesce(fc.court, 'unknown') as court) from rows
    left join first_courts fc using (judgment_id, person_key)
    where final
    qualify row_number() over (
        partition by judgment_id, person_key, offence_code order by instance_rank desc, judgment_date desc
    ) = 1
),
categorised as (
    select *, coalesce(suspended, false) as is_suspended,
           sentence_category(prison_months, suspended, min_months, max_months, legal_ground) as category
    from based
)
select c.basis, year(c.judgment_date) as year, c.judgment_id, c.person_key, c.judge_key, c.court,
       c.decision_court, c.instance, c.verdict, c.offence_code, c.offence_key, c."group",
       c.offence_date, c.judgment_date, c.law_applied, c.other_version_applied, c.on_charged_version,
       c.min_months, c.max_months,
       c.prison_months, c.is_suspended as suspended, c.fine, c.mitigation, c.plea_agreement,
       c.category, category_number(c.category) as category_number,
       c.prison_months - c.min_months as gap_months,
       c.prison_months / nullif(c.min_months, 0) as ratio_to_minimum,
       is_below_minimum(c.category, c.min_months) as below_minimum,
       c.range_unknown_reason, c.statute_verified, c.version_from, c.legal_ground, c.total_prison_months
from categorised c
