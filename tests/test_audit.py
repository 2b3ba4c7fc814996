"""`tipstats audit`: no clear identifier anywhere, no key in the repository, masked quarantine, no pseudonym
or case number in public outputs, and a load log and marts that reconcile. Exit 0 with a summary; exit 1 with
every finding (check, where, what), the identifier itself never shown."""
from __future__ import annotations

import re
import shutil
import struct
import subprocess
import zlib
from pathlib import Path

import duckdb
import pytest
from conftest import INV, JUD, PROS, TEST_KEY, VIC, Env, isolate, xlsx_bytes
from typer.testing import CliRunner

from pipeline import audit, pseudonym
from pipeline.cli import app

PERSON = "PID 7734-QX"
VICTIM = "VIC-55190-ZK"
JUDGE = "JDG-ZETA-8812"
# personal columns dropped on read (the pack's codes/pii_columns.csv): names, address, birth date
NAMES = {"Emri": "Agimzana", "Mbiemri": "Berishova", "Full Name": "Agimzana  Berishova", "DOB": "15.03.1979",
         "Adresa": "Rruga Nënë Tereza 17"}
# weak values, matched only as whole cells: a short judge id mixing letters and digits, a short number, a
# short name, a name that is a word the pipeline writes ("mark")
SHORT_JUDGE, SHORT_NUMBER, SHORT_NAME, WORD_NAME = "K9", "4711", "Ana", "Mark"
CLEAR = [PERSON, "PID7734-QX", "pid7734-qx", VICTIM, JUDGE, "1187339021", "Agimzana", "Berishova", "15.03.1979",
         "1979-03-15", "Tereza 17"]
CHECKS = ("identifier", "identifier (database file)", "key", "masking", "public", "load_log", "marts", "quality",
          "reports")


def deliver(env: Env) -> None:
    """Two months with identifiers in every person column, an identifying column, quarantined rows, an
    empty file."""
    env.deliver(
        "2024-01",
        investigations=[{**INV, "person_id": PERSON, "personal_no": "1187339021", **NAMES},
                        {**INV, "case_id": "PR-02/2024", "person_id": PERSON, "sex": "Q"}],
        prosecutions=[{**PROS, "person_id": "pid7734-qx"}, {**PROS, "person_id": "x" * 41}],
        judgments=[{**JUD, "person_id": PERSON, "judge_id": JUDGE},
                   {**JUD, "person_id": PERSON, "judge_id": SHORT_JUDGE, "instance": "appeal", "court": "APP",
                    "verdict": "guilty"}],
        victims=[{**VIC, "victim_id": VICTIM, "Emri": SHORT_NAME, "jmbg": SHORT_NUMBER},
                 {**VIC, "victim_id": VICTIM, "case_id": "PR-09/2024", "age": "200", "Emri": "unknown"}],
    )
    env.deliver("2024-02", investigations=[{**INV, "person_id": PERSON, "status": "closed", "status_on": "2024-02-02",
                                            "first_name": WORD_NAME}],
                victims=b"")


@pytest.fixture(scope="module")
def template(tmp_path_factory):
    """The deliveries loaded once (raw/, warehouse, reports/); each test gets its own copy."""
    root = tmp_path_factory.mktemp("audit-template")
    env = Env(root, root / "raw", root / "warehouse" / "tipstats.duckdb", root / "reports")
    deliver(env)
    with pytest.MonkeyPatch.context() as patch:
        isolate(patch, env.root, env.raw)
        result = CliRunner().invoke(app, ["refresh"], catch_exceptions=False)
    assert result.exit_code == 0, result.output
    return env


@pytest.fixture
def loaded(env, template):
    for name in ("raw", "warehouse", "reports"):
        shutil.rmtree(env.root / name, ignore_errors=True)
        shutil.copytree(template.root / name, env.root / name)
    return env


def findings(result) -> list[str]:
    return [line.strip() for line in result.stdout.splitlines() if line.startswith("  [")]


def no_identifier_shown(result) -> None:
    text = result.stdout + result.stderr
    for secret in CLEAR + [TEST_KEY]:
        assert secret.lower() not in text.lower(), secret


