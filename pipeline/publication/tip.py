"""The report's words about its figures: the TIP paragraph (tip-summary.md), the caveats, and the source
and coverage line under every chart."""
from __future__ import annotations

import pandas as pd

from pipeline import suppress
from pipeline.config import Config, Labels
from pipeline.publication.figures import Facts
from pipeline.publication.periods import Period


WORDS = ("no", "one", "two", "three", "four", "five", "six", "seven", "eight", "nine")
# which source each stage's figures come from: a source that delivered no month of the year has no figure
SOURCE = {"investigated": "investigations", "prosecuted": "prosecutions", "convicted": "judgments",
          "victims": "victims"}


def number(n: int | float, zero: str = "no") -> str:
    """A count as the TIP report writes it: one to nine in words, 10 and more in digits; 0 as `zero`."""
    n = int(n)
    return zero if n == 0 else WORDS[n] if n < 10 else f"{n:,}"


def counted(labels: Labels, noun: str, n: int) -> str:
    """"two suspects", "one case", "no victims": the number in words and the noun in its number."""
    return labels.text(f"tip.n.{noun}.{'one' if n == 1 else 'other'}", n=number(n))


def months(value: float) -> str:
    return number(value) if value == int(value) else f"{value:g}"


def reported(s: dict | None, stage: str) -> bool:
    """The year's figures of a stage exist: its source delivered at least one month of the year."""
    return bool(s) and s["coverage"][SOURCE[stage]]["months_delivered"] > 0


