"""Failure detection and repair: keep-alives and probes, declaring a node failed, graceful
leave, and the repair of the leaf set, the routing table and the neighbourhood.

Owns: R-FD-1..4 (what a timer does), R-FAIL-1..3, R-LSR-1..2, R-RTR-1..3 and R-NBR-1. Rule 1: a
node is declared failed only by its own timeout or by the node's own leave notice; gossip only
makes it probe (``view.suspect``). Rule 2: a failed member's slot stays empty until a live
replacement answers a probe (R-LS-3).
"""

from __future__ import annotations

from typing import Any

import attrs

from pastry_ref.node.effects import Effect, Send, Update
from pastry_ref.node.join_consistent import advance
from pastry_ref.node.messages import HoodReply, HoodRequest, Ids, LeaveNotice, RowReply, RowRequest
from pastry_ref.node.state import NodeState, Status, ids
from pastry_ref.node.timers import KeepAlive, ProbeTimeout, RowMaintenance
from pastry_ref.node.view import NO_METRIC, leaf_content, probe, probe_message, probe_new
from pastry_ref.ring.config import JoinProtocol
from pastry_ref.tables.leaf_set import LeafSet
from pastry_ref.tables.routing_table import cell_of

__all__ = [
    "declare_failed",
    "fire_keep_alive",
    "fire_probe_timeout",
    "fire_row_maintenance",
    "leave",
    "receive_hood_reply",
    "receive_hood_request",
    "receive_leave_notice",
    "receive_row_reply",
    "receive_row_request",
]


def fire_keep_alive(node: NodeState, timer: Any, out: list[Effect]) -> NodeState:
    """R-FD-1/2: a leaf-set member's heartbeats stopped: probe it."""
    assert isinstance(timer, KeepAlive)
    return probe(node, timer.node, out)


def fire_probe_timeout(node: NodeState, timer: Any, out: list[Effect]) -> NodeState:
    """R-FD-3/4: an unanswered probe is sent once more (when the config allows a retry); the
    next timeout declares the node failed."""
    assert isinstance(timer, ProbeTimeout)
    y = timer.node
    if node.config.probe_retry and y not in node.retried:
        out.append(Send(y, probe_message(node)))
        return attrs.evolve(node, retried=node.retried | {y})
    return declare_failed(node, y, out, None)


# -- declaring a node failed, and repair (R-FAIL-1..3, R-LSR-1..2, R-RTR-1..2, R-NBR-1) -----------
def declare_failed(node: NodeState, y: int, out: list[Effect], handover: Ids | None) -> NodeState:
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
        node = probe_new(node, handover, out)
    for target in repair_targets(old, y, leaf_set):
        node = probe(node, target, out)
    if cell is not None:
        node = repair_row(node, cell[0], out)
    if in_hood and len(node.neighborhood):
        # R-NBR-1: ask the closest remaining member for its neighbourhood set.
        out.append(Send(next(iter(node.neighborhood)), HoodRequest(src=node.id)))
    return advance(node, out)


def repair_targets(old: LeafSet, y: int, new: LeafSet) -> list[int]:
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


def repair_row(node: NodeState, row: int, out: list[Effect]) -> NodeState:
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
            out.append(Send(askees[0], RowRequest(src=node.id, row=row)))
            break
    return node


def receive_row_request(node: NodeState, msg: Any, out: list[Effect]) -> NodeState:
    """R-RTR-2: answer with the entries of the asked row (none for a row that does not exist)."""
    assert isinstance(msg, RowRequest)
    rows = node.routing_table.rows
    entries = ids(n for n in rows[msg.row] if n is not None) if 0 <= msg.row < len(rows) else ()
    out.append(Send(msg.src, RowReply(src=node.id, row=msg.row, entries=entries)))
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
    out.append(Send(msg.src, HoodReply(src=node.id, members=ids(node.neighborhood.members()))))
    return node


def receive_hood_reply(node: NodeState, msg: Any, out: list[Effect]) -> NodeState:
    """R-NBR-1: keep the closest of the current members and the reply's (never a failed node)."""
    assert isinstance(msg, HoodReply)
    fresh = [n for n in (*msg.members, msg.src) if n != node.id and n not in node.failed]
    return attrs.evolve(node, neighborhood=node.neighborhood.insert_all(fresh, NO_METRIC))


def fire_row_maintenance(node: NodeState, timer: Any, out: list[Effect]) -> NodeState:
    """R-RTR-3: periodic maintenance (FreePastry, MSPastry): ask one entry of every populated
    row for that row, and probe every routing-table entry, so dead entries are found without
    traffic."""
    assert isinstance(timer, RowMaintenance)
    table = node.routing_table
    for r, row in enumerate(table.rows):
        entries = [n for n in row if n is not None]
        if entries:
            out.append(Send(entries[0], RowRequest(src=node.id, row=r)))
    for n in sorted(table.members()):
        node = probe(node, n, out)
    return node


def receive_leave_notice(node: NodeState, msg: Any, out: list[Effect]) -> NodeState:
    """R-FAIL-2: a leaving node is forgotten at once, and its handed-over leaf set supplies the
    replacements (each probed before use)."""
    assert isinstance(msg, LeaveNotice)
    return declare_failed(node, msg.src, out, tuple(n for n in msg.leaf_set if n != msg.src))


def leave(node: NodeState, inp: Any, out: list[Effect]) -> NodeState:
    """R-FAIL-2: a ready node leaves: it tells its leaf set, hands it over, and is dead."""
    if node.status is not Status.READY:
        return node
    notice = LeaveNotice(src=node.id, leaf_set=leaf_content(node))
    out.extend(Send(n, notice) for n in sorted(node.leaf_set.members()))
    return NodeState.new(node.id, node.config)
