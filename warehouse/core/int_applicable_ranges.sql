-- The statutory range that applies to every current convicting judgment row, any instance (DATA-SPEC 4,
-- Law in force). Key: (judgment_id, person_key, offence_code, instance).
--
-- The versions of the offence (the statute table's offence_key) in force at any time from offence_date to
-- the row's judgment_date (valid_from … valid_to, an empty valid_to = still in force) compete; the most
-- lenient applies: lowest minimum, then lowest maximum (an unknown maximum after a known one). Equally
-- lenient versions: the earliest in force, i.e. the law of the time of the offence, which a later law
-- replaces only when more favourable (CCRK2019 Art. 3), then statute_id.
-- A code whose lookup gave a range but no offence_key keeps the lookup's own range when that provision was
-- in force in the window. Without an offence_date there is no window: the provision(s) the code itself
-- names apply, the law version the charge was brought under (DATA-SPEC v1.3), and the row is marked
-- on_charged_version (range_source 'charged_version') so that reports can say how many sentences were
-- placed this way. Otherwise the range is unknown and range_unknown_reason says why, checked in this
-- order: the lookup gave no range (int_offences' reason), no version in force in the window, the applied
-- version has no minimum.
-- other_version_applied: the applied provision is not the one the code names (an earlier law in force at
-- the time of the offence, or a later more lenient one).
-- versions_in_force: the candidates in the window (1 on the charged version: the one provision it names).
-- statute_verified: range, dates and article number of the applied provision(s) all verified (report
-- caveat); null when no provision applies.
-- incremental by: person_key
create or replace table int_applicable_ranges as
with convicting as (
    select r.judgment_id, r.person_key, r.offence_code, r.instance, r.offence_date, r.judgment_date,
           r.offence_key, r.statute_id as charged_statute_id,
           o.range_unknown_reason as lookup_reason, o.min_months as lookup_min_months,
           o.max_months as lookup_max_months
    from int_judgment_rows r
    join int_offences o on o.offence_code = r.offence_code
    where r.convicting
),
versions as (
    select statute_id, law, offence_key, min_months, max_months, fine,
           valid_from::date as valid_from, valid_to::date as valid_to,
           verified_range and verified_dates and verified_article as verified
    from ref_statutes
),
by_offence_key as (
    select c.judgment_id, c.person_key, c.offence_code, c.instance,
           v.statute_id, v.law, v.min_months, v.max_months, v.fine, v.valid_from, v.verified,
           'offence_key' as range_source
    from convicting c
    join versions v on v.offence_key = c.offence_key
    where c.lookup_reason is null and c.offence_date is not null
      and coalesce(v.valid_from <= c.judgment_date, true)
      and coalesce(v.valid_to >= c.offence_date, true)
),
by_named_provision as (
    -- the provision(s) the code names (several when an article's paragraphs share a range): the lookup's own
    -- when the code has no offence_key and that provision was in force in the window; without an offence
    -- date, the charged version, whatever its dates (the charge was brought under it)
    select c.judgment_id, c.person_key, c.offence_code, c.instance,
           c.charged_statute_id as statute_id, min(v.law) as law,
           c.lookup_min_months as min_months, c.lookup_max_months as max_months, min(v.fine) as fine,
           min(v.valid_from) as valid_from, bool_and(v.verified) as verified,
           case when c.offence_date is null then 'charged_version' else 'lookup' end as range_source
    from convicting c
    join versions v on list_contains(string_split(c.charged_statute_id, ', '), v.statute_id)
    where c.lookup_reason is null and (c.offence_key is null or c.offence_date is null)
    group by all
    having bool_or(c.offence_date is null
                   or (coalesce(v.valid_from <= c.judgment_date, true) and coalesce(v.valid_to >= c.offence_date, true)))
),
candidates as (
    select *, count(*) over (partition by judgment_id, person_key, offence_code, instance) as versions_in_force
    from (select * from by_offence_key union all by name select * from by_named_provision)
),
applied as (
    select * from candidates
    qualify row_number() over (
        partition by judgment_id, person_key, offence_code, instance
        order by min_months asc nulls last, max_months asc nulls last, valid_from asc nulls first, statute_id
    ) = 1
)
select c.judgment_id, c.person_key, c.offence_code, c.instance, c.offence_date, c.judgment_date,
       c.offence_key, c.charged_statute_id,
       a.statute_id, a.law, a.min_months, a.max_months, a.fine, a.range_source,
       coalesce(a.versions_in_force, 0) as versions_in_force,
       a.statute_id is distinct from c.charged_statute_id and a.statute_id is not null as other_version_applied,
       coalesce(a.range_source = 'charged_version', false) as on_charged_version,
       a.verified as statute_verified,
       case
           when c.lookup_reason is not null then c.lookup_reason
           when a.statute_id is null then 'no version of the offence in force between offence and judgment'
           when a.min_months is null then 'minimum not in the statute table'
       end as range_unknown_reason
from convicting c
left join applied a
    on a.judgment_id = c.judgment_id and a.person_key = c.person_key
   and a.offence_code = c.offence_code and a.instance = c.instance
