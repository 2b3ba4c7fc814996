"""The warehouse models read the pack's rules, not one country's: law in force, legal grounds, no mandatory
minimum against an unknown one, dotted paragraphs, the person's total term, the fine column's migration.

Each rule is shown on a tiny delivery of judgments, loaded with the real refresh into a warehouse of its own,
with the Kosovo pack as shipped or a copy of it changed for the test (statutes.csv, pack.toml, code lists).
"""
from __future__ import annotations

import csv
import re
import shutil
from collections import Counter
from pathlib import Path

import duckdb
import pytest

from conftest import DEFAULTS, JUD, PROS, csv_text, isolate, querier, write_file
from contracts import pack
from pipeline import build, load, warehouse
from pipeline.settings import SQL_DIR, Settings

REPO = Path(__file__).resolve().parents[1]
KOSOVO = REPO / "contracts" / "packs" / "kosovo"
COLUMNS = list(JUD)
TRAFFICKING = "CCRK2019.165.1"  # 60–144 months from 2019-04-14 in the shipped pack


def jud(judgment_id: str, prison: str = "", *, code: str = TRAFFICKING, offence_date: str = "2022-01-01",
        suspended: str = "", mitigation: str = "", plea: str = "", total: str = "", person: str | None = None) -> dict:
    return {**JUD, "judgment_id": judgment_id, "prosecution_id": "", "person_id": person or f"ID-{judgment_id}",
            "offence_code": code, "offence_date": offence_date, "judgment_date": "2022-06-01", "final": "false",
            "prison_months": prison, "suspended": suspended, "fine_eur": "", "mitigation": mitigation,
            "plea_agreement": plea, "total_prison_months": total}


def refreshed(root: Path, rows: list[dict], **sources: list[dict]):
    """A warehouse under `root` loaded from one month of judgments (`rows`) and of any other `sources`, none
    rejected; its query function."""
    with pytest.MonkeyPatch.context() as mp:
        isolate(mp, root, root / "raw")
        for source, content in {"judgments": rows, **sources}.items():
            columns = COLUMNS if source == "judgments" else list(DEFAULTS[source])
            write_file(root / "raw" / "2022-12" / f"{source}.csv", csv_text(content, columns=columns))
        settings = Settings.from_env()
        report = load.refresh(settings)
        assert [f.result.rows_rejected for m in report.months for f in m.files] == [0] * (1 + len(sources))
        return querier(settings.warehouse)


@pytest.fixture
def pack_copy(tmp_path):
    """A copy of the Kosovo pack to change; the test puts it in use (pack.use), the finalizer restores."""
    copy = tmp_path / "packs" / "kosovo"
    shutil.copytree(KOSOVO, copy)
    yield copy
    pack.use(None)


def edit_statutes(folder: Path, change) -> None:
    """Rewrite statutes.csv: `change(rows)` returns the new list of rows (dicts)."""
    path = folder / "statutes.csv"
    with open(path, newline="", encoding="utf-8") as f:
        reader = csv.DictReader(f)
        columns, rows = reader.fieldnames, list(reader)
    with open(path, "w", newline="", encoding="utf-8") as f:
        writer = csv.DictWriter(f, columns, lineterminator="\n")
        writer.writeheader()
        writer.writerows(change(rows))


def edit_text(path: Path, old: str, new: str) -> None:
    text = path.read_text(encoding="utf-8")
    assert text.count(old) == 1, old
    path.write_text(text.replace(old, new), encoding="utf-8")


def provision(rows: list[dict], statute_id: str) -> dict:
    [row] = [r for r in rows if ".".join(filter(None, (r["law"], r["article"], r["paragraph"]))) == statute_id]
    return row


# -------------------------------------------------------------------------------------- no country in SQL
def test_the_warehouse_sql_names_no_country():
    found = [f"{p.relative_to(SQL_DIR)}:{n}: {line.strip()}" for p in sorted(SQL_DIR.rglob("*.sql"))
             for n, line in enumerate(p.read_text().splitlines(), 1)
             if re.search(r"'XK'|'SPRK'|'APP'|'SUP'|CCRK|PCCK|Kosovo", line)]
    assert found == []


