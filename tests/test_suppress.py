"""Disclosure control (pipeline/suppress.py): primary and secondary suppression on linked tables.

The fixture: victims by sex x month and by age group x month (sharing the month totals), victims by sex x
quarter built from the months, and convicted persons by sex x month (not protected). Its small cells are
known, and the expected suppressions below were worked out by hand from the rules in the module docstring.
"""
from __future__ import annotations

import pandas as pd
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from pipeline.suppress import Grid, Protected, protect, recoverable, suppress_statistic

MONTHS = ["Jan", "Feb", "Mar", "Apr", "May", "Jun"]
QUARTERS = {"Q1": ["Jan", "Feb", "Mar"], "Q2": ["Apr", "May", "Jun"]}
SEX, AGE, QTR, CONV = "victims_sex_by_month", "victims_age_by_month", "victims_sex_by_quarter", "convicted_sex_by_month"

#            Jan Feb Mar Apr May Jun   Total
SEX_COUNTS = [[12, 10, 14, 9, 11, 13],  # F 69
              [15, 3, 12, 10, 14, 16],  # M 70
              [0, 0, 1, 0, 0, 0],  # X 1
              [2, 0, 0, 0, 0, 0]]  # U 2
#        month totals 29 13 27 19 25 29    142
AGE_COUNTS = [[4, 6, 7, 5, 8, 9],  # child 39
              [25, 7, 20, 14, 16, 20],  # adult 102
              [0, 0, 0, 0, 1, 0]]  # unknown 1
CONV_COUNTS = [[1, 0, 2, 0, 1, 0], [3, 4, 0, 2, 0, 1]]


def fixture_grids() -> list[Grid]:
    sex = pd.DataFrame(SEX_COUNTS, index=["F", "M", "X", "U"], columns=MONTHS)
    age = pd.DataFrame(AGE_COUNTS, index=["child", "adult", "unknown"], columns=MONTHS)
    quarter = pd.DataFrame({q: sex[months].sum(axis=1) for q, months in QUARTERS.items()})
    convicted = pd.DataFrame(CONV_COUNTS, index=["F", "M"], columns=MONTHS)
    return [
        Grid(SEX, sex, column_margin="victims:month"),
        Grid(AGE, age, column_margin="victims:month"),
        Grid(QTR, quarter, aggregates=((SEX, QUARTERS),)),
        Grid(CONV, convicted, protect=False),
    ]


EXPECTED = [
    # victims by sex x month. Primary: M/Feb 3, X/Mar 1 (and X's total 1), U/Jan 2 (and U's total 2).
    # Numbers give the order in which the secondary cells are chosen.
    (SEX, "F", "Jan", "secondary"),  # 4. F/Feb is alone in F's Q1 (Jan + Feb + Mar = 36): Jan 12 < Mar 14
    (SEX, "F", "Feb", "secondary"),  # 2. M/Feb is alone in column Feb: F 10 is the only non-zero cell
    (SEX, "F", "Apr", "secondary"),  # 3. F/Feb is alone in row F: smallest there is Apr 9
    (SEX, "F", "May", "secondary"),  # 5. F/Apr is alone in F's Q2 (Apr + May + Jun = 33): May 11 < Jun 13
    (SEX, "M", "Feb", "primary"),
    (SEX, "M", "Mar", "secondary"),  # 7. M/Feb is alone in M's Q1 (15 + Feb + Mar = 30): Mar 12 < Jan 15
    (SEX, "M", "Apr", "secondary"),  # 1. M/Feb is alone in row M: smallest there is Apr 10
    (SEX, "M", "May", "secondary"),  # 6. F/May is alone in column May: M 14
    (SEX, "X", "Mar", "primary"),  # (column Mar has M/Mar, column Jan has F/Jan: nothing more needed;
    (SEX, "X", "Total", "primary"),  # X and U hide their row totals and share the Total column)
    (SEX, "U", "Jan", "primary"),
    (SEX, "U", "Total", "primary"),
    # victims by age x month (same month totals, all published). Primary: child/Jan 4, unknown/May 1 (+ total).
    (AGE, "child", "Jan", "primary"),
    (AGE, "child", "Apr", "secondary"),  # 8. child/Jan is alone in row child: smallest there is Apr 5
    (AGE, "child", "May", "secondary"),  # 11. unknown/May is alone in column May: child 8 < adult 16
    (AGE, "child", "Total", "secondary"),  # 12. unknown's total = 142 - 39 - 102: smallest row total, child 39
    (AGE, "adult", "Jan", "secondary"),  # 9. child/Jan is alone in column Jan: adult 25
    (AGE, "adult", "Apr", "secondary"),  # 10. child/Apr is alone in column Apr: adult 14
    (AGE, "unknown", "May", "primary"),
    (AGE, "unknown", "Total", "primary"),
    # victims by sex x quarter: X and U are 1 and 2 in Q1 (0 in Q2); both hidden in column Q1 and in the
    # Total column, so nothing more is needed (their month cells are hidden in the month table too).
    (QTR, "X", "Q1", "primary"),
    (QTR, "X", "Total", "primary"),
    (QTR, "U", "Q1", "primary"),
    (QTR, "U", "Total", "primary"),
    # convicted persons: never suppressed, small counts included
]


