"""The routing table (pastry_ref.tables.routing_table) vs. brute force; rules R-RT-1..R-RT-3."""

from __future__ import annotations

import pytest
from hypothesis import given
from hypothesis import strategies as st

from pastry_ref.errors import InvalidId, PastryRefError, RoutingTableError
from pastry_ref.ring.ids import IdSpace
from pastry_ref.ring.proximity import ConstantProximity, MatrixProximity
from pastry_ref.tables.routing_table import RoutingTable, cell_of
from tests import brute
from tests.brute import small_ring


@st.composite
def ring_with_metric(draw):
    bits, b, ids = draw(small_ring())
    owner = draw(st.sampled_from(ids))
    pairs = {(x, y): draw(st.integers(0, 3)) for x in ids for y in ids if x < y}
    return bits, b, ids, owner, MatrixProximity(pairs)


# -- R-RT-1: the prefix rule ----------------------------------------------------------------
@given(st.sampled_from([*brute.SMALL_SHAPES, (128, 4)]), st.data())
def test_R_RT_1_cell_of_matches_digit_strings(shape, data) -> None:
    """Pastry §2.1: the entry at row n shares exactly n digits with the owner and has its own
    (n+1)th digit as column."""
    bits, b = shape
    owner = data.draw(st.integers(0, 2**bits - 1))
    node = data.draw(st.one_of(st.integers(0, 2**bits - 1), st.just(owner)))
    s = IdSpace(bits, b)
    assert cell_of(s, owner, node) == brute.cell(owner, node, bits, b)


def test_R_RT_1_shape_and_own_digit_column_empty() -> None:
    """Pastry §2.1: ceil(log_{2^b} N) rows (here bits/b) of 2^b - 1 useful entries; the
    column of the owner's own digit stays empty."""
    s = IdSpace(8, 4)
    t = RoutingTable.empty(0x3A, s)
    assert len(t.rows) == 2 and all(len(r) == 16 for r in t.rows)
    full = t.insert_all(range(256))
    assert full.get(0, 3) is None and full.get(1, 0xA) is None
    assert sum(n is not None for row in full.rows for n in row) == 30
    assert full.get(0, 5) is not None and full.populated_rows() == 2
    assert t.populated_rows() == 0


def test_R_RT_1_wrong_cell_refused_and_message_names_the_cell() -> None:
    """Pastry §2.1: an entry must share exactly r digits with the owner and have digit d at
    position r."""
    s = IdSpace(8, 4)
    with pytest.raises(RoutingTableError) as e:
        RoutingTable.from_entries(0x3A, s, {(1, 0xB): 0x4B})  # shares 0 digits, not 1
    assert "routing_table[1][11]" in str(e.value)
    assert isinstance(e.value, ValueError) and isinstance(e.value, PastryRefError)
    with pytest.raises(RoutingTableError, match=r"routing_table\[0\]\[5\]"):
        RoutingTable.from_entries(0x3A, s, {(0, 5): 0x60})  # digit 6, not 5
    with pytest.raises(RoutingTableError, match=r"routing_table\[0\]\[3\]"):
        RoutingTable.from_entries(0x3A, s, {(0, 3): 0x3A})  # the owner
    with pytest.raises(RoutingTableError, match=r"no such cell"):
        RoutingTable.from_entries(0x3A, s, {(2, 0): 0x00})
    with pytest.raises(RoutingTableError, match=r"no such cell"):
        RoutingTable.from_entries(0x3A, s, {(0, 16): 0x00})
    with pytest.raises(RoutingTableError, match="rows"):
        RoutingTable(0x3A, s, ((None,) * 16,))
    with pytest.raises(InvalidId, match=r"routing_table\[0\]\[0\]"):
        RoutingTable(0x3A, s, ((-1, *(None,) * 15), (None,) * 16))
    ok = RoutingTable.from_entries(0x3A, s, {(0, 5): 0x51, (1, 0xB): 0x3B})
    assert ok.entries() == {(0, 5): 0x51, (1, 0xB): 0x3B}
    assert 0x51 in ok and list(ok) == [0x3B, 0x51] and ok.members() == {0x3B, 0x51}


