"""The application seam (KBR Common API): hosts, upcalls, ownership, queries, app timers.

Rules: R-ROUTE-6/7, R-API-1..4, R-WORLD-7 (spec/pastry.md). Each test builds small applications
of its own, so what is checked is the host's contract, not one application.
"""

from __future__ import annotations

from collections.abc import Hashable
from typing import ClassVar

import attrs
import pytest

from pastry_ref.app import (
    App,
    AppStep,
    Host,
    Lookup,
    LookupApp,
    LookupPayload,
    Reply,
    Request,
    host_step,
    host_timers,
)
from pastry_ref.errors import ApiMisuse, BadInput, BoundReached
from pastry_ref.node import (
    CancelTimer,
    Deliver,
    DirectMessage,
    Forward,
    ForwardTo,
    NodeState,
    RouteMessage,
    Send,
    SendDirect,
    SetTimer,
    StartFirst,
    Status,
    Update,
    local_lookup,
    neighbor_set,
    replica_set,
    step,
)
from pastry_ref.node import inputs as ni
from pastry_ref.node.messages import LSProbe
from pastry_ref.oracle.ideal import ideal_tables, root
from pastry_ref.ring.config import Config
from pastry_ref.system import FireTimer, World, WorldSpec, quiesce, settle
from pastry_ref.system import Request as RequestAction

CFG = Config.make(bits=8, b=2, leaf_set_size=4, neighborhood_size=4)
RING = (10, 50, 90, 130, 170, 210)


def ready(n: int, ring: tuple[int, ...] = RING) -> NodeState:
    state = step(NodeState.new(n, CFG), StartFirst()).node
    t = ideal_tables(ring, CFG)[n]
    return attrs.evolve(
        state, leaf_set=t.leaf_set, routing_table=t.routing_table, neighborhood=t.neighborhood
    )


# -- small applications of the tests' own ----------------------------------------------------
@attrs.frozen(slots=True)
class Note:
    """A payload of the test applications."""

    text: str


@attrs.frozen(slots=True)
class Say:
    """A request: route ``text`` toward ``key`` (or straight to ``dest``)."""

    key: int
    text: str
    dest: int | None = None


@attrs.frozen(slots=True)
class Echo(App):
    """Records every upcall; stops every message whose text is 'stop' and rewrites 'swap'."""

    NAME: ClassVar[str] = "echo"
    PAYLOADS: ClassVar[tuple[type, ...]] = (Note,)
    REQUESTS: ClassVar[tuple[type, ...]] = (Say,)
    seen: tuple[str, ...] = ()

    def request(self, node: NodeState, request: Hashable) -> AppStep:
        assert isinstance(request, Say)
        me = attrs.evolve(self, seen=(*self.seen, f"request {request.text}"))
        if request.dest is not None:
            return AppStep(me, (SendDirect(request.dest, Note(request.text)),))
        return AppStep(me, (ni.Route(request.key, Note(request.text)),))

    def deliver(self, node: NodeState, key: int | None, payload: Hashable) -> AppStep:
        assert isinstance(payload, Note)
        me = attrs.evolve(self, seen=(*self.seen, f"deliver {key} {payload.text}"))
        return AppStep(me, (Reply(payload, "delivered"),))

    def forward(
        self, node: NodeState, key: int, payload: Hashable, next_hop: int
    ) -> tuple[AppStep, ForwardTo | None]:
        assert isinstance(payload, Note)
        me = attrs.evolve(self, seen=(*self.seen, f"forward {key} {payload.text} {next_hop}"))
        if payload.text == "stop":
            return AppStep(me), None
        if payload.text == "swap":
            return AppStep(me), ForwardTo(key, Note("swapped"), next_hop)
        return AppStep(me), ForwardTo(key, payload, next_hop)

    def update(self, node: NodeState, member: int, joined: bool) -> AppStep:
        return AppStep(attrs.evolve(self, seen=(*self.seen, f"update {member} {joined}")))


