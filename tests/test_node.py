"""Unit tests of the node layer (spec/pastry.md sections 6-7): ``step`` driven directly on
hand-built ``NodeState`` values, asserting on the next state and the exact effects.

Most tests use one small overlay: 8-bit ids, b = 2 (four base-4 digits), L = 4 (two members a
side), M = 4, and the converged ring RING below, whose nodes start from the oracle's ideal
tables. Its leaf sets (left | right, closest first):

    10: 210 170 | 50 90      50: 10 210 | 90 130     90: 50 10 | 130 170
   130: 90 50 | 170 210     170: 130 90 | 210 10    210: 170 130 | 10 50
"""

from __future__ import annotations

import ast
import random
import re
from pathlib import Path

import attrs
import pytest

import pastry_ref
from pastry_ref.app import Host, Lookup, LookupApp, LookupPayload, Request, host_step
from pastry_ref.errors import PastryRefError
from pastry_ref.node import (
    Announce,
    AnnounceReply,
    CancelTimer,
    Deliver,
    DirectMessage,
    Forward,
    HoodReply,
    HoodRequest,
    HopAck,
    JoinDone,
    JoinReply,
    JoinRequest,
    LeaseRelease,
    LeaseReply,
    LeaseRequest,
    LeaveNotice,
    LSProbe,
    LSProbeReply,
    NodeState,
    RouteMessage,
    RowReply,
    RowRequest,
    Send,
    SetTimer,
    StartFirst,
    Status,
    Update,
    accepts,
    immediate_neighbours,
    step,
)
from pastry_ref.node import dispatch as node_module
from pastry_ref.node import inputs as ni
from pastry_ref.node import messages as messages_module
from pastry_ref.oracle.ideal import ideal_tables
from pastry_ref.ring.config import Config, JoinProtocol
from pastry_ref.system import Join, Livelock, Receive, WorldSpec
from pastry_ref.system import invariants as inv
from pastry_ref.tables.leaf_set import LeafSet
from pastry_ref.tables.routing_table import RoutingTable

CFG = Config.make(bits=8, b=2, leaf_set_size=4, neighborhood_size=4)
LOOP_CAP = 1_000  # deliveries a test's own delivery loop may make before it is a Livelock
PAPER = attrs.evolve(CFG, join=JoinProtocol.PAPER)
RING = (10, 50, 90, 130, 170, 210)

MESSAGE_TYPES = (
    JoinRequest,
    JoinReply,
    Announce,
    AnnounceReply,
    LSProbe,
    LSProbeReply,
    LeaseRequest,
    LeaseReply,
    LeaseRelease,
    JoinDone,
    RouteMessage,
    DirectMessage,
    LeaveNotice,
    RowRequest,
    RowReply,
    HoodRequest,
    HoodReply,
    HopAck,
)


def ready(n: int, ring: tuple[int, ...] = RING, cfg: Config = CFG) -> NodeState:
    """Node ``n``, ready, with the ideal tables of ``ring``."""
    state = step(NodeState.new(n, cfg), StartFirst()).node
    if len(ring) == 1:
        return state
    t = ideal_tables(ring, cfg)[n]
    return attrs.evolve(
        state, leaf_set=t.leaf_set, routing_table=t.routing_table, neighborhood=t.neighborhood
    )


def with_leaf_set(
    n: int, members: tuple[int, ...], status: Status, cfg: Config = CFG, **kw: object
) -> NodeState:
    """Node ``n`` with status ``status`` whose leaf set is built from ``members``."""
    return attrs.evolve(
        NodeState.new(n, cfg), status=status, leaf_set=LeafSet.of(n, members, cfg), **kw
    )


def content(node: NodeState) -> tuple[int, ...]:
    """A node's leaf set as it travels: the members and the node, sorted."""
    return tuple(sorted({*node.leaf_set.members(), node.id}))


def sends(effects: tuple[object, ...]) -> list[Send]:
    return [e for e in effects if isinstance(e, Send)]


def protocol(effects: tuple[object, ...]) -> tuple[object, ...]:
    """The effects without the timer bookkeeping (R-TIME-1 is tested on its own)."""
    return tuple(e for e in effects if not isinstance(e, SetTimer | CancelTimer))


def one_of_each(src: int = 50) -> list[object]:
    """One message of every type, sent by ``src``."""
    return [
        JoinRequest(src=src, joiner=src),
        JoinReply(src=src, leaf_set=(src,), rows=(src,), neighborhood=(), givers=((src, 0),)),
        Announce(src=src, version=None),
        AnnounceReply(src=src, leaf_set=(src,), version=1),
        LSProbe(src=src, leaf_set=(src,)),
        LSProbeReply(src=src, leaf_set=(src,)),
        LeaseRequest(src=src),
        LeaseReply(src=src, granted=True, leaf_set=(src,)),
        LeaseRelease(src=src),
        JoinDone(src=src),
        RouteMessage(src=src, key=7, payload=LookupPayload(id=1)),
        DirectMessage(src=src, payload=LookupPayload(id=2)),
        LeaveNotice(src=src, leaf_set=(src,)),
        RowRequest(src=src, row=0),
        RowReply(src=src, row=0, entries=()),
        HoodRequest(src=src),
        HoodReply(src=src, members=()),
        HopAck(src=src, msg=RouteMessage(src=src, key=7, payload=LookupPayload(id=1))),
    ]


# ============================================================================================
# R-CFG-2: the join protocol is a configuration choice
# ============================================================================================
def test_R_CFG_2_consistent_join_is_the_default() -> None:
    """R-CFG-2 (LuPastry's consistent join is the default; the paper's join is opt-in)."""
    assert Config.make(bits=8, b=2).join is JoinProtocol.CONSISTENT
    assert Config.make(bits=8, b=2, join="paper").join is JoinProtocol.PAPER


def test_R_CFG_2_join_reply_handling_follows_the_configured_protocol() -> None:
    """R-CFG-2: the same join reply makes a paper joiner ready at once (P §2.4) and a
    consistent joiner probe first (LuPastry)."""
    reply = JoinReply(
        src=90,
        leaf_set=(10, 50, 90, 130, 170),
        rows=(10, 90),
        neighborhood=(10, 50),
        givers=((10, 0), (90, 0)),
    )
    for cfg, status, first_msg in ((PAPER, Status.READY, Announce), (CFG, Status.WAIT, LSProbe)):
        joiner = attrs.evolve(NodeState.new(100, cfg), status=Status.WAIT)
        out = step(joiner, ni.Receive(reply))
        assert out.node.status is status
        assert {type(s.msg) for s in sends(out.effects)} == {first_msg}


def test_R_CFG_2_only_the_consistent_join_sets_helping() -> None:
    """R-CFG-2 / R-CJ-2: Z marks itself busy only under the consistent join."""
    assert step(ready(90), ni.Receive(JoinRequest(src=100, joiner=100))).node.helping == 100
    assert (
        step(ready(90, cfg=PAPER), ni.Receive(JoinRequest(src=100, joiner=100))).node.helping
        is None
    )


# ============================================================================================
# R-MSG-1: messages are values
# ============================================================================================
def test_R_MSG_1_messages_are_frozen_hashable_values_naming_their_sender() -> None:
    """R-MSG-1: one frozen class per message type; equal by value; every message has ``src``."""
    for msg in one_of_each(50):
        assert msg.src == 50
        twin = attrs.evolve(msg)
        assert twin == msg and hash(twin) == hash(msg) and twin is not msg
        with pytest.raises(attrs.exceptions.FrozenInstanceError):
            msg.src = 1  # type: ignore[misc]


