"""Loading deliveries (DATA-SPEC 1, Delivery and Corrections): versions, history, deliveries, reloads, safety."""
import duckdb
import pytest

from conftest import INV, JUD, PROS, TEST_KEY, VIC, csv_text, dump, header_only, xlsx_bytes
from pipeline import build, load, pseudonym, staging

INV2 = {**INV, "case_id": "PZ-02/2024", "person_id": "5550001", "region": "PZ"}
KEY = ("case_id", "person_id", "offence_code")


def withdrawals(*rows: dict) -> str:
    """A file of withdrawal rows: every column in the header (a required column may not be missing),
    only the key filled."""
    return csv_text([{**{c: row[c] for c in KEY}, "withdrawn": "true"} for row in rows],
                    columns=[*INV, "withdrawn"])


def flat(text: str) -> str:
    """Output with the console's line wrapping undone."""
    return " ".join(text.split())


def current(query) -> list[tuple]:
    """The current investigations (stg view): case_id, status, and the month of the version that counts."""
    return query("select case_id, status, month from stg_investigations order by case_id")


def log(query, month: str, source: str = "investigations") -> tuple:
    return query("""select rows_read, rows_new, rows_replacing, rows_unchanged, rows_stored_not_current,
                           rows_quarantined from load_log where month = ? and source = ? and superseded_by is null""",
                 [month, source])[0]


# ----------------------------------------------------------------------------------------------- idempotent
def test_a_second_refresh_changes_nothing(env, refresh, query):
    env.deliver("2024-01", investigations=[INV, INV2], prosecutions=[PROS], judgments=[JUD], victims=[VIC])
    refresh()
    before = dump(env.warehouse)
    result = refresh()
    assert result.stdout == "Nothing new to load (1 month(s) already loaded and unchanged).\n"
    assert dump(env.warehouse) == before
    assert query("select count(*) from loads") == [(1,)]


def test_the_first_refresh_reports_what_it_loaded(env, refresh, query):
    env.deliver("2024-01", investigations=[INV, {**INV2, "sex": "Q"}], judgments=header_only("judgments"))
    out = refresh().stdout
    assert flat(out).startswith(f"Load 1: 1 month(s) 2024-01 … 2024-01 into {env.warehouse} (key fingerprint "
                                f"{pseudonym.fingerprint(TEST_KEY.encode())}).")
    assert "  - 2024-01 judgments: nil return\n" in out
    assert "  - 2024-01 prosecutions: not delivered\n" in out
    assert "  - 2024-01 victims: not delivered\n" in out
    assert query("select count(*) from stg_investigations") == [(1,)]
    assert query('select line, "column", "check", value from quarantine') == [(3, "sex", "code_list", "Q")]


def test_hashes_of_an_older_warehouse_are_recomputed_once(env, refresh, query):
    env.deliver("2024-01", investigations=[INV])
    refresh()
    with duckdb.connect(str(env.warehouse)) as con:  # as a warehouse loaded before store.sql made the hashes
        con.execute("update investigations set row_hash = 42")
        con.execute("update meta set value = 'a hash of older code' where name = 'row_hash'")
    env.deliver("2024-02", investigations=[INV])
    refresh()
    assert log(query, "2024-02") == (1, 0, 0, 1, 0, 0)  # unchanged, not "replacing"
    assert query("select count(distinct row_hash), min(row_hash) <> 42 from investigations") == [(1, True)]
    assert query("select value from meta where name = 'row_hash'") == [(load.ROW_HASH,)]


