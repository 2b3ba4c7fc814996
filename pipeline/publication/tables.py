"""The published tables: what each shows, cut from the facts and the protected grids, in the order the
edition lists them (the page, tables.xlsx and tables/NAME.csv all take them from here)."""
from __future__ import annotations

from dataclasses import dataclass
from typing import Callable

import pandas as pd

from pipeline import suppress
from pipeline.config import Config, Labels
from pipeline.publication.figures import AGE_GROUPS, GROUPS, HEADLINE, Facts
from pipeline.publication.periods import Period


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


def restricted_tables(facts: Facts, labels: Labels, period: Period) -> list[Table]:
    t = labels.text
    return [
        Table("public_officials_list", t("table.public_officials_list", year=period.year), facts.officials_list,
              restricted_only=True),
        Table("below_minimum_list", t("table.below_minimum_list", year=period.year), facts.below_list,
              restricted_only=True),
    ]


STAGE_LABEL = {"investigation": "stage.investigated", "prosecution": "stage.prosecuted", "conviction": "stage.convicted",
               "judgment": "stage.judged"}


def watch_tables(facts: Facts, labels: Labels, period: Period) -> list[Table]:
    """The TIP watches: persons investigated for trafficking by the group they were later prosecuted or
    convicted for (reclassified = only a related or other offence), and forced begging charged outside
    trafficking. Counts of persons and cases, unsuppressed like the attrition and backlog tables."""
    t = labels.text
    out = []
    for name, frame in (("reclassified", facts.reclassified), ("watch_begging", facts.watch_begging)):
        frame = frame.copy()
        frame.insert(2, "stage_label", [labels[STAGE_LABEL[s]] for s in frame["stage"]])
        out.append(Table(name, t(f"table.{name}", year=period.year), frame.reset_index(drop=True),
                         labels[f"table.{name}.note"]))
    return out


def edition_tables(facts: Facts, period: Period, shown: dict[str, pd.DataFrame], victim_years: list[str],
                   series: pd.DataFrame, step: str, config: Config, restricted: bool) -> list[Table]:
    """Every table of the edition, in the order it lists them. `shown`: the protected grids as this edition
    shows them; `series`, `step`: trend_series()."""
    labels = config.labels
    t = labels.text
    tables = [Table("headline", t("table.headline", period=period.name(labels)),
                    headline_table(facts, period, shown, labels, config), labels["table.headline.note"]),
              Table("trends", t(f"table.trends.{step}"), trend_table(series, labels))]

    cohort = facts.attrition[facts.attrition["cohort_year"] == period.year]
    tables.append(Table("attrition", t("table.attrition", year=period.year), cohort.reset_index(drop=True)))

    # shares are published as percentages (0–100, one decimal) in every table, as share_pct
    histogram = facts.histogram.assign(label=[labels[f"bin.{b}"] for b in facts.histogram["bin"]],
                                       share_pct=(100 * facts.histogram["share"]).round(1))
    tables.append(Table("sentences_vs_minimum", t("table.sentences_vs_minimum", year=period.year),
                        histogram[["bin", "label", "n", "share_pct"]].rename(columns={"n": "charges"})))

    below = facts.below_minimum.copy()
    below["share_pct"] = [round(100 * k / c, 1) if c else None for k, c in zip(below["below"], below["sentenced"])]
    by_court = below[below["year"] == period.year].copy()
    by_court["court_label"] = [court_label(labels, c) for c in by_court["court"]]
    by_year = below[below["court"] == "all"].reset_index(drop=True)
    tables.append(Table("below_minimum_by_court", t("table.below_minimum_by_court", year=period.year),
                        by_court[["court", "court_label", "sentenced", "below", "share_pct"]].reset_index(drop=True)))
    tables.append(Table("below_minimum_by_year", t("table.below_minimum_by_year"),
                        by_year[["year", "sentenced", "below", "share_pct"]]))

    tables += victim_tables(shown, labels, victim_years)

    backlog = facts.backlog.assign(court_label=[court_label(labels, c) for c in facts.backlog["court"]])
    tables.append(Table("backlog_by_court", t("table.backlog_by_court", year=period.year), backlog))
    tables.append(Table("public_officials", t("table.public_officials"),
                        grid_table(shown["public_officials"], labels, None)))
    tables.append(Table("convicted_by_court", t("table.convicted_by_court"),
                        grid_table(shown["convicted_by_court"], labels, "region")))
    tables += watch_tables(facts, labels, period)
    tables.append(Table("data_quality", t("table.data_quality", period=period.name(labels)), facts.quality))
    tables.append(Table("unverified_statutes", t("table.unverified_statutes", year=period.year),
                        facts.unverified.assign(title=[labels.get(f"statute.{i}", title) for i, title in  # the pack's words
                                                       zip(facts.unverified["statute_id"], facts.unverified["title"])])))
    if restricted:
        tables += restricted_tables(facts, labels, period)
    return tables
