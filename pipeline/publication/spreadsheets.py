"""The edition's workbooks: tables.xlsx (about, contents and one sheet per table) and the quality files
reports/restricted/<period>/quality-<agency>.xlsx."""
from __future__ import annotations

from pathlib import Path

import pandas as pd

from contracts import SOURCES
from pipeline.export import Sheet, write_xlsx
from pipeline.publication.editions import RESTRICTED, Edition
from pipeline.publication.periods import edition_folder
from pipeline.publication.tip import coverage_text


def write_tables(edition: Edition, folder: Path) -> Path:
    """tables.xlsx in `folder`: what the edition is (source, coverage, data as of, k, caveats), its
    contents, then every table with its title and note; marked RESTRICTED in the restricted edition."""
    labels = edition.labels
    about = pd.DataFrame({"item": [labels["about.source"], labels["about.coverage"], labels["about.as_of"],
                                   labels["about.k"], *[labels["about.caveat"]] * len(edition.caveats)],
                          "text": [labels.text("footer.source", country=edition.config.country_name),
                                   coverage_text(edition.facts.quality, labels),
                                   labels.text("about.as_of.text", last_month=labels.month(str(edition.facts.as_of['last_month'])),
                                               load=edition.facts.as_of['load_id']),
                                   str(edition.config.k), *edition.caveats]})
    if labels.drafts:  # the reader is told that some words are not yet reviewed translations
        about.loc[len(about)] = [labels["about.translation"], labels.plural("page.drafts", labels.drafts)]
    # sheet names and headers in the edition's language (the CSVs keep the tables' own names, for programs)
    contents = pd.DataFrame({labels.column("sheet"): [labels.sheet(tb.name) for tb in edition.tables],
                             labels.column("title"): [tb.title for tb in edition.tables]})
    sheets = [Sheet(labels.sheet("about"), headed(about, labels), labels.text("about.title", period=edition.period.name(labels))),
              Sheet(labels.sheet("contents"), contents, labels["about.contents"], link_column=labels.column("sheet"))]
    sheets += [Sheet(labels.sheet(tb.name), headed(tb.frame, labels), tb.title, [tb.note] if tb.note else [])
               for tb in edition.tables]
    return write_xlsx(sheets, folder / "tables.xlsx", RESTRICTED if edition.restricted else None)


def headed(frame: pd.DataFrame, labels) -> pd.DataFrame:
    """The frame with its headers as the edition's language reads them."""
    return frame.set_axis([labels.column(c) for c in frame.columns], axis=1)


def write_quality_files(edition: Edition) -> list[Path]:
    """reports/restricted/<period>/quality-<agency>.xlsx: the period's quarantined rows of each agency that delivered,
    ready to send back (line, key, column, check, reason; person identifiers are masked in quarantine)."""
    L = edition.labels
    rows = edition.facts.quarantine
    delivered = edition.facts.quality
    folder = edition_folder(edition.config.output, edition.period.label, restricted=True) / edition.config.language
    written = []
    for source in delivered.loc[(delivered["delivered"] + delivered["nil_returns"] > 0) | delivered["source"].isin(
            rows["source"]), "source"]:
        held = rows.loc[rows["source"] == source, ["month", "file", "line", "record_key", "column", "check", "reason"]]
        held = held.astype({"line": "Int64"}).reset_index(drop=True)
        notes = [L["quality.none"]] if held.empty else []
        agency = SOURCES[source].agency
        written.append(write_xlsx([Sheet(L["quality.sheet"], headed(held, L),
                                         L.text("quality.title", agency=L[f"agency.{source}"],
                                                period=edition.period.name(L)), notes)],
                                  folder / f"quality-{agency}.xlsx", RESTRICTED))
    return written
