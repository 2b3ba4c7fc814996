"""`tipstats report`: the publication of a year or a month, built from the warehouse (read-only).

A recipe: configuration → facts (one query file each, warehouse/queries/report_*.sql) → disclosure
control (pipeline/suppress.py) → tables, charts, TIP paragraph → files. Writes reports/<period>/:
report.html (one self-contained page), charts/NAME.png|svg, tables.xlsx and tables/NAME.csv,
revisions.csv, tip-summary.md (annual reports), .editions/ (what each edition published, to find
revisions) and restricted/quality-<agency>.xlsx. `--restricted` writes the unsuppressed internal
edition, with case numbers and pseudonyms, to reports/<period>/restricted/ instead.
"""
from __future__ import annotations

import contextlib
import datetime as dt
import html
import json
import re
import shutil
import time
from dataclasses import dataclass, field, replace
from pathlib import Path
from typing import Annotated, Callable, Optional

import duckdb
import pandas as pd
import typer

from contracts import SOURCES, codes
from pipeline import charts, faults, stats, suppress, terminal
from pipeline.config import Config, ConfigError, Labels
from pipeline.export import Sheet, write_csv, write_xlsx
from pipeline.settings import SQL_DIR

RESTRICTED = "RESTRICTED"
AGE_GROUPS = ("child", "adult", "unknown")
STAGES = ("investigated_persons", "prosecuted_persons", "convicted_persons", "acquitted_persons",
          "final_convictions")
HEADLINE = ("investigated_cases", "investigated_persons", "prosecuted_persons", "convicted_persons",
            "acquitted_persons", "final_convictions")
GROUPS = ("trafficking", "related", "all")
MONTH = re.compile(r"^\d{4}-(0[1-9]|1[0-2])$")


class ReportError(Exception):
    """A report that cannot be built as asked; the message is the one line the user sees."""


# ------------------------------------------------------------------------------------------------ periods
@dataclass(frozen=True)
class Period:
    kind: str  # "year" or "month"
    label: str  # "2025", "2026-10": the folder name
    year: int
    first_month: str
    last_month: str

    @classmethod
    def of_year(cls, year: int) -> "Period":
        return cls("year", str(year), year, f"{year}-01", f"{year}-12")

    @classmethod
    def of_month(cls, month: str) -> "Period":
        return cls("month", month, int(month[:4]), month, month)

    def name(self, labels: Labels) -> str:
        if self.kind == "year":
            return self.label
        return labels.text("period.month", month=labels[f"month.{self.label[5:]}"], year=self.year)

    @property
    def months(self) -> list[str]:
        return [f"{self.year}-{m:02d}" for m in range(int(self.first_month[5:]), int(self.last_month[5:]) + 1)]

    @property
    def victim_year_end(self) -> int:
        """Victims are published by calendar year only. A monthly report shows the complete years before
        its own: a year to date would give each month away by difference with last month's report."""
        return self.year if self.kind == "year" else self.year - 1


def default_periods(con: duckdb.DuckDBPyConnection) -> list[Period]:
    """The latest complete year in the data (January to December within the months loaded) and the
    latest month loaded."""
    as_of = query(con, "report_as_of").iloc[0]
    if pd.isna(as_of["last_month"]):
        return []
    first, last = str(as_of["first_month"]), str(as_of["last_month"])
    year = int(last[:4]) if last.endswith("-12") else int(last[:4]) - 1
    return ([Period.of_year(year)] if f"{year}-01" >= first else []) + [Period.of_month(last)]


def query(con: duckdb.DuckDBPyConnection, name: str, params: dict | list | None = None,
          folder: str = "queries") -> pd.DataFrame:
    return con.execute((SQL_DIR / folder / f"{name}.sql").read_text(), params or {}).df()


# -------------------------------------------------------------------------------------------------- facts
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

    @property
    def first_year(self) -> int:
        return int(str(self.as_of["first_month"])[:4])


def gather(con: duckdb.DuckDBPyConnection, period: Period) -> Facts:
    from pipeline import backlog, sentences

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
    )


# ------------------------------------------------------------------------------------ disclosure control
def years(first: int, last: int) -> list[str]:
    return [str(y) for y in range(first, last + 1)]


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
    regions = [*codes.regions(codes.BASIC_REGIONS_LEVEL), "unknown"]
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
        # the headline's victims (headline_victims): hidden only where nothing else protects a small cell
        suppress.Grid("victims_by_group", grid_counts(["trafficking", "related"], victim_years, cells("group")),
                      headline=tuple((r, year) for r in ("trafficking", "related", suppress.TOTAL)), **per_year),
        suppress.Grid("public_officials",
                      grid_counts(list(STAGES), all_years, {(r.figure, str(r.year)): r.n for r in officials.itertuples()}),
                      protect="public_officials" in config.suppress, column_totals=False, grand_total=False),
        suppress.Grid("convicted_by_court",
                      grid_counts(regions, all_years, {(r.court, str(r.year)): r.n for r in convicted.itertuples()}),
                      protect="convicted_by_court" in config.suppress),
    ]


def displays(edition: dict | None) -> dict[str, pd.DataFrame]:
    """The protected tables an earlier edition published, as suppress.protect() takes them."""
    return {name: pd.DataFrame(d["data"], index=d["index"], columns=d["columns"])
            for name, d in (edition or {}).get("displays", {}).items()}


def protect(grids: list[suppress.Grid], config: Config,
            previous: dict[str, pd.DataFrame]) -> dict[str, suppress.Protected]:
    """The public edition: suppress.protect() over the protected grids together (they are linked), each
    unprotected grid on its own (nothing is hidden in it, and it is linked to none)."""
    protected = suppress.protect([g for g in grids if g.protect], config.k, previous)
    for g in grids:
        if not g.protect:
            protected.update(suppress.protect([g], config.k))
    return {g.name: protected[g.name] for g in grids}


