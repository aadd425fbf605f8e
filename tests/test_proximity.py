"""Proximity metrics (pastry_ref.ring.proximity); rule R-PROX-1."""

from __future__ import annotations

import math

import pytest
from hypothesis import given
from hypothesis import strategies as st

from pastry_ref.errors import PastryRefError
from pastry_ref.ring.proximity import (
    ConstantProximity,
    EuclideanPlane,
    MatrixProximity,
    Proximity,
    UnknownNode,
)

coord = st.floats(-100, 100, allow_nan=False)


@given(st.dictionaries(st.integers(0, 50), st.tuples(coord, coord), min_size=1), st.data())
def test_R_PROX_1_euclidean_is_a_metric(points, data) -> None:
    """Pastry §2.4/§3.3: proximity is a scalar distance (here Euclidean, the paper's
    simulation setting): symmetric, non-negative, zero on the diagonal."""
    plane = EuclideanPlane(points)
    a = data.draw(st.sampled_from(sorted(points)))
    c = data.draw(st.sampled_from(sorted(points)))
    (xa, ya), (xc, yc) = points[a], points[c]
    assert plane(a, c) == plane(c, a) == pytest.approx(((xa - xc) ** 2 + (ya - yc) ** 2) ** 0.5)
    assert plane(a, c) >= 0 and plane(a, a) == 0


def test_R_PROX_1_examples() -> None:
    """Pastry §2.4: metrics are values; a matrix gives each pair once; constant ignores ids."""
    plane = EuclideanPlane({1: (0.0, 0.0), 2: (3.0, 4.0)})
    assert plane(1, 2) == 5.0 and isinstance(plane, Proximity)
    m = MatrixProximity({(1, 2): 7.0})
    assert m(1, 2) == m(2, 1) == 7.0 and m(3, 3) == 0.0
    c = ConstantProximity(2.5)
    assert c(1, 2) == 2.5 and c(1, 1) == 0.0 and ConstantProximity()(1, 2) == 1.0
    assert math.isclose(EuclideanPlane({1: (0, 0), 2: (1, 1)})(2, 1), math.sqrt(2))


def test_R_PROX_1_unknown_node() -> None:
    """Pastry §2.4: a metric only knows the nodes it was given; asking about others is an
    error (a PastryRefError, hence ValueError)."""
    with pytest.raises(UnknownNode, match="9"):
        EuclideanPlane({1: (0.0, 0.0)})(1, 9)
    with pytest.raises(UnknownNode, match="1 and 3"):
        MatrixProximity({(1, 2): 7.0})(1, 3)
    assert issubclass(UnknownNode, PastryRefError) and issubclass(UnknownNode, ValueError)
