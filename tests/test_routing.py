# ruff: noqa: N803 - test names carry spec rule ids (R-ROUTE-1...), L is the paper name
"""The routing procedure (pastry_ref.tables.routing) vs. brute force; R-ROUTE-1..R-ROUTE-5."""

from __future__ import annotations

import math
import random

import pytest
from hypothesis import event, given, settings
from hypothesis import strategies as st

from pastry_ref.errors import InvalidId, PastryRefError
from pastry_ref.oracle.ideal import ideal_tables
from pastry_ref.ring.config import Config
from pastry_ref.ring.ids import IdSpace
from pastry_ref.ring.proximity import ConstantProximity, MatrixProximity
from pastry_ref.tables.leaf_set import LeafSet
from pastry_ref.tables.neighborhood import Neighborhood
from pastry_ref.tables.routing import NodeTables, RouteRule, RoutingLoop, follow, next_hop
from pastry_ref.tables.routing_table import RoutingTable
from tests import brute
from tests.brute import leaf_sizes, small_ring

S4 = IdSpace(4, 1)


def tables_of(owner, space, half, left=(), right=(), entries=None, nb=()):
    ls = LeafSet(owner, space, half, tuple(left), tuple(right))
    rt = RoutingTable.from_entries(owner, space, entries or {})
    n = Neighborhood.empty(owner, space, len(nb)).insert_all(nb, ConstantProximity())
    return NodeTables(ls, rt, n)


# -- next_hop against the brute force on arbitrary (partial, non-ideal) knowledge --------
@st.composite
def partial_knowledge(draw):
    bits, b, ids = draw(small_ring())
    owner = draw(st.sampled_from(ids))
    L = draw(leaf_sizes)
    space = IdSpace(bits, b)
    pick = st.lists(st.sampled_from(ids), max_size=len(ids))
    ls = LeafSet.of(owner, draw(pick), Config(space, L, 0))
    rt = RoutingTable.empty(owner, space).insert_all(draw(pick))
    nb_nodes = draw(pick)
    nb = Neighborhood.empty(owner, space, len(nb_nodes)).insert_all(nb_nodes, ConstantProximity())
    key = draw(st.one_of(st.integers(0, 2**bits - 1), st.sampled_from(ids)))
    return bits, b, ls, rt, nb, key


@given(partial_knowledge(), st.booleans())
def test_R_ROUTE_1_to_4_next_hop_matches_brute(t, with_nb: bool) -> None:
    """Pastry §2.2, the routing procedure: leaf-set range first (closest leaf), else the
    routing-table entry R[l][D_l], else (rare case) any known node with prefix >= l that is
    numerically closer, else deliver here."""
    bits, b, ls, rt, nb, key = t
    want = brute.next_hop(
        key,
        ls.owner,
        list(ls.left),
        list(ls.right),
        rt.entries(),
        list(nb) if with_nb else [],
        bits,
        b,
    )
    got = next_hop(key, ls, rt, nb if with_nb else None)
    assert (got.deliver, got.node, got.rule.value) == want
    event(want[2])


# -- example-based tests, one per clause -------------------------------------------------
def test_R_ROUTE_1_leaf_set_range_delivers_or_forwards_to_closest() -> None:
    """Pastry §2.2: 'if D is within range of our leaf set, forward to L_i such that |D - L_i|
    is minimal' (the owner included: deliver if it is the closest)."""
    t = tables_of(1, S4, 2, left=(14, 7), right=(7, 14))  # ring {1, 7, 14}: halves overlap
    d = next_hop(4, t.leaf_set, t.routing_table)
    assert (d.deliver, d.node, d.rule) == (False, 7, RouteRule.LEAF_SET)  # tie 1|7 -> 7
    d = next_hop(0, t.leaf_set, t.routing_table)
    assert (d.deliver, d.node, d.rule) == (True, 1, RouteRule.LEAF_SET)  # wrap: 1 at 1
    d = next_hop(15, t.leaf_set, t.routing_table)
    assert (d.deliver, d.node) == (False, 14)
    d = next_hop(1, t.leaf_set, t.routing_table)
    assert (d.deliver, d.node) == (True, 1)  # key equal to the owner


