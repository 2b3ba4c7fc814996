"""The committed sample deliveries in raw/ are exactly what pipeline.sample writes, and they hold what the
pipeline must cope with: every row-level check, and each special feature of DATA-SPEC v1.3.

The files are read here with csv/openpyxl only, so that these tests say what is in the files whatever the
pipeline's reader does with them.
"""
from __future__ import annotations

import csv
import datetime as dt
import io
import re
import shutil
from collections import Counter, defaultdict
from pathlib import Path

import openpyxl
import pytest

from contracts import codes, pack
from pipeline.sample import COLUMNS, FEATURES, KEYS, SOURCES, SampleError, generate, headers, plan, write_manifest
from pipeline.validate import source_of, validate_file

ROOT = Path(__file__).parents[1]
RAW = ROOT / "raw"
MONTH_DIR = re.compile(r"^\d{4}-\d{2}$")
DATE_COLUMNS = ("opened_on", "status_on", "decided_on", "offence_date", "judgment_date", "identified_on")


def month_files(root: Path) -> dict[str, bytes]:
    return {f"{d.name}/{f.name}": f.read_bytes()
            for d in sorted(root.iterdir()) if d.is_dir() and MONTH_DIR.match(d.name)
            for f in sorted(d.iterdir())}


def normalise(header) -> str:
    return re.sub(r"[ -]", "_", str(header).strip().lower())


def read(path: Path) -> tuple[list[str], list[list]]:
    """(normalised header, data rows) of a delivery file, decoded as the spec allows."""
    if path.suffix == ".xlsx":
        rows = [list(r) for r in openpyxl.load_workbook(path).worksheets[0].iter_rows(values_only=True)]
    else:
        data = path.read_bytes()
        try:
            text = data.decode("utf-8-sig")
        except UnicodeDecodeError:
            text = data.decode("cp1250")
        delimiter = ";" if ";" in text.splitlines()[0] else ","
        rows = list(csv.reader(io.StringIO(text, newline=""), delimiter=delimiter))
    return [normalise(h) for h in rows[0]], rows[1:]


def records(path: Path) -> list[dict]:
    header, rows = read(path)
    return [dict(zip(header, row)) for row in rows]


def as_date(value) -> dt.date | None:
    if isinstance(value, dt.datetime):
        return value.date()
    if not value:
        return None
    if re.fullmatch(r"\d{4}-\d{2}-\d{2}", value):
        return dt.date.fromisoformat(value)
    day, month, year = value.split(".")
    return dt.date(int(year), int(month), int(day))


def feature_path(name: str) -> Path:
    source, month = FEATURES[name]
    return next((RAW / month).glob(f"{source}.*"))


@pytest.fixture(scope="module")
def regenerated(tmp_path_factory) -> tuple[Path, list[dict]]:
    out = tmp_path_factory.mktemp("raw")
    return out, generate(out)


@pytest.fixture(scope="module")
def manifest(regenerated) -> list[dict]:
    return regenerated[1]


@pytest.fixture(scope="module")
def all_records() -> dict[str, list[dict]]:
    """Every data row of raw/, per source, with its month and line."""
    out = defaultdict(list)
    for folder in sorted(p for p in RAW.iterdir() if p.is_dir() and MONTH_DIR.match(p.name)):
        for path in sorted(folder.iterdir()):
            for line, record in enumerate(records(path), start=2):
                out[path.stem].append({**record, "_month": folder.name, "_file": path.name, "_line": line})
    return out


# --- determinism and the manifest -----------------------------------------------------------------------

def test_regenerating_gives_the_committed_files_byte_for_byte(regenerated):
    fresh, committed = month_files(regenerated[0]), month_files(RAW)
    assert len(committed) == 36 * 4 - 1            # one file not delivered
    assert sorted(fresh) == sorted(committed)
    assert [name for name in fresh if fresh[name] != committed[name]] == []


