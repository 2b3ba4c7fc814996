"""report.html: one self-contained page, rendered from templates/page.html (Jinja2, autoescaped: every
text is escaped unless it is plotly's own markup, marked safe here and nowhere else)."""
from __future__ import annotations

from functools import cache
from pathlib import Path

import jinja2
import pandas as pd
import plotly.io
from markupsafe import Markup

from contracts import codes, pack
from pipeline import charts, terminal
from pipeline.config import Labels
from pipeline.publication import images
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


def rows(frame: pd.DataFrame, labels: Labels | None = None) -> dict:
    """A table as the template's `table` macro takes it: column names and cells as text (empty for none); with
    `labels`, the headers in the edition's language and measures written as it writes them ("43,3")."""
    def cell(v) -> str:
        if labels is not None and isinstance(v, float) and not pd.isna(v):
            return labels.number(v)
        return terminal.cell(v, empty="")

    cells = [[cell(v) for v in row] for row in frame.astype(object).where(frame.notna(), None).itertuples(index=False)]
    columns = [labels.column(c) if labels is not None else str(c) for c in frame.columns]
    return {"columns": columns, "rows": cells}


def page(edition: Edition) -> str:
    """One self-contained HTML page: plotly.js embedded once, no request leaves the machine."""
    from plotly.offline import get_plotlyjs

    L = edition.labels
    period = edition.period.name(L)
    headline = next(t for t in edition.tables if t.name == "headline")
    table_names = {t.name for t in edition.tables}
    by_name = {t.name: t for t in edition.tables}
    figures = [{
        "name": chart.name, "title": chart.title, "subtitle": chart.subtitle, "note": chart.note,
        "height": chart.page_height, "source": chart.footer, "data": chart.name in table_names,
        # for a reader who cannot see the chart: alt text, the figures as a table, the image files
        "alt": images.alt_text(chart, L), "images": edition.images_missing is None,
        "table": {**rows(by_name[chart.name].frame, L), "caption": by_name[chart.name].title}
        if chart.name in by_name else None,
        # plotly's own markup (a div and the script that draws it): the one text not escaped
        "div": Markup(plotly.io.to_html(charts.for_page(chart), validate=False, full_html=False,
                                        include_plotlyjs=False, div_id=f"chart-{chart.name}", config=PLOT_CONFIG)),
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
        revised = L.plural("page.revisions.some", len(edition.revisions), previous=edition.previous["period"])
    words = {"headline": L["page.headline"], "summary": L["page.summary"], "charts": L["page.charts"],
             "chart_data": L["page.chart.data"], "revisions": L["page.revisions"], "caveats": L["page.caveats"],
             "tables": L["page.tables"], "tables_note": L["page.tables.note"]}
    as_of = edition.facts.as_of
    return environment().get_template("page.html").render(
        language=L.language, restricted=edition.restricted, marking=RESTRICTED,
        restricted_text=L["page.restricted"], font=charts.FONT, plotlyjs=Markup(get_plotlyjs()),
        title=L.text("page.title", country=edition.config.country_name, period=period),
        meta=L.text("page.meta", last_month=L.month(str(as_of["last_month"])), load=as_of["load_id"],
                    built=L.timestamp(edition.built_at)),
        headline={**rows(headline.frame.drop(columns=["figure"]), L), "note": headline.note},
        summary=summary, charts=figures, revised=revised,
        revisions=rows(edition.revisions.head(50), L) if edition.previous is not None and not edition.revisions.empty
        else None,
        drafts=L.plural("page.drafts", L.drafts) if L.drafts else "",
        caveats=edition.caveats, tables=[{"name": t.name, "title": t.title} for t in edition.tables], words=words,
        headline_caption=headline.title, **print_and_methodology(edition, period))


def rows_of(records: list[dict]) -> dict:
    """Rows given as dicts (one key per column) as the `table` macro takes them."""
    return {"columns": list(records[0]) if records else [], "rows": [list(r.values()) for r in records]}


def publisher(edition: Edition, period: str) -> dict:
    """Producer, contact, licence and suggested citation ([publisher] of tipstats.toml); "not stated" for
    what the configuration leaves empty, and a citation composed from the producer, title and data date."""
    L, config = edition.labels, edition.config
    title = L.text("page.title", country=config.country_name, period=period)
    as_of = L.month(str(edition.facts.as_of["last_month"]))
    year = edition.built_at[:4]
    citation = config.citation or (
        L.text("method.citation", producer=config.producer, year=year, title=title, as_of=as_of) if config.producer
        else L.text("method.citation.no_producer", year=year, title=title, as_of=as_of))
    missing = L["method.not_stated"]
    return {"producer": config.producer or missing, "contact": config.contact or missing,
            "licence": config.licence or missing, "citation": citation}


def provisions(L) -> dict:
    """The statute table as the methodology states it: each provision, its group, title, law and the dates it
    is in force, trafficking first, then related, then other (the pack's order within a group)."""
    order = ("trafficking", "related", "other")
    laws = {law["code"]: law for law in codes.laws()}
    records = []
    for s in sorted(codes.statutes(), key=lambda s: order.index(s["group"]) if s["group"] in order else len(order)):
        law = laws.get(s["law"], {})
        until = L.date(s["valid_to"]) if s["valid_to"] else L["method.in_force"]
        provision = ".".join(part for part in (s["law"], s["article"], s["paragraph"]) if part)
        # titles in the edition's language where the pack's labels give them (statute.<provision>, code.law.<law>)
        law_title = L.get(f"code.law.{s['law']}", law.get("title", ""))
        records.append({
            L["method.col.group"]: L.get(f"method.group.{s['group']}", s["group"]),
            L["method.col.provision"]: provision,
            L["method.col.title"]: L.get(f"statute.{provision}", s["title"]),
            L["method.col.law"]: f"{law_title} ({law['citation']})" if law else s["law"],
            L["method.col.in_force"]: f"{L.date(s['valid_from']) if s['valid_from'] else '…'} – {until}"})
    return {**rows_of(records), "caption": L["method.provisions"]}


def methodology(edition: Edition, period: str) -> dict:
    """What a reader needs to use the figures: units, offence groups, legal grounds for a sentence below the
    minimum, the suppression rule, the revisions policy, and who publishes them."""
    L, config = edition.labels, edition.config
    grounds = [L.code("mitigation", r["code"]) for r in codes.rows("mitigation") if r["legal_ground"].lower() == "true"]
    protected = [t.title for t in edition.tables if t.name in config.suppress]
    suppression = [L.text("method.suppression", k=config.k, k_1=config.k - 1)]
    if protected:
        suppression.append(L.text("method.suppression.tables", tables="; ".join(protected)))
    return {
        "units": L["method.units"], "groups": L["method.groups"], "provisions": provisions(L),
        "grounds": " ".join([L.text("method.grounds", grounds=", ".join(grounds)) if grounds else L["method.grounds.none"],
                             L["method.plea.true" if pack.active().plea_agreement_is_ground else "method.plea.false"]]),
        "suppression": " ".join(suppression), "revisions": L["method.revisions"],
        "publisher": publisher(edition, period),
    }


def print_and_methodology(edition: Edition, period: str) -> dict:
    """The page's parts for print and for assistive technology: skip link, cover, contents, methodology."""
    L = edition.labels
    words = {key: L[f"page.{key}"] for key in ("skip", "contents", "methodology", "cover.producer", "chart.table",
                                                "chart.files", "method.units", "method.groups", "method.grounds",
                                                "method.suppression", "method.revisions", "method.publisher",
                                                "method.producer", "method.contact", "method.licence",
                                                "method.citation")}
    meth = methodology(edition, period)
    cover = {"period": period, "producer": meth["publisher"]["producer"]}  # the data's date: the meta line
    sections = [("section-headline", L["page.headline"])]
    if edition.summary:
        sections.append(("section-summary", L["page.summary"]))
    sections += [("section-charts", L["page.charts"]), ("section-revisions", L["page.revisions"]),
                 ("section-caveats", L["page.caveats"]), ("section-methodology", L["page.methodology"]),
                 ("section-tables", L["page.tables"])]
    return {"print_words": words, "cover": cover, "contents": sections, "methodology": meth}


def pdf_footer(edition: Edition) -> str:
    """The foot of every page of report.pdf: the title and the page number ({page} and {pages} are left for
    Chromium to fill), the restricted edition's marking first."""
    L = edition.labels
    title = L.text("page.title", country=edition.config.country_name, period=edition.period.name(L))
    text = L.text("pdf.footer", title=title, page="{page}", pages="{pages}")
    return f"{RESTRICTED} · {text}" if edition.restricted else text
