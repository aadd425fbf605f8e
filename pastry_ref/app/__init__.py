"""The application layer: the Common API seam (``App``), hosts (a node and its applications,
stepped atomically) and the lookup application. Depends on ``pastry_ref.node``.
"""

from pastry_ref.app.api import App, AppEffect, AppStep, Reply, Request
from pastry_ref.app.host import (
    MAX_ROUNDS,
    Host,
    HostEffect,
    HostInput,
    HostStep,
    host_step,
    host_timers,
)
from pastry_ref.app.lookup import Lookup, LookupApp, LookupPayload

__all__ = [
    "MAX_ROUNDS",
    "App",
    "AppEffect",
    "AppStep",
    "Host",
    "HostEffect",
    "HostInput",
    "HostStep",
    "Lookup",
    "LookupApp",
    "LookupPayload",
    "Reply",
    "Request",
    "host_step",
    "host_timers",
]
