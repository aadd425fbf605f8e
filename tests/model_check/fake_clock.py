"""A fake ``time.monotonic`` for the search's time bounds and progress cadence: the tests pin
what happens at exactly a bound and just past it without reading the wall clock."""

from __future__ import annotations

from types import SimpleNamespace

import pytest

from model_check import search

__all__ = ["FakeClock", "clocked"]


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