def all_cells(result: dict[str, Protected]) -> list[tuple[str, str, str, str]]:
    return [cell for p in result.values() for cell in p.cells()]


def unsuppressed(p: Protected) -> Protected:
    """The restricted edition: the same table with nothing hidden."""
    return Protected(p.grid, p.status.map(lambda _: ""))


def status_only(result: dict[str, Protected], keep: str) -> dict[str, Protected]:
    """The result with every suppression of another kind than `keep` undone."""
    return {n: Protected(p.grid, p.status.map(lambda s: s if s == keep else "")) for n, p in result.items()}


def test_fixture_exact_suppressions():
    assert all_cells(protect(fixture_grids())) == EXPECTED


def test_fixture_nothing_recoverable():
    grids = fixture_grids()
    assert recoverable(grids, protect(grids)) == []


def test_check_fails_without_secondary_suppression():
    # One primary cell in a row whose total is published: total minus the other cells gives it away.
    g = Grid("v", pd.DataFrame([[2, 7, 9], [8, 6, 11]], index=["F", "M"], columns=["Jan", "Feb", "Mar"]))
    primary_only = status_only(protect([g]), "primary")
    assert primary_only["v"].cells() == [("v", "F", "Jan", "primary")]
    assert recoverable([g], primary_only) == [("v", "F", "Jan")]


def test_check_sees_linked_tables():
    # Undo the two cells hidden because of the quarter table: F/Apr then follows from Q2 - May - Jun.
    grids = fixture_grids()
    result = protect(grids)
    status = result[SEX].status.copy()
    status.loc[["F", "M"], "May"] = ""
    leaky = {**result, SEX: Protected(result[SEX].grid, status)}
    assert (SEX, "F", "Apr") in recoverable(grids, leaky)
    # Without the quarter table the same pattern is safe: it is the link that leaks.
    without_quarter = [g for g in grids if g.name != QTR]
    assert recoverable(without_quarter, {n: p for n, p in leaky.items() if n != QTR}) == []
    # Primary cells alone leak: M/Feb is the only hidden cell of row M and of column Feb.
    assert (SEX, "M", "Feb") in recoverable(grids, status_only(result, "primary"))


def test_shared_margin_hidden_in_every_grid():
    months = ["Jan", "Feb", "Mar"]
    sex = pd.DataFrame([[2, 8, 9], [1, 7, 12]], index=["F", "M"], columns=months)  # Jan total 3
    age = pd.DataFrame([[3, 5, 6], [0, 10, 15]], index=["child", "adult"], columns=months)
    grids = [Grid("sex", sex, column_margin="v:month"), Grid("age", age, column_margin="v:month")]
    result = protect(grids)
    assert all_cells(result) == [
        ("sex", "F", "Jan", "primary"),
        ("sex", "F", "Feb", "secondary"),  # F/Jan alone in row F: Feb 8 < Mar 9
        ("sex", "M", "Jan", "primary"),
        ("sex", "M", "Feb", "secondary"),  # M/Jan alone in row M: Feb 7
        ("sex", "Total", "Jan", "primary"),  # the month total 3 is primary in both tables
        ("sex", "Total", "Feb", "secondary"),  # Jan total = 39 - Feb - Mar: smallest month total, Feb 15 ...
        ("age", "child", "Jan", "primary"),
        ("age", "child", "Feb", "secondary"),  # child/Jan alone in row child: Feb 5
        ("age", "Total", "Jan", "primary"),
        ("age", "Total", "Feb", "secondary"),  # ... hidden in the age table too: it is the same figure
    ]
    assert recoverable(grids, result) == []
    # Publishing the Feb total in the age table alone would give away the sex table's Jan total.
    status = result["age"].status.copy()
    status.at["Total", "Feb"] = ""
    assert ("sex", "Total", "Jan") in recoverable(grids, {**result, "age": Protected(result["age"].grid, status)})


