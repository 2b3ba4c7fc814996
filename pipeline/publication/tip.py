"""The report's words about its figures: the TIP paragraph (tip-summary.md), the caveats, and the source
and coverage line under every chart."""
from __future__ import annotations

import pandas as pd

from pipeline import suppress
from pipeline.config import Config, Labels
from pipeline.publication.figures import Facts
from pipeline.publication.periods import Period


def plural(labels: Labels, key: str, n: int) -> str:
    return labels.text(f"{key}.{'one' if n == 1 else 'many'}", n=n)


def months(value: float) -> str:
    return f"{value:g}"


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
    return "\n".join([f"# {L.text('tip.heading', country=config.country_name, year=period.year)}", "", paragraph, "",
                      L.text("tip.definitions", year=period.year), ""])


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


def coverage_text(quality: pd.DataFrame, labels: Labels) -> str:
    parts = [labels.text("coverage.source", source=labels[f"source.{r.source}"], delivered=r.delivered + r.nil_returns,
                         months=r.months) for r in quality.itertuples()]
    return ", ".join(parts)


def footer(facts: Facts, period: Period, labels: Labels, config: Config) -> str:
    return "\n".join([
        labels.text("footer.source", country=config.country_name),
        labels.text("footer.coverage", period=period.name(labels), coverage=coverage_text(facts.quality, labels),
                    last_month=facts.as_of["last_month"], load=facts.as_of["load_id"]),
    ])
