-- Every counted unit of every figure (DATA-SPEC 4), one row each, dated at its earliest qualifying date,
-- with every dimension (null where a dimension does not apply to the figure). Counting a figure is
-- `count(*)` over this table; the person-unit is counted once, so months add up to quarters and years.
--   figure               unit                         date            group from
--   investigated_cases   case_id                      opened_on       all charges of the case
--   investigated_persons (case_id, person)           opened_on       all charges of the case
--   prosecuted_persons   (prosecution_id, person)    indicted/plea   indicted/plea_agreement charges
--   convicted_persons    (judgment_id, person)       judgment_date   first-instance convicted charges
--   acquitted_persons    (judgment_id, person)       judgment_date   first-instance acquitted charges
--   final_convictions    (judgment_id, person)       earliest final  final convicting charges
--   victims_identified   victim                       identified_on   the victim's cases
-- unit_id holds case numbers and pseudonyms: restricted outputs only.
-- A view over one table per kind of unit (mart_units_cases, mart_units_persons, mart_units_victims), so that
-- a refresh rebuilds the units of the cases, persons and victims it touched only (pipeline/build.py).
create or replace view mart_units as
select * exclude (case_id) from mart_units_cases
union all by name
select * from mart_units_persons
union all by name
select * exclude (victim_key) from mart_units_victims
