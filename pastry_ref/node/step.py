"""The Pastry node as a pure state machine.

Owns: ``NodeState`` (one node's whole state), the inputs a node reacts to, ``step`` (one
dispatch table from input type to one handler each; received messages dispatch again on the
message type), and ``accepts`` (whether a node takes a message now or leaves it waiting in the
network, as the guards of the TLA+ model do).
Spec rules: R-NODE-1 (step is pure and total), R-NODE-2 (status and what each status may do),
R-JOIN-1..4 (the route of a join), R-PJ-1..3 (the paper's join), R-CJ-1..10 (the consistent
join), R-LOOKUP-1..2 (routing application messages), R-TIME-1 (armed timers follow from the
state), R-FD-1..6 (failure detection), R-FAIL-1..3 (declaring a node failed, graceful leave),
R-LSR-1..2 (leaf-set repair), R-RTR-1..3 (routing-table repair and maintenance), R-NBR-1
(neighbourhood repair), R-HOP-1..3 (per-hop acknowledgement and retry).
"""

from __future__ import annotations

import enum
from collections.abc import Callable, Iterable
from typing import Any, TypeAlias

import attrs

from pastry_ref.node.effects import CancelTimer, Deliver, Effect, Forward, Send, SetTimer, Update
from pastry_ref.node.messages import (
    Announce,
    AnnounceReply,
    Departure,
    HoodReply,
    HoodRequest,
    HopAck,
    Ids,
    JoinDone,
    JoinReply,
    JoinRequest,
    LeaseRelease,
    LeaseReply,
    LeaseRequest,
    Lookup,
    LSProbe,
    LSProbeReply,
    Message,
    RowReply,
    RowRequest,
)
from pastry_ref.node.timers import (
    HopTimeout,
    KeepAlive,
    ProbeTimeout,
    RowMaintenance,
    Timer,
    timer_order,
)
from pastry_ref.ring.config import Config, JoinProtocol
from pastry_ref.ring.proximity import ConstantProximity
from pastry_ref.tables.leaf_set import LeafSet
from pastry_ref.tables.neighborhood import Neighborhood
from pastry_ref.tables.routing import RouteDecision, next_hop
from pastry_ref.tables.routing_table import RoutingTable, cell_of

__all__ = [
    "Depart",
    "Input",
    "NodeState",
    "Receive",
    "RouteKey",
    "StartFirst",
    "StartJoin",
    "Status",
    "Step",
    "TimerFired",
    "accepts",
    "armed_timers",
    "immediate_neighbours",
    "step",
]

# Nodes measure no network here: the neighbourhood keeps the numerically closest (R-NB-1 with
# the constant metric) and routing-table cells keep their incumbent (R-RT-2 without a metric).
_NO_METRIC = ConstantProximity()


class Status(enum.Enum):
    """R-NODE-2. dead: not (or no longer) in the overlay; wait: joining; ok: leaf set confirmed,
    waiting for leases; ready: routes, delivers and answers joins. The paper's join goes from
    wait straight to ready."""

    DEAD = "dead"
    WAIT = "wait"
    OK = "ok"
    READY = "ready"


@attrs.frozen(slots=True, cache_hash=True)
class NodeState:
    """Everything one node knows.

    ``probing``: nodes probed and not yet answered; ``leases``: neighbours that granted this
    node a lease; ``lease_asked``: nodes asked for a lease that have not granted it
    (outstanding or refused); ``lease_waiting``: requesters this node refused, granted when
    they become its immediate neighbours; ``granted_to``: the joiners (at most one per side:
    its immediate neighbours) this node granted a lease and has not heard ready from (R-CJ-10);
    ``helping``: the joiner this node answered and has not heard ready from; ``helper``: the
    node that answered this node's join; ``version``: the paper's state timestamp, bumped on
    every leaf-set change (paper join only);
    ``failed``: nodes this node declared failed or was told have left (R-FAIL-1), never
    re-learned unless they prove alive (R-FD-6); ``retried``: probed nodes whose first probe
    timed out and were probed once more (R-FD-3); ``pending``: routed messages sent and not yet
    acknowledged, with the hop they went to (R-HOP-1).
    """

    id: int
    config: Config
    status: Status
    leaf_set: LeafSet
    routing_table: RoutingTable
    neighborhood: Neighborhood
    probing: frozenset[int] = frozenset()
    leases: frozenset[int] = frozenset()
    lease_asked: frozenset[int] = frozenset()
    lease_waiting: frozenset[int] = frozenset()
    granted_to: frozenset[int] = frozenset()
    helping: int | None = None
    helper: int | None = None
    version: int = 0
    failed: frozenset[int] = frozenset()
    retried: frozenset[int] = frozenset()
    pending: frozenset[tuple[int, Lookup | JoinRequest]] = frozenset()

    @classmethod
    def new(cls, node_id: int, config: Config) -> NodeState:
        """A node that has not started: dead, knowing nobody."""
        space = config.space
        space.check(node_id, "node id")
        return cls(
            node_id,
            config,
            Status.DEAD,
            LeafSet.empty(node_id, config),
            RoutingTable.empty(node_id, space),
            Neighborhood.empty(node_id, space, config.neighborhood_size),
        )

    def known(self) -> frozenset[int]:
        """Every node this node knows of (leaf set, routing table, neighbourhood)."""
        return self.leaf_set.members() | self.routing_table.members() | self.neighborhood.members()

    def decide(self, key: int, exclude: frozenset[int] = frozenset()) -> RouteDecision:
        """The routing decision for ``key`` at this node (R-ROUTE-1..4), ignoring the nodes in
        ``exclude`` (a hop that did not answer, R-HOP-3)."""
        leaf_set, table, hood = self.leaf_set, self.routing_table, self.neighborhood
        for n in exclude:
            leaf_set, table, hood = leaf_set.remove(n), table.remove(n), hood.remove(n)
        return next_hop(key, leaf_set, table, hood)


