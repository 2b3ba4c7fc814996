"""Identifiers of people are never stored (DATA-SPEC 1 and 3): dropped columns, pseudonyms, masked quarantine."""
import json
import re
from functools import partial

import duckdb
import pandas as pd
import pytest

from conftest import INV, JUD, PROS, TEST_KEY, VIC, csv_text, dump, write_file
from pipeline import pseudonym
from pipeline.staging import Staging
from pipeline.validate import validate_file

# What the agencies sent that may never be stored in clear text (ids, names, numbers, birth dates, contacts).
PERSON = "PID 7734-QX"  # sent with a space; normalised it is PID7734-QX
VICTIM = "VIC-55190-ZK"
JUDGE = "JDG-ZETA-8812"
SECRETS = {
    "person": PERSON, "person normalised": "PID7734-QX", "person lower": "pid7734-qx", "victim": VICTIM,
    "judge": JUDGE, "first name": "Agimzana", "last name": "Berishova", "full name": "Agimzana Berishova",
    "personal number": "1187339021", "birth date": "1979-03-15", "phone": "+38344987123",
    "address": "Rruga Nënë Tereza 17", "email": "agimzana@example.org", "too long id": "Q" * 41,
}
PII_INV = {**INV, "person_id": PERSON, "Emri": "Agimzana", "Mbiemri": "Berishova", "Full Name": "Agimzana Berishova",
           "personal_no": "1187339021", "DOB": "1979-03-15", "Telefoni": "+38344987123"}
PII_VIC = {**VIC, "victim_id": VICTIM, "Date of Birth": "1979-03-15", "Adresa": "Rruga Nënë Tereza 17",
           "email": "agimzana@example.org"}


def deliver_with_pii(env) -> None:
    env.deliver(
        "2024-01",
        investigations=[PII_INV, {**PII_INV, "case_id": "PR-02/2024", "sex": "Q"}],
        prosecutions=[{**PROS, "person_id": "pid7734-qx"}, {**PROS, "person_id": SECRETS["too long id"]}],
        judgments=[{**JUD, "person_id": "p i d 7734-QX", "judge_id": JUDGE},
                   {**JUD, "person_id": PERSON, "judge_id": JUDGE, "instance": "appeal", "court": "APP",
                    "verdict": "guilty"}],
        victims=[PII_VIC, {**PII_VIC, "case_id": "PR-09/2024", "age": "200"}],
    )


def found_in(text: str) -> list[str]:
    return [name for name, secret in SECRETS.items() if secret.lower() in text.lower()]


# ---------------------------------------------------------------------------------------------- dropping
def test_pii_columns_are_dropped_and_reported_by_validate(env, cli):
    deliver_with_pii(env)
    result = cli("validate", env.raw / "2024-01" / "investigations.csv", "--json")
    report = json.loads(result.stdout)["files"][0]
    assert report["dropped_columns"] == ["dob", "emri", "full_name", "mbiemri", "personal_no", "telefoni"]
    assert report["extra_columns"] == [] and report["missing_columns"] == []
    assert found_in(result.stdout) == []


def test_pii_columns_are_dropped_and_reported_in_the_load_log(env, refresh, query):
    deliver_with_pii(env)
    out = refresh().stdout
    assert query("select source, dropped_columns from load_log order by source") == [
        ("investigations", ["dob", "emri", "full_name", "mbiemri", "personal_no", "telefoni"]),
        ("judgments", []), ("prosecutions", []), ("victims", ["adresa", "date_of_birth", "email"]),
    ]
    assert ("  - 2024-01 investigations.csv: identifying column(s) dropped unread: "
            "dob, emri, full_name, mbiemri, personal_no, telefoni\n") in out
    assert found_in(out) == []


def test_a_pii_column_named_twice_is_dropped_not_refused(validate_rows):
    rows = [{**INV, "Name": "Agimzana", "NAME ": "Berishova"}]
    text = csv_text(rows).replace("NAME ", "name", 1)
    result = validate_rows("investigations", text)
    assert result.file_error is None
    assert result.dropped_columns == ["name"]


# ------------------------------------------------------------------------------------------ nothing stored
def test_no_clear_identifier_anywhere_in_the_warehouse_or_reports(env, refresh):
    deliver_with_pii(env)
    refresh()
    con = duckdb.connect(str(env.warehouse))
    con.execute("checkpoint")  # everything in the database file, nothing left in the write-ahead log
    con.close()
    stored = env.warehouse.read_bytes()
    assert b"PPS-PR-01/2024" in stored  # control: a case number (not personal) is visible to this scan
    for name, secret in SECRETS.items():
        for encoding in ("utf-8", "utf-16-le"):
            assert secret.encode(encoding) not in stored, name
    assert found_in(repr(dump(env.warehouse))) == []
    reports = [p for p in env.reports.rglob("*") if p.is_file()]
    assert {p.name for p in reports} >= {"quality-police.csv", "quality-prosecution.csv", "quality-courts.csv",
                                         "quality-victim-identification.csv"}
    for path in reports:
        assert found_in(path.read_text(encoding="utf-8")) == [], path


def test_every_stored_person_column_holds_pseudonyms(env, refresh, query):
    deliver_with_pii(env)
    refresh()
    keys = query("""select person_key from investigations union all select person_key from prosecutions
                    union all select person_key from judgments union all select judge_key from judgments
                    union all select victim_key from victims""")
    assert len(keys) == 5  # three person_key (one person), a judge_key, a victim_key
    assert all(re.fullmatch(r"[0-9a-f]{32}", k) for (k,) in keys), keys


