"""Foreign tables and their judges: leaf sets and routing tables of any implementation.

Owns: ``ForeignTables`` (one node's leaf set, routing table and neighbourhood exactly as a
foreign implementation reported them: a wrong leaf set is representable, a cell holds several
nodes), ``Layout`` (the adapter from other row / column layouts to ours), ``judge_leaf_set``
(R-LS-1 shape, R-LS-2 against the ideal, ``NoDeadInLeafSets``), ``judge_routing_table``
(R-RT-1) and ``TableMeasures`` (completeness, dead entries, proximity stretch: measures, never
violations). spec/trace-format.md R-JUDGE-6.
Rule: ids are trusted (validated where they enter: the trace loader, ``ForeignTables.build``);
every message names the ids in hex.
"""

from __future__ import annotations

import math
from collections.abc import Iterable, Mapping, Sequence
from itertools import repeat
from typing import Literal

import attrs

from pastry_ref.errors import BadInput, shown
from pastry_ref.oracle.ring import LeafHalves, Ring
from pastry_ref.oracle.verdict import RuleViolation
from pastry_ref.ring.ids import IdSpace
from pastry_ref.tables.routing import NodeTables

__all__ = [
    "ForeignTables",
    "Layout",
    "TableMeasures",
    "judge_leaf_set",
    "judge_routing_table",
    "leaf_set_shape",
]

Rows = tuple[tuple[tuple[int, ...], ...], ...]


@attrs.frozen(slots=True)
class Layout:
    """How a foreign routing table numbers its rows and uses the owner's own column.

    ``rows="shared_prefix"`` (ours): row r holds nodes sharing r digits with the owner;
    ``"reversed"`` (FreePastry's): row r holds those sharing ``digits - 1 - r``.
    ``own_column="owner"``: the owner stands in its own digit's column of every row (dropped);
    ``"empty"``: it never appears (if it does, R-RT-1 names it).
    """

    rows: Literal["shared_prefix", "reversed"] = "shared_prefix"
    own_column: Literal["empty", "owner"] = "empty"

    def normalise(
        self, owner: int, rows: Sequence[Sequence[Sequence[int]]], space: IdSpace
    ) -> Rows:
        """``rows`` in our layout (row r = r shared digits), the owner's own-column entries
        dropped under ``own_column="owner"``; trailing empty rows removed."""
        given = list(rows)
        if self.rows == "reversed":
            if len(given) != space.digits:
                raise BadInput(
                    f"routing_table: a reversed table has all {space.digits} rows, got {len(given)}"
                )
            given.reverse()
        out: list[tuple[tuple[int, ...], ...]] = []
        for r, row in enumerate(given):
            own = space.digit(owner, r)
            cells: list[tuple[int, ...]] = []
            for c, cell in enumerate(row):
                nodes = tuple(cell)
                if self.own_column == "owner" and c == own:
                    nodes = tuple(n for n in nodes if n != owner)
                cells.append(nodes)
            out.append(tuple(cells))
        while out and not any(out[-1]):
            out.pop()
        return tuple(out)


@attrs.frozen(slots=True, cache_hash=True)
class ForeignTables:
    """One node's tables as reported: leaf-set halves closest first (as given, right or wrong),
    the routing table in our layout (``rows[r][c]``: the nodes in cell (r, c); trailing rows may
    be missing) and the neighbourhood."""

    owner: int
    left: tuple[int, ...]
    right: tuple[int, ...]
    rows: Rows = ()
    neighborhood: tuple[int, ...] = ()

    @classmethod
    def build(
        cls,
        space: IdSpace,
        owner: int,
        left: Iterable[int],
        right: Iterable[int],
        rows: Sequence[Sequence[Sequence[int]]] = (),
        neighborhood: Iterable[int] = (),
        layout: Layout = Layout(),
    ) -> ForeignTables:
        """Validated: every id in ``space``, at most ``digits`` rows of ``2**b`` cells."""
        space.check(owner, "owner")
        left_t = space.check_all(tuple(left), "left")
        right_t = space.check_all(tuple(right), "right")
        hood = space.check_all(tuple(neighborhood), "neighborhood")
        if len(rows) > space.digits:
            raise BadInput(f"routing_table: expected at most {space.digits} rows, got {len(rows)}")
        for r, row in enumerate(rows):
            if len(row) != space.base:
                raise BadInput(
                    f"routing_table[{r}]: expected {space.base} cells, got {shown(len(row))}"
                )
            for c, cell in enumerate(row):
                space.check_all(tuple(cell), f"routing_table[{r}][{c}]")
        return cls(owner, left_t, right_t, layout.normalise(owner, rows, space), hood)

    @classmethod
    def of(cls, tables: NodeTables) -> ForeignTables:
        """Our own tables, as the judge sees any implementation's."""
        rt = tables.routing_table
        rows = tuple(
            tuple(() if n is None else (n,) for n in rt.row(r)) for r in range(rt.space.digits)
        )
        while rows and not any(rows[-1]):
            rows = rows[:-1]
        return cls(
            tables.owner,
            tables.leaf_set.left,
            tables.leaf_set.right,
            rows,
            tuple(sorted(tables.neighborhood.members())),
        )

    def halves(self) -> LeafHalves:
        return LeafHalves(self.owner, self.left, self.right)

    def cell(self, r: int, c: int) -> tuple[int, ...]:
        return self.rows[r][c] if r < len(self.rows) else ()

    def table_members(self) -> frozenset[int]:
        return frozenset(n for row in self.rows for cell in row for n in cell)

    def known(self) -> frozenset[int]:
        """Every node these tables name, the owner excluded (L ∪ R ∪ M)."""
        out = frozenset(self.left) | frozenset(self.right) | frozenset(self.neighborhood)
        return (out | self.table_members()) - {self.owner}

    def without(self, nodes: frozenset[int]) -> ForeignTables:
        """These tables with ``nodes`` removed everywhere: what a node routes with after a
        hop to one of them timed out (R-HOP-3 excludes the hop that did not answer)."""
        if not nodes:
            return self
        return ForeignTables(
            self.owner,
            tuple(n for n in self.left if n not in nodes),
            tuple(n for n in self.right if n not in nodes),
            tuple(tuple(tuple(n for n in c if n not in nodes) for c in row) for row in self.rows),
            tuple(n for n in self.neighborhood if n not in nodes),
        )


