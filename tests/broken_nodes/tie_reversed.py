"""Broken node: the tie rule reversed. An exact distance tie between two nodes goes to the node
*counter-clockwise* of the key (R-ID-5 says clockwise). Everything else is our node."""

from __future__ import annotations

from collections.abc import Iterable

import attrs

from pastry_ref.conform.node_server import Behaviour, serve
from pastry_ref.ring.ids import IdSpace


@attrs.frozen(slots=True)
class ReversedTieSpace(IdSpace):
    """An IdSpace whose closeness breaks ties toward the counter-clockwise node."""

    def closeness(self, node: int, key: int) -> tuple[int, int]:
        size = 1 << self.bits
        ccw = (key - node) % size
        return (min(ccw, size - ccw), ccw)

    def closest(self, key: int, nodes: Iterable[int]) -> int:
        return min(nodes, key=lambda n: self.closeness(n, key))

    def sort_by_closeness(self, key: int, nodes: Iterable[int]) -> tuple[int, ...]:
        return tuple(sorted(set(nodes), key=lambda n: self.closeness(n, key)))


class TieReversed(Behaviour):
    def space(self, bits: int, b: int) -> IdSpace:
        return ReversedTieSpace(bits, b)


if __name__ == "__main__":
    raise SystemExit(serve(TieReversed()))
