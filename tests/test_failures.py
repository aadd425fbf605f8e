"""Unit and World tests of failure handling: timers derived from state (R-TIME-1), failure
detection (R-FD-1..6), declaring a node failed and graceful leave (R-FAIL-1..3), leaf-set repair
(R-LSR-1..2), routing-table repair and maintenance (R-RTR-1..3), neighbourhood repair (R-NBR-1),
per-hop acknowledgement and retry (R-HOP-1..3), the World's crash/leave/lossy/duplicating
network and timer semantics (R-WORLD-1, -4, -5, -6), their scenario-file keys, and
``drive.settle``.

Sources: Pastry (Rowstron & Druschel, Middleware 2001) section 2.4 "Node departure" (leaf-set
repair: ask the live node with the largest index on the failed node's side; routing-table repair:
ask another entry of the same row, else of the next row; neighbourhood repair: ask the other
members); MSPastry (Castro, Costa, Rowstron, DSN 2004: heartbeats and leaf-set probes, probe
retries, failed-set gossip, per-hop acks with rerouting, periodic routing-table probing).

Most unit tests use 8-bit ids, b = 2 (four base-4 digits), L = 4. RING (six nodes) and RING11
(eleven nodes, 25 apart, more than L + 1 so leaf-set halves never overlap) start from the
oracle's ideal tables. RING11's leaf sets (left | right, closest first), routing tables and
neighbourhoods (M = 2) that the tests rely on:

    105: 80 55 | 130 155   row0 (55, -, 130, 205)  row1 (-, 80, -, -)     hood 80 130
    130: 105 80 | 155 180  row0 (55, 105, -, 205)  row1 (-, 155, -, 180)  hood 105 155
"""

from __future__ import annotations

import random
from collections.abc import Iterable, Sequence
from typing import Any

import attrs
import pytest

from pastry_ref.app import Lookup, LookupPayload
from pastry_ref.check.model import PastryModel
from pastry_ref.check.scenario_file import ScenarioFileError, parse_scenario
from pastry_ref.errors import PastryRefError
from pastry_ref.node import (
    AnnounceReply,
    CancelTimer,
    Deliver,
    Effect,
    Forward,
    HoodReply,
    HoodRequest,
    HopAck,
    HopTimeout,
    JoinReply,
    JoinRequest,
    KeepAlive,
    LeaseReply,
    LeaveNotice,
    LSProbe,
    LSProbeReply,
    Message,
    NodeState,
    ProbeTimeout,
    RouteMessage,
    RowMaintenance,
    RowReply,
    RowRequest,
    Send,
    SetTimer,
    StartFirst,
    Status,
    Timer,
    Update,
    armed_timers,
    step,
    timer_order,
)
from pastry_ref.node import inputs as ni
from pastry_ref.node.failure import repair_targets
from pastry_ref.oracle.ideal import ideal_leaf_set, ideal_tables
from pastry_ref.ring.config import Config, JoinProtocol
from pastry_ref.system import (
    Crash,
    Drop,
    Duplicate,
    Envelope,
    FireTimer,
    Leave,
    NetworkModel,
    Receive,
    Request,
    TimerSemantics,
    World,
    WorldAction,
    WorldSpec,
    settle,
)
from pastry_ref.tables.leaf_set import LeafSet
from pastry_ref.tables.routing_table import RoutingTable
from tests.hosting import on_host

CFG = Config.make(bits=8, b=2, leaf_set_size=4, neighborhood_size=2)
NO_RETRY = attrs.evolve(CFG, probe_retry=False)
ACKS = attrs.evolve(CFG, hop_acks=True)
PAPER = attrs.evolve(CFG, join=JoinProtocol.PAPER)
L2 = Config.make(bits=8, b=2, leaf_set_size=2, neighborhood_size=2)
M4 = Config.make(bits=8, b=2, leaf_set_size=4, neighborhood_size=4)
RING = (10, 50, 90, 130, 170, 210)
RING11 = tuple(range(5, 256, 25))


# -- helpers ---------------------------------------------------------------------------------
def ready(n: int, ring: tuple[int, ...] = RING, cfg: Config = CFG) -> NodeState:
    """Node ``n``, ready, with the ideal tables of ``ring``."""
    state = on_host(NodeState.new(n, cfg), StartFirst()).node
    t = ideal_tables(ring, cfg)[n]
    return attrs.evolve(
        state, leaf_set=t.leaf_set, routing_table=t.routing_table, neighborhood=t.neighborhood
    )


def content(node: NodeState) -> tuple[int, ...]:
    """A node's leaf set as it travels: the members and the node, sorted."""
    return tuple(sorted({*node.leaf_set.members(), node.id}))


def sends(effects: Iterable[Effect]) -> list[Send]:
    return [e for e in effects if isinstance(e, Send)]


def sent(effects: Iterable[Effect], kind: type) -> list[Send]:
    """The sends of messages of type ``kind``, in effect order."""
    return [s for s in sends(effects) if isinstance(s.msg, kind)]


def dests(effects: Iterable[Effect], kind: type) -> list[int]:
    return [s.dest for s in sent(effects, kind)]


def timer_effects(effects: Sequence[Effect]) -> list[Effect]:
    return [e for e in effects if isinstance(e, SetTimer | CancelTimer)]


def declare_failed(node: NodeState, y: int) -> tuple[NodeState, tuple[Effect, ...]]:
    """Make ``node`` declare ``y`` failed through its own detector: a probe to ``y`` that was
    already retried times out (R-FD-3/4)."""
    node = attrs.evolve(node, probing=node.probing | {y}, retried=node.retried | {y})
    out = on_host(node, ni.FireTimer(ProbeTimeout(y)))
    assert y in out.node.failed
    return out.node, out.effects


def with_node(world: World, node: NodeState) -> World:
    return world.replace_node(node)


def with_network(world: World, *envelopes: Envelope) -> World:
    """``world`` with ``envelopes`` added to its network, kept sorted as the World keeps it."""
    net = sorted((*world.network, *envelopes), key=lambda e: e.order)
    return attrs.evolve(world, network=tuple(net))


def world_spec(**kw: Any) -> WorldSpec:
    args: dict[str, Any] = {"config": CFG, "initial": RING}
    args.update(kw)
    return WorldSpec(**args)


def fires(world: World) -> set[tuple[int, Timer]]:
    return {(a.node, a.timer) for a in world.actions() if isinstance(a, FireTimer)}


# ============================================================================================
# R-TIME-1: armed timers are a function of the state
# ============================================================================================
def test_R_TIME_1_armed_timers_follow_from_the_state() -> None:
    """R-TIME-1: KeepAlive per leaf-set member not probed (R-FD-1), ProbeTimeout per probe
    (R-FD-3), HopTimeout per unacknowledged hop (R-HOP-2), RowMaintenance at a ready node
    (R-RTR-3) — and nothing else."""
    msg = RouteMessage(src=130, key=7, payload=LookupPayload(id=1))
    node = attrs.evolve(ready(130), probing=frozenset({170, 77}), pending=frozenset({(50, msg)}))
    assert armed_timers(node) == {
        KeepAlive(50),
        KeepAlive(90),
        KeepAlive(210),
        ProbeTimeout(170),
        ProbeTimeout(77),
        HopTimeout(50, msg),
        RowMaintenance(),
    }
    # An equal state arms equal timers; a non-ready node arms no RowMaintenance.
    assert armed_timers(attrs.evolve(node)) == armed_timers(node)
    ok = attrs.evolve(node, status=Status.OK)
    assert armed_timers(ok) == armed_timers(node) - {RowMaintenance()}


def test_R_TIME_1_dead_nodes_arm_nothing() -> None:
    """R-TIME-1: a dead node arms no timer, whatever its fields say."""
    node = attrs.evolve(
        ready(130), status=Status.DEAD, probing=frozenset({170}), pending=frozenset()
    )
    assert armed_timers(node) == frozenset()
    assert armed_timers(NodeState.new(130, CFG)) == frozenset()


def test_R_TIME_1_step_reports_exactly_the_difference_in_timer_order() -> None:
    """R-TIME-1: a step that starts a probe cancels the member's KeepAlive and sets its
    ProbeTimeout; the answer undoes both. CancelTimer effects come before SetTimer, each sorted
    by ``timer_order``, after the protocol effects."""
    node = ready(130)
    out = on_host(node, ni.FireTimer(KeepAlive(170)))
    assert timer_effects(out.effects) == [CancelTimer(KeepAlive(170)), SetTimer(ProbeTimeout(170))]
    assert out.effects[-2:] == (CancelTimer(KeepAlive(170)), SetTimer(ProbeTimeout(170)))
    back = on_host(out.node, ni.Receive(LSProbeReply(src=170, leaf_set=content(ready(170)))))
    assert timer_effects(back.effects) == [CancelTimer(ProbeTimeout(170)), SetTimer(KeepAlive(170))]
    # A step that changes no timer reports none.
    same = on_host(node, ni.Receive(RowRequest(src=50, row=0)))
    assert timer_effects(same.effects) == []


