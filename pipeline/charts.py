"""The report's charts: one look for all of them, and the figures.

Each chart function takes the frame the report published as a table (suppressed cells already as text)
and returns a Chart: a plotly figure whose title states the finding, and the plain-language note shown
under it. A suppressed value is never drawn; the chart says so. Their PNG and SVG files are drawn by
pipeline/publication/images.py.
"""
from __future__ import annotations

import copy
import html
import re
from dataclasses import dataclass, field

import pandas as pd
import plotly.graph_objects as go
from plotly.subplots import make_subplots

from pipeline.config import Config, Labels

# Okabe–Ito: distinguishable with the common colour-vision deficiencies, and in grey print.
BLUE, ORANGE, GREEN, VERMILLION, SKY, PURPLE, YELLOW, BLACK = (
    "#0072B2", "#E69F00", "#009E73", "#D55E00", "#56B4E9", "#CC79A7", "#F0E442", "#000000")
PALETTE = [BLUE, ORANGE, GREEN, VERMILLION, SKY, PURPLE, YELLOW, BLACK]
GREY = "#8C8C8C"
FONT = "DejaVu Sans, Liberation Sans, Arial, Helvetica, sans-serif"
TOTAL = "Total"  # suppress.TOTAL: the margin row and column of a published table


@dataclass
class Context:
    """What every chart needs besides its data: words, the period, the footer, the edition."""
    labels: Labels
    config: Config
    period_label: str  # "2025", "October 2026"
    year: int
    footer: str  # source, coverage and "data as of", one or two lines
    restricted: bool
    k: int
    # years and quarters the collection covers only in part: period → (months collected, months in it)
    incomplete: dict[str, tuple[int, int]] = field(default_factory=dict)


@dataclass
class Chart:
    name: str
    figure: go.Figure
    note: str
    suppressed: int = 0  # values not drawn because they are suppressed
    notes: list[str] = field(default_factory=list)
    # the page's version (for_page): layout changes for a box as narrow as a phone, and its height in CSS px
    page_layout: dict = field(default_factory=dict)
    page_height: int = 480

    @property
    def traces(self) -> int:
        return len(self.figure.data)

    @property
    def title(self) -> str:
        return self.figure.layout.meta["title"]

    @property
    def subtitle(self) -> str:
        return self.figure.layout.meta["subtitle"]

    @property
    def footer(self) -> list[str]:
        """The lines under the image: what suppression left out, source, coverage, data as of."""
        return list(self.figure.layout.meta["footer"])


# ---------------------------------------------------------------------------------------------- the look
# styled()'s annotations that the page sets as HTML instead (the footer, the RESTRICTED marking)
PAGE_HTML = "page-html"


