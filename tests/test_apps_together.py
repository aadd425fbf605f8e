"""Hypothesis stateful test of Pastry + PAST + SCRIBE on the same hosts (R-API-1, R-SCRIBE-12):
random interleavings of a join, a crash, PAST inserts and lookups, SCRIBE subscribes,
unsubscribes, publishes and anycasts, and message deliveries, with every property of both
applications checked.

Each host runs ``LookupApp``, ``PastApp`` and ``ScribeApp`` (with a child limit of 2, the root's
record mirrored on 1 node and cached root addresses: R-SCRIBE-13..15), so one node's step may
run both applications' upcalls. The machine draws the whole environment up front (WorldSpec
fixes it): a ring of 3-4 nodes (8-bit ids, b = 4, L = 4), at most one joiner, at most one crash
(fewer than k = 2 PAST holders fail, so NoFileLost must hold), 1-2 inserts, 0-1 lookups and 0-5
SCRIBE requests over two groups. ``act`` applies one enabled action; after each step every
every-state property of both (NoOverCapacity, LookupReturnsInserted, NoFileLost, NoParentCycle,
DeliveredOnce, AnycastAnswersAcceptingMember, OutDegreeBounded) and each transition property
(AckedHadKHolders, AnycastFailsOnlyWithoutAcceptor) is checked. ``teardown`` runs the rest of
the environment and the network to the end (quiet timers), fires once each the SCRIBE timers
that wait on a down node (KV-SCRIBE-1; a publish to a crashed cached root), settles again and
asserts the quiescent ones: ReclaimSettled, ReplicaPlacement, LookupComplete, TreeAgreement,
ChainsEndAtRoot, NoUselessForwarder, DeliveryComplete. Small on purpose (explicit
``max_examples`` and ``stateful_step_count``, no shrink phase): it must cost well under 30 s.
"""

from __future__ import annotations

from collections.abc import Hashable

import attrs
from hypothesis import HealthCheck, Phase, settings
from hypothesis import strategies as st
from hypothesis.stateful import RuleBasedStateMachine, initialize, invariant, rule

import pastry_ref.check.apps  # noqa: F401 - registers both applications' properties
from pastry_ref.app import LookupApp
from pastry_ref.past import MAX_SALT, Insert, LookupFile, PastApp, file_id
from pastry_ref.past import invariants as pi
from pastry_ref.ring.config import Config
from pastry_ref.scribe import (
    Anycast,
    ChildTimeout,
    ParentTimeout,
    Publish,
    PublishTimeout,
    ScribeApp,
    Subscribe,
    Unsubscribe,
    group_id,
)
from pastry_ref.scribe import invariants as si
from pastry_ref.system import FireTimer, World, WorldSpec, settle

CFG = Config.make(bits=8, b=4, leaf_set_size=4, neighborhood_size=2)
K = 2
GROUPS = (group_id(CFG.space, "news", "alice"), group_id(CFG.space, "sport", "bob"))
STEP_CAP = 20_000


def _distinct_names(n: int) -> list[str]:
    """File names whose ids differ under every salt (8-bit ids collide otherwise)."""
    out: list[str] = []
    seen: set[int] = set()
    i = 0
    while len(out) < n:
        ids = {file_id(CFG.space, f"f{i}", "o", salt) for salt in range(MAX_SALT + 1)}
        if len(ids) == MAX_SALT + 1 and not ids & seen:
            out.append(f"f{i}")
            seen |= ids
        i += 1
    return out


NAMES = _distinct_names(2)


def _scribe(w: World, n: int) -> ScribeApp:
    app = w.host(n).app(ScribeApp)
    assert isinstance(app, ScribeApp)
    return app


def _waits_on_down(w: World, n: int, t: Hashable) -> bool:
    """A SCRIBE timer at ``n`` whose neighbour is down: it would fire in a real system."""
    app = _scribe(w, n)
    if isinstance(t, ChildTimeout):
        return w.is_down(t.child)
    if isinstance(t, ParentTimeout):
        st_ = app.group(t.group)
        return st_ is not None and st_.parent is not None and w.is_down(st_.parent)
    if isinstance(t, PublishTimeout):
        r = app.cached_root(t.group)
        return r is not None and w.is_down(r)
    return False


