"""Global-knowledge answers and the judge of other implementations.

``ideal``: the oracle as functions of a live set (root, ideal leaf set and tables, routing-table
check). ``ring``: the ring judge built once (``Ring``). ``hexids``: hex ids with width checks.
``tables``: foreign tables (``ForeignTables``, ``Layout``) and their judges. ``route``: the
route judge. ``snapshot``: a whole snapshot. ``arcs``: exact delivery arcs (shared with the
World's Consistency). ``trace``: the trace format (spec/trace-format.md): events, ``load_trace``,
``TraceWriter``. ``judge``: ``judge_trace`` and its ``TraceReport``. docs/oracle.md shows them.
"""

from pastry_ref.oracle.hexids import format_hex_id, hex_width, parse_hex_id
from pastry_ref.oracle.ideal import (
    TableViolation,
    check_routing_table,
    ideal_leaf_set,
    ideal_tables,
    replica_set,
    root,
    root_candidates,
)
from pastry_ref.oracle.judge import TraceMeasures, TraceReport, TraceViolated, judge_trace
from pastry_ref.oracle.ring import TIE_RULES, LeafHalves, Ring, TieRule
from pastry_ref.oracle.route import RouteStep, choose, judge_route, judge_step
from pastry_ref.oracle.snapshot import SnapshotReport, judge_snapshot
from pastry_ref.oracle.tables import (
    ForeignTables,
    Layout,
    TableMeasures,
    judge_leaf_set,
    judge_routing_table,
    leaf_set_shape,
)
from pastry_ref.oracle.trace import Trace, TraceFormatError, TraceWriter, iter_trace, load_trace
from pastry_ref.oracle.verdict import RuleViolation

__all__ = [
    "TIE_RULES",
    "ForeignTables",
    "Layout",
    "LeafHalves",
    "Ring",
    "RouteStep",
    "RuleViolation",
    "SnapshotReport",
    "TableMeasures",
    "TableViolation",
    "TieRule",
    "Trace",
    "TraceFormatError",
    "TraceMeasures",
    "TraceReport",
    "TraceViolated",
    "TraceWriter",
    "check_routing_table",
    "choose",
    "format_hex_id",
    "hex_width",
    "ideal_leaf_set",
    "ideal_tables",
    "iter_trace",
    "judge_leaf_set",
    "judge_route",
    "judge_routing_table",
    "judge_snapshot",
    "judge_step",
    "judge_trace",
    "leaf_set_shape",
    "load_trace",
    "parse_hex_id",
    "replica_set",
    "root",
    "root_candidates",
]
