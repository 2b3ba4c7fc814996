-- `tipstats stats`: per source, months delivered (a nil return counts) of the 12 months of year $1.
select source, count(*) filter (where delivered) as months_delivered, 12 as months_in_year
from mart_coverage
where year = $1
group by source
order by source
