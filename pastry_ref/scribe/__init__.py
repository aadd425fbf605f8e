"""SCRIBE (Castro, Druschel, Kermarrec, Rowstron, JSAC 2002): publish/subscribe trees over
Pastry, as a pure application on the Common API seam.

Owns: the package's public names. Spec: spec/scribe.md; properties: spec/invariants.md (SCRIBE).
"""

from pastry_ref.scribe.app import GroupState, RootRecord, ScribeApp
from pastry_ref.scribe.messages import (
    Anycast,
    AnycastAccepted,
    AnycastFailed,
    AnycastMsg,
    ChildTimeout,
    Create,
    CreateMsg,
    Delivered,
    HandDown,
    Heartbeat,
    HeartbeatAck,
    HeartbeatDue,
    MulticastMsg,
    ParentTimeout,
    Publish,
    PublishMsg,
    RootIs,
    RootMirror,
    Subscribe,
    SubscribeAck,
    SubscribeMsg,
    Unsubscribe,
    UnsubscribeMsg,
    group_id,
)

__all__ = [
    "Anycast",
    "AnycastAccepted",
    "AnycastFailed",
    "AnycastMsg",
    "ChildTimeout",
    "Create",
    "CreateMsg",
    "Delivered",
    "GroupState",
    "HandDown",
    "Heartbeat",
    "HeartbeatAck",
    "HeartbeatDue",
    "MulticastMsg",
    "ParentTimeout",
    "Publish",
    "PublishMsg",
    "RootIs",
    "RootMirror",
    "RootRecord",
    "ScribeApp",
    "Subscribe",
    "SubscribeAck",
    "SubscribeMsg",
    "Unsubscribe",
    "UnsubscribeMsg",
    "group_id",
]
