"""What the engine's tests share: a fake ``time.monotonic`` for the time bounds and progress
cadence (pinned at exactly a bound and just past it without reading the wall clock), the chain
model, and the statistics a run is compared with (the wall-clock seconds zeroed)."""

from __future__ import annotations

from collections.abc import Sequence
from types import SimpleNamespace
from typing import Any

import attrs
import pytest

from model_check import Always, BaseModel, Property, Strategy, search
from model_check.result import CheckResult, Stats

__all__ = ["Chain", "FakeClock", "clocked", "expected_stats", "zeroed"]


class FakeClock:
    """``time.monotonic``: ``start`` at the first reading (the run's start), then ``start +
    first``, ``start + first + step``, ``start + first + 2 * step``, ... (``step`` 0 keeps every
    later reading at ``start + first``)."""

    def __init__(self, start: float, first: float, step: float = 0.0) -> None:
        self.readings: list[float] = []
        self.start, self.first, self.step = start, first, step

    def monotonic(self) -> float:
        n = len(self.readings)
        value = self.start if n == 0 else self.start + self.first + (n - 1) * self.step
        self.readings.append(value)
        return value


def clocked(monkeypatch: pytest.MonkeyPatch, clock: FakeClock) -> None:
    """Make the search read ``clock`` instead of the wall clock for this test."""
    monkeypatch.setattr(search, "time", SimpleNamespace(monotonic=clock.monotonic))


class Chain(BaseModel[int, str]):
    """0 -> 1 -> ... -> n-1 by "step", n-1 terminal: every walk is the same. ``props`` None: one
    invariant that always holds; a sequence (possibly empty): exactly those properties."""

    def __init__(self, n: int, props: Sequence[Property] | None = None) -> None:
        self.n = n
        self.props = None if props is None else tuple(props)

    def init_states(self) -> Sequence[int]:
        return (0,)

    def actions(self, state: int) -> Sequence[str]:
        return ("step",) if state < self.n - 1 else ()

    def next_state(self, state: int, action: str) -> int:
        return state + 1

    def properties(self) -> Sequence[Property]:
        if self.props is not None:
            return self.props
        return (Always.holds("NonNegative", lambda s: s >= 0),)


def zeroed(result: CheckResult) -> Stats:
    """The run's statistics with the wall-clock field zeroed (the one thing not pinned)."""
    return attrs.evolve(result.stats, seconds=0.0)


def expected_stats(**fields: Any) -> Stats:
    """The statistics of a complete BFS run with no reduction, but for ``fields``."""
    base: dict[str, Any] = {
        "strategy": Strategy.BFS,
        "storage": "full states",
        "queue": 0,
        "seconds": 0.0,
        "complete": True,
        "stop_reason": "",
        "por_requested": False,
        "por_applied": False,
        "transitions_pruned": 0,
        "seed": None,
        "walks": 0,
    }
    return Stats(**{**base, **fields})
