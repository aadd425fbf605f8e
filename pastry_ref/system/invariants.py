"""Named invariants and properties of a World.

Owns: the predicates of spec/invariants.md. Each returns named violations (never a bare
False), and the property table names them for ``pastry_ref.check``, which presents them to
the engine.
"Ready" means status ready; under the paper's join every node that finished joining is ready.
"Live" means not crashed and not left: a node that is down is dead, so every ready node is live.
Spec: spec/invariants.md (LSetInv, RoutingTablePrefix, HalfNeighbor, NeighborClosest,
Consistency, NoFailedInTables, CorrectDelivery, CorrectDeliveryAfterRepair, Converged,
NoDeadInLeafSets, AllReady, NoStuckMessages).
"""

from __future__ import annotations

import functools
from collections.abc import Callable, Sequence

from pastry_ref.errors import PastryRefError
from pastry_ref.node.effects import Deliver
from pastry_ref.node.messages import RouteMessage
from pastry_ref.node.state import NodeState, Status
from pastry_ref.node.timers import HopTimeout
from pastry_ref.oracle.ideal import check_routing_table, ideal_leaf_set, root
from pastry_ref.system.actions import FireTimer, Receive, Request, WorldAction
from pastry_ref.system.consistency import (
    EXHAUSTIVE_KEYS_MAX_BITS,
    Violation,
    critical_keys,
    delivery_arcs,
    ready_consistency,
)
from pastry_ref.system.world import World
from pastry_ref.tables.routing import NodeTables, RoutingLoop, follow

__all__ = [
    "ALL_CHECKS",
    "CONVERGENCE_PROPERTIES",
    "EXHAUSTIVE_KEYS_MAX_BITS",
    "INVARIANTS",
    "PASTRY_PROPERTIES",
    "SAFETY_PROPERTIES",
    "TRANSITION_PROPERTIES",
    "Violation",
    "all_ready",
    "consistency",
    "converged",
    "correct_delivery",
    "correct_delivery_after_repair",
    "delivers",
    "delivery_arcs",
    "half_neighbor",
    "leaf_sets_ideal",
    "lset_inv",
    "neighbor_closest",
    "no_dead_in_leaf_sets",
    "no_failed_in_tables",
    "no_stuck_messages",
    "property_names",
    "register_property",
    "routing_table_prefix",
    "statement",
]


def _ready(world: World) -> list[NodeState]:
    return [n for n in world.nodes if n.status is Status.READY]


def lset_inv(world: World) -> list[Violation]:
    """LSetInv: no node is in its own leaf set."""
    return [
        Violation("LSetInv", f"node {n.id} is in its own leaf set")
        for n in world.started()
        if n.id in n.leaf_set
    ]


def routing_table_prefix(world: World) -> list[Violation]:
    """RoutingTablePrefix: every routing-table entry obeys R-RT-1."""
    out: list[Violation] = []
    for n in world.started():
        for v in check_routing_table(n.id, n.routing_table.entries(), world.config.space):
            out.append(Violation("RoutingTablePrefix", f"node {n.id}: {v.name} {v.detail}"))
    return out


def half_neighbor(world: World) -> list[Violation]:
    """HalfNeighbor: an ok or ready node has a left neighbour iff it has a right one, and has
    neither only if it is the only ok or ready node."""
    active = [n for n in world.nodes if n.status in (Status.OK, Status.READY)]
    out: list[Violation] = []
    for n in active:
        left, right = bool(n.leaf_set.left), bool(n.leaf_set.right)
        if left != right:
            out.append(Violation("HalfNeighbor", f"node {n.id}: one leaf-set half is empty"))
        elif not left and len(active) > 1:
            out.append(Violation("HalfNeighbor", f"node {n.id} has no neighbour but is not alone"))
    return out


def neighbor_closest(world: World) -> list[Violation]:
    """NeighborClosest: no ready node lies strictly between a ready node and its immediate
    left or right neighbour."""
    space = world.config.space
    ready = _ready(world)
    out: list[Violation] = []
    for n in ready:
        for side, half, dist in (
            ("right", n.leaf_set.right, space.cw_distance),
            ("left", n.leaf_set.left, space.ccw_distance),
        ):
            if not half:
                continue
            edge = dist(n.id, half[0])
            for m in ready:
                if m.id != n.id and 0 < dist(n.id, m.id) < edge:
                    out.append(
                        Violation(
                            "NeighborClosest",
                            f"ready node {m.id} lies between ready node {n.id} and its "
                            f"{side} neighbour {half[0]}",
                        )
                    )
    return out


