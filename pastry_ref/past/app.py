"""The PAST application: replicated, immutable file storage over Pastry (SOSP 2001).

Owns: ``PastApp`` (one node's PAST state: its capacity, its file table of replicas, diverted
replicas and pointers, its cache and, as a client, its quota ledger and pending inserts, lookups
and reclaims), ``PendingInsert``, ``PendingReclaim``, ``PendingDivert`` and ``check_k`` (the
bound on k). Rule 1: pure: the app reads the node only through the Common API query
``replica_set`` and its leaf set, and changes nothing but its own value; every effect is a
``Route``, ``SendDirect`` or ``Reply``. Rule 2: state is tuples sorted by file id (or in arrival
order, for a client's pending operations), so a state is hashable and its effects come out in a
deterministic order. Rule 3: a node's storage never exceeds its capacity: every replica passes
``accepts`` and cached copies give way first (R-PAST-7, R-PAST-15).
Rules: R-PAST-1..16 (spec/past.md); the storage values live in ``pastry_ref.past.store``.
"""

from __future__ import annotations

from collections.abc import Callable, Hashable
from typing import ClassVar

import attrs

from pastry_ref.app.api import App, AppEffect, AppStep, Reply
from pastry_ref.errors import ConfigError
from pastry_ref.node.inputs import ForwardTo, Route, SendDirect
from pastry_ref.node.payload import AppMessage
from pastry_ref.node.state import NodeState, replica_set
from pastry_ref.past.messages import (
    MAX_SALT,
    CopyReceipt,
    Discard,
    DivertReceipt,
    DivertReplica,
    FileFound,
    FindFile,
    Insert,
    InsertFailed,
    InsertFile,
    InsertOk,
    LookupFile,
    LookupResult,
    PushCopy,
    Reclaim,
    ReclaimFile,
    ReclaimReceipt,
    ReclaimReplica,
    ReclaimResult,
    StorePointer,
    StoreReceipt,
    StoreReplica,
    WantCopy,
    file_id,
)
from pastry_ref.past.store import (
    T_DIV,
    T_PRI,
    CachedFile,
    Kind,
    StoredFile,
    accepts,
    cache_hit,
    cache_insert,
    make_room,
)
from pastry_ref.ring.config import Config

__all__ = [
    "PastApp",
    "PendingDivert",
    "PendingInsert",
    "PendingReclaim",
    "check_k",
    "k_bound",
]


def k_bound(config: Config) -> int:
    """The largest replication factor PAST allows: L/2 + 1 (R-PAST-2)."""
    return config.leaf_set_size // 2 + 1


def check_k(config: Config, k: int) -> int:
    """``k`` if 1 <= k <= L/2 + 1, else ``ConfigError`` (R-PAST-2)."""
    if not isinstance(k, int) or isinstance(k, bool) or not 1 <= k <= k_bound(config):
        raise ConfigError(
            f"k: PAST needs 1 <= k <= L/2 + 1 = {k_bound(config)} (leaf_set_size "
            f"{config.leaf_set_size}), got {k!r}"
        )
    return k


@attrs.frozen(slots=True, kw_only=True)
class PendingInsert:
    """A client's insert in progress: the current ``salt``, its ``file_id`` and the holders
    whose store receipts arrived (R-PAST-4, R-PAST-8)."""

    request: Insert
    salt: int
    file_id: int
    receipts: tuple[int, ...] = ()


@attrs.frozen(slots=True, kw_only=True)
class PendingReclaim:
    """A client's reclaim in progress: the slots answered so far and, once the root's receipt
    is in, how many to expect and the quota to credit (R-PAST-6, R-PAST-14)."""

    request: Reclaim
    receipts: tuple[int, ...] = ()
    expected: int | None = None
    credit: int = 0


@attrs.frozen(slots=True, kw_only=True)
class PendingDivert:
    """A k-closest node diverting a replica it refused (R-PAST-11): the file, whom to answer
    (``client`` for an insert, else ``sender`` of a maintenance copy), the replica set it was
    told (``holders``) and the candidates left, the one asked first."""

    file: StoredFile
    client: int | None
    sender: int
    candidates: tuple[int, ...]


def _add(xs: tuple[int, ...], x: int) -> tuple[int, ...]:
    return xs if x in xs else tuple(sorted((*xs, x)))


def _drop(xs: tuple[int, ...], x: int) -> tuple[int, ...]:
    return tuple(y for y in xs if y != x)


