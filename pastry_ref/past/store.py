"""One node's PAST file table and cache, as values: entries, cached copies, GreedyDual-Size.

Owns: ``StoredFile`` (an entry of the file table: a replica, a diverted replica, a pointer or a
backup pointer), ``CachedFile``, the acceptance test ``accepts`` with ``T_PRI`` and ``T_DIV``
(R-PAST-7, R-PAST-11) and the cache functions ``cache_insert``, ``cache_hit``, ``make_room``
(GreedyDual-Size, R-PAST-15). Rule 1: pure functions over sorted tuples; nothing here knows the
node. Rule 2: all arithmetic is in integers (GD-S values are scaled by ``GDS_SCALE``), so a state
is exact and hashable. Rule 3: cached copies never count against the acceptance test; they give
way (evicted lowest value first) whenever replicas need their space.
"""

from __future__ import annotations

import enum

import attrs

__all__ = [
    "GDS_SCALE",
    "T_DIV",
    "T_PRI",
    "CachedFile",
    "Kind",
    "StoredFile",
    "accepts",
    "cache_hit",
    "cache_insert",
    "make_room",
]

T_PRI = (1, 10)
"""t_pri = 0.1: a k-closest node refuses a replica when size / free > t_pri (R-PAST-7)."""

T_DIV = (1, 20)
"""t_div = 0.05: a diversion target refuses a replica when size / free > t_div (R-PAST-11)."""

GDS_SCALE = 1_000_000
"""GreedyDual-Size values are kept as integers: H = inflation + GDS_SCALE // size (cost 1)."""


def accepts(size: int, free: int, t: tuple[int, int] = T_PRI) -> bool:
    """R-PAST-7 / R-PAST-11: the acceptance test; refuse when size / free > t (so when free is
    0 and size > 0)."""
    num, den = t
    return size * den <= num * free


class Kind(enum.Enum):
    """What a file-table entry holds."""

    REPLICA = "replica"  # a replica on one of the k closest (content here)
    DIVERTED = "diverted"  # a diverted replica, stored for a k-closest node (content here)
    POINTER = "pointer"  # a k-closest node's pointer to its diverted replica (no content)
    BACKUP = "backup"  # the (k+1)-th closest node's second pointer (no content)


@attrs.frozen(slots=True, kw_only=True)
class StoredFile:
    """An entry of a node's file table. ``told``: the nodes this entry's holder gave the file
    to or knew to hold it (maintenance offers each node the file once, R-PAST-9);
    ``awaiting``: maintenance copies sent whose ``CopyReceipt`` is not in yet; ``refused``:
    nodes that refused a maintenance copy (R-PAST-13). ``target``: a pointer's diversion target.
    ``content`` is empty for a pointer; ``size`` is the file's size (a pointer takes no space)."""

    file_id: int
    owner: str
    k: int
    size: int
    content: str
    told: tuple[int, ...] = ()
    kind: Kind = Kind.REPLICA
    target: int | None = None
    awaiting: tuple[int, ...] = ()
    refused: tuple[int, ...] = ()

    @property
    def has_content(self) -> bool:
        """A replica or diverted replica: the file itself is here."""
        return self.kind is Kind.REPLICA or self.kind is Kind.DIVERTED

    @property
    def space(self) -> int:
        """Storage units the entry takes (0 for a pointer)."""
        return self.size if self.has_content else 0


@attrs.frozen(slots=True, kw_only=True)
class CachedFile:
    """A cached copy in unused space, with its GreedyDual-Size value ``value`` (R-PAST-15)."""

    file_id: int
    owner: str
    size: int
    content: str
    value: int


def _sorted(cache: tuple[CachedFile, ...]) -> tuple[CachedFile, ...]:
    return tuple(sorted(cache, key=lambda c: c.file_id))


def make_room(
    cache: tuple[CachedFile, ...], inflation: int, room: int
) -> tuple[tuple[CachedFile, ...], int]:
    """Evict cached copies, lowest value first (ties: lowest file id), until they take at most
    ``room`` units; each eviction raises the inflation to the evicted value (GD-S)."""
    total = sum(c.size for c in cache)
    gone: set[int] = set()
    for victim in sorted(cache, key=lambda c: (c.value, c.file_id)):  # one pass: bounded
        if total <= room:
            break
        gone.add(victim.file_id)
        total -= victim.size
        inflation = max(inflation, victim.value)
    return tuple(c for c in cache if c.file_id not in gone), inflation


def cache_insert(
    cache: tuple[CachedFile, ...],
    inflation: int,
    room: int,
    entry: tuple[int, str, int, str],
) -> tuple[tuple[CachedFile, ...], int]:
    """Cache ``(file_id, owner, size, content)`` if it fits in ``room`` (the capacity the
    replicas leave), evicting lower values first; a copy cached already is refreshed."""
    fid, owner, size, content = entry
    if size > room:
        return cache, inflation
    rest = tuple(c for c in cache if c.file_id != fid)
    rest, inflation = make_room(rest, inflation, room - size)
    new = CachedFile(
        file_id=fid,
        owner=owner,
        size=size,
        content=content,
        value=inflation + GDS_SCALE // max(size, 1),
    )
    return _sorted((*rest, new)), inflation


def cache_hit(cache: tuple[CachedFile, ...], inflation: int, fid: int) -> tuple[CachedFile, ...]:
    """A lookup was answered from the cached copy ``fid``: reset its value (GD-S)."""
    return tuple(
        attrs.evolve(c, value=inflation + GDS_SCALE // max(c.size, 1)) if c.file_id == fid else c
        for c in cache
    )
