"""`tipstats template`: one spreadsheet per source, generated from the contracts, for the agencies to fill in.

Each workbook (`<source>.xlsx`) holds
- the data sheet, named after the source and first in the workbook: row 1 is the header with the exact
  column names of the contract (plus the optional `withdrawn`), so a filled template is itself a valid
  delivery (DATA-SPEC 1: first sheet, first row = header). Drop-down lists for every code, region and
  yes/no column; date, number and text formats and validations for the others;
- `Columns`: what each column holds (type, required, rule in words, allowed codes, record key);
- `Codes`: every code list the source uses, code and label; the long lists' drop-downs point here.

Nothing here lists a column by hand: the columns, kinds, requirements and codes come from contracts/, the
labels from the active pack's codes/*.csv; only the short rule notes of DATA-SPEC section 3 are written out
below, and the notes that name a country's codes come from the pack's templates.toml (docs/packs.md).
A column's name in the workbook is the header the agency sends (the pack's name of `fine`, e.g. fine_eur).
The bytes are deterministic (fixed document dates and zip timestamps), so templates can be versioned.
"""
from __future__ import annotations

import io
import re
import tomllib
import zipfile
from contextvars import ContextVar
from datetime import date, datetime
from functools import cache
from pathlib import Path

from openpyxl import Workbook
from openpyxl.styles import Alignment, Font, PatternFill
from openpyxl.utils import get_column_letter, quote_sheetname
from openpyxl.utils.datetime import to_excel
from openpyxl.worksheet.datavalidation import DataValidation
from openpyxl.worksheet.worksheet import Worksheet

from contracts import SOURCES, base, codes, pack
from contracts.base import Column, Source
from contracts.judgments import SENTENCE_COLUMNS
from pipeline.config import Labels

FIRST_ROW, LAST_ROW = 2, 5000  # rows the formats' validations cover (a month's delta is far smaller)
INLINE_LIST_LIMIT = 255  # Excel's limit for an inline list ("a,b,c"); longer lists refer to the Codes sheet
FIXED_TIME = datetime(2025, 1, 1)  # workbook created/modified, so the same contracts write the same bytes
ZIP_TIME = (1980, 1, 1, 0, 0, 0)
SPEC_VERSION = "DATA-SPEC v1.3"
BOOLEAN_LIST = ("true", "false")
MANY_CODES = 12  # the Columns sheet spells out at most this many codes; longer lists: see the Codes sheet

CODES_SHEET, COLUMNS_SHEET = "Codes", "Columns"  # English; MESSAGES["sheet.*"] in other languages

# -------------------------------------------------------------------------------------------- the words
KIND_TYPE = {
    "id": "text (at most 40 characters)",
    "person": "text (at most 40 characters), identifier of a person",
    "code": "code from the list",
    "region": "code from the list",
    "offence": "offence code LAW.article[.paragraph]",
    "date": "date",
    "int": "whole number",
    "decimal": "decimal number",
    "bool": "true / false",
}

KIND_RULE = {
    "id": "Unique nationally within the column: prefix it with the office or court.",
    "person": ("The agency's own stable identifier (often the personal number); it is replaced by a "
               "pseudonym on arrival, before anything is stored."),
    "code": "Choose from the drop-down (codes are case-insensitive).",
    "region": "Choose the code from the drop-down.",
    "offence": ("<LAW>.<article>[.<paragraph>], e.g. {offence_example}, or {offence_article_example} when the "
                "paragraph is not known. An article the statute table does not list is accepted as group "
                "'other' and reported."),
    "date": "Not later than the last day of the reporting month.",
    "int": "",
    "decimal": "Decimal point, e.g. 7.5.",
    "bool": "Empty = unknown.",
}

