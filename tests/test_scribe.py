"""SCRIBE (spec/scribe.md, R-SCRIBE-1..12) and its properties (spec/invariants.md, SCRIBE).

Each rule's test drives the application through the World (``Request`` actions, then the
network run to quiescence) or calls one upcall on a real node's state, and checks what the rule
says; each property's test plants a state that breaks it. Ring: 113 119 224 253 (8-bit ids,
b = 4, L = 2); group "news" by "alice" has id 147, root 119; 253's route to it passes 113.
"""

from __future__ import annotations

import hashlib
from collections.abc import Hashable
from pathlib import Path

import attrs
import pytest

from model_check import check
from model_check.registry import expectation_mismatches
from pastry_ref.app import LookupApp, Reply, host_step
from pastry_ref.app.api import Request as HostRequest
from pastry_ref.check.scenario_file import ScenarioFileError, load_scenario_file, parse_scenario
from pastry_ref.node import ForwardTo, SendDirect
from pastry_ref.node.inputs import Route
from pastry_ref.ring.config import Config
from pastry_ref.scribe import (
    Anycast,
    AnycastAccepted,
    AnycastFailed,
    AnycastMsg,
    ChildTimeout,
    Create,
    Delivered,
    GroupState,
    MulticastMsg,
    ParentTimeout,
    Publish,
    PublishMsg,
    ScribeApp,
    Subscribe,
    SubscribeAck,
    SubscribeMsg,
    Unsubscribe,
    UnsubscribeMsg,
    group_id,
)
from pastry_ref.scribe import invariants as si
from pastry_ref.system import Crash, FireTimer, Join, Request, World, WorldSpec, quiesce, settle
from pastry_ref.system.consistency import Violation

CFG = Config.make(bits=8, b=4, leaf_set_size=2, neighborhood_size=2)
RING = (113, 119, 224, 253)
G = group_id(CFG.space, "news", "alice")
SCENARIOS = sorted(
    (Path(__file__).parent.parent / "pastry_ref/check/scenarios").glob("scribe-*.toml")
)


def world(
    reqs: tuple[tuple[int, Hashable], ...] = (),
    ring: tuple[int, ...] = RING,
    app: ScribeApp | None = None,
    **kw: object,
) -> World:
    spec = WorldSpec(CFG, ring, apps=(LookupApp(), app or ScribeApp()), requests=reqs, **kw)  # type: ignore[arg-type]
    return spec.initial_world()


def run(reqs: tuple[tuple[int, Hashable], ...], ring: tuple[int, ...] = RING) -> World:
    """Apply each request in order, quiescing after each."""
    w = world(reqs, ring)
    for o, r in reqs:
        w = w.apply(Request(o, r))
        w, _ = quiesce(w, max_steps=10_000)
    return w


def st(w: World, n: int, g: int = G) -> GroupState | None:
    app = w.host(n).app(ScribeApp)
    assert isinstance(app, ScribeApp)
    return app.group(g)


def with_groups(w: World, n: int, groups: dict[int, GroupState]) -> World:
    i = w.ids.index(n)
    h = w.hosts[i]
    apps = tuple(
        attrs.evolve(a, groups=tuple(sorted(groups.items()))) if isinstance(a, ScribeApp) else a
        for a in h.apps
    )
    hosts = (*w.hosts[:i], attrs.evolve(h, apps=apps), *w.hosts[i + 1 :])
    return attrs.evolve(w, hosts=hosts, armed=None)


def all_properties(w: World) -> list[Violation]:
    return [
        *si.no_parent_cycle(w),
        *si.tree_agreement(w),
        *si.chains_end_at_root(w),
        *si.delivered_once(w),
        *si.delivery_complete(w),
        *si.no_useless_forwarder(w),
        *si.anycast_answers_accepting_member(w),
    ]


