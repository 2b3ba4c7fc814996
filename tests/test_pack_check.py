"""`tipstats pack check` and `tipstats pack new` (docs/packs.md, "Checking a pack")."""
import csv
import shutil
import tomllib

import pytest

from contracts import pack

KOSOVO = pack.PACKS_DIR / "kosovo"
US_FEDERAL = pack.PACKS_DIR / "us-federal"


@pytest.fixture
def planted(tmp_path):
    """planted(file, old, new) → a copy of the Kosovo pack whose `file` has `old` (met once) replaced by
    `new`; old=None appends `new`."""
    root = tmp_path / "packs" / "kosovo"
    shutil.copytree(KOSOVO, root)

    def plant(file: str, old: str | None, new: str):
        path = root / file
        text = path.read_text(encoding="utf-8") if path.exists() else ""
        if old is None:
            text += new
        else:
            assert text.count(old) == 1, f"{old!r} is not met once in {file}"
            text = text.replace(old, new)
        path.write_text(text, encoding="utf-8")
        return root

    return plant


def findings(cli, root) -> list[str]:
    result = cli("pack", "check", root)
    assert (result.exit_code, result.stderr) == (1, "")
    return result.stdout.splitlines()


def test_the_kosovo_pack_has_no_findings(cli):
    result = cli("pack", "check", "kosovo")
    assert (result.exit_code, result.stdout, result.stderr) == (
        0, "pack kosovo: no findings (6 statutes, 17 code lists, 3 languages)\n", "")


def test_the_active_pack_is_checked_by_default(cli):
    assert cli("pack", "check").stdout == "pack kosovo: no findings (6 statutes, 17 code lists, 3 languages)\n"


def test_the_us_federal_pack_has_no_findings(cli):
    result = cli("pack", "check", "us-federal")
    assert (result.exit_code, result.stderr) == (0, ""), result.stdout
    assert result.stdout.startswith("pack us-federal: no findings (")


def test_a_pack_that_cannot_be_found_is_one_line_and_exit_2(cli, tmp_path):
    result = cli("pack", "check", "atlantis")
    assert (result.exit_code, result.stdout) == (2, "")
    assert result.stderr == ("error: no pack 'atlantis': give the name of a folder of contracts/packs "
                             "(kosovo, us-federal) or the path of a folder holding pack.toml\n")


def test_a_duplicate_code(cli, planted):
    root = planted("codes/sex.csv", None, "F,Female again\n")
    assert findings(cli, root) == ["codes/sex.csv:6: code 'F' is already on line 2: give each one row"]


def test_a_verdict_is_unique_per_instance(cli, planted):
    root = planted("codes/verdict.csv", None, "convicted,Convicted again,first,true\n")
    assert findings(cli, root) == [
        "codes/verdict.csv:14: instance 'first' code 'convicted' is already on line 2: give each one row"]


def test_an_ambiguous_alias(cli, planted):
    root = planted("codes/region_aliases.csv", None, "Péja,PZ\n")  # folds to "peja", already PE's
    assert findings(cli, root) == [
        "codes/region_aliases.csv:22: alias 'Péja' reads as 'peja', which line 8 gives to PE: "
        "give each spelling one code"]


def test_a_region_alias_that_is_another_code_or_names_no_code(cli, planted):
    root = planted("codes/region_aliases.csv", None, "pz,PR\nNowhere,NW\n")
    assert findings(cli, root) == [
        "codes/region_aliases.csv:22: alias 'pz' reads as 'pz', the code PZ (codes/region.csv line 3): "
        "remove the alias",
        "codes/region_aliases.csv:23: alias 'Nowhere' names 'NW', which is not a code of codes/region.csv: "
        "use one of its codes"]


