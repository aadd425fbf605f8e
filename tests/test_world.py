"""The World (spec/pastry.md §7.4, R-WORLD-1..4), ``WorldSpec`` validation, and the drivers
``quiesce`` and ``build_ring``.

The small space is 8-bit ids, b = 2, L = 4, M = 4; the initial ring is 10, 90, 170 (ready, with
the oracle's ideal tables).
"""

from __future__ import annotations

import re
from collections import deque
from collections.abc import Hashable
from typing import ClassVar

import attrs
import pytest

from pastry_ref.app import App, AppStep, Lookup, LookupApp, LookupPayload, Reply
from pastry_ref.check.model import PastryModel
from pastry_ref.errors import ApiMisuse, InvalidId, NotEnabled, PastryRefError
from pastry_ref.node import (
    HopAck,
    HopTimeout,
    JoinDone,
    JoinRequest,
    KeepAlive,
    LeaveNotice,
    LSProbe,
    LSProbeReply,
    NodeState,
    ProbeTimeout,
    RouteMessage,
    RowMaintenance,
    Send,
    Status,
    accepts,
)
from pastry_ref.ring.config import Config, JoinProtocol
from pastry_ref.scribe import HeartbeatDue
from pastry_ref.system import (
    Crash,
    Drop,
    Duplicate,
    Envelope,
    FireTimer,
    Join,
    Leave,
    Livelock,
    NetworkModel,
    Receive,
    Request,
    TimerSemantics,
    World,
    WorldAction,
    WorldSpec,
    build_ring,
    quiesce,
)
from pastry_ref.system import invariants as inv
from pastry_ref.system.actions import canonical_order

CFG = Config.make(bits=8, b=2, leaf_set_size=4, neighborhood_size=4)
INITIAL = (10, 90, 170)


@attrs.frozen(slots=True)
class Ask:
    """A client request of the test application ``Answer``."""

    n: int


@attrs.frozen(slots=True)
class Beat:
    """The test application's timer: a periodic one, as every application timer is."""


@attrs.frozen(slots=True)
class Answer(App):
    """Answers each ``Ask`` at once with two replies, the later-sorting one first; always
    armed with ``Beat``, whose firing does nothing."""

    NAME: ClassVar[str] = "answer"
    REQUESTS: ClassVar[tuple[type, ...]] = (Ask,)
    TIMERS: ClassVar[tuple[type, ...]] = (Beat,)

    def request(self, node: NodeState, request: Hashable) -> AppStep:
        return AppStep(self, (Reply(request, "second"), Reply(request, "first")))

    def fire(self, node: NodeState, timer: Hashable) -> AppStep:
        return AppStep(self)

    def armed_timers(self, node: NodeState) -> frozenset[Hashable]:
        return frozenset({Beat()})


def spec(**kw: object) -> WorldSpec:
    args: dict[str, object] = {
        "config": CFG,
        "initial": INITIAL,
        "joins": ((100, 10), (50, 90)),
        "lookups": ((10, 95), (100, 20)),
    }
    args.update(kw)
    return WorldSpec(**args)  # type: ignore[arg-type]


def with_network(world: World, *envelopes: Envelope) -> World:
    """``world`` with ``envelopes`` added to its network, kept sorted as the World keeps it."""
    net = sorted((*world.network, *envelopes), key=lambda e: e.order)
    return attrs.evolve(world, network=tuple(net))


def receives(world: World) -> list[Receive]:
    return [a for a in world.actions() if isinstance(a, Receive)]


# ============================================================================================
# R-WORLD-1: the network
# ============================================================================================
def test_R_WORLD_1_actions_are_deterministic_and_ordered() -> None:
    """R-WORLD-1/2: the enabled actions come in one deterministic order: the joins (sorted),
    the lookups whose origin is ready (in scenario order), then the accepted messages in the
    network's sorted order; two equal Worlds list the same actions."""
    w = spec().initial_world()
    assert w.actions() == (Join(50, 90), Join(100, 10), Request(10, Lookup(key=95, id=0)))
    w = w.apply(Join(100, 10)).apply(Join(50, 90))
    again = spec().initial_world().apply(Join(50, 90)).apply(Join(100, 10))
    assert w == again and w.actions() == again.actions()
    assert [e.order for e in w.network] == sorted(e.order for e in w.network)
    msgs = [(a.dest, a.msg) for a in w.actions() if isinstance(a, Receive)]
    assert msgs == [(e.dest, e.msg) for e in w.network if accepts(w.node(e.dest), e.msg)]
    assert msgs == [(10, JoinRequest(src=100, joiner=100)), (90, JoinRequest(src=50, joiner=50))]
    assert w.actions()[0] == Request(10, Lookup(key=95, id=0))


