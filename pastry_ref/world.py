"""The whole system as one immutable value, and a model for the checker.

Owns: ``World`` (every node's state, the in-flight network as a sorted multiset, and what the
environment may still do), its actions (``Join``, ``Lookup``, ``Receive<Type>`` for each
in-flight message a node accepts), ``World.apply``, the scenario description
``WorldSpec``, and ``PastryModel``, which presents a World to ``model_check``.
Spec rules: R-WORLD-1 (network: reliable, unordered, no duplication), R-WORLD-2 (environment:
each listed join and lookup happens at most once, at any point), R-WORLD-3 (a message waits
until its destination accepts it), R-WORLD-4 (actions at different nodes are independent).
"""

from __future__ import annotations

import bisect
from collections.abc import Mapping, Sequence
from typing import Any, TypeAlias

import attrs

from model_check import BaseModel, Property
from pastry_ref.config import Config, JoinProtocol
from pastry_ref.effects import Effect, Send
from pastry_ref.errors import PastryRefError
from pastry_ref.messages import Message
from pastry_ref.node import (
    NodeState,
    Receive,
    RouteKey,
    StartFirst,
    StartJoin,
    Status,
    accepts,
    step,
)
from pastry_ref.oracle import ideal_tables

__all__ = [
    "Envelope",
    "Join",
    "Lookup",
    "PastryModel",
    "ReceiveMessage",
    "World",
    "WorldAction",
    "WorldSpec",
]


def _canon(x: object) -> Any:
    """A total order over message fields: ints, bools, None and tuples of them."""
    if x is None:
        return (0,)
    if isinstance(x, bool | int):
        return (1, int(x))
    if isinstance(x, tuple):
        return (2, tuple(_canon(v) for v in x))
    raise TypeError(f"cannot order message field {x!r}")


@attrs.frozen(slots=True)
class Envelope:
    """A message in flight to ``dest``. ``order`` is its place in the network's sorted multiset."""

    dest: int
    msg: Message
    order: Any = attrs.field(eq=False, hash=False, repr=False, init=False)

    def __attrs_post_init__(self) -> None:
        fields = tuple(getattr(self.msg, f.name) for f in attrs.fields(type(self.msg)))
        object.__setattr__(self, "order", (self.dest, type(self.msg).__name__, _canon(fields)))


# -- actions -----------------------------------------------------------------------------------
@attrs.frozen(slots=True)
class Join:
    """Environment: ``node`` starts joining through ``seed`` (TLA+ Join)."""

    node: int
    seed: int

    @property
    def name(self) -> str:
        return "Join"

    @property
    def at(self) -> int:
        return self.node


@attrs.frozen(slots=True)
class Lookup:
    """Environment: the application at ``origin`` routes lookup number ``payload`` to ``key``."""

    origin: int
    key: int
    payload: int

    @property
    def name(self) -> str:
        return "Lookup"

    @property
    def at(self) -> int:
        return self.origin


@attrs.frozen(slots=True)
class ReceiveMessage:
    """Network: ``dest`` receives ``msg``; named ``Receive<MessageType>``."""

    dest: int
    msg: Message

    @property
    def name(self) -> str:
        return "Receive" + type(self.msg).__name__

    @property
    def at(self) -> int:
        return self.dest


WorldAction: TypeAlias = Join | Lookup | ReceiveMessage


# -- the world ---------------------------------------------------------------------------------
@attrs.frozen(slots=True, cache_hash=True)
class World:
    """``nodes`` holds every node that exists or may join, sorted by id (``ids`` alongside);
    ``network`` the in-flight messages, sorted, with repetition; ``joins_left`` and
    ``lookups_left`` what the environment may still do."""

    config: Config
    ids: tuple[int, ...]
    nodes: tuple[NodeState, ...]
    network: tuple[Envelope, ...] = ()
    joins_left: tuple[tuple[int, int], ...] = ()
    lookups_left: tuple[tuple[int, int, int], ...] = ()

    def node(self, node_id: int) -> NodeState:
        i = bisect.bisect_left(self.ids, node_id)
        if i == len(self.ids) or self.ids[i] != node_id:
            raise PastryRefError(f"node {node_id} is not part of this world")
        return self.nodes[i]

    def started(self) -> tuple[NodeState, ...]:
        """Nodes that are not dead."""
        return tuple(n for n in self.nodes if n.status is not Status.DEAD)

    def ready_ids(self) -> tuple[int, ...]:
        return tuple(n.id for n in self.nodes if n.status is Status.READY)

    # -- transitions -----------------------------------------------------------------------
    def actions(self) -> tuple[WorldAction, ...]:
        """Every enabled action, in a deterministic order: joins, lookups, then messages."""
        out: list[WorldAction] = [Join(x, s) for x, s in self.joins_left]
        out.extend(
            Lookup(o, k, p) for o, k, p in self.lookups_left if self.node(o).status is Status.READY
        )
        previous: Envelope | None = None
        for env in self.network:
            if env == previous:
                continue  # identical copies: one action
            previous = env
            if accepts(self.node(env.dest), env.msg):
                out.append(ReceiveMessage(env.dest, env.msg))
        return tuple(out)

    def apply(self, action: WorldAction) -> World:
        """The next World after ``action`` (which must be enabled)."""
        return self.apply_with_effects(action)[0]

    def apply_with_effects(self, action: WorldAction) -> tuple[World, tuple[Effect, ...]]:
        """The next World and the effects the acting node produced (upcalls included)."""
        if isinstance(action, Join):
            if (action.node, action.seed) not in self.joins_left:
                raise PastryRefError(f"{action} is not enabled")
            rest = tuple(j for j in self.joins_left if j != (action.node, action.seed))
            world = attrs.evolve(self, joins_left=rest)
            return world._run(action.node, StartJoin(action.seed), self.network)
        if isinstance(action, Lookup):
            entry = (action.origin, action.key, action.payload)
            if (
                entry not in self.lookups_left
                or self.node(action.origin).status is not Status.READY
            ):
                raise PastryRefError(f"{action} is not enabled")
            rest_l = tuple(e for e in self.lookups_left if e != entry)
            world = attrs.evolve(self, lookups_left=rest_l)
            return world._run(action.origin, RouteKey(action.key, action.payload), self.network)
        env = Envelope(action.dest, action.msg)
        i = bisect.bisect_left(self.network, env.order, key=lambda e: e.order)
        if i == len(self.network) or self.network[i] != env:
            raise PastryRefError(f"{action} is not enabled: no such message in flight")
        if not accepts(self.node(action.dest), action.msg):
            raise PastryRefError(
                f"{action} is not enabled: node {action.dest} does not take it now"
            )
        network = self.network[:i] + self.network[i + 1 :]
        return self._run(action.dest, Receive(action.msg), network)

    def _run(
        self, node_id: int, inp: Any, network: tuple[Envelope, ...]
    ) -> tuple[World, tuple[Effect, ...]]:
        """Step one node and put the messages it sends in flight (R-WORLD-1)."""
        i = bisect.bisect_left(self.ids, node_id)
        result = step(self.nodes[i], inp)
        nodes = (*self.nodes[:i], result.node, *self.nodes[i + 1 :])
        net = list(network)
        for effect in result.effects:
            if isinstance(effect, Send):
                self.node(effect.dest)  # refuses a destination outside the world
                bisect.insort(net, Envelope(effect.dest, effect.msg), key=lambda e: e.order)
        return attrs.evolve(self, nodes=nodes, network=tuple(net)), result.effects


