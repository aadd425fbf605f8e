# ruff: noqa: N803 - test names carry spec rule ids (R-ORC-1...), L is the paper name
"""The oracle (pastry_ref.oracle.ideal) against the brute force; rules R-ORC-1..R-ORC-5.

The combined oracle test below runs 1,000 examples, each checking root, root candidates,
replica sets, leaf sets, routing-table checks and ideal tables of every node of a ring: with
the other properties this is several thousand random cases.
"""

from __future__ import annotations

import pytest
from hypothesis import event, given, settings
from hypothesis import strategies as st

from pastry_ref.errors import InvalidId, PastryRefError
from pastry_ref.oracle.ideal import (
    TableViolation,
    check_routing_table,
    ideal_leaf_set,
    ideal_tables,
    replica_set,
    root,
    root_candidates,
)
from pastry_ref.ring.config import Config
from pastry_ref.ring.ids import IdSpace
from pastry_ref.ring.proximity import ConstantProximity, EuclideanPlane, MatrixProximity
from tests import brute
from tests.brute import leaf_sizes, small_ring

S4 = IdSpace(4, 1)


@st.composite
def big_ring(draw):
    ids = draw(st.sets(st.integers(0, 2**128 - 1), min_size=1, max_size=20))
    return 128, 4, sorted(ids)


any_ring = st.one_of(small_ring(), small_ring(), small_ring(), big_ring())


