"""Hypothesis stateful test of Pastry + PAST: random interleavings of joins, one crash, inserts,
lookups, reclaims and message deliveries, with PAST's properties checked after every step.

Rules: R-PAST-1..10 (spec/past.md); properties: spec/invariants.md (PAST). The machine draws the
whole environment up front (WorldSpec fixes it): a converged ring of 3-4 nodes, 0-2 joiners, at
most one crash (fewer than k = 2 holders fail, so NoFileLost must hold), 1-3 inserts, lookups and
an optional reclaim. The ``act`` rule applies one enabled action (``World.actions()``) chosen by
Hypothesis; every state is checked for NoOverCapacity, LookupReturnsInserted, NoFileLost and
LSetInv, and every transition for AckedHadKHolders. ``teardown`` runs the rest of the environment
and the network to the end and asserts ReclaimSettled and, when every node has room (a tight
node may find no room even by diversion), ReplicaPlacement and LookupComplete. File names are
chosen so no two files share an id under any salt. Bounded: 25 examples of at most 40 steps
(300 examples were run once while writing it: they pass in about 50 s), without the shrink
phase (shrinking these runs can take minutes; a failure prints its run).
"""

from __future__ import annotations

from hypothesis import HealthCheck, Phase, settings
from hypothesis import strategies as st
from hypothesis.stateful import RuleBasedStateMachine, initialize, invariant, rule

import pastry_ref.check.apps  # noqa: F401 - registers PAST's properties
from pastry_ref.app import LookupApp
from pastry_ref.past import MAX_SALT, Insert, LookupFile, PastApp, Reclaim, file_id
from pastry_ref.past.invariants import (
    acked_hadk_holders,
    lookup_complete,
    lookup_returns_inserted,
    no_file_lost,
    no_over_capacity,
    reclaim_settled,
    replica_placement,
)
from pastry_ref.ring.config import Config
from pastry_ref.system import World, WorldSpec, settle
from pastry_ref.system import invariants as inv

CFG = Config.make(bits=8, b=4, leaf_set_size=4, neighborhood_size=2)
K = 2
STEP_CAP = 20_000


def _distinct_names(n: int) -> list[str]:
    """File names whose ids under every salt differ (8-bit ids collide otherwise, and two files
    under one id are one file to the properties)."""
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


NAMES = _distinct_names(3)


def finish(world: World) -> World:
    """Apply every remaining action (first enabled one, repeatedly), then settle."""
    for _ in range(STEP_CAP):
        world = settle(world)[0]
        acts = world.actions()
        if not acts:
            return world
        world = world.apply(acts[0])
    raise AssertionError("the run did not end")


class PastMachine(RuleBasedStateMachine):
    world: World
    tight: bool

    @initialize(data=st.data())
    def build(self, data: st.DataObject) -> None:
        ids = data.draw(st.lists(st.integers(0, 255), min_size=3, max_size=6, unique=True))
        n_ready = data.draw(st.integers(3, min(4, len(ids))))
        ring, extra = ids[:n_ready], ids[n_ready:]
        joins = tuple((x, data.draw(st.sampled_from(ring))) for x in extra[:2])
        crashes = tuple(data.draw(st.lists(st.sampled_from(ring), max_size=1)))
        self.tight = data.draw(st.booleans())
        capacity = 1000
        capacities = ((ring[0], 30),) if self.tight else ()
        requests: list[tuple[int, object]] = []
        names = []
        for i in range(data.draw(st.integers(1, 3))):
            name = NAMES[i]
            names.append(name)
            size = data.draw(st.integers(1, 40))
            requests.append(
                (
                    data.draw(st.sampled_from(ring)),
                    Insert(name=name, owner="o", k=K, size=size, content=f"c{i}"),
                )
            )
        for j in range(data.draw(st.integers(0, 2))):
            name = data.draw(st.sampled_from(names))
            fid = file_id(CFG.space, name, "o", 0)
            requests.append((data.draw(st.sampled_from(ring)), LookupFile(file_id=fid, id=j)))
        if data.draw(st.booleans()):
            fid = file_id(CFG.space, names[0], "o", 0)
            owner = data.draw(st.sampled_from(["o", "x"]))
            requests.append((data.draw(st.sampled_from(ring)), Reclaim(file_id=fid, owner=owner)))
        spec = WorldSpec(
            CFG,
            tuple(ring),
            joins,
            crashes=crashes,
            apps=(LookupApp(), PastApp(capacity=capacity, capacities=capacities)),
            requests=tuple(requests),
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
        assert acked_hadk_holders(before, action, self.world) == []

    @invariant()
    def past_invariants(self) -> None:
        w = self.world
        assert no_over_capacity(w) == []
        assert lookup_returns_inserted(w) == []
        assert no_file_lost(w) == []
        assert inv.lset_inv(w) == []

    def teardown(self) -> None:
        if not hasattr(self, "world"):
            return
        w = finish(self.world)
        assert no_file_lost(w) == []
        assert lookup_returns_inserted(w) == []
        assert reclaim_settled(w) == [], describe(w)
        if not self.tight:  # a full node may have no room left for a replica, even diverted
            placement = replica_placement(w)
            assert placement == [], (placement, describe(w))
            assert lookup_complete(w) == [], describe(w)


def describe(w: World) -> str:
    rows = [f"down {w.down}; replies {[r.response for _, r in w.replies]}"]
    for h in w.hosts:
        a = h.app(PastApp)
        assert isinstance(a, PastApp)
        rows.append(
            f"{h.id} {h.node.status.value} {h.node.leaf_set} {[f.file_id for f in a.stored]}"
        )
    return "\n".join(rows)


TestPast = PastMachine.TestCase
TestPast.settings = settings(
    max_examples=25,
    stateful_step_count=40,
    deadline=None,
    phases=(Phase.explicit, Phase.reuse, Phase.generate),
    suppress_health_check=[HealthCheck.too_slow, HealthCheck.filter_too_much],
)
