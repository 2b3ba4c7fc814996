"""Independent derivation of the golden figures for the sample year 2025 (tests/golden/2025.csv).

The figures are derived here in plain pandas from the committed deliveries in raw/, following DATA-SPEC v1.3
section 1 (Corrections) and section 4 (Counting rules) directly. Nothing here reads the warehouse or any SQL
file of warehouse/: the only shared code is `pipeline.validate.validate_month`, whose accepted rows
(`FileResult.valid`: typed, person identifiers normalised, still in clear) are the accepted input. A row
the validator rejects is quarantined and never counts; a rejected correction leaves the previous version
current (it simply never appears among the versions below).

Run it again only to review the derivation (it rewrites the CSV):

    .venv/bin/python tests/golden/derive.py [--check]

`--check` prints the figures and compares them with the committed CSV instead of writing it. The test
(tests/test_golden.py) never runs this script: the committed CSV is the ground truth.
"""
from __future__ import annotations

import argparse
import csv
import sys
from pathlib import Path

import pandas as pd

REPO = Path(__file__).resolve().parents[2]
sys.path.insert(0, str(REPO))

from pipeline.validate import validate_month  # noqa: E402  (the accepted input: valid rows only)

YEAR = 2025
RAW = REPO / "raw"
STATUTES = REPO / "contracts" / "statutes.csv"
OUT = Path(__file__).with_name(f"{YEAR}.csv")

KEYS = {
    "investigations": ["case_id", "person_id", "offence_code"],
    "prosecutions": ["prosecution_id", "person_id", "offence_code", "decision"],
    "judgments": ["judgment_id", "person_id", "offence_code", "instance"],
    "victims": ["victim_id", "case_id"],
}
RANK = {"trafficking": 3, "related": 2, "other": 1}
GROUP_OF_RANK = {v: k for k, v in RANK.items()}
PUBLISHED = {"all": ("trafficking", "related"), "trafficking": ("trafficking",)}
CATEGORIES = ["no_prison", "suspended", "range_unknown", "below_minimum_with_ground",
              "below_minimum_no_ground", "above_maximum", "within_range"]
BELOW = {"no_prison", "suspended", "below_minimum_with_ground", "below_minimum_no_ground"}
CONVICTING = {"convicted", "confirmed", "modified"}
INSTANCE_ORDER = {"first": 1, "appeal": 2, "supreme": 3}


# ------------------------------------------------------------------------------------------ accepted input
def accepted_versions() -> dict[str, pd.DataFrame]:
    """Every valid row of every month, with its reporting month and line (one frame per source)."""
    frames: dict[str, list[pd.DataFrame]] = {s: [] for s in KEYS}
    for folder in sorted(p for p in RAW.iterdir() if p.is_dir()):
        for result in validate_month(folder).files:
            if result.valid is not None and len(result.valid):
                frames[result.source].append(result.valid.assign(month=folder.name))
    return {s: pd.concat(f, ignore_index=True) for s, f in frames.items()}


def current(versions: pd.DataFrame, source: str) -> pd.DataFrame:
    """DATA-SPEC 1, Corrections: per key the version of the latest reporting month is current (every month
    is loaded once, oldest first, so month order is load order; a key appears at most once per file because
    duplicates within a file are quarantined); a current version with withdrawn = true retires the key."""
    ordered = versions.sort_values(["month", "line"], kind="stable")
    latest = ordered.groupby(KEYS[source], dropna=False, sort=False).tail(1)
    return latest[~latest["withdrawn"].fillna(False).astype(bool)].reset_index(drop=True)


# ------------------------------------------------------------------------------------------ statute table
def statutes() -> pd.DataFrame:
    t = pd.read_csv(STATUTES, dtype=str, keep_default_na=False)
    t["paragraph"] = t["paragraph"].replace("", None)
    for c in ("min_months", "max_months"):
        t[c] = pd.to_numeric(t[c].replace("", None))
    for c in ("valid_from", "valid_to"):
        t[c] = pd.to_datetime(t[c].replace("", None))
    return t


def lookup(code: str, table: pd.DataFrame) -> dict:
    """DATA-SPEC 4, Statute lookup → group, offence_key and range (min/max None when unknown)."""
    parts = code.split(".")
    law, article = parts[0], parts[1]
    paragraph = parts[2] if len(parts) > 2 else None
    art = table[(table["law"] == law) & (table["article"] == article)]
    article_level = art[art["paragraph"].isna()]
    rows = art.iloc[0:0]
    if paragraph is not None:
        rows = art[art["paragraph"] == paragraph]
        if rows.empty:
            rows = article_level
    else:
        rows = article_level
        if rows.empty and len(art) and len(art[["min_months", "max_months"]].drop_duplicates()) == 1:
            rows = art  # the article's paragraphs, all with one range
    if len(rows):
        r = rows.iloc[0]
        group = max(rows["group"], key=RANK.get)
        return {"group": group, "offence_key": r["offence_key"] or None,
                "min": None if pd.isna(r["min_months"]) else float(r["min_months"]),
                "max": None if pd.isna(r["max_months"]) else float(r["max_months"]), "rows": rows}
    if len(art):  # listed article, no usable provision: the article's highest group, range unknown
        return {"group": max(art["group"], key=RANK.get), "offence_key": None, "min": None, "max": None,
                "rows": art.iloc[0:0]}
    return {"group": "other", "offence_key": None, "min": None, "max": None, "rows": art}