def test_R_ROUTE_2_table_entry_used_outside_leaf_range() -> None:
    """Pastry §2.2: 'l = shl(D, A); if R[l][D_l] != null forward to R[l][D_l]'."""
    # owner 0000, leaf range 15..1; key 0110: l = 1, D_1 = 1 -> cell (1, 1) holds 0101 = 5
    t = tables_of(0, S4, 1, left=(15,), right=(1,), entries={(1, 1): 5, (0, 1): 8})
    d = next_hop(6, t.leaf_set, t.routing_table)
    assert (d.deliver, d.node, d.rule) == (False, 5, RouteRule.TABLE)
    d = next_hop(12, t.leaf_set, t.routing_table)  # l = 0, D_0 = 1 -> 8
    assert (d.deliver, d.node, d.rule) == (False, 8, RouteRule.TABLE)


def test_R_ROUTE_3_rare_case_takes_closest_eligible_known_node() -> None:
    """Pastry §2.2 rare case: 'forward to T in L ∪ R ∪ M with shl(T, D) >= l and
    |T - D| < |A - D|' (here: the closest such T)."""
    # owner 0000, key 0110 (l = 1, cell (1,1) empty); table holds 0010 at (2,1)
    t = tables_of(0, S4, 1, left=(15,), right=(1,), entries={(2, 1): 2}, nb=(5,))
    d = next_hop(6, t.leaf_set, t.routing_table, t.neighborhood)
    assert (d.deliver, d.node, d.rule) == (False, 5, RouteRule.RARE_CASE)
    d = next_hop(6, t.leaf_set, t.routing_table)  # without M only 2 is eligible
    assert (d.deliver, d.node, d.rule) == (False, 2, RouteRule.RARE_CASE)


def test_R_ROUTE_4_no_closer_eligible_node_delivers_here() -> None:
    """Pastry §2.2: if no known node is closer (with prefix >= l), the owner is the root as
    far as it knows. Node 8 is strictly closer to key 6 by the tie rule (both at distance 2,
    8 clockwise) but shares 0 < l = 2 digits with it, so it is not eligible."""
    t = tables_of(4, S4, 1, left=(3,), nb=(8,))
    d = next_hop(6, t.leaf_set, t.routing_table, t.neighborhood)
    assert (d.deliver, d.node, d.rule) == (True, 4, RouteRule.NO_CLOSER_NODE)
    lone = tables_of(5, S4, 1)
    d = next_hop(12, lone.leaf_set, lone.routing_table, lone.neighborhood)
    assert (d.deliver, d.node, d.rule) == (True, 5, RouteRule.NO_CLOSER_NODE)
    d = next_hop(5, lone.leaf_set, lone.routing_table)
    assert (d.deliver, d.rule) == (True, RouteRule.LEAF_SET)
    with pytest.raises(InvalidId, match="key"):
        next_hop(16, lone.leaf_set, lone.routing_table)


# -- follow and R-ROUTE-5 ----------------------------------------------------------------
def test_R_ROUTE_5_follow_raises_on_a_revisit() -> None:
    """Pastry §2.2: every step moves strictly closer (prefix or distance), so a correct route
    never revisits a node; ``follow`` detects a loop made from inconsistent tables.
    Node 0 (leaf set right (4,)) sends key 2 to 4 (tie 0|4 goes clockwise); node 4 (leaf set
    (), (5,)) does not cover 2 and sends it by R[1][0] = 0 back to node 0."""
    tables = {
        0: tables_of(0, S4, 1, right=(4,)),
        4: tables_of(4, S4, 1, right=(5,), entries={(1, 0): 0}),
        5: tables_of(5, S4, 1, left=(4,)),
    }
    with pytest.raises(RoutingLoop, match=r"^route of key 2 revisits node 0: 0 -> 4 -> 0$"):
        follow(2, 0, tables)  # named at the first revisit, with the whole path
    assert issubclass(RoutingLoop, PastryRefError)
    with pytest.raises(PastryRefError, match="no tables"):
        follow(2, 0, {0: tables[0]})  # 4 is not live
    with pytest.raises(PastryRefError, match="start"):
        follow(2, 9, tables)


