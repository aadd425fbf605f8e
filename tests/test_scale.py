"""Scale sanity (issue 4, item 11): 1,000 nodes built by sequential consistent joins.

The ring is a parametrized fixture: 400 nodes in `make test`, 1,000 under `make slow` (about
3 minutes of CPU: the build and the settle after 100 crashes); every test runs at both sizes.

Pastry §2.4 (join) and §3 (routing performance): with 128-bit ids, b = 4, L = 16, a ring built
one join at a time must end with every leaf set equal to the ideal one, route every sampled key
to its root, and keep routes within ⌈log16 N⌉ + 1 hops. Figures are printed, never timed.
"""

from __future__ import annotations

import math
import random
import time
from collections import Counter

import attrs
import pytest

from pastry_ref.errors import PastryRefError
from pastry_ref.node import RowMaintenance
from pastry_ref.oracle.ideal import ideal_leaf_set, root
from pastry_ref.ring.config import Config
from pastry_ref.system import Crash, FireTimer, World, WorldSpec, apply_counting, build_ring, settle
from pastry_ref.system.invariants import (
    all_ready,
    consistency,
    converged,
    no_dead_in_leaf_sets,
    no_failed_in_tables,
    no_stuck_messages,
)
from pastry_ref.tables.routing import NodeTables, follow

Ring = tuple[Config, World, list[int]]


@pytest.fixture(
    scope="module", params=[400, pytest.param(1000, marks=pytest.mark.slow)], ids=lambda n: f"N{n}"
)
def ring_1000(request: pytest.FixtureRequest) -> Ring:
    size: int = request.param
    rng = random.Random(2001)
    config = Config.make(bits=128, b=4, leaf_set_size=16, neighborhood_size=32)
    ids = list(dict.fromkeys(rng.getrandbits(128) for _ in range(size)))
    joiners = [(x, ids[rng.randrange(i)]) for i, x in enumerate(ids[1:], 1)]
    world, costs = build_ring(config, ids[0], joiners)
    return config, world, costs


def test_1000_sequential_joins_converge(ring_1000: Ring) -> None:
    """Every node is ready, nothing is in flight, every leaf set is the ideal one and no two
    nodes would deliver the same key (Converged's leaf-set part and Consistency, exactly)."""
    config, world, costs = ring_1000
    assert not all_ready(world)
    assert not no_stuck_messages(world)
    ready = world.ready_ids()
    assert len(ready) == len(world.ids)
    wrong = []
    for n in world.nodes:
        ideal = ideal_leaf_set(n.id, ready, config)
        if (n.leaf_set.left, n.leaf_set.right) != (ideal.left, ideal.right):
            wrong.append(n.id)
    assert wrong == []
    assert consistency(world) == []
    per_join = sum(costs) / len(costs)
    print(f"\n{len(costs):,} joins: {per_join:.1f} messages per join, max {max(costs)}")


def test_1000_routes_reach_root_within_bound(ring_1000: Ring) -> None:
    """Converged's routing part on a sample: 3,000 random keys from random ready nodes reach
    the root, in at most ⌈log16 N⌉ + 1 hops (Pastry §2.2)."""
    config, world, _ = ring_1000
    rng = random.Random(7)
    nodes = world.nodes
    tables = {n.id: NodeTables(n.leaf_set, n.routing_table, n.neighborhood) for n in nodes}
    ready = sorted(tables)
    bound = math.ceil(math.log(len(ready), 16)) + 1
    hops: list[int] = []
    for _ in range(3000):
        key = rng.getrandbits(128)
        route = follow(key, rng.choice(ready), tables)
        assert route.delivered_at == root(key, ready, config.space)
        hops.append(route.hop_count)
    assert max(hops) <= bound
    mean = sum(hops) / len(hops)
    print(f"\nroutes: mean {mean:.2f} hops, max {max(hops)}, bound {bound}")


# -- failures at scale ------------------------------------------------------------------------
PAPER_RT_REPAIR_RPCS = 57  # Pastry §3.5: 5,000 nodes, 10 % failing, RPCs per node