def applicable_range(code: str, offence_date, judgment_date, table: pd.DataFrame) -> tuple:
    """DATA-SPEC 4, Law in force → (min, max, on the charged version): the most lenient version of the same
    offence_key in force at any time from offence_date to judgment_date (lowest minimum, then lowest
    maximum). Without an offence_date the range of the provision the code itself names (v1.3), marked as
    judged on the charged version. Unknown (None, None) without a range from the lookup."""
    look = lookup(code, table)
    if look["min"] is None:
        return None, None, False
    if pd.isna(offence_date):
        return look["min"], look["max"], True
    versions = table[table["offence_key"] == look["offence_key"]] if look["offence_key"] else look["rows"]
    in_force = versions[(versions["valid_from"] <= judgment_date)
                        & (versions["valid_to"].isna() | (versions["valid_to"] >= offence_date))]
    if in_force.empty:
        return None, None, False
    best = in_force.sort_values(["min_months", "max_months"], na_position="last").iloc[0]
    return (None if pd.isna(best["min_months"]) else float(best["min_months"]),
            None if pd.isna(best["max_months"]) else float(best["max_months"]), False)


def category(prison, suspended, mitigation, plea, lo, hi) -> str:
    """DATA-SPEC 4, Sentence categories: the first that applies."""
    if pd.isna(prison) or prison == 0:
        return "no_prison"
    if suspended is True:
        return "suspended"
    if lo is None or pd.isna(lo):
        return "range_unknown"
    if prison < lo:
        ground = (isinstance(mitigation, str) and mitigation != "") or plea is True
        return "below_minimum_with_ground" if ground else "below_minimum_no_ground"
    if hi is not None and not pd.isna(hi) and prison > hi:
        return "above_maximum"
    return "within_range"


def boolean(value) -> bool | None:
    return None if pd.isna(value) else bool(value)