def styled(fig: go.Figure, ctx: Context, title: str, subtitle: str, extra: list[str] | None = None,
           legend: bool = True, axis_space: int = 70, extra_top: int = 0, left: int = 80) -> go.Figure:
    """Title stating the finding, subtitle saying what is counted, the footer (source, coverage, data as
    of) and any extra line (e.g. what suppression left out), in one font and palette. `axis_space` is the
    room under the plot for tick labels and the axis title; the footer goes below it."""
    footer_lines = [*(extra or []), *ctx.footer.split("\n")]
    lines = [wrapped for line in footer_lines for wrapped in wrap(line, 125)]
    footer = "<br>".join(html.escape(line) for line in lines)
    title_lines = wrap(title, 62 if ctx.restricted else 72)  # the RESTRICTED marking sits at the right
    side = legend and len(fig.data) > 5  # many series: the legend goes right of the plot, one per line
    top = 62 + 26 * len(title_lines) + (30 if legend and not side else 0) + extra_top
    bottom = axis_space + 17 * len(lines) + 14
    right = 250 if side else 30
    plot_height = ctx.config.height - top - bottom
    plot_width = ctx.config.width - left - right
    fig.update_layout(
        template="plotly_white",
        font=dict(family=FONT, size=15, color="#222222"),
        title=dict(text="<br>".join(f"<b>{html.escape(t)}</b>" for t in title_lines), x=0.01, xanchor="left",
                   y=1 - (12 + 24 * (len(title_lines) - 1)) / ctx.config.height, yanchor="top", font=dict(size=20),
                   subtitle=dict(text=html.escape(subtitle), font=dict(size=14, color="#444444"))),
        colorway=PALETTE,
        width=ctx.config.width, height=ctx.config.height,
        margin=dict(l=left, r=right, t=top, b=bottom, autoexpand=False),
        showlegend=legend,
        legend=dict(orientation="v", x=1.02, xanchor="left", y=1.0, yanchor="top", font=dict(size=14),
                    traceorder="normal") if side else
        dict(orientation="h", x=0, xanchor="left", y=1.0, yanchor="bottom", font=dict(size=14), traceorder="normal"),
        hoverlabel=dict(font=dict(family=FONT)),
        separators=ctx.labels.separators,  # axis numbers as the language writes them ("1.234,5" in Serbian)
        # the texts again, unwrapped, for the page, which sets them as HTML (for_page)
        meta=dict(title=title, subtitle=subtitle, footer=footer_lines),
    )
    fig.add_annotation(text=footer, xref="paper", yref="paper", x=-(left - 14) / plot_width, xanchor="left",
                       y=-(bottom - 8) / plot_height, yanchor="bottom", showarrow=False, align="left",
                       font=dict(size=12, color="#555555"), name=PAGE_HTML)
    if ctx.restricted:
        fig.add_annotation(text="<b>RESTRICTED</b>", xref="paper", yref="paper", x=1, xanchor="right",
                           y=1 + (top - 14) / plot_height, yanchor="top", showarrow=False,
                           font=dict(size=16, color=VERMILLION), name=PAGE_HTML)
    return fig


def for_page(chart: Chart) -> dict:
    """The chart as the page draws it, at the width of its box on a phone or a desktop: title, subtitle and
    footer left to the page's HTML (which wraps them, and which no toolbar can cover); margins that grow to
    what the tick labels need instead of the image's fixed ones; the legend under the plot, in rows.

    A copy of the image's figure as plotly's JSON (a dict), changed as plotly's update_layout would change it
    (nested dicts merged, None taking a property away, lists replaced): through plotly's objects the copy and
    its updates, each validated, took 78 ms a chart, more than any other part of a small edition. Every
    change is one plotly accepts (the page is written with plotly.io.to_html(validate=False))."""
    fig = chart.figure.to_dict()  # a copy: the PNG and SVG keep the image's look
    layout = fig["layout"]
    updated(layout, dict(
        title=None, meta=None, width=None, height=None, autosize=True, font=dict(size=13),
        margin=dict(l=8, r=8, t=12, b=8, autoexpand=True),
        legend=dict(orientation="h", x=0, xanchor="left", yref="container", y=0, yanchor="bottom",
                    font=dict(size=12))))
    # category labels turn when they would overlap (the image's fixed angle suits its fixed width only), and a
    # long axis title goes on two lines; every axis, `xaxis` and `yaxis` even where the figure leaves them unset
    for name in sorted({"xaxis", "yaxis", *(k for k in layout if re.fullmatch(r"[xy]axis\d+", k))}):
        axis = layout.setdefault(name, {})
        if name.startswith("y"):
            updated(axis, dict(automargin=True))
            continue
        updated(axis, dict(automargin=True, tickangle=None, autotickangles=[0, 45, 90]))
        if axis.get("title", {}).get("text"):
            axis["title"]["text"] = "<br>".join(wrap(axis["title"]["text"], 34))
    updated(layout, copy.deepcopy(chart.page_layout))
    annotations = [a for a in layout.pop("annotations", []) if a.get("name") != PAGE_HTML]
    if annotations:
        layout["annotations"] = annotations
    return fig