def test_each_valid_row_is_written_once_straight_into_its_version_table(env, refresh, query, monkeypatch):
    """The staging table of a refresh keeps only each row's bookkeeping, key and identifiers; the valid rows go
    to the version table chunk by chunk, and a key sent again in a later chunk takes its copies out again."""
    monkeypatch.setenv("TIPSTATS_CHUNK_ROWS", "2")
    rows = [{**INV, "case_id": f"PR-{i}/2024"} for i in range(5)] + [{**INV, "case_id": "PR-1/2024"}]
    env.deliver("2024-01", investigations=rows)
    staged, stored = [], []
    append = staging.Staging.append

    def spy(self, *args):
        append(self, *args)
        staged.append([c for (c,) in self.con.execute(f"select column_name from (describe {self.name})").fetchall()])
        stored.append(self.con.execute("select count(*) from investigations").fetchone()[0])

    monkeypatch.setattr(staging.Staging, "append", spy)
    refresh()
    assert staged == [["position", "line", "valid", "flagged", "case_id", "person_id", "offence_code"]] * 3
    assert stored == [2, 4, 6]  # each chunk's valid rows, as it is checked
    # lines 3 and 7 share a key across chunks: both copies are held back, out of the version table too
    assert query("select line from investigations order by line") == [(2,), (4,), (5,), (6,)]
    assert query('select line, "check" from quarantine order by line') == [(3, "duplicate_key"), (7, "duplicate_key")]
    assert log(query, "2024-01") == (6, 4, 0, 0, 0, 2)
    assert query("select count(*) from information_schema.tables where table_name like 'staged_%'") == [(0,)]


def test_the_same_content_in_a_later_month_is_unchanged(env, refresh, query):
    env.deliver("2024-01", investigations=[INV])
    env.deliver("2024-02", investigations=[INV])
    refresh()
    assert log(query, "2024-02") == (1, 0, 0, 1, 0, 0)
    assert query("select month, row_hash = first(row_hash) over () from investigations order by month") == [
        ("2024-01", True), ("2024-02", True)]  # one version, delivered twice
    assert current(query) == [("PR-01/2024", "open", "2024-02")]


# ----------------------------------------------------------------------------------------------- versions
def test_a_correction_in_a_later_month_supersedes_and_history_keeps_both(env, refresh, query):
    env.deliver("2024-01", investigations=[INV, INV2])
    refresh()
    env.deliver("2024-02", investigations=[{**INV, "status": "referred", "status_on": "2024-02-03"}])
    refresh()
    assert current(query) == [("PR-01/2024", "referred", "2024-02"), ("PZ-02/2024", "open", "2024-01")]
    history = query("select status, month, load_id from investigations where case_id = 'PR-01/2024' order by month")
    assert history == [("open", "2024-01", 1), ("referred", "2024-02", 2)]
    assert log(query, "2024-02") == (1, 0, 1, 0, 0, 0)


def test_a_late_month_does_not_override_a_later_one(env, refresh, query):
    env.deliver("2024-05", investigations=[{**INV, "status": "closed", "status_on": "2024-05-02"}])
    refresh()
    env.deliver("2024-03", investigations=[{**INV, "status": "referred", "status_on": "2024-03-01"}, INV2])
    refresh()
    assert log(query, "2024-03") == (2, 1, 0, 0, 1, 0)
    assert current(query) == [("PR-01/2024", "closed", "2024-05"), ("PZ-02/2024", "open", "2024-03")]
    assert query("select month from investigations where case_id = 'PR-01/2024' order by month") == [
        ("2024-03",), ("2024-05",)]


def test_a_withdrawal_retires_the_key(env, refresh, query):
    env.deliver("2024-01", investigations=[INV, INV2])
    refresh()
    env.deliver("2024-02", investigations=withdrawals(INV))
    refresh()
    assert current(query) == [("PZ-02/2024", "open", "2024-01")]
    assert log(query, "2024-02") == (1, 0, 1, 0, 0, 0)
    stored = query("select withdrawn, status, region from investigations where month = '2024-02'")
    assert stored == [(True, None, None)]  # a withdrawal carries only its key


def test_a_withdrawal_with_garbage_outside_the_key_retires_the_key(env, refresh, query):
    env.deliver("2024-01", investigations=[INV])
    env.deliver("2024-02", investigations=[{**INV, "status": "bogus", "sex": "", "withdrawn": "da"}])
    refresh()
    assert current(query) == []
    assert query("select count(*) from quarantine") == [(0,)]