def tamper(env, *statements: str) -> None:
    con = duckdb.connect(str(env.warehouse))
    try:
        for sql in statements:
            con.execute(sql)
    finally:
        con.close()


# ------------------------------------------------------------------------------------------------ clean
def test_a_clean_warehouse_passes_with_a_summary_of_what_was_checked(loaded, cli):
    result = cli("audit")
    assert result.exit_code == 0, result.stdout
    lines = result.stdout.splitlines()
    assert lines[0] == f"Audit of {loaded.warehouse}: no findings"
    assert [line.split(":")[0].strip() for line in lines[1:]] == list(CHECKS)
    # PID 7734-QX (sent and normalised), the victim, the judge, the personal number, a 41-character id; the
    # first name, the last name, the full name, the address, the birth date as sent and as YYYY-MM-DD; K9,
    # 4711, Ana and Mark as whole cells only; "unknown" not at all
    assert re.search(r"identifier: 6 identifier\(s\) and 6 personal detail\(s\) \(names, addresses, birth dates\) "
                     r"sent in 6 raw file\(s\), searched for in \d+ text column\(s\) of the warehouse and 6 of 6 "
                     r"file\(s\) .* \(1 raw file\(s\) unreadable\); 4 short or common-word value\(s\) matched only "
                     r"as whole cells; 1 code word\(s\) or placeholder\(s\) not searched\n", result.stdout)
    assert ("load_log: 6 file(s) of the load log checked; 6 raw file(s) and 9 row(s) of 2 loaded month(s) compared "
            "with it") in result.stdout
    assert "quality: 6 of 6 quality file(s) present" in result.stdout
    assert "marts: 7 figures' units compared with the core tables and current records" in result.stdout
    no_identifier_shown(result)


def test_the_committed_sample_passes(env, cli, monkeypatch):
    monkeypatch.setenv("TIPSTATS_REPORT_ON_REFRESH", "0")
    shutil.rmtree(env.raw)
    shutil.copytree(Path(__file__).resolve().parents[1] / "raw", env.raw)
    assert cli("refresh").exit_code == 0
    result = cli("audit")
    assert result.exit_code == 0, result.stdout
    # the sample's one file with a name column (2024-10/victims.csv, "Emri"): its 5 names are searched too
    assert re.search(r"identifier: 333 identifier\(s\) and 5 personal detail\(s\) \(names, addresses, birth dates\) "
                     r"sent in 143 raw file\(s\)", result.stdout)
    assert "143 raw file(s) and 623 row(s) of 36 loaded month(s) compared with it" in result.stdout


def test_the_reports_of_a_refresh_pass(env, cli, monkeypatch):
    """With the reports `refresh` writes (public editions, charts, tables): nothing restricted in public, and
    no name, birth date or short identifier (whole cells of the tables) found by chance."""
    monkeypatch.setenv("TIPSTATS_REPORT_ON_REFRESH", "1")
    env.deliver("2024-01", investigations=[{**INV, **NAMES}, {**INV, "case_id": "PZ-02/2024", "person_id": "5550001"},
                                           {**INV, "case_id": "PZ-03/2024", "person_id": "K9", "Emri": "Ana"}],
                prosecutions=[PROS], judgments=[{**JUD, "judge_id": "J7"}],
                victims=[{**VIC, "victim_id": "V1", "first_name": "Mark", "dob": "2007-01-06"}])
    assert cli("refresh").exit_code == 0
    written = {p.suffix for p in env.reports.rglob("*") if p.is_file()}
    assert {".html", ".csv", ".xlsx"} <= written, "no report written: nothing was audited"
    result = cli("audit")
    assert result.exit_code == 0, result.stdout
    assert re.search(r"identifier: \d+ identifier\(s\) and 8 personal detail\(s\) .*; 5 short or common-word "
                     r"value\(s\) matched only as whole cells", result.stdout)
    if ".png" in written:  # charts are drawn where Chromium is installed
        assert "PNG image(s): text chunks searched, pixels not read (no OCR)" in result.stdout


def test_without_a_warehouse(env, cli):
    result = cli("audit")
    assert (result.exit_code, result.stderr) == (2, f"error: no warehouse at {env.warehouse}: run `tipstats refresh` first\n")


