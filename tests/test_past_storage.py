"""PAST storage management: replica diversion and pointers, dropping, quotas, caching, discard
on abort (R-PAST-11..16) and the properties LookupComplete and ReclaimSettled.

Rules: spec/past.md; properties: spec/invariants.md (PAST). Each test pins the messages a step
sends and to whom, or the state a whole run settles in; planted states show each new property
can fail. Ring: 17, 95, 140, 200 (8-bit ids, L = 4, so k <= 3); file "a" of owner "o" has id 5,
whose closest nodes are 17, 200, 95, 140 in that order.
"""

from __future__ import annotations

from pathlib import Path

import attrs

import pastry_ref.check.apps  # noqa: F401 - registers PAST's properties
from pastry_ref.app import Host, LookupApp
from pastry_ref.app.api import AppStep, Reply
from pastry_ref.check.model import PastryModel
from pastry_ref.check.scenario_file import load_scenario_file
from pastry_ref.node import NodeState, StartFirst, step
from pastry_ref.node.inputs import Route, SendDirect
from pastry_ref.oracle.ideal import ideal_tables
from pastry_ref.past import (
    GDS_SCALE,
    CachedFile,
    CopyReceipt,
    Discard,
    DivertReceipt,
    DivertReplica,
    FileFound,
    FindFile,
    Insert,
    InsertFailed,
    InsertOk,
    Kind,
    LookupFile,
    LookupResult,
    PastApp,
    PendingDivert,
    PendingReclaim,
    PushCopy,
    Reclaim,
    ReclaimFile,
    ReclaimReceipt,
    ReclaimReplica,
    ReclaimResult,
    StoredFile,
    StorePointer,
    StoreReceipt,
    StoreReplica,
    WantCopy,
    file_id,
)
from pastry_ref.past.invariants import (
    lookup_complete,
    no_file_lost,
    no_over_capacity,
    reclaim_settled,
    replica_placement,
    valid_entry,
)
from pastry_ref.past.store import cache_hit, cache_insert, make_room
from pastry_ref.ring.config import Config
from pastry_ref.system import Crash, Join, World, WorldSpec, quiesce, settle
from pastry_ref.system import Request as RequestAction
from pastry_ref.system.actions import Receive

CFG = Config.make(bits=8, b=4, leaf_set_size=4, neighborhood_size=2)
RING = (17, 95, 140, 200)
SPACE = CFG.space
# a bound on deliveries: the real runs here take at most ~50; a mutant that never goes quiet
# (e.g. re-salting forever) fails by name with Livelock instead of hanging
STEPS = 2_000
FID = file_id(SPACE, "a", "o", 0)
INS = Insert(name="a", owner="o", k=2, size=5, content="hello")


def ready(n: int, ring: tuple[int, ...] = RING) -> NodeState:
    state = step(NodeState.new(n, CFG), StartFirst()).node
    t = ideal_tables(ring, CFG)[n]
    return attrs.evolve(
        state, leaf_set=t.leaf_set, routing_table=t.routing_table, neighborhood=t.neighborhood
    )


def world(app: PastApp, *requests: tuple[int, object], crashes: tuple[int, ...] = ()) -> World:
    spec = WorldSpec(CFG, RING, crashes=crashes, apps=(LookupApp(), app), requests=requests)
    return spec.initial_world()


def run(w: World, origin: int, request: object) -> World:
    if (origin, request) not in w.requests_left:
        w = attrs.evolve(w, requests_left=(*w.requests_left, (origin, request)))
    return quiesce(w.apply(RequestAction(origin, request)), max_steps=STEPS)[0]


def past(w: World, n: int) -> PastApp:
    a = w.host(n).app(PastApp)
    assert isinstance(a, PastApp)
    return a


def responses(w: World) -> list[object]:
    return [r.response for _, r in w.replies]


def replica(client: int | None = 17, sender: int = 17) -> StoreReplica:
    return StoreReplica(
        file_id=FID,
        owner="o",
        k=2,
        size=5,
        content="hello",
        client=client,
        holders=(17, 200),
        sender=sender,
    )


def diverted(pointer: int = 200) -> DivertReplica:
    return DivertReplica(file_id=FID, owner="o", k=2, size=5, content="hello", pointer=pointer)


def with_app(w: World, n: int, app: PastApp) -> World:
    i = [h.id for h in w.hosts].index(n)
    h = w.hosts[i]
    return attrs.evolve(w, hosts=(*w.hosts[:i], Host(h.node, (h.apps[0], app)), *w.hosts[i + 1 :]))


def test_file_5_closest_order() -> None:
    assert FID == 5 and SPACE.sort_by_closeness(FID, RING) == (17, 200, 95, 140)


