"""The figures every return is cut from, and their disclosure control.

Each unit of the collections (persons brought into formal contact, prosecuted, convicted; victims) is one
stats figure of a year, cross-classified by `stats.compute` (form of exploitation × sex × age group, and
citizenship × sex), so every exported figure is the one `tipstats stats --json --by …` prints. The cuts
the returns publish are suppress.Grids: the persons' are published as counted (as in the public edition);
the victims' are protected with the public edition's own rule (k, "<k", secondary suppression) and
together with the public edition of the year: its victim tables are in the same system, with what it
published pinned and what it hid kept hidden, and each return cell is tied to the public figure it is part
of, so that no difference between the two publications gives a small count away.

Victims are those of the public edition's victim tables (trafficking and related offences): a return that
counted another set beside them would publish the related-offence victims by difference.
"""
from __future__ import annotations

from dataclasses import dataclass
from functools import cached_property

import duckdb
import pandas as pd

from contracts import codes, pack
from pipeline import stats, suppress
from pipeline.config import Config
from pipeline.publication import editions
from pipeline.publication.figures import AGE_GROUPS, gather
from pipeline.publication.periods import Period
from pipeline.publication.protection import published_victim_years
from pipeline.returns.crosswalk import ICCS_FORMS, Crosswalk

TOTAL = suppress.TOTAL
PERSON_GROUP = "trafficking"
VICTIM_GROUP = "all"  # stats' name for trafficking + related, the groups of the public victim tables
VICTIMS = "victims"


@dataclass
class Cuts:
    """One unit's published cuts: grid name → suppress.Protected (the display and the counts)."""
    protected: dict[str, suppress.Protected]
    k: int
    together: tuple[list[suppress.Grid], tuple] = ((), ())  # every grid protected at once, and their sums

    @cached_property
    def displays(self) -> dict[str, pd.DataFrame]:
        return {name: p.display(self.k) for name, p in self.protected.items()}

    def shown(self, grid: str, row: str = TOTAL, column: str = TOTAL) -> str:
        """The figure as published: its number, "<k" or "x"."""
        return self.displays[grid].at[row, column]

    def status(self, grid: str, row: str = TOTAL, column: str = TOTAL) -> str:
        return self.protected[grid].status.at[row, column]

    @property
    def categories(self) -> list[str]:
        """The ICCS categories of the forms of exploitation the pack maps."""
        return list(self.protected["cat_sa"].grid.counts.index)


def by_form(category: str | None, sex: str, age: str) -> tuple[str, str, str]:
    """(grid, row, column) of the figure of one ICCS category (None: all forms) × sex × age (TOTAL for all)."""
    if category is None:
        return "sa", sex, age
    if sex == TOTAL:
        return ("cat_a", category, age) if age != TOTAL else ("cat_sa", category, TOTAL)
    return ("cat_s", category, sex) if age == TOTAL else ("cat_sa", category, sex_age(sex, age))


def sex_age(sex: str, age: str) -> str:
    return f"{sex} {age}"


