"""The SCRIBE application: one node's multicast trees, as a pure state machine on the seam.

Owns: ``GroupState`` (this node's part of one group's tree) and ``ScribeApp``. Rule 1: the
application keeps per group only what its node knows (parent, children, membership, root flag,
the sequence numbers it has seen); it never reads another node. Rule 2: every handler returns
the next value and its effects; nothing here does I/O or draws randomness. Rule 3: a node is
*in the tree* of a group when it has a ``GroupState`` for it; it is *attached* when it has a
parent or is the root; it acknowledges children only while attached (R-SCRIBE-5). Rule 4: the
optional mechanisms (bounded out-degree, root mirrors, root caching, heartbeats: R-SCRIBE-13..16)
are configuration fields of the value, the same at every host; off, they add no state and no
message, so a World without them is exactly the World of R-SCRIBE-1..12.
Spec: spec/scribe.md (R-SCRIBE-1..16).
"""

from __future__ import annotations

from collections.abc import Hashable
from typing import ClassVar

import attrs

from pastry_ref.app.api import App, AppEffect, AppStep, Reply
from pastry_ref.node.inputs import ForwardTo, Route, SendDirect
from pastry_ref.node.state import NodeState, replica_set
from pastry_ref.scribe.messages import (
    Anycast,
    AnycastAccepted,
    AnycastFailed,
    AnycastMsg,
    ChildTimeout,
    Create,
    CreateMsg,
    Delivered,
    HandDown,
    Heartbeat,
    HeartbeatAck,
    HeartbeatDue,
    MulticastMsg,
    ParentTimeout,
    Publish,
    PublishMsg,
    PublishTimeout,
    RootIs,
    RootMirror,
    Subscribe,
    SubscribeAck,
    SubscribeMsg,
    Unsubscribe,
    UnsubscribeMsg,
)

__all__ = ["GroupState", "RootRecord", "ScribeApp"]


@attrs.frozen(slots=True)
class GroupState:
    """This node's part of one group's tree. ``waiting``: children added while this node was
    not attached, not yet acknowledged; ``seq``: the highest event number seen (at the root: the
    number of events published); ``seen``: the event numbers this node took; ``joined``: for a
    member, the ``seq`` it was attached with (the events after it are its due, R-SCRIBE-8).
    With heartbeats on (R-SCRIBE-16): ``heard``: the parent was heard from since the last
    ``ParentTimeout``; ``flowed``: an event went to the children since the last ``HeartbeatDue``;
    ``unanswered``: children sent a heartbeat that did not answer yet."""

    parent: int | None = None
    children: frozenset[int] = frozenset()
    waiting: frozenset[int] = frozenset()
    member: bool = False
    root: bool = False
    seq: int = 0
    seen: frozenset[int] = frozenset()
    joined: int | None = None
    heard: bool = False
    flowed: bool = False
    unanswered: frozenset[int] = frozenset()

    @property
    def attached(self) -> bool:
        return self.root or self.parent is not None


_Groups = tuple[tuple[int, GroupState], ...]


@attrs.frozen(slots=True)
class RootRecord:
    """A mirrored group record (R-SCRIBE-14): the ``root`` that sent it, the events it had
    numbered (``seq``) and whether the group was created (R-SCRIBE-2)."""

    root: int
    seq: int
    created: bool


