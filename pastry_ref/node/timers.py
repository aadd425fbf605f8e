"""The timers a node arms, as values.

Owns: the timer classes. A node never stores a timer: which timers are armed is a function of
its state (``pastry_ref.node.armed_timers``), and ``step`` reports the difference as SetTimer
and CancelTimer effects. A timer names what it waits for, so the World can decide when it may
fire under the *quiet* semantics (R-TIME-2).
Spec rules: R-TIME-1 (timers are derived from state), R-FD-1 (KeepAlive), R-FD-3
(ProbeTimeout), R-HOP-2 (HopTimeout), R-RTR-3 (RowMaintenance).
"""

from __future__ import annotations

from typing import TypeAlias

import attrs

from pastry_ref.node.messages import JoinRequest, RouteMessage

__all__ = ["HopTimeout", "KeepAlive", "ProbeTimeout", "RowMaintenance", "Timer", "timer_order"]


@attrs.frozen(slots=True)
class KeepAlive:
    """Armed for every leaf-set member not being probed: fires when ``node``'s heartbeats
    stop arriving (R-FD-1). Heartbeats carry no state, so they are not modelled as messages:
    a live member's heartbeats keep this timer from firing under the quiet semantics."""

    node: int


@attrs.frozen(slots=True)
class ProbeTimeout:
    """Armed while a probe (LSProbe) to ``node`` is unanswered (R-FD-3)."""

    node: int


@attrs.frozen(slots=True)
class HopTimeout:
    """Armed while routed message ``msg`` sent to ``next_hop`` is unacknowledged (R-HOP-2)."""

    next_hop: int
    msg: RouteMessage | JoinRequest


@attrs.frozen(slots=True)
class RowMaintenance:
    """Periodic routing-table maintenance, armed at every ready node (R-RTR-3)."""


Timer: TypeAlias = KeepAlive | ProbeTimeout | HopTimeout | RowMaintenance


def timer_order(timer: object) -> tuple[str, str]:
    """A deterministic order over timers, the node's and applications' (for effects and the
    World's action list)."""
    return (type(timer).__name__, repr(timer))