def test_R_MSG_1_every_message_type_is_exported_and_in_the_union() -> None:
    """R-MSG-1: the wire vocabulary is exactly the message classes, each in ``Message``."""
    exported = {getattr(messages_module, n) for n in messages_module.__all__} - {
        messages_module.Message
    }
    assert exported == set(MESSAGE_TYPES)
    assert set(messages_module.Message.__args__) == set(MESSAGE_TYPES)  # type: ignore[attr-defined]


def _snake(name: str) -> str:
    return re.sub(r"(?<=[a-z])(?=[A-Z])|(?<=[A-Z])(?=[A-Z][a-z])", "_", name).lower()


def test_R_MSG_1_receive_naming_is_the_same_in_handler_and_world_action() -> None:
    """R-MSG-1: a message of type T is handled by ``receive_t`` and delivered by the World
    action named ``ReceiveT``."""
    handlers = node_module.MESSAGE_HANDLERS
    assert set(handlers) == set(MESSAGE_TYPES)
    for msg in one_of_each():
        t = type(msg)
        assert handlers[t].__name__ == "receive_" + _snake(t.__name__)
        assert Receive(1, msg).name == "Receive" + t.__name__
    assert _snake("LSProbeReply") == "ls_probe_reply"


def test_R_MSG_1_node_sets_travel_as_sorted_tuples() -> None:
    """R-MSG-1: node sets in messages are sorted tuples of ids, never containers."""
    out = step(ready(10), ni.Receive(JoinRequest(src=100, joiner=100)))
    (send,) = sends(out.effects)
    for ids in (send.msg.rows, send.msg.neighborhood):
        assert isinstance(ids, tuple) and list(ids) == sorted(set(ids))
    out = step(ready(90), ni.Receive(LSProbe(src=100, leaf_set=(90, 100, 130))))
    reply = next(s.msg for s in sends(out.effects) if isinstance(s.msg, LSProbeReply))
    assert isinstance(reply.leaf_set, tuple) and list(reply.leaf_set) == sorted(reply.leaf_set)


# ============================================================================================
# R-NODE-1: step is pure and total
# ============================================================================================
def _sample_inputs() -> list[object]:
    inputs: list[object] = [
        StartFirst(),
        ni.Join(50),
        ni.Route(77, LookupPayload(id=3)),
        ni.Route(90, LookupPayload(id=4)),
    ]
    inputs += [ni.Receive(m) for m in one_of_each(50)]
    inputs += [ni.Receive(m) for m in one_of_each(100)]
    inputs += [
        ni.Receive(JoinRequest(src=100, joiner=100)),
        ni.Receive(JoinRequest(src=10, joiner=60, rows=(10,), neighborhood=(), givers=())),
    ]
    return inputs


def _sample_nodes() -> list[NodeState]:
    return [
        NodeState.new(100, CFG),
        ready(90),
        ready(90, cfg=PAPER),
        attrs.evolve(NodeState.new(100, CFG), status=Status.WAIT),
        with_leaf_set(100, (50, 90, 130, 170), Status.WAIT, probing=frozenset({90})),
        with_leaf_set(100, (50, 90, 130, 170), Status.OK, lease_asked=frozenset({90, 130})),
        attrs.evolve(
            ready(90), granted_to=frozenset({130}), helping=100, lease_waiting=frozenset({100})
        ),
    ]


def test_R_NODE_1_step_is_deterministic() -> None:
    """R-NODE-1: the same node and input always give the same result (a value, equal and with
    equal hash), and ``step`` is total on every status and input."""
    for node in _sample_nodes():
        for inp in _sample_inputs():
            first = step(node, inp)
            again = step(attrs.evolve(node), inp)
            assert first == again
            assert hash(first.node) == hash(again.node)
            assert isinstance(first.effects, tuple)


def test_R_NODE_1_step_does_not_change_its_argument() -> None:
    """R-NODE-1: step returns a new state; the node it was given is untouched."""
    node = ready(90)
    snapshot = attrs.evolve(node)
    out = step(node, ni.Receive(JoinRequest(src=100, joiner=100)))
    assert out.node != node
    assert node == snapshot and node.helping is None


def test_R_NODE_1_a_dead_node_ignores_every_message() -> None:
    """R-NODE-1/2: total on a dead node: every message leaves it unchanged, with no effect."""
    dead = NodeState.new(100, CFG)
    for msg in one_of_each():
        assert step(dead, ni.Receive(msg)) == node_module.Step(dead, ())


# Everything but the command line and the checking glue (which read files) is sans-IO.
PROTOCOL_PACKAGES = ("ring", "tables", "node", "app", "oracle", "system")
FORBIDDEN_IMPORTS = frozenset(
    {
        "random",
        "time",
        "datetime",
        "os",
        "socket",
        "asyncio",
        "threading",
        "subprocess",
        "io",
        "pathlib",
        "secrets",
        "uuid",
        "select",
        "signal",
        "sys",
    }
)


def forbidden_imports(source: str) -> list[str]:
    """Every top-level module of ``FORBIDDEN_IMPORTS`` that ``source`` imports, anywhere."""
    found: list[str] = []
    for node in ast.walk(ast.parse(source)):
        if isinstance(node, ast.Import):
            names = [alias.name for alias in node.names]
        elif isinstance(node, ast.ImportFrom) and node.level == 0 and node.module:
            names = [node.module]
        else:
            continue
        found += [n for n in names if n.split(".")[0] in FORBIDDEN_IMPORTS]
    return found


def test_R_NODE_1_protocol_modules_import_no_io_clock_or_randomness() -> None:
    """R-NODE-1: no module of the protocol imports I/O, a clock or randomness (sans-IO)."""
    root = Path(pastry_ref.__file__).parent
    files = [root / "errors.py"] + [f for p in PROTOCOL_PACKAGES for f in (root / p).glob("*.py")]
    assert len(files) > 20
    bad = {}
    for f in files:
        found = forbidden_imports(f.read_text(encoding="utf-8"))
        if found:
            bad[str(f.relative_to(root))] = found
    assert bad == {}


def test_R_NODE_1_import_scan_catches_planted_imports() -> None:
    """R-NODE-1: the scan above is not vacuous: it finds a planted import in any form."""
    assert forbidden_imports("import attrs\nfrom pastry_ref import ids\n") == []
    assert forbidden_imports("import attrs\nimport random\n") == ["random"]
    assert forbidden_imports("from time import monotonic\n") == ["time"]
    assert forbidden_imports("import os.path as p\n") == ["os.path"]
    assert forbidden_imports("def f():\n    import secrets\n    return secrets\n") == ["secrets"]


# ============================================================================================
# R-NODE-2: status, and what each status accepts
# ============================================================================================
def _at(status: Status, **kw: object) -> NodeState:
    """Node 100 at ``status``; ``wait`` nodes here already hold a leaf set unless told."""
    if status is Status.DEAD:
        return NodeState.new(100, CFG)
    return with_leaf_set(100, (50, 90, 130, 170), status, **kw)


def test_R_NODE_2_dead_node_accepts_nothing() -> None:
    """R-NODE-2: a dead node is not in the overlay."""
    assert not any(accepts(NodeState.new(100, CFG), m) for m in one_of_each())


@pytest.mark.parametrize("status", [Status.WAIT, Status.OK, Status.READY])
def test_R_NODE_2_join_requests_lookups_and_announces_only_at_a_ready_node(
    status: Status,
) -> None:
    """R-NODE-2: only a ready node routes or answers joins and lookups (LuPastry's guards)."""
    node = _at(status)
    for msg in (
        JoinRequest(src=60, joiner=60),
        RouteMessage(src=50, key=7, payload=LookupPayload(id=1)),
        Announce(src=50, version=None),
        AnnounceReply(src=50, leaf_set=(), version=0),
    ):
        assert accepts(node, msg) is (status is Status.READY), (status, msg)


