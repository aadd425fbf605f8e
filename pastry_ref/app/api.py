"""The application seam: the KBR Common API (Dabek et al., 2003) as a pure interface.

Owns: ``App`` (what an application is: an immutable value whose methods take the node's state
read-only and return the next application value and its effects), ``AppStep``, the application's
own effects (``Reply``; its ``Route`` and ``SendDirect`` calls are the node's inputs of those
names) and the host inputs that reach an application directly (``Request``).
Rule 1: an application never changes the node; it asks through effects, and the host feeds them
to the node in the same atomic step (R-API-1). Rule 2: an application owns the payload, request
and timer types it lists, and only those reach it (R-API-2). Rule 3: like the node's, an
application's armed timers are a function of its state.
"""

from __future__ import annotations

from collections.abc import Hashable
from typing import TYPE_CHECKING, ClassVar, TypeAlias

import attrs

from pastry_ref.node.inputs import ForwardTo, Route, SendDirect
from pastry_ref.node.payload import AppMessage

if TYPE_CHECKING:
    from pastry_ref.node.state import NodeState

__all__ = ["App", "AppEffect", "AppStep", "Reply", "Request"]


@attrs.frozen(slots=True)
class Request:
    """A client asks the application that owns ``request``'s type to start an operation (an
    environment action of the World, with a budget, named after the request type)."""

    request: Hashable


@attrs.frozen(slots=True)
class Reply:
    """The application answers its client: ``request`` is what was asked, ``response`` the
    answer (the World records replies as ghost history for the application's properties)."""

    request: Hashable
    response: Hashable


AppEffect: TypeAlias = Route | SendDirect | Reply
"""What an application may ask for: route a payload toward a key, send one straight to a node,
answer its client."""


@attrs.frozen(slots=True)
class AppStep:
    """An application's answer to one input: its next value and its effects, in order."""

    app: App
    effects: tuple[AppEffect, ...] = ()


class App:
    """An application beside the node (subclass it as a frozen, slotted attrs class).

    ``NAME`` is the application's name in scenario files and traces; ``PAYLOADS``, ``REQUESTS``
    and ``TIMERS`` the types it owns. Every upcall gets the node's current state, read-only, for
    the Common API's queries (``pastry_ref.node.replica_set``, ``local_lookup``,
    ``neighbor_set``). The defaults do nothing and let every forwarded message go on unchanged.
    """

    __slots__ = ()

    NAME: ClassVar[str] = "app"
    PAYLOADS: ClassVar[tuple[type, ...]] = ()
    REQUESTS: ClassVar[tuple[type, ...]] = ()
    TIMERS: ClassVar[tuple[type, ...]] = ()

    def request(self, node: NodeState, request: Hashable) -> AppStep:
        """A client request (``Request``) arrived at this node."""
        return AppStep(self)

    def deliver(self, node: NodeState, key: int | None, payload: AppMessage) -> AppStep:
        """Upcall deliver: this node is the root of ``key`` (None: a direct message)."""
        return AppStep(self)

    def forward(
        self, node: NodeState, key: int, payload: AppMessage, next_hop: int
    ) -> tuple[AppStep, ForwardTo | None]:
        """Upcall forward: the message would go on to ``next_hop``. Return ``ForwardTo`` (the
        same, or a changed payload or hop) to let it go on, or None to stop it here."""
        return AppStep(self), ForwardTo(key, payload, next_hop)

    def update(self, node: NodeState, member: int, joined: bool) -> AppStep:
        """Upcall update: ``member`` entered (``joined``) or left this node's leaf set."""
        return AppStep(self)

    def fire(self, node: NodeState, timer: Hashable) -> AppStep:
        """One of this application's armed timers fired."""
        return AppStep(self)

    def armed_timers(self, node: NodeState) -> frozenset[Hashable]:
        """The application's armed timers, a function of its state (and the node's)."""
        return frozenset()
