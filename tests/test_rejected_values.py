"""The rule for rejected values (README, "Rejected values"; pipeline/rejected.py): a rejected value, an extra
column's header or an ignored file's name is stored or shown in clear only when it cannot carry an
identifier; `tipstats audit` checks the rule, and searches the bytes of the database file (issue 14,
defects 2 and 3)."""
from __future__ import annotations

import csv
import io
import json
import re
from pathlib import Path

import duckdb
import pytest
from conftest import INV, JUD, MONTH, VIC, csv_text, dump

from contracts import SOURCES
from pipeline import audit, rejected

IDENTIFIER = "PERSONX123"
# an unterminated quote: prosecution_id takes the rest of the line, with the person's identifier in it
BROKEN = (f'P-1,"PP-1,{IDENTIFIER},PR,first,J-77,CCRK2019.165.1,2023-06-01,2024-01-25,convicted,false,false,60,'
          'false,1000,,M,1980,XK,false\n')
SWALLOWED = "[masked: 119 characters: letters, digits, punctuation]"


def judgments_with_an_unterminated_quote() -> str:
    return csv_text([{**JUD, "person_id": IDENTIFIER}]) + BROKEN


def quality_file(env, source: str) -> str:
    return (env.reports / "restricted" / "quality" / MONTH / f"quality-{SOURCES[source].agency}.csv").read_text()


def database_bytes(env) -> bytes:
    return b"".join(p.read_bytes().lower() for p in (env.warehouse, Path(f"{env.warehouse}.wal")) if p.exists())


def findings(result) -> list[str]:
    return [line.strip() for line in result.stdout.splitlines() if line.startswith("  [")]


# ------------------------------------------------------------------------------------------- the rule
@pytest.mark.parametrize("value, shown", [
    ("Prishtinaa", "Prishtinaa"),  # a typo: shown, the agency can correct it
    ("x" * 30, "x" * 30),
    ("x" * 31, "[masked: 31 characters: letters]"),
    ("12345", "12345"),
    ("2024-13-45", "2024-13-45"),
    ("1187339021", "[masked: 10 characters: digits]"),
    ("+383 44 987123", "[masked: 14 characters: digits, spaces, symbols]"),
    ("１２３４５６", "[masked: 6 characters: digits]"),  # fullwidth digits are digits too
    ("a\u200bb", "a\u200bb"),
    ("\u200b" * 31, "[masked: 31 characters: invisible or control characters]"),
])
def test_what_the_rule_shows_of_a_value(value, shown):
    assert rejected.shown(value) == shown


def test_an_unterminated_quote_keeps_the_identifier_out_of_quarantine_quality_files_and_the_database(env, refresh,
                                                                                                     query, cli):
    env.deliver(MONTH, judgments=judgments_with_an_unterminated_quote())
    refresh()
    assert query("""select line, "column", value, reason from quarantine where "check" = 'max_length'""") == [
        (3, "prosecution_id", SWALLOWED, f"prosecution_id {SWALLOWED}: The value is longer than 40 characters: "
                                         "send the identifier as recorded in the case file.")]
    assert IDENTIFIER.lower() not in repr(dump(env.warehouse)).lower()
    assert IDENTIFIER.lower().encode() not in database_bytes(env)
    quality = quality_file(env, "judgments")
    assert IDENTIFIER.lower() not in quality.lower()
    assert [(r["column"], r["value"]) for r in csv.DictReader(io.StringIO(quality)) if r["check"] == "max_length"] \
        == [("prosecution_id", SWALLOWED)]
    result = cli("audit")
    assert result.stdout.splitlines()[0].endswith(": no findings"), result.stdout


def test_a_reload_with_the_corrected_file_leaves_no_clear_value_in_the_database_file(env, refresh, cli):
    env.deliver(MONTH, judgments=judgments_with_an_unterminated_quote())
    refresh()
    env.deliver(MONTH, judgments=[{**JUD, "person_id": IDENTIFIER}, {**JUD, "judgment_id": "P-1"}])
    refresh("--reload", MONTH)
    assert IDENTIFIER.lower().encode() not in database_bytes(env)
    result = cli("audit")
    assert result.exit_code == 0, result.stdout
    assert re.search(r"identifier \(database file\): \d+ identifier\(s\) searched for in the bytes of 1 file\(s\)",
                     result.stdout)