def test_R_NODE_2_join_reply_only_at_a_joiner_without_one() -> None:
    """R-NODE-2: a join reply at a node that already has one waits (it is taken once)."""
    reply = JoinReply(src=90, leaf_set=(90,), rows=(90,), neighborhood=(), givers=())
    fresh = attrs.evolve(NodeState.new(100, CFG), status=Status.WAIT)
    assert accepts(fresh, reply)
    assert not accepts(attrs.evolve(fresh, probing=frozenset({90})), reply)
    assert not accepts(_at(Status.WAIT), reply)
    assert not accepts(_at(Status.OK), reply)
    assert not accepts(_at(Status.READY), reply)


def test_R_NODE_2_probe_waits_at_a_joiner_without_leaf_set() -> None:
    """R-NODE-2: a probe at a joiner that has no leaf set yet stays in flight; a probe reply
    is taken."""
    fresh = attrs.evolve(NodeState.new(100, CFG), status=Status.WAIT)
    assert not accepts(fresh, LSProbe(src=90, leaf_set=(90,)))
    assert accepts(fresh, LSProbeReply(src=90, leaf_set=(90,)))
    for status in (Status.WAIT, Status.OK, Status.READY):
        assert accepts(_at(status), LSProbe(src=90, leaf_set=(90,)))
        assert accepts(_at(status), LSProbeReply(src=90, leaf_set=(90,)))


@pytest.mark.parametrize("status", [Status.WAIT, Status.OK, Status.READY])
def test_R_NODE_2_lease_traffic_only_at_ok_or_ready(status: Status) -> None:
    """R-NODE-2: lease requests and replies wait at a node that is neither ok nor ready;
    releases and JoinDone are taken by any started node."""
    node = _at(status)
    for msg in (
        LeaseRequest(src=90),
        LeaseReply(src=90, granted=True, leaf_set=(90,)),
        LeaseReply(src=90, granted=False, leaf_set=(90,)),
    ):
        assert accepts(node, msg) is (status is not Status.WAIT)
    assert accepts(node, LeaseRelease(src=90))
    assert accepts(node, JoinDone(src=90))


def test_R_NODE_2_a_message_not_accepted_changes_nothing() -> None:
    """R-NODE-2: stepping a node with a message it does not accept is the identity, no
    effects (the World leaves such a message in flight)."""
    for status in (Status.DEAD, Status.WAIT, Status.OK, Status.READY):
        node = _at(status)
        for msg in one_of_each():
            if not accepts(node, msg):
                assert step(node, ni.Receive(msg)) == node_module.Step(node, ())


def test_R_NODE_2_only_a_ready_node_routes_a_lookup() -> None:
    """R-NODE-2 / R-LOOKUP-1: RouteKey at a node that is not ready does nothing."""
    for status in (Status.DEAD, Status.WAIT, Status.OK):
        node = _at(status)
        assert step(node, ni.Route(77, LookupPayload(id=1))) == node_module.Step(node, ())


# ============================================================================================
# R-NODE-3: the first node
# ============================================================================================
def test_R_NODE_3_start_first_makes_a_dead_node_ready_and_alone() -> None:
    """R-NODE-3: StartFirst makes a dead node ready, knowing nobody, with no effect."""
    out = step(NodeState.new(100, CFG), StartFirst())
    assert protocol(out.effects) == ()
    assert out.node.status is Status.READY
    assert out.node.known() == frozenset()
    assert out.node == attrs.evolve(NodeState.new(100, CFG), status=Status.READY)
    assert out.node.decide(3).deliver  # alone, it is the root of every key


def test_R_NODE_3_start_first_on_a_started_node_is_a_no_op() -> None:
    """R-NODE-3: only a dead node starts a ring."""
    for node in (ready(90), _at(Status.WAIT), _at(Status.OK)):
        assert step(node, StartFirst()) == node_module.Step(node, ())


# ============================================================================================
# R-JOIN-1..4: the route of a join (Pastry §2.4)
# ============================================================================================
def test_R_JOIN_1_start_join_sends_join_request_to_the_seed() -> None:
    """R-JOIN-1 (P §2.4): X becomes wait and sends JoinRequest(joiner=X) to the seed A."""
    out = step(NodeState.new(100, CFG), ni.Join(10))
    assert out.node == attrs.evolve(NodeState.new(100, CFG), status=Status.WAIT)
    assert out.effects == (Send(10, JoinRequest(src=100, joiner=100)),)


def test_R_JOIN_1_start_join_only_from_dead_and_not_through_itself() -> None:
    """R-JOIN-1: a started node does not join again; a node is not its own seed."""
    dead = NodeState.new(100, CFG)
    assert step(dead, ni.Join(100)) == node_module.Step(dead, ())
    for node in (ready(90), _at(Status.WAIT)):
        assert step(node, ni.Join(10)) == node_module.Step(node, ())


def test_R_JOIN_2_first_hop_adds_itself_row_0_and_its_neighbourhood() -> None:
    """R-JOIN-2 (P §2.4: row i from the i-th node, the neighbourhood set from A): node 10
    shares no digit with joiner 100, so it gives itself and row 0 (90 170 210) but not row 1
    (50); as first hop it gives its neighbourhood and itself; it routes to R[0][1] = 90."""
    a = ready(10)
    assert a.routing_table.row(1) == (None, None, None, 50)
    out = step(a, ni.Receive(JoinRequest(src=100, joiner=100)))
    assert out.node == a
    fwd = JoinRequest(
        src=10,
        joiner=100,
        rows=(10, 90, 170, 210),
        neighborhood=(10, 50, 90, 170, 210),
        givers=((10, 0),),
    )
    assert out.effects == (Send(90, fwd),)


def test_R_JOIN_2_later_hop_adds_rows_0_to_l_and_keeps_A_neighbourhood() -> None:
    """R-JOIN-2: a later hop (src is not the joiner) adds itself and its rows 0..l, l being
    the prefix it shares with the joiner (not deeper rows), and passes A's neighbourhood on.

    Node 128 = 2000 (base 4) has 0 and 64 in row 0, 160 in row 1, 136 in row 2; joiner
    176 = 2300 shares l = 1 digit with it, so it gives 0, 64, 160 and itself, not 136."""
    hop = ready(128, ring=(0, 64, 128, 136, 160))
    assert hop.routing_table.row(2) == (None, None, 136, None)
    incoming = JoinRequest(
        src=64, joiner=176, rows=(64, 200), neighborhood=(1, 2), givers=((64, 3),)
    )
    out = step(hop, ni.Receive(incoming))
    (send,) = sends(out.effects)
    assert send.dest == hop.decide(176).node == 160
    assert send.msg == JoinRequest(
        src=128,
        joiner=176,
        rows=(0, 64, 128, 160, 200),
        neighborhood=(1, 2),
        givers=((64, 3), (128, 0)),
    )


def test_R_JOIN_2_hop_records_its_state_version() -> None:
    """R-JOIN-2 / R-PJ-2: each hop records (itself, its state version) in ``givers``."""
    a = attrs.evolve(ready(10, cfg=PAPER), version=7)
    (send,) = sends(step(a, ni.Receive(JoinRequest(src=100, joiner=100))).effects)
    assert send.msg.givers == ((10, 7),)


