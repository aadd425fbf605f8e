"""The named invariants and properties of spec/invariants.md, each on hand-built Worlds where it
must hold and where it must fail (asserting the violation's name and what it names), and a
property test of ``delivery_arcs`` / ``consistency`` against a brute enumeration of every key.

Hand-built Worlds use 8-bit ids, b = 2, L = 4, M = 4. "Stale" below means a ready node whose
tables are the ideal ones of a ring that lacks some ready node: it does not know that node.
"""

from __future__ import annotations

import copy
import itertools

import attrs
import pytest
from hypothesis import event, given
from hypothesis import strategies as st

from pastry_ref.app import Lookup, LookupApp, LookupPayload
from pastry_ref.check.model import properties
from pastry_ref.errors import ConfigError, RoutingTableError
from pastry_ref.node import (
    HopTimeout,
    JoinRequest,
    LSProbe,
    NodeState,
    RouteMessage,
    StartFirst,
    Status,
    step,
)
from pastry_ref.oracle.ideal import ideal_tables, root
from pastry_ref.ring.config import Config
from pastry_ref.system import Envelope, FireTimer, Join, Receive, Request, World
from pastry_ref.system import invariants as inv
from pastry_ref.tables.leaf_set import LeafSet
from pastry_ref.tables.routing_table import RoutingTable

CFG = Config.make(bits=8, b=2, leaf_set_size=4, neighborhood_size=4)
RING = (10, 50, 90, 130, 170, 210)


def ready_in(n: int, ring: tuple[int, ...], cfg: Config = CFG) -> NodeState:
    """Node ``n``, ready, with the ideal tables of ``ring`` (``n`` need not be in it)."""
    state = step(NodeState.new(n, cfg), StartFirst()).node
    others = tuple(sorted(set(ring) | {n}))
    if len(others) == 1:
        return state
    t = ideal_tables(others, cfg)[n]
    return attrs.evolve(
        state, leaf_set=t.leaf_set, routing_table=t.routing_table, neighborhood=t.neighborhood
    )


def world_of(*nodes: NodeState, cfg: Config = CFG, **kw: object) -> World:
    return World.of_nodes(cfg, nodes, (LookupApp(),), **kw)


def ideal_world(ring: tuple[int, ...] = RING, cfg: Config = CFG) -> World:
    return world_of(*(ready_in(n, ring, cfg) for n in ring), cfg=cfg)


def stale_world() -> World:
    """Ready 10, 90, 170 know only each other; ready 50 knows everybody."""
    old = (10, 90, 170)
    return world_of(*(ready_in(n, old) for n in old), ready_in(50, (10, 50, 90, 170)))


def names(violations: list[object]) -> set[str]:
    return {v.name for v in violations}  # type: ignore[attr-defined]


def details(violations: list[object]) -> list[str]:
    return [v.detail for v in violations]  # type: ignore[attr-defined]


def test_ideal_ring_satisfies_every_invariant() -> None:
    """Every invariant and convergence property holds on a converged ring of ready nodes."""
    w = ideal_world()
    for fn in (*inv.INVARIANTS.values(), inv.converged, inv.all_ready, inv.no_stuck_messages):
        assert fn(w) == [], fn.__name__


# ============================================================================================
# LSetInv
# ============================================================================================
def test_LSetInv_cannot_be_broken_through_the_LeafSet_constructor() -> None:
    """LSetInv is also enforced by construction (R-LS-1): LeafSet refuses its owner."""
    with pytest.raises(ConfigError, match=r"leaf_set\.right"):
        LeafSet(90, CFG.space, 2, left=(50,), right=(90,))
    assert LeafSet.of(90, (50, 90, 130), CFG).members() == {50, 130}


def test_LSetInv_violation_names_the_node() -> None:
    """LSetInv fails when a node's leaf set holds the node (owner injected past the
    constructor into a copy)."""
    good = ready_in(90, RING)
    bad_ls = copy.copy(good.leaf_set)
    object.__setattr__(bad_ls, "right", (90, 130))
    assert 90 in bad_ls
    w = ideal_world()
    w = world_of(*(n for n in w.nodes if n.id != 90), attrs.evolve(good, leaf_set=bad_ls))
    assert inv.lset_inv(w) == [inv.Violation("LSetInv", "node 90 is in its own leaf set")]
    assert inv.lset_inv(ideal_world()) == []
    assert 90 not in good.leaf_set  # the original is untouched


# ============================================================================================
# RoutingTablePrefix
# ============================================================================================
def _with_rows(node: NodeState, r: int, d: int, entry: int) -> NodeState:
    table = copy.copy(node.routing_table)
    rows = [list(row) for row in table.rows]
    rows[r][d] = entry
    object.__setattr__(table, "rows", tuple(tuple(row) for row in rows))
    return attrs.evolve(node, routing_table=table)


