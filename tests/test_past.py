"""PAST on the application seam: one test (or more) per rule of spec/past.md, the properties of
pastry_ref.past.invariants, the [app.past] table and the past-* scenario files.

Rules: R-PAST-1..10 (spec/past.md). Tests drive hosts through ``host_step`` and whole Worlds
through ``World.apply`` / ``quiesce`` / ``settle``; each can fail if its rule broke.
"""

from __future__ import annotations

from pathlib import Path

import attrs
import pytest

import pastry_ref.check.apps  # noqa: F401 - registers [app.past] and PAST's properties
from model_check import check
from model_check.registry import expectation_mismatches
from pastry_ref.app import Host, LookupApp, Reply, Request, host_step
from pastry_ref.check.scenario_file import ScenarioFileError, load_scenario_file
from pastry_ref.errors import ConfigError
from pastry_ref.node import Forward, NodeState, Send, StartFirst, replica_set, step
from pastry_ref.node import inputs as ni
from pastry_ref.node.inputs import Route, SendDirect
from pastry_ref.oracle.ideal import ideal_tables
from pastry_ref.past import (
    MAX_SALT,
    DivertReplica,
    FileFound,
    FindFile,
    Insert,
    InsertFailed,
    InsertFile,
    InsertOk,
    LookupFile,
    LookupResult,
    PastApp,
    PendingInsert,
    Reclaim,
    ReclaimResult,
    StoredFile,
    StoreReceipt,
    StoreReplica,
    accepts,
    check_k,
    file_id,
    k_bound,
)
from pastry_ref.past.invariants import (
    acked_hadk_holders,
    lookup_returns_inserted,
    no_file_lost,
    no_over_capacity,
    replica_placement,
)
from pastry_ref.ring.config import Config
from pastry_ref.system import Crash, World, WorldSpec, quiesce, settle
from pastry_ref.system import Request as RequestAction
from pastry_ref.system.invariants import property_names

CFG = Config.make(bits=8, b=4, leaf_set_size=2, neighborhood_size=2)
RING = (17, 95, 200)
SPACE = CFG.space
# a bound on deliveries: the real runs here take at most ~50; a mutant that never goes quiet
# (e.g. re-salting forever) fails by name with Livelock instead of hanging
STEPS = 2_000
INS = Insert(name="a", owner="o", k=2, size=5, content="hello")
FID = file_id(SPACE, "a", "o", 0)
SCENARIOS = Path(__file__).parent.parent / "pastry_ref" / "check" / "scenarios"


def world(
    *requests: tuple[int, object],
    ring: tuple[int, ...] = RING,
    app: PastApp | None = None,
    crashes: tuple[int, ...] = (),
    cfg: Config = CFG,
) -> World:
    past = app if app is not None else PastApp(capacity=100)
    spec = WorldSpec(cfg, ring, crashes=crashes, apps=(LookupApp(), past), requests=tuple(requests))
    return spec.initial_world()


def run(w: World, origin: int, request: object) -> World:
    return quiesce(w.apply(RequestAction(origin, request)), max_steps=STEPS)[0]


def past(w: World, n: int) -> PastApp:
    a = w.host(n).app(PastApp)
    assert isinstance(a, PastApp)
    return a


def responses(w: World) -> list[object]:
    return [r.response for _, r in w.replies]


def ready(n: int, ring: tuple[int, ...] = RING) -> NodeState:
    state = step(NodeState.new(n, CFG), StartFirst()).node
    t = ideal_tables(ring, CFG)[n]
    return attrs.evolve(
        state, leaf_set=t.leaf_set, routing_table=t.routing_table, neighborhood=t.neighborhood
    )


def inserted() -> World:
    return run(world((17, INS)), 17, INS)