def test_R_JOIN_3_Z_replies_with_its_leaf_set_and_the_collected_state() -> None:
    """R-JOIN-3 (P §2.4: the leaf set comes from Z): 90 is the closest to 100 it knows, so it
    sends JoinReply with itself and its leaf set, the rows (its own added) and A's
    neighbourhood; under the consistent join it is now helping 100 (R-CJ-2)."""
    z = ready(90)
    assert z.decide(100).deliver
    incoming = JoinRequest(
        src=10,
        joiner=100,
        rows=(10, 90, 170, 210),
        neighborhood=(10, 50, 90, 170, 210),
        givers=((10, 0),),
    )
    out = step(z, ni.Receive(incoming))
    reply = JoinReply(
        src=90,
        leaf_set=(10, 50, 90, 130, 170),
        rows=(10, 50, 90, 130, 170, 210),
        neighborhood=(10, 50, 90, 170, 210),
        givers=((10, 0), (90, 0)),
    )
    assert out.effects == (Send(100, reply),)
    assert out.node == attrs.evolve(z, helping=100)


def test_R_JOIN_3_Z_as_first_hop_gives_its_own_neighbourhood() -> None:
    """R-JOIN-3 with R-JOIN-2: when the seed is Z itself it is also A."""
    z = ready(90)
    (send,) = sends(step(z, ni.Receive(JoinRequest(src=100, joiner=100))).effects)
    assert send.dest == 100
    assert send.msg.neighborhood == (10, 50, 90, 130, 170)
    assert send.msg.rows == (50, 90, 130, 210)  # 90 shares one digit with 100: rows 0..1


def test_R_JOIN_4_joiner_takes_Z_leaf_set_the_rows_and_A_neighbourhood() -> None:
    """R-JOIN-4 (P §2.4): the joiner's leaf set is built from Z's, its routing table from the
    rows, its neighbourhood from A's; each new leaf-set member is an Update upcall."""
    joiner = attrs.evolve(NodeState.new(100, CFG), status=Status.WAIT)
    reply = JoinReply(
        src=90,
        leaf_set=(10, 50, 90, 130, 170),
        rows=(10, 90, 210),
        neighborhood=(95, 50),
        givers=((10, 0), (90, 0)),
    )
    out = step(joiner, ni.Receive(reply))
    n = out.node
    assert n.leaf_set == LeafSet.of(100, (10, 50, 90, 130, 170), CFG)
    assert (n.leaf_set.left, n.leaf_set.right) == ((90, 50), (130, 170))
    assert n.routing_table.members() >= {10, 90, 210}
    assert n.routing_table == RoutingTable.empty(100, CFG.space).insert_all(
        (10, 50, 90, 95, 130, 170, 210)
    )
    # M = 4, no metric: the 4 numerically closest of A's neighbourhood and Z's leaf set; 95
    # can only have come from A's neighbourhood.
    assert n.neighborhood.members() == {95, 90, 130, 50}
    updates = [e for e in out.effects if isinstance(e, Update)]
    assert updates == [Update(50, True), Update(90, True), Update(130, True), Update(170, True)]


def test_R_JOIN_4_joiner_keeps_routing_table_incumbents() -> None:
    """R-JOIN-4 / R-RT-2: a collected row never displaces an entry the joiner already has."""
    table = RoutingTable.empty(100, CFG.space).insert(130)  # cell (0, 2)
    joiner = attrs.evolve(NodeState.new(100, CFG), status=Status.WAIT, routing_table=table)
    reply = JoinReply(
        src=90, leaf_set=(90, 170), rows=(170,), neighborhood=(), givers=((90, 0),)
    )  # 170 fits the same cell
    n = step(joiner, ni.Receive(reply)).node
    assert n.routing_table.get(0, 2) == 130
    assert 170 not in n.routing_table


# ============================================================================================
# R-PJ-1..3: the paper's join (P §2.4 with its timestamps)
# ============================================================================================
def test_R_PJ_1_paper_joiner_is_ready_and_announces_to_every_known_node() -> None:
    """R-PJ-1/2 (P §2.4): ready at once; Announce to every node of its leaf set, routing table
    and neighbourhood, carrying back the version each giver had (None for non-givers)."""
    joiner = attrs.evolve(NodeState.new(100, PAPER), status=Status.WAIT)
    reply = JoinReply(
        src=90,
        leaf_set=(50, 90, 130, 170),
        rows=(10, 90, 210),
        neighborhood=(10, 50),
        givers=((10, 3), (90, 5)),
    )
    out = step(joiner, ni.Receive(reply))
    assert out.node.status is Status.READY
    assert out.node.version == 1
    known = out.node.known()
    assert known == {10, 50, 90, 130, 170, 210}
    announces = sends(out.effects)
    assert announces == [
        Send(10, Announce(src=100, version=3)),
        Send(50, Announce(src=100, version=None)),
        Send(90, Announce(src=100, version=5)),
        Send(130, Announce(src=100, version=None)),
        Send(170, Announce(src=100, version=None)),
        Send(210, Announce(src=100, version=None)),
    ]


def test_R_PJ_2_version_bumps_on_leaf_set_change_only_in_the_paper_join() -> None:
    """R-PJ-2: every leaf-set change bumps the version (paper); other learning does not."""
    paper = ready(90, cfg=PAPER)
    n = step(paper, ni.Receive(Announce(src=100, version=None))).node  # 100 enters 90's leaf set
    assert n.version == 1 and 100 in n.leaf_set
    bare = with_leaf_set(90, RING, Status.READY, cfg=PAPER)  # empty routing table
    m = step(
        bare, ni.Receive(Announce(src=250, version=None))
    ).node  # 250 enters the table, not the leaf set
    assert m.version == 0 and 250 not in m.leaf_set and 250 in m.known()
    c = step(
        ready(90), ni.Receive(LSProbe(src=100, leaf_set=(100,)))
    ).node  # consistent join: no versions
    assert 100 in c.leaf_set and c.version == 0


def test_R_PJ_2_announce_with_current_version_is_taken_silently() -> None:
    """R-PJ-2: the addressee takes the newcomer in; unchanged since it gave its state: no
    reply. An Announce from a non-giver (version None) never gets a reply."""
    node = attrs.evolve(ready(90, cfg=PAPER), version=4)
    out = step(node, ni.Receive(Announce(src=100, version=4)))
    assert 100 in out.node.leaf_set
    assert protocol(out.effects) == (Update(100, True), Update(170, False))
    assert sends(step(node, ni.Receive(Announce(src=100, version=None))).effects) == []


def test_R_PJ_2_stale_announce_triggers_announce_reply() -> None:
    """R-PJ-2 (P §2.4 timestamps): the addressee's state moved since it gave it: it answers
    AnnounceReply with its current leaf set (the newcomer included) and version."""
    node = attrs.evolve(ready(90, cfg=PAPER), version=4)
    out = step(node, ni.Receive(Announce(src=100, version=2)))
    assert out.node.version == 5
    assert protocol(out.effects) == (
        Update(100, True),
        Update(170, False),
        Send(100, AnnounceReply(src=90, leaf_set=(10, 50, 90, 100, 130), version=5)),
    )


def test_R_PJ_3_announce_reply_makes_newcomer_announce_to_new_members() -> None:
    """R-PJ-3: the newcomer merges the fresher leaf set and announces itself (version None) to
    every node that thereby entered its leaf set, except the replier."""
    newcomer = with_leaf_set(100, (50, 90, 130, 170), Status.READY, cfg=PAPER)
    out = step(
        newcomer, ni.Receive(AnnounceReply(src=130, leaf_set=(95, 110, 130, 250), version=9))
    )
    assert (out.node.leaf_set.left, out.node.leaf_set.right) == ((95, 90), (110, 130))
    assert sends(out.effects) == [
        Send(95, Announce(src=100, version=None)),
        Send(110, Announce(src=100, version=None)),
    ]
    assert Update(95, True) in out.effects and Update(50, False) in out.effects


