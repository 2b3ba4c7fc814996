-- Judgment units (judgment_id, person) over all instances (int_judgment_units_own) with their links
-- (int_links: DATA-SPEC 4's one linking rule): the defendant-case (explicit prosecution_id, else the
-- person); the investigation through that defendant-case, else directly through the person. acquitted_on
-- counts only a unit no charge of which was convicted at first instance. Demographics: own rows, else the
-- linked defendant-case's (which fall back on its investigation), else the investigation's; the exploitation
-- form is the linked investigation's, else unknown.
-- incremental by: person_key
create or replace table int_judgment_units as
with linked as (
    select u.*,
           kp.linked_id as linked_prosecution_id,
           if(kp.linked_id is not null, p.linked_case_id, ki.linked_id) as linked_case_id,
           kp.link_method,
           p.sex as p_sex, p.birth_year as p_birth_year, p.citizenship as p_citizenship,
           p.public_official as p_public_official
    from int_judgment_units_own u
    join int_links kp
      on kp.stage = 'judgment' and kp.earlier_stage = 'prosecution'
     and kp.unit_id = u.judgment_id and kp.person_key = u.person_key
    join int_links ki
      on ki.stage = 'judgment' and ki.earlier_stage = 'investigation'
     and ki.unit_id = u.judgment_id and ki.person_key = u.person_key
    left join int_prosecution_units p on p.prosecution_id = kp.linked_id and p.person_key = u.person_key
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
