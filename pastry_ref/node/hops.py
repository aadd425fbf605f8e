"""Per-hop acknowledgement and retry of routed messages (R-HOP-1..3).

Owns: the acknowledgement handler and the hop timeout. Rule: a hop that does not acknowledge is
suspected (probed, R-FD-2) and the message is routed again through the next best candidate,
never through that hop. The bookkeeping itself (``track``, ``ack``) lives in ``view``.
"""

from __future__ import annotations

from typing import Any

import attrs

from pastry_ref.node.effects import Effect
from pastry_ref.node.join import route_join
from pastry_ref.node.messages import HopAck, RouteMessage
from pastry_ref.node.route import route_payload
from pastry_ref.node.state import NodeState
from pastry_ref.node.timers import HopTimeout
from pastry_ref.node.view import probe

__all__ = ["fire_hop_timeout", "receive_hop_ack"]


def receive_hop_ack(node: NodeState, msg: Any, out: list[Effect]) -> NodeState:
    """R-HOP-1: the hop took the message: stop waiting for it."""
    assert isinstance(msg, HopAck)
    return attrs.evolve(node, pending=node.pending - {(msg.src, msg.msg)})


def fire_hop_timeout(node: NodeState, timer: Any, out: list[Effect]) -> NodeState:
    """R-HOP-2/3: a hop did not acknowledge: suspect it (probe it, R-FD-2) and route the
    message again through the next best candidate, never through that hop."""
    assert isinstance(timer, HopTimeout)
    hop, msg = timer.next_hop, timer.msg
    node = attrs.evolve(node, pending=node.pending - {(hop, msg)})
    node = probe(node, hop, out)
    if isinstance(msg, RouteMessage):
        return route_payload(node, msg.key, msg.payload, out, frozenset({hop}))
    return route_join(node, msg, out, frozenset({hop}))
