-- `tipstats stats`: per source, months delivered (a nil return counts) of the months $1 … $2 ('YYYY-MM', both
-- included), and how many months the period has; 0 delivered for months before the first delivery.
with sources(source) as (values ('investigations'), ('judgments'), ('prosecutions'), ('victims'))
select s.source, count(c.month) filter (where c.delivered) as months_delivered,
       datediff('month', strptime($1, '%Y-%m'), strptime($2, '%Y-%m')) + 1 as months_in_period
from sources s
left join mart_coverage c on c.source = s.source and c.month between $1 and $2
group by s.source
order by s.source
