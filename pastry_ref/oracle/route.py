"""The route judge: is each step of a route one the paper's routing rules permit?

Owns: ``judge_step`` (one decision, forward to a node or deliver, against given foreign tables
or, without them, against the ideal tables of the live set), ``choose`` (a deterministic
permitted decision over foreign tables: the permitted node closest to the key; the snapshot
judge follows routes with it) and ``judge_route`` (a whole route: starts at the origin, never
revisits, each hop permitted, ends at a root candidate, within the hop bound).
Spec: R-ROUTE-1..5 (spec/pastry.md §4) read as what a foreign node *may* do, not only what our
``next_hop`` picks: in the rare case any known node sharing the prefix and strictly closer is
permitted, and a cell holding several nodes permits each (spec/trace-format.md R-JUDGE-2..4).
Rule: ids are trusted; with ``tie_rule="either"`` both nodes of an exact tie count as closer.
"""

from __future__ import annotations

import functools
from collections.abc import Callable, Sequence

import attrs

from pastry_ref.oracle.ring import Ring
from pastry_ref.oracle.tables import ForeignTables
from pastry_ref.oracle.verdict import RuleViolation

__all__ = ["RouteStep", "choose", "covers", "judge_route", "judge_step"]


def covers(ring: Ring, owner: int, left: Sequence[int], right: Sequence[int], key: int) -> bool:
    """R-LS-4 for a leaf set as given: the arc from the farthest left member through the owner
    to the farthest right member (farthest by distance, whatever order the halves are in);
    halves sharing a member cover the whole ring."""
    size = ring.space.size
    if set(left) & set(right):
        return True
    ccw_edge = max(((owner - n) % size for n in left), default=0)
    cw_edge = max(((n - owner) % size for n in right), default=0)
    return (owner - key) % size <= ccw_edge or (key - owner) % size <= cw_edge


def _surely_closer(ring: Ring, a: int, b: int, key: int) -> bool:
    """``a`` is closer than ``b`` under every tie rule the judge accepts."""
    if ring.tie_rule == "either":
        return ring.space.distance(a, key) < ring.space.distance(b, key)
    return ring.closeness(a, key) < ring.closeness(b, key)


