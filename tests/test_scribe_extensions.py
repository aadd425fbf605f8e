"""SCRIBE's optional mechanisms (spec/scribe.md R-SCRIBE-13..16) and the properties that judge
them (OutDegreeBounded, AnycastFailsOnlyWithoutAcceptor).

Each rule's test drives the application through the World and pins every message the rule
sends and to whom (the ``Send`` effects of each step, in order), then the resulting state. Ring:
113 119 224 253 (8-bit ids, b = 4, L = 2); group "news" by "alice" has id 147, root 119; 253's
route to it passes 113; 224's goes straight to 119.
"""

from __future__ import annotations

from collections.abc import Hashable

import attrs
import pytest

from pastry_ref.app import LookupApp, Reply
from pastry_ref.check.scenario_file import ScenarioFileError, parse_scenario
from pastry_ref.node import Send, SendDirect
from pastry_ref.node.dispatch import accepts
from pastry_ref.node.inputs import Route
from pastry_ref.ring.config import Config
from pastry_ref.scribe import (
    Anycast,
    AnycastFailed,
    ChildTimeout,
    Create,
    CreateMsg,
    Delivered,
    GroupState,
    HandDown,
    Heartbeat,
    HeartbeatAck,
    HeartbeatDue,
    MulticastMsg,
    ParentTimeout,
    Publish,
    PublishMsg,
    PublishTimeout,
    RootIs,
    RootMirror,
    RootRecord,
    ScribeApp,
    Subscribe,
    SubscribeAck,
    SubscribeMsg,
    UnsubscribeMsg,
    group_id,
)
from pastry_ref.scribe import invariants as si
from pastry_ref.system import Crash, FireTimer, Livelock, Receive, Request, World, WorldSpec, settle
from pastry_ref.system.actions import WorldAction

CFG = Config.make(bits=8, b=4, leaf_set_size=2, neighborhood_size=2)
RING = (113, 119, 224, 253)
G = group_id(CFG.space, "news", "alice")
Sent = list[tuple[int, Hashable]]
MAX_DELIVERIES = 1_000  # no scenario here needs more: a message loop fails by name (Livelock)


def world(
    app: ScribeApp,
    reqs: tuple[tuple[int, Hashable], ...] = (),
    ring: tuple[int, ...] = RING,
    **kw: object,
) -> World:
    spec = WorldSpec(CFG, ring, apps=(LookupApp(), app), requests=reqs, **kw)  # type: ignore[arg-type]
    return spec.initial_world()


def payloads(effects: tuple[object, ...]) -> Sent:
    """(destination, payload) of every message a step sent (a Pastry message's payload, or the
    message itself)."""
    return [(e.dest, getattr(e.msg, "payload", e.msg)) for e in effects if isinstance(e, Send)]


def act(w: World, action: WorldAction, sent: Sent) -> World:
    """Apply ``action``, then deliver every accepted message in order; record what was sent."""
    w, effects = w.apply_with_effects(action)
    sent.extend(payloads(effects))
    for _ in range(MAX_DELIVERIES):
        env = next((e for e in w.network if accepts(w.node(e.dest), e.msg)), None)
        if env is None:
            return w
        w, effects = w.apply_with_effects(Receive(env.dest, env.msg))
        sent.extend(payloads(effects))
    raise Livelock(f"still {len(w.network)} message(s) in flight after {MAX_DELIVERIES} deliveries")


def run(w: World, reqs: tuple[tuple[int, Hashable], ...]) -> tuple[World, Sent]:
    sent: Sent = []
    for o, r in reqs:
        w = act(w, Request(o, r), sent)
    return w, sent


def app_at(w: World, n: int) -> ScribeApp:
    app = w.host(n).app(ScribeApp)
    assert isinstance(app, ScribeApp)
    return app


def st(w: World, n: int) -> GroupState | None:
    return app_at(w, n).group(G)


