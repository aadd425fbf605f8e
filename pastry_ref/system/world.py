"""The whole system as one immutable value.

Owns: ``World`` (every host — a node and its applications —, the in-flight network as a sorted
multiset, and what the environment may still do), ``World.actions`` (every enabled action, in a
deterministic order) and ``World.apply``. The engine's view of a World lives in
``pastry_ref.check.model``. Rule 1: the World steps hosts only through ``host_step`` and takes
their armed timers from its result; it never derives them again (R-TIME-1). Rule 2: an action
that is not enabled is refused with ``NotEnabled`` (API misuse), never silently dropped.
Spec rules: R-WORLD-2 (environment budget), R-WORLD-3 (a message waits until its destination
accepts it), R-WORLD-5 (crash-stop and leave), R-WORLD-6 (when a timer may fire).
"""

from __future__ import annotations

import bisect
from collections.abc import Hashable, Iterable
from typing import Any

import attrs

from pastry_ref.app.api import App, Reply, Request
from pastry_ref.app.host import Host, HostEffect, HostInput, host_step, host_timers
from pastry_ref.errors import ApiMisuse, NotEnabled
from pastry_ref.node import inputs as ni
from pastry_ref.node.dispatch import accepts
from pastry_ref.node.effects import Send
from pastry_ref.node.messages import HopAck, LSProbe, LSProbeReply
from pastry_ref.node.state import NodeState, Status
from pastry_ref.node.timers import (
    HopTimeout,
    KeepAlive,
    ProbeTimeout,
    RowMaintenance,
    Timer,
    timer_order,
)
from pastry_ref.ring.config import Config
from pastry_ref.system import actions as wa
from pastry_ref.system.actions import Envelope, TimerSemantics, WorldAction, canonical_order

__all__ = ["World"]


def _no_armed() -> tuple[frozenset[Hashable], ...] | None:
    return None


