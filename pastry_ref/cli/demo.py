"""The main job, ``pastry-ref demo``: what the reference does, in three parts.

Owns: the demo's text. (1) An N-node ring built by the oracle (128-bit ids, b = 4, L = 16,
M = 32, nodes on a Euclidean plane, all drawn from a seeded generator the demo owns, outside the
protocol): one key routed hop by hop, each node with its shared-prefix length and the rule that
chose the hop, the oracle's root, and a summary of many more routes. (2) A ring built by
sequential consistent joins, checked against the oracle. (3) The model checker on two
concurrent joins under both join protocols: the verdicts, and the paper join's counterexample.
SCRIBE (``run_scribe_demo``, before the model checker): a multicast tree on a ring built by
joins, drawn as text, a publish, a forwarder crash, the repair and a publish again. PAST
(``run_past_demo``, after SCRIBE): inserts with k = 5, a diverted replica, a lookup answered by a
near replica, a holder crash, maintenance, every file found.
"""

from __future__ import annotations

import argparse
import math
import random
from typing import Any, TextIO

from pastry_ref.errors import BadInput, shown
from pastry_ref.oracle.ideal import ideal_leaf_set, ideal_tables, root
from pastry_ref.ring.config import Config
from pastry_ref.ring.proximity import EuclideanPlane
from pastry_ref.system import build_ring
from pastry_ref.tables.routing import NodeTables, RouteRule, follow

__all__ = [
    "add_command",
    "run_check_demo",
    "run_demo",
    "run_join_demo",
    "run_past_demo",
    "run_scribe_demo",
]

MAX_NODES = 100_000  # --nodes: the oracle builds every table, O(N log N)
MAX_JOINS = 10_000  # --joins: each join is simulated message by message
MAX_LOOKUPS = 1_000_000
MAX_SEED = 2**64 - 1

RULE_TEXT = {
    RouteRule.LEAF_SET: "key in leaf-set range: closest leaf",
    RouteRule.TABLE: "routing table R[l][D_l]",
    RouteRule.RARE_CASE: "rare case: closer node, prefix >= l",
    RouteRule.NO_CLOSER_NODE: "no closer node known: root",
}


def _integer(text: str) -> int:
    """An option's integer: ASCII digits with an optional sign, at most 30 characters (so the
    message about a bad value stays short and no huge number is ever parsed)."""
    body = text.strip().removeprefix("-").removeprefix("+")
    if not (body.isascii() and body.isdigit() and len(text) <= 30):
        raise argparse.ArgumentTypeError(f"expected an integer, got {shown(text)}")
    return int(text)


def add_command(sub: Any) -> None:
    p: argparse.ArgumentParser = sub.add_parser(
        "demo",
        help="route a key hop by hop through an oracle-built ring",
        description="Build a ring from the oracle's ideal tables and route a key through it.",
    )
    p.add_argument(
        "--nodes", type=_integer, default=1000, help=f"ring size, 1..{MAX_NODES:,} (default 1000)"
    )
    p.add_argument("--seed", type=_integer, default=2001, help="seed for ids and positions, >= 0")
    p.add_argument("--key", default="pastry_ref demo key", help="name hashed to the key (SHA-1)")
    p.add_argument(
        "--lookups",
        type=_integer,
        default=1000,
        help="random routes for the summary (default 1000)",
    )
    p.add_argument(
        "--joins",
        type=_integer,
        default=300,
        help=f"ring size built by joins (part 2), 1..{MAX_JOINS:,} (default 300)",
    )
    p.add_argument(
        "--no-check", action="store_true", help="skip part 3 (the model-checking example)"
    )
    p.set_defaults(run=_run)


def _run(args: argparse.Namespace) -> int:
    # Every option is checked before any work: a bad --joins must not wait for part 1.
    _count("--joins", args.joins, 1, MAX_JOINS, "a ring size")
    code = run_demo(args.nodes, args.seed, args.key, args.lookups)
    code = max(code, run_join_demo(args.joins, args.seed))
    code = max(code, run_scribe_demo(args.seed))
    code = max(code, run_past_demo(args.seed))
    if not args.no_check:
        code = max(code, run_check_demo())
    return code


def _count(flag: str, value: object, low: int, high: int, what: str) -> int:
    """``value`` as an int in low..high; else ``BadInput`` naming the option and the range."""
    if not isinstance(value, int) or isinstance(value, bool) or not low <= value <= high:
        raise BadInput(f"{flag}: expected {what} from {low:,} to {high:,}, got {shown(value)}")
    return value


