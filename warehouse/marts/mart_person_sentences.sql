-- One row per sentenced person per basis: the person's sentence (DATA-SPEC 4). Key: (basis, judgment_id,
-- person_key).
--   group: the highest group among the person's sentenced charges at that basis;
--   the sentence: among the charges of that group, the most unsuspended prison months, then the most
--     suspended months, then the lowest category_number, then the lowest offence_code;
--   counted_on / year: when the person-unit counts — basis first: the earliest first-instance `convicted`
--     judgment_date; basis final: the earliest judgment_date of a row that is `final` and convicting;
--   court: the (judgment_id, person)'s earliest first-instance row's court, 'unknown' without one;
--   known_minimum: the sentence's minimum is known; below_minimum: known_minimum and the category is
--     no_prison, suspended, below_minimum_with_ground or below_minimum_no_ground (no prison and suspended
--     only when the minimum is imprisonment, > 0 months);
--   imposed_months: prison_months when > 0 and not suspended, else null;
--   on_charged_version: the sentence was placed against the range of the version its charge names (no
--     offence_date; DATA-SPEC v1.3);
--   term_from_total: no charge of the person at that basis has a prison term (prison_months empty) and the
--     source recorded the person's imprisonment in the judgment, all charges together (total_prison_months):
--     that term is the sentence's prison_months, placed against the chosen charge's range.
-- Published sentence figures, per basis × year × group (`all` = trafficking and related):
--   C = count(*) filter (where known_minimum)   "K of the C sentences were below the statutory minimum"
--   K = count(*) filter (where below_minimum)
--   "Sentences ranged from X to Y": X = min(imposed_months), Y = max(imposed_months) over all the persons
--   (DATA-SPEC v1.3: whether their minimum is known or not), with how many of them received a suspended
--   term, count(*) filter (where category = 'suspended'), or no imprisonment, (where category = 'no_prison')
--   (the chosen charge is suspended or without prison only when no charge of the group has an imposed term);
--   of the C, placed on the charged version: count(*) filter (where known_minimum and on_charged_version).
-- incremental by: person_key
create or replace table mart_person_sentences as
with charges as (
    select s.*, g.group_rank from mart_sentences s join ref_groups g using ("group")
),
persons as (
    select basis, judgment_id, person_key, max(group_rank) as group_rank, count(*) as charges,
           case when count(prison_months) = 0 then max(total_prison_months) end as total_prison_months
    from charges
    group by basis, judgment_id, person_key
),
final_on as (
    select judgment_id, person_key, min(judgment_date) as counted_on
    from int_judgment_rows
    where final and convicting
    group by judgment_id, person_key
),
first_on as (
    select judgment_id, person_key, min(judgment_date) as counted_on
    from int_judgment_rows
    where instance = 'first' and verdict = 'convicted'
    group by judgment_id, person_key
),
first_courts as (
    select judgment_id, person_key, arg_min_null(court, row_order(judgment_date, month, load_id, line)) as court
    from int_judgment_rows
    where instance = 'first'
    group by judgment_id, person_key
),
chosen as (
    select c.* exclude (total_prison_months), p.charges, p.total_prison_months
    from charges c
    join persons p using (basis, judgment_id, person_key)
    where c.group_rank = p.group_rank
    qualify row_number() over (
        partition by c.basis, c.judgment_id, c.person_key
        order by case when c.suspended then 0 else coalesce(c.prison_months, 0) end desc,
                 case when c.suspended then coalesce(c.prison_months, 0) else 0 end desc,
                 c.category_number, c.offence_code
    ) = 1
),
sentence as (
    -- the person's total term in place of the chosen charge's (empty) one
    select * replace (
               coalesce(prison_months, total_prison_months) as prison_months,
               case when total_prison_months is null then category
                    else sentence_category(total_prison_months, suspended, min_months, max_months, legal_ground)
               end as category
           ),
           total_prison_months is not null as term_from_total
    from chosen
)
select c.basis,
       year(coalesce(fo.counted_on, io.counted_on)) as year,
       coalesce(fo.counted_on, io.counted_on) as counted_on,
       c.judgment_id, c.person_key, c.judge_key, coalesce(fc.court, 'unknown') as court, c."group", c.charges,
       c.offence_code, c.offence_key, c.instance, c.law_applied, c.on_charged_version, c.min_months, c.max_months,
       c.prison_months, c.suspended, c.fine, c.mitigation, c.plea_agreement, c.category,
       category_number(c.category) as category_number,
       c.min_months is not null as known_minimum,
       is_below_minimum(c.category, c.min_months) as below_minimum,
       case when c.prison_months > 0 and not c.suspended then c.prison_months end as imposed_months,
       c.range_unknown_reason, c.statute_verified, c.term_from_total
from sentence c
left join first_courts fc on fc.judgment_id = c.judgment_id and fc.person_key = c.person_key
left join first_on io on c.basis = 'first' and io.judgment_id = c.judgment_id and io.person_key = c.person_key
left join final_on fo on c.basis = 'final' and fo.judgment_id = c.judgment_id and fo.person_key = c.person_key