# -- inputs --------------------------------------------------------------------------------
@attrs.frozen(slots=True)
class StartFirst:
    """Become the first node of a new ring: ready, alone (R-NODE-3)."""


@attrs.frozen(slots=True)
class StartJoin:
    """Start joining through ``seed``, a node already in the ring (R-JOIN-1)."""

    seed: int


@attrs.frozen(slots=True)
class Receive:
    """A message arrived."""

    msg: Message


@attrs.frozen(slots=True)
class RouteKey:
    """The application asks to route ``payload`` toward ``key`` (KBR route)."""

    key: int
    payload: int


@attrs.frozen(slots=True)
class Depart:
    """The application asks this ready node to leave gracefully (R-FAIL-2)."""


@attrs.frozen(slots=True)
class TimerFired:
    """An armed timer fired (R-TIME-1). Firing a timer that is not armed does nothing."""

    timer: Timer


Input: TypeAlias = StartFirst | StartJoin | Receive | RouteKey | Depart | TimerFired


@attrs.frozen(slots=True)
class Step:
    """The result of ``step``: the next node state and the effects, in a deterministic order."""

    node: NodeState
    effects: tuple[Effect, ...] = ()


# -- helpers -------------------------------------------------------------------------------
def immediate_neighbours(leaf_set: LeafSet) -> frozenset[int]:
    """The nearest node on each side (one node in a ring of two; none when alone)."""
    return frozenset(leaf_set.left[:1] + leaf_set.right[:1])


def _ids(nodes: Iterable[int]) -> Ids:
    return tuple(sorted(set(nodes)))


def _leaf_content(node: NodeState) -> Ids:
    """The node's leaf set as it sends it: the members and the node itself."""
    return _ids((*node.leaf_set.members(), node.id))


def _learn(node: NodeState, nodes: Iterable[int], out: list[Effect]) -> NodeState:
    """Add ``nodes`` to the leaf set, routing table and neighbourhood (R-RT-2, R-LS-2, R-NB-1).

    Emits an update upcall for every node that enters or leaves the leaf set; under the paper
    join a changed leaf set bumps the state version (R-PJ-2).
    """
    new = [n for n in _ids(nodes) if n != node.id and n not in node.failed]
    if not new:
        return node
    leaf_set = node.leaf_set.add_all(new)
    table = node.routing_table.insert_all(new)
    hood = node.neighborhood.insert_all(new, _NO_METRIC)
    version = node.version
    if leaf_set != node.leaf_set:
        before, after = node.leaf_set.members(), leaf_set.members()
        out.extend(Update(n, True) for n in sorted(after - before))
        out.extend(Update(n, False) for n in sorted(before - after))
        if node.config.join is JoinProtocol.PAPER:
            version += 1
    return attrs.evolve(
        node, leaf_set=leaf_set, routing_table=table, neighborhood=hood, version=version
    )


def _would_enter(leaf_set: LeafSet, node: int) -> bool:
    return node != leaf_set.owner and node not in leaf_set and leaf_set.add(node) != leaf_set


# -- step ----------------------------------------------------------------------------------
def step(node: NodeState, inp: Input) -> Step:
    """Apply one input to one node (R-NODE-1): same node and input, same result, always.

    A message the node does not accept now (``accepts`` is false) leaves it unchanged with no
    effect; the World never delivers such a message, it stays in flight.
    """
    handler = _INPUT_HANDLERS[type(inp)]
    out: list[Effect] = []
    new = handler(node, inp, out)
    before, after = armed_timers(node), armed_timers(new)
    if before != after:
        out.extend(CancelTimer(t) for t in sorted(before - after, key=timer_order))
        out.extend(SetTimer(t) for t in sorted(after - before, key=timer_order))
    return Step(new, tuple(out))