@attrs.frozen(slots=True, cache_hash=True)
class PastApp(App):
    """One node's PAST: ``capacity`` (storage units; ``capacities`` overrides it per node id),
    ``quotas`` (owner → storage units an owner's inserts may take, k * size each; an owner not
    listed has none), ``caching`` (keep copies on insert and lookup routes), ``divert``
    (replica diversion, R-PAST-11) and ``retries`` (file diversion: salts after the first,
    R-PAST-8; the benchmark turns both off to compare), the file table
    ``stored`` and the ``cached`` copies (sorted by file id), the GD-S ``inflation``, the
    client's quota ledger ``spent`` and the pending operations."""

    NAME: ClassVar[str] = "past"
    PAYLOADS: ClassVar[tuple[type, ...]] = (
        InsertFile,
        StoreReplica,
        StoreReceipt,
        CopyReceipt,
        DivertReplica,
        DivertReceipt,
        StorePointer,
        PushCopy,
        WantCopy,
        Discard,
        FindFile,
        FileFound,
        ReclaimFile,
        ReclaimReplica,
        ReclaimReceipt,
    )
    REQUESTS: ClassVar[tuple[type, ...]] = (Insert, LookupFile, Reclaim)

    capacity: int = 100
    capacities: tuple[tuple[int, int], ...] = ()
    quotas: tuple[tuple[str, int], ...] | None = None
    caching: bool = True
    divert: bool = True
    retries: int = MAX_SALT
    stored: tuple[StoredFile, ...] = ()
    cached: tuple[CachedFile, ...] = ()
    inflation: int = 0
    spent: tuple[tuple[str, int], ...] = ()
    inserts: tuple[PendingInsert, ...] = ()
    lookups: tuple[LookupFile, ...] = ()
    reclaims: tuple[PendingReclaim, ...] = ()
    diverting: tuple[PendingDivert, ...] = ()
    reclaimed: tuple[tuple[int, str], ...] = ()

    # -- queries ---------------------------------------------------------------------------
    def capacity_of(self, node_id: int) -> int:
        """The capacity of node ``node_id``'s storage."""
        for n, c in self.capacities:
            if n == node_id:
                return c
        return self.capacity

    def used(self) -> int:
        """Storage units the replicas, diverted replicas and cached copies take."""
        return self.replica_space() + sum(c.size for c in self.cached)

    def replica_space(self) -> int:
        """Storage units the replicas and diverted replicas take (what cached copies yield to)."""
        return sum(f.space for f in self.stored)

    def entry(self, fid: int) -> StoredFile | None:
        """This node's file-table entry for ``fid`` (replica, diverted replica or pointer)."""
        for f in self.stored:
            if f.file_id == fid:
                return f
        return None

    def gone(self, fid: int, owner: str) -> bool:
        """This node freed ``fid`` of ``owner`` for a reclaim: it never stores it again (a file
        id is never reused, R-PAST-6)."""
        return (fid, owner) in self.reclaimed

    def holding(self, fid: int) -> StoredFile | None:
        """The replica or diverted replica of ``fid`` this node holds, if any."""
        f = self.entry(fid)
        return f if f is not None and f.has_content else None

    def cached_copy(self, fid: int) -> CachedFile | None:
        """The cached copy of ``fid``, if any."""
        for c in self.cached:
            if c.file_id == fid:
                return c
        return None

    def quota_left(self, owner: str) -> int | None:
        """Units ``owner`` may still insert from this client (None: no quotas at all)."""
        if self.quotas is None:
            return None
        total = dict(self.quotas).get(owner, 0)
        return total - dict(self.spent).get(owner, 0)

    def _free(self, node: NodeState) -> int:
        """Free space for the acceptance test: cached copies do not count (they give way)."""
        return self.capacity_of(node.id) - self.replica_space()

    # -- state changes ---------------------------------------------------------------------
    def _put(self, node: NodeState, f: StoredFile) -> PastApp:
        """Add or replace the entry ``f`` (a cached copy of the file goes); evict cached copies
        until everything fits (R-PAST-15)."""
        stored = tuple(sorted((*self._without(f.file_id), f), key=lambda s: s.file_id))
        app = attrs.evolve(
            self, stored=stored, cached=tuple(c for c in self.cached if c.file_id != f.file_id)
        )
        return app._fit(node)

    def _fit(self, node: NodeState) -> PastApp:
        room = self.capacity_of(node.id) - self.replica_space()
        cached, inflation = make_room(self.cached, self.inflation, room)
        if cached == self.cached:
            return self
        return attrs.evolve(self, cached=cached, inflation=inflation)

    def _without(self, fid: int) -> tuple[StoredFile, ...]:
        return tuple(f for f in self.stored if f.file_id != fid)

    def _forget(self, fid: int, owner: str | None = None) -> PastApp:
        """Free the entry and any cached copy of ``fid``; with ``owner``, for a reclaim (the
        node keeps a tombstone)."""
        cached = tuple(c for c in self.cached if c.file_id != fid)
        app = attrs.evolve(self, stored=self._without(fid), cached=cached)
        if owner is not None and (fid, owner) not in self.reclaimed:
            app = attrs.evolve(app, reclaimed=tuple(sorted((*self.reclaimed, (fid, owner)))))
        return app

    def _cache(self, node: NodeState, fid: int, owner: str, size: int, content: str) -> PastApp:
        """R-PAST-15: keep a copy in unused space, unless this node has an entry for it."""
        if not self.caching or self.entry(fid) is not None:
            return self
        room = self.capacity_of(node.id) - self.replica_space()
        cached, inflation = cache_insert(
            self.cached, self.inflation, room, (fid, owner, size, content)
        )
        if cached == self.cached and inflation == self.inflation:
            return self
        return attrs.evolve(self, cached=cached, inflation=inflation)

    def _spend(self, owner: str, units: int) -> PastApp:
        if self.quotas is None:
            return self
        ledger = dict(self.spent)
        ledger[owner] = max(0, ledger.get(owner, 0) + units)
        return attrs.evolve(self, spent=tuple(sorted((o, u) for o, u in ledger.items() if u)))

    # -- client requests -------------------------------------------------------------------
    def request(self, node: NodeState, request: Hashable) -> AppStep:
        if isinstance(request, Insert):
            if not 1 <= request.k <= k_bound(node.config):
                reply = Reply(request, InsertFailed(attempts=0, reason="k-bound"))
                return AppStep(self, (reply,))
            if any(p.request == request for p in self.inserts):
                return self._attempt(node, request, 0)  # one pending insert (R-PAST-4)
            left = self.quota_left(request.owner)
            if left is not None and request.k * request.size > left:
                reply = Reply(request, InsertFailed(attempts=0, reason="quota"))
                return AppStep(self, (reply,))
            app = self._spend(request.owner, request.k * request.size)
            return app._attempt(node, request, 0)
        if isinstance(request, LookupFile):
            app = attrs.evolve(self, lookups=(*self.lookups, request))
            find = FindFile(file_id=request.file_id, client=node.id, id=request.id)
            here = app._look(node, find)  # the first node on the route is the client itself
            if here is not None:
                return here
            return AppStep(app, (Route(request.file_id, find),))
        assert isinstance(request, Reclaim)
        app = attrs.evolve(self, reclaims=(*self.reclaims, PendingReclaim(request=request)))
        msg = ReclaimFile(
            file_id=request.file_id, owner=request.owner, client=node.id, id=request.id
        )
        return AppStep(app, (Route(request.file_id, msg),))

    def _attempt(self, node: NodeState, request: Insert, salt: int) -> AppStep:
        """R-PAST-2, R-PAST-8: route the file under the fileId of ``salt``."""
        fid = file_id(node.config.space, request.name, request.owner, salt)
        pending = PendingInsert(request=request, salt=salt, file_id=fid)
        rest = tuple(p for p in self.inserts if p.request != request)
        app = attrs.evolve(self, inserts=(*rest, pending))
        msg = InsertFile(
            file_id=fid,
            owner=request.owner,
            k=request.k,
            size=request.size,
            content=request.content,
            client=node.id,
        )
        return AppStep(app, (Route(fid, msg),))

    # -- upcalls ---------------------------------------------------------------------------
    def deliver(self, node: NodeState, key: int | None, payload: AppMessage) -> AppStep:
        handler: Callable[[PastApp, NodeState, AppMessage], AppStep] | None
        handler = _HANDLERS.get(type(payload))  # type: ignore[assignment]
        if handler is not None:
            return handler(self, node, payload)
        if isinstance(payload, FindFile):
            found = self._look(node, payload)
            if found is not None:
                return found
            if key is None:  # a pointer's target lost the file: route on toward the root
                return AppStep(self, (Route(payload.file_id, payload),))
            none = FileFound(file_id=payload.file_id, id=payload.id, content=None, holder=node.id)
            return AppStep(self, (SendDirect(payload.client, none),))
        assert isinstance(payload, InsertFile)
        return self._insert_at_root(node, payload)

    def forward(
        self, node: NodeState, key: int, payload: AppMessage, next_hop: int
    ) -> tuple[AppStep, ForwardTo | None]:
        """R-PAST-5, R-PAST-12, R-PAST-15: the first node on a lookup's route that holds a
        replica, a cached copy or a pointer answers it (a pointer by redirecting it); a node
        on an insert's route caches the file."""
        if isinstance(payload, FindFile):
            found = self._look(node, payload)
            if found is not None:
                return found, None
        if isinstance(payload, InsertFile):
            app = self._cache(node, payload.file_id, payload.owner, payload.size, payload.content)
            return AppStep(app), ForwardTo(key, payload, next_hop)
        return AppStep(self), ForwardTo(key, payload, next_hop)

    def _look(self, node: NodeState, m: FindFile) -> AppStep | None:
        """Answer lookup ``m`` here if this node can: from a replica or a cached copy, or by
        sending it to a pointer's target (once: ``followed``). None: it cannot."""
        f = self.entry(m.file_id)
        content: str | None = None
        app = self
        c_size, c_owner = 0, ""
        if f is not None and f.has_content:
            content = f.content
        else:
            c = self.cached_copy(m.file_id)
            if c is not None:
                content, c_size, c_owner = c.content, c.size, c.owner
                app = attrs.evolve(self, cached=cache_hit(self.cached, self.inflation, c.file_id))
        if content is not None:
            size = f.size if f is not None and f.has_content else c_size
            owner = f.owner if f is not None and f.has_content else c_owner
            found = FileFound(
                file_id=m.file_id, id=m.id, content=content, holder=node.id, owner=owner, size=size
            )
            if m.client == node.id:
                return app._found(node, found)
            return AppStep(app, (SendDirect(m.client, found),))
        if f is not None and f.target is not None and not m.followed:
            return AppStep(self, (SendDirect(f.target, attrs.evolve(m, followed=True)),))
        return None

    def update(self, node: NodeState, member: int, joined: bool) -> AppStep:
        """R-PAST-9, R-PAST-11..13: replica maintenance on every leaf-set change."""
        app, effects = self._redivert(node)
        return app._maintain(node, effects)

    def _maintain(self, node: NodeState, effects: list[AppEffect]) -> AppStep:
        """Each entry offers its file to the nodes of its replica set it has not told yet (a
        pointer through its target); a broken pointer asks for a copy; an entry whose node left
        the k closest, once all of them confirmed, becomes a cached copy (or goes, a pointer)."""
        stored: list[StoredFile] = []
        app = self
        leaf = node.leaf_set.members()
        demoted: list[StoredFile] = []
        for entry in self.stored:
            f = entry
            if f.kind is Kind.DIVERTED:
                stored.append(f)
                continue
            members = replica_set(node, f.file_id, f.k)
            if f.target is not None and f.target not in leaf:  # the target is gone (R-PAST-12)
                if node.id in members:
                    for m in members:
                        if m != node.id:
                            effects.append(
                                SendDirect(m, WantCopy(file_id=f.file_id, requester=node.id))
                            )
                continue
            if f.kind is Kind.BACKUP and node.id not in members:
                stored.append(f)
                continue
            told = tuple(m for m in f.told if m in members)  # who left may lose it (R-PAST-13)
            if told != f.told:
                f = attrs.evolve(f, told=told)
            new = tuple(m for m in members if m != node.id and m not in f.told)
            if new:
                effects.extend(self._push(node, f, new, members))
                f = attrs.evolve(
                    f,
                    told=tuple(sorted({*f.told, *new})),
                    awaiting=tuple(sorted({*f.awaiting, *new})),
                )
            if (
                node.id not in members
                and len(members) == f.k
                and set(members) <= set(f.told)
                and not set(members) & ({*f.awaiting} | {*f.refused})
            ):
                demoted.append(f)  # R-PAST-13: every one of the k closest confirmed
                continue
            stored.append(f)
        if tuple(stored) != self.stored:
            app = attrs.evolve(self, stored=tuple(stored))
        for f in demoted:
            if f.has_content:
                app = app._cache(node, f.file_id, f.owner, f.size, f.content)
        return AppStep(app, tuple(effects))

    def _push(
        self, node: NodeState, f: StoredFile, to: tuple[int, ...], members: tuple[int, ...]
    ) -> list[AppEffect]:
        """Maintenance copies of ``f`` to ``to``: sent directly, or by the pointer's target."""
        if f.target is not None:
            push = PushCopy(file_id=f.file_id, to=to, sender=node.id, holders=members)
            return [SendDirect(f.target, push)]
        return [SendDirect(m, self._copy(f, None, node.id, members)) for m in to]

    @staticmethod
    def _copy(
        f: StoredFile, client: int | None, sender: int, holders: tuple[int, ...]
    ) -> StoreReplica:
        return StoreReplica(
            file_id=f.file_id,
            owner=f.owner,
            k=f.k,
            size=f.size,
            content=f.content,
            client=client,
            holders=holders,
            sender=sender,
        )

    # -- storing (R-PAST-3, R-PAST-7, R-PAST-11) -------------------------------------------
    def _insert_at_root(self, node: NodeState, m: InsertFile) -> AppStep:
        """R-PAST-3: the root stores the file (or diverts it) and tells the other k-1."""
        members = replica_set(node, m.file_id, m.k)
        refuse = SendDirect(m.client, StoreReceipt(file_id=m.file_id, holder=node.id, ok=False))
        if (
            len(members) < m.k
            or node.id not in members
            or self.entry(m.file_id) is not None
            or self.gone(m.file_id, m.owner)
        ):
            return AppStep(self, (refuse,))
        f = StoredFile(
            file_id=m.file_id, owner=m.owner, k=m.k, size=m.size, content=m.content, told=members
        )
        effects: list[AppEffect] = [
            SendDirect(other, self._copy(f, m.client, node.id, members))
            for other in members
            if other != node.id
        ]
        return self._primary(node, f, m.client, node.id, effects)

    def _primary(
        self,
        node: NodeState,
        f: StoredFile,
        client: int | None,
        sender: int,
        effects: list[AppEffect],
    ) -> AppStep:
        """Store ``f`` as a replica under t_pri, or divert it (R-PAST-11); answer when done."""
        if accepts(f.size, self._free(node), T_PRI):
            return AppStep(
                self._put(node, f), (*effects, *self._receipt_to(node, f, client, sender, True))
            )
        inner = set(replica_set(node, f.file_id, f.k))
        wide = replica_set(node, f.file_id, 2 * node.config.half + 1)
        outside = [n for n in wide if n not in inner and n != node.id]
        if not self.divert:
            outside = []
        if outside:
            outside = outside[1:] + outside[:1]  # the (k+1)-th closest, the backup, last
        if not outside:
            return AppStep(self, (*effects, *self._receipt_to(node, f, client, sender, False)))
        pending = PendingDivert(file=f, client=client, sender=sender, candidates=tuple(outside))
        app = attrs.evolve(self, diverting=(*self.diverting, pending))
        return AppStep(app, (*effects, SendDirect(outside[0], self._divert_msg(node, f))))

    @staticmethod
    def _divert_msg(node: NodeState, f: StoredFile) -> DivertReplica:
        return DivertReplica(
            file_id=f.file_id,
            owner=f.owner,
            k=f.k,
            size=f.size,
            content=f.content,
            pointer=node.id,
        )

    @staticmethod
    def _receipt_to(
        node: NodeState, f: StoredFile, client: int | None, sender: int, ok: bool
    ) -> list[AppEffect]:
        if client is not None:
            return [SendDirect(client, StoreReceipt(file_id=f.file_id, holder=node.id, ok=ok))]
        if sender != node.id:
            return [SendDirect(sender, CopyReceipt(file_id=f.file_id, holder=node.id, ok=ok))]
        return []

    def _redivert(self, node: NodeState) -> tuple[PastApp, list[AppEffect]]:
        """A diversion whose current candidate left the leaf set asks the next one."""
        leaf = node.leaf_set.members()
        effects: list[AppEffect] = []
        keep: list[PendingDivert] = []
        app = self
        for p in self.diverting:
            if p.candidates[0] in leaf:
                keep.append(p)
                continue
            step = app._next_candidate(node, p, keep)
            app, more = step
            effects.extend(more)
        if effects or len(keep) != len(self.diverting):
            app = attrs.evolve(app, diverting=tuple(keep))
        return app, effects

    def _next_candidate(
        self, node: NodeState, p: PendingDivert, keep: list[PendingDivert]
    ) -> tuple[PastApp, list[AppEffect]]:
        rest = p.candidates[1:]
        if rest:
            keep.append(attrs.evolve(p, candidates=rest))
            return self, [SendDirect(rest[0], self._divert_msg(node, p.file))]
        return self, self._receipt_to(node, p.file, p.client, p.sender, False)

    def _on_store_replica(self, node: NodeState, m: StoreReplica) -> AppStep:
        """R-PAST-3, R-PAST-9: a replica for an insert, or a maintenance copy."""
        f = StoredFile(
            file_id=m.file_id,
            owner=m.owner,
            k=m.k,
            size=m.size,
            content=m.content,
            told=m.holders,
        )
        have = self.entry(m.file_id)
        if self.gone(m.file_id, m.owner):
            return AppStep(self, tuple(self._receipt_to(node, f, m.client, m.sender, False)))
        if have is not None:
            if m.client is not None:  # a file id is never reused (R-PAST-3)
                return AppStep(self, tuple(self._receipt_to(node, f, m.client, m.sender, False)))
            app = self  # a maintenance copy of a file this node has an entry for: confirm it
            if have.kind is Kind.DIVERTED:  # now one of the k closest: the content is here
                app = self._put(node, attrs.evolve(have, kind=Kind.REPLICA, told=m.holders))
            elif have.kind is Kind.BACKUP:  # now one of the k closest: the pointer is its entry
                app = self._put(node, attrs.evolve(have, kind=Kind.POINTER, told=m.holders))
            return AppStep(app, tuple(self._receipt_to(node, f, None, m.sender, True)))
        return self._primary(node, f, m.client, m.sender, [])

    def _on_divert_replica(self, node: NodeState, m: DivertReplica) -> AppStep:
        """R-PAST-11: a diversion target stores under t_div, once per file."""
        ok = (
            self.entry(m.file_id) is None
            and not self.gone(m.file_id, m.owner)
            and accepts(m.size, self._free(node), T_DIV)
        )
        app = self
        if ok:
            f = StoredFile(
                file_id=m.file_id,
                owner=m.owner,
                k=m.k,
                size=m.size,
                content=m.content,
                kind=Kind.DIVERTED,
            )
            app = self._put(node, f)
        receipt = DivertReceipt(file_id=m.file_id, holder=node.id, ok=ok)
        return AppStep(app, (SendDirect(m.pointer, receipt),))

    def _on_divert_receipt(self, node: NodeState, m: DivertReceipt) -> AppStep:
        """R-PAST-11: keep a pointer and a second one on the (k+1)-th closest, or try the next
        candidate; the store receipt goes out now."""
        for p in self.diverting:
            if p.file.file_id == m.file_id and p.candidates[0] == m.holder:
                break
        else:
            return AppStep(self)
        keep = [q for q in self.diverting if q is not p]
        if m.ok and self.gone(m.file_id, p.file.owner):  # reclaimed meanwhile: undo it
            drop = SendDirect(m.holder, Discard(file_id=m.file_id, owner=p.file.owner))
            refuse = self._receipt_to(node, p.file, p.client, p.sender, False)
            return AppStep(attrs.evolve(self, diverting=tuple(keep)), (drop, *refuse))
        if not m.ok or m.holder not in node.leaf_set.members():  # refused, or failed since
            app, effects = self._next_candidate(node, p, keep)
            return AppStep(attrs.evolve(app, diverting=tuple(keep)), tuple(effects))
        f = attrs.evolve(p.file, content="", kind=Kind.POINTER, target=m.holder)
        app = attrs.evolve(self, diverting=tuple(keep))._put(node, f)
        effects = self._receipt_to(node, f, p.client, p.sender, True)
        wider = replica_set(node, f.file_id, f.k + 1)
        if len(wider) > f.k and wider[f.k] not in (m.holder, node.id):
            backup = StorePointer(
                file_id=f.file_id, owner=f.owner, k=f.k, size=f.size, target=m.holder
            )
            effects.append(SendDirect(wider[f.k], backup))
        return AppStep(app, tuple(effects))

    def _on_store_pointer(self, node: NodeState, m: StorePointer) -> AppStep:
        if (
            self.entry(m.file_id) is not None
            or self.gone(m.file_id, m.owner)
            or m.target not in node.leaf_set.members()
        ):
            return AppStep(self)
        f = StoredFile(
            file_id=m.file_id,
            owner=m.owner,
            k=m.k,
            size=m.size,
            content="",
            kind=Kind.BACKUP,
            target=m.target,
        )
        return AppStep(self._put(node, f))

    def _on_push_copy(self, node: NodeState, m: PushCopy) -> AppStep:
        """R-PAST-12: a diversion target sends copies on its pointer holder's behalf."""
        f = self.holding(m.file_id)
        if f is None:  # it lost the file: each copy counts as refused, for the sender
            return AppStep(
                self,
                tuple(
                    SendDirect(m.sender, CopyReceipt(file_id=m.file_id, holder=t, ok=False))
                    for t in m.to
                ),
            )
        return AppStep(
            self, tuple(SendDirect(t, self._copy(f, None, m.sender, m.holders)) for t in m.to)
        )

    def _on_want_copy(self, node: NodeState, m: WantCopy) -> AppStep:
        """R-PAST-12: a node whose pointer broke asks the others of the k closest for a copy."""
        f = self.entry(m.file_id)
        if f is None or f.kind is Kind.DIVERTED:
            return AppStep(self)
        members = replica_set(node, f.file_id, f.k)
        g = attrs.evolve(f, told=_add(f.told, m.requester), awaiting=_add(f.awaiting, m.requester))
        return AppStep(self._put(node, g), tuple(self._push(node, f, (m.requester,), members)))

    def _on_copy_receipt(self, node: NodeState, m: CopyReceipt) -> AppStep:
        """R-PAST-13: a maintenance copy was stored or refused; maybe this entry can go now."""
        f = self.entry(m.file_id)
        if f is None:
            return AppStep(self)
        g = attrs.evolve(
            f,
            awaiting=_drop(f.awaiting, m.holder),
            refused=f.refused if m.ok else _add(f.refused, m.holder),
        )
        return attrs.evolve(self, stored=tuple(g if x is f else x for x in self.stored))._maintain(
            node, []
        )

    def _on_discard(self, node: NodeState, m: Discard) -> AppStep:
        """R-PAST-16: a refused attempt's replica (or pointer) is freed."""
        f = self.entry(m.file_id)
        if f is None or f.owner != m.owner:
            return AppStep(self)
        effects: tuple[AppEffect, ...] = ()
        if f.kind is Kind.POINTER and f.target is not None:
            effects = (SendDirect(f.target, m),)
        return AppStep(self._forget(m.file_id), effects)

    # -- receipts at the client (R-PAST-4, R-PAST-8, R-PAST-14, R-PAST-16) -----------------
    def _on_store_receipt(self, node: NodeState, m: StoreReceipt) -> AppStep:
        """R-PAST-4, R-PAST-8: k receipts acknowledge the insert; a refusal re-salts it and
        discards the attempt's replicas."""
        for p in self.inserts:
            if p.file_id == m.file_id:
                break
        else:
            # a late receipt of an earlier attempt of a pending insert: discard it (R-PAST-16)
            for q in self.inserts:
                for salt in range(q.salt):
                    old = file_id(node.config.space, q.request.name, q.request.owner, salt)
                    if old == m.file_id and m.ok:
                        drop = Discard(file_id=m.file_id, owner=q.request.owner)
                        return AppStep(self, (SendDirect(m.holder, drop),))
            return AppStep(self)
        rest = tuple(q for q in self.inserts if q is not p)
        if not m.ok:
            drops = tuple(
                SendDirect(h, Discard(file_id=p.file_id, owner=p.request.owner)) for h in p.receipts
            )
            if p.salt < min(self.retries, MAX_SALT):
                step = self._attempt(node, p.request, p.salt + 1)
                return AppStep(step.app, (*drops, *step.effects))
            failed = InsertFailed(attempts=p.salt + 1, reason="refused")
            app = attrs.evolve(self, inserts=rest)._spend(
                p.request.owner, -p.request.k * p.request.size
            )
            return AppStep(app, (*drops, Reply(p.request, failed)))
        receipts = _add(p.receipts, m.holder)
        if len(receipts) >= p.request.k:
            done = InsertOk(file_id=p.file_id, holders=receipts)
            return AppStep(attrs.evolve(self, inserts=rest), (Reply(p.request, done),))
        i = self.inserts.index(p)
        now = attrs.evolve(p, receipts=receipts)
        return AppStep(attrs.evolve(self, inserts=(*rest[:i], now, *rest[i:])))

    def _found(self, node: NodeState, m: FileFound) -> AppStep:
        for q in self.lookups:
            if q.id == m.id and q.file_id == m.file_id:
                rest = tuple(x for x in self.lookups if x is not q)
                answer = LookupResult(file_id=m.file_id, content=m.content, holder=m.holder)
                app = attrs.evolve(self, lookups=rest)
                if m.content is not None and m.holder != node.id:
                    app = app._cache_found(node, m)
                return AppStep(app, (Reply(q, answer),))
        return AppStep(self)

    def _cache_found(self, node: NodeState, m: FileFound) -> PastApp:
        """R-PAST-15: the client keeps a copy of what it looked up."""
        assert m.content is not None
        return self._cache(node, m.file_id, m.owner, m.size, m.content)

    def _on_file_found(self, node: NodeState, m: FileFound) -> AppStep:
        return self._found(node, m)

    # -- reclaim (R-PAST-6, R-PAST-14) -----------------------------------------------------
    def _on_reclaim_file(self, node: NodeState, m: ReclaimFile) -> AppStep:
        """R-PAST-6: only the owner's reclaim is accepted; the root frees its entry and tells
        the rest of its k + 1 closest (a pointer holder passes it to its target)."""
        held = self.entry(m.file_id)
        if held is None or held.owner != m.owner:
            no = ReclaimReceipt(
                file_id=m.file_id, id=m.id, holder=node.id, ok=False, expected=1, slot=node.id
            )
            return AppStep(self, (SendDirect(m.client, no),))
        others = [n for n in replica_set(node, m.file_id, held.k + 1) if n != node.id]
        effects: list[AppEffect] = [
            SendDirect(
                n,
                ReclaimReplica(file_id=m.file_id, owner=m.owner, client=m.client, id=m.id, slot=n),
            )
            for n in others
        ]
        slot: int | None = node.id
        if held.kind is Kind.POINTER and held.target is not None:
            slot = None  # the target answers for the root
            fwd = ReclaimReplica(
                file_id=m.file_id, owner=m.owner, client=m.client, id=m.id, slot=node.id
            )
            effects.append(SendDirect(held.target, fwd))
        yes = ReclaimReceipt(
            file_id=m.file_id,
            id=m.id,
            holder=node.id,
            ok=True,
            expected=1 + len(others),
            slot=slot,
            credit=held.k * held.size,
        )
        effects.append(SendDirect(m.client, yes))
        return AppStep(self._forget(m.file_id, m.owner), tuple(effects))

    def _on_reclaim_replica(self, node: NodeState, m: ReclaimReplica) -> AppStep:
        held = self.entry(m.file_id)
        app = self
        if held is None or held.owner == m.owner:
            app = self._forget(m.file_id, m.owner)
        if (
            held is not None
            and held.owner == m.owner
            and held.kind is Kind.POINTER
            and held.target is not None
            and m.slot == node.id
        ):
            return AppStep(app, (SendDirect(held.target, m),))  # its target answers for it
        receipt = ReclaimReceipt(
            file_id=m.file_id, id=m.id, holder=node.id, ok=True, expected=0, slot=m.slot
        )
        return AppStep(app, (SendDirect(m.client, receipt),))

    def _on_reclaim_receipt(self, node: NodeState, m: ReclaimReceipt) -> AppStep:
        for p in self.reclaims:
            if p.request.id == m.id and p.request.file_id == m.file_id:
                break
        else:
            return AppStep(self)
        rest = tuple(q for q in self.reclaims if q is not p)
        if m.expected and not m.ok:
            res = ReclaimResult(file_id=m.file_id, ok=False, receipts=(m.holder,))
            return AppStep(attrs.evolve(self, reclaims=rest), (Reply(p.request, res),))
        receipts = p.receipts if m.slot is None else _add(p.receipts, m.slot)
        expected = m.expected if m.expected else p.expected
        credit = m.credit or p.credit
        if expected is not None and len(receipts) >= expected:
            res = ReclaimResult(file_id=m.file_id, ok=True, receipts=receipts)
            app = attrs.evolve(self, reclaims=rest)._spend(p.request.owner, -credit)
            return AppStep(app, (Reply(p.request, res),))
        i = self.reclaims.index(p)
        now = attrs.evolve(p, receipts=receipts, expected=expected, credit=credit)
        return AppStep(attrs.evolve(self, reclaims=(*rest[:i], now, *rest[i:])))


_HANDLERS: dict[type, object] = {
    StoreReplica: PastApp._on_store_replica,
    StoreReceipt: PastApp._on_store_receipt,
    CopyReceipt: PastApp._on_copy_receipt,
    DivertReplica: PastApp._on_divert_replica,
    DivertReceipt: PastApp._on_divert_receipt,
    StorePointer: PastApp._on_store_pointer,
    PushCopy: PastApp._on_push_copy,
    WantCopy: PastApp._on_want_copy,
    Discard: PastApp._on_discard,
    FileFound: PastApp._on_file_found,
    ReclaimFile: PastApp._on_reclaim_file,
    ReclaimReplica: PastApp._on_reclaim_replica,
    ReclaimReceipt: PastApp._on_reclaim_receipt,
}