def test_R_WORLD_1_every_accepted_message_is_an_action() -> None:
    """R-WORLD-1 (unordered network): every in-flight message its destination accepts may be
    delivered next, whatever the order it was sent in."""
    w = spec().initial_world().apply(Join(100, 10)).apply(Join(50, 90))
    w = w.apply(Receive(10, JoinRequest(src=100, joiner=100)))
    for _ in range(4):
        enabled = {(a.dest, a.msg) for a in receives(w)}
        assert enabled == {(e.dest, e.msg) for e in w.network if accepts(w.node(e.dest), e.msg)}
        assert len(enabled) >= 1
        w = w.apply(receives(w)[-1])  # the last one, not the first: order does not matter


def test_R_WORLD_1_sent_messages_are_put_in_flight_reliably() -> None:
    """R-WORLD-1 (reliable): a step's Send effects all land in the network, once each."""
    w = spec().initial_world()
    after, effects = w.apply_with_effects(Join(100, 10))
    assert after.network == (Envelope(10, JoinRequest(src=100, joiner=100)),)
    assert [e.msg for e in effects] == [JoinRequest(src=100, joiner=100)]


def test_R_WORLD_1_identical_copies_give_one_action_and_are_delivered_one_at_a_time() -> None:
    """R-WORLD-1: the network is a multiset: two identical copies in flight are one action,
    and delivering it consumes exactly one copy (no duplication, no loss)."""
    w = spec(joins=(), lookups=()).initial_world()
    done = Envelope(90, JoinDone(src=100))
    w = with_network(w, done, done, Envelope(10, JoinDone(src=100)))
    assert w.actions() == (Receive(10, JoinDone(src=100)), Receive(90, JoinDone(src=100)))
    w1 = w.apply(Receive(90, JoinDone(src=100)))
    assert w1.network == (Envelope(10, JoinDone(src=100)), done)
    w2 = w1.apply(Receive(90, JoinDone(src=100)))
    assert w2.network == (Envelope(10, JoinDone(src=100)),)
    with pytest.raises(PastryRefError, match="not enabled"):
        w2.apply(Receive(90, JoinDone(src=100)))


def test_R_WORLD_1_canonical_order_is_a_total_order_over_every_kind_of_field() -> None:
    """R-WORLD-1: the network is kept sorted by ``canonical_order``, so it must order every
    kind of message field against every other: None, ints and bools, strings, tuples,
    frozensets and attrs values (a message inside a message), mixed together. Every pair
    compares, exactly one of <, ==, > holds, two keys tie exactly when the values are equal
    (True is 1, as in Python), and the sorted keys are a chain (transitive)."""
    values: list[object] = [
        None,
        0,
        1,
        -3,
        7,
        True,
        False,
        "",
        "a",
        "ab",
        "b",
        (),
        (0,),
        (0, 1),
        (None,),
        ("a",),
        ((1,),),
        (JoinDone(src=1),),
        frozenset(),
        frozenset({1}),
        frozenset({1, 2}),
        frozenset({"a"}),
        frozenset({(1,)}),
        JoinDone(src=1),
        JoinDone(src=2),
        LSProbe(src=1, leaf_set=(1, 2)),
        RowMaintenance(),
        KeepAlive(1),
        HopTimeout(next_hop=3, msg=JoinRequest(src=1, joiner=1)),
    ]
    keys = [canonical_order(v) for v in values]
    for a, ka in zip(values, keys, strict=True):
        for b, kb in zip(values, keys, strict=True):
            assert [ka < kb, ka == kb, kb < ka].count(True) == 1, (a, b)
            assert (ka == kb) is (a == b), (a, b)
    chain = sorted(keys)
    assert all(x <= y for i, x in enumerate(chain) for y in chain[i:])
    assert canonical_order(frozenset({2, 1})) == canonical_order(frozenset({1, 2}))
    with pytest.raises(TypeError, match=r"cannot order message field 1\.5"):
        canonical_order(1.5)


def test_R_WORLD_1_an_envelope_is_its_destination_and_its_message() -> None:
    """R-WORLD-1: an in-flight message is the value (dest, msg); its place in the sorted
    network is derived from them and is no part of its value: equal, hashed and printed as
    dest and msg only (the repr is what every failing comparison of a network shows)."""
    e = Envelope(90, JoinDone(src=100))
    assert e == Envelope(90, JoinDone(src=100))
    assert hash(e) == hash(Envelope(90, JoinDone(src=100)))
    assert e != Envelope(10, JoinDone(src=100)) and e != Envelope(90, JoinDone(src=10))
    assert repr(e) == "Envelope(dest=90, msg=JoinDone(src=100))"
    assert Envelope(10, JoinDone(src=100)).order < e.order