def test_an_alias_target_that_does_not_exist(cli, planted):
    root = planted("codes/offence_aliases.csv", None, "neni 165,CCRK2019.165.1\nold,CCRK2020.1\nbad,CCRK2019.x\n")
    assert findings(cli, root) == [
        "codes/offence_aliases.csv:3: alias 'old' names 'CCRK2020.1', whose law 'CCRK2020' is not in "
        "codes/law.csv: write LAW.article[.paragraph] with a law of codes/law.csv",
        "codes/offence_aliases.csv:4: alias 'bad' names 'CCRK2019.x', which the pattern of CCRK2019 "
        r"([0-9]+[A-Z]?(\.[0-9]+)?) does not accept: correct the code"]


def test_overlapping_versions_of_one_provision(cli, planted):
    root = planted("statutes.csv", None,
                   "CCRK2019,165,1,trafficking_base,trafficking,Trafficking in persons,2024-01-01,,60,180,"
                   "mandatory,false,false,false,test\n")
    assert findings(cli, root) == [
        "statutes.csv:8: this version of CCRK2019.165.1 overlaps the one on line 5 (2019-04-14 to in force): "
        "end one the day before the other begins"]


def test_overlapping_provisions_of_one_offence_key(cli, planted):
    root = planted("statutes.csv", "Trafficking in persons,2019-04-14,", "Trafficking in persons,2019-04-01,")
    assert findings(cli, root) == [
        "statutes.csv:5: CCRK2019.165.1 overlaps CCRK2012.171.1 on line 3 (2013-01-01 to 2019-04-13), both "
        "offence_key trafficking_base: end one the day before the other begins"]


def test_a_minimum_above_the_maximum(cli, planted):
    root = planted("statutes.csv", "2012-12-31,24,144", "2012-12-31,150,144")
    assert findings(cli, root) == ["statutes.csv:2: min_months 150 is above max_months 144: correct the range"]


def test_an_empty_minimum(cli, planted):
    root = planted("statutes.csv", "2012-12-31,24,144", "2012-12-31,,144")
    assert findings(cli, root) == [
        "statutes.csv:2: min_months is empty: write `none` for no mandatory minimum or the months"]


def test_a_missing_citation(cli, planted):
    root = planted("statutes.csv", "false,false,true,Code 04/L-082 Art. 231 (from three months; maximum not read)",
                   "false,false,true,")
    assert findings(cli, root) == ["statutes.csv:4: source is empty: cite where the range and the dates were read"]


def test_an_unknown_law(cli, planted):
    planted("iccs.csv", "statute,CCRK2019.170.1,", "statute,CCRK2020.170.1,")  # renamed there too: one finding
    root = planted("statutes.csv", "CCRK2019,170,1,", "CCRK2020,170,1,")
    assert findings(cli, root) == [
        "statutes.csv:7: law 'CCRK2020' is not in codes/law.csv: add it there or correct the law"]


def test_a_provision_the_law_does_not_accept(cli, planted):
    planted("iccs.csv", "statute,CCRK2019.170.1,", "statute,CCRK2019.170.b,")
    root = planted("statutes.csv", "CCRK2019,170,1,", "CCRK2019,170,b,")
    assert findings(cli, root) == [
        r"statutes.csv:7: provision CCRK2019.170.b does not match the pattern of CCRK2019 ([0-9]+[A-Z]?(\.[0-9]+)?): "
        "correct article or paragraph"]


def test_a_missing_label_key_in_a_declared_language(cli, planted):
    planted("pack.toml", 'languages = ["en", "sq", "sr"]', 'languages = ["en", "fr"]')
    root = planted("labels/fr.csv", None, "key,text,status\n")
    assert findings(cli, root) == [
        "pack.toml:6: language 'fr' has no words of tipstats (contracts/labels/fr.csv): translate "
        "contracts/labels/en.csv or remove 'fr' from languages",
        "labels/fr.csv:1: key 'country' of labels/en.csv (line 2) is missing: add a row country,<text>,<status>"]


def test_a_bad_pattern(cli, planted):
    root = planted("codes/law.csv", r"Code 06/L-074,[0-9]+[A-Z]?(\.[0-9]+)?,", "Code 06/L-074,[0-9+,")
    assert findings(cli, root) == [
        "codes/law.csv:4: pattern '[0-9+' is not a regular expression (unterminated character set at position 0): "
        "correct it"]