# ------------------------------------------------------------------------------ courts, offices, citizens
def test_courts_offices_and_national_citizenship_come_from_the_pack(tmp_path, pack_copy):
    """Changed pack: the special office's cases go to court GJ; a basic court DE more; only AL citizens are
    national."""
    edit_text(pack_copy / "codes" / "region.csv", "SPRK,Special Prosecution Office,special_office,,",
              "SPRK,Special Prosecution Office,special_office,,GJ")
    with open(pack_copy / "codes" / "region.csv", "a", encoding="utf-8") as f:
        f.write("DE,Deçan,basic,,\n")
    edit_text(pack_copy / "pack.toml", 'national = ["XK"]', 'national = ["AL"]')
    pack.use(str(pack_copy))
    query = refreshed(
        tmp_path, [jud("J-XK"), {**jud("J-AL"), "citizenship": "AL"}],
        prosecutions=[{**PROS, "prosecution_id": f"PP-{n}", "case_id": "", "person_id": f"P-{n}",
                       "office": office, "court": court, "decided_on": "2022-06-01"}
                      for n, office, court in [(1, "SPRK", ""), (2, "SPRK", "PE"), (3, "MI", "")]])
    assert query("select prosecution_id, office, court from int_prosecution_units order by prosecution_id") == [
        ("PP-1", "SPRK", "GJ"), ("PP-2", "SPRK", "PE"), ("PP-3", "MI", "MI")]
    assert query("""select judgment_id, citizenship_group from int_judgment_units u
                    join mart_units_persons m on m.unit_id = u.judgment_id || ' ' || u.person_key
                    where m.figure = 'convicted_persons' order by judgment_id""") == [
        ("J-AL", "national"), ("J-XK", "foreign")]
    assert query("""select court from mart_backlog where year = 2022 order by court_order, court""") == [
        ("PR",), ("PZ",), ("PE",), ("GJ",), ("MI",), ("FE",), ("GL",), ("DE",), ("unknown",), ("all",)]


# -------------------------------------------------------------------------------------------- law in force
def two_versions(rows: list[dict]) -> list[dict]:
    """CCRK2019.165.1 amended: 60–144 until 2021-12-31, then 36–144 (a later, more lenient law)."""
    old = provision(rows, TRAFFICKING)
    new = {**old, "valid_from": "2022-01-01", "valid_to": "", "min_months": "36"}
    old["valid_to"] = "2021-12-31"
    return [*rows, new]


LAW_ROWS = [
    jud("J-LATER", "48", offence_date="2020-06-01"),       # committed under the old version, judged under the new
    jud("J-NODATE", "48", offence_date=""),                 # no offence date: the versions differ, range unknown
    jud("J-NEW", "40", offence_date="2022-03-01"),          # committed under the new version
    jud("J-2012", "48", offence_date="2018-06-01"),         # committed under CCRK2012.171.1 (60–144)
]
NO_DATE = ("J-NODATE", TRAFFICKING, None, None, "range_unknown", True, False)


@pytest.mark.parametrize("in_force, expected", [
    ("most_lenient", [
        ("J-2012", TRAFFICKING, "2022-01-01", 36, "within_range", False, False),
        ("J-LATER", TRAFFICKING, "2022-01-01", 36, "within_range", False, False),
        ("J-NEW", TRAFFICKING, "2022-01-01", 36, "within_range", False, False),
        NO_DATE,
    ]),
    ("offence_time", [
        ("J-2012", "CCRK2012.171.1", "2013-01-01", 60, "below_minimum_no_ground", False, True),
        ("J-LATER", TRAFFICKING, "2019-04-14", 60, "below_minimum_no_ground", False, False),
        ("J-NEW", TRAFFICKING, "2022-01-01", 36, "within_range", False, False),
        NO_DATE,
    ]),
])
def test_law_in_force_follows_the_pack_and_versions_of_one_provision(tmp_path, pack_copy, in_force, expected):
    edit_statutes(pack_copy, two_versions)
    edit_text(pack_copy / "pack.toml", 'in_force = "most_lenient"', f'in_force = "{in_force}"')
    pack.use(str(pack_copy))
    query = refreshed(tmp_path, LAW_ROWS)
    assert query("""select judgment_id, law_applied, strftime(version_from, '%Y-%m-%d'), min_months, category,
                           on_charged_version, other_version_applied
                    from mart_sentences where basis = 'first' order by judgment_id""") == expected
    # the provision is looked up once: its versions differ, so its range waits for the offence date
    assert query("""select offence_code, lookup, min_months, max_months, range_unknown_reason from int_offences
                    where offence_code = ?""", [TRAFFICKING]) == [(TRAFFICKING, "exact", None, None, None)]
    assert query("select count(*), count(distinct judgment_id) from int_applicable_ranges") == [(4, 4)]
    assert query("select range_unknown_reason from int_applicable_ranges where judgment_id = 'J-NODATE'") == [
        ("offence date not recorded and the versions of the provision differ in range",)]
    # the report's caveat names each provision once, however many versions it has (none of them verified)
    unverified = query((SQL_DIR / "queries" / "report_unverified_statutes.sql").read_text(), {"year": 2022})
    applied = Counter(row[1] for row in expected)
    assert [(r[0], r[-1]) for r in unverified] == sorted(applied.items())