def unprotected(grids: list[suppress.Grid], config: Config) -> dict[str, suppress.Protected]:
    """The restricted edition: the same tables with every figure shown."""
    return suppress.protect([suppress.Grid(**{**g.__dict__, "protect": False}) for g in grids], config.k)


# ----------------------------------------------------------------------------------------------- tables
@dataclass
class Table:
    name: str
    title: str
    frame: pd.DataFrame
    note: str = ""
    restricted_only: bool = False


def published(text):
    """A display cell as written to CSV/XLSX: a count as a number, "<5", "x" and "" as text."""
    return int(text) if isinstance(text, str) and text.isdigit() else text


def grid_table(display: pd.DataFrame, labels: Labels, code_list: str | None) -> pd.DataFrame:
    """A protected grid as a published table: code, label, one column per column of the grid, Total."""
    frame = display.map(published)
    frame.columns = [str(c) for c in frame.columns]
    label = [labels["table.total"] if r == suppress.TOTAL else
             labels.code(code_list, r) if code_list else labels.get(f"figure.{r}", r) for r in display.index]
    frame.insert(0, "label", label)
    frame.insert(0, "code", [str(r) for r in display.index])
    return frame.reset_index(drop=True)


def derived_table(rows: list[tuple[str, str]], columns: list[str], cell: Callable[[str, str], object]) -> pd.DataFrame:
    """A table whose cells are figures of protected grids: rows (code, label) × columns."""
    return pd.DataFrame([{"code": code, "label": label, **{c: published(cell(code, c)) for c in columns}}
                         for code, label in rows])


def victim_tables(shown: dict[str, pd.DataFrame], labels: Labels, victim_years: list[str]) -> list[Table]:
    T = suppress.TOTAL
    form_age = shown["victims_by_form_and_age"]
    per_year = shown["victims_by_sex"].loc[T]
    forms = [r for r in form_age.index if r != T]
    age_rows = [(a, labels.code("age_group", a)) for a in AGE_GROUPS] + [(T, labels["table.total"])]
    by_age = derived_table(age_rows, victim_years,
                           lambda a, y: per_year[y] if a == T else form_age.at[T, f"{y} {a}"])
    child_rows = [(f, labels.code("exploitation_form", f)) for f in forms] + [(T, labels["table.total"])]
    child = derived_table(child_rows, victim_years, lambda f, y: form_age.at[f, f"{y} child"])
    wide = grid_table(form_age, labels, "exploitation_form")
    t = labels.text
    return [
        Table("victims_by_sex", t("table.victims_by_sex"), grid_table(shown["victims_by_sex"], labels, "sex")),
        Table("victims_by_age", t("table.victims_by_age"), by_age),
        Table("victims_by_form", t("table.victims_by_form"), grid_table(shown["victims_by_form"], labels, "exploitation_form")),
        Table("child_victims_by_form", t("table.child_victims_by_form"), child),
        Table("victims_by_form_and_age", t("table.victims_by_form_and_age"), wide),
        Table("victims_by_region", t("table.victims_by_region"), grid_table(shown["victims_by_region"], labels, "region")),
        Table("victims_by_group", t("table.victims_by_group"), grid_table(shown["victims_by_group"], labels, "group")),
    ]


def coverage_text(quality: pd.DataFrame, labels: Labels) -> str:
    parts = [labels.text("coverage.source", source=labels[f"source.{r.source}"], delivered=r.delivered + r.nil_returns,
                         months=r.months) for r in quality.itertuples()]
    return ", ".join(parts)


def headline_table(facts: Facts, period: Period, shown: dict[str, pd.DataFrame], labels: Labels,
                   config: Config) -> pd.DataFrame:
    """The period's figures by group. Annual: `tipstats stats` (stats.compute) for each group, victims from
    the protected tables. Monthly: mart_counts for the month (victims are published by year only)."""
    rows = []
    months = dict(zip(facts.quality["source"], facts.quality["delivered"] + facts.quality["nil_returns"]))
    months_in = dict(zip(facts.quality["source"], facts.quality["months"]))
    source_of = {f: s for f, s in zip(facts.figures["figure"], facts.figures["source"])}

    def coverage(figure: str) -> str:
        source = source_of.get(figure, "victims" if "victim" in figure else "judgments")
        return f"{months.get(source, 0)}/{months_in.get(source, len(period.months))}"

    if period.kind == "year":
        for figure in HEADLINE:
            rows.append([figure, *[facts.stats[g][figure] for g in GROUPS], coverage(figure)])
        for figure, cells in headline_victims(shown, period).items():
            rows.append([figure, *[published(cells.get(g, "")) for g in GROUPS], coverage("victims_identified")])
        for figure in ("sentenced_persons", "below_minimum_persons"):
            rows.append([figure, *[facts.stats[g][figure] for g in GROUPS], coverage("convicted_persons")])
    else:
        month = facts.figures[(facts.figures["period_type"] == "month") & (facts.figures["period"] == period.label)]
        for figure in HEADLINE:
            values = {r.group: (int(r.n) if pd.notna(r.n) else labels["value.not_reported"])
                      for r in month[month["figure"] == figure].itertuples()}
            rows.append([figure, *[values.get(g, 0) for g in GROUPS], coverage(figure)])
    frame = pd.DataFrame(rows, columns=["figure", *GROUPS, "months_delivered"])
    frame.insert(1, "label", [labels[f"figure.{f}"] for f in frame["figure"]])
    return frame


