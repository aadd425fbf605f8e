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
    NetworkModel,
    Receive,
    Request,
    TimerSemantics,
    WorldAction,
)
from pastry_ref.system.describe import (
    describe_action,
    describe_config,
    describe_effect,
    describe_message,
    describe_network,
    describe_node,
    describe_timer,
    describe_value,
    describe_world,
    describe_world_summary,
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
    "NetworkModel",
    "Receive",
    "Request",
    "TimerSemantics",
    "World",
    "WorldAction",
    "WorldSpec",
    "apply_counting",
    "build_ring",
    "describe_action",
    "describe_config",
    "describe_effect",
    "describe_message",
    "describe_network",
    "describe_node",
    "describe_timer",
    "describe_value",
    "describe_world",
    "describe_world_summary",
    "quiesce",
    "settle",
]