# -- R-SCRIBE-13: bounded out-degree -----------------------------------------------------------
def test_R_SCRIBE_13_a_node_at_its_child_limit_hands_the_new_child_down() -> None:
    reqs: tuple[tuple[int, Hashable], ...] = (
        (253, Subscribe(group=G)),
        (224, Subscribe(group=G)),
        (119, Publish(group=G, event="e")),
    )
    w, sent = run(world(ScribeApp(max_children=1), reqs), reqs)
    assert sent == [
        (113, SubscribeMsg(group=G, child=253)),
        (119, SubscribeMsg(group=G, child=113)),
        (113, SubscribeAck(group=G, parent=119, seq=0)),
        (253, SubscribeAck(group=G, parent=113, seq=0)),
        # 224's subscribe reaches the root, which has one child (113) already: handed down
        (119, SubscribeMsg(group=G, child=224)),
        (113, HandDown(group=G, child=224, seq=0, path=(119,))),
        (253, HandDown(group=G, child=224, seq=0, path=(119, 113))),
        (224, SubscribeAck(group=G, parent=253, seq=0)),
        # the event goes down the chain 119 -> 113 -> 253 -> 224
        (113, MulticastMsg(group=G, seq=1, event="e", parent=119)),
        (253, MulticastMsg(group=G, seq=1, event="e", parent=113)),
        (224, MulticastMsg(group=G, seq=1, event="e", parent=253)),
    ]
    assert {n: s.children for n in RING if (s := st(w, n)) is not None} == {
        113: {253},
        119: {113},
        224: frozenset(),
        253: {224},
    }
    assert sorted(n for n, _ in w.replies) == [224, 253]
    assert si.out_degree_bounded(w) == [] and si.tree_agreement(w) == []
    # without a bound the root keeps both children
    w, _ = run(world(ScribeApp(), reqs), reqs[:2])
    assert st(w, 119).children == {113, 224}  # type: ignore[union-attr]


def test_R_SCRIBE_13_the_closest_child_not_on_the_path_takes_it_or_the_node_keeps_it() -> None:
    node = world(ScribeApp()).node(119)
    app = ScribeApp(
        max_children=2, groups=((G, GroupState(root=True, children=frozenset({113, 224}))),)
    )
    step = app.deliver(node, G, SubscribeMsg(group=G, child=253))
    # 224 is closer to 253 than 113 is
    assert step.effects == (SendDirect(224, HandDown(group=G, child=253, seq=0, path=(119,))),)
    assert step.app == app
    # a hand-down never goes back up its path: with 224 on it, 113 takes it
    step = app.deliver(node, None, HandDown(group=G, child=253, seq=0, path=(224,)))
    assert step.effects == (SendDirect(113, HandDown(group=G, child=253, seq=0, path=(224, 119))),)
    # nobody left to hand it to: the node takes it over the limit, acknowledging at once
    step = app.deliver(node, None, HandDown(group=G, child=253, seq=0, path=(113, 224)))
    assert step.effects == (SendDirect(253, SubscribeAck(group=G, parent=119, seq=0)),)
    assert step.app.group(G).children == {113, 224, 253}  # type: ignore[attr-defined]
    # a child already listed is a refresh, not a new child
    step = app.deliver(node, G, SubscribeMsg(group=G, child=113))
    assert step.effects == (SendDirect(113, SubscribeAck(group=G, parent=119, seq=0)),)


def test_R_SCRIBE_13_a_hand_down_to_a_node_that_left_the_tree_joins_it_again() -> None:
    node = world(ScribeApp()).node(253)
    step = ScribeApp(max_children=1).deliver(
        node, None, HandDown(group=G, child=224, seq=3, path=(113,))
    )
    assert step.effects == (Route(G, SubscribeMsg(group=G, child=253, seq=3)),)
    assert step.app.group(G) == GroupState(  # type: ignore[attr-defined]
        children=frozenset({224}), waiting=frozenset({224}), seq=3
    )


