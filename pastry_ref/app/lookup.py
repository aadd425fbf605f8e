"""The lookup application: route a key, deliver at the root (the first user of the seam).

Owns: the ``Lookup`` client request, the ``LookupPayload`` it routes, and ``LookupApp``. Rule:
the application keeps no state and sends no reply; a lookup's outcome is the ``Deliver`` upcall
at the node that takes it as root, which CorrectDelivery judges (R-LOOKUP-1..2).
"""

from __future__ import annotations

from collections.abc import Hashable
from typing import ClassVar

import attrs

from pastry_ref.app.api import App, AppStep
from pastry_ref.node.inputs import Route
from pastry_ref.node.state import NodeState

__all__ = ["Lookup", "LookupApp", "LookupPayload"]


@attrs.frozen(slots=True, kw_only=True)
class Lookup:
    """Client request: look up ``key``; ``id`` tells lookups with the same key apart."""

    key: int
    id: int


@attrs.frozen(slots=True, kw_only=True)
class LookupPayload:
    """What a lookup carries on its way to the root."""

    id: int


@attrs.frozen(slots=True)
class LookupApp(App):
    """Routes each ``Lookup`` request toward its key; everything else is the default."""

    NAME: ClassVar[str] = "lookup"
    PAYLOADS: ClassVar[tuple[type, ...]] = (LookupPayload,)
    REQUESTS: ClassVar[tuple[type, ...]] = (Lookup,)

    def request(self, node: NodeState, request: Hashable) -> AppStep:
        assert isinstance(request, Lookup)
        return AppStep(self, (Route(request.key, LookupPayload(id=request.id)),))
