"""The snapshot judge: a whole quiescent snapshot of foreign tables against the ideal.

Owns: ``judge_snapshot`` and ``SnapshotReport``. Per node: the leaf set (R-LS-1, R-LS-2,
NoDeadInLeafSets) and the routing table (R-RT-1, with completeness / dead-entry / proximity
measures). As a whole, when every live node gave its tables: ``Consistency`` (no key delivered
by two nodes, exact over the id space by the delivery arcs of ``oracle/arcs.py``, the logic of
the World's Consistency) and ``RoutesReachRoot`` (each node delivers only keys it is a root
candidate of and every key is delivered, exact by the arcs; routes followed with ``choose`` end
at a root candidate without a revisit, R-ROUTE-5; nodes that are not live are left out, as after
a hop timeout: a stale entry is a measure, not a violation). spec/trace-format.md R-JUDGE-6/7.
Rule: ids trusted; at most ``MAX_ROUTE_FAILURES`` failing routes are reported per snapshot
(``MAX_ROUTE_FAILURES_AFTER_ARCS`` when the arcs already showed what is wrong).
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence

import attrs

from pastry_ref.oracle.arcs import (
    EXHAUSTIVE_KEYS_MAX_BITS,
    Arc,
    arc_gaps,
    arc_within,
    critical_keys,
    delivery_arc,
    runs,
    shared_keys,
)
from pastry_ref.oracle.ring import Ring
from pastry_ref.oracle.route import choose
from pastry_ref.oracle.tables import (
    ForeignTables,
    TableMeasures,
    judge_leaf_set,
    judge_routing_table,
)
from pastry_ref.oracle.verdict import RuleViolation

__all__ = [
    "EXHAUSTIVE_ROUTES_MAX",
    "MAX_ROUTE_FAILURES",
    "MAX_ROUTE_FAILURES_AFTER_ARCS",
    "SnapshotReport",
    "delivered_keys",
    "judge_snapshot",
]

# Every key from every node when the space has at most 2^EXHAUSTIVE_KEYS_MAX_BITS ids and keys x
# nodes is at most this; else each critical key once.
EXHAUSTIVE_ROUTES_MAX = 1 << 20
MAX_ROUTE_FAILURES = 10
MAX_ROUTE_FAILURES_AFTER_ARCS = 3
# A node with an empty leaf-set half is enumerated key by key up to this many bits.
ENUMERATE_MAX_BITS = EXHAUSTIVE_KEYS_MAX_BITS


@attrs.frozen(slots=True)
class SnapshotReport:
    """``violations`` (correctness) and ``measures`` (routing-table completeness, dead
    entries, proximity) apart; ``whole`` says whether the whole-snapshot checks ran (every
    live node gave tables); ``routes`` how many routes were followed."""

    violations: tuple[RuleViolation, ...]
    measures: TableMeasures
    whole: bool
    routes: int = 0


def delivered_keys(ring: Ring, tables: ForeignTables) -> list[Arc]:
    """The keys ``tables``' owner delivers (R-ROUTE-1..4 over its tables), as arcs: exact by
    the delivery arc when both leaf-set halves hold another node; else by enumeration (at most
    2^12 ids) or at the critical keys of what it knows."""
    space, n = ring.space, tables.owner
    members = (set(tables.left) | set(tables.right)) - {n}
    if set(tables.left) - {n} and set(tables.right) - {n}:
        size = space.size
        left = min(members, key=lambda m: (n - m) % size)
        right = min(members, key=lambda m: (m - n) % size)

        def closer(a: int, b: int, key: int) -> bool:
            return ring.closeness(a, key) < ring.closeness(b, key)

        tie = "clockwise" if ring.tie_rule == "either" else ring.tie_rule
        return [delivery_arc(space, n, left, right, closer, tie)]
    if space.bits <= ENUMERATE_MAX_BITS:
        return runs(k for k in range(space.size) if choose(ring, k, tables) is None)
    keys = critical_keys(space, tables.known() | {n})
    return [(k, 1) for k in keys if choose(ring, k, tables) is None]


def _ideal_region(ring: Ring, node: int) -> Arc:
    """The keys ``node`` is a root candidate of, as an arc."""
    near = ring.neighbours(node)
    if near is None:
        return (0, ring.space.size)
    space = ring.space
    if ring.tie_rule == "either":

        def closer(a: int, b: int, key: int) -> bool:
            return space.distance(a, key) <= space.distance(b, key)

    else:

        def closer(a: int, b: int, key: int) -> bool:
            return ring.closeness(a, key) < ring.closeness(b, key)

    tie = "node" if ring.tie_rule == "either" else ring.tie_rule
    return delivery_arc(space, node, near[0], near[1], closer, tie)


def _keys_text(ring: Ring, start: int, length: int) -> str:
    h = ring.space.hex
    end = (start + length - 1) % ring.space.size
    return f"key {h(start)}" if length == 1 else f"keys {h(start)}..{h(end)}"


def judge_snapshot(
    ring: Ring,
    tables: Mapping[int, ForeignTables],
    leaf_set_size: int,
    coords: Mapping[int, Sequence[float]] | None = None,
) -> SnapshotReport:
    """Judge every live node's tables against the ideal over ``ring``, and, when every live
    node has tables here, the snapshot as a whole (R-JUDGE-6, R-JUDGE-7). Tables of nodes that
    are not live are ignored.

    >>> from pastry_ref.ring.ids import IdSpace
    >>> ring = Ring.build(IdSpace(8, 4), [0x10, 0x80])
    >>> ok = {0x10: ForeignTables(0x10, (0x80,), (0x80,)),
    ...       0x80: ForeignTables(0x80, (0x10,), (0x10,))}
    >>> judge_snapshot(ring, ok, 2).violations
    ()
    >>> bad = dict(ok); bad[0x80] = ForeignTables(0x80, (), ())  # 80 knows no one
    >>> sorted({v.rule for v in judge_snapshot(ring, bad, 2).violations})
    ['Consistency', 'R-LS-2', 'RoutesReachRoot']
    """
    space = ring.space
    h = space.hex
    out: list[RuleViolation] = []
    live_tables = {n: t for n, t in tables.items() if n in ring}
    points = None
    if coords is not None and all(n in coords for n in ring.ids):
        points = [coords[n] for n in ring.ids]
    fillable = filled = dead = 0
    stretch: list[float] = []
    for n in sorted(live_tables):
        t = live_tables[n]
        out.extend(judge_leaf_set(ring, t.halves(), leaf_set_size))
        rt_violations, m = judge_routing_table(ring, t, coords, points=points)
        out.extend(rt_violations)
        fillable, filled, dead = fillable + m.fillable, filled + m.filled, dead + m.dead
        stretch.extend(m.stretch)
    measures = TableMeasures(fillable, filled, dead, tuple(stretch))
    if len(live_tables) < len(ring) or not len(ring):
        return SnapshotReport(tuple(out), measures, False)
    owned = [(n, delivered_keys(ring, live_tables[n])) for n in ring.ids]
    overlaps = shared_keys(space, owned)
    for (a, b), (lo, hi) in overlaps.items():
        out.append(
            RuleViolation(
                "Consistency",
                f"{h(a)} and {h(b)} would both deliver {_keys_text(ring, lo, hi - lo + 1)}",
                a,
            )
        )
    for n, arcs in owned:
        region = _ideal_region(ring, n)
        for arc in arcs:
            if not arc_within(space, arc, region):
                out.append(
                    RuleViolation(
                        "RoutesReachRoot",
                        f"{h(n)} delivers {_keys_text(ring, *arc)}, but it is the root only of "
                        f"{_keys_text(ring, *region)}",
                        n,
                    )
                )
    if not overlaps:
        for start, length in arc_gaps(space, [a for _, arcs in owned for a in arcs]):
            out.append(
                RuleViolation(
                    "RoutesReachRoot",
                    f"no node delivers {_keys_text(ring, start, length)}: routes for them never "
                    "end",
                )
            )
    routes = 0
    failures = 0
    arcs_wrong = any(v.rule in ("Consistency", "RoutesReachRoot") for v in out)
    limit = MAX_ROUTE_FAILURES_AFTER_ARCS if arcs_wrong else MAX_ROUTE_FAILURES
    ids = ring.ids
    if space.bits <= EXHAUSTIVE_KEYS_MAX_BITS and space.size * len(ids) <= EXHAUSTIVE_ROUTES_MAX:
        pairs = ((k, o) for k in range(space.size) for o in ids)
    else:
        keys = critical_keys(space, ids)
        pairs = ((k, ids[i % len(ids)]) for i, k in enumerate(keys))
    for key, origin in pairs:
        routes += 1
        v = _follow(ring, key, origin, live_tables)
        if v is not None:
            failures += 1
            out.append(v)
            if failures >= limit:
                break
    return SnapshotReport(tuple(out), measures, True, routes)


def _follow(
    ring: Ring, key: int, origin: int, tables: Mapping[int, ForeignTables]
) -> RuleViolation | None:
    """Route ``key`` from ``origin`` with ``choose``; the violation if it does not end at a
    root candidate."""
    h = ring.space.hex
    path = [origin]
    seen = {origin}
    node = origin
    while True:
        nxt = choose(ring, key, tables[node], live_only=True)
        if nxt is None:
            if node in ring.root_candidates(key):
                return None
            return RuleViolation(
                "RoutesReachRoot",
                f"key {h(key)} routed from {h(origin)} ends at {h(node)}, root is "
                f"{h(ring.root(key))}: {' -> '.join(h(n) for n in path)}",
                node,
            )
        if nxt in seen:
            return RuleViolation(
                "R-ROUTE-5",
                f"key {h(key)} routed from {h(origin)} comes back to {h(nxt)}: "
                f"{' -> '.join(h(n) for n in path)} -> {h(nxt)}",
                node,
            )
        path.append(nxt)
        seen.add(nxt)
        node = nxt
