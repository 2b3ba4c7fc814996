-- How well each later stage links back to the earlier one (DATA-SPEC 4 Linking: the explicit identifier
-- when given, else the same person when exactly one earlier candidate, else unlinked). Grain: year of the
-- later stage × stage, only years with units:
--   prosecutions  defendant-cases (prosecution_id, person) with an indicted/plea_agreement decision, in the
--                 year of prosecuted_on, linked to an investigated case (explicit case_id or the person);
--   judgments     first-instance judgment units (judgment_id, person), in the year of the first
--                 first-instance judgment_date, linked to a defendant-case (explicit prosecution_id or the
--                 person). A judgment with appeal/supreme rows only is not a first-instance unit.
-- linkage_pct = 100 × (linked_explicit + linked_person) ÷ units. linked_to_investigation counts units that
-- reach an investigated case (for judgments: through the linked defendant-case, else directly through the
-- person), the condition of the exploitation form and of the attrition cohorts.
create or replace table mart_linkage as
with later as (
    select 'prosecutions' as stage, 1 as stage_order, year(prosecuted_on) as year, link_method,
           linked_case_id is not null as to_investigation
    from int_prosecution_units
    where prosecuted_on is not null
    union all
    select 'judgments', 2, year(first_judgment_date), link_method, linked_case_id is not null
    from int_judgment_units
    where first_judgment_date is not null
)
select year, stage,
       count(*) as units,
       count(*) filter (where link_method = 'explicit') as linked_explicit,
       count(*) filter (where link_method = 'person') as linked_person,
       count(*) filter (where link_method = 'unlinked') as unlinked,
       100.0 * count(*) filter (where link_method <> 'unlinked') / count(*) as linkage_pct,
       count(*) filter (where to_investigation) as linked_to_investigation
from later
group by year, stage, stage_order
order by year, stage_order
