"""PAST's properties, judged from the World: its hosts' PAST state and the replies (ghost history).

Owns: NoOverCapacity, LookupReturnsInserted, AckedHadKHolders (a transition property),
ReplicaPlacement, LookupComplete and ReclaimSettled (convergence: judged in terminal states)
and NoFileLost, registered with ``register_property`` on import; ``valid_entry`` (a replica or
a pointer to a live node holding the file).
Rule 1: each evaluator returns named ``Violation``s, never a bare False. Rule 2: each holds
vacuously (returns []) in a World whose hosts run no ``PastApp``. Rule 3: an acknowledged file is
one with an ``InsertOk`` reply; it is exempt from ReplicaPlacement and NoFileLost once a reclaim
of it started (pending at its client) or succeeded (weak reclaim semantics, R-PAST-6).
Table: spec/invariants.md (PAST section); rules: spec/past.md.
"""

from __future__ import annotations

import attrs

from pastry_ref.app.host import Host
from pastry_ref.node.messages import DirectMessage
from pastry_ref.node.state import Status
from pastry_ref.past.app import PastApp
from pastry_ref.past.messages import (
    MAX_SALT,
    DivertReplica,
    Insert,
    InsertOk,
    LookupFile,
    LookupResult,
    PushCopy,
    ReclaimResult,
    StoreReplica,
    file_id,
)
from pastry_ref.system.actions import Request, WorldAction
from pastry_ref.system.consistency import Violation
from pastry_ref.system.drive import quiesce
from pastry_ref.system.invariants import register_property
from pastry_ref.system.world import World

__all__ = [
    "acked_hadk_holders",
    "acknowledged",
    "lookup_complete",
    "lookup_returns_inserted",
    "no_file_lost",
    "no_over_capacity",
    "reclaim_settled",
    "replica_placement",
    "valid_entry",
]


def _past(world: World) -> list[tuple[Host, PastApp]]:
    out = []
    for h in world.hosts:
        for a in h.apps:
            if isinstance(a, PastApp):
                out.append((h, a))
    return out


def _live(world: World, h: Host) -> bool:
    return h.node.status is not Status.DEAD and not world.is_down(h.id)


def acknowledged(world: World) -> dict[int, tuple[Insert, InsertOk]]:
    """Every acknowledged insert, by file id."""
    out: dict[int, tuple[Insert, InsertOk]] = {}
    for _, reply in world.replies:
        if isinstance(reply.response, InsertOk) and isinstance(reply.request, Insert):
            out[reply.response.file_id] = (reply.request, reply.response)
    return out


def _app(world: World, x: int) -> PastApp:
    a = world.host(x).app(PastApp)
    assert isinstance(a, PastApp)
    return a


def valid_entry(world: World, x: int, fid: int) -> bool:
    """Node ``x`` holds file ``fid``: a replica (or diverted replica), or a pointer whose
    target is live and holds it (a valid pointer chain, R-PAST-11)."""
    f = _app(world, x).entry(fid)
    if f is None:
        return False
    if f.has_content:
        return True
    t = f.target
    return (
        t is not None
        and not world.is_down(t)
        and world.node(t).status is not Status.DEAD
        and _app(world, t).holding(fid) is not None
    )


def _reclaimed(world: World, hosts: list[tuple[Host, PastApp]]) -> set[int]:
    out = {
        r.response.file_id
        for _, r in world.replies
        if isinstance(r.response, ReclaimResult) and r.response.ok
    }
    for _, a in hosts:
        out.update(p.request.file_id for p in a.reclaims)
    return out


def no_over_capacity(world: World) -> list[Violation]:
    """No node stores more than its capacity (R-PAST-7)."""
    out = []
    for h, a in _past(world):
        if a.used() > a.capacity_of(h.id):
            out.append(
                Violation(
                    "NoOverCapacity",
                    f"node {h.id} stores {a.used()} units, capacity {a.capacity_of(h.id)}",
                )
            )
    return out


