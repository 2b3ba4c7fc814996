"""What the returns read from the pack: returns.toml (the collections' names for the country, the unit
behind each of their figures, the layout followed), iccs.csv (provisions and forms of exploitation in ICCS),
population.csv (for rates) and the dated EU membership of codes/citizenship_groups.csv."""
from __future__ import annotations

import datetime as dt
import tomllib
from dataclasses import dataclass

import pandas as pd

from contracts import codes, pack

# ICCS 1.0 sub-classes of 0204 (trafficking in persons) and their names in the collections
ICCS_FORMS = {"02041": "Sexual exploitation", "02042": "Forced labour", "02043": "Organ removal",
              "02044": "Other purposes"}


class ReturnsError(ValueError):
    """A return that cannot be written as asked; the message is the one line the user sees."""


@dataclass(frozen=True)
class Crosswalk:
    settings: dict
    iccs: pd.DataFrame  # kind, code, iccs, iccs_version, source, verified
    population: pd.DataFrame  # year, sex, age_group, population, source, verified
    eu: pd.DataFrame  # code, valid_from, valid_to

    def section(self, name: str) -> dict:
        return self.settings.get(name, {})

    @property
    def units(self) -> dict[str, str]:
        return self.section("units")

    @property
    def source(self) -> str:
        return self.section("returns").get("source", "")

    def form_category(self) -> dict[str, str]:
        """Form of exploitation → ICCS sub-code (forms without one, `unknown` among them, are in no category)."""
        forms = self.iccs[self.iccs["kind"] == "exploitation_form"]
        return dict(zip(forms["code"], forms["iccs"]))

    def unmapped(self, provisions: list[str]) -> list[str]:
        mapped = set(self.iccs.loc[self.iccs["kind"] == "statute", "code"])
        return sorted(set(provisions) - mapped)

    def eu_members(self, year: int) -> set[str]:
        """The citizenships of EU member states at the end of `year`."""
        end = dt.date(year, 12, 31).isoformat()
        rows = self.eu[(self.eu["valid_from"] <= end) & ((self.eu["valid_to"] == "") | (self.eu["valid_to"] >= end))]
        return set(rows["code"])

    def people(self, year: int) -> dict[tuple[str, str], int]:
        """(sex, age_group) → population of `year` ('total' in either for all), where the pack gives it."""
        rows = self.population[self.population["year"] == str(year)]
        return {(r.sex, r.age_group): int(r.population) for r in rows.itertuples()}

    def population_source(self, year: int) -> str:
        rows = self.population[self.population["year"] == str(year)]
        return "; ".join(dict.fromkeys(rows["source"])) if len(rows) else ""


def read() -> Crosswalk:
    """The active pack's crosswalk; ReturnsError naming the file when returns.toml or iccs.csv is missing."""
    active = pack.active()
    settings_path, iccs_path = active.path("returns.toml"), active.path("iccs.csv")
    for path in (settings_path, iccs_path):
        if not path.exists():
            raise ReturnsError(f"pack {active.name} has no {path.name}: the returns need it (docs/returns.md)")
    settings = tomllib.loads(settings_path.read_text(encoding="utf-8"))
    iccs = pd.read_csv(iccs_path, dtype=str, keep_default_na=False)
    population_path = active.path("population.csv")
    population = (pd.read_csv(population_path, dtype=str, keep_default_na=False) if population_path.exists()
                  else pd.DataFrame(columns=["year", "sex", "age_group", "population", "source", "verified"]))
    eu = pd.DataFrame([r for r in codes.rows("citizenship_groups") if r["group"] == "eu"],
                      columns=["group", "code", "valid_from", "valid_to"]).fillna("")
    return Crosswalk(settings, iccs, population, eu)