def test_total_shown_only_by_a_linked_grid():
    # The sex table shows no month totals, but the age table shows the same ones: F/Jan alone in column
    # Jan is given away by the age table's Jan total, so it gets a partner in its column all the same.
    months = ["Jan", "Feb", "Mar"]
    sex = pd.DataFrame([[2, 8, 9], [11, 7, 12]], index=["F", "M"], columns=months)
    age = pd.DataFrame([[6, 5, 6], [7, 10, 15]], index=["child", "adult"], columns=months)
    grids = [Grid("sex", sex, column_margin="v:month", column_totals=False, grand_total=False),
             Grid("age", age, column_margin="v:month")]
    result = protect(grids)
    assert all_cells(result) == [
        ("sex", "F", "Jan", "primary"),
        ("sex", "F", "Feb", "secondary"),  # F/Jan alone in row F: Feb 8 < Mar 9
        ("sex", "M", "Jan", "secondary"),  # F/Jan alone in column Jan (total 13 in the age table): M 11
        ("sex", "M", "Feb", "secondary"),  # F/Feb alone in column Feb: M 7
    ]
    assert recoverable(grids, result) == []
    assert list(result["sex"].display(5).index) == ["F", "M"]


def test_deterministic_and_ties_by_code_order():
    grids = fixture_grids()
    first = protect(grids)
    again = protect(fixture_grids())
    assert all_cells(first) == all_cells(again)
    for name in first:
        pd.testing.assert_frame_equal(first[name].display(5), again[name].display(5))
    # Two equally small partners (Feb and Mar are both 7): the first in code order is taken ...
    counts = pd.DataFrame([[2, 7, 7], [9, 8, 10]], index=["F", "M"], columns=["Jan", "Feb", "Mar"])
    assert ("v", "F", "Feb", "secondary") in protect([Grid("v", counts)])["v"].cells()
    # ... and code order is the order of the labels as given.
    reordered = counts[["Jan", "Mar", "Feb"]]
    cells = protect([Grid("v", reordered)])["v"].cells()
    assert ("v", "F", "Mar", "secondary") in cells and ("v", "F", "Feb", "secondary") not in cells


def test_display_text():
    result = protect(fixture_grids())
    sex = result[SEX].display(5)
    assert list(sex.index) == ["F", "M", "X", "U", "Total"]
    assert list(sex.columns) == MONTHS + ["Total"]
    assert sex.loc["M"].tolist() == ["15", "<5", "x", "x", "x", "16", "70"]
    assert sex.loc["U"].tolist() == ["<5", "0", "0", "0", "0", "0", "<5"]
    assert sex.loc["Total"].tolist() == ["29", "13", "27", "19", "25", "29", "142"]
    assert result[AGE].display(5).at["child", "Total"] == "x"
    # the convicted persons' table shows its small counts as counted
    conv = result[CONV].display(5)
    assert conv.loc["F"].tolist() == ["1", "0", "2", "0", "1", "0", "4"]
    assert conv.at["Total", "Total"] == "14"


def test_display_without_margins():
    counts = pd.DataFrame([[2, 7, 9], [8, 6, 11]], index=["F", "M"], columns=["Jan", "Feb", "Mar"])
    g = Grid("v", counts, row_totals=False, column_totals=True, grand_total=False)
    shown = protect([g])["v"].display(5)
    assert list(shown.columns) == ["Jan", "Feb", "Mar"] and list(shown.index) == ["F", "M", "Total"]
    # Only column totals are shown: F/Jan needs a partner in its column only.
    assert shown.loc["F"].tolist() == ["<5", "7", "9"] and shown.loc["M"].tolist() == ["x", "6", "11"]


