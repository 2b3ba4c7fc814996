"""`tipstats report`: the publication of a year or a month, built from the warehouse (read-only).

A recipe: configuration → facts (one query file each, warehouse/queries/report_*.sql) → disclosure
control (pipeline/suppress.py) → tables, charts, TIP paragraph → files. Writes reports/<period>/:
report.html (one self-contained page), charts/NAME.png|svg, tables.xlsx and tables/NAME.csv,
revisions.csv, tip-summary.md (annual reports), .editions/ (what each edition published, to find
revisions) and restricted/quality-<agency>.xlsx. `--restricted` writes the unsuppressed internal
edition, with case numbers and pseudonyms, to reports/<period>/restricted/ instead.

One module a job, each importing only those above it:
  sql           runs a named query file
  periods       the periods a report covers (Period, default_periods)
  figures       what the report reads from the warehouse (Facts, gather)
  protection    the count grids and their disclosure control
  tables        the published tables
  tip           the words: TIP paragraph, caveats, the source and coverage line
  revisions     the edition records and what changed since the previous edition
  images        the edition's charts and their PNG and SVG files
  editions      an edition computed (Edition, build)
  page          report.html, from templates/ (Jinja2, autoescaped)
  spreadsheets  tables.xlsx and the quality files
  publish       an edition written and put in place (run, after_refresh)
The `report` command itself is declared in pipeline/cli.py.
"""
