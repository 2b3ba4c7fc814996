-- Sentenced charges by the imposed term relative to the statutory minimum: year × basis × group × bin,
-- every bin present for each year × basis × group with a sentenced charge (n = 0 when empty); `all` group
-- = trafficking and related. A charge falls in the first bin that applies:
--   'minimum unknown' (min_months null, whatever the sentence), '≥2' (a minimum of 0, no mandatory minimum:
--   whatever the sentence, nothing is below it), 'no prison' (category no_prison), 'suspended' (category
--   suspended), else by ratio_to_minimum = prison_months ÷ min_months, each bin closed below and open above:
--   '<0.25', '0.25–0.5', '0.5–0.75', '0.75–1', '1–1.5', '1.5–2', '≥2'.
-- So the bins 'no prison' … '0.75–1' hold exactly the charges below the minimum (mart_sentences.below_minimum)
-- and 'minimum unknown' exactly those whose minimum is unknown.
-- sort_order orders the bins for tables and charts; share = n ÷ the cell's sentenced charges;
-- on_charged_version: of n, the charges placed against the range of the version the charge names (no
-- offence_date; DATA-SPEC v1.3).
create or replace table mart_sentence_histogram as
with bins(bin, sort_order, ratio_from, ratio_to) as (
    values ('no prison', 1, null, null), ('suspended', 2, null, null),
           ('<0.25', 3, 0.0, 0.25), ('0.25–0.5', 4, 0.25, 0.5), ('0.5–0.75', 5, 0.5, 0.75),
           ('0.75–1', 6, 0.75, 1.0), ('1–1.5', 7, 1.0, 1.5), ('1.5–2', 8, 1.5, 2.0), ('≥2', 9, 2.0, null),
           ('minimum unknown', 10, null, null)
),
charges as (
    select basis, year, "group",
           case
               when min_months is null then 'minimum unknown'
               when min_months = 0 then '≥2'
               when category = 'no_prison' then 'no prison'
               when category = 'suspended' then 'suspended'
           end as fixed_bin,
           ratio_to_minimum, on_charged_version
    from mart_sentences
),
grouped as (
    select basis, year, "group", fixed_bin, ratio_to_minimum, on_charged_version from charges
    union all
    select basis, year, 'all', fixed_bin, ratio_to_minimum, on_charged_version from charges
    where "group" in ('trafficking', 'related')
),
binned as (
    select g.basis, g.year, g."group", b.bin, g.on_charged_version
    from grouped g
    join bins b
      on b.bin = g.fixed_bin
      or (g.fixed_bin is null and g.ratio_to_minimum >= b.ratio_from
          and (b.ratio_to is null or g.ratio_to_minimum < b.ratio_to))
),
cells as (
    select distinct basis, year, "group" from grouped
)
select c.year, c.basis, c."group", b.bin, b.sort_order,
       count(x.bin) as n,
       count(x.bin) / sum(count(x.bin)) over (partition by c.year, c.basis, c."group") as share,
       count(x.bin) filter (where x.on_charged_version) as on_charged_version
from cells c
cross join bins b
left join binned x on x.basis = c.basis and x.year = c.year and x."group" = c."group" and x.bin = b.bin
group by c.year, c.basis, c."group", b.bin, b.sort_order
order by c.year, c.basis, c."group", b.sort_order