# -- R-SCRIBE-14: the root's record mirrored; failover -------------------------------------------
def test_R_SCRIBE_14_the_root_mirrors_its_record_and_the_next_closest_takes_over() -> None:
    ring = (113, 119, 224)
    reqs: tuple[tuple[int, Hashable], ...] = (
        (224, Create(group=G)),
        (224, Subscribe(group=G)),
        (113, Publish(group=G, event="a")),
    )
    w, sent = run(world(ScribeApp(mirror=1), reqs, ring=ring, crashes=(119,)), reqs)
    mirror = RootMirror(group=G, root=119, seq=0, created=True)
    assert sent == [
        (119, CreateMsg(group=G)),
        (113, mirror),
        (119, SubscribeMsg(group=G, child=224)),
        (224, SubscribeAck(group=G, parent=119, seq=0)),
        (113, mirror),
        (119, PublishMsg(group=G, event="a")),
        (224, MulticastMsg(group=G, seq=1, event="a", parent=119)),
        (113, RootMirror(group=G, root=119, seq=1, created=True)),
    ]
    assert app_at(w, 113).mirrors == ((G, RootRecord(root=119, seq=1, created=True)),)
    assert st(w, 113) is None  # a record holder is not a tree node
    w, _, _ = settle(w.apply(Crash(119)))
    new_root, member = st(w, 113), st(w, 224)
    assert new_root is not None and new_root.root and new_root.seq == 1
    assert app_at(w, 113).created == {G} and app_at(w, 113).mirrors == ()
    assert new_root.children == {224} and member is not None and member.parent == 113
    # the new root numbers after the record: 224 delivers event 2, not a reused 1
    w = attrs.evolve(w, requests_left=((224, Publish(group=G, event="b")),))
    w = act(w, Request(224, Publish(group=G, event="b")), [])
    assert (224, Reply(Publish(group=G, event="b"), Delivered(2))) in w.replies
    assert si.tree_agreement(w) == [] and si.chains_end_at_root(w) == []


def test_R_SCRIBE_14_a_holder_that_is_not_the_closest_keeps_the_record() -> None:
    node = attrs.evolve(world(ScribeApp()).node(224), failed=frozenset({119}))
    assert not node.decide(G).deliver
    rec = RootRecord(root=119, seq=4, created=False)
    app = ScribeApp(mirror=1, mirrors=((G, rec),))
    assert app.update(node, 119, False).app == app
    # an older record of the same root does not replace a newer one
    older = RootMirror(group=G, root=119, seq=2, created=False)
    assert app.deliver(node, None, older).app == app


# -- R-SCRIBE-15: the root's address cached ------------------------------------------------------
def test_R_SCRIBE_15_a_publisher_caches_the_root_and_routes_again_when_it_failed() -> None:
    reqs: tuple[tuple[int, Hashable], ...] = (
        (224, Subscribe(group=G)),
        (253, Publish(group=G, event="a")),
        (253, Publish(group=G, event="b")),
    )
    w, sent = run(world(ScribeApp(cache_root=True), reqs), reqs)
    assert sent == [
        (119, SubscribeMsg(group=G, child=224)),
        (224, SubscribeAck(group=G, parent=119, seq=0)),
        # routed (through 113); the root tells 253 its address
        (113, PublishMsg(group=G, event="a", origin=253)),
        (119, PublishMsg(group=G, event="a", origin=253)),
        (224, MulticastMsg(group=G, seq=1, event="a", parent=119)),
        (253, RootIs(group=G, root=119, event="a")),
        # straight to the cached root, which confirms it
        (119, PublishMsg(group=G, event="b", origin=253)),
        (224, MulticastMsg(group=G, seq=2, event="b", parent=119)),
        (253, RootIs(group=G, root=119, event="b")),
    ]
    publisher = app_at(w, 253)
    assert publisher.roots == ((G, 119),) and publisher.unconfirmed == frozenset()
    # the cached root declared failed: forgotten by the update upcall, routed again
    node = attrs.evolve(w.node(253), failed=frozenset({119}))
    assert publisher.update(node, 119, False).app.roots == ()  # type: ignore[attr-defined]
    step = publisher.request(node, Publish(group=G, event="c"))
    assert step.effects == (Route(G, PublishMsg(group=G, event="c", origin=253)),)
    assert step.app.roots == ()  # type: ignore[attr-defined]
    # a cached root that is root no more routes the publish on
    step = ScribeApp(cache_root=True).deliver(
        w.node(224), None, PublishMsg(group=G, event="d", origin=253)
    )
    assert step.effects == (Route(G, PublishMsg(group=G, event="d", origin=253)),)