def test_R_TIME_1_step_itself_reports_the_difference() -> None:
    """R-TIME-1 at the node layer: ``step`` itself (not only the host, which derives its own
    difference, R-API-1) ends its effects with CancelTimer for the timers armed before and not
    after, then SetTimer for those armed after and not before, and returns the set after as
    ``Step.timers``. The whole effect of each step: a KeepAlive that starts a probe, the reply
    that ends it, a leave that cancels every timer, and a step that changes no timer."""
    node = ready(130, RING11)
    out = step(node, ni.FireTimer(KeepAlive(155)))
    assert out.effects == (
        Send(155, LSProbe(src=130, leaf_set=content(node), failed=())),
        CancelTimer(KeepAlive(155)),
        SetTimer(ProbeTimeout(155)),
    )
    assert out.timers == armed_timers(out.node)
    reply = LSProbeReply(src=155, leaf_set=content(ready(155, RING11)))
    back = step(out.node, ni.Receive(reply), timers=out.timers)
    assert back.effects == (CancelTimer(ProbeTimeout(155)), SetTimer(KeepAlive(155)))
    assert back.timers == armed_timers(back.node) == armed_timers(node)
    gone = step(node, ni.Leave())
    notice = LeaveNotice(src=130, leaf_set=content(node))
    assert gone.effects == (
        *(Send(n, notice) for n in (80, 105, 155, 180)),
        *(CancelTimer(t) for t in sorted(armed_timers(node), key=timer_order)),
    )
    assert gone.timers == frozenset()
    same = step(node, ni.Receive(RowRequest(src=5, row=1)))
    assert same.effects == (Send(5, RowReply(src=130, row=1, entries=(155, 180))),)
    assert same.timers == armed_timers(node)


@pytest.mark.parametrize("seed", [1, 2, 3])
def test_R_TIME_1_every_world_step_reports_the_difference_of_armed_timers(seed: int) -> None:
    """R-TIME-1 on random runs (timers ANY, hop acks, crash, leave, periodic maintenance,
    lookups): the timer effects of every step are exactly CancelTimer for the timers armed
    before and not after, then SetTimer for those armed after and not before, in timer order."""
    spec = world_spec(
        config=ACKS,
        lookups=((10, 100), (130, 20), (50, 200)),
        crashes=(90,),
        leaves=(170,),
        periodic=2,
        timers=TimerSemantics.ANY,
    )
    world = spec.initial_world()
    rng = random.Random(seed)
    checked = 0
    for _ in range(150):
        actions = world.actions()
        if not actions:
            break
        action = rng.choice(actions)
        new, effects = world.apply_with_effects(action)
        if not isinstance(action, Crash | Drop | Duplicate):
            before = armed_timers(world.node(action.at))
            after = armed_timers(new.node(action.at))
            expected: list[Effect] = [
                *(CancelTimer(t) for t in sorted(before - after, key=timer_order)),
                *(SetTimer(t) for t in sorted(after - before, key=timer_order)),
            ]
            assert timer_effects(effects) == expected, action
            assert effects[len(effects) - len(expected) :] == tuple(expected)
            checked += 1
        world = new
    assert checked > 50


def test_R_TIME_1_firing_a_timer_that_is_not_armed_is_a_no_op() -> None:
    """R-TIME-1: a cancelled or never-armed timer that fires anyway changes nothing and has no
    effect: KeepAlive of a non-member, KeepAlive of a member being probed, ProbeTimeout with no
    probe out (no node is declared failed), HopTimeout with nothing pending, RowMaintenance at a
    node that is not ready, and any timer at a dead node."""
    node = attrs.evolve(ready(130, cfg=ACKS), probing=frozenset({170}))
    ok = attrs.evolve(node, status=Status.OK)
    dead = attrs.evolve(node, status=Status.DEAD)
    cases: list[tuple[NodeState, Timer]] = [
        (node, KeepAlive(77)),
        (node, KeepAlive(170)),
        (node, ProbeTimeout(50)),
        (node, HopTimeout(50, RouteMessage(src=130, key=7, payload=LookupPayload(id=1)))),
        (ok, RowMaintenance()),
        (dead, KeepAlive(50)),
        (dead, ProbeTimeout(170)),
    ]
    for state, timer in cases:
        out = on_host(state, ni.FireTimer(timer))
        assert out.node == state and out.effects == (), timer


# ============================================================================================
# R-FD-1..6: failure detection
# ============================================================================================
def test_R_FD_1_keep_alive_is_armed_for_every_leaf_set_member_not_probed() -> None:
    """R-FD-1 (MSPastry: heartbeats from the leaf set): one KeepAlive per leaf-set member that
    is not being probed, none for routing-table-only or neighbourhood-only nodes."""
    node = attrs.evolve(ready(130, RING11), probing=frozenset({155}))
    keep = {t for t in armed_timers(node) if isinstance(t, KeepAlive)}
    assert keep == {KeepAlive(105), KeepAlive(80), KeepAlive(180)}
    assert 205 in node.routing_table and KeepAlive(205) not in keep


def test_R_FD_2_keep_alive_fires_a_probe_with_the_failed_set() -> None:
    """R-FD-2 (MSPastry: a silent leaf-set member is probed): KeepAlive(y) sends y one LSProbe
    carrying this node's leaf set and failed set, and y is being probed."""
    node = attrs.evolve(ready(130, RING11), failed=frozenset({77, 3}))
    out = on_host(node, ni.FireTimer(KeepAlive(155)))
    assert sends(out.effects) == [
        Send(155, LSProbe(src=130, leaf_set=content(node), failed=(3, 77)))
    ]
    assert out.node.probing == {155}
    assert 155 in out.node.leaf_set  # suspected, not yet failed
    assert out.node.failed == node.failed


def test_R_FD_3_probe_timeout_with_retry_probes_once_more_then_declares_failed() -> None:
    """R-FD-3/4 (MSPastry: a probe is retried before the node is declared faulty): the first
    ProbeTimeout resends the probe and marks y retried; the second declares y failed."""
    node = on_host(ready(130, RING11), ni.FireTimer(KeepAlive(155))).node
    first = on_host(node, ni.FireTimer(ProbeTimeout(155)))
    assert sends(first.effects) == [Send(155, LSProbe(src=130, leaf_set=content(node), failed=()))]
    assert first.node.retried == {155} and first.node.probing == {155}
    assert 155 not in first.node.failed and 155 in first.node.leaf_set
    second = on_host(first.node, ni.FireTimer(ProbeTimeout(155)))
    assert 155 in second.node.failed
    assert 155 not in second.node.leaf_set
    assert 155 not in second.node.probing and 155 not in second.node.retried


def test_R_FD_3_an_answer_after_the_retry_clears_the_suspicion() -> None:
    """R-FD-3: a reply to the retried probe proves y alive: no longer probed nor retried, its
    KeepAlive is armed again, and a later ProbeTimeout(y) is a no-op."""
    node = on_host(ready(130, RING11), ni.FireTimer(KeepAlive(155))).node
    node = on_host(node, ni.FireTimer(ProbeTimeout(155))).node
    back = on_host(node, ni.Receive(LSProbeReply(src=155, leaf_set=content(ready(155, RING11)))))
    assert back.node.probing == frozenset() and back.node.retried == frozenset()
    assert KeepAlive(155) in armed_timers(back.node)
    assert on_host(back.node, ni.FireTimer(ProbeTimeout(155))).node == back.node


def test_R_FD_4_without_retry_the_first_timeout_declares_failed() -> None:
    """R-FD-4 (config probe_retry = false, for a reliable network): the first ProbeTimeout
    declares the node failed, with no second probe."""
    node = on_host(ready(130, RING11, NO_RETRY), ni.FireTimer(KeepAlive(155))).node
    out = on_host(node, ni.FireTimer(ProbeTimeout(155)))
    assert 155 in out.node.failed and 155 not in out.node.leaf_set
    assert 155 not in dests(out.effects, LSProbe)
    assert out.node.retried == frozenset()


@pytest.mark.parametrize("reply", [False, True])
def test_R_FD_5_gossiped_failures_are_probed_when_known_and_ignored_otherwise(
    reply: bool,
) -> None:
    """R-FD-5 (MSPastry: the failed set travels on probes and replies): a gossiped node this
    node knows (leaf set, routing table or neighbourhood) is probed, not declared failed; an
    unknown one, this node itself, and a node already failed here are ignored."""
    node = attrs.evolve(ready(130, RING11), failed=frozenset({230}))
    # 155: leaf set; 205: routing table only; 5: unknown; 130: the node itself; 230: failed.
    gossip = (5, 130, 155, 205, 230)
    sender = ready(105, RING11)
    msg: Message = (
        LSProbeReply(src=105, leaf_set=content(sender), failed=gossip)
        if reply
        else LSProbe(src=105, leaf_set=content(sender), failed=gossip)
    )
    if reply:
        node = attrs.evolve(node, probing=frozenset({105}))
    out = on_host(node, ni.Receive(msg))
    assert sorted(dests(out.effects, LSProbe)) == [155, 205]
    assert out.node.probing == {155, 205}
    assert 155 in out.node.leaf_set and 205 in out.node.routing_table
    assert out.node.failed == {230}


@pytest.mark.parametrize("reply", [False, True])
def test_R_FD_6_a_probe_or_reply_from_a_failed_node_revives_it(reply: bool) -> None:
    """R-FD-6 (a false suspicion is corrected: the node proves itself alive): a probe or probe
    reply from a node in ``failed`` removes it from ``failed`` and it is learned again."""
    node, _ = declare_failed(ready(130, RING11), 155)
    assert 155 not in node.leaf_set
    other = ready(155, RING11)
    msg: Message = (
        LSProbeReply(src=155, leaf_set=content(other))
        if reply
        else LSProbe(src=155, leaf_set=content(other))
    )
    out = on_host(node, ni.Receive(msg))
    assert 155 not in out.node.failed
    assert 155 in out.node.leaf_set and 155 in out.node.routing_table
    assert Update(155, True) in out.effects
    if not reply:
        assert (
            Send(155, LSProbeReply(src=130, leaf_set=content(out.node), failed=())) in out.effects
        )