# -- R-PAST-1: file ids ------------------------------------------------------------------------
def test_R_PAST_1_file_id_is_sha1_of_name_owner_salt() -> None:
    assert file_id(SPACE, "a", "o", 0) == SPACE.hash_name("a\x00o\x000")
    assert file_id(SPACE, "a", "o", 1) == SPACE.hash_name("a\x00o\x001")
    ids = {file_id(SPACE, "a", "o", s) for s in range(MAX_SALT + 1)}
    assert len(ids) > 1  # re-salting moves the file
    wide = Config.make(bits=128, b=4, leaf_set_size=16, neighborhood_size=16).space
    assert file_id(wide, "a", "o", 0) == wide.hash_name("a\x00o\x000") < 2**128


# -- R-PAST-2: insert, and the bound on k ------------------------------------------------------
def test_R_PAST_2_k_bound_is_half_leaf_set_plus_one() -> None:
    assert k_bound(CFG) == 2
    assert check_k(CFG, 2) == 2
    with pytest.raises(ConfigError, match="k: PAST needs 1 <= k <= L/2"):
        check_k(CFG, 3)
    with pytest.raises(ConfigError):
        check_k(CFG, 0)


def test_R_PAST_2_insert_beyond_the_bound_fails_at_once() -> None:
    big = attrs.evolve(INS, k=3)
    w = run(world((17, big)), 17, big)
    assert responses(w) == [InsertFailed(attempts=0, reason="k-bound")]
    assert all(not past(w, n).stored for n in RING)


def test_R_PAST_2_every_k_from_1_to_the_bound_is_accepted() -> None:
    assert check_k(CFG, 1) == 1
    for k in (1, k_bound(CFG)):
        ins = attrs.evolve(INS, k=k)
        res = PastApp().request(ready(17), ins)
        msg = InsertFile(file_id=FID, owner="o", k=k, size=5, content="hello", client=17)
        assert res.effects == (Route(FID, msg),)
        assert res.app.inserts == (PendingInsert(request=ins, salt=0, file_id=FID),)  # type: ignore[attr-defined]
    for k in (0, k_bound(CFG) + 1):
        ins = attrs.evolve(INS, k=k)
        res = PastApp().request(ready(17), ins)
        assert res.effects == (Reply(ins, InsertFailed(attempts=0, reason="k-bound")),)
        assert res.app == PastApp()


def test_R_PAST_4_a_repeated_pending_insert_restarts_at_salt_0() -> None:
    pending = PendingInsert(request=INS, salt=2, file_id=file_id(SPACE, "a", "o", 2))
    res = PastApp(inserts=(pending,)).request(ready(17), INS)
    msg = InsertFile(file_id=FID, owner="o", k=2, size=5, content="hello", client=17)
    assert res.effects == (Route(FID, msg),)
    assert res.app.inserts == (PendingInsert(request=INS, salt=0, file_id=FID),)  # type: ignore[attr-defined]


def test_R_PAST_2_insert_is_routed_to_the_file_id() -> None:
    h = Host(ready(95), (PastApp(),))
    out = host_step(h, Request(INS))
    (sent,) = [e for e in out.effects if isinstance(e, Send)]
    assert sent.dest == SPACE.closest(FID, RING)  # 95's leaf set covers the key
    assert sent.msg.key == FID  # type: ignore[attr-defined]
    assert out.host.app(PastApp).inserts[0].file_id == FID  # type: ignore[attr-defined]


# -- R-PAST-3: the root stores and tells the rest of the k closest -----------------------------
def test_R_PAST_3_the_k_closest_hold_the_file() -> None:
    w = inserted()
    closest = SPACE.sort_by_closeness(FID, RING)[:2]
    for n in RING:
        held = past(w, n).holding(FID)
        assert (held is not None) == (n in closest), n
    assert replica_set(w.node(closest[0]), FID, 2) == closest


def test_R_PAST_3_a_file_id_is_never_reused() -> None:
    w = inserted()
    other = attrs.evolve(INS, content="other")
    w = run(attrs.evolve(w, requests_left=((17, other),)), 17, other)
    for n in RING:
        held = past(w, n).holding(FID)
        assert held is None or held.content == "hello"