def armed_timers(node: NodeState) -> frozenset[Timer]:
    """R-TIME-1: the timers armed at ``node``, a function of its state. KeepAlive for every
    leaf-set member not being probed (R-FD-1), ProbeTimeout for every probe unanswered
    (R-FD-3), HopTimeout for every unacknowledged hop (R-HOP-2), RowMaintenance at a ready node
    (R-RTR-3)."""
    if node.status is Status.DEAD:
        return frozenset()
    timers: set[Timer] = {KeepAlive(n) for n in node.leaf_set.members() - node.probing}
    timers.update(ProbeTimeout(n) for n in node.probing)
    timers.update(HopTimeout(n, m) for n, m in node.pending)
    if node.status is Status.READY:
        timers.add(RowMaintenance())
    return frozenset(timers)


def _start_first(node: NodeState, inp: Any, out: list[Effect]) -> NodeState:
    if node.status is not Status.DEAD:
        return node
    return attrs.evolve(node, status=Status.READY)


def _start_join(node: NodeState, inp: Any, out: list[Effect]) -> NodeState:
    assert isinstance(inp, StartJoin)
    if node.status is not Status.DEAD or inp.seed == node.id:
        return node
    out.append(Send(inp.seed, JoinRequest(node.id, node.id)))
    return attrs.evolve(node, status=Status.WAIT)


def _route_key(node: NodeState, inp: Any, out: list[Effect]) -> NodeState:
    assert isinstance(inp, RouteKey)
    node.config.space.check(inp.key, "key")
    if node.status is not Status.READY:
        return node  # R-LOOKUP-1: only a ready node routes
    return _route_lookup(node, inp.key, inp.payload, out)


def _receive(node: NodeState, inp: Any, out: list[Effect]) -> NodeState:
    assert isinstance(inp, Receive)
    if not accepts(node, inp.msg):
        return node
    return _MESSAGE_HANDLERS[type(inp.msg)](node, inp.msg, out)


# -- lookups (R-LOOKUP-1..2) -----------------------------------------------------------------
def _route_lookup(
    node: NodeState,
    key: int,
    payload: int,
    out: list[Effect],
    exclude: frozenset[int] = frozenset(),
) -> NodeState:
    decision = node.decide(key, exclude)
    if decision.deliver:
        out.append(Deliver(key, payload))
        return node
    msg = Lookup(node.id, key, payload)
    out.append(Forward(key, payload, decision.node))
    out.append(Send(decision.node, msg))
    return _track(node, decision.node, msg)


def receive_lookup(node: NodeState, msg: Any, out: list[Effect]) -> NodeState:
    """R-LOOKUP-2: a ready node delivers the lookup if it is the root it knows, else forwards."""
    assert isinstance(msg, Lookup)
    _ack(node, msg, out)
    return _route_lookup(node, msg.key, msg.payload, out)


# -- per-hop acknowledgement and retry (R-HOP-1..3) ----------------------------------------------
def _track(node: NodeState, hop: int, msg: Lookup | JoinRequest) -> NodeState:
    """R-HOP-1: with hop acks on, remember a routed message until ``hop`` acknowledges it."""
    if not node.config.hop_acks:
        return node
    return attrs.evolve(node, pending=node.pending | {(hop, msg)})


def _ack(node: NodeState, msg: Lookup | JoinRequest, out: list[Effect]) -> None:
    """R-HOP-1: acknowledge a routed message to the hop it came from (not to a joiner, which
    sends its join to one seed and has no other route)."""
    if not node.config.hop_acks or msg.src == node.id:
        return
    if isinstance(msg, JoinRequest) and msg.src == msg.joiner:
        return
    out.append(Send(msg.src, HopAck(node.id, msg)))


def receive_hop_ack(node: NodeState, msg: Any, out: list[Effect]) -> NodeState:
    """R-HOP-1: the hop took the message: stop waiting for it."""
    assert isinstance(msg, HopAck)
    return attrs.evolve(node, pending=node.pending - {(msg.src, msg.msg)})


def _fire_hop_timeout(node: NodeState, timer: Any, out: list[Effect]) -> NodeState:
    """R-HOP-2/3: a hop did not acknowledge: suspect it (probe it, R-FD-2) and route the
    message again through the next best candidate, never through that hop."""
    assert isinstance(timer, HopTimeout)
    hop, msg = timer.next_hop, timer.msg
    node = attrs.evolve(node, pending=node.pending - {(hop, msg)})
    node = _probe(node, hop, out)
    if isinstance(msg, Lookup):
        return _route_lookup(node, msg.key, msg.payload, out, frozenset({hop}))
    return _route_join(node, msg, out, frozenset({hop}))


