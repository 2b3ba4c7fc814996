"""report.html: one self-contained page, rendered from templates/page.html (Jinja2, autoescaped: every
text is escaped unless it is plotly's own markup, marked safe here and nowhere else)."""
from __future__ import annotations

from functools import cache
from pathlib import Path

import jinja2
import pandas as pd
from markupsafe import Markup

from pipeline import charts, terminal
from pipeline.publication.editions import RESTRICTED, Edition

TEMPLATES = Path(__file__).parent / "templates"

# plotly.js options of every chart on the page: no toolbar. Its "share" button uploads the figure to Plotly
# Cloud (the restricted edition's unsuppressed cells included), its buttons cover the plot's top on hover
# and are printed, and its "download" would save the page's version of the chart, without title or source;
# the chart's data is linked under it instead. showSendToCloud off too, should a toolbar come back.
PLOT_CONFIG = {"displayModeBar": False, "displaylogo": False, "showSendToCloud": False, "showTips": False,
               "scrollZoom": False, "responsive": True}


@cache
def environment() -> jinja2.Environment:
    # StrictUndefined: a name the template uses and the page does not give is an error, not an empty string
    return jinja2.Environment(loader=jinja2.FileSystemLoader(TEMPLATES), autoescape=True, trim_blocks=True,
                              lstrip_blocks=True, undefined=jinja2.StrictUndefined, keep_trailing_newline=True)


def rows(frame: pd.DataFrame) -> dict:
    """A table as the template's `table` macro takes it: column names and cells as text (empty for none)."""
    cells = [[terminal.cell(v, empty="") for v in row]
             for row in frame.astype(object).where(frame.notna(), None).itertuples(index=False)]
    return {"columns": [str(c) for c in frame.columns], "rows": cells}


def page(edition: Edition) -> str:
    """One self-contained HTML page: plotly.js embedded once, no request leaves the machine."""
    from plotly.offline import get_plotlyjs

    L = edition.labels
    period = edition.period.name(L)
    headline = next(t for t in edition.tables if t.name == "headline")
    table_names = {t.name for t in edition.tables}
    figures = [{
        "name": chart.name, "title": chart.title, "subtitle": chart.subtitle, "note": chart.note,
        "height": chart.page_height, "source": chart.footer, "data": chart.name in table_names,
        # plotly's own markup (a div and the script that draws it): the one text not escaped
        "div": Markup(charts.for_page(chart).to_html(full_html=False, include_plotlyjs=False,
                                                     div_id=f"chart-{chart.name}", config=PLOT_CONFIG)),
    } for chart in edition.charts]
    summary = []
    if edition.summary:  # the paragraphs under the heading line of tip-summary.md
        body = edition.summary.split("\n", 2)[2].strip()
        summary = [p for p in body.split("\n\n") if p.strip()]
    if edition.previous is None:
        revised = L["page.revisions.first"]
    elif edition.revisions.empty:
        revised = L.text("page.revisions.none", previous=edition.previous["period"])
    else:
        revised = L.text("page.revisions.some", n=len(edition.revisions), previous=edition.previous["period"])
    words = {"headline": L["page.headline"], "summary": L["page.summary"], "charts": L["page.charts"],
             "chart_data": L["page.chart.data"], "revisions": L["page.revisions"], "caveats": L["page.caveats"],
             "tables": L["page.tables"], "tables_note": L["page.tables.note"]}
    as_of = edition.facts.as_of
    return environment().get_template("page.html").render(
        language=L.language, restricted=edition.restricted, marking=RESTRICTED,
        restricted_text=L["page.restricted"], font=charts.FONT, plotlyjs=Markup(get_plotlyjs()),
        title=L.text("page.title", country=edition.config.country_name, period=period),
        meta=L.text("page.meta", last_month=as_of["last_month"], load=as_of["load_id"], built=edition.built_at),
        headline={**rows(headline.frame.drop(columns=["figure"])), "note": headline.note},
        summary=summary, charts=figures, revised=revised,
        revisions=rows(edition.revisions.head(50)) if edition.previous is not None and not edition.revisions.empty
        else None,
        caveats=edition.caveats, tables=[{"name": t.name, "title": t.title} for t in edition.tables], words=words)