@given(small_ring(), st.data())
def test_R_RT_1_from_entries_accepts_exactly_the_fitting_cells(t, data) -> None:
    """Pastry §2.1: a (row, column, node) triple is accepted iff the digit strings agree."""
    bits, b, ids = t
    s = IdSpace(bits, b)
    owner = data.draw(st.sampled_from(ids))
    node = data.draw(st.integers(0, 2**bits - 1))
    r = data.draw(st.integers(0, s.digits - 1))
    d = data.draw(st.integers(0, s.base - 1))
    if brute.cell(owner, node, bits, b) == (r, d):
        assert RoutingTable.from_entries(owner, s, {(r, d): node}).get(r, d) == node
    else:
        with pytest.raises(RoutingTableError):
            RoutingTable.from_entries(owner, s, {(r, d): node})


# -- R-RT-2: insert ---------------------------------------------------------------------
@given(small_ring(), st.data())
def test_R_RT_2_insert_without_metric_keeps_first_comer(t, data) -> None:
    """Pastry §2.1/§2.4: without a proximity metric an occupied cell keeps its incumbent: the
    first node offered for each cell."""
    bits, b, ids = t
    owner = data.draw(st.sampled_from(ids))
    order = data.draw(st.permutations(ids))
    table = RoutingTable.empty(owner, IdSpace(bits, b)).insert_all(order)
    want: dict[tuple[int, int], int] = {}
    for n in order:
        c = brute.cell(owner, n, bits, b)
        if c is not None and c not in want:
            want[c] = n
    assert table.entries() == want


@given(ring_with_metric(), st.data())
def test_R_RT_2_insert_with_metric_keeps_best_ranked(t, data) -> None:
    """Pastry §2.4 (locality): each cell holds the proximally nearest candidate; ties by ring
    distance to the owner, then by smaller id (R-PROX-1), whatever the insertion order."""
    bits, b, ids, owner, prox = t
    order = data.draw(st.permutations(ids))
    table = RoutingTable.empty(owner, IdSpace(bits, b)).insert_all(order, prox)
    assert table.entries() == brute.ideal_table(owner, ids, bits, b, prox)


def test_R_RT_2_insert_examples() -> None:
    """Pastry §2.4: a nearer candidate replaces the incumbent; without a metric nothing does;
    equal proximity goes to the numerically closer, then the smaller id."""
    s = IdSpace(4, 1)
    t = RoutingTable.empty(0, s).insert(12)  # cell (0, 1)
    assert t.get(0, 1) == 12
    assert t.insert(9).get(0, 1) == 12  # no metric: incumbent stays
    near9 = MatrixProximity({(0, 12): 5.0, (0, 9): 1.0, (0, 8): 1.0, (0, 15): 5.0})
    assert t.insert(9, near9).get(0, 1) == 9
    # 8 and 9 equally near; 8 is at ring distance 8, 9 at 7: the numerically closer (9) wins
    assert t.insert(9, near9).insert(8, near9).get(0, 1) == 9
    assert t.insert(8, near9).insert(9, near9).get(0, 1) == 9
    const = ConstantProximity()
    # 12 (distance 4) vs 15 (distance 1): constant metric, the closer wins
    assert t.insert(15, const).get(0, 1) == 15
    assert t.insert(0) is t  # the owner is never an entry
    assert t.insert(12) is t
    with pytest.raises(InvalidId):
        t.insert(16)


def test_R_RT_2_equal_proximity_and_distance_smaller_id_wins() -> None:
    """Pastry §2.4 + R-PROX-1: candidates equally near and at the same ring distance from the
    owner go to the smaller id. Owner 4 (0100), cell (0, 1) holds 8..15; 9 and 15 are both
    at ring distance 5 from 4."""
    s = IdSpace(4, 1)
    m = MatrixProximity({(4, 9): 2.0, (4, 15): 2.0})
    assert RoutingTable.empty(4, s).insert(15, m).insert(9, m).get(0, 1) == 9
    assert RoutingTable.empty(4, s).insert(9, m).insert(15, m).get(0, 1) == 9
    const = ConstantProximity()
    assert RoutingTable.empty(4, s).insert(15, const).insert(9, const).get(0, 1) == 9
    # proximity first: a farther, larger id that is nearer in the network wins
    m2 = MatrixProximity({(4, 9): 2.0, (4, 12): 1.0})
    assert RoutingTable.empty(4, s).insert(9, m2).insert(12, m2).get(0, 1) == 12


