"""The SCRIBE application: one node's multicast trees, as a pure state machine on the seam.

Owns: ``GroupState`` (this node's part of one group's tree) and ``ScribeApp``. Rule 1: the
application keeps per group only what its node knows (parent, children, membership, root flag,
the sequence numbers it has seen); it never reads another node. Rule 2: every handler returns
the next value and its effects; nothing here does I/O or draws randomness. Rule 3: a node is
*in the tree* of a group when it has a ``GroupState`` for it; it is *attached* when it has a
parent or is the root; it acknowledges children only while attached (R-SCRIBE-5).
Spec: spec/scribe.md (R-SCRIBE-1..12).
"""

from __future__ import annotations

from collections.abc import Hashable
from typing import ClassVar

import attrs

from pastry_ref.app.api import App, AppEffect, AppStep, Reply
from pastry_ref.node.inputs import ForwardTo, Route, SendDirect
from pastry_ref.node.state import NodeState
from pastry_ref.scribe.messages import (
    Anycast,
    AnycastAccepted,
    AnycastFailed,
    AnycastMsg,
    ChildTimeout,
    Create,
    CreateMsg,
    Delivered,
    MulticastMsg,
    ParentTimeout,
    Publish,
    PublishMsg,
    Subscribe,
    SubscribeAck,
    SubscribeMsg,
    Unsubscribe,
    UnsubscribeMsg,
)

__all__ = ["GroupState", "ScribeApp"]


@attrs.frozen(slots=True)
class GroupState:
    """This node's part of one group's tree. ``waiting``: children added while this node was
    not attached, not yet acknowledged; ``seq``: the highest event number seen (at the root: the
    number of events published); ``seen``: the event numbers this node took; ``joined``: for a
    member, the ``seq`` it was attached with (the events after it are its due, R-SCRIBE-8)."""

    parent: int | None = None
    children: frozenset[int] = frozenset()
    waiting: frozenset[int] = frozenset()
    member: bool = False
    root: bool = False
    seq: int = 0
    seen: frozenset[int] = frozenset()
    joined: int | None = None

    @property
    def attached(self) -> bool:
        return self.root or self.parent is not None


_Groups = tuple[tuple[int, GroupState], ...]


