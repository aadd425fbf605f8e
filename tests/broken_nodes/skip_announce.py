"""Broken node: under the paper's join, a joined node never sends its Announce (R-PJ-2), so the
nodes of its state do not learn of it. Run with ``--join paper``. Everything else is our
node."""

from __future__ import annotations

from pastry_ref.conform.node_server import Behaviour, serve
from pastry_ref.node.effects import Send
from pastry_ref.node.messages import Announce
from pastry_ref.node.state import NodeState


class SkipAnnounce(Behaviour):
    def outgoing(self, node: NodeState, sends: list[Send]) -> list[Send]:
        return [s for s in sends if not isinstance(s.msg, Announce)]


if __name__ == "__main__":
    raise SystemExit(serve(SkipAnnounce()))
