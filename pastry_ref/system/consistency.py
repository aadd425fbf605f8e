"""Consistency, exactly: the keys each ready node delivers, as arcs, and their overlaps.

Owns: ``delivery_arcs`` (a node's delivery arc, found by binary search with the tie rule),
``ready_consistency`` (every key delivered by at most one ready node, over the whole id space up
to ``EXHAUSTIVE_KEYS_MAX_BITS``, at the critical keys above), ``critical_keys`` and ``Violation``,
the named violation every invariant returns. Rule: results depend only on the ready nodes'
tables, so they are cached by those.
"""

from __future__ import annotations

import functools
from collections.abc import Iterable

import attrs

from pastry_ref.node.state import NodeState
from pastry_ref.ring.ids import IdSpace

__all__ = [
    "EXHAUSTIVE_KEYS_MAX_BITS",
    "Arc",
    "Violation",
    "critical_keys",
    "delivery_arcs",
    "ready_consistency",
]

# Up to this many bits, "every key" means every key; above, the keys where a root can change.
EXHAUSTIVE_KEYS_MAX_BITS = 12


@attrs.frozen(slots=True)
class Violation:
    """One named way in which a state or transition breaks a property, with a readable detail."""

    name: str
    detail: str = ""

    def __str__(self) -> str:
        return f"{self.name}: {self.detail}" if self.detail else self.name


Arc = tuple[int, int]  # (first key, number of keys), clockwise


def delivery_arcs(node: NodeState) -> list[Arc] | None:
    """The keys ``node`` would deliver, as one clockwise arc, computed exactly; None when a
    leaf-set half is empty (then only an enumeration of keys is exact).

    With both halves non-empty a node delivers a key iff the key is in its leaf-set range and
    the node is the closest of its leaf set to it; a key outside the range always has a closer
    leaf-set member on the short way to it, so R-ROUTE-3 forwards it (spec/invariants.md). Those
    keys form the arc around the node up to where its nearest left and right members win; each
    boundary is found by binary search with the tie rule itself.
    """
    ls, space = node.leaf_set, node.config.space
    if not ls.left or not ls.right:
        return None
    n, size = node.id, space.size

    def reach(other: int, gap: int, sign: int) -> int:
        lo, hi = 0, gap  # n wins at distance lo from itself, loses at hi (other sits there)
        while hi - lo > 1:
            mid = (lo + hi) // 2
            if space.closer(n, other, (n + sign * mid) % size):
                lo = mid
            else:
                hi = mid
        return lo

    cw = reach(ls.right[0], space.cw_distance(n, ls.right[0]), +1)
    ccw = reach(ls.left[0], space.ccw_distance(n, ls.left[0]), -1)
    return [((n - ccw) % size, ccw + cw + 1)]


def _keys_delivered_by_enumeration(node: NodeState) -> list[int]:
    return [k for k in range(node.config.space.size) if node.decide(k).deliver]


@functools.lru_cache(maxsize=1 << 15)
def ready_consistency(ready: tuple[NodeState, ...]) -> tuple[Violation, ...]:
    if not ready:
        return ()
    space = ready[0].config.space
    pieces: list[tuple[int, int, int]] = []  # (start, end exclusive, node) linear intervals
    for n in ready:
        arcs = delivery_arcs(n)
        if arcs is None:
            if space.bits > EXHAUSTIVE_KEYS_MAX_BITS + 4:
                arcs = _arcs_atcritical_keys(n)
            else:
                arcs = _runs(_keys_delivered_by_enumeration(n))
        for start, length in arcs:
            end = start + length
            if end <= space.size:
                pieces.append((start, end, n.id))
            else:
                pieces.append((start, space.size, n.id))
                pieces.append((0, end - space.size, n.id))
    pieces.sort()
    # Sweep: each piece against the pieces still open; one violation per pair of nodes, with
    # the first and last key both would deliver.
    shared: dict[tuple[int, int], list[int]] = {}
    open_pieces: list[tuple[int, int]] = []  # (end, node)
    for start, end, node_id in pieces:
        open_pieces = [(e, m) for e, m in open_pieces if e > start]
        for e, m in open_pieces:
            if m != node_id:
                pair = (min(m, node_id), max(m, node_id))
                lo, hi = start, min(e, end) - 1
                span = shared.setdefault(pair, [lo, hi])
                span[0], span[1] = min(span[0], lo), max(span[1], hi)
        open_pieces.append((end, node_id))
    return tuple(
        Violation(
            "Consistency",
            f"ready nodes {a} and {b} would both deliver "
            + (f"key {lo}" if lo == hi else f"keys {lo}..{hi}"),
        )
        for (a, b), (lo, hi) in sorted(shared.items())
    )


def _runs(keys: list[int]) -> list[Arc]:
    """Sorted keys as maximal runs of consecutive keys."""
    out: list[Arc] = []
    for k in keys:
        if out and out[-1][0] + out[-1][1] == k:
            out[-1] = (out[-1][0], out[-1][1] + 1)
        else:
            out.append((k, 1))
    return out


def _arcs_atcritical_keys(node: NodeState) -> list[Arc]:
    """For huge spaces and a node with an empty half: the critical keys it delivers."""
    return [(k, 1) for k in critical_keys(node.config.space, node.known() | {node.id})]


def critical_keys(space: IdSpace, ids: Iterable[int]) -> list[int]:
    """Keys where the root can change: every id, its neighbours, and the midpoints (both sides
    of each tie) between ids adjacent on the ring."""
    ring = sorted(set(ids))
    keys: set[int] = set()
    for i, a in enumerate(ring):
        b = ring[(i + 1) % len(ring)]
        gap = space.cw_distance(a, b) or space.size
        for k in (a - 1, a, a + 1, a + gap // 2 - 1, a + gap // 2, a + (gap + 1) // 2):
            keys.add(k % space.size)
    return sorted(keys)