@attrs.frozen(slots=True)
class Tick:
    """An application timer."""


@attrs.frozen(slots=True)
class Ticker(App):
    """Armed with Tick while ``ticks`` < 2; each firing counts one."""

    NAME: ClassVar[str] = "ticker"
    TIMERS: ClassVar[tuple[type, ...]] = (Tick,)
    ticks: int = 0

    def fire(self, node: NodeState, timer: Hashable) -> AppStep:
        return AppStep(attrs.evolve(self, ticks=self.ticks + 1))

    def armed_timers(self, node: NodeState) -> frozenset[Hashable]:
        return frozenset({Tick()}) if self.ticks < 2 else frozenset()


@attrs.frozen(slots=True)
class Loop(App):
    """A broken application: every delivery routes the payload again, to itself."""

    NAME: ClassVar[str] = "loop"
    PAYLOADS: ClassVar[tuple[type, ...]] = (Note,)
    REQUESTS: ClassVar[tuple[type, ...]] = (Say,)

    def request(self, node: NodeState, request: Hashable) -> AppStep:
        return AppStep(self, (ni.Route(node.id, Note("again")),))

    def deliver(self, node: NodeState, key: int | None, payload: Hashable) -> AppStep:
        return AppStep(self, (ni.Route(node.id, Note("again")),))


# -- R-API-1: one atomic step -----------------------------------------------------------------
def test_R_API_1_a_request_runs_to_a_fixed_point_in_one_step() -> None:
    """R-API-1: a request at 90 for key 135 (130's) is one host step: the app's Route, the
    node's Forward upcall, the app's ForwardTo, the node's Send, all in order."""
    host = Host(ready(90), (Echo(),))
    out = host_step(host, Request(Say(135, "hi")))
    assert out.effects == (
        Forward(135, Note("hi"), 130),
        Send(130, RouteMessage(src=90, key=135, payload=Note("hi"))),
    )
    assert out.host.node == host.node
    assert out.host.app(Echo) == Echo(("request hi", "forward 135 hi 130"))


def test_R_API_1_delivery_at_the_root_reaches_the_app_and_its_reply_comes_out() -> None:
    """R-API-1: at the root the Deliver upcall goes to the owning app, whose Reply is an effect
    of the same step."""
    host = Host(ready(90), (Echo(),))
    msg = RouteMessage(src=50, key=95, payload=Note("x"))
    out = host_step(host, ni.Receive(msg))
    assert out.effects == (Deliver(95, Note("x")), Reply(Note("x"), "delivered"))
    assert out.host.app(Echo).seen == ("deliver 95 x",)  # type: ignore[attr-defined]


def test_R_API_1_update_upcalls_reach_every_app() -> None:
    """R-API-1: a leaf-set change is an Update upcall to every application of the host."""
    host = Host(ready(90), (LookupApp(), Echo()))
    out = host_step(host, ni.Receive(LSProbe(src=70, leaf_set=(70,))))
    updates = [e for e in out.effects if isinstance(e, Update)]
    assert updates == [Update(70, True), Update(10, False)]
    assert out.host.app(Echo).seen == ("update 70 True", "update 10 False")  # type: ignore[attr-defined]


def test_R_API_1_timers_are_reported_once_as_one_difference() -> None:
    """R-API-1 / R-TIME-1: the host reports the timers armed after the step (the node's and its
    apps'), and one SetTimer / CancelTimer difference, not one per inner node step."""
    acks = attrs.evolve(CFG, hop_acks=True)
    node = attrs.evolve(ready(90), config=acks)
    host = Host(node, (Echo(), Ticker()))
    before = host_timers(host)
    assert Tick() in before
    out = host_step(host, Request(Say(135, "hi")))
    sets = [e for e in out.effects if isinstance(e, SetTimer | CancelTimer)]
    assert len(sets) == 1 and isinstance(sets[0], SetTimer)
    assert out.timers == host_timers(out.host) == before | {sets[0].timer}


