"""The wire vocabulary: every message a node sends, one frozen class per message type.

Owns: the message classes. Rule 1: each is handled by exactly one handler of ``pastry_ref.node``
(``node.dispatch.MESSAGE_HANDLERS``), and the World's action that delivers it is named
``Receive<Type>`` (ReceiveJoinRequest, ReceiveLSProbe, ...), the names of the published TLA+
model where it has one. Rule 2: every message names its sender in ``src``, and every field is
keyword-only. Rule 3: node sets travel as sorted tuples of ids, never as containers, and
application payloads are hashable values (``AppMessage``), so a message is a small hashable
value.
Spec rules: R-MSG-1 (messages are values; the network model is the World's, R-WORLD-1).
"""

from __future__ import annotations

from typing import TypeAlias

import attrs

from pastry_ref.node.payload import AppMessage

__all__ = [
    "Announce",
    "AnnounceReply",
    "DirectMessage",
    "HoodReply",
    "HoodRequest",
    "HopAck",
    "JoinDone",
    "JoinReply",
    "JoinRequest",
    "LSProbe",
    "LSProbeReply",
    "LeaseRelease",
    "LeaseReply",
    "LeaseRequest",
    "LeaveNotice",
    "Message",
    "RouteMessage",
    "RowReply",
    "RowRequest",
]

Ids: TypeAlias = tuple[int, ...]


@attrs.frozen(slots=True, kw_only=True)
class JoinRequest:
    """Routed toward ``joiner``'s id. Each hop adds itself and its routing-table rows to
    ``rows`` (the joiner's future table, R-JOIN-2); the first hop puts its neighbourhood set in
    ``neighborhood``; ``givers`` records (node, state version) for the paper's timestamps."""

    src: int
    joiner: int
    rows: Ids = ()
    neighborhood: Ids = ()
    givers: tuple[tuple[int, int], ...] = ()


@attrs.frozen(slots=True, kw_only=True)
class JoinReply:
    """From Z, the node numerically closest to the joiner: Z and its leaf set, plus what the
    route collected (R-JOIN-3)."""

    src: int
    leaf_set: Ids
    rows: Ids
    neighborhood: Ids
    givers: tuple[tuple[int, int], ...]


@attrs.frozen(slots=True, kw_only=True)
class Announce:
    """Paper join: the new node ``src`` tells a node of its state that it has arrived.
    ``version`` is the state version this node gave ``src`` during the join, if it gave any
    (R-PJ-2)."""

    src: int
    version: int | None


@attrs.frozen(slots=True, kw_only=True)
class AnnounceReply:
    """Paper join: the announced-to node's state changed since it gave it; here is the new one
    (R-PJ-3)."""

    src: int
    leaf_set: Ids
    version: int


@attrs.frozen(slots=True, kw_only=True)
class LSProbe:
    """``src`` asks to be confirmed alive and sends its leaf set (R-CJ-3); also the liveness
    probe of failure detection and leaf-set repair (R-FD-2, R-LSR-1). ``failed`` gossips the
    nodes the sender knows failed (R-FD-5)."""

    src: int
    leaf_set: Ids
    failed: Ids = ()


@attrs.frozen(slots=True, kw_only=True)
class LSProbeReply:
    """Answer to an LSProbe, with the replier's leaf set and failed nodes (R-CJ-4, R-FD-5)."""

    src: int
    leaf_set: Ids
    failed: Ids = ()


@attrs.frozen(slots=True, kw_only=True)
class LeaseRequest:
    """Consistent join: an ok node asks an immediate neighbour for a lease (R-CJ-6)."""

    src: int


@attrs.frozen(slots=True, kw_only=True)
class LeaseReply:
    """Answer to a LeaseRequest: ``granted`` iff the requester is the replier's immediate
    neighbour; carries the replier's leaf set (R-CJ-7). The TLA+ model's BroadcastLSet."""

    src: int
    granted: bool
    leaf_set: Ids


@attrs.frozen(slots=True, kw_only=True)
class LeaseRelease:
    """Consistent join: ``src`` no longer needs the lease the receiver granted it (the granter
    is no longer its neighbour, or it is ready already); the granter is free again (R-CJ-10)."""

    src: int


@attrs.frozen(slots=True, kw_only=True)
class JoinDone:
    """Consistent join: the joiner is ready; the node that answered its join may help the next
    joiner (R-CJ-9)."""

    src: int


@attrs.frozen(slots=True, kw_only=True)
class RouteMessage:
    """An application message routed toward ``key`` (the KBR ``route``, R-ROUTE-6); ``src`` is
    the hop that sent it on. ``payload`` belongs to one application and is opaque to the node."""

    src: int
    key: int
    payload: AppMessage


@attrs.frozen(slots=True, kw_only=True)
class DirectMessage:
    """An application message sent straight to one node (the KBR ``route`` with a hint, no
    key: R-ROUTE-7)."""

    src: int
    payload: AppMessage


@attrs.frozen(slots=True, kw_only=True)
class LeaveNotice:
    """Graceful leave: ``src`` is leaving and hands over its leaf set (R-FAIL-2)."""

    src: int
    leaf_set: Ids


@attrs.frozen(slots=True, kw_only=True)
class RowRequest:
    """Routing-table repair and maintenance: send me your row ``row`` (R-RTR-1, R-RTR-3)."""

    src: int
    row: int


@attrs.frozen(slots=True, kw_only=True)
class RowReply:
    """The entries of the replier's row ``row`` (R-RTR-2)."""

    src: int
    row: int
    entries: Ids


@attrs.frozen(slots=True, kw_only=True)
class HoodRequest:
    """Neighbourhood repair: send me your neighbourhood set (R-NBR-1)."""

    src: int


@attrs.frozen(slots=True, kw_only=True)
class HoodReply:
    """The replier's neighbourhood set and the replier (R-NBR-1)."""

    src: int
    members: Ids


@attrs.frozen(slots=True, kw_only=True)
class HopAck:
    """Per-hop acknowledgement of a routed message ``msg`` (a RouteMessage or JoinRequest) that
    ``src`` received from the hop before it (R-HOP-1)."""

    src: int
    msg: RouteMessage | JoinRequest


Message: TypeAlias = (
    JoinRequest
    | JoinReply
    | Announce
    | AnnounceReply
    | LSProbe
    | LSProbeReply
    | LeaseRequest
    | LeaseReply
    | LeaseRelease
    | JoinDone
    | RouteMessage
    | DirectMessage
    | LeaveNotice
    | RowRequest
    | RowReply
    | HoodRequest
    | HoodReply
    | HopAck
)