def judge_step(
    ring: Ring,
    key: int,
    node: int,
    to: int | None,
    tables: ForeignTables | None = None,
    leaf_set_size: int = 16,
    exclude: frozenset[int] = frozenset(),
) -> RuleViolation | None:
    """Whether ``node`` may forward ``key`` to ``to`` (or deliver it, ``to=None``), by the
    paper's rules over ``tables`` (the tables it decided with) or, when None, over the ideal
    tables of ``ring``'s live set with ``leaf_set_size`` (R-JUDGE-3). None when permitted, else
    the violation, naming the rule. ``exclude``: nodes this node already forwarded this
    message to (a retry after a hop timed out decides without them, R-HOP-3).

    >>> from pastry_ref.ring.ids import IdSpace
    >>> ring = Ring.build(IdSpace(8, 4), [0x10, 0x30, 0x50, 0x80, 0xc0])
    >>> judge_step(ring, 0x85, 0x10, 0x80, leaf_set_size=2) is None  # R-ROUTE-2: shares '8'
    True
    >>> v = judge_step(ring, 0x85, 0x10, 0x50, leaf_set_size=2)
    >>> v.rule, v.message[:52]
    ('R-ROUTE-2', '10 forwarded key 85 to 50, but cell (0, 8) holds liv')
    """
    space = ring.space
    h = space.hex
    if tables is not None:
        tables = tables.without(exclude)
        left, right = tables.left, tables.right
        where = "its tables"
    else:
        ideal = ring.ideal_leaf_set(node, leaf_set_size)
        left, right = ideal.left, ideal.right
        where = "ideal tables"
        if exclude:  # R-HOP-3 against the ideal: the live nodes but the silent ones
            left = tuple(n for n in left if n not in exclude)
            right = tuple(n for n in right if n not in exclude)
            ring = Ring.build(space, ring.live - exclude, ring.tie_rule)
    what = f"{h(node)} " + (
        f"forwarded key {h(key)} to {h(to)}" if to is not None else f"delivered key {h(key)}"
    )
    # R-ROUTE-1: the leaf set first.
    if covers(ring, node, left, right, key):
        best = ring.best(key, {node, *left, *right})
        if (to is None and node in best) or (to is not None and to != node and to in best):
            return None
        names = ", ".join(h(n) for n in sorted(best))
        return RuleViolation(
            "R-ROUTE-1",
            f"{what}, but the key is in its leaf-set range and the closest there is {names} "
            f"({where})",
            node,
        )
    l = space.shared_prefix_len(key, node)  # noqa: E741 - the paper's name
    digit = space.digit(key, l)
    # R-ROUTE-2: the routing table's cell (l, D_l).
    if tables is not None:
        cell = [n for n in tables.cell(l, digit) if n != node]
        cell_filled = bool(cell)
        in_cell = to in cell
    else:
        cell_filled = ring.any_with_prefix(key, l + 1)
        in_cell = to is not None and to in ring and space.shared_prefix_len(to, key) > l
    if cell_filled:
        if in_cell:
            return None
        holds = (
            "holds " + ", ".join(h(n) for n in cell)
            if tables is not None
            else f"holds live nodes sharing {l + 1} digits with the key"
        )
        return RuleViolation(
            "R-ROUTE-2", f"{what}, but cell ({l}, {digit}) {holds} ({where})", node
        )
    # R-ROUTE-3: the rare case, any known node sharing l digits and strictly closer.
    if to is not None:
        known = to in tables.known() if tables is not None else to in ring
        if known and space.shared_prefix_len(to, key) >= l and ring.may_be_closer(to, node, key):
            return None
        if tables is not None or ring.closest_with_prefix(key, l) - {node}:
            return RuleViolation(
                "R-ROUTE-3",
                f"{what}, which is not a known node sharing {l} digits with the key and "
                f"strictly closer to it than {h(node)} ({where})",
                node,
            )
        return RuleViolation(
            "R-ROUTE-4",
            f"{what}, but no known node shares {l} digits with the key and is closer: it "
            f"should have delivered ({where})",
            node,
        )
    if tables is not None:
        rare = [
            n
            for n in tables.known()
            if space.shared_prefix_len(n, key) >= l and _surely_closer(ring, n, node, key)
        ]
    else:
        rare = [n for n in ring.closest_with_prefix(key, l) if _surely_closer(ring, n, node, key)]
    if rare:
        return RuleViolation(
            "R-ROUTE-3",
            f"{what}, but {h(min(rare, key=lambda n: ring.closeness(n, key)))} shares {l} "
            f"digits with the key and is closer ({where})",
            node,
        )
    return None  # R-ROUTE-4: no rule forwards, the node is the root it knows


@attrs.frozen(slots=True)
class _View:
    """What ``choose`` reads of one node's tables, derived once."""

    ccw_edge: int
    cw_edge: int
    overlap: bool
    leaf: tuple[int, ...]  # owner and members
    known: tuple[int, ...]


@functools.lru_cache(maxsize=1 << 14)
def _view(tables: ForeignTables, size: int) -> _View:
    owner, left, right = tables.owner, tables.left, tables.right
    return _View(
        max(((owner - n) % size for n in left), default=0),
        max(((n - owner) % size for n in right), default=0),
        bool(set(left) & set(right)),
        tuple({owner, *left, *right}),
        tuple(tables.known()),
    )


def choose(ring: Ring, key: int, tables: ForeignTables, *, live_only: bool = False) -> int | None:
    """A permitted decision over ``tables``: the node to forward to (the permitted one
    closest to the key), or None to deliver (R-ROUTE-1..4 with our choices). With
    ``live_only``, nodes that are not live in ``ring`` are left out, as a node leaves out a
    hop that timed out (R-HOP-3): a stale routing-table entry then costs a retry, not the
    route."""
    space, node, size = ring.space, tables.owner, ring.size
    view = _view(tables, size)
    rank: Callable[[int], tuple[int, int]] = lambda n: ring.closeness(n, key)  # noqa: E731
    live = ring.live
    if view.overlap or (node - key) % size <= view.ccw_edge or (key - node) % size <= view.cw_edge:
        leaf = [n for n in view.leaf if n in live or n == node] if live_only else view.leaf
        best = min(leaf, key=rank)
        return None if best == node else best
    l = space.shared_prefix_len(key, node)  # noqa: E741 - the paper's name
    cell = [n for n in tables.cell(l, space.digit(key, l)) if n != node]
    if live_only:
        cell = [n for n in cell if n in live]
    if cell:
        return min(cell, key=rank)
    own = rank(node)
    rare = [
        n
        for n in view.known
        if space.shared_prefix_len(n, key) >= l and rank(n) < own and (not live_only or n in live)
    ]
    return min(rare, key=rank) if rare else None