def updated(target: dict, changes: dict) -> None:
    """`target` changed in place as plotly's update() changes a figure's properties: a dict merged into the
    dict it meets, None taking the property away, anything else (a list too) put in its place."""
    for key, value in changes.items():
        if value is None:
            target.pop(key, None)
        elif isinstance(value, dict) and isinstance(target.get(key), dict):
            updated(target[key], value)
        else:
            target[key] = value


def wrap(text: str, width: int) -> list[str]:
    """Lines of at most `width` characters, broken at spaces (plotly does not wrap text itself)."""
    lines, line = [], ""
    for word in text.split(" "):
        if line and len(line) + 1 + len(word) > width:
            lines.append(line)
            line = word
        else:
            line = f"{line} {word}" if line else word
    return lines + [line] if line else lines


def tick_label(text: str) -> str:
    """A category label on two lines when long, so that bars keep horizontal labels."""
    return "<br>".join(wrap(text, 10)) if len(text) > 10 else text


def number(value) -> float | None:
    """A published cell as a number to draw: suppressed ("<5"), not reported or empty → None."""
    if value is None or isinstance(value, str) or pd.isna(value):
        return None
    return float(value)


def percent(k: int, c: int) -> float | None:
    return 100 * k / c if c else None


INCOMPLETE_MARK = "*"


def marked(ctx: Context, period) -> str:
    """A period as an axis or legend names it: with the mark when the collection covers it only in part."""
    return f"{period}{INCOMPLETE_MARK}" if str(period) in ctx.incomplete else str(period)


def incomplete_line(ctx: Context, periods) -> list[str]:
    """The footer line saying which of the drawn periods are incomplete, and how many months they hold."""
    shown = [str(p) for p in periods if str(p) in ctx.incomplete]
    if not shown:
        return []
    parts = [ctx.labels.text("chart.incomplete.period", period=p, collected=ctx.incomplete[p][0],
                             months=ctx.incomplete[p][1]) for p in shown]
    return [ctx.labels.text("chart.incomplete", mark=INCOMPLETE_MARK, periods=", ".join(parts))]


def mark_axis(fig: go.Figure, ctx: Context, periods) -> None:
    """The category axis's tick labels with the incomplete periods marked (the data keep their names)."""
    periods = [str(p) for p in periods]
    if any(p in ctx.incomplete for p in periods):
        fig.update_xaxes(tickmode="array", tickvals=periods, ticktext=[marked(ctx, p) for p in periods])


def suppressed_line(ctx: Context, hidden: int) -> list[str]:
    return [ctx.labels.plural("chart.suppressed", hidden, k=ctx.k, k_1=ctx.k - 1)] if hidden else []


# -------------------------------------------------------------------------------------------- the charts
def trends(series: pd.DataFrame, ctx: Context, step: str) -> Chart:
    """Investigated, prosecuted and convicted persons per quarter (annual report) or month (monthly):
    columns period, figure, n (null = not reported), partial (period not fully delivered)."""
    L = ctx.labels
    figures = ["investigated_persons", "prosecuted_persons", "convicted_persons"]
    fig = go.Figure()
    for figure, colour, dash in zip(figures, [BLUE, ORANGE, GREEN], ["solid", "dash", "dot"]):
        rows = series[series["figure"] == figure]
        fig.add_trace(go.Scatter(
            x=rows["period"], y=[number(v) for v in rows["n"]], name=L[f"figure.{figure}"], mode="lines+markers",
            line=dict(color=colour, width=3, dash=dash), marker=dict(size=8), connectgaps=False))
    totals = series[series["current"]].groupby("figure")["n"].sum(min_count=1)
    convicted, investigated = totals.get("convicted_persons"), totals.get("investigated_persons")
    def count(key: str, n) -> str:  # a count with its noun in the language's plural form; not reported: a dash
        return L.plural(key, int(n)) if n is not None and not pd.isna(n) else L.text(f"{key}.other", n="–")

    title = L.text("chart.trends.title", convicted=count("chart.trends.convicted", convicted),
                   investigated=count("chart.trends.investigated", investigated), period=ctx.period_label)
    gaps = series["n"].isna().any()
    extra = ([L["chart.trends.gaps"]] if gaps else []) + incomplete_line(ctx, sorted(series["period"].unique()))
    fig = styled(fig, ctx, title, L[f"chart.trends.subtitle.{step}"], extra, axis_space=95 if step == "month" else 45)
    fig.update_xaxes(type="category", title=None, tickangle=-45 if step == "month" else 0)
    mark_axis(fig, ctx, sorted(series["period"].unique()))
    fig.update_yaxes(title=L["axis.persons"], rangemode="tozero")
    return Chart("trends", fig, L.text(f"chart.trends.note.{step}", period=ctx.period_label))


