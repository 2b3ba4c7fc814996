-- Current judgment rows with what appeal and supreme rows inherit from their first-instance row (same
-- judgment_id, person, offence_code): an empty offence_date, plea_agreement or mitigation (DATA-SPEC 3).
-- instance_rank orders the decisions on one charge: the pack's instances in rank order (ref_instances, first
-- = 1). convicting: the verdict convicts at its instance (ref_verdicts); a pair the pack does not list does not.
-- incremental by: person_key
create or replace table int_judgment_rows as
with first_instance as (
    select judgment_id, person_key, offence_code, offence_date, plea_agreement, mitigation
    from stg_judgments where instance = 'first'
)
select j.* replace (
           coalesce(j.offence_date, f.offence_date) as offence_date,
           coalesce(j.plea_agreement, f.plea_agreement) as plea_agreement,
           coalesce(j.mitigation, f.mitigation) as mitigation
       ),
       i.rank as instance_rank,
       coalesce(v.convicting, false) as convicting,
       o."group", o.offence_key, o.statute_id, o.min_months as lookup_min_months, o.max_months as lookup_max_months
from stg_judgments j
left join first_instance f
    on j.instance <> 'first' and f.judgment_id = j.judgment_id and f.person_key = j.person_key
   and f.offence_code = j.offence_code
join int_offences o on o.offence_code = j.offence_code
left join ref_instances i on i.instance = j.instance
left join ref_verdicts v on v.instance = j.instance and v.verdict = j.verdict
