"""The routing decision: Pastry's routing procedure as one pure, total function.

Owns: ``next_hop`` (one step of the paper's procedure, section 2.2), the value it returns
(``RouteDecision``: deliver here or forward to a node, and the rule that decided), the bundle of
state routing reads (``NodeTables``), and ``follow``, which applies ``next_hop`` node after node
over a set of tables (the oracle's and the demo's view of a whole route).
Spec rules: R-ROUTE-1 (leaf-set range), R-ROUTE-2 (routing-table entry R[l][D_l]),
R-ROUTE-3 (rare case: any known node with prefix >= l that is strictly closer),
R-ROUTE-4 (no such node: this node is the root), R-ROUTE-5 (a route never revisits a node).
"""

from __future__ import annotations

import enum
from collections.abc import Mapping

import attrs

from pastry_ref.errors import BadInput, BoundReached
from pastry_ref.tables.leaf_set import LeafSet
from pastry_ref.tables.neighborhood import Neighborhood
from pastry_ref.tables.routing_table import RoutingTable

__all__ = [
    "Hop",
    "NodeTables",
    "Route",
    "RouteDecision",
    "RouteRule",
    "RoutingLoop",
    "follow",
    "next_hop",
]


class RouteRule(enum.Enum):
    """Which clause of the routing procedure made a decision; the value is the spec rule id."""

    LEAF_SET = "R-ROUTE-1"
    TABLE = "R-ROUTE-2"
    RARE_CASE = "R-ROUTE-3"
    NO_CLOSER_NODE = "R-ROUTE-4"


@attrs.frozen(slots=True)
class RouteDecision:
    """``deliver`` is True when the key is delivered at this node; else forward to ``node``."""

    deliver: bool
    node: int
    rule: RouteRule


@attrs.frozen(slots=True)
class NodeTables:
    """The routing state of one node: leaf set, routing table and neighbourhood set."""

    leaf_set: LeafSet
    routing_table: RoutingTable
    neighborhood: Neighborhood

    @property
    def owner(self) -> int:
        return self.leaf_set.owner

    def known(self) -> frozenset[int]:
        """Every node this node knows of, itself excluded (L ∪ R ∪ M)."""
        return self.leaf_set.members() | self.routing_table.members() | self.neighborhood.members()


def next_hop(
    key: int,
    leaf_set: LeafSet,
    routing_table: RoutingTable,
    neighborhood: Neighborhood | None = None,
) -> RouteDecision:
    """One routing step for ``key`` at the owner of these tables.

    1. (R-ROUTE-1) If ``key`` is in the leaf-set range, the numerically closest of the leaf set
       and the owner takes it: deliver if that is the owner, else forward to it.
    2. (R-ROUTE-2) Else, with l = shared prefix length of key and owner, forward to R[l][D_l] if
       that cell holds a node.
    3. (R-ROUTE-3) Else forward to the node closest to the key among every known node (leaf set,
       routing table, neighbourhood) that shares at least l digits with the key and is strictly
       closer to it than the owner (under the tie rule R-ID-5).
    4. (R-ROUTE-4) Else the owner is the closest node it knows of: deliver here.

    Total: defined for every key of the space and every well-formed set of tables.
    """
    space = leaf_set.space
    owner = leaf_set.owner
    space.check(key, "key")
    if leaf_set.covers(key):
        target = leaf_set.closest(key)
        return RouteDecision(target == owner, target, RouteRule.LEAF_SET)
    l = space.shared_prefix_len(key, owner)  # noqa: E741 - the paper's name
    # key != owner here (the owner is always covered), so l < digits and D_l exists.
    entry = routing_table.get(l, space.digit(key, l))
    if entry is not None:
        return RouteDecision(False, entry, RouteRule.TABLE)
    known = leaf_set.members() | routing_table.members()
    if neighborhood is not None:
        known |= neighborhood.members()
    own = space.closeness(owner, key)
    rare = [
        t for t in known if space.shared_prefix_len(t, key) >= l and space.closeness(t, key) < own
    ]
    if rare:
        return RouteDecision(False, space.closest(key, rare), RouteRule.RARE_CASE)
    return RouteDecision(True, owner, RouteRule.NO_CLOSER_NODE)


@attrs.frozen(slots=True)
class Hop:
    """One node on a route: its id, the digits it shares with the key, and what it decided."""

    node: int
    shared_prefix: int
    decision: RouteDecision


@attrs.frozen(slots=True)
class Route:
    """A whole route: the hops in order; the last hop's decision is the delivery."""

    key: int
    hops: tuple[Hop, ...]

    @property
    def delivered_at(self) -> int:
        return self.hops[-1].node

    @property
    def hop_count(self) -> int:
        """Number of forwards (messages sent): one less than the nodes visited."""
        return len(self.hops) - 1

    def nodes(self) -> tuple[int, ...]:
        return tuple(h.node for h in self.hops)


class RoutingLoop(BoundReached):
    """A route came back to a node it had already visited (R-ROUTE-5 broken)."""


def follow(key: int, start: int, tables: Mapping[int, NodeTables]) -> Route:
    """Route ``key`` from ``start`` by applying ``next_hop`` at every node until delivery.

    Raises ``RoutingLoop`` if a node is visited twice (or, as a second bound that holds even if
    that check were broken, if the route grows past one hop per node) and ``BadInput`` if a hop
    goes to a node that has no tables (not live).
    """
    if start not in tables:
        raise BadInput(f"start: node {start} has no tables (not a live node)")
    hops: list[Hop] = []
    seen: set[int] = set()
    node = start
    while True:
        if node in seen:
            path = " -> ".join(str(h.node) for h in hops)
            raise RoutingLoop(f"route of key {key} revisits node {node}: {path} -> {node}")
        if len(hops) >= len(tables):  # a second bound: a route past every node has looped
            path = " -> ".join(str(h.node) for h in hops[:12])
            raise RoutingLoop(
                f"route of key {key} is longer than the {len(tables)} nodes: {path} -> ..."
            )
        seen.add(node)
        t = tables[node]
        decision = next_hop(key, t.leaf_set, t.routing_table, t.neighborhood)
        space = t.leaf_set.space
        hops.append(Hop(node, space.shared_prefix_len(node, key), decision))
        if decision.deliver:
            return Route(key, tuple(hops))
        if decision.node not in tables:
            raise BadInput(
                f"route of key {key}: node {node} forwarded to {decision.node}, which has no tables"
            )
        node = decision.node