def test_R_WORLD_1_a_world_built_without_options_is_reliable_and_quiet() -> None:
    """R-WORLD-1/2/6 defaults: a World given only its nodes has a reliable network (no Drop,
    no Duplicate), no environment budget (no join, crash, leave, request, periodic firing),
    nobody down, no replies, and quiet timers: with one message in flight, delivering it is
    the one enabled action."""
    nodes = spec().initial_world().nodes
    w = World.of_nodes(CFG, nodes)
    assert (w.network, w.joins_left, w.requests_left, w.crashes_left, w.leaves_left) == (
        (),
        (),
        (),
        (),
        (),
    )
    assert (w.drops_left, w.duplicates_left, w.periodic_left) == (0, 0, 0)
    assert (w.down, w.replies, w.timers) == ((), (), TimerSemantics.QUIET)
    assert w.actions() == ()
    w = with_network(w, Envelope(90, JoinDone(src=100)))
    assert w.actions() == (Receive(90, JoinDone(src=100)),)


def test_R_WORLD_1_actions_are_named_as_spec_names_them_and_act_at_one_node() -> None:
    """R-WORLD-1/2/4/6/7: every kind of action, as ``World.actions`` lists them (joins,
    crashes, leaves, requests, messages, drops, duplicates, then timers by node): its ``name``
    is the one spec/, traces and tests use (``Join``, the request's type, ``Crash``,
    ``Leave``, ``Receive<Type>``, ``Drop``, ``Duplicate``, ``Fire<Timer>``) and ``at`` the node
    it happens at (the joiner, the origin, the node going down, the message's destination, the
    timer's owner)."""
    s = spec(crashes=(170,), leaves=(90,), periodic=1, timers=TimerSemantics.ANY)
    w = attrs.evolve(s.initial_world(), drops_left=1, duplicates_left=1)
    w = with_network(w, Envelope(90, JoinDone(src=100)))
    got = [(a.name, a.at, a) for a in w.actions()]
    done = JoinDone(src=100)
    fire = "FireKeepAlive"
    assert got == [
        ("Join", 50, Join(50, 90)),
        ("Join", 100, Join(100, 10)),
        ("Crash", 170, Crash(170)),
        ("Leave", 90, Leave(90)),
        ("Lookup", 10, Request(10, Lookup(key=95, id=0))),
        ("ReceiveJoinDone", 90, Receive(90, done)),
        ("Drop", 90, Drop(90, done)),
        ("Duplicate", 90, Duplicate(90, done)),
        (fire, 10, FireTimer(10, KeepAlive(170))),
        (fire, 10, FireTimer(10, KeepAlive(90))),
        ("FireRowMaintenance", 10, FireTimer(10, RowMaintenance())),
        (fire, 90, FireTimer(90, KeepAlive(10))),
        (fire, 90, FireTimer(90, KeepAlive(170))),
        ("FireRowMaintenance", 90, FireTimer(90, RowMaintenance())),
        (fire, 170, FireTimer(170, KeepAlive(10))),
        (fire, 170, FireTimer(170, KeepAlive(90))),
        ("FireRowMaintenance", 170, FireTimer(170, RowMaintenance())),
    ]
    hop = HopTimeout(next_hop=90, msg=JoinRequest(src=10, joiner=100))
    others = [FireTimer(10, ProbeTimeout(90)), FireTimer(10, hop), FireTimer(90, HeartbeatDue(7))]
    assert [(a.name, a.at) for a in others] == [
        ("FireProbeTimeout", 10),
        ("FireHopTimeout", 10),
        ("FireHeartbeatDue", 90),
    ]


def test_R_WORLD_1_a_drop_loses_exactly_that_message_wherever_it_sits() -> None:
    """R-WORLD-1 (lossy): Drop(dest, msg) removes one copy of that message, whether it sits
    first, in the middle or last in the sorted network, and nothing else: every other message
    (and the other copy) stays in flight, the budget shrinks by one, no node steps."""
    w = spec(joins=(), lookups=(), network=NetworkModel.LOSSY, drops=1).initial_world()
    a, b, c = (
        Envelope(10, JoinDone(src=90)),
        Envelope(90, JoinDone(src=10)),
        Envelope(170, JoinDone(src=10)),
    )
    w = with_network(w, a, b, b, c)
    assert w.network == (a, b, b, c)
    for env, rest in ((a, (b, b, c)), (b, (a, b, c)), (c, (a, b, b))):
        after, effects = w.apply_with_effects(Drop(env.dest, env.msg))
        assert (after.network, after.drops_left, effects) == (rest, 0, ())
        assert attrs.evolve(after, network=w.network, drops_left=1) == w


