"""Benchmark: SCRIBE trees over a Pastry ring of N nodes (default 1,000).

A ring (128-bit ids, b = 4, L = 16, M = 32, hop acknowledgements on) is built by sequential joins
(``pastry_ref.system.drive.build_ring``); every host then runs ``ScribeApp`` with the root's
record mirrored on 2 nodes (R-SCRIBE-14) and cached root addresses (R-SCRIBE-15);
``--max-children K`` bounds the out-degree (R-SCRIBE-13). 100 groups get Zipf-like sizes,
size(rank r) = max(1, round(N * r ** -1.25)) (the JSAC paper's distribution), members drawn
uniformly; every member subscribes (the network quiesced after each). One publish per group
measures the tree: depth (hops from a member to the root), out-degree (children per tree node:
mean, median, max, counts per power-of-two bucket), messages per publish. Then 10 % of the nodes
crash at once, the roots of the ten largest groups among them (at most half the victims); the
World settles (quiet timers: leaf-set repair, the R-SCRIBE-9 and R-SCRIBE-14 upcalls), every
live node with a dead parent fires its ``ParentTimeout`` once and every parent of a dead child
its ``ChildTimeout`` (the heartbeats that stopped), and the World settles again; every message
sent from the crash to here is a repair message. A second publish per group measures the
fraction of live members reached (a publisher whose cached root crashed fires its
``PublishTimeout`` and routes again), and the SCRIBE properties are counted. Messages are every
Send (hop acknowledgements included). Figures, never assertions; ``tests/test_scribe_bench.py``
runs a small version.

    .venv/bin/python bench/bench_scribe.py [--max-children K] [N ...]
"""

from __future__ import annotations

import random
import statistics
import sys
import time
from collections import Counter
from collections.abc import Hashable

import attrs

from pastry_ref.app import Host
from pastry_ref.node import Send
from pastry_ref.node.dispatch import accepts
from pastry_ref.ring.config import Config
from pastry_ref.scribe import (
    ChildTimeout,
    ParentTimeout,
    Publish,
    PublishTimeout,
    ScribeApp,
    Subscribe,
    group_id,
)
from pastry_ref.scribe import invariants as si
from pastry_ref.system import (
    Crash,
    FireTimer,
    Receive,
    Request,
    World,
    apply_counting,
    build_ring,
    quiesce,
    settle,
)


def scribe(w: World, n: int) -> ScribeApp:
    app = w.host(n).app(ScribeApp)
    assert isinstance(app, ScribeApp)
    return app


def quiesce_counting(w: World) -> tuple[World, int]:
    sent = 0
    while True:
        env = next((e for e in w.network if accepts(w.node(e.dest), e.msg)), None)
        if env is None:
            return w, sent
        w, effects = w.apply_with_effects(Receive(env.dest, env.msg))
        sent += sum(1 for e in effects if isinstance(e, Send))


def request(w: World, origin: int, req: Hashable) -> tuple[World, int]:
    w = attrs.evolve(w, requests_left=((origin, req),))
    w, effects = w.apply_with_effects(Request(origin, req))
    w, more = quiesce_counting(w)
    return w, more + sum(1 for e in effects if isinstance(e, Send))


def depth(w: World, g: int, n: int) -> int:
    hops, cur = 0, scribe(w, n).group(g)
    while cur is not None and cur.parent is not None and hops < 100:
        hops, cur = hops + 1, scribe(w, cur.parent).group(g)
    return hops


def publish_all(w: World, groups: dict[int, list[int]], tag: str) -> tuple[World, list[int], float]:
    """One publish per group; returns the World, messages per publish, fraction reached."""
    costs, reached, due = [], 0, 0
    before = Counter((n, r.request) for n, r in w.replies)
    for g, members in groups.items():
        live = [m for m in members if not w.is_down(m)]
        origin = live[0] if live else next(x for x in w.ids if not w.is_down(x))
        req = Publish(group=g, event=f"{tag}-{g}")
        w, cost = request(w, origin, req)
        timeout = PublishTimeout(g, req.event)
        cached = scribe(w, origin).cached_root(g)
        if timeout in w.armed_at(origin) and cached is not None and w.is_down(cached):
            # the cached root crashed: its confirmation never comes, the timer fires (R-SCRIBE-15)
            w, effects = attrs.evolve(w, periodic_left=1).apply_with_effects(
                FireTimer(origin, timeout)
            )
            w, more = quiesce_counting(attrs.evolve(w, periodic_left=0))
            cost += more + sum(1 for e in effects if isinstance(e, Send))
        costs.append(cost)
        got = {n for n, r in w.replies if r.request == req and before[(n, req)] == 0}
        reached += len(got & set(live))
        due += len(live)
    return w, costs, reached / max(due, 1)


