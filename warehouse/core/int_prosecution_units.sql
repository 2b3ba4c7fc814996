-- Defendant-cases of the prosecution (prosecution_id, person), all decisions. `prosecuted_on` is the
-- earliest `indicted`/`plea_agreement` decision (null when the person was never charged in court).
-- Linking (DATA-SPEC 4): the explicit case_id when given (unlinked if no investigation has it); otherwise the
-- one investigated (case, person) of the same person opened on or before the prosecution, when exactly one.
-- Demographics: own rows (earliest known value), else the linked investigation.
-- incremental by: person_key
create or replace table int_prosecution_units as
with rows as (
    select p.*, g.group_rank, p.decision in ('indicted', 'plea_agreement') as qualifying,
           po.court as office_court
    from stg_prosecutions p
    join int_offences o using (offence_code)
    join ref_groups g on g."group" = o."group"
    left join ref_offices po on po.office = p.office
),
units as (
    select prosecution_id, person_key,
           min(decided_on) filter (where qualifying) as prosecuted_on,
           min(decided_on) as first_decided_on,
           max(group_rank) filter (where qualifying) as group_rank,
           -- the earliest qualifying row names office and court (the earliest row when none qualifies)
           arg_min_null(office, ranked_row_order((not qualifying)::integer, decided_on, month, load_id, line)) as office,
           arg_min_null(prosecution_court(court, office_court), ranked_row_order((not qualifying)::integer, decided_on, month, load_id, line)) as court,
           arg_min(case_id, row_order(decided_on, month, load_id, line)) as explicit_case_id,
           arg_min_null(sex, row_order(decided_on, month, load_id, line)) filter (where known_sex(sex) is not null) as sex,
           arg_min(birth_year, row_order(decided_on, month, load_id, line)) as birth_year,
           arg_min(citizenship, row_order(decided_on, month, load_id, line)) as citizenship,
           arg_min(public_official, row_order(decided_on, month, load_id, line)) as public_official
    from rows
    group by prosecution_id, person_key
),
candidates as (
    select u.prosecution_id, u.person_key, count(*) as n, min(ip.case_id) as case_id
    from units u
    join int_investigated_persons ip
      on ip.person_key = u.person_key and ip.opened_on <= coalesce(u.prosecuted_on, u.first_decided_on)
    where u.explicit_case_id is null
    group by u.prosecution_id, u.person_key
),
linked as (
    select u.*,
           case
               when u.explicit_case_id is not null then
                   case when exists (select 1 from int_investigated_cases c where c.case_id = u.explicit_case_id)
                        then u.explicit_case_id end
               when c.n = 1 then c.case_id
           end as linked_case_id,
           case
               when u.explicit_case_id is not null then
                   case when exists (select 1 from int_investigated_cases c where c.case_id = u.explicit_case_id)
                        then 'explicit' else 'unlinked' end
               when c.n = 1 then 'person'
               else 'unlinked'
           end as link_method
    from units u
    left join candidates c using (prosecution_id, person_key)
)
select l.prosecution_id, l.person_key, l.prosecuted_on, l.first_decided_on, l.group_rank, l.office, l.court,
       l.linked_case_id, l.link_method,
       ip.person_key is not null as person_linked,
       coalesce(l.sex, ip.sex) as sex,
       coalesce(l.birth_year, ip.birth_year) as birth_year,
       coalesce(l.citizenship, ip.citizenship) as citizenship,
       coalesce(l.public_official, ip.public_official) as public_official,
       year(coalesce(l.prosecuted_on, l.first_decided_on)) - coalesce(l.birth_year, ip.birth_year) as age,
       coalesce(ip.exploitation_form, ic.exploitation_form, 'unknown') as exploitation_form
from linked l
left join int_investigated_persons ip on ip.case_id = l.linked_case_id and ip.person_key = l.person_key
left join int_investigated_cases ic on ic.case_id = l.linked_case_id