def test_RoutingTablePrefix_cannot_be_broken_through_the_constructor() -> None:
    """R-RT-1 by construction: 130 (digits 2002) does not fit cell (0, 3) of 90 (1122)."""
    with pytest.raises(RoutingTableError, match=r"routing_table\[0\]\[3\]"):
        RoutingTable.from_entries(90, CFG.space, {(0, 3): 130})


def test_RoutingTablePrefix_violation_names_node_and_cell() -> None:
    """RoutingTablePrefix fails on an entry in the wrong cell, and on the owner as an entry."""
    good = ready_in(90, RING)
    assert inv.routing_table_prefix(ideal_world()) == []
    wrong_cell = world_of(_with_rows(good, 0, 3, 130))
    (v,) = inv.routing_table_prefix(wrong_cell)
    assert v.name == "RoutingTablePrefix"
    assert v.detail.startswith("node 90: RoutingTablePrefix") and "(0, 3)" in v.detail
    (v,) = inv.routing_table_prefix(world_of(_with_rows(good, 1, 0, 90)))
    assert v.name == "RoutingTablePrefix" and "EntryIsOwner" in v.detail


# ============================================================================================
# HalfNeighbor
# ============================================================================================
def test_HalfNeighbor_holds_for_a_lone_node_and_a_ring() -> None:
    """HalfNeighbor: a lone ready node has no neighbour, legitimately."""
    assert inv.half_neighbor(world_of(ready_in(90, ()))) == []
    assert inv.half_neighbor(ideal_world()) == []


def test_HalfNeighbor_fails_on_one_empty_half() -> None:
    """HalfNeighbor: an ok or ready node with a left neighbour but no right one."""
    lopsided = LeafSet(90, CFG.space, 2, left=(50,), right=())
    for status in (Status.OK, Status.READY):
        node = attrs.evolve(ready_in(90, RING), status=status, leaf_set=lopsided)
        assert details(inv.half_neighbor(world_of(node))) == ["node 90: one leaf-set half is empty"]
    waiting = attrs.evolve(ready_in(90, RING), status=Status.WAIT, leaf_set=lopsided)
    assert inv.half_neighbor(world_of(waiting)) == []


def test_HalfNeighbor_fails_on_a_node_alone_among_others() -> None:
    """HalfNeighbor: a ready node with no neighbour while another node is ok or ready."""
    w = world_of(ready_in(10, ()), ready_in(90, ()))
    assert names(inv.half_neighbor(w)) == {"HalfNeighbor"}
    assert details(inv.half_neighbor(w)) == [
        "node 10 has no neighbour but is not alone",
        "node 90 has no neighbour but is not alone",
    ]
    w_wait = world_of(ready_in(10, ()), attrs.evolve(ready_in(90, ()), status=Status.WAIT))
    assert inv.half_neighbor(w_wait) == []


# ============================================================================================
# NeighborClosest
# ============================================================================================
def test_NeighborClosest_fails_when_a_ready_node_sits_between_neighbours() -> None:
    """NeighborClosest: 10 and 90 are each other's neighbours but ready 50 lies between."""
    got = inv.neighbor_closest(stale_world())
    assert names(got) == {"NeighborClosest"}
    assert details(got) == [
        "ready node 50 lies between ready node 10 and its right neighbour 90",
        "ready node 50 lies between ready node 90 and its left neighbour 10",
    ]


def test_NeighborClosest_ignores_nodes_not_ready() -> None:
    """NeighborClosest is about ready nodes: a joiner between them is no violation."""
    w = stale_world()
    joiner = attrs.evolve(w.node(50), status=Status.OK)
    w = world_of(*(n for n in w.nodes if n.id != 50), joiner)
    assert inv.neighbor_closest(w) == []


def test_NeighborClosest_checks_the_left_side_when_the_right_half_is_empty() -> None:
    """NeighborClosest with one empty half (R-LS-3 leaves a failed member's slot empty): ready
    90 has left neighbour 10 and no right one; ready 50 lies between 90 and 10. The empty right
    half is skipped, the left one still judged: exactly that violation."""
    ring = (10, 50, 90)
    lopsided = LeafSet(90, CFG.space, 2, left=(10,), right=())
    ninety = attrs.evolve(ready_in(90, ring), leaf_set=lopsided)
    w = world_of(ready_in(10, ring), ready_in(50, ring), ninety)
    assert inv.neighbor_closest(w) == [
        inv.Violation(
            "NeighborClosest", "ready node 50 lies between ready node 90 and its left neighbour 10"
        )
    ]


