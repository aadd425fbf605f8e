"""A scenario's world, validated: ``WorldSpec`` and the initial World it describes.

Owns: ``WorldSpec`` (config, initial ring, environment budget, network and timer models) and
its validation, which names the scenario-file field of every bad value (``initial.ready``,
``environment.joins[0][1]``, ...): a wrong type, a bool or an id out of range, an unknown node,
a budget out of 0..MAX_BUDGET. Rule: validation happens here, once, at the boundary; the World
never re-validates.
"""

from __future__ import annotations

from collections.abc import Hashable

import attrs

from pastry_ref.app.api import App
from pastry_ref.app.lookup import Lookup, LookupApp
from pastry_ref.errors import BadInput, shown
from pastry_ref.node.dispatch import step
from pastry_ref.node.inputs import StartFirst
from pastry_ref.node.state import NodeState
from pastry_ref.oracle.ideal import ideal_tables
from pastry_ref.ring.config import Config

__all__ = ["MAX_BUDGET", "WorldSpec"]

from pastry_ref.system.actions import NetworkModel, TimerSemantics
from pastry_ref.system.world import World

MAX_BUDGET = 1000  # drops, duplicates, periodic: each unit multiplies the state space

# The scenario-file key of each field, for messages.
_FIELD_KEYS = {
    "initial": "initial.ready",
    "crashes": "environment.crashes",
    "leaves": "environment.leaves",
    "joins": "environment.joins",
    "lookups": "environment.lookups",
}


def _seq(value: object, key: str) -> tuple[object, ...]:
    if not isinstance(value, tuple | list):
        raise BadInput(f"{key}: expected a list of node ids, got {shown(value)}")
    return tuple(value)


def _pairs(value: object, key: str) -> tuple[tuple[int, int], ...]:
    if not isinstance(value, tuple | list):
        raise BadInput(f"{key}: expected a list of [id, id] pairs, got {shown(value)}")
    out: list[tuple[int, int]] = []
    for i, pair in enumerate(value):
        if not isinstance(pair, tuple | list) or len(pair) != 2:
            raise BadInput(f"{key}[{i}]: expected a pair [id, id], got {shown(pair)}")
        out.append((pair[0], pair[1]))
    return tuple(out)


def _budget(value: object, key: str) -> int:
    if not isinstance(value, int) or isinstance(value, bool) or value < 0:
        raise BadInput(f"{key}: expected an integer >= 0, got {shown(value)}")
    if value > MAX_BUDGET:
        raise BadInput(f"{key}: expected a budget of at most {MAX_BUDGET}, got {shown(value)}")
    return value