def test_the_audit_finds_an_identifier_left_in_freed_blocks_of_the_database_file(env, refresh, cli):
    env.deliver(MONTH, judgments=judgments_with_an_unterminated_quote())
    refresh()
    swallowed = BROKEN.split('"', 1)[1].strip()
    for sql in ("""insert into quarantine (load_id, month, source, file, line, "column", "check", value, reason,
                   record_key) values (1, '2024-01', 'judgments', '2024-01/judgments.csv', 3, 'prosecution_id',
                   'max_length', ?, 'r', '')""", "delete from quarantine where reason = 'r'"):
        con = duckdb.connect(str(env.warehouse))  # as a warehouse loaded before the rule: stored, then reloaded
        con.execute(sql, [swallowed] if "?" in sql else [])
        con.execute("checkpoint")
        con.close()
    assert IDENTIFIER.lower().encode() in database_bytes(env)  # no table holds it, the file's bytes do
    result = cli("audit")
    assert findings(result) == [
        f"[identifier] file {env.warehouse}: its bytes hold 1 identifier(s) in clear text that no table holds, e.g. "
        "a person_id of raw/2024-01/judgments.csv line 2: they are in blocks DuckDB freed without overwriting them: "
        "rebuild the warehouse from raw/ (move warehouse/ aside, run `tipstats refresh`, `tipstats audit`, then "
        "delete the old folder)"]
    assert result.exit_code == 1 and IDENTIFIER.lower() not in result.stdout.lower()


def test_the_audit_checks_the_rule_on_every_quarantine_and_warnings_row(env, refresh, cli):
    env.deliver(MONTH, judgments=judgments_with_an_unterminated_quote())
    refresh()
    swallowed = BROKEN.split('"', 1)[1][:38]
    con = duckdb.connect(str(env.warehouse))  # values stored in clear, as before the rule
    rows = [(3, "prosecution_id", swallowed, f"prosecution_id {swallowed!r}: too long"),
            (4, "court", "1187339", "court '1187339': not in the code list"),
            (5, "verdict", IDENTIFIER.lower(), "verdict 'personx123': not in the code list"),
            (6, "sex", SWALLOWED, f"sex {swallowed!r}: not in the code list")]
    for line, column, value, reason in rows:
        con.execute("""insert into quarantine (load_id, month, source, file, line, "column", "check", value, reason,
                       record_key) values (1, '2024-01', 'judgments', '2024-01/judgments.csv', ?, ?, 'code_list', ?,
                       ?, 'judgment_id=P-1 person_id=***')""", [line, column, value, reason])
    con.execute("""insert into warnings (load_id, month, file, "check", value, reason)
                   values (1, '2024-01', '2024-01/x', 'ignored_file', ?, 'r')""", [swallowed])
    con.close()
    result = cli("audit")
    masking = [f for f in findings(result) if f.startswith("[masking]")]
    rule = "breaks the rule for rejected values"
    reload = "run `tipstats refresh --reload 2024-01` to store it masked"
    assert masking == [
        f"[masking] warehouse table quarantine, file 2024-01/judgments.csv, line 3, column prosecution_id: value "
        f"shown in clear {rule} (longer than 30 characters): {reload}",
        f"[masking] warehouse table quarantine, file 2024-01/judgments.csv, line 4, column court: value shown in "
        f"clear {rule} (a run of 6 or more digits): {reload}",
        f"[masking] warehouse table quarantine, file 2024-01/judgments.csv, line 5, column verdict: value shown in "
        f"clear {rule} (an identifier sent in raw/): {reload}",
        f"[masking] warehouse table quarantine, file 2024-01/judgments.csv, line 6, column sex: a value quoted in the "
        f"reason shown in clear {rule} (longer than 30 characters): {reload}",
        f"[masking] warehouse table warnings, file 2024-01/x, line -, column -: value shown in clear {rule} (longer "
        f"than 30 characters): {reload}",
    ]
    assert result.exit_code == 1 and IDENTIFIER.lower() not in result.stdout.lower()