# -- rules -------------------------------------------------------------------------------------
def test_R_SCRIBE_1_group_id_is_sha1_of_topic_and_creator() -> None:
    digest = int.from_bytes(hashlib.sha1(b"news\x00alice").digest(), "big")
    assert G == digest >> (160 - 8) == 147
    big = Config.make(bits=160, b=4, leaf_set_size=2).space
    assert group_id(big, "news", "alice") != group_id(big, "news", "bob")
    assert group_id(big, "news", "alice") != group_id(big, "newsa", "lice")


def test_R_SCRIBE_2_create_records_the_group_at_its_root() -> None:
    w = run(((253, Create(group=G)),))
    app = w.host(119).app(ScribeApp)
    assert isinstance(app, ScribeApp) and app.created == frozenset({G})
    root = st(w, 119)
    assert root is not None and root.root and not root.member
    assert all(st(w, n) is None for n in (113, 224, 253))


def test_R_SCRIBE_3_subscribe_routes_a_subscribe_or_only_marks_a_tree_node_member() -> None:
    w = world()
    h = host_step(w.host(253), HostRequest(Subscribe(group=G)))
    # the routed subscribe leaves 253 (its Forward upcall at 253 lets it go on)
    assert any(getattr(e, "payload", None) == SubscribeMsg(group=G, child=253) for e in h.effects)
    w = run(((253, Subscribe(group=G)), (113, Subscribe(group=G))))
    fwd = st(w, 113)
    assert fwd is not None and fwd.member and fwd.parent == 119 and fwd.joined == 0
    assert w.network == ()


def test_R_SCRIBE_4_each_hop_adds_the_previous_hop_and_a_tree_node_stops_the_subscribe() -> None:
    w = run(((253, Subscribe(group=G)),))
    fwd, root, member = st(w, 113), st(w, 119), st(w, 253)
    assert fwd is not None and not fwd.member and fwd.children == {253} and fwd.parent == 119
    assert root is not None and root.root and root.children == {113}
    assert member is not None and member.parent == 113
    node = w.node(113)
    app = w.host(113).app(ScribeApp)
    step, decision = app.forward(node, G, SubscribeMsg(group=G, child=224), 119)
    assert decision is None  # already in the tree: stopped
    got = step.app.group(G)  # type: ignore[attr-defined]
    assert got.children == {253, 224}
    assert SendDirect(224, SubscribeAck(group=G, parent=113, seq=0)) in step.effects
    fresh = ScribeApp()
    step, decision = fresh.forward(node, G, SubscribeMsg(group=G, child=224), 119)
    assert decision == ForwardTo(G, SubscribeMsg(group=G, child=113), 119)  # its own now
    assert step.app.group(G) == GroupState(  # type: ignore[attr-defined]
        children=frozenset({224}), waiting=frozenset({224})
    )
    failed = attrs.evolve(node, failed=frozenset({224}))
    step, decision = fresh.forward(failed, G, SubscribeMsg(group=G, child=224), 119)
    assert decision is None and step.app == fresh


def test_R_SCRIBE_5_a_pending_node_acknowledges_its_children_once_attached() -> None:
    node = world().node(113)
    pending = ScribeApp(
        groups=((G, GroupState(children=frozenset({253}), waiting=frozenset({253}))),)
    )
    step = pending.deliver(node, None, SubscribeAck(group=G, parent=119, seq=4))
    assert step.effects == (SendDirect(253, SubscribeAck(group=G, parent=113, seq=4)),)
    got = step.app.group(G)  # type: ignore[attr-defined]
    assert got.parent == 119 and got.seq == 4 and got.waiting == frozenset()
    # a node not in the tree refuses; an ack from a failed node is ignored
    step = ScribeApp().deliver(node, None, SubscribeAck(group=G, parent=119, seq=0))
    assert step.effects == (SendDirect(119, UnsubscribeMsg(group=G, child=113)),)
    dead = attrs.evolve(node, failed=frozenset({119}))
    assert pending.deliver(dead, None, SubscribeAck(group=G, parent=119, seq=0)).app == pending
    # a new parent replaces the old one, which is told
    attached = ScribeApp(groups=((G, GroupState(parent=224, member=True, joined=0)),))
    step = attached.deliver(node, None, SubscribeAck(group=G, parent=119, seq=2))
    assert step.effects == (SendDirect(224, UnsubscribeMsg(group=G, child=113)),)
    assert step.app.group(G).parent == 119  # type: ignore[attr-defined]


