"""One node's whole state, and the pure queries the node offers its applications.

Owns: ``Status``, ``NodeState`` and the Common API's read-only queries ``replica_set``,
``local_lookup`` and ``neighbor_set``. Rule: a NodeState is an immutable value; nothing here
changes one. Handlers build the next state with ``attrs.evolve``.
"""

from __future__ import annotations

import enum
import heapq
from collections.abc import Iterable

import attrs

from pastry_ref.node.messages import Ids, JoinRequest, RouteMessage
from pastry_ref.ring.config import Config
from pastry_ref.tables.leaf_set import LeafSet
from pastry_ref.tables.neighborhood import Neighborhood
from pastry_ref.tables.routing import RouteDecision, next_hop
from pastry_ref.tables.routing_table import RoutingTable

__all__ = [
    "NodeState",
    "Status",
    "immediate_neighbours",
    "local_lookup",
    "neighbor_set",
    "replica_set",
]


class Status(enum.Enum):
    """R-NODE-2. dead: not (or no longer) in the overlay; wait: joining; ok: leaf set confirmed,
    waiting for leases; ready: routes, delivers and answers joins. The paper's join goes from
    wait straight to ready."""

    DEAD = "dead"
    WAIT = "wait"
    OK = "ok"
    READY = "ready"


@attrs.frozen(slots=True, cache_hash=True)
class NodeState:
    """Everything one node knows.

    ``probing``: nodes probed and not yet answered; ``leases``: neighbours that granted this
    node a lease; ``lease_asked``: nodes asked for a lease that have not granted it
    (outstanding or refused); ``lease_waiting``: requesters this node refused, granted when
    they become its immediate neighbours; ``granted_to``: the joiners (at most one per side:
    its immediate neighbours) this node granted a lease and has not heard ready from (R-CJ-10);
    ``helping``: the joiner this node answered and has not heard ready from; ``helper``: the
    node that answered this node's join; ``version``: the paper's state timestamp, bumped on
    every leaf-set change (paper join only);
    ``failed``: nodes this node declared failed or was told have left (R-FAIL-1), never
    re-learned unless they prove alive (R-FD-6); ``retried``: probed nodes whose first probe
    timed out and were probed once more (R-FD-3); ``pending``: routed messages sent and not yet
    acknowledged, with the hop they went to (R-HOP-1).
    """

    id: int
    config: Config
    status: Status
    leaf_set: LeafSet
    routing_table: RoutingTable
    neighborhood: Neighborhood
    probing: frozenset[int] = frozenset()
    leases: frozenset[int] = frozenset()
    lease_asked: frozenset[int] = frozenset()
    lease_waiting: frozenset[int] = frozenset()
    granted_to: frozenset[int] = frozenset()
    helping: int | None = None
    helper: int | None = None
    version: int = 0
    failed: frozenset[int] = frozenset()
    retried: frozenset[int] = frozenset()
    pending: frozenset[tuple[int, RouteMessage | JoinRequest]] = frozenset()

    @classmethod
    def new(cls, node_id: int, config: Config) -> NodeState:
        """A node that has not started: dead, knowing nobody."""
        space = config.space
        space.check(node_id, "node id")
        return cls(
            node_id,
            config,
            Status.DEAD,
            LeafSet.empty(node_id, config),
            RoutingTable.empty(node_id, space),
            Neighborhood.empty(node_id, space, config.neighborhood_size),
        )

    def known(self) -> frozenset[int]:
        """Every node this node knows of (leaf set, routing table, neighbourhood)."""
        return self.leaf_set.members() | self.routing_table.members() | self.neighborhood.members()

    def decide(self, key: int, exclude: frozenset[int] = frozenset()) -> RouteDecision:
        """The routing decision for ``key`` at this node (R-ROUTE-1..4), ignoring the nodes in
        ``exclude`` (a hop that did not answer, R-HOP-3)."""
        leaf_set, table, hood = self.leaf_set, self.routing_table, self.neighborhood
        for n in exclude:
            leaf_set, table, hood = leaf_set.remove(n), table.remove(n), hood.remove(n)
        return next_hop(key, leaf_set, table, hood)


def immediate_neighbours(leaf_set: LeafSet) -> frozenset[int]:
    """The nearest node on each side (one node in a ring of two; none when alone)."""
    return frozenset(leaf_set.left[:1] + leaf_set.right[:1])


def ids(nodes: Iterable[int]) -> Ids:
    """Node ids as a message carries them: sorted, without repetition."""
    return tuple(sorted(set(nodes)))


# -- the Common API's queries (R-API-3) --------------------------------------------------------
def replica_set(node: NodeState, key: int, k: int) -> Ids:
    """Common API ``replicaSet(key, k)``: up to ``k`` nodes of this node's leaf set and itself,
    closest to ``key`` first (ties by R-ID-5). At the key's root with the ideal leaf set and
    ``k`` at most L/2 + 1, these are exactly the ``k`` closest live nodes (R-API-3)."""
    space = node.config.space
    candidates = (*node.leaf_set.members(), node.id)
    return tuple(heapq.nsmallest(k, candidates, key=lambda n: space.closeness(n, key)))


def local_lookup(node: NodeState, key: int, num: int) -> Ids:
    """Common API ``local_lookup(key, num, safe)``: up to ``num`` next hops this node knows for
    ``key``, the routing decision's hop first, then the other known nodes closest to ``key``;
    this node itself when it is the root it knows (R-API-3)."""
    decision = node.decide(key)
    first = node.id if decision.deliver else decision.node
    space = node.config.space
    rest = sorted(node.known() - {first}, key=lambda n: space.closeness(n, key))
    return (first, *rest)[: max(num, 0)]


def neighbor_set(node: NodeState, num: int) -> Ids:
    """Common API ``neighborSet(num)``: up to ``num`` leaf-set members, nearest to this node
    first (R-API-3)."""
    space = node.config.space
    members = sorted(node.leaf_set.members(), key=lambda n: space.closeness(n, node.id))
    return tuple(members[: max(num, 0)])