def test_offence_time_applies_no_later_law(tmp_path, pack_copy):
    """Committed before any version of the offence was in force: none applies under offence_time."""
    edit_text(pack_copy / "pack.toml", 'in_force = "most_lenient"', 'in_force = "offence_time"')
    pack.use(str(pack_copy))
    query = refreshed(tmp_path, [jud("J-EARLY", "48", offence_date="2003-01-01")])
    assert query("""select statute_id, versions_in_force, range_unknown_reason
                    from int_applicable_ranges""") == [
        (None, 0, "no version of the offence in force at the offence date")]


# -------------------------------------------------------------------------------------------- legal ground
GROUND_ROWS = [
    jud("J-PLEA", "36", plea="true"),
    jud("J-OTHER", "36", mitigation="other"),
    jud("J-COOP", "36", mitigation="cooperation"),
    jud("J-NONE", "36"),
]


@pytest.mark.parametrize("changed, expected", [
    (False, ["below_minimum_with_ground", "below_minimum_no_ground", "below_minimum_with_ground",
             "below_minimum_with_ground"]),
    (True, ["below_minimum_with_ground", "below_minimum_no_ground", "below_minimum_no_ground",
            "below_minimum_no_ground"]),
])
def test_a_legal_ground_is_what_the_pack_says(tmp_path, pack_copy, changed, expected):
    """Changed pack: a plea agreement is no ground, nor the mitigation `other`."""
    if changed:
        edit_text(pack_copy / "pack.toml", "plea_agreement_is_ground = true", "plea_agreement_is_ground = false")
        edit_text(pack_copy / "codes" / "mitigation.csv", "other,Other ground,true", "other,Other ground,false")
    pack.use(str(pack_copy))
    query = refreshed(tmp_path, GROUND_ROWS)
    # in judgment_id order: J-COOP, J-NONE, J-OTHER, J-PLEA
    assert query("""select category from mart_sentences where basis = 'first' order by judgment_id""") == [
        (c,) for c in expected]
    assert query("""select count(*) from mart_person_sentences where basis = 'first' and below_minimum""") == [(4,)]


# ------------------------------------------------------------------------------ no minimum against unknown
RELATED_NONE = "CCRK2019.243.3"   # related; its minimum made `none` (no mandatory minimum) in the copy
RELATED_UNKNOWN = "CCRK2012.231.1"  # related; its minimum made empty (unknown) in the copy


def minimum_none_and_unknown(rows: list[dict]) -> list[dict]:
    provision(rows, RELATED_NONE)["min_months"] = "none"
    provision(rows, RELATED_UNKNOWN)["min_months"] = ""
    return rows


def test_nothing_is_below_no_minimum_and_an_unknown_minimum_is_unknown(tmp_path, pack_copy):
    edit_statutes(pack_copy, minimum_none_and_unknown)
    pack.use(str(pack_copy))
    query = refreshed(tmp_path, [
        jud("R-NOPRISON", "0", code=RELATED_NONE),
        jud("R-SUSP", "24", code=RELATED_NONE, suspended="true"),
        jud("R-SHORT", "6", code=RELATED_NONE),
        jud("U-NOPRISON", "0", code=RELATED_UNKNOWN, offence_date="2019-01-01"),
    ])
    assert query("""select judgment_id, min_months, category, below_minimum from mart_sentences
                    where basis = 'first' order by judgment_id""") == [
        ("R-NOPRISON", 0, "no_prison", False), ("R-SHORT", 0, "within_range", False),
        ("R-SUSP", 0, "suspended", False), ("U-NOPRISON", None, "no_prison", False)]
    assert query("""select judgment_id, known_minimum, below_minimum from mart_person_sentences
                    where basis = 'first' order by judgment_id""") == [
        ("R-NOPRISON", True, False), ("R-SHORT", True, False), ("R-SUSP", True, False),
        ("U-NOPRISON", False, False)]
    # the histogram's bins below the minimum hold no charge; the unknown minimum is its own bin
    assert query("""select bin, n from mart_sentence_histogram
                    where basis = 'first' and year = 2022 and "group" = 'all' and n > 0""") == [
        ("≥2", 3), ("minimum unknown", 1)]
    assert query((SQL_DIR / "queries" / "report_below_minimum.sql").read_text(), {"year": 2022}) == [
        (2022, "all", 3, 0), (2022, "PR", 3, 0)]
    stats = query((SQL_DIR / "queries" / "stats_persons_below_minimum.sql").read_text(),
                  ["2022-01", "2022-12", ["related"], "total"])
    assert [row[:3] for row in stats] == [("all", 3, 0)]
    assert query("select count(*) from mart_watch_below_minimum_final") == [(0,)]


