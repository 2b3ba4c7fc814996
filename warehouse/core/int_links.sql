-- DATA-SPEC 4's one linking rule, for every link from a later stage's unit (unit_id, person) to an earlier
-- stage: through the explicit identifier when the unit gives one (unlinked when the earlier stage has no
-- such unit); otherwise through the person: the one unit of the same person at the earlier stage that began
-- on or before the later unit (its linked_on), when exactly one does; otherwise unlinked. One row per link:
--   prosecution → investigation  explicit case_id: the investigated case, whoever it investigated;
--                                began: the person's opened_on in the case
--   judgment → prosecution       explicit prosecution_id: the same person's defendant-case;
--                                began: prosecuted_on (a defendant-case never indicted is no candidate)
--   judgment → investigation     judgments name no case: through the person only (int_judgment_units uses
--                                it when the judgment links to no defendant-case)
-- Attrition, demographics and backlog read the links through int_prosecution_units and int_judgment_units.
-- link_method: explicit, person or unlinked; linked_id is null when unlinked.
-- incremental by: person_key
create or replace table int_links as
with later as (
    select 'prosecution' as stage, prosecution_id as unit_id, person_key, 'investigation' as earlier_stage,
           explicit_case_id as explicit_id, linked_on
    from int_prosecution_units_own
    union all
    select 'judgment', judgment_id, person_key, 'prosecution', explicit_prosecution_id, linked_on
    from int_judgment_units_own
    union all
    select 'judgment', judgment_id, person_key, 'investigation', null, linked_on
    from int_judgment_units_own
),
earlier as (
    select 'investigation' as stage, case_id as unit_id, person_key, opened_on as began_on
    from int_investigated_persons
    union all
    select 'prosecution', prosecution_id, person_key, prosecuted_on
    from int_prosecution_units_own
),
explicit_targets as (
    -- person_key null: the identifier names the unit whoever the later unit's person is (a case)
    select distinct 'investigation' as stage, case_id as unit_id, null::varchar as person_key
    from int_investigated_cases
    union all
    select 'prosecution', prosecution_id, person_key
    from int_prosecution_units_own
),
candidates as (
    select l.stage, l.unit_id, l.person_key, l.earlier_stage, count(*) as n, min(e.unit_id) as unit_id_found
    from later l
    join earlier e
      on e.stage = l.earlier_stage and e.person_key = l.person_key and e.began_on <= l.linked_on
    where l.explicit_id is null
    group by all
)
select l.stage, l.unit_id, l.person_key, l.earlier_stage,
       case when l.explicit_id is not null then x.unit_id
            when c.n = 1 then c.unit_id_found end as linked_id,
       case when l.explicit_id is not null then if(x.unit_id is not null, 'explicit', 'unlinked')
            when c.n = 1 then 'person'
            else 'unlinked' end as link_method
from later l
left join explicit_targets x
  on l.explicit_id is not null and x.stage = l.earlier_stage and x.unit_id = l.explicit_id
 and (x.person_key is null or x.person_key = l.person_key)
left join candidates c
  on c.stage = l.stage and c.unit_id = l.unit_id and c.person_key = l.person_key and c.earlier_stage = l.earlier_stage
