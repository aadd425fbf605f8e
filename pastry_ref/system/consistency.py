"""Consistency, exactly: the keys each ready node delivers, as arcs, and their overlaps.

Owns: ``delivery_arcs`` (a node's delivery arc), ``ready_consistency`` (every key delivered by
at most one ready node, over the whole id space up to ``EXHAUSTIVE_KEYS_MAX_BITS``, at the
critical keys above) and ``Violation``, the named violation every invariant returns. The arc
arithmetic (``delivery_arc``, the overlap sweep, ``critical_keys``) lives in
``pastry_ref.oracle.arcs``, shared with the judge of foreign snapshots. Rule: results depend
only on the ready nodes' tables, so they are cached by those.
"""

from __future__ import annotations

import functools

import attrs

from pastry_ref.node.state import NodeState
from pastry_ref.oracle.arcs import (
    EXHAUSTIVE_KEYS_MAX_BITS,
    Arc,
    critical_keys,
    delivery_arc,
    runs,
    shared_keys,
)

__all__ = [
    "EXHAUSTIVE_KEYS_MAX_BITS",
    "Arc",
    "Violation",
    "critical_keys",
    "delivery_arcs",
    "ready_consistency",
]


@attrs.frozen(slots=True)
class Violation:
    """One named way in which a state or transition breaks a property, with a readable detail."""

    name: str
    detail: str = ""

    def __str__(self) -> str:
        return f"{self.name}: {self.detail}" if self.detail else self.name


def delivery_arcs(node: NodeState) -> list[Arc] | None:
    """The keys ``node`` would deliver, as one clockwise arc, computed exactly; None when a
    leaf-set half is empty (then only an enumeration of keys is exact).

    With both halves non-empty a node delivers a key iff the key is in its leaf-set range and
    the node is the closest of its leaf set to it; a key outside the range always has a closer
    leaf-set member on the short way to it, so R-ROUTE-3 forwards it (spec/invariants.md). Those
    keys form the arc around the node up to where its nearest left and right members win; each
    boundary is found by binary search with the tie rule itself (``oracle.arcs.delivery_arc``).
    """
    ls, space = node.leaf_set, node.config.space
    if not ls.left or not ls.right:
        return None
    return [delivery_arc(space, node.id, ls.left[0], ls.right[0], space.closer)]


def _keys_delivered_by_enumeration(node: NodeState) -> list[int]:
    return [k for k in range(node.config.space.size) if node.decide(k).deliver]


@functools.lru_cache(maxsize=1 << 15)
def ready_consistency(ready: tuple[NodeState, ...]) -> tuple[Violation, ...]:
    if not ready:
        return ()
    space = ready[0].config.space
    owned: list[tuple[int, list[Arc]]] = []
    for n in ready:
        arcs = delivery_arcs(n)
        if arcs is None:
            if space.bits > EXHAUSTIVE_KEYS_MAX_BITS + 4:
                arcs = _arcs_atcritical_keys(n)
            else:
                arcs = runs(_keys_delivered_by_enumeration(n))
        owned.append((n.id, arcs))
    # One violation per pair of nodes, with the first and last key both would deliver.
    return tuple(
        Violation(
            "Consistency",
            f"ready nodes {a} and {b} would both deliver "
            + (f"key {lo}" if lo == hi else f"keys {lo}..{hi}"),
        )
        for (a, b), (lo, hi) in shared_keys(space, owned).items()
    )


def _arcs_atcritical_keys(node: NodeState) -> list[Arc]:
    """For huge spaces and a node with an empty half: the critical keys it delivers."""
    return [(k, 1) for k in critical_keys(node.config.space, node.known() | {node.id})]
