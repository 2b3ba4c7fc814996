-- Defendant-cases of the prosecution (prosecution_id, person), all decisions (int_prosecution_units_own),
-- with their link to an investigated case (int_links: DATA-SPEC 4's one linking rule) and the demographics
-- of DATA-SPEC 4: own rows (earliest known value), else the linked investigation; the exploitation form is
-- the linked investigation's, else unknown.
-- incremental by: person_key
create or replace table int_prosecution_units as
select u.prosecution_id, u.person_key, u.prosecuted_on, u.first_decided_on, u.group_rank, u.office, u.court,
       k.linked_id as linked_case_id, k.link_method,
       ip.person_key is not null as person_linked,
       coalesce(u.sex, ip.sex) as sex,
       coalesce(u.birth_year, ip.birth_year) as birth_year,
       coalesce(u.citizenship, ip.citizenship) as citizenship,
       coalesce(u.public_official, ip.public_official) as public_official,
       year(u.linked_on) - coalesce(u.birth_year, ip.birth_year) as age,
       coalesce(ip.exploitation_form, ic.exploitation_form, 'unknown') as exploitation_form
from int_prosecution_units_own u
join int_links k
  on k.stage = 'prosecution' and k.earlier_stage = 'investigation'
 and k.unit_id = u.prosecution_id and k.person_key = u.person_key
left join int_investigated_persons ip on ip.case_id = k.linked_id and ip.person_key = u.person_key
left join int_investigated_cases ic on ic.case_id = k.linked_id