# the rule column of DATA-SPEC section 3, by column; (source, column) where the sources differ. A pack's
# templates.toml [notes] replaces those that name its codes (region, office, court, citizenship).
NOTES: dict[str | tuple[str, str], str] = {
    "case_id": "Police/prosecution case number.",
    ("prosecutions", "case_id"): "Investigation it came from.",
    ("victims", "case_id"): "Investigation case; empty for a victim identified outside a criminal case.",
    "prosecution_id": "Prosecution case number.",
    ("judgments", "prosecution_id"): "Indictment it came from.",
    "judgment_id": ("The first-instance court case number; {later_instances} rows carry the judgment_id of "
                    "the first-instance judgment they review."),
    ("investigations", "person_id"): "The suspect.",
    "person_id": "The defendant.",
    "victim_id": "The victim.",
    "judge_id": "Presiding judge.",
    ("prosecutions", "offence_code"): "As charged.",
    ("judgments", "offence_code"): "As adjudicated.",
    "opened_on": "Not before {earliest}.",
    "region": "The region's first-instance court.",
    "office": "The prosecution office.",
    ("prosecutions", "court"): "Court the indictment was filed with; empty = the office's court.",
    ("judgments", "court"): "{court_instance}.",
    "instance": "{instances}.",
    "sex": "U = unknown.",
    ("investigations", "sex"): "The suspect's sex; U = unknown.",
    "birth_year": "1900 … (year of the reference date − {min_age}); reference date: {reference}.",
    "citizenship": "ISO 3166-1 alpha-2.",
    "public_official": "The person is a public official (complicity).",
    "status_on": "On or after opened_on.",
    "victim_count": "≥ 0.",
    "offence_date": "When the offence was committed; decides which law was in force.",
    "judgment_date": "On or after offence_date.",
    "verdict": "{verdict_instance}.",
    "plea_agreement": "The charge was decided on a plea agreement.",
    "final": "This judgment is final (no further appeal possible).",
    "prison_months": "Imprisonment for this charge after this decision, ≥ 0; empty = none.",
    "suspended": "The imprisonment is suspended (conditional sentence); empty = not suspended.",
    "fine": "≥ 0.",
    "mitigation": "Legal ground recorded for a sentence below the statutory minimum; empty = none recorded.",
    "total_prison_months": ("The defendant's imprisonment for the whole judgment, all charges together, when the "
                            "source records it per defendant rather than per charge."),
    "age": "Age when identified, 0 … 120.",
    "referred_to_services": "The victim was referred to assistance services.",
    "sheltered": "The victim was placed in a shelter.",
    "repatriated": "The victim was repatriated.",
    "withdrawn": ("Optional. true retires the record with this key (e.g. a row sent with a wrong offence "
                  "code); a withdrawal row needs only the key columns. Empty or false = a normal record."),
}
DEMOGRAPHICS_NOTE = "The defendant's, when known."  # prosecutions and judgments demographics
SENTENCE_NOTE = "Only on a convicting verdict ({convicting})."
INHERITED_NOTE = "{Later_instances} rows may leave it empty: it is taken from the first-instance row."
INHERITED = ("offence_date", "plea_agreement", "mitigation")  # judgments, DATA-SPEC 3
BIRTH_YEAR_REFERENCE = {
    "investigations": "opened_on", "prosecutions": "decided_on", "judgments": "offence_date, else judgment_date",
}
# the other words of the workbooks, by key (`template.<key>` in a language's labels)
MESSAGES = {
    "sheet.columns": COLUMNS_SHEET, "sheet.codes": CODES_SHEET,
    "props_title": "{source} — monthly delivery template ({spec})",
    "title": "{source}: delivery template ({spec})",
    "line.key": ("Record key: ({key}). A record sent again with the same key in a later month replaces the earlier "
                 "version; rows sharing a key within one file are all held back."),
    "line.fill": ("Fill in the first sheet ('{source}') from row 2, one row per record; keep row 1 (the header) as "
                  "it is. Required columns have a blue header. Save the file as {source}.xlsx in the folder of the "
                  "reporting month (YYYY-MM)."),
    "line.month": ("Each month's file holds the records created or changed during that month; no date may be later "
                   "than the last day of the month. Nothing to report: send the file with the header row only."),
    "line.pii": ("Do not add names, personal numbers, addresses, phone numbers, e-mail or dates of birth: such "
                 "columns are dropped unread."),
    "header.column": "column", "header.type": "type", "header.required": "required",
    "header.in_record_key": "in record key", "header.rule": "rule", "header.allowed_values": "allowed values",
    "header.list": "list", "header.code": "code", "header.label": "label",
    "yes": "yes", "no": "no", "required": "Required", "optional": "Optional", "or": "or", "and": "and",
    "not_valid": "Not a valid {header}", "true_or_false": "true or false",
    "one_of_codes": "one of the codes (sheet {sheet})", "choose": "Choose {what}.",
    "at_most": "At most {n} characters.",
    "date_range": "A date from {earliest} up to the end of the reporting month, written as yyyy-mm-dd.",
    "whole_from": "A whole number ≥ {low}.", "whole_between": "A whole number from {low} to {high}.",
    "decimal_number": "A number ≥ 0 (decimals with a point).",
    "bool_allowed": "true, false ({others} are also read)", "bool_words": "{true} for true, {false} for false",
    "many_codes": "{n} codes: see sheet {sheet}, column {column}",
    "court_level": "a {level}-level court", "reference_date": "the reference date",
    "note.demographics": DEMOGRAPHICS_NOTE, "note.sentence": SENTENCE_NOTE, "note.inherited": INHERITED_NOTE,
    **{f"reference.{source}": text for source, text in BIRTH_YEAR_REFERENCE.items()},
}
# The workbooks' language: English as written in this module; another language's words are the labels
# `template.<key>` of contracts/labels/<lang>.csv, and of the pack's labels/<lang>.csv for the notes that name
# its codes (write_templates sets it for the workbooks it writes).
LANGUAGE: ContextVar[str] = ContextVar("template_language", default="en")
# which code list of the pack's codes/ labels a column's codes, where it is not the column's own name
LIST_OF = {"status": "investigation_status", "decision": "prosecution_decision"}

