"""Hypothesis stateful test of Pastry + SCRIBE (spec/scribe.md R-SCRIBE-1..12): random
interleavings of a join, a crash, subscribes, unsubscribes, publishes and message deliveries,
with SCRIBE's every-state properties checked after each step and its convergence properties at
the end.

The machine only picks an *enabled* World action and applies it. ``initialize`` draws a ring of
3-4 nodes (8-bit ids, b = 4, L = 2), one joiner, at most one crash, and a list of client requests
over two groups. ``teardown`` delivers every message and fires every non-periodic timer
(``settle``, quiet semantics: a perfect failure detector), then asserts TreeAgreement,
ChainsEndAtRoot, NoUselessForwarder and DeliveryComplete (vacuous after a crash). With a
crash it first fires, once each, the heartbeat timers (``ChildTimeout``, ``ParentTimeout``)
that wait on a down node: without them a failure outside the tree neighbours' leaf sets goes
undetected (spec/scribe.md KV-SCRIBE-1).
"""

from __future__ import annotations

from collections.abc import Hashable

import attrs
from hypothesis import HealthCheck, settings
from hypothesis import strategies as st
from hypothesis.stateful import (
    RuleBasedStateMachine,
    initialize,
    invariant,
    rule,
    run_state_machine_as_test,
)

from pastry_ref.app import LookupApp
from pastry_ref.ring.config import Config
from pastry_ref.scribe import (
    ChildTimeout,
    ParentTimeout,
    Publish,
    ScribeApp,
    Subscribe,
    Unsubscribe,
    group_id,
)
from pastry_ref.scribe import invariants as si
from pastry_ref.system import FireTimer, World, WorldSpec, settle
from pastry_ref.system.consistency import Violation

CFG = Config.make(bits=8, b=4, leaf_set_size=2, neighborhood_size=2, hop_acks=True)
GROUPS = (group_id(CFG.space, "news", "alice"), group_id(CFG.space, "sport", "bob"))


def _parent_down(w: World, n: int, g: int) -> bool:
    app = w.host(n).app(ScribeApp)
    assert isinstance(app, ScribeApp)
    st = app.group(g)
    return st is not None and st.parent is not None and w.is_down(st.parent)


def _names(vs: list[Violation]) -> list[str]:
    return [str(v) for v in vs]


class ScribeMachine(RuleBasedStateMachine):
    world: World

    @initialize(
        ids=st.lists(st.integers(0, 255), min_size=4, max_size=5, unique=True),
        crash=st.booleans(),
        picks=st.lists(
            st.tuples(st.integers(0, 3), st.integers(0, 4), st.integers(0, 1)), max_size=6
        ),
    )
    def build(self, ids: list[int], crash: bool, picks: list[tuple[int, int, int]]) -> None:
        ring, joiner = tuple(ids[:-1]), ids[-1]
        everyone = (*ring, joiner)
        reqs: list[tuple[int, Hashable]] = []
        for i, (kind, who, g) in enumerate(picks):
            origin, group = everyone[who % len(everyone)], GROUPS[g]
            if kind <= 1:
                reqs.append((origin, Subscribe(group=group)))
            elif kind == 2:
                reqs.append((origin, Unsubscribe(group=group)))
            else:
                reqs.append((origin, Publish(group=group, event=f"e{i}")))
        spec = WorldSpec(
            CFG,
            ring,
            joins=((joiner, ring[0]),),
            crashes=(ring[-1],) if crash else (),
            apps=(LookupApp(), ScribeApp()),
            requests=tuple(reqs),
        )
        self.world = spec.initial_world()

    @rule(data=st.data())
    def act(self, data: st.DataObject) -> None:
        actions = [
            a
            for a in self.world.actions()
            if not (isinstance(a, FireTimer) and self.world.periodic_left == 0)
        ]
        if actions:
            self.world = self.world.apply(data.draw(st.sampled_from(actions)))

    @invariant()
    def every_state(self) -> None:
        if not hasattr(self, "world"):
            return
        w = self.world
        bad = [
            *si.no_parent_cycle(w),
            *si.delivered_once(w),
            *si.anycast_answers_accepting_member(w),
        ]
        assert _names(bad) == []

    def teardown(self) -> None:
        if not hasattr(self, "world"):
            return
        w, _, _ = settle(self.world)
        if w.down:
            # A crash outside its tree neighbours' leaf sets is noticed only by the heartbeat
            # timers (KV-SCRIBE-1): fire, once each, those that wait on a down node.
            due = [
                (n, t)
                for n in w.ids
                if not w.is_down(n)
                for t in w.armed_at(n)
                if (isinstance(t, ChildTimeout) and w.is_down(t.child))
                or (isinstance(t, ParentTimeout) and _parent_down(w, n, t.group))
            ]
            w = attrs.evolve(w, periodic_left=len(due))
            for n, t in due:
                if t in w.armed_at(n):
                    w = w.apply(FireTimer(n, t))
            w = attrs.evolve(w, periodic_left=0)
            w, _, _ = settle(w)
        bad = [*si.tree_agreement(w), *si.chains_end_at_root(w), *si.no_useless_forwarder(w)]
        bad += si.delivery_complete(w)
        assert _names(bad) == []


def test_scribe_stateful() -> None:
    """R-SCRIBE-12 under random interleavings (with R-SCRIBE-4..10 exercised on the way)."""
    run_state_machine_as_test(
        ScribeMachine,
        settings=settings(
            max_examples=100,
            stateful_step_count=50,
            deadline=None,
            suppress_health_check=[HealthCheck.too_slow, HealthCheck.data_too_large],
        ),
    )
