"""Benchmark: repair after 10 % of the nodes crash at once, for N in 500, 1,000 and 2,000.

A ring of N nodes (128-bit ids, b = 4, L = 16, M = 32) is built by sequential consistent joins;
N/10 nodes, no two adjacent in id order, crash at once; the World settles (quiet timers:
detection and leaf-set repair run to the end); then one round of periodic maintenance
(RowMaintenance at every ready node) and a second settle. Prints the messages sent per live
node, by type and phase, the routing-table repair messages (RowRequest + RowReply) per node
beside the paper's ~57 RPCs per node (5,000 nodes, 10 % failing), and each phase's wall time.
Figures, never assertions.

    .venv/bin/python bench/bench_failure_repair.py [N ...]
"""

from __future__ import annotations

import random
import sys
import time
from collections import Counter

import attrs

from pastry_ref.node import RowMaintenance
from pastry_ref.ring.config import Config
from pastry_ref.system import Crash, FireTimer, apply_counting, build_ring, settle

PAPER_RT_REPAIR_RPCS = 57


def non_adjacent(ids: list[int], k: int, rng: random.Random) -> list[int]:
    ring = sorted(ids)
    order = list(range(len(ring)))
    rng.shuffle(order)
    chosen: set[int] = set()
    for i in order:
        if len(chosen) == k:
            break
        if (i - 1) % len(ring) not in chosen and (i + 1) % len(ring) not in chosen:
            chosen.add(i)
    return sorted(ring[i] for i in chosen)


def run(n: int) -> None:
    rng = random.Random(2001)
    config = Config.make(bits=128, b=4, leaf_set_size=16, neighborhood_size=32)
    ids = list(dict.fromkeys(rng.getrandbits(128) for _ in range(n)))
    joiners = [(x, ids[rng.randrange(i)]) for i, x in enumerate(ids[1:], 1)]
    t = time.perf_counter()
    world, _ = build_ring(config, ids[0], joiners)
    t_build = time.perf_counter() - t
    victims = non_adjacent(list(world.ids), n // 10, random.Random(11))
    world = attrs.evolve(world, crashes_left=tuple(victims))
    for v in victims:
        world = world.apply(Crash(v))
    live = n - len(victims)
    t = time.perf_counter()
    detection: Counter[str] = Counter()
    world, _, _ = settle(world, sent=detection)
    t_detect = time.perf_counter() - t
    t = time.perf_counter()
    ready = world.ready_ids()
    world = attrs.evolve(world, periodic_left=len(ready))
    maintenance: Counter[str] = Counter()
    for x in ready:
        world = apply_counting(world, FireTimer(x, RowMaintenance()), maintenance)
    world, _, _ = settle(world, sent=maintenance)
    t_maint = time.perf_counter() - t
    stale = sum(
        1
        for node in world.started()
        for m in node.leaf_set.members()
        | node.routing_table.members()
        | node.neighborhood.members()
        if world.is_down(m)
    )
    print(f"N = {n:,}: {len(victims)} crashed, {live} live; build {t_build:.1f} s")
    for title, sent, secs in (
        ("detection + leaf-set repair", detection, t_detect),
        ("maintenance round", maintenance, t_maint),
    ):
        total = sum(sent.values())
        print(f"  {title}: {secs:.1f} s, {total:,} messages, {total / live:.1f} per live node")
        for name, k in sorted(sent.items(), key=lambda kv: (-kv[1], kv[0])):
            print(f"      {name:14} {k:>9,}  {k / live:7.2f} per node")
    rt = sum(c[m] for c in (detection, maintenance) for m in ("RowRequest", "RowReply"))
    rpcs = detection["RowRequest"] + maintenance["RowRequest"]
    print(
        f"  routing-table repair: {rt / live:.1f} RowRequest + RowReply per node "
        f"({rpcs / live:.1f} RPCs); paper ~{PAPER_RT_REPAIR_RPCS} RPCs per node at 5,000"
    )
    print(f"  crashed nodes still held by live nodes after repair: {stale}", flush=True)


def main() -> None:
    sizes = [int(a) for a in sys.argv[1:]] or [500, 1000, 2000]
    for n in sizes:
        run(n)


if __name__ == "__main__":
    main()