# -- the route of a join (R-JOIN-1..4) ------------------------------------------------------
def _rows_for(node: NodeState, joiner: int) -> set[int]:
    """R-JOIN-2: what a hop gives the joiner's routing table: itself and its rows 0..l, where
    l is the length of the prefix it shares with the joiner."""
    space = node.config.space
    depth = space.shared_prefix_len(node.id, joiner)
    rows = range(min(depth + 1, space.digits))
    entries = {n for r in rows for n in node.routing_table.row(r) if n is not None}
    return entries | {node.id}


def receive_join_request(node: NodeState, msg: Any, out: list[Effect]) -> NodeState:
    """R-JOIN-2/3: route the join toward the joiner's id, collecting rows; Z answers."""
    assert isinstance(msg, JoinRequest)
    _ack(node, msg, out)
    if msg.src == node.id:  # sent to itself on a retry (R-HOP-3): already carries its rows
        return _route_join(node, msg, out, frozenset())
    rows = _ids({*msg.rows, *_rows_for(node, msg.joiner)})
    hood = msg.neighborhood
    if msg.src == msg.joiner:  # first hop: A gives its neighbourhood set (R-JOIN-2)
        hood = _ids((*node.neighborhood.members(), node.id))
    givers = (*msg.givers, (node.id, node.version))
    fwd = JoinRequest(node.id, msg.joiner, rows, hood, givers)
    return _route_join(node, fwd, out, frozenset())


def _route_join(
    node: NodeState, fwd: JoinRequest, out: list[Effect], exclude: frozenset[int]
) -> NodeState:
    """Forward a join (as this hop sends it) toward the joiner, or answer it as Z."""
    decision = node.decide(fwd.joiner, exclude)
    if not decision.deliver:
        out.append(Send(decision.node, fwd))
        return _track(node, decision.node, fwd)
    consistent = node.config.join is JoinProtocol.CONSISTENT
    if consistent and node.helping not in (None, fwd.joiner):
        # A retried join now ends here but this node answers one joiner at a time (R-CJ-2):
        # it waits in the network like any other join request.
        out.append(Send(node.id, fwd))
        return node
    reply = JoinReply(node.id, _leaf_content(node), fwd.rows, fwd.neighborhood, fwd.givers)
    out.append(Send(fwd.joiner, reply))
    if consistent:
        return attrs.evolve(node, helping=fwd.joiner)  # R-CJ-2
    return node


def receive_join_reply(node: NodeState, msg: Any, out: list[Effect]) -> NodeState:
    """R-JOIN-4: the joiner takes Z's leaf set, the route's rows and A's neighbourhood."""
    assert isinstance(msg, JoinReply)
    leaf_set = LeafSet.of(node.id, msg.leaf_set, node.config)
    table = node.routing_table.insert_all(
        n for n in _ids((*msg.rows, *msg.leaf_set, *msg.neighborhood)) if n != node.id
    )
    hood = node.neighborhood.insert_all((*msg.neighborhood, *msg.leaf_set), _NO_METRIC)
    out.extend(Update(n, True) for n in sorted(leaf_set.members()))
    node = attrs.evolve(node, leaf_set=leaf_set, routing_table=table, neighborhood=hood)
    if node.config.join is JoinProtocol.PAPER:
        # R-PJ-1: active at once; announce to every node of the new state, returning the
        # version each giver had when it gave its state (R-PJ-2).
        given = dict(msg.givers)
        node = attrs.evolve(node, status=Status.READY, version=node.version + 1)
        for n in sorted(node.known()):
            out.append(Send(n, Announce(node.id, given.get(n))))
        return node
    # R-CJ-3: probe every member of the new leaf set before trusting it.
    members = sorted(leaf_set.members())
    content = _leaf_content(node)
    out.extend(Send(n, LSProbe(node.id, content)) for n in members)
    return attrs.evolve(node, probing=frozenset(members), helper=msg.src)


# -- the paper's join (R-PJ-1..3) ------------------------------------------------------------
def receive_announce(node: NodeState, msg: Any, out: list[Effect]) -> NodeState:
    """R-PJ-2: take the new node into the state; if this node's state changed since it gave it
    to the newcomer, answer with the new state (the paper's timestamp check)."""
    assert isinstance(msg, Announce)
    stale = msg.version is not None and msg.version != node.version
    node = _learn(node, (msg.src,), out)
    if stale:
        out.append(Send(msg.src, AnnounceReply(node.id, _leaf_content(node), node.version)))
    return node


def receive_announce_reply(node: NodeState, msg: Any, out: list[Effect]) -> NodeState:
    """R-PJ-3: the newcomer merges the fresher state and announces itself to the nodes that
    entered its leaf set through it (the restarted operation)."""
    assert isinstance(msg, AnnounceReply)
    before = node.leaf_set.members()
    node = _learn(node, msg.leaf_set, out)
    for n in sorted(node.leaf_set.members() - before - {msg.src}):
        out.append(Send(n, Announce(node.id, None)))
    return node