def finish(world: World) -> World:
    """Apply every remaining environment action (the first enabled one, repeatedly), settling
    in between; then fire, once each, the SCRIBE timers that wait on a down node, and settle."""
    for _ in range(STEP_CAP):
        world = settle(world)[0]
        acts = world.actions()
        if not acts:
            break
        world = world.apply(acts[0])
    else:
        raise AssertionError("the run did not end")
    for _ in range(3):  # a re-subscribe may meet another dead link: a few rounds
        due = [
            (n, t)
            for n in world.ids
            if not world.is_down(n)
            for t in sorted(world.armed_at(n), key=repr)
            if _waits_on_down(world, n, t)
        ]
        if not due:
            break
        world = attrs.evolve(world, periodic_left=len(due))
        for n, t in due:
            if t in world.armed_at(n):
                world = world.apply(FireTimer(n, t))
        world = settle(attrs.evolve(world, periodic_left=0))[0]
    return world


class AppsMachine(RuleBasedStateMachine):
    world: World

    @initialize(data=st.data())
    def build(self, data: st.DataObject) -> None:
        ids = data.draw(st.lists(st.integers(0, 255), min_size=3, max_size=5, unique=True))
        n_ready = data.draw(st.integers(3, min(4, len(ids))))
        ring, extra = ids[:n_ready], ids[n_ready:]
        joins = tuple((x, data.draw(st.sampled_from(ring))) for x in extra[:1])
        crashes = tuple(data.draw(st.lists(st.sampled_from(ring), max_size=1)))
        everyone = (*ring, *extra[:1])
        reqs: list[tuple[int, Hashable]] = []
        for i in range(data.draw(st.integers(1, 2))):
            size = data.draw(st.integers(1, 40))
            ins = Insert(name=NAMES[i], owner="o", k=K, size=size, content=f"c{i}")
            reqs.append((data.draw(st.sampled_from(ring)), ins))
        if data.draw(st.booleans()):
            fid = file_id(CFG.space, NAMES[0], "o", 0)
            reqs.append((data.draw(st.sampled_from(ring)), LookupFile(file_id=fid, id=0)))
        n_anycast = 0
        for i in range(data.draw(st.integers(0, 5))):
            kind = data.draw(st.integers(0, 4))
            origin = data.draw(st.sampled_from(everyone))
            g = GROUPS[data.draw(st.integers(0, 1))]
            if kind <= 1:
                reqs.append((origin, Subscribe(group=g)))
            elif kind == 2:
                reqs.append((origin, Unsubscribe(group=g)))
            elif kind == 3:
                reqs.append((origin, Publish(group=g, event=f"e{i}")))
            else:
                reqs.append((origin, Anycast(group=g, id=n_anycast)))
                n_anycast += 1
        scribe = ScribeApp(accepts=frozenset(ring[:1]), max_children=2, mirror=1, cache_root=True)
        spec = WorldSpec(
            CFG,
            tuple(ring),
            joins,
            crashes=crashes,
            apps=(LookupApp(), PastApp(capacity=1000), scribe),
            requests=tuple(reqs),
        )
        self.world = spec.initial_world()

    @rule(data=st.data())
    def act(self, data: st.DataObject) -> None:
        acts = self.world.actions()
        if not acts:
            return
        action = acts[data.draw(st.integers(0, len(acts) - 1))]
        before = self.world
        self.world = before.apply(action)
        assert pi.acked_hadk_holders(before, action, self.world) == []
        assert si.anycast_fails_only_without_acceptor(before, action, self.world) == []

    @invariant()
    def every_state(self) -> None:
        if not hasattr(self, "world"):
            return
        w = self.world
        bad = [
            *pi.no_over_capacity(w),
            *pi.lookup_returns_inserted(w),
            *pi.no_file_lost(w),
            *si.no_parent_cycle(w),
            *si.delivered_once(w),
            *si.anycast_answers_accepting_member(w),
            *si.out_degree_bounded(w),
        ]
        assert [str(v) for v in bad] == []

    def teardown(self) -> None:
        if not hasattr(self, "world"):
            return
        w = finish(self.world)
        bad = [
            *pi.no_file_lost(w),
            *pi.reclaim_settled(w),
            *pi.replica_placement(w),
            *pi.lookup_complete(w),
            *si.tree_agreement(w),
            *si.chains_end_at_root(w),
            *si.no_useless_forwarder(w),
            *si.delivery_complete(w),
            *si.out_degree_bounded(w),
        ]
        assert [str(v) for v in bad] == []


TestAppsTogether = AppsMachine.TestCase
TestAppsTogether.settings = settings(
    max_examples=20,
    stateful_step_count=40,
    deadline=None,
    phases=(Phase.explicit, Phase.reuse, Phase.generate),
    suppress_health_check=[HealthCheck.too_slow, HealthCheck.filter_too_much],
)
