"""The route of a join, common to both join protocols (R-JOIN-1..4).

Owns: starting a join, routing the join request toward the joiner's id while collecting rows,
Z's answer, and the joiner taking Z's reply. Rule: what differs between the two protocols after
the reply (announce at once, or probe first) is handed to ``join_paper`` / ``join_consistent``.
"""

from __future__ import annotations

from typing import Any

import attrs

from pastry_ref.node.effects import Effect, Send, Update
from pastry_ref.node.inputs import Join
from pastry_ref.node.join_consistent import start_probing
from pastry_ref.node.join_paper import announce_arrival
from pastry_ref.node.messages import JoinReply, JoinRequest
from pastry_ref.node.state import NodeState, Status, ids
from pastry_ref.node.view import NO_METRIC, ack, leaf_content, track
from pastry_ref.ring.config import JoinProtocol
from pastry_ref.tables.leaf_set import LeafSet

__all__ = ["join", "receive_join_reply", "receive_join_request", "route_join"]


def join(node: NodeState, inp: Any, out: list[Effect]) -> NodeState:
    """R-JOIN-1: a dead node asks ``seed`` to route its join request."""
    assert isinstance(inp, Join)
    if node.status is not Status.DEAD or inp.seed == node.id:
        return node
    out.append(Send(inp.seed, JoinRequest(src=node.id, joiner=node.id)))
    return attrs.evolve(node, status=Status.WAIT)


def _rows_for(node: NodeState, joiner: int) -> set[int]:
    """R-JOIN-2: what a hop gives the joiner's routing table: itself and its rows 0..l, where
    l is the length of the prefix it shares with the joiner."""
    space = node.config.space
    depth = space.shared_prefix_len(node.id, joiner)
    rows = range(min(depth + 1, space.digits))
    entries = {n for r in rows for n in node.routing_table.row(r) if n is not None}
    return entries | {node.id}


def receive_join_request(node: NodeState, msg: Any, out: list[Effect]) -> NodeState:
    """R-JOIN-2/3: route the join toward the joiner's id, collecting rows; Z answers."""
    assert isinstance(msg, JoinRequest)
    ack(node, msg, out)
    if msg.src == node.id:  # sent to itself on a retry (R-HOP-3): already carries its rows
        return route_join(node, msg, out, frozenset())
    rows = ids({*msg.rows, *_rows_for(node, msg.joiner)})
    hood = msg.neighborhood
    if msg.src == msg.joiner:  # first hop: A gives its neighbourhood set (R-JOIN-2)
        hood = ids((*node.neighborhood.members(), node.id))
    givers = (*msg.givers, (node.id, node.version))
    fwd = JoinRequest(src=node.id, joiner=msg.joiner, rows=rows, neighborhood=hood, givers=givers)
    return route_join(node, fwd, out, frozenset())


def route_join(
    node: NodeState, fwd: JoinRequest, out: list[Effect], exclude: frozenset[int]
) -> NodeState:
    """Forward a join (as this hop sends it) toward the joiner, or answer it as Z."""
    decision = node.decide(fwd.joiner, exclude)
    if not decision.deliver:
        out.append(Send(decision.node, fwd))
        return track(node, decision.node, fwd)
    consistent = node.config.join is JoinProtocol.CONSISTENT
    if consistent and node.helping not in (None, fwd.joiner):
        # A retried join now ends here but this node answers one joiner at a time (R-CJ-2):
        # it waits in the network like any other join request.
        out.append(Send(node.id, fwd))
        return node
    reply = JoinReply(
        src=node.id,
        leaf_set=leaf_content(node),
        rows=fwd.rows,
        neighborhood=fwd.neighborhood,
        givers=fwd.givers,
    )
    out.append(Send(fwd.joiner, reply))
    if consistent:
        return attrs.evolve(node, helping=fwd.joiner)  # R-CJ-2
    return node


def receive_join_reply(node: NodeState, msg: Any, out: list[Effect]) -> NodeState:
    """R-JOIN-4: the joiner takes Z's leaf set, the route's rows and A's neighbourhood."""
    assert isinstance(msg, JoinReply)
    leaf_set = LeafSet.of(node.id, msg.leaf_set, node.config)
    table = node.routing_table.insert_all(
        n for n in ids((*msg.rows, *msg.leaf_set, *msg.neighborhood)) if n != node.id
    )
    hood = node.neighborhood.insert_all((*msg.neighborhood, *msg.leaf_set), NO_METRIC)
    out.extend(Update(n, True) for n in sorted(leaf_set.members()))
    node = attrs.evolve(node, leaf_set=leaf_set, routing_table=table, neighborhood=hood)
    if node.config.join is JoinProtocol.PAPER:
        return announce_arrival(node, dict(msg.givers), out)
    return start_probing(node, msg.src, out)