def test_R_WORLD_2_a_crash_or_leave_not_enabled_is_refused() -> None:
    """R-WORLD-2/5 and the World's rule 2: Crash(x) needs x listed in crashes and not dead,
    Leave(x) needs x listed in leaves and ready; anything else is refused with NotEnabled,
    naming the action, whichever condition fails (a live node not listed, a listed node not
    started)."""
    s = spec(crashes=(90, 100), leaves=(170, 50), lookups=())
    w = s.initial_world()
    assert [a for a in w.actions() if isinstance(a, Crash | Leave)] == [Crash(90), Leave(170)]
    for action in (Crash(10), Crash(170), Crash(100), Leave(10), Leave(90), Leave(50)):
        with pytest.raises(NotEnabled, match=rf"^{re.escape(repr(action))} is not enabled$"):
            w.apply(action)


def test_R_WORLD_5_messages_to_a_down_node_are_lost_and_the_others_sent() -> None:
    """R-WORLD-5: a step that sends to a node that is down and then to a live one: the message
    to the down node is lost, the one after it is in flight (Leave(10) after Crash(90): 10's
    notices to 90 and to 170), and the step still reports both sends."""
    w = spec(crashes=(90,), leaves=(10,), joins=(), lookups=()).initial_world()
    w = w.apply(Crash(90))
    after, effects = w.apply_with_effects(Leave(10))
    notice = LeaveNotice(src=10, leaf_set=(10, 90, 170))
    assert [e for e in effects if isinstance(e, Send)] == [Send(90, notice), Send(170, notice)]
    assert after.network == (Envelope(170, notice),)
    assert after.down == (10, 90)


def test_R_WORLD_1_a_send_outside_the_world_is_refused() -> None:
    """R-WORLD-1 / API misuse: a host that sends to an id that is no node of the World (here
    a leaf set given a stranger, 50, by fault injection) is refused with ApiMisuse naming the
    id, never put in flight."""
    w = spec(leaves=(10,), joins=(), lookups=()).initial_world()
    n = w.node(10)
    w = w.replace_node(attrs.evolve(n, leaf_set=n.leaf_set.add(50)))
    with pytest.raises(ApiMisuse, match="node 50 is not part of this world"):
        w.apply(Leave(10))


def test_R_WORLD_7_replies_are_recorded_in_canonical_order() -> None:
    """R-WORLD-7: every Reply a host step yields is recorded in ``World.replies`` as (node,
    reply), in the canonical order whatever order the steps and the application gave them:
    by node, then by reply (two replies of one step: "first" before "second")."""
    s = spec(
        joins=(), lookups=(), apps=(LookupApp(), Answer()), requests=((170, Ask(1)), (10, Ask(2)))
    )
    w = s.initial_world()
    w1, effects = w.apply_with_effects(Request(170, Ask(1)))
    assert [e for e in effects if isinstance(e, Reply)] == [
        Reply(Ask(1), "second"),
        Reply(Ask(1), "first"),
    ]
    assert w1.replies == ((170, Reply(Ask(1), "first")), (170, Reply(Ask(1), "second")))
    w2 = w1.apply(Request(10, Ask(2)))
    assert w2.replies == (
        (10, Reply(Ask(2), "first")),
        (10, Reply(Ask(2), "second")),
        (170, Reply(Ask(1), "first")),
        (170, Reply(Ask(1), "second")),
    )
    assert w.replies == () and w2.network == ()


# ============================================================================================
# R-WORLD-2: the environment
# ============================================================================================
def test_R_WORLD_2_each_join_happens_at_most_once() -> None:
    """R-WORLD-2: a listed join is enabled from the start and happens once."""
    w = spec().initial_world()
    w1 = w.apply(Join(100, 10))
    assert w1.joins_left == ((50, 90),)
    assert Join(100, 10) not in w1.actions()
    with pytest.raises(PastryRefError, match="not enabled"):
        w1.apply(Join(100, 10))
    assert w1.node(100).status is Status.WAIT


def test_R_WORLD_2_a_lookup_waits_for_its_origin_and_happens_once() -> None:
    """R-WORLD-2: lookup [100, 20] is enabled only once its origin 100 is ready, and then
    happens once; the lookup at ready 10 is enabled at once."""
    w = spec().initial_world()
    assert Request(100, Lookup(key=20, id=1)) not in w.actions()
    w = w.apply(Join(100, 10))
    w, _ = quiesce(w)
    assert w.node(100).status is Status.READY
    assert Request(100, Lookup(key=20, id=1)) in w.actions()
    w1, effects = w.apply_with_effects(Request(100, Lookup(key=20, id=1)))
    assert w1.requests_left == ((10, Lookup(key=95, id=0)),)
    assert effects  # delivered or forwarded
    with pytest.raises(PastryRefError, match="not enabled"):
        w1.apply(Request(100, Lookup(key=20, id=1)))


