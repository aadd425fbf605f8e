"""How a node's view of the ring changes: the primitives every protocol part shares.

Owns: learning nodes (R-RT-2, R-LS-2, R-NB-1 with update upcalls), probing (R-FD-2, R-CJ-5),
revival and gossip (R-FD-5/6), and per-hop bookkeeping (R-HOP-1). Rule: every function takes
the node and the list the step's effects go to, and returns the next node; none sends a
message the rule it names does not call for.
"""

from __future__ import annotations

from collections.abc import Iterable

import attrs

from pastry_ref.node.effects import Effect, Send, Update
from pastry_ref.node.messages import HopAck, Ids, JoinRequest, LSProbe, RouteMessage
from pastry_ref.node.state import NodeState, ids
from pastry_ref.ring.config import JoinProtocol
from pastry_ref.ring.proximity import ConstantProximity
from pastry_ref.tables.leaf_set import LeafSet

__all__ = [
    "NO_METRIC",
    "ack",
    "leaf_content",
    "learn",
    "probe",
    "probe_new",
    "revive",
    "suspect",
    "track",
    "would_enter",
]

# Nodes measure no network here: the neighbourhood keeps the numerically closest (R-NB-1 with
# the constant metric) and routing-table cells keep their incumbent (R-RT-2 without a metric).
NO_METRIC = ConstantProximity()


def leaf_content(node: NodeState) -> Ids:
    """The node's leaf set as it sends it: the members and the node itself."""
    return ids((*node.leaf_set.members(), node.id))


def learn(node: NodeState, nodes: Iterable[int], out: list[Effect]) -> NodeState:
    """Add ``nodes`` to the leaf set, routing table and neighbourhood (R-RT-2, R-LS-2, R-NB-1).

    Emits an update upcall for every node that enters or leaves the leaf set; under the paper
    join a changed leaf set bumps the state version (R-PJ-2).
    """
    new = [n for n in ids(nodes) if n != node.id and n not in node.failed]
    if not new:
        return node
    leaf_set = node.leaf_set.add_all(new)
    table = node.routing_table.insert_all(new)
    hood = node.neighborhood.insert_all(new, NO_METRIC)
    version = node.version
    if leaf_set != node.leaf_set:
        before, after = node.leaf_set.members(), leaf_set.members()
        out.extend(Update(n, True) for n in sorted(after - before))
        out.extend(Update(n, False) for n in sorted(before - after))
        if node.config.join is JoinProtocol.PAPER:
            version += 1
    return attrs.evolve(
        node, leaf_set=leaf_set, routing_table=table, neighborhood=hood, version=version
    )


def would_enter(leaf_set: LeafSet, node: int) -> bool:
    """Whether ``node`` would take a place in ``leaf_set``."""
    return node != leaf_set.owner and node not in leaf_set and leaf_set.add(node) != leaf_set


def probe(node: NodeState, target: int, out: list[Effect]) -> NodeState:
    """R-FD-2: probe ``target`` (an LSProbe carrying this node's leaf set and failed set) unless
    it is this node, already probed, or known failed."""
    if target == node.id or target in node.probing or target in node.failed:
        return node
    out.append(Send(target, probe_message(node)))
    return attrs.evolve(node, probing=node.probing | {target})


def probe_message(node: NodeState) -> LSProbe:
    """The LSProbe this node sends: its leaf set and the nodes it knows failed."""
    return LSProbe(src=node.id, leaf_set=leaf_content(node), failed=ids(node.failed))


def probe_new(node: NodeState, candidates: Iterable[int], out: list[Effect]) -> NodeState:
    """R-CJ-5: probe every candidate that would enter the leaf set, before adding it."""
    fresh = [
        n
        for n in ids(candidates)
        if n not in node.probing and n not in node.failed and would_enter(node.leaf_set, n)
    ]
    if not fresh:
        return node
    msg = probe_message(node)
    out.extend(Send(n, msg) for n in fresh)
    return attrs.evolve(node, probing=node.probing | frozenset(fresh))


def revive(node: NodeState, src: int) -> NodeState:
    """R-FD-6: a probe or probe reply from a node declared failed proves it alive (a false
    suspicion): it is no longer failed and may be learned again."""
    if src not in node.failed:
        return node
    return attrs.evolve(node, failed=node.failed - {src})


def suspect(node: NodeState, gossip: Iterable[int], out: list[Effect]) -> NodeState:
    """R-FD-5: gossip of failed nodes is a hint, not a verdict: probe every gossiped node this
    node still knows, and let the probe decide."""
    known = node.known()
    for n in ids(gossip):
        if n in known and n not in node.failed:
            node = probe(node, n, out)
    return node


def track(node: NodeState, hop: int, msg: RouteMessage | JoinRequest) -> NodeState:
    """R-HOP-1: with hop acks on, remember a routed message until ``hop`` acknowledges it."""
    if not node.config.hop_acks:
        return node
    return attrs.evolve(node, pending=node.pending | {(hop, msg)})


def ack(node: NodeState, msg: RouteMessage | JoinRequest, out: list[Effect]) -> None:
    """R-HOP-1: acknowledge a routed message to the hop it came from (not to a joiner, which
    sends its join to one seed and has no other route)."""
    if not node.config.hop_acks or msg.src == node.id:
        return
    if isinstance(msg, JoinRequest) and msg.src == msg.joiner:
        return
    out.append(Send(msg.src, HopAck(src=node.id, msg=msg)))
