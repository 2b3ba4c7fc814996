"""An edition computed: facts, protection, tables, charts, TIP paragraph, caveats and revisions, before
anything is written (publish.py writes it)."""
from __future__ import annotations

import copy
import datetime as dt
from dataclasses import dataclass, field
from pathlib import Path

import duckdb
import pandas as pd

from pipeline import charts, stats, suppress
from pipeline.config import Config, Labels
from pipeline.publication import images, protection, revisions, tables, tip
from pipeline.publication.figures import Facts, gather
from pipeline.publication.periods import Period, ReportError, edition_folder, incomplete_periods

RESTRICTED = "RESTRICTED"  # the marking of every page, sheet and file of the restricted edition


@dataclass
class Edition:
    period: Period
    restricted: bool
    folder: Path
    config: Config
    facts: Facts
    tables: list[tables.Table]
    charts: list[charts.Chart]
    protected: dict[str, suppress.Protected]  # as shown in this edition
    suppressed: dict[str, suppress.Protected]  # as shown in the public edition
    summary: str | None
    caveats: list[str]
    revisions: pd.DataFrame
    previous: dict | None
    record: dict
    built_at: str
    timings: dict[str, float] = field(default_factory=dict)
    images_missing: str | None = None
    quality_files: list[Path] = field(default_factory=list)

    @property
    def labels(self) -> Labels:
        return self.config.labels

    @property
    def victim_years(self) -> list[str]:
        return protection.published_victim_years(self.facts, self.period)


def build(con: duckdb.DuckDBPyConnection, config: Config, period: Period, restricted: bool = False,
          facts: Facts | None = None) -> Edition:
    """Compute the edition: facts, protection, tables, charts, TIP paragraph, caveats, revisions. `facts`: those
    another language's edition of the same period read from the same connection (figures have no language),
    so that a period's editions read the warehouse once and protect it once; copied, so that no edition
    changes another's."""
    labels = config.labels
    _, _, refusal = stats.undelivered(con, period.first_month, period.last_month)
    if refusal:  # its figures would be zeros meaning "not delivered": refused as `tipstats stats` refuses it
        raise ReportError(refusal)
    facts = gather(con, period) if facts is None else copy.deepcopy(facts)
    # one folder per language inside the period's (reports/public/2025/sq/); the edition records stay at the
    # period's level: they hold figures, not words, and are the same for every language
    folder = edition_folder(config.output, period.label, restricted) / config.language
    previous = revisions.previous_edition(config.output, period, restricted, facts.as_of["load_id"])
    # the public edition's suppression (the restricted edition lists it in suppression.csv)
    if facts.public_protection is None:
        facts.public_protection = public_protection(facts, period, config)
    grids, suppressed = facts.public_protection
    protected = protection.unprotected(grids, config) if restricted else suppressed
    shown = {name: p.display(config.k) for name, p in protected.items()}

    series, step = tables.trend_series(facts, period)
    table_list = tables.edition_tables(facts, period, shown, protection.published_victim_years(facts, period),
                                       series, step, config, restricted)
    ctx = charts.Context(labels, config, period.name(labels), period.year, tip.footer(facts, period, labels, config),
                         restricted, config.k, incomplete=drawn_incomplete(facts, series))
    chart_list = images.edition_charts({t.name: t.frame for t in table_list}, facts.histogram, series, step, ctx)

    # the paragraph states the public edition's victim figures in both editions, never a hidden one
    # the TIP paragraph is in English in every edition (ENGLISH_ONLY in config.py), the country's name included
    english = config.in_language("en")
    summary = None
    if period.kind == "year":
        if facts.year_before is None:
            facts.year_before = stats.compute(con, period.year - 1, "trafficking")
        summary = tip.tip_summary(facts, period, english.labels, english, facts.year_before,
                                  {name: p.display(config.k) for name, p in suppressed.items()})
    current = revisions.edition_record(facts, period, shown, restricted, config)
    revised = revisions.compare(con, previous, current, labels)
    return Edition(period, restricted, folder, config, facts, table_list, chart_list, protected, suppressed, summary,
                   tip.caveats(facts, period, suppressed, labels, config, restricted), revised, previous, current,
                   dt.datetime.now().isoformat(timespec="seconds"))


def public_protection(facts: Facts, period: Period, config: Config) -> tuple[list[suppress.Grid], dict[str, suppress.Protected]]:
    """The public edition's count grids and their suppression, whichever edition is built (the international
    returns protect their cells around it too)."""
    grids = protection.count_grids(facts, period, config)
    previous = revisions.previous_edition(config.output, period, False, facts.as_of["load_id"])
    try:
        return grids, protection.protect(grids, config, revisions.displays(previous))
    except ValueError as e:  # e.g. a figure the previous edition published can no longer be protected
        raise ReportError(f"report {period.label}: disclosure control: {e}") from None


def drawn_incomplete(facts: Facts, series: pd.DataFrame) -> dict[str, tuple[int, int]]:
    """The years and quarters the charts draw that the collection covers only in part (charts mark them)."""
    drawn = {str(y) for y in range(facts.first_year, int(str(facts.as_of["last_month"])[:4]) + 1)}
    drawn |= set(series["period"].astype(str))
    return incomplete_periods(sorted(drawn), str(facts.as_of["first_month"]), str(facts.as_of["last_month"]))
