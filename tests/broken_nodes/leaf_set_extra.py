"""Broken node: its leaf set holds one member too many: the next known node clockwise beyond
the right half is reported as an (L/2 + 1)-th member, in snapshots and in the tables of every
hop. (Our LeafSet refuses such a set on construction, so the wrapper changes what the node
reports, not the value it routes with.) Everything else is our node."""

from __future__ import annotations

from pastry_ref.conform.node_server import Behaviour, serve
from pastry_ref.node.state import NodeState


class LeafSetExtra(Behaviour):
    def leaf_set_report(self, node: NodeState) -> dict[str, list[int]]:
        report = super().leaf_set_report(node)
        space = node.config.space
        members = node.leaf_set.members()
        beyond = sorted(
            (n for n in node.known() if n not in members),
            key=lambda n: space.cw_distance(node.id, n),
        )
        if beyond and len(report["right"]) == node.config.half:
            report["right"] = [*report["right"], beyond[0]]
        return report


if __name__ == "__main__":
    raise SystemExit(serve(LeafSetExtra()))