# -- the consistent join (R-CJ-1..10) --------------------------------------------------------
def _probe_new(node: NodeState, candidates: Iterable[int], out: list[Effect]) -> NodeState:
    """R-CJ-5: probe every candidate that would enter the leaf set, before adding it."""
    fresh = [
        n
        for n in _ids(candidates)
        if n not in node.probing and n not in node.failed and _would_enter(node.leaf_set, n)
    ]
    if not fresh:
        return node
    probe = LSProbe(node.id, _leaf_content(node), _ids(node.failed))
    out.extend(Send(n, probe) for n in fresh)
    return attrs.evolve(node, probing=node.probing | frozenset(fresh))


def _advance(node: NodeState, out: list[Effect]) -> NodeState:
    """Progress after any change of view.

    R-CJ-7: grant the waiting lease requesters that have become immediate neighbours.
    R-CJ-6/8: wait → ok when no probe is outstanding and the leaf set is complete; an ok node
    asks every immediate neighbour it has not asked yet for a lease, and becomes ready when both
    neighbours have granted and no probe is outstanding.
    """
    neighbours = immediate_neighbours(node.leaf_set)
    waiting = sorted(node.lease_waiting & neighbours)
    for x in waiting:  # one lease per side (R-CJ-10)
        out.append(Send(x, LeaseReply(node.id, True, _leaf_content(node))))
    if waiting:
        node = attrs.evolve(
            node,
            lease_waiting=node.lease_waiting - frozenset(waiting),
            granted_to=node.granted_to | frozenset(waiting),
        )
    if node.status is Status.WAIT and not node.probing and node.leaf_set.is_complete():
        node = attrs.evolve(node, status=Status.OK)
    if node.status is not Status.OK:
        return node
    stale = sorted(node.leases - neighbours)  # granted by a node no longer a neighbour
    out.extend(Send(n, LeaseRelease(node.id)) for n in stale)
    node = attrs.evolve(node, leases=node.leases - frozenset(stale))
    ask = sorted(neighbours - node.leases - node.lease_asked)
    out.extend(Send(n, LeaseRequest(node.id)) for n in ask)
    node = attrs.evolve(node, lease_asked=node.lease_asked | frozenset(ask))
    if neighbours and neighbours <= node.leases and not node.probing:
        # R-CJ-9: tell the node that answered the join and every node that granted a lease.
        release = set(node.leases) | ({node.helper} if node.helper is not None else set())
        out.extend(Send(n, JoinDone(node.id)) for n in sorted(release))
        node = attrs.evolve(node, status=Status.READY, helper=None)
    return node


def receive_ls_probe(node: NodeState, msg: Any, out: list[Effect]) -> NodeState:
    """R-CJ-4: a probe proves its sender alive: take it in, probe the newcomers its leaf set
    names, and answer with this node's leaf set."""
    assert isinstance(msg, LSProbe)
    node = _revive(node, msg.src)
    node = _learn(node, (msg.src,), out)
    node = _probe_new(node, msg.leaf_set, out)
    node = _suspect(node, msg.failed, out)
    out.append(Send(msg.src, LSProbeReply(node.id, _leaf_content(node), _ids(node.failed))))
    return _advance(node, out)


def receive_ls_probe_reply(node: NodeState, msg: Any, out: list[Effect]) -> NodeState:
    """R-CJ-4/5: the probed node is alive: take it in, probe the newcomers it names."""
    assert isinstance(msg, LSProbeReply)
    node = attrs.evolve(node, probing=node.probing - {msg.src}, retried=node.retried - {msg.src})
    node = _revive(node, msg.src)
    node = _learn(node, (msg.src,), out)
    node = _probe_new(node, msg.leaf_set, out)
    node = _suspect(node, msg.failed, out)
    return _advance(node, out)


def receive_lease_request(node: NodeState, msg: Any, out: list[Effect]) -> NodeState:
    """R-CJ-7: grant a lease only to an immediate neighbour (R-CJ-10: at most one per side,
    since the neighbours cannot change while a lease is out); answer with the leaf set either
    way. A refused requester waits here and is granted once it is an immediate neighbour (the
    refusal may only mean this node has not yet heard of it)."""
    assert isinstance(msg, LeaseRequest)
    granted = msg.src in immediate_neighbours(node.leaf_set)
    out.append(Send(msg.src, LeaseReply(node.id, granted, _leaf_content(node))))
    if granted:  # locked until it is ready (R-CJ-10)
        return attrs.evolve(node, granted_to=node.granted_to | {msg.src})
    return attrs.evolve(node, lease_waiting=node.lease_waiting | {msg.src})


