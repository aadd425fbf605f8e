"""The leaf set of one node.

Owns: ``LeafSet``, an immutable value: the owner, the left half (counter-clockwise neighbours,
closest first) and the right half (clockwise neighbours, closest first), each at most L/2 long.
It keeps its own invariants (R-LS-1): no member is the owner, each half is ordered by distance
from the owner on its side, no half is longer than L/2.
Spec rules: R-LS-1 (shape), R-LS-2 (add keeps the L/2 closest per side), R-LS-3 (remove),
R-LS-4 (covers: the leaf-set range, with overlapping halves covering the whole ring),
R-LS-5 (closest), R-LS-6 (replica set), R-LS-7 (complete).
The module-level functions carry CrossHair contracts; the class delegates to them.
"""

from __future__ import annotations

from collections.abc import Iterable, Iterator

import attrs

from pastry_ref.errors import ConfigError
from pastry_ref.ring.config import Config
from pastry_ref.ring.ids import IdSpace

__all__ = ["LeafSet", "arc_covers", "nearest_on_side"]


def nearest_on_side(
    owner: int, nodes: Iterable[int], half: int, size: int, cw: bool
) -> tuple[int, ...]:
    """The ``half`` nodes nearest to ``owner`` going one way round (clockwise if ``cw``).

    Closest first; the owner and duplicates are ignored (R-LS-2).

    pre: size >= 1
    pre: 0 <= owner < size
    pre: half >= 0
    pre: all(0 <= n < size for n in nodes)
    post: len(__return__) <= half
    post: owner not in __return__
    post: len(set(__return__)) == len(__return__)
    post: set(__return__) <= set(nodes)
    post: len(__return__) == min(half, len(set(nodes) - {owner}))
    """
    if cw:
        ordered = sorted({n for n in nodes if n != owner}, key=lambda n: (n - owner) % size)
    else:
        ordered = sorted({n for n in nodes if n != owner}, key=lambda n: (owner - n) % size)
    return tuple(ordered[:half])


def arc_covers(
    owner: int, left: tuple[int, ...], right: tuple[int, ...], key: int, size: int
) -> bool:
    """Whether ``key`` lies in the leaf-set range of ``owner`` (R-LS-4).

    The range is the arc from the farthest left member clockwise through the owner to the
    farthest right member, ends included. If the two halves share a member, the leaf set holds
    every node of the ring and the range is the whole ring. An empty half contributes only the
    owner itself.

    pre: size >= 1
    pre: 0 <= owner < size
    pre: 0 <= key < size
    pre: all(0 <= n < size and n != owner for n in left + right)
    pre: list(left) == sorted(set(left), key=lambda n: (owner - n) % size)
    pre: list(right) == sorted(set(right), key=lambda n: (n - owner) % size)
    post: implies(key == owner, __return__)
    post: implies(key in left or key in right, __return__)
    """
    if set(left) & set(right):
        return True
    ccw_key = (owner - key) % size
    cw_key = (key - owner) % size
    ccw_edge = (owner - left[-1]) % size if left else 0
    cw_edge = (right[-1] - owner) % size if right else 0
    return ccw_key <= ccw_edge or cw_key <= cw_edge


def implies(a: bool, b: bool) -> bool:
    """Material implication, for contracts."""
    return (not a) or b


