"""Global-knowledge answers that an implementation is judged against.

Owns: the oracle functions. Each is computed from the set of live ids alone, as an observer who
sees the whole ring would: the root of a key, the ideal leaf set of a node, the replica set of a
key, a check of a routing table's entries, and every node's ideal tables (the demo, the tests and
the simulator build rings from them).
Spec rules: R-ORC-1 (root and its tie rule; ``root_candidates`` accepts either node of a tie),
R-ORC-2 (ideal leaf set), R-ORC-3 (replica set), R-ORC-4 (routing-table check), R-ORC-5 (ideal
tables: every cell that some live node fits is filled, with the preferred candidate).
Rule: the public functions check their arguments (``BadInput`` naming the parameter); the
private helpers trust them.
"""

from __future__ import annotations

import bisect
import heapq
from collections.abc import Iterable, Mapping

import attrs

from pastry_ref.errors import BadInput, shown
from pastry_ref.ring.config import Config
from pastry_ref.ring.ids import IdSpace
from pastry_ref.ring.proximity import ConstantProximity, Proximity
from pastry_ref.tables.leaf_set import LeafSet
from pastry_ref.tables.neighborhood import Neighborhood
from pastry_ref.tables.routing import NodeTables
from pastry_ref.tables.routing_table import RoutingTable, cell_of

__all__ = [
    "TableViolation",
    "check_routing_table",
    "ideal_leaf_set",
    "ideal_tables",
    "replica_set",
    "root",
    "root_candidates",
]


def _space(space: object, field: str = "space") -> IdSpace:
    if not isinstance(space, IdSpace):
        raise BadInput(f"{field}: expected an IdSpace, got {shown(space)}")
    return space


def _config(config: object) -> Config:
    if not isinstance(config, Config):
        raise BadInput(f"config: expected a Config, got {shown(config)}")
    return config


def _live(live_ids: Iterable[int], space: IdSpace) -> list[int]:
    """Validated, de-duplicated, sorted live ids; refuses an empty ring."""
    ids = sorted(set(space.check_all(live_ids, "live_ids")))
    if not ids:
        raise BadInput("live_ids: expected at least one live node, got none")
    return ids


def root(key: int, live_ids: Iterable[int], space: IdSpace) -> int:
    """The live node numerically closest to ``key``; a tie goes clockwise of the key (R-ORC-1)."""
    _space(space).check(key, "key")
    ids = _live(live_ids, space)
    # Only the two nodes adjacent to the key on the ring can be closest.
    i = bisect.bisect_left(ids, key)
    succ = ids[i % len(ids)]
    pred = ids[(i - 1) % len(ids)]
    return space.closest(key, (succ, pred))


def root_candidates(key: int, live_ids: Iterable[int], space: IdSpace) -> frozenset[int]:
    """Every live node at the minimal distance from ``key``: one node, or the two of a tie.

    A foreign implementation that breaks ties its own way is correct if it names any of these.
    """
    _space(space).check(key, "key")
    ids = _live(live_ids, space)
    i = bisect.bisect_left(ids, key)
    near = {ids[i % len(ids)], ids[(i - 1) % len(ids)]}
    best = min(space.distance(n, key) for n in near)
    return frozenset(n for n in near if space.distance(n, key) == best)


def ideal_leaf_set(node: int, live_ids: Iterable[int], config: Config) -> LeafSet:
    """The leaf set ``node`` has when it knows every live node (R-ORC-2).

    ``.left`` and ``.right`` are the halves, closest first. ``node`` need not be live itself.
    """
    space = _config(config).space
    space.check(node, "node")
    others = sorted(set(space.check_all(live_ids, "live_ids")) - {node})
    return _leaf_set_from_sorted(node, others, config)


def _leaf_set_from_sorted(node: int, others: list[int], config: Config) -> LeafSet:
    """Leaf set of ``node`` from the sorted ids of the other live nodes, in O(L log N)."""
    count = min(config.half, len(others))
    if count == 0:
        return LeafSet.empty(node, config)
    i = bisect.bisect_right(others, node)
    right = tuple(others[(i + j) % len(others)] for j in range(count))
    left = tuple(others[(i - 1 - j) % len(others)] for j in range(count))
    return LeafSet(node, config.space, config.half, left, right)