def test_R_WORLD_2_apply_lookup_at_an_origin_not_ready_raises() -> None:
    """R-WORLD-2: a lookup whose origin is not ready is not enabled; applying it must refuse,
    not consume the lookup (a bug this test found: apply used to drop it silently)."""
    w = spec().initial_world()
    assert Request(100, Lookup(key=20, id=1)) not in w.actions()
    with pytest.raises(PastryRefError):
        w.apply(Request(100, Lookup(key=20, id=1)))


# ============================================================================================
# R-WORLD-3: waiting
# ============================================================================================
def test_R_WORLD_3_a_message_not_accepted_is_not_an_action_and_stays() -> None:
    """R-WORLD-3: joiner 50 joins through joiner 100, which has not started: the request stays
    in flight, not enabled, until 100 is ready, and is then delivered."""
    s = spec(joins=((100, 10), (50, 100)), lookups=())
    w = s.initial_world().apply(Join(50, 100))
    assert w.network == (Envelope(100, JoinRequest(src=50, joiner=50)),)
    assert receives(w) == []
    w = w.apply(Join(100, 10))
    for _ in range(1_000):  # bounded: a join that never ends fails here, by name
        a = next(
            (a for a in receives(w) if a.dest != 100 or a.msg != JoinRequest(src=50, joiner=50)),
            None,
        )
        if a is None:
            break
        w = w.apply(a)
        if w.node(100).status is not Status.READY:
            assert Envelope(100, JoinRequest(src=50, joiner=50)) in w.network
            assert Receive(100, JoinRequest(src=50, joiner=50)) not in w.actions()
    else:
        raise Livelock("the join of 100 still delivers after 1,000 messages")
    assert w.node(100).status is Status.READY
    assert Receive(100, JoinRequest(src=50, joiner=50)) in w.actions()


def test_R_WORLD_3_apply_of_a_waiting_message_raises() -> None:
    """R-WORLD-3: a message its destination does not accept is not enabled, so apply must
    refuse it and never drop it (a bug this test found: apply used to remove the message)."""
    s = spec(joins=((100, 10), (50, 100)), lookups=())
    w = s.initial_world().apply(Join(50, 100))
    action = Receive(100, JoinRequest(src=50, joiner=50))
    assert action not in w.actions()
    with pytest.raises(PastryRefError):
        w.apply(action)


def test_R_WORLD_3_apply_refuses_actions_that_are_not_there() -> None:
    """R-WORLD-3: apply refuses a join not listed, a lookup not listed, a message not in
    flight, each with PastryRefError."""
    w = spec().initial_world()
    with pytest.raises(PastryRefError, match="not enabled"):
        w.apply(Join(100, 90))
    with pytest.raises(PastryRefError, match="not enabled"):
        w.apply(Request(10, Lookup(key=95, id=1)))
    with pytest.raises(PastryRefError, match="not enabled"):
        w.apply(Receive(10, JoinRequest(src=100, joiner=100)))


# ============================================================================================
# R-WORLD-6: when a timer may fire
# ============================================================================================
def test_R_WORLD_6_quiet_probe_timeout_waits_only_for_its_probe_and_its_reply() -> None:
    """R-WORLD-6 (quiet): ProbeTimeout(90) at 10 is held back by 10's LSProbe to 90 and by
    90's LSProbeReply to 10, and by nothing else in flight: not a probe or reply of other
    nodes, not another message from 90 to 10 or to 10 from another node."""
    w = spec(joins=(), lookups=()).initial_world()
    w = w.replace_node(attrs.evolve(w.node(10), probing=frozenset({90})))
    fire = FireTimer(10, ProbeTimeout(90))
    assert w.may_fire(10, ProbeTimeout(90)) and fire in w.actions()
    probe, reply = (
        LSProbe(src=10, leaf_set=(10, 90, 170)),
        LSProbeReply(src=90, leaf_set=(10, 90, 170)),
    )
    for env in (Envelope(90, probe), Envelope(10, reply)):
        assert not with_network(w, env).may_fire(10, ProbeTimeout(90)), env
        assert fire not in with_network(w, env).actions(), env
    unrelated = (
        Envelope(170, probe),  # 10's probe to another node
        Envelope(10, LSProbeReply(src=170, leaf_set=(10, 90, 170))),  # another node's reply
        Envelope(170, reply),  # 90's reply to another node
        Envelope(90, LSProbe(src=170, leaf_set=(10, 90, 170))),  # another node's probe to 90
        Envelope(10, JoinDone(src=90)),  # not a reply, from 90 to 10
        Envelope(10, JoinDone(src=170)),  # not a reply, to 10
    )
    for env in unrelated:
        assert with_network(w, env).may_fire(10, ProbeTimeout(90)), env
    assert fire in with_network(w, *unrelated).actions()