def test_R_SCRIBE_15_an_unconfirmed_publish_to_a_crashed_root_is_routed_again() -> None:
    ring = (113, 119, 224)
    reqs: tuple[tuple[int, Hashable], ...] = (
        (224, Subscribe(group=G)),
        (224, Publish(group=G, event="a")),
        (224, Publish(group=G, event="b")),
    )
    w = world(ScribeApp(cache_root=True, mirror=1), reqs, ring=ring, crashes=(119,))
    w, _ = run(w, reqs[:2])
    assert app_at(w, 224).roots == ((G, 119),)
    sent: Sent = []
    w = act(w, Crash(119), sent)
    # 224 publishes before it noticed the crash: the direct publish is lost, unconfirmed
    w = act(w, Request(224, Publish(group=G, event="b")), sent)
    assert sent == [(119, PublishMsg(group=G, event="b", origin=224))]
    assert app_at(w, 224).unconfirmed == {(G, "b")}
    assert PublishTimeout(G, "b") in w.armed_at(224)
    w, _, _ = settle(w)  # detection; 113 takes over with the mirrored record (R-SCRIBE-14)
    sent = []
    w = act(attrs.evolve(w, periodic_left=1), FireTimer(224, PublishTimeout(G, "b")), sent)
    assert sent == [
        (113, PublishMsg(group=G, event="b", origin=224)),
        (224, MulticastMsg(group=G, seq=2, event="b", parent=113)),
        (224, RootMirror(group=G, root=113, seq=2, created=False)),  # 113 mirrors on
        (224, RootIs(group=G, root=113, event="b")),
    ]
    publisher = app_at(w, 224)
    assert publisher.roots == ((G, 113),) and publisher.unconfirmed == frozenset()
    assert (224, Reply(Publish(group=G, event="b"), Delivered(2))) in w.replies


# -- R-SCRIBE-16: heartbeats ------------------------------------------------------------------
def test_R_SCRIBE_16_heartbeats_are_answered_and_a_heard_parent_is_not_suspected() -> None:
    reqs: tuple[tuple[int, Hashable], ...] = ((253, Subscribe(group=G)),)
    w, _ = run(world(ScribeApp(heartbeats=True), reqs), reqs)
    w = attrs.evolve(w, periodic_left=10)
    assert HeartbeatDue(G) in w.armed_at(119) and HeartbeatDue(G) in w.armed_at(113)
    assert ChildTimeout(G, 113) not in w.armed_at(119)  # nothing unanswered yet
    sent: Sent = []
    w = act(w, FireTimer(119, HeartbeatDue(G)), sent)
    assert sent == [
        (113, Heartbeat(group=G, parent=119)),
        (119, HeartbeatAck(group=G, child=113)),
    ]
    assert st(w, 113).heard and st(w, 119).unanswered == frozenset()  # type: ignore[union-attr]
    sent = []
    w = act(w, FireTimer(113, ParentTimeout(G)), sent)  # heard: not silent
    assert sent == [] and not st(w, 113).heard  # type: ignore[union-attr]
    w = act(w, FireTimer(113, ParentTimeout(G)), sent)  # silent for a period: re-subscribe
    assert sent == [
        (119, SubscribeMsg(group=G, child=113)),
        (113, SubscribeAck(group=G, parent=119, seq=0)),
    ]
    # an event doubles as a heartbeat: the next period sends none
    sent = []
    w = attrs.evolve(w, requests_left=((224, Publish(group=G, event="e")),))
    w = act(w, Request(224, Publish(group=G, event="e")), sent)
    assert st(w, 119).flowed and st(w, 113).heard  # type: ignore[union-attr]
    sent = []
    w = act(w, FireTimer(119, HeartbeatDue(G)), sent)
    assert sent == [] and not st(w, 119).flowed  # type: ignore[union-attr]


def test_R_SCRIBE_16_a_parent_drops_a_child_that_does_not_answer_and_takes_back_a_late_one() -> (
    None
):
    reqs: tuple[tuple[int, Hashable], ...] = ((224, Subscribe(group=G)),)
    w, _ = run(world(ScribeApp(heartbeats=True), reqs), reqs)
    w = attrs.evolve(w, periodic_left=10)
    w = w.apply(FireTimer(119, HeartbeatDue(G)))  # the heartbeat is in flight
    assert st(w, 119).unanswered == {224}  # type: ignore[union-attr]
    assert ChildTimeout(G, 224) in w.armed_at(119)
    w = w.apply(FireTimer(119, ChildTimeout(G, 224)))  # a false suspicion
    assert st(w, 119).children == frozenset()  # type: ignore[union-attr]
    sent: Sent = []
    env = next(e for e in w.network if e.dest == 224)
    w = act(w, Receive(env.dest, env.msg), sent)
    assert sent == [
        (119, HeartbeatAck(group=G, child=224)),
        # the late answer is a refresh: the root takes 224 back and acknowledges it
        (224, SubscribeAck(group=G, parent=119, seq=0)),
    ]
    assert st(w, 119).children == {224} and si.tree_agreement(w) == []  # type: ignore[union-attr]
    # a heartbeat from a node that is not the parent is refused
    node = w.node(224)
    step = app_at(w, 224).deliver(node, None, Heartbeat(group=G, parent=113))
    assert step.effects == (SendDirect(113, UnsubscribeMsg(group=G, child=224)),)