# ---------------------------------------------------------------------------------------------- identifiers
def test_an_identifier_in_a_warehouse_table_is_found_without_being_shown(loaded, cli):
    tamper(loaded, f"update warnings set reason = reason || ' (person {PERSON.lower()})' where true",
           "insert into warnings values (1, '2024-01', null, 'x', null, null, 'note', null, 'see JDG-ZETA-8812')")
    result = cli("audit")
    assert result.exit_code == 1
    assert findings(result)[0].startswith(
        "[identifier] warehouse table warnings, column reason: 1 distinct value(s) hold an identifier in clear text")
    assert "a judge_id of raw/2024-01/judgments.csv line 2" in result.stdout
    no_identifier_shown(result)


@pytest.mark.parametrize("where", ["reports/restricted/notes.txt", "reports/public/2024/public.csv",
                                   "warehouse/refresh.log", "reports/public/2024/tables.xlsx"])
def test_an_identifier_in_a_report_quality_file_or_log_is_found(loaded, cli, where):
    path = loaded.root / where
    path.parent.mkdir(parents=True, exist_ok=True)
    if path.suffix == ".xlsx":
        path.write_bytes(xlsx_bytes([["victim"], [VICTIM]]))
    else:
        path.write_text(f"note,{VICTIM.lower()}\n")
    result = cli("audit")
    assert result.exit_code == 1
    assert findings(result)[0] == (f"[identifier] file {path}: holds 1 identifier(s) in clear text, "
                                   "e.g. a victim_id of raw/2024-01/victims.csv line 2")
    no_identifier_shown(result)


def test_an_identifier_in_a_quality_file_is_found(loaded, cli):
    quality = loaded.reports / "restricted" / "quality" / "2024-01" / "quality-police.csv"
    quality.write_text(quality.read_text() + f"extra,{PERSON}\n")
    result = cli("audit")
    assert findings(result) == [(f"[identifier] file {quality}: holds 1 identifier(s) in "
                                "clear text, e.g. a person_id of raw/2024-01/investigations.csv line 2")]


def test_digits_inside_a_longer_token_are_not_an_identifier(loaded, cli):
    (loaded.reports / "restricted" / "hash.txt").write_text("a1187339021b 11873390210 x-PID7734-QXZ\n")
    assert cli("audit").exit_code == 0


# ----------------------------------------------------------------------------- names, addresses, birth dates
@pytest.mark.parametrize("where, text, found", [
    # the full name sent with two spaces, written with one: the full name, the first and the last name
    ("warehouse/refresh.log", "victim Agimzana Berishova heard\n",
     "3 identifier(s) in clear text, e.g. an emri of raw/2024-01/investigations.csv line 2"),
    ("reports/restricted/notes.md", "Surname: BERISHOVA.\n",
     "1 identifier(s) in clear text, e.g. a mbiemri of raw/2024-01/investigations.csv line 2"),
    # sent as 15.03.1979, written as the pipeline writes dates
    ("reports/public/2024/tables/people.csv", "born,n\n1979-03-15,1\n",
     "1 identifier(s) in clear text, e.g. a dob of raw/2024-01/investigations.csv line 2"),
    ("reports/public/2024/page.html", "<td>Rruga N&euml;n&euml; Tereza 17</td>",
     "1 identifier(s) in clear text, e.g. an adresa of raw/2024-01/investigations.csv line 2"),
])
def test_a_name_address_or_birth_date_sent_in_a_pii_column_is_found(loaded, cli, where, text, found):
    path = loaded.root / where
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(text, encoding="utf-8")
    result = cli("audit")
    assert result.exit_code == 1
    assert findings(result) == [f"[identifier] file {path}: holds {found}"]
    no_identifier_shown(result)


def test_a_name_in_a_warehouse_table_is_found(loaded, cli):
    tamper(loaded, "insert into warnings values (1, '2024-01', null, 'x', null, null, 'note', null, "
                   "'called agimzana berishova')")
    result = cli("audit")
    assert findings(result) == [
        ("[identifier] warehouse table warnings, column reason: 1 distinct value(s) hold an identifier in clear "
        "text: 3 identifier(s), e.g. a full_name of raw/2024-01/investigations.csv line 2")]
    no_identifier_shown(result)