def test_a_withdrawal_of_an_unseen_key_keeps_a_late_delivery_out(env, refresh, query):
    env.deliver("2024-05", investigations=withdrawals(INV))
    refresh()
    assert log(query, "2024-05") == (1, 1, 0, 0, 0, 0)
    env.deliver("2024-03", investigations=[INV, INV2])
    refresh()
    assert log(query, "2024-03") == (2, 1, 0, 0, 1, 0)
    assert current(query) == [("PZ-02/2024", "open", "2024-03")]


def test_a_quarantined_correction_leaves_the_previous_version_current(env, refresh, query):
    env.deliver("2024-01", investigations=[INV])
    refresh()
    env.deliver("2024-02", investigations=[{**INV, "status": "referred", "status_on": "2024-02-30"}])
    refresh()
    assert current(query) == [("PR-01/2024", "open", "2024-01")]
    assert log(query, "2024-02") == (1, 0, 0, 0, 0, 1)
    assert query('select month, line, "column", "check" from quarantine') == [
        ("2024-02", 2, "status_on", "date_invalid")]


# ------------------------------------------------------------------------------------------------- reload
def test_a_changed_month_is_refused_without_reload(env, cli, refresh, query):
    env.deliver("2024-01", investigations=[INV], victims=[VIC])
    refresh()
    env.deliver("2024-01", investigations=[{**INV, "status": "closed"}])
    env.deliver("2024-02", investigations=[INV2])  # a new month waits too: nothing is loaded
    before = dump(env.warehouse)
    result = cli("refresh")
    assert result.exit_code == 2
    assert result.stderr == (
        "error: files changed since they were loaded: 2024-01 (investigations). Nothing was loaded. "
        "To replace a month with its new files run `tipstats refresh --reload 2024-01`\n")
    assert result.stdout == ""
    assert dump(env.warehouse) == before


def test_reload_replaces_the_month_as_if_it_first_arrived_with_the_new_files(env, cli, refresh, query):
    env.deliver("2024-01", investigations=[INV, INV2], victims=[VIC])
    refresh()
    env.deliver("2024-01", investigations=[{**INV, "status": "closed", "status_on": "2024-01-30"}])
    refresh("--reload", "2024-01")
    assert current(query) == [("PR-01/2024", "closed", "2024-01")]  # INV2 is gone with the old file
    assert query("select case_id, status, load_id from investigations order by case_id") == [
        ("PR-01/2024", "closed", 2)]
    assert query("select source, load_id, superseded_by from load_log order by load_id, source") == [
        ("investigations", 1, 2), ("victims", 1, 2), ("investigations", 2, None), ("victims", 2, None)]
    assert log(query, "2024-01") == (1, 1, 0, 0, 0, 0)  # new, as on a first arrival
    assert query("select count(*) from stg_victims") == [(1,)]
    assert cli("refresh").stdout == "Nothing new to load (1 month(s) already loaded and unchanged).\n"


def test_reload_keeps_what_a_later_month_sent_unchanged(env, refresh, query):
    env.deliver("2024-01", investigations=[INV])
    env.deliver("2024-02", investigations=[INV])  # unchanged against 2024-01
    refresh()
    env.deliver("2024-01", investigations=[INV2])
    refresh("--reload", "2024-01")
    assert current(query) == [("PR-01/2024", "open", "2024-02"), ("PZ-02/2024", "open", "2024-01")]


def test_reload_takes_a_month(env, cli, refresh):
    env.deliver("2024-01", investigations=[INV])
    refresh()
    result = cli("refresh", "--reload", "2024-1")
    assert (result.exit_code, result.stderr) == (2, "error: --reload takes a month as YYYY-MM, not '2024-1'\n")


def test_reload_of_a_month_whose_folder_is_gone(env, cli, refresh):
    folder = env.deliver("2024-01", investigations=[INV])
    refresh()
    (folder / "investigations.csv").unlink()
    folder.rmdir()
    result = cli("refresh", "--reload", "2024-01")
    assert (result.exit_code, result.stderr) == (2, "error: no folder for month 2024-01 to reload\n")


