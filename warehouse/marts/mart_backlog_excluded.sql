-- What the court backlog leaves out, per year × court (and an 'all' court row), from the events of
-- int_backlog_events whose left_out is set; only cells with something left out have a row.
--   excluded_defendant_cases     defendant-cases indicted before the first month the prosecutions source
--                                delivered (year and court of the indictment); all their events are left out;
--   excluded_case_judgments      first-instance judgments of those defendant-cases (year and court of the
--                                judgment), left out with them;
--   unlinked_judgments           first-instance judgments (judgment_id, person) linked to no defendant-case;
--   not_indicted_judgments       first-instance judgments linked to a defendant-case never indicted;
--   reentries_left_out           quashing decisions on judgments of the three kinds above.
create or replace table mart_backlog_excluded as
with left_out as (
    select * from int_backlog_events where left_out is not null
)
select year,
       case when grouping(court) = 1 then 'all' else court end as court,
       count(*) filter (where event = 'indicted') as excluded_defendant_cases,
       count(*) filter (where event = 'resolved' and left_out = 'indicted before the first delivered month')
           as excluded_case_judgments,
       count(*) filter (where event = 'resolved' and left_out = 'unlinked judgment') as unlinked_judgments,
       count(*) filter (where event = 'resolved' and left_out = 'defendant-case never indicted')
           as not_indicted_judgments,
       count(*) filter (where event = 'reentered') as reentries_left_out
from left_out
group by grouping sets ((year, court), (year))
order by year, court = 'all', court