def test_every_row_level_check_is_injected(manifest):
    """Every check of a row's content; not those of XLSX number and date cells (stage `xlsx`): the sample's
    defects are written into CSV rows."""
    with open(pack.active().path("checks.csv"), encoding="utf-8") as f:
        checks = {row["check"] for row in csv.DictReader(f) if row["stage"] != "xlsx"} - {"file_refused"}
    assert checks - {row["check"] for row in manifest} == set()


def test_manifest_rows_point_at_data_rows_and_columns(manifest):
    for row in manifest:
        header, rows = read(RAW / row["month"] / row["file"])
        assert 2 <= row["line"] <= len(rows) + 1, row
        if row["check"] in ("duplicate_key", "field_count"):      # whole-row checks
            assert row["column"] == ""
        else:
            assert row["column"] in header, row
        assert (len(rows[row["line"] - 2]) > len(header)) == (row["check"] == "field_count"), row
    duplicates = Counter((r["month"], r["file"]) for r in manifest if r["check"] == "duplicate_key")
    assert duplicates and all(n >= 2 for n in duplicates.values())


def test_defective_rows_are_two_to_four_percent(manifest, all_records):
    data_rows = sum(len(rows) for rows in all_records.values())
    assert len({(r["month"], r["file"], r["line"]) for r in manifest}) == len(manifest)  # one check a row
    assert 0.02 <= len(manifest) / data_rows <= 0.04


def test_write_manifest(tmp_path, manifest):
    write_manifest(manifest, tmp_path / "manifest.csv")
    with open(tmp_path / "manifest.csv", encoding="utf-8") as f:
        back = list(csv.DictReader(f))
    assert list(back[0]) == ["month", "file", "line", "column", "check"]
    assert [(r["month"], r["file"], int(r["line"]), r["check"]) for r in back] == \
           [(r["month"], r["file"], r["line"], r["check"]) for r in manifest]