def headline_victims(shown: dict[str, pd.DataFrame], period: Period) -> dict[str, dict[str, str]]:
    """The headline's victim cells, taken from the protected tables (so they are suppressed alike):
    victims by group (its Total is all victims) and child victims (the Total of the child column)."""
    T, year = suppress.TOTAL, str(period.year)
    by_group = shown["victims_by_group"]
    if year not in by_group.columns:
        return {}
    return {"victims_identified": {g: by_group.at[g if g != "all" else T, year] for g in GROUPS},
            "child_victims": {"all": shown["victims_by_form_and_age"].at[T, f"{year} child"]}}


def suppression_list(suppressed: dict[str, suppress.Protected], labels: Labels, period: Period,
                     victim_years: list[str]) -> pd.DataFrame:
    """Every published cell the public edition hides: (table, code, column, status), the tables as
    published (derived tables and the headline included), built by the same functions as the values."""
    status = {name: p.status for name, p in suppressed.items()}
    tables = [(t.name, t.frame) for t in victim_tables(status, labels, victim_years)]
    tables += [(name, grid_table(status[name], labels, None)) for name in ("public_officials", "convicted_by_court")]
    rows = [("headline", figure, g, s) for figure, cells in headline_victims(status, period).items()
            for g, s in cells.items() if s]
    for name, frame in tables:
        for record in frame.to_dict("records"):
            rows += [(name, record["code"], column, s) for column, s in record.items()
                     if column not in ("code", "label") and isinstance(s, str) and s]
    return pd.DataFrame(rows, columns=["table", "code", "column", "status"])


def trend_series(facts: Facts, period: Period) -> tuple[pd.DataFrame, str]:
    """Group all, per quarter up to the year's last (annual report) or per month over the 24 months up to
    the report's month (monthly); `current` marks the periods inside the report's period."""
    step = "quarter" if period.kind == "year" else "month"
    f = facts.figures
    rows = f[(f["period_type"] == step) & (f["group"] == "all") & (f["last_month"] <= period.last_month)
             & (f["last_month"] >= str(facts.as_of["first_month"]))
             & f["figure"].isin(["investigated_persons", "prosecuted_persons", "convicted_persons"])].copy()
    periods = sorted(rows["period"].unique())
    if step == "month":
        periods = periods[-24:]
    rows = rows[rows["period"].isin(periods)]
    rows["current"] = rows["first_month"] >= period.first_month
    rows["n"] = rows["n"].astype(object).where(rows["n"].notna(), None)
    return rows[["period", "figure", "n", "months_delivered", "months_in_period", "current"]], step


def trend_table(series: pd.DataFrame, labels: Labels) -> pd.DataFrame:
    figures = ["investigated_persons", "prosecuted_persons", "convicted_persons"]
    wide = series.pivot(index="period", columns="figure", values="n").reindex(columns=figures).reset_index()
    cover = series.groupby("period")["months_delivered"].min().rename("months_delivered_min").reset_index()
    wide = wide.merge(cover, on="period")
    for column in ("investigated_persons", "prosecuted_persons", "convicted_persons"):
        wide[column] = [labels["value.not_reported"] if v is None or pd.isna(v) else int(v) for v in wide[column]]
    return wide[["period", "investigated_persons", "prosecuted_persons", "convicted_persons", "months_delivered_min"]]


def court_label(labels: Labels, court: str) -> str:
    return labels["table.total"] if court == "all" else labels.code("region", court)


# ------------------------------------------------------------------------------------------- the edition
@dataclass
class Edition:
    period: Period
    restricted: bool
    folder: Path
    config: Config
    facts: Facts
    tables: list[Table]
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