def test_R_WORLD_6_quiet_hop_timeout_waits_only_for_its_message_and_its_ack() -> None:
    """R-WORLD-6 (quiet): HopTimeout(90, m) at 10 is held back by m on its way to 90 and by
    90's HopAck of m to 10, and by nothing else in flight: not m to another hop, not the ack
    to another node or another hop's ack, not another message to 10."""
    cfg = attrs.evolve(CFG, hop_acks=True)
    m = RouteMessage(src=10, key=95, payload=LookupPayload(id=0))
    w = spec(config=cfg, joins=(), lookups=()).initial_world()
    w = w.replace_node(attrs.evolve(w.node(10), pending=frozenset({(90, m)})))
    timer = HopTimeout(90, m)
    assert w.may_fire(10, timer) and FireTimer(10, timer) in w.actions()
    for env in (Envelope(90, m), Envelope(10, HopAck(src=90, msg=m))):
        assert not with_network(w, env).may_fire(10, timer), env
    unrelated = (
        Envelope(170, m),  # m to another hop
        Envelope(170, HopAck(src=90, msg=m)),  # the ack, to another node
        Envelope(10, HopAck(src=170, msg=m)),  # another hop's ack
        Envelope(10, JoinDone(src=90)),  # another message to 10
        Envelope(90, RouteMessage(src=10, key=95, payload=LookupPayload(id=1))),  # another m
    )
    for env in unrelated:
        assert with_network(w, env).may_fire(10, timer), env
    assert FireTimer(10, timer) in with_network(w, *unrelated).actions()


def test_R_WORLD_6_only_periodic_timers_spend_the_periodic_budget() -> None:
    """R-WORLD-2/6: firing RowMaintenance or an application timer (Beat) spends one unit of
    the periodic budget; firing any other node timer (KeepAlive, under any) spends none. With
    the budget spent no periodic timer is enabled, the others still are."""
    s = spec(joins=(), lookups=(), apps=(LookupApp(), Answer()), periodic=2)
    w = attrs.evolve(s.initial_world(), timers=TimerSemantics.ANY)
    keep = w.apply(FireTimer(10, KeepAlive(90)))
    assert keep.periodic_left == 2 and keep.node(10).probing == {90}
    beat = keep.apply(FireTimer(10, Beat()))
    assert beat.periodic_left == 1 and beat.hosts == keep.hosts
    row = beat.apply(FireTimer(90, RowMaintenance()))
    assert row.periodic_left == 0
    fires = {(a.at, a.timer) for a in row.actions() if isinstance(a, FireTimer)}
    assert fires and all(isinstance(t, KeepAlive | ProbeTimeout) for _, t in fires)
    with pytest.raises(NotEnabled):
        row.apply(FireTimer(10, Beat()))


# ============================================================================================
# Values: immutability and hashing
# ============================================================================================
def test_world_apply_leaves_the_original_unchanged() -> None:
    """A World is a value: apply returns a new one and the old one is untouched."""
    w = spec().initial_world()
    before = spec().initial_world()
    assert w == before and hash(w) == hash(before)
    w1 = w.apply(Join(100, 10))
    w1.apply(Receive(10, JoinRequest(src=100, joiner=100)))
    assert w == before
    assert w.node(100).status is Status.DEAD and w.network == () and len(w.joins_left) == 2
    assert w1 != w


def test_world_equal_worlds_hash_equal() -> None:
    """Worlds reached along different paths that end equal are equal and hash equal (the
    model checker's visited set relies on it)."""
    a = spec().initial_world().apply(Join(100, 10)).apply(Join(50, 90))
    b = spec().initial_world().apply(Join(50, 90)).apply(Join(100, 10))
    assert a is not b and a == b and hash(a) == hash(b)
    assert len({a, b}) == 1


def test_world_node_refuses_an_unknown_id() -> None:
    """``World.node`` names the id it does not know."""
    with pytest.raises(PastryRefError, match="node 11 is not part of this world"):
        spec().initial_world().node(11)


