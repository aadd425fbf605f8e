"""The consistent join (LuPastry's, R-CJ-1..10): probes, leases from both neighbours, one
joiner at a time.

Owns: the joiner's probing of its new leaf set, the probe and lease handlers, and ``advance``,
the progress rule every change of view ends with. Rule 1: a node is ready only when both
immediate neighbours granted it a lease and no probe is outstanding. Rule 2: a granter keeps its
immediate neighbours unchanged until its joiner is ready (R-CJ-10; the guard is in
``node.dispatch.accepts``).
"""

from __future__ import annotations

from typing import Any

import attrs

from pastry_ref.node.effects import Effect, Send
from pastry_ref.node.messages import (
    JoinDone,
    LeaseRelease,
    LeaseReply,
    LeaseRequest,
    LSProbe,
    LSProbeReply,
)
from pastry_ref.node.state import NodeState, Status, ids, immediate_neighbours
from pastry_ref.node.view import leaf_content, learn, probe_new, revive, suspect

__all__ = [
    "advance",
    "locked_against",
    "receive_join_done",
    "receive_lease_release",
    "receive_lease_reply",
    "receive_lease_request",
    "receive_ls_probe",
    "receive_ls_probe_reply",
    "start_probing",
]


def start_probing(node: NodeState, helper: int, out: list[Effect]) -> NodeState:
    """R-CJ-3: probe every member of the new leaf set before trusting it."""
    members = sorted(node.leaf_set.members())
    msg = LSProbe(src=node.id, leaf_set=leaf_content(node))
    out.extend(Send(n, msg) for n in members)
    return attrs.evolve(node, probing=frozenset(members), helper=helper)


def advance(node: NodeState, out: list[Effect]) -> NodeState:
    """Progress after any change of view.

    R-CJ-7: grant the waiting lease requesters that have become immediate neighbours.
    R-CJ-6/8: wait → ok when no probe is outstanding and the leaf set is complete; an ok node
    asks every immediate neighbour it has not asked yet for a lease, and becomes ready when both
    neighbours have granted and no probe is outstanding.
    """
    neighbours = immediate_neighbours(node.leaf_set)
    waiting = sorted(node.lease_waiting & neighbours)
    for x in waiting:  # one lease per side (R-CJ-10)
        out.append(Send(x, LeaseReply(src=node.id, granted=True, leaf_set=leaf_content(node))))
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
    out.extend(Send(n, LeaseRelease(src=node.id)) for n in stale)
    node = attrs.evolve(node, leases=node.leases - frozenset(stale))
    ask = sorted(neighbours - node.leases - node.lease_asked)
    out.extend(Send(n, LeaseRequest(src=node.id)) for n in ask)
    node = attrs.evolve(node, lease_asked=node.lease_asked | frozenset(ask))
    if neighbours and neighbours <= node.leases and not node.probing:
        # R-CJ-9: tell the node that answered the join and every node that granted a lease.
        release = set(node.leases) | ({node.helper} if node.helper is not None else set())
        out.extend(Send(n, JoinDone(src=node.id)) for n in sorted(release))
        node = attrs.evolve(node, status=Status.READY, helper=None)
    return node


def receive_ls_probe(node: NodeState, msg: Any, out: list[Effect]) -> NodeState:
    """R-CJ-4: a probe proves its sender alive: take it in, probe the newcomers its leaf set
    names, and answer with this node's leaf set."""
    assert isinstance(msg, LSProbe)
    node = revive(node, msg.src)
    node = learn(node, (msg.src,), out)
    node = probe_new(node, msg.leaf_set, out)
    node = suspect(node, msg.failed, out)
    reply = LSProbeReply(src=node.id, leaf_set=leaf_content(node), failed=ids(node.failed))
    out.append(Send(msg.src, reply))
    return advance(node, out)


def receive_ls_probe_reply(node: NodeState, msg: Any, out: list[Effect]) -> NodeState:
    """R-CJ-4/5: the probed node is alive: take it in, probe the newcomers it names."""
    assert isinstance(msg, LSProbeReply)
    node = attrs.evolve(node, probing=node.probing - {msg.src}, retried=node.retried - {msg.src})
    node = revive(node, msg.src)
    node = learn(node, (msg.src,), out)
    node = probe_new(node, msg.leaf_set, out)
    node = suspect(node, msg.failed, out)
    return advance(node, out)


def receive_lease_request(node: NodeState, msg: Any, out: list[Effect]) -> NodeState:
    """R-CJ-7: grant a lease only to an immediate neighbour (R-CJ-10: at most one per side,
    since the neighbours cannot change while a lease is out); answer with the leaf set either
    way. A refused requester waits here and is granted once it is an immediate neighbour (the
    refusal may only mean this node has not yet heard of it)."""
    assert isinstance(msg, LeaseRequest)
    granted = msg.src in immediate_neighbours(node.leaf_set)
    out.append(Send(msg.src, LeaseReply(src=node.id, granted=granted, leaf_set=leaf_content(node))))
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
            out.append(Send(msg.src, LeaseRelease(src=node.id)))  # not needed: free it (R-CJ-10)
        else:
            node = attrs.evolve(node, leases=node.leases | {msg.src})
    node = probe_new(node, msg.leaf_set, out)
    return advance(node, out)


def receive_lease_release(node: NodeState, msg: Any, out: list[Effect]) -> NodeState:
    """R-CJ-10: the joiner does not need this node's lease: the lock is off."""
    assert isinstance(msg, LeaseRelease)
    if msg.src not in node.granted_to:
        return node
    return advance(attrs.evolve(node, granted_to=node.granted_to - {msg.src}), out)


def receive_join_done(node: NodeState, msg: Any, out: list[Effect]) -> NodeState:
    """R-CJ-9: the joiner this node answered or granted a lease is ready: the next joiner may
    be answered, or granted, and the neighbourhood may change again."""
    assert isinstance(msg, JoinDone)
    helping = None if node.helping == msg.src else node.helping
    node = attrs.evolve(node, helping=helping, granted_to=node.granted_to - {msg.src})
    return advance(node, out)


def locked_against(node: NodeState, newcomer: int) -> bool:
    """R-CJ-10: a node that granted a lease to a joiner not yet ready keeps its immediate
    neighbours unchanged: it leaves waiting any message that would bring in a nearer one."""
    if not node.granted_to or newcomer in node.granted_to:
        return False
    before = immediate_neighbours(node.leaf_set)
    return immediate_neighbours(node.leaf_set.add(newcomer)) != before
