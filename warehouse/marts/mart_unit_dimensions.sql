-- mart_units in long form: one row per unit × dimension, for breakdowns by any dimension with one query.
-- A view: it is as large as ten copies of mart_units, and is only read by the queries that break a figure down.
-- 'total' (value 'all') is the undivided figure; a dimension that does not apply to a figure has value null.
create or replace view mart_unit_dimensions as
with wide as (
    select figure, unit_id, 'all' as total, "group", region, office, court, exploitation_form, sex, age_group,
           citizenship_group, public_official
    from mart_units
)
from wide unpivot include nulls (
    value for dimension in (total, "group", region, office, court, exploitation_form, sex, age_group,
                            citizenship_group, public_official)
)