# -- R-PAST-11: replica diversion --------------------------------------------------------------
def test_R_PAST_11_a_refusing_k_closest_node_asks_outside_the_k_closest() -> None:
    """200 (capacity 40: 5 * 10 > 40) refuses as a primary and asks 140 first: the leaf-set
    nodes outside the k closest in closeness order, the (k+1)-th closest (95) last."""
    res = PastApp(capacity=40).deliver(ready(200), None, replica())
    assert res.effects == (SendDirect(140, diverted()),)
    (pending,) = res.app.diverting  # type: ignore[attr-defined]
    assert pending.candidates == (140, 95) and pending.client == 17
    assert res.app.stored == ()  # type: ignore[attr-defined]


def test_R_PAST_11_the_target_applies_t_div() -> None:
    """A diversion target refuses when size / free > t_div = 0.05 (5 * 20 > 99)."""
    res = PastApp(capacity=99).deliver(ready(140), None, diverted())
    assert res.effects == (SendDirect(200, DivertReceipt(file_id=FID, holder=140, ok=False)),)
    assert res.app.stored == ()  # type: ignore[attr-defined]
    res = PastApp(capacity=100).deliver(ready(140), None, diverted())
    assert res.effects == (SendDirect(200, DivertReceipt(file_id=FID, holder=140, ok=True)),)
    (f,) = res.app.stored  # type: ignore[attr-defined]
    assert f.kind is Kind.DIVERTED and f.content == "hello"


def test_R_PAST_11_accepted_diversion_keeps_two_pointers_and_answers_the_client() -> None:
    node = ready(200)
    app = PastApp(capacity=40).deliver(node, None, replica()).app
    res = app.deliver(node, None, DivertReceipt(file_id=FID, holder=140, ok=True))
    assert res.effects == (
        SendDirect(17, StoreReceipt(file_id=FID, holder=200, ok=True)),
        SendDirect(95, StorePointer(file_id=FID, owner="o", k=2, size=5, target=140)),
    )
    f = res.app.entry(FID)  # type: ignore[attr-defined]
    assert f.kind is Kind.POINTER and f.target == 140 and f.space == 0
    assert res.app.diverting == ()  # type: ignore[attr-defined]


def test_R_PAST_11_a_refused_diversion_tries_the_next_then_refuses() -> None:
    node = ready(200)
    app = PastApp(capacity=40).deliver(node, None, replica()).app
    res = app.deliver(node, None, DivertReceipt(file_id=FID, holder=140, ok=False))
    assert res.effects == (SendDirect(95, diverted()),)
    res = res.app.deliver(node, None, DivertReceipt(file_id=FID, holder=95, ok=False))
    assert res.effects == (SendDirect(17, StoreReceipt(file_id=FID, holder=200, ok=False)),)
    assert res.app.diverting == () and res.app.stored == ()  # type: ignore[attr-defined]


def diverted_world() -> World:
    return run(world(PastApp(capacity=100, capacities=((200, 40),))), 17, INS)


def test_R_PAST_11_insert_with_a_diverted_replica_is_acknowledged() -> None:
    w = diverted_world()
    assert responses(w) == [InsertOk(file_id=FID, holders=(17, 200))]
    assert past(w, 17).entry(FID).kind is Kind.REPLICA  # type: ignore[union-attr]
    assert past(w, 200).entry(FID).kind is Kind.POINTER  # type: ignore[union-attr]
    assert past(w, 140).entry(FID).kind is Kind.DIVERTED  # type: ignore[union-attr]
    backup = past(w, 95).entry(FID)
    assert backup is not None and backup.kind is Kind.BACKUP and backup.target == 140
    assert valid_entry(w, 200, FID) and replica_placement(w) == []


# -- R-PAST-12: pointers: lookups follow them, maintenance keeps them valid -------------------
def test_R_PAST_12_a_pointer_redirects_a_lookup_once() -> None:
    node = ready(200)
    f = StoredFile(file_id=FID, owner="o", k=2, size=5, content="", kind=Kind.POINTER, target=140)
    app = PastApp(stored=(f,))
    find = FindFile(file_id=FID, client=95, id=1)
    step_, decision = app.forward(node, FID, find, 17)
    assert decision is None
    assert step_.effects == (
        SendDirect(140, FindFile(file_id=FID, client=95, id=1, followed=True)),
    )
    # a target that no longer holds the file routes the lookup on, pointers no longer followed
    res = PastApp().deliver(ready(140), None, attrs.evolve(find, followed=True))
    assert res.effects == (Route(FID, attrs.evolve(find, followed=True)),)


def test_R_PAST_12_lookup_through_the_backup_pointer() -> None:
    w = diverted_world()
    q = LookupFile(file_id=FID, id=1)
    w = run(w, 95, q)
    assert responses(w)[-1] == LookupResult(file_id=FID, content="hello", holder=140)


