"""Benchmark: PAST on Pastry at scale: durability under 10 % crashes, and the utilisation sweep.

Part 1 (``durability``): a converged ring of N nodes (default 1,000; 128-bit ids, b = 4, L = 16,
M = 32; ``WorldSpec``'s ideal tables, so no join traffic) runs LookupApp and PastApp (capacity
``CAPACITY`` units per node, caching on). F files (default 10,000) with heavy-tailed sizes
(lognormal, mu 2, sigma 1.2, clipped to 1..500 units: median about 7, mean about 15) are inserted
with k = 5, one at a time from random origins, each run to quiescence; then N/10 random nodes
crash at once, chosen so that no k adjacent nodes of the ring crash together, and the World
settles (quiet timers: detection, leaf-set repair and PAST's maintenance run to the end). Prints
inserts acknowledged and failed, utilisation, messages per node by phase, files lost (must be
0), replicas restored (entries created during the settle) and ReplicaPlacement violations.

Part 2 (``sweep``): N2 nodes (default 100) with capacities drawn from a normal distribution
(mean 2,000, sd 400) are filled with heavy-tailed files (k = 5) until the global utilisation
(replicas and diverted replicas over total capacity) passes 99 % or 200 inserts in a row
fail; insert failures are counted by the utilisation at which the insert was issued. Three
runs with the same files: no diversion (t_pri only, no re-salt), file diversion only (3
re-salts), replica and file diversion (PAST). Caching is off there (cached copies never make a
node refuse). Figures, never assertions; ``tests/test_past_bench.py`` runs a small version.

The driver, not the rules, is tuned for speed: each client request is added to the World's
budget just before it is applied, and the replies (ghost history) are moved out of the World
into the driver after each insert, so neither tuple grows with the number of files.

    .venv/bin/python bench/bench_past.py [N [F [N2]]]
"""

from __future__ import annotations

import random
import sys
import time
from collections import Counter
from collections.abc import Sequence

import attrs

import pastry_ref.check.apps  # noqa: F401 - registers PAST's properties
from pastry_ref.app import LookupApp
from pastry_ref.node.dispatch import accepts
from pastry_ref.node.effects import Send
from pastry_ref.node.messages import DirectMessage, RouteMessage
from pastry_ref.node.state import Status
from pastry_ref.node.timers import RowMaintenance, Timer
from pastry_ref.past import Insert, InsertOk, PastApp
from pastry_ref.past.invariants import valid_entry
from pastry_ref.ring.config import Config
from pastry_ref.system import Crash, Request, World, WorldAction, WorldSpec
from pastry_ref.system.actions import FireTimer, Receive

K = 5
CAPACITY = 10_000
BINS = (0.5, 0.7, 0.8, 0.9, 0.95, 0.97, 0.98, 0.99, 1.01)


def file_size(rng: random.Random, largest: int = 500) -> int:
    """Heavy-tailed: lognormal(2, 1.2), clipped to 1..largest units."""
    return max(1, min(largest, int(rng.lognormvariate(2.0, 1.2))))


def label(msg: object) -> str:
    payload = getattr(msg, "payload", None)
    if isinstance(msg, DirectMessage | RouteMessage) and payload is not None:
        return type(payload).__name__
    return type(msg).__name__


def apply(world: World, action: WorldAction, sent: Counter[str]) -> World:
    world, effects = world.apply_with_effects(action)
    sent.update(label(e.msg) for e in effects if isinstance(e, Send))
    return world


def quiesce(world: World, sent: Counter[str], max_steps: int = 10_000_000) -> tuple[World, int]:
    """``drive.quiesce`` (the first accepted message in the network's order, until none), but
    counting sent messages by ``label`` (PAST payload types) and without its cycle check;
    bounded instead. (Written when that check hashed the whole World at every step; it no
    longer does, so a ``label`` argument to ``drive.apply_counting`` could replace this copy.)"""
    for steps in range(max_steps):
        env = next((e for e in world.network if accepts(world.node(e.dest), e.msg)), None)
        if env is None:
            return world, steps
        world = apply(world, Receive(env.dest, env.msg), sent)
    raise RuntimeError(f"no quiescence after {max_steps} deliveries")


