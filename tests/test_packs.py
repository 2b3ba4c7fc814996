"""Choosing a country pack, and the warehouse bound to the pack it was loaded with (docs/packs.md)."""
import shutil

import pytest

from contracts import pack
from pipeline.validate import validate_file
from conftest import INV

KOSOVO = pack.PACKS_DIR / "kosovo"


@pytest.fixture
def other_pack(tmp_path):
    """A copy of the Kosovo pack under another name, reading Windows-1252 instead of Windows-1250."""
    root = tmp_path / "packs" / "other"
    shutil.copytree(KOSOVO, root)
    toml = root / "pack.toml"
    text = toml.read_text(encoding="utf-8").replace('name = "kosovo"', 'name = "other"')
    toml.write_text(text.replace('encodings = ["cp1250"]', 'encodings = ["cp1252"]'), encoding="utf-8")
    yield root
    pack.use(None)


def test_an_unknown_pack_is_one_line(cli):
    result = cli("--pack", "atlantis", "status")
    assert result.exit_code == 2
    assert result.stderr == ("error: no pack 'atlantis': give the name of a folder of contracts/packs "
                             "(kosovo, us-federal) or the path of a folder holding pack.toml\n")


def test_the_pack_is_chosen_by_option_then_environment_then_configuration(env, other_pack, monkeypatch):
    assert pack.use(None).name == "kosovo"
    (env.root / "tipstats.toml").write_text(f'[pack]\nname = "{other_pack}"\n', encoding="utf-8")
    assert pack.use(None).name == "other"
    monkeypatch.setenv("TIPSTATS_PACK", "kosovo")
    assert pack.use(None).name == "kosovo"
    assert pack.use(str(other_pack)).name == "other"


def test_an_edited_configuration_is_seen_at_once(env, other_pack):
    """The configuration's TOML is parsed once per content (the pack is asked for on every reason), and the
    file read each time: an edit shows at the next question, a broken edit fails with its line."""
    config = env.root / "tipstats.toml"
    config.write_text(f'[pack]\nname = "{other_pack}"\n', encoding="utf-8")
    assert pack.active().name == "other"
    config.write_text('[pack]\nname = "kosovo"\n', encoding="utf-8")
    assert pack.active().name == "kosovo"
    config.write_text('[pack]\nname = \n', encoding="utf-8")
    with pytest.raises(pack.PackError, match=r"tipstats.toml: not valid TOML: .*\(at line 2, column 8\)"):
        pack.active()
    config.write_text(f'[pack]\nname = "{other_pack}"\n', encoding="utf-8")
    assert pack.active().name == "other"


def test_a_warehouse_refuses_another_pack_and_stays_as_it_was(env, cli, refresh, query, other_pack):
    env.deliver("2024-01", investigations=[INV])
    refresh()
    assert query("select name, value from meta where name like 'pack_%' order by name") == [
        ("pack_hash", pack.content_hash(KOSOVO)), ("pack_name", "kosovo")]
    env.deliver("2024-02", investigations=[{**INV, "case_id": "PR-02/2024"}])
    result = cli("--pack", str(other_pack), "refresh")
    assert result.exit_code == 2
    assert result.stderr == (
        f"error: the warehouse {env.warehouse} holds data loaded with the pack kosovo, not other: choose the "
        "pack kosovo (--pack, TIPSTATS_PACK or tipstats.toml) or another warehouse (TIPSTATS_WAREHOUSE)\n")
    assert query("select distinct month from investigations") == [("2024-01",)]
    assert cli("--pack", str(other_pack), "stats", "--year", "2024").exit_code == 2


def test_a_changed_pack_of_the_same_name_is_recorded(env, cli, refresh, query, tmp_path):
    changed = tmp_path / "changed" / "kosovo"
    shutil.copytree(KOSOVO, changed)
    env.deliver("2024-01", investigations=[INV])
    refresh()
    with open(changed / "statutes.csv", "a", encoding="utf-8") as f:
        f.write("CCRK2019,999,,,other,An article added,2019-04-14,,none,none,,false,false,false,test\n")
    env.deliver("2024-02", investigations=[{**INV, "case_id": "PR-02/2024"}])
    result = cli("--pack", str(changed), "refresh")
    assert result.exit_code == 0, result.stderr
    assert query("select value from meta where name = 'pack_hash'") == [(pack.content_hash(changed),)]
    assert pack.content_hash(changed) != pack.content_hash(KOSOVO)


def test_the_pack_decides_the_single_byte_encoding(env, other_pack):
    header = ",".join(INV)
    row = ",".join({**INV, "case_id": "Peña-1"}.values())
    path = env.file("2024-01/investigations.csv", f"{header}\n{row}\n".encode("cp1252"))
    pack.use(None)
    kosovo = validate_file(path, "2024-01")  # Kosovo's pack reads Windows-1250: "Peńa"
    assert (kosovo.encoding, kosovo.valid["case_id"].tolist()) == ("cp1250", ["Peńa-1"])
    pack.use(str(other_pack))
    other = validate_file(path, "2024-01")
    assert (other.encoding, other.valid["case_id"].tolist()) == ("cp1252", ["Peña-1"])