def test_public_and_restricted_differ_in_exactly_the_listed_cells():
    result = protect(fixture_grids())
    differing = []
    for name, p in result.items():
        public, restricted = p.display(5), unsuppressed(p).display(5)
        differing += [(name, str(r), str(c)) for r in public.index for c in public.columns
                      if public.at[r, c] != restricted.at[r, c]]
    assert differing == [(g, r, c) for g, r, c, _ in all_cells(result)]


def test_k_is_configurable():
    grids = fixture_grids()
    at5, at3 = protect(grids, k=5), protect(grids, k=3)
    primary3 = [c for c in all_cells(at3) if c[3] == "primary"]
    # M/Feb (3) and child/Jan (4) are no longer primary at k=3; the 1s and 2s still are.
    assert primary3 == [
        (SEX, "X", "Mar", "primary"), (SEX, "X", "Total", "primary"),
        (SEX, "U", "Jan", "primary"), (SEX, "U", "Total", "primary"),
        (AGE, "unknown", "May", "primary"), (AGE, "unknown", "Total", "primary"),
        (QTR, "X", "Q1", "primary"), (QTR, "X", "Total", "primary"),
        (QTR, "U", "Q1", "primary"), (QTR, "U", "Total", "primary"),
    ]
    primary5 = [c for c in all_cells(at5) if c[3] == "primary"]
    assert set(primary3) < set(primary5)
    # (Secondary suppression may still hide a 3 or a 4 as a partner: M/Feb is "x" at k=3.)
    assert at3[SEX].display(3).at["M", "Feb"] == "x" and at3[AGE].display(3).at["child", "Apr"] == "5"
    assert recoverable(grids, at3) == []
    assert at3[SEX].display(3).at["X", "Mar"] == "<3"
    # k=1 hides nothing
    assert all_cells(protect(grids, k=1)) == []


def test_suppress_statistic():
    assert suppress_statistic(4, 5) and suppress_statistic(1, 5)
    assert not suppress_statistic(5, 5) and not suppress_statistic(120, 5)
    assert suppress_statistic(0, 5)  # undefined over no victims: not shown either
    assert suppress_statistic(2, 3) and not suppress_statistic(3, 3)
    with pytest.raises(ValueError):
        suppress_statistic(-1, 5)


def test_previous_edition_keeps_cells_hidden():
    months = ["Jan", "Feb", "Mar"]
    first = [Grid("v", pd.DataFrame([[3, 6, 11], [9, 8, 10]], index=["F", "M"], columns=months))]
    last_edition = protect(first)
    assert [c[1:3] for c in last_edition["v"].cells()] == [("F", "Jan"), ("F", "Feb"), ("M", "Jan"), ("M", "Feb")]
    previous = {"v": last_edition["v"].display(5)}  # F: <5 x 11 | 20

    # F/Mar is revised from 11 to 5; F/Jan and F/Feb are unchanged.
    revised = [Grid("v", pd.DataFrame([[3, 6, 5], [9, 8, 10]], index=["F", "M"], columns=months))]
    # Without the rule, Mar (5) is now the smallest partner of F/Jan and Feb (6) is published -- and last
    # edition's row (20 - 11 = Jan + Feb = 9) then gives F/Jan = 3 away.
    naive = protect(revised)
    assert naive["v"].display(5).at["F", "Feb"] == "6"
    assert ("v", "F", "Jan") in recoverable(revised, naive, previous=previous)
    # With the previous edition, the cells hidden then stay hidden and nothing can be worked out.
    kept = protect(revised, previous=previous)
    assert [c[1:3] for c in kept["v"].cells()] == [("F", "Jan"), ("F", "Feb"), ("M", "Jan"), ("M", "Feb")]
    assert recoverable(revised, kept, previous=previous) == []
    assert kept["v"].display(5).loc["F"].tolist() == ["<5", "x", "5", "14"]