def test_short_values_and_common_words_are_not_searched_in_free_text(loaded, cli):
    """Ana (short), Mark (a word the pipeline writes), 4711 (a short number), K9 (short), as tokens of text
    or as cells of columns that are not identifiers: counts, words, notes."""
    (loaded.reports / "restricted" / "notes.txt").write_text("Mark the 4711 cases of Ana, K9 unknown\n")
    (loaded.root / "warehouse" / "refresh.log").write_text("mark: ana k9 4711\n")
    (loaded.reports / "restricted" / "counts.csv").write_text("label,n\nAna,4711\nMark,1\n")
    (loaded.reports / "restricted" / "rows.csv").write_text("column,value\nage,4711\nregion,Mark\n")
    tamper(loaded, "insert into warnings values (1, '2024-01', null, 'x', null, 'region', 'note', '4711', 'Mark')")
    result = cli("audit")
    assert result.exit_code == 0, result.stdout


@pytest.mark.parametrize("where, rows, found", [
    # an identifier-bearing column (its header names a pii_columns.csv column): any weak value, whole cell
    ("reports/restricted/ids.csv", "case,jmbg\nPR-01/2024,4711\n", "a jmbg of raw/2024-01/victims.csv line 2"),
    ("reports/restricted/names.tsv", "n\tFirst Name\n1\t ana \n", "an emri of raw/2024-01/victims.csv line 2"),
    ("reports/restricted/words.csv", "first_name;n\nMARK;2\n",
     "a first_name of raw/2024-02/investigations.csv line 2"),
    # letters and digits: whole cell in any column
    ("reports/restricted/notes.csv", "note,n\nk9,3\n", "a judge_id of raw/2024-01/judgments.csv line 3"),
    # a quality file's value of a row about an identifier column
    ("reports/restricted/quality/2024-01/quality-police.csv",
     "file,line,record_key,column,check,value,reason\nx,3,k,age,range,4711,r\nx,4,k,personal_no,required,4711,r\n",
     "a jmbg of raw/2024-01/victims.csv line 2"),
])
def test_a_short_or_common_word_value_is_found_as_a_whole_cell(loaded, cli, where, rows, found):
    path = loaded.root / where
    path.write_text(rows)
    result = cli("audit")
    assert findings(result) == [f"[identifier] file {path}: holds 1 identifier(s) in clear text, e.g. {found}"]
    no_identifier_shown(result)


def test_weak_values_and_birth_dates_in_workbook_cells_are_found(loaded, cli):
    from datetime import date

    book = loaded.reports / "restricted" / "book.xlsx"
    book.write_bytes(xlsx_bytes([["RESTRICTED"], [], ["victim_id", "n", "born"], ["K9", 4711, date(1979, 3, 15)],
                                 [None, "'4711", None]]))
    result = cli("audit")
    # K9 (a cell), the birth date (a date cell: a serial number in the XML); 4711 is in no identifier column
    assert findings(result) == [(f"[identifier] file {book}: holds 2 identifier(s) in clear text, "
                                "e.g. a judge_id of raw/2024-01/judgments.csv line 3")]
    book.write_bytes(xlsx_bytes([["personal_no"], [4711.0]]))
    assert findings(cli("audit")) == [(f"[identifier] file {book}: holds 1 identifier(s) in clear text, "
                                      "e.g. a jmbg of raw/2024-01/victims.csv line 2")]


