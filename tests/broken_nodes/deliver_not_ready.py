"""Broken node: a lookup that reaches it while it is still joining (not ready, R-NODE-2) is
delivered there instead of waiting. Everything else is our node."""

from __future__ import annotations

from pastry_ref.app.lookup import LookupPayload
from pastry_ref.conform.node_server import Behaviour, NodeServer, serve
from pastry_ref.node.messages import Message, RouteMessage
from pastry_ref.node.state import Status


class DeliverNotReady(Behaviour):
    def unaccepted(self, server: NodeServer, msg: Message) -> bool:
        if (
            isinstance(msg, RouteMessage)
            and isinstance(msg.payload, LookupPayload)
            and server.node.status is not Status.READY
        ):
            server.report({"type": "deliver", "id": msg.payload.id, "key": server.hex(msg.key)})
            return True
        return False


if __name__ == "__main__":
    raise SystemExit(serve(DeliverNotReady()))