# -- R-PAST-4: store receipts, acknowledgement -------------------------------------------------
def test_R_PAST_4_client_acknowledges_after_k_receipts() -> None:
    w = world((95, INS)).apply(RequestAction(95, INS))
    assert not w.replies
    w = quiesce(w, max_steps=STEPS)[0]
    closest = SPACE.sort_by_closeness(FID, RING)[:2]
    assert responses(w) == [InsertOk(file_id=FID, holders=tuple(sorted(closest)))]
    assert not past(w, 95).inserts


# -- R-PAST-5: lookup --------------------------------------------------------------------------
def test_R_PAST_5_lookup_finds_the_file() -> None:
    w = inserted()
    q = LookupFile(file_id=FID, id=1)
    w = run(attrs.evolve(w, requests_left=((95, q),)), 95, q)
    (answer,) = [r for r in responses(w) if isinstance(r, LookupResult)]
    assert answer.content == "hello"
    assert answer.holder in SPACE.sort_by_closeness(FID, RING)[:2]


def test_R_PAST_5_first_holder_on_the_route_answers() -> None:
    node = ready(200)
    stored = StoredFile(file_id=FID, owner="o", k=2, size=5, content="hello")
    app = PastApp(stored=(stored,))
    msg = FindFile(file_id=FID, client=95, id=1)
    result, decision = app.forward(node, FID, msg, 17)
    assert decision is None
    (effect,) = result.effects
    assert effect.payload == FileFound(
        file_id=FID, id=1, content="hello", holder=200, owner="o", size=5
    )  # type: ignore[union-attr]
    # a node without the file lets it go on
    _, decision = PastApp().forward(node, FID, msg, 17)
    assert decision is not None and decision.next_hop == 17
    # through the host: 200 routes the lookup toward 17, and its own Forward upcall stops it
    out = host_step(Host(node, (app,)), ni.Route(FID, msg))
    assert any(isinstance(e, Forward) for e in out.effects)
    (sent,) = [e for e in out.effects if isinstance(e, Send)]
    assert sent.dest == 95 and sent.msg.payload == effect.payload  # type: ignore[attr-defined]


def test_R_PAST_5_root_answers_not_found() -> None:
    q = LookupFile(file_id=FID, id=1)
    w = run(world((95, q)), 95, q)
    (answer,) = responses(w)
    assert isinstance(answer, LookupResult) and answer.content is None


# -- R-PAST-6: reclaim -------------------------------------------------------------------------
def test_R_PAST_6_owner_reclaims_and_holders_free() -> None:
    w = inserted()
    r = Reclaim(file_id=FID, owner="o", id=1)
    w = run(attrs.evolve(w, requests_left=((95, r),)), 95, r)
    (res,) = [x for x in responses(w) if isinstance(x, ReclaimResult)]
    # the root tells the rest of its k + 1 closest (here all three nodes)
    assert res.ok and res.receipts == (17, 95, 200)
    assert all(past(w, n).entry(FID) is None for n in RING)
    assert all(past(w, n).gone(FID, "o") for n in RING)


def test_R_PAST_6_only_the_owner_reclaims() -> None:
    w = inserted()
    r = Reclaim(file_id=FID, owner="mallory", id=1)
    w = run(attrs.evolve(w, requests_left=((95, r),)), 95, r)
    (res,) = [x for x in responses(w) if isinstance(x, ReclaimResult)]
    assert not res.ok
    assert sum(past(w, n).holding(FID) is not None for n in RING) == 2


# -- R-PAST-7: capacity and the acceptance test ------------------------------------------------
def test_R_PAST_7_acceptance_test_t_pri() -> None:
    assert accepts(5, 50) and not accepts(5, 49) and not accepts(1, 0) and accepts(0, 0)


