"""Proximity metrics: how far apart two nodes are in the underlying network.

Owns: the ``Proximity`` protocol (any callable ``(a, b) -> float`` qualifies) and three metrics:
points in a Euclidean plane, an explicit distance matrix, and a constant metric. Metrics are
values handed in by the caller; nothing here measures a real network.
Spec rules: R-PROX-1 (a metric is symmetric, non-negative, zero on the diagonal; ties between
candidates are broken by ring distance to the owner, then by id).
"""

from __future__ import annotations

import math
from collections.abc import Mapping
from typing import Any, Protocol, runtime_checkable

import attrs

from pastry_ref.errors import BadInput

__all__ = [
    "ConstantProximity",
    "EuclideanPlane",
    "MatrixProximity",
    "Proximity",
    "UnknownNode",
]


class UnknownNode(BadInput):
    """A metric was asked about a node it has no position or row for."""


def _as_dict(m: Mapping[Any, Any]) -> dict[Any, Any]:
    return dict(m)


@runtime_checkable
class Proximity(Protocol):
    """Distance between two nodes in the network (smaller is nearer)."""

    def __call__(self, a: int, b: int, /) -> float: ...


@attrs.frozen(slots=True)
class EuclideanPlane:
    """Nodes at points of a plane; proximity is straight-line distance (the paper's setting)."""

    points: Mapping[int, tuple[float, float]] = attrs.field(converter=_as_dict, eq=False)

    def __call__(self, a: int, b: int, /) -> float:
        try:
            (xa, ya), (xb, yb) = self.points[a], self.points[b]
        except KeyError as e:
            raise UnknownNode(f"EuclideanPlane: no point for node {e.args[0]}") from None
        return math.hypot(xa - xb, ya - yb)


@attrs.frozen(slots=True)
class MatrixProximity:
    """An explicit table of distances; (a, b) and (b, a) may be given once, the other is implied."""

    distances: Mapping[tuple[int, int], float] = attrs.field(converter=_as_dict, eq=False)

    def __call__(self, a: int, b: int, /) -> float:
        if a == b:
            return 0.0
        d = self.distances.get((a, b))
        if d is None:
            d = self.distances.get((b, a))
        if d is None:
            raise UnknownNode(f"MatrixProximity: no distance between {a} and {b}")
        return d


@attrs.frozen(slots=True)
class ConstantProximity:
    """Every pair of distinct nodes is ``value`` apart: proximity plays no part in choices."""

    value: float = 1.0

    def __call__(self, a: int, b: int, /) -> float:
        return 0.0 if a == b else self.value