def attrition(row: dict | None, ctx: Context) -> Chart:
    """The cohort of persons investigated in the year: prosecuted, convicted, finally convicted."""
    L = ctx.labels
    stages = ["investigated", "prosecuted", "convicted", "finally_convicted"]
    values = [int(row[s]) if row else 0 for s in stages]
    fig = go.Figure(go.Funnel(
        y=[L[f"stage.{s}"] for s in stages], x=values, textinfo="value+percent initial",
        marker=dict(color=[BLUE, ORANGE, GREEN, PURPLE]), connector=dict(line=dict(color=GREY, width=1))))
    title = L.plural("chart.attrition.title", values[0], year=ctx.year,
                     convicted=L.plural("chart.attrition.convicted", values[2]))
    fig = styled(fig, ctx, title, L.text("chart.attrition.subtitle", year=ctx.year), legend=False, axis_space=30,
                 left=230)
    fig.update_yaxes(title=None)
    return Chart("attrition", fig, L.text("chart.attrition.note", year=ctx.year))


BELOW_BINS = ("no prison", "suspended", "<0.25", "0.25–0.5", "0.5–0.75", "0.75–1")
AT_OR_ABOVE_BINS = ("1–1.5", "1.5–2", "≥2")


def sentences_vs_minimum(histogram: pd.DataFrame, ctx: Context) -> Chart:
    """Sentenced charges by imposed term relative to the statutory minimum (bins of mart_sentence_histogram),
    the minimum marked between the bins below it and those at or above it."""
    L = ctx.labels
    fig = go.Figure()
    groups = [("below", BELOW_BINS, VERMILLION), ("at_or_above", AT_OR_ABOVE_BINS, BLUE),
              ("unknown", ("minimum unknown",), GREY)]
    order = list(histogram["bin"])
    for key, bins, colour in groups:
        rows = histogram[histogram["bin"].isin(bins)]
        fig.add_trace(go.Bar(x=[tick_label(L[f"bin.{b}"]) for b in rows["bin"]], y=rows["n"], name=L[f"chart.sentences.{key}"],
                             marker_color=colour, text=rows["n"], textposition="outside", cliponaxis=False))
    below = int(histogram.loc[histogram["bin"].isin(BELOW_BINS), "n"].sum())
    known = int(histogram.loc[histogram["bin"].isin(BELOW_BINS + AT_OR_ABOVE_BINS), "n"].sum())
    title = L.plural("chart.sentences.title", known, below=below, year=ctx.year)
    fig = styled(fig, ctx, title, L.text("chart.sentences.subtitle", year=ctx.year), axis_space=95)
    fig.update_xaxes(type="category", categoryorder="array", categoryarray=[tick_label(L[f"bin.{b}"]) for b in order],
                     title=L["axis.ratio_to_minimum"], tickangle=0)
    fig.update_yaxes(title=L["axis.charges"], rangemode="tozero")
    if "1–1.5" in order:  # the minimum: the border between the bins below it and the first at it
        at = order.index("1–1.5") - 0.5
        fig.add_vline(x=at, line=dict(color=BLACK, width=2, dash="dash"))
        fig.add_annotation(x=at, y=1, yref="paper", text=L["chart.sentences.minimum"], showarrow=False,
                           xanchor="left", xshift=6, yanchor="top", font=dict(size=14))
    fig.update_layout(barmode="group", bargap=0.15)
    return Chart("sentences_vs_minimum", fig, L.text("chart.sentences.note", year=ctx.year))


