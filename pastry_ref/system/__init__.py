"""The whole system as a transition system: the World, its actions, the scenario description,
the drivers that run it to quiescence, and the invariants of spec/invariants.md. Rule: nothing
here imports the model checker; ``pastry_ref.check`` presents the World to it.
"""

from pastry_ref.system.actions import (
    Crash,
    Drop,
    Duplicate,
    Envelope,
    FireTimer,
    Join,
    Leave,
    Lookup,
    NetworkModel,
    ReceiveMessage,
    TimerSemantics,
    WorldAction,
)
from pastry_ref.system.drive import Livelock, apply_counting, build_ring, quiesce, settle
from pastry_ref.system.spec import WorldSpec
from pastry_ref.system.world import World

__all__ = [
    "Crash",
    "Drop",
    "Duplicate",
    "Envelope",
    "FireTimer",
    "Join",
    "Leave",
    "Livelock",
    "Lookup",
    "NetworkModel",
    "ReceiveMessage",
    "TimerSemantics",
    "World",
    "WorldAction",
    "WorldSpec",
    "apply_counting",
    "build_ring",
    "quiesce",
    "settle",
]