def test_NeighborClosest_counts_a_ready_node_one_id_away() -> None:
    """NeighborClosest: ready 89 and 91 sit one id from stale ready 90 (which knows only 10 and
    170), on either side; "strictly between" includes the nearest ids. The whole list: each of
    90's sides, and 10's right and 170's left neighbour (90), which 89 and 91 also undercut."""
    old, full = (10, 90, 170), (10, 89, 90, 91, 170)
    w = world_of(*(ready_in(n, old) for n in old), ready_in(89, full), ready_in(91, full))
    assert details(inv.neighbor_closest(w)) == [
        "ready node 89 lies between ready node 10 and its right neighbour 90",
        "ready node 91 lies between ready node 90 and its right neighbour 170",
        "ready node 89 lies between ready node 90 and its left neighbour 10",
        "ready node 91 lies between ready node 170 and its left neighbour 90",
    ]
    assert names(inv.neighbor_closest(w)) == {"NeighborClosest"}


# ============================================================================================
# Consistency
# ============================================================================================
def test_Consistency_fails_naming_both_nodes_that_cover_a_key() -> None:
    """Consistency: 10 (stale) and 50 both deliver the keys between them."""
    w = stale_world()
    got = inv.consistency(w)
    assert names(got) == {"Consistency"}
    both = {k for k in range(256) if w.node(10).decide(k).deliver and w.node(50).decide(k).deliver}
    assert both
    assert f"ready nodes 10 and 50 would both deliver keys {min(both)}..{max(both)}" in details(got)
    assert any("ready nodes 50 and 90" in d for d in details(got))


def test_Consistency_two_lone_nodes_both_deliver_everything() -> None:
    """Consistency: two ready nodes that know nobody each deliver every key."""
    got = inv.consistency(world_of(ready_in(10, ()), ready_in(90, ())))
    assert details(got) == ["ready nodes 10 and 90 would both deliver keys 0..255"]


def test_Consistency_ignores_nodes_not_ready() -> None:
    """Consistency is over ready nodes only."""
    w = stale_world()
    w = world_of(*(n for n in w.nodes if n.id != 50), attrs.evolve(w.node(50), status=Status.OK))
    assert inv.consistency(w) == []


# ============================================================================================
# NoFailedInTables
# ============================================================================================
def test_NoFailedInTables_names_every_failed_node_kept_in_each_table() -> None:
    """NoFailedInTables: 90 (leaf set 10 50 | 130 170, routing table 50 130 210, neighbourhood
    10 50 130 170) has declared 50, 170, 210 and 77 failed but kept them: every kept one is
    named per table, in table order then id order; 77, known nowhere, is no violation, nor are
    the other nodes, which declared nobody failed."""
    ninety = ready_in(90, RING)
    assert ninety.leaf_set.members() == {10, 50, 130, 170}
    assert ninety.routing_table.members() == {50, 130, 210}
    assert ninety.neighborhood.members() == {10, 50, 130, 170}
    assert inv.no_failed_in_tables(ideal_world()) == []
    bad = attrs.evolve(ninety, failed=frozenset({50, 170, 210, 77}))
    w = world_of(*(n for n in ideal_world().nodes if n.id != 90), bad)
    got = inv.no_failed_in_tables(w)
    assert names(got) == {"NoFailedInTables"}
    assert details(got) == [
        "node 90 keeps failed node 50 in its leaf set",
        "node 90 keeps failed node 170 in its leaf set",
        "node 90 keeps failed node 50 in its routing table",
        "node 90 keeps failed node 210 in its routing table",
        "node 90 keeps failed node 50 in its neighbourhood",
        "node 90 keeps failed node 170 in its neighbourhood",
    ]


# ============================================================================================
# CorrectDelivery
# ============================================================================================
def test_CorrectDelivery_fails_on_delivery_at_a_wrong_node() -> None:
    """CorrectDelivery: stale 10 delivers key 48, whose closest ready node is 50; both the
    Lookup action and a received Lookup message are judged."""
    w = attrs.evolve(stale_world(), requests_left=((10, Lookup(key=48, id=0)),))
    assert w.node(10).decide(48).deliver and root(48, w.ready_ids(), CFG.space) == 50
    action = Request(10, Lookup(key=48, id=0))
    expected = [
        inv.Violation(
            "CorrectDelivery",
            "LookupPayload(id=0) for key 48 delivered at 10; the closest ready node is 50",
        )
    ]
    assert inv.correct_delivery(w, action, w.apply(action)) == expected
    msg = RouteMessage(src=170, key=48, payload=LookupPayload(id=0))
    w2 = attrs.evolve(stale_world(), network=(Envelope(10, msg),))
    hop = Receive(10, msg)
    assert inv.correct_delivery(w2, hop, w2.apply(hop)) == expected