def lookup_returns_inserted(world: World) -> list[Violation]:
    """A lookup never answers content other than what some insert stored under that file id."""
    answers = [
        (node, r.response)
        for node, r in world.replies
        if isinstance(r.response, LookupResult) and r.response.content is not None
    ]
    hosts = _past(world) if answers else []
    if not hosts:
        return []
    space = world.config.space
    inserts = [r.request for _, r in world.replies if isinstance(r.request, Insert)]
    inserts += [p.request for _, a in hosts for p in a.inserts]
    under: dict[int, set[str]] = {}
    for ins in inserts:
        for salt in range(MAX_SALT + 1):
            under.setdefault(file_id(space, ins.name, ins.owner, salt), set()).add(ins.content)
    out = []
    for node, res in answers:
        if res.content is not None and res.content not in under.get(res.file_id, set()):
            out.append(
                Violation(
                    "LookupReturnsInserted",
                    f"node {node} answered {res.content!r} for file {res.file_id}, "
                    "which no insert stored under that id",
                )
            )
    return out


def acked_hadk_holders(before: World, action: WorldAction, after: World) -> list[Violation]:
    """An insert is acknowledged only when k distinct nodes hold its file, a replica or a
    pointer to a diverted one (or held it and are down since, or point to a target down since,
    or freed it for a reclaim of the file that has started)."""
    if len(after.replies) == len(before.replies) or not _past(after):
        return []
    old = set(before.replies)
    out = []
    for node, r in after.replies:
        if (node, r) in old or not isinstance(r.response, InsertOk):
            continue
        assert isinstance(r.request, Insert)
        ok = r.response
        if len(set(ok.holders)) < r.request.k:
            out.append(
                Violation(
                    "AckedHadKHolders",
                    f"insert of {ok.file_id} acknowledged with {len(ok.holders)} holder(s), "
                    f"k={r.request.k}",
                )
            )
        if ok.file_id in _reclaimed(after, _past(after)):
            continue  # a reclaim raced the last receipt and freed some replicas (R-PAST-6)
        for x in ok.holders:
            if after.is_down(x):
                continue
            f = _app(after, x).entry(ok.file_id)
            t = None if f is None else f.target
            if f is None or (
                t is not None and not after.is_down(t) and not valid_entry(after, x, ok.file_id)
            ):  # a pointer whose target is down since held the file (like a down holder)
                out.append(
                    Violation(
                        "AckedHadKHolders",
                        f"insert of {ok.file_id} acknowledged naming node {x}, which holds "
                        "no replica and no valid pointer",
                    )
                )
    return out


def _in_flight(world: World) -> set[int]:
    out = set()
    for e in world.network:
        msg = e.msg
        if isinstance(msg, DirectMessage) and isinstance(
            msg.payload, StoreReplica | DivertReplica | PushCopy
        ):
            out.add(msg.payload.file_id)
    return out


def replica_placement(world: World) -> list[Violation]:
    """Every acknowledged, unreclaimed file that some live node holds has a valid entry (a
    replica, or a pointer to a live node holding it) on each of its k closest ready nodes (a
    convergence property, R-PAST-9, R-PAST-11)."""
    acked = acknowledged(world)
    hosts = _past(world) if acked else []
    if not hosts:
        return []
    live = [(h, a) for h, a in hosts if h.node.status is Status.READY]
    reclaimed = _reclaimed(world, hosts)
    space = world.config.space
    out = []
    for fid, (ins, _) in sorted(acked.items()):
        if fid in reclaimed or not any(a.holding(fid) for _, a in live):
            continue
        closest = space.sort_by_closeness(fid, [h.id for h, _ in live])[: ins.k]
        for x in closest:
            if not valid_entry(world, x, fid):
                out.append(
                    Violation(
                        "ReplicaPlacement",
                        f"file {fid} (k={ins.k}) has neither a replica nor a valid pointer on "
                        f"node {x}, one of its {ins.k} closest ready nodes {list(closest)}",
                    )
                )
    return out