def test_weak_values_in_identifier_bearing_warehouse_cells_are_found(loaded, cli):
    tamper(loaded,
           "create table notes (person_id varchar, note varchar, tags varchar[])",
           "insert into notes values ('4711', 'see K9', ['k9']), (' Ana ', 'Mark', ['x'])",
           """insert into quarantine (load_id, month, source, file, line, "column", "check", value, reason, record_key) values (1, '2024-01', 'victims', '2024-01/victims.csv', 3, 'jmbg', 'required',
              '4711', 'r', 'case_id=PR-09/2024 victim_id=*** judge_id=k9')""",
           "insert into warnings values (1, '2024-01', null, 'x', null, 'emri', 'note', 'Mark', 'r')")
    result = cli("audit")
    assert findings(result) == [
        ("[identifier] warehouse table notes, column person_id: 2 distinct value(s) hold an identifier in clear "
        "text: 2 identifier(s), e.g. a jmbg of raw/2024-01/victims.csv line 2"),
        ("[identifier] warehouse table notes, column tags: 1 distinct value(s) hold an identifier in clear text: "
        "1 identifier(s), e.g. a judge_id of raw/2024-01/judgments.csv line 3"),
        ("[identifier] warehouse table quarantine, column value: 1 distinct value(s) hold an identifier in clear "
        "text: 1 identifier(s), e.g. a jmbg of raw/2024-01/victims.csv line 2"),
        ("[identifier] warehouse table quarantine, column record_key: 1 distinct value(s) hold an identifier in "
        "clear text: 1 identifier(s), e.g. a judge_id of raw/2024-01/judgments.csv line 3"),
        ("[identifier] warehouse table warnings, column value: 1 distinct value(s) hold an identifier in clear "
        "text: 1 identifier(s), e.g. a first_name of raw/2024-02/investigations.csv line 2"),
        ("[masking] warehouse table quarantine, column record_key: 1 row(s) show a person, victim or judge "
        "identifier unmasked"),
    ]
    assert result.exit_code == 1
    no_identifier_shown(result)


# ------------------------------------------------------------------------------------------- images, SVG
def png(*chunks: tuple[bytes, bytes], pixels: bytes = b"") -> bytes:
    """A PNG (1×1 pixel) with the given (type, body) chunks before the image data."""
    def chunk(kind: bytes, body: bytes) -> bytes:
        return struct.pack(">I", len(body)) + kind + body + struct.pack(">I", zlib.crc32(kind + body))

    header = struct.pack(">IIBBBBB", 1, 1, 8, 0, 0, 0, 0)
    return (b"\x89PNG\r\n\x1a\n" + chunk(b"IHDR", header) + b"".join(chunk(k, b) for k, b in chunks)
            + chunk(b"IDAT", zlib.compress(b"\x00\x00") + pixels) + chunk(b"IEND", b""))


@pytest.mark.parametrize("kind, body", [
    (b"tEXt", b"Title\0victim " + VICTIM.encode()),
    (b"zTXt", b"Description\0\0" + zlib.compress(b"victim " + VICTIM.lower().encode())),
    (b"iTXt", b"Comment\0\0\0sq\0Koment\0victim " + VICTIM.encode()),
    (b"iTXt", b"Comment\0\1\0\0\0" + zlib.compress(("viktima " + VICTIM).encode())),
    (b"iTXt", b"Author\0\0\0\0" + b"Agimzana Berishova"),
])
def test_an_identifier_in_the_text_chunks_of_a_png_is_found(loaded, cli, kind, body):
    path = loaded.reports / "public" / "2024" / "charts" / "funnel.png"
    path.parent.mkdir(parents=True)
    path.write_bytes(png((kind, body)))
    result = cli("audit")
    assert result.exit_code == 1
    label = ("3 identifier(s) in clear text, e.g. an emri of raw/2024-01/investigations.csv line 2" if b"Agim" in body
             else "1 identifier(s) in clear text, e.g. a victim_id of raw/2024-01/victims.csv line 2")
    assert findings(result) == [f"[identifier] file {path}: holds {label}"]
    assert "1 PNG image(s): text chunks searched, pixels not read (no OCR)" in result.stdout
    no_identifier_shown(result)


def test_the_pixels_of_a_png_are_not_read(loaded, cli):
    """Text in the image data (as drawn text would be) is not found: no OCR; the audit says so."""
    path = loaded.reports / "public" / "2024" / "charts" / "funnel.png"
    path.parent.mkdir(parents=True)
    path.write_bytes(png((b"tEXt", b"Software\0Chromium"), pixels=VICTIM.encode()))
    result = cli("audit")
    assert result.exit_code == 0, result.stdout
    assert re.search(r"identifier: .* 7 of 7 file\(s\) .*; 1 PNG image\(s\): text chunks searched, pixels not "
                     r"read \(no OCR\)\n", result.stdout)
    assert re.search(r"public: .* searched for in 1 public file\(s\) .*; 1 PNG image\(s\): text chunks searched, "
                     r"pixels not read \(no OCR\)\n", result.stdout)