def build(con: duckdb.DuckDBPyConnection, config: Config, period: Period, restricted: bool = False) -> Edition:
    """Compute the edition: facts, protection, tables, charts, TIP paragraph, caveats, revisions."""
    labels = config.labels
    facts = gather(con, period)
    root = config.output / period.label
    folder = root / "restricted" if restricted else root
    previous = previous_edition(config.output, period, restricted, facts.as_of["load_id"])
    grids = count_grids(facts, period, config)
    # the public edition's suppression (the restricted edition lists it in suppression.csv)
    public_previous = previous if not restricted else previous_edition(config.output, period, False,
                                                                       facts.as_of["load_id"])
    try:
        suppressed = protect(grids, config, displays(public_previous))
    except ValueError as e:  # e.g. a figure the previous edition published can no longer be protected
        raise ReportError(f"report {period.label}: disclosure control: {e}") from None
    protected = unprotected(grids, config) if restricted else suppressed
    shown = {name: p.display(config.k) for name, p in protected.items()}
    victim_years = published_victim_years(facts, period)

    tables, chart_list = [], []
    series, step = trend_series(facts, period)
    ctx = charts.Context(labels, config, period.name(labels), period.year, footer(facts, period, labels, config),
                         restricted, config.k)
    t = labels.text
    tables.append(Table("headline", t("table.headline", period=period.name(labels)),
                        headline_table(facts, period, shown, labels, config), labels["table.headline.note"]))
    tables.append(Table("trends", t(f"table.trends.{step}"), trend_table(series, labels)))
    chart_list.append(charts.trends(series, ctx, step))

    cohort = facts.attrition[facts.attrition["cohort_year"] == period.year]
    tables.append(Table("attrition", t("table.attrition", year=period.year), cohort.reset_index(drop=True)))
    all_row = cohort[cohort["group"] == "all"]
    chart_list.append(charts.attrition(all_row.iloc[0].to_dict() if len(all_row) else None, ctx))

    histogram = facts.histogram.assign(label=[labels[f"bin.{b}"] for b in facts.histogram["bin"]])
    tables.append(Table("sentences_vs_minimum", t("table.sentences_vs_minimum", year=period.year),
                        histogram[["bin", "label", "n", "share"]].rename(columns={"n": "charges"})))
    chart_list.append(charts.sentences_vs_minimum(facts.histogram, ctx))

    below = facts.below_minimum.copy()
    below["share_pct"] = [round(100 * k / c, 1) if c else None for k, c in zip(below["below"], below["sentenced"])]
    by_court = below[below["year"] == period.year].copy()
    by_court["court_label"] = [court_label(labels, c) for c in by_court["court"]]
    by_year = below[below["court"] == "all"].reset_index(drop=True)
    tables.append(Table("below_minimum_by_court", t("table.below_minimum_by_court", year=period.year),
                        by_court[["court", "court_label", "sentenced", "below", "share_pct"]].reset_index(drop=True)))
    tables.append(Table("below_minimum_by_year", t("table.below_minimum_by_year"),
                        by_year[["year", "sentenced", "below", "share_pct"]]))
    chart_list.append(charts.below_minimum_by_court(by_court[by_court["court"] != "all"], ctx))
    chart_list.append(charts.below_minimum_by_year(by_year, ctx))

    victims = victim_tables(shown, labels, victim_years)
    tables += victims
    by_name = {tb.name: tb.frame for tb in victims}
    for name, dimension in (("victims_by_sex", "sex"), ("victims_by_age", "age_group"),
                            ("victims_by_form", "exploitation_form")):
        chart_list.append(charts.victims_by(name, by_name[name], ctx, dimension))

    backlog = facts.backlog.assign(court_label=[court_label(labels, c) for c in facts.backlog["court"]])
    tables.append(Table("backlog_by_court", t("table.backlog_by_court", year=period.year), backlog))
    chart_list.append(charts.backlog_by_court(backlog, ctx))

    officials = grid_table(shown["public_officials"], labels, None)
    tables.append(Table("public_officials", t("table.public_officials"), officials))
    chart_list.append(charts.public_officials(officials, ctx))
    tables.append(Table("convicted_by_court", t("table.convicted_by_court"),
                        grid_table(shown["convicted_by_court"], labels, "region")))

    tables.append(Table("data_quality", t("table.data_quality", period=period.name(labels)), facts.quality))
    tables.append(Table("unverified_statutes", t("table.unverified_statutes", year=period.year), facts.unverified))
    if restricted:
        tables += restricted_tables(facts, protected, labels, period)

    summary = tip_summary(facts, period, labels, config) if period.kind == "year" else None
    current = edition_record(facts, period, shown, restricted, config)
    revisions = compare(con, previous, current, labels)
    return Edition(period, restricted, folder, config, facts, tables, chart_list, protected, suppressed, summary,
                   caveats(facts, period, suppressed, labels, config, restricted), revisions, previous, current,
                   dt.datetime.now().isoformat(timespec="seconds"))


def restricted_tables(facts: Facts, protected: dict[str, suppress.Protected], labels: Labels,
                      period: Period) -> list[Table]:
    t = labels.text
    return [
        Table("public_officials_list", t("table.public_officials_list", year=period.year), facts.officials_list,
              restricted_only=True),
        Table("below_minimum_list", t("table.below_minimum_list", year=period.year), facts.below_list,
              restricted_only=True),
    ]


def footer(facts: Facts, period: Period, labels: Labels, config: Config) -> str:
    return "\n".join([
        labels.text("footer.source", country=config.country),
        labels.text("footer.coverage", period=period.name(labels), coverage=coverage_text(facts.quality, labels),
                    last_month=facts.as_of["last_month"], load=facts.as_of["load_id"]),
    ])


# --------------------------------------------------------------------------------------- TIP paragraph
def plural(labels: Labels, key: str, n: int) -> str:
    return labels.text(f"{key}.{'one' if n == 1 else 'many'}", n=n)


def tip_summary(facts: Facts, period: Period, labels: Labels, config: Config) -> str:
    """The law-enforcement paragraph in the style of the TIP report, for the trafficking group; every number
    is a key of `tipstats stats --year Y --group trafficking --json` (stats.compute)."""
    s = facts.stats["trafficking"]
    L = labels
    text = [L.text("tip.investigated", year=period.year,
                   cases=plural(L, "tip.cases", s["investigated_cases"]),
                   suspects=plural(L, "tip.suspects", s["investigated_persons"]),
                   prosecuted=plural(L, "tip.defendants", s["prosecuted_persons"]),
                   convicted=plural(L, "tip.traffickers", s["convicted_persons"]))]
    # DATA-SPEC v1.3: the range is over every convicted person's sentence, with how many had no prison term
    convicted, c, k = s["convicted_persons"], s["sentenced_persons"], s["below_minimum_persons"]
    low, high = s["prison_months_min"], s["prison_months_max"]
    if low is not None and high is not None:
        text.append(L.text("tip.range", low=months(low), high=months(high)))
    elif convicted:
        text.append(L["tip.no_prison"])
    if convicted:
        text.append(L.text("tip.not_imprisoned", convicted=plural(L, "tip.traffickers", convicted),
                           suspended=s["suspended_term_persons"], none=s["no_prison_persons"]))
    if c:
        text.append(L.text("tip.below", k=k, c=c))
    else:
        text.append(L["tip.no_sentences"])
    on_charged = s["sentences_on_charged_version"]
    if on_charged:
        text.append(L.text(f"tip.charged_version.{'one' if on_charged == 1 else 'many'}", n=on_charged, c=c))
    missing = [(r.source, r.delivered + r.nil_returns, r.months) for r in facts.quality.itertuples()
               if r.source in ("investigations", "prosecutions", "judgments") and r.delivered + r.nil_returns < r.months]
    for source, delivered, total in missing:
        text.append(L.text("tip.coverage", agency=L[f"agency.{source}"], delivered=delivered, months=total,
                           year=period.year))
    paragraph = " ".join(text)
    return "\n".join([f"# {L.text('tip.heading', country=config.country, year=period.year)}", "", paragraph, "",
                      L.text("tip.definitions", year=period.year), ""])