def receive_lease_reply(node: NodeState, msg: Any, out: list[Effect]) -> NodeState:
    """R-CJ-8: record the grant, probe the newcomers the replier names, and try to advance.

    A refusal is not answered by asking again: either the replier knows a node between it and
    this one (its leaf set names it, and that node becomes the neighbour to ask), or it has not
    heard of this node yet, and then grants by itself later (R-CJ-7). Asking the refuser again
    at once is a livelock, and treating the refusal as final a deadlock; the model checker
    found both in join/two-concurrent (spec/known_violations.md)."""
    assert isinstance(msg, LeaseReply)
    if msg.granted:
        node = attrs.evolve(node, lease_asked=node.lease_asked - {msg.src})
        if node.status is Status.READY or msg.src not in immediate_neighbours(node.leaf_set):
            out.append(Send(msg.src, LeaseRelease(node.id)))  # not needed: free it (R-CJ-10)
        else:
            node = attrs.evolve(node, leases=node.leases | {msg.src})
    node = _probe_new(node, msg.leaf_set, out)
    return _advance(node, out)


def receive_lease_release(node: NodeState, msg: Any, out: list[Effect]) -> NodeState:
    """R-CJ-10: the joiner does not need this node's lease: the lock is off."""
    assert isinstance(msg, LeaseRelease)
    if msg.src not in node.granted_to:
        return node
    return _advance(attrs.evolve(node, granted_to=node.granted_to - {msg.src}), out)


def receive_join_done(node: NodeState, msg: Any, out: list[Effect]) -> NodeState:
    """R-CJ-9: the joiner this node answered or granted a lease is ready: the next joiner may
    be answered, or granted, and the neighbourhood may change again."""
    assert isinstance(msg, JoinDone)
    helping = None if node.helping == msg.src else node.helping
    node = attrs.evolve(node, helping=helping, granted_to=node.granted_to - {msg.src})
    return _advance(node, out)


# -- failure detection (R-FD-1..6) ------------------------------------------------------------
def _probe(node: NodeState, target: int, out: list[Effect]) -> NodeState:
    """R-FD-2: probe ``target`` (an LSProbe carrying this node's leaf set and failed set) unless
    it is this node, already probed, or known failed."""
    if target == node.id or target in node.probing or target in node.failed:
        return node
    out.append(Send(target, LSProbe(node.id, _leaf_content(node), _ids(node.failed))))
    return attrs.evolve(node, probing=node.probing | {target})


def _revive(node: NodeState, src: int) -> NodeState:
    """R-FD-6: a probe or probe reply from a node declared failed proves it alive (a false
    suspicion): it is no longer failed and may be learned again."""
    if src not in node.failed:
        return node
    return attrs.evolve(node, failed=node.failed - {src})


def _suspect(node: NodeState, gossip: Iterable[int], out: list[Effect]) -> NodeState:
    """R-FD-5: gossip of failed nodes is a hint, not a verdict: probe every gossiped node this
    node still knows, and let the probe decide."""
    known = node.known()
    for n in _ids(gossip):
        if n in known and n not in node.failed:
            node = _probe(node, n, out)
    return node


def _fire_keep_alive(node: NodeState, timer: Any, out: list[Effect]) -> NodeState:
    """R-FD-1/2: a leaf-set member's heartbeats stopped: probe it."""
    assert isinstance(timer, KeepAlive)
    return _probe(node, timer.node, out)


def _fire_probe_timeout(node: NodeState, timer: Any, out: list[Effect]) -> NodeState:
    """R-FD-3/4: an unanswered probe is sent once more (when the config allows a retry); the
    next timeout declares the node failed."""
    assert isinstance(timer, ProbeTimeout)
    y = timer.node
    if node.config.probe_retry and y not in node.retried:
        out.append(Send(y, LSProbe(node.id, _leaf_content(node), _ids(node.failed))))
        return attrs.evolve(node, retried=node.retried | {y})
    return _declare_failed(node, y, out, None)