def below_minimum_by_court(frame: pd.DataFrame, ctx: Context) -> Chart:
    """Share of persons sentenced below the minimum, per first-instance court: columns court (label),
    sentenced (C), below (K)."""
    L = ctx.labels
    rows = frame[frame["sentenced"] > 0].assign(share=lambda f: f["below"] / f["sentenced"])
    rows = rows.sort_values(["share", "sentenced"], ascending=False, kind="stable")
    shares = [percent(k, c) for k, c in zip(rows["below"], rows["sentenced"])]
    fig = go.Figure(go.Bar(
        y=rows["court_label"], x=shares, orientation="h", marker_color=VERMILLION,
        text=[L.text("chart.k_of_c", k=k, c=c) for k, c in zip(rows["below"], rows["sentenced"])],
        textposition="outside", cliponaxis=False, name=L["chart.below.share"]))
    if shares:
        low, high = min(shares), max(shares)
        title = L.text("chart.below_court.title", low=round(low), high=round(high), year=ctx.year)
    else:
        title = L.text("chart.below_court.none", year=ctx.year)
    fig = styled(fig, ctx, title, L.text("chart.below_court.subtitle", year=ctx.year), legend=False, axis_space=60,
                 left=130)
    fig.update_xaxes(title=L["axis.percent"], range=[0, 118], ticksuffix="%")
    fig.update_yaxes(autorange="reversed", title=None)
    return Chart("below_minimum_by_court", fig, L.text("chart.below_court.note", year=ctx.year))


def below_minimum_by_year(frame: pd.DataFrame, ctx: Context) -> Chart:
    """Share of persons sentenced below the minimum per year: columns year, sentenced (C), below (K)."""
    L = ctx.labels
    rows = frame[frame["sentenced"] > 0]
    shares = [percent(k, c) for k, c in zip(rows["below"], rows["sentenced"])]
    fig = go.Figure(go.Bar(
        x=[str(y) for y in rows["year"]], y=shares, marker_color=VERMILLION, name=L["chart.below.share"],
        text=[L.text("chart.k_of_c", k=k, c=c) for k, c in zip(rows["below"], rows["sentenced"])],
        textposition="outside", cliponaxis=False))
    this = frame[frame["year"] == ctx.year]
    if len(this) and int(this["sentenced"].iloc[0]):
        k, c = int(this["below"].iloc[0]), int(this["sentenced"].iloc[0])
        title = L.plural("chart.below_year.title", c, k=k, year=ctx.year, pct=round(100 * k / c))
    else:
        title = L.text("chart.below_year.none", year=ctx.year)
    drawn = [str(y) for y in rows["year"]]
    fig = styled(fig, ctx, title, L["chart.below_year.subtitle"], incomplete_line(ctx, drawn), legend=False,
                 axis_space=40)
    fig.update_xaxes(type="category", title=None)
    mark_axis(fig, ctx, drawn)
    fig.update_yaxes(title=L["axis.percent"], range=[0, 118], ticksuffix="%")
    return Chart("below_minimum_by_year", fig, L["chart.below_year.note"])