@attrs.frozen(slots=True)
class RouteStep:
    """One hop of a route: ``src`` forwarded to ``dst``, deciding with ``tables`` if known."""

    src: int
    dst: int
    tables: ForeignTables | None = None


def judge_route(
    ring: Ring,
    key: int,
    origin: int,
    hops: Sequence[RouteStep],
    delivered_at: int | None,
    *,
    leaf_set_size: int,
    max_hops: int,
    delivery_tables: ForeignTables | None = None,
) -> tuple[RuleViolation, ...]:
    """A whole route over one live set (R-JUDGE-1..4): it starts at ``origin``, each hop leaves
    a node the message reached (``RoutePath``), never goes back (R-ROUTE-5) and is permitted
    (``judge_step``); the delivery is permitted and at a root candidate (``CorrectDelivery``);
    at most ``max_hops`` hops (``HopBound``). A hop to a node that is not live is no violation
    (a table may hold a crashed node no one noticed; the sender retries, R-HOP-3).

    >>> from pastry_ref.ring.ids import IdSpace
    >>> ring = Ring.build(IdSpace(8, 4), [0x10, 0x30, 0x50, 0x80, 0xc0])
    >>> steps = [RouteStep(0x10, 0x80)]
    >>> judge_route(ring, 0x85, 0x10, steps, 0x80, leaf_set_size=2, max_hops=4)
    ()
    >>> for v in judge_route(ring, 0x85, 0x10, steps, 0xc0, leaf_set_size=2, max_hops=4):
    ...     print(v)
    RoutePath: the message of key 85 was delivered at c0, which it never reached
    CorrectDelivery: key 85 delivered at c0, but its root is 80
    """
    space = ring.space
    h = space.hex
    out: list[RuleViolation] = []
    reached = [origin]
    seen = {origin}
    for i, step in enumerate(hops):
        if (i == 0 and step.src != origin) or step.src not in seen:
            out.append(
                RuleViolation(
                    "RoutePath",
                    f"hop {i + 1} of key {h(key)} leaves {h(step.src)}, which the message never "
                    f"reached (route so far: {' -> '.join(h(n) for n in reached)})",
                    step.src,
                )
            )
        if step.dst in seen:
            out.append(
                RuleViolation(
                    "R-ROUTE-5",
                    f"hop {i + 1} of key {h(key)} goes back to {h(step.dst)}: "
                    f"{' -> '.join(h(n) for n in reached)} -> {h(step.dst)}",
                    step.src,
                )
            )
        v = judge_step(ring, key, step.src, step.dst, step.tables, leaf_set_size)
        if v is not None:
            out.append(v)
        reached.append(step.dst)
        seen.add(step.dst)
    if len(hops) > max_hops:
        out.append(
            RuleViolation(
                "HopBound",
                f"route of key {h(key)} took {len(hops)} hops, more than the bound {max_hops}",
            )
        )
    if delivered_at is not None:
        if delivered_at not in seen:
            out.append(
                RuleViolation(
                    "RoutePath",
                    f"the message of key {h(key)} was delivered at {h(delivered_at)}, which it "
                    "never reached",
                    delivered_at,
                )
            )
        else:
            v = judge_step(ring, key, delivered_at, None, delivery_tables, leaf_set_size)
            if v is not None:
                out.append(v)
        cands = ring.root_candidates(key) if len(ring) else frozenset()
        if delivered_at not in cands:
            roots = " or ".join(h(n) for n in sorted(cands)) or "none (no live node)"
            out.append(
                RuleViolation(
                    "CorrectDelivery",
                    f"key {h(key)} delivered at {h(delivered_at)}, but its root is {roots}",
                    delivered_at,
                )
            )
    return tuple(out)