def test_R_API_1_an_app_that_never_stops_routing_is_a_bound_reached() -> None:
    """R-API-1: a fixed point that does not come within MAX_ROUNDS is BoundReached (a named
    failure), not a hang."""
    host = Host(ready(90), (Loop(),))
    with pytest.raises(BoundReached, match="fixed point"):
        host_step(host, Request(Say(90, "go")))


# -- R-ROUTE-6 / R-ROUTE-7 --------------------------------------------------------------------
def test_R_ROUTE_6_an_app_may_stop_or_change_a_forwarded_message() -> None:
    """R-ROUTE-6: the forward upcall may stop a message (nothing is sent) or change it (the
    changed message is what is sent)."""
    host = Host(ready(90), (Echo(),))
    stopped = host_step(host, Request(Say(135, "stop")))
    assert stopped.effects == (Forward(135, Note("stop"), 130),)
    swapped = host_step(host, Request(Say(135, "swap")))
    assert swapped.effects[-1] == Send(130, RouteMessage(src=90, key=135, payload=Note("swapped")))


def test_R_ROUTE_7_a_direct_message_is_delivered_with_no_key() -> None:
    """R-ROUTE-7: SendDirect sends a DirectMessage straight to the node; there it is delivered
    with key None, and a node that is not ready does not take it."""
    host = Host(ready(90), (Echo(),))
    out = host_step(host, Request(Say(0, "d", dest=210)))
    assert out.effects == (Send(210, DirectMessage(src=90, payload=Note("d"))),)
    there = host_step(
        Host(ready(210), (Echo(),)), ni.Receive(DirectMessage(src=90, payload=Note("d")))
    )
    assert there.effects == (Deliver(None, Note("d")), Reply(Note("d"), "delivered"))
    to_self = host_step(host, Request(Say(0, "me", dest=90)))
    assert to_self.effects[0] == Deliver(None, Note("me"))


# -- R-API-2: ownership -----------------------------------------------------------------------
def test_R_API_2_a_request_no_app_takes_is_api_misuse() -> None:
    """R-API-2: a request type no application of the host owns is refused, naming it."""
    with pytest.raises(ApiMisuse, match="no application takes a Say request"):
        host_step(Host(ready(90), (LookupApp(),)), Request(Say(1, "x")))


def test_R_API_2_only_the_owner_sees_its_payloads() -> None:
    """R-API-2: a lookup delivered at a host running both applications reaches only the lookup
    application; a payload nobody owns is forwarded unchanged and delivered as a bare upcall."""
    host = Host(ready(90), (LookupApp(), Echo()))
    out = host_step(host, ni.Receive(RouteMessage(src=50, key=95, payload=LookupPayload(id=1))))
    assert out.effects == (Deliver(95, LookupPayload(id=1)),)
    assert out.host == host
    bare = Host(ready(90), ())
    fwd = host_step(bare, ni.Receive(RouteMessage(src=50, key=135, payload=("raw", 1))))
    assert fwd.effects == (
        Forward(135, ("raw", 1), 130),
        Send(130, RouteMessage(src=90, key=135, payload=("raw", 1))),
    )


# -- R-API-3: the node's queries ----------------------------------------------------------------
def test_R_API_3_replica_set_is_the_k_closest_of_leaf_set_and_self() -> None:
    """R-API-3: with ideal leaf sets, replica_set(key, k) at the key's root, for k <= L/2 + 1,
    is the oracle's k closest live nodes, closest first, for every key; at another node it may
    miss some (10 does not know 130, among the 3 closest to key 70)."""
    for key in range(256):
        node = ready(root(key, RING, CFG.space))
        want = sorted(RING, key=lambda m: CFG.space.closeness(m, key))[:3]
        assert replica_set(node, key, 3) == tuple(want)
    assert replica_set(ready(10), 70, 3) == (90, 50, 10)
    assert replica_set(ready(90), 95, 1) == (root(95, RING, CFG.space),)