def test_R_FD_6_other_messages_from_a_failed_node_do_not_revive_it() -> None:
    """R-FD-6: only a probe or a probe reply proves life; a RowReply or HoodReply from a failed
    node leaves it failed and unlearned (R-FAIL-3)."""
    node, _ = declare_failed(ready(130, RING11), 155)
    for msg in (RowReply(src=155, row=1, entries=()), HoodReply(src=155, members=())):
        out = on_host(node, ni.Receive(msg))
        assert 155 in out.node.failed and 155 not in out.node.known()


# ============================================================================================
# R-FAIL-1..3: declaring a node failed, graceful leave, never re-learning
# ============================================================================================
def test_R_FAIL_1_declaring_failed_forgets_the_node_everywhere() -> None:
    """R-FAIL-1 (Pastry 2.4: a failed node is removed from every table): y leaves the leaf set,
    routing table, neighbourhood, probes, retries and the join's lease bookkeeping; it is added
    to ``failed`` and an update(y, false) upcall is made. Unrelated entries stay."""
    y = 155
    base = ready(130, RING11)
    node = attrs.evolve(
        base,
        probing=frozenset({y, 180}),
        retried=frozenset({y}),
        leases=frozenset({y, 105}),
        lease_asked=frozenset({y}),
        lease_waiting=frozenset({y, 3}),
        granted_to=frozenset({y}),
        helping=y,
        helper=y,
    )
    assert y in node.leaf_set and y in node.routing_table and y in node.neighborhood
    out = on_host(node, ni.FireTimer(ProbeTimeout(y)))
    after = out.node
    assert y not in after.known()
    assert y not in after.leaf_set and y not in after.routing_table
    assert y not in after.neighborhood
    assert y not in after.probing and 180 in after.probing  # (plus the repair probe, R-LSR-1)
    assert after.retried == frozenset()
    assert after.leases == {105} and after.lease_asked == frozenset()
    assert after.lease_waiting == {3} and after.granted_to == frozenset()
    assert after.helping is None and after.helper is None
    assert after.failed == {y}
    assert Update(y, False) in out.effects
    assert after.status is Status.READY


def test_R_FAIL_1_a_node_not_in_the_leaf_set_makes_no_update_upcall() -> None:
    """R-FAIL-1 / KBR update: a failed routing-table-only entry leaves the leaf set unchanged,
    so there is no update upcall."""
    node, effects = declare_failed(ready(130, RING11), 205)
    assert not [e for e in effects if isinstance(e, Update)]
    assert node.leaf_set == ready(130, RING11).leaf_set


def test_R_FAIL_1_the_failed_slot_stays_empty_until_repair() -> None:
    """R-FAIL-1 with R-LS-3: the failed member is removed and its slot stays empty (105 of
    RING11 loses 130: right becomes 155 alone), never refilled from the other half, which
    would fake an overlap and a complete leaf set; one update upcall, for 130."""
    node = ready(105, RING11)
    after, effects = declare_failed(node, 130)
    assert after.leaf_set == node.leaf_set.remove(130)
    assert after.leaf_set.right == (155,) and after.leaf_set.left == (80, 55)
    assert after.leaf_set != LeafSet.of(105, node.leaf_set.members() - {130}, CFG)
    assert [e for e in effects if isinstance(e, Update)] == [Update(130, False)]


@pytest.mark.parametrize("cfg", [CFG, PAPER], ids=["consistent", "paper"])
def test_R_FAIL_1_the_whole_effect_of_a_declaration(cfg: Config) -> None:
    """R-FAIL-1, the whole effect: 130 of RING11 declares 155 failed (a leaf-set member, row 1
    entry and neighbour). Every effect, in order: the update(155, false) upcall (and no
    update(.., true): removal frees a slot and fills none, R-LS-3), the leaf-set repair probe to
    180, the farthest right member left (R-LSR-1), RowRequest(1) to 180, the other row-1 entry
    (R-RTR-1), HoodRequest to 105, the closest neighbour left (R-NBR-1), then the timers. The
    next state differs only in what the rule names; the state version goes up by one under the
    paper's join (R-PJ-2) and stays under the consistent join."""
    node = ready(130, RING11, cfg)
    assert node.version == 0
    after, effects = declare_failed(node, 155)
    assert effects == (
        Update(155, False),
        Send(180, LSProbe(src=130, leaf_set=(80, 105, 130, 180), failed=(155,))),
        Send(180, RowRequest(src=130, row=1)),
        Send(105, HoodRequest(src=130)),
        CancelTimer(KeepAlive(180)),
        CancelTimer(ProbeTimeout(155)),
        SetTimer(ProbeTimeout(180)),
    )
    assert after == attrs.evolve(
        node,
        leaf_set=node.leaf_set.remove(155),
        routing_table=node.routing_table.remove(155),
        neighborhood=node.neighborhood.remove(155),
        probing=frozenset({180}),
        failed=frozenset({155}),
        version=1 if cfg.join is JoinProtocol.PAPER else 0,
    )
    # A second leaf-set change under the paper's join: one more version (3 -> 4), not two.
    later, _ = declare_failed(attrs.evolve(after, version=3), 105)
    assert later.version == (4 if cfg.join is JoinProtocol.PAPER else 3)


@pytest.mark.parametrize("cfg", [CFG, PAPER], ids=["consistent", "paper"])
def test_R_FAIL_1_a_declaration_that_leaves_the_leaf_set_alone_keeps_the_version(
    cfg: Config,
) -> None:
    """R-FAIL-1: 130 of RING11 declares 205 failed, a row-0 entry only. The leaf set does not
    change, so there is no update upcall and no new version under either join; the whole
    effect is RowRequest(0) to 55, the first other row-0 entry (R-RTR-1), and the timer."""
    node = attrs.evolve(ready(130, RING11, cfg), version=2)
    after, effects = declare_failed(node, 205)
    assert effects == (Send(55, RowRequest(src=130, row=0)), CancelTimer(ProbeTimeout(205)))
    assert after == attrs.evolve(
        node, routing_table=node.routing_table.remove(205), failed=frozenset({205})
    )


def test_R_FAIL_2_depart_tells_the_leaf_set_and_returns_a_dead_node() -> None:
    """R-FAIL-2 (Pastry 2.4 / FreePastry graceful leave): a ready node that departs sends one
    LeaveNotice, carrying its leaf set, to every leaf-set member, and is dead afterwards with
    every timer cancelled."""
    node = ready(130)
    out = on_host(node, ni.Leave())
    notice = LeaveNotice(src=130, leaf_set=(50, 90, 130, 170, 210))
    assert sends(out.effects) == [Send(n, notice) for n in (50, 90, 170, 210)]
    assert out.node == NodeState.new(130, CFG)
    assert out.node.status is Status.DEAD
    assert timer_effects(out.effects) == [
        CancelTimer(t) for t in sorted(armed_timers(node), key=timer_order)
    ]


def test_R_FAIL_2_only_a_ready_node_departs() -> None:
    """R-FAIL-2: Depart at a node that is not ready (joining, or dead) does nothing."""
    for status in (Status.WAIT, Status.OK, Status.DEAD):
        node = attrs.evolve(ready(130), status=status)
        out = on_host(node, ni.Leave())
        assert out.node == node and out.effects == ()


def test_R_FAIL_2_departure_forgets_the_sender_and_probes_the_handover() -> None:
    """R-FAIL-2: a LeaveNotice makes the receiver forget the sender at once (no probe of it) and
    probe the handed-over nodes that would enter its leaf set, and only those."""
    node = ready(105, RING11)
    leaver = ready(130, RING11)
    out = on_host(node, ni.Receive(LeaveNotice(src=130, leaf_set=content(leaver))))
    after = out.node
    assert 130 in after.failed and 130 not in after.known()
    assert Update(130, False) in out.effects
    # 80 and 155 are members already, 105 is the receiver, 180 would enter the right half;
    # the short right half is also repaired through its farthest member 155 (R-LSR-1).
    assert sorted(dests(out.effects, LSProbe)) == [155, 180]
    assert after.probing == {155, 180}
    assert 180 not in after.leaf_set  # probed before it is used (R-LSR-2)
    assert 130 not in dests(out.effects, LSProbe)


def test_R_FAIL_2_a_handover_never_brings_back_a_failed_node() -> None:
    """R-FAIL-2 with R-FAIL-3: a handed-over node this node declared failed is not probed."""
    node, _ = declare_failed(ready(105, RING11), 180)
    out = on_host(node, ni.Receive(LeaveNotice(src=130, leaf_set=(80, 105, 130, 155, 180))))
    assert 180 not in dests(out.effects, LSProbe)
    assert 180 not in out.node.probing and 180 not in out.node.known()