def test_courts_levels_and_flags(cli, planted):
    planted("codes/region.csv", "APP,Court of Appeals,appeal,,", "APP,Court of Appeals,appellate,,XX")
    planted("codes/verdict.csv", "confirmed,Confirmed,appeal,true", "confirmed,Confirmed,appeal,yes")
    root = planted("pack.toml", 'office_levels = ["basic", "special_office"]', 'office_levels = ["basic", "office"]')
    assert findings(cli, root) == [
        "codes/region.csv:10: court 'XX' is not a code of codes/region.csv: use one of its codes or leave it empty",
        "pack.toml:31: instance 'appeal' is decided at level 'appeal', which has no court in codes/region.csv: "
        "add its courts to codes/region.csv or correct the level",
        "pack.toml:37: office_levels names level 'office', which codes/region.csv does not have: use one of "
        "appellate, basic, special_office, supreme",
        "codes/verdict.csv:6: convicting is 'yes': write true or false"]


def test_an_unusable_pack_toml_is_a_finding_and_the_files_are_still_checked(cli, planted):
    planted("pack.toml", 'in_force = "most_lenient"', 'in_force = "latest"')
    root = planted("codes/sex.csv", None, "F,Female again\n")
    assert findings(cli, root) == [
        "pack.toml:42: [law] in_force is 'latest': choose most_lenient or offence_time",
        "codes/sex.csv:6: code 'F' is already on line 2: give each one row"]


def test_a_new_pack_passes_the_check(cli, tmp_path):
    result = cli("pack", "new", "demo", "--into", tmp_path)
    assert (result.exit_code, result.stderr) == (0, "")
    assert result.stdout == (f"Wrote the skeleton pack demo to {tmp_path / 'demo'}: replace its example rows, "
                             f"then run `tipstats pack check {tmp_path / 'demo'}`\n")
    assert sorted(p.relative_to(tmp_path / "demo").as_posix() for p in (tmp_path / "demo").rglob("*.csv")) == sorted(
        [f"codes/{p.name}" for p in (KOSOVO / "codes").glob("*.csv")]
        + ["checks.csv", "iccs.csv", "labels/en.csv", "population.csv", "statutes.csv"])
    assert (tmp_path / "demo" / "checks.csv").read_bytes() == (KOSOVO / "checks.csv").read_bytes()
    # the returns' settings: every section and key the shipped packs have
    keys = lambda path: {s: sorted(v) for s, v in tomllib.loads(path.read_text(encoding="utf-8")).items()}
    assert keys(tmp_path / "demo" / "returns.toml") == keys(KOSOVO / "returns.toml")
    assert pack.load(tmp_path / "demo").name == "demo"
    check = cli("pack", "check", tmp_path / "demo")
    assert (check.exit_code, check.stdout) == (0, "pack demo: no findings (1 statute, 17 code lists, 1 language)\n")


def test_a_provision_without_an_iccs_code(cli, planted):
    planted("iccs.csv", "statute,CCRK2019.165.1,0204,", "statute,CCRK2019.999.1,0204,")
    root = planted("statutes.csv", None,  # a provision of two versions: the finding names the first one's line
                   "CCRK2019,171,1,,related,Test offence,2019-04-14,2020-12-31,12,60,,false,false,false,test\n"
                   "CCRK2019,171,1,,related,Test offence,2021-01-01,,12,96,,false,false,false,test\n")
    assert findings(cli, root) == [
        "iccs.csv:5: code 'CCRK2019.999.1' is not a provision of statutes.csv: write a provision "
        "LAW.article[.paragraph] of statutes.csv or remove the row",
        "iccs.csv:1: provision CCRK2019.165.1 of statutes.csv (line 5) has no statute row: add a row "
        "statute,CCRK2019.165.1,<ICCS code>,<iccs_version>,<source>,<verified>",
        "iccs.csv:1: provision CCRK2019.171.1 of statutes.csv (line 8) has no statute row: add a row "
        "statute,CCRK2019.171.1,<ICCS code>,<iccs_version>,<source>,<verified>"]


