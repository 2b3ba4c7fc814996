-- Small shared rules, as DuckDB macros, created before the models (pipeline/build.py).
-- Unknown is a category, never dropped: every dimension value below is a code or 'unknown'.
create or replace macro known_sex(s) as nullif(nullif(s, 'U'), '');
create or replace macro sex_category(s) as coalesce(known_sex(s), 'U');
create or replace macro age_group(age) as
    case when age is null then 'unknown' when age < 18 then 'child' else 'adult' end;
create or replace macro citizenship_group(c) as
    case when c is null then 'unknown' when c = 'XK' then 'national' else 'foreign' end;
create or replace macro yes_no(b) as case when b then 'yes' when not b then 'no' else 'unknown' end;
create or replace macro known_form(f) as nullif(f, 'unknown');
-- the court of a prosecution: the court named, else the office's region (SPRK has none: unknown)
create or replace macro prosecution_court(court, office) as
    coalesce(court, case when office = 'SPRK' then null else office end, 'unknown');
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
