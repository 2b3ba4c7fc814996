-- Watch list: public officials (complicity, TIP report) at every stage where they are counted — one row per
-- counted unit of mart_units whose public_official is 'yes' (own row, else the linked earlier stage;
-- DATA-SPEC 4 Dimensions). Figures: investigated_persons, prosecuted_persons, convicted_persons,
-- acquitted_persons, final_convictions (investigated cases and victims carry no public_official).
-- Restricted output: unit_id holds case numbers and the person pseudonym; person_key follows one official
-- across stages.
create or replace table mart_watch_public_officials as
select u.figure, f.stage_order, u.year, u.unit_date, u."group", u.region, u.office, u.court,
       u.exploitation_form, u.unit_id, u.person_key
from mart_units u
join (values ('investigated_persons', 1), ('prosecuted_persons', 2), ('convicted_persons', 3),
             ('acquitted_persons', 4), ('final_convictions', 5)) as f(figure, stage_order) using (figure)
where u.public_official = 'yes'
order by u.year, f.stage_order, u.unit_date, u.unit_id