def test_R_SCRIBE_6_unsubscribe_prunes_the_forwarders_up_the_tree() -> None:
    w = run(((253, Subscribe(group=G)), (253, Unsubscribe(group=G))))
    assert st(w, 253) is None and st(w, 113) is None
    root = st(w, 119)
    assert root is not None and root.root and root.children == frozenset()
    w = run(((253, Subscribe(group=G)), (113, Subscribe(group=G)), (253, Unsubscribe(group=G))))
    fwd = st(w, 113)
    assert fwd is not None and fwd.member and fwd.children == frozenset()  # a member stays


def test_R_SCRIBE_7_the_root_numbers_each_event_and_drops_an_unknown_group() -> None:
    w = run(((224, Publish(group=G, event="lost")),))
    assert st(w, 119) is None and w.replies == ()
    w = run(
        (
            (224, Subscribe(group=G)),
            (113, Publish(group=G, event="a")),
            (253, Publish(group=G, event="b")),
        )
    )
    root = st(w, 119)
    assert root is not None and root.seq == 2
    assert sorted(w.replies, key=lambda e: e[1].response.seq) == [  # type: ignore[attr-defined]
        (224, Reply(Publish(group=G, event="a"), Delivered(1))),
        (224, Reply(Publish(group=G, event="b"), Delivered(2))),
    ]


def test_R_SCRIBE_8_every_member_delivers_each_event_once_and_stale_senders_are_pruned() -> None:
    reqs = ((253, Subscribe(group=G)), (224, Subscribe(group=G)), (113, Subscribe(group=G)))
    w = run((*reqs, (119, Publish(group=G, event="e"))))
    assert sorted(n for n, _ in w.replies) == [113, 224, 253]
    assert all_properties(w) == []
    node = w.node(253)
    app = w.host(253).app(ScribeApp)
    again = MulticastMsg(group=G, seq=1, event="e", parent=113)
    assert app.deliver(node, None, again).effects == ()  # seen: not delivered twice
    stale = MulticastMsg(group=G, seq=2, event="f", parent=224)
    assert app.deliver(node, None, stale).effects == (
        SendDirect(224, UnsubscribeMsg(group=G, child=253)),
    )


def test_R_SCRIBE_9_a_failed_parent_is_replaced_and_the_timer_refreshes() -> None:
    w = run(((253, Subscribe(group=G)),))
    app = w.host(253).app(ScribeApp)
    assert app.armed_timers(w.node(253)) == frozenset({ParentTimeout(G)})
    assert ScribeApp().armed_timers(w.node(253)) == frozenset()
    node = attrs.evolve(w.node(253), failed=frozenset({113}))
    step = app.update(node, 113, False)
    assert step.effects == (Route(G, SubscribeMsg(group=G, child=253)),)
    assert step.app.group(G).parent is None  # type: ignore[attr-defined]
    assert app.update(w.node(253), 113, False).app == app  # not failed: only left the leaf set
    assert app.fire(w.node(253), ParentTimeout(G)).effects == (
        Route(G, SubscribeMsg(group=G, child=253)),
    )
    root = w.host(119).app(ScribeApp)
    step = root.update(attrs.evolve(w.node(119), failed=frozenset({113})), 113, False)
    assert step.app.group(G).children == frozenset()  # type: ignore[attr-defined]
    # through the World: 113 crashes, 253 detects it and re-attaches around it
    w2 = world(((253, Subscribe(group=G)),), crashes=(113,))
    w2 = w2.apply(Request(253, Subscribe(group=G)))
    w2, _ = quiesce(w2)
    w2 = w2.apply(Crash(113))
    w2, _, _ = settle(w2)
    member = st(w2, 253)
    assert member is not None and member.parent != 113
    assert all_properties(w2) == []


