"""`tipstats report`: the publication of a year or a month, built from the warehouse (read-only).

A recipe: configuration → facts (one query file each, warehouse/queries/report_*.sql) → disclosure
control (pipeline/suppress.py) → tables, charts, TIP paragraph → files. Writes the public edition, one per
language of the pack, to reports/public/<period>/<lang>/: report.html (one self-contained page), report.pdf
(A4, printed by Chromium), charts/NAME.png|svg, tables.xlsx and tables/NAME.csv, revisions.csv,
tip-summary.md (annual reports); .editions/ beside the languages (what each edition published, to find
revisions); the quality files to reports/restricted/<period>/<lang>/quality-<agency>.xlsx. `--restricted`
writes the unsuppressed internal edition, with case numbers, pseudonyms and suppression.csv, to
reports/restricted/<period>/<lang>/ instead. Nothing restricted is written under reports/public/.

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
  pdf           report.pdf, the page printed by Chromium (DevTools Page.printToPDF)
  spreadsheets  tables.xlsx and the quality files
  publish       an edition written and put in place (run, after_refresh)
The `report` command itself is declared in pipeline/cli.py.
"""