def test_CorrectDelivery_holds_at_the_root_and_on_forwarding_and_other_actions() -> None:
    """CorrectDelivery: delivery at the root, a forwarded lookup and non-lookup actions pass."""
    w = attrs.evolve(
        stale_world(), requests_left=((50, Lookup(key=48, id=0)), (90, Lookup(key=48, id=1)))
    )
    for action in (Request(50, Lookup(key=48, id=0)), Request(90, Lookup(key=48, id=1))):
        assert inv.correct_delivery(w, action, w.apply(action)) == []
    w3 = attrs.evolve(ideal_world(), joins_left=())
    w3 = attrs.evolve(w3, network=(Envelope(90, LSProbe(src=10, leaf_set=(10,))),))
    probe = Receive(90, LSProbe(src=10, leaf_set=(10,)))
    assert inv.correct_delivery(w3, probe, w3.apply(probe)) == []
    assert not inv.delivers(Join(1, 2))


def _hop_timeout_misdelivery() -> tuple[World, FireTimer]:
    """Ideal ring with hop acks: 170 sent key 205 to its root 210; the hop timeout excludes
    210 and 170 delivers the key itself (R-HOP-3), though 210 is the closest ready node."""
    acks = attrs.evolve(CFG, hop_acks=True)
    msg = RouteMessage(src=170, key=205, payload=LookupPayload(id=0))
    w = world_of(*(ready_in(n, RING, acks) for n in RING), cfg=acks)
    w = w.replace_node(attrs.evolve(w.node(170), pending=frozenset({(210, msg)})))
    return w, FireTimer(170, HopTimeout(210, msg))


def test_CorrectDeliveryAfterRepair_judges_a_delivery_when_every_leaf_set_is_ideal() -> None:
    """CorrectDeliveryAfterRepair: every leaf set ideal, and the hop timeout makes 170 deliver
    key 205 whose root is 210: the same violation as CorrectDelivery's, under this name; a
    non-delivering action in the same World is no violation."""
    w, fire = _hop_timeout_misdelivery()
    assert inv.leaf_sets_ideal(w) == []
    assert inv.correct_delivery_after_repair(w, fire, w.apply(fire)) == [
        inv.Violation(
            "CorrectDeliveryAfterRepair",
            "LookupPayload(id=0) for key 205 delivered at 170; the closest ready node is 210",
        )
    ]
    probe = Receive(90, LSProbe(src=10, leaf_set=(10,)))
    w3 = attrs.evolve(w, network=(Envelope(90, LSProbe(src=10, leaf_set=(10,))),))
    assert not inv.delivers(probe)
    assert inv.correct_delivery_after_repair(w3, probe, w3.apply(probe)) == []


def test_CorrectDeliveryAfterRepair_ignores_deliveries_before_repair() -> None:
    """CorrectDeliveryAfterRepair: stale 10 delivers key 48 (root 50), a CorrectDelivery
    violation; but 10's and 90's leaf sets are not ideal yet, so this property is silent."""
    w = attrs.evolve(stale_world(), requests_left=((10, Lookup(key=48, id=0)),))
    action = Request(10, Lookup(key=48, id=0))
    after = w.apply(action)
    assert inv.leaf_sets_ideal(w) != []
    assert names(inv.correct_delivery(w, action, after)) == {"CorrectDelivery"}
    assert inv.correct_delivery_after_repair(w, action, after) == []


# ============================================================================================
# Converged, AllReady, NoStuckMessages
# ============================================================================================
def test_Converged_fails_on_a_wrong_leaf_set() -> None:
    """Converged: 10 and 90 do not have 50 in their leaf sets."""
    got = inv.converged(stale_world())
    assert names(got) == {"Converged"}
    assert [d.split(" has")[0] for d in details(got)] == ["node 10", "node 90", "node 170"]
    assert (
        details(got)[0] == "node 10 has leaf set (170, 90)|(90, 170), ideal is (170, 90)|(50, 90)"
    )


def test_Converged_fails_when_a_route_leaves_the_ready_nodes() -> None:
    """Converged: leaf sets ideal, but 10's routing table sends keys toward 150, which is not
    ready: some route does not reach its root."""
    w = ideal_world()
    ten = w.node(10)
    assert ten.routing_table.get(0, 2) == 170
    bent = _with_rows(ten, 0, 2, 150)  # 150 = 2112 fits cell (0, 2) of 10 = 0022
    joiner = attrs.evolve(NodeState.new(150, CFG), status=Status.WAIT)
    w = world_of(*(n for n in w.nodes if n.id != 10), bent, joiner)
    got = inv.converged(w)
    assert names(got) == {"Converged"} and len(got) == 1
    assert "150" in got[0].detail


def test_Converged_holds_on_a_correct_ring() -> None:
    """Converged: the ideal ring, and a lone ready node."""
    assert inv.converged(ideal_world()) == []
    assert inv.converged(world_of(ready_in(90, ()))) == []