def _hex(space: IdSpace, ids: Iterable[int]) -> str:
    return ", ".join(space.hex(n) for n in ids)


def leaf_set_shape(
    space: IdSpace, halves: LeafHalves, leaf_set_size: int
) -> tuple[RuleViolation, ...]:
    """R-LS-1: each half closest first on its side, at most L/2 long, without the owner or a
    repeated member."""
    out: list[RuleViolation] = []
    owner, size, half = halves.owner, space.size, leaf_set_size // 2
    for side, members in (("left", halves.left), ("right", halves.right)):
        if owner in members:
            out.append(
                RuleViolation(
                    "R-LS-1", f"the owner {space.hex(owner)} is in its own {side} half", owner
                )
            )
        if len(members) > half:
            out.append(
                RuleViolation(
                    "R-LS-1",
                    f"{side} half of {space.hex(owner)} holds {len(members)} nodes, "
                    f"more than L/2 = {half}: {_hex(space, members)}",
                    owner,
                )
            )
        if len(set(members)) != len(members):
            out.append(
                RuleViolation(
                    "R-LS-1", f"{side} half of {space.hex(owner)} repeats a member", owner
                )
            )
        if side == "left":
            dist = [(owner - n) % size for n in members]
        else:
            dist = [(n - owner) % size for n in members]
        for i in range(len(dist) - 1):
            if dist[i] >= dist[i + 1] and members[i] != members[i + 1]:
                out.append(
                    RuleViolation(
                        "R-LS-1",
                        f"{side} half of {space.hex(owner)} is not ordered closest first: "
                        f"{space.hex(members[i + 1])} (position {i + 1}) is nearer than "
                        f"{space.hex(members[i])} (position {i})",
                        owner,
                    )
                )
                break
    return tuple(out)


def judge_leaf_set(ring: Ring, halves: LeafHalves, leaf_set_size: int) -> tuple[RuleViolation, ...]:
    """A leaf set against the ideal over ``ring``'s live set (R-JUDGE-6): its shape (R-LS-1),
    live nodes missing or kept beyond the ``L/2`` nearest on a side (R-LS-2), members that are
    not live (``NoDeadInLeafSets``).

    >>> from pastry_ref.ring.ids import IdSpace
    >>> ring = Ring.build(IdSpace(8, 4), [0x10, 0x30, 0x50, 0x80])
    >>> for v in judge_leaf_set(ring, LeafHalves(0x30, (0x10,), (0x80,)), 2): print(v)
    R-LS-2: right half of 30 misses live node 50 (ideal: 50)
    R-LS-2: right half of 30 holds 80, not among the 1 nearest live nodes on that side
    """
    space = ring.space
    out = list(leaf_set_shape(space, halves, leaf_set_size))
    ideal = ring.ideal_leaf_set(halves.owner, leaf_set_size)
    for side, given, want in (
        ("left", halves.left, ideal.left),
        ("right", halves.right, ideal.right),
    ):
        given_set, want_set = set(given), set(want)
        for n in want:
            if n not in given_set:
                out.append(
                    RuleViolation(
                        "R-LS-2",
                        f"{side} half of {space.hex(halves.owner)} misses live node "
                        f"{space.hex(n)} (ideal: {_hex(space, want)})",
                        halves.owner,
                    )
                )
        for n in given:
            if n in want_set or n == halves.owner:
                continue
            if n not in ring:
                out.append(
                    RuleViolation(
                        "NoDeadInLeafSets",
                        f"{side} half of {space.hex(halves.owner)} keeps {space.hex(n)}, "
                        "which is not live",
                        halves.owner,
                    )
                )
            else:
                out.append(
                    RuleViolation(
                        "R-LS-2",
                        f"{side} half of {space.hex(halves.owner)} holds {space.hex(n)}, not "
                        f"among the {len(want)} nearest live nodes on that side",
                        halves.owner,
                    )
                )
    return tuple(out)


