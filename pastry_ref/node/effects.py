"""The outputs of ``step``: messages to send and upcalls to the application.

Owns: the effect classes. Rule 1: a step returns its effects as a tuple in a deterministic order.
Rule 2: the upcalls are those of the KBR Common API (Dabek et al., 2003), as FreePastry offers
them: ``Deliver`` at the root of a key (or at the destination of a direct message),
``Forward`` at every node that would pass a routed message on (the node sends nothing until the
application lets it go on, R-ROUTE-6), and ``Update`` when a node enters or leaves the leaf set.
The host (``pastry_ref.app``) turns upcalls into application inputs. Rule 3: SetTimer and
CancelTimer tell a driver which timers to schedule (R-TIME-1).
"""

from __future__ import annotations

from collections.abc import Hashable
from typing import TypeAlias

import attrs

from pastry_ref.node.messages import Message
from pastry_ref.node.payload import AppMessage
from pastry_ref.node.timers import Timer

__all__ = ["CancelTimer", "Deliver", "Effect", "Forward", "Send", "SetTimer", "Update"]


@attrs.frozen(slots=True)
class Send:
    """Send ``msg`` to node ``dest``."""

    dest: int
    msg: Message


@attrs.frozen(slots=True)
class Deliver:
    """Upcall deliver(key, payload): this node is the root of ``key`` and consumes the message;
    ``key`` is None for a direct message (R-ROUTE-7)."""

    key: int | None
    payload: AppMessage


@attrs.frozen(slots=True)
class Forward:
    """Upcall forward(key, payload, next_hop): the node would pass the message on to
    ``next_hop``; the application answers with ``ForwardTo`` (possibly changed) or stops it."""

    key: int
    payload: AppMessage
    next_hop: int


@attrs.frozen(slots=True)
class Update:
    """Upcall update(node, joined): ``node`` entered (True) or left (False) the leaf set."""

    node: int
    joined: bool


@attrs.frozen(slots=True)
class SetTimer:
    """Arm ``timer`` (a node ``Timer`` or an application's): the driver fires it later as
    input ``FireTimer(timer)``."""

    timer: Timer | Hashable


@attrs.frozen(slots=True)
class CancelTimer:
    """``timer`` is no longer armed: the driver must not fire it (firing it anyway is a no-op)."""

    timer: Timer | Hashable


Effect: TypeAlias = Send | Deliver | Forward | Update | SetTimer | CancelTimer