def test_R_SCRIBE_16_heartbeats_off_arm_child_timeouts_for_every_child() -> None:
    reqs: tuple[tuple[int, Hashable], ...] = ((224, Subscribe(group=G)),)
    w, _ = run(world(ScribeApp(), reqs), reqs)
    assert ChildTimeout(G, 224) in w.armed_at(119) and HeartbeatDue(G) not in w.armed_at(119)


# -- properties --------------------------------------------------------------------------------
def test_out_degree_bounded_finds_a_node_over_its_limit() -> None:
    w = world(ScribeApp(max_children=1))
    i = w.ids.index(119)
    h = w.hosts[i]
    over = GroupState(root=True, children=frozenset({113, 224}))
    apps = tuple(
        attrs.evolve(a, groups=((G, over),)) if isinstance(a, ScribeApp) else a for a in h.apps
    )
    w = attrs.evolve(
        w, hosts=(*w.hosts[:i], attrs.evolve(h, apps=apps), *w.hosts[i + 1 :]), armed=None
    )
    assert [str(v) for v in si.out_degree_bounded(w)] == [
        "OutDegreeBounded: group 147: node 119 has 2 children [113, 224], the limit is 1"
    ]


def test_anycast_fails_only_without_acceptor_judges_the_failing_step() -> None:
    reqs: tuple[tuple[int, Hashable], ...] = ((224, Subscribe(group=G)),)
    w, _ = run(world(ScribeApp(accepts=frozenset({224})), reqs), reqs)
    failed = (113, Reply(Anycast(group=G, id=0), AnycastFailed()))
    after = attrs.evolve(w, replies=(failed,))
    action = Request(113, Anycast(group=G, id=0))
    assert [v.name for v in si.anycast_fails_only_without_acceptor(w, action, after)] == [
        "AnycastFailsOnlyWithoutAcceptor"
    ]
    assert si.anycast_fails_only_without_acceptor(after, action, after) == []  # not new
    plain, _ = run(world(ScribeApp(), reqs), reqs)  # nobody accepts: a failure is right
    assert si.anycast_fails_only_without_acceptor(plain, action, after) == []


BASE = {"space": {"bits": 8, "b": 4, "leaf_set_size": 2}, "initial": {"ready": [113, 119]}}


@pytest.mark.parametrize(
    ("extra", "key"),
    [
        ({"max_children": 0}, "app.scribe.max_children"),
        ({"max_children": True}, "app.scribe.max_children"),
        ({"mirror": -1}, "app.scribe.mirror"),
        ({"mirror": "1"}, "app.scribe.mirror"),
        ({"cache_root": 1}, "app.scribe.cache_root"),
        ({"heartbeats": "yes"}, "app.scribe.heartbeats"),
    ],
)
def test_a_bad_scribe_option_is_refused_naming_the_key(extra: dict[str, object], key: str) -> None:
    table = {"groups": {"news": "alice"}, **extra}
    with pytest.raises(ScenarioFileError, match=key):
        parse_scenario({**BASE, "app": {"scribe": table}}, "t.toml")


def test_the_scribe_options_reach_the_application() -> None:
    table = {
        "groups": {"news": "alice"},
        "max_children": 3,
        "mirror": 2,
        "cache_root": True,
        "heartbeats": True,
    }
    (scenario,) = parse_scenario({**BASE, "app": {"scribe": table}}, "t.toml")
    (w,) = scenario.model().init_states()
    app = w.host(113).app(ScribeApp)
    assert isinstance(app, ScribeApp)
    assert (app.max_children, app.mirror, app.cache_root, app.heartbeats) == (3, 2, True, True)