def _relearn_messages() -> list[tuple[str, Config, Message]]:
    """Messages from live nodes that name the failed node 155 (y)."""
    return [
        ("LSProbe", CFG, LSProbe(src=105, leaf_set=(80, 105, 130, 155, 180))),
        ("LSProbeReply", CFG, LSProbeReply(src=105, leaf_set=(80, 105, 130, 155, 180))),
        ("LeaseReply", CFG, LeaseReply(src=105, granted=False, leaf_set=(80, 105, 130, 155, 180))),
        ("LeaveNotice", CFG, LeaveNotice(src=180, leaf_set=(130, 155, 180, 205))),
        ("RowReply", CFG, RowReply(src=180, row=1, entries=(155, 180))),
        ("HoodReply", CFG, HoodReply(src=180, members=(155, 205))),
        (
            "AnnounceReply",
            PAPER,
            AnnounceReply(src=105, leaf_set=(80, 105, 130, 155, 180), version=3),
        ),
    ]


@pytest.mark.parametrize(
    ("cfg", "msg"),
    [(c, m) for _, c, m in _relearn_messages()],
    ids=[name for name, _, _ in _relearn_messages()],
)
def test_R_FAIL_3_a_failed_node_is_never_learned_again(cfg: Config, msg: Message) -> None:
    """R-FAIL-3 (MSPastry: the failed set keeps dead nodes from being re-inserted): a failed
    node named by someone else — in a probe's or reply's leaf set (_learn, _probe_new), a lease
    reply, a departure's handover, a RowReply, a HoodReply, a paper-join AnnounceReply — is
    neither probed nor put back in any table."""
    node, _ = declare_failed(ready(130, RING11, cfg), 155)
    out = on_host(node, ni.Receive(msg))
    assert 155 not in out.node.known()
    assert 155 not in out.node.probing
    assert 155 not in [s.dest for s in sends(out.effects)]
    assert 155 in out.node.failed


# ============================================================================================
# R-LSR-1..2: leaf-set repair
# ============================================================================================
def test_R_LSR_1_an_emptied_side_is_repaired_through_the_other_sides_farthest() -> None:
    """R-LSR-1 (Pastry 2.4: ask the live node with the largest index on the failed node's
    side; when that side is empty, the farthest on the other side): with L = 2, 105 loses its
    only right member 130 and probes 80, its farthest left member, and nobody else."""
    node = ready(105, RING11, L2)
    assert node.leaf_set.left == (80,) and node.leaf_set.right == (130,)
    after, effects = declare_failed(node, 130)
    assert dests(effects, LSProbe) == [80]
    assert after.probing == {80}


def test_R_LSR_1_the_farthest_live_member_on_that_side_is_probed() -> None:
    """R-LSR-1 (Pastry 2.4: ask 'the live node with the largest index on the side of the
    failed node'): 105 of RING11 (80 55 | 130 155) loses 130 and probes 155."""
    after, effects = declare_failed(ready(105, RING11), 130)
    assert after.leaf_set.right == (155,)
    assert dests(effects, LSProbe) == [155]
    assert after.probing == {155}


def test_R_LSR_1_each_side_the_failed_node_was_on_is_repaired() -> None:
    """R-LSR-1: the side y was on is repaired through its farthest remaining member; in a
    small ring where y sits in both halves, one probe (deduplicated). RING (L = 4): 10 has
    210 170 | 50 90; losing 170 leaves 210 | 50 90, and 10 probes 210."""
    node = ready(10)
    assert 170 in node.leaf_set.left
    after, effects = declare_failed(node, 170)
    assert (after.leaf_set.left, after.leaf_set.right) == ((210,), (50, 90))
    assert dests(effects, LSProbe) == [210]
    small = ready(10, (10, 90, 170))  # 10: 170 90 | 90 170; 170 is on both sides
    after, effects = declare_failed(small, 170)
    assert dests(effects, LSProbe) == [90]


def test_R_LSR_1_the_farthest_of_several_members_left_is_probed() -> None:
    """R-LSR-1 ("the live node with the largest index on that side"), with members to choose
    from: with L = 8, 130 of RING11 (105 80 55 30 | 155 180 205 230) loses 155 and probes 230,
    the farthest of the three right members left, not 180, the closest. The whole effect."""
    cfg = Config.make(bits=8, b=2, leaf_set_size=8, neighborhood_size=2)
    node = ready(130, RING11, cfg)
    assert node.leaf_set.right == (155, 180, 205, 230)
    assert repair_targets(node.leaf_set, 155, node.leaf_set.remove(155)) == [230]
    after, effects = declare_failed(node, 155)
    assert effects == (
        Update(155, False),
        Send(230, LSProbe(src=130, leaf_set=(30, 55, 80, 105, 130, 180, 205, 230), failed=(155,))),
        Send(180, RowRequest(src=130, row=1)),
        Send(105, HoodRequest(src=130)),
        CancelTimer(KeepAlive(230)),
        CancelTimer(ProbeTimeout(155)),
        SetTimer(ProbeTimeout(230)),
    )
    assert after.probing == {230}


def test_R_LSR_1_an_emptied_side_probes_the_farthest_of_the_other_side() -> None:
    """R-LSR-1 (that side is empty: the farthest member of the other side): 105 of RING11 has
    already lost 155 (80 55 | 130); losing 130 empties the right half, and 105 probes 55, the
    farthest left member, not 80. The full left half needs no repair of its own. The whole
    effect: update upcall, probe of 55, RowRequest(0) to 55 (R-RTR-1), HoodRequest to 80
    (R-NBR-1), timers."""
    base = ready(105, RING11)
    node = attrs.evolve(base, leaf_set=base.leaf_set.remove(155))
    assert (node.leaf_set.left, node.leaf_set.right) == ((80, 55), (130,))
    assert repair_targets(node.leaf_set, 130, node.leaf_set.remove(130)) == [55]
    after, effects = declare_failed(node, 130)
    assert effects == (
        Update(130, False),
        Send(55, LSProbe(src=105, leaf_set=(55, 80, 105), failed=(130,))),
        Send(55, RowRequest(src=105, row=0)),
        Send(80, HoodRequest(src=105)),
        CancelTimer(KeepAlive(55)),
        CancelTimer(ProbeTimeout(130)),
        SetTimer(ProbeTimeout(55)),
    )
    assert after.probing == {55}


def test_R_LSR_2_replacements_are_probed_before_they_enter_the_leaf_set() -> None:
    """R-LSR-2 (MSPastry: a node is probed before it is added to the leaf set): the repair
    reply names 155; 105 probes it and keeps it out of the leaf set until 155 answers."""
    node, _ = declare_failed(ready(105, RING11, L2), 130)
    out = on_host(node, ni.Receive(LSProbeReply(src=80, leaf_set=(80, 105, 155))))
    assert dests(out.effects, LSProbe) == [155]
    assert 155 not in out.node.leaf_set and out.node.probing == {155}
    done = on_host(out.node, ni.Receive(LSProbeReply(src=155, leaf_set=(105, 155, 180))))
    assert done.node.leaf_set.right == (155,)
    assert Update(155, True) in done.effects
    assert done.node.probing == frozenset()


# ============================================================================================
# R-RTR-1..3: routing-table repair and maintenance
# ============================================================================================
def test_R_RTR_1_one_row_request_to_the_first_other_entry_of_the_row() -> None:
    """R-RTR-1 (Pastry 2.4: ask another entry of the same row for its entry): 130 loses 205
    (row 0) and sends exactly one RowRequest(row=0), to 55, the first other entry of row 0."""
    _, effects = declare_failed(ready(130, RING11), 205)
    assert sent(effects, RowRequest) == [Send(55, RowRequest(src=130, row=0))]


def test_R_RTR_1_a_failed_row_1_entry_asks_the_other_row_1_entry() -> None:
    """R-RTR-1: 130 loses 155 (row 1, column 1) and asks 180, the other entry of row 1."""
    _, effects = declare_failed(ready(130, RING11), 155)
    assert sent(effects, RowRequest) == [Send(180, RowRequest(src=130, row=1))]


def test_R_RTR_1_an_emptied_row_asks_the_first_entry_of_the_next_row() -> None:
    """R-RTR-1 (Pastry 2.4: if no other entry of row r is live, ask an entry of row r+1): 130
    (2.0.0.2) has only 205 (3.0.3.1) in row 0 and 155 (2.1.2.3) in row 1; losing 205 sends
    RowRequest(row=0) to 155. With row 1 empty too, no RowRequest is sent."""
    space = CFG.space
    table = RoutingTable.from_entries(130, space, {(0, 3): 205, (1, 1): 155})
    node = attrs.evolve(ready(130, RING11), routing_table=table)
    _, effects = declare_failed(node, 205)
    assert sent(effects, RowRequest) == [Send(155, RowRequest(src=130, row=0))]
    alone = attrs.evolve(node, routing_table=RoutingTable.from_entries(130, space, {(0, 3): 205}))
    _, effects = declare_failed(alone, 205)
    assert sent(effects, RowRequest) == []


def test_R_RTR_1_a_failed_last_row_entry_has_no_next_row_to_ask() -> None:
    """R-RTR-1 at the last row: 130 (2.0.0.2) holds 129 (2.0.0.1) in row 3, the last of four.
    With another row-3 entry, 131, losing 129 asks 131 for row 3; with none, there is no row 4
    to ask, and the whole effect is the timer: no request."""
    space = CFG.space
    table = RoutingTable.from_entries(130, space, {(3, 1): 129, (3, 3): 131})
    node = attrs.evolve(ready(130, RING11), routing_table=table)
    _, effects = declare_failed(node, 129)
    assert effects == (Send(131, RowRequest(src=130, row=3)), CancelTimer(ProbeTimeout(129)))
    alone = attrs.evolve(node, routing_table=RoutingTable.from_entries(130, space, {(3, 1): 129}))
    after, effects = declare_failed(alone, 129)
    assert effects == (CancelTimer(ProbeTimeout(129)),)
    assert after.routing_table == RoutingTable.from_entries(130, space, {})


