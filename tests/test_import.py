"""`tipstats import`: an agency's own extract → deliveries by a source mapping, every input row accounted for
(docs/ingest.md, "Source mappings and historical imports"). Small synthetic extracts on a copy of the Kosovo
pack with a mapping of the test's own."""
from __future__ import annotations

import shutil
from pathlib import Path

import pandas as pd
import pytest

from contracts import pack
from pipeline import mapping
from conftest import csv_text, write_file

KOSOVO = Path(pack.__file__).parent / "packs" / "kosovo"

MAPPING = """
description = "test extract: persons with index-aligned charge lists, files joined to them"
agency = "courts"
[coverage]
from = "2020-01"
to = "2021-12"
[inputs.persons]
file = "persons.csv"
key = "pid"
person_key = true
[inputs.files]
file = "files.csv"
key = "fid"
join = "files.fid = persons.fid"
[lists]
columns = { charge = "charges", term = "months" }  # an item is named apart from the columns
empty = { charge = "CCRK2019.165.1" }
[maps.sex_code]
man = "M"
woman = "F"
[sources.judgments]
grain = "item"
[sources.judgments.columns]
judgment_id = "files.fid"
person_id = "persons.pid"
court = "files.court"
instance = "'first'"
offence_code = "charge"
judgment_date = "year_end(persons.year)"
verdict = "'convicted'"
final = "true"
prison_months = "num(term)"
sex = "sex_code(persons.gender)"
[[sources.judgments.filters]]
keep = "persons.outcome <> 'pending'"
reason = "outcome pending"
[sources.judgments.precision]
judgment_date = "year"
[sources.prosecutions]
[sources.prosecutions.columns]
prosecution_id = "files.fid"
person_id = "persons.pid"
office = "files.court"
offence_code = "'CCRK2019.165.1'"
decision = "'indicted'"
decided_on = "try_cast(persons.charged as date)"
[[sources.prosecutions.filters]]
keep = "decided_on is not null"
reason = "never charged"
[sources.prosecutions.proxies]
decided_on = "the charge date"
"""

PERSONS = [
    # two charges, months written without commas as numpy prints them
    {"pid": "P1", "fid": "F1", "gender": "man", "year": "2020.0", "outcome": "done", "charged": "2020-02-03",
     "charges": "['CCRK2019.165.1', 'CCRK2019.165.2']", "months": "['12' '24']"},
    # a bare single value is a list of one
    {"pid": "P2", "fid": "F1", "gender": "woman", "year": "2021", "outcome": "done", "charged": "2021-03-04",
     "charges": "CCRK2019.165.1", "months": "6"},
    # lists of unequal length: not exploded, a reason; the person is still prosecuted
    {"pid": "P3", "fid": "F2", "gender": "", "year": "2021", "outcome": "done", "charged": "2021-05-06",
     "charges": "['CCRK2019.165.1', 'CCRK2019.165.2']", "months": "['12']"},
    # no lists at all: the `empty` row; but pending and never charged: mapped nowhere
    {"pid": "P4", "fid": "F2", "gender": "man", "year": "", "outcome": "pending", "charged": "",
     "charges": "", "months": ""},
]
FILES = [{"fid": "F1", "court": "PR"}, {"fid": "F2", "court": "PZ"}, {"fid": "F3", "court": "PE"}]


@pytest.fixture
def extract(env, tmp_path):
    """A pack copy holding the test mapping, in use through TIPSTATS_PACK, and the agency's two files."""
    copy = tmp_path / "packs" / "kosovo"
    shutil.copytree(KOSOVO, copy)
    (copy / "mappings").mkdir(exist_ok=True)
    (copy / "mappings" / "test.toml").write_text(MAPPING, encoding="utf-8")
    folder = tmp_path / "agency"
    write_file(folder / "persons.csv", csv_text(PERSONS))
    write_file(folder / "files.csv", csv_text(FILES))
    with pytest.MonkeyPatch.context() as patch:
        patch.setenv("TIPSTATS_PACK", str(copy))
        yield folder
    pack.use(None)


