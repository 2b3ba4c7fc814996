"""What the report reads from the warehouse: every fact it shows, for one period."""
from __future__ import annotations

from dataclasses import dataclass

import duckdb
import pandas as pd

from pipeline import backlog, sentences, stats
from pipeline.publication.periods import Period
from pipeline.publication.sql import query

AGE_GROUPS = ("child", "adult", "unknown")
STAGES = ("investigated_persons", "prosecuted_persons", "convicted_persons", "acquitted_persons",
          "final_convictions")
HEADLINE = ("investigated_cases", "investigated_persons", "prosecuted_persons", "convicted_persons",
            "acquitted_persons", "final_convictions")
GROUPS = ("trafficking", "related", "all")


@dataclass
class Facts:
    """Everything the report shows, as read from the warehouse."""
    as_of: dict
    figures: pd.DataFrame
    victims: pd.DataFrame
    convicted_by_court: pd.DataFrame
    public_officials: pd.DataFrame
    histogram: pd.DataFrame
    below_minimum: pd.DataFrame
    backlog: pd.DataFrame
    attrition: pd.DataFrame
    unverified: pd.DataFrame
    quality: pd.DataFrame
    stats: dict[str, dict]  # group → the `tipstats stats --json` object (annual reports)
    quarantine: pd.DataFrame
    officials_list: pd.DataFrame
    below_list: pd.DataFrame
    reclassified: pd.DataFrame  # persons investigated for trafficking, by the group later charged (mart_reclassified)
    watch_begging: pd.DataFrame  # forced begging charged outside trafficking, cases per year and stage
    # the year before's trafficking figures, which the TIP paragraph compares with (annual reports; read by
    # the first edition that needs them, then kept for the period's other languages)
    year_before: dict | None = None
    # the public edition's count grids and their suppression (editions.public_protection), which have no
    # language either: computed by the period's first edition (the linear programs take seconds), then kept
    public_protection: tuple | None = None

    @property
    def first_year(self) -> int:
        return int(str(self.as_of["first_month"])[:4])


def gather(con: duckdb.DuckDBPyConnection, period: Period) -> Facts:
    year = {"year": period.year}
    backlog_columns, backlog_rows = backlog.fetch(con, "backlog", period.year)
    funnel_columns, funnel_rows = backlog.fetch(con, "funnel", period.year)
    below_columns, below_rows = sentences.fetch(con, "first", period.year, True, restricted=True)
    quarantine = [query(con, "quality_rows", [month], folder="load").assign(month=month) for month in period.months]
    return Facts(
        as_of=query(con, "report_as_of").iloc[0].to_dict(),
        figures=query(con, "report_figures", {"last_month": period.last_month}),
        victims=query(con, "report_victims", {"year": period.victim_year_end}),
        convicted_by_court=query(con, "report_convicted_by_court", year),
        public_officials=query(con, "report_public_officials", year),
        histogram=query(con, "report_sentence_histogram", year),
        below_minimum=query(con, "report_below_minimum", year),
        backlog=pd.DataFrame(backlog_rows, columns=backlog_columns),
        attrition=pd.DataFrame(funnel_rows, columns=funnel_columns),
        unverified=query(con, "report_unverified_statutes", year),
        quality=query(con, "report_data_quality", {"first_month": period.first_month,
                                                   "last_month": period.last_month}),
        stats={g: stats.compute(con, period.year, g) for g in GROUPS} if period.kind == "year" else {},
        quarantine=pd.concat(quarantine, ignore_index=True),
        officials_list=query(con, "report_public_officials_list", year),
        below_list=pd.DataFrame(below_rows, columns=below_columns),
        reclassified=query(con, "report_reclassified", year),
        watch_begging=query(con, "report_watch_begging", year),
    )