def test_reload_of_a_month_never_loaded(env, cli, refresh):
    env.deliver("2024-01", investigations=[INV])
    refresh()
    env.deliver("2024-02", investigations=[INV2])
    result = cli("refresh", "--reload", "2024-02")
    assert (result.exit_code, result.stderr) == (
        2, "error: month 2024-02 was never loaded: run `tipstats refresh` to load it\n")


def test_a_source_added_later_to_a_loaded_month_is_its_first_delivery(env, refresh, query):
    env.deliver("2024-01", investigations=[INV])
    refresh()
    assert query("select status from deliveries where source = 'victims'") == [("not_delivered",)]
    env.deliver("2024-01", victims=[VIC])
    assert refresh().stdout.startswith("Load 2: 1 month(s) 2024-01")
    assert query("select status, file, load_id from deliveries where source = 'victims'") == [
        ("delivered", "victims.csv", 2)]
    assert query("select status, load_id from deliveries where source = 'investigations'") == [("delivered", 1)]
    assert query("select count(*) from stg_victims") == [(1,)]
    assert query("select count(*), max(load_id) from load_log where source = 'investigations'") == [(1, 1)]


def test_a_refused_file_fixed_later_is_its_first_delivery(env, refresh, query):
    env.deliver("2024-01", investigations=csv_text([INV], columns=[c for c in INV if c != "status"]))
    refresh()
    assert query("select status from deliveries where source = 'investigations'") == [("not_delivered",)]
    env.deliver("2024-01", investigations=[INV])
    refresh()
    assert query("select status, load_id from deliveries where source = 'investigations'") == [("delivered", 2)]
    assert current(query) == [("PR-01/2024", "open", "2024-01")]


# ---------------------------------------------------------------------------------------------- deliveries
def test_nil_return_not_delivered_and_refused_files_in_deliveries(env, refresh, query):
    env.deliver("2024-01", investigations=header_only("investigations"), judgments=b"",
                victims=csv_text([VIC]).encode() + b"\x00")
    refresh()
    assert query("select source, status, file from deliveries order by source") == [
        ("investigations", "nil_return", "investigations.csv"),
        ("judgments", "not_delivered", "judgments.csv"),
        ("prosecutions", "not_delivered", None),
        ("victims", "not_delivered", "victims.csv"),
    ]
    assert query("select source, file_error from load_log where file_error is not null order by source") == [
        ("judgments", "judgments.csv: empty file (0 bytes), counted as not delivered"),
        ("victims", "victims.csv: contains NUL bytes, not a text file"),
    ]


def test_refused_files_are_not_loaded_again_by_the_next_refresh(env, refresh, query):
    env.deliver("2024-01", investigations=[INV], judgments=b"",
                victims=csv_text([VIC]).encode() + b"\x00")
    env.file("2024-01/prosecutions.xlsx", b"not a workbook")
    refresh()
    before = dump(env.warehouse)
    assert refresh().stdout == "Nothing new to load (1 month(s) already loaded and unchanged).\n"
    assert dump(env.warehouse) == before


def test_two_files_for_one_source_are_both_refused(env, refresh, query):
    env.deliver("2024-01", investigations=[INV], victims=[VIC, {**VIC, "victim_id": "V-2"}])
    env.file("2024-01/victims.xlsx", xlsx_bytes([list(VIC), list(VIC.values())]))
    refresh()
    message = "two files for source victims (victims.csv and victims.xlsx); send one"
    assert query("""select file, rows_read, rows_quarantined, rows_new, file_error from load_log
                    where source = 'victims' order by file""") == [
        ("2024-01/victims.csv", 2, 2, 0, f"victims.csv: {message}"),
        ("2024-01/victims.xlsx", 1, 1, 0, f"victims.xlsx: {message}"),
    ]
    assert query("""select file, line, "check" from quarantine where source = 'victims'
                    order by file, line""") == [
        ("2024-01/victims.csv", 2, "file_refused"), ("2024-01/victims.csv", 3, "file_refused"),
        ("2024-01/victims.xlsx", 2, "file_refused"),
    ]
    assert query("select status, file from deliveries where source = 'victims'") == [
        ("not_delivered", "victims.csv, victims.xlsx")]
    assert query("select count(*) from victims") == [(0,)]
    assert refresh().stdout == "Nothing new to load (1 month(s) already loaded and unchanged).\n"