def test_a_case_number_in_the_metadata_of_a_public_png_is_found(loaded, cli):
    path = loaded.reports / "public" / "2024" / "charts" / "funnel.png"
    path.parent.mkdir(parents=True)
    path.write_bytes(png((b"tEXt", b"Title\0Case PR-01/2024")))
    assert findings(cli("audit")) == [(f"[public] file {path}: public output holds 1 case number(s) (case_id): "
                                      "restricted content outside restricted/")]


@pytest.mark.parametrize("svg", [
    f'<svg xmlns="http://www.w3.org/2000/svg"><text x="1">{VICTIM}</text></svg>',
    '<svg xmlns="http://www.w3.org/2000/svg"><title>&#86;IC-55190-&#x5A;K</title></svg>',  # entities
    f'<svg xmlns="http://www.w3.org/2000/svg"><g aria-label="victim {VICTIM.lower()}"/></svg>',
])
def test_an_identifier_in_an_svg_is_found(loaded, cli, svg):
    path = loaded.reports / "public" / "2024" / "charts" / "funnel.svg"
    path.parent.mkdir(parents=True)
    path.write_text(svg)
    result = cli("audit")
    assert findings(result) == [(f"[identifier] file {path}: holds 1 identifier(s) in clear text, "
                                "e.g. a victim_id of raw/2024-01/victims.csv line 2")]
    no_identifier_shown(result)


# ------------------------------------------------------------------------------------------------------ key
def test_the_key_in_a_file_of_the_project_is_found(loaded, cli):
    (loaded.root / "notes.md").write_text(f"remember: {TEST_KEY}\n")
    result = cli("audit")
    assert findings(result) == ["[key] file notes.md: contains the pseudonymisation key"]
    no_identifier_shown(result)


def test_a_key_file_in_the_project_is_found(loaded, cli):
    (loaded.root / "config").mkdir()
    (loaded.root / "config" / "tipstats.key").write_text("something\n")
    result = cli("audit")
    assert findings(result) == ["[key] file config/tipstats.key: is a key file, in the repository"]


@pytest.mark.skipif(shutil.which("git") is None, reason="git is not installed")
def test_with_git_only_files_git_would_keep_are_searched(loaded, cli):
    project = loaded.root / "repo"
    project.mkdir()
    git = ["git", "-C", str(project), "-c", "user.name=t", "-c", "user.email=t@t", "-c", "commit.gpgsign=false"]
    subprocess.run([*git, "init", "-q"], check=True)
    (project / ".gitignore").write_text("*.key\nlocal/\n")
    (project / "settings.py").write_text(f"KEY = '{TEST_KEY}'\n")
    (project / "local").mkdir()
    (project / "local" / "copy.txt").write_text(TEST_KEY)  # ignored: never committed
    (project / "mine.key").write_text(TEST_KEY)  # ignored
    subprocess.run([*git, "add", "settings.py", ".gitignore"], check=True)
    subprocess.run([*git, "commit", "-q", "-m", "x"], check=True)
    (project / "untracked.txt").write_text(TEST_KEY)  # not ignored: the next `git add .` would commit it
    result = cli("audit", "--project", project)
    assert findings(result) == ["[key] file settings.py: contains the pseudonymisation key",
                                "[key] file untracked.txt: contains the pseudonymisation key"]
    (project / "settings.py").write_text("KEY = None\n")
    (project / "untracked.txt").unlink()
    result = cli("audit", "--project", project)
    assert result.exit_code == 0
    assert f"key: the key and key files searched for in 2 file(s) of the git repository {project}" in result.stdout


def test_a_short_key_is_a_finding(loaded, cli, monkeypatch):
    tamper(loaded, f"update meta set value = '{pseudonym.fingerprint(b'short')}' where name = 'key_fingerprint'")
    monkeypatch.setenv("TIPSTATS_KEY", "short")
    result = cli("audit")
    assert findings(result) == [("[key] the pseudonymisation key: only 5 characters long: too short to be secret "
                                "(and to be searched for); use a key of at least 32 random characters, e.g. the "
                                "generated key file")]