# -- declaring a node failed, and repair (R-FAIL-1..3, R-LSR-1..2, R-RTR-1..2, R-NBR-1) -----------
def _declare_failed(node: NodeState, y: int, out: list[Effect], handover: Ids | None) -> NodeState:
    """R-FAIL-1: forget ``y`` everywhere (leaf set, routing table, neighbourhood, probes, the
    join's bookkeeping), remember it as failed, and repair what it leaves behind.

    R-LSR-1: the leaf set is repaired by probing the live member farthest on each side ``y``
    was on (the other side's farthest when that side is empty); its reply names the
    replacements, each probed before it is used (R-LSR-2). A departing node hands its leaf set
    over instead (``handover``, R-FAIL-2). R-RTR-1 and R-NBR-1 repair the routing table and the
    neighbourhood.
    """
    old = node.leaf_set
    cell = cell_of(node.config.space, node.id, y) if y in node.routing_table else None
    in_hood = y in node.neighborhood
    leaf_set = old.remove(y)  # the slot stays empty until a live replacement answers (R-LS-3)
    version = node.version
    if leaf_set != old:
        out.extend(Update(n, False) for n in sorted(old.members() - leaf_set.members()))
        out.extend(Update(n, True) for n in sorted(leaf_set.members() - old.members()))
        if node.config.join is JoinProtocol.PAPER:
            version += 1

    def drop(v: int | None) -> int | None:
        return None if v == y else v

    node = attrs.evolve(
        node,
        leaf_set=leaf_set,
        routing_table=node.routing_table.remove(y),
        neighborhood=node.neighborhood.remove(y),
        probing=node.probing - {y},
        retried=node.retried - {y},
        failed=node.failed | {y},
        leases=node.leases - {y},
        lease_asked=node.lease_asked - {y},
        lease_waiting=node.lease_waiting - {y},
        granted_to=node.granted_to - {y},
        helping=drop(node.helping),
        helper=drop(node.helper),
        version=version,
    )
    if handover is not None:
        node = _probe_new(node, handover, out)
    for target in _repair_targets(old, y, leaf_set):
        node = _probe(node, target, out)
    if cell is not None:
        node = _repair_row(node, cell[0], out)
    if in_hood and len(node.neighborhood):
        # R-NBR-1: ask the closest remaining member for its neighbourhood set.
        out.append(Send(next(iter(node.neighborhood)), HoodRequest(node.id)))
    return _advance(node, out)


def _repair_targets(old: LeafSet, y: int, new: LeafSet) -> list[int]:
    """R-LSR-1: for each side ``y`` was on, and each side left short of L/2 members (a probed
    replacement that turned out dead leaves its slot empty too), the farthest member left on
    that side; when that side is empty, the farthest member of the other side. Nothing when
    the leaf set is complete and ``y`` was not in it."""
    targets: list[int] = []
    complete = new.is_complete()
    for was, half, other in ((old.left, new.left, new.right), (old.right, new.right, new.left)):
        if y not in was and (complete or len(half) == new.half):
            continue
        if half:
            targets.append(half[-1])
        elif other:
            targets.append(other[-1])
    return sorted(set(targets))


def _repair_row(node: NodeState, row: int, out: list[Effect]) -> NodeState:
    """R-RTR-1: ask another entry of row ``row`` (the first, in column order) for its row
    ``row``; when the row has no other entry, ask the first entry of the next row (its row
    ``row`` covers the same cells). One request per failure: a later failure, or periodic
    maintenance (R-RTR-3), asks again."""
    table = node.routing_table
    for r in (row, row + 1):
        if r >= len(table.rows):
            break
        askees = [n for n in table.row(r) if n is not None]
        if askees:
            out.append(Send(askees[0], RowRequest(node.id, row)))
            break
    return node


def receive_row_request(node: NodeState, msg: Any, out: list[Effect]) -> NodeState:
    """R-RTR-2: answer with the entries of the asked row (none for a row that does not exist)."""
    assert isinstance(msg, RowRequest)
    rows = node.routing_table.rows
    entries = _ids(n for n in rows[msg.row] if n is not None) if 0 <= msg.row < len(rows) else ()
    out.append(Send(msg.src, RowReply(node.id, msg.row, entries)))
    return node


def receive_row_reply(node: NodeState, msg: Any, out: list[Effect]) -> NodeState:
    """R-RTR-2: fill empty cells from the reply (incumbents stay, R-RT-2); never a node known
    failed."""
    assert isinstance(msg, RowReply)
    fresh = [n for n in (*msg.entries, msg.src) if n != node.id and n not in node.failed]
    return attrs.evolve(node, routing_table=node.routing_table.insert_all(fresh))


def receive_hood_request(node: NodeState, msg: Any, out: list[Effect]) -> NodeState:
    """R-NBR-1: answer with this node's neighbourhood set."""
    assert isinstance(msg, HoodRequest)
    out.append(Send(msg.src, HoodReply(node.id, _ids(node.neighborhood.members()))))
    return node


def receive_hood_reply(node: NodeState, msg: Any, out: list[Effect]) -> NodeState:
    """R-NBR-1: keep the closest of the current members and the reply's (never a failed node)."""
    assert isinstance(msg, HoodReply)
    fresh = [n for n in (*msg.members, msg.src) if n != node.id and n not in node.failed]
    return attrs.evolve(node, neighborhood=node.neighborhood.insert_all(fresh, _NO_METRIC))