def victims_by(name: str, table: pd.DataFrame, ctx: Context, dimension: str) -> Chart:
    """Identified victims per year by one dimension, from the published (protected) table: a row per
    category (column `label`), a column per year. A suppressed cell is not drawn; what the categories
    drawn leave of the published year total is drawn in grey as "not shown" (readers can work that out
    from the table's total anyway)."""
    L = ctx.labels
    years = [c for c in table.columns if c not in ("code", "label", TOTAL)]
    body = table[table["code"] != TOTAL]
    totals = table[table["code"] == TOTAL]
    fig = go.Figure()
    hidden = 0
    drawn_sum = dict.fromkeys(years, 0.0)
    for (_, row), colour in zip(body.iterrows(), PALETTE * 2):
        values = [number(row[y]) for y in years]
        hidden += sum(1 for y in years if isinstance(row[y], str) and row[y])
        for y, v in zip(years, values):
            drawn_sum[y] += v or 0
        fig.add_trace(go.Bar(x=years, y=values, name=row["label"], marker_color=colour,
                             text=[fmt(v) for v in values], textposition="inside"))
    total = {y: number(totals[y].iloc[0]) if len(totals) else None for y in years}
    rest = [total[y] - drawn_sum[y] if total[y] is not None and total[y] > drawn_sum[y] else None for y in years]
    fig.add_trace(go.Bar(x=years, y=rest, name=L["chart.victims.not_shown"], marker=dict(
        color="#E8E8E8", line=dict(color=GREY, width=1), pattern=dict(shape="/", fgcolor=GREY)),
        text=[fmt(v) for v in rest], textposition="inside"))
    latest = body[years[-1]] if years else pd.Series(dtype=object)
    drawn = {label: number(v) for label, v in zip(body["label"], latest) if number(v) is not None}
    hidden_latest = rest[-1] or 0 if years else 0
    if drawn and max(drawn.values()) > hidden_latest and total.get(years[-1]) is not None:  # surely the largest
        top = max(drawn, key=drawn.get)
        title = L.text(f"chart.victims.{dimension}.title", top=top, top_lower=top.lower(), year=years[-1])
    elif years and total[years[-1]] is not None:
        title = L.plural("chart.victims.total_title", int(total[years[-1]]), year=years[-1])
    else:
        title = L.text("chart.victims.title", year=years[-1] if years else ctx.year)
    extra = [L.plural("chart.victims.suppressed", hidden, k=ctx.k, k_1=ctx.k - 1)] if hidden else []
    fig = styled(fig, ctx, title, L[f"chart.victims.{dimension}.subtitle"], extra + incomplete_line(ctx, years),
                 axis_space=40)
    fig.update_layout(barmode="stack")
    fig.update_xaxes(type="category", title=None)
    mark_axis(fig, ctx, years)
    fig.update_yaxes(title=L["axis.victims"], rangemode="tozero")
    note = L[f"chart.victims.{dimension}.note"] + (" " + L.text("chart.suppressed.note", k=ctx.k) if hidden else "")
    return Chart(name, fig, note, suppressed=hidden)