# ------------------------------------------------------------------------------------------------ units
def derive() -> tuple[list[dict], dict[str, pd.DataFrame]]:
    table = statutes()
    cur = {s: current(v, s) for s, v in accepted_versions().items()}
    inv, pros, jud, vic = cur["investigations"], cur["prosecutions"], cur["judgments"], cur["victims"]
    for frame in (inv, pros, jud):
        frame["group_rank"] = frame["offence_code"].map(lambda c: RANK[lookup(c, table)["group"]])

    units: dict[str, pd.DataFrame] = {}
    # investigated cases: distinct case_id at the earliest opened_on; group over all charges of the case
    case_rank = inv.groupby("case_id")["group_rank"].max()
    units["investigated_cases"] = inv.groupby("case_id").agg(date=("opened_on", "min")).assign(
        group_rank=case_rank).reset_index()
    # investigated persons: (case_id, person) at the earliest opened_on; group: all charges of the case
    p = inv.groupby(["case_id", "person_id"]).agg(date=("opened_on", "min"),
                                                   own_rank=("group_rank", "max")).reset_index()
    p["group_rank"] = p["case_id"].map(case_rank)
    units["investigated_persons"] = p
    # prosecuted persons: (prosecution_id, person) with indicted/plea_agreement, earliest such decided_on
    q = pros[pros["decision"].isin(["indicted", "plea_agreement"])]
    units["prosecuted_persons"] = q.groupby(["prosecution_id", "person_id"]).agg(
        date=("decided_on", "min"), group_rank=("group_rank", "max")).reset_index()
    first = jud[jud["instance"] == "first"]
    # convicted persons (first instance): (judgment_id, person) with a convicted charge, at that date
    conv = first[first["verdict"] == "convicted"].sort_values(["judgment_date", "month", "line"])
    units["convicted_persons"] = conv.groupby(["judgment_id", "person_id"]).agg(
        date=("judgment_date", "min"), group_rank=("group_rank", "max"), court=("court", "first")).reset_index()
    # acquitted persons: first instance, no convicted charge, at least one acquitted charge
    has_conv = set(map(tuple, conv[["judgment_id", "person_id"]].to_numpy()))
    acq = first[first["verdict"] == "acquitted"]
    acq = acq[[(j, pp) not in has_conv for j, pp in zip(acq["judgment_id"], acq["person_id"])]]
    units["acquitted_persons"] = acq.groupby(["judgment_id", "person_id"]).agg(
        date=("judgment_date", "min"), group_rank=("group_rank", "max")).reset_index()
    # final convictions: (judgment_id, person) with a final convicting row, at the earliest such date;
    # group over the final convicting charges
    fin = jud[jud["final"].fillna(False).astype(bool) & jud["verdict"].isin(CONVICTING)]
    units["final_convictions"] = fin.groupby(["judgment_id", "person_id"]).agg(
        date=("judgment_date", "min"), group_rank=("group_rank", "max")).reset_index()
    # identified victims: distinct victim at the earliest identified_on; highest group over all their
    # cases (no case, or a case with no investigation row: trafficking); child if age < 18; dimensions
    # from the victim's own (earliest) row
    def victim_case_rank(case_id):
        if pd.isna(case_id) or case_id not in case_rank.index:
            return RANK["trafficking"]
        return case_rank[case_id]
    v = vic.assign(group_rank=vic["case_id"].map(victim_case_rank)).sort_values(
        ["identified_on", "month", "line"])
    units["victims_identified"] = v.groupby("victim_id").agg(
        date=("identified_on", "min"), group_rank=("group_rank", "max"), sex=("sex", "first"),
        age=("age", "first"), exploitation_form=("exploitation_form", "first"), rows=("line", "size"),
    ).reset_index()
    vu = units["victims_identified"]
    vu["age_group"] = vu["age"].map(lambda a: "unknown" if pd.isna(a) else ("child" if a < 18 else "adult"))
    units["child_victims"] = vu[vu["age_group"] == "child"]

    # sentences, first instance: every first-instance convicted row, classified per charge
    s = first[first["verdict"] == "convicted"].copy()
    ranges = [applicable_range(c, od, jd, table)
              for c, od, jd in zip(s["offence_code"], s["offence_date"], s["judgment_date"])]
    s["min"] = [r[0] for r in ranges]
    s["max"] = [r[1] for r in ranges]
    s["on_charged"] = [r[2] for r in ranges]
    s["group"] = s["group_rank"].map(GROUP_OF_RANK)
    s["category"] = [category(pm, boolean(su), mi, boolean(pl), lo, hi) for pm, su, mi, pl, lo, hi in zip(
        s["prison_months"], s["suspended"], s["mitigation"], s["plea_agreement"], s["min"], s["max"])]
    s["category_number"] = s["category"].map(CATEGORIES.index) + 1
    s["susp"] = s["suspended"].fillna(False).astype(bool)
    months = s["prison_months"].fillna(0).astype(float)
    s["unsuspended_months"] = months.where(~s["susp"], 0.0)
    s["suspended_months"] = months.where(s["susp"], 0.0)
    units["sentences"] = s
    # a person's sentence: among the charges of the person's group, most unsuspended months, then most
    # suspended months, then lowest category number, then lowest offence_code
    persons = []
    for (j, person), charges in s.groupby(["judgment_id", "person_id"]):
        top = charges["group_rank"].max()
        pick = charges[charges["group_rank"] == top].sort_values(
            ["unsuspended_months", "suspended_months", "category_number", "offence_code"],
            ascending=[False, False, True, True]).iloc[0]
        persons.append({"judgment_id": j, "person_id": person, "group_rank": top,
                        "known_minimum": pick["min"] is not None and not pd.isna(pick["min"]),
                        "category": pick["category"], "prison_months": pick["prison_months"],
                        "suspended": bool(pick["susp"]), "offence_code": pick["offence_code"],
                        "on_charged": bool(pick["on_charged"])})
    ps = pd.DataFrame(persons).merge(units["convicted_persons"][["judgment_id", "person_id", "date"]],
                                     on=["judgment_id", "person_id"])
    units["person_sentences"] = ps
    return figures(units), units


def in_year(frame: pd.DataFrame, column: str = "date") -> pd.DataFrame:
    return frame[frame[column].dt.year == YEAR]


