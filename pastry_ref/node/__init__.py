"""The Pastry node as a pure state machine: its state, inputs, messages, timers, effects and
``step``. Depends on ``pastry_ref.ring`` and ``pastry_ref.tables`` only.

Modules, bottom up: ``payload``, ``messages``, ``timers``, ``effects``, ``inputs`` (values);
``state`` (NodeState and the Common API queries); ``view`` (primitives every part shares);
``route`` (application messages), ``join_paper``, ``join_consistent``, ``join`` (the route of a
join), ``failure`` (detection and repair), ``hops`` (per-hop retry); ``dispatch`` (``step``: the
dispatch tables, guards and timers).
"""

from pastry_ref.node.dispatch import (
    INPUT_HANDLERS,
    MESSAGE_HANDLERS,
    TIMER_HANDLERS,
    Step,
    accepts,
    armed_timers,
    step,
)
from pastry_ref.node.effects import CancelTimer, Deliver, Effect, Forward, Send, SetTimer, Update
from pastry_ref.node.inputs import (
    FireTimer,
    ForwardTo,
    Input,
    Join,
    Leave,
    Receive,
    Route,
    SendDirect,
    StartFirst,
)
from pastry_ref.node.messages import (
    Announce,
    AnnounceReply,
    DirectMessage,
    HoodReply,
    HoodRequest,
    HopAck,
    JoinDone,
    JoinReply,
    JoinRequest,
    LeaseRelease,
    LeaseReply,
    LeaseRequest,
    LeaveNotice,
    LSProbe,
    LSProbeReply,
    Message,
    RouteMessage,
    RowReply,
    RowRequest,
)
from pastry_ref.node.payload import AppMessage
from pastry_ref.node.state import (
    NodeState,
    Status,
    immediate_neighbours,
    local_lookup,
    neighbor_set,
    replica_set,
)
from pastry_ref.node.timers import (
    HopTimeout,
    KeepAlive,
    ProbeTimeout,
    RowMaintenance,
    Timer,
    timer_order,
)

__all__ = [
    "INPUT_HANDLERS",
    "MESSAGE_HANDLERS",
    "TIMER_HANDLERS",
    "Announce",
    "AnnounceReply",
    "AppMessage",
    "CancelTimer",
    "Deliver",
    "DirectMessage",
    "Effect",
    "FireTimer",
    "Forward",
    "ForwardTo",
    "HoodReply",
    "HoodRequest",
    "HopAck",
    "HopTimeout",
    "Input",
    "Join",
    "JoinDone",
    "JoinReply",
    "JoinRequest",
    "KeepAlive",
    "LSProbe",
    "LSProbeReply",
    "LeaseRelease",
    "LeaseReply",
    "LeaseRequest",
    "Leave",
    "LeaveNotice",
    "Message",
    "NodeState",
    "ProbeTimeout",
    "Receive",
    "Route",
    "RouteMessage",
    "RowMaintenance",
    "RowReply",
    "RowRequest",
    "Send",
    "SendDirect",
    "SetTimer",
    "StartFirst",
    "Status",
    "Step",
    "Timer",
    "Update",
    "accepts",
    "armed_timers",
    "immediate_neighbours",
    "local_lookup",
    "neighbor_set",
    "replica_set",
    "step",
    "timer_order",
]