def replica_set(key: int, live_ids: Iterable[int], k: int, space: IdSpace) -> tuple[int, ...]:
    """The ``k`` live nodes closest to ``key``, closest first (all of them if fewer) (R-ORC-3)."""
    _space(space).check(key, "key")
    if not isinstance(k, int) or isinstance(k, bool) or k < 0:
        raise BadInput(f"k: expected an integer >= 0, got {shown(k)}")
    ids = _live(live_ids, space)
    return tuple(heapq.nsmallest(k, ids, key=lambda n: space.closeness(n, key)))


@attrs.frozen(slots=True)
class TableViolation:
    """One problem with one routing-table cell; ``name`` is stable, ``detail`` is for people."""

    name: str
    cell: tuple[int, int]
    node: int | None
    detail: str


def check_routing_table(
    owner: int,
    entries: Mapping[tuple[int, int], int],
    space: IdSpace,
    live_ids: Iterable[int] | None = None,
) -> tuple[TableViolation, ...]:
    """Judge a routing table given as {(row, column): node} (R-ORC-4).

    Violation names: ``CellOutOfRange`` (no such cell), ``IdOutOfRange`` (entry not an id of the
    space), ``EntryIsOwner``, ``RoutingTablePrefix`` (the entry does not share exactly ``row``
    digits with the owner or lacks digit ``column`` at position ``row``: rule R-RT-1). With
    ``live_ids``, also ``DeadEntry`` (entry not live) and ``MissingEntry`` (empty cell that some
    live node fits). Returned in (row, column) order; empty means the table is correct.
    """
    _space(space).check(owner, "owner")
    live = set(space.check_all(live_ids, "live_ids")) if live_ids is not None else None
    if not isinstance(entries, Mapping):
        raise BadInput(f"entries: expected a mapping {{(row, column): node}}, got {shown(entries)}")
    for cell in entries:
        if not (
            isinstance(cell, tuple)
            and len(cell) == 2
            and all(isinstance(c, int) and not isinstance(c, bool) for c in cell)
        ):
            raise BadInput(
                f"entries: expected (row, column) pairs of integers as keys, got {shown(cell)}"
            )
    out: list[TableViolation] = []
    for (r, d), node in sorted(entries.items(), key=lambda item: item[0]):
        if not (0 <= r < space.digits and 0 <= d < space.base):
            out.append(
                TableViolation(
                    "CellOutOfRange",
                    (r, d),
                    node,
                    f"cell ({r}, {d}) does not exist: rows 0..{space.digits - 1}, "
                    f"columns 0..{space.base - 1}",
                )
            )
            continue
        if not isinstance(node, int) or isinstance(node, bool) or not 0 <= node < space.size:
            out.append(
                TableViolation(
                    "IdOutOfRange",
                    (r, d),
                    None,
                    f"entry {shown(node)} is not an id in [0, 2**{space.bits})",
                )
            )
            continue
        if node == owner:
            out.append(
                TableViolation(
                    "EntryIsOwner",
                    (r, d),
                    node,
                    f"the owner {space.digit_str(owner)} is an entry of its own table, cell "
                    f"({r}, {d}): the owner is never its own entry",
                )
            )
            continue
        fit = cell_of(space, owner, node)
        if fit != (r, d):
            out.append(
                TableViolation(
                    "RoutingTablePrefix",
                    (r, d),
                    node,
                    f"{space.digit_str(node)} belongs in cell {fit} of owner "
                    f"{space.digit_str(owner)}, not ({r}, {d})",
                )
            )
            continue
        if live is not None and node not in live:
            out.append(TableViolation("DeadEntry", (r, d), node, f"node {node} is not live"))
    if live is not None:
        filled = set(entries)
        fits: dict[tuple[int, int], int] = {}
        for n in sorted(live):
            c = cell_of(space, owner, n)
            if c is not None and c not in filled:
                fits.setdefault(c, n)
        for c, n in sorted(fits.items()):
            out.append(
                TableViolation("MissingEntry", c, None, f"empty, but live node {n} fits this cell")
            )
        out.sort(key=lambda v: v.cell)
    return tuple(out)


