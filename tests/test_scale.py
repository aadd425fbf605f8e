"""Scale sanity (issue 4, item 11): 1,000 nodes built by sequential consistent joins.

Pastry §2.4 (join) and §3 (routing performance): with 128-bit ids, b = 4, L = 16, a ring built
one join at a time must end with every leaf set equal to the ideal one, route every sampled key
to its root, and keep routes within ⌈log16 N⌉ + 1 hops. Figures are printed, never timed.
"""

from __future__ import annotations

import math
import random

import pytest

from pastry_ref.config import Config
from pastry_ref.drive import build_ring
from pastry_ref.invariants import all_ready, consistency, no_stuck_messages
from pastry_ref.oracle import ideal_leaf_set, root
from pastry_ref.routing import NodeTables, follow
from pastry_ref.world import World

Ring = tuple[Config, World, list[int]]


@pytest.fixture(scope="module")
def ring_1000() -> Ring:
    rng = random.Random(2001)
    config = Config.make(bits=128, b=4, leaf_set_size=16, neighborhood_size=32)
    ids = list(dict.fromkeys(rng.getrandbits(128) for _ in range(1000)))
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
    assert len(ready) == 1000
    wrong = []
    for n in world.nodes:
        ideal = ideal_leaf_set(n.id, ready, config)
        if (n.leaf_set.left, n.leaf_set.right) != (ideal.left, ideal.right):
            wrong.append(n.id)
    assert wrong == []
    assert consistency(world) == []
    print(f"\n1,000 joins: {sum(costs) / len(costs):.1f} messages per join, max {max(costs)}")


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
