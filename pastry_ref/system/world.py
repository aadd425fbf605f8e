"""The whole system as one immutable value.

Owns: ``World`` (every node's state, the in-flight network as a sorted multiset, and what the
environment may still do), ``World.actions`` (every enabled action, in a deterministic order)
and ``World.apply``. The engine's view of a World lives in ``pastry_ref.check.model``.
Spec rules: R-WORLD-2 (environment budget), R-WORLD-3 (a message waits until its destination
accepts it), R-WORLD-5 (crash-stop and leave), R-WORLD-6 (when a timer may fire).
"""

from __future__ import annotations

import bisect
from typing import Any

import attrs

from pastry_ref.errors import ApiMisuse, NotEnabled
from pastry_ref.node.effects import Effect, Send
from pastry_ref.node.messages import HopAck, LSProbe, LSProbeReply
from pastry_ref.node.step import (
    Depart,
    NodeState,
    Receive,
    RouteKey,
    StartJoin,
    Status,
    TimerFired,
    accepts,
    armed_timers,
    step,
)
from pastry_ref.node.timers import (
    HopTimeout,
    KeepAlive,
    ProbeTimeout,
    RowMaintenance,
    Timer,
    timer_order,
)
from pastry_ref.ring.config import Config

__all__ = ["World"]


from pastry_ref.system.actions import (
    Crash,
    Drop,
    Duplicate,
    Envelope,
    FireTimer,
    Join,
    Leave,
    Lookup,
    ReceiveMessage,
    TimerSemantics,
    WorldAction,
)