def test_R_SCRIBE_10_the_next_closest_node_takes_over_when_the_root_crashes() -> None:
    ring = (113, 119, 224)
    w = world(((224, Subscribe(group=G)),), ring=ring, crashes=(119,))
    w = w.apply(Request(224, Subscribe(group=G)))
    w, _ = quiesce(w)
    assert st(w, 224).parent == 119  # type: ignore[union-attr]
    w = w.apply(Crash(119))
    w, _, _ = settle(w)
    new_root, member = st(w, 113), st(w, 224)
    assert new_root is not None and new_root.root and new_root.children == {224}
    assert member is not None and member.parent == 113
    assert all_properties(w) == []
    # a root that is no longer closest (its routing forwards the groupId) subscribes upward
    node = w.node(224)
    assert not node.decide(G).deliver
    displaced = ScribeApp(groups=((G, GroupState(root=True, member=True, joined=0)),))
    step = displaced.update(node, 113, True)
    assert step.effects == (Route(G, SubscribeMsg(group=G, child=224)),)
    assert not step.app.group(G).root  # type: ignore[attr-defined]


def test_R_SCRIBE_11_anycast_searches_the_tree_depth_first() -> None:
    reqs: tuple[tuple[int, Hashable], ...] = (
        (253, Subscribe(group=G)),
        (224, Subscribe(group=G)),
        (113, Anycast(group=G, id=0)),
    )
    w = world(reqs, app=ScribeApp(accepts=frozenset({224})))
    for o, r in reqs:
        w = w.apply(Request(o, r))
        w, _ = quiesce(w, max_steps=1_000)  # a search that loops fails by name (Livelock)
    assert w.replies == ((224, Reply(Anycast(group=G, id=0), AnycastAccepted())),)
    w = world(reqs)
    for o, r in reqs:
        w = w.apply(Request(o, r))
        w, _ = quiesce(w, max_steps=1_000)
    assert [r.response for _, r in w.replies] == [AnycastFailed()]
    node = w.node(113)
    step = w.host(113).app(ScribeApp).deliver(node, None, AnycastMsg(group=G, id=1))
    assert step.effects == (
        SendDirect(253, AnycastMsg(group=G, id=1, visited=(113,), to_visit=(119,))),
    )
    assert all_properties(w) == []


def test_R_SCRIBE_12_the_application_is_a_pure_value_and_properties_are_vacuous_without_it() -> (
    None
):
    w = run(((253, Subscribe(group=G)), (224, Subscribe(group=G))))
    again = run(((253, Subscribe(group=G)), (224, Subscribe(group=G))))
    assert w == again and hash(w) == hash(again)
    plain = WorldSpec(CFG, RING).initial_world()
    assert all_properties(plain) == []
    assert si.scribe_apps(plain) == {}


# -- properties --------------------------------------------------------------------------------
def test_no_parent_cycle_finds_a_planted_cycle() -> None:
    w = world()
    w = with_groups(w, 113, {G: GroupState(parent=224, children=frozenset({224}))})
    w = with_groups(w, 224, {G: GroupState(parent=113, children=frozenset({113}))})
    assert [v.name for v in si.no_parent_cycle(w)] == ["NoParentCycle"]