def no_failed_in_tables(world: World) -> list[Violation]:
    """NoFailedInTables: no node keeps a node it knows failed in its leaf set, routing table
    or neighbourhood."""
    out: list[Violation] = []
    for n in world.started():
        for where, members in (
            ("leaf set", n.leaf_set.members()),
            ("routing table", n.routing_table.members()),
            ("neighbourhood", n.neighborhood.members()),
        ):
            for m in sorted(members & n.failed):
                out.append(
                    Violation(
                        "NoFailedInTables", f"node {n.id} keeps failed node {m} in its {where}"
                    )
                )
    return out


# -- Consistency (exact: pastry_ref.system.consistency) ---------------------------------
def consistency(world: World) -> list[Violation]:
    """Consistency: at most one ready node would deliver any key, checked over every key."""
    return list(ready_consistency(tuple(_ready(world))))


# -- CorrectDelivery ----------------------------------------------------------------------------
def correct_delivery(world: World, action: WorldAction, after: World) -> list[Violation]:
    """CorrectDelivery: a routed message is delivered only at the numerically closest ready node."""
    del after
    if not delivers(action):
        return []
    _, effects = world.apply_with_effects(action)
    ready = world.ready_ids()
    out: list[Violation] = []
    for e in effects:
        if isinstance(e, Deliver) and e.key is not None:
            expected = root(e.key, ready, world.config.space)
            if expected != action.at:
                out.append(
                    Violation(
                        "CorrectDelivery",
                        f"{e.payload} for key {e.key} delivered at {action.at}; the "
                        f"closest ready node is {expected}",
                    )
                )
    return out


def correct_delivery_after_repair(
    world: World, action: WorldAction, after: World
) -> list[Violation]:
    """CorrectDeliveryAfterRepair: a lookup delivered while every ready node's leaf set is the
    ideal one over the ready nodes is delivered at the numerically closest ready node."""
    if not delivers(action) or leaf_sets_ideal(world):
        return []
    return [
        Violation("CorrectDeliveryAfterRepair", v.detail)
        for v in correct_delivery(world, action, after)
    ]


def delivers(action: WorldAction) -> bool:
    """Whether ``action`` can deliver a routed message (what the transition properties
    observe)."""
    if isinstance(action, Request):
        return True
    if isinstance(action, Receive):
        return isinstance(action.msg, RouteMessage)
    # A hop timeout reroutes its message, which may then be delivered here (R-HOP-3).
    return (
        isinstance(action, FireTimer)
        and isinstance(action.timer, HopTimeout)
        and isinstance(action.timer.msg, RouteMessage)
    )


# -- Converged ---------------------------------------------------------------------------------
def leaf_sets_ideal(world: World) -> list[Violation]:
    """The leaf-set half of Converged: every ready node whose leaf set is not the ideal one
    over the ready nodes (named "Converged" violations)."""
    ready = _ready(world)
    ids = [n.id for n in ready]
    out: list[Violation] = []
    for n in ready:
        ideal = ideal_leaf_set(n.id, ids, world.config)
        if (n.leaf_set.left, n.leaf_set.right) != (ideal.left, ideal.right):
            out.append(
                Violation(
                    "Converged",
                    f"node {n.id} has leaf set {n.leaf_set.left}|{n.leaf_set.right}, ideal is "
                    f"{ideal.left}|{ideal.right}",
                )
            )
    return out


def converged(world: World) -> list[Violation]:
    """Converged: every ready node's leaf set is the ideal one over the ready (so live) nodes,
    and every key routed from every ready node reaches its root (every key when the space has
    at most 2^EXHAUSTIVE_KEYS_MAX_BITS ids, else the critical keys)."""
    ready = _ready(world)
    out = leaf_sets_ideal(world)
    if out or not ready:
        return out
    views = tuple(NodeTables(n.leaf_set, n.routing_table, n.neighborhood) for n in ready)
    return list(_routes_reach_roots(views))


@functools.lru_cache(maxsize=1 << 15)
def _routes_reach_roots(views: tuple[NodeTables, ...]) -> tuple[Violation, ...]:
    """Route every key (or every critical key) from every ready node; memoised on the ready
    nodes' tables, which many states of a search share."""
    space = views[0].leaf_set.space
    tables = {t.owner: t for t in views}
    ids = sorted(tables)
    ready = ids
    if space.bits <= EXHAUSTIVE_KEYS_MAX_BITS:
        keys: Sequence[int] = range(space.size)
    else:
        keys = critical_keys(space, ids)
    for key in keys:
        expected = root(key, ids, space)
        for n in ready:
            try:
                route = follow(key, n, tables)
            except RoutingLoop as e:
                return (Violation("Converged", str(e)),)
            except PastryRefError as e:
                return (Violation("Converged", f"key {key} from {n}: {e}"),)
            if route.delivered_at != expected:
                return (
                    Violation(
                        "Converged",
                        f"key {key} routed from {n} reaches {route.delivered_at}, root is "
                        f"{expected}",
                    ),
                )
    return ()


