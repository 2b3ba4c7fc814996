"""Contracts of the four sources of DATA-SPEC v1.3, built from the active country pack (contracts/pack.py)."""
from collections.abc import Mapping
from functools import cache
from pathlib import Path

NAMES = ("investigations", "prosecutions", "judgments", "victims")  # the sources, the same in every pack


@cache
def _sources(root: Path) -> dict:
    from contracts import investigations, judgments, prosecutions, victims

    return {s.name: s for s in (investigations.source(), prosecutions.source(), judgments.source(),
                                victims.source())}


class _Sources(Mapping):
    """`SOURCES["judgments"]`: the sources of the pack in use, built once per pack."""

    def _current(self) -> dict:
        from contracts import pack

        return _sources(pack.active().root)

    def __getitem__(self, name):
        return self._current()[name]

    def __iter__(self):  # the names need no pack: iterating at import time must not load one
        return iter(NAMES)

    def __len__(self):
        return len(NAMES)


SOURCES = _Sources()