def months(value: float) -> str:
    return f"{value:g}"


# --------------------------------------------------------------------------------------------- caveats
def caveats(facts: Facts, period: Period, protected: dict[str, suppress.Protected], labels: Labels,
            config: Config, restricted: bool) -> list[str]:
    L = labels
    out = []
    for r in facts.unverified.itertuples():
        unverified = [L[f"caveat.flag.{flag}"] for flag in ("range", "dates", "article")
                      if not getattr(r, f"verified_{flag}")]
        out.append(L.text("caveat.statute", statute=r.statute_id, title=r.title, flags=", ".join(unverified),
                          charges=r.charges, citation=r.citation))
    for r in facts.quality.itertuples():
        name = L[f"source.{r.source}"]
        if r.not_delivered:
            out.append(L.text("caveat.not_delivered", source=name, n=r.not_delivered, months=r.months_not_delivered))
        if r.not_loaded:
            out.append(L.text("caveat.not_loaded", source=name, n=r.not_loaded))
        if r.rows_quarantined:
            out.append(L.text("caveat.quarantined", source=name, n=r.rows_quarantined, period=period.name(L)))
    unknown = facts.histogram.loc[facts.histogram["bin"] == "minimum unknown", "n"].sum()
    if unknown:
        out.append(L.text("caveat.range_unknown", n=int(unknown), year=period.year))
    cells = [c for p in protected.values() for c in p.cells()]
    primary = sum(1 for c in cells if c[3] == suppress.PRIMARY)
    out.append(L.text("caveat.suppression", k=config.k, primary=primary, secondary=len(cells) - primary,
                      tables=len({c[0] for c in cells})))
    if restricted:
        out.append(L["caveat.restricted"])
    if period.kind == "month":
        out.append(L.text("caveat.monthly", year=period.year))
    return out


# ------------------------------------------------------------------------------------------- revisions
def editions_dir(output: Path, period_label: str, restricted: bool) -> Path:
    folder = output / period_label
    return (folder / "restricted" if restricted else folder) / ".editions"


def previous_edition(output: Path, period: Period, restricted: bool, load_id) -> dict | None:
    """The edition this one revises: the latest earlier edition of the same report (built from an earlier
    load), else the latest edition of the same kind for an earlier period."""
    def read(path: Path) -> dict | None:
        try:
            return json.loads(path.read_text(encoding="utf-8"))
        except (OSError, ValueError):
            return None

    own = [e for p in sorted(editions_dir(output, period.label, restricted).glob("*.json"))
           if (e := read(p)) and e["as_of"]["load_id"] < load_id]
    if own:
        return max(own, key=lambda e: e["as_of"]["load_id"])
    earlier = []
    if output.is_dir():
        for folder in output.iterdir():
            kind = "month" if MONTH.match(folder.name) else "year" if re.fullmatch(r"\d{4}", folder.name) else None
            if kind == period.kind and folder.name < period.label:
                earlier += [e for p in editions_dir(output, folder.name, restricted).glob("*.json") if (e := read(p))]
    return max(earlier, key=lambda e: (e["period"], e["as_of"]["load_id"])) if earlier else None


def edition_record(facts: Facts, period: Period, shown: dict[str, pd.DataFrame], restricted: bool,
                   config: Config) -> dict:
    """What this edition publishes that a later correction can change: every figure's total for every
    complete month, quarter and year (victims: per year, as published after suppression), and the
    displays of the protected tables (the next edition's suppression takes them into account)."""
    f = facts.figures
    complete = f[(f["last_month"] <= period.last_month) & (f["figure"] != "victims_identified")]
    figures = [{"figure": r.figure, "source": r.source, "group": r.group, "period_type": r.period_type,
                "period": r.period, "first_month": r.first_month, "last_month": r.last_month,
                "value": "" if pd.isna(r.n) else str(int(r.n))} for r in complete.itertuples()]
    by_group = shown["victims_by_group"]
    for year in by_group.columns:
        if year == suppress.TOTAL:
            continue
        for row, group in (("trafficking", "trafficking"), ("related", "related"), (suppress.TOTAL, "all")):
            figures.append({"figure": "victims_identified", "source": "victims", "group": group, "period_type": "year",
                            "period": str(year), "first_month": f"{year}-01", "last_month": f"{year}-12",
                            "value": str(by_group.at[row, year])})
    return {
        "period": period.label, "kind": period.kind, "restricted": restricted,
        "as_of": {"last_month": facts.as_of["last_month"], "load_id": int(facts.as_of["load_id"])},
        "k": config.k, "figures": figures,
        "displays": {name: {"index": [str(i) for i in d.index], "columns": [str(c) for c in d.columns],
                            "data": d.astype(str).values.tolist()} for name, d in shown.items()},
    }


def compare(con: duckdb.DuckDBPyConnection, previous: dict | None, current: dict, labels: Labels) -> pd.DataFrame:
    """Figures whose published value changed since the previous edition, with the deliveries loaded since
    that brought records dated in the figure's period (or the period's first delivery)."""
    columns = ["figure", "group", "period_type", "period", "previous", "current", "previous_edition", "caused_by"]
    if previous is None:
        return pd.DataFrame(columns=columns)
    old = {(f["figure"], f["group"], f["period_type"], f["period"]): f["value"] for f in previous["figures"]}
    causes = query(con, "report_revision_causes", {"load_id": previous["as_of"]["load_id"]})
    rows = []
    not_reported = labels["value.not_reported"]
    for f in current["figures"]:
        key = (f["figure"], f["group"], f["period_type"], f["period"])
        if key not in old or old[key] == f["value"]:
            continue
        hits = causes[(causes["source"] == f["source"])
                      & (causes["record_month"].isna()
                         | causes["record_month"].between(f["first_month"], f["last_month"]))]
        deliveries = sorted({f"{m}/{f['source']} (load {int(l)})" for m, l in zip(hits["delivered_month"], hits["load_id"])})
        rows.append([*key, old[key] or not_reported, f["value"] or not_reported,
                     f"{previous['period']} (data as of {previous['as_of']['last_month']}, load {previous['as_of']['load_id']})",
                     "; ".join(deliveries)])
    return pd.DataFrame(rows, columns=columns)