@attrs.frozen(slots=True)
class TableMeasures:
    """How complete and how proximity-aware a routing table is: measures, not violations.

    ``fillable``: cells some live node fits; ``filled``: of those, cells holding a live node
    that fits; ``dead``: entries naming a node that is not live; ``stretch``: per filled cell
    with coordinates known, the distance to the nearest entry over the distance to the
    nearest live node fitting the cell (1.0 is ideal)."""

    fillable: int = 0
    filled: int = 0
    dead: int = 0
    stretch: tuple[float, ...] = ()

    @property
    def completeness(self) -> float:
        return self.filled / self.fillable if self.fillable else 1.0

    def __add__(self, other: TableMeasures) -> TableMeasures:
        return TableMeasures(
            self.fillable + other.fillable,
            self.filled + other.filled,
            self.dead + other.dead,
            self.stretch + other.stretch,
        )


def judge_routing_table(
    ring: Ring,
    tables: ForeignTables,
    coords: Mapping[int, Sequence[float]] | None = None,
    *,
    ideal: bool = True,
    points: Sequence[Sequence[float]] | None = None,
) -> tuple[tuple[RuleViolation, ...], TableMeasures]:
    """A routing table (any number of nodes per cell, already in our layout): every entry fits
    its cell and is not the owner (R-RT-1). With ``ideal``, the measures against ``ring``'s live
    set: completeness, dead entries and (given every live node's ``coords``) proximity stretch.

    >>> from pastry_ref.ring.ids import IdSpace
    >>> s = IdSpace(8, 4)
    >>> ring = Ring.build(s, [0x10, 0x30, 0x35])
    >>> t = ForeignTables(0x30, (0x10,), (0x35,), (((), (0x10,), (), (0x35,)) + ((),) * 12,))
    >>> violations, measures = judge_routing_table(ring, t)
    >>> [str(v) for v in violations]
    ['R-RT-1: 35 in cell (0, 3) of 30 belongs in cell (1, 5)']
    >>> measures.fillable, measures.filled
    (2, 1)
    """
    space, owner = ring.space, tables.owner
    out: list[RuleViolation] = []
    dead = 0
    for r, row in enumerate(tables.rows):
        for c, cell in enumerate(row):
            for n in cell:
                if n == owner:
                    out.append(
                        RuleViolation(
                            "R-RT-1",
                            f"the owner {space.hex(owner)} is an entry of its own table, "
                            f"cell ({r}, {c})",
                            owner,
                        )
                    )
                    continue
                fit = _cell_of(space, owner, n)
                if fit != (r, c):
                    out.append(
                        RuleViolation(
                            "R-RT-1",
                            f"{space.hex(n)} in cell ({r}, {c}) of {space.hex(owner)} belongs "
                            f"in cell {fit}",
                            owner,
                        )
                    )
                elif ideal and n not in ring:
                    dead += 1
    if not ideal:
        return tuple(out), TableMeasures()
    fillable = filled = 0
    stretch: list[float] = []
    use_coords = coords is not None and owner in coords
    pts: Sequence[Sequence[float]] = ()
    if use_coords and coords is not None:
        # ``points``: the coordinates of ring.ids, in order, when the caller has them already.
        pts = points if points is not None else [coords[m] for m in ring.ids]
    for r in range(space.digits):
        own_digit = space.digit(owner, r)
        base_prefix = (owner >> (space.bits - r * space.b)) if r else 0
        for d in range(space.base):
            if d == own_digit:
                continue
            shift = space.bits - (r + 1) * space.b
            lo_key = ((base_prefix << space.b) | d) << shift
            i, j = ring.prefix_block(lo_key, r + 1)
            if i == j:
                continue
            fillable += 1
            entries = [n for n in tables.cell(r, d) if n in ring and n != owner]
            if not entries:
                continue
            filled += 1
            if use_coords and coords is not None:
                here = coords[owner]
                best = min(map(math.dist, repeat(here, j - i), pts[i:j]))
                got = min(math.dist(here, coords[m]) for m in entries)
                stretch.append(got / best if best > 0 else (1.0 if got == 0 else math.inf))
        i, j = ring.prefix_block(owner, r + 1)
        if j - i <= (1 if owner in ring else 0):
            break  # no other live node shares r + 1 digits: deeper rows have no candidate
    return tuple(out), TableMeasures(fillable, filled, dead, tuple(stretch))


def _cell_of(space: IdSpace, owner: int, node: int) -> tuple[int, int] | None:
    if node == owner:
        return None
    r = space.shared_prefix_len(owner, node)
    return (r, space.digit(node, r))