def test_R_ROUTE_5_follow_records_hops() -> None:
    """Pastry §2.2: a route is the sequence of nodes the message visits; the last delivers."""
    ids = [1, 7, 14]
    tables = ideal_tables(ids, Config(S4, 2, 0))
    # 14 (1110): leaf range 7..1 misses key 4 (0100); R[0][0] is 1 (nearer to 14 than 7);
    # 1 covers 4 and forwards to 7 (tie 1|7 at distance 3 goes clockwise); 7 delivers.
    r = follow(4, 14, tables)
    assert r.nodes() == (14, 1, 7) and r.delivered_at == 7 and r.hop_count == 2
    assert [h.decision.rule for h in r.hops] == [
        RouteRule.TABLE,
        RouteRule.LEAF_SET,
        RouteRule.LEAF_SET,
    ]
    assert [h.shared_prefix for h in r.hops] == [0, 1, 2]
    assert r.hops[-1].decision.deliver and not r.hops[0].decision.deliver


# -- the routing property on ideal tables -----------------------------------------------
@st.composite
def ideal_ring(draw):
    bits, b, ids = draw(small_ring())
    L = draw(leaf_sizes)
    M = draw(st.integers(0, 4))
    space = IdSpace(bits, b)
    prox = None
    if draw(st.booleans()):
        prox = MatrixProximity({(x, y): draw(st.integers(0, 3)) for x in ids for y in ids if x < y})
    keys = draw(st.lists(st.integers(0, 2**bits - 1), min_size=1, max_size=6))
    # keys exactly halfway between ring neighbours (ties) and keys equal to nodes
    n = len(ids)
    for i in range(n):
        gap = (ids[(i + 1) % n] - ids[i]) % space.size or space.size
        if gap % 2 == 0:
            keys.append((ids[i] + gap // 2) % space.size)
    keys.append(ids[0])
    return bits, b, ids, Config(space, L, M), prox, sorted(set(keys))


def check_route_shape(route, key, space, root) -> None:
    """Provable facts about a route over ideal tables (see test_R_ROUTE_5_hop_bounds)."""
    nodes = route.nodes()
    prefixes = [space.shared_prefix_len(n, key) for n in nodes]
    rules = [h.decision.rule for h in route.hops]
    # prefix with the key never shrinks on a table or rare-case hop; a table hop grows it
    for i in range(len(nodes) - 1):
        if rules[i] is not RouteRule.LEAF_SET:
            assert prefixes[i + 1] >= prefixes[i]
        if rules[i] is RouteRule.TABLE:
            assert prefixes[i + 1] > prefixes[i]
        if rules[i] is RouteRule.RARE_CASE:
            assert space.closer(nodes[i + 1], nodes[i], key)
        if rules[i] is RouteRule.LEAF_SET:
            # with ideal leaf sets a leaf-set forward lands on the root, which delivers
            assert nodes[i + 1] == root and i + 1 == len(nodes) - 1
    assert rules.count(RouteRule.TABLE) <= space.digits - prefixes[0]
    assert route.hop_count <= len(set(nodes)) - 1


@settings(max_examples=300)
@given(ideal_ring())
def test_R_ROUTE_5_ideal_tables_route_every_key_to_its_root(t) -> None:
    """Pastry §2.2: with correct tables, a message reaches the live node numerically closest
    to the key (ties clockwise) from any node, never revisiting a node (follow raises
    RoutingLoop on a revisit)."""
    bits, _b, ids, config, prox, keys = t
    tables = ideal_tables(ids, config, prox)
    for key in keys:
        want = brute.root(key, ids, bits)
        if len(brute.root_candidates(key, ids, bits)) == 2:
            event("tie key")
        for start in ids:
            route = follow(key, start, tables)
            assert route.delivered_at == want
            assert route.hop_count <= len(ids) - 1
            check_route_shape(route, key, config.space, want)


@pytest.mark.parametrize(("bits", "b", "L"), [(4, 1, 2), (4, 2, 2), (6, 2, 4), (6, 3, 2)])
def test_R_ROUTE_5_exhaustive_small_rings(bits: int, b: int, L: int) -> None:
    """Pastry §2.2: on a few seeded tiny rings, every key from every node reaches the root."""
    rng = random.Random(bits * 100 + b * 10 + L)
    space = IdSpace(bits, b)
    for n in (1, 2, 3, L + 1, 7):
        ids = sorted(rng.sample(range(space.size), n))
        tables = ideal_tables(ids, Config(space, L, 2))
        for key in range(space.size):
            want = brute.root(key, ids, bits)
            for start in ids:
                route = follow(key, start, tables)
                assert route.delivered_at == want
                check_route_shape(route, key, space, want)


def test_R_ROUTE_5_three_node_ring_with_wrap_and_ties() -> None:
    """Pastry §2.2: bits=4, nodes {1, 7, 14}: keys 0, 15, 4, 11 reach 1, 14, 7, 14."""
    ids = [1, 7, 14]
    tables = ideal_tables(ids, Config(S4, 2, 0))
    for key, root in ((0, 1), (15, 14), (4, 7), (11, 14)):
        for start in ids:
            assert follow(key, start, tables).delivered_at == root


def test_R_ROUTE_5_two_node_ring_halfway_key() -> None:
    """Pastry §2.2 + R-ID-5: in the 2-node ring {0, 8}, keys 4 and 12 are exactly halfway:
    each goes to the node clockwise of it (8 and 0)."""
    tables = ideal_tables([0, 8], Config(S4, 2, 0))
    for start in (0, 8):
        assert follow(4, start, tables).delivered_at == 8
        assert follow(12, start, tables).delivered_at == 0


# -- hop bounds --------------------------------------------------------------------------
@pytest.mark.parametrize("n", [2, 10, 100, 1000])
def test_R_ROUTE_5_hop_bound_on_uniform_random_ids(n: int) -> None:
    """Pastry §2.3: with uniformly random ids a route takes at most ceil(log_{2^b} N) + 1
    hops (here: 128-bit ids, b = 4, L = 16, seeded) and delivers at the root."""
    config = Config.make(bits=128, b=4, leaf_set_size=16, neighborhood_size=32)
    space = config.space
    rng = random.Random(2001 + n)
    ids: set[int] = set()
    while len(ids) < n:
        ids.add(rng.getrandbits(128))
    ring = sorted(ids)
    tables = ideal_tables(ring, config)
    bound = math.ceil(math.log(n, 16) - 1e-9) + 1
    for _ in range(300):
        key = rng.getrandbits(128)
        route = follow(key, ring[rng.randrange(n)], tables)
        want = brute.root(key, ring, 128)
        assert route.delivered_at == want
        assert route.hop_count <= bound
        check_route_shape(route, key, space, want)


ADVERSARIAL = [0, 128, 192, 224, 240, 248, 252, 254]


def test_R_ROUTE_5_adversarial_ids_break_the_log_bound_but_still_reach_the_root() -> None:
    """Pastry §2.3 states the log bound for uniformly distributed ids only. With b = 1,
    bits = 8, L = 2 and ids 0, 128, 192, ..., 254 (each half of the previous gap), key 255
    from node 128 takes 7 hops (six table hops 128 -> 192 -> ... -> 254, then a leaf-set hop
    to 0, the root by the tie rule): more than ceil(log_2 8) + 1 = 4, equal to N - 1."""
    space = IdSpace(8, 1)
    tables = ideal_tables(ADVERSARIAL, Config(space, 2, 0))
    bound = math.ceil(math.log2(len(ADVERSARIAL))) + 1
    route = follow(255, 128, tables)
    assert route.nodes() == (128, 192, 224, 240, 248, 252, 254, 0)
    assert route.hop_count == 7 > bound
    worst = 0
    for key in range(256):
        want = brute.root(key, ADVERSARIAL, 8)
        for start in ADVERSARIAL:
            r = follow(key, start, tables)
            assert r.delivered_at == want
            check_route_shape(r, key, space, want)
            worst = max(worst, r.hop_count)
    assert worst == 7 == len(ADVERSARIAL) - 1


def test_R_ROUTE_5_hop_bounds() -> None:
    """Pastry §2.2 (why routing terminates), bounds that hold for every id set with ideal
    tables, checked by ``check_route_shape`` in every routing test here:

    * hops <= N - 1: no node is visited twice (R-ROUTE-5), and a route visits live nodes.
    * table hops (R-ROUTE-2) <= digits - shl(start, key): each one strictly lengthens the
      prefix shared with the key, and no table or rare-case hop shortens it (R-ROUTE-3
      requires prefix >= l); only the single leaf-set forward may (see below).
    * at most one leaf-set forward, and it is the last hop: an ideal leaf set that covers the
      key holds both ring neighbours of the key, so its closest node is the root, whose own
      leaf set covers the key and names itself.
    So hops <= (digits - shl(start, key)) + rare-case hops + 1; rare-case hops strictly
    decrease the distance to the key, hence the N - 1 bound is the general one, and the
    adversarial ring above shows it is attained (7 = N - 1)."""
    # A direct check of the 'leaf forward lands on the root' step on a ring where it matters.
    ids = [0, 3, 5, 6, 9, 12]
    tables = ideal_tables(ids, Config(S4, 2, 0))
    for key in range(16):
        for start in ids:
            r = follow(key, start, tables)
            rules = [h.decision.rule for h in r.hops]
            assert rules[:-1].count(RouteRule.LEAF_SET) <= 1
            assert r.hop_count <= len(ids) - 1
            check_route_shape(r, key, S4, brute.root(key, ids, 4))


def test_routing_strategies_meet_every_rule_ties_and_overlaps() -> None:
    """Guard: the generated cases really exercise every routing clause, tie keys, and
    overlapping leaf-set halves, so the properties above are not vacuous about them."""
    seen: set[str] = set()

    @settings(max_examples=300, derandomize=True, database=None)
    @given(partial_knowledge())
    def probe_next_hop(t) -> None:
        _bits, _b, ls, rt, nb, key = t
        seen.add(next_hop(key, ls, rt, nb).rule.value)

    @settings(max_examples=200, derandomize=True, database=None)
    @given(ideal_ring())
    def probe_routes(t) -> None:
        bits, _b, ids, config, prox, keys = t
        tables = ideal_tables(ids, config, prox)
        if any(nt.leaf_set.overlaps() for nt in tables.values()):
            seen.add("overlap")
        for key in keys:
            if len(brute.root_candidates(key, ids, bits)) == 2:
                seen.add("tie")
            for start in ids:
                for h in follow(key, start, tables).hops:
                    seen.add("route " + h.decision.rule.value)

    probe_next_hop()
    probe_routes()
    want = {f"R-ROUTE-{i}" for i in range(1, 5)} | {"overlap", "tie"}
    want |= {"route R-ROUTE-1", "route R-ROUTE-2"}
    assert want <= seen, want - seen


def test_R_ROUTE_3_node_tables_know_every_node_of_L_R_and_M() -> None:
    """NodeTables.known, the candidates of the rare case, is L ∪ R ∪ M, the owner excluded:
    here three disjoint tables, so a wrong union (or an intersection) shows."""
    cfg = Config.make(bits=4, b=1, leaf_set_size=2, neighborhood_size=2)
    ls = LeafSet.of(0, [1, 15], cfg)
    rt = RoutingTable.empty(0, S4).insert(8).insert(4)
    nb = Neighborhood(0, S4, 2, ((1.0, 6), (2.0, 3)))
    assert ls.members() == {1, 15} and rt.members() == {8, 4}
    assert NodeTables(ls, rt, nb).known() == frozenset({1, 15, 8, 4, 6, 3})
    assert NodeTables(ls, RoutingTable.empty(0, S4), nb).known() == frozenset({1, 15, 6, 3})