# ------------------------------------------------------------------------------------------------ files
def write(edition: Edition, advance: Callable[[], None] = lambda: None) -> list[Path]:
    """Everything but the images and the edition record: tables, workbook, page, TIP paragraph, revisions."""
    folder, labels = edition.folder, edition.labels
    marking = RESTRICTED if edition.restricted else None
    folder.mkdir(parents=True, exist_ok=True)
    written = []
    for table in edition.tables:
        written.append(write_csv(table.frame, folder / "tables" / f"{table.name}.csv"))
    if edition.restricted:
        written.append(write_csv(suppression_list(edition.suppressed, labels, edition.period,
                                                  published_victim_years(edition.facts, edition.period)),
                                 folder / "suppression.csv"))
    about = pd.DataFrame({"item": [labels["about.source"], labels["about.coverage"], labels["about.as_of"],
                                   labels["about.k"], *[labels["about.caveat"]] * len(edition.caveats)],
                          "text": [labels.text("footer.source", country=edition.config.country),
                                   coverage_text(edition.facts.quality, labels),
                                   f"{edition.facts.as_of['last_month']} (load {edition.facts.as_of['load_id']})",
                                   str(edition.config.k), *edition.caveats]})
    contents = pd.DataFrame({"sheet": [tb.name for tb in edition.tables], "title": [tb.title for tb in edition.tables]})
    sheets = [Sheet("about", about, labels.text("about.title", period=edition.period.name(labels))),
              Sheet("contents", contents, labels["about.contents"])]
    sheets += [Sheet(tb.name, tb.frame, tb.title, [tb.note] if tb.note else []) for tb in edition.tables]
    written.append(write_xlsx(sheets, folder / "tables.xlsx", marking))
    advance()
    written.append(write_csv(edition.revisions, folder / "revisions.csv"))
    if edition.summary:
        summary = edition.summary if not marking else f"**{marking}**\n\n{edition.summary}"
        (folder / "tip-summary.md").write_text(summary, encoding="utf-8")
        written.append(folder / "tip-summary.md")
    (folder / "report.html").write_text(page(edition), encoding="utf-8")
    written.append(folder / "report.html")
    advance()
    return written


def write_record(edition: Edition) -> None:
    """The edition record, once the edition is in place: an edition cut short never becomes the previous one."""
    record = {**edition.record, "built_at": edition.built_at}
    path = editions_dir(edition.config.output, edition.period.label, edition.restricted) / f"{record['as_of']['load_id']}.json"
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(json.dumps(record, ensure_ascii=False, indent=1), encoding="utf-8")


# An edition is written into a hidden folder beside its own (reports/.partial/2025 for reports/2025,
# reports/2025/.partial/restricted for the restricted edition), then moved into place: a run cut short (killed,
# a full disk) leaves that folder behind, which marks the edition incomplete; refresh writes it again and audit
# reports it.
PARTIAL = ".partial"


def staging_folder(folder: Path) -> Path:
    return folder.parent / PARTIAL / folder.name


def put_in_place(staged: Path, folder: Path) -> None:
    """A first edition arrives in one rename. A new edition of the period replaces the old one's files one by one
    (the restricted edition and the edition records beside them are kept); the staging folder goes last."""
    if not folder.exists():
        staged.rename(folder)
    else:
        for entry in sorted(staged.iterdir()):
            target = folder / entry.name
            if target.is_dir():
                shutil.rmtree(target)
            entry.replace(target)
        staged.rmdir()
    with contextlib.suppress(OSError):  # another edition of the same parent may be staged there
        staged.parent.rmdir()


def incomplete(output: Path) -> list[tuple[Period, bool]]:
    """(period, restricted) of every edition a run cut short left in its staging folder."""
    found = [(staged.name, False) for staged in output.glob(f"{PARTIAL}/*")]
    found += [(staged.parent.parent.name, True) for staged in output.glob(f"*/{PARTIAL}/restricted")]
    return [(Period.of_month(label) if MONTH.match(label) else Period.of_year(int(label)), restricted)
            for label, restricted in sorted(found) if MONTH.match(label) or re.fullmatch(r"\d{4}", label)]


def report_command(period: Period, restricted: bool) -> str:
    return f"tipstats report --{period.kind} {period.label}{' --restricted' if restricted else ''}"


def write_quality_files(edition: Edition) -> list[Path]:
    """restricted/quality-<agency>.xlsx: the period's quarantined rows of each agency that delivered,
    ready to send back (line, key, column, check, reason; person identifiers are masked in quarantine)."""
    L = edition.labels
    rows = edition.facts.quarantine
    delivered = edition.facts.quality
    folder = edition.config.output / edition.period.label / "restricted"
    written = []
    for source in delivered.loc[(delivered["delivered"] + delivered["nil_returns"] > 0) | delivered["source"].isin(
            rows["source"]), "source"]:
        held = rows.loc[rows["source"] == source, ["month", "file", "line", "record_key", "column", "check", "reason"]]
        held = held.astype({"line": "Int64"}).reset_index(drop=True)
        notes = [L["quality.none"]] if held.empty else []
        agency = SOURCES[source].agency
        written.append(write_xlsx([Sheet(L["quality.sheet"], held,
                                         L.text("quality.title", agency=L[f"agency.{source}"],
                                                period=edition.period.name(L)), notes)],
                                  folder / f"quality-{agency}.xlsx", RESTRICTED))
    return written


