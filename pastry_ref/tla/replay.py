"""A TLC counterexample of the twin, replayed on our model: as our World's actions, as an ITF
file that ``pastry-ref check --replay`` re-runs, and confirmed by our own evaluator.

Owns: ``replay_on_model`` (each TLC state matched to the one enabled World action whose next
state maps to it, ``twin.twin_state``) and ``confirm`` (our property evaluator says the replayed
trace breaks the property too). Rule: nothing from TLC is trusted: a TLC state that no action
of our World reaches is a ``TwinDisagreement`` naming the step, the TLC action and the state
— a bug in the twin or in our code, to be found, never papered over.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from model_check.result import Step, Trace
from pastry_ref.check.model import PastryModel
from pastry_ref.errors import ProtocolViolation
from pastry_ref.system import invariants as inv
from pastry_ref.system.spec import WorldSpec
from pastry_ref.system.world import World
from pastry_ref.tla.tlc import TlcStep
from pastry_ref.tla.twin import twin_state

__all__ = ["TwinDisagreement", "confirm", "replay_on_model"]


class TwinDisagreement(ProtocolViolation):
    """TLC's twin reached a state our World does not (or the other way round): one of the two
    implementations is wrong."""


def replay_on_model(spec: WorldSpec, steps: Sequence[TlcStep]) -> Trace:
    """The TLC trace ``steps`` as a trace of our model (``PastryModel(spec)``)."""
    model = PastryModel(spec)
    world = model.init_states()[0]
    if not steps:
        raise TwinDisagreement("TLC gave an empty trace")
    if twin_state(world) != steps[0].state:
        raise TwinDisagreement("TLC's initial state is not our initial World (twin_state differs)")
    out: list[Step] = []
    for n, step in enumerate(steps[1:], start=1):
        nxt: tuple[Any, World] | None = None
        for action in model.actions(world):
            if step.action is not None and model.action_name(action) != step.action:
                continue
            after = model.next_state(world, action)
            if twin_state(after) == step.state:
                nxt = (action, after)
                break
        if nxt is None:
            raise TwinDisagreement(
                f"step {n} of TLC's trace ({step.action}) reaches a state no enabled action of "
                f"our World reaches from step {n - 1}"
            )
        out.append(Step(nxt[0], model.action_name(nxt[0]), nxt[1]))
        world = nxt[1]
    return Trace(model.init_states()[0], tuple(out))


def confirm(spec: WorldSpec, trace: Trace, prop: str) -> tuple[Trace, list[str]]:
    """Our evaluator's verdict on ``prop`` at the end of ``trace``: the violations it names
    (empty: our code does not see what TLC saw). For CorrectDelivery, which the twin checks on
    the transitions enabled in the last state, the delivering transition that breaks it is
    appended to the trace."""
    model = PastryModel(spec)
    last = trace.states()[-1]
    if prop in inv.INVARIANTS:
        return trace, [str(v) for v in inv.INVARIANTS[prop](last)]
    if prop in inv.TRANSITION_PROPERTIES:
        check = inv.TRANSITION_PROPERTIES[prop]
        for action in model.actions(last):
            after = model.next_state(last, action)
            found = check(last, action, after)
            if found:
                step = Step(action, model.action_name(action), after)
                return Trace(trace.initial, (*trace.steps, step)), [str(v) for v in found]
        return trace, []
    name, _, part = prop.partition("/")
    if part == "terminal" and name in inv.CONVERGENCE_PROPERTIES:
        if model.actions(last):
            return trace, []
        goal, _ = inv.CONVERGENCE_PROPERTIES[name]
        return trace, [str(v) for v in goal(last)]
    raise ValueError(f"no evaluator for {prop!r}")
