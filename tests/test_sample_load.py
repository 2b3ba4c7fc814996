"""The committed sample months loaded end to end: every defect the generator planted is quarantined and
nothing else, every raw row is accounted for, and no person's identifier reaches the warehouse or reports."""
from __future__ import annotations

from pathlib import Path

import duckdb
import pytest

from pipeline import load, quality
from pipeline.read import read_file
from pipeline.sample import generate
from pipeline.settings import Settings
from pipeline.validate import source_of
from conftest import isolate
from contracts.base import normalise_header

REPO = Path(__file__).resolve().parents[1]
RAW = REPO / "raw"
IDENTIFIER_COLUMNS = {"person_id", "victim_id", "judge_id", "emri", "full_name", "name"}


@pytest.fixture(scope="module")
def loaded(tmp_path_factory):
    tmp = tmp_path_factory.mktemp("sample")
    with pytest.MonkeyPatch.context() as patch:
        isolate(patch, tmp, RAW)
        settings = Settings.from_env()
        report = load.refresh(settings)
        quality.write_quality_files(settings, [m.month.month for m in report.months])
    con = duckdb.connect(str(settings.warehouse), read_only=True)
    yield settings, con
    con.close()


def test_quarantine_holds_exactly_the_planted_defects(loaded, tmp_path):
    _, con = loaded
    planted = {(d["month"], d["file"], d["line"], d["check"]) for d in generate(tmp_path / "again")}
    held = set(con.execute(
        """select distinct month, regexp_extract(file, '[^/]+$'), line, "check" from quarantine""").fetchall())
    assert held == planted
    assert len(planted) == 22


def test_every_raw_row_is_accounted_for(loaded):
    _, con = loaded
    rows = con.execute(
        """select source, sum(rows_read), sum(rows_new), sum(rows_replacing), sum(rows_unchanged),
                  sum(rows_stored_not_current), sum(rows_quarantined)
           from load_log group by source order by source""").fetchall()
    assert rows == [
        ("investigations", 294, 170, 116, 0, 0, 8),
        ("judgments", 131, 107, 15, 0, 0, 9),
        ("prosecutions", 91, 89, 0, 0, 0, 2),
        ("victims", 107, 103, 1, 0, 0, 3),
    ]
    raw_rows = sum(len(read_file(p).lines) for p in RAW.glob("*/*") if source_of(p))
    assert raw_rows == 294 + 131 + 91 + 107
    statuses = con.execute("select status, count(*) from deliveries group by 1 order by 1").fetchall()
    assert statuses == [("delivered", 130), ("nil_return", 13), ("not_delivered", 1)]
    assert con.execute("select month, source from deliveries where status = 'not_delivered'").fetchall() == [
        ("2025-01", "victims")]


def identifiers_in_raw() -> set[str]:
    """Every person, victim and judge identifier and name cell of the sample deliveries, as sent and normalised."""
    found = set()
    for path in RAW.glob("*/*"):
        if not source_of(path):
            continue
        raw = read_file(path)
        for i, header in enumerate(raw.header):
            if normalise_header(header) in IDENTIFIER_COLUMNS:
                for value in raw.cells[i]:
                    if value.strip():
                        found |= {value.strip(), "".join(value.split()).upper()}
    return found


def test_no_identifier_in_clear_text_anywhere(loaded):
    settings, con = loaded
    identifiers = identifiers_in_raw()
    assert len(identifiers) > 300  # the sample's people: the scan has something to find
    text = []
    for (table,) in con.execute("select table_name from information_schema.tables").fetchall():
        for row in con.execute(f'select * from "{table}"').fetchall():
            text.append("\x1f".join(str(v) for v in row))
    dump = "\n".join(text)
    assert "PR-2024-0001" in dump or "P-PR-2024-001" in dump  # case numbers are kept: the dump is real
    outputs = [p.read_text(encoding="utf-8") for p in settings.reports.rglob("*") if p.is_file()]
    assert outputs  # the quality files were written
    blob = settings.warehouse.read_bytes().decode("latin-1")
    leaked = sorted(i for i in identifiers if i in dump or any(i in o for o in outputs) or i in blob)
    assert leaked == []
