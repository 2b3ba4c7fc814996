"""The Eurostat crim_thb return: persons by legal status × ICCS offence × citizenship (reporting country,
other EU, non-EU) × sex × age, as one long table; small victim counts flagged "c" (confidential) with no value."""
from __future__ import annotations

import pandas as pd

from pipeline.returns.cells import TOTAL, Cuts
from pipeline.returns.crosswalk import Crosswalk

COLUMNS = ["geo", "TIME_PERIOD", "leg_stat", "iccs", "citizen", "sex", "age", "unit", "OBS_VALUE", "OBS_FLAG"]
LEGAL_STATUS = {"victims": "VICT", "formal_contact": "SUSP", "prosecuted": "PROS", "convicted": "CONV"}
SEXES = {TOTAL: "T", "F": "F", "M": "M"}
AGES = {TOTAL: "TOTAL", "child": "Y_LT18", "adult": "Y_GE18"}
CITIZEN = {TOTAL: "TOTAL", "national": "NAT", "eu": "EU_FOR", "non_eu": "NEU_FOR", "unknown": "UNK"}
ICCS = {"02041": "ICCS02041", "02042": "ICCS02042", "02043_02044": "ICCS02043_02044"}


def value(shown: str) -> tuple[str, str]:
    """OBS_VALUE and OBS_FLAG of a published figure: the number, or no value and "c"."""
    return (shown, "") if shown.isdigit() else ("", "c")


def cells(cuts: Cuts) -> list[tuple]:
    out = [("ICCS0204", "TOTAL", SEXES[s], AGES[a], *value(cuts.shown("sa", s, a))) for s in SEXES for a in AGES]
    out += [(ICCS[c], "TOTAL", SEXES[s], "TOTAL", *value(cuts.shown("eu_cat_s", c, s))) for c in ICCS for s in SEXES]
    out += [("ICCS0204", CITIZEN[g], SEXES[s], "TOTAL", *value(cuts.shown("citg", g, s)))
            for g in list(CITIZEN)[1:] for s in SEXES]
    return out


def table(all_cuts: dict[str, Cuts | None], year: int, crosswalk: Crosswalk) -> pd.DataFrame:
    """The long table; a unit whose source delivered nothing that year has no rows (its absence is stated
    on the About sheet), never zeros."""
    rows = [(LEGAL_STATUS[unit], *cell) for unit, cuts in all_cuts.items() if cuts is not None
            for cell in cells(cuts)]
    frame = pd.DataFrame(rows, columns=["leg_stat", "iccs", "citizen", "sex", "age", "OBS_VALUE", "OBS_FLAG"])
    frame.insert(0, "geo", crosswalk.section("eurostat")["geo"])
    frame.insert(1, "TIME_PERIOD", year)
    frame["unit"] = "NR"
    return frame[COLUMNS]