def run_demo(nodes: int, seed: int, key_name: str, lookups: int, out: TextIO | None = None) -> int:
    _count("--nodes", nodes, 1, MAX_NODES, "a ring size")
    _count("--seed", seed, 0, MAX_SEED, "a seed")
    _count("--lookups", lookups, 0, MAX_LOOKUPS, "a number of lookups")
    if not isinstance(key_name, str):
        raise BadInput(f"--key: expected a name (a string), got {shown(key_name)}")
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


def run_join_demo(nodes: int, seed: int, out: TextIO | None = None) -> int:
    """Part 2: a ring built by sequential consistent joins, judged by the oracle."""
    _count("--joins", nodes, 1, MAX_JOINS, "a ring size")
    _count("--seed", seed, 0, MAX_SEED, "a seed")
    config = Config.make(bits=128, b=4, leaf_set_size=16, neighborhood_size=32)
    rng = random.Random(seed + 1)
    ids = list(dict.fromkeys(rng.getrandbits(config.space.bits) for _ in range(nodes)))
    joiners = [(x, ids[rng.randrange(i)]) for i, x in enumerate(ids[1:], 1)]
    world, costs = build_ring(config, ids[0], joiners)
    ready = world.ready_ids()
    ideal = sum(ideal_leaf_set(n.id, ready, config) == n.leaf_set for n in world.nodes)
    tables = {n.id: NodeTables(n.leaf_set, n.routing_table, n.neighborhood) for n in world.nodes}
    hops, wrong = [], 0
    for _ in range(1000):
        k = rng.getrandbits(config.space.bits)
        r = follow(k, ready[rng.randrange(len(ready))], tables)
        hops.append(r.hop_count)
        wrong += r.delivered_at != root(k, ready, config.space)
    print(file=out)
    print(f"Ring built by {len(joiners)} sequential consistent joins ({len(ids)} nodes):", file=out)
    mean_cost = sum(costs) / len(costs) if costs else 0.0
    print(f"  {mean_cost:.1f} messages per join; {len(ready)} nodes ready;", file=out)
    print(f"  leaf sets equal to the oracle's ideal ones: {ideal} of {len(world.nodes)}", file=out)
    print(
        f"  1000 lookups: mean {sum(hops) / len(hops):.2f} hops, max {max(hops)}; "
        f"delivered at the wrong node: {wrong}",
        file=out,
    )
    return 0 if ideal == len(world.nodes) and wrong == 0 else 1


