-- Small shared rules, as DuckDB macros, created before the models (pipeline/build.py).
-- Unknown is a category, never dropped: every dimension value below is a code or 'unknown'.
create or replace macro known_sex(s) as nullif(nullif(s, 'U'), '');
create or replace macro sex_category(s) as coalesce(known_sex(s), 'U');
create or replace macro age_group(age) as
    case when age is null then 'unknown' when age < 18 then 'child' else 'adult' end;
-- national: a citizenship the pack counts as national (ref_pack.national_citizenship), read when the macro runs
create or replace macro citizenship_group(c) as
    case when c is null then 'unknown'
         when list_contains((select national_citizenship from ref_pack), c) then 'national'
         else 'foreign' end;
create or replace macro yes_no(b) as case when b then 'yes' when not b then 'no' else 'unknown' end;
create or replace macro known_form(f) as nullif(f, 'unknown');
-- the court of a prosecution: the court named, else the court of its office (ref_offices.court, joined by the
-- model: null for an office whose cases have no court of their own), else unknown
create or replace macro prosecution_court(court, office_court) as coalesce(court, office_court, 'unknown');
create or replace macro quarter_of(d) as strftime(d, '%Y') || '-Q' || quarter(d);
-- The order of one unit's rows — by a date (empty last), then reporting month, load and line — as one number,
-- so that arg_min(x, row_order(…)) picks x of the first row, as first(x order by …) would, without sorting
-- each group. Fields: date (days from 1970, offset to be positive) from bit 96, month from bit 64, load from
-- bit 32, line; ranked_row_order puts a small rank (0–7) before them all.
create or replace macro row_order(d, month, load_id, line) as
    ((coalesce(d - date '1970-01-01', 134217727) + 134217728)::hugeint << 96)
    + ((left(month, 4)::integer * 12 + right(month, 2)::integer)::hugeint << 64)
    + (load_id::hugeint << 32) + line;
create or replace macro ranked_row_order(rank, d, month, load_id, line) as
    (rank::hugeint << 124) + row_order(d, month, load_id, line);
-- A sentence's category against its statutory range (DATA-SPEC 4, Sentence categories), the first that applies;
-- a minimum of 0 is no mandatory minimum (nothing is below it), null an unknown one. legal_ground: a recorded
-- ground for going below the minimum (mart_sentences). The numbers are the DATA-SPEC table's.
create or replace macro sentence_category(prison_months, suspended, min_months, max_months, legal_ground) as
    case
        when coalesce(prison_months, 0) = 0 then 'no_prison'
        when coalesce(suspended, false) then 'suspended'
        when min_months is null then 'range_unknown'
        when prison_months < min_months and legal_ground then 'below_minimum_with_ground'
        when prison_months < min_months then 'below_minimum_no_ground'
        when max_months is not null and prison_months > max_months then 'above_maximum'
        else 'within_range'
    end;
create or replace macro category_number(category) as
    list_position(['no_prison', 'suspended', 'range_unknown', 'below_minimum_with_ground',
                   'below_minimum_no_ground', 'above_maximum', 'within_range'], category);
-- below the minimum: known and above 0 for no prison or a suspended term, known for a shorter term
create or replace macro is_below_minimum(category, min_months) as
    min_months is not null and (
        category in ('below_minimum_with_ground', 'below_minimum_no_ground')
        or (category in ('no_prison', 'suspended') and min_months > 0));
