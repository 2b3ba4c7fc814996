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
    charged = [statute for (statute,) in stats.query(con, "returns_provisions", [])]
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
    """What the file is, in the language of `config`: collection and layout followed, source, coverage, pack,
    data as of, units, disclosure control, and what is not verified. The layouts' own codes stay as they are."""
    L = config.labels
    section = crosswalk.section(collection)
    active = pack.active()
    unverified = [key.removesuffix("_verified") for key, value in section.items()
                  if key.endswith("_verified") and value is False]
    iccs_unverified = [f"{r.kind} {r.code} ({r.iccs})" for r in crosswalk.iccs.itertuples() if r.verified != "true"]
    layout = section.get("layout") or f"{section['agency']}:{section['dataflow']}({section['version']}), SDMX-CSV 2.0"
    none = L["returns.about.none"]
    items = [
        ("collection", L[f"returns.collection.{collection}"]),
        ("layout", layout),
        ("country", config.country_name),
        ("year", str(year)),
        ("source", crosswalk.source),
        ("coverage", "; ".join(L.text("returns.about.coverage.source", agency=L[f"agency.{source}"],
                                      delivered=c["months_delivered"], months=c["months_in_year"])
                               for source, c in coverage.items())),
        ("not_reported", ", ".join(u for u, c in all_cuts.items() if c is None) or none),
        ("pack", f"{active.name} {active.version}"),
        ("as_of", L.text("about.as_of.text", last_month=L.month(str(as_of["last_month"])), load=as_of["load_id"])),
        ("units", L.text("returns.about.units.text",
                         units="; ".join(f"{u} = {f}" for u, f in crosswalk.units.items()))),
        ("disclosure", L.text("returns.about.disclosure.text", below=config.k - 1, k=config.k)),
        ("iccs", "; ".join(dict.fromkeys(crosswalk.iccs["iccs_version"]))),
        ("unverified", ", ".join(unverified) or none),
        ("iccs_unverified", ", ".join(iccs_unverified) or none),
    ]
    if collection == "sdg":
        items.append(("population", crosswalk.population_source(year)
                      or L.text("returns.about.population.none", year=year)))
    return pd.DataFrame({L["returns.column.item"]: [L[f"returns.about.{key}"] for key, _ in items],
                         L["returns.column.text"]: [text for _, text in items]})


def preamble(info: pd.DataFrame, config: Config, collection: str, year: int) -> list[str]:
    """The two lines above a CSV return's header (UNODC's own file has its header on row 3): the title, then
    source, coverage, pack and data as of."""
    L = config.labels
    text = dict(zip(info.iloc[:, 0], info.iloc[:, 1]))
    title = L.text("returns.about.title", collection=L[f"returns.collection.{collection}"],
                   country=config.country_name, year=str(year))
    keys = ("source", "coverage", "pack", "as_of")
    return [title, " · ".join(f"{L[f'returns.about.{k}']}: {text[L[f'returns.about.{k}']]}" for k in keys)]


def export(
    collections: Annotated[Optional[list[str]], typer.Argument(help="glotip, eurostat, sdg (default: all three).")] = None,
    year: Annotated[Optional[int], typer.Option(help="Calendar year (default: the latest complete year loaded).")] = None,
    language: Annotated[Optional[str], typer.Option(help="Language of the About sheet and the title lines (one of the pack's; default: en). The collections' own codes and labels stay as their layouts have them.")] = None,
) -> None:
    """Write the international returns of a year: UNODC GLOTIP, Eurostat crim_thb, SDG 16.2.2 (SDMX)."""
    chosen = collections or list(COLLECTIONS)
    for name in chosen:
        if name not in COLLECTIONS:
            terminal.fail(f"unknown return {name!r}: choose from {', '.join(COLLECTIONS)}")
    languages = pack.active().languages
    if language is not None and language not in languages:
        terminal.fail(f"--language must be one of {', '.join(languages)}, not {language!r}")
    try:
        config = Config.load().in_language(language or "en")
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
    """Every return of `chosen`; nothing is written when one of them is refused."""
    crosswalk = read()
    check_provisions(con, crosswalk)
    coverage = stats.coverage(con, year, f"{year:04d}-01", f"{year:04d}-12")
    if "sdg" in chosen and not coverage["victims"]["months_delivered"]:
        raise ReturnsError(f"sdg {year}: victims were not reported that year (no victims delivery): "
                           "SDG 16.2.2 has nothing to send")
    as_of = query(con, "report_as_of").iloc[0].to_dict()
    all_cuts = unit_cuts(con, config, year, crosswalk, coverage)
    out, written, L = folder(config, year), [], config.labels
    for name in chosen:
        info = about(name, year, crosswalk, coverage, as_of, config, all_cuts)
        title, details = preamble(info, config, name, year)
        path = out / FILES[name]
        if name == "sdg":  # SDMX-CSV has no room for lines above its header: the source rides on every row
            source = f"{crosswalk.source}; {details}"
            written.append(sdg.write(all_cuts["victims"], year, crosswalk, source, path.with_suffix(".csv")))
            written.append(write_csv(info, out / f"{FILES[name]}-about.csv"))
            continue
        if name == "glotip":
            names = {r["code"]: r["label"] for r in codes.rows("citizenship")}
            frame = glotip.table(all_cuts, year, crosswalk, names)
        else:
            frame = eurostat.table(all_cuts, year, crosswalk)
        written.append(write_csv(frame, path.with_suffix(".csv"), preamble=[title, details]))
        written.append(write_xlsx([Sheet(L["returns.sheet.about"], info, title),
                                   Sheet(L["returns.sheet.data"], frame, title)], path.with_suffix(".xlsx")))
    return written


def register(app: typer.Typer) -> None:
    app.command("export")(export)
