-- The statutory range that applies to every current convicting judgment row, any instance (DATA-SPEC 4,
-- Law in force). Key: (judgment_id, person_key, offence_code, instance).
--
-- The versions of the offence (the statute table's offence_key; a provision's versions are its rows told
-- apart by valid_from … valid_to, an empty valid_to = still in force) compete, by the pack's rule
-- (ref_pack.law_in_force):
--   most_lenient  every version in force at any time from offence_date to the row's judgment_date; the most
--                 lenient applies: lowest minimum, then lowest maximum (an unknown maximum after a known one).
--                 Equally lenient versions: the earliest in force, i.e. the law of the time of the offence,
--                 which a later law replaces only when more favourable, then statute_id;
--   offence_time  the version(s) in force on offence_date (valid_from ≤ offence_date ≤ valid_to): no later
--                 law applies; should several be, the same order picks one.
-- A code whose lookup gave no offence_key (an article whose paragraphs share a range but not a key) takes
-- the versions of the provisions it names, by the same rule. Without an offence_date there is no window,
-- under either rule: the provision(s) the code itself names apply, the law version the charge was brought
-- under (DATA-SPEC v1.3), with the range their versions share (none when the versions differ), and the row is
-- marked on_charged_version (range_source 'charged_version') so that reports can say how many sentences
-- were placed this way. Otherwise the range is unknown and range_unknown_reason says why, checked in this
-- order: the lookup gave no range (int_offences' reason), no version in force in the window (or on the
-- offence date), no offence date and the provision's versions differ in range, the applied version has no
-- minimum. A minimum of 0 is a known minimum: no mandatory minimum.
-- other_version_applied: the applied provision is not one the code names (an earlier law in force at the
-- time of the offence, or a later more lenient one); version_from: the applied version's valid_from (on the
-- charged version the earliest of the named provisions' versions; null when they differ in range).
-- versions_in_force: the candidates in the window (1 on the charged version: the provision(s) it names).
-- statute_verified: range, dates and article number of the applied version(s) all verified (report
-- caveat); null when no provision applies.
-- A view: mart_sentences, its one reader, computes it as it reads it (cheaper than storing 0.5M rows at 1M
-- judgment rows; docs/benchmarks.md).
create or replace view int_applicable_ranges as
with convicting as (
    select r.judgment_id, r.person_key, r.offence_code, r.instance, r.offence_date, r.judgment_date,
           r.offence_key, r.statute_id as charged_statute_id,
           o.range_unknown_reason as lookup_reason,
           p.law_in_force,
           -- the last day a version may come into force and still compete
           case when p.law_in_force = 'offence_time' then r.offence_date else r.judgment_date end as window_end
    from int_judgment_rows r
    join int_offences o on o.offence_code = r.offence_code
    cross join ref_pack p
    where r.convicting
),
versions as (
    select statute_id, law, offence_key, min_months, max_months, fine,
           valid_from::date as valid_from, valid_to::date as valid_to,
           verified_range and verified_dates and verified_article as verified,
           coalesce(min_months, -1) || '/' || coalesce(max_months, -1) as range_signature
    from ref_statutes
),
dated as (
    -- every version that competes for a row with an offence date: of its offence, else (no offence_key) of
    -- the provisions its code names; two joins, so that the first stays a hash join
    select c.*, v.* exclude (offence_key), 'offence_key' as range_source
    from convicting c
    join versions v on v.offence_key = c.offence_key
    union all by name
    select c.*, v.* exclude (offence_key), 'lookup' as range_source
    from convicting c
    join versions v on c.offence_key is null and list_contains(string_split(c.charged_statute_id, ', '), v.statute_id)
),
in_window as (
    select judgment_id, person_key, offence_code, instance,
           statute_id, law, min_months, max_months, fine, valid_from, verified, range_source
    from dated
    where lookup_reason is null and offence_date is not null
      and coalesce(valid_from <= window_end, true)
      and coalesce(valid_to >= offence_date, true)
),
charged_version as (
    -- no offence date: the provision(s) the code names, whatever their dates (the charge was brought under
    -- them), with the range all their versions share
    select c.judgment_id, c.person_key, c.offence_code, c.instance,
           c.charged_statute_id as statute_id, min(v.law) as law,
           case when count(distinct v.range_signature) = 1 then min(v.min_months) end as min_months,
           case when count(distinct v.range_signature) = 1 then min(v.max_months) end as max_months,
           min(v.fine) as fine, bool_and(v.verified) as verified,
           case when count(distinct v.range_signature) = 1 then min(v.valid_from) end as valid_from,
           'charged_version' as range_source,
           count(distinct v.range_signature) > 1 as versions_differ
    from convicting c
    join versions v on list_contains(string_split(c.charged_statute_id, ', '), v.statute_id)
    where c.lookup_reason is null and c.offence_date is null
    group by c.judgment_id, c.person_key, c.offence_code, c.instance, c.charged_statute_id
),
candidates as (
    select *, count(*) over (partition by judgment_id, person_key, offence_code, instance) as versions_in_force
    from (select * from in_window union all by name select * from charged_version)
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
       a.statute_id, a.law, a.min_months, a.max_months, a.fine, a.range_source, a.valid_from as version_from,
       coalesce(a.versions_in_force, 0) as versions_in_force,
       a.statute_id is not null and a.statute_id <> c.charged_statute_id
           and not list_contains(string_split(c.charged_statute_id, ', '), a.statute_id) as other_version_applied,
       coalesce(a.range_source = 'charged_version', false) as on_charged_version,
       a.verified as statute_verified,
       case
           when c.lookup_reason is not null then c.lookup_reason
           when a.statute_id is null and c.law_in_force = 'offence_time'
               then 'no version of the offence in force at the offence date'
           when a.statute_id is null then 'no version of the offence in force between offence and judgment'
           when a.versions_differ then 'offence date not recorded and the versions of the provision differ in range'
           when a.min_months is null then 'minimum not in the statute table'
       end as range_unknown_reason
from convicting c
left join applied a
    on a.judgment_id = c.judgment_id and a.person_key = c.person_key
   and a.offence_code = c.offence_code and a.instance = c.instance
