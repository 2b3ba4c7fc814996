-- Reclassified charges (the TIP reports' "downgrading"): investigated persons followed to their prosecution and
-- conviction, and the group of the offence they were prosecuted or convicted for. The links are mart_attrition's
-- (one linking rule, DATA-SPEC 4 Linking): a defendant-case (prosecution_id, person) with an indicted/
-- plea_agreement decision whose linked_case_id is the investigated case and whose person is the investigated
-- person; a first-instance conviction (judgment_id, person) on a judgment linked to that defendant-case
-- (linked_prosecution_id).
-- Grain: one row per later-stage unit reached from an investigated (case, person) of group trafficking or
-- related (an `other` investigation cannot be reclassified downwards):
--   stage              prosecution (counted at prosecuted_on) or conviction (at the first-instance convicted_on);
--   year               the year of that date;
--   investigated_group the investigated person's group (the case's);
--   charged_group      the unit's own group: the highest over the charges that qualify it (indicted/
--                      plea_agreement charges; first-instance convicted charges);
--   reclassified       the charged group is lower than the investigated group: prosecuted or convicted only
--                      for a related or other offence.
-- Restricted: holds case numbers and pseudonyms; the report publishes counts only.
create or replace table mart_reclassified as
with investigated as (
    select ip.case_id, ip.person_key, ip.group_rank as investigated_rank
    from int_investigated_persons ip
    where ip.group_rank >= 2
),
defendant_cases as (
    select prosecution_id, person_key, linked_case_id as case_id, prosecuted_on, group_rank
    from int_prosecution_units
    where prosecuted_on is not null and linked_case_id is not null
),
stages as (
    select 'prosecution' as stage, 1 as stage_order, d.case_id, d.person_key, d.prosecution_id as record_id,
           d.prosecuted_on as counted_on, d.group_rank as charged_rank
    from defendant_cases d
    union all
    select 'conviction', 2, d.case_id, d.person_key, j.judgment_id, j.convicted_on, j.convicted_group_rank
    from defendant_cases d
    join int_judgment_units j on j.linked_prosecution_id = d.prosecution_id and j.person_key = d.person_key
    where j.convicted_on is not null
)
select s.stage, s.stage_order, year(s.counted_on) as year, s.counted_on, s.case_id, s.record_id, s.person_key,
       gi."group" as investigated_group, gc."group" as charged_group,
       s.charged_rank < i.investigated_rank as reclassified
from stages s
join investigated i using (case_id, person_key)
join ref_groups gi on gi.group_rank = i.investigated_rank
join ref_groups gc on gc.group_rank = s.charged_rank
order by s.counted_on, s.stage_order, s.case_id, s.record_id
