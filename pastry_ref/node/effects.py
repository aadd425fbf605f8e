"""The outputs of ``step``: messages to send and upcalls to the application.

Owns: the effect classes. A step returns its effects as a tuple in a deterministic order. The
upcalls are those of the KBR Common API (Dabek et al., 2003), as FreePastry offers them:
``deliver`` at the root of a key, ``forward`` at every node that passes a message on, and
``update`` when a node enters or leaves the leaf set. SetTimer and CancelTimer tell a driver
which timers to schedule (R-TIME-1).
"""

from __future__ import annotations

from typing import TypeAlias

import attrs

from pastry_ref.node.messages import Message
from pastry_ref.node.timers import Timer

__all__ = ["CancelTimer", "Deliver", "Effect", "Forward", "Send", "SetTimer", "Update"]


@attrs.frozen(slots=True)
class Send:
    """Send ``msg`` to node ``dest``."""

    dest: int
    msg: Message


@attrs.frozen(slots=True)
class Deliver:
    """Upcall deliver(key, payload): this node is the root of ``key`` and consumes the message."""

    key: int
    payload: int


@attrs.frozen(slots=True)
class Forward:
    """Upcall forward(key, payload, next_hop): the message leaves toward ``next_hop``."""

    key: int
    payload: int
    next_hop: int


@attrs.frozen(slots=True)
class Update:
    """Upcall update(node, joined): ``node`` entered (True) or left (False) the leaf set."""

    node: int
    joined: bool


@attrs.frozen(slots=True)
class SetTimer:
    """Arm ``timer``: the driver fires it later as input ``TimerFired(timer)``."""

    timer: Timer


@attrs.frozen(slots=True)
class CancelTimer:
    """``timer`` is no longer armed: the driver must not fire it (firing it anyway is a no-op)."""

    timer: Timer


Effect: TypeAlias = Send | Deliver | Forward | Update | SetTimer | CancelTimer
