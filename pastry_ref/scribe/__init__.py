"""SCRIBE (Castro, Druschel, Kermarrec, Rowstron, JSAC 2002): publish/subscribe trees over
Pastry, as a pure application on the Common API seam.

Owns: the package's public names. Spec: spec/scribe.md; properties: spec/invariants.md (SCRIBE).
"""

from pastry_ref.scribe.app import GroupState, ScribeApp
from pastry_ref.scribe.messages import (
    Anycast,
    AnycastAccepted,
    AnycastFailed,
    AnycastMsg,
    ChildTimeout,
    Create,
    CreateMsg,
    Delivered,
    MulticastMsg,
    ParentTimeout,
    Publish,
    PublishMsg,
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
    "MulticastMsg",
    "ParentTimeout",
    "Publish",
    "PublishMsg",
    "ScribeApp",
    "Subscribe",
    "SubscribeAck",
    "SubscribeMsg",
    "Unsubscribe",
    "UnsubscribeMsg",
    "group_id",
]