def settle(world: World, sent: Counter[str], max_rounds: int = 1_000) -> tuple[World, int, int]:
    """``drive.settle`` (quiesce, then fire every non-periodic timer that may fire, in node and
    timer order, until neither is left), with the quiesce above."""
    deliveries = firings = 0
    for _ in range(max_rounds):
        world, n = quiesce(world, sent)
        deliveries += n
        due = [
            a
            for a in world.actions()
            if isinstance(a, FireTimer)
            and isinstance(a.timer, Timer)
            and not isinstance(a.timer, RowMaintenance)
        ]
        if not due:
            return world, deliveries, firings
        for action in due:
            if action.timer in world.armed_at(action.node) and world.may_fire(
                action.node, action.timer
            ):
                world = apply(world, action, sent)
                firings += 1
    raise RuntimeError(f"timers still firing after {max_rounds} rounds")


def insert(world: World, origin: int, ins: Insert, sent: Counter[str]) -> tuple[World, object]:
    """Run one insert to quiescence; return the World without its replies, and the reply."""
    world = attrs.evolve(world, requests_left=((origin, ins),), replies=())
    world = apply(world, Request(origin, ins), sent)
    world = quiesce(world, sent)[0]
    answers = [r.response for _, r in world.replies if r.request == ins]
    return attrs.evolve(world, replies=()), answers[0] if answers else None


def past(world: World, x: int) -> PastApp:
    a = world.host(x).app(PastApp)
    assert isinstance(a, PastApp)
    return a


def utilisation(world: World) -> float:
    used = total = 0
    for h in world.hosts:
        if h.node.status is Status.DEAD:
            continue
        a = past(world, h.id)
        used += a.replica_space()
        total += a.capacity_of(h.id)
    return used / total


def report(phase: str, sent: Counter[str], n: int, seconds: float) -> None:
    total = sum(sent.values())
    print(f"{phase}: {total:,} messages, {total / n:.1f} per node, {seconds:.1f} s")
    for name, c in sorted(sent.items(), key=lambda kv: -kv[1])[:10]:
        print(f"    {name:28s} {c:>10,}  {c / n:8.2f}/node")


def victims_no_k_adjacent(rng: random.Random, ids: Sequence[int], count: int) -> list[int]:
    """``count`` random nodes, no k adjacent on the ring (resampled until so)."""
    while True:
        chosen = set(rng.sample(list(ids), count))
        n = len(ids)
        if not any(all(ids[(i + j) % n] in chosen for j in range(K)) for i in range(n)):
            return sorted(chosen)


