"""`tipstats export glotip|eurostat|sdg --year Y`: the year's international returns, written to
reports/public/<Y>/returns/ (docs/returns.md)."""
from __future__ import annotations

from pathlib import Path
from typing import Annotated, Optional

import duckdb
import pandas as pd
import typer

from contracts import codes, pack
from pipeline import stats, terminal
from pipeline.config import Config, ConfigError
from pipeline.export import Sheet, write_csv, write_xlsx
from pipeline.publication.periods import PUBLIC, ReportError, default_periods
from pipeline.publication.sql import query
from pipeline.returns import cells, eurostat, glotip, sdg
from pipeline.returns.crosswalk import Crosswalk, ReturnsError, read

COLLECTIONS = ("glotip", "eurostat", "sdg")
# the source whose deliveries each unit is counted from: a year it delivered nothing is "not reported"
UNIT_SOURCE = {"formal_contact": "investigations", "prosecuted": "prosecutions", "convicted": "judgments",
               "victims": "victims"}
FILES = {"glotip": "glotip", "eurostat": "eurostat-crim_thb", "sdg": "sdg-16-2-2"}


def folder(config: Config, year: int) -> Path:
    return config.output / PUBLIC / str(year) / "returns"


def check_provisions(con: duckdb.DuckDBPyConnection, crosswalk: Crosswalk) -> None:
    """Refuse while a charged provision has no ICCS code: its persons would be counted under no offence."""
    charged = [statute for (statute,) in con.execute(
        (stats.SQL_DIR / "queries" / "returns_provisions.sql").read_text()).fetchall()]
    missing = crosswalk.unmapped(charged)
    if missing:
        raise ReturnsError(f"{len(missing)} charged provision{'s' if len(missing) > 1 else ''} ha"
                           f"{'ve' if len(missing) > 1 else 's'} no ICCS code in {pack.active().name}/iccs.csv: "
                           f"{', '.join(missing)} (`tipstats pack check` lists them)")


def unit_cuts(con: duckdb.DuckDBPyConnection, config: Config, year: int, crosswalk: Crosswalk,
              coverage: dict) -> dict[str, cells.Cuts | None]:
    return {unit: cells.cut(con, config, year, unit, crosswalk) if coverage[source]["months_delivered"] else None
            for unit, source in UNIT_SOURCE.items()}


def about(collection: str, year: int, crosswalk: Crosswalk, coverage: dict, as_of: dict, config: Config,
          all_cuts: dict) -> pd.DataFrame:
    """What the file is: collection and layout followed, source, coverage, pack, data as of, disclosure
    control, units, and what is not verified."""
    section = crosswalk.section(collection)
    active = pack.active()
    unverified = [key.removesuffix("_verified") for key, value in section.items()
                  if key.endswith("_verified") and value is False]
    items = [
        ("collection", {"glotip": "UNODC Global Report on Trafficking in Persons (GLOTIP) / UN-CTS",
                        "eurostat": "Eurostat trafficking in human beings (crim_thb)",
                        "sdg": "SDG indicator 16.2.2 (global SDG database, SDMX)"}[collection]),
        ("layout followed", section.get("layout", f"{section.get('agency')}:{section.get('dataflow')}"
                                                  f"({section.get('version')}), SDMX-CSV 2.0")),
        ("country", active.country),
        ("year", str(year)),
        ("source", crosswalk.section("glotip").get("source", "")),
        ("coverage", "; ".join(f"{s}: {c['months_delivered']} of {c['months_in_year']} months delivered"
                               for s, c in coverage.items())),
        ("not reported", ", ".join(u for u, c in all_cuts.items() if c is None) or "none"),
        ("pack", f"{active.name} {active.version}"),
        ("data as of", f"{as_of['last_month']} (load {as_of['load_id']})"),
        ("units", "; ".join(f"{u} = {f}" for u, f in crosswalk.units.items())
         + f"; persons: group {cells.PERSON_GROUP}; victims: trafficking and related offences, as the public edition"),
        ("disclosure control", f"victim counts from 1 to {config.k - 1} shown as <{config.k}, and further cells as x, "
                               "as in the public edition and together with it; persons are published as counted"),
        ("ICCS", "; ".join(dict.fromkeys(crosswalk.iccs["iccs_version"]))),
        ("not verified", ", ".join(unverified) or "none"),
        ("ICCS not verified", ", ".join(f"{r.kind} {r.code} ({r.iccs})" for r in crosswalk.iccs.itertuples()
                                       if r.verified != "true") or "none"),
    ]
    if collection == "sdg":
        items.append(("population", crosswalk.population_source(year) or
                      f"the pack gives no population for {year}: counts only, no rates"))
    return pd.DataFrame(items, columns=["item", "text"])