def test_R_PJ_3_announce_reply_with_nothing_new_sends_nothing() -> None:
    """R-PJ-3: no new leaf-set member, no announce."""
    newcomer = with_leaf_set(100, (50, 90, 130, 170), Status.READY, cfg=PAPER)
    out = step(newcomer, ni.Receive(AnnounceReply(src=130, leaf_set=(90, 130, 250), version=9)))
    assert sends(out.effects) == []


# ============================================================================================
# R-CJ-1..10: the consistent join (LuPastry; MSPastry's probing)
# ============================================================================================
def test_R_CJ_1_joiner_goes_dead_wait_ok_ready() -> None:
    """R-CJ-1 (LuPastry): the joiner's statuses, over a whole join, are dead, wait, ok, ready
    in that order, each once."""
    from pastry_ref.system import Join, WorldSpec
    from pastry_ref.system.drive import quiesce

    world = WorldSpec(CFG, RING, ((100, 10),)).initial_world()
    seen = [world.node(100).status]
    world = world.apply(Join(100, 10))
    seen.append(world.node(100).status)
    for _ in range(LOOP_CAP):  # bounded: a join that never ends fails here, by name
        enabled = [a for a in world.actions() if isinstance(a, Receive)]
        if not enabled:
            break
        world = world.apply(enabled[0])
        if world.node(100).status is not seen[-1]:
            seen.append(world.node(100).status)
    else:
        raise Livelock(f"the join of 100 still delivers after {LOOP_CAP} messages")
    assert seen == [Status.DEAD, Status.WAIT, Status.OK, Status.READY]
    assert quiesce(world)[1] == 0 and world.network == ()


def test_R_CJ_2_busy_Z_leaves_a_request_it_would_answer_waiting() -> None:
    """R-CJ-2 (LuPastry: one joiner at a time): while ``helping`` is set, a join request Z
    would answer waits in the network."""
    z = attrs.evolve(ready(90), helping=100)
    second = JoinRequest(src=10, joiner=95, rows=(10,), neighborhood=(10,), givers=((10, 0),))
    assert z.decide(95).deliver
    assert not accepts(z, second)
    assert step(z, ni.Receive(second)) == node_module.Step(z, ())
    assert accepts(ready(90), second)


def test_R_CJ_2_busy_Z_still_routes_requests_it_would_not_answer() -> None:
    """R-CJ-2: requests a busy node would only route still pass."""
    z = attrs.evolve(ready(90), helping=100)
    passing = JoinRequest(src=10, joiner=200, rows=(10,), neighborhood=(10,), givers=((10, 0),))
    assert not z.decide(200).deliver
    assert accepts(z, passing)
    out = step(z, ni.Receive(passing))
    assert out.node == z
    assert [s.dest for s in sends(out.effects)] == [z.decide(200).node]


def test_R_CJ_2_helping_is_ignored_by_the_paper_join() -> None:
    """R-CJ-2 is the consistent join's: a paper node answers whatever ``helping`` says."""
    z = attrs.evolve(ready(90, cfg=PAPER), helping=100)
    assert accepts(z, JoinRequest(src=10, joiner=95))


def test_R_CJ_3_consistent_joiner_probes_every_leaf_member() -> None:
    """R-CJ-3 (LuPastry / MSPastry probing): the joiner takes Z's leaf set, stays wait, and
    sends LSProbe with its own leaf set to every member; it remembers Z as its helper."""
    joiner = attrs.evolve(NodeState.new(100, CFG), status=Status.WAIT)
    reply = JoinReply(
        src=90,
        leaf_set=(10, 50, 90, 130, 170),
        rows=(10, 90),
        neighborhood=(10, 50),
        givers=((10, 0), (90, 0)),
    )
    out = step(joiner, ni.Receive(reply))
    n = out.node
    assert n.status is Status.WAIT
    assert n.probing == {50, 90, 130, 170}
    assert n.helper == 90
    probe = LSProbe(src=100, leaf_set=(50, 90, 100, 130, 170))
    assert sends(out.effects) == [Send(m, probe) for m in (50, 90, 130, 170)]


def test_R_CJ_4_probe_takes_sender_in_and_replies_with_leaf_set() -> None:
    """R-CJ-4 (MSPastry: a probe proves its sender alive): the receiver takes 100 in (Update
    upcalls, 170 leaves its right half) and answers LSProbeReply with its new leaf set."""
    node = ready(90)
    out = step(node, ni.Receive(LSProbe(src=100, leaf_set=(50, 90, 100, 130, 170))))
    assert (out.node.leaf_set.left, out.node.leaf_set.right) == ((50, 10), (100, 130))
    assert protocol(out.effects) == (
        Update(100, True),
        Update(170, False),
        Send(100, LSProbeReply(src=90, leaf_set=(10, 50, 90, 100, 130))),
    )
    assert out.node.status is Status.READY


def test_R_CJ_4_probe_reply_ends_the_wait_for_that_node() -> None:
    """R-CJ-4: a probe reply removes its sender from ``probing`` and takes it in."""
    joiner = with_leaf_set(100, (50, 90, 170), Status.WAIT, probing=frozenset({90, 130}))
    out = step(joiner, ni.Receive(LSProbeReply(src=130, leaf_set=(90, 130, 170))))
    assert out.node.probing == {90}  # 130 answered; 90 and 170 are known already
    assert 130 in out.node.leaf_set
    assert Update(130, True) in out.effects
    assert out.node.status is Status.WAIT  # 90 still outstanding


def test_R_CJ_5_newcomers_named_in_a_probe_are_probed_not_added() -> None:
    """R-CJ-5 (MSPastry): a node named in a received leaf set that would enter this node's
    leaf set is probed, and not added until it answers; a node already probed is not probed
    twice; a node that would not enter is ignored."""
    node = attrs.evolve(ready(90), probing=frozenset({110}))
    out = step(node, ni.Receive(LSProbe(src=130, leaf_set=(70, 110, 120, 130, 250))))
    assert 70 not in out.node.leaf_set and 120 not in out.node.leaf_set
    assert out.node.probing == {70, 110, 120}
    content90 = (10, 50, 90, 130, 170)
    assert sends(out.effects) == [
        Send(70, LSProbe(src=90, leaf_set=content90)),
        Send(120, LSProbe(src=90, leaf_set=content90)),
        Send(130, LSProbeReply(src=90, leaf_set=content90)),
    ]


def test_R_CJ_5_newcomers_named_in_a_probe_reply_or_lease_reply_are_probed() -> None:
    """R-CJ-5: the same for probe replies and lease replies."""
    joiner = with_leaf_set(100, (50, 90, 130, 170), Status.WAIT, probing=frozenset({90}))
    out = step(joiner, ni.Receive(LSProbeReply(src=90, leaf_set=(50, 90, 95))))
    assert 95 not in out.node.leaf_set and out.node.probing == {95}
    assert Send(95, LSProbe(src=100, leaf_set=(50, 90, 100, 130, 170))) in out.effects

    ok = with_leaf_set(100, (50, 90, 130, 170), Status.OK, lease_asked=frozenset({90, 130}))
    out = step(ok, ni.Receive(LeaseReply(src=130, granted=False, leaf_set=(110, 130, 170))))
    assert 110 not in out.node.leaf_set and out.node.probing == {110}
    assert Send(110, LSProbe(src=100, leaf_set=(50, 90, 100, 130, 170))) in out.effects