@attrs.frozen(slots=True, cache_hash=True)
class World:
    """``hosts`` holds every node that exists or may join, with its applications, sorted by id
    (``ids`` alongside); ``network`` the in-flight messages, sorted, with repetition;
    ``joins_left``, ``requests_left`` (client requests: (origin, request)), ``crashes_left``,
    ``leaves_left``, ``drops_left``, ``duplicates_left`` and ``periodic_left`` (firings of
    periodic timers) what the environment may still do; ``down`` the nodes that crashed or left
    (history the properties need); ``timers`` when a timer may fire; ``replies`` every reply an
    application gave its client, with the node that gave it, in a canonical order (ghost
    history for the applications' properties, R-WORLD-7). ``armed`` caches each host's armed
    timers (derived, so not part of equality)."""

    config: Config
    ids: tuple[int, ...]
    hosts: tuple[Host, ...]
    network: tuple[Envelope, ...] = ()
    joins_left: tuple[tuple[int, int], ...] = ()
    requests_left: tuple[tuple[int, Hashable], ...] = ()
    crashes_left: tuple[int, ...] = ()
    leaves_left: tuple[int, ...] = ()
    drops_left: int = 0
    duplicates_left: int = 0
    periodic_left: int = 0
    down: tuple[int, ...] = ()
    timers: TimerSemantics = TimerSemantics.QUIET
    replies: tuple[tuple[int, Reply], ...] = ()
    armed: tuple[frozenset[Hashable], ...] | None = attrs.field(
        default=None, eq=False, hash=False, repr=False
    )

    @classmethod
    def of_nodes(
        cls, config: Config, nodes: Iterable[NodeState], apps: tuple[App, ...] = (), **kw: Any
    ) -> World:
        """A World of ``nodes`` (any order), each host running ``apps``; ``kw`` sets the other
        fields."""
        ordered = tuple(sorted(nodes, key=lambda n: n.id))
        hosts = tuple(Host(n, apps) for n in ordered)
        return cls(config, tuple(n.id for n in ordered), hosts, **kw)

    @property
    def nodes(self) -> tuple[NodeState, ...]:
        """Every host's node state, in id order."""
        return tuple(h.node for h in self.hosts)

    def _index(self, node_id: int) -> int:
        i = bisect.bisect_left(self.ids, node_id)
        if i == len(self.ids) or self.ids[i] != node_id:
            raise ApiMisuse(f"node {node_id} is not part of this world")
        return i

    def host(self, node_id: int) -> Host:
        return self.hosts[self._index(node_id)]

    def node(self, node_id: int) -> NodeState:
        return self.hosts[self._index(node_id)].node

    def replace_node(self, node: NodeState) -> World:
        """This World with ``node``'s state replaced (its applications kept): for tests and
        fault injection."""
        i = self._index(node.id)
        host = attrs.evolve(self.hosts[i], node=node)
        return attrs.evolve(self, hosts=(*self.hosts[:i], host, *self.hosts[i + 1 :]), armed=None)

    def started(self) -> tuple[NodeState, ...]:
        """Nodes that are not dead."""
        return tuple(h.node for h in self.hosts if h.node.status is not Status.DEAD)

    def ready_ids(self) -> tuple[int, ...]:
        return tuple(h.node.id for h in self.hosts if h.node.status is Status.READY)

    def is_down(self, node_id: int) -> bool:
        """Whether ``node_id`` crashed or left."""
        i = bisect.bisect_left(self.down, node_id)
        return i < len(self.down) and self.down[i] == node_id

    def armed_at(self, node_id: int) -> frozenset[Hashable]:
        """The timers armed at ``node_id``'s host (its node's and its applications')."""
        return self._armed(self._index(node_id))

    def _armed(self, i: int) -> frozenset[Hashable]:
        if self.armed is not None:
            return self.armed[i]
        return host_timers(self.hosts[i])

    # -- transitions -----------------------------------------------------------------------
    def actions(self) -> tuple[WorldAction, ...]:
        """Every enabled action, in a deterministic order: joins, crashes, leaves, client
        requests, messages, drops, duplicates, then timers."""
        out: list[WorldAction] = [wa.Join(x, s) for x, s in self.joins_left]
        out.extend(wa.Crash(x) for x in self.crashes_left if self.node(x).status is not Status.DEAD)
        out.extend(wa.Leave(x) for x in self.leaves_left if self.node(x).status is Status.READY)
        out.extend(
            wa.Request(o, r) for o, r in self.requests_left if self.node(o).status is Status.READY
        )
        distinct: list[Envelope] = []
        for env in self.network:
            if not distinct or env != distinct[-1]:
                distinct.append(env)  # identical copies: one action
        out.extend(wa.Receive(e.dest, e.msg) for e in distinct if accepts(self.node(e.dest), e.msg))
        if self.drops_left:
            out.extend(wa.Drop(e.dest, e.msg) for e in distinct)
        if self.duplicates_left:
            out.extend(wa.Duplicate(e.dest, e.msg) for e in distinct)
        for i, h in enumerate(self.hosts):
            if h.node.status is Status.DEAD:
                continue
            for t in sorted(self._armed(i), key=timer_order):
                if self.may_fire(h.node.id, t):
                    out.append(wa.FireTimer(h.node.id, t))
        return tuple(out)

    def may_fire(self, node_id: int, timer: Hashable) -> bool:
        """R-WORLD-6: whether armed ``timer`` at ``node_id`` may fire now. A periodic timer (the
        node's RowMaintenance, and every application timer) fires only within the environment's
        budget. Under *any* every other timer may fire. Under *quiet* a timer fires only when
        nothing it waits for is in flight: KeepAlive(y) when y is down and nothing from y to
        this node is in flight (a live node's heartbeats would keep arriving); ProbeTimeout(y)
        when neither the probe nor its reply is in flight; HopTimeout when neither the message
        nor its acknowledgement is."""
        if isinstance(timer, RowMaintenance) or not isinstance(timer, Timer):
            return self.periodic_left > 0
        if self.timers is TimerSemantics.ANY:
            return True
        net = self.network
        if isinstance(timer, KeepAlive):
            y = timer.node
            return self.is_down(y) and not any(e.dest == node_id and e.msg.src == y for e in net)
        if isinstance(timer, ProbeTimeout):
            y = timer.node
            return not any(
                (e.dest == y and e.msg.src == node_id and isinstance(e.msg, LSProbe))
                or (e.dest == node_id and e.msg.src == y and isinstance(e.msg, LSProbeReply))
                for e in net
            )
        assert isinstance(timer, HopTimeout)
        hop, msg = timer.next_hop, timer.msg
        ack = HopAck(src=hop, msg=msg)
        return not any(
            (e.dest == hop and e.msg == msg) or (e.dest == node_id and e.msg == ack) for e in net
        )

    def apply(self, action: WorldAction) -> World:
        """The next World after ``action`` (which must be enabled: else ``NotEnabled``)."""
        return self.apply_with_effects(action)[0]

    def apply_with_effects(self, action: WorldAction) -> tuple[World, tuple[HostEffect, ...]]:
        """The next World and the effects the acting host produced (upcalls included)."""
        if isinstance(action, wa.Join):
            if (action.node, action.seed) not in self.joins_left:
                raise NotEnabled(f"{action} is not enabled")
            rest = tuple(j for j in self.joins_left if j != (action.node, action.seed))
            world = attrs.evolve(self, joins_left=rest)
            return world._run(action.node, ni.Join(action.seed), self.network)
        if isinstance(action, wa.Request):
            entry = (action.origin, action.request)
            if (
                entry not in self.requests_left
                or self.node(action.origin).status is not Status.READY
            ):
                raise NotEnabled(f"{action} is not enabled")
            i = self.requests_left.index(entry)
            rest_r = self.requests_left[:i] + self.requests_left[i + 1 :]
            world = attrs.evolve(self, requests_left=rest_r)
            return world._run(action.origin, Request(action.request), self.network)
        if isinstance(action, wa.Crash | wa.Leave):
            return self._take_down(action)
        if isinstance(action, wa.FireTimer):
            n = self.node(action.node)
            if (
                n.status is Status.DEAD
                or action.timer not in self.armed_at(action.node)
                or not self.may_fire(action.node, action.timer)
            ):
                raise NotEnabled(f"{action} is not enabled")
            world = self
            if isinstance(action.timer, RowMaintenance) or not isinstance(action.timer, Timer):
                world = attrs.evolve(self, periodic_left=self.periodic_left - 1)
            return world._run(action.node, ni.FireTimer(action.timer), self.network)
        env = Envelope(action.dest, action.msg)
        i = bisect.bisect_left(self.network, env.order, key=lambda e: e.order)
        if i == len(self.network) or self.network[i] != env:
            raise NotEnabled(f"{action} is not enabled: no such message in flight")
        if isinstance(action, wa.Drop):
            if not self.drops_left:
                raise NotEnabled(f"{action} is not enabled: the network loses no message")
            lost = self.network[:i] + self.network[i + 1 :]
            return attrs.evolve(self, network=lost, drops_left=self.drops_left - 1), ()
        if isinstance(action, wa.Duplicate):
            if not self.duplicates_left:
                raise NotEnabled(f"{action} is not enabled: the network duplicates nothing")
            more = (*self.network[:i], env, *self.network[i:])
            return attrs.evolve(self, network=more, duplicates_left=self.duplicates_left - 1), ()
        if not accepts(self.node(action.dest), action.msg):
            raise NotEnabled(f"{action} is not enabled: node {action.dest} does not take it now")
        network = self.network[:i] + self.network[i + 1 :]
        return self._run(action.dest, ni.Receive(action.msg), network)

    def _take_down(self, action: wa.Crash | wa.Leave) -> tuple[World, tuple[HostEffect, ...]]:
        """R-WORLD-5: a crash stops the node where it is; a leave first lets it tell its leaf
        set. Either way the node is dead from then on (its applications keep their last values,
        which nothing reads again: a down node never runs), is recorded as down, and every
        message to it is lost (those in flight now and those sent later)."""
        x = action.node
        node = self.node(x)
        if isinstance(action, wa.Crash):
            if x not in self.crashes_left or node.status is Status.DEAD:
                raise NotEnabled(f"{action} is not enabled")
            world, effects = self, tuple[HostEffect, ...]()
        else:
            if x not in self.leaves_left or node.status is not Status.READY:
                raise NotEnabled(f"{action} is not enabled")
            world, effects = self._run(x, ni.Leave(), self.network)
        i = self._index(x)
        dead = Host(NodeState.new(x, self.config), world.hosts[i].apps)
        armed = None
        if world.armed is not None:
            armed = (*world.armed[:i], frozenset[Hashable](), *world.armed[i + 1 :])
        return attrs.evolve(
            world,
            hosts=(*world.hosts[:i], dead, *world.hosts[i + 1 :]),
            network=tuple(e for e in world.network if e.dest != x),
            crashes_left=tuple(c for c in self.crashes_left if c != x),
            leaves_left=tuple(c for c in self.leaves_left if c != x),
            down=tuple(sorted((*self.down, x))),
            armed=armed,
        ), effects

    def _run(
        self, node_id: int, inp: HostInput, network: tuple[Envelope, ...]
    ) -> tuple[World, tuple[HostEffect, ...]]:
        """Step one host and put the messages it sends in flight (R-WORLD-1); a message to a
        node that is down is lost (R-WORLD-5)."""
        i = self._index(node_id)
        result = host_step(self.hosts[i], inp, timers=self._armed(i))
        hosts = (*self.hosts[:i], result.host, *self.hosts[i + 1 :])
        armed = self.armed or tuple(host_timers(h) for h in self.hosts)
        armed = (*armed[:i], result.timers, *armed[i + 1 :])
        net = list(network)
        replies = self.replies
        new_replies = [(node_id, e) for e in result.effects if isinstance(e, Reply)]
        if new_replies:
            # insort, not sorted(): the same order (after equal keys, as a stable sort puts a
            # new entry), but the key is computed for log R replies, not all R (bench_scribe)
            ordered = list(replies)
            for entry in new_replies:
                bisect.insort(ordered, entry, key=_reply_order)
            replies = tuple(ordered)
        for effect in result.effects:
            if isinstance(effect, Send):
                self._index(effect.dest)  # refuses a destination outside the world
                if self.down and self.is_down(effect.dest):
                    continue
                bisect.insort(net, Envelope(effect.dest, effect.msg), key=lambda e: e.order)
        world = attrs.evolve(self, hosts=hosts, network=tuple(net), replies=replies, armed=armed)
        return world, result.effects


def _reply_order(entry: tuple[int, Reply]) -> Any:
    return canonical_order(entry)
