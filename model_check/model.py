"""The contract between a model and the engine: the ``Model`` protocol and the property kinds.

Owns: what a model must provide (initial states; enabled actions in a deterministic order; the next
state of a state and an action; its properties; optionally action names, an independence relation
for partial-order reduction and a split of a state into named variables for traces) and the four
property kinds (``Always``, ``AlwaysOnTransition``, ``Sometimes``, ``Convergence``). Nothing here
knows any particular protocol: the engine checks whatever satisfies this contract.
"""

from __future__ import annotations

import enum
from collections.abc import Callable, Hashable, Iterable, Mapping, Sequence
from typing import Any, Generic, Protocol, TypeAlias, TypeVar

import attrs

__all__ = [
    "Always",
    "AlwaysOnTransition",
    "BaseModel",
    "Convergence",
    "ConvergenceCheck",
    "Model",
    "ModelCheckError",
    "ModelError",
    "Property",
    "Sometimes",
    "Violation",
    "default_action_name",
    "default_state_vars",
]

S = TypeVar("S", bound=Hashable)
A = TypeVar("A", bound=Hashable)


class ModelCheckError(Exception):
    """The root of every error the engine raises: ``ModelError`` (a model broke its contract),
    ``OptionError`` (search options), ``ScenarioError`` (the registry and scenario files),
    ``ItfError`` (trace files) and the CLI's usage errors. All but ``ModelError`` are bad input
    (also ``ValueError``s)."""


class ModelError(ModelCheckError):
    """The model broke its contract (e.g. ``next_state`` is not deterministic)."""


@attrs.frozen(slots=True)
class Violation:
    """One named way in which a state or transition breaks a property, with a readable detail."""

    name: str
    detail: str = ""

    def __str__(self) -> str:
        return f"{self.name}: {self.detail}" if self.detail else self.name


@attrs.frozen(slots=True)
class Always(Generic[S]):
    """A safety invariant: ``check(state)`` must return no violation in every reachable state."""

    name: str
    check: Callable[[S], Iterable[Violation]]
    description: str = ""

    @classmethod
    def holds(cls, name: str, predicate: Callable[[S], bool], description: str = "") -> Always[S]:
        """An invariant from a boolean predicate; false is one violation named ``name``."""

        def check(state: S) -> Iterable[Violation]:
            return () if predicate(state) else (Violation(name, description or "predicate false"),)

        return cls(name, check, description)


@attrs.frozen(slots=True)
class AlwaysOnTransition(Generic[S, A]):
    """A transition invariant: ``check(state, action, next_state)`` returns no violation on every
    reachable transition. ``observes(action)`` says which actions the check can ever object to; the
    reduction never prunes an observed action (default: every action is observed)."""

    name: str
    check: Callable[[S, A, S], Iterable[Violation]]
    description: str = ""
    observes: Callable[[A], bool] | None = None


@attrs.frozen(slots=True)
class Sometimes(Generic[S]):
    """A witness: some reachable state must satisfy ``predicate`` (an unreached witness fails)."""

    name: str
    predicate: Callable[[S], bool]
    description: str = ""


class ConvergenceCheck(enum.Enum):
    """The three parts of convergence to a goal predicate P."""

    TERMINAL = "terminal"  # (a) every terminal (quiescent) state satisfies P
    REACHABLE = "reachable"  # (b) from every reachable state some P-state is reachable
    NO_CYCLE = "no-cycle"  # (c) no reachable cycle avoids P


ALL_CONVERGENCE_CHECKS = (
    ConvergenceCheck.TERMINAL,
    ConvergenceCheck.REACHABLE,
    ConvergenceCheck.NO_CYCLE,
)


@attrs.frozen(slots=True)
class Convergence(Generic[S]):
    """Convergence to ``goal``: each selected check is reported as its own result, named
    ``NAME/terminal``, ``NAME/reachable`` and ``NAME/no-cycle``."""

    name: str
    goal: Callable[[S], bool]
    description: str = ""
    checks: tuple[ConvergenceCheck, ...] = ALL_CONVERGENCE_CHECKS

    def needs_graph(self) -> bool:
        """Checks (b) and (c) need the whole explored transition graph."""
        return ConvergenceCheck.REACHABLE in self.checks or ConvergenceCheck.NO_CYCLE in self.checks


Property: TypeAlias = (
    "Always[Any] | AlwaysOnTransition[Any, Any] | Sometimes[Any] | Convergence[Any]"
)


class Model(Protocol[S, A]):
    """What the engine needs from a model. States and actions are hashable values; the same action
    value in two states is "the same action" for the independence relation. ``BaseModel`` supplies
    defaults for everything but the first three methods."""

    def init_states(self) -> Sequence[S]:
        """The initial states, in a deterministic order."""
        ...

    def actions(self, state: S) -> Sequence[A]:
        """The actions enabled in ``state``, in a deterministic order (empty: a terminal state)."""
        ...

    def next_state(self, state: S, action: A) -> S:
        """The unique successor of ``state`` by the enabled ``action`` (must be deterministic)."""
        ...

    def properties(self) -> Sequence[Property]:
        """The properties to check, each with a unique name."""
        ...

    def action_name(self, action: A) -> str:
        """The action's name in traces, ITF ``mbt::actionTaken`` and counterexamples."""
        ...

    def independent(self, a: A, b: A) -> bool:
        """True only if a and b commute and neither enables nor disables the other, in every state
        where both are enabled. Used by the partial-order reduction; ``False`` is always safe."""
        ...

    def state_vars(self, state: S) -> Mapping[str, object]:
        """The state as named variables (ITF ``vars``; the per-step diff of counterexamples)."""
        ...


def default_action_name(action: object) -> str:
    """A ``name`` attribute if it is a string, else the class name (``str`` for plain strings)."""
    name = getattr(action, "name", None)
    if isinstance(name, str):
        return name
    if isinstance(action, str):
        return action
    return type(action).__name__


def default_state_vars(state: object) -> Mapping[str, object]:
    """attrs instances by field, mappings with string keys as is, anything else as ``state``."""
    fields = getattr(type(state), "__attrs_attrs__", None)
    if fields is not None:
        return {f.name: getattr(state, f.name) for f in fields}
    if isinstance(state, Mapping) and all(isinstance(k, str) for k in state):
        return dict(state)
    return {"state": state}


class BaseModel(Generic[S, A]):
    """Defaults for the optional part of ``Model``: no properties, no independence (no reduction),
    names from ``default_action_name`` and variables from ``default_state_vars``."""

    def init_states(self) -> Sequence[S]:
        raise NotImplementedError

    def actions(self, state: S) -> Sequence[A]:
        raise NotImplementedError

    def next_state(self, state: S, action: A) -> S:
        raise NotImplementedError

    def properties(self) -> Sequence[Property]:
        return ()

    def action_name(self, action: A) -> str:
        return default_action_name(action)

    def independent(self, a: A, b: A) -> bool:
        return False

    def state_vars(self, state: S) -> Mapping[str, object]:
        return default_state_vars(state)