def test_other_files_in_a_month_folder_are_ignored_and_reported(env, refresh, query):
    env.deliver("2024-01", investigations=[INV], notes="call back on Monday\n")
    out = refresh().stdout
    assert "  - 2024-01 notes.csv: not a delivery file, ignored\n" in out
    assert query("""select file, "check" from warnings where "check" = 'ignored_file'""") == [
        ("2024-01/notes.csv", "ignored_file")]


def test_the_load_log_reconciles_for_every_file(env, refresh, query):
    env.deliver("2024-01", investigations=[INV, INV2], prosecutions=[PROS], victims=[VIC],
                judgments=[JUD, {**JUD, "verdict": "acquitted"}])
    refresh()
    env.deliver("2024-02", investigations=[INV, {**INV2, "status": "closed"}, {**INV, "case_id": "x" * 41}],
                prosecutions=[{**PROS, "withdrawn": "yes"}, {**PROS, "decision": "dismissed"}],
                victims=[VIC, VIC], judgments=b"")
    env.deliver("2024-02", judgments="\n")
    december = {"opened_on": "2023-12-01", "status_on": "2023-12-02"}
    env.deliver("2023-12", investigations=[{**INV, **december}, {**INV2, **december}])
    refresh()
    rows = query("""select file, rows_read, rows_new + rows_replacing + rows_unchanged + rows_stored_not_current
                           + rows_quarantined from load_log order by load_id, file""")
    assert len(rows) == 9
    assert all(read == accounted for _, read, accounted in rows), rows
    assert query("""select file, rows_read, rows_new, rows_replacing, rows_unchanged, rows_stored_not_current,
                           rows_quarantined from load_log where load_id = 2 order by file""") == [
        ("2023-12/investigations.csv", 2, 0, 0, 0, 2, 0),
        ("2024-02/investigations.csv", 3, 0, 1, 1, 0, 1),
        ("2024-02/judgments.csv", 0, 0, 0, 0, 0, 0),
        ("2024-02/prosecutions.csv", 2, 1, 1, 0, 0, 0),
        ("2024-02/victims.csv", 2, 0, 0, 0, 0, 2),
    ]


# --------------------------------------------------------------------------------------------------- safety
def test_a_different_key_is_refused_and_nothing_is_loaded(env, cli, refresh, monkeypatch):
    env.deliver("2024-01", investigations=[INV])
    refresh()
    env.deliver("2024-02", investigations=[INV2])
    before = dump(env.warehouse)
    monkeypatch.setenv("TIPSTATS_KEY", "another-key")
    result = cli("refresh")
    assert result.exit_code == 2
    assert result.stderr == (
        f"error: the pseudonymisation key (fingerprint {pseudonym.fingerprint(b'another-key')}) is not the one "
        f"this warehouse was built with (fingerprint {pseudonym.fingerprint(TEST_KEY.encode())}): set "
        "TIPSTATS_KEY or TIPSTATS_KEY_FILE to the original key; nothing was loaded\n")
    assert dump(env.warehouse) == before


def test_a_failure_inside_the_transaction_leaves_the_warehouse_as_it_was(env, cli, refresh, query, monkeypatch):
    env.deliver("2024-01", investigations=[INV], victims=[VIC])
    refresh()
    env.deliver("2024-02", investigations=[{**INV, "status": "closed"}, INV2], judgments=[JUD])
    before = dump(env.warehouse)

    def broken(con, load_id=None):
        raise RuntimeError("model build failed")

    with monkeypatch.context() as patch:
        patch.setattr(build, "rebuild", broken)
        failed = cli("refresh")
    assert failed.exit_code == 2
    assert failed.stderr.startswith("error: tipstats stopped on an unexpected error (RuntimeError at ")
    assert dump(env.warehouse) == before
    refresh()  # the same month loads once the failure is gone
    assert query("select month, source, status from deliveries where month = '2024-02' order by source") == [
        ("2024-02", "investigations", "delivered"), ("2024-02", "judgments", "delivered"),
        ("2024-02", "prosecutions", "not_delivered"), ("2024-02", "victims", "not_delivered")]