def tip_summary(facts: Facts, period: Period, labels: Labels, config: Config, previous: dict | None = None,
                public: dict[str, pd.DataFrame] | None = None) -> str:
    """The law-enforcement paragraph in the register of the TIP report, for the trafficking group, each figure
    with the previous year's. `previous`: stats.compute for the year before (None: not available); `public`:
    the public edition's victim tables as displayed (suppressed cells as "<k" or "x"), so that both editions
    state only what the public edition publishes. Every number is a key of `tipstats stats --year Y (or
    Y − 1) --group trafficking --json`."""
    s, b, L, y = facts.stats["trafficking"], previous, labels, period.year
    before = y - 1
    # a year before the collection began is said once, not after every figure
    nothing_before = not b or not any(c["months_delivered"] for c in b["coverage"].values())
    b = None if nothing_before else b

    def compared(stage: str, key: str = "compared", **values) -> str:
        if nothing_before:
            return ""
        if not reported(b, stage):
            return L.text("tip.previous_not_reported", previous_year=before)
        return L.text(f"tip.{key}" if key == "compared" else key, previous_year=before, **values)

    text = []
    if reported(s, "investigated"):
        text.append(L.text("tip.investigated", year=y, cases=counted(L, "case", s["investigated_cases"]),
                           suspects=counted(L, "suspect", s["investigated_persons"]),
                           compared=compared("investigated", before=f"{counted(L, 'case', b['investigated_cases'])} and "
                                             f"{counted(L, 'suspect', b['investigated_persons'])}" if b else "")))
    else:
        text.append(L.text("tip.investigated.not_reported", year=y, compared=compared(
            "investigated", before=number(b["investigated_cases"]) if b else "")))
    if reported(s, "prosecuted"):
        text.append(L.text("tip.prosecuted", defendants=counted(L, "defendant", s["prosecuted_persons"]),
                           compared=compared("prosecuted", before=number(b["prosecuted_persons"]) if b else "")))
    else:
        text.append(L.text("tip.prosecuted.not_reported", year=y, compared=compared(
            "prosecuted", before=number(b["prosecuted_persons"]) if b else "")))
    if reported(s, "convicted"):
        text.append(L.text("tip.convicted", traffickers=counted(L, "trafficker", s["convicted_persons"]),
                           compared=compared("convicted", before=number(b["convicted_persons"]) if b else ""),
                           final=counted(L, "conviction", s["final_convictions"]),
                           compared_final=compared("convicted", before=number(b["final_convictions"]) if b else "")))
        text.append(sentences(s, b, L, before))
    else:
        text.append(L.text("tip.convicted.not_reported", year=y, compared=compared(
            "convicted", before=number(b["convicted_persons"]) if b else "")))
    if reported(s, "investigated") and reported(s, "prosecuted") and reported(s, "convicted"):
        names = ("official_investigated_persons", "official_prosecuted_persons", "official_convicted_persons")
        previous_officials = (compared("convicted", "tip.officials.compared",
                                       **{k: number(b[f], "none") for k, f in zip(("investigated", "prosecuted", "convicted"), names)})
                              if b else compared("convicted"))
        text.append(L.text("tip.officials", investigated=counted(L, "official", s[names[0]]),
                           prosecuted=number(s[names[1]], "none"), convicted=number(s[names[2]], "none"),
                           compared=previous_officials))
    pending = s["pending_defendant_cases"]
    pending_before = (L.text("tip.pending.compared", before=number(b["pending_defendant_cases"]), previous_year=before)
                      if b and b["pending_defendant_cases"] is not None
                      else "" if nothing_before else L.text("tip.previous_not_reported", previous_year=before))
    text.append(L.text("tip.pending", year=y, pending=counted(L, "defendant_case", pending), compared=pending_before)
                if pending is not None else L.text("tip.pending.not_reported", year=y, compared=pending_before))
    text += victims(facts, period, L, config, public, nothing_before)
    if reported(s, "prosecuted") and reported(s, "convicted"):
        text.append(L.text("tip.reclassified", prosecuted=counted(L, "person", s["reclassified_prosecuted_persons"]),
                           convicted=number(s["reclassified_convicted_persons"], "none"),
                           compared=compared("convicted", "tip.reclassified.compared",
                                             prosecuted=number(b["reclassified_prosecuted_persons"], "none"),
                                             convicted=number(b["reclassified_convicted_persons"], "none"))
                           if b else compared("convicted")))
    watch = ("begging_watch_investigated_cases", "begging_watch_prosecuted_cases", "begging_watch_judged_cases")
    if all(reported(s, stage) for stage in ("investigated", "prosecuted", "convicted")):
        text.append(L.text("tip.begging", **{k: number(s[f], "none") for k, f in zip(("investigated", "prosecuted", "judged"), watch)},
                           compared=compared("investigated", "tip.begging.compared",
                                             **{k: number(b[f], "none") for k, f in zip(("investigated", "prosecuted", "judged"), watch)})
                           if b else compared("investigated")))
    for r in facts.quality.itertuples():
        delivered = r.delivered + r.nil_returns
        if 0 < delivered < r.months:
            agency = L[f"agency.{r.source}"]
            text.append(L.text("tip.coverage", agency=agency[:1].upper() + agency[1:], delivered=number(delivered),
                               months=number(r.months), year=y))
    if nothing_before:
        text.append(L.text("tip.nothing_before", previous_year=before))
    paragraph = " ".join(text)
    return "\n".join([f"# {L.text('tip.heading', country=config.country_name, year=y)}", "", paragraph, "",
                      L.text("tip.definitions", year=y), ""])


