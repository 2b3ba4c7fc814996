"""An edition written and put in place: its files in a staging folder, the images, then one move into
reports/public/<period>/ (the restricted edition: reports/restricted/<period>/), the edition record last; the reports `tipstats refresh` builds; the line each prints."""
from __future__ import annotations

import contextlib
import re
import shutil
import time
from dataclasses import dataclass, replace
from pathlib import Path
from typing import Callable, Iterator

import duckdb

from contracts import pack
from pipeline import faults, terminal
from pipeline.config import Config, ConfigError
from pipeline.export import write_csv
from pipeline.publication import images, pdf, revisions, spreadsheets, tables
from pipeline.publication.editions import RESTRICTED, Edition, build
from pipeline.publication.figures import Facts
from pipeline.publication.page import page, pdf_footer
from pipeline.publication.periods import MONTH, PUBLIC, RESTRICTED_FOLDER, Period, ReportError, default_periods
from pipeline.settings import images_wanted


def write(edition: Edition, advance: Callable[[], None] = lambda: None) -> list[Path]:
    """Everything but the images and the edition record: tables, workbook, page, TIP paragraph, revisions."""
    folder = edition.folder
    folder.mkdir(parents=True, exist_ok=True)
    written = []
    for table in edition.tables:
        written.append(write_csv(table.frame, folder / "tables" / f"{table.name}.csv"))
    if edition.restricted:
        written.append(write_csv(tables.suppression_list(edition.suppressed, edition.labels, edition.period,
                                                         edition.victim_years),
                                 folder / "suppression.csv"))
    written.append(spreadsheets.write_tables(edition, folder))
    advance()
    written.append(write_csv(edition.revisions, folder / "revisions.csv"))
    if edition.summary:
        summary = edition.summary if not edition.restricted else f"**{RESTRICTED}**\n\n{edition.summary}"
        (folder / "tip-summary.md").write_text(summary, encoding="utf-8")
        written.append(folder / "tip-summary.md")
    (folder / "report.html").write_text(page(edition), encoding="utf-8")
    written.append(folder / "report.html")
    advance()
    return written


# An edition is written into a hidden folder beside its own (reports/public/.partial/2025 for reports/public/2025,
# reports/restricted/.partial/2025 for reports/restricted/2025), then moved into place: a run cut short (killed,
# a full disk) leaves that folder behind, which marks the edition incomplete; refresh writes it again and audit
# reports it.
PARTIAL = ".partial"


def staging_folder(folder: Path) -> Path:
    return folder.parent / PARTIAL / folder.name


def put_in_place(staged: Path, folder: Path) -> None:
    """A first edition arrives in one rename. A new edition of the period replaces the old one's files one by one
    (the edition records, and beside the restricted edition the quality files, are kept); the staging folder
    goes last."""
    if not folder.exists():
        staged.rename(folder)
    else:
        for entry in sorted(staged.iterdir()):
            target = folder / entry.name
            if target.is_dir():
                shutil.rmtree(target)
            entry.replace(target)
        staged.rmdir()
    with contextlib.suppress(OSError):  # another edition of the same parent may be staged there
        staged.parent.rmdir()


def incomplete(output: Path) -> list[tuple[Period, bool]]:
    """(period, restricted) of every edition a run cut short left in its staging folder."""
    # an edition is staged beside its language's folder: reports/public/2025/.partial/sq
    found = {(staged.parent.parent.name, False) for staged in output.glob(f"{PUBLIC}/*/{PARTIAL}/*")}
    found |= {(staged.parent.parent.name, True) for staged in output.glob(f"{RESTRICTED_FOLDER}/*/{PARTIAL}/*")}
    return [(Period.of_month(label) if MONTH.match(label) else Period.of_year(int(label)), restricted)
            for label, restricted in sorted(found) if MONTH.match(label) or re.fullmatch(r"\d{4}", label)]


def languages(config: Config, chosen: list[str] | None = None) -> list[str]:
    """The languages of the editions to write: those chosen (`--language`), else every language of the pack
    (pack.toml languages). A language the pack does not publish in is refused."""
    offered = list(pack.active().languages)
    for language in chosen or []:
        if language not in offered:
            raise ConfigError(f"--language {language}: the pack {pack.active().name} publishes in "
                              f"{', '.join(offered)}; add the language to its pack.toml languages first")
    return list(dict.fromkeys(chosen)) if chosen else offered


def report_command(period: Period, restricted: bool) -> str:
    return f"tipstats report --{period.kind} {period.label}{' --restricted' if restricted else ''}"


@dataclass
class Result:
    edition: Edition
    written: list[Path]
    seconds_computing: float
    seconds_images: float