# -------------------------------------------------------------------------------------------------- masking
def test_an_unmasked_identifier_in_the_quarantine_is_found(loaded, cli):
    tamper(loaded, """insert into quarantine (load_id, month, source, file, line, "column", "check", value, reason, record_key) values (1, '2024-01', 'investigations', '2024-01/investigations.csv',
                      3, 'person_id', 'required', 'Z9', 'r', 'case_id=PR-01/2024 person_id=Z9 offence_code=X')""")
    result = cli("audit")
    assert findings(result) == [
        "[masking] warehouse table quarantine, column value: 1 row(s) show a person, victim or judge identifier unmasked",
        "[masking] warehouse table quarantine, column record_key: 1 row(s) show a person, victim or judge identifier unmasked",
    ]


# --------------------------------------------------------------------------------------------------- public
def test_pseudonyms_and_case_numbers_in_public_outputs_are_found(loaded, cli, query):
    (person,) = query("select distinct person_key from investigations")[0]
    public = loaded.reports / "public" / "2024" / "tables"
    public.mkdir(parents=True)
    (public / "units.csv").write_text(f"unit,n\nPR-01/2024 {person},1\n")
    (public / "page.html").write_text("<td>P-PR-07/2024</td>")
    (public / "book.xlsx").write_bytes(xlsx_bytes([["judge"], [query("select judge_key from judgments")[0][0]]]))
    restricted = loaded.reports / "restricted" / "2024"
    restricted.mkdir(parents=True)
    (restricted / "units.csv").write_text(f"PR-01/2024 {person}\n")  # restricted: allowed
    (public / "chart.png").write_bytes(b"\x89PNG\r\n\x1a\n\x00\x00PR-01/2024")  # an image: not inspectable
    result = cli("audit")
    assert findings(result) == [
        (f"[public] file {public / 'book.xlsx'}: public output holds 1 pseudonym(s) (judge_key): "
        "restricted content outside restricted/"),
        (f"[public] file {public / 'page.html'}: public output holds 1 case number(s) (judgment_id): "
        "restricted content outside restricted/"),
        (f"[public] file {public / 'units.csv'}: public output holds 1 case number(s) (case_id), "
        "1 pseudonym(s) (person_key): restricted content outside restricted/"),
    ]
    assert "(1 image or other binary file(s) not inspectable)" in result.stdout
    assert person not in result.stdout and "PR-01/2024" not in result.stdout


@pytest.mark.parametrize("where, content, why", [
    ("public/2024/restricted/report.html", "<p>internal</p>", "in a restricted folder"),
    ("public/2024/suppression.csv", "table,code,column,status\n", "a suppression list"),
    ("public/2024/quality-police.xlsx", None, "a quality file"),
    ("public/2024/tip-summary.md", "**RESTRICTED**\n\nIn 2024, police investigated", "marked RESTRICTED"),
    ("2024/restricted/tables.xlsx", None, "in a restricted folder"),  # the layout before public/ and restricted/
])
def test_restricted_material_outside_the_restricted_folder_is_found(loaded, cli, where, content, why):
    path = loaded.reports / where
    path.parent.mkdir(parents=True, exist_ok=True)
    if content is None:
        path.write_bytes(xlsx_bytes([["RESTRICTED"], ["month", "line"]]))
    else:
        path.write_text(content, encoding="utf-8")
    result = cli("audit")
    assert result.exit_code == 1
    assert findings(result) == [f"[reports] file {path}: restricted material ({why}) outside "
                                f"{loaded.reports / 'restricted'}: move it there"]


def test_restricted_material_in_the_restricted_folder_is_no_finding(loaded, cli):
    folder = loaded.reports / "restricted" / "2024"
    folder.mkdir(parents=True, exist_ok=True)
    (folder / "suppression.csv").write_text("table,code,column,status\n")
    (folder / "tip-summary.md").write_text("**RESTRICTED**\n")
    (loaded.reports / "public" / "2024").mkdir(parents=True, exist_ok=True)
    (loaded.reports / "public" / "2024" / "tip-summary.md").write_text("In 2024, access was restricted.\n")
    result = cli("audit")
    assert result.exit_code == 0, result.stdout
    assert re.search(rf"reports: 0 edition\(s\) left incomplete; \d+ file\(s\) outside "
                     rf"{re.escape(str(loaded.reports / 'restricted'))} searched for restricted material", result.stdout)