@attrs.frozen(slots=True, cache_hash=True)
class LeafSet:
    """The L/2 numerically closest nodes on each side of ``owner`` that the owner knows of.

    With fewer than L+1 nodes in the ring the halves overlap: a node can sit in both halves.
    The halves are tuples ordered closest first, so ``left[-1]`` is the leftmost member.
    """

    owner: int
    space: IdSpace
    half: int
    left: tuple[int, ...] = ()
    right: tuple[int, ...] = ()

    def __attrs_post_init__(self) -> None:
        self.space.check(self.owner, "leaf_set.owner")
        if not isinstance(self.half, int) or self.half < 1:
            raise ConfigError(f"leaf_set.half: L/2 must be an integer >= 1, got {self.half!r}")
        size = self.space.size
        for name, side, cw in (("left", self.left, False), ("right", self.right, True)):
            self.space.check_all(side, f"leaf_set.{name}")
            if len(side) > self.half:
                raise ConfigError(
                    f"leaf_set.{name}: at most L/2={self.half} members, got {len(side)}"
                )
            if nearest_on_side(self.owner, side, self.half, size, cw) != side:
                raise ConfigError(
                    f"leaf_set.{name}: members must be distinct, not the owner, and ordered "
                    f"closest first on their side; got {side}"
                )

    # -- construction ----------------------------------------------------------------------
    @classmethod
    def empty(cls, owner: int, config: Config) -> LeafSet:
        """The leaf set of a node that knows no other node."""
        return cls(owner, config.space, config.half)

    @classmethod
    def of(cls, owner: int, nodes: Iterable[int], config: Config) -> LeafSet:
        """The leaf set ``owner`` builds from the known ``nodes`` (R-LS-2)."""
        return cls.empty(owner, config).add_all(nodes)

    # -- updates ---------------------------------------------------------------------------
    def add(self, node: int) -> LeafSet:
        """Insert ``node`` on each side where it is among the L/2 closest (R-LS-2)."""
        return self.add_all((node,))

    def add_all(self, nodes: Iterable[int]) -> LeafSet:
        """Insert every node of ``nodes`` (R-LS-2); returns ``self`` when nothing changes.

        Each side keeps the L/2 nearest on that side among *all* current members (either half)
        and the new nodes: after a removal, a member of the other half may be the nearest
        known node on this side and must not be skipped for a farther new node.
        """
        new = self.space.check_all(nodes, "leaf_set.add")
        size = self.space.size
        pool = self.left + self.right + new
        left = nearest_on_side(self.owner, pool, self.half, size, cw=False)
        right = nearest_on_side(self.owner, pool, self.half, size, cw=True)
        if left == self.left and right == self.right:
            return self
        return attrs.evolve(self, left=left, right=right)

    def remove(self, node: int) -> LeafSet:
        """Drop ``node`` from both halves (R-LS-3); the freed slot stays empty until repair."""
        if node not in self.left and node not in self.right:
            return self
        return attrs.evolve(
            self,
            left=tuple(n for n in self.left if n != node),
            right=tuple(n for n in self.right if n != node),
        )

    # -- queries ---------------------------------------------------------------------------
    def members(self) -> frozenset[int]:
        """Every node in either half (never the owner)."""
        return frozenset(self.left) | frozenset(self.right)

    def __contains__(self, node: object) -> bool:
        return node in self.left or node in self.right

    def __iter__(self) -> Iterator[int]:
        """Members in ascending id order (each once)."""
        return iter(sorted(self.members()))

    def __len__(self) -> int:
        return len(self.members())

    @property
    def leftmost(self) -> int:
        """The farthest member counter-clockwise, or the owner if the left half is empty."""
        return self.left[-1] if self.left else self.owner

    @property
    def rightmost(self) -> int:
        """The farthest member clockwise, or the owner if the right half is empty."""
        return self.right[-1] if self.right else self.owner

    def overlaps(self) -> bool:
        """True if the halves share a member: the leaf set then spans the whole ring."""
        return bool(set(self.left) & set(self.right))

    def is_complete(self) -> bool:
        """Both halves hold L/2 members, or the halves overlap (the ring has < L+1 nodes).

        An empty leaf set is not complete: a node alone knows no neighbour to vouch for (R-LS-7).
        """
        return (len(self.left) == self.half and len(self.right) == self.half) or self.overlaps()

    def covers(self, key: int) -> bool:
        """Whether ``key`` lies in the leaf-set range (R-LS-4)."""
        return arc_covers(self.owner, self.left, self.right, key, self.space.size)

    def closest(self, key: int) -> int:
        """The member or owner numerically closest to ``key`` under the tie rule (R-LS-5)."""
        return self.space.closest(key, (self.owner, *self.left, *self.right))

    def replica_set(self, key: int, k: int) -> tuple[int, ...]:
        """The ``k`` nodes of owner ∪ members closest to ``key``, closest first (R-LS-6)."""
        if k < 0:
            raise ConfigError(f"replica_set.k: expected k >= 0, got {k}")
        return self.space.sort_by_closeness(key, (self.owner, *self.left, *self.right))[:k]
