"""The node's tables as pure, self-validating containers (leaf set, routing table,
neighbourhood set) and the routing decision ``next_hop`` as one total function. Depends only on
``pastry_ref.ring``.
"""

from pastry_ref.tables.leaf_set import (
    LeafSet,
    arc_covers,
    nearest_on_side,
)
from pastry_ref.tables.neighborhood import (
    Neighborhood,
)
from pastry_ref.tables.routing import (
    Hop,
    NodeTables,
    Route,
    RouteDecision,
    RouteRule,
    RoutingLoop,
    follow,
    next_hop,
)
from pastry_ref.tables.routing_table import (
    RoutingTable,
    cell_of,
)

__all__ = [
    "Hop",
    "LeafSet",
    "Neighborhood",
    "NodeTables",
    "Route",
    "RouteDecision",
    "RouteRule",
    "RoutingLoop",
    "RoutingTable",
    "arc_covers",
    "cell_of",
    "follow",
    "nearest_on_side",
    "next_hop",
]
