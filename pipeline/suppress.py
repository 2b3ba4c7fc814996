"""Disclosure control for published tables about victims: primary and secondary cell suppression.

Pure functions, no I/O, deterministic: the same grids in the same order give the same result.

A `Grid` is one published table (rows x columns of counts, labels in code order) plus the margins it shows
and its links to other grids. `protect()` decides which figures are hidden; `Protected.display()` renders
the public table. The rules (the publication issue's, with the choices it leaves open made explicit):

Primary. In a protected grid (victims, or a table the configuration names) every shown figure -- interior
  cell or margin -- from 1 to k-1 is shown as "<k". 0 is published: it describes nobody. (So "<5" means 1-4.)
  Grids with protect=False (suspects, defendants, convicted persons) are never suppressed at all.

Secondary. Repeat until no hidden figure can be worked out exactly (`recoverable`, the fast first check)
  and no primary figure can be narrowed (`narrowed`: linear programming over what a reader knows -- the
  published figures, cells >= 0, "<k" is 1 .. k-1, "x" is at least k -- must leave it every value from 1 to
  k-1, or as much of that as the marks alone allow: a total of two "<k" cells is at least 2 anyway):
  1. Line leaks first (the classic row/column rule): take the recoverable figures in fixed order (grid
     order, then row, then column, code order, "Total" last) and the first one that is the only hidden
     figure of its row (then: of its column) whose total is published -- that total gives it away. The
     total may be shown by another grid sharing the margin; the parts of an aggregate and the aggregate
     cell (a row's Jan-Mar and its Q1) count as a line too. Hide a partner in that same line: the
     cheapest non-zero published figure other than the line's total that protects it alone (else the
     cheapest), ties by code order (with a previous edition: figures it hid come first); if there is
     none, the line's total itself (a margin: e.g. a row total that equals its only non-zero cell).
  2. Otherwise (several equations at once, or a figure narrowed): for the first such figure, hide the
     cheapest candidate whose suppression alone protects it; if none does alone, the cheapest of its
     lines (the loop repeats).
  3. Then every secondary figure, the costliest first, is published again if everything stays safe
     without it (a later choice can make an earlier one needless).
  Cost: the figure's count, times MARGIN_WEIGHT for a total, times HEADLINE_WEIGHT for a figure the
  grid names as `headline` (a shared margin costs what its costliest copy costs), so totals go only where
  cells will not do, and the headline only where nothing else will.
  A candidate is a published, non-zero figure of a protected grid that the previous edition did not
  publish with the same value (hiding that would hide nothing). Hiding a shared margin hides it in every
  grid that shows it. If no candidate is left while something is still recoverable, protect() raises
  ValueError: the figure is published elsewhere (the previous edition, or a grid that is not protected).
  Rule 1 looks at the line that leaks rather than always at the row first: more hidden cells in a row
  cannot stop a column total from giving a cell away, and "row first" literally would empty whole rows.

Previous edition. `previous` holds last edition's display tables. Its hidden values are unknown to us, so
  we assume what a reader would: a figure suppressed then is unchanged unless shown otherwise. Every figure
  it published (a cell or a margin) is added to what readers know, as an equation on this edition's cells,
  in two forms, each only when it is still true of this edition's counts:
    - the whole figure (its cells then = its value then), when the figure is unchanged;
    - its hidden part (the cells it hid then = its value minus the cells it published then), when the
      revisions of the hidden cells cancel -- typically they are unchanged.
  So a cell hidden then stays hidden now if publishing it would let last edition's total give away a
  cell that is still the same; and a figure published then with the same value is never chosen to hide.
  Partners are chosen among the figures hidden then first, so an unchanged table keeps its pattern.
  Not covered: a cell hidden then whose value has since changed (its old value is not in `previous`).

Another publication. `sums` ties a figure of one grid to the figures of others it adds up (the public
  edition's victims by form and the international returns' cells by form, sex and age): one more equation
  and one more line, as an aggregate. `hidden` lists the figures that publication hid: they start hidden
  and are never published again. A figure that what is published for certain gives away whatever else is
  hidden (determined by the previous edition's numbers through the equations) is never chosen to hide.

What `recoverable` checks: exact values following by linear algebra from the published figures, shared
margins, aggregates and the previous edition. `narrowed` adds the bounds (e.g. two hidden cells of a row
that must sum to 2 are each 1, since "<5" cells are at least 1; a "<5" beside an "x" in a row that sums
to 7 is at most 2, since the "x" is at least 5). Not checked: the previous edition's marks as bounds
(only its published numbers are used), integrality, and external knowledge.
"""
from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import pandas as pd
from scipy.optimize import linprog