# per-column number formats and validations beyond the kind's default
NUMBER_FORMAT = {"id": "@", "person": "@", "offence": "@", "code": "@", "region": "@", "date": "yyyy-mm-dd",
                 "int": "0", "decimal": "0.0#", "bool": "General"}
FORMAT_OF = {"fine": "#,##0.00"}
WIDTH = {"id": 18, "person": 16, "offence": 17, "code": 14, "region": 10, "date": 13, "int": 12,
         "decimal": 14, "bool": 10}

HEADER_FONT = Font(bold=True)
REQUIRED_FILL = PatternFill("solid", fgColor="FFD9E1F2")  # required columns: blue
OPTIONAL_FILL = PatternFill("solid", fgColor="FFEDEDED")  # optional columns: grey
WRAP = Alignment(wrap_text=True, vertical="top")


# ------------------------------------------------------------------------------------------------ public
def write_templates(out_dir: Path, language: str = "en") -> list[Path]:
    """Write `<source>.xlsx` for every source into out_dir, in `language`; returns the paths written."""
    out_dir = Path(out_dir)
    out_dir.mkdir(parents=True, exist_ok=True)
    written = []
    token = LANGUAGE.set(language)
    try:
        for name, source in SOURCES.items():
            path = out_dir / f"{name}.xlsx"
            path.write_bytes(template_bytes(source))
            written.append(path)
    finally:
        LANGUAGE.reset(token)
    return written


def template_bytes(source: Source) -> bytes:
    workbook = build_workbook(source)
    buffer = io.BytesIO()
    workbook.save(buffer)
    return _deterministic(buffer.getvalue())


def header_of(col: Column) -> str:
    """The column's name in the workbook: the header the agency sends for it."""
    return base.delivered_header(col.name)