def test_an_exploitation_form_without_an_iccs_code(cli, planted):
    root = planted("iccs.csv", "exploitation_form,marriage,02044,", "exploitation_form,unknown,02044,")
    assert findings(cli, root) == [
        "iccs.csv:12: code 'unknown' is not a form of codes/exploitation_form.csv other than unknown: use one of "
        "its codes or remove the row",
        "iccs.csv:1: exploitation form 'marriage' of codes/exploitation_form.csv (line 6) has no exploitation_form "
        "row: add a row exploitation_form,marriage,<ICCS code>,<iccs_version>,<source>,<verified>"]


def test_bad_iccs_rows(cli, planted):
    root = planted("iccs.csv", None, "offence,CCRK2019.165.1,0204,ICCS 1.0 (2015),test,true\n"
                                     "exploitation_form,slavery,02044,ICCS 1.0 (2015),test,false\n"
                                     "statute,CCRK2019.165.1,ICCS0204, ,,yes\n"
                                     "statute,PCCK2003.139,204,ICCS 1.0 (2015),test,false\n")
    assert findings(cli, root) == [
        "iccs.csv:15: kind 'offence' is not statute or exploitation_form: choose one of them",
        "iccs.csv:16: code 'slavery' is not a form of codes/exploitation_form.csv other than unknown: use one of "
        "its codes or remove the row",
        "iccs.csv:17: iccs 'ICCS0204' is not an ICCS code of 4 or 5 digits: write the code's digits, e.g. 0204",
        "iccs.csv:17: iccs_version is empty: write the version of ICCS the code is of, e.g. ICCS 1.0 (2015)",
        "iccs.csv:17: source is empty: cite where the ICCS code was read",
        "iccs.csv:17: verified is 'yes': write true or false",
        "iccs.csv:17: kind 'statute' code 'CCRK2019.165.1' is already on line 5: give each one row",
        "iccs.csv:18: iccs '204' is not an ICCS code of 4 or 5 digits: write the code's digits, e.g. 0204",
        "iccs.csv:18: kind 'statute' code 'PCCK2003.139' is already on line 2: give each one row"]


def test_a_missing_iccs_file_is_one_finding_and_a_missing_population_file_none(cli, planted):
    root = planted("iccs.csv", None, "")
    (root / "population.csv").unlink()
    (root / "iccs.csv").unlink()
    assert findings(cli, root) == [
        "iccs.csv:1: the file is missing: write it with the header kind,code,iccs,iccs_version,source,verified"]
    shutil.copyfile(KOSOVO / "iccs.csv", root / "iccs.csv")
    result = cli("pack", "check", root)
    assert (result.exit_code, result.stdout) == (0, "pack kosovo: no findings (6 statutes, 17 code lists, 3 languages)\n")


def test_bad_population_rows(cli, planted):
    root = planted("population.csv", None, "2020,total,total,1800000,test,false\n"
                                           "2020,F,total,900000,test,false\n"
                                           "2020,M,total,899999,test,false\n"
                                           "2020,total,child,500000,test,false\n"
                                           "2020,total,adult,1300001,test,true\n"
                                           "20,X,young,-5,,maybe\n"
                                           "2020,F,total,900000,test,false\n"
                                           "2021,total,total,1.5e6,test,false\n"
                                           "2021,F,total,700000,test,false\n")
    assert findings(cli, root) == [
        "population.csv:7: year '20' is not a year: write the four digits of the year",
        "population.csv:7: sex 'X' is not F, M, total: choose one of them",
        "population.csv:7: age_group 'young' is not child, adult, total: choose one of them (child 0-17, adult 18 "
        "and over)",
        "population.csv:7: population '-5' is not a positive whole number: write the number of persons",
        "population.csv:7: source is empty: cite where the figure was read",
        "population.csv:7: verified is 'maybe': write true or false",
        "population.csv:8: year '2020' sex 'F' age_group 'total' is already on line 3: give each one row",
        "population.csv:9: population '1.5e6' is not a positive whole number: write the number of persons",
        "population.csv:2: year 2020 age_group total: F 900000 (line 3) + M 899999 (line 4) = 1799999, not the "
        "total 1800000: correct the figures",
        "population.csv:2: year 2020 sex total: child 500000 (line 5) + adult 1300001 (line 6) = 1800001, not the "
        "total 1800000: correct the figures"]


