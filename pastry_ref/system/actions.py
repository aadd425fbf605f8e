"""The actions of the World, and the network's envelope.

Owns: the World's action classes (``Join``, ``Request`` (named after the request: ``Lookup``,
...), ``Crash``, ``Leave``, ``Receive<Type>`` for each in-flight message a node accepts, ``Drop``
and ``Duplicate`` on a lossy or duplicating network, ``Fire<Timer>`` for each timer that may
fire), the network and timer models, and
``Envelope`` (a message in flight, with its place in the network's sorted multiset). Rule: an
action's ``name`` is the name spec/, traces and tests use; ``at`` is the node it acts at.
Spec rules: R-WORLD-1 (network models), R-WORLD-6 (timer semantics any / quiet).
"""

from __future__ import annotations

import enum
from collections.abc import Hashable
from typing import Any, TypeAlias

import attrs

from pastry_ref.node.messages import Message
from pastry_ref.node.timers import (
    Timer,
)

__all__ = [
    "Crash",
    "Drop",
    "Duplicate",
    "Envelope",
    "FireTimer",
    "Join",
    "Leave",
    "NetworkModel",
    "Receive",
    "Request",
    "TimerSemantics",
    "WorldAction",
    "canonical_order",
]


class NetworkModel(enum.Enum):
    """R-WORLD-1: what the network may do to a message besides delivering it once."""

    RELIABLE = "reliable"  # unordered, never lost, never duplicated
    LOSSY = "lossy"  # may lose messages: Drop, within the scenario's budget
    DUPLICATING = "duplicating"  # may duplicate messages: Duplicate, within the budget


class TimerSemantics(enum.Enum):
    """R-WORLD-6: when an armed timer may fire."""

    ANY = "any"  # at any moment: false suspicion under asynchrony
    QUIET = "quiet"  # only when nothing it waits for is in flight: a perfect failure detector


def canonical_order(x: object) -> Any:
    """A total order over message fields: ints, bools, None, strings, tuples and frozensets of
    them, and attrs values (a message inside a message, an application payload)."""
    if x is None:
        return (0,)
    if isinstance(x, bool | int):
        return (1, int(x))
    if isinstance(x, tuple):
        return (2, tuple(canonical_order(v) for v in x))
    if isinstance(x, str):
        return (4, x)
    if isinstance(x, frozenset):
        return (5, tuple(sorted(canonical_order(v) for v in x)))
    if attrs.has(type(x)):
        fields = tuple(getattr(x, f.name) for f in attrs.fields(type(x)))  # type: ignore[arg-type]
        return (3, type(x).__name__, canonical_order(fields))
    raise TypeError(f"cannot order message field {x!r}")


@attrs.frozen(slots=True)
class Envelope:
    """A message in flight to ``dest``. ``order`` is its place in the network's sorted multiset."""

    dest: int
    msg: Message
    order: Any = attrs.field(eq=False, hash=False, repr=False, init=False)

    def __attrs_post_init__(self) -> None:
        fields = tuple(getattr(self.msg, f.name) for f in attrs.fields(type(self.msg)))
        object.__setattr__(
            self, "order", (self.dest, type(self.msg).__name__, canonical_order(fields))
        )


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
class Request:
    """Environment: a client of the application at ``origin`` makes ``request`` (a lookup, a
    PAST insert, a SCRIBE subscribe, ...); named after the request's type (``Lookup``, ...)."""

    origin: int
    request: Hashable

    @property
    def name(self) -> str:
        return type(self.request).__name__

    @property
    def at(self) -> int:
        return self.origin


@attrs.frozen(slots=True)
class Receive:
    """Network: ``dest`` receives ``msg``; named ``Receive<MessageType>``."""

    dest: int
    msg: Message

    @property
    def name(self) -> str:
        return "Receive" + type(self.msg).__name__

    @property
    def at(self) -> int:
        return self.dest


@attrs.frozen(slots=True)
class Crash:
    """Environment: ``node`` crashes and stops, without warning (R-WORLD-5)."""

    node: int

    @property
    def name(self) -> str:
        return "Crash"

    @property
    def at(self) -> int:
        return self.node


@attrs.frozen(slots=True)
class Leave:
    """Environment: ready ``node`` leaves gracefully, telling its leaf set (R-WORLD-5)."""

    node: int

    @property
    def name(self) -> str:
        return "Leave"

    @property
    def at(self) -> int:
        return self.node


@attrs.frozen(slots=True)
class Drop:
    """Network (lossy): the message ``msg`` to ``dest`` is lost (R-WORLD-1)."""

    dest: int
    msg: Message

    @property
    def name(self) -> str:
        return "Drop"

    @property
    def at(self) -> int:
        return self.dest


@attrs.frozen(slots=True)
class Duplicate:
    """Network (duplicating): the message ``msg`` to ``dest`` is duplicated (R-WORLD-1)."""

    dest: int
    msg: Message

    @property
    def name(self) -> str:
        return "Duplicate"

    @property
    def at(self) -> int:
        return self.dest


@attrs.frozen(slots=True)
class FireTimer:
    """Time: ``timer`` (the node's or an application's) fires at ``node``; named
    ``Fire<Timer>`` (FireKeepAlive, ...)."""

    node: int
    timer: Timer | Hashable

    @property
    def name(self) -> str:
        return "Fire" + type(self.timer).__name__

    @property
    def at(self) -> int:
        return self.node


WorldAction: TypeAlias = Join | Request | Crash | Leave | Receive | Drop | Duplicate | FireTimer
