"""Proximity metrics: how far apart two nodes are in the underlying network.

Owns: the ``Proximity`` protocol (any callable ``(a, b) -> float`` qualifies) and three metrics:
points in a Euclidean plane, an explicit distance matrix, and a constant metric. Metrics are
values handed in by the caller; nothing here measures a real network.
Spec rules: R-PROX-1 (a metric is symmetric, non-negative, zero on the diagonal; ties between
candidates are broken by ring distance to the owner, then by id). Rule: a metric's table is
checked when it is built (``BadInput`` naming the entry: a node that is not an int, a distance
or coordinate that is not a finite number, a negative distance); a call never re-checks it.
"""

from __future__ import annotations

import math
from collections.abc import Mapping
from typing import Any, Protocol, runtime_checkable

import attrs

from pastry_ref.errors import BadInput, shown

__all__ = [
    "ConstantProximity",
    "EuclideanPlane",
    "MatrixProximity",
    "Proximity",
    "UnknownNode",
]


class UnknownNode(BadInput):
    """A metric was asked about a node it has no position or row for."""


def _mapping(field: str, m: Mapping[Any, Any]) -> dict[Any, Any]:
    if not isinstance(m, Mapping):
        raise BadInput(f"{field}: expected a mapping, got {shown(m)}")
    return dict(m)


def _points(m: Mapping[Any, Any]) -> dict[Any, Any]:
    return _mapping("points", m)


def _distances(m: Mapping[Any, Any]) -> dict[Any, Any]:
    return _mapping("distances", m)


def _number(v: object) -> bool:
    """A finite real number (a bool is not one)."""
    if isinstance(v, bool):
        return False
    return isinstance(v, int) or (isinstance(v, float) and math.isfinite(v))


def _node(v: object) -> bool:
    return isinstance(v, int) and not isinstance(v, bool)


@runtime_checkable
class Proximity(Protocol):
    """Distance between two nodes in the network (smaller is nearer)."""

    def __call__(self, a: int, b: int, /) -> float: ...


@attrs.frozen(slots=True)
class EuclideanPlane:
    """Nodes at points of a plane; proximity is straight-line distance (the paper's setting)."""

    points: Mapping[int, tuple[float, float]] = attrs.field(converter=_points, eq=False)

    def __attrs_post_init__(self) -> None:
        for n, p in self.points.items():
            if not _node(n):
                raise BadInput(f"points: expected integer node ids as keys, got {shown(n)}")
            if not (isinstance(p, tuple | list) and len(p) == 2 and all(map(_number, p))):
                raise BadInput(
                    f"points[{n}]: expected a point (x, y) of finite numbers, got {shown(p)}"
                )

    def __call__(self, a: int, b: int, /) -> float:
        try:
            (xa, ya), (xb, yb) = self.points[a], self.points[b]
        except KeyError as e:
            raise UnknownNode(f"EuclideanPlane: no point for node {e.args[0]}") from None
        return math.hypot(xa - xb, ya - yb)


@attrs.frozen(slots=True)
class MatrixProximity:
    """An explicit table of distances; (a, b) and (b, a) may be given once, the other is implied."""

    distances: Mapping[tuple[int, int], float] = attrs.field(converter=_distances, eq=False)

    def __attrs_post_init__(self) -> None:
        for k, d in self.distances.items():
            if not (isinstance(k, tuple) and len(k) == 2 and all(map(_node, k))):
                raise BadInput(f"distances: expected (node, node) pairs as keys, got {shown(k)}")
            if not _number(d) or d < 0:
                raise BadInput(f"distances[{k}]: expected a finite number >= 0, got {shown(d)}")

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

    def __attrs_post_init__(self) -> None:
        if not _number(self.value) or self.value < 0:
            raise BadInput(f"value: expected a finite number >= 0, got {shown(self.value)}")

    def __call__(self, a: int, b: int, /) -> float:
        return 0.0 if a == b else self.value