# ------------------------------------------------------------------------------------------------- page
# plotly.js options of every chart on the page: no toolbar. Its "share" button uploads the figure to Plotly
# Cloud (the restricted edition's unsuppressed cells included), its buttons cover the plot's top on hover
# and are printed, and its "download" would save the page's version of the chart, without title or source;
# the chart's data is linked under it instead. showSendToCloud off too, should a toolbar come back.
PLOT_CONFIG = {"displayModeBar": False, "displaylogo": False, "showSendToCloud": False, "showTips": False,
               "scrollZoom": False, "responsive": True}


def page(edition: Edition) -> str:
    """One self-contained HTML page: plotly.js embedded once, no request leaves the machine."""
    from plotly.offline import get_plotlyjs

    L = edition.labels
    e = html.escape
    period = edition.period.name(L)
    marking = f'<p class="restricted">{e(L["page.restricted"])}</p>' if edition.restricted else ""
    headline = next(t for t in edition.tables if t.name == "headline")
    figures = []
    table_names = {t.name for t in edition.tables}
    for chart in edition.charts:
        div = charts.for_page(chart).to_html(full_html=False, include_plotlyjs=False, div_id=f"chart-{chart.name}",
                                              config=PLOT_CONFIG)
        chart_marking = f'<p class="chart-marking">{RESTRICTED}</p>' if edition.restricted else ""
        source = "<br>".join(e(line) for line in chart.footer)
        if chart.name in table_names:
            source += f'<br><a href="tables/{e(chart.name)}.csv">{e(L["page.chart.data"])}</a>'
        figures.append(f'<figure class="chart" id="{e(chart.name)}"><h3 class="chart-title">{e(chart.title)}</h3>'
                       f'<p class="chart-subtitle">{e(chart.subtitle)}</p>{chart_marking}'
                       f'<div class="plot" style="--height: {chart.page_height}px">{div}</div>'
                       f'<p class="chart-source">{source}</p><figcaption>{e(chart.note)}</figcaption></figure>')
    summary = ""
    if edition.summary:
        body = edition.summary.split("\n", 2)[2].strip()
        summary = f'<section><h2>{e(L["page.summary"])}</h2>' + "".join(
            f"<p>{e(p)}</p>" for p in body.split("\n\n") if p.strip()) + "</section>"
    revisions = edition.revisions
    if edition.previous is None:
        revised = f"<p>{e(L['page.revisions.first'])}</p>"
    elif revisions.empty:
        revised = f"<p>{e(L.text('page.revisions.none', previous=edition.previous['period']))}</p>"
    else:
        revised = f"<p>{e(L.text('page.revisions.some', n=len(revisions), previous=edition.previous['period']))}</p>" \
                  + html_table(revisions.head(50))
    links = "".join(f'<li><a href="tables/{e(t.name)}.csv">{e(t.title)}</a></li>' for t in edition.tables)
    caveat_items = "".join(f"<li>{e(c)}</li>" for c in edition.caveats)
    return f"""<!DOCTYPE html>
<html lang="{e(L.language)}">
<head>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<meta http-equiv="Content-Security-Policy" content="default-src 'none'; script-src 'unsafe-inline' 'unsafe-eval'; style-src 'unsafe-inline'; img-src data: blob:; font-src data:">
<title>{e(L.text('page.title', country=edition.config.country, period=period))}{' – ' + RESTRICTED if edition.restricted else ''}</title>
<style>
body {{ font-family: {charts.FONT}; color: #222; max-width: 1040px; margin: 0 auto; padding: 1.5rem; line-height: 1.45; overflow-wrap: anywhere; }}
h1 {{ font-size: 1.8rem; margin-bottom: .2rem; }} h2 {{ margin-top: 2.2rem; border-bottom: 2px solid #0072B2; }}
.meta {{ color: #555; }} .restricted {{ background: #D55E00; color: #fff; font-weight: bold; padding: .5rem 1rem; text-align: center; letter-spacing: .05em; }}
.table-box {{ overflow-x: auto; margin: 1rem 0; }}
table {{ border-collapse: collapse; font-size: .95rem; overflow-wrap: normal; }}
th, td {{ border-bottom: 1px solid #ddd; padding: .3rem .7rem; text-align: right; }} th:first-child, td:first-child {{ text-align: left; }}
figure.chart {{ margin: 2.5rem 0; break-inside: avoid; }} figcaption {{ color: #333; margin-top: .3rem; max-width: 900px; }}
.chart-title {{ font-size: 1.2rem; margin: 0 0 .2rem; }} .chart-subtitle {{ color: #444; margin: 0 0 .3rem; }}
.chart-marking {{ color: #D55E00; font-weight: bold; margin: 0; }} .chart-source {{ color: #555; font-size: .8rem; margin: .2rem 0; }}
.plot {{ height: var(--height); }}
@media (max-width: 600px) {{ body {{ padding: .8rem; }} h1 {{ font-size: 1.5rem; }} .plot {{ height: calc(var(--height) + 40px); }} }}
</style>
<script>{get_plotlyjs()}</script>
</head>
<body>
{marking}
<h1>{e(L.text('page.title', country=edition.config.country, period=period))}</h1>
<p class="meta">{e(L.text('page.meta', last_month=edition.facts.as_of['last_month'], load=edition.facts.as_of['load_id'], built=edition.built_at))}</p>
<section><h2>{e(L['page.headline'])}</h2>{html_table(headline.frame.drop(columns=['figure']))}<p>{e(headline.note)}</p></section>
{summary}
<section><h2>{e(L['page.charts'])}</h2>{''.join(figures)}</section>
<section><h2>{e(L['page.revisions'])}</h2>{revised}</section>
<section><h2>{e(L['page.caveats'])}</h2><ul>{caveat_items}</ul></section>
<section><h2>{e(L['page.tables'])}</h2><p>{e(L['page.tables.note'])}</p><ul>{links}</ul></section>
{marking}
</body>
</html>
"""