def test_Converged_routes_every_key_at_2_to_the_12_ids() -> None:
    """Converged at exactly 2^EXHAUSTIVE_KEYS_MAX_BITS ids routes every key, not only the
    critical ones: 768 (0x300) holds joiner 0x3A5 (not ready) in cell (1, A), so the keys
    0x393..0x3FF it forwards there never reach their root; no critical key of the ready ring
    (one node per top-level block at 0xdC0, plus 0x300 and 0x380) is among them — near 0x3A5
    the critical keys are 0x37F..0x381 and the midpoint 0x41F/0x420 toward 0x4C0, which 768
    sends to 0x380 and 0x4C0 by their own cells. So a critical-key check would miss it."""
    from pastry_ref.oracle.arcs import critical_keys
    from pastry_ref.tables.routing import NodeTables, follow

    cfg = Config.make(bits=12, b=4, leaf_set_size=2, neighborhood_size=2)
    assert cfg.space.bits == inv.EXHAUSTIVE_KEYS_MAX_BITS
    ring = tuple(sorted({0x300, 0x380} | {d * 0x100 + 0xC0 for d in range(16) if d != 3}))
    w = ideal_world(ring, cfg)
    assert inv.converged(w) == []
    n = w.node(0x300)
    assert n.routing_table.get(1, 0xA) is None
    joiner = attrs.evolve(NodeState.new(0x3A5, cfg), status=Status.WAIT)
    w = world_of(
        *(m for m in w.nodes if m.id != 0x300), _with_rows(n, 1, 0xA, 0x3A5), joiner, cfg=cfg
    )
    assert inv.converged(w) == [
        inv.Violation(
            "Converged",
            "key 915 from 192: route of key 915: node 768 forwarded to 933, which has no tables",
        )
    ]
    tables = {m.id: NodeTables(m.leaf_set, m.routing_table, m.neighborhood) for m in w.nodes}
    del tables[0x3A5]
    for key in critical_keys(cfg.space, ring):
        for start in ring:
            assert follow(key, start, tables).delivered_at == root(key, ring, cfg.space)


def test_AllReady_names_every_started_node_not_ready() -> None:
    """AllReady: started nodes that are not ready; dead nodes are not counted."""
    w = world_of(
        ready_in(10, ()),
        attrs.evolve(NodeState.new(50, CFG), status=Status.WAIT),
        attrs.evolve(NodeState.new(90, CFG), status=Status.OK),
        NodeState.new(130, CFG),
    )
    got = inv.all_ready(w)
    assert names(got) == {"AllReady"}
    assert details(got) == ["node 50 is wait", "node 90 is ok"]


def test_NoStuckMessages_names_every_message_left() -> None:
    """NoStuckMessages: anything still in flight is reported with its type and destination."""
    w = attrs.evolve(ideal_world(), network=(Envelope(90, LSProbe(src=100, leaf_set=(100,))),))
    assert inv.no_stuck_messages(w) == [
        inv.Violation("NoStuckMessages", "LSProbe to 90 never accepted")
    ]


def test_properties_package_every_name() -> None:
    """Every Pastry name of spec/invariants.md is a property, in the default order, before
    the applications' (PAST's, SCRIBE's)."""
    assert inv.PASTRY_PROPERTIES == (
        "LSetInv",
        "RoutingTablePrefix",
        "HalfNeighbor",
        "NeighborClosest",
        "Consistency",
        "NoFailedInTables",
        "CorrectDelivery",
        "CorrectDeliveryAfterRepair",
        "Converged",
        "NoDeadInLeafSets",
        "AllReady",
        "NoStuckMessages",
    )
    names = inv.property_names()
    assert names[: len(inv.PASTRY_PROPERTIES)] == inv.PASTRY_PROPERTIES
    assert {"NoOverCapacity", "NoParentCycle"} <= set(names)  # check/ registered the apps'
    assert [p.name for p in properties()] == list(names)