@attrs.frozen(slots=True, cache_hash=True)
class ScribeApp(App):
    """SCRIBE beside one node. ``groups``: (groupId, GroupState) sorted by groupId;
    ``created``: the groups this node recorded as their root (R-SCRIBE-2); ``mirrors``: the
    group records roots mirrored here (R-SCRIBE-14); ``roots``: cached root addresses
    (R-SCRIBE-15) and ``unconfirmed`` the (group, event) publishes sent straight to a cached
    root that it has not confirmed yet. Configuration (the same value at every host):
    ``accepts``, the nodes whose members accept anycasts; ``max_children``, the out-degree
    bound (None: unbounded, R-SCRIBE-13); ``mirror``, how many next-closest nodes hold the
    root's record (0: none, R-SCRIBE-14); ``cache_root`` (R-SCRIBE-15); ``heartbeats``
    (R-SCRIBE-16)."""

    NAME: ClassVar[str] = "scribe"
    PAYLOADS: ClassVar[tuple[type, ...]] = (
        CreateMsg,
        SubscribeMsg,
        SubscribeAck,
        UnsubscribeMsg,
        PublishMsg,
        MulticastMsg,
        AnycastMsg,
        HandDown,
        RootMirror,
        RootIs,
        Heartbeat,
        HeartbeatAck,
    )
    REQUESTS: ClassVar[tuple[type, ...]] = (Create, Subscribe, Unsubscribe, Publish, Anycast)
    TIMERS: ClassVar[tuple[type, ...]] = (ParentTimeout, ChildTimeout, HeartbeatDue, PublishTimeout)

    groups: _Groups = ()
    created: frozenset[int] = frozenset()
    accepts: frozenset[int] = frozenset()
    mirrors: tuple[tuple[int, RootRecord], ...] = ()
    roots: tuple[tuple[int, int], ...] = ()
    unconfirmed: frozenset[tuple[int, str]] = frozenset()
    max_children: int | None = None
    mirror: int = 0
    cache_root: bool = False
    heartbeats: bool = False

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

    def record(self, g: int) -> RootRecord | None:
        """The group record mirrored here for ``g`` (R-SCRIBE-14)."""
        return dict(self.mirrors).get(g)

    def cached_root(self, g: int) -> int | None:
        """The root address cached here for ``g`` (R-SCRIBE-15)."""
        return dict(self.roots).get(g)

    def _with_record(self, g: int, rec: RootRecord | None) -> ScribeApp:
        rest = {k: v for k, v in self.mirrors if k != g}
        if rec is not None:
            rest[g] = rec
        return attrs.evolve(self, mirrors=tuple(sorted(rest.items())))

    def _with_root(self, g: int, r: int | None) -> ScribeApp:
        rest = {k: v for k, v in self.roots if k != g}
        if r is not None:
            rest[g] = r
        return attrs.evolve(self, roots=tuple(sorted(rest.items())))

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
            return self._publish_request(node, request)
        assert isinstance(request, Anycast)
        return AppStep(
            self, (Route(request.group, AnycastMsg(group=request.group, id=request.id)),)
        )

    def _publish_request(self, node: NodeState, request: Publish) -> AppStep:
        """R-SCRIBE-7/15: a publish goes straight to the cached root, unless it was declared
        failed (then it is forgotten); else it is routed toward the groupId. A direct publish
        waits for the root's confirmation (``unconfirmed``, ``PublishTimeout``)."""
        g = request.group
        if not self.cache_root:
            return AppStep(self, (Route(g, PublishMsg(group=g, event=request.event)),))
        msg = PublishMsg(group=g, event=request.event, origin=node.id)
        r = self.cached_root(g)
        if r is not None and r not in node.failed and r != node.id:
            sent = attrs.evolve(self, unconfirmed=self.unconfirmed | {(g, request.event)})
            return AppStep(sent, (SendDirect(r, msg),))
        return AppStep(self._with_root(g, None), (Route(g, msg),))

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
            on = ForwardTo(key, payload, next_hop)
            return self._take_child(node, payload.group, payload.child, payload.seq, on, ())
        if isinstance(payload, AnycastMsg) and self.group(payload.group) is not None:
            return self._anycast_step(node, payload), None
        return AppStep(self), ForwardTo(key, payload, next_hop)

    def _take_child(
        self,
        node: NodeState,
        g: int,
        c: int,
        seq: int,
        on: ForwardTo | Route | None,
        path: tuple[int, ...],
    ) -> tuple[AppStep, ForwardTo | None]:
        """R-SCRIBE-4: a node on the subscribe's path adds the previous hop as a child. Already
        in the tree, it stops the message; else it becomes a forwarder and sends the subscribe on
        as its own (the payload rewritten with itself as the child). ``on``: the subscribe's
        next hop (``ForwardTo``), the subscribe to route if this node is no longer in the tree
        (``Route``: a hand-down, a heartbeat answer), None at the root.
        R-SCRIBE-13: a tree node at its child limit hands the new child down instead."""
        if c in node.failed:  # a child this node declared failed is not taken (R-SCRIBE-9)
            return AppStep(self), None
        st = self.group(g)
        out: list[AppEffect] = []
        if st is None:
            st = GroupState(children=frozenset({c}), waiting=frozenset({c}), seq=seq)
            app = self._with(g, st)
            own = SubscribeMsg(group=g, child=node.id, seq=seq)
            if isinstance(on, ForwardTo):
                return AppStep(app), ForwardTo(on.key, own, on.next_hop)
            if isinstance(on, Route):  # a hand-down reached a node that left the tree
                return AppStep(app, (Route(g, own),)), None
            return self._root(node, g, app, out), None  # at the root: R-SCRIBE-5 acks below
        target = self._hand_down_to(node, st, c, path)
        if target is not None:
            seq = max(st.seq, seq)
            msg = HandDown(group=g, child=c, seq=seq, path=(*path, node.id))
            return AppStep(self, (SendDirect(target, msg),)), None
        st = attrs.evolve(st, children=st.children | {c}, seq=max(st.seq, seq))
        if st.attached:
            out.append(SendDirect(c, SubscribeAck(group=g, parent=node.id, seq=st.seq)))
        else:
            st = attrs.evolve(st, waiting=st.waiting | {c})
        app = self._with(g, st)
        if on is None and not path:
            return self._root(node, g, app, out), None
        return AppStep(app, tuple(out)), None

    def _hand_down_to(
        self, node: NodeState, st: GroupState, c: int, path: tuple[int, ...]
    ) -> int | None:
        """R-SCRIBE-13: the child to hand a new child ``c`` down to, when taking it would put
        this node over ``max_children``: of its other children not on ``path``, the one whose
        id is closest to ``c`` (R-ID-5 ties); None to take ``c`` itself (under the limit, ``c``
        a child already, or nobody left to hand it to)."""
        if self.max_children is None or c in st.children:
            return None
        if len(st.children) < self.max_children:
            return None
        space = node.config.space
        options = [x for x in st.children if x not in path and x != node.id]
        if not options:
            return None
        return min(options, key=lambda x: space.closeness(x, c))

    def _root(self, node: NodeState, g: int, app: ScribeApp, out: list[AppEffect]) -> AppStep:
        """R-SCRIBE-5: the root of ``g`` (this node, by its routing) is attached by definition:
        it leaves any parent and acknowledges the children that wait."""
        st = app.group(g)
        assert st is not None
        if st.parent is not None:
            out.append(SendDirect(st.parent, UnsubscribeMsg(group=g, child=node.id)))
        st = attrs.evolve(st, root=True, parent=None)
        app, st = app._attached(node, g, st, out)
        app._mirror(node, g, st, out)
        return AppStep(app, tuple(out))

    def _mirror(self, node: NodeState, g: int, st: GroupState, out: list[AppEffect]) -> None:
        """R-SCRIBE-14: the root sends its group record to the ``mirror`` nodes of its leaf set
        next closest to the groupId (when it becomes root, numbers an event, or a node joins
        among them)."""
        if not self.mirror or not st.root:
            return
        rec = RootMirror(group=g, root=node.id, seq=st.seq, created=g in self.created)
        ranked = replica_set(node, g, self.mirror + 1)
        out.extend(SendDirect(m, rec) for m in ranked if m != node.id)

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
                return self._take_child(node, payload.group, payload.child, payload.seq, None, ())[
                    0
                ]
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
            st = _without_child(cur, payload.child)
            return AppStep(self._prune(node, payload.group, st, out), tuple(out))
        if isinstance(payload, PublishMsg):
            return self._publish(node, key, payload)
        if isinstance(payload, MulticastMsg):
            return self._multicast(node, payload)
        if isinstance(payload, HandDown):
            g = payload.group
            route = Route(g, SubscribeMsg(group=g, child=node.id, seq=payload.seq))
            return self._take_child(node, g, payload.child, payload.seq, route, payload.path)[0]
        if isinstance(payload, RootMirror):
            return self._keep_record(payload)
        if isinstance(payload, RootIs):
            app = self._with_root(payload.group, payload.root)
            done = app.unconfirmed - {(payload.group, payload.event)}
            return AppStep(attrs.evolve(app, unconfirmed=done))
        if isinstance(payload, Heartbeat):
            return self._heartbeat(node, payload)
        if isinstance(payload, HeartbeatAck):
            return self._heartbeat_ack(node, payload)
        assert isinstance(payload, AnycastMsg)
        return self._anycast_step(node, payload)

    def _heartbeat_ack(self, node: NodeState, msg: HeartbeatAck) -> AppStep:
        """R-SCRIBE-16: an answer clears the child's debt; an answer from a node this node no
        longer lists (dropped on a false suspicion) is a subscription refresh: the node takes
        it back as a child (R-SCRIBE-4: acknowledged at once if attached; having left the tree,
        it joins again as a forwarder), as FreePastry's refresh does."""
        g, c = msg.group, msg.child
        cur = self.group(g)
        if cur is not None and c in cur.children:
            if c not in cur.unanswered:
                return AppStep(self)
            return AppStep(self._with(g, attrs.evolve(cur, unanswered=cur.unanswered - {c})))
        seq = cur.seq if cur is not None else 0
        again = Route(g, SubscribeMsg(group=g, child=node.id, seq=seq))  # if it left the tree
        return self._take_child(node, g, c, seq, again, ())[0]

    def _keep_record(self, msg: RootMirror) -> AppStep:
        """R-SCRIBE-14: keep the newest record of a group (the highest ``seq``)."""
        old = self.record(msg.group)
        if old is not None and old.root == msg.root and old.seq > msg.seq:
            return AppStep(self)
        rec = RootRecord(root=msg.root, seq=msg.seq, created=msg.created)
        return AppStep(self._with_record(msg.group, rec))

    def _heartbeat(self, node: NodeState, msg: Heartbeat) -> AppStep:
        """R-SCRIBE-16: a child answers its parent's heartbeat (and notes it heard it); a
        heartbeat from a node that is not its parent is refused like a stray event
        (R-SCRIBE-8)."""
        g = msg.group
        st = self.group(g)
        if st is None or st.root or (st.parent is not None and st.parent != msg.parent):
            return AppStep(self, (SendDirect(msg.parent, UnsubscribeMsg(group=g, child=node.id)),))
        answer = SendDirect(msg.parent, HeartbeatAck(group=g, child=node.id))
        if st.parent == msg.parent and not st.heard:
            return AppStep(self._with(g, attrs.evolve(st, heard=True)), (answer,))
        return AppStep(self, (answer,))

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

    def _publish(self, node: NodeState, key: int | None, msg: PublishMsg) -> AppStep:
        """R-SCRIBE-7: the root numbers the event and multicasts it; a publish for a group the
        root does not hold is dropped. R-SCRIBE-15: a publish sent straight to a node that does
        not hold the group as root is routed on; the root confirms a publish to a publisher that
        wants its address (``origin``) with ``RootIs``."""
        g = msg.group
        st = self.group(g)
        if st is None or not st.root:
            if key is None:  # a cached root that is root no more: route again
                return AppStep(self, (Route(g, msg),))
            return AppStep(self)
        step = self._take_event(node, g, st, st.seq + 1, msg.event)
        if msg.origin is not None and msg.origin != node.id:
            tell = SendDirect(msg.origin, RootIs(group=g, root=node.id, event=msg.event))
            return AppStep(step.app, (*step.effects, tell))
        return step

    def _take_event(self, node: NodeState, g: int, st: GroupState, seq: int, event: str) -> AppStep:
        out: list[AppEffect] = []
        st = attrs.evolve(st, seq=max(st.seq, seq), seen=st.seen | {seq})
        if self.heartbeats and st.children and not st.flowed:
            st = attrs.evolve(st, flowed=True)  # events double as heartbeats (R-SCRIBE-16)
        if st.member:
            out.append(Reply(Publish(group=g, event=event), Delivered(seq)))
        fwd = MulticastMsg(group=g, seq=seq, event=event, parent=node.id)
        out.extend(SendDirect(c, fwd) for c in sorted(st.children))
        self._mirror(node, g, st, out)
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
        if self.heartbeats and st.parent == msg.parent and not st.heard:
            st = attrs.evolve(st, heard=True)  # an event is a heartbeat too (R-SCRIBE-16)
            if msg.seq in st.seen:
                return AppStep(self._with(g, st))
        if msg.seq in st.seen:
            return AppStep(self)
        return self._take_event(node, g, st, msg.seq, msg.event)

    # -- repair ------------------------------------------------------------------------------
    def update(self, node: NodeState, member: int, joined: bool) -> AppStep:
        """R-SCRIBE-9/10: a leaf-set member declared failed is dropped as a child and, where it
        was the parent, the node re-subscribes; a newly joined node may take over as root.
        R-SCRIBE-14: a node holding the failed root's record that is now closest to the
        groupId takes over as root; a joined node among the root's next closest gets the
        record. R-SCRIBE-15: a cached root declared failed is forgotten."""
        out: list[AppEffect] = []
        app = self
        if not joined and member in node.failed:
            app = app._take_over(node, member, out)
            if member in (r for _, r in app.roots):
                app = attrs.evolve(app, roots=tuple((g, r) for g, r in app.roots if r != member))
            for g, before in app.groups:
                st: GroupState | None = before
                if member in before.children:
                    app = app._prune(node, g, _without_child(before, member), out)
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
                elif st.root and self.mirror and member in replica_set(node, g, self.mirror + 1):
                    rec = RootMirror(group=g, root=node.id, seq=st.seq, created=g in self.created)
                    out.append(SendDirect(member, rec))
        if not out and app is self:
            return AppStep(self)
        return AppStep(app, tuple(out))

    def _take_over(self, node: NodeState, dead: int, out: list[AppEffect]) -> ScribeApp:
        """R-SCRIBE-14: for each group whose mirrored record names ``dead`` as root, this node
        takes over as root when its routing now delivers the groupId: it holds the group with
        the record's ``seq`` (and ``created``) and mirrors it on."""
        app = self
        for g, rec in self.mirrors:
            if rec.root != dead or not node.decide(g).deliver:
                continue
            app = app._with_record(g, None)
            if rec.created:
                app = attrs.evolve(app, created=app.created | {g})
            st = app.group(g) or GroupState()
            parent = None if st.parent == dead else st.parent
            st = attrs.evolve(st, seq=max(st.seq, rec.seq), parent=parent)
            nxt = app._root(node, g, app._with(g, st), out).app
            assert isinstance(nxt, ScribeApp)
            app = nxt
        return app

    def fire(self, node: NodeState, timer: Hashable) -> AppStep:
        """R-SCRIBE-9: ``ParentTimeout``: the parent was silent: re-subscribe (the parent is
        kept until another acknowledges the node); with heartbeats, a parent heard from since
        the last firing is not silent (R-SCRIBE-16). ``ChildTimeout``: the child stopped
        refreshing (with heartbeats: did not answer one): drop it (and prune, R-SCRIBE-6).
        ``HeartbeatDue``: R-SCRIBE-16. ``PublishTimeout``: the cached root did not confirm a
        publish: forget it and route the publish again (R-SCRIBE-15)."""
        assert isinstance(timer, ChildTimeout | HeartbeatDue | ParentTimeout | PublishTimeout)
        g = timer.group
        st = self.group(g)
        out: list[AppEffect] = []
        if isinstance(timer, ChildTimeout):
            if st is None or timer.child not in st.children:
                return AppStep(self)
            return AppStep(self._prune(node, g, _without_child(st, timer.child), out), tuple(out))
        if isinstance(timer, PublishTimeout):
            if (g, timer.event) not in self.unconfirmed:
                return AppStep(self)
            app = attrs.evolve(self, unconfirmed=self.unconfirmed - {(g, timer.event)})
            again = PublishMsg(group=g, event=timer.event, origin=node.id)
            return AppStep(app._with_root(g, None), (Route(g, again),))
        if isinstance(timer, HeartbeatDue):
            if st is None or not st.children:
                return AppStep(self)
            if st.flowed:  # events flowed this period: they were the heartbeats
                return AppStep(self._with(g, attrs.evolve(st, flowed=False)))
            beat = Heartbeat(group=g, parent=node.id)
            sends = tuple(SendDirect(c, beat) for c in sorted(st.children))
            return AppStep(self._with(g, attrs.evolve(st, unanswered=st.children)), sends)
        assert isinstance(timer, ParentTimeout)
        if self.heartbeats and st is not None and st.heard:
            return AppStep(self._with(g, attrs.evolve(st, heard=False)))
        seq = st.seq if st is not None else 0
        msg = SubscribeMsg(group=g, child=node.id, seq=seq)
        return AppStep(self, (Route(g, msg),))

    def armed_timers(self, node: NodeState) -> frozenset[Hashable]:
        """``ParentTimeout`` while the node has a parent; ``ChildTimeout`` per child (with
        heartbeats: per child that has not answered the last heartbeat) and, with heartbeats,
        ``HeartbeatDue`` while it has children; ``PublishTimeout`` per unconfirmed publish."""
        timers: set[Hashable] = {PublishTimeout(g, e) for g, e in self.unconfirmed}
        for g, st in self.groups:
            if st.parent is not None:
                timers.add(ParentTimeout(g))
            if self.heartbeats:
                if st.children:
                    timers.add(HeartbeatDue(g))
                timers.update(ChildTimeout(g, c) for c in st.unanswered & st.children)
            else:
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


def _without_child(st: GroupState, c: int) -> GroupState:
    """``st`` with ``c`` no longer a child (nor waiting, nor owing a heartbeat answer)."""
    return attrs.evolve(
        st, children=st.children - {c}, waiting=st.waiting - {c}, unanswered=st.unanswered - {c}
    )
