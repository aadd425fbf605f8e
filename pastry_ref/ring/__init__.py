"""Ring arithmetic: the id space and its digits, distances and the tie rule, the protocol
configuration, and proximity metrics. Depends on nothing but ``pastry_ref.errors``.
"""

from pastry_ref.ring.config import (
    Config,
    JoinProtocol,
)
from pastry_ref.ring.ids import (
    MAX_BITS,
    IdSpace,
)
from pastry_ref.ring.proximity import (
    ConstantProximity,
    EuclideanPlane,
    MatrixProximity,
    Proximity,
    UnknownNode,
)

__all__ = [
    "MAX_BITS",
    "Config",
    "ConstantProximity",
    "EuclideanPlane",
    "IdSpace",
    "JoinProtocol",
    "MatrixProximity",
    "Proximity",
    "UnknownNode",
]