def test_R_PAST_12_the_backup_pointer_takes_over_when_the_pointer_holder_fails() -> None:
    w = diverted_world()
    w = attrs.evolve(w, crashes_left=(200,))
    w = settle(w.apply(Crash(200)))[0]
    f = past(w, 95).entry(FID)  # 95 is now one of the 2 closest: its pointer is its entry
    assert f is not None and f.kind is Kind.POINTER and f.target == 140
    assert replica_placement(w) == [] and no_file_lost(w) == [] and lookup_complete(w) == []


def test_R_PAST_12_a_broken_pointer_asks_for_a_copy_and_diverts_again() -> None:
    node = ready(200, (17, 95, 200))  # 140 has left 200's leaf set
    f = StoredFile(
        file_id=FID, owner="o", k=2, size=5, content="", told=(17, 200), kind=Kind.POINTER,
        target=140,
    )  # fmt: skip
    res = PastApp(capacity=40, stored=(f,)).update(node, 140, False)
    assert res.effects == (SendDirect(17, WantCopy(file_id=FID, requester=200)),)
    assert res.app.stored == ()  # type: ignore[attr-defined]
    w = diverted_world()
    w = attrs.evolve(w, crashes_left=(140,))
    w = settle(w.apply(Crash(140)))[0]
    g = past(w, 200).entry(FID)  # 200 re-diverted to 95, the one node left outside the 2
    assert g is not None and g.kind is Kind.POINTER and g.target == 95
    assert past(w, 95).entry(FID).kind is Kind.DIVERTED  # type: ignore[union-attr]
    assert replica_placement(w) == [] and no_file_lost(w) == []


def test_R_PAST_12_a_holder_answers_want_copy_with_a_maintenance_copy() -> None:
    f = StoredFile(file_id=FID, owner="o", k=2, size=5, content="hello", told=(17, 200))
    res = PastApp(stored=(f,)).deliver(ready(17), None, WantCopy(file_id=FID, requester=200))
    assert res.effects == (SendDirect(200, replica(client=None)),)
    assert res.app.entry(FID).awaiting == (200,)  # type: ignore[attr-defined]


# -- R-PAST-13: a node that left the k closest keeps only a cached copy ------------------------
def test_R_PAST_13_a_displaced_holder_demotes_after_the_newcomer_confirms() -> None:
    ring3 = (17, 95, 200)
    fid = file_id(SPACE, "b", "o", 0)  # 154: closest 200, 95; with 140 in: 140, 200
    ins = Insert(name="b", owner="o", k=2, size=5, content="x")
    spec = WorldSpec(
        CFG, ring3, ((140, 200),), apps=(LookupApp(), PastApp()), requests=((17, ins),)
    )
    w = quiesce(spec.initial_world().apply(RequestAction(17, ins)), max_steps=STEPS)[0]
    assert {n for n in ring3 if past(w, n).entry(fid)} == {95, 200}
    w = settle(w.apply(Join(140, 200)))[0]
    assert past(w, 140).entry(fid) is not None and past(w, 200).entry(fid) is not None
    assert past(w, 95).entry(fid) is None and past(w, 95).cached_copy(fid) is not None
    assert replica_placement(w) == [] and no_over_capacity(w) == []


def test_R_PAST_13_no_demotion_while_a_copy_is_unconfirmed() -> None:
    node = ready(95)  # 95 is the 3rd closest to FID: outside the 2 closest
    f = StoredFile(
        file_id=FID, owner="o", k=2, size=5, content="hello", told=(17, 95, 200),
        awaiting=(200,),
    )  # fmt: skip
    res = PastApp(stored=(f,)).update(node, 140, True)
    assert res.app.entry(FID) is not None  # type: ignore[attr-defined]
    res = res.app.deliver(node, None, CopyReceipt(file_id=FID, holder=200, ok=True))
    assert res.app.entry(FID) is None and res.app.cached_copy(FID) is not None  # type: ignore[attr-defined]
    refused = PastApp(stored=(f,)).deliver(
        node, None, CopyReceipt(file_id=FID, holder=200, ok=False)
    )
    assert refused.app.entry(FID) is not None  # type: ignore[attr-defined]


# -- R-PAST-14: quotas -------------------------------------------------------------------------
def test_R_PAST_14_an_insert_beyond_the_quota_is_refused_and_credited_back() -> None:
    app = PastApp(capacity=100, quotas=(("o", 10),))
    b = Insert(name="b", owner="o", k=2, size=5, content="y")
    w = world(app)
    w = run(w, 17, INS)
    w = run(w, 17, b)
    assert InsertFailed(attempts=0, reason="quota") in responses(w)
    assert past(w, 17).quota_left("o") == 0
    w = run(w, 17, Reclaim(file_id=FID, owner="o", id=1))
    assert any(isinstance(r, ReclaimResult) and r.ok for r in responses(w))
    assert past(w, 17).quota_left("o") == 10
    w = run(w, 17, b)
    assert sum(isinstance(r, InsertOk) for r in responses(w)) == 2
    none = PastApp(quotas=(("x", 100),)).request(ready(17), INS)
    assert none.effects[0].response == InsertFailed(attempts=0, reason="quota")  # type: ignore[union-attr]


