"""Routing application messages: the KBR ``route`` call, with and without a hint.

Owns: the node's side of R-ROUTE-6/7 and R-LOOKUP-1..2. Rule 1: only a ready node routes. Rule 2:
at a node that would pass a routed message on, the node emits a ``Forward`` upcall and sends
nothing; the application answers with ``ForwardTo`` (the message goes on, perhaps changed) or
stops it there (nothing is sent). At the root it emits ``Deliver``. Rule 3: a direct message is
delivered at its destination with key None.
"""

from __future__ import annotations

from typing import Any

from pastry_ref.node.effects import Deliver, Effect, Forward, Send
from pastry_ref.node.inputs import ForwardTo, Route, SendDirect
from pastry_ref.node.messages import DirectMessage, RouteMessage
from pastry_ref.node.payload import AppMessage
from pastry_ref.node.state import NodeState, Status
from pastry_ref.node.view import ack, track

__all__ = [
    "forward_to",
    "receive_direct_message",
    "receive_route_message",
    "route",
    "route_payload",
    "send_direct",
]


def route_payload(
    node: NodeState,
    key: int,
    payload: AppMessage,
    out: list[Effect],
    exclude: frozenset[int] = frozenset(),
) -> NodeState:
    """R-ROUTE-6: deliver at the root this node knows, else ask the application (``Forward``)."""
    decision = node.decide(key, exclude)
    if decision.deliver:
        out.append(Deliver(key, payload))
    else:
        out.append(Forward(key, payload, decision.node))
    return node


def route(node: NodeState, inp: Any, out: list[Effect]) -> NodeState:
    """R-LOOKUP-1: the application at a ready node routes ``payload`` toward ``key``."""
    assert isinstance(inp, Route)
    node.config.space.check(inp.key, "key")
    if node.status is not Status.READY:
        return node
    return route_payload(node, inp.key, inp.payload, out)


def forward_to(node: NodeState, inp: Any, out: list[Effect]) -> NodeState:
    """R-ROUTE-6: the application let the message go on: send it to ``next_hop`` (tracked
    until acknowledged when hop acks are on, R-HOP-1)."""
    assert isinstance(inp, ForwardTo)
    if node.status is not Status.READY or inp.next_hop == node.id:
        return node
    msg = RouteMessage(src=node.id, key=inp.key, payload=inp.payload)
    out.append(Send(inp.next_hop, msg))
    return track(node, inp.next_hop, msg)


def receive_route_message(node: NodeState, msg: Any, out: list[Effect]) -> NodeState:
    """R-LOOKUP-2: a ready node acknowledges the hop (R-HOP-1), then delivers the message if it
    is the root it knows, else asks the application to let it go on."""
    assert isinstance(msg, RouteMessage)
    ack(node, msg, out)
    return route_payload(node, msg.key, msg.payload, out)


def send_direct(node: NodeState, inp: Any, out: list[Effect]) -> NodeState:
    """R-ROUTE-7: send ``payload`` straight to ``dest`` (a ready node only)."""
    assert isinstance(inp, SendDirect)
    node.config.space.check(inp.dest, "dest")
    if node.status is not Status.READY:
        return node
    if inp.dest == node.id:
        out.append(Deliver(None, inp.payload))
        return node
    out.append(Send(inp.dest, DirectMessage(src=node.id, payload=inp.payload)))
    return node


def receive_direct_message(node: NodeState, msg: Any, out: list[Effect]) -> NodeState:
    """R-ROUTE-7: a direct message is delivered to the application, key None."""
    assert isinstance(msg, DirectMessage)
    out.append(Deliver(None, msg.payload))
    return node