def test_R_PAST_7_a_full_node_refuses_a_replica() -> None:
    node = ready(200)
    msg = StoreReplica(
        file_id=FID, owner="o", k=2, size=5, content="x", client=17, holders=(17, 200), sender=17
    )
    res = PastApp(capacity=49).deliver(node, None, msg)
    assert not res.app.stored  # type: ignore[attr-defined]
    # it refuses as a primary: it diverts to 95, its only leaf-set node outside the k closest
    assert res.effects == (SendDirect(95, DivertReplica(file_id=FID, owner="o", k=2, size=5,
                                                          content="x", pointer=200)),)  # fmt: skip
    res = PastApp(capacity=50).deliver(node, None, msg)
    assert res.app.stored  # type: ignore[attr-defined]
    assert res.effects == (SendDirect(17, StoreReceipt(file_id=FID, holder=200, ok=True)),)


# -- R-PAST-8: file diversion ------------------------------------------------------------------
def test_R_PAST_8_refused_insert_is_resalted_then_fails() -> None:
    w = run(world((17, INS), app=PastApp(capacity=40)), 17, INS)
    assert responses(w) == [InsertFailed(attempts=MAX_SALT + 1, reason="refused")]


def test_R_PAST_8_diversion_to_a_roomier_region() -> None:
    # the salt-0 region (17, 200) has a small 17, and 95 (its only diversion candidate) has no
    # room under t_div, so replica diversion fails; 95 and 200 take salt 1 as primaries
    caps = ((17, 10), (95, 60))
    w = run(world((17, INS), app=PastApp(capacity=100, capacities=caps)), 17, INS)
    (res,) = responses(w)
    assert isinstance(res, InsertOk) and res.file_id != FID
    assert res.file_id in {file_id(SPACE, "a", "o", s) for s in range(1, MAX_SALT + 1)}


# -- R-PAST-9: maintenance ---------------------------------------------------------------------
def test_R_PAST_9_maintenance_restores_k_replicas_after_a_crash() -> None:
    w = inserted()
    holders = SPACE.sort_by_closeness(FID, RING)[:2]
    victim = holders[1]
    w = attrs.evolve(w, crashes_left=(victim,))
    w = settle(w.apply(Crash(victim)))[0]
    live = [n for n in RING if n != victim]
    assert all(past(w, n).holding(FID) is not None for n in live)
    assert replica_placement(w) == [] and no_file_lost(w) == []


def test_R_PAST_10_k_holders_crash_loses_the_file() -> None:
    w = inserted()
    holders = SPACE.sort_by_closeness(FID, RING)[:2]
    w = attrs.evolve(w, crashes_left=holders)
    for x in holders:
        w = w.apply(Crash(x))
    w = settle(w)[0]
    (v,) = no_file_lost(w)
    assert v.name == "NoFileLost" and str(FID) in v.detail


# -- properties --------------------------------------------------------------------------------
def test_properties_are_registered() -> None:
    names = property_names()
    for p in (
        "NoOverCapacity",
        "LookupReturnsInserted",
        "AckedHadKHolders",
        "ReplicaPlacement",
        "NoFileLost",
    ):
        assert p in names


def test_properties_hold_vacuously_without_past() -> None:
    w = WorldSpec(CFG, RING).initial_world()
    for fn in (no_over_capacity, lookup_returns_inserted, replica_placement, no_file_lost):
        assert fn(w) == []
    assert acked_hadk_holders(w, Crash(17), w) == []


def test_no_over_capacity_catches_an_overfull_node() -> None:
    w = inserted()
    i = w.ids.index(17)
    h = w.hosts[i]
    full = attrs.evolve(past(w, 17), capacity=1)
    bad = attrs.evolve(w, hosts=(*w.hosts[:i], Host(h.node, (h.apps[0], full)), *w.hosts[i + 1 :]))
    assert [v.name for v in no_over_capacity(bad)] == ["NoOverCapacity"]


def test_lookup_returns_inserted_catches_foreign_content() -> None:
    w = inserted()
    fake = Reply(LookupFile(file_id=FID, id=9), LookupResult(file_id=FID, content="x", holder=17))
    bad = attrs.evolve(w, replies=(*w.replies, (95, fake)))
    assert [v.name for v in lookup_returns_inserted(bad)] == ["LookupReturnsInserted"]
    assert lookup_returns_inserted(w) == []