# ------------------------------------------------------------------------------------------------- load log
def test_a_load_log_that_does_not_add_up_is_found(loaded, cli):
    tamper(loaded, "update load_log set rows_new = rows_new + 1 where file = '2024-01/victims.csv'")
    assert findings(cli("audit")) == [
        ("[load_log] load_log, file 2024-01/victims.csv (load 1): rows read 2 <> new + replacing + unchanged + "
        "stored not current + quarantined = 3"),
        "[load_log] warehouse table victims, month 2024-01 (load 1): 1 version(s) stored, the load log counts 2",
    ]


def test_versions_or_quarantine_rows_the_load_log_does_not_count_are_found(loaded, cli):
    tamper(loaded, "delete from investigations where month = '2024-02'",
           "delete from quarantine where source = 'judgments'")
    assert findings(cli("audit")) == [
        "[load_log] warehouse table investigations, month 2024-02 (load 1): 0 version(s) stored, the load log counts 1",
        ("[load_log] warehouse table quarantine, file 2024-01/judgments.csv (load 1): 0 line(s) quarantined, the "
        "load log counts 1"),
        # the current records are the version table's (stg_* are views over it): the statistics built from the
        # deleted version no longer agree with them
        "[marts] mart_units, figure investigated_cases: 1 unit(s), the core table has 1, the current records give 0",
        "[marts] mart_units, figure investigated_persons: 1 unit(s), the core table has 1, the current records give 0",
    ]


def test_raw_files_not_accounted_for_are_found(loaded, cli):
    loaded.deliver("2024-01", investigations=[INV])  # changed after it was loaded
    loaded.deliver("2024-02", judgments=[JUD])  # arrived, not loaded yet
    (loaded.raw / "2024-02" / "victims.csv").unlink()  # loaded (refused: empty), gone from raw/
    loaded.deliver("2024-03", victims=[VIC])  # a new month: not loaded yet, not a finding
    result = cli("audit")
    assert findings(result) == [
        ("[load_log] raw/2024-01/investigations.csv: changed since it was loaded (raw/ is never modified): run "
        "`tipstats refresh --reload 2024-01` if the new file is right"),
        "[load_log] raw/2024-02/judgments.csv: a file of a loaded month not in the load log: run `tipstats refresh`",
        "[load_log] raw/2024-02/victims.csv: loaded, but no longer in raw/ (raw/ is never modified)",
    ]
    assert "1 month folder(s) in raw/ not loaded yet" in result.stdout


# ---------------------------------------------------------------------------------------------------- marts
def test_a_published_count_that_is_not_re_derived_is_found(loaded, cli):
    tamper(loaded, """update mart_counts set n = n + 1 where figure = 'investigated_cases' and period_type = 'year'
                      and "group" = 'all' and dimension = 'total'""")
    assert findings(cli("audit")) == [
        "[marts] mart_counts, investigated_cases year 2024 group all, total = all: n = 2, re-derived from mart_units: 1"]


def test_units_missing_from_the_marts_are_found(loaded, cli):
    tamper(loaded, "delete from mart_units_victims")
    result = findings(cli("audit"))
    assert result[0] == ("[marts] mart_units, figure victims_identified: 0 unit(s), the core table has 1, the current "
                         "records give 1")
    assert len(result) == 22 and result[-1] == "[marts] mart_counts: 16 more count(s) not re-derived from mart_units"
    assert all(f.startswith("[marts] mart_counts, victims_identified ") for f in result[1:-1])


# -------------------------------------------------------------------------------------------------- quality
def test_a_missing_quality_file_is_found(loaded, cli):
    quality = loaded.reports / "restricted" / "quality" / "2024-01" / "quality-victim-identification.csv"
    content = quality.read_bytes()
    quality.unlink()
    result = cli("audit")
    assert result.exit_code == audit.EXIT_FINDINGS == 1
    assert findings(result) == [f"[quality] file {quality}: missing: run `tipstats refresh` to write it"]
    refresh = cli("refresh")
    assert refresh.stdout.startswith("Wrote 4 quality file(s) that were missing or left unwritten")
    assert quality.read_bytes() == content
    assert cli("audit").exit_code == 0