def test_register_property_places_PASTs_and_SCRIBEs_properties() -> None:
    """register_property (imported through pastry_ref.check): a state check alone is an
    invariant, a transition check a transition property, a state check with convergence checks
    a convergence property with those checks; each in registration order after Pastry's."""
    from pastry_ref.past import invariants as past
    from pastry_ref.scribe import invariants as scribe

    assert list(inv.INVARIANTS.items()) == list(
        {
            "LSetInv": inv.lset_inv,
            "RoutingTablePrefix": inv.routing_table_prefix,
            "HalfNeighbor": inv.half_neighbor,
            "NeighborClosest": inv.neighbor_closest,
            "Consistency": inv.consistency,
            "NoFailedInTables": inv.no_failed_in_tables,
            "NoOverCapacity": past.no_over_capacity,
            "LookupReturnsInserted": past.lookup_returns_inserted,
            "NoFileLost": past.no_file_lost,
            "NoParentCycle": scribe.no_parent_cycle,
            "DeliveredOnce": scribe.delivered_once,
            "AnycastAnswersAcceptingMember": scribe.anycast_answers_accepting_member,
            "OutDegreeBounded": scribe.out_degree_bounded,
        }.items()
    )
    assert list(inv.TRANSITION_PROPERTIES.items()) == list(
        {
            "CorrectDelivery": inv.correct_delivery,
            "CorrectDeliveryAfterRepair": inv.correct_delivery_after_repair,
            "AckedHadKHolders": past.acked_hadk_holders,
            "AnycastFailsOnlyWithoutAcceptor": scribe.anycast_fails_only_without_acceptor,
        }.items()
    )
    terminal = ("terminal",)
    assert list(inv.CONVERGENCE_PROPERTIES.items()) == list(
        {
            "Converged": (inv.converged, inv.ALL_CHECKS),
            "NoDeadInLeafSets": (inv.no_dead_in_leaf_sets, inv.ALL_CHECKS),
            "AllReady": (inv.all_ready, inv.ALL_CHECKS),
            "NoStuckMessages": (inv.no_stuck_messages, terminal),
            "ReplicaPlacement": (past.replica_placement, terminal),
            "LookupComplete": (past.lookup_complete, terminal),
            "ReclaimSettled": (past.reclaim_settled, terminal),
            "TreeAgreement": (scribe.tree_agreement, inv.ALL_CHECKS),
            "ChainsEndAtRoot": (scribe.chains_end_at_root, inv.ALL_CHECKS),
            "DeliveryComplete": (scribe.delivery_complete, terminal),
            "NoUselessForwarder": (scribe.no_useless_forwarder, inv.ALL_CHECKS),
        }.items()
    )
    assert set(inv.property_names()) == {
        *inv.INVARIANTS,
        *inv.TRANSITION_PROPERTIES,
        *inv.CONVERGENCE_PROPERTIES,
    }


