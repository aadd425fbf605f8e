"""Benchmark: SCRIBE trees over a Pastry ring of N nodes (default 1,000).

A ring (128-bit ids, b = 4, L = 16, M = 32, hop acknowledgements on) is built by sequential joins
(``pastry_ref.system.drive.build_ring``); every host then runs ``ScribeApp``. 100 groups get
Zipf-like sizes, size(rank r) = max(1, round(N * r ** -1.25)) (the JSAC paper's distribution),
members drawn uniformly; every member subscribes (the network quiesced after each). One publish
per group measures the tree: depth (hops from a member to the root), out-degree (children per
tree node), messages per publish. Then 10 % of the nodes crash at once; the World settles (quiet
timers: leaf-set repair, R-SCRIBE-9 upcalls), every live node with a dead parent fires its
``ParentTimeout`` once and every parent of a dead child its ``ChildTimeout`` (the heartbeats
that stopped), and the World settles again; a second
publish per group measures the fraction of live members reached, and the SCRIBE properties
are counted. Messages are every Send (hop acknowledgements included). Figures, never assertions;
not part of ``make test``.

    .venv/bin/python bench/bench_scribe.py [N]
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
from pastry_ref.scribe import ChildTimeout, ParentTimeout, Publish, ScribeApp, Subscribe, group_id
from pastry_ref.scribe import invariants as si
from pastry_ref.system import Crash, FireTimer, Receive, Request, World, build_ring, settle


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
        costs.append(cost)
        got = {n for n, r in w.replies if r.request == req and before[(n, req)] == 0}
        reached += len(got & set(live))
        due += len(live)
    return w, costs, reached / max(due, 1)


def run(n: int) -> None:
    rng = random.Random(2002)
    config = Config.make(bits=128, b=4, leaf_set_size=16, neighborhood_size=32, hop_acks=True)
    ids = list(dict.fromkeys(rng.getrandbits(128) for _ in range(n)))
    joiners = [(x, ids[rng.randrange(i)]) for i, x in enumerate(ids[1:], 1)]
    t = time.perf_counter()
    w, _ = build_ring(config, ids[0], joiners)
    hosts = tuple(Host(h.node, (*h.apps, ScribeApp())) for h in w.hosts)
    w = attrs.evolve(w, hosts=hosts, armed=None)
    t_build = time.perf_counter() - t

    t = time.perf_counter()
    groups: dict[int, list[int]] = {}
    sub_msgs = 0
    for r in range(1, 101):
        size = max(1, min(n, round(n * r**-1.25)))
        g = group_id(config.space, f"topic-{r}", "bench")
        groups[g] = rng.sample(list(w.ids), size)
        for m in groups[g]:
            w, cost = request(w, m, Subscribe(group=g))
            sub_msgs += cost
    t_sub = time.perf_counter() - t
    members = sum(len(v) for v in groups.values())
    depths = [depth(w, g, m) for g, ms in groups.items() for m in ms]
    degrees = [len(st.children) for h in w.hosts for _, st in scribe(w, h.id).groups if st.children]
    forwarders = sum(
        1 for h in w.hosts for _, st in scribe(w, h.id).groups if not st.member and not st.root
    )
    t = time.perf_counter()
    w, costs, frac = publish_all(w, groups, "before")
    t_pub = time.perf_counter() - t
    print(f"N = {n:,}: ring built in {t_build:.1f} s; 100 groups, {members:,} memberships")
    print(f"  subscribe: {sub_msgs / members:.2f} messages per subscribe ({t_sub:.1f} s)")
    print(
        f"  tree depth (member to root): mean {statistics.mean(depths):.2f}, max {max(depths)}; "
        f"forwarders (non-member tree nodes): {forwarders:,}"
    )
    print(
        f"  out-degree of tree nodes with children: mean {statistics.mean(degrees):.2f}, "
        f"max {max(degrees)}"
    )
    print(
        f"  publish: mean {statistics.mean(costs):.1f} messages (max {max(costs)}), "
        f"{frac:.1%} of members reached ({t_pub:.1f} s)"
    )

    t = time.perf_counter()
    victims = sorted(random.Random(11).sample(list(w.ids), n // 10))
    w = attrs.evolve(w, crashes_left=tuple(victims))
    for v in victims:
        w = w.apply(Crash(v))
    w, _, _ = settle(w)
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
    orphans = [x for x in due if isinstance(x[1], ParentTimeout)]
    w = attrs.evolve(w, periodic_left=len(due))
    for x, timer in due:
        if timer in w.armed_at(x):
            w = w.apply(FireTimer(x, timer))
            w, _ = quiesce_counting(w)
    w = attrs.evolve(w, periodic_left=0)
    w, _, _ = settle(w)
    t_repair = time.perf_counter() - t
    bad = Counter(
        v.name for f in (si.no_parent_cycle, si.tree_agreement, si.chains_end_at_root) for v in f(w)
    )
    w, costs, frac = publish_all(w, groups, "after")
    print(
        f"  crash {len(victims)} nodes: {len(orphans)} orphaned (node, group) pairs re-subscribed "
        f"by ParentTimeout, {len(due) - len(orphans)} dead children dropped by ChildTimeout; "
        f"repair {t_repair:.1f} s"
    )
    print(
        f"  publish after repair: mean {statistics.mean(costs):.1f} messages, "
        f"{frac:.1%} of live members reached; violations after repair: {dict(bad) or 'none'}"
    )


if __name__ == "__main__":
    for arg in sys.argv[1:] or ["1000"]:
        run(int(arg))
