"""A host: one node and its applications, stepped atomically.

Owns: ``Host``, ``HostStep`` and ``host_step``. Rule 1: one input in, one set of effects out;
inside, the node and the applications run to a fixed point: an application's ``Route`` /
``SendDirect`` is fed to the node, the node's ``Deliver`` / ``Forward`` / ``Update`` upcalls
are fed to the applications, until nothing new comes out (R-API-1). So the checker sees no extra
interleavings. Rule 2: the timers a host reports are the node's and its applications' armed
timers after the step, as one SetTimer / CancelTimer difference (R-TIME-1). Rule 3: a fixed point
that takes more than ``MAX_ROUNDS`` rounds is a bug in an application: ``BoundReached``.
"""

from __future__ import annotations

from collections import deque
from collections.abc import Hashable

import attrs

from pastry_ref.app.api import App, AppStep, Reply, Request
from pastry_ref.errors import ApiMisuse, BoundReached
from pastry_ref.node.dispatch import armed_timers, step
from pastry_ref.node.effects import CancelTimer, Deliver, Effect, Forward, Send, SetTimer, Update
from pastry_ref.node.inputs import FireTimer, ForwardTo, Input
from pastry_ref.node.state import NodeState, Status
from pastry_ref.node.timers import Timer, timer_order

__all__ = ["MAX_ROUNDS", "Host", "HostEffect", "HostInput", "HostStep", "host_step", "host_timers"]

MAX_ROUNDS = 10_000

HostInput = Input | Request
HostEffect = Effect | Reply


@attrs.frozen(slots=True, cache_hash=True)
class Host:
    """A node and its applications (in a fixed order, one of each kind)."""

    node: NodeState
    apps: tuple[App, ...] = ()

    @property
    def id(self) -> int:
        return self.node.id

    def app(self, cls: type[App]) -> App:
        """This host's application of type ``cls``."""
        for a in self.apps:
            if isinstance(a, cls):
                return a
        raise ApiMisuse(f"host {self.id} runs no {cls.__name__} (it runs {self._names()})")

    def _names(self) -> str:
        return ", ".join(a.NAME for a in self.apps) or "no application"


@attrs.frozen(slots=True)
class HostStep:
    """The result of ``host_step``: the next host, the effects (messages to send, upcalls as
    the node made them, replies to clients, timer changes) and the armed timers after it."""

    host: Host
    effects: tuple[HostEffect, ...] = ()
    timers: frozenset[Hashable] = attrs.field(default=frozenset(), eq=False)


def host_timers(host: Host) -> frozenset[Hashable]:
    """Every timer armed at ``host``: the node's and its applications'."""
    return _with_app_timers(armed_timers(host.node), host)


def _with_app_timers(node_timers: frozenset[Hashable], host: Host) -> frozenset[Hashable]:
    """``node_timers`` (the node's armed timers) and the applications' armed timers."""
    if host.node.status is Status.DEAD:
        return node_timers
    timers = node_timers
    for a in host.apps:
        if a.TIMERS:
            timers = timers | a.armed_timers(host.node)
    return timers


def _owner(apps: tuple[App, ...], value: object, kind: str) -> int | None:
    for i, a in enumerate(apps):
        if isinstance(value, getattr(a, kind)):
            return i
    return None


def host_step(host: Host, inp: HostInput, *, timers: frozenset[Hashable] | None = None) -> HostStep:
    """Apply one input to a host (R-API-1): the node and its applications run to a fixed point.

    ``timers``, if given, must be ``host_timers(host)`` (a previous HostStep's ``timers``).
    """
    before = host_timers(host) if timers is None else timers
    node, apps = host.node, list(host.apps)
    out: list[HostEffect] = []
    queue: deque[Input] = deque()
    node_timers: frozenset[Timer] | None = None

    def run_app(i: int, result: AppStep) -> None:
        apps[i] = result.app
        for e in result.effects:
            if isinstance(e, Reply):
                out.append(e)
            else:
                queue.append(e)

    if isinstance(inp, Request):
        i = _owner(host.apps, inp.request, "REQUESTS")
        if i is None:
            raise ApiMisuse(
                f"host {host.id}: no application takes a {type(inp.request).__name__} request"
            )
        run_app(i, apps[i].request(node, inp.request))
    elif isinstance(inp, FireTimer) and not isinstance(inp.timer, Timer):
        i = _owner(host.apps, inp.timer, "TIMERS")
        if i is not None and inp.timer in apps[i].armed_timers(node):
            run_app(i, apps[i].fire(node, inp.timer))
    else:
        queue.append(inp)
        if timers is not None:
            if any(a.TIMERS for a in host.apps):
                node_timers = frozenset(t for t in before if isinstance(t, Timer))
            else:
                node_timers = before  # type: ignore[assignment]  # only node timers

    rounds = 0
    while queue:
        rounds += 1
        if rounds > MAX_ROUNDS:
            raise BoundReached(
                f"host {host.id}: node and applications did not reach a fixed point in "
                f"{MAX_ROUNDS} rounds (an application keeps routing)"
            )
        result = step(node, queue.popleft(), timers=node_timers)
        node, node_timers = result.node, result.timers
        for e in result.effects:
            if isinstance(e, SetTimer | CancelTimer):
                continue
            if isinstance(e, Send):
                out.append(e)
            elif isinstance(e, Deliver):
                out.append(e)
                i = _owner(tuple(apps), e.payload, "PAYLOADS")
                if i is not None:
                    run_app(i, apps[i].deliver(node, e.key, e.payload))
            elif isinstance(e, Forward):
                out.append(e)
                i = _owner(tuple(apps), e.payload, "PAYLOADS")
                if i is None:
                    queue.append(ForwardTo(e.key, e.payload, e.next_hop))
                    continue
                app_step, decision = apps[i].forward(node, e.key, e.payload, e.next_hop)
                run_app(i, app_step)
                if decision is not None:
                    queue.append(decision)
            elif isinstance(e, Update):
                out.append(e)
                for i in range(len(apps)):
                    run_app(i, apps[i].update(node, e.node, e.joined))

    if node is host.node and all(a is b for a, b in zip(apps, host.apps, strict=True)):
        return HostStep(host, tuple(out), before)  # nothing changed: neither did the timers
    new = Host(node, tuple(apps))
    if node_timers is None:
        node_timers = armed_timers(node)
    after = _with_app_timers(node_timers, new)
    if before != after:
        out.extend(CancelTimer(t) for t in sorted(before - after, key=timer_order))
        out.extend(SetTimer(t) for t in sorted(after - before, key=timer_order))
    return HostStep(new, tuple(out), after)