def no_dead_in_leaf_sets(world: World) -> list[Violation]:
    """NoDeadInLeafSets: no live node keeps a crashed or departed node in its leaf set."""
    return [
        Violation("NoDeadInLeafSets", f"node {n.id} keeps down node {m} in its leaf set")
        for n in world.started()
        for m in sorted(n.leaf_set.members())
        if world.is_down(m)
    ]


def all_ready(world: World) -> list[Violation]:
    """AllReady: every node that started joining is ready."""
    return [
        Violation("AllReady", f"node {n.id} is {n.status.value}")
        for n in world.started()
        if n.status is not Status.READY
    ]


def no_stuck_messages(world: World) -> list[Violation]:
    """NoStuckMessages: nothing is left in flight."""
    return [
        Violation("NoStuckMessages", f"{type(e.msg).__name__} to {e.dest} never accepted")
        for e in world.network
    ]


# -- the property table ---------------------------------------------------------------------
ALL_CHECKS: tuple[str, ...] = ("terminal", "reachable", "no-cycle")
"""The three parts of convergence (docs/model_checking.md)."""

INVARIANTS: dict[str, Callable[[World], list[Violation]]] = {
    "LSetInv": lset_inv,
    "RoutingTablePrefix": routing_table_prefix,
    "HalfNeighbor": half_neighbor,
    "NeighborClosest": neighbor_closest,
    "Consistency": consistency,
    "NoFailedInTables": no_failed_in_tables,
}

TRANSITION_PROPERTIES: dict[str, Callable[[World, WorldAction, World], list[Violation]]] = {
    "CorrectDelivery": correct_delivery,
    "CorrectDeliveryAfterRepair": correct_delivery_after_repair,
}

CONVERGENCE_PROPERTIES: dict[str, tuple[Callable[[World], list[Violation]], tuple[str, ...]]] = {
    "Converged": (
        converged,
        ALL_CHECKS,
    ),
    "NoDeadInLeafSets": (
        no_dead_in_leaf_sets,
        ALL_CHECKS,
    ),
    "AllReady": (
        all_ready,
        ALL_CHECKS,
    ),
    "NoStuckMessages": (no_stuck_messages, ("terminal",)),
}


SAFETY_PROPERTIES: tuple[str, ...] = (*INVARIANTS, *TRANSITION_PROPERTIES)
"""The Pastry state and transition properties: the ones partial-order reduction may apply to."""

PASTRY_PROPERTIES: tuple[str, ...] = (*SAFETY_PROPERTIES, *CONVERGENCE_PROPERTIES)
"""Pastry's own properties, in the default order; applications' come after them."""

_APP_PROPERTIES: list[str] = []

TransitionCheck = Callable[[World, WorldAction, World], list[Violation]]


def register_property(
    name: str,
    state: Callable[[World], list[Violation]] | None = None,
    *,
    transition: TransitionCheck | None = None,
    convergence: tuple[str, ...] = (),
) -> None:
    """An application's property (PAST's, SCRIBE's) joins the table under ``name``: a state
    invariant (``state``), a transition property (``transition``), or, with ``convergence``
    naming some of ALL_CHECKS, convergence to ``state`` holding. A name is registered once."""
    if name in property_names():
        raise ValueError(f"property {name!r} is registered already")
    _APP_PROPERTIES.append(name)
    if transition is not None:
        TRANSITION_PROPERTIES[name] = transition
    elif state is not None and convergence:
        if not set(convergence) <= set(ALL_CHECKS):
            raise ValueError(f"convergence checks must be among {ALL_CHECKS}")
        CONVERGENCE_PROPERTIES[name] = (state, convergence)
    elif state is not None:
        INVARIANTS[name] = state
    else:
        raise ValueError("register_property needs a state or a transition check")


def property_names() -> tuple[str, ...]:
    """Every property name a scenario may ask for, in the default order: Pastry's, then the
    applications' in the order they were registered (``pastry_ref.check`` registers them all
    when it is imported, so a scenario's default property list does not depend on what else
    was imported)."""
    return (*PASTRY_PROPERTIES, *_APP_PROPERTIES)


def statement(fn: Callable[..., object]) -> str:
    """A property's one-line statement: the first line of its evaluator's docstring."""
    return (fn.__doc__ or "").splitlines()[0]
