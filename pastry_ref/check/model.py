"""A World as a ``model_check`` model, and the properties of spec/invariants.md as the engine's
property kinds.

Owns: ``PastryModel`` (initial state, actions, next state, independence for partial-order
reduction, the trace variables) and ``properties`` (property names to ``Always``,
``AlwaysOnTransition`` and ``Convergence``). Rule: this is the only place where the Pastry system
meets the engine; ``pastry_ref.system`` never imports ``model_check``.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Mapping, Sequence

import attrs

import model_check as mc
import pastry_ref.check.apps  # noqa: F401  (registers the applications' properties first)
from model_check import BaseModel, Property
from pastry_ref.errors import BadInput
from pastry_ref.node.state import NodeState, Status
from pastry_ref.node.timers import RowMaintenance, Timer
from pastry_ref.ring.config import JoinProtocol
from pastry_ref.system import Drop, Duplicate, FireTimer, World, WorldAction, WorldSpec
from pastry_ref.system import invariants as inv

__all__ = ["PastryModel", "properties"]

_CHECKS = {c.value: c for c in mc.ConvergenceCheck}


def _engine(fn: Callable[..., list[inv.Violation]]) -> Callable[..., list[mc.Violation]]:
    """The same check, returning the engine's violation type."""

    def check(*args: object) -> list[mc.Violation]:
        return [mc.Violation(v.name, v.detail) for v in fn(*args)]

    return check


def _goal(fn: Callable[[World], list[inv.Violation]]) -> Callable[[World], bool]:
    return lambda w: not fn(w)


def properties(names: Iterable[str] | None = None) -> tuple[Property, ...]:
    """The named properties as model_check properties (all of them by default)."""
    chosen = tuple(names) if names is not None else inv.property_names()
    out: list[Property] = []
    for name in chosen:
        if name in inv.INVARIANTS:
            fn = inv.INVARIANTS[name]
            out.append(mc.Always(name, _engine(fn), inv.statement(fn)))
        elif name in inv.TRANSITION_PROPERTIES:
            tf = inv.TRANSITION_PROPERTIES[name]
            out.append(
                mc.AlwaysOnTransition(name, _engine(tf), inv.statement(tf), observes=inv.delivers)
            )
        elif name in inv.CONVERGENCE_PROPERTIES:
            gf, checks = inv.CONVERGENCE_PROPERTIES[name]
            out.append(
                mc.Convergence(
                    name, _goal(gf), inv.statement(gf), tuple(_CHECKS[c] for c in checks)
                )
            )
        else:
            raise BadInput(
                f"check.properties: unknown property {name!r}; expected one of "
                f"{', '.join(inv.property_names())}"
            )
    return tuple(out)


class PastryModel(BaseModel[World, WorldAction]):
    """A World as a ``model_check`` model. Properties come from ``pastry_ref.system.invariants``."""

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
        """R-WORLD-4: actions at different nodes commute and neither disables the other, except
        two actions drawing on one shared budget (two drops, two duplications, two firings of a
        periodic timer): spending it may disable the other."""
        if isinstance(a, Drop | Duplicate) and type(a) is type(b):
            return False
        if _periodic(a) and _periodic(b):
            return False
        return a.at != b.at

    def state_vars(self, state: World) -> Mapping[str, object]:
        return {
            "nodes": {n.id: _node_view(n) for n in state.started()},
            "network": tuple((e.dest, e.msg) for e in state.network),
            "joins_left": state.joins_left,
            "requests_left": state.requests_left,
            **_apps_view(state),
            **_environment_view(state),
        }


def _periodic(a: WorldAction) -> bool:
    """Periodic firings share one budget: RowMaintenance and every application timer."""
    return isinstance(a, FireTimer) and (
        isinstance(a.timer, RowMaintenance) or not isinstance(a.timer, Timer)
    )


def _apps_view(w: World) -> dict[str, object]:
    """The applications' states, only for applications that keep any (join traces stay as
    they were)."""
    view = {
        h.id: {a.NAME: a for a in h.apps if attrs.fields(type(a))}  # type: ignore[arg-type]
        for h in w.hosts
        if h.node.status is not Status.DEAD
    }
    view = {k: v for k, v in view.items() if v}
    return {"apps": view} if view else {}


def _environment_view(w: World) -> dict[str, object]:
    """The failure-related variables, only when the scenario has any (join traces stay short)."""
    view: dict[str, object] = {}
    if w.down or w.crashes_left or w.leaves_left:
        view.update(down=w.down, crashes_left=w.crashes_left, leaves_left=w.leaves_left)
    if w.drops_left:
        view["drops_left"] = w.drops_left
    if w.duplicates_left:
        view["duplicates_left"] = w.duplicates_left
    if w.periodic_left:
        view["periodic_left"] = w.periodic_left
    return view


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
            granted_to=tuple(sorted(n.granted_to)),
            helping=n.helping,
        )
    else:
        view["version"] = n.version
    if n.failed or n.pending or n.retried:
        view.update(
            failed=tuple(sorted(n.failed)),
            retried=tuple(sorted(n.retried)),
            pending=tuple(sorted((h, repr(m)) for h, m in n.pending)),
        )
    return view
