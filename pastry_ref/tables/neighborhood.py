"""The neighbourhood set of one node.

Owns: ``Neighborhood``, the (at most) M nodes proximally closest to the owner that it knows,
each stored with its measured distance so the value is self-contained and hashable.
Spec rules: R-NB-1 (keep the M proximally closest; ties by ring distance, then id).
"""

from __future__ import annotations

from collections.abc import Iterable, Iterator

import attrs

from pastry_ref.errors import ConfigError
from pastry_ref.ring.ids import IdSpace
from pastry_ref.ring.proximity import Proximity

__all__ = ["Neighborhood"]


@attrs.frozen(slots=True, cache_hash=True)
class Neighborhood:
    """``entries`` are (proximity, node) pairs, nearest first, at most ``capacity`` of them."""

    owner: int
    space: IdSpace
    capacity: int
    entries: tuple[tuple[float, int], ...] = ()

    def __attrs_post_init__(self) -> None:
        self.space.check(self.owner, "neighborhood.owner")
        if self.capacity < 0:
            raise ConfigError(f"neighborhood.capacity: M must be >= 0, got {self.capacity}")
        if len(self.entries) > self.capacity:
            raise ConfigError(
                f"neighborhood.entries: at most M={self.capacity} members, got {len(self.entries)}"
            )
        nodes = [n for _, n in self.entries]
        self.space.check_all(nodes, "neighborhood.entries")
        if self.owner in nodes or len(set(nodes)) != len(nodes):
            raise ConfigError("neighborhood.entries: members must be distinct and not the owner")
        if list(self.entries) != sorted(self.entries, key=self._rank):
            raise ConfigError("neighborhood.entries: must be ordered nearest first")

    def _rank(self, entry: tuple[float, int]) -> tuple[float, int, int]:
        d, n = entry
        return (d, self.space.distance(self.owner, n), n)

    @classmethod
    def empty(cls, owner: int, space: IdSpace, capacity: int) -> Neighborhood:
        return cls(owner, space, capacity)

    def insert(self, node: int, proximity: Proximity) -> Neighborhood:
        """Offer ``node``; it stays if it is among the M nearest (R-NB-1)."""
        return self.insert_all((node,), proximity)

    def insert_all(self, nodes: Iterable[int], proximity: Proximity) -> Neighborhood:
        known = {n for _, n in self.entries}
        fresh = [
            (proximity(self.owner, n), n)
            for n in sorted(set(self.space.check_all(nodes, "neighborhood.insert")))
            if n != self.owner and n not in known
        ]
        if not fresh:
            return self
        merged = tuple(sorted((*self.entries, *fresh), key=self._rank)[: self.capacity])
        return self if merged == self.entries else attrs.evolve(self, entries=merged)

    def remove(self, node: int) -> Neighborhood:
        kept = tuple(e for e in self.entries if e[1] != node)
        return self if len(kept) == len(self.entries) else attrs.evolve(self, entries=kept)

    def members(self) -> frozenset[int]:
        return frozenset(n for _, n in self.entries)

    def __iter__(self) -> Iterator[int]:
        return (n for _, n in self.entries)

    def __contains__(self, node: object) -> bool:
        return any(n == node for _, n in self.entries)

    def __len__(self) -> int:
        return len(self.entries)