def run_scribe_demo(seed: int, out: TextIO | None = None) -> int:
    """The SCRIBE part: a multicast tree over a ring built by joins, drawn as text; a publish;
    a forwarder crash and the repair (leaf-set upcalls, then the timers waiting on the dead
    node); a publish again, delivered to every live member (spec/scribe.md)."""
    from collections.abc import Hashable

    import attrs

    from pastry_ref.app import Host
    from pastry_ref.scribe import (
        ChildTimeout,
        GroupState,
        ParentTimeout,
        Publish,
        ScribeApp,
        Subscribe,
        group_id,
    )
    from pastry_ref.system import Crash, FireTimer, Request, World, quiesce, settle

    _count("--seed", seed, 0, MAX_SEED, "a seed")
    config = Config.make(bits=128, b=4, leaf_set_size=16, neighborhood_size=32, hop_acks=True)
    rng = random.Random(seed + 2)
    ids = list(dict.fromkeys(rng.getrandbits(128) for _ in range(40)))
    joiners = [(x, ids[rng.randrange(i)]) for i, x in enumerate(ids[1:], 1)]
    world, _ = build_ring(config, ids[0], joiners)
    hosts = tuple(Host(h.node, (*h.apps, ScribeApp())) for h in world.hosts)
    world = attrs.evolve(world, hosts=hosts, armed=None)
    g = group_id(config.space, "news", "demo")
    members = sorted(rng.sample(ids, 10))

    def short(x: int) -> str:
        return f"{x:032x}"[:8] + ".."

    def tree(w: World) -> dict[int, GroupState]:
        out_: dict[int, GroupState] = {}
        for n in w.ids:
            a = w.host(n).app(ScribeApp)
            if not w.is_down(n) and isinstance(a, ScribeApp) and (st := a.group(g)) is not None:
                out_[n] = st
        return out_

    def do(w: World, origin: int, req: Hashable) -> World:
        w = attrs.evolve(w, requests_left=((origin, req),))
        return quiesce(w.apply(Request(origin, req)))[0]

    def draw(w: World) -> None:
        t = tree(w)

        def line(n: int, depth: int) -> None:
            st = t[n]
            roles = [r for r, on in (("root", st.root), ("member", st.member)) if on]
            print(f"    {'  ' * depth}{short(n)} {', '.join(roles) or 'forwarder'}", file=out)
            for c in sorted(st.children):
                if c in t:
                    line(c, depth + 1)

        for r in sorted(n for n, st in t.items() if st.root):
            line(r, 0)

    def publish(w: World, event: str) -> tuple[World, int, int]:
        origin = next(m for m in members if not w.is_down(m))
        w = do(w, origin, Publish(group=g, event=event))
        got = {n for n, r in w.replies if r.request == Publish(group=g, event=event)}
        live = {m for m in members if not w.is_down(m)}
        return w, len(got & live), len(live)

    for m in members:
        world = do(world, m, Subscribe(group=g))
    print(file=out)
    print(
        f"SCRIBE: group {short(g)} ('news' by 'demo'), {len(members)} members on a ring of "
        f"{len(ids)} nodes built by joins; the tree:",
        file=out,
    )
    draw(world)
    world, got, due = publish(world, "hello")
    print(f"  publish 'hello': delivered to {got} of {due} members", file=out)
    t = tree(world)
    # the interior node with the most children (a non-member first); with none, the root
    victim = max(t, key=lambda n: (bool(t[n].children), not t[n].root, not t[n].member, n))
    what = "the root" if t[victim].root else "forwarder"
    world = attrs.evolve(world, crashes_left=(victim,))
    world, _, _ = settle(world.apply(Crash(victim)))
    t = tree(world)
    waiting = [
        (n, timer)
        for n in world.ids
        if not world.is_down(n)
        for timer in sorted(world.armed_at(n), key=repr)
        if (isinstance(timer, ChildTimeout) and timer.child == victim)
        or (isinstance(timer, ParentTimeout) and n in t and t[n].parent == victim)
    ]
    world = attrs.evolve(world, periodic_left=len(waiting))
    for n, timer in waiting:
        if timer in world.armed_at(n):
            world = quiesce(world.apply(FireTimer(n, timer)))[0]
    world, _, _ = settle(attrs.evolve(world, periodic_left=0))
    print(
        f"  {what} {short(victim)} crashes; its children re-subscribe around it "
        f"(leaf-set repair, then {len(waiting)} timeouts waiting on it):",
        file=out,
    )
    draw(world)
    world, got2, due2 = publish(world, "again")
    print(f"  publish 'again': delivered to {got2} of {due2} live members", file=out)
    return 0 if got == due and got2 == due2 else 1