@cache
def _pack_words(root: Path) -> dict:
    path = root / "templates.toml"
    if not path.exists():  # a pack without one: the generic notes and an example from its statute table
        return {}
    try:
        with open(path, "rb") as f:
            return tomllib.load(f)
    except (tomllib.TOMLDecodeError, UnicodeDecodeError) as e:
        raise pack.PackError(f"{path}: not valid UTF-8 TOML: {e}") from None


def pack_words() -> dict:
    """The active pack's templates.toml: the offence examples and [notes] that name its codes."""
    return _pack_words(pack.active().root)


def notes() -> dict[str | tuple[str, str], str]:
    """NOTES with the pack's own: its "source.column" keys as (source, column)."""
    own = {tuple(k.split(".", 1)) if "." in k else k: v for k, v in pack_words().get("notes", {}).items()}
    return {**NOTES, **own}


def english_words() -> dict[str, str]:
    """Every word of the workbooks in English, by key: the kinds' types and rules, the column notes (the
    pack's among them) and MESSAGES."""
    words = {f"type.{kind}": text for kind, text in KIND_TYPE.items()}
    words |= {f"rule.{kind}": text for kind, text in KIND_RULE.items() if text}
    words |= {f"note.{'.'.join(key) if isinstance(key, tuple) else key}": text for key, text in notes().items()}
    return words | MESSAGES


def word(key: str) -> str:
    """The word `key` in the workbooks' language (an untranslated one stays English)."""
    english = english_words()[key]
    language = LANGUAGE.get()
    return english if language == "en" else Labels.of(language).get(f"template.{key}", english)


def offence_examples() -> dict[str, str]:
    words = pack_words()
    if "offence_example" in words:
        return {"offence_example": words["offence_example"],
                "offence_article_example": words.get("offence_article_example", words["offence_example"])}
    first = codes.statutes()[0]
    article = f"{first['law']}.{first['article']}"
    return {"offence_example": ".".join(filter(None, (article, first["paragraph"]))),
            "offence_article_example": article}


def _joined(items, last: str) -> str:
    """"a, b or c"."""
    items = list(items)
    return items[0] if len(items) == 1 else f"{', '.join(items[:-1])} {last} {items[-1]}"


def template_columns(source: Source) -> tuple[Column, ...]:
    """The columns a delivery of this source may carry, in template order: the contract's, then `withdrawn`."""
    return source.columns + (base.WITHDRAWN,)


def list_values(col: Column) -> tuple[str, ...]:
    """The values a column's drop-down offers: its codes, or true/false; () for a column without a list."""
    if col.kind in ("code", "region"):
        return col.codes
    if col.kind == "bool":
        return BOOLEAN_LIST
    return ()


def code_list_name(col: Column) -> str:
    """The pack's code list that labels a code or region column's codes."""
    if col.kind == "region":
        return "region"
    name = LIST_OF.get(col.name, col.name)
    missing = set(col.codes) - set(codes.code_list(name))
    if missing:  # a contract change this module does not know yet: fail loudly, not with blank labels
        raise ValueError(f"column {col.name}: codes {sorted(missing)} not in the pack's codes/{name}.csv")
    return name


def code_labels(col: Column) -> dict[str, str]:
    name = code_list_name(col)
    labels = codes.code_labels(name)
    if LANGUAGE.get() != "en":  # the code labels of the language, where the labels tables give them
        labels = {c: Labels.of(LANGUAGE.get()).code(name, c) for c in labels}
    if name == "verdict":  # the verdict list depends on the instance: say which
        instances = {c: [i for i in codes.instance_courts() if c in codes.verdicts_for(i)] for c in col.codes}
        return {c: f"{labels[c]} — {', '.join(instances[c])}" for c in col.codes}
    return {c: labels[c] for c in col.codes}