def test_tree_agreement_and_chains_end_at_root_find_a_broken_link() -> None:
    w = run(((253, Subscribe(group=G)),))
    assert si.tree_agreement(w) == [] and si.chains_end_at_root(w) == []
    w = with_groups(w, 113, {G: GroupState(parent=119)})  # forgot its child 253
    assert {v.name for v in si.tree_agreement(w)} == {"TreeAgreement"}
    w = with_groups(w, 253, {G: GroupState(parent=224, member=True, joined=0)})
    assert [v.name for v in si.chains_end_at_root(w)] == ["ChainsEndAtRoot"]


def test_delivered_once_and_delivery_complete_find_planted_deliveries() -> None:
    w = run(((253, Subscribe(group=G)), (224, Publish(group=G, event="e"))))
    assert si.delivered_once(w) == [] and si.delivery_complete(w) == []
    twice = attrs.evolve(w, replies=(*w.replies, *w.replies))
    assert [v.name for v in si.delivered_once(twice)] == ["DeliveredOnce"]
    w = with_groups(w, 253, {G: GroupState(parent=113, member=True, joined=0)})  # saw nothing
    assert [v.name for v in si.delivery_complete(w)] == ["DeliveryComplete"]


def test_no_useless_forwarder_and_anycast_property_find_planted_states() -> None:
    w = run(((253, Subscribe(group=G)),))
    w = with_groups(w, 253, {G: GroupState(parent=113)})  # no member, no children
    assert [v.name for v in si.no_useless_forwarder(w)] == ["NoUselessForwarder"]
    answer = (253, Reply(Anycast(group=G, id=0), AnycastAccepted()))
    bad = attrs.evolve(w, replies=(answer,))
    assert [v.name for v in si.anycast_answers_accepting_member(bad)] == [
        "AnycastAnswersAcceptingMember"
    ]


# -- scenarios ---------------------------------------------------------------------------------
def test_the_eleven_scribe_scenarios_are_shipped() -> None:
    assert [p.stem for p in SCENARIOS] == [
        "scribe-anycast-no-acceptor",
        "scribe-anycast",
        "scribe-bounded-out-degree",
        "scribe-forwarder-crash",
        "scribe-heartbeats",
        "scribe-publish-racing-subscribe",
        "scribe-root-crash",
        "scribe-root-failover-mirror",
        "scribe-subscribe-racing-join",
        "scribe-two-subscribers",
        "scribe-unsubscribe-racing-subscribe",
    ]


SLOW_SCENARIOS = {"scribe-root-failover-mirror"}  # 7,630 states: `make slow`


@pytest.mark.parametrize(
    "path",
    [pytest.param(p, marks=pytest.mark.slow) if p.stem in SLOW_SCENARIOS else p for p in SCENARIOS],
    ids=[p.stem for p in SCENARIOS],
)
def test_scribe_scenario_meets_its_expectation(path: Path) -> None:
    (scenario,) = load_scenario_file(path)
    result = check(scenario.model())
    assert result.stats.complete
    assert expectation_mismatches(scenario, result) == []


BASE = {"space": {"bits": 8, "b": 4, "leaf_set_size": 2}, "initial": {"ready": [113, 119]}}


@pytest.mark.parametrize(
    ("table", "key"),
    [
        ({"subscribe": [[113, "news"]]}, "app.scribe.groups"),
        ({"groups": {"news": 3}}, "app.scribe.groups.news"),
        (
            {"groups": {"news": "alice"}, "subscribe": [[113, "sport"]]},
            "app.scribe.subscribe[0][1]",
        ),
        ({"groups": {"news": "alice"}, "publish": [[113, "news"]]}, "app.scribe.publish[0]"),
        ({"groups": {"news": "alice"}, "subscribe": [[999, "news"]]}, "app.scribe.subscribe[0][0]"),
        ({"groups": {"news": "alice"}, "accepts": 3}, "app.scribe.accepts"),
        ({"groups": {"news": "alice"}, "nope": 1}, "app.scribe.nope"),
    ],
)
def test_a_bad_scribe_table_is_refused_naming_the_key(table: dict[str, object], key: str) -> None:
    with pytest.raises(ScenarioFileError, match=key.replace("[", r"\[").replace("]", r"\]")):
        parse_scenario({**BASE, "app": {"scribe": table}}, "t.toml")


