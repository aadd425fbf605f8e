"""What a node reacts to: its inputs, one frozen class each.

Owns: the input classes and the ``Input`` union. Rule 1: one name per concept, shared with the
World's action that causes it (``Join``, ``Receive``, ``Leave``, ``FireTimer``). Rule 2: the
application's calls into the node (the KBR Common API's ``route`` and ``route`` with a hint, and
its answer to a ``forward`` upcall) are inputs too: ``Route``, ``SendDirect``, ``ForwardTo``;
``pastry_ref.app`` feeds them to the node within one atomic host step.
"""

from __future__ import annotations

from collections.abc import Hashable
from typing import TypeAlias

import attrs

from pastry_ref.node.messages import Message
from pastry_ref.node.payload import AppMessage
from pastry_ref.node.timers import Timer

__all__ = [
    "FireTimer",
    "ForwardTo",
    "Input",
    "Join",
    "Leave",
    "Receive",
    "Route",
    "SendDirect",
    "StartFirst",
]


@attrs.frozen(slots=True)
class StartFirst:
    """Become the first node of a new ring: ready, alone (R-NODE-3)."""


@attrs.frozen(slots=True)
class Join:
    """Start joining through ``seed``, a node already in the ring (R-JOIN-1)."""

    seed: int


@attrs.frozen(slots=True)
class Receive:
    """A message arrived."""

    msg: Message


@attrs.frozen(slots=True)
class Route:
    """KBR ``route(key, payload)``: route ``payload`` toward ``key`` (R-ROUTE-6)."""

    key: int
    payload: AppMessage


@attrs.frozen(slots=True)
class ForwardTo:
    """The application's answer to a ``Forward`` upcall: send the (possibly changed) ``payload``
    for ``key`` on to ``next_hop`` (R-ROUTE-6)."""

    key: int
    payload: AppMessage
    next_hop: int


@attrs.frozen(slots=True)
class SendDirect:
    """KBR ``route(None, payload, hint)``: send ``payload`` straight to node ``dest``
    (R-ROUTE-7)."""

    dest: int
    payload: AppMessage


@attrs.frozen(slots=True)
class Leave:
    """Leave the overlay gracefully (R-FAIL-2); only a ready node leaves."""


@attrs.frozen(slots=True)
class FireTimer:
    """An armed timer fired (R-TIME-1): a node ``Timer``, or an application's (the host hands
    those to the application). Firing a timer that is not armed does nothing."""

    timer: Timer | Hashable


Input: TypeAlias = StartFirst | Join | Receive | Route | ForwardTo | SendDirect | Leave | FireTimer