# ---------------------------------------------------------------------------------------------- workbook
def build_workbook(source: Source) -> Workbook:
    workbook = Workbook()
    data = workbook.active
    data.title = source.name
    columns_sheet = workbook.create_sheet(word("sheet.columns"))
    codes_sheet = workbook.create_sheet(word("sheet.codes"))
    ranges = _write_codes_sheet(codes_sheet, source)
    _write_data_sheet(data, source, ranges)
    _write_columns_sheet(columns_sheet, source)
    workbook.active = 0
    props = workbook.properties
    props.creator = props.lastModifiedBy = "tipstats"
    props.title = word("props_title").format(source=source.name, spec=SPEC_VERSION)
    props.created = props.modified = FIXED_TIME
    return workbook


def _write_data_sheet(ws: Worksheet, source: Source, ranges: dict[str, str]) -> None:
    for i, col in enumerate(template_columns(source), start=1):
        letter = get_column_letter(i)
        cell = ws.cell(row=1, column=i, value=header_of(col))
        cell.font = HEADER_FONT
        cell.fill = REQUIRED_FILL if col.required else OPTIONAL_FILL
        cell.number_format = "@"
        dim = ws.column_dimensions[letter]
        dim.width = max(WIDTH[col.kind], len(header_of(col)) + 3)
        dim.number_format = FORMAT_OF.get(col.name, NUMBER_FORMAT[col.kind])  # style of every new cell
        validation = _validation(col, source, ranges.get(col.name))
        if validation is not None:
            validation.add(f"{letter}{FIRST_ROW}:{letter}{LAST_ROW}")
            ws.add_data_validation(validation)
    ws.freeze_panes = "A2"


def _validation(col: Column, source: Source, codes_range: str | None) -> DataValidation | None:
    title = header_of(col)[:32]
    prompt = _short(f"{word('required') if col.required else word('optional')}. {_rule(col, source)}")
    common = dict(allow_blank=True, showErrorMessage=True, showInputMessage=True, errorStyle="stop",
                  promptTitle=title, prompt=prompt, errorTitle=word("not_valid").format(header=header_of(col))[:32])
    values = list_values(col)
    if values:
        inline = '"' + ",".join(values) + '"'
        formula = inline if len(inline) - 2 <= INLINE_LIST_LIMIT else codes_range
        what = word("true_or_false") if col.kind == "bool" else word("one_of_codes").format(sheet=word("sheet.codes"))
        return DataValidation(type="list", formula1=formula, error=_short(word("choose").format(what=what)), **common)
    if col.kind in ("id", "person"):
        return DataValidation(type="textLength", operator="lessThanOrEqual", formula1=str(base.MAX_ID_LENGTH),
                              error=word("at_most").format(n=base.MAX_ID_LENGTH), **common)
    if col.kind == "date":
        earliest = base.earliest_date().date() if col.name == "opened_on" else date(1900, 1, 1)
        # no date may be later than the reporting month, which has ended before the file is made
        return DataValidation(type="date", operator="between", formula1=str(int(to_excel(earliest))),
                              formula2="TODAY()",
                              error=_short(word("date_range").format(earliest=earliest.isoformat())), **common)
    if col.kind == "int":
        low, high = _int_range(col)
        if high is None:
            return DataValidation(type="whole", operator="greaterThanOrEqual", formula1=str(low),
                                  error=word("whole_from").format(low=low), **common)
        return DataValidation(type="whole", operator="between", formula1=str(low), formula2=high,
                              error=word("whole_between").format(low=low, high=high), **common)
    if col.kind == "decimal":
        return DataValidation(type="decimal", operator="greaterThanOrEqual", formula1="0",
                              error=word("decimal_number"), **common)
    # offence codes: a pattern Excel cannot check; the prompt says how to write them
    return DataValidation(type=None, **{k: v for k, v in common.items() if k != "errorStyle"})


def _int_range(col: Column) -> tuple[int, str | None]:
    """Whole-number bounds mirroring the typed contract (contracts.base.typed_schema)."""
    if col.name == "birth_year":  # upper bound: a reference date cannot be later than today
        return 1900, f"YEAR(TODAY())-{pack.active().age_of_criminal_responsibility}"
    if col.name == "age":
        return 0, "120"
    return 0, None