def test_R_RTR_2_a_row_request_is_answered_with_the_rows_entries() -> None:
    """R-RTR-2: a RowRequest is answered with the entries of the asked row (empty for an empty
    row or a row that does not exist)."""
    node = ready(130, RING11)
    for row, entries in ((0, (55, 105, 205)), (1, (155, 180)), (2, ()), (9, ())):
        out = on_host(node, ni.Receive(RowRequest(src=5, row=row)))
        assert sends(out.effects) == [Send(5, RowReply(src=130, row=row, entries=entries))]
        assert out.node == node


def test_R_RTR_2_a_row_request_at_the_edges_of_the_table() -> None:
    """R-RTR-2 at the edges: 130 (2.0.0.2) with 129 and 131 in row 3, the last of its four rows,
    answers RowRequest(3) with them, and RowRequest(4) (one past the last row) and
    RowRequest(-1) with no entries; each is the whole effect and the state is unchanged."""
    table = RoutingTable.from_entries(130, CFG.space, {(0, 3): 205, (3, 1): 129, (3, 3): 131})
    node = attrs.evolve(ready(130, RING11), routing_table=table)
    assert len(node.routing_table.rows) == 4
    for row, entries in ((3, (129, 131)), (4, ()), (-1, ()), (0, (205,))):
        out = on_host(node, ni.Receive(RowRequest(src=5, row=row)))
        assert out.effects == (Send(5, RowReply(src=130, row=row, entries=entries)),)
        assert out.node == node


def test_R_RTR_2_a_row_reply_fills_empty_cells_only_and_never_with_failed_nodes() -> None:
    """R-RTR-2: a RowReply fills empty cells (incumbents stay, R-RT-2) and never with a node
    known failed. 130's row 1 is (-, 155, -, 180); 150 (2.1.1.2) competes with 155 for column 1,
    160 (2.2.0.0) and 170 (2.2.2.2) for the empty column 2; 160 is failed here."""
    node = attrs.evolve(ready(130, RING11), failed=frozenset({160}))
    out = on_host(node, ni.Receive(RowReply(src=180, row=1, entries=(150, 160))))
    assert out.node.routing_table == node.routing_table
    out = on_host(node, ni.Receive(RowReply(src=180, row=1, entries=(150, 160, 170))))
    assert out.node.routing_table.row(1) == (None, 155, 170, 180)
    assert out.node.leaf_set == node.leaf_set


def test_R_RTR_3_row_maintenance_is_armed_only_at_ready_nodes() -> None:
    """R-RTR-3 (periodic routing-table maintenance): armed at a ready node only."""
    node = ready(130, RING11)
    assert RowMaintenance() in armed_timers(node)
    for status in (Status.WAIT, Status.OK, Status.DEAD):
        assert RowMaintenance() not in armed_timers(attrs.evolve(node, status=status))


def test_R_RTR_3_row_maintenance_asks_each_populated_row_and_probes_every_entry() -> None:
    """R-RTR-3 (FreePastry / MSPastry periodic maintenance): one RowRequest per populated row,
    to its first entry, and a probe of every routing-table entry not already probed."""
    node = attrs.evolve(ready(130, RING11), probing=frozenset({180}))
    out = on_host(node, ni.FireTimer(RowMaintenance()))
    assert sent(out.effects, RowRequest) == [
        Send(55, RowRequest(src=130, row=0)),
        Send(155, RowRequest(src=130, row=1)),
    ]
    assert sorted(dests(out.effects, LSProbe)) == [55, 105, 155, 205]
    assert out.node.probing == {55, 105, 155, 180, 205}
    assert RowMaintenance() in armed_timers(out.node)


# ============================================================================================
# R-NBR-1: neighbourhood repair
# ============================================================================================
def test_R_NBR_1_one_hood_request_to_the_closest_remaining_member() -> None:
    """R-NBR-1 (Pastry 2.4: ask a neighbourhood member for its neighbourhood set): with M = 4,
    130's neighbourhood is 105 155 80 180 (closest first); losing 105 sends one HoodRequest, to
    155, the closest remaining member."""
    node = ready(130, RING11, M4)
    assert list(node.neighborhood) == [105, 155, 80, 180]
    _, effects = declare_failed(node, 105)
    assert sent(effects, HoodRequest) == [Send(155, HoodRequest(src=130))]


def test_R_NBR_1_no_hood_request_when_the_failed_node_was_not_a_member() -> None:
    """R-NBR-1: a failed node outside the neighbourhood asks nobody for a neighbourhood set."""
    node = ready(130, RING11)
    assert 205 not in node.neighborhood
    _, effects = declare_failed(node, 205)
    assert sent(effects, HoodRequest) == []


def test_R_NBR_1_hood_request_and_reply_merge_the_closest_never_failed_nodes() -> None:
    """R-NBR-1: a HoodRequest is answered with the neighbourhood; a HoodReply keeps the closest
    of the current members, the replier and its members — never a node known failed."""
    node = ready(130, RING11, M4)
    out = on_host(node, ni.Receive(HoodRequest(src=5)))
    assert sends(out.effects) == [Send(5, HoodReply(src=130, members=(80, 105, 155, 180)))]
    node, _ = declare_failed(node, 105)  # neighbourhood 155 80 180
    node = attrs.evolve(node, failed=node.failed | {140})
    out = on_host(node, ni.Receive(HoodReply(src=180, members=(105, 120, 140))))
    assert list(out.node.neighborhood) == [120, 155, 80, 180]


# ============================================================================================
# R-HOP-1..3: per-hop acknowledgement and retry (MSPastry)
# ============================================================================================
def test_R_HOP_1_forwarding_records_pending_and_arms_a_hop_timeout() -> None:
    """R-HOP-1/2 (MSPastry per-hop acks): with hop_acks, a forwarded lookup is pending until
    its next hop acks it, and a HopTimeout is armed for it; without hop_acks nothing is."""
    msg = RouteMessage(src=10, key=200, payload=LookupPayload(id=1))
    out = on_host(ready(10, cfg=ACKS), ni.Route(200, LookupPayload(id=1)))
    assert sent(out.effects, RouteMessage) == [Send(210, msg)]
    assert out.node.pending == {(210, msg)}
    assert SetTimer(HopTimeout(210, msg)) in out.effects
    plain = on_host(ready(10), ni.Route(200, LookupPayload(id=1)))
    assert plain.node.pending == frozenset() and timer_effects(plain.effects) == []


def test_R_HOP_1_a_forwarded_join_request_is_pending_too() -> None:
    """R-HOP-1: a JoinRequest forwarded by a hop is pending at that hop until acknowledged."""
    out = on_host(ready(10, cfg=ACKS), ni.Receive(JoinRequest(src=100, joiner=100)))
    (fwd,) = sent(out.effects, JoinRequest)
    assert isinstance(fwd.msg, JoinRequest)
    assert out.node.pending == {(fwd.dest, fwd.msg)}
    assert SetTimer(HopTimeout(fwd.dest, fwd.msg)) in out.effects


def test_R_HOP_1_the_receiver_acks_but_not_a_joiners_first_hop() -> None:
    """R-HOP-1: a node receiving a routed Lookup or JoinRequest acks it to the hop it came
    from with HopAck(itself, msg); the joiner's own JoinRequest is not acked (the joiner has
    no other route), and without hop_acks nothing is acked."""
    lookup = RouteMessage(src=10, key=200, payload=LookupPayload(id=1))
    out = on_host(ready(210, cfg=ACKS), ni.Receive(lookup))
    assert Send(10, HopAck(src=210, msg=lookup)) in out.effects
    assert Deliver(200, LookupPayload(id=1)) in out.effects
    join = JoinRequest(src=10, joiner=100, rows=(10, 90), neighborhood=(10, 50), givers=((10, 0),))
    out = on_host(ready(90, cfg=ACKS), ni.Receive(join))
    assert Send(10, HopAck(src=90, msg=join)) in out.effects
    first = on_host(ready(10, cfg=ACKS), ni.Receive(JoinRequest(src=100, joiner=100)))
    assert sent(first.effects, HopAck) == []
    assert sent(on_host(ready(210), ni.Receive(lookup)).effects, HopAck) == []


def test_R_HOP_1_a_hop_ack_clears_the_pending_message() -> None:
    """R-HOP-1: the HopAck from the next hop removes the pending entry and cancels the
    HopTimeout; an ack from another node or for another message does not."""
    msg = RouteMessage(src=10, key=200, payload=LookupPayload(id=1))
    node = on_host(ready(10, cfg=ACKS), ni.Route(200, LookupPayload(id=1))).node
    for wrong in (
        HopAck(src=170, msg=msg),
        HopAck(src=210, msg=RouteMessage(src=10, key=200, payload=LookupPayload(id=2))),
    ):
        assert on_host(node, ni.Receive(wrong)).node.pending == {(210, msg)}
    out = on_host(node, ni.Receive(HopAck(src=210, msg=msg)))
    assert out.node.pending == frozenset()
    assert timer_effects(out.effects) == [CancelTimer(HopTimeout(210, msg))]