def _non_adjacent_sample(ids: list[int], k: int, rng: random.Random) -> list[int]:
    """``k`` ids of ``ids`` no two of which are adjacent in id order (around the ring)."""
    ring = sorted(ids)
    order = list(range(len(ring)))
    rng.shuffle(order)
    chosen: set[int] = set()
    for i in order:
        if len(chosen) == k:
            break
        if (i - 1) % len(ring) not in chosen and (i + 1) % len(ring) not in chosen:
            chosen.add(i)
    assert len(chosen) == k
    return sorted(ring[i] for i in chosen)


def _print_counts(title: str, sent: Counter[str], live: int) -> None:
    total = sum(sent.values())
    print(f"{title}: {total:,} messages, {total / live:.1f} per live node")
    for name, n in sorted(sent.items(), key=lambda kv: (-kv[1], kv[0])):
        print(f"    {name:14} {n:>8,}  {n / live:6.2f} per node")


Repaired = tuple[Config, World, list[int], Counter[str], Counter[str], float, float]


@pytest.fixture(scope="module")
def repaired_1000(ring_1000: Ring) -> Repaired:
    """The 1,000-node ring after 100 crashes (no two adjacent in id order, so never L/2
    adjacent) at once, ``settle`` (quiet timers: detection and leaf-set repair run to the end),
    one round of periodic maintenance at every ready node, and ``settle`` again. Also the
    messages sent in each phase, by type, and each phase's wall time."""
    _, world, _ = ring_1000
    config = world.config
    victims = _non_adjacent_sample(list(world.ids), len(world.ids) // 10, random.Random(11))
    world = attrs.evolve(world, crashes_left=tuple(victims))
    for v in victims:
        world = world.apply(Crash(v))
    t0 = time.perf_counter()
    detection: Counter[str] = Counter()
    world, _, _ = settle(world, sent=detection)
    t1 = time.perf_counter()
    ready = world.ready_ids()
    world = attrs.evolve(world, periodic_left=len(ready))
    maintenance: Counter[str] = Counter()
    for x in ready:
        world = apply_counting(world, FireTimer(x, RowMaintenance()), maintenance)
    world, _, _ = settle(world, sent=maintenance)
    t2 = time.perf_counter()
    return config, world, victims, detection, maintenance, t1 - t0, t2 - t1


def test_1000_crash_10_percent_repairs(repaired_1000: Repaired) -> None:
    """Pastry §2.5/§3.5, MSPastry: after 10 % of 1,000 nodes crash (``repaired_1000``), every
    live node is ready, nothing is in flight, no live node keeps a down node in its leaf set,
    every leaf set is the ideal one over the live nodes, and no node keeps a node it knows failed
    in its tables (NoFailedInTables). The repair traffic is printed, per message type and phase,
    beside the paper's ~57 RPCs per node for routing-table repair (5,000 nodes, 10 % failing)."""
    config, world, victims, detection, maintenance, t_detect, t_maint = repaired_1000
    live = [x for x in world.ids if not world.is_down(x)]
    n_live = len(live)
    rt_msgs = sum(c[m] for c in (detection, maintenance) for m in ("RowRequest", "RowReply"))
    rpcs = detection["RowRequest"] + maintenance["RowRequest"]
    stale = sum(
        1
        for n in world.started()
        for m in n.routing_table.members() | n.neighborhood.members()
        if world.is_down(m)
    )
    print(f"\n{len(world.ids):,} nodes, {len(victims)} crashed, {n_live} live")
    _print_counts(f"detection + leaf-set repair ({t_detect:.1f} s)", detection, n_live)
    _print_counts(f"maintenance round ({t_maint:.1f} s)", maintenance, n_live)
    print(
        f"routing-table repair, both phases: {rt_msgs / n_live:.1f} RowRequest + RowReply "
        f"messages per live node ({rpcs / n_live:.1f} RPCs); paper: ~{PAPER_RT_REPAIR_RPCS} "
        "RPCs per node (5,000 nodes, 10 % failing)"
    )
    print(f"crashed nodes still held in routing tables or neighbourhoods: {stale}")

    assert list(world.ready_ids()) == live
    assert not all_ready(world) and not no_stuck_messages(world)
    assert no_dead_in_leaf_sets(world) == []
    wrong = []
    for n in world.started():
        ideal = ideal_leaf_set(n.id, live, config)
        if (n.leaf_set.left, n.leaf_set.right) != (ideal.left, ideal.right):
            wrong.append(n.id)
    assert wrong == []
    assert no_failed_in_tables(world) == []


def test_1000_crash_routes_reach_live_root(repaired_1000: Repaired) -> None:
    """5,000 random (live node, key) routes over the repaired live nodes' tables reach the root
    among the live nodes, or stop at a crashed node that a live node still holds in a table
    (KV-9/KV-11: nothing has probed it yet; at run time the per-hop retry, R-HOP-3, routes
    around it). No route ends at a wrong live node. The stale stops are counted and printed: at
    N = 1,000 this sample meets none, at N = 400 it meets a few."""
    config, world, *_ = repaired_1000
    live = [x for x in world.ids if not world.is_down(x)]
    tables = {
        n.id: NodeTables(n.leaf_set, n.routing_table, n.neighborhood) for n in world.started()
    }
    rng = random.Random(12)
    failures: list[str] = []
    stale_stops = 0
    for _ in range(5000):
        key, start = rng.getrandbits(128), rng.choice(live)
        try:
            at = follow(key, start, tables).delivered_at
        except PastryRefError as e:
            text = str(e)
            hop_to = text.split()[-5].rstrip(",")  # "node A forwarded to B, which has no tables"
            if text.endswith("which has no tables") and world.is_down(int(hop_to)):
                stale_stops += 1
            else:
                failures.append(text)
            continue
        if at != root(key, live, config.space):
            failures.append(f"key {key} from {start} reaches {at}")
    print(f"\n{stale_stops} of 5,000 routes stop at a crashed node still held in a table")
    assert failures == [], f"{len(failures)} of 5,000 routes fail, first: {failures[0]}"
    assert stale_stops <= 50  # a handful (KV-9/KV-11), not a repair that did not happen


@pytest.mark.xfail(
    strict=True,
    reason="KV-11 (spec/known_violations.md): RowReply re-imports a crashed node its replier "
    "had not yet detected; until the next maintenance round nothing probes it (R-RTR-2/3)",
)
def test_reply_reimports_crashed_node() -> None:
    """Minimal reproduction (16 nodes, 16-bit ids, b = 2, L = 4, M = 4; 3 non-adjacent crashes;
    settle; one maintenance round at every ready node; settle). 1971 has not yet detected the
    crash of 32368 when it answers 65383's RowRequest(0) with (32368, 45897, 65383); 65383 had
    heard 32368 gossiped as failed before it knew it (so did not probe it), fills its empty cell
    with it, and keeps it: the world is terminal and not Converged (key 23843 from 65383 is
    forwarded to 32368)."""
    ids = (1971, 12072, 15712, 15940, 28605, 31749, 32368, 34790, 39872, 41234, 41973, 42719,
           45218, 45897, 51075, 65383)  # fmt: skip
    victims = (12072, 28605, 32368)
    world = WorldSpec(Config.make(16, 2, 4, 4), ids, crashes=victims).initial_world()
    for v in victims:
        world = world.apply(Crash(v))
    world, _, _ = settle(world)
    assert 32368 not in world.node(65383).routing_table.members()
    ready = world.ready_ids()
    world = attrs.evolve(world, periodic_left=len(ready))
    for x in ready:
        world = world.apply(FireTimer(x, RowMaintenance()))
    world, _, _ = settle(world)
    assert not world.actions()  # terminal
    assert not all_ready(world) and not no_dead_in_leaf_sets(world)
    assert 32368 not in world.node(65383).routing_table.members()
    assert converged(world) == []