def test_world_replace_node_swaps_that_node_only_and_keeps_its_apps() -> None:
    """§7.4 ``World.replace_node``: the World with one node's state swapped, at the first, a
    middle and the last place: the ids, the other hosts, every host's applications and the
    rest of the World stay; the armed timers are those of the new state."""
    w = spec().initial_world().apply(Join(100, 10))  # a World with its timers cached
    assert w.armed is not None and w.ids == (10, 50, 90, 100, 170)
    waiting = spec().initial_world().apply(Join(50, 90)).node(50)
    for x in w.ids:
        new = waiting if x == 50 else NodeState.new(x, CFG)  # 50 joins, the others die
        assert new != w.node(x)
        w2 = w.replace_node(new)
        assert w2.ids == w.ids
        assert w2.nodes == tuple(new if n.id == x else n for n in w.nodes)
        assert [h.apps for h in w2.hosts] == [h.apps for h in w.hosts]
        assert attrs.evolve(w2, hosts=w.hosts) == w
        assert w2.armed_at(x) == World.of_nodes(CFG, (new,), w.host(x).apps).armed_at(x)
        assert all(w2.armed_at(y) == w.armed_at(y) for y in w.ids if y != x)


def test_world_cached_timers_are_no_part_of_its_value() -> None:
    """The ``armed`` cache is derived: a World with it equals, hashes and prints as the same
    World without it (the model checker's visited set, and equal Worlds print alike)."""
    w = spec().initial_world().apply(Join(100, 10))
    bare = attrs.evolve(w, armed=None)
    assert w.armed is not None and bare.armed is None
    assert w == bare and hash(w) == hash(bare) and repr(w) == repr(bare)
    assert all(w.armed_at(x) == bare.armed_at(x) for x in w.ids)


# ============================================================================================
# R-WORLD-4: independence
# ============================================================================================
def _bfs(world: World, limit: int) -> list[World]:
    seen = {world}
    order = [world]
    queue = deque([world])
    while queue and len(order) < limit:
        w = queue.popleft()
        for a in w.actions():
            nxt = w.apply(a)
            if nxt not in seen:
                seen.add(nxt)
                order.append(nxt)
                queue.append(nxt)
    return order


def test_R_WORLD_4_actions_at_different_nodes_commute() -> None:
    """R-WORLD-4: for every pair of enabled actions at different nodes, in every state of a
    short breadth-first search of concurrent joins and lookups: each stays enabled after the
    other, and a·b and b·a reach the same World. ``PastryModel.independent`` says exactly
    ``a.at != b.at``. (Actions at the same node need not commute: at least one such pair in
    these states does not, so the check has teeth.)"""
    s = spec()
    model = PastryModel(s)
    pairs = same_node_noncommuting = 0
    for w in _bfs(s.initial_world(), limit=1500):
        acts = w.actions()
        after: dict[WorldAction, World] = {a: w.apply(a) for a in acts}
        for i, a in enumerate(acts):
            for b in acts[i + 1 :]:
                assert model.independent(a, b) is (a.at != b.at)
                if a.at == b.at:
                    both = b in after[a].actions() and a in after[b].actions()
                    if both and after[a].apply(b) != after[b].apply(a):
                        same_node_noncommuting += 1
                    continue
                assert b in after[a].actions(), (w, a, b)
                assert a in after[b].actions(), (w, a, b)
                assert after[a].apply(b) == after[b].apply(a), (a, b)
                pairs += 1
    assert pairs > 5000
    assert same_node_noncommuting > 0


# ============================================================================================
# WorldSpec validation
# ============================================================================================
@pytest.mark.parametrize(
    ("kw", "error", "text"),
    [
        ({"initial": ()}, PastryRefError, "initial.ready: expected at least one node"),
        ({"initial": (10, 10)}, PastryRefError, "initial.ready: node ids must be distinct"),
        ({"initial": (10, 256)}, InvalidId, "initial.ready"),
        (
            {"joins": ((100, 10), (90, 10))},
            PastryRefError,
            r"environment.joins\[1\]: node 90 is already in initial.ready",
        ),
        (
            {"joins": ((100, 10), (50, 77))},
            PastryRefError,
            r"environment.joins\[1\]: seed 77 is not a node of the scenario",
        ),
        (
            {"joins": ((100, 10), (100, 90))},
            PastryRefError,
            "environment.joins: each node may join once",
        ),
        (
            {"joins": ((100, 100),)},
            PastryRefError,
            r"environment.joins\[0\]: node 100 cannot be its own seed",
        ),
        ({"joins": ((300, 10),)}, InvalidId, r"environment.joins\[0\]\[0\]"),
        ({"joins": ((100, 10), (50, -1))}, InvalidId, r"environment.joins\[1\]\[1\]"),
        (
            {"lookups": ((10, 95), (77, 3))},
            PastryRefError,
            r"environment.lookups\[1\]: origin 77 is not a node of the scenario",
        ),
        ({"lookups": ((10, 256),)}, InvalidId, r"environment.lookups\[0\]\[1\]"),
    ],
)
def test_worldspec_refuses_bad_input_naming_the_key(
    kw: dict[str, object], error: type[Exception], text: str
) -> None:
    """WorldSpec refuses every malformed scenario with a PastryRefError naming the key."""
    assert issubclass(error, PastryRefError)
    with pytest.raises(error, match=text):
        spec(**kw)