def test_register_property_puts_each_kind_in_its_table_only(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    """register_property on private copies of the tables (nothing leaks into other tests): a
    state check lands in INVARIANTS only, a transition check (with or without a state check) in
    TRANSITION_PROPERTIES only, a state check with convergence checks in CONVERGENCE_PROPERTIES
    only, with exactly those checks; every name joins property_names in order."""
    for table in ("INVARIANTS", "TRANSITION_PROPERTIES", "CONVERGENCE_PROPERTIES"):
        monkeypatch.setattr(inv, table, dict(getattr(inv, table)))
    monkeypatch.setattr(inv, "_APP_PROPERTIES", list(inv._APP_PROPERTIES))
    before = (
        dict(inv.INVARIANTS),
        dict(inv.TRANSITION_PROPERTIES),
        dict(inv.CONVERGENCE_PROPERTIES),
        inv.property_names(),
    )

    def state(world: World) -> list[inv.Violation]:
        return []

    def transition(world: World, action: object, after: World) -> list[inv.Violation]:
        return []

    inv.register_property("ProbeState", state)
    inv.register_property("ProbeTransition", state, transition=transition)
    inv.register_property("ProbeConvergence", state, convergence=("terminal", "no-cycle"))
    invariants, transitions = inv.INVARIANTS, inv.TRANSITION_PROPERTIES
    convergence = inv.CONVERGENCE_PROPERTIES
    assert invariants == {**before[0], "ProbeState": state}
    assert transitions == {**before[1], "ProbeTransition": transition}
    assert convergence == {**before[2], "ProbeConvergence": (state, ("terminal", "no-cycle"))}
    assert inv.property_names() == (
        *before[3],
        "ProbeState",
        "ProbeTransition",
        "ProbeConvergence",
    )


# ============================================================================================
# delivery_arcs and consistency against brute enumeration (Hypothesis)
# ============================================================================================
@st.composite
def rings(draw: st.DrawFn) -> tuple[Config, tuple[int, ...]]:
    bits = draw(st.integers(4, 10))
    b = draw(st.sampled_from([d for d in range(1, 9) if bits % d == 0]))
    L = draw(st.sampled_from([2, 4, 6]))
    cfg = Config.make(bits=bits, b=b, leaf_set_size=L, neighborhood_size=4)
    ids = draw(st.sets(st.integers(0, 2**bits - 1), min_size=1, max_size=12))
    return cfg, tuple(sorted(ids))


def _delivered(node: NodeState) -> set[int]:
    return {k for k in range(node.config.space.size) if node.decide(k).deliver}


def _arc_keys(arcs: list[tuple[int, int]], size: int) -> set[int]:
    return {(start + i) % size for start, length in arcs for i in range(length)}


def _brute_overlaps(nodes: list[NodeState]) -> dict[tuple[int, int], tuple[int, int]]:
    """{(a, b): (first, last) key both deliver}, over every pair of nodes."""
    delivered = {n.id: _delivered(n) for n in nodes}
    out = {}
    for a, b in itertools.combinations(sorted(delivered), 2):
        both = delivered[a] & delivered[b]
        if both:
            out[(a, b)] = (min(both), max(both))
    return out


def _details_of(overlaps: dict[tuple[int, int], tuple[int, int]]) -> list[str]:
    return [
        f"ready nodes {a} and {b} would both deliver "
        + (f"key {lo}" if lo == hi else f"keys {lo}..{hi}")
        for (a, b), (lo, hi) in sorted(overlaps.items())
    ]


@given(rings())
def test_delivery_arcs_equal_brute_enumeration_on_ideal_rings(
    ring: tuple[Config, tuple[int, ...]],
) -> None:
    """On ideal rings: each ready node's ``delivery_arcs`` is exactly the set of keys its
    routing decision delivers (None only for a lone node), each key is delivered by its root
    alone, and ``consistency`` is empty."""
    cfg, ids = ring
    w = ideal_world(ids, cfg)
    size = cfg.space.size
    owner_of: dict[int, int] = {}
    for n in w.nodes:
        arcs = inv.delivery_arcs(n)
        delivered = _delivered(n)
        if len(ids) == 1:
            assert inv.delivery_arcs(n) is None and delivered == set(range(size))
        else:
            assert arcs is not None
            assert _arc_keys(arcs, size) == delivered
            assert sum(length for _, length in arcs) == len(delivered)
        for k in delivered:
            assert k not in owner_of
            owner_of[k] = n.id
    assert owner_of == {k: root(k, ids, cfg.space) for k in range(size)}
    assert inv.consistency(w) == []


@given(rings(), st.data())
def test_consistency_reports_exactly_the_overlaps_of_wrong_leaf_sets(
    ring: tuple[Config, tuple[int, ...]], data: st.DataObject
) -> None:
    """Make two ready nodes a, b wrong: each has the ideal tables of the ring without the
    other. Then ``consistency`` names exactly the pairs of nodes that share a delivered key,
    with the first and last shared key, as a brute enumeration of every key at every node
    finds; and a, b overlapping is always reported."""
    cfg, ids = ring
    if len(ids) < 2:
        ids = tuple(sorted({*ids, (ids[0] + 2 ** (cfg.space.bits - 1)) % cfg.space.size}))
    a, b = data.draw(st.sampled_from(list(itertools.combinations(ids, 2))))
    w = ideal_world(ids, cfg)
    wrong_a = ready_in(a, tuple(i for i in ids if i != b), cfg)
    wrong_b = ready_in(b, tuple(i for i in ids if i != a), cfg)
    nodes = [n for n in w.nodes if n.id not in (a, b)] + [wrong_a, wrong_b]
    w = world_of(*nodes, cfg=cfg)
    overlaps = _brute_overlaps(list(w.nodes))
    event(f"overlapping pairs: {len(overlaps)}")
    if a in _delivered(wrong_b) or b in _delivered(wrong_a):
        assert (a, b) in overlaps
    got = inv.consistency(w)
    assert names(got) <= {"Consistency"}
    assert details(got) == _details_of(overlaps)


def test_consistency_reports_adjacent_nodes_that_ignore_each_other() -> None:
    """The same on a fixed ring: 90 and 130 each ignore the other, both deliver 110."""
    ids = RING
    w = ideal_world(ids)
    wrong = [ready_in(90, (10, 50, 170, 210)), ready_in(130, (10, 50, 170, 210))]
    w = world_of(*(n for n in w.nodes if n.id not in (90, 130)), *wrong)
    got = inv.consistency(w)
    assert details(got) == _details_of(_brute_overlaps(list(w.nodes)))
    assert any(d.startswith("ready nodes 90 and 130") for d in details(got))


def test_CorrectDelivery_judges_a_delivery_after_a_hop_timeout() -> None:
    """CorrectDelivery observes FireHopTimeout too (R-HOP-3 reroutes, and the rerouted message
    may be delivered there): 170 sent key 205 to its root 210; when the hop timeout excludes 210,
    170 delivers the key itself although 210 is the closest ready node. A hop timeout of a join
    is not observed."""
    acks = attrs.evolve(CFG, hop_acks=True)
    msg = RouteMessage(src=170, key=205, payload=LookupPayload(id=0))
    w = world_of(*(ready_in(n, RING, acks) for n in RING), cfg=acks)
    w = w.replace_node(attrs.evolve(w.node(170), pending=frozenset({(210, msg)})))
    fire = FireTimer(170, HopTimeout(210, msg))
    assert fire in w.actions()
    assert inv.delivers(fire)
    assert [v.name for v in inv.correct_delivery(w, fire, w.apply(fire))] == ["CorrectDelivery"]
    join = JoinRequest(src=170, joiner=200)
    assert not inv.delivers(FireTimer(170, HopTimeout(210, join)))


# -- Consistency with a lone ready node (an empty leaf-set half): enumeration, then critical keys
def _lone_and_partner(bits: int, b: int = 4) -> tuple[NodeState, NodeState]:
    """a = 1000 started alone (both halves empty) and b = 40000, ready in a ring with a (its
    leaf set holds a): both believe they deliver some of the same keys."""
    from pastry_ref.node import StartFirst, step
    from pastry_ref.system import build_ring

    config = Config.make(bits=bits, b=b, leaf_set_size=2, neighborhood_size=2)
    world, _ = build_ring(config, 1000, [(40000, 1000)])
    lone = step(NodeState.new(1000, config), StartFirst()).node
    assert not lone.leaf_set.left and not lone.leaf_set.right
    return lone, world.node(40000)


def _pairs(violations: tuple[inv.Violation, ...]) -> list[str]:
    return sorted(v.detail for v in violations)


def test_consistency_enumerates_keys_up_to_16_bits() -> None:
    """Up to 2^(EXHAUSTIVE_KEYS_MAX_BITS + 4) ids, a node with an empty half is judged by
    enumerating every key it would deliver (exact): the shared keys are those of a brute-force
    enumeration of both nodes' decisions."""
    from pastry_ref.oracle.arcs import runs, shared_keys
    from pastry_ref.system.consistency import ready_consistency

    lone, partner = _lone_and_partner(16)
    space = lone.config.space
    brute = {
        n.id: runs([k for k in range(space.size) if n.decide(k).deliver]) for n in (lone, partner)
    }
    expected = shared_keys(space, sorted(brute.items()))
    assert len(expected) == 1
    got = ready_consistency((lone, partner))
    (lo, hi) = expected[(1000, 40000)]
    want = f"key {lo}" if lo == hi else f"keys {lo}..{hi}"
    assert _pairs(got) == [f"ready nodes 1000 and 40000 would both deliver {want}"]


@pytest.mark.parametrize(("bits", "b"), [(17, 1), (20, 4)])
def test_consistency_uses_critical_keys_beyond_16_bits(bits: int, b: int) -> None:
    """Beyond 2^16 ids (2^17, the first width past the bound, and 2^20) a node with an empty
    half is judged at the critical keys of the ids it knows and its own (each key an arc of
    length 1): the lone node's antipode lies in its partner's arc, so the overlap is found
    there, and only there."""
    from pastry_ref.oracle.arcs import critical_keys, shared_keys
    from pastry_ref.system.consistency import delivery_arcs, ready_consistency

    lone, partner = _lone_and_partner(bits, b)
    space = lone.config.space
    arcs = delivery_arcs(partner)
    assert arcs is not None
    lone_arcs = [(k, 1) for k in critical_keys(space, {1000})]
    expected = shared_keys(space, [(1000, lone_arcs), (40000, arcs)])
    assert len(expected) == 1
    (lo, hi) = expected[(1000, 40000)]
    assert all(partner.decide(k).deliver for k in range(lo, hi + 1))
    want = f"key {lo}" if lo == hi else f"keys {lo}..{hi}"
    got = ready_consistency((lone, partner))
    assert _pairs(got) == [f"ready nodes 1000 and 40000 would both deliver {want}"]


def test_consistency_of_a_node_with_one_empty_half_is_exact() -> None:
    """R-LS-3 leaves a failed member's slot empty until repair, so a ready node can have one
    empty half (ring 17 95 200, L = 2: 17 drops 200, its only left member). Its keys are then
    enumerated (its arc would need both nearest members, and computing one raises): the shared
    keys equal a brute-force enumeration of every node's decisions."""
    from pastry_ref.oracle.arcs import runs, shared_keys
    from pastry_ref.system import build_ring
    from pastry_ref.system.consistency import delivery_arcs, ready_consistency

    config = Config.make(bits=8, b=4, leaf_set_size=2, neighborhood_size=2)
    world, _ = build_ring(config, 17, [(95, 17), (200, 95)])
    n17 = world.node(17)
    assert n17.leaf_set.left == (200,)
    half = attrs.evolve(n17, leaf_set=n17.leaf_set.remove(200))
    assert half.leaf_set.left == () and half.leaf_set.right
    assert delivery_arcs(half) is None
    ready = (half, world.node(95), world.node(200))
    space = config.space
    brute = {n.id: runs([k for k in range(space.size) if n.decide(k).deliver]) for n in ready}
    expected = shared_keys(space, sorted(brute.items()))
    assert expected == {}  # the empty half narrows 17's range: it shares no key
    assert brute[17] and all(half.decide(k).deliver for k in range(17, 40))
    want = sorted(
        f"ready nodes {a} and {b} would both deliver "
        + (f"key {lo}" if lo == hi else f"keys {lo}..{hi}")
        for (a, b), (lo, hi) in expected.items()
    )
    assert _pairs(ready_consistency(ready)) == want
