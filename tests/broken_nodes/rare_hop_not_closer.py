"""Broken node: in the rare case (R-ROUTE-3: key outside the leaf-set range, no routing-table
entry), it forwards to a known node that is *not* closer to the key than itself, when it knows
one. Everything else is our node."""

from __future__ import annotations

from collections.abc import Hashable

import attrs

from pastry_ref.app.api import App, AppStep
from pastry_ref.app.lookup import LookupApp
from pastry_ref.conform.node_server import Behaviour, serve
from pastry_ref.node.inputs import ForwardTo
from pastry_ref.node.state import NodeState
from pastry_ref.tables.routing import RouteRule


@attrs.frozen(slots=True)
class FartherLookupApp(LookupApp):
    def forward(
        self, node: NodeState, key: int, payload: Hashable, next_hop: int
    ) -> tuple[AppStep, ForwardTo | None]:
        if node.decide(key).rule is RouteRule.RARE_CASE:
            space = node.config.space
            own = space.closeness(node.id, key)
            farther = sorted(n for n in node.known() if space.closeness(n, key) > own)
            if farther:
                return AppStep(self), ForwardTo(key, payload, farther[0])
        return AppStep(self), ForwardTo(key, payload, next_hop)


class RareHopNotCloser(Behaviour):
    def apps(self) -> tuple[App, ...]:
        return (FartherLookupApp(),)


if __name__ == "__main__":
    raise SystemExit(serve(RareHopNotCloser()))