def backlog_by_court(frame: pd.DataFrame, ctx: Context) -> Chart:
    """Clearance rate (resolved ÷ incoming × 100) and disposition time (365 × pending ÷ resolved) per basic
    court in the year (mart_backlog), the whole country in the title."""
    L = ctx.labels
    courts = frame[frame["court"] != "all"]
    country = frame[frame["court"] == "all"]
    fig = make_subplots(rows=1, cols=2, horizontal_spacing=0.14,
                        subplot_titles=(L["chart.backlog.clearance"], L["chart.backlog.disposition"]))
    fig.add_trace(go.Bar(y=courts["court_label"], x=courts["clearance_rate"], orientation="h", marker_color=BLUE,
                         name=L["chart.backlog.clearance"], text=[fmt(v, "{:.0f}%") for v in courts["clearance_rate"]],
                         textposition="outside", cliponaxis=False), row=1, col=1)
    fig.add_trace(go.Bar(y=courts["court_label"], x=courts["disposition_days"], orientation="h", marker_color=ORANGE,
                         name=L["chart.backlog.disposition"], text=[fmt(v, "{:.0f}") for v in courts["disposition_days"]],
                         textposition="outside", cliponaxis=False), row=1, col=2)
    fig.add_vline(x=100, line=dict(color=BLACK, width=1.5, dash="dash"), row=1, col=1, layer="below")
    for column, col in (("clearance_rate", 1), ("disposition_days", 2)):
        highest = pd.to_numeric(courts[column], errors="coerce").max()
        fig.update_xaxes(range=[0, max(110 if col == 1 else 10, 1.2 * highest if pd.notna(highest) else 0)], row=1, col=col)
    clearance = number(country["clearance_rate"].iloc[0]) if len(country) else None
    days = number(country["disposition_days"].iloc[0]) if len(country) else None
    if clearance is not None:
        title = L.text("chart.backlog.title", clearance=round(clearance), year=ctx.year,
                       days=L.plural("chart.backlog.days", round(days)) if days is not None else L["value.not_reported"])
    else:
        title = L.text("chart.backlog.none", year=ctx.year)
    fig = styled(fig, ctx, title, L.text("chart.backlog.subtitle", year=ctx.year), legend=False, axis_space=75,
                 extra_top=25, left=130)
    fig.update_yaxes(autorange="reversed")
    fig.update_yaxes(showticklabels=False, row=1, col=2)
    fig.update_xaxes(ticksuffix="%", row=1, col=1)
    fig.update_xaxes(title=L["axis.days"], row=1, col=2)
    fig.update_annotations(selector=dict(text=L["chart.backlog.clearance"]), yshift=4)
    # on the page the two panels go one above the other (side by side, a phone leaves each too little room),
    # each with its court names and its title at its top left
    top = {L["chart.backlog.clearance"]: 1.0, L["chart.backlog.disposition"]: 0.42}
    page_annotations = [dict(a.to_plotly_json(), x=0, xanchor="left", y=top[a.text], yshift=0, font=dict(size=14))
                        if a.text in top else a.to_plotly_json() for a in fig.layout.annotations]
    page_layout = dict(xaxis=dict(domain=[0, 1]), xaxis2=dict(domain=[0, 1]), yaxis=dict(domain=[0.58, 1]),
                       yaxis2=dict(domain=[0, 0.42], showticklabels=True), annotations=page_annotations,
                       margin=dict(t=30))
    return Chart("backlog_by_court", fig, L.text("chart.backlog.note", year=ctx.year), page_layout=page_layout,
                 page_height=720)


def public_officials(table: pd.DataFrame, ctx: Context) -> Chart:
    """Public officials counted at each stage (rows, column `label`) per year (columns), the last three
    years; suppressed cells (when the table is protected) are not drawn."""
    L = ctx.labels
    years = [c for c in table.columns if c not in ("code", "label", TOTAL)][-3:]
    fig = go.Figure()
    hidden = 0
    for year, colour in zip(years, [SKY, BLUE, BLACK][-len(years):] if years else []):
        values = [number(v) for v in table[year]]
        hidden += sum(isinstance(v, str) for v in table[year])
        fig.add_trace(go.Bar(x=[L[f"stage.{STAGE_OF[c]}"] for c in table["code"]], y=values, name=marked(ctx, year), marker_color=colour,
                             text=[fmt(v) for v in values], textposition="outside", cliponaxis=False))
    current = dict(zip(table["code"], table[str(ctx.year)])) if str(ctx.year) in table.columns else {}
    investigated, convicted = current.get("investigated_persons"), current.get("convicted_persons")
    if isinstance(investigated, str) or isinstance(convicted, str) or investigated is None:
        title = L.text("chart.officials.title_plain", year=ctx.year)
    else:
        title = L.plural("chart.officials.title", int(investigated), convicted=fmt(convicted), year=ctx.year)
    fig = styled(fig, ctx, title, L["chart.officials.subtitle"], suppressed_line(ctx, hidden) + incomplete_line(ctx, years),
                 axis_space=40)
    fig.update_layout(barmode="group")
    fig.update_xaxes(type="category", title=None)
    fig.update_yaxes(title=L["axis.persons"], rangemode="tozero", dtick=1 if _small(table, years) else None)
    return Chart("public_officials", fig, L["chart.officials.note"], suppressed=hidden)


