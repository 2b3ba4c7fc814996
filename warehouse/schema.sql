-- The warehouse's stored tables: every version of every record ever delivered, with lineage, and the
-- bookkeeping of each load. Statistics (staging → core → marts) are rebuilt from these by the model files.
-- People's identifiers are stored only as keyed pseudonyms (person_key, victim_key, judge_key).

create table if not exists meta (name varchar primary key, value varchar not null);

create table if not exists loads (
    load_id integer primary key,
    started_at timestamp not null,
    finished_at timestamp,
    command varchar not null,
    key_fingerprint varchar not null
);

-- One row per file per load. Identity: rows_read = new + replacing + unchanged + stored_not_current + quarantined.
create table if not exists load_log (
    load_id integer not null,
    month varchar not null,
    source varchar not null,
    file varchar not null,
    sha256 varchar,
    format varchar,
    encoding varchar,
    delimiter varchar,
    rows_read integer not null,
    rows_new integer not null,
    rows_replacing integer not null,
    rows_unchanged integer not null,
    rows_stored_not_current integer not null,
    rows_quarantined integer not null,
    dropped_columns varchar[] not null,
    missing_columns varchar[] not null,
    extra_columns varchar[] not null,
    file_error varchar,
    superseded_by integer  -- set when the month is reloaded: the load that replaced this file
);
-- An agency's own file converted by `tipstats import` (the file is raw/<month>/import/<name>): the rows that
-- went into the converted deliveries; its other rows are quarantined (check not_mapped). Null for a delivery
-- file. Identity: rows_read = coalesce(rows_mapped, 0) + new + replacing + unchanged + stored_not_current + quarantined.
alter table load_log add column if not exists rows_mapped integer;

-- What each (month, source) delivered: delivered, nil_return (header only) or not_delivered.
create table if not exists deliveries (
    month varchar not null,
    source varchar not null,
    status varchar not null,
    file varchar,
    sha256 varchar,
    load_id integer not null,
    primary key (month, source)
);

create table if not exists quarantine (
    load_id integer not null,
    month varchar not null,
    source varchar not null,
    file varchar not null,
    line integer,
    "column" varchar not null,
    "check" varchar not null,
    value varchar not null,  -- as sent; person identifiers masked
    reason varchar not null,
    record_key varchar not null  -- the key as in the file, person identifiers masked
);
-- set on a file's one `unlisted` row only: its rejected rows not listed (TIPSTATS_MAX_REASONS per check)
alter table quarantine add column if not exists unlisted integer;

-- Accepted rows worth a look: articles not in the statute table, references to unknown earlier stages,
-- files in a month folder that are not a delivery.
create table if not exists warnings (
    load_id integer not null,
    month varchar not null,
    source varchar,
    file varchar not null,
    line integer,
    "column" varchar,
    "check" varchar not null,
    value varchar,
    reason varchar not null
);

create table if not exists investigations (
    record_key varchar not null, month varchar not null, load_id integer not null,
    file_sha256 varchar not null, line integer not null, row_hash ubigint not null, withdrawn boolean not null,
    case_id varchar, person_key varchar, offence_code varchar, opened_on date, region varchar,
    exploitation_form varchar, sex varchar, birth_year integer, citizenship varchar, public_official boolean,
    status varchar, status_on date, victim_count integer
);

create table if not exists prosecutions (
    record_key varchar not null, month varchar not null, load_id integer not null,
    file_sha256 varchar not null, line integer not null, row_hash ubigint not null, withdrawn boolean not null,
    prosecution_id varchar, case_id varchar, person_key varchar, office varchar, court varchar,
    offence_code varchar, decision varchar, decided_on date,
    sex varchar, birth_year integer, citizenship varchar, public_official boolean
);

create table if not exists judgments (
    record_key varchar not null, month varchar not null, load_id integer not null,
    file_sha256 varchar not null, line integer not null, row_hash ubigint not null, withdrawn boolean not null,
    judgment_id varchar, prosecution_id varchar, person_key varchar, court varchar, instance varchar,
    judge_key varchar, offence_code varchar, offence_date date, judgment_date date, verdict varchar,
    final boolean, plea_agreement boolean, prison_months double, suspended boolean, fine double,
    mitigation varchar, sex varchar, birth_year integer, citizenship varchar, public_official boolean
);
-- fine: in the pack's currency; a warehouse written before packs names it fine_eur, renamed by
-- pipeline/load.py rename_fine_column (DuckDB cannot rename a column only when it exists)
-- the defendant's imprisonment in this judgment, all charges together, where the source records it so
alter table judgments add column if not exists total_prison_months double;

create table if not exists victims (
    record_key varchar not null, month varchar not null, load_id integer not null,
    file_sha256 varchar not null, line integer not null, row_hash ubigint not null, withdrawn boolean not null,
    victim_key varchar, case_id varchar, identified_on date, identified_by varchar, sex varchar, age integer,
    citizenship varchar, exploitation_form varchar, referred_to_services boolean, sheltered boolean,
    repatriated boolean
);

-- current: the version of its record that the statistics count (the latest by reporting month, then load),
-- kept by the rebuild (warehouse/load/current.sql); the stg_* views are the current versions
alter table investigations add column if not exists current boolean default false;
alter table prosecutions add column if not exists current boolean default false;
alter table judgments add column if not exists current boolean default false;
alter table victims add column if not exists current boolean default false;
