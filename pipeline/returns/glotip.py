"""The UNODC GLOTIP / UN-CTS return: UNODC's long table (data_glotip.xlsx), one row per indicator ×
dimension × category × sex × age of the year, small victim counts as "<k" and their partners as "x"."""
from __future__ import annotations

import pandas as pd

from pipeline.returns.cells import TOTAL, Cuts, by_form
from pipeline.returns.crosswalk import ICCS_FORMS, Crosswalk

COLUMNS = ["Iso3_code", "Country", "Region", "Subregion", "Indicator", "Dimension", "Category", "Sex", "Age",
           "Year", "Unit of measurement", "txtVALUE", "Source"]
INDICATORS = {"victims": "Detected trafficking victims", "formal_contact": "Persons brought into formal contact",
              "prosecuted": "Persons prosecuted", "convicted": "Persons convicted"}
SEXES = {TOTAL: "Total", "F": "Female", "M": "Male"}
AGES = {TOTAL: "Total", "child": "0 to 17 years", "adult": "18 years or over"}
NOT_REPORTED = "not reported"


def cells(cuts: Cuts) -> list[tuple[str, str, str, str, str]]:
    """(dimension, category, sex, age, txtVALUE) of one unit."""
    out = [("Total", "Total", SEXES[s], AGES[a], cuts.shown(*by_form(None, s, a))) for s in SEXES for a in AGES]
    out += [("by form of exploitation", ICCS_FORMS[code], SEXES[s], AGES[a], cuts.shown(*by_form(code, s, a)))
            for code in cuts.categories for s in SEXES for a in AGES]
    return out


def table(all_cuts: dict[str, Cuts | None], year: int, crosswalk: Crosswalk, country_names: dict[str, str]) -> pd.DataFrame:
    """The long table; a unit whose source delivered nothing that year is one row, "not reported"."""
    g = crosswalk.section("glotip")
    rows = []
    for unit, indicator in INDICATORS.items():
        cuts = all_cuts.get(unit)
        if cuts is None:
            rows.append((indicator, "Total", "Total", "Total", "Total", NOT_REPORTED))
            continue
        rows += [(indicator, *cell) for cell in cells(cuts)]
        for code in cuts.protected["cit"].grid.counts.index:
            if code != "unknown":
                rows.append((indicator, "by citizenship", country_names.get(code, code), "Total", "Total",
                             cuts.shown("cit", code, TOTAL)))
    frame = pd.DataFrame(rows, columns=["Indicator", "Dimension", "Category", "Sex", "Age", "txtVALUE"])
    frame.insert(0, "Iso3_code", g["iso3_code"])
    frame.insert(1, "Country", g["country"])
    frame.insert(2, "Region", g["region"])
    frame.insert(3, "Subregion", g["subregion"])
    frame["Year"] = year
    frame["Unit of measurement"] = "Counts"
    frame["Source"] = crosswalk.source
    return frame[COLUMNS]
