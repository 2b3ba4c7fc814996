"""The edition's charts: which chart is drawn from which published table (pipeline/charts.py draws them),
and their PNG and SVG files, drawn by one Chromium (kaleido) for the whole report."""
from __future__ import annotations

import asyncio
import re
from pathlib import Path
from xml.sax.saxutils import escape
from typing import Callable

import pandas as pd

from pipeline import charts
from pipeline.config import Config


def edition_charts(frames: dict[str, pd.DataFrame], histogram: pd.DataFrame, series: pd.DataFrame, step: str,
                   ctx: charts.Context) -> list[charts.Chart]:
    """The charts in the page's order, each from the frame its table publishes (`frames`: table name →
    frame), so that a chart never shows what its table hides; `histogram`: Facts.histogram; `series`,
    `step`: tables.trend_series()."""
    attrition = frames["attrition"]
    all_row = attrition[attrition["group"] == "all"]
    by_court = frames["below_minimum_by_court"]
    return [
        charts.trends(series, ctx, step),
        charts.attrition(all_row.iloc[0].to_dict() if len(all_row) else None, ctx),
        charts.sentences_vs_minimum(histogram, ctx),
        charts.below_minimum_by_court(by_court[by_court["court"] != "all"], ctx),
        charts.below_minimum_by_year(frames["below_minimum_by_year"], ctx),
        *[charts.victims_by(name, frames[name], ctx, dimension)
          for name, dimension in (("victims_by_sex", "sex"), ("victims_by_age", "age_group"),
                                  ("victims_by_form", "exploitation_form"))],
        charts.backlog_by_court(frames["backlog_by_court"], ctx),
        charts.public_officials(frames["public_officials"], ctx),
        charts.reclassified(frames["reclassified"], ctx),
        charts.watch_begging(frames["watch_begging"], ctx),
    ]


def description(chart: charts.Chart, labels) -> str:
    """The chart in one sentence, for a reader who cannot see it (the page's alt text, the SVG's <desc>): what
    its marks stand for, from alt.<chart name>, else from what its subtitle says is counted."""
    return labels.get(f"alt.{chart.name}", "") or labels.text("alt.chart", subtitle=chart.subtitle)


def alt_text(chart: charts.Chart, labels) -> str:
    """The title, then the one sentence: what a screen reader says for the chart."""
    return f"{chart.title.rstrip('.')}. {description(chart, labels)}"


def label_svg(path: Path, title: str, desc: str) -> None:
    """<title> and <desc> as the SVG's first children, named by role="img" and aria-labelledby: a screen
    reader (and a file browser's preview) reads them; kaleido writes neither."""
    svg = path.read_text(encoding="utf-8")
    opening = re.match(r"<svg\b[^>]*>", svg)
    if opening is None:
        raise ValueError(f"{path} does not start with an <svg> element")
    head = opening.group(0)[:-1] + ' role="img" aria-labelledby="chart-title chart-desc">'
    body = f'<title id="chart-title">{escape(title)}</title><desc id="chart-desc">{escape(desc)}</desc>'
    path.write_text(head + body + svg[opening.end():], encoding="utf-8")


class NoBrowser(Exception):
    """No Chromium to draw images with; the message is the one line the user sees."""


def export_images(chart_list: list[charts.Chart], folder: Path, config: Config,
                  advance: Callable[[], None] = lambda: None) -> list[Path]:
    """Every chart as charts/NAME.png (× config.scale) and charts/NAME.svg, through one Chromium
    process for the whole report (one kaleido.Kaleido session). Raises NoBrowser when there is none."""
    import kaleido
    from choreographer.errors import BrowserFailedError, ChromeNotFoundError

    folder.mkdir(parents=True, exist_ok=True)
    jobs = [{"fig": chart.figure, "path": folder / f"{chart.name}.{fmt_}",
             "opts": {"format": fmt_, "scale": config.scale if fmt_ == "png" else 1,
                      "width": config.width, "height": config.height}}
            for chart in chart_list for fmt_ in ("png", "svg")]

    async def draw() -> None:
        # mathjax=False: the page kaleido renders in must not fetch MathJax from the network
        async with kaleido.Kaleido(n=1, mathjax=False, path=config.browser or None, timeout=120) as k:
            for job in jobs:
                await k.write_fig_from_object(job, cancel_on_error=True)
                advance()

    try:
        asyncio.run(draw())
    except ChromeNotFoundError:
        where = f" at {config.browser}" if config.browser else ""
        raise NoBrowser(f"no Chromium{where} to draw the PNG and SVG charts or print report.pdf, so charts/ and "
                        "report.pdf were not written (everything else was): install it (Debian: apt-get install "
                        "chromium) or set BROWSER_PATH or charts.browser in tipstats.toml to a Chrome or Chromium") from None
    except (BrowserFailedError, OSError, asyncio.TimeoutError) as e:
        raise NoBrowser(f"Chromium could not draw the PNG and SVG charts ({type(e).__name__}: "
                        f"{str(e).splitlines()[0] if str(e) else 'no message'}), so charts/ is incomplete and "
                        "report.pdf was not printed (everything else was written)") from None
    for chart in chart_list:
        label_svg(folder / f"{chart.name}.svg", chart.title, description(chart, config.labels))
    return [job["path"] for job in jobs]
