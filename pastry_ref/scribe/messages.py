"""SCRIBE's vocabulary: client requests, the payloads it routes or sends, its timers, its replies.

Owns: the request types (``Create``, ``Subscribe``, ``Unsubscribe``, ``Publish``, ``Anycast``:
World actions are named after them), the payloads (``CreateMsg``, ``SubscribeMsg``,
``SubscribeAck``, ``UnsubscribeMsg``, ``PublishMsg``, ``MulticastMsg``, ``AnycastMsg``,
``HandDown``, ``RootMirror``, ``RootIs``, ``Heartbeat``, ``HeartbeatAck``), the timers
(``ParentTimeout``, ``ChildTimeout``, ``HeartbeatDue``, ``PublishTimeout``) and the
responses (``Delivered``, ``AnycastAccepted``, ``AnycastFailed``) and ``group_id``
(R-SCRIBE-1). Rule 1: one concept, one name: a request and the payload it starts never share a
name. Rule 2: payload fields are ints, strings, None and tuples (the World orders in-flight
messages by them).
"""

from __future__ import annotations

import attrs

from pastry_ref.ring.ids import IdSpace

__all__ = [
    "Anycast",
    "AnycastAccepted",
    "AnycastFailed",
    "AnycastMsg",
    "ChildTimeout",
    "Create",
    "CreateMsg",
    "Delivered",
    "HandDown",
    "Heartbeat",
    "HeartbeatAck",
    "HeartbeatDue",
    "MulticastMsg",
    "ParentTimeout",
    "Publish",
    "PublishMsg",
    "PublishTimeout",
    "RootIs",
    "RootMirror",
    "Subscribe",
    "SubscribeAck",
    "SubscribeMsg",
    "Unsubscribe",
    "UnsubscribeMsg",
    "group_id",
]


def group_id(space: IdSpace, topic: str, creator: str) -> int:
    """R-SCRIBE-1: the groupId is SHA-1 of the topic's UTF-8 name, a NUL byte and the creator's
    name, truncated to the id space (R-ID-6)."""
    return space.hash_name(f"{topic}\x00{creator}")


# -- client requests ---------------------------------------------------------------------------
@attrs.frozen(slots=True, kw_only=True)
class Create:
    """Client: create ``group`` (R-SCRIBE-2)."""

    group: int


@attrs.frozen(slots=True, kw_only=True)
class Subscribe:
    """Client: this node joins ``group`` as a member (R-SCRIBE-3)."""

    group: int


@attrs.frozen(slots=True, kw_only=True)
class Unsubscribe:
    """Client: this node leaves ``group`` (R-SCRIBE-6)."""

    group: int


@attrs.frozen(slots=True, kw_only=True)
class Publish:
    """Client: multicast ``event`` to ``group`` (R-SCRIBE-7)."""

    group: int
    event: str


@attrs.frozen(slots=True, kw_only=True)
class Anycast:
    """Client: find one member of ``group`` that accepts; ``id`` tells anycasts apart
    (R-SCRIBE-11)."""

    group: int
    id: int


# -- payloads ----------------------------------------------------------------------------------
@attrs.frozen(slots=True, kw_only=True)
class CreateMsg:
    """Routed toward ``group``: the root records the group (R-SCRIBE-2)."""

    group: int


@attrs.frozen(slots=True, kw_only=True)
class SubscribeMsg:
    """Routed toward ``group``: ``child`` (the previous hop) asks to be added; ``seq`` is the
    highest event number the child has seen (R-SCRIBE-3..4, R-SCRIBE-10)."""

    group: int
    child: int
    seq: int = 0


@attrs.frozen(slots=True, kw_only=True)
class SubscribeAck:
    """Direct, parent to child: ``parent`` took the child; ``seq`` is the highest event sequence
    number the parent had seen (R-SCRIBE-5)."""

    group: int
    parent: int
    seq: int