# ------------------------------------------------------------------------------------ dotted paragraphs
def test_a_paragraph_may_hold_dots():
    """The paragraph is everything after the second dot; the shipped codes parse as before."""
    con = duckdb.connect()
    build.load_reference(con)
    con.execute("insert into ref_statutes by name select 'USC18' as law, '1591' as article, 'b.1' as paragraph, "
                "'USC18.1591.b.1' as statute_id, 'USC18.1591.b.1' as offence_key, 'trafficking' as \"group\", "
                "'Sex trafficking' as title, 180.0 as min_months")
    for source in ("investigations", "prosecutions", "judgments"):
        con.execute(f"create table stg_{source} (offence_code varchar)")
    con.execute("insert into stg_judgments values ('USC18.1591.b.1'), ('USC18.1591.b'), ('CCRK2019.165.1'), "
                "('CCRK2019.165')")
    con.execute((SQL_DIR / "macros.sql").read_text())
    con.execute((SQL_DIR / "core" / "int_offences.sql").read_text())
    assert con.execute("""select offence_code, law, article, paragraph, statute_id, lookup, min_months
                          from int_offences order by offence_code""").fetchall() == [
        ("CCRK2019.165", "CCRK2019", "165", None, "CCRK2019.165.1", "article_paragraphs", 60),
        ("CCRK2019.165.1", "CCRK2019", "165", "1", "CCRK2019.165.1", "exact", 60),
        ("USC18.1591.b", "USC18", "1591", "b", None, "article_group_only", None),
        ("USC18.1591.b.1", "USC18", "1591", "b.1", "USC18.1591.b.1", "exact", 180),
    ]


# ------------------------------------------------------------------------------- the person's total term
def test_the_persons_total_term_stands_in_when_no_charge_has_one(tmp_path):
    pack.use(None)
    query = refreshed(tmp_path, [
        jud("T-TOTAL", total="48"),
        jud("T-TOTAL", code=RELATED_NONE, total="48"),
        jud("T-OWN", "70", total="100"),   # a charge has a term: the total is not read
        jud("T-NONE", "0"),
    ])
    assert query("""select judgment_id, charges, prison_months, imposed_months, category, below_minimum,
                           term_from_total
                    from mart_person_sentences where basis = 'first' order by judgment_id""") == [
        ("T-NONE", 1, 0, None, "no_prison", True, False),
        ("T-OWN", 1, 70, 70, "within_range", False, False),
        ("T-TOTAL", 2, 48, 48, "below_minimum_no_ground", True, True),
    ]
    stats = query((SQL_DIR / "queries" / "stats_persons_below_minimum.sql").read_text(),
                  ["2022-01", "2022-12", ["trafficking", "related"], "total"])
    assert stats == [("all", 3, 2, 48, 70, 0, 1, 0, 1)]


# ---------------------------------------------------------------------------------- the fine's migration
def test_a_warehouse_from_before_packs_gets_its_fine_column_renamed(tmp_path):
    path = tmp_path / "old.duckdb"
    schema = (SQL_DIR / "schema.sql").read_text()
    old_schema = schema.replace("suspended boolean, fine double,", "suspended boolean, fine_eur double,")
    old_schema = old_schema.replace("alter table judgments add column if not exists total_prison_months double;", "")
    assert old_schema != schema
    con = duckdb.connect(str(path))
    con.execute(old_schema)
    con.execute("insert into judgments (record_key, month, load_id, file_sha256, line, row_hash, withdrawn, fine_eur) "
                "values ('k', '2022-12', 1, 'sha', 1, 0, false, 1500)")
    con.close()
    for _ in range(2):  # the second connection finds the column renamed already
        con = warehouse.connect(path)
        try:
            columns = [r[0] for r in con.execute("select column_name from information_schema.columns "
                                                 "where table_name = 'judgments' and column_name like '%fine%' "
                                                 "or column_name = 'total_prison_months'").fetchall()]
            assert columns == ["fine", "total_prison_months"]
            assert con.execute("select fine, total_prison_months from judgments").fetchall() == [(1500, None)]
        finally:
            con.close()
