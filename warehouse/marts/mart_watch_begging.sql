-- Watch list: forced begging charged as something other than trafficking (TIP report: forced child begging
-- is treated as parental neglect or abuse). One row per current charge — investigation rows, prosecution
-- rows (each decision), judgment rows (each instance) — whose own group (statute lookup) is not
-- 'trafficking', in a case whose exploitation form is begging: the case's (int_investigated_cases, earliest
-- known form) or that of any current victim row of the case.
-- The charge's case: investigations its own case_id; prosecutions the defendant-case's linked case;
-- judgments the judgment unit's linked case (DATA-SPEC 4 Linking: explicit, else the one candidate of the
-- same person); a charge whose unit links to no case cannot be placed and is not listed.
--   stage       investigation, prosecution, judgment;
--   record_id   case_id, prosecution_id or judgment_id; instance for judgments;
--   charged_on  opened_on, decided_on or judgment_date;
--   outcome     investigation status, prosecution decision or verdict;
--   begging_from  'case', 'victim' or 'case and victim': where the begging form was found.
-- Restricted output: case numbers and pseudonyms.
create or replace table mart_watch_begging as
with begging_cases as (
    select case_id,
           bool_or(source = 'case') as from_case,
           bool_or(source = 'victim') as from_victim
    from (
        select case_id, 'case' as source from int_investigated_cases where exploitation_form = 'begging'
        union all
        select case_id, 'victim' from stg_victims where exploitation_form = 'begging' and case_id is not null
    )
    group by case_id
),
charges as (
    select 'investigation' as stage, 1 as stage_order, i.case_id, 'own' as link_method, i.case_id as record_id,
           null as instance, i.person_key, i.offence_code, i.opened_on as charged_on, i.status as outcome,
           i.region as court_or_region
    from stg_investigations i
    union all
    select 'prosecution', 2, u.linked_case_id, u.link_method, p.prosecution_id, null, p.person_key,
           p.offence_code, p.decided_on, p.decision, prosecution_court(p.court, po.court)
    from stg_prosecutions p
    join int_prosecution_units u using (prosecution_id, person_key)
    left join ref_offices po on po.office = p.office
    union all
    select 'judgment', 3, u.linked_case_id, u.link_method, r.judgment_id, r.instance, r.person_key,
           r.offence_code, r.judgment_date, r.verdict, r.court
    from int_judgment_rows r
    join int_judgment_units u using (judgment_id, person_key)
)
select c.stage, year(c.charged_on) as year, c.case_id, c.link_method, c.record_id, c.instance, c.person_key,
       c.offence_code, o."group", o.title, c.charged_on, c.outcome, c.court_or_region,
       case when b.from_case and b.from_victim then 'case and victim'
            when b.from_case then 'case' else 'victim' end as begging_from
from charges c
join begging_cases b using (case_id)
join int_offences o using (offence_code)
where o."group" <> 'trafficking'
order by c.case_id, c.stage_order, c.charged_on, c.record_id, c.instance, c.offence_code