def run(config: Config, period: Period, restricted: bool = False, con: duckdb.DuckDBPyConnection | None = None,
        facts: Facts | None = None) -> Result:
    """Build and write one edition, with a progress display on stderr when it is a terminal; its charts/ and
    report.pdf too, unless TIPSTATS_IMAGES=0 (pipeline.settings.images_wanted). `facts`: as editions.build."""
    from rich.progress import BarColumn, Progress, TextColumn, TimeElapsedColumn

    started = time.perf_counter()
    progress = Progress(TextColumn("{task.description}"), BarColumn(), TextColumn("{task.completed}/{task.total}"),
                        TimeElapsedColumn(), console=terminal.err, transient=True,
                        disable=not terminal.err.is_terminal)
    with progress:
        task = progress.add_task(f"report {period.label}: reading the warehouse", total=3)
        with terminal.warehouse("statistics") if con is None else contextlib.nullcontext(con) as reading:
            edition = build(reading, config, period, restricted, facts)
        progress.update(task, advance=1, description=f"report {period.label}: writing tables and page")
        staged = replace(edition, folder=staging_folder(edition.folder))
        shutil.rmtree(staged.folder, ignore_errors=True)  # what a run cut short left
        written = write(staged, lambda: progress.advance(task))
        faults.checkpoint("mid_report")
        computing = time.perf_counter() - started
        if images_wanted():  # TIPSTATS_IMAGES=0: no Chromium, and the page left as it is (with its links)
            drawing = progress.add_task(f"report {period.label}: drawing charts", total=2 * len(edition.charts))
            try:
                written += images.export_images(edition.charts, staged.folder / "charts", config,
                                                lambda: progress.advance(drawing))
            except images.NoBrowser as e:
                edition.images_missing = str(e)
                # the page links to the PNG and SVG files: written again without the links
                (staged.folder / "report.html").write_text(page(edition), encoding="utf-8")
            if edition.images_missing is None:  # else the one line already says that report.pdf was not printed
                try:
                    written.append(pdf.print_pdf(staged.folder / "report.html", config, pdf_footer(edition)))
                except images.NoBrowser as e:
                    edition.images_missing = str(e)
        put_in_place(staged.folder, edition.folder)
        written = [edition.folder / path.relative_to(staged.folder) for path in written]
        revisions.write_record(edition.record, config.output, edition.built_at)
        edition.quality_files = spreadsheets.write_quality_files(edition)
        written += edition.quality_files
    return Result(edition, written, computing, time.perf_counter() - started - computing)


def run_languages(configs: list[Config], period: Period, restricted: bool, con: duckdb.DuckDBPyConnection
                  ) -> Iterator[Result]:
    """run() for each language's edition of one period, the warehouse read once for all of them."""
    facts = None
    for config in configs:
        result = run(config, period, restricted, con, facts)
        facts = result.edition.facts
        yield result


def count(n: int, noun: str) -> str:
    """A count for the command's own line (English): "1 quality file", "4 quality files"."""
    return f"{n} {noun}{'' if n == 1 else 's'}"


def announce(result: Result, said: set[str] | None = None) -> None:
    """The edition's line; its warning once per command (`said`: the warnings already printed), not once per
    language."""
    edition = result.edition
    terminal.out.print(
        f"Report {edition.period.label}{' (RESTRICTED)' if edition.restricted else ''}: {edition.folder} — "
        f"{len(edition.charts)} charts, {len(edition.tables)} tables, {count(len(edition.revisions), 'revised figure')}, "
        f"{count(len(edition.quality_files), 'quality file')}; {result.seconds_computing + result.seconds_images:.1f} s "
        f"(computing {result.seconds_computing:.1f} s, images {result.seconds_images:.1f} s)")
    if edition.images_missing and edition.images_missing not in (said if said is not None else set()):
        terminal.err.print(f"warning: {edition.images_missing}")
        if said is not None:
            said.add(edition.images_missing)


def after_refresh(loaded: bool = True) -> None:
    """The reports `tipstats refresh` builds: when it loaded something the latest complete year and the latest
    month (public editions), and always every edition a run cut short left incomplete. Off with
    report.on_refresh = false or TIPSTATS_REPORT_ON_REFRESH=0 (an incomplete edition is then named, with the
    command that writes it)."""
    try:
        config = Config.load()
    except ConfigError as e:
        terminal.err.print(f"warning: no report: {terminal.printable(str(e))}")
        return
    left = incomplete(config.output)
    if not config.on_refresh:
        for period, restricted in left:
            terminal.err.print(f"warning: report {period.label} was left incomplete: run `{report_command(period, restricted)}`")
        return
    if not loaded and not left:
        return
    said: set[str] = set()
    with terminal.warehouse("statistics") as con:
        todo = [(period, False) for period in default_periods(con)] if loaded else []
        for period, restricted in todo + [edition for edition in left if edition not in todo]:
            try:
                configs = [config.in_language(language) for language in languages(config)]
                for result in run_languages(configs, period, restricted, con):
                    announce(result, said)
            except (ReportError, ConfigError) as e:  # the load is done; `tipstats report` can build it again
                terminal.err.print(f"warning: {e}")