@st.composite
def ring_case(draw):
    bits, b, ids = draw(any_ring)
    size = 2**bits
    keys = draw(st.lists(st.integers(0, size - 1), min_size=1, max_size=4))
    n = len(ids)
    i = draw(st.integers(0, n - 1))
    gap = (ids[(i + 1) % n] - ids[i]) % size or size
    keys.append((ids[i] + gap // 2) % size)  # halfway: a tie when the gap is even
    keys.append(ids[i])
    return bits, b, ids, keys


# -- R-ORC-1 / R-ORC-2 / R-ORC-3 against the brute force -------------------------------
@settings(max_examples=1000)
@given(ring_case(), leaf_sizes, st.integers(0, 8))
def test_R_ORC_1_2_3_root_leaf_set_replicas_match_brute(t, L: int, k: int) -> None:
    """Pastry §2.2: the root is the live node numerically closest to the key (ties clockwise,
    R-ID-5); §2.1: a node's leaf set is the L/2 nearest live nodes each side; PAST §2: the
    replica set is the k live nodes closest to the key."""
    bits, b, ids, keys = t
    space = IdSpace(bits, b)
    config = Config(space, L, 0)
    for key in keys:
        assert root(key, ids, space) == brute.root(key, ids, bits)
        cands = brute.root_candidates(key, ids, bits)
        assert root_candidates(key, ids, space) == cands
        if len(cands) == 2:
            event("tie")
        assert list(replica_set(key, ids, k, space)) == brute.sort_by_closeness(key, ids, bits)[:k]
        ls = ideal_leaf_set(key, ids, config)  # any id, live or not, may ask for its leaf set
        assert (list(ls.left), list(ls.right)) == brute.halves(key, ids, L // 2, bits)
        if set(ls.left) & set(ls.right):
            event("overlap")


def test_R_ORC_1_root_examples() -> None:
    """Pastry §2.2: bits=4, ring {1, 7, 14}: key 0 -> 1 (wrap), 15 -> 14, 4 -> 7 (tie 1|7 goes
    clockwise; both are candidates), 11 -> 14; a lone node roots everything."""
    ids = [1, 7, 14]
    assert [root(k, ids, S4) for k in (0, 15, 4, 11)] == [1, 14, 7, 14]
    assert root_candidates(4, ids, S4) == {1, 7}
    assert root_candidates(11, ids, S4) == {14}
    assert root_candidates(7, ids, S4) == {7}  # key equal to a node
    assert root(12, [0, 8], S4) == 0 and root_candidates(12, [0, 8], S4) == {0, 8}
    assert root(4, [0, 8], S4) == 8
    assert root(9, [3], S4) == 3 and root_candidates(9, [3], S4) == {3}
    with pytest.raises(PastryRefError, match="live_ids"):
        root(3, [], S4)
    with pytest.raises(InvalidId, match="key"):
        root(16, [1], S4)
    with pytest.raises(InvalidId, match="live_ids"):
        root(1, [1, 16], S4)


def test_R_ORC_2_ideal_leaf_set_examples() -> None:
    """Pastry §2.1: L/2 nearest each side; fewer than L+1 nodes: the halves overlap."""
    c = Config(S4, 4, 0)
    ls = ideal_leaf_set(0, [0, 1, 2, 14, 15, 8], c)
    assert (ls.left, ls.right) == ((15, 14), (1, 2))
    ls = ideal_leaf_set(1, [1, 7, 14], c)
    assert (ls.left, ls.right) == ((14, 7), (7, 14))
    assert ideal_leaf_set(3, [], c).members() == frozenset()
    assert ideal_leaf_set(3, [3], c).members() == frozenset()
    ls = ideal_leaf_set(5, [1, 9], Config(S4, 2, 0))  # 5 is not live
    assert (ls.left, ls.right) == ((1,), (9,))


def test_R_ORC_3_replica_set_examples() -> None:
    """PAST §2: the k numerically closest live nodes, closest first; all if fewer than k."""
    ids = [1, 7, 14]
    assert replica_set(4, ids, 2, S4) == (7, 1)
    assert replica_set(4, ids, 9, S4) == (7, 1, 14)
    assert replica_set(4, ids, 0, S4) == ()
    with pytest.raises(PastryRefError, match="k"):
        replica_set(4, ids, -1, S4)


# -- R-ORC-4: the routing-table check -------------------------------------------------
def brute_check(owner, entries, bits, b, live=None):
    out = []
    digits, base = bits // b, 2**b
    for (r, d), node in sorted(entries.items()):
        if not (0 <= r < digits and 0 <= d < base):
            out.append(("CellOutOfRange", (r, d)))
        elif not isinstance(node, int) or not 0 <= node < 2**bits:
            out.append(("IdOutOfRange", (r, d)))
        elif node == owner:
            out.append(("EntryIsOwner", (r, d)))
        elif brute.cell(owner, node, bits, b) != (r, d):
            out.append(("RoutingTablePrefix", (r, d)))
        elif live is not None and node not in live:
            out.append(("DeadEntry", (r, d)))
    if live is not None:
        fitting = {brute.cell(owner, n, bits, b) for n in live} - {None}
        for c in sorted(fitting):
            if c not in entries:
                out.append(("MissingEntry", c))
    return sorted(out, key=lambda v: v[1])


@given(small_ring(), st.data())
def test_R_ORC_4_check_routing_table_matches_brute(t, data) -> None:
    """Pastry §2.1: a table entry at (r, d) shares exactly r digits with the owner and has
    digit d next; against the live set, entries must be live and every cell that some live
    node fits must be filled."""
    bits, b, ids = t
    owner = data.draw(st.sampled_from(ids))
    digits, base = bits // b, 2**b
    cellst = st.tuples(st.integers(0, digits), st.integers(0, base))
    nodest = st.one_of(st.sampled_from(ids), st.integers(-1, 2**bits), st.just(owner), st.just("x"))
    entries = data.draw(st.dictionaries(cellst, nodest, max_size=6))
    # plus some correct entries
    for n in data.draw(st.lists(st.sampled_from(ids), max_size=4)):
        c = brute.cell(owner, n, bits, b)
        if c is not None:
            entries[c] = n
    live = data.draw(st.one_of(st.none(), st.just(ids)))
    got = check_routing_table(owner, entries, IdSpace(bits, b), live)
    assert [(v.name, v.cell) for v in got] == brute_check(owner, entries, bits, b, live)
    assert all(isinstance(v, TableViolation) and v.detail for v in got)


def test_R_ORC_4_examples() -> None:
    """Pastry §2.1: one example per violation name."""
    s = IdSpace(8, 4)
    live = [0x3A, 0x51, 0x3B, 0x70]
    entries = {(0, 5): 0x51, (1, 0xB): 0x3B, (0, 0): 0x05, (2, 0): 1, (0, 3): 0x3A, (0, 6): 999}
    got = check_routing_table(0x3A, entries, s, live)
    assert [(v.name, v.cell, v.node) for v in got] == [
        ("DeadEntry", (0, 0), 0x05),
        ("EntryIsOwner", (0, 3), 0x3A),
        ("IdOutOfRange", (0, 6), None),
        ("MissingEntry", (0, 7), None),
        ("CellOutOfRange", (2, 0), 1),
    ]
    bad = check_routing_table(0x3A, {(1, 0xB): 0x4B}, s)
    assert [(v.name, v.cell, v.node) for v in bad] == [("RoutingTablePrefix", (1, 0xB), 0x4B)]
    assert "(0, 4)" in bad[0].detail
    assert check_routing_table(0x3A, {(0, 5): 0x51, (1, 0xB): 0x3B, (0, 7): 0x70}, s, live) == ()


# -- R-ORC-5: ideal tables ------------------------------------------------------------
@settings(max_examples=300)
@given(any_ring, leaf_sizes, st.integers(0, 5), st.integers(0, 2), st.data())
def test_R_ORC_5_ideal_tables_match_brute(t, L: int, M: int, kind: int, data) -> None:
    """Pastry §2.1/§2.4: with global knowledge each node's leaf set is the L/2 nearest per
    side; every routing-table cell that some live node fits is filled, with the proximally
    nearest candidate (ties: numerically closer to the owner, then smaller id) or, without a
    metric, the numerically closest; the neighbourhood is the M proximally nearest."""
    bits, b, ids = t
    space = IdSpace(bits, b)
    prox = None
    if kind == 1:
        prox = MatrixProximity({(x, y): data.draw(st.integers(0, 3)) for x in ids for y in ids})
    elif kind == 2:
        pts = {n: (data.draw(st.integers(0, 3)), data.draw(st.integers(0, 3))) for n in ids}
        prox = EuclideanPlane(pts)
    tables = ideal_tables(ids, Config(space, L, M), prox)
    assert sorted(tables) == ids
    metric = prox if prox is not None else ConstantProximity()
    for owner, nt in tables.items():
        assert nt.owner == owner
        assert (list(nt.leaf_set.left), list(nt.leaf_set.right)) == brute.halves(
            owner, ids, L // 2, bits
        )
        assert nt.routing_table.entries() == brute.ideal_table(owner, ids, bits, b, prox)
        assert list(nt.neighborhood) == brute.ideal_neighbourhood(owner, ids, M, bits, metric)
        assert check_routing_table(owner, nt.routing_table.entries(), space, ids) == ()


def test_R_ORC_5_examples() -> None:
    """Pastry §2.1: without a metric a cell holds the numerically closest fitting node, ties
    by smaller id: owner 4 (0100), cell (0, 1) = ids 8..15: 9 and 15 are both at distance 5."""
    tables = ideal_tables([4, 9, 15, 12], Config(S4, 2, 3))
    assert tables[4].routing_table.get(0, 1) == 9
    assert list(tables[4].neighborhood) == [9, 15, 12]
    m = MatrixProximity({(4, 9): 3, (4, 15): 1, (4, 12): 2, (9, 15): 1, (9, 12): 1, (12, 15): 1})
    t = ideal_tables([4, 9, 15, 12], Config(S4, 2, 2), m)
    assert t[4].routing_table.get(0, 1) == 15
    assert list(t[4].neighborhood) == [15, 12]
    lone = ideal_tables([7], Config(S4, 2, 2))
    assert lone[7].routing_table.entries() == {} and len(lone[7].leaf_set) == 0
    with pytest.raises(PastryRefError):
        ideal_tables([], Config(S4, 2, 2))