def test_R_CJ_6_wait_to_ok_with_a_lease_request_to_each_neighbour() -> None:
    """R-CJ-6 (LuPastry): the last probe reply, with a complete leaf set, makes the joiner ok
    and it asks both immediate neighbours (90, 130) for a lease."""
    joiner = with_leaf_set(100, (50, 90, 130, 170), Status.WAIT, probing=frozenset({130}))
    out = step(joiner, ni.Receive(LSProbeReply(src=130, leaf_set=(90, 100, 130, 170))))
    assert out.node.status is Status.OK
    assert out.node.lease_asked == {90, 130}
    assert sends(out.effects) == [Send(90, LeaseRequest(src=100)), Send(130, LeaseRequest(src=100))]


def test_R_CJ_6_no_ok_while_a_probe_is_outstanding() -> None:
    """R-CJ-6: with a probe still outstanding the joiner stays wait and asks nobody."""
    joiner = with_leaf_set(100, (50, 90, 130, 170), Status.WAIT, probing=frozenset({90, 130}))
    out = step(joiner, ni.Receive(LSProbeReply(src=130, leaf_set=(90, 100, 130, 170))))
    assert out.node.status is Status.WAIT
    assert sends(out.effects) == []


def test_R_CJ_6_no_ok_with_an_incomplete_leaf_set() -> None:
    """R-CJ-6 / R-LS-7: an incomplete leaf set (one member a side, L/2 = 2, no overlap: the
    shape a removal leaves) keeps the joiner waiting even with no probe outstanding; the same
    progress check with a complete leaf set makes it ok. (Any learning refills the halves, so
    the check is triggered here by a JoinDone, which only runs the progress step.)"""
    half_full = LeafSet(100, CFG.space, 2, left=(50,), right=(130,))
    joiner = attrs.evolve(NodeState.new(100, CFG), status=Status.WAIT, leaf_set=half_full)
    assert not joiner.leaf_set.is_complete()
    assert step(joiner, ni.Receive(JoinDone(src=7))) == node_module.Step(joiner, ())
    complete = attrs.evolve(joiner, leaf_set=LeafSet.of(100, (50, 90, 130, 170), CFG))
    out = step(complete, ni.Receive(JoinDone(src=7)))
    assert out.node.status is Status.OK
    assert sends(out.effects) == [Send(90, LeaseRequest(src=100)), Send(130, LeaseRequest(src=100))]


def test_R_CJ_6_small_ring_overlapping_leaf_set_is_complete() -> None:
    """R-CJ-6 / R-LS-7: in a ring of two the other node is both neighbours: one request."""
    joiner = with_leaf_set(100, (90,), Status.WAIT, probing=frozenset({90}))
    out = step(joiner, ni.Receive(LSProbeReply(src=90, leaf_set=(90, 100))))
    assert out.node.status is Status.OK
    assert sends(out.effects) == [Send(90, LeaseRequest(src=100))]


def test_R_CJ_6_a_neighbour_is_asked_once() -> None:
    """R-CJ-6: an ok node does not ask a neighbour again while its request is outstanding."""
    ok = with_leaf_set(100, (50, 90, 130, 170), Status.OK, lease_asked=frozenset({90, 130}))
    out = step(ok, ni.Receive(LSProbe(src=170, leaf_set=(90, 100, 130, 170))))
    assert not [s for s in sends(out.effects) if isinstance(s.msg, LeaseRequest)]


def test_R_CJ_7_grant_to_an_immediate_neighbour() -> None:
    """R-CJ-7 (LuPastry leases): 90's right neighbour is 100: granted, with 90's leaf set, and
    90 is locked for 100 (R-CJ-10)."""
    node = step(ready(90), ni.Receive(LSProbe(src=100, leaf_set=(100,)))).node
    assert 100 in immediate_neighbours(node.leaf_set)
    out = step(node, ni.Receive(LeaseRequest(src=100)))
    assert out.effects == (Send(100, LeaseReply(src=90, granted=True, leaf_set=content(node))),)
    assert out.node == attrs.evolve(node, granted_to=frozenset({100}))


def test_R_CJ_7_refuse_a_non_neighbour_and_remember_it() -> None:
    """R-CJ-7: 170 is a leaf-set member of 90 but not an immediate neighbour: refused, with
    the leaf set; 170 is remembered in lease_waiting, nothing is locked."""
    node = ready(90)
    out = step(node, ni.Receive(LeaseRequest(src=170)))
    assert out.effects == (Send(170, LeaseReply(src=90, granted=False, leaf_set=content(node))),)
    assert out.node == attrs.evolve(node, lease_waiting=frozenset({170}))


def test_R_CJ_7_refused_requester_is_granted_when_it_becomes_neighbour() -> None:
    """R-CJ-7: 100 asked 90 before 90 knew it; once 90's probe reply from 100 makes 100 its
    right neighbour, ``_advance`` grants the waiting requester by itself."""
    node = attrs.evolve(ready(90), probing=frozenset({100}))
    refused = step(node, ni.Receive(LeaseRequest(src=100)))
    assert refused.effects[0].msg.granted is False
    out = step(refused.node, ni.Receive(LSProbeReply(src=100, leaf_set=(90, 100, 130))))
    assert out.node.granted_to == {100}
    assert out.node.lease_waiting == frozenset()
    assert Send(100, LeaseReply(src=90, granted=True, leaf_set=content(out.node))) in out.effects


def test_R_CJ_7_refusal_is_not_answered_by_asking_again() -> None:
    """R-CJ-7: a refused ok joiner sends no new LeaseRequest (known livelock otherwise)."""
    ok = with_leaf_set(100, (50, 90, 130, 170), Status.OK, lease_asked=frozenset({90, 130}))
    out = step(ok, ni.Receive(LeaseReply(src=130, granted=False, leaf_set=(90, 100, 130, 170))))
    assert out.node.lease_asked == {90, 130}
    assert sends(out.effects) == []
    assert out.node.status is Status.OK


def test_R_CJ_8_ready_only_when_both_neighbours_granted() -> None:
    """R-CJ-8 (LuPastry: ready after leases from both neighbours)."""
    ok = with_leaf_set(
        100, (50, 90, 130, 170), Status.OK, lease_asked=frozenset({90, 130}), helper=90
    )
    half = step(ok, ni.Receive(LeaseReply(src=90, granted=True, leaf_set=(50, 90, 100, 130))))
    assert half.node.status is Status.OK
    assert half.node.leases == {90} and half.node.lease_asked == {130}
    assert sends(half.effects) == []
    full = step(
        half.node, ni.Receive(LeaseReply(src=130, granted=True, leaf_set=(90, 100, 130, 170)))
    )
    assert full.node.status is Status.READY
    assert full.node.leases == {90, 130}


def test_R_CJ_8_no_ready_while_a_probe_is_outstanding() -> None:
    """R-CJ-8: both grants but a probe outstanding (a newcomer named by the grant): still ok;
    the probe reply then makes it ready."""
    ok = with_leaf_set(
        100, (50, 90, 130, 170), Status.OK, leases=frozenset({90}), lease_asked=frozenset({130})
    )
    out = step(
        ok, ni.Receive(LeaseReply(src=130, granted=True, leaf_set=(100, 130, 150)))
    )  # 150 would enter
    assert out.node.probing == {150} and out.node.status is Status.OK
    done = step(out.node, ni.Receive(LSProbeReply(src=150, leaf_set=(100, 130, 150))))
    assert done.node.status is Status.READY