def run_past_demo(seed: int, out: TextIO | None = None) -> int:
    """The PAST part: files inserted with k = 5 on a 40-node ring (one node too full, so its
    replica is diverted), a lookup answered by the first replica on its route, a holder crash,
    maintenance, and every file still found (spec/past.md)."""
    from collections.abc import Hashable

    import attrs

    from pastry_ref.app import LookupApp
    from pastry_ref.past import (
        Insert,
        InsertOk,
        Kind,
        LookupFile,
        LookupResult,
        PastApp,
        file_id,
    )
    from pastry_ref.system import Crash, Request, World, WorldSpec, quiesce, settle

    _count("--seed", seed, 0, MAX_SEED, "a seed")
    config = Config.make(bits=128, b=4, leaf_set_size=16, neighborhood_size=32)
    rng = random.Random(seed + 3)
    ids = sorted(dict.fromkeys(rng.getrandbits(128) for _ in range(40)))
    k = 5
    files = [
        Insert(name=f"doc{i}", owner="alice", k=k, size=10, content=f"text {i}") for i in range(3)
    ]
    space = config.space

    def short(x: int) -> str:
        return f"{x:032x}"[:8] + ".."

    def do(w: World, origin: int, req: Hashable) -> tuple[World, object]:
        w = attrs.evolve(w, requests_left=((origin, req),))
        w = quiesce(w.apply(Request(origin, req)))[0]
        return w, next(r.response for n, r in reversed(w.replies) if r.request == req)

    first = file_id(space, files[0].name, files[0].owner, 0)
    full = space.sort_by_closeness(first, ids)[1]  # one of doc0's holders has little room
    app = PastApp(capacity=1_000, capacities=((full, 50),))
    world = WorldSpec(config, tuple(ids), apps=(LookupApp(), app)).initial_world()
    print(file=out)
    print(f"PAST: {len(ids)} nodes (L = 16), k = {k}, capacity 1,000 units each, "
          f"{short(full)} only 50", file=out)  # fmt: skip
    client = ids[0]
    acked: dict[int, Insert] = {}
    for ins in files:
        world, res = do(world, client, ins)
        if isinstance(res, InsertOk):
            acked[res.file_id] = ins
            print(f"  insert {ins.name}: stored on {k} holders {[short(h) for h in res.holders]}",
                  file=out)  # fmt: skip

    def holders(w: World, fid: int) -> list[tuple[int, str]]:
        out_ = []
        for n in w.ids:
            a = w.host(n).app(PastApp)
            if not w.is_down(n) and isinstance(a, PastApp) and (e := a.entry(fid)) is not None:
                out_.append((n, e.kind.value + (f" -> {short(e.target)}" if e.target else "")))
        return out_

    diverted = [(n, kind) for n, kind in holders(world, first) if kind != Kind.REPLICA.value]
    for n, kind in diverted:
        print(f"    doc0 at {short(n)}: {kind}", file=out)

    def what(w: World, n: int, fid: int) -> str:
        a = w.host(n).app(PastApp)
        assert isinstance(a, PastApp)
        e = a.entry(fid)
        if e is not None and e.kind is Kind.DIVERTED:
            return "a diverted replica, reached through a pointer"
        return "a replica" if e is not None else "a cached copy"

    far = max(ids, key=lambda x: space.distance(x, first))  # the node farthest from the file
    world, res = do(world, far, LookupFile(file_id=first, id=1))
    assert isinstance(res, LookupResult)
    rank = space.sort_by_closeness(first, ids).index(res.holder) + 1
    how = what(world, res.holder, first)
    print(
        f"  lookup doc0 from {short(far)}: {res.content!r} from {short(res.holder)} "
        f"(the {rank}. closest node to the file: {how})",
        file=out,
    )
    other = next(fid for fid, ins in acked.items() if ins.name == "doc2")
    far2 = max(ids, key=lambda x: space.distance(x, other))
    world, res2 = do(world, far2, LookupFile(file_id=other, id=2))
    assert isinstance(res2, LookupResult)
    rank2 = space.sort_by_closeness(other, ids).index(res2.holder) + 1
    how2 = what(world, res2.holder, other)
    print(
        f"  lookup {acked[other].name} from {short(far2)}: {res2.content!r} from "
        f"{short(res2.holder)} (the {rank2}. closest: {how2}, the first on the route)",
        file=out,
    )
    victim = next(n for n, kind in holders(world, first) if kind == Kind.REPLICA.value)
    world = attrs.evolve(world, crashes_left=(victim,))
    world, _, _ = settle(world.apply(Crash(victim)))
    live = [x for x in ids if x != victim]
    now = holders(world, first)
    closest = space.sort_by_closeness(first, live)[:k]
    print(f"  holder {short(victim)} crashes; after repair and maintenance doc0 has "
          f"{sum(1 for n, _ in now if n in closest)} of its {k} closest live nodes holding it",
          file=out)  # fmt: skip
    found = 0
    for i, (fid, ins) in enumerate(sorted(acked.items())):
        world, res = do(world, live[-1 - i], LookupFile(file_id=fid, id=10 + i))
        found += isinstance(res, LookupResult) and res.content == ins.content
    print(f"  lookups after the crash: {found} of {len(acked)} files found, nothing lost",
          file=out)  # fmt: skip
    return 0 if found == len(acked) == len(files) else 1


def run_check_demo(out: TextIO | None = None) -> int:
    """Part 3: model-check two concurrent joins under both protocols."""
    import pastry_ref.check.scenarios  # noqa: F401 - registers the join scenarios
    from model_check import check, render_trace
    from model_check.registry import get

    print(file=out)
    print(
        "Model checking: two nodes join a ring of two concurrently (every interleaving).", file=out
    )
    code = 0
    for proto in ("consistent", "paper"):
        scenario = get(f"join/two-concurrent/{proto}")
        model = scenario.model()
        result = check(model)
        s = result.stats
        broken = ", ".join(result.violated()) or "none"
        print(
            f"  {proto:>10} join: {result.verdict.value.upper():8} {s.distinct_states:,} "
            f"distinct states, {s.seconds:.1f} s; violated: {broken}",
            file=out,
        )
        if result.verdict is not scenario.expected:
            code = 1
        if proto == "paper":
            r = next((p for p in result.properties if p.name == "Converged/terminal"), None)
            if r is not None and r.trace is not None:
                print(file=out)
                print(
                    "  The paper join ends with the ring split for good "
                    f"(Converged/terminal, {len(r.trace)} steps):",
                    file=out,
                )
                print(render_trace(model, r.trace, indent="    "), file=out)
    return code
