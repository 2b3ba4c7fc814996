-- Judgment units (judgment_id, person) over all instances (DATA-SPEC 4):
--   convicted_on  first-instance judgment_date of a `convicted` charge (convicted persons, first instance);
--   acquitted_on  first instance with no `convicted` and at least one `acquitted` charge (acquitted persons);
--   final_on      earliest row that is `final` and convicting (final convictions).
-- Each figure's group is the highest among the charges that qualify it. Court = the first-instance court.
-- Linking: the explicit prosecution_id when given (unlinked when that defendant-case does not exist);
-- otherwise the one charged defendant-case of the same person decided on or before the first judgment.
-- The investigation comes through the linked prosecution, else the one investigated (case, person) of the
-- same person opened on or before the judgment. Demographics: own rows, else the linked earlier stages.
-- incremental by: person_key
create or replace table int_judgment_units as
with rows as (
    select r.*, g.group_rank, r.instance = 'first' as first_instance
    from int_judgment_rows r
    join ref_groups g on g."group" = r."group"
),
units as (
    select judgment_id, person_key,
           min(judgment_date) filter (where first_instance and verdict = 'convicted') as convicted_on,
           max(group_rank) filter (where first_instance and verdict = 'convicted') as convicted_group_rank,
           min(judgment_date) filter (where first_instance and verdict = 'acquitted') as acquitted_charge_on,
           max(group_rank) filter (where first_instance and verdict = 'acquitted') as acquitted_group_rank,
           min(judgment_date) filter (where final and convicting) as final_on,
           max(group_rank) filter (where final and convicting) as final_group_rank,
           min(judgment_date) filter (where first_instance) as first_judgment_date,
           min(judgment_date) as earliest_date,
           coalesce(arg_min_null(court, row_order(judgment_date, month, load_id, line)) filter (where first_instance), 'unknown') as court,
           arg_min_null(judge_key, row_order(judgment_date, month, load_id, line)) filter (where first_instance) as judge_key,
           arg_min(prosecution_id, ranked_row_order(instance_rank, judgment_date, month, load_id, line)) as explicit_prosecution_id,
           -- birth_year's reference date: offence_date, else judgment_date
           arg_min_null(coalesce(offence_date, judgment_date), ranked_row_order(instance_rank, judgment_date, month, load_id, line)) as reference_date,
           arg_min_null(sex, ranked_row_order(instance_rank, judgment_date, month, load_id, line)) filter (where known_sex(sex) is not null) as sex,
           arg_min(birth_year, ranked_row_order(instance_rank, judgment_date, month, load_id, line)) as birth_year,
           arg_min(citizenship, ranked_row_order(instance_rank, judgment_date, month, load_id, line)) as citizenship,
           arg_min(public_official, ranked_row_order(instance_rank, judgment_date, month, load_id, line)) as public_official
    from rows
    group by judgment_id, person_key
),
prosecution_candidates as (
    select u.judgment_id, u.person_key, count(*) as n, min(p.prosecution_id) as prosecution_id
    from units u
    join int_prosecution_units p
      on p.person_key = u.person_key and p.prosecuted_on <= coalesce(u.first_judgment_date, u.earliest_date)
    where u.explicit_prosecution_id is null
    group by u.judgment_id, u.person_key
),
with_prosecution as (
    select u.*,
           case
               when u.explicit_prosecution_id is not null then
                   (select p.prosecution_id from int_prosecution_units p
                    where p.prosecution_id = u.explicit_prosecution_id and p.person_key = u.person_key)
               when c.n = 1 then c.prosecution_id
           end as linked_prosecution_id
    from units u
    left join prosecution_candidates c on c.judgment_id = u.judgment_id and c.person_key = u.person_key
),
investigation_candidates as (
    select u.judgment_id, u.person_key, count(*) as n, min(ip.case_id) as case_id
    from with_prosecution u
    join int_investigated_persons ip
      on ip.person_key = u.person_key and ip.opened_on <= coalesce(u.first_judgment_date, u.earliest_date)
    where u.linked_prosecution_id is null
    group by u.judgment_id, u.person_key
),
linked as (
    select u.*,
           p.linked_case_id as prosecution_case_id,
           case when u.linked_prosecution_id is not null then p.linked_case_id
                when ic.n = 1 then ic.case_id end as linked_case_id,
           case when u.explicit_prosecution_id is not null and u.linked_prosecution_id is not null then 'explicit'
                when u.linked_prosecution_id is not null then 'person'
                else 'unlinked' end as link_method,
           p.sex as p_sex, p.birth_year as p_birth_year, p.citizenship as p_citizenship,
           p.public_official as p_public_official
    from with_prosecution u
    left join int_prosecution_units p
      on p.prosecution_id = u.linked_prosecution_id and p.person_key = u.person_key
    left join investigation_candidates ic on ic.judgment_id = u.judgment_id and ic.person_key = u.person_key
)
select l.judgment_id, l.person_key, l.convicted_on, l.convicted_group_rank,
       case when l.convicted_on is null then l.acquitted_charge_on end as acquitted_on,
       case when l.convicted_on is null then l.acquitted_group_rank end as acquitted_group_rank,
       l.final_on, l.final_group_rank, l.first_judgment_date, l.court, l.judge_key,
       l.linked_prosecution_id, l.linked_case_id, l.link_method,
       coalesce(l.sex, l.p_sex, ip.sex) as sex,
       coalesce(l.birth_year, l.p_birth_year, ip.birth_year) as birth_year,
       coalesce(l.citizenship, l.p_citizenship, ip.citizenship) as citizenship,
       coalesce(l.public_official, l.p_public_official, ip.public_official) as public_official,
       year(l.reference_date) - coalesce(l.birth_year, l.p_birth_year, ip.birth_year) as age,
       coalesce(ip.exploitation_form, ic.exploitation_form, 'unknown') as exploitation_form
from linked l
left join int_investigated_persons ip on ip.case_id = l.linked_case_id and ip.person_key = l.person_key
left join int_investigated_cases ic on ic.case_id = l.linked_case_id
