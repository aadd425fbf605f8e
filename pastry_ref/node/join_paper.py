"""The paper's join (Rowstron & Druschel 2001, §2.4), with its state timestamps (R-PJ-1..3).

Owns: the newcomer's announcement and the timestamp check that restarts it. Rule: under this
protocol a node is ready as soon as it has Z's reply; consistency is not promised (the checker
shows where it breaks: spec/known_violations.md KV-1..4).
"""

from __future__ import annotations

from typing import Any

import attrs

from pastry_ref.node.effects import Effect, Send
from pastry_ref.node.messages import Announce, AnnounceReply
from pastry_ref.node.state import NodeState, Status
from pastry_ref.node.view import leaf_content, learn

__all__ = ["announce_arrival", "receive_announce", "receive_announce_reply"]


def announce_arrival(node: NodeState, given: dict[int, int], out: list[Effect]) -> NodeState:
    """R-PJ-1: active at once; announce to every node of the new state, returning the version
    each giver had when it gave its state (R-PJ-2)."""
    node = attrs.evolve(node, status=Status.READY, version=node.version + 1)
    for n in sorted(node.known()):
        out.append(Send(n, Announce(src=node.id, version=given.get(n))))
    return node


def receive_announce(node: NodeState, msg: Any, out: list[Effect]) -> NodeState:
    """R-PJ-2: take the new node into the state; if this node's state changed since it gave it
    to the newcomer, answer with the new state (the paper's timestamp check)."""
    assert isinstance(msg, Announce)
    stale = msg.version is not None and msg.version != node.version
    node = learn(node, (msg.src,), out)
    if stale:
        reply = AnnounceReply(src=node.id, leaf_set=leaf_content(node), version=node.version)
        out.append(Send(msg.src, reply))
    return node


def receive_announce_reply(node: NodeState, msg: Any, out: list[Effect]) -> NodeState:
    """R-PJ-3: the newcomer merges the fresher state and announces itself to the nodes that
    entered its leaf set through it (the restarted operation)."""
    assert isinstance(msg, AnnounceReply)
    before = node.leaf_set.members()
    node = learn(node, msg.leaf_set, out)
    for n in sorted(node.leaf_set.members() - before - {msg.src}):
        out.append(Send(n, Announce(src=node.id, version=None)))
    return node
