-- mart_units in long form: one row per unit × dimension, for breakdowns by any dimension with one query.
-- A view: it is as large as ten copies of mart_units, and is only read by the queries that break a figure down.
-- 'total' (value 'all') is the undivided figure; a dimension that does not apply to a figure has value null.
-- citizenship is the code itself, 'unknown' where a person's or victim's is not known (it does not apply to
-- cases, whose citizenship_group is null).
create or replace view mart_unit_dimensions as
with wide as (
    select figure, unit_id, 'all' as total, "group", region, office, court, exploitation_form, sex, age_group,
           citizenship_group,
           case when citizenship_group is not null then coalesce(citizenship, 'unknown') end as citizenship,
           public_official
    from mart_units
)
from wide unpivot include nulls (
    value for dimension in (total, "group", region, office, court, exploitation_form, sex, age_group,
                            citizenship_group, citizenship, public_official)
)