STAGE_OF = {"investigated_persons": "investigated", "prosecuted_persons": "prosecuted",
            "convicted_persons": "convicted", "acquitted_persons": "acquitted", "final_convictions": "finally_convicted"}


def _small(table: pd.DataFrame, years: list[str]) -> bool:
    values = [number(v) for y in years for v in table[y]]
    return max([v for v in values if v is not None], default=0) <= 10


def fmt(value, pattern: str = "{:.0f}") -> str:
    if value is None or (not isinstance(value, str) and pd.isna(value)):
        return ""
    return value if isinstance(value, str) else pattern.format(value)


def reclassified(table: pd.DataFrame, ctx: Context) -> Chart:
    """Persons investigated for trafficking and prosecuted or convicted (first instance), per year and stage:
    stacked, those charged with trafficking and those charged only with a related or other offence (table
    `reclassified`: year, stage, stage_label, trafficking, reclassified)."""
    L = ctx.labels
    x = [[marked(ctx, y) for y in table["year"]], list(table["stage_label"])]
    fig = go.Figure()
    for column, colour in (("trafficking", BLUE), ("reclassified", VERMILLION)):
        values = [number(v) for v in table[column]]
        fig.add_trace(go.Bar(x=x, y=values, name=L[f"chart.reclassified.{column}"], marker_color=colour,
                             text=[fmt(v) for v in values], textposition="inside"))
    current = table[(table["year"].astype(str) == str(ctx.year)) & (table["stage"] == "prosecution")]
    n = int(current["reclassified"].sum())
    title = (L.text("chart.reclassified.title.zero", year=ctx.year) if n == 0
             else L.plural("chart.reclassified.title", n, year=ctx.year))
    years = sorted({str(y) for y in table["year"]})
    fig = styled(fig, ctx, title, L["chart.reclassified.subtitle"], incomplete_line(ctx, years), axis_space=60)
    fig.update_layout(barmode="stack")
    fig.update_xaxes(type="multicategory", title=None)
    fig.update_yaxes(title=L["axis.persons"], rangemode="tozero")
    return Chart("reclassified", fig, L["chart.reclassified.note"])


def watch_begging(table: pd.DataFrame, ctx: Context) -> Chart:
    """Forced begging charged as an offence other than trafficking: cases per year, one bar per stage (table
    `watch_begging`: year, stage, cases)."""
    L = ctx.labels
    years = sorted({str(y) for y in table["year"]})
    fig = go.Figure()
    for stage, colour in (("investigation", SKY), ("prosecution", BLUE), ("judgment", BLACK)):
        rows = dict(zip(table.loc[table["stage"] == stage, "year"].astype(str),
                        table.loc[table["stage"] == stage, "cases"]))
        values = [number(rows.get(y, 0)) for y in years]
        fig.add_trace(go.Bar(x=[marked(ctx, y) for y in years], y=values, name=L[f"chart.watch_begging.{stage}"],
                             marker_color=colour, text=[fmt(v) for v in values], textposition="outside",
                             cliponaxis=False))
    current = table[(table["year"].astype(str) == str(ctx.year)) & (table["stage"] == "judgment")]
    n = int(current["cases"].sum())
    title = (L.text("chart.watch_begging.title.zero", year=ctx.year) if n == 0
             else L.plural("chart.watch_begging.title", n, year=ctx.year))
    fig = styled(fig, ctx, title, L["chart.watch_begging.subtitle"], incomplete_line(ctx, years), axis_space=40)
    fig.update_layout(barmode="group")
    fig.update_xaxes(type="category", title=None)
    values = [number(v) for v in table["cases"]]
    fig.update_yaxes(title=L["axis.cases"], rangemode="tozero",
                     dtick=1 if max([v for v in values if v is not None], default=0) <= 10 else None)
    return Chart("watch_begging", fig, L["chart.watch_begging.note"])
