"""The main job, ``pastry-ref demo``: a worked routing example on a ring built by the oracle.

Owns: the demo's text. It builds an N-node ring (128-bit ids, b = 4, L = 16, M = 32, nodes on a
Euclidean plane, all drawn from a seeded generator that the demo owns, outside the protocol),
routes one key hop by hop printing each node, its shared-prefix length with the key and the rule
that chose the hop, names the oracle's root, and summarises many more random routes.
"""

from __future__ import annotations

import argparse
import math
import random
from typing import Any, TextIO

from pastry_ref.config import Config
from pastry_ref.errors import PastryRefError
from pastry_ref.oracle import ideal_tables, root
from pastry_ref.proximity import EuclideanPlane
from pastry_ref.routing import RouteRule, follow

__all__ = ["add_command", "run_demo"]

RULE_TEXT = {
    RouteRule.LEAF_SET: "key in leaf-set range: closest leaf",
    RouteRule.TABLE: "routing table R[l][D_l]",
    RouteRule.RARE_CASE: "rare case: closer node, prefix >= l",
    RouteRule.NO_CLOSER_NODE: "no closer node known: root",
}


def add_command(sub: Any) -> None:
    p: argparse.ArgumentParser = sub.add_parser(
        "demo",
        help="route a key hop by hop through an oracle-built ring",
        description="Build a ring from the oracle's ideal tables and route a key through it.",
    )
    p.add_argument("--nodes", type=int, default=1000, help="ring size (default 1000)")
    p.add_argument("--seed", type=int, default=2001, help="seed for ids and positions")
    p.add_argument("--key", default="pastry_ref demo key", help="name hashed to the key (SHA-1)")
    p.add_argument("--lookups", type=int, default=1000, help="random routes for the summary")
    p.set_defaults(run=lambda args: run_demo(args.nodes, args.seed, args.key, args.lookups))


def run_demo(nodes: int, seed: int, key_name: str, lookups: int, out: TextIO | None = None) -> int:
    if nodes < 1:
        raise PastryRefError(f"--nodes: expected a ring of at least 1 node, got {nodes}")
    if lookups < 0:
        raise PastryRefError(f"--lookups: expected a count >= 0, got {lookups}")
    config = Config.make(bits=128, b=4, leaf_set_size=16, neighborhood_size=32)
    space = config.space
    rng = random.Random(seed)
    ids: set[int] = set()
    while len(ids) < nodes:
        ids.add(rng.getrandbits(space.bits))
    ring = sorted(ids)
    plane = EuclideanPlane({n: (rng.random(), rng.random()) for n in ring})
    tables = ideal_tables(ring, config, plane)

    def say(line: str = "") -> None:
        print(line, file=out)

    bound = math.ceil(math.log(nodes, space.base)) if nodes > 1 else 0
    say(
        f"Ring: {nodes} nodes, ids of {space.bits} bits, b = {space.b} "
        f"({space.digits} hex digits), L = {config.leaf_set_size}, M = {config.neighborhood_size};"
    )
    say(f"tables built by the oracle from global knowledge (seed {seed}, Euclidean proximity).")
    key = space.hash_name(key_name)
    start = ring[rng.randrange(len(ring))]
    say()
    say(f"Route key {space.hex(key)}  (SHA-1 of {key_name!r})")
    say(f"from node {space.hex(start)}:")
    say()
    say(f"  hop  node{' ' * (len(space.hex(0)) - 4)}  prefix  rule       decision")
    route = follow(key, start, tables)
    for i, hop in enumerate(route.hops):
        d = hop.decision
        action = "deliver here" if d.deliver else f"forward to {space.hex(d.node)[:8]}…"
        say(
            f"  {i:>3}  {space.hex(hop.node)}  {hop.shared_prefix:>6}  {d.rule.value}  "
            f"{RULE_TEXT[d.rule]}; {action}"
        )
    expected = root(key, ring, space)
    say()
    say(f"Delivered at {space.hex(route.delivered_at)} after {route.hop_count} hop(s).")
    say(f"Oracle root:  {space.hex(expected)} (live node numerically closest to the key)")
    ok = route.delivered_at == expected
    say(f"Verdict: {'delivered at the root' if ok else 'WRONG NODE'}")

    hops: list[int] = []
    wrong = 0
    for _ in range(lookups):
        k = rng.getrandbits(space.bits)
        r = follow(k, ring[rng.randrange(len(ring))], tables)
        hops.append(r.hop_count)
        wrong += r.delivered_at != root(k, ring, space)
    if hops:
        say()
        say(
            f"{lookups} random lookups: mean {sum(hops) / len(hops):.2f} hops, max {max(hops)}, "
            f"ceil(log_16 N) = {bound}; delivered at the wrong node: {wrong}"
        )
        dist = {h: hops.count(h) for h in sorted(set(hops))}
        say("hop distribution: " + ", ".join(f"{h}: {c / len(hops):.3f}" for h, c in dist.items()))
    return 0 if ok and wrong == 0 else 1