def test_R_SCRIBE_14_a_node_joining_among_the_next_closest_gets_the_record() -> None:
    node = world(ScribeApp()).node(119)
    assert node.decide(G).deliver  # 119 is the root
    root = ScribeApp(mirror=1, created=frozenset({G}), groups=((G, GroupState(root=True, seq=3)),))
    step = root.update(node, 113, True)  # 113 is the next closest to 147
    assert step.effects == (SendDirect(113, RootMirror(group=G, root=119, seq=3, created=True)),)
    assert root.update(node, 253, True).effects == ()  # 253 is not among them
    assert root.update(node, 224, True).effects == ()  # nor 224, the one after 113
    assert ScribeApp(groups=root.groups).update(node, 113, True).effects == ()  # mirror = 0


def test_R_SCRIBE_14_a_record_of_the_same_seq_replaces_the_old_one() -> None:
    # a root mirrors when it becomes root (created False) and again on Create, with the same seq
    node = world(ScribeApp()).node(113)
    app = ScribeApp(mirror=1, mirrors=((G, RootRecord(root=119, seq=0, created=False)),))
    step = app.deliver(node, None, RootMirror(group=G, root=119, seq=0, created=True))
    assert step.effects == ()
    assert step.app.mirrors == ((G, RootRecord(root=119, seq=0, created=True)),)  # type: ignore[attr-defined]


def test_R_SCRIBE_14_the_holder_takes_over_each_group_of_the_dead_root_only() -> None:
    node = attrs.evolve(world(ScribeApp(), ring=(113, 224, 253)).node(113), failed=frozenset({119}))
    assert node.decide(G).deliver
    other = RootRecord(root=200, seq=7, created=False)  # another root's group: kept
    app = ScribeApp(
        mirror=1,
        mirrors=((100, other), (G, RootRecord(root=119, seq=4, created=True))),
        groups=((G, GroupState(parent=224, member=True, seq=1, joined=1)),),
    )
    step = app.update(node, 119, False)
    assert step.effects == (
        SendDirect(224, UnsubscribeMsg(group=G, child=113)),  # it leaves its live parent
        SendDirect(224, RootMirror(group=G, root=113, seq=4, created=True)),
    )
    new = step.app
    assert isinstance(new, ScribeApp)
    assert new.mirrors == ((100, other),) and new.created == {G}
    assert new.groups == ((G, GroupState(root=True, member=True, seq=4, joined=1)),)


def test_R_SCRIBE_16_an_event_from_the_parent_is_heard_and_taken_once() -> None:
    node = world(ScribeApp()).node(253)
    before = GroupState(parent=113, member=True, joined=0, seq=1, seen=frozenset({1}))
    app = ScribeApp(heartbeats=True, groups=((G, before),))
    step = app.deliver(node, None, MulticastMsg(group=G, seq=2, event="b", parent=113))
    assert step.effects == (Reply(Publish(group=G, event="b"), Delivered(2)),)
    after = attrs.evolve(before, seq=2, seen=frozenset({1, 2}), heard=True)
    assert step.app.group(G) == after  # type: ignore[attr-defined]
    again = app.deliver(node, None, MulticastMsg(group=G, seq=1, event="a", parent=113))
    assert again.effects == ()  # taken already: only heard
    assert again.app.group(G) == attrs.evolve(before, heard=True)  # type: ignore[attr-defined]


def test_R_SCRIBE_16_a_heartbeat_due_without_children_does_nothing() -> None:
    node = world(ScribeApp()).node(113)
    app = ScribeApp(heartbeats=True)
    none = app.fire(node, HeartbeatDue(G))  # a group it does not hold
    assert none.app == app and none.effects == ()
    left = ScribeApp(
        heartbeats=True, groups=((G, GroupState(parent=119, member=True, flowed=True)),)
    )
    step = left.fire(node, HeartbeatDue(G))  # its children left after an event flowed
    assert step.app == left and step.effects == ()


def test_R_SCRIBE_16_an_answer_from_an_unknown_child_at_a_node_out_of_the_tree_rejoins() -> None:
    node = world(ScribeApp()).node(113)
    step = ScribeApp(heartbeats=True).deliver(node, None, HeartbeatAck(group=G, child=253))
    assert step.effects == (Route(G, SubscribeMsg(group=G, child=113, seq=0)),)
    assert step.app.group(G) == GroupState(  # type: ignore[attr-defined]
        children=frozenset({253}), waiting=frozenset({253}), seq=0
    )