def _short(text: str, limit: int = 255) -> str:
    """Excel refuses input and error messages longer than 255 characters."""
    return text if len(text) <= limit else text[: limit - 1] + "…"


# ----------------------------------------------------------------------------------------------- Columns
def _note(col: Column, source: Source) -> str:
    all_notes = notes()
    note = word(f"note.{source.name}.{col.name}") if (source.name, col.name) in all_notes else None
    if note is None and source.name in ("prosecutions", "judgments") and col.name in (
            "sex", "birth_year", "citizenship", "public_official"):
        note = word("note.demographics") + (" " + word(f"note.{col.name}") if col.name in ("birth_year", "citizenship") else "")
    if note is None:
        note = word(f"note.{col.name}") if col.name in all_notes else ""
    if source.name == "judgments" and col.name in SENTENCE_COLUMNS:
        note = f"{note} {word('note.sentence')}".strip()
    if source.name == "judgments" and col.name in INHERITED:
        note = f"{note} {word('note.inherited')}".strip()
    p = pack.active()
    courts = codes.instance_courts()
    later = f" {word('and')} ".join(i.code for i in p.instances[1:])
    return note.format(
        earliest=base.earliest_date().date().isoformat(),
        reference=word(f"reference.{source.name}") if source.name in BIRTH_YEAR_REFERENCE else word("reference_date"),
        min_age=p.age_of_criminal_responsibility,
        # an instance with several courts is named by its level, one with a single court by its code
        court_instance="; ".join(
            f"{i.code}: {word('court_level').format(level=i.level) if len(courts[i.code]) > 1 else ', '.join(courts[i.code])}"
            for i in p.instances),
        verdict_instance="; ".join(f"{i}: {', '.join(codes.verdicts_for(i))}" for i in courts),
        instances=_joined(courts, word("or")),
        later_instances=later, Later_instances=later[:1].upper() + later[1:],
        convicting=", ".join(dict.fromkeys(r["code"] for r in codes.rows("verdict")
                                           if r["convicting"].lower() == "true")),
    )


def _rule(col: Column, source: Source) -> str:
    note = _note(col, source)
    generic = word(f"rule.{col.kind}").format(**offence_examples()) if KIND_RULE[col.kind] else ""
    token = LANGUAGE.set("en")  # whether the note says what empty means is read in the English words
    try:
        english_note = _note(col, source)
    finally:
        LANGUAGE.reset(token)
    if "empty" in KIND_RULE[col.kind].lower() and (col.required or "empty" in english_note.lower()):
        generic = ""  # a required column is never empty; the note already says what empty means
    return " ".join(t for t in (note, generic) if t)


def _allowed(col: Column) -> str:
    values = list_values(col)
    if col.kind == "bool":
        p = pack.active()
        true, false = base.TRUE_WORDS + p.true_words, base.FALSE_WORDS + p.false_words
        if len(true) == len(false):  # as pairs: yes/no, 1/0, ...
            others = ", ".join(f"{t}/{f}" for t, f in list(zip(true, false))[1:])
        else:
            others = word("bool_words").format(true=", ".join(true[1:]), false=", ".join(false[1:]))
        return word("bool_allowed").format(others=others)
    if col.kind == "offence":
        return "LAW: " + "; ".join(f"{r['code']} = {r['title']} ({r['citation']})" for r in codes.laws())
    if not values:
        return ""
    if len(values) > MANY_CODES:
        return word("many_codes").format(n=len(values), sheet=word("sheet.codes"), column=col.name)
    labels = code_labels(col)
    return "\n".join(f"{c} = {labels[c]}" for c in values)