def histogram(values: list[int]) -> str:
    """Counts per bucket 1, 2-3, 4-7, 8-15, ... (powers of two)."""
    buckets: Counter[str] = Counter()
    for v in values:
        lo = 1
        while lo * 2 <= v:
            lo *= 2
        buckets["1" if lo == 1 else f"{lo}-{2 * lo - 1}"] += 1
    order = sorted(buckets, key=lambda k: int(k.split("-")[0]))
    return ", ".join(f"{k}: {buckets[k]}" for k in order)


def run(n: int, n_groups: int = 100, app: ScribeApp | None = None, seed: int = 2002) -> Figures:
    """Build the ring, the groups and their trees, publish, crash 10 % (the roots of the ten
    largest groups among them), repair, publish again; returns the figures."""
    app = app or ScribeApp(mirror=2, cache_root=True)
    rng = random.Random(seed)
    config = Config.make(bits=128, b=4, leaf_set_size=16, neighborhood_size=32, hop_acks=True)
    ids = list(dict.fromkeys(rng.getrandbits(128) for _ in range(n)))
    joiners = [(x, ids[rng.randrange(i)]) for i, x in enumerate(ids[1:], 1)]
    f = Figures(n=n)
    t = time.perf_counter()
    w, _ = build_ring(config, ids[0], joiners)
    hosts = tuple(Host(h.node, (*h.apps, app)) for h in w.hosts)
    w = attrs.evolve(w, hosts=hosts, armed=None)
    f.t_build = time.perf_counter() - t

    t = time.perf_counter()
    groups: dict[int, list[int]] = {}
    sub_msgs = 0
    for r in range(1, n_groups + 1):
        size = max(1, min(n, round(n * r**-1.25)))
        g = group_id(config.space, f"topic-{r}", "bench")
        groups[g] = rng.sample(list(w.ids), size)
        for m in groups[g]:
            w, cost = request(w, m, Subscribe(group=g))
            sub_msgs += cost
    f.t_sub = time.perf_counter() - t
    f.memberships = sum(len(v) for v in groups.values())
    f.sub_msgs = sub_msgs / f.memberships
    f.depths = [depth(w, g, m) for g, ms in groups.items() for m in ms]
    f.degrees = [
        len(st.children) for h in w.hosts for _, st in scribe(w, h.id).groups if st.children
    ]
    f.forwarders = sum(
        1 for h in w.hosts for _, st in scribe(w, h.id).groups if not st.member and not st.root
    )
    t = time.perf_counter()
    w, f.pub_costs, f.reached = publish_all(w, groups, "before")
    f.t_pub = time.perf_counter() - t

    t = time.perf_counter()
    roots = [
        h.id
        for h in w.hosts
        for g, st in scribe(w, h.id).groups
        if st.root and g in list(groups)[:10]
    ]
    roots = list(dict.fromkeys(roots))[: max(1, n // 20)]  # at most half of the victims
    rest = sorted(set(w.ids) - set(roots))
    victims = sorted({*roots, *random.Random(11).sample(rest, n // 10 - len(set(roots)))})
    f.victims, f.roots_crashed = len(victims), len(set(roots))
    w = attrs.evolve(w, crashes_left=tuple(victims))
    sent: Counter[str] = Counter()
    for v in victims:
        w = w.apply(Crash(v))
    w, _, _ = settle(w, sent=sent)
    due = [
        (h.id, t)
        for h in w.hosts
        if not w.is_down(h.id)
        for t in sorted(w.armed_at(h.id), key=repr)
        if (isinstance(t, ChildTimeout) and w.is_down(t.child))
        or (
            isinstance(t, ParentTimeout)
            and (st := scribe(w, h.id).group(t.group)) is not None
            and st.parent is not None
            and w.is_down(st.parent)
        )
    ]
    f.orphans = sum(1 for x in due if isinstance(x[1], ParentTimeout))
    f.dropped = len(due) - f.orphans
    w = attrs.evolve(w, periodic_left=len(due))
    for x, timer in due:
        if timer in w.armed_at(x):
            w = apply_counting(w, FireTimer(x, timer), sent)
            w, _ = quiesce(w, sent=sent)
    w = attrs.evolve(w, periodic_left=0)
    w, _, _ = settle(w, sent=sent)
    f.t_repair = time.perf_counter() - t
    f.repair_msgs = sum(sent.values())
    f.repair_scribe = sent["DirectMessage"]  # SCRIBE's direct messages (acks, unsubscribes, ...)
    f.repair_routed = sent["RouteMessage"]  # hops of routed subscribes
    f.violations = dict(
        Counter(
            v.name
            for check in (si.no_parent_cycle, si.tree_agreement, si.chains_end_at_root)
            for v in check(w)
        )
    )
    w, f.after_costs, f.reached_after = publish_all(w, groups, "after")
    return f


@attrs.define
class Figures:
    """What one run measured."""

    n: int
    t_build: float = 0.0
    t_sub: float = 0.0
    t_pub: float = 0.0
    t_repair: float = 0.0
    memberships: int = 0
    sub_msgs: float = 0.0
    depths: list[int] = attrs.Factory(list)
    degrees: list[int] = attrs.Factory(list)
    forwarders: int = 0
    pub_costs: list[int] = attrs.Factory(list)
    reached: float = 0.0
    victims: int = 0
    roots_crashed: int = 0
    orphans: int = 0
    dropped: int = 0
    repair_msgs: int = 0
    repair_scribe: int = 0
    repair_routed: int = 0
    violations: dict[str, int] = attrs.Factory(dict)
    after_costs: list[int] = attrs.Factory(list)
    reached_after: float = 0.0


def report(f: Figures, app: ScribeApp) -> None:
    print(
        f"N = {f.n:,} (max_children {app.max_children}, mirror {app.mirror}, cache_root "
        f"{app.cache_root}): ring built in {f.t_build:.1f} s; {f.memberships:,} memberships"
    )
    print(f"  subscribe: {f.sub_msgs:.2f} messages per subscribe ({f.t_sub:.1f} s)")
    print(
        f"  tree depth (member to root): mean {statistics.mean(f.depths):.2f}, "
        f"max {max(f.depths)}; forwarders (non-member tree nodes): {f.forwarders:,}"
    )
    print(
        f"  out-degree of tree nodes with children: mean {statistics.mean(f.degrees):.2f}, "
        f"median {statistics.median(f.degrees):.0f}, max {max(f.degrees)}; "
        f"distribution {histogram(f.degrees)}"
    )
    print(
        f"  publish: mean {statistics.mean(f.pub_costs):.1f} messages (max {max(f.pub_costs)}), "
        f"{f.reached:.1%} of members reached ({f.t_pub:.1f} s)"
    )
    print(
        f"  crash {f.victims} nodes ({f.roots_crashed} roots of the 10 largest groups among "
        f"them): {f.orphans} orphaned (node, group) pairs re-subscribed by ParentTimeout, "
        f"{f.dropped} dead children dropped by ChildTimeout; repair {f.t_repair:.1f} s"
    )
    print(
        f"  repair messages: {f.repair_msgs:,} in all ({f.repair_msgs / f.victims:.0f} per "
        f"crashed node), of which {f.repair_routed:,} routed hops and {f.repair_scribe:,} direct "
        f"(application) messages; the rest Pastry's detection and repair"
    )
    print(
        f"  publish after repair: mean {statistics.mean(f.after_costs):.1f} messages, "
        f"{f.reached_after:.1%} of live members reached; violations after repair: "
        f"{f.violations or 'none'}"
    )


def main(argv: list[str]) -> None:
    args = list(argv)
    max_children = None
    if "--max-children" in args:
        i = args.index("--max-children")
        max_children = int(args[i + 1])
        del args[i : i + 2]
    app = ScribeApp(mirror=2, cache_root=True, max_children=max_children)
    for arg in args or ["1000"]:
        report(run(int(arg), app=app), app)


if __name__ == "__main__":
    main(sys.argv[1:])