def test_quarantined_person_identifiers_are_masked(env, refresh, query):
    deliver_with_pii(env)
    refresh()
    assert query("""select source, line, "column", "check", value, record_key from quarantine
                    order by source, line, "column" """) == [
        ("investigations", 3, "sex", "code_list", "Q",
         "case_id=PR-02/2024 person_id=*** offence_code=CCRK2019.165.1"),
        ("judgments", 3, "verdict", "code_list", "guilty",
         "judgment_id=P-PR-07/2024 person_id=*** offence_code=CCRK2019.165.1 instance=appeal"),
        ("prosecutions", 3, "person_id", "max_length", "***",
         "prosecution_id=PPS-PR-01/2024 person_id=*** offence_code=CCRK2019.165.1 decision=indicted"),
        ("victims", 3, "age", "range", "200", "victim_id=*** case_id=PR-09/2024"),
    ]

    quality = (env.reports / "restricted" / "quality" / "2024-01" / "quality-prosecution.csv").read_text()
    assert quality.splitlines()[1] == (
        "2024-01/prosecutions.csv,3,"
        "prosecution_id=PPS-PR-01/2024 person_id=*** offence_code=CCRK2019.165.1 decision=indicted,"
        "person_id,max_length,***,person_id '***': The value is longer than 40 characters: send the identifier as "
        "recorded in the case file.")


def test_validate_masks_person_identifiers_it_quotes(env, cli):
    deliver_with_pii(env)
    result = cli("validate", env.raw / "2024-01" / "prosecutions.csv")
    assert result.exit_code == 1
    assert "  line 3: [max_length] person_id '***': The value is longer than 40 characters" in result.stdout
    assert found_in(result.stdout) == []


def test_staged_rows_hold_pseudonyms_when_a_key_is_given(tmp_path):
    path = write_file(tmp_path / "2024-01" / "judgments.csv", [{**JUD, "person_id": "PID7734-QX", "judge_id": "J-77"}])
    clear = validate_file(path, "2024-01")
    keyed = validate_file(path, "2024-01", staging=partial(Staging, key=b"one run"))
    assert clear.valid[["person_id", "judge_id"]].values.tolist() == [["PID7734-QX", "J-77"]]
    expected = pseudonym.pseudonymise(pd.Series(["PID7734-QX", "J-77"]), b"one run").tolist()
    assert keyed.valid[["person_id", "judge_id"]].values.tolist() == [expected]
    assert keyed.staging.con.execute(f"select count(*) from {keyed.staging.name} "
                                     "where person_id = 'PID7734-QX' or judge_id = 'J-77'").fetchone() == (0,)


# ------------------------------------------------------------------------------------------------ pseudonyms
def test_the_same_person_gets_the_same_pseudonym_in_every_source(env, refresh, query):
    deliver_with_pii(env)  # PID 7734-QX, pid7734-qx, p i d 7734-QX
    refresh()
    expected = pseudonym.pseudonymise(pd.Series(["PID7734-QX"]), TEST_KEY.encode()).iloc[0]
    assert query("select distinct person_key from stg_investigations") == [(expected,)]
    assert query("select distinct person_key from stg_prosecutions") == [(expected,)]
    assert query("select distinct person_key from stg_judgments") == [(expected,)]
    judge = pseudonym.pseudonymise(pd.Series([JUDGE]), TEST_KEY.encode()).iloc[0]
    assert query("select distinct judge_key from stg_judgments") == [(judge,)]
    assert judge != expected


def test_a_pseudonym_depends_on_the_key():
    ids = pd.Series(["PID7734-QX", "PID7734-QX", None, ""])
    one = pseudonym.pseudonymise(ids, b"key one")
    other = pseudonym.pseudonymise(ids, b"key two")
    assert one.iloc[0] == one.iloc[1] != other.iloc[0]
    assert one.iloc[2:].isna().all()
    assert pseudonym.fingerprint(b"key one") != pseudonym.fingerprint(b"key two")


def test_the_key_file_is_created_outside_the_repository_with_owner_only_access(tmp_path, monkeypatch):
    monkeypatch.delenv("TIPSTATS_KEY", raising=False)
    monkeypatch.delenv("TIPSTATS_KEY_FILE", raising=False)
    monkeypatch.setenv("XDG_CONFIG_HOME", str(tmp_path / "config"))
    key = pseudonym.load_key()
    path = tmp_path / "config" / "tipstats" / "key"
    assert path.read_text().strip().encode() == key and len(key) == 64
    assert path.stat().st_mode & 0o777 == 0o600
    assert pseudonym.load_key() == key  # read back, not made anew


@pytest.mark.parametrize("key", [b"k", b"x" * 64, b"y" * 65 + "ключ".encode(), TEST_KEY.encode()])
def test_duckdb_makes_the_same_pseudonyms_as_the_hmac_library(key):
    ids = pd.Series(["PID7734-QX", "1234567890123", "ĐURĐA-7", "J-0016", "", None], dtype="str")
    con = duckdb.connect()
    con.register("people", pd.DataFrame({"person_id": ids}))
    made = [row[0] for row in con.execute(f"select {pseudonym.sql('person_id')} from people",
                                          list(pseudonym.pads(key))).fetchall()]
    expected = pseudonym.pseudonymise(ids, key)
    assert made[:4] == expected.iloc[:4].tolist() and all(len(p) == 32 for p in made[:4])
    assert made[4:] == [None, None] and expected.iloc[4:].isna().all()