def test_historical_import_writes_one_folder_with_exploded_lists_and_its_accounting(cli, env, extract):
    run = cli("import", "--mapping", "test", "--historical", extract)
    assert run.exit_code == 0, run.stdout + run.stderr
    folder = env.raw / "2021-12"
    assert run.stdout.splitlines() == [
        f"Wrote {folder} (covering 2020-01 … 2021-12): judgments 3 rows, prosecutions 3 rows.",
        f"  import/persons.csv: 4 rows, 3 mapped, 1 not mapped (reasons in {folder / 'import.csv'})",
        f"  import/files.csv: 3 rows, 2 mapped, 1 not mapped (reasons in {folder / 'import.csv'})",
        "Run `tipstats refresh` to load it.",
    ]
    assert sorted(p.name for p in env.raw.iterdir()) == ["2021-12"]
    assert sorted(p.name for p in folder.iterdir()) == [
        "import", "import.csv", "import.toml", "judgments.csv", "prosecutions.csv"]
    assert (folder / "import" / "persons.csv").read_bytes() == (extract / "persons.csv").read_bytes()
    # the lists exploded in step; the value map; a year as the year's last day
    assert (folder / "judgments.csv").read_text().splitlines() == [
        "judgment_id,person_id,court,instance,offence_code,judgment_date,verdict,final,prison_months,sex",
        "F1,P1,PR,first,CCRK2019.165.1,2020-12-31,convicted,true,12,M",
        "F1,P1,PR,first,CCRK2019.165.2,2020-12-31,convicted,true,24,M",
        "F1,P2,PR,first,CCRK2019.165.1,2021-12-31,convicted,true,6,F",
    ]
    assert (folder / "prosecutions.csv").read_text().splitlines() == [
        "prosecution_id,person_id,office,offence_code,decision,decided_on",
        "F1,P1,PR,CCRK2019.165.1,indicted,2020-02-03",
        "F1,P2,PR,CCRK2019.165.1,indicted,2021-03-04",
        "F2,P3,PZ,CCRK2019.165.1,indicted,2021-05-06",
    ]
    accounting = pd.read_csv(folder / "import.csv", dtype=str, keep_default_na=False)
    assert accounting.to_dict("records") == [
        {"file": "persons.csv", "line": "2", "record_key": "pid=***", "investigations": "0", "prosecutions": "1",
         "judgments": "2", "victims": "0", "mapped": "True", "reason": ""},
        {"file": "persons.csv", "line": "3", "record_key": "pid=***", "investigations": "0", "prosecutions": "1",
         "judgments": "1", "victims": "0", "mapped": "True", "reason": ""},
        {"file": "persons.csv", "line": "4", "record_key": "pid=***", "investigations": "0", "prosecutions": "1",
         "judgments": "0", "victims": "0", "mapped": "True",
         "reason": "judgments: list columns of unequal length (charges 2, months 1)"},
        {"file": "persons.csv", "line": "5", "record_key": "pid=***", "investigations": "0", "prosecutions": "0",
         "judgments": "0", "victims": "0", "mapped": "False",
         "reason": "judgments: outcome pending | prosecutions: never charged"},
        {"file": "files.csv", "line": "2", "record_key": "fid=F1", "investigations": "0", "prosecutions": "2",
         "judgments": "3", "victims": "0", "mapped": "True", "reason": ""},
        {"file": "files.csv", "line": "3", "record_key": "fid=F2", "investigations": "0", "prosecutions": "1",
         "judgments": "0", "victims": "0", "mapped": "True", "reason": ""},
        {"file": "files.csv", "line": "4", "record_key": "fid=F3", "investigations": "0", "prosecutions": "0",
         "judgments": "0", "victims": "0", "mapped": "False",
         "reason": "no row of persons.csv that refers to it was mapped"},
    ]
    manifest = mapping.read_manifest(folder)
    assert manifest["import"] == {
        "mapping": "test", "pack": "kosovo", "agency": "courts", "coverage_from": "2020-01", "coverage_to": "2021-12",
        "description": "test extract: persons with index-aligned charge lists, files joined to them"}
    assert [(i["file"], i["rows"], i["rows_mapped"], i["rows_not_mapped"]) for i in manifest["inputs"]] == [
        ("import/persons.csv", 4, 3, 1), ("import/files.csv", 3, 2, 1)]
    assert manifest["precision"] == {"judgments.judgment_date": "year"}
    assert manifest["proxies"] == {"prosecutions.decided_on": "the charge date"}