def _live_files(world: World, hosts: list[tuple[Host, PastApp]]) -> list[int]:
    acked = acknowledged(world)
    reclaimed = _reclaimed(world, hosts)
    return [
        fid
        for fid in sorted(acked)
        if fid not in reclaimed and any(a.holding(fid) for h, a in hosts if _live(world, h))
    ]


PROBE_ID = -1
"""The lookup id LookupComplete's probes use (client requests use ids >= 0)."""


def lookup_complete(world: World) -> list[Violation]:
    """In a quiescent state, a lookup for a live file (acknowledged, unreclaimed, held by a live
    node) issued at any ready node finds it: the property runs each such lookup to quiescence
    on a copy of the World and judges its answer (R-PAST-5, R-PAST-12)."""
    hosts = _past(world) if world.replies else []
    if not hosts:
        return []
    out = []
    for fid in _live_files(world, hosts):
        for h, _ in hosts:
            if h.node.status is not Status.READY or world.is_down(h.id):
                continue
            probe = LookupFile(file_id=fid, id=PROBE_ID)
            w = attrs.evolve(world, requests_left=(*world.requests_left, (h.id, probe)))
            w = quiesce(w.apply(Request(h.id, probe)))[0]
            answers = [
                r.response
                for _, r in w.replies
                if r.request == probe and isinstance(r.response, LookupResult)
            ]
            if not answers or answers[0].content is None:
                got = "no answer" if not answers else f"not found at node {answers[0].holder}"
                out.append(
                    Violation(
                        "LookupComplete",
                        f"a lookup of live file {fid} from node {h.id} in a quiescent state: {got}",
                    )
                )
    return out


def reclaim_settled(world: World) -> list[Violation]:
    """After a successful reclaim settles, no live node keeps a replica, diverted replica or
    pointer of the file (cached copies may stay: reclaim is weak, R-PAST-6)."""
    done = {
        r.response.file_id
        for _, r in world.replies
        if isinstance(r.response, ReclaimResult) and r.response.ok
    }
    hosts = _past(world) if done else []
    out = []
    for fid in sorted(done):
        left = [h.id for h, a in hosts if _live(world, h) and a.entry(fid) is not None]
        if left:
            out.append(
                Violation(
                    "ReclaimSettled", f"file {fid} was reclaimed but nodes {left} still hold it"
                )
            )
    return out


def no_file_lost(world: World) -> list[Violation]:
    """No acknowledged, unreclaimed file is lost (no live node holds it and no copy of it is in
    flight). Holds while fewer than k of a file's holders fail before maintenance restores it."""
    acked = acknowledged(world)
    hosts = _past(world) if acked else []
    if not hosts:
        return []
    reclaimed = _reclaimed(world, hosts)
    flying = _in_flight(world)
    out = []
    for fid, (ins, _) in sorted(acked.items()):
        if fid in reclaimed or fid in flying:
            continue
        if not any(a.holding(fid) for h, a in hosts if _live(world, h)):
            failed = [h.id for h, a in hosts if world.is_down(h.id) and a.holding(fid)]
            out.append(
                Violation(
                    "NoFileLost",
                    f"file {fid} (k={ins.k}) is lost: its holders {failed} are down",
                )
            )
    return out


register_property("NoOverCapacity", no_over_capacity)
register_property("LookupReturnsInserted", lookup_returns_inserted)
register_property("AckedHadKHolders", transition=acked_hadk_holders)
register_property("NoFileLost", no_file_lost)
register_property("ReplicaPlacement", replica_placement, convergence=("terminal",))
register_property("LookupComplete", lookup_complete, convergence=("terminal",))
register_property("ReclaimSettled", reclaim_settled, convergence=("terminal",))
