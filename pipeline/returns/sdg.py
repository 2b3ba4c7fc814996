"""SDG indicator 16.2.2 in SDMX-CSV 2.0: detected victims (counts and, where the pack gives the population,
rates per 100,000) by form of exploitation, sex and age, in the global SDG data structure (written through
pysdmx against a Schema built here, offline: no registry is asked at run time)."""
from __future__ import annotations

from pathlib import Path

import pandas as pd
from pysdmx.io import write_sdmx
from pysdmx.io.format import Format
from pysdmx.io.pd import PandasDataset
from pysdmx.model import Component, Components, Concept, DataType, Role, Schema

from pipeline.returns.cells import TOTAL, Cuts, by_form
from pipeline.returns.crosswalk import Crosswalk

# the dimensions of DF_SDG_GLH in order; those tipstats does not break down are _T (total / not applicable)
DIMENSIONS = ["FREQ", "REPORTING_TYPE", "SERIES", "REF_AREA", "SEX", "AGE", "URBANISATION",
              "INCOME_WEALTH_QUANTILE", "EDUCATION_LEV", "OCCUPATION", "CUST_BREAKDOWN", "COMPOSITE_BREAKDOWN",
              "DISABILITY_STATUS", "ACTIVITY", "PRODUCT", "TIME_PERIOD"]
ATTRIBUTES = ["UNIT_MEASURE", "UNIT_MULT", "OBS_STATUS", "CONF_STATUS", "SOURCE_DETAIL"]
# series by ICCS sub-code of the form of exploitation (None: all forms); rates add "R"
SERIES = {None: "VC_HTF_DETV", "02041": "VC_HTF_DETVSX", "02042": "VC_HTF_DETVFL", "02043": "VC_HTF_DETVOG",
          "02044": "VC_HTF_DETVOP"}
SEXES = {TOTAL: "_T", "F": "F", "M": "M"}
POPULATION_SEX = {TOTAL: "total", "F": "F", "M": "M"}
POPULATION_AGE = {TOTAL: "total", "child": "child", "adult": "adult"}
PER = 100_000
# SDMX confidentiality status: C primary ("<k"), D secondary ("x"), F free
CONFIDENTIALITY = {"primary": "C", "secondary": "D", "": "F"}


def schema(crosswalk: Crosswalk) -> Schema:
    """The Schema of the return, as the pack records the dataflow (agency, id, version)."""
    s = crosswalk.section("sdg")

    def component(id_: str, role: Role, dtype: DataType = DataType.STRING, required: bool = True) -> Component:
        return Component(id=id_, required=required, role=role, concept=Concept(id=id_, dtype=dtype),
                         attachment_level="O" if role == Role.ATTRIBUTE else None)

    components = [component(d, Role.DIMENSION) for d in DIMENSIONS]
    # a text measure: pysdmx writes a typed DOUBLE as "29.0"; counts go out as counted, rates to 3 decimals
    components.append(component("OBS_VALUE", Role.MEASURE, required=False))
    components += [component(a, Role.ATTRIBUTE, required=False) for a in ATTRIBUTES]
    return Schema(context="dataflow", agency=s["agency"], id=s["dataflow"], version=s["version"],
                  components=Components(components))


def observations(cuts: Cuts, year: int, crosswalk: Crosswalk, source: str) -> pd.DataFrame:
    s = crosswalk.section("sdg")
    ages = {TOTAL: "_T", "child": s["age_child"], "adult": s["age_adult"]}
    people = crosswalk.people(year)
    codes = [None, *cuts.categories]
    rows = []
    for code in codes:
        for sex in SEXES:
            for age in ages:
                where = by_form(code, sex, age)
                shown, status = cuts.shown(*where), cuts.status(*where)
                published = shown.isdigit()
                base = {"SERIES": SERIES[code], "SEX": SEXES[sex], "AGE": ages[age],
                        "OBS_STATUS": "A" if published else "O", "CONF_STATUS": CONFIDENTIALITY[status],
                        "SOURCE_DETAIL": source, "UNIT_MULT": "0"}
                rows.append({**base, "OBS_VALUE": shown if published else "", "UNIT_MEASURE": "NUMBER"})
                population = people.get((POPULATION_SEX[sex], POPULATION_AGE[age]))
                if population:
                    rate = f"{int(shown) * PER / population:.3f}" if published else ""
                    rows.append({**base, "SERIES": SERIES[code] + "R", "OBS_VALUE": rate,
                                 "UNIT_MEASURE": "PER_100000_POP"})
    frame = pd.DataFrame(rows)
    frame["FREQ"], frame["REPORTING_TYPE"], frame["REF_AREA"], frame["TIME_PERIOD"] = "A", "N", s["ref_area"], str(year)
    for d in DIMENSIONS:
        if d not in frame:
            frame[d] = "_T"
    return frame[[*DIMENSIONS, "OBS_VALUE", *ATTRIBUTES]].astype(str)


def write(cuts: Cuts, year: int, crosswalk: Crosswalk, source: str, path: Path) -> Path:
    data = observations(cuts, year, crosswalk, source)
    path.parent.mkdir(parents=True, exist_ok=True)
    write_sdmx(PandasDataset(structure=schema(crosswalk), data=data), Format.DATA_SDMX_CSV_2_0_0, str(path))
    return path