def sentences(s: dict, b: dict | None, L: Labels, before: int) -> str:
    """The sentences of the year's convicted traffickers: the range of prison terms (DATA-SPEC v1.3: over
    every convicted person), suspended and non-custodial sentences, and those below the statutory minimum
    with and without a recorded legal ground."""
    known = reported(b, "convicted")

    def versus(key: str, **values) -> str:
        if b is None:  # no data at all for the year before: said once, at the end of the paragraph
            return ""
        return L.text(key, previous_year=before, **values) if known else L.text("tip.previous_not_reported", previous_year=before)

    low, high = s["prison_months_min"], s["prison_months_max"]
    range_before = (versus("tip.range.compared", low=months(b["prison_months_min"]), high=months(b["prison_months_max"]))
                    if known and b["prison_months_min"] is not None else
                    versus("tip.compared", before=L["tip.none"]) if known else versus(""))
    out = [L.text("tip.range", low=months(low), high=months(high), compared=range_before) if low is not None
           else L.text("tip.range.none", compared=range_before)]
    suspended, none = s["suspended_term_persons"], s["no_prison_persons"]
    out.append(L.text(f"tip.suspended.{'other' if suspended > 1 else 'one'}", n=number(suspended, "none"),
                      compared=versus("tip.compared", before=number(b["suspended_term_persons"], "none")) if known else versus("")))
    out.append(L.text(f"tip.no_prison.{'other' if none > 1 else 'one'}", n=number(none, "none"),
                      compared=versus("tip.compared", before=number(b["no_prison_persons"], "none")) if known else versus("")))
    text = "".join(out)
    k, c = s["below_minimum_persons"], s["sentenced_persons"]
    below_before = versus("tip.below.compared", k=number(b["below_minimum_persons"], "none"),
                          c=number(b["sentenced_persons"])) if known else versus("")
    key = "tip.below.no_sentences" if c == 0 else "tip.below.one" if c == 1 and k == 1 else \
        "tip.below.all" if k == c else "tip.below"
    text += " " + L.text(key, k=number(k, "none"), c=number(c), compared=below_before)
    if c:
        with_ground, without = s["below_minimum_with_ground_persons"], s["below_minimum_no_ground_persons"]
        text += " " + L.text(f"tip.grounds.{'one' if with_ground == 1 else 'other'}",
                             with_ground=number(with_ground, "none"), without=number(without, "none"),
                             compared=versus("tip.grounds.compared",
                                             with_ground=number(b["below_minimum_with_ground_persons"], "none"),
                                             without=number(b["below_minimum_no_ground_persons"], "none"))
                             if known else versus(""))
    on_charged = s["sentences_on_charged_version"]
    if on_charged:
        text += " " + L.text(f"tip.charged_version.{'one' if on_charged == 1 else 'other'}", n=number(on_charged),
                             compared=versus("tip.compared", before=number(b["sentences_on_charged_version"], "none"))
                             if known else versus(""))
    return text


def victims(facts: Facts, period: Period, L: Labels, config: Config,
            public: dict[str, pd.DataFrame] | None, nothing_before: bool = False) -> list[str]:
    """The victims identified, as the public edition publishes them: the trafficking victims of the headline
    (victims by group) and, of trafficking and related offences, by sex, child or adult and form. A hidden
    cell is left out ("x") or stated as "fewer than k" ("<k"); a year the victims source did not deliver is
    "data not reported"."""
    y, before = str(period.year), str(period.year - 1)
    T = suppress.TOTAL
    if public is None or y not in public["victims_by_group"].columns or not reported(facts.stats["trafficking"], "victims"):
        return [L.text("tip.victims.not_reported", year=y, compared="")]
    has_before = before in public["victims_by_group"].columns

    def cell(frame: str, row: str, column: str) -> str | None:
        """A published cell in words: the number, "fewer than five", or None when hidden."""
        value = str(public[frame].at[row, column]) if row in public[frame].index and column in public[frame].columns else ""
        if value.isdigit():
            return number(int(value))
        if value.startswith("<"):
            return L.text("tip.fewer_than", k=number(int(value[1:])))
        return None

    def then(frame: str, row: str, column: str) -> str:
        if nothing_before:
            return ""
        if not has_before:
            return L.text("tip.in_previous", previous_year=before, before=L["tip.not_reported"])
        shown = cell(frame, row, column.replace(y, before))
        return L.text("tip.in_previous", previous_year=before,
                      before={None: L["tip.not_published"], "no": L["tip.none"]}.get(shown, shown))

    trafficking = str(public["victims_by_group"].at["trafficking", y])
    prior = "" if nothing_before else (L.text("tip.compared", before=cell("victims_by_group", "trafficking", before), previous_year=before)
             if has_before and cell("victims_by_group", "trafficking", before)
             else L.text("tip.previous_not_published", previous_year=before) if has_before
             else L.text("tip.previous_not_reported", previous_year=before))
    if trafficking.isdigit():
        out = [L.text("tip.victims", victims=counted(L, "victim", int(trafficking)), compared=prior)]
    elif trafficking.startswith("<"):
        out = [L.text("tip.victims", victims=L.text("tip.fewer_than", k=number(int(trafficking[1:]))) + " victims",
                      compared=prior)]
    else:
        out = [L.text("tip.victims.not_published", year=y, compared=prior)]
    total = cell("victims_by_sex", T, y)
    if total is None or total == "no" or not total[0].isdigit():  # "fewer than k" victims: no breakdown
        return out
    # each published cell of the year, with the previous year's; a hidden cell is left out and said to be
    parts, hidden = [], False
    for frame, code_list, rows in (("victims_by_sex", "sex", [("F", y), ("M", y), ("X", y), ("U", y)]),
                                   ("victims_by_form_and_age", "age_group", [(T, f"{y} child"), (T, f"{y} adult")]),
                                   ("victims_by_form", "exploitation_form",
                                    [(f, y) for f in public["victims_by_form"].index if f != T])):
        for row, column in rows:
            shown = cell(frame, row, column)
            raw = str(public[frame].at[row, column]) if row in public[frame].index else "0"
            if shown is None:
                hidden = hidden or raw not in ("0", "")
                continue
            if shown == "no":
                continue
            code = column.split(" ")[1] if code_list == "age_group" else row
            parts.append(f"{shown} {L.code(code_list, code).lower()}{then(frame, row, column)}")
    if parts:
        out.append(L.text("tip.victims.breakdown", total=total, total_before=then("victims_by_sex", T, y),
                          parts=", ".join(parts)) + (" " + L["tip.victims.hidden"] if hidden else ""))
    return out