def figures(units: dict[str, pd.DataFrame]) -> list[dict]:
    rows = []

    def add(figure, group, n, how, dimension="total", value="all"):
        rows.append({"figure": figure, "group": group, "dimension": dimension, "value": value, "n": n,
                     "how": how})

    hows = {
        "investigated_cases": "distinct current case_id with an investigation row, dated at the earliest "
                              "opened_on; group = highest over all charges of the case",
        "investigated_persons": "distinct (case_id, person) with an investigation row, at the earliest opened_on; "
                                "group = highest over all charges of the case",
        "prosecuted_persons": "distinct (prosecution_id, person) with an indicted/plea_agreement charge, at the "
                              "earliest such decided_on; group = highest over those charges",
        "convicted_persons": "distinct (judgment_id, person) with a first-instance convicted charge, at that "
                             "judgment_date; group = highest over the convicted charges",
        "final_convictions": "distinct (judgment_id, person) with a final convicting (convicted/confirmed/modified) "
                             "row, at the earliest such judgment_date; group = highest over those charges",
        "acquitted_persons": "distinct (judgment_id, person) at first instance with no convicted and at least one "
                             "acquitted charge; group = highest over the acquitted charges",
        "victims_identified": "distinct victim_id at the earliest identified_on; group = highest over the victim's "
                              "cases (no or unknown case = trafficking)",
        "child_victims": "identified victims (as victims_identified) whose age (earliest row) is < 18",
    }
    for group, members in PUBLISHED.items():
        ranks = {RANK[g] for g in members}
        for figure, how in hows.items():
            u = in_year(units[figure])
            add(figure, group, int(u["group_rank"].isin(ranks).sum()), how)
        # first-instance sentence categories, per charge in its own group, year of the judgment_date
        s = units["sentences"]
        s = s[(s["judgment_date"].dt.year == YEAR) & s["group_rank"].isin(ranks)]
        for cat in CATEGORIES:
            add(f"sentences.{cat}", group, int((s["category"] == cat).sum()),
                f"first-instance convicted charges of {YEAR} (own group) in category {cat} "
                "(law in force: most lenient version in force from offence_date to judgment_date; "
                "without offence_date the version the code names)")
        add("sentences.total", group, len(s), f"all first-instance convicted charges of {YEAR} (own group)")
        # C, K over the persons counted in convicted_persons of the year; X, Y over all of them (v1.3)
        ps = in_year(units["person_sentences"])
        ps = ps[ps["group_rank"].isin(ranks)]
        known = ps[ps["known_minimum"]]
        imposed = ps[(ps["prison_months"].fillna(0) > 0) & ~ps["suspended"]]["prison_months"]
        add("sentenced_persons", group, len(known),
            "C: convicted persons of the year whose sentence (chosen charge) has a known statutory minimum")
        add("below_minimum_persons", group, int(known["category"].isin(BELOW).sum()),
            "K: of C, persons whose sentence is no_prison, suspended or below_minimum_*")
        add("prison_months_min", group, None if imposed.empty else float(imposed.min()),
            "X: smallest unsuspended prison term > 0 among the sentences of all convicted persons of the year")
        add("prison_months_max", group, None if imposed.empty else float(imposed.max()),
            "Y: largest unsuspended prison term > 0 among the sentences of all convicted persons of the year")
        add("suspended_term_persons", group, int((ps["category"] == "suspended").sum()),
            "convicted persons of the year whose sentence is a suspended term (category suspended)")
        add("no_prison_persons", group, int((ps["category"] == "no_prison").sum()),
            "convicted persons of the year whose sentence has no imprisonment (category no_prison)")
        add("sentences_on_charged_version", group, int(known["on_charged"].sum()),
            "of C, persons whose sentence was placed on the version the charge names (no offence_date)")
        # breakdowns
        for figure in ("victims_identified", "child_victims"):
            u = in_year(units[figure])
            u = u[u["group_rank"].isin(ranks)]
            for dim in ("sex", "age_group", "exploitation_form"):
                for value, n in sorted(u[dim].value_counts().items()):
                    add(figure, group, int(n), f"{figure} by the victim's own {dim} (earliest row)", dim, value)
        u = in_year(units["convicted_persons"])
        u = u[u["group_rank"].isin(ranks)]
        for value, n in sorted(u["court"].value_counts().items()):
            add("convicted_persons", group, int(n), "convicted_persons by the first-instance court of the "
                "convicting row", "court", value)
    return rows


def fmt(n) -> str:
    if n is None:
        return ""
    return str(int(n)) if float(n).is_integer() else repr(float(n))


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--check", action="store_true", help="compare with the committed CSV, do not write")
    args = parser.parse_args()
    rows, _ = derive()
    for r in rows:
        r["n"] = fmt(r["n"])
    if args.check:
        with open(OUT, newline="", encoding="utf-8") as f:
            committed = [dict(r) for r in csv.DictReader(f)]
        same = [{k: r[k] for k in ("figure", "group", "dimension", "value", "n")} for r in rows] == \
               [{k: r[k] for k in ("figure", "group", "dimension", "value", "n")} for r in committed]
        print("derivation equals the committed CSV" if same else "derivation DIFFERS from the committed CSV")
        return 0 if same else 1
    with open(OUT, "w", newline="", encoding="utf-8") as f:
        writer = csv.DictWriter(f, fieldnames=["figure", "group", "dimension", "value", "n", "how"],
                                lineterminator="\n")
        writer.writeheader()
        writer.writerows(rows)
    print(f"wrote {OUT.relative_to(REPO)} ({len(rows)} rows)")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
