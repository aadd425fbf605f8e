"""Driving a World forward without exploring it: run to quiescence, build rings by joins.

Owns: ``apply_counting`` (apply an action, counting the messages it sends), ``quiesce``
(deliver the first in-flight message its destination accepts, until none is left),
``settle`` (quiesce, then fire the timers that may fire, until neither is left) and
``build_ring`` (one sequential join after another, each run to quiescence). These are
one schedule among the many the model checker explores; tests, the golden scripts, the demo
and the scale checks use them. No randomness: callers pass ids drawn from their own generator.
Rule (bounds, issue 14): no drive loop can run forever. Each schedule is deterministic (the next
action is a function of the World), so a World that comes back is a loop that never ends:
``quiesce`` and ``settle`` watch for one (Brent's cycle detection: one saved World, compared
by network size, then by value) and raise ``Livelock`` at once, naming the cycle's deliveries
(a message routed in a circle shows as its hops). A run that never repeats still stops at
``max_steps`` / ``max_rounds`` with ``Livelock``.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Sequence

import attrs

from pastry_ref.errors import BoundReached
from pastry_ref.node.dispatch import accepts
from pastry_ref.node.effects import Send
from pastry_ref.node.timers import RowMaintenance, Timer
from pastry_ref.ring.config import Config
from pastry_ref.system.actions import FireTimer, Join, Receive, WorldAction
from pastry_ref.system.spec import WorldSpec
from pastry_ref.system.world import World

__all__ = ["Livelock", "apply_counting", "build_ring", "quiesce", "settle"]


class Livelock(BoundReached):
    """The network did not go quiet within the step budget."""


def apply_counting(world: World, action: WorldAction, sent: Counter[str] | None) -> World:
    """Apply ``action``; with ``sent``, count every message it sends by type (also those lost
    to a node that is down)."""
    if sent is None:
        return world.apply(action)
    world, effects = world.apply_with_effects(action)
    sent.update(type(e.msg).__name__ for e in effects if isinstance(e, Send))
    return world


def _next_delivery(world: World) -> Receive | None:
    """The delivery ``quiesce`` makes next: the first accepted message in the network's order."""
    env = next((e for e in world.network if accepts(world.node(e.dest), e.msg)), None)
    return None if env is None else Receive(env.dest, env.msg)


def _same(a: World, b: World) -> bool:
    """Equal Worlds, cheaply: the sizes of the networks first, then equality, which stops at
    the first host that differs (unchanged hosts are the same objects). Not the hash: hashing a
    new World costs its whole network at every step (the 1,000-node settle took minutes)."""
    return a is b or (len(a.network) == len(b.network) and a == b)


_SHOWN_HOPS = 12


def _cycle_text(world: World, length: int) -> str:
    """The ``length`` deliveries from ``world`` on (a cycle): ``Type(key) src -> dest, ...``."""
    hops = []
    for _ in range(min(length, _SHOWN_HOPS)):
        action = _next_delivery(world)
        assert action is not None  # world lies on the cycle, which is made of deliveries
        msg = action.msg
        key = getattr(msg, "key", getattr(msg, "joiner", None))
        what = type(msg).__name__ + ("" if key is None else f"(key={key})")
        hops.append(f"{what} {msg.src} -> {action.dest}")
        world = world.apply(action)
    more = f", ... ({length - _SHOWN_HOPS} more)" if length > _SHOWN_HOPS else ""
    routed = all(h.startswith(("RouteMessage", "JoinRequest", "HopAck")) for h in hops)
    kind = "a routing loop" if routed else "a delivery loop"
    return f"{kind} of {length} deliveries: " + ", ".join(hops) + more


def quiesce(
    world: World, max_steps: int = 1_000_000, sent: Counter[str] | None = None
) -> tuple[World, int]:
    """Deliver the first accepted in-flight message (in the network's sorted order) until no
    message is accepted; returns the quiet World and the number of deliveries. With ``sent``,
    every message sent is counted by type. ``Livelock`` if the World comes back (the loop is
    named) or after ``max_steps`` deliveries."""
    steps = 0
    saved, power, lam = world, 1, 0  # Brent: compare with a World saved at powers of two
    while True:
        action = _next_delivery(world)
        if action is None:
            return world, steps
        if steps >= max_steps:
            raise Livelock(f"still {len(world.network)} message(s) in flight after {steps} steps")
        world = apply_counting(world, action, sent)
        steps += 1
        lam += 1
        if _same(world, saved):
            raise Livelock(
                f"the network never goes quiet: after {steps} deliveries the World repeats, "
                + _cycle_text(world, lam)
            )
        if lam == power:
            saved, power, lam = world, power * 2, 0


def settle(
    world: World, max_rounds: int = 1_000, sent: Counter[str] | None = None
) -> tuple[World, int, int]:
    """Run ``world`` until nothing but periodic timers could happen: quiesce the network, then
    fire every non-periodic timer that may fire now (in node and timer order, each only if it
    still may), and repeat. Returns the World, the deliveries and the timer firings.

    Under the quiet semantics this is detection and repair running to its end; under *any*
    it may not end (a timer may always fire), and ``Livelock`` says so after ``max_rounds``.
    With ``sent``, every message sent is counted by type.
    """
    deliveries = firings = 0
    saved, power, lam = world, 1, 0  # Brent, over the Worlds at the start of each round
    for _ in range(max_rounds):
        world, n = quiesce(world, sent=sent)
        deliveries += n
        due = [a for a in world.actions() if isinstance(a, FireTimer) and _not_periodic(a.timer)]
        if not due:
            return world, deliveries, firings
        for action in due:
            armed = world.armed_at(action.node)
            if action.timer in armed and world.may_fire(action.node, action.timer):
                world = apply_counting(world, action, sent)
                firings += 1
        lam += 1
        if _same(world, saved):
            raise Livelock(f"timers never stop firing: the World repeats every {lam} round(s)")
        if lam == power:
            saved, power, lam = world, power * 2, 0
    raise Livelock(f"timers still firing after {max_rounds} rounds")


def _not_periodic(timer: object) -> bool:
    """The node's own timers but RowMaintenance; application timers are periodic too."""
    return isinstance(timer, Timer) and not isinstance(timer, RowMaintenance)


def build_ring(
    config: Config, first: int, joiners: Sequence[tuple[int, int]]
) -> tuple[World, list[int]]:
    """Start ``first`` alone, then join each (node, seed) in turn, quiescing after each join.

    Returns the final World and the number of messages each join took.
    """
    world = WorldSpec(config, (first,), tuple(joiners)).initial_world()
    world = attrs.evolve(world, joins_left=())  # joins are applied here, in the given order
    costs: list[int] = []
    for node, seed in joiners:
        world = attrs.evolve(world, joins_left=((node, seed),))
        world = world.apply(Join(node, seed))
        world, steps = quiesce(world)
        costs.append(steps)
    return world, costs