def test_a_failed_first_refresh_leaves_no_load_behind(env, cli, refresh, query, monkeypatch):
    env.deliver("2024-01", investigations=[INV])
    with monkeypatch.context() as patch:
        patch.setattr(build, "rebuild", lambda con, load_id=None: 1 / 0)
        failed = cli("refresh")
    assert (failed.exit_code, "ZeroDivisionError" in failed.stderr) == (2, True)
    tables = dump(env.warehouse)
    assert all(rows == [] for name, rows in tables.items()), {n: r for n, r in tables.items() if r}
    monkeypatch.setenv("TIPSTATS_KEY", "the-real-key")  # nothing was loaded with the first key
    refresh()
    assert query("select value from meta where name = 'key_fingerprint'") == [
        (pseudonym.fingerprint(b"the-real-key"),)]


# ---------------------------------------------------------------------------------------------- arguments
def test_refresh_loads_only_the_month_folders_given(env, cli, refresh, query):
    env.deliver("2024-01", investigations=[INV])
    february = env.deliver("2024-02", investigations=[INV2])
    refresh(february)
    assert query("select distinct month from deliveries") == [("2024-02",)]
    refresh()
    assert query("select distinct month from deliveries order by month") == [("2024-01",), ("2024-02",)]


def test_refresh_refuses_a_folder_that_is_not_a_month(env, cli):
    other = env.root / "inbox"
    other.mkdir()
    result = cli("refresh", other)
    assert (result.exit_code, result.stderr) == (2, f"error: {other}: not a month folder (raw/YYYY-MM)\n")


def test_refresh_without_a_raw_folder(env, cli):
    env.raw.rmdir()
    result = cli("refresh")
    assert (result.exit_code, result.stderr) == (2, f"error: no raw folder at {env.raw}\n")


def test_a_withdrawal_matches_the_key_however_the_person_id_is_written(env, refresh, query):
    env.deliver("2024-01", investigations=[INV, INV2])
    env.deliver("2024-02", investigations=withdrawals({**INV2, "person_id": " 555 0001 "}))
    refresh()
    assert current(query) == [("PR-01/2024", "open", "2024-01")]


# ------------------------------------------------------------------------------------------- quality files
def quality_file(env, month: str, agency: str) -> list[str]:
    return (env.reports / "restricted" / "quality" / month / f"quality-{agency}.csv").read_text().splitlines()


def test_quality_files_list_the_rows_held_back_for_each_agency(env, refresh):
    env.deliver("2024-01", investigations=[INV, {**INV2, "sex": "=1+2"}], prosecutions=[PROS],
                victims=b"", judgments=csv_text([JUD]).encode() + b"\x00")
    refresh()
    header = "file,line,record_key,column,check,value,reason"
    assert quality_file(env, "2024-01", "police") == [
        header,
        "2024-01/investigations.csv,3,case_id=PZ-02/2024 person_id=*** offence_code=CCRK2019.165.1,sex,code_list,"
        "'=1+2,\"sex '=1+2': not in the code list (F, M, X, U)\"",  # a formula is neutralised
    ]
    assert quality_file(env, "2024-01", "prosecution") == [header]  # all accepted
    assert quality_file(env, "2024-01", "victim-identification") == [
        header, "2024-01/victims.csv,,,,file_refused,,\"victims.csv: empty file (0 bytes), counted as not delivered\""]
    assert quality_file(env, "2024-01", "courts") == [
        header, "2024-01/judgments.csv,,,,file_refused,,\"judgments.csv: contains NUL bytes, not a text file\""]
