"""Disclosure control over the report's counts about people: the grids the tables are cut from, the
public edition's suppression and the restricted edition's full figures (pipeline/suppress.py does the work)."""
from __future__ import annotations

import pandas as pd

from contracts import codes
from pipeline import suppress
from pipeline.config import Config
from pipeline.publication.figures import AGE_GROUPS, STAGES, Facts
from pipeline.publication.periods import Period, years


def published_victim_years(facts: Facts, period: Period) -> list[str]:
    """The calendar years the victim tables show: those whose twelve months are all within the months
    loaded, up to Period.victim_year_end (and an annual report's own year even when incomplete). A year
    the data begin in part-way holds too few victims to publish anything but "<k"."""
    first_month = str(facts.as_of["first_month"])
    return [y for y in years(facts.first_year, period.victim_year_end)
            if f"{y}-01" >= first_month or (period.kind == "year" and int(y) == period.year)]


def grid_counts(rows: list[str], columns: list[str], cells: dict[tuple[str, str], int]) -> pd.DataFrame:
    """Counts rows × columns in code order, zeros where nothing was counted."""
    frame = pd.DataFrame(0, index=pd.Index(rows, dtype=object), columns=pd.Index(columns, dtype=object))
    for (r, c), n in cells.items():
        if r in frame.index and c in frame.columns and pd.notna(n):
            frame.at[r, c] = int(n)
    return frame.astype("int64")


def count_grids(facts: Facts, period: Period, config: Config) -> list[suppress.Grid]:
    """The published count tables about people, as suppression grids. The victim grids have one column per
    calendar year and share their year margin (each column total is the victims identified that year);
    victims by form is, per year, the sum of victims by form and age group over the age groups, whose column
    totals are victims by age group. The headline's victim figures cost most to hide."""
    victim_years = published_victim_years(facts, period)
    v = facts.victims

    def cells(dimension: str) -> dict:
        return {(str(r.value), str(r.year)): r.n for r in v[v["dimension"] == dimension].itertuples()}

    form_age = {(str(r.value).split("|")[0], f"{r.year} {str(r.value).split('|')[1]}"): r.n
                for r in v[v["dimension"] == "form_age"].itertuples()}
    forms = list(codes.code_list("exploitation_form"))
    regions = [*codes.first_instance_courts(), "unknown"]
    margin = "victims_per_year"
    all_years = years(facts.first_year, period.year)
    officials = facts.public_officials
    convicted = facts.convicted_by_court
    # One column per calendar year and no multi-year Total column: a total across years would tie each
    # year's small cells to the others' and hide years that are safe on their own.
    per_year = dict(row_totals=False, grand_total=False, column_margin=margin)
    year = str(period.year)
    return [
        suppress.Grid("victims_by_sex", grid_counts(list(codes.code_list("sex")), victim_years, cells("sex")),
                      **per_year),
        suppress.Grid("victims_by_form", grid_counts(forms, victim_years, cells("exploitation_form")),
                      aggregates=(("victims_by_form_and_age",
                                   {y: [f"{y} {a}" for a in AGE_GROUPS] for y in victim_years}),), **per_year),
        suppress.Grid("victims_by_form_and_age",
                      grid_counts(forms, [f"{y} {a}" for y in victim_years for a in AGE_GROUPS], form_age),
                      row_totals=False, grand_total=False, headline=((suppress.TOTAL, f"{year} child"),)),
        suppress.Grid("victims_by_region", grid_counts(regions, victim_years, cells("region")), **per_year),
        # the headline's victims (tables.headline_victims): hidden only where nothing else protects a small cell
        suppress.Grid("victims_by_group", grid_counts(["trafficking", "related"], victim_years, cells("group")),
                      headline=tuple((r, year) for r in ("trafficking", "related", suppress.TOTAL)), **per_year),
        suppress.Grid("public_officials",
                      grid_counts(list(STAGES), all_years, {(r.figure, str(r.year)): r.n for r in officials.itertuples()}),
                      protect="public_officials" in config.suppress, column_totals=False, grand_total=False),
        suppress.Grid("convicted_by_court",
                      grid_counts(regions, all_years, {(r.court, str(r.year)): r.n for r in convicted.itertuples()}),
                      protect="convicted_by_court" in config.suppress),
    ]


def protect(grids: list[suppress.Grid], config: Config,
            previous: dict[str, pd.DataFrame]) -> dict[str, suppress.Protected]:
    """The public edition: suppress.protect() over the protected grids together (they are linked), each
    unprotected grid on its own (nothing is hidden in it, and it is linked to none). `previous`: the
    displays an earlier edition published (revisions.displays)."""
    protected = suppress.protect([g for g in grids if g.protect], config.k, previous)
    for g in grids:
        if not g.protect:
            protected.update(suppress.protect([g], config.k))
    return {g.name: protected[g.name] for g in grids}


def unprotected(grids: list[suppress.Grid], config: Config) -> dict[str, suppress.Protected]:
    """The restricted edition: the same tables with every figure shown."""
    return suppress.protect([suppress.Grid(**{**g.__dict__, "protect": False}) for g in grids], config.k)
