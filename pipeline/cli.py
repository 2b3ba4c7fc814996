"""The `tipstats` command: refresh, validate, status, sample, template."""
from __future__ import annotations

import json
import secrets
import traceback
from functools import partial
from pathlib import Path
from typing import Annotated, Optional

import duckdb
import pandas as pd
import typer

from contracts import pack

from pipeline import audit, backlog, load, lock, pack_check, sentences, stats, terminal
from pipeline import refresh as refreshing  # `refresh` is the command below
from pipeline.publication import publish  # the report's editions
from pipeline.publication.periods import MONTH, Period, ReportError, default_periods
from pipeline.returns import command as returns
from pipeline.config import Config, ConfigError
from pipeline.settings import Settings, SettingsError
from pipeline.staging import Staging
from pipeline.validate import MONTH_PATTERN, FileResult, month_of, validate_file, validate_month


class Commands(typer.core.TyperGroup):
    """Every command: a busy warehouse is one line and exit 3; an unusable setting, a full disk, exhausted
    memory or any unexpected error one line and exit 2, never a traceback (an unexpected error's stack goes
    to the error log beside the warehouse, terminal.log_error)."""

    def invoke(self, ctx: typer.Context):
        try:
            return super().invoke(ctx)
        except (typer.Exit, typer.Abort, typer.exceptions.TyperException):  # exit codes and usage errors
            raise
        except lock.Busy as e:
            fail(str(e), e.exit_code)
        except (SettingsError, pack.PackError) as e:
            fail(str(e))
        except Exception as e:
            settings = Settings.from_env()
            if isinstance(e, duckdb.IOException) and lock.is_duckdb_lock_error(e):  # met outside warehouse.connect
                busy = lock.from_duckdb(settings.warehouse, e)
                fail(str(busy), busy.exit_code)
            ran_out = terminal.exhausted(e, settings)
            if ran_out:
                fail(f"{ran_out[0]}: {ran_out[1]}, then run the command again")
            log = terminal.log_error(e, settings, ctx.invoked_subcommand or "")
            where = traceback.extract_tb(e.__traceback__)[-1]
            fail(f"tipstats stopped on an unexpected error ({type(e).__name__} at {Path(where.filename).name} line "
                 f"{where.lineno}); " + (f"its stack is logged in {log}: please report it with that log" if log else
                                         "the error log beside the warehouse could not be written: please report it"))


app = typer.Typer(
    cls=Commands,
    help="Disaggregated statistics of trafficking-in-persons investigations, prosecutions and convictions.",
    no_args_is_help=True,
    add_completion=False,
    pretty_exceptions_enable=False,
)
out, fail = terminal.out, terminal.fail


@app.callback()
def choose_pack(
    ctx: typer.Context,
    pack_choice: Annotated[Optional[str], typer.Option(
        "--pack", metavar="NAME|PATH",
        help="The country pack: a folder of contracts/packs or a path (else $TIPSTATS_PACK, pack.name of "
             "tipstats.toml, kosovo).")] = None,
) -> None:
    """Disaggregated statistics of trafficking-in-persons investigations, prosecutions and convictions."""
    pack.choose(pack_choice)
    if ctx.invoked_subcommand != "pack":  # `pack check` reads a broken pack itself and lists its findings
        try:
            pack.active()
        except pack.PackError as e:
            fail(str(e))

EXIT_OK, EXIT_REJECTED, EXIT_REFUSED = 0, 1, 2


# ------------------------------------------------------------------------------------------------ refresh
@app.command()
def refresh(
    months: Annotated[Optional[list[Path]], typer.Argument(help="Month folders to load (default: every month in raw/ not yet loaded, oldest first).")] = None,
    reload: Annotated[Optional[str], typer.Option("--reload", metavar="YYYY-MM", help="Replace a loaded month whose files changed.")] = None,
) -> None:
    """Load new monthly deliveries: validate, quarantine what fails, store the rest with history."""
    refreshing.run(Settings.from_env(), months or None, reload)  # the whole refresh: pipeline/refresh.py


# ----------------------------------------------------------------------------------------------- validate
@app.command()
def validate(
    paths: Annotated[list[Path], typer.Argument(help="Files or month folders to check.")],
    month: Annotated[Optional[str], typer.Option(metavar="YYYY-MM", help="Reporting month, for files outside a month folder.")] = None,
    as_json: Annotated[bool, typer.Option("--json", help="Print one JSON object.")] = False,
) -> None:
    """Check files against the contracts without loading them. Exit 0 all valid, 1 rows rejected, 2 file refused."""
    if month is not None and not MONTH_PATTERN.match(month):
        fail(f"--month takes YYYY-MM, not {month!r}")
    results: list[FileResult] = []
    ignored: list[str] = []
    # rows are staged in memory, where DuckDB may spill them to disk: identifiers under a key of this run only
    staging = partial(Staging, key=secrets.token_bytes(32))
    for path in paths:
        if not path.exists():
            fail(f"{path}: no such file or folder")
        if path.is_dir():
            if not MONTH_PATTERN.match(path.name):
                fail(f"{path}: a month folder is named YYYY-MM")
            folder = validate_month(path, staging)
            results += folder.files
            ignored += [f"{path.name}/{n}" for n in folder.ignored]
            continue
        file_month = month_of(path) or month
        if file_month is None:
            fail(f"{path}: outside a month folder; give its reporting month with --month YYYY-MM")
        try:
            results.append(validate_file(path, file_month, staging=staging))
        except ValueError as e:
            fail(str(e))
    code = EXIT_REFUSED if any(r.file_error for r in results) else (
        EXIT_REJECTED if any(r.rows_rejected for r in results) else EXIT_OK)
    if as_json:
        print(json.dumps({"files": [file_json(r) for r in results], "ignored": ignored}, indent=2, ensure_ascii=False))
    else:
        print_validation(results, ignored)
    raise typer.Exit(code)