def _write_columns_sheet(ws: Worksheet, source: Source) -> None:
    ws["A1"] = word("title").format(source=source.name, spec=SPEC_VERSION)
    ws["A1"].font = Font(bold=True, size=13)
    lines = [word("line.key").format(key=", ".join(source.key)), word("line.fill").format(source=source.name),
             word("line.month"), word("line.pii")]
    for row, text in enumerate(lines, start=2):
        ws.cell(row=row, column=1, value=text)
    header_row = len(lines) + 3
    header = [word(f"header.{h}") for h in ("column", "type", "required", "in_record_key", "rule", "allowed_values")]
    for i, name in enumerate(header, start=1):
        cell = ws.cell(row=header_row, column=i, value=name)
        cell.font = HEADER_FONT
        cell.fill = OPTIONAL_FILL
    for r, col in enumerate(template_columns(source), start=header_row + 1):
        row = (header_of(col), word(f"type.{col.kind}"), word("yes") if col.required else word("no"),
               word("yes") if col.name in source.key else word("no"), _rule(col, source), _allowed(col))
        for i, value in enumerate(row, start=1):
            cell = ws.cell(row=r, column=i, value=value)
            cell.alignment = WRAP
    for letter, width in zip("ABCDEF", (22, 30, 10, 13, 70, 45)):
        ws.column_dimensions[letter].width = width
    ws.freeze_panes = ws.cell(row=header_row + 1, column=1)


# ------------------------------------------------------------------------------------------------- Codes
def _write_codes_sheet(ws: Worksheet, source: Source) -> dict[str, str]:
    """One block per coded column (column, list, code, label); returns column → range of its codes."""
    header = [word(f"header.{h}") for h in ("column", "list", "code", "label")]
    for i, name in enumerate(header, start=1):
        cell = ws.cell(row=1, column=i, value=name)
        cell.font = HEADER_FONT
        cell.fill = OPTIONAL_FILL
    row = 2
    ranges = {}
    for col in template_columns(source):
        if col.kind not in ("code", "region"):
            continue
        name = code_list_name(col)
        labels = code_labels(col)
        first = row
        for value in col.codes:
            for i, v in enumerate((col.name, name, value, labels[value]), start=1):
                ws.cell(row=row, column=i, value=v).number_format = "@"
            row += 1
        ranges[col.name] = f"{quote_sheetname(ws.title)}!$C${first}:$C${row - 1}"
    offence = [c for c in template_columns(source) if c.kind == "offence"]
    for col in offence:  # the LAW part of the offence code (not a drop-down: the code is a pattern)
        for r in codes.laws():
            for i, v in enumerate((col.name, "law", r["code"], f"{r['title']} ({r['citation']})"), start=1):
                ws.cell(row=row, column=i, value=v)
            row += 1
    for letter, width in zip("ABCD", (22, 22, 12, 60)):
        ws.column_dimensions[letter].width = width
    ws.freeze_panes = "A2"
    ws.auto_filter.ref = f"A1:D{max(row - 1, 1)}"
    return ranges


# ------------------------------------------------------------------------------------------ determinism
def _deterministic(data: bytes) -> bytes:
    """Fix what openpyxl stamps with the current time: core.xml's modified date and the zip entry times."""
    stamp = FIXED_TIME.strftime("%Y-%m-%dT%H:%M:%SZ")
    source = zipfile.ZipFile(io.BytesIO(data))
    out = io.BytesIO()
    with zipfile.ZipFile(out, "w", zipfile.ZIP_DEFLATED) as target:
        for info in source.infolist():
            content = source.read(info.filename)
            if info.filename == "docProps/core.xml":
                content = re.sub(rb"(<dcterms:modified[^>]*>)[^<]*(</dcterms:modified>)",
                                 rb"\g<1>" + stamp.encode() + rb"\g<2>", content)
            fixed = zipfile.ZipInfo(info.filename, date_time=ZIP_TIME)
            fixed.compress_type = zipfile.ZIP_DEFLATED
            fixed.external_attr = info.external_attr
            target.writestr(fixed, content)
    return out.getvalue()
