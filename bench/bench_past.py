"""Benchmark: PAST on a ring of N nodes (default 1,000), k = 5, many inserts, 10 % crash.

A converged ring of N nodes (128-bit ids, b = 4, L = 16, M = 32; ``WorldSpec``'s ideal tables,
so no join traffic) runs LookupApp and PastApp (capacity 10,000 units per node). F files
(default 2,000) of sizes 1..100 are inserted one at a time from random origins, each run to
quiescence; then N/10 random nodes crash at once and the World settles (quiet timers: detection,
leaf-set repair and PAST's replica maintenance run to the end). Prints inserts acknowledged and
failed, messages per node by phase (Pastry and PAST payloads), files lost (every holder crashed:
expected only when all k holders are among the crashed) and ReplicaPlacement violations after
the settle. Figures, never assertions; not part of ``make test``.

    .venv/bin/python bench/bench_past.py [N [F]]
"""

from __future__ import annotations

import random
import sys
import time
from collections import Counter

import pastry_ref.check.apps  # noqa: F401 - registers PAST's properties
from pastry_ref.app import LookupApp
from pastry_ref.node.effects import Send
from pastry_ref.past import Insert, InsertOk, PastApp
from pastry_ref.past.invariants import acknowledged, no_file_lost, replica_placement
from pastry_ref.ring.config import Config
from pastry_ref.system import Crash, Request, World, WorldAction, WorldSpec
from pastry_ref.system.drive import quiesce, settle

K = 5


def count(sent: Counter[str], effects: tuple[object, ...]) -> None:
    sent.update(type(e.msg).__name__ for e in effects if isinstance(e, Send))


def apply(world: World, action: WorldAction, sent: Counter[str]) -> World:
    world, effects = world.apply_with_effects(action)
    count(sent, effects)
    return world


def report(phase: str, sent: Counter[str], n: int, seconds: float) -> None:
    total = sum(sent.values())
    print(f"{phase}: {total:,} messages, {total / n:.1f} per node, {seconds:.1f} s")
    for name, c in sorted(sent.items(), key=lambda kv: -kv[1])[:8]:
        print(f"    {name:40s} {c:>10,}  {c / n:8.2f}/node")


def main(n: int, files: int) -> None:
    rng = random.Random(2001)
    config = Config.make(bits=128, b=4, leaf_set_size=16, neighborhood_size=32)
    ids = sorted({rng.getrandbits(128) for _ in range(n)})
    n = len(ids)
    inserts = [
        (rng.choice(ids), Insert(name=f"file{i}", owner="o", k=K, size=rng.randint(1, 100),
                                 content=f"c{i}"))
        for i in range(files)
    ]  # fmt: skip
    victims = rng.sample(ids, n // 10)
    t = time.perf_counter()
    spec = WorldSpec(
        config,
        tuple(ids),
        crashes=tuple(victims),
        apps=(LookupApp(), PastApp(capacity=10_000)),
        requests=tuple(inserts),
    )
    world = spec.initial_world()
    print(f"N = {n}, k = {K}, {files} inserts; ring built in {time.perf_counter() - t:.1f} s")

    sent: Counter[str] = Counter()
    t = time.perf_counter()
    for origin, ins in inserts:
        world = apply(world, Request(origin, ins), sent)
        world = quiesce(world, sent=sent)[0]
    acked = acknowledged(world)
    failed = sum(1 for _, r in world.replies if not isinstance(r.response, InsertOk))
    print(f"inserts: {len(acked):,} acknowledged, {failed:,} failed")
    report("insert phase", sent, n, time.perf_counter() - t)

    sent = Counter()
    t = time.perf_counter()
    for x in victims:
        world = apply(world, Crash(x), sent)
    world, deliveries, firings = settle(world, sent=sent)
    report(f"crash {len(victims)} + settle ({deliveries:,} deliveries, {firings:,} timers)",
           sent, n - len(victims), time.perf_counter() - t)  # fmt: skip
    down = set(victims)
    all_k_down = sum(1 for _, ok in acked.values() if set(ok.holders) <= down)
    print(f"files lost: {len(no_file_lost(world))} (files whose {K} holders all crashed: "
          f"{all_k_down})")  # fmt: skip
    print(f"ReplicaPlacement violations after settle: {len(replica_placement(world))}")


if __name__ == "__main__":
    args = [int(a) for a in sys.argv[1:]]
    main(args[0] if args else 1000, args[1] if len(args) > 1 else 2000)