def file_json(r: FileResult) -> dict:
    return {
        "file": str(r.path), "source": r.source, "month": r.month, "rows_read": r.rows_read,
        "rows_valid": r.rows_valid, "rows_rejected": r.rows_rejected, "dropped_columns": r.dropped_columns,
        "missing_columns": r.missing_columns, "extra_columns": r.extra_columns, "file_error": r.file_error,
        # rejected rows beyond TIPSTATS_MAX_REASONS per check, counted in the one `unlisted` error
        "rows_unlisted": int(r.errors["unlisted"].sum()) if "unlisted" in r.errors else 0,
        "errors": [
            {"line": None if pd_na(e.line) else int(e.line), "column": e.column, "check": e.check,
             "value": e.value, "reason": e.reason}
            for e in r.errors.itertuples(index=False)
        ] if not r.file_error else [],
        "warnings": [{"line": int(w.line), "column": w.column, "check": w.check, "value": w.value, "reason": w.reason}
                     for w in r.warnings.itertuples(index=False)],
    }


def pd_na(value) -> bool:
    return value is None or value is pd.NA or (isinstance(value, float) and value != value)


def print_validation(results: list[FileResult], ignored: list[str]) -> None:
    for r in results:
        if r.file_error:
            out.print(terminal.printable(f"{r.path}: REFUSED: {r.file_error}"))
            continue
        out.print(f"{terminal.printable(str(r.path))}: {r.rows_read} rows, {r.rows_valid} valid, {r.rows_rejected} rejected")
        if r.dropped_columns:
            out.print(f"  identifying column(s) dropped unread: {', '.join(r.dropped_columns)}")
        if r.missing_columns:
            out.print(f"  optional column(s) missing, read as unknown: {', '.join(r.missing_columns)}")
        if r.extra_columns:
            out.print(f"  extra column(s) ignored: {', '.join(r.extra_columns)}")
        for e in r.errors.itertuples(index=False):
            where = "" if pd_na(e.line) else f"line {e.line}: "  # the one `unlisted` row counts rows, has no line
            out.print(terminal.printable(f"  {where}[{e.check}] {e.reason}"))
        for w in r.warnings.itertuples(index=False):
            out.print(terminal.printable(f"  line {w.line}: warning [{w.check}] {w.reason}"))
    for name in ignored:
        out.print(f"{name}: not a delivery file, ignored")


# ------------------------------------------------------------------------------------------------- status
@app.command()
def status() -> None:
    """What the warehouse holds: months and files loaded, rows per source, rows quarantined, key fingerprint."""
    settings = Settings.from_env()
    with terminal.warehouse() as con:
        if con.execute("select count(*) from loads").fetchone()[0] == 0:  # e.g. a first refresh that failed
            fail(f"nothing loaded into {settings.warehouse} yet: run `tipstats refresh`")
        fp = con.execute("select value from meta where name = 'key_fingerprint'").fetchone()
        months = con.execute("select count(distinct month), min(month), max(month) from deliveries").fetchone()
        rows = con.execute((load.SQL_DIR / "load" / "status.sql").read_text()).fetchall()
    out.print(f"Warehouse {settings.warehouse}: {months[0]} month(s) loaded, {months[1]} … {months[2]}; "
              f"key fingerprint {fp[0] if fp else 'none'}")
    out.print(terminal.table("By source", ["source", "files", "nil returns", "not delivered", "rows read",
                                           "current records", "versions stored", "rows quarantined"], rows))