def test_R_API_3_local_lookup_and_neighbor_set() -> None:
    """R-API-3: local_lookup puts the routing decision's hop first (itself at the root);
    neighbor_set lists leaf-set members nearest first."""
    node = ready(90)
    assert local_lookup(node, 135, 1) == (130,)
    assert local_lookup(node, 95, 3)[0] == 90 and len(local_lookup(node, 95, 3)) == 3
    assert local_lookup(node, 95, 0) == ()
    assert neighbor_set(node, 2) == (50, 130) or neighbor_set(node, 2) == (130, 50)
    assert set(neighbor_set(node, 4)) == set(node.leaf_set.members())
    assert neighbor_set(node, 0) == ()


# -- R-API-4: application timers ----------------------------------------------------------------
def test_R_API_4_app_timers_fire_only_within_the_periodic_budget() -> None:
    """R-API-4: an application's timer is an action of the World only while the periodic
    budget lasts; firing it changes the application's state and spends one unit."""
    spec = WorldSpec(CFG, (10, 90), apps=(LookupApp(), Ticker()))
    w = spec.initial_world()
    assert not any(isinstance(a, FireTimer) and a.timer == Tick() for a in w.actions())
    w = attrs.evolve(spec, periodic=1).initial_world()
    fire = FireTimer(10, Tick())
    assert fire in w.actions()
    after = w.apply(fire)
    assert after.host(10).app(Ticker).ticks == 1  # type: ignore[attr-defined]
    assert after.periodic_left == 0 and fire not in after.actions()


def test_R_API_4_an_unarmed_app_timer_does_nothing_on_the_host() -> None:
    """R-API-4: a fired timer the application no longer arms is ignored."""
    host = Host(ready(90), (Ticker(ticks=2),))
    assert Tick() not in host_timers(host)
    assert host_step(host, ni.FireTimer(Tick())).host == host


# -- R-WORLD-7: client requests in the World ------------------------------------------------------
def test_R_WORLD_7_requests_are_environment_actions_named_after_the_request() -> None:
    """R-WORLD-7: a lookup is the World action Request(origin, Lookup(...)) named 'Lookup';
    it happens once, and the lookup is delivered at the key's root."""
    w = WorldSpec(CFG, RING, lookups=((10, 135),)).initial_world()
    (req,) = [a for a in w.actions() if isinstance(a, RequestAction)]
    assert req == RequestAction(10, Lookup(key=135, id=0)) and req.name == "Lookup"
    w2 = w.apply(req)
    assert req not in w2.actions() and w2.requests_left == ()
    w3, _ = quiesce(w2)
    assert w3.network == () and w3.node(130).status is Status.READY
    settled, _, _ = settle(w3)
    assert settled.network == ()
    assert isinstance(w, World)


def test_R_WORLD_7_replies_are_ghost_history_and_requests_are_checked() -> None:
    """R-WORLD-7: a reply an application gives its client is recorded in the World (with the
    node that gave it), so an application's properties can judge what clients were told; a
    request no application of the scenario takes is bad input, naming the field."""
    spec = WorldSpec(CFG, RING, apps=(Echo(),), requests=((90, Say(95, "hi")),))
    w = spec.initial_world()
    (req,) = [a for a in w.actions() if isinstance(a, RequestAction)]
    assert req.name == "Say"
    after = w.apply(req)
    assert after.replies == ((90, Reply(Note("hi"), "delivered")),)
    assert w.replies == ()
    with pytest.raises(BadInput, match=r"requests\[0\]: no application of the scenario takes"):
        WorldSpec(CFG, RING, requests=((90, Say(95, "hi")),))
    with pytest.raises(BadInput, match=r"requests\[0\]: origin 7 is not a node"):
        WorldSpec(CFG, RING, apps=(Echo(),), requests=((7, Say(95, "hi")),))
