-- Every offence code in the current records, looked up in the statute table (DATA-SPEC 4, Statute lookup):
-- LAW.article.paragraph takes the exact row, else the article-level row; LAW.article takes the article-level
-- row, else the article's paragraphs when they all share one range; else an article the table lists gives
-- its highest group with the range unknown; an unlisted article is group `other`, range unknown.
-- A code is LAW.article[.paragraph], the paragraph everything after the second dot (it may hold dots of its
-- own, as a subsection and its clause do: LAW.1234.b.1 is article 1234, paragraph b.1).
-- A provision (statute_id) may have several versions (rows told apart by valid_from): it is looked up once,
-- its range the one its versions share, else null, and int_applicable_ranges picks the version by date.
create or replace table int_offences as
with used as (
    select offence_code from stg_investigations
    union select offence_code from stg_prosecutions
    union select offence_code from stg_judgments
),
parsed as (
    select offence_code,
           split_part(offence_code, '.', 1) as law,
           split_part(offence_code, '.', 2) as article,
           nullif(array_to_string(string_split(offence_code, '.')[3:], '.'), '') as paragraph
    from used
),
versions as (
    select s.*, g.group_rank, coalesce(min_months, -1) || '/' || coalesce(max_months, -1) as range_signature
    from ref_statutes s join ref_groups g using ("group")
),
statutes as (
    -- one row per provision; its versions share law, article, paragraph and offence_key; the latest names it
    select statute_id, law, article, paragraph, min(offence_key) as offence_key, max(group_rank) as group_rank,
           arg_max(title, coalesce(valid_from, timestamp '0001-01-01')) as title,
           count(distinct range_signature) = 1 as one_range,
           min(min_months) as shared_min_months, min(max_months) as shared_max_months
    from versions
    group by statute_id, law, article, paragraph
),
statutes_ranged as (
    select * exclude (shared_min_months, shared_max_months),
           case when one_range then shared_min_months end as min_months,
           case when one_range then shared_max_months end as max_months
    from statutes
),
paragraph_ranges as (
    -- an article's paragraph rows (every version), summarised: usable for a code without paragraph when they
    -- share one range
    select law, article,
           count(distinct range_signature) as ranges,
           count(distinct offence_key) as keys,
           min(min_months) as min_months, min(max_months) as max_months,
           min(offence_key) as offence_key, max(group_rank) as group_rank,
           string_agg(distinct statute_id, ', ' order by statute_id) as statute_ids,
           min(title) as title
    from versions where paragraph is not null
    group by law, article
),
article_group as (
    select law, article, max(group_rank) as group_rank from versions group by law, article
),
matched as (
    select p.*,
           coalesce(exact.statute_id, art.statute_id) as statute_id,
           coalesce(exact.offence_key, art.offence_key) as offence_key,
           coalesce(exact.group_rank, art.group_rank) as group_rank,
           coalesce(exact.title, art.title) as title,
           coalesce(exact.min_months, art.min_months) as min_months,
           coalesce(exact.max_months, art.max_months) as max_months,
           case when exact.statute_id is not null then 'exact' when art.statute_id is not null then 'article' end as lookup
    from parsed p
    left join statutes_ranged exact
        on p.paragraph is not null and exact.law = p.law and exact.article = p.article and exact.paragraph = p.paragraph
    left join statutes_ranged art
        on art.law = p.law and art.article = p.article and art.paragraph is null
)
select m.offence_code, m.law, m.article, m.paragraph,
       case
           when m.lookup is not null then m.statute_id
           when m.paragraph is null and pr.ranges = 1 then pr.statute_ids
       end as statute_id,
       case
           when m.lookup is not null then m.offence_key
           when m.paragraph is null and pr.ranges = 1 and pr.keys = 1 then pr.offence_key
       end as offence_key,
       g."group",
       coalesce(m.title, pr.title) as title,
       case when m.lookup is not null then m.min_months when m.paragraph is null and pr.ranges = 1 then pr.min_months end as min_months,
       case when m.lookup is not null then m.max_months when m.paragraph is null and pr.ranges = 1 then pr.max_months end as max_months,
       case
           when m.lookup is not null then m.lookup
           when m.paragraph is null and pr.ranges = 1 then 'article_paragraphs'
           when ag.group_rank is not null then 'article_group_only'
           else 'unlisted'
       end as lookup,
       case
           when m.lookup is not null or (m.paragraph is null and pr.ranges = 1) then null
           when ag.group_rank is not null and m.paragraph is not null then 'paragraph not in the statute table'
           when ag.group_rank is not null then 'the article''s paragraphs differ in range and the code names no paragraph'
           else 'article not in the statute table'
       end as range_unknown_reason
from matched m
left join paragraph_ranges pr on pr.law = m.law and pr.article = m.article
left join article_group ag on ag.law = m.law and ag.article = m.article
join ref_groups g on g.group_rank = coalesce(m.group_rank, case when m.paragraph is null and pr.ranges = 1 then pr.group_rank end, ag.group_rank, 1)