def test_known_violation_kv_scribe_1_a_crashed_child_outside_the_leaf_set_stays() -> None:
    """spec/scribe.md KV-SCRIBE-1 (found by test_scribe_stateful.py): on the ring 0 1 2, 2
    subscribes (root 0 for group 147), 3 joins and displaces 2 from 0's leaf set, 2 crashes:
    0 never declares 2 failed, so 2 stays its child (TreeAgreement fails after settling)."""
    cfg = Config.make(bits=8, b=4, leaf_set_size=2, neighborhood_size=2, hop_acks=True)
    spec = WorldSpec(
        cfg,
        (0, 1, 2),
        joins=((3, 0),),
        crashes=(2,),
        apps=(LookupApp(), ScribeApp()),
        requests=((2, Subscribe(group=G)),),
    )
    w = spec.initial_world()
    for action in (Request(2, Subscribe(group=G)), Join(3, 0), Crash(2)):
        w = w.apply(action)
    w, _, _ = settle(w)
    assert [str(v) for v in si.tree_agreement(w)] == [
        "TreeAgreement: group 147: 0's child 2 does not name it parent"
    ]
    # R-SCRIBE-9's ChildTimeout (within a periodic budget) repairs it
    assert ChildTimeout(G, 2) in w.armed_at(0)
    w = attrs.evolve(w, periodic_left=1).apply(FireTimer(0, ChildTimeout(G, 2)))
    assert si.tree_agreement(w) == []
    assert st(w, 0) == GroupState(root=True)


def test_R_SCRIBE_9_child_timeout_drops_the_child_and_prunes() -> None:
    w = run(((253, Subscribe(group=G)),))
    fwd = w.host(113).app(ScribeApp)
    assert ChildTimeout(G, 253) in fwd.armed_timers(w.node(113))
    step = fwd.fire(w.node(113), ChildTimeout(G, 253))
    assert step.effects == (SendDirect(119, UnsubscribeMsg(group=G, child=113)),)
    assert step.app.group(G) is None  # type: ignore[attr-defined]
    assert fwd.fire(w.node(113), ChildTimeout(G, 224)).app == fwd  # not a child: nothing


# -- single upcalls on a real node's state: every effect and the state after ---------------------
def test_R_SCRIBE_3_a_second_group_is_kept_in_group_id_order() -> None:
    node = world().node(253)
    app = ScribeApp(groups=((G, GroupState(member=True)),))
    step = app.request(node, Subscribe(group=100))
    assert step.effects == (Route(100, SubscribeMsg(group=100, child=253)),)
    assert step.app.groups == (  # type: ignore[attr-defined]
        (100, GroupState(member=True)),
        (G, GroupState(member=True)),
    )


def test_R_SCRIBE_4_an_attached_forwarder_on_the_path_acknowledges_and_stops_the_subscribe() -> (
    None
):
    node = world().node(113)
    app = ScribeApp(groups=((G, GroupState(parent=119, member=True, seq=2, joined=0)),))
    step, on = app.forward(node, G, SubscribeMsg(group=G, child=253), 119)
    assert on is None  # stopped here: 113 is in the tree (and not the root: it keeps 119)
    assert step.effects == (SendDirect(253, SubscribeAck(group=G, parent=113, seq=2)),)
    assert step.app.group(G) == GroupState(  # type: ignore[attr-defined]
        parent=119, children=frozenset({253}), member=True, seq=2, joined=0
    )