def durability(n: int, files: int, seed: int = 2001) -> dict[str, float]:
    rng = random.Random(seed)
    config = Config.make(bits=128, b=4, leaf_set_size=16, neighborhood_size=32)
    ids = sorted({rng.getrandbits(128) for _ in range(n)})
    n = len(ids)
    t = time.perf_counter()
    app = PastApp(capacity=CAPACITY)
    world = WorldSpec(config, tuple(ids), apps=(LookupApp(), app)).initial_world()
    print(f"N = {n}, k = {K}, {files:,} inserts; ring built in {time.perf_counter() - t:.1f} s")

    sent: Counter[str] = Counter()
    acked: dict[int, int] = {}  # file id -> k
    failed = 0
    t = time.perf_counter()
    for i in range(files):
        ins = Insert(name=f"file{i}", owner="o", k=K, size=file_size(rng), content=f"c{i}")
        world, answer = insert(world, rng.choice(ids), ins, sent)
        if isinstance(answer, InsertOk):
            acked[answer.file_id] = K
        else:
            failed += 1
    util = utilisation(world)
    print(f"inserts: {len(acked):,} acknowledged, {failed:,} failed; utilisation {util:.1%}")
    report("insert phase", sent, n, time.perf_counter() - t)

    victims = victims_no_k_adjacent(rng, ids, n // 10)
    before = {(x, f.file_id) for x in ids for f in past(world, x).stored}
    sent = Counter()
    t = time.perf_counter()
    world = attrs.evolve(world, crashes_left=tuple(victims))
    for x in victims:
        world = apply(world, Crash(x), sent)
    world, deliveries, firings = settle(world, sent)
    live = [x for x in ids if x not in set(victims)]
    report(
        f"crash {len(victims)} (no {K} adjacent) + settle ({deliveries:,} deliveries, "
        f"{firings:,} timers)",
        sent,
        len(live),
        time.perf_counter() - t,
    )
    after = {(x, f.file_id) for x in live for f in past(world, x).stored}
    restored = len(after - before)
    lost = [fid for fid in acked if not any(past(world, x).holding(fid) for x in live)]
    space = config.space
    bad = 0
    for fid in acked:
        for x in space.sort_by_closeness(fid, live)[:K]:
            if not valid_entry(world, x, fid):
                bad += 1
    maint = sum(c for name, c in sent.items() if name in _PAST_MAINTENANCE)
    print(f"files lost: {len(lost)}; replicas restored: {restored:,}; ReplicaPlacement "
          f"violations after settle: {bad}")  # fmt: skip
    print(f"PAST maintenance messages per live node: {maint / len(live):.1f}")
    return {"lost": len(lost), "restored": restored, "bad": bad, "acked": len(acked)}


_PAST_MAINTENANCE = {
    "StoreReplica",
    "CopyReceipt",
    "DivertReplica",
    "DivertReceipt",
    "StorePointer",
    "PushCopy",
    "WantCopy",
}


def sweep_run(
    n: int,
    divert: bool,
    retries: int,
    seed: int = 95,
    cap_mean: int = 2_000,
    largest: int = 500,
    streak_limit: int = 200,
    stop_at: float = 0.99,
) -> list[tuple[int, int]]:
    """Fill one ring; return (inserts, failures) per utilisation bin of BINS."""
    rng = random.Random(seed)
    config = Config.make(bits=128, b=4, leaf_set_size=16, neighborhood_size=32)
    ids = sorted({rng.getrandbits(128) for _ in range(n)})
    caps = tuple((x, max(cap_mean // 10, int(rng.gauss(cap_mean, cap_mean / 5)))) for x in ids)
    app = PastApp(capacity=cap_mean, capacities=caps, caching=False, divert=divert, retries=retries)
    world = WorldSpec(config, tuple(ids), apps=(LookupApp(), app)).initial_world()
    total = sum(c for _, c in caps)
    used = 0
    bins = [[0, 0] for _ in BINS]
    streak = 0
    files = random.Random(seed + 1)
    sent: Counter[str] = Counter()
    for i in range(10_000_000):
        u = used / total
        if u >= stop_at or streak >= streak_limit:
            break
        b = next(j for j, hi in enumerate(BINS) if u < hi)
        ins = Insert(name=f"f{i}", owner="o", k=K, size=file_size(files, largest), content="")
        world, answer = insert(world, files.choice(ids), ins, sent)
        bins[b][0] += 1
        if isinstance(answer, InsertOk):
            used += K * ins.size
            streak = 0
        else:
            bins[b][1] += 1
            streak += 1
    return [(a, f) for a, f in bins]


def sweep(n: int) -> dict[str, list[tuple[int, int]]]:
    print(f"\nutilisation sweep: N = {n}, k = {K}, capacities ~ N(2000, 400), sizes lognormal")
    runs = {
        "no diversion": (False, 0),
        "file diversion": (False, 3),
        "replica + file diversion": (True, 3),
    }
    out: dict[str, list[tuple[int, int]]] = {}
    for name, (divert, retries) in runs.items():
        t = time.perf_counter()
        out[name] = sweep_run(n, divert, retries)
        print(f"  {name}: {time.perf_counter() - t:.1f} s")
    lows = (0.0, *BINS[:-1])
    print(f"  {'utilisation':>14s}" + "".join(f"{name:>28s}" for name in out))
    for j, hi in enumerate(BINS):
        row = f"  {f'{lows[j]:.0%}-{min(hi, 1.0):.0%}':>14s}"
        for name in out:
            a, f = out[name][j]
            row += f"{(f'{f / a:6.1%} of {a:,}' if a else '-'):>28s}"
        print(row)
    return out


if __name__ == "__main__":
    args = [int(a) for a in sys.argv[1:]]
    durability(args[0] if args else 1000, args[1] if len(args) > 1 else 10_000)
    sweep(args[2] if len(args) > 2 else 100)