def test_R_HOP_2_a_hop_timeout_drops_the_entry_and_probes_the_hop() -> None:
    """R-HOP-2 (MSPastry: an unacknowledged hop is suspected): HopTimeout(210, m) drops the
    pending entry and probes 210, which is suspected, not declared failed."""
    msg = RouteMessage(src=10, key=200, payload=LookupPayload(id=1))
    node = on_host(ready(10, cfg=ACKS), ni.Route(200, LookupPayload(id=1))).node
    assert HopTimeout(210, msg) in armed_timers(node)
    out = on_host(node, ni.FireTimer(HopTimeout(210, msg)))
    assert dests(out.effects, LSProbe) == [210]
    assert (210, msg) not in out.node.pending
    assert out.node.probing == {210}
    assert 210 not in out.node.failed and 210 in out.node.leaf_set
    assert CancelTimer(HopTimeout(210, msg)) in out.effects


def test_R_HOP_3_a_hop_timeout_reroutes_the_lookup_around_the_hop() -> None:
    """R-HOP-3 (MSPastry: reroute through the next best candidate): 10's lookup for 200 went to
    210; after the timeout it is forwarded to 170 and pending there."""
    msg = RouteMessage(src=10, key=200, payload=LookupPayload(id=1))
    node = on_host(ready(10, cfg=ACKS), ni.Route(200, LookupPayload(id=1))).node
    out = on_host(node, ni.FireTimer(HopTimeout(210, msg)))
    assert sent(out.effects, RouteMessage) == [Send(170, msg)]
    assert Forward(200, LookupPayload(id=1), 170) in out.effects
    assert out.node.pending == {(170, msg)}
    assert SetTimer(HopTimeout(170, msg)) in out.effects


def test_R_HOP_3_a_rerouted_join_that_ends_here_is_answered_or_waits() -> None:
    """R-HOP-3: 90 forwarded 115's join to 130; with 130 excluded 90 is the closest, so it
    answers the joiner. Under the consistent join, a 90 already helping another joiner sends the
    request to itself instead (R-CJ-2); when it takes it, it routes afresh, to 130 again."""
    node = ready(90, cfg=ACKS)
    first = on_host(
        node,
        ni.Receive(
            JoinRequest(src=10, joiner=115, rows=(10,), neighborhood=(10, 50), givers=((10, 0),))
        ),
    )
    ((hop, fwd),) = first.node.pending
    assert hop == 130
    out = on_host(first.node, ni.FireTimer(HopTimeout(130, fwd)))
    assert dests(out.effects, JoinReply) == [115]
    assert out.node.helping == 115 and out.node.pending == frozenset()
    busy = attrs.evolve(first.node, helping=77)
    out = on_host(busy, ni.FireTimer(HopTimeout(130, fwd)))
    assert sends(out.effects)[-1:] == [Send(90, fwd)]
    assert out.node.helping == 77 and out.node.pending == frozenset()
    again = on_host(out.node, ni.Receive(fwd))
    assert sent(again.effects, HopAck) == []  # a message to itself is not acknowledged
    assert sent(again.effects, JoinRequest) == [Send(130, fwd)]


def test_R_HOP_3_a_rerouted_message_never_goes_to_the_excluded_hop() -> None:
    """R-HOP-3: for every node of RING and every key it forwards, the retry after a HopTimeout
    never sends the message to the hop that timed out (lookups and join requests)."""
    space = CFG.space
    checked = 0
    for n in RING:
        node = ready(n, cfg=ACKS)
        for key in range(space.size):
            first = on_host(node, ni.Route(key, LookupPayload(id=0)))
            if not first.node.pending:
                continue
            ((hop, msg),) = first.node.pending
            out = on_host(first.node, ni.FireTimer(HopTimeout(hop, msg)))
            assert hop not in dests(out.effects, Lookup), (n, key)
            assert all(h != hop for h, _ in out.node.pending), (n, key)
            checked += 1
        for joiner in range(0, space.size, 7):
            if joiner in RING:
                continue
            first = on_host(node, ni.Receive(JoinRequest(src=joiner, joiner=joiner)))
            if not first.node.pending:
                continue
            ((hop, jmsg),) = first.node.pending
            out = on_host(first.node, ni.FireTimer(HopTimeout(hop, jmsg)))
            assert hop not in dests(out.effects, JoinRequest), (n, joiner)
            checked += 1
    assert checked > 500


# ============================================================================================
# The World: crash, leave, lossy and duplicating networks, timer semantics (R-WORLD-1..6)
# ============================================================================================
def test_R_WORLD_5_crash_makes_the_node_dead_and_loses_messages_to_it() -> None:
    """R-WORLD-5 (crash-stop): Crash(x) makes x dead, records it in ``down``, loses every
    message in flight to it, and every message sent to it later; it cannot crash again."""
    world = world_spec(crashes=(90,)).initial_world()
    world = with_network(
        world, Envelope(90, RowRequest(src=50, row=0)), Envelope(130, RowRequest(src=50, row=0))
    )
    assert Crash(90) in world.actions()
    after = world.apply(Crash(90))
    assert after.node(90) == NodeState.new(90, CFG)
    assert after.down == (90,) and after.is_down(90)
    assert after.crashes_left == ()
    assert [e.dest for e in after.network] == [130]
    assert Crash(90) not in after.actions()
    # 50's KeepAlive for 90 may fire now; its probe to 90 is lost.
    later = after.apply(FireTimer(50, KeepAlive(90)))
    assert later.node(50).probing == {90}
    assert all(e.dest != 90 for e in later.network)
    with pytest.raises(PastryRefError):
        after.apply(Crash(90))


def test_R_WORLD_5_leave_sends_departures_first() -> None:
    """R-WORLD-5 with R-FAIL-2: Leave(x) lets ready x tell its leaf set (LeaveNotice in flight to
    each member), then x is dead and down; Leave is enabled only at a ready node listed."""
    world = world_spec(leaves=(130,)).initial_world()
    assert Leave(130) in world.actions()
    after = world.apply(Leave(130))
    notice = LeaveNotice(src=130, leaf_set=(50, 90, 130, 170, 210))
    assert [(e.dest, e.msg) for e in after.network] == [(n, notice) for n in (50, 90, 170, 210)]
    assert after.node(130).status is Status.DEAD and after.down == (130,)
    assert Leave(130) not in after.actions()
    with pytest.raises(PastryRefError):
        after.apply(Leave(130))
    with pytest.raises(PastryRefError):
        world.apply(Leave(50))  # not listed in leaves


def test_R_WORLD_1_drop_only_on_a_lossy_network_and_within_budget() -> None:
    """R-WORLD-1: a lossy network may lose messages, one Drop per distinct message while the
    budget lasts, and never duplicates; a reliable network does neither."""
    env1, env2 = Envelope(130, RowRequest(src=50, row=0)), Envelope(170, RowRequest(src=50, row=1))
    reliable = with_network(world_spec().initial_world(), env1, env2)
    assert not [a for a in reliable.actions() if isinstance(a, Drop | Duplicate)]
    with pytest.raises(PastryRefError):
        reliable.apply(Drop(130, env1.msg))
    lossy = world_spec(network=NetworkModel.LOSSY, drops=1).initial_world()
    lossy = with_network(lossy, env1, env2)
    assert [a for a in lossy.actions() if isinstance(a, Drop | Duplicate)] == [
        Drop(130, env1.msg),
        Drop(170, env2.msg),
    ]
    after = lossy.apply(Drop(130, env1.msg))
    assert after.network == (env2,) and after.drops_left == 0
    assert after.node(130) == lossy.node(130)
    assert not [a for a in after.actions() if isinstance(a, Drop)]
    with pytest.raises(PastryRefError):
        after.apply(Drop(170, env2.msg))


def test_R_WORLD_1_duplicate_only_on_a_duplicating_network_and_within_budget() -> None:
    """R-WORLD-1: a duplicating network may copy a message while the budget lasts, and never
    loses one."""
    env = Envelope(130, RowRequest(src=50, row=0))
    world = world_spec(network=NetworkModel.DUPLICATING, duplicates=1).initial_world()
    world = with_network(world, env)
    assert [a for a in world.actions() if isinstance(a, Drop | Duplicate)] == [
        Duplicate(130, env.msg)
    ]
    after = world.apply(Duplicate(130, env.msg))
    assert after.network == (env, env) and after.duplicates_left == 0
    assert not [a for a in after.actions() if isinstance(a, Drop | Duplicate)]
    with pytest.raises(PastryRefError):
        after.apply(Duplicate(130, env.msg))


def test_R_WORLD_6_quiet_keep_alive_needs_the_member_down_and_silent() -> None:
    """R-WORLD-6 (quiet: a perfect failure detector): KeepAlive(y) at x may fire only when y is
    down and nothing from y to x is in flight."""
    world = world_spec(crashes=(90,)).initial_world()
    assert not world.may_fire(50, KeepAlive(90))
    assert not [a for a in world.actions() if isinstance(a, FireTimer)]
    down = world.apply(Crash(90))
    assert down.may_fire(50, KeepAlive(90))
    assert not down.may_fire(50, KeepAlive(130))
    pending = with_network(down, Envelope(50, RowReply(src=90, row=0, entries=())))
    assert not pending.may_fire(50, KeepAlive(90))
    assert pending.may_fire(130, KeepAlive(90))  # the message is not to 130
    with pytest.raises(PastryRefError):
        pending.apply(FireTimer(50, KeepAlive(90)))