def export(
    collections: Annotated[Optional[list[str]], typer.Argument(help="glotip, eurostat, sdg (default: all three).")] = None,
    year: Annotated[Optional[int], typer.Option(help="Calendar year (default: the latest complete year loaded).")] = None,
) -> None:
    """Write the international returns of a year: UNODC GLOTIP, Eurostat crim_thb, SDG 16.2.2 (SDMX)."""
    chosen = collections or list(COLLECTIONS)
    for name in chosen:
        if name not in COLLECTIONS:
            terminal.fail(f"unknown return {name!r}: choose from {', '.join(COLLECTIONS)}")
    try:
        config = Config.load()
    except ConfigError as e:
        terminal.fail(str(e))
    with terminal.warehouse() as con:
        if year is None:
            years = [p.year for p in default_periods(con) if p.kind == "year"]
            if not years:
                terminal.fail("no complete year is loaded: give --year")
            year = years[0]
        _, _, refusal = stats.undelivered(con, f"{year:04d}-01", f"{year:04d}-12")
        if refusal:
            terminal.fail(refusal)
        try:
            written = write(con, config, year, chosen)
        except (ReturnsError, ReportError) as e:
            terminal.fail(str(e))
    for path in written:
        terminal.out.print(f"Return {year}: {path}")


def write(con: duckdb.DuckDBPyConnection, config: Config, year: int, chosen: list[str]) -> list[Path]:
    crosswalk = read()
    check_provisions(con, crosswalk)
    coverage = stats.coverage(con, year, f"{year:04d}-01", f"{year:04d}-12")
    as_of = query(con, "report_as_of").iloc[0].to_dict()
    if "sdg" in chosen and not coverage["victims"]["months_delivered"]:
        raise ReturnsError(f"sdg {year}: victims were not reported that year (no victims delivery): "
                           "SDG 16.2.2 has nothing to send")
    all_cuts = unit_cuts(con, config, year, crosswalk, coverage)
    out, written = folder(config, year), []
    for name in chosen:
        info = about(name, year, crosswalk, coverage, as_of, config, all_cuts)
        path = out / FILES[name]
        if name == "sdg":
            source = f"{crosswalk.section('glotip').get('source', '')}; pack {pack.active().name} " \
                     f"{pack.active().version}; data as of {as_of['last_month']}"
            written.append(sdg.write(all_cuts["victims"], year, crosswalk, source, path.with_suffix(".csv")))
            written.append(write_csv(info, out / f"{FILES[name]}-about.csv"))
            continue
        if name == "glotip":
            names = {r["code"]: r["label"] for r in codes.rows("citizenship")}
            frame = glotip.table(all_cuts, year, crosswalk, names)
        else:
            frame = eurostat.table(all_cuts, year, crosswalk)
        written.append(write_csv(frame, path.with_suffix(".csv")))
        written.append(write_xlsx([Sheet("About", info, f"{info.at[0, 'text']}, {year}"),
                                   Sheet("Data", frame, f"{info.at[0, 'text']}, {year}")], path.with_suffix(".xlsx")))
    return written


def register(app: typer.Typer) -> None:
    app.command("export")(export)