# -- the world ---------------------------------------------------------------------------------
@attrs.frozen(slots=True, cache_hash=True)
class World:
    """``nodes`` holds every node that exists or may join, sorted by id (``ids`` alongside);
    ``network`` the in-flight messages, sorted, with repetition; ``joins_left``,
    ``lookups_left``, ``crashes_left``, ``leaves_left``, ``drops_left``, ``duplicates_left``
    and ``periodic_left`` (firings of periodic timers) what the environment may still do;
    ``down`` the nodes that crashed or left (history the properties need); ``timers`` when a
    timer may fire."""

    config: Config
    ids: tuple[int, ...]
    nodes: tuple[NodeState, ...]
    network: tuple[Envelope, ...] = ()
    joins_left: tuple[tuple[int, int], ...] = ()
    lookups_left: tuple[tuple[int, int, int], ...] = ()
    crashes_left: tuple[int, ...] = ()
    leaves_left: tuple[int, ...] = ()
    drops_left: int = 0
    duplicates_left: int = 0
    periodic_left: int = 0
    down: tuple[int, ...] = ()
    timers: TimerSemantics = TimerSemantics.QUIET

    def node(self, node_id: int) -> NodeState:
        i = bisect.bisect_left(self.ids, node_id)
        if i == len(self.ids) or self.ids[i] != node_id:
            raise ApiMisuse(f"node {node_id} is not part of this world")
        return self.nodes[i]

    def started(self) -> tuple[NodeState, ...]:
        """Nodes that are not dead."""
        return tuple(n for n in self.nodes if n.status is not Status.DEAD)

    def ready_ids(self) -> tuple[int, ...]:
        return tuple(n.id for n in self.nodes if n.status is Status.READY)

    def is_down(self, node_id: int) -> bool:
        """Whether ``node_id`` crashed or left."""
        i = bisect.bisect_left(self.down, node_id)
        return i < len(self.down) and self.down[i] == node_id

    # -- transitions -----------------------------------------------------------------------
    def actions(self) -> tuple[WorldAction, ...]:
        """Every enabled action, in a deterministic order: joins, crashes, leaves, lookups,
        messages, drops, duplicates, then timers."""
        out: list[WorldAction] = [Join(x, s) for x, s in self.joins_left]
        out.extend(Crash(x) for x in self.crashes_left if self.node(x).status is not Status.DEAD)
        out.extend(Leave(x) for x in self.leaves_left if self.node(x).status is Status.READY)
        out.extend(
            Lookup(o, k, p) for o, k, p in self.lookups_left if self.node(o).status is Status.READY
        )
        distinct: list[Envelope] = []
        for env in self.network:
            if not distinct or env != distinct[-1]:
                distinct.append(env)  # identical copies: one action
        out.extend(
            ReceiveMessage(e.dest, e.msg) for e in distinct if accepts(self.node(e.dest), e.msg)
        )
        if self.drops_left:
            out.extend(Drop(e.dest, e.msg) for e in distinct)
        if self.duplicates_left:
            out.extend(Duplicate(e.dest, e.msg) for e in distinct)
        for n in self.nodes:
            if n.status is Status.DEAD:
                continue
            for t in sorted(armed_timers(n), key=timer_order):
                if self.may_fire(n.id, t):
                    out.append(FireTimer(n.id, t))
        return tuple(out)

    def may_fire(self, node_id: int, timer: Timer) -> bool:
        """R-WORLD-6: whether armed ``timer`` at ``node_id`` may fire now. A periodic timer
        fires only within the environment's budget. Under *any* every other timer may fire.
        Under *quiet* a timer fires only when nothing it waits for is in flight: KeepAlive(y)
        when y is down and nothing from y to this node is in flight (a live node's heartbeats
        would keep arriving); ProbeTimeout(y) when neither the probe nor its reply is in
        flight; HopTimeout when neither the message nor its acknowledgement is."""
        if isinstance(timer, RowMaintenance):
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
        return not any(
            (e.dest == hop and e.msg == msg) or (e.dest == node_id and e.msg == HopAck(hop, msg))
            for e in net
        )

    def apply(self, action: WorldAction) -> World:
        """The next World after ``action`` (which must be enabled)."""
        return self.apply_with_effects(action)[0]

    def apply_with_effects(self, action: WorldAction) -> tuple[World, tuple[Effect, ...]]:
        """The next World and the effects the acting node produced (upcalls included)."""
        if isinstance(action, Join):
            if (action.node, action.seed) not in self.joins_left:
                raise NotEnabled(f"{action} is not enabled")
            rest = tuple(j for j in self.joins_left if j != (action.node, action.seed))
            world = attrs.evolve(self, joins_left=rest)
            return world._run(action.node, StartJoin(action.seed), self.network)
        if isinstance(action, Lookup):
            entry = (action.origin, action.key, action.payload)
            if (
                entry not in self.lookups_left
                or self.node(action.origin).status is not Status.READY
            ):
                raise NotEnabled(f"{action} is not enabled")
            rest_l = tuple(e for e in self.lookups_left if e != entry)
            world = attrs.evolve(self, lookups_left=rest_l)
            return world._run(action.origin, RouteKey(action.key, action.payload), self.network)
        if isinstance(action, Crash | Leave):
            return self._take_down(action)
        if isinstance(action, FireTimer):
            n = self.node(action.node)
            if (
                n.status is Status.DEAD
                or action.timer not in armed_timers(n)
                or not self.may_fire(action.node, action.timer)
            ):
                raise NotEnabled(f"{action} is not enabled")
            world = self
            if isinstance(action.timer, RowMaintenance):
                world = attrs.evolve(self, periodic_left=self.periodic_left - 1)
            return world._run(action.node, TimerFired(action.timer), self.network)
        env = Envelope(action.dest, action.msg)
        i = bisect.bisect_left(self.network, env.order, key=lambda e: e.order)
        if i == len(self.network) or self.network[i] != env:
            raise NotEnabled(f"{action} is not enabled: no such message in flight")
        if isinstance(action, Drop):
            if not self.drops_left:
                raise NotEnabled(f"{action} is not enabled: the network loses no message")
            lost = self.network[:i] + self.network[i + 1 :]
            return attrs.evolve(self, network=lost, drops_left=self.drops_left - 1), ()
        if isinstance(action, Duplicate):
            if not self.duplicates_left:
                raise NotEnabled(f"{action} is not enabled: the network duplicates nothing")
            more = (*self.network[:i], env, *self.network[i:])
            return attrs.evolve(self, network=more, duplicates_left=self.duplicates_left - 1), ()
        if not accepts(self.node(action.dest), action.msg):
            raise NotEnabled(f"{action} is not enabled: node {action.dest} does not take it now")
        network = self.network[:i] + self.network[i + 1 :]
        return self._run(action.dest, Receive(action.msg), network)

    def _take_down(self, action: Crash | Leave) -> tuple[World, tuple[Effect, ...]]:
        """R-WORLD-5: a crash stops the node where it is; a leave first lets it tell its leaf
        set. Either way the node is dead from then on, is recorded as down, and every message
        to it is lost (those in flight now and those sent later)."""
        x = action.node
        node = self.node(x)
        if isinstance(action, Crash):
            if x not in self.crashes_left or node.status is Status.DEAD:
                raise NotEnabled(f"{action} is not enabled")
            world, effects = self, tuple[Effect, ...]()
        else:
            if x not in self.leaves_left or node.status is not Status.READY:
                raise NotEnabled(f"{action} is not enabled")
            world, effects = self._run(x, Depart(), self.network)
        i = bisect.bisect_left(self.ids, x)
        nodes = (*world.nodes[:i], NodeState.new(x, self.config), *world.nodes[i + 1 :])
        return attrs.evolve(
            world,
            nodes=nodes,
            network=tuple(e for e in world.network if e.dest != x),
            crashes_left=tuple(c for c in self.crashes_left if c != x),
            leaves_left=tuple(c for c in self.leaves_left if c != x),
            down=tuple(sorted((*self.down, x))),
        ), effects

    def _run(
        self, node_id: int, inp: Any, network: tuple[Envelope, ...]
    ) -> tuple[World, tuple[Effect, ...]]:
        """Step one node and put the messages it sends in flight (R-WORLD-1); a message to a
        node that is down is lost (R-WORLD-5)."""
        i = bisect.bisect_left(self.ids, node_id)
        result = step(self.nodes[i], inp)
        nodes = (*self.nodes[:i], result.node, *self.nodes[i + 1 :])
        net = list(network)
        for effect in result.effects:
            if isinstance(effect, Send):
                self.node(effect.dest)  # refuses a destination outside the world
                if self.down and self.is_down(effect.dest):
                    continue
                bisect.insort(net, Envelope(effect.dest, effect.msg), key=lambda e: e.order)
        return attrs.evolve(self, nodes=nodes, network=tuple(net)), result.effects