def _fire_row_maintenance(node: NodeState, timer: Any, out: list[Effect]) -> NodeState:
    """R-RTR-3: periodic maintenance (FreePastry, MSPastry): ask one entry of every populated
    row for that row, and probe every routing-table entry, so dead entries are found without
    traffic."""
    assert isinstance(timer, RowMaintenance)
    table = node.routing_table
    for r, row in enumerate(table.rows):
        entries = [n for n in row if n is not None]
        if entries:
            out.append(Send(entries[0], RowRequest(node.id, r)))
    for n in sorted(table.members()):
        node = _probe(node, n, out)
    return node


def receive_departure(node: NodeState, msg: Any, out: list[Effect]) -> NodeState:
    """R-FAIL-2: a leaving node is forgotten at once, and its handed-over leaf set supplies the
    replacements (each probed before use)."""
    assert isinstance(msg, Departure)
    return _declare_failed(node, msg.src, out, tuple(n for n in msg.leaf_set if n != msg.src))


def _depart(node: NodeState, inp: Any, out: list[Effect]) -> NodeState:
    """R-FAIL-2: a ready node leaves: it tells its leaf set, hands it over, and is dead."""
    if node.status is not Status.READY:
        return node
    notice = Departure(node.id, _leaf_content(node))
    out.extend(Send(n, notice) for n in sorted(node.leaf_set.members()))
    return NodeState.new(node.id, node.config)


def _timer_fired(node: NodeState, inp: Any, out: list[Effect]) -> NodeState:
    assert isinstance(inp, TimerFired)
    if inp.timer not in armed_timers(node):
        return node  # cancelled or never armed: nothing happens (R-TIME-1)
    return _TIMER_HANDLERS[type(inp.timer)](node, inp.timer, out)


# -- guards (R-NODE-2) -----------------------------------------------------------------------
def accepts(node: NodeState, msg: Message) -> bool:
    """Whether ``node`` takes ``msg`` now; otherwise the message waits in the network.

    Only a ready node routes or answers a join or a lookup (R-NODE-2); under the consistent join
    a ready node answers one joiner at a time (R-CJ-2); a joiner takes one join reply; a node
    still waiting for its join reply leaves probes waiting; only ok and ready nodes deal in
    leases.
    """
    status = node.status
    if status is Status.DEAD:
        return False
    if isinstance(msg, JoinRequest):
        if status is not Status.READY:
            return False
        if node.config.join is JoinProtocol.CONSISTENT and node.helping is not None:
            return not node.decide(msg.joiner).deliver
        return True
    if isinstance(msg, Lookup | Announce | AnnounceReply):
        return status is Status.READY
    if isinstance(msg, JoinReply):
        return status is Status.WAIT and not node.leaf_set.members() and not node.probing
    if isinstance(msg, LSProbe | LSProbeReply):
        if isinstance(msg, LSProbe) and status is Status.WAIT and not node.leaf_set.members():
            return False
        return not _locked_against(node, msg.src)
    if isinstance(msg, LeaseRequest | LeaseReply):
        return status in (Status.OK, Status.READY)
    return True  # JoinDone, LeaseRelease, and the failure-handling messages


def _locked_against(node: NodeState, newcomer: int) -> bool:
    """R-CJ-10: a node that granted a lease to a joiner not yet ready keeps its immediate
    neighbours unchanged: it leaves waiting any message that would bring in a nearer one."""
    if not node.granted_to or newcomer in node.granted_to:
        return False
    before = immediate_neighbours(node.leaf_set)
    return immediate_neighbours(node.leaf_set.add(newcomer)) != before


Handler: TypeAlias = Callable[[NodeState, Any, list[Effect]], NodeState]

_INPUT_HANDLERS: dict[type, Handler] = {
    StartFirst: _start_first,
    StartJoin: _start_join,
    Receive: _receive,
    RouteKey: _route_key,
    Depart: _depart,
    TimerFired: _timer_fired,
}

_TIMER_HANDLERS: dict[type, Handler] = {
    KeepAlive: _fire_keep_alive,
    ProbeTimeout: _fire_probe_timeout,
    HopTimeout: _fire_hop_timeout,
    RowMaintenance: _fire_row_maintenance,
}

_MESSAGE_HANDLERS: dict[type, Handler] = {
    JoinRequest: receive_join_request,
    JoinReply: receive_join_reply,
    Announce: receive_announce,
    AnnounceReply: receive_announce_reply,
    LSProbe: receive_ls_probe,
    LSProbeReply: receive_ls_probe_reply,
    LeaseRequest: receive_lease_request,
    LeaseReply: receive_lease_reply,
    LeaseRelease: receive_lease_release,
    JoinDone: receive_join_done,
    Lookup: receive_lookup,
    Departure: receive_departure,
    RowRequest: receive_row_request,
    RowReply: receive_row_reply,
    HoodRequest: receive_hood_request,
    HoodReply: receive_hood_reply,
    HopAck: receive_hop_ack,
}