@attrs.frozen(slots=True, cache_hash=True)
class ScribeApp(App):
    """SCRIBE beside one node. ``groups``: (groupId, GroupState) sorted by groupId;
    ``created``: the groups this node recorded as their root (R-SCRIBE-2); ``accepts``: the
    nodes whose members accept anycasts (the same value at every host: configuration)."""

    NAME: ClassVar[str] = "scribe"
    PAYLOADS: ClassVar[tuple[type, ...]] = (
        CreateMsg,
        SubscribeMsg,
        SubscribeAck,
        UnsubscribeMsg,
        PublishMsg,
        MulticastMsg,
        AnycastMsg,
    )
    REQUESTS: ClassVar[tuple[type, ...]] = (Create, Subscribe, Unsubscribe, Publish, Anycast)
    TIMERS: ClassVar[tuple[type, ...]] = (ParentTimeout, ChildTimeout)

    groups: _Groups = ()
    created: frozenset[int] = frozenset()
    accepts: frozenset[int] = frozenset()

    # -- state helpers -----------------------------------------------------------------------
    def group(self, g: int) -> GroupState | None:
        for k, st in self.groups:
            if k == g:
                return st
        return None

    def _with(self, g: int, st: GroupState | None) -> ScribeApp:
        rest = [(k, s) for k, s in self.groups if k != g]
        if st is not None:
            rest.append((g, st))
        return attrs.evolve(self, groups=tuple(sorted(rest, key=lambda kv: kv[0])))

    # -- upcalls -----------------------------------------------------------------------------
    def request(self, node: NodeState, request: Hashable) -> AppStep:
        if isinstance(request, Create):
            return AppStep(self, (Route(request.group, CreateMsg(group=request.group)),))
        if isinstance(request, Subscribe):
            return self._subscribe(node, request.group)
        if isinstance(request, Unsubscribe):
            st = self.group(request.group)
            if st is None or not st.member:
                return AppStep(self)
            st = attrs.evolve(st, member=False, joined=None)
            out: list[AppEffect] = []
            app = self._prune(node, request.group, st, out)
            return AppStep(app, tuple(out))
        if isinstance(request, Publish):
            msg = PublishMsg(group=request.group, event=request.event)
            return AppStep(self, (Route(request.group, msg),))
        assert isinstance(request, Anycast)
        return AppStep(
            self, (Route(request.group, AnycastMsg(group=request.group, id=request.id)),)
        )

    def _subscribe(self, node: NodeState, g: int) -> AppStep:
        """R-SCRIBE-3: a member joins: already in the tree, it only becomes a member; else it
        routes a subscribe toward the groupId."""
        st = self.group(g)
        if st is not None:
            if st.member:
                return AppStep(self)
            joined = st.seq if st.attached else None
            return AppStep(self._with(g, attrs.evolve(st, member=True, joined=joined)))
        app = self._with(g, GroupState(member=True))
        return AppStep(app, (Route(g, SubscribeMsg(group=g, child=node.id)),))

    def forward(
        self, node: NodeState, key: int, payload: Hashable, next_hop: int
    ) -> tuple[AppStep, ForwardTo | None]:
        if isinstance(payload, SubscribeMsg) and payload.child != node.id:
            return self._take_child(node, payload, ForwardTo(key, payload, next_hop))
        if isinstance(payload, AnycastMsg) and self.group(payload.group) is not None:
            return self._anycast_step(node, payload), None
        return AppStep(self), ForwardTo(key, payload, next_hop)

    def _take_child(
        self, node: NodeState, msg: SubscribeMsg, on: ForwardTo | None
    ) -> tuple[AppStep, ForwardTo | None]:
        """R-SCRIBE-4: a node on the subscribe's path adds the previous hop as a child. Already
        in the tree, it stops the message; else it becomes a forwarder and sends the subscribe on
        as its own (the payload rewritten with itself as the child)."""
        g, c = msg.group, msg.child
        if c in node.failed:  # a child this node declared failed is not taken (R-SCRIBE-9)
            return AppStep(self), None
        st = self.group(g)
        out: list[AppEffect] = []
        if st is None:
            st = GroupState(children=frozenset({c}), waiting=frozenset({c}), seq=msg.seq)
            app = self._with(g, st)
            if on is None:  # at the root: R-SCRIBE-5 acknowledges it below
                return self._root(node, g, app, out), None
            own = SubscribeMsg(group=g, child=node.id, seq=msg.seq)
            return AppStep(app), ForwardTo(on.key, own, on.next_hop)
        st = attrs.evolve(st, children=st.children | {c}, seq=max(st.seq, msg.seq))
        if st.attached:
            out.append(SendDirect(c, SubscribeAck(group=g, parent=node.id, seq=st.seq)))
        else:
            st = attrs.evolve(st, waiting=st.waiting | {c})
        app = self._with(g, st)
        if on is None:
            return self._root(node, g, app, out), None
        return AppStep(app, tuple(out)), None

    def _root(self, node: NodeState, g: int, app: ScribeApp, out: list[AppEffect]) -> AppStep:
        """R-SCRIBE-5: the root of ``g`` (this node, by its routing) is attached by definition:
        it leaves any parent and acknowledges the children that wait."""
        st = app.group(g)
        assert st is not None
        if st.parent is not None:
            out.append(SendDirect(st.parent, UnsubscribeMsg(group=g, child=node.id)))
        st = attrs.evolve(st, root=True, parent=None)
        app, st = app._attached(node, g, st, out)
        return AppStep(app, tuple(out))

    def _attached(
        self, node: NodeState, g: int, st: GroupState, out: list[AppEffect]
    ) -> tuple[ScribeApp, GroupState]:
        """An attached node acknowledges its waiting children; a member records where its due
        begins."""
        for c in sorted(st.waiting):
            out.append(SendDirect(c, SubscribeAck(group=g, parent=node.id, seq=st.seq)))
        st = attrs.evolve(st, waiting=frozenset())
        if st.member and st.joined is None:
            st = attrs.evolve(st, joined=st.seq)
        return self._with(g, st), st

    def deliver(self, node: NodeState, key: int | None, payload: Hashable) -> AppStep:
        out: list[AppEffect] = []
        if isinstance(payload, SubscribeMsg):
            if payload.child != node.id:
                return self._take_child(node, payload, None)[0]
            st = self.group(payload.group) or GroupState()
            return self._root(node, payload.group, self._with(payload.group, st), out)
        if isinstance(payload, CreateMsg):
            g = payload.group
            app = attrs.evolve(self, created=self.created | {g})
            st = app.group(g) or GroupState()
            return app._root(node, g, app._with(g, st), out)
        if isinstance(payload, SubscribeAck):
            return self._ack(node, payload)
        if isinstance(payload, UnsubscribeMsg):
            cur = self.group(payload.group)
            if cur is None:
                return AppStep(self)
            st = attrs.evolve(
                cur, children=cur.children - {payload.child}, waiting=cur.waiting - {payload.child}
            )
            return AppStep(self._prune(node, payload.group, st, out), tuple(out))
        if isinstance(payload, PublishMsg):
            return self._publish(node, payload)
        if isinstance(payload, MulticastMsg):
            return self._multicast(node, payload)
        assert isinstance(payload, AnycastMsg)
        return self._anycast_step(node, payload)

    def _ack(self, node: NodeState, ack: SubscribeAck) -> AppStep:
        """R-SCRIBE-5: an acknowledged node takes the sender as its parent (leaving a different
        old parent); a node no longer in the tree, or the root, refuses it with an
        unsubscribe; an acknowledgement from a node this node declared failed is ignored."""
        g, p = ack.group, ack.parent
        if p in node.failed:  # a late acknowledgement from a node declared failed
            return AppStep(self)
        st = self.group(g)
        leave = UnsubscribeMsg(group=g, child=node.id)
        if st is None or st.root:
            return AppStep(self, (SendDirect(p, leave),))
        out: list[AppEffect] = []
        if st.parent is not None and st.parent != p:
            out.append(SendDirect(st.parent, leave))
        st = attrs.evolve(st, parent=p, seq=max(st.seq, ack.seq))
        app, st = self._attached(node, g, st, out)
        app = app._prune(node, g, st, out)  # a tree node with nothing left leaves at once
        return AppStep(app, tuple(out))

    def _prune(self, node: NodeState, g: int, st: GroupState, out: list[AppEffect]) -> ScribeApp:
        """R-SCRIBE-6: a node that is no member, has no children and is not the root leaves
        the tree and tells its parent (a pending node is told by the acknowledgement later)."""
        if st.member or st.children or st.root:
            return self._with(g, st)
        if st.parent is not None:
            out.append(SendDirect(st.parent, UnsubscribeMsg(group=g, child=node.id)))
        return self._with(g, None)

    def _publish(self, node: NodeState, msg: PublishMsg) -> AppStep:
        """R-SCRIBE-7: the root numbers the event and multicasts it; a publish for a group the
        root does not hold is dropped."""
        st = self.group(msg.group)
        if st is None or not st.root:
            return AppStep(self)
        seq = st.seq + 1
        return self._take_event(node, msg.group, st, seq, msg.event)

    def _take_event(self, node: NodeState, g: int, st: GroupState, seq: int, event: str) -> AppStep:
        out: list[AppEffect] = []
        st = attrs.evolve(st, seq=max(st.seq, seq), seen=st.seen | {seq})
        if st.member:
            out.append(Reply(Publish(group=g, event=event), Delivered(seq)))
        fwd = MulticastMsg(group=g, seq=seq, event=event, parent=node.id)
        out.extend(SendDirect(c, fwd) for c in sorted(st.children))
        return AppStep(self._with(g, st), tuple(out))

    def _multicast(self, node: NodeState, msg: MulticastMsg) -> AppStep:
        """R-SCRIBE-8: a node takes an event from its parent (or from anyone while it has none),
        once: a member delivers it, every node sends it to its children. An event from a node
        that is not its parent is refused with an unsubscribe (a stale link)."""
        g = msg.group
        st = self.group(g)
        leave = SendDirect(msg.parent, UnsubscribeMsg(group=g, child=node.id))
        if st is None or st.root or (st.parent is not None and st.parent != msg.parent):
            return AppStep(self, (leave,))
        if msg.seq in st.seen:
            return AppStep(self)
        return self._take_event(node, g, st, msg.seq, msg.event)

    # -- repair ------------------------------------------------------------------------------
    def update(self, node: NodeState, member: int, joined: bool) -> AppStep:
        """R-SCRIBE-9/10: a leaf-set member declared failed is dropped as a child and, where it
        was the parent, the node re-subscribes; a newly joined node may take over as root."""
        out: list[AppEffect] = []
        app = self
        if not joined and member in node.failed:
            for g, before in self.groups:
                st: GroupState | None = before
                if member in before.children:
                    dropped = attrs.evolve(
                        before,
                        children=before.children - {member},
                        waiting=before.waiting - {member},
                    )
                    app = app._prune(node, g, dropped, out)
                    st = app.group(g)
                if st is not None and (st.parent == member or not st.attached):
                    app = app._with(g, attrs.evolve(st, parent=None))
                    out.append(Route(g, SubscribeMsg(group=g, child=node.id, seq=st.seq)))
        elif joined:
            for g, st in self.groups:
                if st.root and not node.decide(g).deliver:
                    if not st.member and not st.children:  # nothing to keep: leave
                        app = app._with(g, None)
                        continue
                    app = app._with(g, attrs.evolve(st, root=False))
                    out.append(Route(g, SubscribeMsg(group=g, child=node.id, seq=st.seq)))
        if not out and app is self:
            return AppStep(self)
        return AppStep(app, tuple(out))

    def fire(self, node: NodeState, timer: Hashable) -> AppStep:
        """R-SCRIBE-9: ``ParentTimeout``: the parent was silent: re-subscribe (the parent is
        kept until another acknowledges the node). ``ChildTimeout``: the child stopped
        refreshing: drop it (and prune, R-SCRIBE-6)."""
        if isinstance(timer, ChildTimeout):
            st = self.group(timer.group)
            if st is None or timer.child not in st.children:
                return AppStep(self)
            out: list[AppEffect] = []
            dropped = attrs.evolve(
                st, children=st.children - {timer.child}, waiting=st.waiting - {timer.child}
            )
            return AppStep(self._prune(node, timer.group, dropped, out), tuple(out))
        assert isinstance(timer, ParentTimeout)
        cur = self.group(timer.group)
        seq = cur.seq if cur is not None else 0
        msg = SubscribeMsg(group=timer.group, child=node.id, seq=seq)
        return AppStep(self, (Route(timer.group, msg),))

    def armed_timers(self, node: NodeState) -> frozenset[Hashable]:
        timers: set[Hashable] = set()
        for g, st in self.groups:
            if st.parent is not None:
                timers.add(ParentTimeout(g))
            timers.update(ChildTimeout(g, c) for c in st.children)
        return frozenset(timers)

    # -- anycast -----------------------------------------------------------------------------
    def _anycast_step(self, node: NodeState, msg: AnycastMsg) -> AppStep:
        """R-SCRIBE-11: depth-first search of the tree: a member that accepts answers; else the
        node pushes its unvisited children (in id order) in front of the queue and its parent
        behind it and sends the message to the first; an empty queue fails the anycast."""
        g = msg.group
        st = self.group(g)
        request = Anycast(group=g, id=msg.id)
        if st is not None and st.member and node.id in self.accepts:
            return AppStep(self, (Reply(request, AnycastAccepted()),))
        visited = (*msg.visited, node.id)
        queue = list(msg.to_visit)
        if st is not None:
            seen = set(visited) | set(queue)
            kids = [c for c in sorted(st.children) if c not in seen]
            queue = kids + queue
            if st.parent is not None and st.parent not in seen and st.parent not in kids:
                queue.append(st.parent)
        queue = [n for n in queue if n != node.id]
        if not queue:
            return AppStep(self, (Reply(request, AnycastFailed()),))
        nxt = AnycastMsg(group=g, id=msg.id, visited=visited, to_visit=tuple(queue[1:]))
        return AppStep(self, (SendDirect(queue[0], nxt),))