# ---------------------------------------------------------------------------- code columns, validate
@pytest.mark.parametrize("source, column, value, shown", [
    ("investigations", "region", "1187339021", "[masked: 10 characters: digits]"),  # a personal number
    ("investigations", "sex", "+383 44 987123", "[masked: 14 characters: digits, spaces, symbols]"),  # a phone
    ("judgments", "verdict", "Agimzana Berishova, Rruga Nënë Tereza", "[masked: 37 characters: letters, spaces, "
                                                                      "punctuation]"),  # name and address
    # a name alone is no identifier of the file and fits the length of a code: the rule cannot tell it from a
    # typo, and it is shown (the name column itself is dropped unread)
    ("victims", "identified_by", "Agimzana Berishova", "Agimzana Berishova"),
])
def test_a_personal_value_in_a_code_column_is_masked_in_validate(env, cli, source, column, value, shown):
    from conftest import DEFAULTS

    path = env.deliver(MONTH, **{source: [{**DEFAULTS[source], column: value}]}) / f"{source}.csv"
    report = json.loads(cli("validate", path, "--json").stdout)["files"][0]
    (error,) = report["errors"]
    said = shown if shown.startswith("[masked") else repr(shown)
    assert (error["column"], error["value"]) == (column, shown)
    assert error["reason"].startswith(f"{column} {said}: not in the code list")
    text = cli("validate", path).stdout
    assert f"  line 2: [code_list] {column} {said}: not in the code list" in text
    if shown != value:
        assert value not in json.dumps(report, ensure_ascii=False) and value not in text


def test_an_identifier_of_the_file_in_another_column_is_masked(env, refresh, query, cli):
    victims = [VIC, {**VIC, "case_id": "PR-09/2024", "identified_by": " victim-0007 "}]
    path = env.deliver(MONTH, victims=victims) / "victims.csv"
    masked = "[masked: 11 characters: letters, digits, punctuation]"
    report = json.loads(cli("validate", path, "--json").stdout)["files"][0]
    reason = (f"identified_by {masked}: not in the code list (police, border_police, prosecution, ngo, "
              "social_services, labour_inspectorate, other)")
    assert [(e["line"], e["value"], e["reason"]) for e in report["errors"]] == [(3, masked, reason)]
    refresh()  # staged pseudonymised: the identifier is found by its pseudonym
    assert query("select line, value, reason from quarantine") == [(3, masked, reason)]
    assert "victim-0007" not in quality_file(env, "victims").lower()


def test_a_header_or_a_file_name_holding_an_identifier_is_masked(env, refresh, query, cli):
    rows = [{**INV, "person_id": "pidx7734", "PIDX7734": "x"}]
    folder = env.deliver(MONTH, investigations=rows)
    (folder / "statement 1187339021.txt").write_text("notes")
    header, name = "[masked: 8 characters: letters, digits]", "[masked: 24 characters: letters, digits, spaces, punctuation]"
    report = json.loads(cli("validate", folder, "--json").stdout)
    assert report["files"][0]["extra_columns"] == [header]
    assert report["ignored"] == [f"{MONTH}/{name}"]
    assert f"{MONTH}/{name}: not a delivery file, ignored" in cli("validate", folder).stdout
    out = refresh().stdout
    assert query("select extra_columns from load_log") == [([header],)]
    assert query("select file, value, reason from warnings") == [
        (f"{MONTH}/{name}", name, f"{name}: not a delivery file (investigations, prosecutions, judgments, victims as "
                                  ".csv or .xlsx); ignored")]
    assert "1187339021" not in out and "pidx7734" not in out.lower()


# ------------------------------------------------------------------------------------------ audit: pages
def test_the_plotly_bundle_of_a_page_is_not_searched_but_the_page_is(tmp_path):
    from plotly.offline import get_plotlyjs

    matcher = audit.Matcher({"=1+3": "a person_id of raw/2024-01/investigations.csv line 2"})
    assert matcher.find(get_plotlyjs())  # the bundle holds "=1+3": every page was a finding
    page = tmp_path / "index.html"
    page.write_text(f"<html><head><script>{get_plotlyjs()}</script></head><body><p>Total</p></body></html>")
    assert matcher.find(audit.file_text(page)) == []
    page.write_text(f"<html><head><script>{get_plotlyjs()}</script></head><body><p>x =1+3</p></body></html>")
    assert matcher.find(audit.file_text(page)) == ["=1+3"]


def test_an_identifier_of_the_file_in_a_key_column_is_masked_in_the_record_key(validate_rows):
    # the case number of a duplicated key is another row's person identifier (sent as the case_id)
    rows = [{**INV, "person_id": "PIDX7734"}, {**INV, "case_id": "pidx7734"}, {**INV, "case_id": "pidx7734"}]
    result = validate_rows("investigations", rows)
    key = "case_id=[masked: 8 characters: letters, digits] person_id=*** offence_code=CCRK2019.165.1"
    assert result.errors[["line", "check", "value", "record_key"]].values.tolist() == [
        [3, "duplicate_key", key, key], [4, "duplicate_key", key, key]]