def test_R_CJ_9_ready_joiner_sends_join_done_to_helper_and_granters() -> None:
    """R-CJ-9: on becoming ready the joiner sends JoinDone to the node that answered its join
    (170 here) and to every granter (90, 130), and forgets its helper."""
    ok = with_leaf_set(
        100, (50, 90, 130, 170), Status.OK, leases=frozenset({90}),
        lease_asked=frozenset({130}), helper=170,
    )  # fmt: skip
    out = step(ok, ni.Receive(LeaseReply(src=130, granted=True, leaf_set=(90, 100, 130, 170))))
    assert out.node.status is Status.READY and out.node.helper is None
    assert sends(out.effects) == [
        Send(90, JoinDone(src=100)),
        Send(130, JoinDone(src=100)),
        Send(170, JoinDone(src=100)),
    ]


def test_R_CJ_9_join_done_clears_helping_and_granted_to() -> None:
    """R-CJ-9 / R-CJ-10: JoinDone from the joiner frees Z (helping) and the granter
    (granted_to); from anybody else it changes nothing."""
    busy = attrs.evolve(ready(90), helping=100, granted_to=frozenset({100}))
    assert step(busy, ni.Receive(JoinDone(src=100))).node == ready(90)
    other = step(busy, ni.Receive(JoinDone(src=95))).node
    assert other == busy
    only_helping = attrs.evolve(ready(90), helping=100, granted_to=frozenset({130}))
    assert step(only_helping, ni.Receive(JoinDone(src=100))).node.granted_to == {130}


def test_R_CJ_9_join_done_lets_a_waiting_neighbour_be_granted() -> None:
    """R-CJ-9 / R-CJ-7: JoinDone from a joiner that is no longer a neighbour is accepted, and
    a requester waiting on this node is granted as soon as it is an immediate neighbour."""
    node = attrs.evolve(ready(90), granted_to=frozenset({130}), lease_waiting=frozenset({100}))
    out = step(node, ni.Receive(JoinDone(src=130)))
    assert out.node.granted_to == frozenset() and out.node.lease_waiting == {100}
    nearer = step(out.node, ni.Receive(LSProbeReply(src=100, leaf_set=(90, 100, 130))))
    assert nearer.node.granted_to == {100} and nearer.node.lease_waiting == frozenset()
    assert (
        Send(100, LeaseReply(src=90, granted=True, leaf_set=content(nearer.node))) in nearer.effects
    )


def test_R_CJ_10_one_lease_per_side() -> None:
    """R-CJ-10: 90 granted its right neighbour 130; its left neighbour 50 is granted too (one
    lease per side), a non-neighbour is refused and remembered, and the holder is granted again."""
    node = attrs.evolve(ready(90), granted_to=frozenset({130}))
    out = step(node, ni.Receive(LeaseRequest(src=50)))
    assert protocol(out.effects) == (
        Send(50, LeaseReply(src=90, granted=True, leaf_set=content(node))),
    )
    assert out.node.granted_to == {50, 130}
    far = step(out.node, ni.Receive(LeaseRequest(src=170)))
    assert far.effects[0].msg.granted is False and far.node.lease_waiting == {170}
    again = step(node, ni.Receive(LeaseRequest(src=130)))
    assert again.effects[0].msg.granted is True and again.node.granted_to == {130}


def test_R_CJ_10_no_circular_wait_between_two_joiners() -> None:
    """R-CJ-10 regression (found by the Hypothesis stateful test): ring 3, joins of 0, 1, 2
    and 4 through 3. With one lease per node, 0 locked for 1 and 3 locked for 4 while 1 waited
    for 3 and 4 for 0: a circular wait. With one lease per side every join completes."""
    spec = WorldSpec(Config.make(8, 2, 4, 4), (3,), ((0, 3), (1, 3), (2, 3), (4, 3)), ())
    w = spec.initial_world()

    def first(kind: type) -> object:
        return next(a for a in w.actions() if isinstance(a, kind))

    for what in "JRRRRRRRJRRJJ":
        w = w.apply(first(Join if what == "J" else Receive))  # type: ignore[arg-type]
    rng = random.Random(65535)
    for _ in range(LOOP_CAP):  # bounded: a livelock fails here, by name
        if not (enabled := [a for a in w.actions() if isinstance(a, Receive)]):
            break
        w = w.apply(enabled[rng.randrange(len(enabled))])
    else:
        raise Livelock(f"the joins still deliver after {LOOP_CAP} messages")
    assert w.network == ()
    assert [n.status for n in w.nodes] == [Status.READY] * 5
    assert inv.converged(w) == []


def test_R_CJ_10_locked_node_defers_probes_that_would_change_its_neighbours() -> None:
    """R-CJ-10: locked for 130, node 90 (neighbours 50 and 130) leaves waiting a probe or
    probe reply from 70 or 100 (each would become an immediate neighbour) but takes one from
    30 (enters the leaf set behind 50), 250 (does not enter) or the lease holder 130."""
    node = attrs.evolve(ready(90), granted_to=frozenset({130}))
    for src in (70, 100):
        for msg in (LSProbe(src=src, leaf_set=(src,)), LSProbeReply(src=src, leaf_set=(src,))):
            assert not accepts(node, msg), msg
            assert step(node, ni.Receive(msg)) == node_module.Step(node, ())
    for src in (30, 250, 130):
        for msg in (LSProbe(src=src, leaf_set=(src,)), LSProbeReply(src=src, leaf_set=(src,))):
            assert accepts(node, msg), msg
    out = step(node, ni.Receive(LSProbe(src=30, leaf_set=(30,))))
    assert immediate_neighbours(out.node.leaf_set) == {50, 130}
    assert 30 in out.node.leaf_set
    unlocked = ready(90)
    assert accepts(unlocked, LSProbe(src=70, leaf_set=(70,)))


def test_R_CJ_10_lease_release_unlocks() -> None:
    """R-CJ-10: LeaseRelease from the holder unlocks, and a waiting neighbour is granted;
    from another node it changes nothing."""
    node = attrs.evolve(ready(90), granted_to=frozenset({130}), lease_waiting=frozenset({100}))
    out = step(node, ni.Receive(LeaseRelease(src=130)))
    assert out.node.granted_to == frozenset() and out.node.lease_waiting == {100}
    assert protocol(out.effects) == ()
    bare = attrs.evolve(ready(90), granted_to=frozenset({130}))
    assert step(bare, ni.Receive(LeaseRelease(src=130))) == node_module.Step(ready(90), ())
    assert step(bare, ni.Receive(LeaseRelease(src=50))) == node_module.Step(bare, ())


def test_R_CJ_10_grant_at_a_ready_node_is_released() -> None:
    """R-CJ-10: a grant that arrives after the joiner is ready is not needed: LeaseRelease."""
    node = ready(90)
    out = step(node, ni.Receive(LeaseReply(src=130, granted=True, leaf_set=content(ready(130)))))
    assert out.effects == (Send(130, LeaseRelease(src=90)),)
    assert out.node.leases == frozenset()


def test_R_CJ_10_grant_from_a_non_neighbour_is_released() -> None:
    """R-CJ-10: a grant from a node that is not (or no longer) an immediate neighbour is
    answered with LeaseRelease and not counted."""
    ok = with_leaf_set(
        100, (50, 90, 130, 170), Status.OK, leases=frozenset({130}),
        lease_asked=frozenset({90, 170}),
    )  # fmt: skip
    out = step(ok, ni.Receive(LeaseReply(src=170, granted=True, leaf_set=(90, 100, 130, 170))))
    assert Send(170, LeaseRelease(src=100)) in out.effects
    assert out.node.leases == {130} and out.node.status is Status.OK
    assert 170 not in out.node.lease_asked