def grids(con: duckdb.DuckDBPyConnection, year: int, figure: str, group: str, crosswalk: Crosswalk,
          protect: bool) -> tuple[list[suppress.Grid], list[tuple]]:
    """The cuts of one figure of `year` as grids, and the sums that tie them to their cells:
      fsa       form of exploitation × (sex, age group)       the cells
      sa        sex × age group                               Total × sex × age
      cat_sa    ICCS category × (sex, age), cat_s, cat_a       by form of exploitation
      eu_cat_s  Eurostat's ICCS categories × sex
      cit       citizenship × sex                             by citizenship
      citg      citizenship group (national, EU, non-EU, unknown) × sex"""
    forms, sexes = list(codes.code_list("exploitation_form")), list(codes.code_list("sex"))
    columns = [sex_age(s, a) for s in sexes for a in AGE_GROUPS]
    cube = stats.compute(con, year, group, ["exploitation_form", "sex", "age_group"])["rows"]
    fsa = pd.DataFrame(0, index=pd.Index(forms, dtype=object), columns=pd.Index(columns, dtype=object))
    for row in cube:
        fsa.at[row["exploitation_form"], sex_age(row["sex"], row["age_group"])] = row[figure] or 0
    people = stats.compute(con, year, group, ["citizenship", "sex"])["rows"]
    citizenships = list(dict.fromkeys(r["citizenship"] for r in people)) or ["unknown"]
    cit = pd.DataFrame(0, index=pd.Index(citizenships, dtype=object), columns=pd.Index(sexes, dtype=object))
    for row in people:
        cit.at[row["citizenship"], row["sex"]] = row[figure] or 0

    category = crosswalk.form_category()
    categories = [c for c in ICCS_FORMS if c in category.values()]
    national, eu = set(pack.active().national_citizenship), crosswalk.eu_members(year)
    group_of = {c: "unknown" if c == "unknown" else "national" if c in national else "eu" if c in eu
                else "non_eu" for c in citizenships}
    citizenship_groups = ["national", "eu", "non_eu", "unknown"]

    sums: list[tuple] = []

    def derived(name: str, rows: list, cols: list, parts) -> pd.DataFrame:
        """A grid each of whose cells is the sum of `parts(row, column)` (figures of other grids)."""
        frame = pd.DataFrame(0, index=pd.Index(rows, dtype=object), columns=pd.Index(cols, dtype=object))
        source = {"fsa": fsa, "cit": cit}
        for r in rows:
            for c in cols:
                cells = parts(r, c)
                frame.at[r, c] = sum(int(source[g].at[rr, cc]) for g, rr, cc in cells)
                sums.append(((name, r, c), tuple(cells)))
        return frame

    sa = derived("sa", sexes, list(AGE_GROUPS), lambda s, a: [("fsa", f, sex_age(s, a)) for f in forms])
    cat_sa = derived("cat_sa", categories, columns,
                     lambda c, col: [("fsa", f, col) for f in forms if category.get(f) == c])
    cat_s = derived("cat_s", categories, sexes, lambda c, s: [("fsa", f, sex_age(s, a)) for f in forms
                                                              if category.get(f) == c for a in AGE_GROUPS])
    cat_a = derived("cat_a", categories, list(AGE_GROUPS), lambda c, a: [("fsa", f, sex_age(s, a)) for f in forms
                                                                        if category.get(f) == c for s in sexes])
    # Eurostat joins organ removal and other purposes (ICCS02043_02044)
    eurostat_categories = ["02041", "02042", "02043_02044"]
    eu_cat = derived("eu_cat_s", eurostat_categories, sexes,
                     lambda c, s: [("fsa", f, sex_age(s, a)) for f in forms if category.get(f) in c.split("_")
                                   for a in AGE_GROUPS])
    citg = derived("citg", citizenship_groups, sexes,
                   lambda g, s: [("cit", c, s) for c in citizenships if group_of[c] == g])
    # citizenship and the other cuts count the same people: each sex's total is the same figure
    sums += [(("sa", s, TOTAL), tuple(("cit", c, s) for c in citizenships)) for s in sexes]
    frames = {"fsa": fsa, "sa": sa, "cat_sa": cat_sa, "cat_s": cat_s, "cat_a": cat_a, "eu_cat_s": eu_cat,
              "cit": cit, "citg": citg}
    return [suppress.Grid(name, frame, protect=protect) for name, frame in frames.items()], sums


def public_links(year: int, sexes: list[str], forms: list[str]) -> list[tuple]:
    """The public edition's victim figures of `year` as sums of the return's cells (protection.count_grids
    names and labels)."""
    y = str(year)
    links = [(("victims_by_form", f, y), (("fsa", f, TOTAL),)) for f in forms]
    links += [(("victims_by_sex", s, y), (("sa", s, TOTAL),)) for s in sexes]
    links += [(("victims_by_form_and_age", f, f"{y} {a}"), tuple(("fsa", f, sex_age(s, a)) for s in sexes))
              for f in forms for a in AGE_GROUPS]
    links.append((("victims_by_group", TOTAL, y), (("sa", TOTAL, TOTAL),)))
    return links


def cut(con: duckdb.DuckDBPyConnection, config: Config, year: int, unit: str, crosswalk: Crosswalk) -> Cuts:
    """One unit's cuts for `year`, victims protected around the public edition of the year."""
    figure = crosswalk.units[unit]
    if unit != VICTIMS:
        own, sums = grids(con, year, figure, PERSON_GROUP, crosswalk, protect=False)
        return Cuts(suppress.protect(own, config.k, sums=tuple(sums)), config.k, (own, tuple(sums)))
    own, sums = grids(con, year, figure, VICTIM_GROUP, crosswalk, protect=True)
    period = Period.of_year(year)
    facts = gather(con, period)
    public, hidden, previous = [], [], {}
    if str(year) in published_victim_years(facts, period):
        public_grids, suppressed = editions.public_protection(facts, period, config)
        public = [g for g in public_grids if g.name.startswith("victims_")]
        for g in public:
            protected = suppressed[g.name]
            previous[g.name] = protected.display(config.k)
            hidden += [(name, r, c) for name, r, c, _ in protected.cells()]
        sums += public_links(year, list(codes.code_list("sex")), list(codes.code_list("exploitation_form")))
    # the public grids are labelled with text (years as "2025"), as Protected.cells() gives them
    status = suppress.protect(public + own, config.k, previous, sums=tuple(sums), hidden=tuple(hidden))
    return Cuts({g.name: status[g.name] for g in own}, config.k, (public + own, tuple(sums)))
