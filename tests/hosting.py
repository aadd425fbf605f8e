"""Stepping one node as the World does: on a host with the lookup application.

``on_host(node, input)`` is ``step`` seen through ``host_step``: for every input but the routing
ones the effects are the node's own; for ``Route`` and a received ``RouteMessage`` the lookup
application lets the message go on, so the effects are the Forward upcall and then the Send.
"""

from __future__ import annotations

from pastry_ref.app import Host, HostInput, LookupApp, host_step
from pastry_ref.node import NodeState, Step

__all__ = ["on_host"]


def on_host(node: NodeState, inp: HostInput) -> Step:
    """``node`` stepped with ``inp`` on a host running the lookup application."""
    result = host_step(Host(node, (LookupApp(),)), inp)
    return Step(result.host.node, result.effects, result.timers)  # type: ignore[arg-type]