def test_refresh_loads_the_import_and_accounts_for_every_input_row(cli, env, extract, refresh, query):
    assert cli("import", "--mapping", "test", "--historical", extract).exit_code == 0
    run = refresh()
    assert "  - 2021-12/import/persons.csv: 4 rows, 3 mapped, 1 not mapped (quarantined, reasons in the quality file)" \
        in run.stdout.splitlines()
    assert "not a delivery file" not in run.stdout
    log = query("""select file, source, rows_read, rows_mapped, rows_new, rows_quarantined from load_log
                   order by rows_mapped nulls first, file""")
    assert log == [
        ("2021-12/judgments.csv", "judgments", 3, None, 3, 0),
        ("2021-12/prosecutions.csv", "prosecutions", 3, None, 3, 0),
        ("2021-12/import/files.csv", "judgments", 3, 2, 0, 1),
        ("2021-12/import/persons.csv", "judgments", 4, 3, 0, 1),
    ]
    # the identity the refresh and the audit check, with rows_mapped: the input rows in total
    assert query("select sum(rows_read) from load_log where rows_mapped is not null") == [(7,)]
    assert query("""select file, line, "check", reason, record_key from quarantine order by file""") == [
        ("2021-12/import/files.csv", 4, "not_mapped", "not mapped: no row of persons.csv that refers to it was mapped",
         "fid=F3"),
        ("2021-12/import/persons.csv", 5, "not_mapped",
         "not mapped: judgments: outcome pending | prosecutions: never charged", "pid=***"),
    ]
    quality = pd.read_csv(env.reports / "restricted" / "quality" / "2021-12" / "quality-courts.csv", dtype=str)
    assert quality[["file", "line", "check"]].values.tolist() == [
        ["2021-12/import/files.csv", "4", "not_mapped"], ["2021-12/import/persons.csv", "5", "not_mapped"]]
    # every covered month delivered for the sources delivered; the others only as the folder's month says
    assert query("""select source, status, count(*), min(month), max(month), count(file) from deliveries
                    group by all order by source""") == [
        ("investigations", "not_delivered", 1, "2021-12", "2021-12", 0),
        ("judgments", "delivered", 24, "2020-01", "2021-12", 1),
        ("prosecutions", "delivered", 24, "2020-01", "2021-12", 1),
        ("victims", "not_delivered", 1, "2021-12", "2021-12", 0),
    ]
    audit = cli("audit")
    assert audit.exit_code == 0, audit.stdout
    assert "load_log: 2 file(s) of the load log checked" in audit.stdout


def test_historical_coverage_from_the_options_and_the_future_date_at_its_end(cli, env, extract, refresh, query):
    run = cli("import", "--mapping", "test", "--historical", "--from", "2020-06", "--to", "2020-12", extract)
    assert run.exit_code == 0, run.stdout + run.stderr
    assert run.stdout.startswith(f"Wrote {env.raw / '2020-12'} (covering 2020-06 … 2020-12)")
    refresh()
    assert query("select min(month), max(month), count(*) from deliveries where source = 'judgments'") == [
        ("2020-06", "2020-12", 7)]
    # P2's judgment of 2021 is after the coverage: held back like any future date
    assert query("""select "check", "column", count(*) from quarantine where file = '2020-12/judgments.csv'
                    group by all""") == [("future_date", "judgment_date", 1)]


def test_monthly_import(cli, env, extract):
    run = cli("import", "--mapping", "test", "--month", "2021-12", extract)
    assert run.exit_code == 0, run.stdout + run.stderr
    assert mapping.read_manifest(env.raw / "2021-12")["import"]["coverage_from"] == "2021-12"