def test_R_PAST_14_a_failed_insert_refunds_its_quota() -> None:
    w = run(world(PastApp(capacity=40, quotas=(("o", 10),))), 17, INS)
    assert responses(w) == [InsertFailed(attempts=4, reason="refused")]
    assert past(w, 17).quota_left("o") == 10


# -- R-PAST-6 at a pointer holder: the target answers for it ---------------------------------
POINTER = StoredFile(file_id=FID, owner="o", k=2, size=5, content="", kind=Kind.POINTER, target=140)


def reclaim_replica(slot: int, owner: str = "o") -> ReclaimReplica:
    return ReclaimReplica(file_id=FID, owner=owner, client=95, id=1, slot=slot)


def test_R_PAST_6_a_pointer_root_frees_tells_the_k_plus_1_and_its_target_answers() -> None:
    res = PastApp(stored=(POINTER,)).deliver(
        ready(200), None, ReclaimFile(file_id=FID, owner="o", client=95, id=1)
    )
    assert res.effects == (  # replica_set(200, FID, 3) == (17, 200, 95)
        SendDirect(17, reclaim_replica(17)),
        SendDirect(95, reclaim_replica(95)),
        SendDirect(140, reclaim_replica(200)),  # the target answers for the root's slot
        SendDirect(
            95,
            ReclaimReceipt(
                file_id=FID, id=1, holder=200, ok=True, expected=3, slot=None, credit=10
            ),
        ),
    )
    assert res.app.stored == () and res.app.reclaimed == ((FID, "o"),)  # type: ignore[attr-defined]
    # a replica root answers for its own slot; a stranger's reclaim is refused, one slot expected
    replica = attrs.evolve(POINTER, content="x", kind=Kind.REPLICA, target=None)
    res = PastApp(stored=(replica,)).deliver(
        ready(200), None, ReclaimFile(file_id=FID, owner="o", client=95, id=1)
    )
    assert res.effects[-1] == SendDirect(
        95, ReclaimReceipt(file_id=FID, id=1, holder=200, ok=True, expected=3, slot=200, credit=10)
    )
    assert len(res.effects) == 3
    res = PastApp(stored=(replica,)).deliver(
        ready(200), None, ReclaimFile(file_id=FID, owner="x", client=95, id=1)
    )
    no = ReclaimReceipt(file_id=FID, id=1, holder=200, ok=False, expected=1, slot=200)
    assert res.effects == (SendDirect(95, no),)
    assert res.app.stored == (replica,) and res.app.reclaimed == ()  # type: ignore[attr-defined]


def test_R_PAST_6_a_pointer_holder_passes_its_own_slot_to_the_target() -> None:
    app = PastApp(stored=(POINTER,))
    res = app.deliver(ready(200), None, reclaim_replica(200))
    assert res.effects == (SendDirect(140, reclaim_replica(200)),)
    assert res.app.stored == () and res.app.reclaimed == ((FID, "o"),)  # type: ignore[attr-defined]
    # a forwarded slot (the root's) is answered here: the pointer is not followed twice
    res = app.deliver(ready(200), None, reclaim_replica(17))
    receipt = ReclaimReceipt(file_id=FID, id=1, holder=200, ok=True, expected=0, slot=17)
    assert res.effects == (SendDirect(95, receipt),)
    assert res.app.stored == () and res.app.reclaimed == ((FID, "o"),)  # type: ignore[attr-defined]
    # a pointer of another owner is kept and not followed; the slot is still answered
    res = app.deliver(ready(200), None, reclaim_replica(200, owner="x"))
    receipt = ReclaimReceipt(file_id=FID, id=1, holder=200, ok=True, expected=0, slot=200)
    assert res.effects == (SendDirect(95, receipt),)
    assert res.app.stored == (POINTER,) and res.app.reclaimed == ()  # type: ignore[attr-defined]


def test_R_PAST_16_a_discarded_pointer_passes_the_discard_to_its_target() -> None:
    res = PastApp(stored=(POINTER,)).deliver(ready(200), None, Discard(file_id=FID, owner="o"))
    assert res.effects == (SendDirect(140, Discard(file_id=FID, owner="o")),)
    assert res.app.stored == () and res.app.reclaimed == ()  # type: ignore[attr-defined]
    replica = attrs.evolve(POINTER, content="x", kind=Kind.REPLICA, target=None)
    res = PastApp(stored=(replica,)).deliver(ready(200), None, Discard(file_id=FID, owner="o"))
    assert res.effects == () and res.app.stored == ()  # type: ignore[attr-defined]


