"""The PAST application: replicated, immutable file storage over Pastry (SOSP 2001).

Owns: ``PastApp`` (one node's PAST state: its capacity, the replicas it stores and, as a client,
its pending inserts, lookups and reclaims), ``StoredFile``, ``PendingInsert``,
``PendingReclaim``, ``accepts`` (the acceptance test) and ``check_k`` (the bound on k).
Rule 1: pure: the app reads the node only through the Common API queries (``replica_set``) and
changes nothing but its own value; every effect is a ``Route``, ``SendDirect`` or ``Reply``.
Rule 2: state is tuples sorted by file id (or in arrival order, for a client's pending
operations), so a state is hashable and its effects come out in a deterministic order.
Rule 3: a node's storage never exceeds its capacity: every replica passes ``accepts`` (R-PAST-7).
Rules: R-PAST-1..10 (spec/past.md).
"""

from __future__ import annotations

from collections.abc import Hashable
from typing import ClassVar

import attrs

from pastry_ref.app.api import App, AppEffect, AppStep, Reply
from pastry_ref.errors import ConfigError
from pastry_ref.node.inputs import ForwardTo, Route, SendDirect
from pastry_ref.node.payload import AppMessage
from pastry_ref.node.state import NodeState, replica_set
from pastry_ref.past.messages import (
    MAX_SALT,
    FileFound,
    FindFile,
    Insert,
    InsertFailed,
    InsertFile,
    InsertOk,
    LookupFile,
    LookupResult,
    Reclaim,
    ReclaimFile,
    ReclaimReceipt,
    ReclaimReplica,
    ReclaimResult,
    StoreReceipt,
    StoreReplica,
    file_id,
)
from pastry_ref.ring.config import Config

__all__ = [
    "T_PRI",
    "PastApp",
    "PendingInsert",
    "PendingReclaim",
    "StoredFile",
    "accepts",
    "check_k",
    "k_bound",
]

T_PRI = (1, 10)
"""t_pri = 0.1 as a fraction: a node refuses a replica when size / free > t_pri (R-PAST-7)."""


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


def accepts(size: int, free: int) -> bool:
    """R-PAST-7: the acceptance test: refuse when size / free > t_pri (so when free is 0)."""
    num, den = T_PRI
    return size * den <= num * free


@attrs.frozen(slots=True, kw_only=True)
class StoredFile:
    """A replica this node holds; ``told`` the nodes it already gave the file to (or knew to
    hold it), so maintenance offers each node the file once (R-PAST-9)."""

    file_id: int
    owner: str
    k: int
    size: int
    content: str
    told: tuple[int, ...] = ()


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
    """A client's reclaim in progress: receipts so far and, once the root's receipt is in, how
    many to expect (R-PAST-6)."""

    request: Reclaim
    receipts: tuple[int, ...] = ()
    expected: int | None = None


def _add(xs: tuple[int, ...], x: int) -> tuple[int, ...]:
    return xs if x in xs else tuple(sorted((*xs, x)))


