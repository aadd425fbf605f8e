"""pastry_ref: a formally checked, sans-IO reference implementation of Pastry.

The curated surface (h11 style): the names most users need, each once. The layers are
subpackages, each with its own full ``__all__``: ``ring`` (ids, config, proximity), ``tables``
(leaf set, routing table, neighbourhood, next_hop), ``node`` (the state machine: inputs,
messages, timers, effects, ``step``), ``app`` (the Common API seam: applications and hosts),
``oracle`` (global-knowledge answers), ``system`` (the World, its actions, drivers,
invariants), ``check`` (the model checker's glue) and ``cli``. Names that mean one concept in two
layers (the node input ``Join`` and the World action ``Join``) are reached through their
subpackage: ``pastry_ref.node.Join``, ``pastry_ref.system.Join``.
"""

from pastry_ref.app import App, AppStep, Host, HostStep, Lookup, LookupApp, host_step
from pastry_ref.errors import (
    ApiMisuse,
    BadInput,
    BoundReached,
    ConfigError,
    InvalidId,
    NotEnabled,
    PastryRefError,
    ProtocolViolation,
    RoutingTableError,
)
from pastry_ref.node import NodeState, Status, Step, step
from pastry_ref.oracle import (
    ForeignTables,
    Ring,
    TraceFormatError,
    TraceReport,
    check_routing_table,
    ideal_leaf_set,
    ideal_tables,
    judge_trace,
    load_trace,
    parse_hex_id,
    replica_set,
    root,
    root_candidates,
)
from pastry_ref.ring import MAX_BITS, Config, IdSpace, JoinProtocol
from pastry_ref.system import World, WorldSpec, build_ring, quiesce, settle

__all__ = [
    "MAX_BITS",
    "ApiMisuse",
    "App",
    "AppStep",
    "BadInput",
    "BoundReached",
    "Config",
    "ConfigError",
    "ForeignTables",
    "Host",
    "HostStep",
    "IdSpace",
    "InvalidId",
    "JoinProtocol",
    "Lookup",
    "LookupApp",
    "NodeState",
    "NotEnabled",
    "PastryRefError",
    "ProtocolViolation",
    "Ring",
    "RoutingTableError",
    "Status",
    "Step",
    "TraceFormatError",
    "TraceReport",
    "World",
    "WorldSpec",
    "build_ring",
    "check_routing_table",
    "host_step",
    "ideal_leaf_set",
    "ideal_tables",
    "judge_trace",
    "load_trace",
    "parse_hex_id",
    "quiesce",
    "replica_set",
    "root",
    "root_candidates",
    "settle",
    "step",
]
