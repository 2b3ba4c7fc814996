"""A refresh rebuilds only the statistics its records touched (pipeline/build.py): the result must be the
statistics a whole rebuild gives, table by table, row by row."""
from __future__ import annotations

import shutil
from pathlib import Path

import duckdb
import pytest

from conftest import INV, PROS, csv_text
from contracts import SOURCES
from pipeline import build, load
from pipeline.settings import Settings

RAW = Path(__file__).resolve().parents[1] / "raw"


@pytest.fixture
def rebuilds(monkeypatch):
    """What each rebuild touched (None: rebuilt whole), in order."""
    seen = []
    whole = build.rebuild

    def spy(con, load_id=None):
        result = whole(con, load_id)
        seen.append(result)
        return result

    monkeypatch.setattr(build, "rebuild", spy)
    return seen


def differences(warehouse: Path, tmp: Path) -> dict[str, tuple[int, int]]:
    """Rebuild a copy of the warehouse whole; per model (and per version table, whose current marks the
    rebuild keeps), the rows only it has and the rows only the incrementally built warehouse has (empty: the
    same statistics)."""
    copy = tmp / "whole.duckdb"
    shutil.copy(warehouse, copy)
    con = duckdb.connect(str(copy))
    try:
        con.begin()
        assert build.rebuild(con) is None
        con.commit()
        con.execute(f"attach '{warehouse}' as incremental (read_only)")
        found = {}
        for name in [*SOURCES, *build.model_files()]:
            whole_only, incremental_only = (con.execute(
                f"select count(*) from (select * from {a}.{name} except all select * from {b}.{name})").fetchone()[0]
                for a, b in (("main", "incremental.main"), ("incremental.main", "main")))
            if whole_only or incremental_only:
                found[name] = (whole_only, incremental_only)
        return found
    finally:
        con.close()


@pytest.mark.parametrize("pinned_per_row", [build.PINNED_PER_ROW, 10**12], ids=["in place", "written anew"])
def test_month_by_month_refreshes_give_the_statistics_of_a_whole_rebuild(env, refresh, rebuilds, tmp_path,
                                                                          monkeypatch, pinned_per_row):
    # the sample's tables are small: their touched rows are replaced in place, unless deletes are made to
    # look too costly for the memory limit and every table is written anew
    monkeypatch.setattr(build, "PINNED_PER_ROW", pinned_per_row)
    months = sorted(p.name for p in RAW.iterdir() if p.is_dir())
    for month in months:
        shutil.copytree(RAW / month, env.raw / month)
    refresh(*(str(env.raw / m) for m in months[:24]))
    for month in months[24:]:  # corrections, a withdrawal, retrials, nil returns, a month as .xlsx
        refresh(str(env.raw / month))
    assert rebuilds[0] is None  # nothing built yet: whole
    assert all(t is not None for t in rebuilds[1:]) and len(rebuilds) == 13
    assert all(t["record_key"] > 0 and t["person_key"] > 0 for t in rebuilds[1:])
    # a reload forgets the month's records: those the new file no longer sends are touched too
    (env.raw / months[26] / "investigations.csv").write_text(csv_text([INV]))
    refresh("--reload", months[26])
    assert rebuilds[-1]["record_key"] > 1
    assert differences(env.warehouse, tmp_path) == {}


def test_a_corrected_case_reaches_a_prosecution_that_names_it(env, refresh, rebuilds, query, tmp_path):
    # the defendant is not among the case's investigated persons: the prosecution reads the case's form
    env.deliver("2024-01", investigations=[INV], prosecutions=[{**PROS, "person_id": "9990001"}])
    env.deliver("2024-02", investigations=[{**INV, "exploitation_form": "labour"}])
    refresh(str(env.raw / "2024-01"))
    assert query("select exploitation_form from int_prosecution_units") == [("sexual",)]
    refresh(str(env.raw / "2024-02"))
    assert rebuilds[-1] == {"record_key": 1, "case_id": 1, "person_key": 2}
    assert query("select exploitation_form from int_prosecution_units") == [("labour",)]
    assert differences(env.warehouse, tmp_path) == {}