TOTAL = "Total"
PRIMARY, SECONDARY = "primary", "secondary"
ZERO, BIG = "zero", "big"  # a published 0, a published number of k or more (for what the marks alone say)
# What hiding a figure costs, per person it counts: a total hides what its cells show and more, a headline
# figure is what most readers come for. The weights only order the candidates: a total is taken only where
# no cells will do, a headline figure only where nothing else will.
MARGIN_WEIGHT, HEADLINE_WEIGHT = 100, 1_000_000


@dataclass(frozen=True)
class Grid:
    name: str
    counts: pd.DataFrame
    protect: bool = True
    row_totals: bool = True
    column_totals: bool = True
    grand_total: bool = True
    column_margin: str | None = None
    row_margin: str | None = None
    aggregates: tuple[tuple[str, dict], ...] = ()
    headline: tuple[tuple[str, str], ...] = ()  # figures (row, column) a headline shows: hidden last


def _layout(g: Grid) -> tuple[list, list, list[tuple]]:
    """Rows and columns of the published table (with "Total" where shown) and its figures in fixed order."""
    rows, cols = list(g.counts.index), list(g.counts.columns)
    ext_rows = rows + ([TOTAL] if g.column_totals or g.grand_total else [])
    ext_cols = cols + ([TOTAL] if g.row_totals or g.grand_total else [])

    def shown(r, c) -> bool:
        if r != TOTAL and c != TOTAL:
            return True
        if c == TOTAL and r != TOTAL:
            return g.row_totals
        if r == TOTAL and c != TOTAL:
            return g.column_totals
        return g.grand_total

    return ext_rows, ext_cols, [(r, c) for r in ext_rows for c in ext_cols if shown(r, c)]


def _value(g: Grid, r, c) -> int:
    rows = g.counts.index if r == TOTAL else [r]
    cols = g.counts.columns if c == TOTAL else [c]
    return int(g.counts.loc[rows, cols].to_numpy().sum())


@dataclass
class Protected:
    grid: Grid
    status: pd.DataFrame

    def display(self, k: int) -> pd.DataFrame:
        """Text cells: the number, "<k" for primary, "x" for secondary; "" where the table shows no figure."""
        _, _, shown = _layout(self.grid)
        shown = set(shown)
        out = pd.DataFrame("", index=self.status.index, columns=self.status.columns, dtype=object)
        for r in out.index:
            for c in out.columns:
                s = self.status.at[r, c]
                if (r, c) in shown:
                    out.at[r, c] = f"<{k}" if s == PRIMARY else "x" if s == SECONDARY else str(_value(self.grid, r, c))
        return out

    def cells(self) -> list[tuple[str, str, str, str]]:
        """The hidden figures as (grid, row, column, "primary"/"secondary"), rows then columns in code order."""
        return [(self.grid.name, str(r), str(c), self.status.at[r, c])
                for r in self.status.index for c in self.status.columns if self.status.at[r, c]]


def _number(text) -> int | None:
    """A published number in a display table (text or read back as a number), else None."""
    if isinstance(text, (int, float, np.integer, np.floating)) and not pd.isna(text) and text == int(text):
        return int(text)
    text = str(text).strip()
    return int(text) if text.isdigit() else None


def _marked(text) -> bool:
    """A suppressed figure in a display table ("<5", "x"), as opposed to a number or nothing shown."""
    return _number(text) is None and not pd.isna(text) and str(text).strip() != ""


def _row_space(a: np.ndarray) -> np.ndarray:
    """An orthonormal basis (as rows) of the space spanned by the rows of `a`."""
    if a.shape[0] == 0:
        return np.zeros((0, a.shape[1]))
    _, s, vt = np.linalg.svd(a, full_matrices=False)
    return vt[: int((s > 1e-9 * s[0]).sum()) if s[0] > 0 else 0]