def html_table(frame: pd.DataFrame) -> str:
    e = html.escape
    head = "".join(f"<th>{e(str(c))}</th>" for c in frame.columns)
    body = "".join("<tr>" + "".join(f"<td>{e(terminal.cell(v, empty=''))}</td>" for v in row) + "</tr>"
                   for row in frame.astype(object).where(frame.notna(), None).itertuples(index=False))
    # the box scrolls sideways when the table is wider than the screen; the page never does
    return f'<div class="table-box"><table><thead><tr>{head}</tr></thead><tbody>{body}</tbody></table></div>'


# --------------------------------------------------------------------------------------------- running
@dataclass
class Result:
    edition: Edition
    written: list[Path]
    seconds_computing: float
    seconds_images: float


def run(config: Config, period: Period, restricted: bool = False, con: duckdb.DuckDBPyConnection | None = None) -> Result:
    """Build and write one edition, with a progress display on stderr when it is a terminal."""
    from rich.progress import BarColumn, Progress, TextColumn, TimeElapsedColumn

    started = time.perf_counter()
    progress = Progress(TextColumn("{task.description}"), BarColumn(), TextColumn("{task.completed}/{task.total}"),
                        TimeElapsedColumn(), console=terminal.err, transient=True,
                        disable=not terminal.err.is_terminal)
    with progress:
        task = progress.add_task(f"report {period.label}: reading the warehouse", total=3)
        if con is None:
            with terminal.warehouse("statistics") as own:
                edition = build(own, config, period, restricted)
        else:
            edition = build(con, config, period, restricted)
        progress.update(task, advance=1, description=f"report {period.label}: writing tables and page")
        staged = replace(edition, folder=staging_folder(edition.folder))
        shutil.rmtree(staged.folder, ignore_errors=True)  # what a run cut short left
        written = write(staged, lambda: progress.advance(task))
        faults.checkpoint("mid_report")
        computing = time.perf_counter() - started
        images = progress.add_task(f"report {period.label}: drawing charts", total=2 * len(edition.charts))
        try:
            written += charts.export_images(edition.charts, staged.folder / "charts", config,
                                            lambda: progress.advance(images))
        except charts.NoBrowser as e:
            edition.images_missing = str(e)
        put_in_place(staged.folder, edition.folder)
        written = [edition.folder / path.relative_to(staged.folder) for path in written]
        write_record(edition)
        edition.quality_files = write_quality_files(edition)
        written += edition.quality_files
    return Result(edition, written, computing, time.perf_counter() - started - computing)


def report(
    month: Annotated[Optional[str], typer.Option(metavar="YYYY-MM", help="A monthly report for this month.")] = None,
    year: Annotated[Optional[int], typer.Option(metavar="YYYY", help="An annual report for this year.")] = None,
    restricted: Annotated[bool, typer.Option("--restricted", help="The unsuppressed internal edition, with case numbers and pseudonyms, marked RESTRICTED, in reports/<period>/restricted/.")] = False,
) -> None:
    """Write the publication of a year or a month: page, charts, tables, TIP paragraph, revisions, quality files.

    Without --month or --year: the latest complete year in the data and the latest month loaded."""
    if month is not None and year is not None:
        terminal.fail("give --month or --year, not both")
    if month is not None and not MONTH.match(month):
        terminal.fail(f"--month takes YYYY-MM, not {month!r}")
    try:
        config = Config.load()
    except ConfigError as e:
        terminal.fail(str(e))
    with terminal.warehouse("statistics") as con:
        periods = ([Period.of_month(month)] if month else [Period.of_year(year)] if year else default_periods(con))
        if not periods:
            terminal.fail("nothing loaded yet: run `tipstats refresh` first")
        for period in periods:
            try:
                announce(run(config, period, restricted, con))
            except ReportError as e:
                terminal.fail(str(e))


def announce(result: Result) -> None:
    edition = result.edition
    terminal.out.print(
        f"Report {edition.period.label}{' (RESTRICTED)' if edition.restricted else ''}: {edition.folder} — "
        f"{len(edition.charts)} charts, {len(edition.tables)} tables, {len(edition.revisions)} revised figure(s), "
        f"{len(edition.quality_files)} quality file(s); {result.seconds_computing + result.seconds_images:.1f} s "
        f"(computing {result.seconds_computing:.1f} s, images {result.seconds_images:.1f} s)")
    if edition.images_missing:
        terminal.err.print(f"warning: {edition.images_missing}")


def after_refresh(loaded: bool = True) -> None:
    """The reports `tipstats refresh` builds: when it loaded something the latest complete year and the latest
    month (public editions), and always every edition a run cut short left incomplete. Off with
    report.on_refresh = false or TIPSTATS_REPORT_ON_REFRESH=0 (an incomplete edition is then named, with the
    command that writes it)."""
    try:
        config = Config.load()
    except ConfigError as e:
        terminal.err.print(f"warning: no report: {terminal.printable(str(e))}")
        return
    left = incomplete(config.output)
    if not config.on_refresh:
        for period, restricted in left:
            terminal.err.print(f"warning: report {period.label} was left incomplete: run `{report_command(period, restricted)}`")
        return
    if not loaded and not left:
        return
    with terminal.warehouse("statistics") as con:
        todo = [(period, False) for period in default_periods(con)] if loaded else []
        for period, restricted in todo + [edition for edition in left if edition not in todo]:
            try:
                announce(run(config, period, restricted, con))
            except ReportError as e:  # the load is done; the report can be built again with `tipstats report`
                terminal.err.print(f"warning: {e}")


def register(app: typer.Typer) -> None:
    app.command("report")(report)