@attrs.frozen(slots=True, cache_hash=True)
class PastApp(App):
    """One node's PAST: ``capacity`` (storage units; ``capacities`` overrides it per node id),
    ``stored`` replicas sorted by file id, and the pending client operations."""

    NAME: ClassVar[str] = "past"
    PAYLOADS: ClassVar[tuple[type, ...]] = (
        InsertFile,
        StoreReplica,
        StoreReceipt,
        FindFile,
        FileFound,
        ReclaimFile,
        ReclaimReplica,
        ReclaimReceipt,
    )
    REQUESTS: ClassVar[tuple[type, ...]] = (Insert, LookupFile, Reclaim)

    capacity: int = 100
    capacities: tuple[tuple[int, int], ...] = ()
    stored: tuple[StoredFile, ...] = ()
    inserts: tuple[PendingInsert, ...] = ()
    lookups: tuple[LookupFile, ...] = ()
    reclaims: tuple[PendingReclaim, ...] = ()

    # -- queries ---------------------------------------------------------------------------
    def capacity_of(self, node_id: int) -> int:
        """The capacity of node ``node_id``'s storage."""
        for n, c in self.capacities:
            if n == node_id:
                return c
        return self.capacity

    def used(self) -> int:
        """Storage units the stored replicas take."""
        return sum(f.size for f in self.stored)

    def holding(self, fid: int) -> StoredFile | None:
        """The replica of ``fid`` this node holds, if any."""
        for f in self.stored:
            if f.file_id == fid:
                return f
        return None

    def _free(self, node: NodeState) -> int:
        return self.capacity_of(node.id) - self.used()

    def _store(self, f: StoredFile) -> PastApp:
        stored = tuple(sorted((*self.stored, f), key=lambda s: s.file_id))
        return attrs.evolve(self, stored=stored)

    def _free_file(self, fid: int) -> PastApp:
        return attrs.evolve(self, stored=tuple(f for f in self.stored if f.file_id != fid))

    # -- client requests -------------------------------------------------------------------
    def request(self, node: NodeState, request: Hashable) -> AppStep:
        if isinstance(request, Insert):
            if not 1 <= request.k <= k_bound(node.config):
                reply = Reply(request, InsertFailed(attempts=0, reason="k-bound"))
                return AppStep(self, (reply,))
            return self._attempt(node, request, 0)
        if isinstance(request, LookupFile):
            held = self.holding(request.file_id)
            if held is not None:  # the first node on the route is the client itself
                answer = LookupResult(file_id=held.file_id, content=held.content, holder=node.id)
                return AppStep(self, (Reply(request, answer),))
            app = attrs.evolve(self, lookups=(*self.lookups, request))
            find = FindFile(file_id=request.file_id, client=node.id, id=request.id)
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
        if isinstance(payload, InsertFile):
            return self._insert_at_root(node, payload)
        if isinstance(payload, StoreReplica):
            return self._store_replica(node, payload)
        if isinstance(payload, StoreReceipt):
            return self._receipt(node, payload)
        if isinstance(payload, FindFile):
            held = self.holding(payload.file_id)
            found = FileFound(
                file_id=payload.file_id,
                id=payload.id,
                content=None if held is None else held.content,
                holder=node.id,
            )
            return AppStep(self, (SendDirect(payload.client, found),))
        if isinstance(payload, FileFound):
            return self._found(payload)
        if isinstance(payload, ReclaimFile):
            return self._reclaim_at_root(node, payload)
        if isinstance(payload, ReclaimReplica):
            held = self.holding(payload.file_id)
            app = self
            if held is not None and held.owner == payload.owner:
                app = self._free_file(payload.file_id)
            receipt = ReclaimReceipt(
                file_id=payload.file_id, id=payload.id, holder=node.id, ok=True, expected=0
            )
            return AppStep(app, (SendDirect(payload.client, receipt),))
        assert isinstance(payload, ReclaimReceipt)
        return self._reclaim_receipt(payload)

    def forward(
        self, node: NodeState, key: int, payload: AppMessage, next_hop: int
    ) -> tuple[AppStep, ForwardTo | None]:
        """R-PAST-5: the first node on a lookup's route that holds a replica answers it."""
        if isinstance(payload, FindFile):
            held = self.holding(payload.file_id)
            if held is not None:
                found = FileFound(
                    file_id=held.file_id, id=payload.id, content=held.content, holder=node.id
                )
                return AppStep(self, (SendDirect(payload.client, found),)), None
        return AppStep(self), ForwardTo(key, payload, next_hop)

    def update(self, node: NodeState, member: int, joined: bool) -> AppStep:
        """R-PAST-9: replica maintenance. Each holder offers each file to the nodes of its
        replica set it has not told yet."""
        effects: list[AppEffect] = []
        stored: list[StoredFile] = []
        for f in self.stored:
            members = replica_set(node, f.file_id, f.k)
            new = [m for m in members if m != node.id and m not in f.told]
            for m in new:
                copy = StoreReplica(
                    file_id=f.file_id,
                    owner=f.owner,
                    k=f.k,
                    size=f.size,
                    content=f.content,
                    client=None,
                    holders=members,
                )
                effects.append(SendDirect(m, copy))
            stored.append(f if not new else attrs.evolve(f, told=tuple(sorted({*f.told, *new}))))
        if not effects:
            return AppStep(self)
        return AppStep(attrs.evolve(self, stored=tuple(stored)), tuple(effects))

    # -- handlers --------------------------------------------------------------------------
    def _insert_at_root(self, node: NodeState, m: InsertFile) -> AppStep:
        """R-PAST-3: the root stores the file and tells the other k-1 of its replica set."""
        members = replica_set(node, m.file_id, m.k)
        refuse = SendDirect(m.client, StoreReceipt(file_id=m.file_id, holder=node.id, ok=False))
        if (
            len(members) < m.k
            or node.id not in members
            or self.holding(m.file_id) is not None
            or not accepts(m.size, self._free(node))
        ):
            return AppStep(self, (refuse,))
        f = StoredFile(
            file_id=m.file_id, owner=m.owner, k=m.k, size=m.size, content=m.content, told=members
        )
        effects: list[AppEffect] = []
        for other in members:
            if other != node.id:
                replica = StoreReplica(
                    file_id=m.file_id,
                    owner=m.owner,
                    k=m.k,
                    size=m.size,
                    content=m.content,
                    client=m.client,
                    holders=members,
                )
                effects.append(SendDirect(other, replica))
        ok = StoreReceipt(file_id=m.file_id, holder=node.id, ok=True)
        effects.append(SendDirect(m.client, ok))
        return AppStep(self._store(f), tuple(effects))

    def _store_replica(self, node: NodeState, m: StoreReplica) -> AppStep:
        """R-PAST-3, R-PAST-7, R-PAST-9: store a replica if it passes the acceptance test and
        the file id is new here; an insert's replica is answered with a store receipt."""
        ok = self.holding(m.file_id) is None and accepts(m.size, self._free(node))
        app = self
        if ok:
            f = StoredFile(
                file_id=m.file_id,
                owner=m.owner,
                k=m.k,
                size=m.size,
                content=m.content,
                told=m.holders,
            )
            app = self._store(f)
        if m.client is None:
            return AppStep(app)
        receipt = StoreReceipt(file_id=m.file_id, holder=node.id, ok=ok)
        return AppStep(app, (SendDirect(m.client, receipt),))

    def _receipt(self, node: NodeState, m: StoreReceipt) -> AppStep:
        """R-PAST-4, R-PAST-8: k receipts acknowledge the insert; a refusal re-salts it."""
        for p in self.inserts:
            if p.file_id == m.file_id:
                break
        else:
            return AppStep(self)  # a late receipt of an earlier attempt, or a duplicate
        rest = tuple(q for q in self.inserts if q is not p)
        if not m.ok:
            if p.salt < MAX_SALT:
                return self._attempt(node, p.request, p.salt + 1)
            failed = InsertFailed(attempts=MAX_SALT + 1, reason="refused")
            return AppStep(attrs.evolve(self, inserts=rest), (Reply(p.request, failed),))
        receipts = _add(p.receipts, m.holder)
        if len(receipts) >= p.request.k:
            done = InsertOk(file_id=p.file_id, holders=receipts)
            return AppStep(attrs.evolve(self, inserts=rest), (Reply(p.request, done),))
        i = self.inserts.index(p)
        now = attrs.evolve(p, receipts=receipts)
        return AppStep(attrs.evolve(self, inserts=(*rest[:i], now, *rest[i:])))

    def _found(self, m: FileFound) -> AppStep:
        for q in self.lookups:
            if q.id == m.id and q.file_id == m.file_id:
                rest = tuple(x for x in self.lookups if x is not q)
                answer = LookupResult(file_id=m.file_id, content=m.content, holder=m.holder)
                return AppStep(attrs.evolve(self, lookups=rest), (Reply(q, answer),))
        return AppStep(self)

    def _reclaim_at_root(self, node: NodeState, m: ReclaimFile) -> AppStep:
        """R-PAST-6: only the owner's reclaim is accepted; the root frees its replica and tells
        the rest of its replica set."""
        held = self.holding(m.file_id)
        if held is None or held.owner != m.owner:
            no = ReclaimReceipt(file_id=m.file_id, id=m.id, holder=node.id, ok=False, expected=1)
            return AppStep(self, (SendDirect(m.client, no),))
        others = [n for n in replica_set(node, m.file_id, held.k) if n != node.id]
        effects: list[AppEffect] = [
            SendDirect(
                n, ReclaimReplica(file_id=m.file_id, owner=m.owner, client=m.client, id=m.id)
            )
            for n in others
        ]
        yes = ReclaimReceipt(
            file_id=m.file_id, id=m.id, holder=node.id, ok=True, expected=1 + len(others)
        )
        effects.append(SendDirect(m.client, yes))
        return AppStep(self._free_file(m.file_id), tuple(effects))

    def _reclaim_receipt(self, m: ReclaimReceipt) -> AppStep:
        for p in self.reclaims:
            if p.request.id == m.id and p.request.file_id == m.file_id:
                break
        else:
            return AppStep(self)
        rest = tuple(q for q in self.reclaims if q is not p)
        if m.expected and not m.ok:
            res = ReclaimResult(file_id=m.file_id, ok=False, receipts=(m.holder,))
            return AppStep(attrs.evolve(self, reclaims=rest), (Reply(p.request, res),))
        receipts = _add(p.receipts, m.holder)
        expected = m.expected if m.expected else p.expected
        if expected is not None and len(receipts) >= expected:
            res = ReclaimResult(file_id=m.file_id, ok=True, receipts=receipts)
            return AppStep(attrs.evolve(self, reclaims=rest), (Reply(p.request, res),))
        i = self.reclaims.index(p)
        now = attrs.evolve(p, receipts=receipts, expected=expected)
        return AppStep(attrs.evolve(self, reclaims=(*rest[:i], now, *rest[i:])))