@pytest.mark.parametrize("args, message", [
    (["--historical", "--month", "2021-12"], "give --month YYYY-MM or --historical (one of them)"),
    ([], "give --month YYYY-MM or --historical (one of them)"),
    (["--month", "2021-12", "--to", "2021-12"], "--from and --to go with --historical"),
    (["--historical", "--from", "2021-13"], "--from takes YYYY-MM, not '2021-13'"),
    (["--historical", "--from", "2021-06", "--to", "2021-01"], "--from 2021-06 is after --to 2021-01"),
])
def test_bad_options_are_one_line(cli, extract, args, message):
    run = cli("import", "--mapping", "test", *args, extract)
    assert (run.exit_code, run.stderr.strip()) == (2, f"error: {message}")


def test_raw_is_never_overwritten_and_unknown_mappings_are_named(cli, env, extract):
    assert cli("import", "--mapping", "test", "--month", "2021-12", extract).exit_code == 0
    again = cli("import", "--mapping", "test", "--month", "2021-12", extract)
    assert (again.exit_code, again.stderr.strip()) == (
        2, f"error: {env.raw / '2021-12'} already holds files: raw/ is never modified; move them away or import into "
           "another month")
    unknown = cli("import", "--mapping", "nope", "--month", "2021-11", extract)
    assert unknown.exit_code == 2
    assert unknown.stderr.strip().startswith("error: no mapping 'nope' in the pack kosovo (") 
    assert unknown.stderr.strip().endswith("its mappings: test")
    assert not (env.raw / "2021-11").exists()


def test_a_joined_input_with_a_repeated_key_is_refused(cli, env, extract):
    write_file(extract / "files.csv", csv_text(FILES + [{"fid": "F1", "court": "PZ"}]))
    run = cli("import", "--mapping", "test", "--month", "2021-12", extract)
    assert (run.exit_code, run.stderr.strip()) == (2, "error: input files: key fid is not unique (1 repeated value(s))")
    assert list(env.raw.iterdir()) == []


@pytest.mark.parametrize("cell, items", [
    ("['1591', '2421_to_2424']", ["1591", "2421_to_2424"]),
    ("['0' '0' '12']", ["0", "0", "12"]),
    ("[None, None]", [None, None]),
    ("1324", ["1324"]),
    ("", []),
    ("[]", []),
])
def test_list_cells(cell, items):
    import duckdb

    con = duckdb.connect()
    con.execute(mapping.MACROS)
    assert con.execute("select pylist(?)", [cell]).fetchone()[0] == items


def test_the_audit_finds_an_imported_file_changed_or_gone(cli, env, extract, refresh):
    assert cli("import", "--mapping", "test", "--historical", extract).exit_code == 0
    refresh()
    write_file(env.raw / "2021-12" / "import" / "persons.csv", csv_text(PERSONS[:1]))
    (env.raw / "2021-12" / "import" / "files.csv").unlink()
    audit = cli("audit")
    assert audit.exit_code == 1
    assert [line.strip() for line in audit.stdout.splitlines() if line.strip().startswith("[load_log]")] == [
        "[load_log] raw/2021-12/import/files.csv: loaded, but no longer in raw/ (raw/ is never modified)",
        "[load_log] raw/2021-12/import/persons.csv: changed since it was loaded (raw/ is never modified)",
    ]


def test_a_reloaded_import_is_accounted_for_once(cli, env, extract, refresh, query):
    assert cli("import", "--mapping", "test", "--historical", extract).exit_code == 0
    refresh()
    refresh("--reload", "2021-12")
    assert query("""select file, rows_read, rows_mapped, rows_quarantined from load_log
                    where superseded_by is null and rows_mapped is not null order by file""") == [
        ("2021-12/import/files.csv", 3, 2, 1), ("2021-12/import/persons.csv", 4, 3, 1)]
    assert query("select count(*) from quarantine where \"check\" = 'not_mapped'") == [(2,)]
    assert query("select count(*) from deliveries where status = 'delivered'") == [(48,)]
    assert cli("audit").exit_code == 0