@attrs.frozen(slots=True)
class WorldSpec:
    """A scenario's world: the config, the ready ring it starts from, the environment (joins,
    lookups, crashes, leaves), the network model with its budget, and the timer semantics."""

    config: Config
    initial: tuple[int, ...]
    joins: tuple[tuple[int, int], ...] = ()
    lookups: tuple[tuple[int, int], ...] = ()
    crashes: tuple[int, ...] = ()
    leaves: tuple[int, ...] = ()
    network: NetworkModel = NetworkModel.RELIABLE
    drops: int = 0
    duplicates: int = 0
    periodic: int = 0
    timers: TimerSemantics = TimerSemantics.QUIET
    apps: tuple[App, ...] = (LookupApp(),)
    requests: tuple[tuple[int, Hashable], ...] = ()

    def __attrs_post_init__(self) -> None:
        if not isinstance(self.config, Config):
            raise BadInput(f"config: expected a Config, got {shown(self.config)}")
        space = self.config.space
        # Lists are accepted and stored as tuples (the spec is a hashable value).
        for name in ("initial", "crashes", "leaves"):
            where = _FIELD_KEYS[name]
            object.__setattr__(self, name, space.check_all(_seq(getattr(self, name), where), where))
        for name in ("joins", "lookups"):
            object.__setattr__(self, name, _pairs(getattr(self, name), _FIELD_KEYS[name]))
        if not self.initial:
            raise BadInput("initial.ready: expected at least one node")
        if len(set(self.initial)) != len(self.initial):
            raise BadInput("initial.ready: node ids must be distinct")
        joiners = [x for x, _ in self.joins]
        for i, (x, seed) in enumerate(self.joins):
            space.check(x, f"environment.joins[{i}][0]")
            space.check(seed, f"environment.joins[{i}][1]")
            if x in self.initial:
                raise BadInput(f"environment.joins[{i}]: node {x} is already in initial.ready")
            if seed == x:
                raise BadInput(f"environment.joins[{i}]: node {x} cannot be its own seed")
            if seed not in self.initial and seed not in joiners:
                raise BadInput(
                    f"environment.joins[{i}]: seed {seed} is not a node of the scenario "
                    f"(expected one of initial.ready or another joiner)"
                )
        if len(set(joiners)) != len(joiners):
            raise BadInput("environment.joins: each node may join once")
        everyone = set(self.initial) | set(joiners)
        for i, (origin, key) in enumerate(self.lookups):
            space.check(origin, f"environment.lookups[{i}][0]")
            space.check(key, f"environment.lookups[{i}][1]")
            if origin not in everyone:
                raise BadInput(
                    f"environment.lookups[{i}]: origin {origin} is not a node of the scenario"
                )
        object.__setattr__(self, "requests", self._checked_requests(everyone))
        for field in ("crashes", "leaves"):
            ids = getattr(self, field)
            for i, x in enumerate(ids):
                if x not in everyone:
                    raise BadInput(
                        f"environment.{field}[{i}]: {x} is not a node of the scenario "
                        f"(expected one of initial.ready or a joiner)"
                    )
            if len(set(ids)) != len(ids):
                raise BadInput(f"environment.{field}: each node may be listed once")
        both = sorted(set(self.crashes) & set(self.leaves))
        if both:
            raise BadInput(f"environment: node {both[0]} is listed in both crashes and leaves")
        if not isinstance(self.network, NetworkModel):
            raise BadInput(
                f"network.model: expected one of {[m.value for m in NetworkModel]}, "
                f"got {shown(self.network)}"
            )
        if not isinstance(self.timers, TimerSemantics):
            raise BadInput(
                f"protocol.timers: expected one of {[t.value for t in TimerSemantics]}, "
                f"got {shown(self.timers)}"
            )
        for field, model in (
            ("drops", NetworkModel.LOSSY),
            ("duplicates", NetworkModel.DUPLICATING),
        ):
            budget = _budget(getattr(self, field), f"network.{field}")
            if budget and self.network is not model:
                raise BadInput(
                    f"network.{field}: a budget needs network.model = {model.value!r}, "
                    f"the model is {self.network.value!r}"
                )
            if self.network is model and not budget:
                raise BadInput(
                    f"network.{field}: a {model.value} network needs a budget >= 1 "
                    "(the number of messages it may affect keeps the model finite)"
                )
        _budget(self.periodic, "environment.periodic")

    def _checked_requests(self, everyone: set[int]) -> tuple[tuple[int, Hashable], ...]:
        """Client requests of the applications (R-WORLD-7): (origin, request) pairs whose
        origin is a node of the scenario and whose request some application takes."""
        if not isinstance(self.apps, tuple) or not all(isinstance(a, App) for a in self.apps):
            raise BadInput(f"apps: expected a tuple of applications, got {shown(self.apps)}")
        taken = tuple(t for a in self.apps for t in a.REQUESTS)
        out: list[tuple[int, Hashable]] = []
        for i, entry in enumerate(_seq(self.requests, "requests")):
            if not isinstance(entry, tuple | list) or len(entry) != 2:
                raise BadInput(
                    f"requests[{i}]: expected an (origin, request) pair, got {shown(entry)}"
                )
            origin, request = entry
            self.config.space.check(origin, f"requests[{i}][0]")
            if origin not in everyone:
                raise BadInput(f"requests[{i}]: origin {origin} is not a node of the scenario")
            if not isinstance(request, taken):
                names = ", ".join(t.__name__ for t in taken) or "none"
                raise BadInput(
                    f"requests[{i}]: no application of the scenario takes a "
                    f"{type(request).__name__} request (they take: {names})"
                )
            out.append((origin, request))
        return tuple(out)

    def initial_world(self) -> World:
        """The initial ring is converged: every node ready with the oracle's ideal tables."""
        ids = tuple(sorted(set(self.initial) | {x for x, _ in self.joins}))
        nodes: list[NodeState] = []
        tables = ideal_tables(self.initial, self.config) if len(self.initial) > 1 else {}
        for n in ids:
            state = NodeState.new(n, self.config)
            if n in self.initial:
                state = step(state, StartFirst()).node
                if n in tables:
                    t = tables[n]
                    state = attrs.evolve(
                        state,
                        leaf_set=t.leaf_set,
                        routing_table=t.routing_table,
                        neighborhood=t.neighborhood,
                    )
            nodes.append(state)
        lookups = tuple((o, Lookup(key=k, id=i)) for i, (o, k) in enumerate(self.lookups))
        requests = lookups + self.requests
        return World.of_nodes(
            self.config,
            nodes,
            self.apps,
            joins_left=tuple(sorted(self.joins)),
            requests_left=requests,
            crashes_left=tuple(sorted(self.crashes)),
            leaves_left=tuple(sorted(self.leaves)),
            drops_left=self.drops,
            duplicates_left=self.duplicates,
            periodic_left=self.periodic,
            timers=self.timers,
        )