def test_worldspec_accepts_seeds_and_origins_among_joiners() -> None:
    """A joiner may join through another joiner and a lookup may start at a joiner."""
    s = spec(joins=((100, 10), (50, 100)), lookups=((50, 3),))
    w = s.initial_world()
    assert w.ids == (10, 50, 90, 100, 170)
    assert w.ready_ids() == INITIAL
    assert {n.id for n in w.started()} == set(INITIAL)


def test_worldspec_initial_ring_is_converged() -> None:
    """The initial World is a converged ring of ready nodes with ideal tables."""
    w = spec().initial_world()
    assert inv.converged(w) == [] and inv.consistency(w) == []
    lone = spec(initial=(10,), joins=((100, 10),), lookups=()).initial_world()
    assert lone.ready_ids() == (10,) and lone.node(10).known() == frozenset()


# ============================================================================================
# drive: quiesce and build_ring
# ============================================================================================
def _assert_good_ring(world: World) -> None:
    assert inv.converged(world) == []
    assert inv.all_ready(world) == []
    assert inv.no_stuck_messages(world) == []
    assert inv.consistency(world) == []
    assert inv.half_neighbor(world) == []
    assert inv.neighbor_closest(world) == []


def test_drive_build_ring_small_space_consistent_join() -> None:
    """build_ring: sequential consistent joins, each run to quiescence, give a converged ring
    with every node ready and nothing in flight."""
    joiners = [(50, 10), (90, 10), (130, 50), (170, 90), (210, 10), (30, 170), (250, 130)]
    world, costs = build_ring(CFG, 10, joiners)
    assert world.ready_ids() == (10, 30, 50, 90, 130, 170, 210, 250)
    assert len(costs) == len(joiners) and all(c > 0 for c in costs)
    _assert_good_ring(world)


def test_drive_build_ring_128_bit_space_consistent_join() -> None:
    """build_ring in the paper's 128-bit space (b = 4, small L so the leaf sets are partial)."""
    cfg = Config.make(bits=128, b=4, leaf_set_size=4, neighborhood_size=4)
    ids = [cfg.space.hash_name(f"node-{i}") for i in range(9)]
    world, _ = build_ring(cfg, ids[0], [(x, ids[i // 2]) for i, x in enumerate(ids) if i])
    assert set(world.ready_ids()) == set(ids)
    _assert_good_ring(world)


def test_drive_quiesce_concurrent_consistent_joins() -> None:
    """quiesce after three concurrent joins (one through another joiner): converged, all
    ready, nothing stuck; a second quiesce does nothing."""
    s = spec(joins=((100, 10), (50, 90), (130, 100)), lookups=())
    w = s.initial_world()
    for a in w.actions():
        w = w.apply(a)
    w, steps = quiesce(w)
    assert steps > 0
    _assert_good_ring(w)
    assert quiesce(w) == (w, 0)


def test_drive_quiesce_128_bit_concurrent_joins() -> None:
    """quiesce in a 128-bit space with concurrent joins."""
    cfg = Config.make(bits=128, b=4, leaf_set_size=4, neighborhood_size=4)
    ids = sorted(cfg.space.hash_name(f"n{i}") for i in range(7))
    s = WorldSpec(cfg, tuple(ids[:3]), tuple((x, ids[0]) for x in ids[3:]))
    w = s.initial_world()
    for a in w.actions():
        w = w.apply(a)
    w, _ = quiesce(w)
    _assert_good_ring(w)


def test_drive_quiesce_leaves_messages_nobody_accepts() -> None:
    """quiesce stops when nothing is accepted, leaving waiting messages in flight."""
    w = spec(joins=((100, 10), (50, 100)), lookups=()).initial_world().apply(Join(50, 100))
    quiet, steps = quiesce(w)
    assert steps == 0 and quiet == w
    assert inv.no_stuck_messages(quiet)[0].name == "NoStuckMessages"


def test_drive_build_ring_paper_join_sequential() -> None:
    """build_ring also runs the paper's join: sequential joins end all ready, nothing stuck."""
    cfg = attrs.evolve(CFG, join=JoinProtocol.PAPER)
    world, _ = build_ring(cfg, 10, [(50, 10), (90, 10), (130, 50), (170, 90)])
    assert inv.all_ready(world) == [] and inv.no_stuck_messages(world) == []


def test_drive_probe_traffic_is_named_receive_lsprobe() -> None:
    """R-MSG-1 in the World: the action delivering an LSProbe is ReceiveLSProbe."""
    assert Receive(10, LSProbe(src=100, leaf_set=(100,))).name == "ReceiveLSProbe"