# ------------------------------------------------------------------------------------------------- import
@app.command("import")
def import_(
    paths: Annotated[list[Path], typer.Argument(help="The agency's own files, or the folder holding them.")],
    mapping_name: Annotated[str, typer.Option("--mapping", metavar="NAME", help="The pack's mappings/NAME.toml.")],
    month: Annotated[Optional[str], typer.Option(metavar="YYYY-MM", help="The reporting month of a monthly extract.")] = None,
    historical: Annotated[bool, typer.Option("--historical", help="One delivery covering many months (the mapping's coverage, or --from/--to).")] = False,
    first: Annotated[Optional[str], typer.Option("--from", metavar="YYYY-MM", help="First month a historical extract covers.")] = None,
    last: Annotated[Optional[str], typer.Option("--to", metavar="YYYY-MM", help="Last month a historical extract covers.")] = None,
) -> None:
    """Convert an agency's own extract into deliveries under raw/ by a source mapping; `refresh` loads them."""
    from pipeline import mapping

    if historical == (month is not None):
        fail("give --month YYYY-MM or --historical (one of them)")
    if (first or last) and not historical:
        fail("--from and --to go with --historical")
    settings = Settings.from_env()
    try:
        done = mapping.run(mapping_name, paths, settings.raw, month=month, first=first, last=last)
    except mapping.MappingError as e:
        fail(str(e))
    first_month, last_month = done.coverage
    covers = first_month if first_month == last_month else f"{first_month} … {last_month}"
    delivered = ", ".join(f"{s} {n:,} rows" for s, n in done.delivered.items())
    out.print(f"Wrote {done.folder} (covering {covers}): {delivered}.")
    for r in done.inputs.itertuples(index=False):
        out.print(f"  {r.file}: {r.rows:,} rows, {r.rows_mapped:,} mapped, {r.rows_not_mapped:,} not mapped"
                  + (f" (reasons in {done.folder / mapping.ACCOUNTING})" if r.rows_not_mapped else ""))
    out.print("Run `tipstats refresh` to load it.")


# ------------------------------------------------------------------------------------------ sample, template
@app.command()
def sample(
    out_dir: Annotated[Path, typer.Argument(help="Where to write the month folders.")] = Path("raw"),
    seed: Annotated[int, typer.Option(help="Random seed; the same seed writes the same bytes.")] = 2023,
    months: Annotated[int, typer.Option(help="How many months from 2023-11.")] = 36,
    scale: Annotated[float, typer.Option(help="Multiply the number of cases (for benchmarks).")] = 1.0,
) -> None:
    """Write deterministic sample deliveries that follow DATA-SPEC, defects included."""
    from pipeline import sample as generator

    defects = generator.generate(out_dir, seed=seed, months=months, scale=scale)
    out.print(f"Wrote {months} month(s) to {out_dir} with {len(defects)} defective rows.")


@app.command()
def template(
    out_dir: Annotated[Path, typer.Argument(help="Folder for the spreadsheets.")] = Path("templates"),
    language: Annotated[str, typer.Option("--language", metavar="LANG", help="The language of the sheets' words, one of the pack's languages.")] = "en",
) -> None:
    """Write one spreadsheet template per source: header, drop-down code lists, formats, column notes."""
    from contracts import pack
    from pipeline import template as templates

    if language not in pack.active().languages:
        fail(f"--language {language}: the pack {pack.active().name} speaks {', '.join(pack.active().languages)}")
    for path in templates.write_templates(out_dir, language):
        out.print(f"Wrote {path}")


# ------------------------------------------------------------------------------------------------- report
def publish_report(
    month: Annotated[Optional[str], typer.Option(metavar="YYYY-MM", help="A monthly report for this month.")] = None,
    year: Annotated[Optional[int], typer.Option(metavar="YYYY", help="An annual report for this year.")] = None,
    restricted: Annotated[bool, typer.Option("--restricted", help="The unsuppressed internal edition, with case numbers and pseudonyms, marked RESTRICTED, in reports/restricted/<period>/ (public editions: reports/public/<period>/).")] = False,
    language: Annotated[Optional[list[str]], typer.Option("--language", metavar="LANG", help="The edition's language (repeat for several), one of the pack's languages; default: every language of the pack, each in reports/…/<period>/<LANG>/.")] = None,
) -> None:
    """Write the publication of a year or a month: page, charts, tables, TIP paragraph, revisions, quality files.

    Without --month or --year: the latest complete year in the data and the latest month loaded."""
    if month is not None and year is not None:
        fail("give --month or --year, not both")
    if month is not None and not MONTH.match(month):
        fail(f"--month takes YYYY-MM, not {month!r}")
    try:
        config = Config.load()
        configs = [config.in_language(lang) for lang in publish.languages(config, language)]
    except ConfigError as e:
        fail(str(e))
    with terminal.warehouse("statistics") as con:
        periods = ([Period.of_month(month)] if month else [Period.of_year(year)] if year else default_periods(con))
        if not periods:
            fail("nothing loaded yet: run `tipstats refresh` first")
        said: set[str] = set()  # a warning (no Chromium) is printed once, not once per language
        for period in periods:
            try:
                for result in publish.run_languages(configs, period, restricted, con):
                    publish.announce(result, said)
            except ReportError as e:
                fail(str(e))


# the statistics commands live in their own modules, beside the queries they run (the report above), in the
# order `tipstats --help` lists them
for module in (stats, sentences, backlog):
    module.register(app)
app.command("report")(publish_report)
returns.register(app)  # `export`: the international returns
audit.register(app)
pack_check.register(app)  # the `pack` group: check, new

if __name__ == "__main__":
    app()