@attrs.frozen(slots=True, kw_only=True)
class UnsubscribeMsg:
    """Direct, child to parent: remove ``child`` (R-SCRIBE-6)."""

    group: int
    child: int


@attrs.frozen(slots=True, kw_only=True)
class PublishMsg:
    """Routed toward ``group`` (or sent straight to a cached root): the root numbers ``event``
    and multicasts it (R-SCRIBE-7); ``origin``, with root caching on, is the publisher that
    wants the root's address (R-SCRIBE-15)."""

    group: int
    event: str
    origin: int | None = None


@attrs.frozen(slots=True, kw_only=True)
class MulticastMsg:
    """Direct, parent to child: event number ``seq`` of ``group`` (R-SCRIBE-8)."""

    group: int
    seq: int
    event: str
    parent: int


@attrs.frozen(slots=True, kw_only=True)
class AnycastMsg:
    """Routed toward ``group`` until a tree node takes it, then sent node to node: a
    depth-first search with the nodes ``visited`` and those still ``to_visit`` (R-SCRIBE-11)."""

    group: int
    id: int
    visited: tuple[int, ...] = ()
    to_visit: tuple[int, ...] = ()


@attrs.frozen(slots=True, kw_only=True)
class HandDown:
    """Direct, parent to one of its children: take ``child`` (with its ``seq``) in my place;
    ``path`` are the nodes that handed it down so far, never handed to again (R-SCRIBE-13)."""

    group: int
    child: int
    seq: int
    path: tuple[int, ...]


@attrs.frozen(slots=True, kw_only=True)
class RootMirror:
    """Direct, root to the nodes next closest to ``group``: the group's record (its root, the
    events numbered, whether it was created), kept for failover (R-SCRIBE-14)."""

    group: int
    root: int
    seq: int
    created: bool


@attrs.frozen(slots=True, kw_only=True)
class RootIs:
    """Direct, root to a publisher: ``root`` holds ``group`` and took its publish of ``event``;
    cache it (R-SCRIBE-15)."""

    group: int
    root: int
    event: str


@attrs.frozen(slots=True, kw_only=True)
class Heartbeat:
    """Direct, parent to child: no event flowed for a period, I am alive (R-SCRIBE-16)."""

    group: int
    parent: int


@attrs.frozen(slots=True, kw_only=True)
class HeartbeatAck:
    """Direct, child to parent: the answer to a ``Heartbeat`` (R-SCRIBE-16)."""

    group: int
    child: int


# -- timers ------------------------------------------------------------------------------------
@attrs.frozen(slots=True)
class ParentTimeout:
    """Armed at a node that has a parent in ``group``: firing means the parent was silent for a
    heartbeat period (R-SCRIBE-9)."""

    group: int


@attrs.frozen(slots=True)
class ChildTimeout:
    """Armed at a node for each of its children in ``group``: firing means ``child`` stopped
    refreshing its entry (R-SCRIBE-9)."""

    group: int
    child: int


@attrs.frozen(slots=True)
class HeartbeatDue:
    """Armed at a node with children in ``group`` when heartbeats are on: firing means a
    heartbeat period ended (R-SCRIBE-16)."""

    group: int


@attrs.frozen(slots=True)
class PublishTimeout:
    """Armed at a publisher for each publish it sent straight to a cached root that has not
    confirmed it: firing means the root did not answer (R-SCRIBE-15)."""

    group: int
    event: str


# -- responses (recorded as Reply effects, ghost history) --------------------------------------
@attrs.frozen(slots=True)
class Delivered:
    """Response to a ``Publish``: a member delivered it as event number ``seq`` (R-SCRIBE-8)."""

    seq: int


@attrs.frozen(slots=True)
class AnycastAccepted:
    """Response to an ``Anycast``: the replying member accepted it (R-SCRIBE-11)."""


@attrs.frozen(slots=True)
class AnycastFailed:
    """Response to an ``Anycast``: the search visited every tree node it could reach and none
    accepted (R-SCRIBE-11)."""