def test_previous_edition_of_the_same_data_changes_nothing():
    grids = fixture_grids()
    result = protect(grids)
    previous = {name: p.display(5) for name, p in result.items()}
    assert all_cells(protect(grids, previous=previous)) == EXPECTED
    # read back from a file, labels and numbers are text: still matched
    as_text = {n: d.astype(str) for n, d in previous.items()}
    assert all_cells(protect(grids, previous=as_text)) == EXPECTED


def test_figure_published_before_cannot_be_hidden_now():
    # k raised from 3 to 5: last edition published F/Jan = 4; nothing can hide it now.
    counts = pd.DataFrame([[4, 6, 11], [9, 8, 10]], index=["F", "M"], columns=["Jan", "Feb", "Mar"])
    grids = [Grid("v", counts)]
    previous = {"v": protect(grids, k=3)["v"].display(3)}
    with pytest.raises(ValueError, match="previous edition"):
        protect(grids, k=5, previous=previous)


def test_invalid_counts_and_links_are_rejected():
    cols = ["Jan", "Feb"]
    with pytest.raises(ValueError):
        protect([Grid("v", pd.DataFrame([[1, -2]], index=["F"], columns=cols))])
    with pytest.raises(ValueError):
        protect([Grid("v", pd.DataFrame([[1, 2]], index=["Total"], columns=cols))])
    a = pd.DataFrame([[1, 2]], index=["F"], columns=cols)
    b = pd.DataFrame([[1, 3]], index=["child"], columns=cols)
    with pytest.raises(ValueError, match="linked figures differ"):
        protect([Grid("a", a, column_margin="m"), Grid("b", b, column_margin="m")])
    with pytest.raises(ValueError, match="aggregates"):
        quarter = pd.DataFrame({"Q1": [3]}, index=["F"])
        protect([Grid("a", a), Grid("q", quarter, aggregates=(("a", {"Q1": ["Jan", "Mar"]}),))])


@settings(max_examples=50, deadline=None, derandomize=True)
@given(st.data())
def test_property_random_linked_grids(data):
    k = data.draw(st.sampled_from([3, 5]), label="k")
    n_rows, n_cols = data.draw(st.integers(1, 4), label="rows"), data.draw(st.integers(2, 5), label="cols")
    rows, cols = [f"r{i}" for i in range(n_rows)], [f"m{j}" for j in range(n_cols)]
    cell = st.integers(0, 12)
    a = pd.DataFrame([[data.draw(cell) for _ in cols] for _ in rows], index=rows, columns=cols)
    # b splits a's column totals over two rows (shares a's column margin)
    split = [data.draw(st.integers(0, int(a[c].sum()))) for c in cols]
    b = pd.DataFrame([split, [int(a[c].sum()) - s for c, s in zip(cols, split)]], index=["b0", "b1"], columns=cols)
    halves = {"h1": cols[: n_cols // 2], "h2": cols[n_cols // 2:]}
    h = pd.DataFrame({q: a[parts].sum(axis=1) for q, parts in halves.items()})
    flags = dict(row_totals=data.draw(st.booleans()), column_totals=data.draw(st.booleans()),
                 grand_total=data.draw(st.booleans()))
    grids = [Grid("a", a, column_margin="m", **flags), Grid("b", b, column_margin="m"),
             Grid("h", h, aggregates=(("a", halves),)), Grid("u", a, protect=False)]

    result = protect(grids, k=k)
    assert recoverable(grids, result) == []
    for g in grids:
        p = result[g.name]
        plain = unsuppressed(p).display(k)
        for r in plain.index:
            for c in plain.columns:
                if plain.at[r, c] == "":
                    continue
                value, status = int(plain.at[r, c]), p.status.at[r, c]
                if not g.protect:
                    assert status == ""
                elif 1 <= value <= k - 1:
                    assert status == "primary"
                else:
                    assert status in ("", "secondary") and (status == "" or value > 0)
    if flags["column_totals"]:  # a shared month total is hidden in both tables or in neither
        assert (result["a"].status.loc["Total", cols] != "").tolist() == \
               (result["b"].status.loc["Total", cols] != "").tolist()