@attrs.frozen(slots=True)
class WorldSpec:
    """A scenario's world: the config, the ready ring it starts from, and the environment."""

    config: Config
    initial: tuple[int, ...]
    joins: tuple[tuple[int, int], ...] = ()
    lookups: tuple[tuple[int, int], ...] = ()

    def __attrs_post_init__(self) -> None:
        space = self.config.space
        if not self.initial:
            raise PastryRefError("initial.ready: expected at least one node")
        space.check_all(self.initial, "initial.ready")
        if len(set(self.initial)) != len(self.initial):
            raise PastryRefError("initial.ready: node ids must be distinct")
        joiners = [x for x, _ in self.joins]
        for i, (x, seed) in enumerate(self.joins):
            space.check(x, f"environment.joins[{i}][0]")
            space.check(seed, f"environment.joins[{i}][1]")
            if x in self.initial:
                raise PastryRefError(
                    f"environment.joins[{i}]: node {x} is already in initial.ready"
                )
            if seed == x:
                raise PastryRefError(f"environment.joins[{i}]: node {x} cannot be its own seed")
            if seed not in self.initial and seed not in joiners:
                raise PastryRefError(
                    f"environment.joins[{i}]: seed {seed} is not a node of the scenario "
                    f"(expected one of initial.ready or another joiner)"
                )
        if len(set(joiners)) != len(joiners):
            raise PastryRefError("environment.joins: each node may join once")
        everyone = set(self.initial) | set(joiners)
        for i, (origin, key) in enumerate(self.lookups):
            space.check(key, f"environment.lookups[{i}][1]")
            if origin not in everyone:
                raise PastryRefError(
                    f"environment.lookups[{i}]: origin {origin} is not a node of the scenario"
                )

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
        lookups = tuple((o, k, i) for i, (o, k) in enumerate(self.lookups))
        return World(self.config, ids, tuple(nodes), (), tuple(sorted(self.joins)), lookups)


class PastryModel(BaseModel[World, WorldAction]):
    """A World as a ``model_check`` model. Properties come from ``pastry_ref.invariants``."""

    def __init__(self, spec: WorldSpec, properties: Sequence[Property] = ()) -> None:
        self.spec = spec
        self._properties = tuple(properties)

    def init_states(self) -> Sequence[World]:
        return (self.spec.initial_world(),)

    def actions(self, state: World) -> Sequence[WorldAction]:
        return state.actions()

    def next_state(self, state: World, action: WorldAction) -> World:
        return state.apply(action)

    def properties(self) -> Sequence[Property]:
        return self._properties

    def action_name(self, action: WorldAction) -> str:
        return action.name

    def independent(self, a: WorldAction, b: WorldAction) -> bool:
        """R-WORLD-4: actions at different nodes commute, and neither enables or disables the
        other (a node's guard reads only its own state and the message)."""
        return a.at != b.at

    def state_vars(self, state: World) -> Mapping[str, object]:
        return {
            "nodes": {n.id: _node_view(n) for n in state.started()},
            "network": tuple((e.dest, e.msg) for e in state.network),
            "joins_left": state.joins_left,
            "lookups_left": state.lookups_left,
        }


def _node_view(n: NodeState) -> Mapping[str, object]:
    """A node as trace variables: the join's bookkeeping only under the consistent join."""
    view: dict[str, object] = {
        "status": n.status.value,
        "left": n.leaf_set.left,
        "right": n.leaf_set.right,
        "table": tuple(sorted(n.routing_table.members())),
    }
    if n.config.join is JoinProtocol.CONSISTENT:
        view.update(
            probing=tuple(sorted(n.probing)),
            leases=tuple(sorted(n.leases)),
            lease_asked=tuple(sorted(n.lease_asked)),
            lease_waiting=tuple(sorted(n.lease_waiting)),
            granted_to=n.granted_to,
            helping=n.helping,
        )
    else:
        view["version"] = n.version
    return view