def test_R_WORLD_6_quiet_probe_timeout_needs_neither_probe_nor_reply_in_flight() -> None:
    """R-WORLD-6: ProbeTimeout(y) at x may fire only when neither x's probe to y nor y's reply
    to x is in flight."""
    world = world_spec().initial_world()
    world = with_node(world, attrs.evolve(world.node(50), probing=frozenset({130})))
    assert world.may_fire(50, ProbeTimeout(130))
    probe = with_network(world, Envelope(130, LSProbe(src=50, leaf_set=(10, 50, 90))))
    assert not probe.may_fire(50, ProbeTimeout(130))
    reply = with_network(world, Envelope(50, LSProbeReply(src=130, leaf_set=(90, 130, 170))))
    assert not reply.may_fire(50, ProbeTimeout(130))
    other = with_network(world, Envelope(130, LSProbe(src=90, leaf_set=(10, 50, 90))))
    assert other.may_fire(50, ProbeTimeout(130))


def test_R_WORLD_6_quiet_hop_timeout_needs_neither_message_nor_ack_in_flight() -> None:
    """R-WORLD-6: HopTimeout(hop, m) at x may fire only when neither m to hop nor hop's ack of
    m to x is in flight."""
    msg = RouteMessage(src=10, key=200, payload=LookupPayload(id=1))
    world = world_spec(config=ACKS).initial_world()
    world = with_node(world, attrs.evolve(world.node(10), pending=frozenset({(210, msg)})))
    timer = HopTimeout(210, msg)
    assert world.may_fire(10, timer)
    assert not with_network(world, Envelope(210, msg)).may_fire(10, timer)
    assert not with_network(world, Envelope(10, HopAck(src=210, msg=msg))).may_fire(10, timer)
    other = with_network(
        world, Envelope(210, RouteMessage(src=10, key=200, payload=LookupPayload(id=2)))
    )
    assert other.may_fire(10, timer)


def test_R_WORLD_6_any_lets_every_armed_timer_fire() -> None:
    """R-WORLD-6 (any: false suspicion under asynchrony): every armed non-periodic timer of
    every live node may fire, even a live member's KeepAlive with messages in flight."""
    world = world_spec(timers=TimerSemantics.ANY).initial_world()
    world = with_node(world, attrs.evolve(world.node(50), probing=frozenset({130})))
    world = with_network(world, Envelope(130, LSProbe(src=50, leaf_set=(10, 50, 90))))
    expected = {(n.id, t) for n in world.nodes for t in armed_timers(n) if t != RowMaintenance()}
    assert fires(world) == expected
    assert (50, ProbeTimeout(130)) in expected and (10, KeepAlive(50)) in expected


@pytest.mark.parametrize("timers", list(TimerSemantics))
def test_R_WORLD_6_row_maintenance_fires_only_within_the_periodic_budget(
    timers: TimerSemantics,
) -> None:
    """R-WORLD-6 / R-RTR-3: RowMaintenance may fire at ready nodes only while periodic_left >
    0, under either semantics; each firing spends one."""
    none = world_spec(timers=timers).initial_world()
    assert not [t for _, t in fires(none) if t == RowMaintenance()]
    world = world_spec(timers=timers, periodic=1).initial_world()
    assert {n for n, t in fires(world) if t == RowMaintenance()} == set(RING)
    after = world.apply(FireTimer(10, RowMaintenance()))
    assert after.periodic_left == 0
    assert not [t for _, t in fires(after) if t == RowMaintenance()]
    with pytest.raises(PastryRefError):
        after.apply(FireTimer(50, RowMaintenance()))


def test_R_WORLD_6_apply_refuses_timers_that_are_not_enabled() -> None:
    """R-WORLD-6: ``apply`` refuses a FireTimer that is not armed, that may not fire now, or at a
    dead node, with PastryRefError."""
    world = world_spec(crashes=(90,)).initial_world()
    for action in (
        FireTimer(50, KeepAlive(77)),  # not armed
        FireTimer(50, ProbeTimeout(90)),  # not armed
        FireTimer(50, KeepAlive(90)),  # armed, but 90 is alive (quiet)
        FireTimer(50, RowMaintenance()),  # no periodic budget
    ):
        with pytest.raises(PastryRefError, match="not enabled"):
            world.apply(action)
    down = world.apply(Crash(90))
    with pytest.raises(PastryRefError, match="not enabled"):
        down.apply(FireTimer(90, KeepAlive(50)))


def test_R_WORLD_4_shared_budgets_make_actions_dependent() -> None:
    """R-WORLD-4: actions at different nodes are independent, except two drops, two
    duplications or two RowMaintenance firings, which draw on one budget."""
    model = PastryModel(world_spec())
    m1, m2 = RowRequest(src=50, row=0), RowRequest(src=90, row=0)
    pairs: list[tuple[WorldAction, WorldAction, bool]] = [
        (Drop(130, m1), Drop(170, m2), False),
        (Duplicate(130, m1), Duplicate(170, m2), False),
        (FireTimer(10, RowMaintenance()), FireTimer(50, RowMaintenance()), False),
        (FireTimer(10, KeepAlive(50)), FireTimer(50, KeepAlive(10)), True),
        (FireTimer(10, RowMaintenance()), FireTimer(50, KeepAlive(10)), True),
        (Drop(130, m1), Receive(170, m2), True),
        (Crash(10), Leave(50), True),
        (Crash(10), FireTimer(10, KeepAlive(50)), False),
    ]
    for a, b, independent in pairs:
        assert model.independent(a, b) is independent, (a, b)
        assert model.independent(b, a) is independent, (b, a)


# ============================================================================================
# WorldSpec validation and scenario files
# ============================================================================================
@pytest.mark.parametrize(
    ("kw", "text"),
    [
        (
            {"crashes": (77,)},
            r"environment.crashes\[0\]: 77 is not a node of the scenario",
        ),
        ({"leaves": (10, 77)}, r"environment.leaves\[1\]: 77 is not a node of the scenario"),
        ({"crashes": (10, 10)}, "environment.crashes: each node may be listed once"),
        (
            {"crashes": (90,), "leaves": (50, 90)},
            "environment: node 90 is listed in both crashes and leaves",
        ),
        ({"drops": 1}, "network.drops: a budget needs network.model = 'lossy'"),
        (
            {"network": NetworkModel.LOSSY},
            "network.drops: a lossy network needs a budget >= 1",
        ),
        (
            {"network": NetworkModel.LOSSY, "drops": 1, "duplicates": 1},
            "network.duplicates: a budget needs network.model = 'duplicating'",
        ),
        (
            {"network": NetworkModel.DUPLICATING},
            "network.duplicates: a duplicating network needs a budget >= 1",
        ),
        ({"network": NetworkModel.LOSSY, "drops": -1}, "network.drops: expected an integer"),
        ({"periodic": -1}, r"environment.periodic: expected an integer >= 0, got -1"),
        ({"timers": "quiet"}, "protocol.timers: expected one of"),
        ({"network": "lossy"}, "network.model: expected one of"),
    ],
)
def test_R_WORLD_2_worldspec_refuses_bad_failure_settings(kw: dict[str, Any], text: str) -> None:
    """R-WORLD-2 / R-WORLD-5 / R-WORLD-1: WorldSpec refuses a bad failure environment with a
    PastryRefError naming the key."""
    with pytest.raises(PastryRefError, match=text):
        world_spec(**kw)


def test_R_WORLD_2_worldspec_accepts_a_joiner_that_crashes_or_leaves() -> None:
    """R-WORLD-2: crashes and leaves may name joiners as well as initial nodes."""
    spec = world_spec(joins=((100, 10), (60, 10)), crashes=(100, 10), leaves=(60,))
    world = spec.initial_world()
    assert world.crashes_left == (10, 100) and world.leaves_left == (60,)
    # A joiner that has not started cannot crash or leave yet.
    assert Crash(100) not in world.actions() and Leave(60) not in world.actions()


BASE: dict[str, Any] = {
    "space": {"bits": 8, "b": 2, "leaf_set_size": 4},
    "initial": {"ready": [10, 90, 170]},
}


def scenario(**sections: dict[str, Any]) -> dict[str, Any]:
    data: dict[str, Any] = {k: dict(v) for k, v in BASE.items()}
    for k, v in sections.items():
        data[k] = v
    return data


