"""The node's one entry point: ``step(node, input) -> Step``, its guards and its timers.

Owns: ``step`` (one dispatch table from input type to one handler; received messages dispatch
again on the message type, fired timers on the timer type), ``accepts`` (whether a node takes a
message now or leaves it waiting in the network, as the guards of the TLA+ model do) and
``armed_timers``. Rule 1: same node and input, same result, always (R-NODE-1). Rule 2: every
input, message and timer type has exactly one handler here; ``MESSAGE_HANDLERS`` and
``TIMER_HANDLERS`` are the tables a test checks for completeness. Rule 3: the Step tells its
caller the node's armed timers after the step, so no caller derives them again.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any, TypeAlias

import attrs

from pastry_ref.node.effects import CancelTimer, Effect, SetTimer
from pastry_ref.node.failure import (
    fire_keep_alive,
    fire_probe_timeout,
    fire_row_maintenance,
    leave,
    receive_hood_reply,
    receive_hood_request,
    receive_leave_notice,
    receive_row_reply,
    receive_row_request,
)
from pastry_ref.node.hops import fire_hop_timeout, receive_hop_ack
from pastry_ref.node.inputs import (
    FireTimer,
    ForwardTo,
    Input,
    Join,
    Leave,
    Receive,
    Route,
    SendDirect,
    StartFirst,
)
from pastry_ref.node.join import join, receive_join_reply, receive_join_request
from pastry_ref.node.join_consistent import (
    locked_against,
    receive_join_done,
    receive_lease_release,
    receive_lease_reply,
    receive_lease_request,
    receive_ls_probe,
    receive_ls_probe_reply,
)
from pastry_ref.node.join_paper import receive_announce, receive_announce_reply
from pastry_ref.node.messages import (
    Announce,
    AnnounceReply,
    DirectMessage,
    HoodReply,
    HoodRequest,
    HopAck,
    JoinDone,
    JoinReply,
    JoinRequest,
    LeaseRelease,
    LeaseReply,
    LeaseRequest,
    LeaveNotice,
    LSProbe,
    LSProbeReply,
    Message,
    RouteMessage,
    RowReply,
    RowRequest,
)
from pastry_ref.node.route import (
    forward_to,
    receive_direct_message,
    receive_route_message,
    route,
    send_direct,
)
from pastry_ref.node.state import NodeState, Status
from pastry_ref.node.timers import (
    HopTimeout,
    KeepAlive,
    ProbeTimeout,
    RowMaintenance,
    Timer,
    timer_order,
)
from pastry_ref.ring.config import JoinProtocol

__all__ = [
    "INPUT_HANDLERS",
    "MESSAGE_HANDLERS",
    "TIMER_HANDLERS",
    "Step",
    "accepts",
    "armed_timers",
    "step",
]


@attrs.frozen(slots=True)
class Step:
    """The result of ``step``: the next node state, the effects in a deterministic order, and
    the timers armed at the next node state (R-TIME-1)."""

    node: NodeState
    effects: tuple[Effect, ...] = ()
    timers: frozenset[Timer] = attrs.field(default=frozenset(), eq=False)


def step(node: NodeState, inp: Input, *, timers: frozenset[Timer] | None = None) -> Step:
    """Apply one input to one node (R-NODE-1): same node and input, same result, always.

    ``timers``, if given, must be ``armed_timers(node)`` (a previous Step's ``timers``); it
    saves deriving them again. A message the node does not accept now (``accepts`` is false)
    leaves it unchanged with no effect; the World never delivers such a message, it stays in
    flight.
    """
    before = armed_timers(node) if timers is None else timers
    out: list[Effect] = []
    if isinstance(inp, FireTimer):
        if inp.timer not in before:  # cancelled, never armed, or not a node timer (R-TIME-1)
            return Step(node, (), before)
        new = TIMER_HANDLERS[type(inp.timer)](node, inp.timer, out)
    else:
        new = INPUT_HANDLERS[type(inp)](node, inp, out)
    after = before if new is node else armed_timers(new)
    if before != after:
        out.extend(CancelTimer(t) for t in sorted(before - after, key=timer_order))
        out.extend(SetTimer(t) for t in sorted(after - before, key=timer_order))
    return Step(new, tuple(out), after)


def armed_timers(node: NodeState) -> frozenset[Timer]:
    """R-TIME-1: the timers armed at ``node``, a function of its state. KeepAlive for every
    leaf-set member not being probed (R-FD-1), ProbeTimeout for every probe unanswered
    (R-FD-3), HopTimeout for every unacknowledged hop (R-HOP-2), RowMaintenance at a ready node
    (R-RTR-3)."""
    if node.status is Status.DEAD:
        return frozenset()
    timers: set[Timer] = {KeepAlive(n) for n in node.leaf_set.members() - node.probing}
    timers.update(ProbeTimeout(n) for n in node.probing)
    timers.update(HopTimeout(n, m) for n, m in node.pending)
    if node.status is Status.READY:
        timers.add(RowMaintenance())
    return frozenset(timers)


def _start_first(node: NodeState, inp: Any, out: list[Effect]) -> NodeState:
    """R-NODE-3: a dead node becomes the first, ready node of a new ring."""
    if node.status is not Status.DEAD:
        return node
    return attrs.evolve(node, status=Status.READY)


def _receive(node: NodeState, inp: Any, out: list[Effect]) -> NodeState:
    assert isinstance(inp, Receive)
    if not accepts(node, inp.msg):
        return node
    return MESSAGE_HANDLERS[type(inp.msg)](node, inp.msg, out)


def accepts(node: NodeState, msg: Message) -> bool:
    """Whether ``node`` takes ``msg`` now; otherwise the message waits in the network.

    Only a ready node routes or answers a join or a routed message (R-NODE-2); under the
    consistent join a ready node answers one joiner at a time (R-CJ-2); a joiner takes one join
    reply; a node still waiting for its join reply leaves probes waiting; only ok and ready
    nodes deal in leases.
    """
    status = node.status
    if status is Status.DEAD:
        return False
    if isinstance(msg, JoinRequest):
        if status is not Status.READY:
            return False
        if node.config.join is JoinProtocol.CONSISTENT and node.helping is not None:
            return not node.decide(msg.joiner).deliver
        return True
    if isinstance(msg, RouteMessage | DirectMessage | Announce | AnnounceReply):
        return status is Status.READY
    if isinstance(msg, JoinReply):
        return status is Status.WAIT and not node.leaf_set.members() and not node.probing
    if isinstance(msg, LSProbe | LSProbeReply):
        if isinstance(msg, LSProbe) and status is Status.WAIT and not node.leaf_set.members():
            return False
        return not locked_against(node, msg.src)
    if isinstance(msg, LeaseRequest | LeaseReply):
        return status in (Status.OK, Status.READY)
    return True  # JoinDone, LeaseRelease, and the failure-handling messages


Handler: TypeAlias = Callable[[NodeState, Any, list[Effect]], NodeState]

INPUT_HANDLERS: dict[type, Handler] = {
    StartFirst: _start_first,
    Join: join,
    Receive: _receive,
    Route: route,
    ForwardTo: forward_to,
    SendDirect: send_direct,
    Leave: leave,
}
"""Input type → handler (``FireTimer`` dispatches on the timer type: ``TIMER_HANDLERS``)."""

TIMER_HANDLERS: dict[type, Handler] = {
    KeepAlive: fire_keep_alive,
    ProbeTimeout: fire_probe_timeout,
    HopTimeout: fire_hop_timeout,
    RowMaintenance: fire_row_maintenance,
}

MESSAGE_HANDLERS: dict[type, Handler] = {
    JoinRequest: receive_join_request,
    JoinReply: receive_join_reply,
    Announce: receive_announce,
    AnnounceReply: receive_announce_reply,
    LSProbe: receive_ls_probe,
    LSProbeReply: receive_ls_probe_reply,
    LeaseRequest: receive_lease_request,
    LeaseReply: receive_lease_reply,
    LeaseRelease: receive_lease_release,
    JoinDone: receive_join_done,
    RouteMessage: receive_route_message,
    DirectMessage: receive_direct_message,
    LeaveNotice: receive_leave_notice,
    RowRequest: receive_row_request,
    RowReply: receive_row_reply,
    HoodRequest: receive_hood_request,
    HoodReply: receive_hood_reply,
    HopAck: receive_hop_ack,
}
