"""What a check produces: verdicts, per-property results, statistics and counterexample traces.

Owns: the result values (all frozen). Verdict rules: VIOLATED if any property is violated (a found
violation is real even when a bound stopped the search); else INCOMPLETE if a bound stopped the
search or a property could not be decided (random walks never prove anything); else PASS.
"""

from __future__ import annotations

import enum
from typing import Any

import attrs

from model_check.model import Violation

__all__ = [
    "CheckResult",
    "PropertyResult",
    "PropertyStatus",
    "Stats",
    "Step",
    "Strategy",
    "Trace",
    "Verdict",
]


class Verdict(enum.Enum):
    """The outcome of a whole check; the CLI's exit code is 0, 1 or 3 accordingly."""

    PASS = "pass"
    VIOLATED = "violated"
    INCOMPLETE = "incomplete"

    @property
    def exit_code(self) -> int:
        return {Verdict.PASS: 0, Verdict.VIOLATED: 1, Verdict.INCOMPLETE: 3}[self]


class PropertyStatus(enum.Enum):
    HOLDS = "holds"  # proved at this scope (or, for Sometimes, a witness was found)
    VIOLATED = "violated"
    UNKNOWN = "unknown"  # the search was incomplete, or the strategy cannot decide this kind


class Strategy(enum.Enum):
    BFS = "bfs"
    DFS = "dfs"
    RANDOM = "random"


@attrs.frozen(slots=True)
class Step:
    """One step of a trace: the action taken and the state it led to."""

    action: Any
    action_name: str
    state: Any


@attrs.frozen(slots=True)
class Trace:
    """An initial state and the steps from it. ``loop`` (lassos only) is the index into
    ``states()`` where the loop starts; the last state then equals ``states()[loop]``.
    ``critical`` (convergence (b) only) is the 1-based number of the step that moved from a state
    where the goal was still reachable into one where it no longer is."""

    initial: Any
    steps: tuple[Step, ...] = ()
    loop: int | None = None
    critical: int | None = None

    def states(self) -> tuple[Any, ...]:
        return (self.initial, *(s.state for s in self.steps))

    def __len__(self) -> int:
        return len(self.steps)


@attrs.frozen(slots=True)
class PropertyResult:
    """The verdict on one property; ``trace`` is the counterexample (or, for a held Sometimes, the
    witness)."""

    name: str
    kind: str  # always | transition | sometimes | convergence
    status: PropertyStatus
    violations: tuple[Violation, ...] = ()
    trace: Trace | None = None
    message: str = ""


@attrs.frozen(slots=True)
class Stats:
    """TLC-style statistics of one run."""

    strategy: Strategy
    storage: str  # "full states" | "64-bit fingerprints"
    states_generated: int
    distinct_states: int
    queue: int
    max_depth: int
    seconds: float
    complete: bool
    stop_reason: str  # "" when complete
    por_requested: bool
    por_applied: bool
    transitions_pruned: int
    seed: int | None = None
    walks: int = 0

    @property
    def states_per_second(self) -> float:
        return self.distinct_states / self.seconds if self.seconds > 0 else float("inf")

    @property
    def collision_probability(self) -> float:
        """TLC's estimate for 64-bit fingerprints: n(n-1)/2^65 (0 with full states)."""
        if self.storage != "64-bit fingerprints":
            return 0.0
        n = self.distinct_states
        return n * (n - 1) / 2.0**65


@attrs.frozen(slots=True)
class CheckResult:
    verdict: Verdict
    properties: tuple[PropertyResult, ...]
    stats: Stats
    notes: tuple[str, ...] = ()

    def result(self, name: str) -> PropertyResult:
        for r in self.properties:
            if r.name == name:
                return r
        raise KeyError(name)

    def violated(self) -> tuple[str, ...]:
        return tuple(r.name for r in self.properties if r.status is PropertyStatus.VIOLATED)

    def first_counterexample(self) -> PropertyResult | None:
        for r in self.properties:
            if r.status is PropertyStatus.VIOLATED and r.trace is not None:
                return r
        return None