# -- R-RT-3: remove ---------------------------------------------------------------------
@given(small_ring(), st.data())
def test_R_RT_3_remove_clears_only_that_node(t, data) -> None:
    """Pastry §3.2: a failed entry is removed from its cell; other cells are untouched."""
    bits, b, ids = t
    owner = data.draw(st.sampled_from(ids))
    table = RoutingTable.empty(owner, IdSpace(bits, b)).insert_all(ids)
    x = data.draw(st.one_of(st.sampled_from(ids), st.integers(-2, 2**bits + 2)))
    got = table.remove(x)
    assert got.entries() == {c: n for c, n in table.entries().items() if n != x}
    assert x not in got
    if x not in table:
        assert got is table


def test_R_RT_3_remove_example() -> None:
    """Pastry §3.2: removing an entry empties its cell; removing a non-member changes nothing."""
    s = IdSpace(8, 4)
    t = RoutingTable.from_entries(0x3A, s, {(0, 5): 0x51, (1, 0xB): 0x3B})
    assert t.remove(0x51).entries() == {(1, 0xB): 0x3B}
    assert t.remove(0x52) is t and t.remove(0x3A) is t


# -- boundaries: what the table refuses, and the edges of its queries ------------------------
def test_R_RT_1_owner_and_row_shape_are_checked_at_construction() -> None:
    """R-RT-1 / R-ID-1: the owner must be an id of the space, and the grid exactly bits/b rows
    of 2^b cells — one short row among full ones is refused too, naming the field."""
    s = IdSpace(8, 4)
    blank = (None,) * 16
    for owner in (-1, 256, True):
        with pytest.raises(InvalidId, match=r"^routing_table\.owner: "):
            RoutingTable(owner, s, (blank, blank))
    with pytest.raises(RoutingTableError, match=r"^routing_table\.rows: expected 2 rows of 16"):
        RoutingTable(0x3A, s, (blank, (None,) * 15))
    with pytest.raises(RoutingTableError, match=r"^routing_table\.rows: expected 2 rows of 16"):
        RoutingTable(0x3A, s, ((None,) * 17, blank))
    with pytest.raises(RoutingTableError, match=r"^routing_table\.rows: expected 2 rows of 16"):
        RoutingTable(0x3A, s, (blank,))


def test_R_RT_2_insert_refuses_a_non_id_naming_the_operation() -> None:
    """R-RT-2 / R-ID-1: insert offers an id for its cell; a non-id (out of range, a bool, even
    one equal to the owner's value) is InvalidId naming routing_table.insert."""
    s = IdSpace(8, 4)
    t = RoutingTable.empty(1, s)
    for bad in (-1, 256, True, 1.0):
        with pytest.raises(InvalidId, match=r"^routing_table\.insert: "):
            t.insert(bad)  # type: ignore[arg-type]


def test_R_RT_3_remove_of_a_value_outside_the_space_changes_nothing() -> None:
    """R-RT-3: remove clears the cell of a node it holds; a value that is not an id of the space
    (just past either end) is held by no cell, so the table comes back unchanged."""
    s = IdSpace(8, 4)
    t = RoutingTable.from_entries(0x3A, s, {(0, 5): 0x51, (0, 0xF): 0xFF, (0, 0): 0x00})
    for x in (-1, 256, 257):
        assert t.remove(x) is t


def test_R_PROX_1_prefers_is_strict() -> None:
    """R-PROX-1: ``prefers(a, b)`` is strict: no candidate is preferable to itself, and of two
    distinct candidates exactly one is preferable."""
    from pastry_ref.tables.routing_table import prefers

    s = IdSpace(4, 1)
    for m in (ConstantProximity(), MatrixProximity({(4, 9): 2.0, (4, 15): 2.0})):
        for a in (9, 15):
            assert prefers(m, s, 4, a, a) is False
        assert prefers(m, s, 4, 9, 15) != prefers(m, s, 4, 15, 9)


@pytest.mark.parametrize(("bits", "b"), [(8, 4), (8, 2), (6, 1), (12, 3)])
def test_R_RT_1_populated_rows_is_one_past_the_last_row_with_an_entry(bits: int, b: int) -> None:
    """populated_rows (how many rows a node shows, spec/trace-format.md's snapshot rows): 1 + the
    index of the last non-empty row, for a single entry in each row in turn, 0 when empty."""
    s = IdSpace(bits, b)
    owner = 0
    assert RoutingTable.empty(owner, s).populated_rows() == 0
    for r in range(s.digits):
        node = 1 << (bits - (r + 1) * b)  # shares exactly r digits with 0, digit 1 at r
        t = RoutingTable.empty(owner, s).insert(node)
        assert t.get(r, 1) == node
        assert t.populated_rows() == r + 1