def test_R_SCRIBE_5_a_node_that_finds_itself_root_leaves_its_old_parent() -> None:
    node = world().node(119)
    assert node.decide(G).deliver
    app = ScribeApp(groups=((G, GroupState(parent=224, member=True, joined=0)),))
    step = app.deliver(node, G, SubscribeMsg(group=G, child=113))
    assert step.effects == (
        SendDirect(113, SubscribeAck(group=G, parent=119, seq=0)),
        SendDirect(224, UnsubscribeMsg(group=G, child=119)),
    )
    assert step.app.group(G) == GroupState(  # type: ignore[attr-defined]
        root=True, children=frozenset({113}), member=True, joined=0
    )


def test_R_SCRIBE_7_8_without_heartbeats_an_event_marks_no_heartbeat_state() -> None:
    root = ScribeApp(groups=((G, GroupState(root=True, children=frozenset({113}))),))
    step = root.deliver(world().node(119), G, PublishMsg(group=G, event="a"))
    assert step.effects == (SendDirect(113, MulticastMsg(group=G, seq=1, event="a", parent=119)),)
    assert step.app.group(G) == GroupState(  # type: ignore[attr-defined]
        root=True, children=frozenset({113}), seq=1, seen=frozenset({1})
    )
    member = ScribeApp(groups=((G, GroupState(parent=113, member=True, joined=0)),))
    step = member.deliver(
        world().node(253), None, MulticastMsg(group=G, seq=1, event="a", parent=113)
    )
    assert step.effects == (Reply(Publish(group=G, event="a"), Delivered(1)),)
    assert step.app.group(G) == GroupState(  # type: ignore[attr-defined]
        parent=113, member=True, joined=0, seq=1, seen=frozenset({1})
    )


def test_R_SCRIBE_9_a_parent_timeout_resubscribes_with_the_seq_seen() -> None:
    node = world().node(253)
    app = ScribeApp(groups=((G, GroupState(parent=113, member=True, seq=5, joined=0)),))
    step = app.fire(node, ParentTimeout(G))
    assert step.app == app and step.effects == (Route(G, SubscribeMsg(group=G, child=253, seq=5)),)
    step = ScribeApp().fire(node, ParentTimeout(G))  # a group it does not hold: from 0
    assert step.app == ScribeApp()
    assert step.effects == (Route(G, SubscribeMsg(group=G, child=253, seq=0)),)
    none = ScribeApp().fire(node, ChildTimeout(G, 113))  # a group it does not hold: nothing
    assert none.app == ScribeApp() and none.effects == ()


def test_R_SCRIBE_9_a_failed_node_is_repaired_in_each_group_and_only_where_it_was_linked() -> None:
    node = attrs.evolve(world().node(113), failed=frozenset({224}))
    kept = GroupState(parent=119, member=True, seq=1, joined=0)
    app = ScribeApp(
        groups=(
            (100, kept),  # 224 is neither its parent nor its child
            (G, GroupState(parent=224, member=True, seq=3, joined=0)),  # 224 was the parent
            (150, GroupState(parent=119, children=frozenset({224}))),  # 224 was the only child
        )
    )
    step = app.update(node, 224, False)
    assert step.effects == (
        Route(G, SubscribeMsg(group=G, child=113, seq=3)),
        SendDirect(119, UnsubscribeMsg(group=150, child=113)),
    )
    assert step.app.groups == (  # type: ignore[attr-defined]
        (100, kept),
        (G, GroupState(member=True, seq=3, joined=0)),
    )


def test_R_SCRIBE_10_a_displaced_root_handles_every_group() -> None:
    node = world().node(224)  # 119 is closer to both 147 and 150
    assert not node.decide(G).deliver and not node.decide(150).deliver
    app = ScribeApp(
        groups=(
            (G, GroupState(root=True)),  # nothing to keep: it leaves
            (150, GroupState(root=True, member=True, seq=2, joined=0)),
        )
    )
    step = app.update(node, 113, True)
    assert step.effects == (Route(150, SubscribeMsg(group=150, child=224, seq=2)),)
    assert step.app.groups == ((150, GroupState(member=True, seq=2, joined=0)),)  # type: ignore[attr-defined]