def ideal_tables(
    live_ids: Iterable[int], config: Config, proximity: Proximity | None = None
) -> dict[int, NodeTables]:
    """Every live node's leaf set, routing table and neighbourhood from global knowledge (R-ORC-5).

    Each routing-table cell holds, of the live nodes that fit it, the one ``proximity`` ranks
    nearest (ties: numerically closer to the owner, then smaller id); without a metric, the
    numerically closest to the owner. The neighbourhood holds the M nodes ranked nearest the
    same way.
    """
    space = _config(config).space
    if proximity is not None and not callable(proximity):
        raise BadInput(
            f"proximity: expected a metric, a callable (a, b) -> distance, got {shown(proximity)}"
        )
    ids = _live(live_ids, space)
    metric: Proximity = proximity if proximity is not None else ConstantProximity()
    out: dict[int, NodeTables] = {}
    for idx, owner in enumerate(ids):
        others = ids[:idx] + ids[idx + 1 :]
        out[owner] = NodeTables(
            _leaf_set_from_sorted(owner, others, config),
            _ideal_routing_table(owner, ids, space, proximity),
            _ideal_neighborhood(owner, ids, idx, config, metric, proximity is None),
        )
    return out


def _rank(metric: Proximity, space: IdSpace, owner: int, n: int) -> tuple[float, int, int]:
    return (metric(owner, n), space.distance(owner, n), n)


def _ideal_routing_table(
    owner: int, ids: list[int], space: IdSpace, proximity: Proximity | None
) -> RoutingTable:
    rows: list[tuple[int | None, ...]] = []
    for r in range(space.digits):
        shift = space.bits - (r + 1) * space.b
        prefix = (owner >> (shift + space.b)) << space.b  # owner's first r digits, shifted up
        row: list[int | None] = [None] * space.base
        own_digit = space.digit(owner, r)
        for d in range(space.base):
            if d == own_digit:
                continue
            lo = (prefix | d) << shift
            i, j = bisect.bisect_left(ids, lo), bisect.bisect_left(ids, lo + (1 << shift))
            if i == j:
                continue
            if proximity is None:
                # The block [lo, hi) does not contain the owner: ring distance to it is least
                # at one of its two ends.
                row[d] = min((ids[i], ids[j - 1]), key=lambda n: (space.distance(owner, n), n))
            else:
                row[d] = min(ids[i:j], key=lambda n: _rank(proximity, space, owner, n))
        rows.append(tuple(row))
        # Deeper rows need nodes sharing r+1 digits with the owner; stop when none is left.
        own_lo = (prefix | own_digit) << shift
        k, m = bisect.bisect_left(ids, own_lo), bisect.bisect_left(ids, own_lo + (1 << shift))
        if m - k <= 1:
            rows.extend([(None,) * space.base] * (space.digits - r - 1))
            break
    return RoutingTable(owner, space, tuple(rows))


def _ideal_neighborhood(
    owner: int,
    ids: list[int],
    idx: int,
    config: Config,
    metric: Proximity,
    numeric_only: bool,
) -> Neighborhood:
    space, m = config.space, config.neighborhood_size
    if numeric_only:
        # Constant metric: the M numerically closest, found among the M nearest on each side.
        n = len(ids)
        span = min(m, n - 1)
        cands = {ids[(idx + j) % n] for j in range(-span, span + 1)} - {owner}
    else:
        cands = set(ids) - {owner}
    best = heapq.nsmallest(m, cands, key=lambda x: _rank(metric, space, owner, x))
    entries = tuple((metric(owner, x), x) for x in best)
    return Neighborhood(owner, space, m, entries)