def test_the_shipped_packs_code_their_provisions_and_forms_in_iccs():
    for root in (KOSOVO, US_FEDERAL):
        with open(root / "statutes.csv", newline="", encoding="utf-8") as f:
            statutes = list(csv.DictReader(f))
        with open(root / "iccs.csv", newline="", encoding="utf-8") as f:
            iccs = {(r["kind"], r["code"]): r for r in csv.DictReader(f)}
        groups = {s["law"] + "." + s["article"] + ("." + s["paragraph"] if s["paragraph"] else ""): s["group"]
                  for s in statutes}
        assert {code for kind, code in iccs if kind == "statute"} == set(groups)
        assert sorted(code for code, group in groups.items()
                      if group == "trafficking" and iccs["statute", code]["iccs"] != "0204") == []
        forms = {code: r["iccs"] for (kind, code), r in iccs.items() if kind == "exploitation_form"}
        assert forms == {"sexual": "02041", "labour": "02042", "organ_removal": "02043", "begging": "02044",
                         "criminality": "02044", "marriage": "02044", "other": "02044"}
    assert (len(groups), sum(g == "trafficking" for g in groups.values())) == (34, 11)  # us-federal


def test_the_us_census_counts_add_up():
    with open(US_FEDERAL / "population.csv", newline="", encoding="utf-8") as f:
        rows = {(r["year"], r["sex"], r["age_group"]): int(r["population"]) for r in csv.DictReader(f)}
    assert rows[("2000", "total", "total")] == 281421906 and rows[("2010", "total", "total")] == 308745538
    for year in ("2000", "2010"):
        total = rows[(year, "total", "total")]
        assert rows[(year, "F", "total")] + rows[(year, "M", "total")] == total
        assert rows[(year, "total", "child")] + rows[(year, "total", "adult")] == total
    assert (KOSOVO / "population.csv").read_text(encoding="utf-8") == (
        "year,sex,age_group,population,source,verified\n")


def test_the_eu_group_of_the_kosovo_pack():
    with open(KOSOVO / "codes" / "citizenship_groups.csv", newline="", encoding="utf-8") as f:
        eu = [r for r in csv.DictReader(f) if r["group"] == "eu"]
    with open(KOSOVO / "codes" / "citizenship.csv", newline="", encoding="utf-8") as f:
        citizenships = {r["code"] for r in csv.DictReader(f)}
    assert len(eu) == 28 and {r["code"] for r in eu} <= citizenships
    assert [(r["code"], r["valid_from"], r["valid_to"]) for r in eu if r["valid_to"]] == [
        ("GB", "1973-01-01", "2020-01-31")]
    assert sorted(r["code"] for r in eu if r["valid_from"] == "2004-05-01") == [
        "CY", "CZ", "EE", "HU", "LT", "LV", "MT", "PL", "SI", "SK"]
    assert {r["valid_from"] for r in eu if r["code"] in ("GR", "HR", "BG")} == {"1981-01-01", "2013-07-01", "2007-01-01"}


def test_a_new_pack_refuses_an_existing_folder(cli, tmp_path):
    (tmp_path / "demo").mkdir()
    result = cli("pack", "new", "demo", "--into", tmp_path)
    assert (result.exit_code, result.stdout) == (2, "")
    assert result.stderr == f"error: {tmp_path / 'demo'} exists: choose another name or folder\n"
    assert list((tmp_path / "demo").iterdir()) == []