class _System:
    """All grids as one linear system whose unknowns are the interior cells of every grid.

    A figure (interior cell or margin) is a linear form over the cells. Readers know the published
    figures plus `equations`: forms whose value follows from the grids' structure or the previous edition.
    """

    def __init__(self, grids: list[Grid], previous: dict[str, pd.DataFrame], k: int = 5,
                 sums: tuple[tuple[tuple, tuple[tuple, ...]], ...] = ()):
        self.grids, self.k = grids, k
        names = [g.name for g in grids]
        if len(set(names)) != len(names):
            raise ValueError("grid names must be unique")
        self.index = {}  # (grid i, row, column) -> unknown number
        for gi, g in enumerate(grids):
            _check(g)
            for r in g.counts.index:
                for c in g.counts.columns:
                    self.index[(gi, r, c)] = len(self.index)
        self.x = np.zeros(len(self.index))
        for (gi, r, c), j in self.index.items():
            self.x[j] = grids[gi].counts.at[r, c]
        self.items = [(gi, r, c) for gi, g in enumerate(grids) for r, c in _layout(g)[2]]
        self.shown = set(self.items)
        self.form = {it: self._form(*it) for it in self.items}
        self.value = {it: int(round(self.form[it] @ self.x)) for it in self.items}
        self.equations: list[np.ndarray] = []  # an array once built
        self.aggregate_lines: dict[tuple, list] = {}  # figure -> aggregate lines it is part of
        self.stand_in: dict[tuple, tuple] = {}  # margin not shown -> the same figure shown in another grid
        self.links: dict[tuple, set] = {}  # figure -> the same figure in grids sharing the margin
        self.pinned: set[tuple] = set()  # published by the previous edition with the same value
        self.hidden_then: set[tuple] = set()  # hidden by the previous edition
        self._shared_margins()
        self._aggregates({g.name: gi for gi, g in enumerate(grids)})
        self._sums({g.name: gi for gi, g in enumerate(grids)}, sums)
        self.structural = len(self.equations)  # the equations before are the grids' own (value 0)
        self._previous(previous)
        self.margin = {it: TOTAL in it[1:] for it in self.items}
        self.is_margin = np.array([self.margin[it] for it in self.items])
        self.forms = np.array([self.form[it] for it in self.items]).reshape(len(self.items), len(self.index))
        self.equations = np.array(self.equations).reshape(len(self.equations), len(self.index))
        self._marks, self._marks_program = {}, None
        self._safe_under: dict[tuple, set] = {}  # status pattern -> primary figures known not narrowed
        self.cost = {it: max(self._cost(x) for x in {it, *self.links.get(it, ())}) for it in self.items}
        # figures that what is published for certain (the previous edition's numbers, tied by `sums`) gives
        # away whatever else is hidden: hiding them protects nothing
        self.determined = set(self.recoverable({it: "" if it in self.pinned else SECONDARY for it in self.items})) \
            if self.pinned else set()

    def _cost(self, it) -> float:
        gi, r, c = it
        weight = HEADLINE_WEIGHT if (str(r), str(c)) in {(str(a), str(b)) for a, b in self.grids[gi].headline} \
            else MARGIN_WEIGHT if TOTAL in (r, c) else 1
        return weight * self.value[it]

    def _form(self, gi, r, c) -> np.ndarray:
        g = self.grids[gi]
        f = np.zeros(len(self.index))
        for rr in (g.counts.index if r == TOTAL else [r]):
            for cc in (g.counts.columns if c == TOTAL else [c]):
                f[self.index[(gi, rr, cc)]] = 1
        return f

    def _equal(self, a: np.ndarray, b: np.ndarray, what: str):
        if not np.isclose(a @ self.x, b @ self.x):
            raise ValueError(f"linked figures differ: {what}")
        self.equations.append(a - b)

    def _shared_margins(self):
        # Grids with the same margin key count the same people: their totals per label are equal (whether
        # or not shown), and so are their grand totals.
        groups: dict[tuple, list[tuple]] = {}
        for gi, g in enumerate(self.grids):
            if g.column_margin:
                for c in g.counts.columns:
                    groups.setdefault((g.column_margin, c), []).append((gi, TOTAL, c))
                groups.setdefault((g.column_margin, TOTAL), []).append((gi, TOTAL, TOTAL))
            if g.row_margin:
                for r in g.counts.index:
                    groups.setdefault((g.row_margin, r), []).append((gi, r, TOTAL))
                groups.setdefault((g.row_margin, TOTAL), []).append((gi, TOTAL, TOTAL))
        for key, members in groups.items():
            for m in members[1:]:
                self._equal(self._form(*m), self._form(*members[0]), f"margin {key}")
            shown = [m for m in members if m in self.shown]
            for m in members:  # a total a grid does not show is still published if another grid shows it
                if m not in self.shown and shown:
                    self.stand_in[m] = shown[0]
            same = {m for m in shown if self.grids[m[0]].protect}
            for m in same:
                self.links.setdefault(m, set()).update(same - {m})

    def _aggregates(self, by_name: dict[str, int]):
        # A grid whose column q sums another grid's columns in the same row: cell = sum of its parts.
        for gi, g in enumerate(self.grids):
            for source, mapping in g.aggregates:
                si = by_name.get(source)
                all_parts = {p for ps in mapping.values() for p in ps}
                if si is None or not set(g.counts.index) <= set(self.grids[si].counts.index) \
                        or not set(mapping) <= set(g.counts.columns) \
                        or not all_parts <= set(self.grids[si].counts.columns):
                    raise ValueError(f"{g.name}: aggregates of {source} do not match its labels")
                for r in g.counts.index:
                    for q, parts in mapping.items():
                        whole = self._form(gi, r, q)
                        sum_parts = sum((self._form(si, r, p) for p in parts), np.zeros(len(self.index)))
                        self._equal(whole, sum_parts, f"{g.name}[{r}, {q}] vs {source}")
                        # a line like a row: the parts, then their total (the aggregate cell)
                        line = [(si, r, p) for p in parts] + [(gi, r, q)]
                        for x in line:
                            self.aggregate_lines.setdefault(x, []).append(line)

    def _sums(self, by_name: dict[str, int], sums):
        # A figure of one grid that is the sum of figures of others (a return's cell and the public edition's
        # figure it is part of): the same equation and the same kind of line as an aggregate.
        for whole, parts in sums:
            figures = [(by_name[name], r, c) for name, r, c in (whole, *parts)]
            total = self._form(*figures[0])
            self._equal(total, sum((self._form(*x) for x in figures[1:]), np.zeros(len(self.index))),
                        f"{whole} = sum of {len(parts)} figures")
            line = figures[1:] + figures[:1]
            if all(x in self.shown for x in line):
                for x in line:
                    self.aggregate_lines.setdefault(x, []).append(line)

    def _previous(self, previous: dict[str, pd.DataFrame]):
        for gi, g in enumerate(self.grids):
            shown = previous.get(g.name)
            if shown is None:
                continue
            # Labels are matched as text, so a display read back from a file still matches.
            now_rows = {str(r): r for r in g.counts.index}
            now_cols = {str(c): c for c in g.counts.columns}
            then_rows = [r for r in shown.index if str(r) != TOTAL]
            then_cols = [c for c in shown.columns if str(c) != TOTAL]
            for r in shown.index:
                for c in shown.columns:
                    value = _number(shown.at[r, c])
                    rows = then_rows if str(r) == TOTAL else [r]
                    cols = then_cols if str(c) == TOTAL else [c]
                    if not all(str(x) in now_rows for x in rows) or not all(str(x) in now_cols for x in cols):
                        continue
                    cells = [(rr, cc) for rr in rows for cc in cols]
                    unit = {cell: self._form(gi, now_rows[str(cell[0])], now_cols[str(cell[1])]) for cell in cells}
                    whole = sum(unit.values())
                    here = (gi, now_rows.get(str(r), TOTAL), now_cols.get(str(c), TOTAL))
                    same = here in self.shown and np.array_equal(self.form[here], whole)
                    if value is None:
                        if same and _marked(shown.at[r, c]):
                            self.hidden_then.add(here)
                        continue
                    if np.isclose(whole @ self.x, value):  # unchanged figure
                        self.equations.append(whole)
                        if same:
                            self.pinned.add(here)
                    hidden = [cell for cell in cells if _number(shown.at[cell]) is None]
                    if hidden and len(hidden) < len(cells):  # its hidden part, if that is unchanged
                        part = sum(unit[cell] for cell in hidden)
                        rest = sum(_number(shown.at[cell]) for cell in cells if cell not in hidden)
                        if np.isclose(part @ self.x, value - rest):
                            self.equations.append(part)

    # -- recoverability -------------------------------------------------------------------------------------

    def recoverable(self, status: dict) -> list[tuple]:
        """Hidden figures whose form lies in the span of what is published (restricted to hidden cells)."""
        hidden = np.array([bool(status[it]) for it in self.items])
        unknown = [self.index[it] for it, h in zip(self.items, hidden) if h and not self.margin[it]]
        if not unknown:
            return [it for it, h in zip(self.items, hidden) if h]  # all cells published: margins follow
        # Published cells are known numbers, so only the hidden cells' columns matter.
        known = np.vstack([self.forms[~hidden & self.is_margin], self.equations])[:, unknown]
        basis = _row_space(known[np.abs(known).sum(axis=1) > 0])
        targets = self.forms[hidden][:, unknown]
        residual = targets - (targets @ basis.T) @ basis
        return [it for it, r in zip((it for it, h in zip(self.items, hidden) if h), residual)
                if np.linalg.norm(r) < 1e-6]

    def narrowed(self, status: dict, only: list[tuple] | None = None, first: bool = False) -> list[tuple]:
        """Primary figures (of `only`, default all; with `first`, the first found) that linear programming
        narrows from the published numbers.

        What a reader knows: the published figures and `equations`, every cell >= 0, every "<k" from 1 to
        k-1, every "x" at least k (0 and 1 .. k-1 are never shown as "x"). Each primary figure is minimised
        and maximised over all tables that agree with that; it must still reach 1 and k-1 -- or, where the
        marks alone say less (a total of two "<k" cells is at least 2), as far as the marks alone allow:
        the published numbers must teach nothing about it.
        """
        targets = [it for it in (only if only is not None else self.items) if status[it] == PRIMARY]
        if not targets or self.k <= 2:
            return []  # k <= 2: "<2" can only be 1, there is nothing to narrow
        pattern = tuple(status[it] for it in self.items)  # the same pattern is often tried twice
        known_ok = self._safe_under.setdefault(pattern, set())
        targets = [it for it in targets if it not in known_ok]
        if not targets:
            return []
        hidden = [it for it in self.items if status[it]]
        unknown = sorted({self.index[it] for it in hidden if not self.margin[it]})
        known = self.x.copy()
        known[unknown] = 0  # the published cells' part of every figure
        published = [self.form[it] for it in self.items if not status[it] and self.margin[it]] + list(self.equations)
        lp = self._program([(f[unknown], f @ self.x - f @ known) for f in published],
                           [(self.form[it][unknown], f @ known, status[it]) for it in hidden
                            for f in [self.form[it]]])
        out = []
        for it in targets:
            f = self.form[it]
            low, high = lp(f[unknown], f @ known)
            if low <= 1 + 1e-6 and high >= self.k - 1 - 1e-6:
                known_ok.add(it)
                continue
            ref_low, ref_high = self.marks_allow(it)
            if low > ref_low + 1e-6 or high < ref_high - 1e-6:
                out.append(it)
                if first:
                    break
            else:
                known_ok.add(it)
        return out

    def marks_allow(self, it) -> tuple[float, float]:
        """The least and greatest value of a primary figure from the marks alone: each shown figure of a
        protected grid only as 0, "<k" or at least k ("x" and a published number alike), with the grids'
        own equations. The same whatever else is hidden, so worked out once."""
        if it not in self._marks:
            if self._marks_program is None:
                marks = [(self.form[x], 0.0, PRIMARY if 1 <= self.value[x] <= self.k - 1 else
                          ZERO if self.value[x] == 0 else BIG) for x in self.items if self.grids[x[0]].protect]
                self._marks_program = self._program([(e, 0.0) for e in self.equations[: self.structural]], marks)
            self._marks[it] = self._marks_program(self.form[it], 0.0)
        return self._marks[it]

    def _program(self, equal: list[tuple], marked: list[tuple]):
        """(form, value) equations and (form, offset, mark) bounds -> a function giving the least and the
        greatest value of a figure (form, offset) over the non-negative solutions."""
        k = self.k
        a_ub, b_ub = [], []
        for row, fixed, mark in marked:
            if mark == PRIMARY:  # 1 <= figure <= k-1
                a_ub += [row, -row]
                b_ub += [k - 1 - fixed, fixed - 1]
            elif mark == ZERO:
                a_ub += [row]
                b_ub += [-fixed]
            else:  # "x", or a published number outside 1 .. k-1: at least k
                a_ub.append(-row)
                b_ub.append(fixed - k)
        equal = [(row, v) for row, v in equal if np.abs(row).sum() > 0]
        options = dict(A_ub=np.array(a_ub) if a_ub else None, b_ub=np.array(b_ub) if b_ub else None,
                       A_eq=np.array([r for r, _ in equal]) if equal else None,
                       b_eq=np.array([v for _, v in equal]) if equal else None, bounds=(0, None), method="highs")

        def interval(row, fixed) -> tuple[float, float]:
            ends = []
            for sign in (1, -1):
                r = linprog(sign * row, **options)
                # unbounded (3): no end that way; anything else (infeasible): count it as narrowed
                end = sign * r.fun + fixed if r.status == 0 else -sign * np.inf if r.status == 3 else sign * np.inf
                ends.append(end)
            return ends[0], ends[1]
        return interval

    def exposed(self, status: dict) -> list[tuple]:
        """Hidden figures that can be worked out exactly, else primary figures that can be narrowed."""
        return self.recoverable(status) or self.narrowed(status, first=True)

    def safe(self, t, status) -> bool:
        return t not in self.recoverable(status) and not self.narrowed(status, [t])

    # -- choosing what else to hide -------------------------------------------------------------------------

    def lines(self, it) -> list[list[tuple]]:
        """The figure's row and column (where their total is shown, here or in a grid sharing the margin),
        then the aggregates it is part of; each line lists its figures with its total last."""
        gi, r, c = it
        g = self.grids[gi]
        row = [(gi, r, cc) for cc in g.counts.columns] + [(gi, r, TOTAL)]
        col = [(gi, rr, c) for rr in g.counts.index] + [(gi, TOTAL, c)]
        lines = [[x if x in self.shown else self.stand_in.get(x) for x in line] for line in (row, col)]
        return [line for line in lines if None not in line] + self.aggregate_lines.get(it, [])

    def candidate(self, it, status) -> bool:
        return (not status[it] and self.value[it] > 0 and self.grids[it[0]].protect
                and it not in self.pinned and it not in self.determined)

    def ranked(self, line, t, status) -> list[tuple]:
        """A line's candidates: smallest first (ties by code order), its total last."""
        inner = [x for x in line[:-1] if x != t and self.candidate(x, status)]
        # Figures the previous edition hid come first (keeping last edition's pattern leaks nothing new),
        # then the smallest; the sort is stable, so ties stay in code order.
        inner.sort(key=lambda x: (x not in self.hidden_then, self.cost[x]))
        return inner + [x for x in line[-1:] if x != t and self.candidate(x, status)]

    def hide(self, it, status) -> dict:
        """A copy of `status` with `it` hidden as secondary."""
        status = dict(status)
        todo = [it]
        while todo:  # a shared margin is hidden in every grid that shows it
            x = todo.pop()
            if not status[x]:
                status[x] = SECONDARY
                todo += sorted(self.links.get(x, ()), key=self.items.index)
        return status

    def next_suppression(self, leaks: list[tuple], status) -> tuple | None:
        for t in leaks:  # rule 1: a figure alone in a line (row, column, aggregate) whose total is published
            for line in self.lines(t):
                if all(not status[x] for x in line if x != t):
                    ranked = self.ranked(line, t, status)
                    if ranked:  # the cheapest partner that protects it alone, else the cheapest
                        return next((x for x in ranked if self.safe(t, self.hide(x, status))), ranked[0])
        t = leaks[0]  # rule 2: the cheapest figure that protects it alone (its lines' first where costs tie)
        in_lines = [x for line in self.lines(t) for x in self.ranked(line, t, status)]
        options = list(dict.fromkeys(in_lines + [x for x in self.items if x != t and self.candidate(x, status)]))
        options.sort(key=lambda x: self.cost[x])
        for x in options:
            if self.safe(t, self.hide(x, status)):
                return x
        # none does alone: the cheapest of its lines (else anywhere), and the loop goes on
        return min(in_lines, key=lambda x: self.cost[x]) if in_lines else options[0] if options else None


