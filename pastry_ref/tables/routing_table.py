"""The routing table of one node.

Owns: ``RoutingTable``, an immutable grid of ``digits`` rows by ``2**b`` columns. The entry at
row r, column d shares exactly r leading digits with the owner and has digit d at position r
(R-RT-1); the cell of the owner's own digit in each row therefore stays empty. Construction and
``insert`` refuse anything else with ``RoutingTableError``.
Spec rules: R-RT-1 (prefix rule), R-RT-2 (insert keeps the proximally closer candidate; without
a metric the incumbent stays), R-RT-3 (remove).
"""

from __future__ import annotations

from collections.abc import Iterable, Iterator, Mapping

import attrs

from pastry_ref.errors import RoutingTableError
from pastry_ref.ring.ids import IdSpace
from pastry_ref.ring.proximity import Proximity

__all__ = ["RoutingTable", "cell_of"]

Row = tuple[int | None, ...]


def cell_of(space: IdSpace, owner: int, node: int) -> tuple[int, int] | None:
    """The only cell (row, column) where ``node`` may stand in ``owner``'s table (R-RT-1).

    None when ``node == owner``: a node never routes to itself through its table.
    """
    if node == owner:
        return None
    row = space.shared_prefix_len(owner, node)
    return row, space.digit(node, row)


def prefers(proximity: Proximity, space: IdSpace, owner: int, a: int, b: int) -> bool:
    """True if candidate ``a`` is strictly preferable to ``b`` as a neighbour of ``owner``.

    Proximally nearer wins; equal proximity goes to the numerically closer to the owner, then to
    the smaller id (R-PROX-1).
    """
    ka = (proximity(owner, a), space.distance(owner, a), a)
    kb = (proximity(owner, b), space.distance(owner, b), b)
    return ka < kb


@attrs.frozen(slots=True, cache_hash=True)
class RoutingTable:
    """``rows[r][d]`` is the node id at row r, column d, or None."""

    owner: int
    space: IdSpace
    rows: tuple[Row, ...]

    def __attrs_post_init__(self) -> None:
        self.space.check(self.owner, "routing_table.owner")
        if len(self.rows) != self.space.digits or any(
            len(row) != self.space.base for row in self.rows
        ):
            raise RoutingTableError(
                f"routing_table.rows: expected {self.space.digits} rows of {self.space.base} "
                f"columns (bits/b by 2**b)"
            )
        for r, row in enumerate(self.rows):
            for d, node in enumerate(row):
                if node is not None:
                    self._check_entry(r, d, node)

    def _check_entry(self, r: int, d: int, node: int) -> None:
        self.space.check(node, f"routing_table[{r}][{d}]")
        if cell_of(self.space, self.owner, node) != (r, d):
            raise RoutingTableError(
                f"routing_table[{r}][{d}]: node {self.space.hex(node)} does not fit this cell; "
                f"an entry at row {r}, column {d} must share exactly {r} leading digits with the "
                f"owner {self.space.hex(self.owner)} and have digit {d} at position {r}"
            )

    # -- construction ----------------------------------------------------------------------
    @classmethod
    def empty(cls, owner: int, space: IdSpace) -> RoutingTable:
        blank: Row = (None,) * space.base
        return cls(owner, space, (blank,) * space.digits)

    @classmethod
    def from_entries(
        cls, owner: int, space: IdSpace, entries: Mapping[tuple[int, int], int]
    ) -> RoutingTable:
        """Build from a {(row, column): node} map; every entry must obey R-RT-1."""
        grid: list[list[int | None]] = [[None] * space.base for _ in range(space.digits)]
        for (r, d), node in sorted(entries.items()):
            if not (0 <= r < space.digits and 0 <= d < space.base):
                raise RoutingTableError(
                    f"routing_table[{r}][{d}]: no such cell; rows are 0..{space.digits - 1}, "
                    f"columns 0..{space.base - 1}"
                )
            grid[r][d] = node
        return cls(owner, space, tuple(tuple(row) for row in grid))

    # -- updates ---------------------------------------------------------------------------
    def insert(self, node: int, proximity: Proximity | None = None) -> RoutingTable:
        """Offer ``node`` for its cell (R-RT-2).

        An empty cell takes it. An occupied cell keeps the candidate ``prefers`` ranks first
        when a metric is given, and keeps the incumbent when none is. Inserting the owner is a
        no-op.
        """
        self.space.check(node, "routing_table.insert")
        cell = cell_of(self.space, self.owner, node)
        if cell is None:
            return self
        r, d = cell
        current = self.rows[r][d]
        if current == node:
            return self
        if current is not None and (
            proximity is None or not prefers(proximity, self.space, self.owner, node, current)
        ):
            return self
        return self._set(r, d, node)

    def insert_all(self, nodes: Iterable[int], proximity: Proximity | None = None) -> RoutingTable:
        table = self
        for n in nodes:
            table = table.insert(n, proximity)
        return table

    def remove(self, node: int) -> RoutingTable:
        """Clear ``node``'s cell if it holds ``node`` (R-RT-3)."""
        cell = cell_of(self.space, self.owner, node) if 0 <= node < self.space.size else None
        if cell is None or self.rows[cell[0]][cell[1]] != node:
            return self
        return self._set(cell[0], cell[1], None)

    def _set(self, r: int, d: int, node: int | None) -> RoutingTable:
        row = self.rows[r]
        new_row = (*row[:d], node, *row[d + 1 :])
        return attrs.evolve(self, rows=(*self.rows[:r], new_row, *self.rows[r + 1 :]))

    # -- queries ---------------------------------------------------------------------------
    def get(self, r: int, d: int) -> int | None:
        return self.rows[r][d]

    def row(self, r: int) -> Row:
        return self.rows[r]

    def entries(self) -> dict[tuple[int, int], int]:
        """{(row, column): node} for every occupied cell."""
        return {
            (r, d): n for r, row in enumerate(self.rows) for d, n in enumerate(row) if n is not None
        }

    def members(self) -> frozenset[int]:
        return frozenset(n for row in self.rows for n in row if n is not None)

    def __iter__(self) -> Iterator[int]:
        return iter(sorted(self.members()))

    def __contains__(self, node: object) -> bool:
        return any(node in row for row in self.rows)

    def populated_rows(self) -> int:
        """1 + the index of the last row holding an entry (0 for an empty table)."""
        for r in range(len(self.rows) - 1, -1, -1):
            if any(n is not None for n in self.rows[r]):
                return r + 1
        return 0
