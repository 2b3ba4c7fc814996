"""The rule for rejected values (README, "Rejected values"): what of a delivered string may be stored or shown.

A rejected value, a header or a file name is kept in clear in the quarantine, the warnings, the quality files
and the output of `tipstats validate` only when it cannot carry an identifier. It is masked when it
(a) contains an identifier (person_id, victim_id, judge_id) of the same delivery file, as sent or normalised;
(b) contains a run of 6 or more digits (a personal number, a phone number); or
(c) is longer than MAX_CLEAR characters.
A masked value says what the agency needs to find it: its length and the kinds of its characters (the line
and the column are in the row beside it). Person columns are masked as `***` whatever their value.
`tipstats audit` checks this rule on every stored value and reason.
"""
from __future__ import annotations

import re
import unicodedata

import pandas as pd

from contracts import base
from contracts.base import Source
from pipeline import pseudonym
from pipeline.staging import arrow

# The longest legitimate rejected values are code-list typos (the longest code, "mitigating_circumstances",
# has 24 characters), dates (10), numbers and offence codes (about 15); a longer value is a field
# that swallowed the rest of its line (an unterminated quote) or free text, where a name can hide.
MAX_CLEAR = 30
DIGIT_RUN = re.compile(r"\d{6}")  # \d: digits of every script, so fullwidth digits are no way round it
MASKED = re.compile(r"\[masked: \d+ characters?: [a-z, ]+\]")
KINDS = (("L", "letters"), ("N", "digits"), ("Z", "spaces"), ("P", "punctuation"), ("S", "symbols"),
         ("C", "invisible or control characters"))
PERSON_MASK = "***"


def breaks(value: str) -> str | None:
    """Why `value` may not be shown by parts (b) and (c) of the rule, or None when it may."""
    if len(value) > MAX_CLEAR:
        return f"longer than {MAX_CLEAR} characters"
    if DIGIT_RUN.search(value):
        return "a run of 6 or more digits"
    return None


def masked(value: str) -> str:
    """What the agency is told of a masked value: '[masked: 37 characters: letters, digits, punctuation]'."""
    found = {unicodedata.category(c)[0] for c in value}
    kinds = ", ".join(name for kind, name in KINDS if kind in found)
    return f"[masked: {len(value)} character{'s' if len(value) != 1 else ''}: {kinds}]"


def is_masked(value: str) -> bool:
    return value == PERSON_MASK or MASKED.fullmatch(value) is not None


def shown(value: str) -> str:
    """The value as it may be stored and shown by parts (b) and (c); part (a) needs the whole file (apply)."""
    return masked(value) if breaks(value) else value


def said(value: str) -> str:
    """A value as a message names it: quoted (with escapes) unless masked by this rule (`***` stays quoted,
    as the person columns have always been shown)."""
    return value if MASKED.fullmatch(value) else repr(value)


def quoted(column: str, value: str) -> str:
    """A value of a column as a reason names it."""
    return f"{column} {said(value)}"


def candidates(value: str) -> set[str]:
    """The substrings of `value` that could be an identifier in it: those that begin and end where a run of
    letters and digits does (an identifier is not found inside a longer word or number). At most
    MAX_CLEAR² / 2 of them: longer values are masked without this test."""
    word = [c.isalnum() for c in value]
    starts = [i for i in range(len(value)) if i == 0 or not (word[i - 1] and word[i])]
    ends = [j for j in range(1, len(value) + 1) if j == len(value) or not (word[j - 1] and word[j])]
    return {value[i:j] for i in starts for j in ends if j > i}


def holding_identifiers(values: set[str], spec: Source, staging) -> set[str]:
    """The values holding an identifier of the file staged in `staging` (its person columns, pseudonymised
    when the staging has a key), in one query."""
    if not values or not spec.person_columns or staging is None or not staging.created:
        return set()
    pieces_of = {v: candidates(v) for v in values}
    pieces = sorted(set().union(*pieces_of.values()))
    # normalised exactly as the file's identifiers were (base.person_identifier), then pseudonymised as staged:
    # by DuckDB, as the staging did (pseudonym.sql), the padded keys as parameters
    normal = base.person_identifier(pd.Series(pieces, dtype="str"))
    wanted = arrow(pd.DataFrame({"piece": pieces, "form": normal})[normal.ne("").to_numpy()])  # noqa: F841
    form, pads = ("form", []) if staging.key is None else (pseudonym.sql("form"), list(pseudonym.pads(staging.key)))
    staged = " union all ".join(f"select {c} as form from {staging.name}" for c in spec.person_columns)
    found = {p for (p,) in staging.con.execute(
        f"select piece from wanted where {form} in ({staged})", pads).fetchall()}
    return {v for v, held in pieces_of.items() if held & found}


def apply(result, spec: Source) -> None:
    """Part (a) of the rule on a validated file's errors, warnings and extra columns: every value still in
    clear that holds an identifier of the file is masked, in its reason and record key too."""
    errors, warnings = result.errors, result.warnings
    key_columns = [k for k in spec.key if k not in spec.person_columns]
    key_parts = re.compile(" ".join(f"{re.escape(k)}=(.*?)" for k in spec.key))
    # a duplicate key's value is its record key, whose parts are taken from the record keys below
    clear = {v for frame in (errors, warnings) for v, check in zip(frame["value"], frame["check"])
             if isinstance(v, str) and v and check != "duplicate_key" and not is_masked(v)}
    clear |= set(result.extra_columns)
    for record_key in errors["record_key"]:
        if isinstance(record_key, str) and (m := key_parts.fullmatch(record_key)):
            clear.update(p for k, p in zip(spec.key, m.groups()) if k in key_columns and p and not is_masked(p))
    held = holding_identifiers(clear, spec, result.staging)
    if not held:
        return

    def key_of(record_key):
        m = key_parts.fullmatch(record_key) if isinstance(record_key, str) else None
        if m is None:
            return record_key
        return " ".join(f"{k}={masked(p) if p in held else p}" for k, p in zip(spec.key, m.groups()))

    for frame in (errors, warnings):
        for i in frame.index[frame["value"].isin(held) & frame["check"].ne("duplicate_key")]:
            column, value = frame.at[i, "column"], frame.at[i, "value"]
            said = quoted(column, masked(value))
            frame.at[i, "reason"] = frame.at[i, "reason"].replace(quoted(column, value), said, 1)
            frame.at[i, "value"] = masked(value)
    duplicates = errors["check"].eq("duplicate_key")
    errors.loc[duplicates, "value"] = errors.loc[duplicates, "value"].map(key_of)
    errors["record_key"] = errors["record_key"].map(key_of)
    result.extra_columns = [masked(c) if c in held else c for c in result.extra_columns]