def test_R_CJ_10_stale_lease_is_released_when_the_neighbour_changes() -> None:
    """R-CJ-10: an ok node whose granter stops being its neighbour (95 arrives between it and
    90) releases that lease and asks the new neighbour."""
    ok = with_leaf_set(
        100, (50, 90, 130, 170), Status.OK, leases=frozenset({90}),
        lease_asked=frozenset({130}), probing=frozenset({95}),
    )  # fmt: skip
    out = step(ok, ni.Receive(LSProbeReply(src=95, leaf_set=(90, 95, 100))))
    assert immediate_neighbours(out.node.leaf_set) == {95, 130}
    assert out.node.leases == frozenset()
    assert sends(out.effects) == [Send(90, LeaseRelease(src=100)), Send(95, LeaseRequest(src=100))]


# ============================================================================================
# R-LOOKUP-1..2
# ============================================================================================
def test_R_LOOKUP_1_route_key_delivers_at_the_root() -> None:
    """R-LOOKUP-1 (KBR deliver upcall): 90 is the root of 95 among what it knows."""
    node = ready(90)
    out = step(node, ni.Route(95, LookupPayload(id=7)))
    assert out == node_module.Step(node, (Deliver(95, LookupPayload(id=7)),))


def test_R_ROUTE_6_the_node_asks_before_it_forwards() -> None:
    """R-ROUTE-6 (KBR forward upcall): key 135 is 130's. The node only says where it would
    send it (Forward) and sends nothing; ForwardTo, the application's answer, sends it."""
    node = ready(90)
    out = step(node, ni.Route(135, LookupPayload(id=7)))
    assert out == node_module.Step(node, (Forward(135, LookupPayload(id=7), 130),))
    sent = step(node, ni.ForwardTo(135, LookupPayload(id=8), 130))
    assert sent == node_module.Step(
        node, (Send(130, RouteMessage(src=90, key=135, payload=LookupPayload(id=8))),)
    )


def test_R_LOOKUP_1_route_key_forwards_with_upcall_then_send() -> None:
    """R-LOOKUP-1 on a host (node + lookup application): a Lookup request for key 135 is the
    Forward upcall, then the Send of the routed message to 130, in one atomic step."""
    host = Host(ready(90), (LookupApp(),))
    out = host_step(host, Request(Lookup(key=135, id=7)))
    assert out.host == host
    assert out.effects == (
        Forward(135, LookupPayload(id=7), 130),
        Send(130, RouteMessage(src=90, key=135, payload=LookupPayload(id=7))),
    )


def test_R_LOOKUP_1_route_key_refuses_a_key_outside_the_space() -> None:
    """R-LOOKUP-1 / R-ID-1: a key outside [0, 2^bits) is refused, naming the field."""
    with pytest.raises(PastryRefError, match="key"):
        step(ready(90), ni.Route(256, LookupPayload(id=1)))


def test_R_LOOKUP_1_route_refuses_a_bad_key_at_a_node_not_ready_too() -> None:
    """R-LOOKUP-1 / R-ID-1: the key is checked before the status: a node that is not ready
    (and would route nothing) still refuses a key outside the space, naming the field."""
    for status in (Status.WAIT, Status.OK):
        with pytest.raises(PastryRefError, match=r"^key: id 256 is out of range"):
            step(_at(status), ni.Route(256, LookupPayload(id=1)))
    assert step(_at(Status.OK), ni.Route(95, LookupPayload(id=1))).effects == ()


def test_R_ROUTE_6_forward_to_sends_only_from_a_ready_node_to_another_node() -> None:
    """R-ROUTE-6: ForwardTo at a ready node sends the RouteMessage to that hop (and nothing
    else); naming the node itself, or at a node that is not ready, it sends nothing and the
    node is unchanged."""
    payload = LookupPayload(id=8)
    node = ready(90)
    sent = step(node, ni.ForwardTo(135, payload, 130))
    assert sent.effects == (Send(130, RouteMessage(src=90, key=135, payload=payload)),)
    assert step(node, ni.ForwardTo(135, payload, 90)) == node_module.Step(node, ())
    for status in (Status.WAIT, Status.OK):
        waiting = _at(status)
        assert step(waiting, ni.ForwardTo(135, payload, 130)) == node_module.Step(waiting, ())


def test_R_ROUTE_7_send_direct_refuses_a_destination_outside_the_space() -> None:
    """R-ROUTE-7 / R-ID-1: SendDirect to an id outside [0, 2^bits) is refused, naming the
    field, at any status (nothing is sent to a node that cannot exist)."""
    for node in (ready(90), _at(Status.OK)):
        with pytest.raises(PastryRefError, match=r"^dest: id 256 is out of range"):
            step(node, ni.SendDirect(256, LookupPayload(id=1)))


def test_R_LOOKUP_2_lookup_hop_delivers_or_forwards() -> None:
    """R-LOOKUP-2: a ready node receiving a Lookup does what RouteKey does; 10 forwards key
    135 by its routing table (R[0][2] = 170 is closer than its leaf set covers)."""
    node = ready(90)
    assert step(
        node, ni.Receive(RouteMessage(src=10, key=95, payload=LookupPayload(id=2)))
    ) == node_module.Step(node, (Deliver(95, LookupPayload(id=2)),))
    far = Host(ready(10), (LookupApp(),))
    hop = far.node.decide(135)
    assert not hop.deliver
    msg = RouteMessage(src=50, key=135, payload=LookupPayload(id=3))
    out = host_step(far, ni.Receive(msg))
    assert out.effects == (
        Forward(135, LookupPayload(id=3), hop.node),
        Send(hop.node, RouteMessage(src=10, key=135, payload=LookupPayload(id=3))),
    )


def test_R_LOOKUP_2_lookup_waits_at_a_node_not_ready() -> None:
    """R-LOOKUP-2 / R-NODE-2: a Lookup at a node that is not ready is not accepted."""
    assert not accepts(_at(Status.OK), RouteMessage(src=10, key=95, payload=LookupPayload(id=2)))


# ============================================================================================
# Update upcalls (KBR update, on leaf-set changes)
# ============================================================================================
def test_update_upcalls_on_leaf_set_entry_and_eviction_only() -> None:
    """KBR update(node, joined): one upcall per node entering or leaving the leaf set; a node
    learned only into the routing table or neighbourhood is no upcall."""
    node = ready(90)
    out = step(node, ni.Receive(LSProbe(src=70, leaf_set=(70,))))
    assert [e for e in out.effects if isinstance(e, Update)] == [
        Update(70, True),
        Update(10, False),
    ]
    bare = with_leaf_set(90, RING, Status.READY)  # empty routing table and neighbourhood
    out = step(bare, ni.Receive(LSProbe(src=250, leaf_set=(250,))))
    assert 250 in out.node.known() and 250 not in out.node.leaf_set
    assert [e for e in out.effects if isinstance(e, Update)] == []


def test_R_PJ_3_announce_reply_sender_is_not_announced_to() -> None:
    """R-PJ-3: the replier already knows the newcomer: even when the replier itself enters the
    newcomer's leaf set through its reply, it gets no Announce."""
    newcomer = with_leaf_set(100, (50, 90, 130, 170), Status.READY, cfg=PAPER)
    out = step(newcomer, ni.Receive(AnnounceReply(src=95, leaf_set=(95, 110), version=9)))
    assert {95, 110} <= out.node.leaf_set.members()
    assert sends(out.effects) == [Send(110, Announce(src=100, version=None))]