def caveats(facts: Facts, period: Period, protected: dict[str, suppress.Protected], labels: Labels,
            config: Config, restricted: bool) -> list[str]:
    L = labels
    out = []
    for r in facts.unverified.itertuples():
        unverified = [L[f"caveat.flag.{flag}"] for flag in ("range", "dates", "article")
                      if not getattr(r, f"verified_{flag}")]
        out.append(L.plural("caveat.statute", int(r.charges), statute=r.statute_id,
                            title=L.get(f"statute.{r.statute_id}", r.title),
                            flags=", ".join(unverified), citation=r.citation))
    # collection began in the period for every source in the same month: one sentence says so for all
    q = facts.quality
    began_together = bool(q["not_collected"].gt(0).all() and q["first_delivery"].nunique() == 1)
    if began_together:
        out.append(L.plural("caveat.not_collected_all", int(q["not_collected"].iloc[0]),
                            first=L.month(str(q["first_delivery"].iloc[0])), period=period.name(L)))
    for r in facts.quality.itertuples():
        name = L[f"source.{r.source}"]
        if r.not_delivered:
            out.append(L.plural("caveat.not_delivered", int(r.not_delivered), source=name,
                                months=", ".join(L.month(m.strip()) for m in str(r.months_not_delivered).split(","))))
        if r.not_loaded:
            out.append(L.plural("caveat.not_loaded", int(r.not_loaded), source=name))
        if r.not_collected and not began_together:  # months before the source's first delivery
            out.append(L.plural("caveat.not_collected", int(r.not_collected), source=name,
                                first=L.month(str(r.first_delivery)), period=period.name(L)))
        if r.rows_quarantined:
            out.append(L.plural("caveat.quarantined", int(r.rows_quarantined), source=name, period=period.name(L)))
    unknown = facts.histogram.loc[facts.histogram["bin"] == "minimum unknown", "n"].sum()
    if unknown:
        out.append(L.plural("caveat.range_unknown", int(unknown), year=period.year))
    # where a source records the prison term per defendant, not per charge (judgments.total_prison_months)
    from_total = facts.stats.get("all", {}).get("sentences_from_person_total", 0)
    if from_total:
        out.append(L.plural("caveat.person_total", int(from_total), year=period.year))
    cells = [c for p in protected.values() for c in p.cells()]
    primary = sum(1 for c in cells if c[3] == suppress.PRIMARY)
    out.append(L.text("caveat.suppression", k=config.k,
                      primary=L.plural("caveat.suppression.primary", primary, k=config.k, k_1=config.k - 1),
                      secondary=L.plural("caveat.suppression.secondary", len(cells) - primary),
                      tables=L.plural("caveat.suppression.tables", len({c[0] for c in cells}))))
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
                    last_month=labels.month(str(facts.as_of["last_month"])), load=facts.as_of["load_id"]),
    ])
