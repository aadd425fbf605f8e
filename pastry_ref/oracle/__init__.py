"""Global-knowledge answers: the root of a key, ideal leaf sets and tables, routing-table
judging. For our own checks and for judging other implementations.
"""

from pastry_ref.oracle.ideal import (
    TableViolation,
    check_routing_table,
    ideal_leaf_set,
    ideal_tables,
    replica_set,
    root,
    root_candidates,
)

__all__ = [
    "TableViolation",
    "check_routing_table",
    "ideal_leaf_set",
    "ideal_tables",
    "replica_set",
    "root",
    "root_candidates",
]