def test_acked_had_k_holders_catches_a_short_ack() -> None:
    w = world((17, INS))
    ack = Reply(INS, InsertOk(file_id=FID, holders=(17,)))
    after = attrs.evolve(w, replies=((17, ack),))
    names = [v.name for v in acked_hadk_holders(w, Crash(17), after)]
    assert names == ["AckedHadKHolders", "AckedHadKHolders"]
    good = inserted()
    assert acked_hadk_holders(world((17, INS)), Crash(17), good) == []


def test_replica_placement_catches_a_missing_replica() -> None:
    w = inserted()
    root = SPACE.sort_by_closeness(FID, RING)[1]
    i = w.ids.index(root)
    h = w.hosts[i]
    empty = attrs.evolve(past(w, root), stored=())
    bad = attrs.evolve(w, hosts=(*w.hosts[:i], Host(h.node, (h.apps[0], empty)), *w.hosts[i + 1 :]))
    assert [v.name for v in replica_placement(bad)] == ["ReplicaPlacement"]


# -- the [app.past] table ----------------------------------------------------------------------
def test_app_past_table_refuses_bad_input(tmp_path: Path) -> None:
    base = (SCENARIOS / "past-insert-and-lookup.toml").read_text()
    for bad, key in (
        ("capacity = -1", "app.past.capacity"),
        ("capacity = 100\ncolour = 1", "app.past.colour"),
        ("capacity = 100\nquotas = 10", "app.past.quotas"),
        ("capacity = 100\nquotas = { o = -1 }", r"app\.past\.quotas\.o"),
        ('capacity = 100\ncaching = "yes"', "app.past.caching"),
    ):
        f = tmp_path / "bad.toml"
        f.write_text(base.replace("capacity = 100", bad))
        with pytest.raises(ScenarioFileError, match=key):
            load_scenario_file(f)
    f = tmp_path / "bad.toml"
    f.write_text(base.replace("k = 2", 'k = "two"'))
    with pytest.raises(ScenarioFileError, match=r"app\.past\.inserts\[0\]\.k"):
        load_scenario_file(f)
    f.write_text(base.replace('file = ["a", "o"]', "file = 3"))
    with pytest.raises(ScenarioFileError, match=r"app\.past\.lookups\[0\]\.file"):
        load_scenario_file(f)


def test_R_PAST_2_k_beyond_the_bound_is_a_load_time_error(tmp_path: Path) -> None:
    """The [app.past] parser sees the scenario's Config: k = 3 with L = 2 (bound 2) is refused,
    naming the file, the field and the leaf-set size; k = 2 loads."""
    base = (SCENARIOS / "past-insert-and-lookup.toml").read_text()
    assert "leaf_set_size = 2" in base and "k = 2" in base
    f = tmp_path / "kbound.toml"
    f.write_text(base.replace("k = 2", "k = 3"))
    with pytest.raises(ScenarioFileError) as err:
        load_scenario_file(f)
    msg = str(err.value)
    assert "kbound.toml" in msg and "app.past.inserts[0].k" in msg
    assert "1..2" in msg and "space.leaf_set_size = 2" in msg and "got 3" in msg
    f.write_text(base.replace("leaf_set_size = 2", "leaf_set_size = 4").replace("k = 2", "k = 3"))
    assert load_scenario_file(f)


# -- scenario files ----------------------------------------------------------------------------
SLOW_FILES = {"past-capacity-refusal.toml"}  # 12,372 states, about 15 s of CPU
PAST_FILES = [
    pytest.param(p.name, marks=pytest.mark.slow) if p.name in SLOW_FILES else p.name
    for p in sorted(SCENARIOS.glob("past-*.toml"))
]


@pytest.mark.parametrize("name", PAST_FILES)
def test_past_scenario_meets_its_expectation(name: str) -> None:
    for scenario in load_scenario_file(SCENARIOS / name):
        result = check(scenario.model())
        assert expectation_mismatches(scenario, result) == []
        assert scenario.distinct_states is not None  # every PAST scenario pins its count
