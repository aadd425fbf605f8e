"""PAST (Rowstron & Druschel, SOSP 2001): replicated storage as a pure application on the
Common API seam (spec/past.md). Importing ``pastry_ref.past.invariants`` registers PAST's
properties; ``pastry_ref.past.scenario`` registers the ``[app.past]`` scenario table.
"""

from pastry_ref.past.app import (
    T_PRI,
    PastApp,
    PendingInsert,
    PendingReclaim,
    StoredFile,
    accepts,
    check_k,
    k_bound,
)
from pastry_ref.past.messages import (
    MAX_SALT,
    FileFound,
    FindFile,
    Insert,
    InsertFailed,
    InsertFile,
    InsertOk,
    LookupFile,
    LookupResult,
    Reclaim,
    ReclaimFile,
    ReclaimReceipt,
    ReclaimReplica,
    ReclaimResult,
    StoreReceipt,
    StoreReplica,
    file_id,
)

__all__ = [
    "MAX_SALT",
    "T_PRI",
    "FileFound",
    "FindFile",
    "Insert",
    "InsertFailed",
    "InsertFile",
    "InsertOk",
    "LookupFile",
    "LookupResult",
    "PastApp",
    "PendingInsert",
    "PendingReclaim",
    "Reclaim",
    "ReclaimFile",
    "ReclaimReceipt",
    "ReclaimReplica",
    "ReclaimResult",
    "StoreReceipt",
    "StoreReplica",
    "StoredFile",
    "accepts",
    "check_k",
    "file_id",
    "k_bound",
]