def test_R_PAST_5_a_found_file_answers_only_its_own_lookup() -> None:
    fid2 = file_id(SPACE, "b", "o", 0)
    mine, other = LookupFile(file_id=FID, id=1), LookupFile(file_id=fid2, id=2)
    app = PastApp(caching=False, lookups=(mine, other))

    def found(fid: int, id_: int) -> FileFound:
        return FileFound(file_id=fid, id=id_, content="hello", holder=200, owner="o", size=5)

    res = app.deliver(ready(17), None, found(FID, 2))  # same file, another lookup's id
    assert res.effects == () and res.app == app
    res = app.deliver(ready(17), None, found(fid2, 1))  # same id, another file
    assert res.effects == () and res.app == app
    res = app.deliver(ready(17), None, found(FID, 1))
    assert res.effects == (Reply(mine, LookupResult(file_id=FID, content="hello", holder=200)),)
    assert res.app.lookups == (other,)  # type: ignore[attr-defined]


def test_R_PAST_6_a_reclaim_receipt_answers_only_its_own_reclaim() -> None:
    fid2 = file_id(SPACE, "b", "o", 0)
    mine, other = Reclaim(file_id=FID, owner="o", id=1), Reclaim(file_id=fid2, owner="o", id=2)
    app = PastApp(reclaims=(PendingReclaim(request=mine), PendingReclaim(request=other)))

    def receipt(fid: int, id_: int) -> ReclaimReceipt:
        return ReclaimReceipt(file_id=fid, id=id_, holder=200, ok=True, expected=1, slot=200)

    for fid, id_ in ((FID, 2), (fid2, 1)):
        res = app.deliver(ready(17), None, receipt(fid, id_))
        assert res.effects == () and res.app == app
    res = app.deliver(ready(17), None, receipt(FID, 1))
    assert res.effects == (Reply(mine, ReclaimResult(file_id=FID, ok=True, receipts=(200,))),)
    assert res.app.reclaims == (PendingReclaim(request=other),)  # type: ignore[attr-defined]


def test_R_PAST_8_fewer_retries_fail_after_fewer_salts() -> None:
    w = run(world(PastApp(capacity=40, retries=1)), 17, INS)
    assert responses(w) == [InsertFailed(attempts=2, reason="refused")]
    assert all(past(w, n).stored == () for n in RING)