@pytest.mark.parametrize(
    ("sections", "key"),
    [
        ({"protocol": {"timers": "sometimes"}}, "protocol.timers"),
        ({"protocol": {"timers": ["quiet", "later"]}}, r"protocol.timers\[1\]"),
        ({"protocol": {"timers": ["quiet", "quiet"]}}, "protocol.timers"),
        ({"protocol": {"timers": []}}, "protocol.timers"),
        ({"protocol": {"hop_acks": "yes"}}, "protocol.hop_acks"),
        ({"protocol": {"probe_retry": 1}}, "protocol.probe_retry"),
        ({"protocol": {"retries": 2}}, r"\[protocol\] unknown key 'retries'"),
        ({"environment": {"crashes": 10}}, "environment.crashes"),
        ({"environment": {"crashes": [77]}}, r"environment.crashes\[0\]"),
        ({"environment": {"leaves": ["x"]}}, r"environment.leaves\[0\]"),
        ({"environment": {"leaves": [170, 99]}}, r"environment.leaves\[1\]"),
        (
            {"environment": {"crashes": [10], "leaves": [10]}},
            "environment: node 10 is listed in both crashes and leaves",
        ),
        ({"environment": {"periodic": -1}}, "environment.periodic"),
        ({"environment": {"periodic": True}}, "environment.periodic"),
        ({"environment": {"periodic": "2"}}, "environment.periodic"),
        ({"network": {"model": "flaky"}}, "network.model"),
        ({"network": {"model": 1}}, "network.model"),
        ({"network": {"drops": 1}}, "network.drops"),
        ({"network": {"model": "lossy"}}, "network.drops"),
        ({"network": {"model": "lossy", "drops": "1"}}, "network.drops"),
        ({"network": {"model": "duplicating"}}, "network.duplicates"),
        ({"network": {"duplicates": 2}}, "network.duplicates"),
        ({"network": {"delay": 2}}, r"\[network\] unknown key 'delay'"),
        ({"network": "lossy"}, r"\[network\]"),
    ],
)
def test_scenario_file_refuses_bad_failure_keys_naming_the_key(
    sections: dict[str, Any], key: str
) -> None:
    """Scenario files (docs/scenarios.md, DESIGN 8): every bad value of the failure keys is one
    ScenarioFileError naming the file and the key."""
    with pytest.raises(ScenarioFileError, match=key) as info:
        parse_scenario(scenario(**sections), "f.toml")
    assert str(info.value).startswith("f.toml: ")


def test_scenario_file_failure_keys_reach_the_world() -> None:
    """Scenario files: [protocol] hop_acks/probe_retry, [environment] crashes/leaves/periodic and
    [network] model/drops reach the Config and the WorldSpec."""
    data = scenario(
        protocol={"timers": "any", "hop_acks": True, "probe_retry": False},
        environment={"crashes": [10], "leaves": [90], "periodic": 2},
        network={"model": "lossy", "drops": 3},
    )
    (sc,) = parse_scenario(data, "f.toml", default_name="fail")
    assert sc.name == "fail"
    model = sc.model()
    assert isinstance(model, PastryModel)
    spec = model.spec
    assert spec.config.hop_acks is True and spec.config.probe_retry is False
    assert spec.crashes == (10,) and spec.leaves == (90,) and spec.periodic == 2
    assert spec.network is NetworkModel.LOSSY and spec.drops == 3
    assert spec.timers is TimerSemantics.ANY


def test_scenario_file_timer_list_defines_one_scenario_per_semantics() -> None:
    """Scenario files: ``timers = ["quiet", "any"]`` yields NAME/quiet and NAME/any, each with
    its semantics; with two joins too, the variant names both choices."""
    data = scenario(protocol={"timers": ["quiet", "any"]})
    data["name"] = "crash"
    data["check"] = {"expect": {"quiet": "pass", "any": "violated"}}
    out = parse_scenario(data, "f.toml")
    assert [s.name for s in out] == ["crash/quiet", "crash/any"]
    specs = []
    for s in out:
        model = s.model()
        assert isinstance(model, PastryModel)
        specs.append(model.spec.timers)
    assert specs == [TimerSemantics.QUIET, TimerSemantics.ANY]
    assert [s.expected.value for s in out] == ["pass", "violated"]
    both = scenario(protocol={"timers": ["quiet", "any"], "join": ["consistent", "paper"]})
    names = [s.name for s in parse_scenario(both, "f.toml", default_name="x")]
    assert names == ["x/consistent/quiet", "x/consistent/any", "x/paper/quiet", "x/paper/any"]


# ============================================================================================
# drive.settle: detection and repair run to the end (quiet semantics)
# ============================================================================================
def _assert_repaired(world: World, ring: tuple[int, ...], cfg: Config) -> None:
    live = [x for x in ring if not world.is_down(x)]
    assert world.network == ()
    for x in live:
        node = world.node(x)
        assert node.status is Status.READY, x
        assert not node.leaf_set.members() & set(world.down), x
        ideal = ideal_leaf_set(x, live, cfg)
        assert (node.leaf_set.left, node.leaf_set.right) == (ideal.left, ideal.right), x


@pytest.mark.parametrize("retry", [True, False])
@pytest.mark.parametrize("victim", RING)
def test_drive_settle_repairs_leaf_sets_after_a_crash(victim: int, retry: bool) -> None:
    """drive.settle (R-WORLD-6 quiet, R-FD-1..4, R-LSR-1..2): after one crash in a six-node
    ring, settling ends with no dead node in any leaf set and every live node's leaf set equal
    to the oracle's ideal one over the live nodes."""
    cfg = attrs.evolve(CFG, probe_retry=retry)
    world = world_spec(config=cfg, crashes=(victim,)).initial_world()
    world = world.apply(Crash(victim))
    world, _, firings = settle(world)
    assert firings > 0
    _assert_repaired(world, RING, cfg)


@pytest.mark.parametrize("cfg", [CFG, L2, ACKS], ids=["L4", "L2", "hop_acks"])
def test_drive_settle_repairs_a_larger_ring_after_a_crash_and_a_leave(cfg: Config) -> None:
    """drive.settle: eleven nodes, one crash and one graceful leave (not adjacent), each
    settled in turn: the leaf sets end ideal over the live nodes."""
    world = WorldSpec(cfg, RING11, crashes=(130,), leaves=(205,)).initial_world()
    world, _, _ = settle(world.apply(Crash(130)))
    world, _, _ = settle(world.apply(Leave(205)))
    _assert_repaired(world, RING11, cfg)


def test_drive_settle_repairs_leaf_sets_after_two_simultaneous_leaves() -> None:
    """drive.settle with R-FAIL-2 and R-LSR-1 (Pastry 2.4: the leaf set is repaired unless L/2
    nodes with adjacent ids fail at once): two non-adjacent nodes leave before anything is
    delivered; the leaf sets still end ideal. Regression: a refilled half once faked a complete
    leaf set here and the repair never ran."""
    ring = (10, 50, 90, 130, 170, 210, 250)
    world = WorldSpec(CFG, ring, leaves=(10, 90)).initial_world()
    world = world.apply(Leave(10)).apply(Leave(90))
    world, _, _ = settle(world)
    _assert_repaired(world, ring, CFG)


def test_drive_settle_ends_only_when_no_timer_may_fire() -> None:
    """drive.settle: the settled World has nothing to deliver and, periodic timers aside, no
    timer that may fire under the quiet semantics."""
    world = world_spec(crashes=(90,), lookups=((10, 95),)).initial_world()
    world = world.apply(Crash(90)).apply(Request(10, Lookup(key=95, id=0)))
    world, deliveries, firings = settle(world)
    assert deliveries > 0 and firings > 0
    assert not [
        a
        for a in world.actions()
        if isinstance(a, Receive) or (isinstance(a, FireTimer) and a.timer != RowMaintenance())
    ]
    assert all(90 in world.node(n).failed for n in (10, 50, 130))


# ============================================================================================
# R-CFG-3 / R-CFG-4 / R-TIME-2: the two failure options and who decides when a timer fires
# ============================================================================================
def test_R_CFG_3_hop_acks_off_sends_no_ack_and_tracks_nothing() -> None:
    """R-CFG-3: hop acks default off; off, a forwarded lookup is neither tracked nor acked,
    and no HopTimeout is ever armed; on, both happen."""
    assert Config.make(bits=8, b=2, leaf_set_size=4).hop_acks is False
    msg = RouteMessage(src=10, key=200, payload=LookupPayload(id=1))
    off = on_host(ready(210), ni.Receive(msg))
    assert sent(off.effects, HopAck) == []
    on = on_host(ready(210, cfg=ACKS), ni.Receive(msg))
    assert sent(on.effects, HopAck) == [Send(10, HopAck(src=210, msg=msg))]
    fwd = on_host(ready(10), ni.Route(200, LookupPayload(id=1)))
    assert not any(isinstance(t, HopTimeout) for t in armed_timers(fwd.node))


def test_R_CFG_4_probe_retry_defaults_on_and_decides_the_first_timeout() -> None:
    """R-CFG-4: probe_retry defaults on (the first ProbeTimeout re-probes); off, the first
    timeout declares the node failed."""
    assert Config.make(bits=8, b=2, leaf_set_size=4).probe_retry is True
    for cfg, failed in ((None, False), (NO_RETRY, True)):
        node = ready(130, RING11) if cfg is None else ready(130, RING11, cfg)
        node = on_host(node, ni.FireTimer(KeepAlive(155))).node
        out = on_host(node, ni.FireTimer(ProbeTimeout(155)))
        assert (155 in out.node.failed) is failed


def test_R_TIME_2_a_timer_carries_no_duration_and_the_world_decides() -> None:
    """R-TIME-2: timers are plain values naming what they wait for (no time field), and the
    same armed timer may fire or not depending only on the World (its semantics and network)."""
    for cls in (KeepAlive, ProbeTimeout, HopTimeout, RowMaintenance):
        names = {f.name for f in attrs.fields(cls)}
        assert not names & {"time", "duration", "deadline", "delay", "at"}
    world = world_spec(crashes=(90,)).initial_world()
    assert not world.may_fire(50, KeepAlive(90))  # 90 is alive: its heartbeats keep arriving
    down = world.apply(Crash(90))
    assert down.may_fire(50, KeepAlive(90))
    anytime = attrs.evolve(world, timers=TimerSemantics.ANY)
    assert anytime.may_fire(50, KeepAlive(90))