def _check(g: Grid):
    counts = g.counts
    labels = [*map(str, counts.index), *map(str, counts.columns)]
    if TOTAL in labels:
        raise ValueError(f"{g.name}: '{TOTAL}' is reserved for margins")
    if counts.index.has_duplicates or counts.columns.has_duplicates:
        raise ValueError(f"{g.name}: duplicate labels")
    values = counts.to_numpy(dtype=float)
    if np.isnan(values).any() or (values < 0).any() or (values != np.round(values)).any():
        raise ValueError(f"{g.name}: counts must be non-negative integers")


def _frames(system: _System, status: dict) -> dict[str, Protected]:
    out = {}
    for gi, g in enumerate(system.grids):
        rows, cols, _ = _layout(g)
        frame = pd.DataFrame("", index=rows, columns=cols, dtype=object)
        for (i, r, c), s in status.items():
            if i == gi:
                frame.at[r, c] = s
        out[g.name] = Protected(g, frame)
    return out


def protect(grids: list[Grid], k: int = 5, previous: dict[str, pd.DataFrame] | None = None,
            sums: tuple = (), hidden: tuple = ()) -> dict[str, Protected]:
    """Primary and secondary suppression of `grids` (processed in the given order) with threshold k.

    `sums`: ((grid, row, column), ((grid, row, column), …)) pairs, a figure that is the sum of the others
    (a figure of another publication and the cells it adds up). `hidden`: figures (grid, row, column) that
    another publication hid: they stay hidden (as "x" where not primary) and are never published again."""
    if k < 1:
        raise ValueError("k must be at least 1")
    system = _System(grids, previous or {}, k, sums)
    status = {it: "" for it in system.items}
    for it in system.items:
        if system.grids[it[0]].protect and 1 <= system.value[it] <= k - 1:
            status[it] = PRIMARY
    by_name = {g.name: gi for gi, g in enumerate(grids)}
    kept = {(by_name[name], r, c) for name, r, c in hidden}
    for it in sorted(kept & system.shown, key=system.items.index):
        if system.value[it] >= k:  # hidden as "x" there, so at least k (a 0 is never hidden)
            status = system.hide(it, status)
    while leaks := system.exposed(status):
        choice = system.next_suppression(leaks, status)
        if choice is None:
            gi, r, c = leaks[0]
            raise ValueError(f"{grids[gi].name}[{r}, {c}] cannot be protected: it is published elsewhere "
                             "(by the previous edition, or by a grid that is not protected), or the published "
                             "zeros bound it")
        status = system.hide(choice, status)
    # The loop above adds one figure at a time, and a later one can make an earlier one needless: publish
    # again every secondary figure whose return leaves everything safe, the costliest first.
    for it in sorted((x for x in system.items if status[x] == SECONDARY and x not in kept),
                     key=lambda x: -system.cost[x]):
        if status[it] == SECONDARY and not ({it, *system.links.get(it, ())} & kept):
            trial = {**status, **{x: "" for x in {it, *system.links.get(it, ())}}}
            if not system.exposed(trial):
                status = trial
    return _frames(system, status)


def recoverable(grids: list[Grid], result: dict[str, Protected],
                previous: dict[str, pd.DataFrame] | None = None, sums: tuple = ()) -> list[tuple[str, str, str]]:
    """The hidden figures (grid, row, column) whose exact value follows from everything published."""
    system = _System(grids, previous or {}, sums=sums)
    status = {(gi, r, c): result[grids[gi].name].status.at[r, c] for gi, r, c in system.items}
    return [(grids[gi].name, str(r), str(c)) for gi, r, c in system.recoverable(status)]


def suppress_statistic(n_victims: int, k: int) -> bool:
    """True when a rate, share, median or revision rests on fewer than k victims and must not be shown.

    0 victims is suppressed too: the statistic is undefined (show it as not applicable, not as "<k").
    """
    if n_victims < 0:
        raise ValueError("n_victims must be non-negative")
    return n_victims < k
