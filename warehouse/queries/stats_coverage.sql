-- `tipstats stats`: per source, months delivered (a nil return counts) of the 12 months of year $1;
-- 0 for a year before the first delivery.
with sources(source) as (values ('investigations'), ('judgments'), ('prosecutions'), ('victims'))
select s.source, count(c.month) filter (where c.delivered) as months_delivered, 12 as months_in_year
from sources s
left join mart_coverage c on c.source = s.source and c.year = $1
group by s.source
order by s.source