def test_other_models_or_data_pack_rebuild_everything(env, refresh, rebuilds, query):
    env.deliver("2024-01", investigations=[INV])
    env.deliver("2024-02", investigations=[{**INV, "case_id": "PR-02/2024"}])
    refresh(str(env.raw / "2024-01"))
    con = duckdb.connect(str(env.warehouse))
    con.execute("update meta set value = 'another' where name = ?", [build.FINGERPRINT])
    con.close()
    refresh(str(env.raw / "2024-02"))
    assert rebuilds == [None, None]
    assert query("select case_id from int_investigated_cases order by 1") == [("PR-01/2024",), ("PR-02/2024",)]
    assert query("select count(*) from meta where name = ? and value = 'another'", [build.FINGERPRINT]) == [(0,)]
    assert query("select count(*) from information_schema.tables where table_name = ?", [build.TOUCHED]) == [(0,)]


def test_an_earlier_first_month_rebuilds_everything(env, refresh, rebuilds, query):
    # the backlog leaves out what was indicted before the first month the prosecutions delivered: a month
    # delivered late, earlier than that, changes the events of defendant-cases it does not touch
    env.deliver("2024-02", prosecutions=[PROS])  # indicted 2024-01-20
    refresh(str(env.raw / "2024-02"))
    assert query("select left_out from int_backlog_events") == [("indicted before the first delivered month",)]
    env.deliver("2024-01", prosecutions=[{**PROS, "prosecution_id": "PPS-PR-09/2024", "person_id": "9990001"}])
    refresh(str(env.raw / "2024-01"))
    assert rebuilds == [None, None]
    assert query("select prosecution_id, left_out from int_backlog_events order by 1") == [
        ("PPS-PR-01/2024", None), ("PPS-PR-09/2024", None)]


def test_a_failed_incremental_rebuild_leaves_the_statistics_as_they_were(env, refresh, cli, query, monkeypatch):
    env.deliver("2024-01", investigations=[INV])
    refresh()
    before = query("select * from int_investigated_persons")
    env.deliver("2024-02", investigations=[{**INV, "region": "PZ"}])
    whole = build._rebuild_touched

    def fail_at_persons(con, model, sql, column, room):
        room = whole(con, model, sql, column, room)
        if model.name == "int_investigated_persons":
            raise duckdb.IOException("disk full")
        return room

    monkeypatch.setattr(build, "_rebuild_touched", fail_at_persons)
    with pytest.raises(RuntimeError, match="model core/int_investigated_persons.sql: disk full"):
        load.refresh(Settings.from_env())
    assert query("select * from int_investigated_persons") == before
    assert query("select count(*) from loads") == [(1,)]


def test_a_reload_that_no_longer_sends_a_record_takes_its_person_out_of_the_statistics(env, refresh, rebuilds, query,
                                                                                     tmp_path):
    # the record's only version goes with the forgotten month: no current row is left to name its person, so
    # the person is read off the current rows before the month is forgotten
    other = {**INV, "case_id": "PR-02/2024", "person_id": "7770001"}
    env.deliver("2024-01", investigations=[INV, other])
    refresh(str(env.raw / "2024-01"))
    assert query("select count(*) from int_investigated_persons") == [(2,)]
    (env.raw / "2024-01" / "investigations.csv").write_text(csv_text([INV]))
    refresh("--reload", "2024-01")
    assert rebuilds[-1] == {"record_key": 2, "case_id": 2, "person_key": 2}
    assert query("select count(*) from int_investigated_persons") == [(1,)]
    assert query("select count(*) from investigations where current") == [(1,)]
    assert differences(env.warehouse, tmp_path) == {}