def test_clean_rows_are_dated_within_their_month_and_keys_are_unique(manifest, all_records):
    defective = {(r["month"], r["file"], r["line"]) for r in manifest}
    for source, rows in all_records.items():
        keys = Counter()
        for r in rows:
            if (r["_month"], r["_file"], r["_line"]) in defective:
                continue
            year, month = map(int, r["_month"].split("-"))
            month_end = dt.date(year + month // 12, month % 12 + 1, 1) - dt.timedelta(days=1)
            assert all((as_date(r.get(c)) or month_end) <= month_end for c in DATE_COLUMNS), r
            keys[(r["_month"],) + tuple(str(r.get(k) or "").strip().upper() for k in KEYS[source])] += 1
        assert [k for k, n in keys.items() if n > 1] == []


# --- special features -----------------------------------------------------------------------------------

def test_one_month_is_windows_1250_with_semicolons_and_decimal_commas():
    folder = RAW / FEATURES["legacy_encoding"][1]
    texts = {}
    for path in sorted(folder.iterdir()):
        data = path.read_bytes()
        texts[path.stem] = data.decode("cp1250")
        assert texts[path.stem].splitlines()[0].count(";") == len(COLUMNS[path.stem]) - 1
        if any(byte > 127 for byte in data):       # non-ASCII: only Windows-1250 reads it
            with pytest.raises(UnicodeDecodeError):
                data.decode("utf-8")
    assert set(texts) == set(SOURCES)
    assert re.search(r"Uroševac|Đakovica|Priština|Peć", texts["investigations"] + texts["prosecutions"])
    assert re.search(r";\d+,\d+;", texts["judgments"])                    # prison months "31,5"
    assert re.search(r";\d{2}\.\d{2}\.\d{4};", texts["investigations"])   # DD.MM.YYYY


def test_one_file_is_xlsx_with_typed_cells():
    xlsx = sorted(RAW.glob("*/*.xlsx"))
    assert xlsx == [feature_path("xlsx")]
    sheet = openpyxl.load_workbook(xlsx[0]).worksheets[0]
    header = [normalise(c.value) for c in sheet[1]]
    assert header == headers("judgments")
    cells = defaultdict(set)
    for row in sheet.iter_rows(min_row=2):
        for name, cell in zip(header, row):
            if cell.value is not None:
                cells[name].add("date" if cell.is_date else cell.data_type)
    assert cells["judgment_date"] == {"date"}
    assert cells["final"] == {"b"}
    assert cells["prison_months"] == {"n"}
    assert cells["person_id"] == cells["judgment_id"] == {"s"}


def test_one_file_carries_a_name_column():
    carriers = [path for path in sorted(RAW.glob("*/*.*")) if codes.pii_columns() & set(read(path)[0])]
    assert carriers == [feature_path("pii")]
    assert plan().pii_header == "Emri"
    names = [r["emri"] for r in records(carriers[0])]
    assert names and all(re.fullmatch(r"\w+ \w+", n) for n in names)


def test_nil_return_is_header_only():
    path = feature_path("nil_return")
    assert path.read_text(encoding="utf-8").splitlines() == [",".join(COLUMNS["prosecutions"])]


def test_undelivered_file_is_absent_and_its_rows_come_a_month_later():
    source, month = FEATURES["undelivered"]
    assert sorted(p.stem for p in (RAW / month).iterdir()) == sorted(set(SOURCES) - {source})
    year, m = map(int, month.split("-"))
    next_month = f"{year + m // 12}-{m % 12 + 1:02d}"
    dates = [as_date(r["identified_on"]) for r in records(RAW / next_month / f"{source}.csv")]
    assert any(d and f"{d:%Y-%m}" == month for d in dates)


def test_header_variants_reordered_and_missing_columns():
    header = read(feature_path("header_variants"))[0]
    raw_header = feature_path("header_variants").read_text(encoding="utf-8").splitlines()[0]
    assert "Case ID" in raw_header and "Opened-On" in raw_header
    assert header == COLUMNS["investigations"]
    reordered = read(feature_path("reordered"))[0]
    assert sorted(reordered) == sorted(COLUMNS["prosecutions"]) and reordered != COLUMNS["prosecutions"]
    missing = read(feature_path("missing_optional"))[0]
    assert missing == [c for c in headers("judgments") if c != "judge_id"]
    for name in ("header_variants", "reordered", "missing_optional", "bom", "pii"):
        assert read(feature_path(name))[1], f"{name}: the file has no data rows"


def test_one_file_has_a_byte_order_mark():
    boms = [p for p in sorted(RAW.glob("*/*.csv")) if p.read_bytes().startswith(b"\xef\xbb\xbf")]
    assert boms == [feature_path("bom")]


def test_a_record_is_withdrawn_and_the_right_row_sent(all_records):
    carriers = [p for p in sorted(RAW.glob("*/*.*")) if "withdrawn" in read(p)[0]]
    assert carriers == [feature_path("withdrawal")]
    rows = records(carriers[0])
    withdrawals = [r for r in rows if r["withdrawn"] == "true"]
    assert len(withdrawals) == 1
    gone = withdrawals[0]
    keys = KEYS["investigations"]
    assert [c for c, v in gone.items() if v] == [*keys, "withdrawn"]     # only the key is filled
    right = [r for r in rows if r["case_id"] == gone["case_id"] and r["person_id"] == gone["person_id"]
             and r["offence_code"] != gone["offence_code"]]
    assert right and right[0]["withdrawn"] == "false"
    earlier = [r for r in all_records["investigations"] if r["_month"] < FEATURES["withdrawal"][1]
               and all(r[k] == gone[k] for k in keys)]
    assert earlier                                                       # the wrong row was sent before


def test_corrections_are_resent_in_later_months(all_records):
    same = {"1": "true", "yes": "true", "po": "true", "da": "true",
            "0": "false", "no": "false", "jo": "false", "ne": "false"}

    def versions(source, column):
        """Per record sent in several months, the values of `column` month by month, where they differ."""
        seen = defaultdict(dict)
        for r in all_records[source]:
            value = str(r.get(column)).strip().lower()
            seen[tuple(r.get(k) for k in KEYS[source])][r["_month"]] = same.get(value, value)
        return [list(v.values()) for v in seen.values() if len(set(v.values())) > 1]

    assert len(versions("investigations", "status")) > 10                 # open -> referred/closed
    assert ["false", "true"] in versions("judgments", "final")             # not final yet -> final
    assert any(a.isdigit() and b.isdigit() and int(a) >= 18 > int(b)      # adult -> child: counts change
               for ages in versions("victims", "age") for a, b in zip(ages, ages[1:]))


def test_a_quashed_judgment_is_retried_under_a_new_judgment_id(all_records):
    rows = all_records["judgments"]
    quashed = {(r["judgment_id"], r["person_id"]) for r in rows if str(r["verdict"]).strip().lower() == "quashed"}
    first = defaultdict(set)
    for r in rows:
        if str(r["instance"]).strip().lower() == "first" and r["prosecution_id"]:
            first[(r["prosecution_id"], r["person_id"])].add(r["judgment_id"])
    assert any(len(ids) > 1 and any((j, person) in quashed for j in ids) for (_, person), ids in first.items())


def test_codes_come_in_other_cases_and_as_region_aliases(all_records):
    regions = [str(r[c]) for rows in all_records.values() for r in rows for c in ("region", "office", "court")
               if r.get(c)]
    assert any(re.match(r"(Basic Court of|Gjykata Themelore|Basic Prosecution Office|Prokuroria Themelore) ", v)
               for v in regions)
    assert any(v in ("Peć", "Pejë", "Gjakova", "Gjakovë", "Prishtinë", "Prizren") for v in regions)
    sexes = {str(r["sex"]) for rows in all_records.values() for r in rows if r.get("sex")}
    assert sexes & {"f", "m"}


def test_other_windows_and_scales_generate_linked_files(tmp_path):
    manifest = generate(tmp_path, seed=7, start="2024-01", months=6, scale=5)
    assert sorted(p.name for p in tmp_path.iterdir()) == [f"2024-{m:02d}" for m in range(1, 7)]
    investigations = {r["case_id"] for p in tmp_path.glob("*/investigations.csv") for r in records(p)}
    prosecutions = [r for p in tmp_path.glob("*/prosecutions.csv") for r in records(p) if r["case_id"]]
    assert prosecutions and sum(r["case_id"] in investigations for r in prosecutions) / len(prosecutions) > 0.5
    assert manifest


# --- other packs ----------------------------------------------------------------------------------------

def rejections(folder: Path) -> dict[tuple, list[tuple]]:
    """(month, file, line) → [(check, column), ...] of every row `validate` rejects under the active pack."""
    found = defaultdict(list)
    for path in sorted(folder.glob("*/*")):
        if not source_of(path):
            continue
        result = validate_file(path, path.parent.name)
        assert result.file_error is None, (path, result.file_error)
        for e in result.errors.to_dict("records"):
            found[(path.parent.name, path.name, e["line"])].append((e["check"], e["column"]))
    return dict(found)


def planted(manifest: list[dict]) -> dict[tuple, list[tuple]]:
    return {(d["month"], d["file"], d["line"]): [(d["check"], d["column"])] for d in manifest}


@pytest.fixture
def use_pack():
    """Put a pack in use for one test (a name or a folder); the default pack again afterwards."""
    yield pack.use
    pack.use(None)


@pytest.fixture(scope="module")
def us_sample(tmp_path_factory) -> tuple[Path, list[dict], dict]:
    out = tmp_path_factory.mktemp("us-federal")
    pack.use("us-federal")
    try:
        manifest = generate(out)
        return out, manifest, rejections(out)
    finally:
        pack.use(None)


def test_each_planted_defect_is_the_only_rejection_of_its_row(manifest):
    assert rejections(RAW) == planted(manifest)


def test_the_us_sample_is_rejected_only_where_a_defect_was_planted(us_sample):
    _, manifest, found = us_sample
    assert found == planted(manifest)
    checks = {c for c, _ in [v[0] for v in planted(manifest).values()]}
    with open(ROOT / "contracts" / "packs" / "us-federal" / "checks.csv", encoding="utf-8") as f:
        row_checks = {r["check"] for r in csv.DictReader(f) if r["stage"] != "xlsx"} - {"file_refused"}
    assert row_checks - checks == set()


def test_the_us_sample_speaks_the_us_pack(us_sample, use_pack):
    out, manifest, _ = us_sample
    use_pack("us-federal")
    judgments = read(next((out / "2024-01").glob("judgments.*")))[0]
    assert "fine_usd" in judgments and "fine_eur" not in judgments
    pattern = re.compile(codes.offence_pattern())
    defective = {(d["month"], d["file"], d["line"]) for d in manifest}
    offences = {r["offence_code"] for p in sorted(out.glob("*/*.csv")) if p.stem != "victims"
                for line, r in enumerate(records(p), start=2) if (p.parent.name, p.name, line) not in defective}
    assert offences and [c for c in offences if not pattern.match(c)] == []
    assert {"USC18.1591.b.1", "USC8.1324", "USC18.1593a"} <= offences      # the main, smuggling, unlisted
    legacy = out / FEATURES["legacy_encoding"][1] / "investigations.csv"
    first_line = legacy.read_bytes().decode("cp1252").splitlines()[0]
    assert first_line == ";".join(COLUMNS["investigations"])
    pii = [p for p in sorted(out.glob("*/*.csv")) if "Full Name" in p.read_text(encoding="utf-8-sig").splitlines()[0]]
    assert pii == [out / FEATURES["pii"][1] / "victims.csv"]


def us_pack_copy(tmp_path: Path) -> Path:
    copy = tmp_path / "us-copy"
    shutil.copytree(ROOT / "contracts" / "packs" / "us-federal", copy)
    return copy


def test_a_pack_without_a_single_byte_encoding_has_no_legacy_month(tmp_path, use_pack):
    copy = us_pack_copy(tmp_path)
    toml = (copy / "pack.toml").read_text(encoding="utf-8")
    (copy / "pack.toml").write_text(re.sub(r"(?m)^encodings = .*$", "encodings = []", toml), encoding="utf-8")
    use_pack(str(copy))
    generate(tmp_path / "out", start="2025-02", months=3)
    month = FEATURES["legacy_encoding"][1]
    lines = (tmp_path / "out" / month / "investigations.csv").read_text(encoding="utf-8").splitlines()
    assert lines[0] == ",".join(COLUMNS["investigations"])          # a month like the others


def test_a_pack_without_sample_toml_is_refused_with_one_line(tmp_path, use_pack):
    copy = us_pack_copy(tmp_path)
    (copy / "sample.toml").unlink()
    use_pack(str(copy))
    with pytest.raises(SampleError) as refused:
        generate(tmp_path / "out", months=1)
    assert str(refused.value) == "pack us-federal has no sample.toml: `tipstats sample` draws from it (docs/packs.md)"


def test_a_sample_toml_without_a_key_is_refused_naming_it(tmp_path, use_pack):
    copy = us_pack_copy(tmp_path)
    text = (copy / "sample.toml").read_text(encoding="utf-8")
    (copy / "sample.toml").write_text(re.sub(r"(?m)^(quashed|last_word) = .*$", "", text), encoding="utf-8")
    use_pack(str(copy))
    with pytest.raises(SampleError) as refused:
        generate(tmp_path / "out", months=1)
    assert str(refused.value) == f"{copy / 'sample.toml'}: [verdicts] last_word, quashed missing"