def test_R_PAST_9_maintenance_handles_every_entry_after_a_kept_dropped_or_demoted_one() -> None:
    """R-PAST-9, R-PAST-12, R-PAST-13: whatever the first entry is (a diverted replica, a
    broken pointer, a backup outside the k closest, a confirmed demotion), the next one is
    still maintained: 154's replica at 200 is offered to 140."""
    node = ready(200)
    e, b = file_id(SPACE, "e", "o", 0), file_id(SPACE, "b", "o", 0)  # (95, 140), (140, 200)
    second = StoredFile(file_id=b, owner="o", k=2, size=5, content="y")
    push = SendDirect(
        140,
        StoreReplica(
            file_id=b, owner="o", k=2, size=5, content="y", client=None, holders=(140, 200),
            sender=200,
        ),
    )  # fmt: skip
    told = attrs.evolve(second, told=(140,), awaiting=(140,))
    div = StoredFile(file_id=FID, owner="o", k=2, size=5, content="x", kind=Kind.DIVERTED)
    ptr = StoredFile(
        file_id=FID, owner="o", k=2, size=5, content="", kind=Kind.POINTER, target=60
    )  # 60 is no node: a broken pointer at 200, one of FID's (17, 200)
    bak = StoredFile(file_id=e, owner="o", k=2, size=5, content="x", kind=Kind.BACKUP)
    dem = StoredFile(file_id=e, owner="o", k=2, size=5, content="x", told=(95, 140))
    cache = CachedFile(file_id=e, owner="o", size=5, content="x", value=GDS_SCALE // 5)
    cases = [
        (div, (push,), (div, told), ()),
        (ptr, (SendDirect(17, WantCopy(file_id=FID, requester=200)), push), (told,), ()),
        (bak, (push,), (bak, told), ()),
        (dem, (push,), (told,), (cache,)),
    ]
    for first, effects, stored, cached in cases:
        res = PastApp(stored=(first, second)).update(node, 95, True)
        assert res.effects == effects
        assert res.app.stored == stored and res.app.cached == cached  # type: ignore[attr-defined]


def test_R_PAST_11_a_diversion_whose_candidate_left_asks_the_next_or_refuses() -> None:
    node = ready(200)  # leaf set 17, 95, 140; 60 and 61 are no nodes (they left)
    f = StoredFile(file_id=FID, owner="o", k=2, size=5, content="hello")
    waiting = PendingDivert(file=f, client=17, sender=95, candidates=(140,))
    moved = PendingDivert(file=f, client=17, sender=95, candidates=(60, 95))
    out = PendingDivert(file=f, client=17, sender=95, candidates=(61,))
    res = PastApp(diverting=(waiting, moved, out)).update(node, 95, True)
    assert res.effects == (
        SendDirect(95, diverted(pointer=200)),
        SendDirect(17, StoreReceipt(file_id=FID, holder=200, ok=False)),
    )
    next_ = attrs.evolve(moved, candidates=(95,))
    assert res.app.diverting == (waiting, next_)  # type: ignore[attr-defined]
    # the node's own copy (no client, sent by itself) ends silently, but the diversion goes
    own = PendingDivert(file=f, client=None, sender=200, candidates=(61,))
    res = PastApp(diverting=(own,)).update(node, 95, True)
    assert res.effects == () and res.app.diverting == ()  # type: ignore[attr-defined]
    app = PastApp(diverting=(waiting,))
    assert app.update(node, 95, True) == AppStep(app)


def test_R_PAST_11_a_divert_receipt_keeps_a_pointer_and_a_backup_only_on_a_third_node() -> None:
    node = ready(200)  # replica_set(200, FID, 3) == (17, 200, 95)
    f = StoredFile(file_id=FID, owner="o", k=2, size=5, content="hello")

    def to(target: int) -> PendingDivert:
        return PendingDivert(file=f, client=17, sender=95, candidates=(target,))

    def receipt(holder: int) -> DivertReceipt:
        return DivertReceipt(file_id=FID, holder=holder, ok=True)

    ptr = attrs.evolve(f, content="", kind=Kind.POINTER, target=140)
    ack = SendDirect(17, StoreReceipt(file_id=FID, holder=200, ok=True))
    backup = StorePointer(file_id=FID, owner="o", k=2, size=5, target=140)
    res = PastApp(diverting=(to(140),)).deliver(node, None, receipt(140))
    assert res.effects == (ack, SendDirect(95, backup))
    assert res.app.stored == (ptr,) and res.app.diverting == ()  # type: ignore[attr-defined]
    # the (k+1)-th closest is the target itself: no backup pointer
    res = PastApp(diverting=(to(95),)).deliver(node, None, receipt(95))
    assert res.effects == (ack,)
    assert res.app.stored == (attrs.evolve(ptr, target=95),)  # type: ignore[attr-defined]
    # only k nodes left (17 failed): no (k+1)-th closest, no backup
    small = ready(200, (95, 200))
    res = PastApp(diverting=(to(95),)).deliver(small, None, receipt(95))
    assert res.effects == (ack,)
    # a receipt from a node that is not the current candidate is ignored
    app = PastApp(diverting=(to(140),))
    assert app.deliver(node, None, receipt(95)) == AppStep(app)
    # reclaimed meanwhile: the diverted replica is discarded and the client refused
    app = PastApp(diverting=(to(140),), reclaimed=((FID, "o"),))
    res = app.deliver(node, None, receipt(140))
    assert res.effects == (
        SendDirect(140, Discard(file_id=FID, owner="o")),
        SendDirect(17, StoreReceipt(file_id=FID, holder=200, ok=False)),
    )
    assert res.app.stored == () and res.app.diverting == ()  # type: ignore[attr-defined]


def test_R_PAST_12_copy_requests_without_the_file_are_refused_or_ignored() -> None:
    push = PushCopy(file_id=FID, to=(17, 95), sender=200, holders=(17, 200))
    res = PastApp().deliver(ready(140), None, push)  # the target lost the file
    assert res.effects == (
        SendDirect(200, CopyReceipt(file_id=FID, holder=17, ok=False)),
        SendDirect(200, CopyReceipt(file_id=FID, holder=95, ok=False)),
    )
    assert res.app == PastApp()
    want = WantCopy(file_id=FID, requester=200)
    assert PastApp().deliver(ready(17), None, want) == AppStep(PastApp())
    div = StoredFile(file_id=FID, owner="o", k=2, size=5, content="x", kind=Kind.DIVERTED)
    app = PastApp(stored=(div,))
    assert app.deliver(ready(17), None, want) == AppStep(app)


def test_R_PAST_11_a_backup_pointer_is_kept_only_where_nothing_is_or_was() -> None:
    backup = StorePointer(file_id=FID, owner="o", k=2, size=5, target=140)
    replica = StoredFile(file_id=FID, owner="o", k=2, size=5, content="x")
    for app in (PastApp(stored=(replica,)), PastApp(reclaimed=((FID, "o"),))):
        assert app.deliver(ready(95), None, backup) == AppStep(app)
    res = PastApp().deliver(ready(95), None, backup)
    kept = StoredFile(file_id=FID, owner="o", k=2, size=5, content="", kind=Kind.BACKUP, target=140)
    assert res.effects == () and res.app.stored == (kept,)  # type: ignore[attr-defined]


def test_R_PAST_14_capacity_quota_and_use_accounting() -> None:
    assert PastApp().capacity_of(17) == 100  # the default capacity
    assert PastApp(capacity=7, capacities=((95, 3),)).capacity_of(95) == 3
    assert PastApp(quotas=(("x", 10),)).quota_left("o") == 0  # an owner not listed has none
    f = StoredFile(file_id=FID, owner="o", k=2, size=5, content="hello")
    c = CachedFile(file_id=FID + 1, owner="o", size=3, content="abc", value=1)
    assert PastApp(stored=(f,), cached=(c,)).used() == 8


def test_R_PAST_3_a_second_copy_of_a_held_file_is_refused_or_confirmed() -> None:
    f = StoredFile(file_id=FID, owner="o", k=2, size=5, content="hello")
    app = PastApp(stored=(f,))
    res = app.deliver(ready(200), None, replica(client=17, sender=17))  # an insert: refused
    assert res.effects == (SendDirect(17, StoreReceipt(file_id=FID, holder=200, ok=False)),)
    assert res.app == app
    res = app.deliver(ready(200), None, replica(client=None, sender=17))  # maintenance: confirm
    assert res.effects == (SendDirect(17, CopyReceipt(file_id=FID, holder=200, ok=True)),)
    assert res.app == app


# -- R-PAST-15: caching with GreedyDual-Size ---------------------------------------------------
def test_R_PAST_15_gds_evicts_the_lowest_value_and_inflates() -> None:
    cache, infl = cache_insert((), 0, 10, (1, "o", 5, "a"))  # H = 1e6 / 5
    cache, infl = cache_insert(cache, infl, 10, (2, "o", 2, "b"))  # H = 1e6 / 2 (higher)
    assert [c.file_id for c in cache] == [1, 2] and infl == 0
    cache, infl = cache_insert(cache, infl, 10, (3, "o", 4, "c"))  # needs room: 1 goes
    assert [c.file_id for c in cache] == [2, 3] and infl == GDS_SCALE // 5
    assert cache[1].value == infl + GDS_SCALE // 4
    hit = cache_hit(cache, 7, 2)
    assert hit[0].value == 7 + GDS_SCALE // 2 and hit[1] == cache[1]
    assert cache_insert(cache, infl, 10, (4, "o", 11, "d")) == (cache, infl)  # too big
    left, infl2 = make_room(cache, infl, 4)  # 3's value (1e6/5 + 1e6/4) is the lowest now
    assert [c.file_id for c in left] == [2] and infl2 == GDS_SCALE // 5 + GDS_SCALE // 4


def test_R_PAST_15_gds_values_are_inflation_plus_scale_over_size() -> None:
    """R-PAST-15 (GreedyDual-Size, cost 1): a copy cached or hit gets H = inflation + 10^6 //
    size, in integers; a file of size 0 counts as size 1."""
    assert GDS_SCALE == 1_000_000
    for size, h in ((1, 1_000_000), (0, 1_000_000), (3, 333_333), (7, 142_857)):
        (c,), infl = cache_insert((), 40, 100, (5, "o", size, "x"))
        assert (c.value, infl) == (40 + h, 40)
        (hit,) = cache_hit((attrs.evolve(c, value=1),), 9, 5)
        assert hit.value == 9 + h


def test_R_PAST_15_a_copy_that_exactly_fits_is_kept_and_cached() -> None:
    """R-PAST-15: eviction runs only while the copies take MORE than the room; a file of exactly
    the room's size is cached (evicting every other copy), one unit more is not."""
    a = CachedFile(file_id=1, owner="o", size=4, content="a", value=10)
    b = CachedFile(file_id=2, owner="o", size=6, content="b", value=20)
    assert make_room((a, b), 0, 10) == ((a, b), 0)  # exactly full: nothing evicted
    assert make_room((a, b), 0, 9) == ((b,), 10)  # one unit short: the lowest value goes
    assert make_room((a, b), 0, 0) == ((), 20)  # no room: all go, inflation the last value
    assert make_room((a, b), 30, 6) == ((b,), 30)  # inflation never goes down
    cache, infl = cache_insert((a, b), 0, 10, (3, "o", 10, "c"))
    assert [c.file_id for c in cache] == [3] and infl == 20
    assert cache_insert((a, b), 0, 10, (3, "o", 11, "c")) == ((a, b), 0)


def test_R_PAST_15_eviction_order_is_value_then_file_id_and_keeps_the_cache_order() -> None:
    """R-PAST-15: lowest value first, ties to the lowest file id; the copies left stay in the
    cache's own (file id) order."""
    copies = tuple(
        CachedFile(file_id=f, owner="o", size=1, content=str(f), value=v)
        for f, v in ((1, 50), (2, 10), (3, 10), (4, 70), (5, 30))
    )
    left, infl = make_room(copies, 0, 2)
    assert [c.file_id for c in left] == [1, 4] and infl == 30  # 2 and 3 (tie: 2 first), then 5
    left, infl = make_room(copies, 0, 4)
    assert [c.file_id for c in left] == [1, 3, 4, 5] and infl == 10


def test_R_PAST_15_lookups_cache_at_the_client_and_answer_from_caches() -> None:
    w = run(run(world(PastApp(capacity=100)), 17, INS), 140, LookupFile(file_id=FID, id=1))
    c = past(w, 140).cached_copy(FID)
    assert c is not None and c.content == "hello" and c.size == 5
    find = FindFile(file_id=FID, client=95, id=2)
    res = past(w, 140).forward(w.host(140).node, FID, find, 17)[0]
    found = FileFound(file_id=FID, id=2, content="hello", holder=140, owner="o", size=5)
    assert res.effects == (SendDirect(95, found),)


def test_R_PAST_15_cached_copies_give_way_to_replicas() -> None:
    cached = CachedFile(file_id=99, owner="o", size=50, content="z", value=1)
    app = PastApp(capacity=54, cached=(cached,))
    res = app.deliver(ready(200), None, replica())  # free for replicas: 54 >= 5 * 10
    assert res.app.holding(FID) is not None and res.app.cached == ()  # type: ignore[attr-defined]
    assert res.app.used() == 5  # type: ignore[attr-defined]


# -- R-PAST-16: discarding the replicas of a refused attempt ----------------------------------
def test_R_PAST_16_a_refusal_discards_the_attempts_replicas() -> None:
    ring3 = (17, 95, 200)
    cfg = Config.make(bits=8, b=4, leaf_set_size=2, neighborhood_size=2)
    app = PastApp(capacity=100, capacities=((17, 10), (95, 60)), caching=False)
    spec = WorldSpec(cfg, ring3, apps=(LookupApp(), app), requests=((17, INS),))
    w = quiesce(spec.initial_world().apply(RequestAction(17, INS)), max_steps=STEPS)[0]
    (ok,) = responses(w)
    assert isinstance(ok, InsertOk) and ok.file_id != FID
    assert all(past(w, n).entry(FID) is None for n in ring3)  # 200's salt-0 replica freed
    res = PastApp(stored=(StoredFile(file_id=FID, owner="o", k=2, size=5, content="x"),)).deliver(
        ready(200), None, Discard(file_id=FID, owner="mallory")
    )
    assert res.app.entry(FID) is not None  # type: ignore[attr-defined]


# -- LookupComplete and ReclaimSettled can fail ------------------------------------------------
def test_lookup_complete_catches_an_unreachable_file() -> None:
    w = run(world(PastApp(capacity=100)), 17, INS)
    assert lookup_complete(w) == []
    bad = with_app(w, 17, PastApp(capacity=100))
    names = {v.name for v in lookup_complete(bad)}
    assert names == {"LookupComplete"}


def test_reclaim_settled_catches_a_leftover_replica() -> None:
    w = run(run(world(PastApp(capacity=100)), 17, INS), 17, Reclaim(file_id=FID, owner="o"))
    assert reclaim_settled(w) == []
    f = StoredFile(file_id=FID, owner="o", k=2, size=5, content="hello")
    bad = with_app(w, 200, PastApp(stored=(f,)))
    assert [v.name for v in reclaim_settled(bad)] == ["ReclaimSettled"]


# -- the shipped scenarios do what their descriptions say (one schedule each) ------------------
SCENARIOS = Path(__file__).parent.parent / "pastry_ref" / "check" / "scenarios"


def first_run(name: str) -> World:
    (scenario,) = load_scenario_file(SCENARIOS / name)
    model = scenario.model()
    assert isinstance(model, PastryModel)
    w = model.spec.initial_world()
    while w.requests_left or w.joins_left:
        w = w.apply(next(a for a in w.actions() if not isinstance(a, Receive)))
        w = settle(quiesce(w, max_steps=STEPS)[0])[0]
    return settle(w)[0]


def test_scenario_replica_diversion_diverts() -> None:
    w = first_run("past-replica-diversion.toml")
    assert InsertOk(file_id=FID, holders=(17, 200)) in responses(w)
    assert past(w, 140).entry(FID).kind is Kind.DIVERTED  # type: ignore[union-attr]


def test_scenario_file_diversion_lands_on_salt_1() -> None:
    w = first_run("past-file-diversion.toml")
    (ok,) = responses(w)
    assert isinstance(ok, InsertOk) and ok.file_id == file_id(SPACE, "e", "o", 1)
    assert set(ok.holders) == {17, 200}


def test_scenario_quota_refusal_refuses_exactly_one() -> None:
    got = responses(first_run("past-quota-refusal.toml"))
    assert sum(isinstance(r, InsertOk) for r in got) == 1
    assert got.count(InsertFailed(attempts=0, reason="quota")) == 1
