"""PAST's vocabulary: client requests, the payloads PAST routes or sends direct, the replies.

Owns: the request types (``Insert``, ``LookupFile``, ``Reclaim``), the payloads
(``InsertFile``, ``StoreReplica``, ``StoreReceipt``, ``CopyReceipt``, ``DivertReplica``,
``DivertReceipt``, ``StorePointer``, ``PushCopy``, ``WantCopy``, ``Discard``, ``FindFile``,
``FileFound``, ``ReclaimFile``, ``ReclaimReplica``, ``ReclaimReceipt``), the responses
(``InsertOk``, ``InsertFailed``, ``LookupResult``, ``ReclaimResult``) and ``file_id`` (R-PAST-1).
Rule 1: every field is an int, bool, None, str or a tuple of ints, so the World can order
messages. Rule 2: one concept, one name: a request is named after the World action it starts.
"""

from __future__ import annotations

import attrs

from pastry_ref.ring.ids import IdSpace

__all__ = [
    "MAX_SALT",
    "CopyReceipt",
    "Discard",
    "DivertReceipt",
    "DivertReplica",
    "FileFound",
    "FindFile",
    "Insert",
    "InsertFailed",
    "InsertFile",
    "InsertOk",
    "LookupFile",
    "LookupResult",
    "PushCopy",
    "Reclaim",
    "ReclaimFile",
    "ReclaimReceipt",
    "ReclaimReplica",
    "ReclaimResult",
    "StorePointer",
    "StoreReceipt",
    "StoreReplica",
    "WantCopy",
    "file_id",
]

MAX_SALT = 3
"""File diversion: a client retries with salts 1..MAX_SALT after salt 0 (R-PAST-8)."""


def file_id(space: IdSpace, name: str, owner: str, salt: int) -> int:
    """R-PAST-1: SHA-1 of ``name``, ``owner`` and ``salt`` (joined by NUL bytes, UTF-8),
    reduced to the id space's most significant bits (``IdSpace.hash_name``, R-ID-6)."""
    return space.hash_name(f"{name}\x00{owner}\x00{salt}")


# -- client requests (World actions of these names) -----------------------------------------
@attrs.frozen(slots=True, kw_only=True)
class Insert:
    """Client request: store ``content`` (``size`` units) as ``name`` of ``owner`` on ``k``
    nodes (R-PAST-2)."""

    name: str
    owner: str
    k: int
    size: int
    content: str


@attrs.frozen(slots=True, kw_only=True)
class LookupFile:
    """Client request: fetch file ``file_id``; ``id`` tells lookups apart (R-PAST-5)."""

    file_id: int
    id: int = 0


@attrs.frozen(slots=True, kw_only=True)
class Reclaim:
    """Client request: ``owner`` reclaims the storage of ``file_id`` (R-PAST-6)."""

    file_id: int
    owner: str
    id: int = 0


# -- responses (Reply.response) ----------------------------------------------------------------
@attrs.frozen(slots=True, kw_only=True)
class InsertOk:
    """The insert succeeded: ``holders`` sent store receipts for ``file_id``."""

    file_id: int
    holders: tuple[int, ...]


@attrs.frozen(slots=True, kw_only=True)
class InsertFailed:
    """The insert failed (``reason``): every salt was refused (``"refused"``, after
    ``attempts`` tries), ``k`` broke the bound (``"k-bound"``) or the owner's quota would be
    exceeded (``"quota"``); nothing was sent in the last two cases (``attempts`` 0)."""

    attempts: int
    reason: str


@attrs.frozen(slots=True, kw_only=True)
class LookupResult:
    """The lookup's answer: ``content`` from ``holder``, or None (not found at the root)."""

    file_id: int
    content: str | None
    holder: int


@attrs.frozen(slots=True, kw_only=True)
class ReclaimResult:
    """The reclaim's answer: ``ok`` (the root accepted it) and the nodes the root told whose
    receipts arrived (``receipts``: each told node, answered by it or its diversion target)."""

    file_id: int
    ok: bool
    receipts: tuple[int, ...]


# -- payloads ----------------------------------------------------------------------------------
@attrs.frozen(slots=True, kw_only=True)
class InsertFile:
    """Routed toward ``file_id``: the file to store on the ``k`` closest nodes."""

    file_id: int
    owner: str
    k: int
    size: int
    content: str
    client: int


@attrs.frozen(slots=True, kw_only=True)
class StoreReplica:
    """Direct: store a replica. ``client`` is None for a maintenance copy (answered with a
    ``CopyReceipt`` to ``sender``); ``holders`` the replica set the sender knows (R-PAST-3,
    R-PAST-9)."""

    file_id: int
    owner: str
    k: int
    size: int
    content: str
    client: int | None
    holders: tuple[int, ...]
    sender: int


@attrs.frozen(slots=True, kw_only=True)
class StoreReceipt:
    """Direct to the client: ``holder`` stored (``ok``: a replica, or a pointer to a diverted
    one) or refused ``file_id``."""

    file_id: int
    holder: int
    ok: bool


@attrs.frozen(slots=True, kw_only=True)
class CopyReceipt:
    """Direct to the sender of a maintenance copy: ``holder`` now holds ``file_id`` (a replica
    or a pointer: ``ok``) or refused it (R-PAST-9, R-PAST-13)."""

    file_id: int
    holder: int
    ok: bool


@attrs.frozen(slots=True, kw_only=True)
class DivertReplica:
    """Direct from a k-closest node that refused a replica (``pointer``) to a leaf-set node
    outside the k closest: store it as a diverted replica under t_div (R-PAST-11)."""

    file_id: int
    owner: str
    k: int
    size: int
    content: str
    pointer: int


@attrs.frozen(slots=True, kw_only=True)
class DivertReceipt:
    """Direct back to the diverting node: ``holder`` stored the diverted replica (``ok``) or
    refused it (R-PAST-11)."""

    file_id: int
    holder: int
    ok: bool


@attrs.frozen(slots=True, kw_only=True)
class StorePointer:
    """Direct to the (k+1)-th closest node: keep a second pointer to ``target``'s diverted
    replica (R-PAST-11)."""

    file_id: int
    owner: str
    k: int
    size: int
    target: int


@attrs.frozen(slots=True, kw_only=True)
class PushCopy:
    """Direct from a pointer holder (``sender``) to its diversion target: send maintenance
    copies of ``file_id`` to ``to`` on the sender's behalf (R-PAST-12)."""

    file_id: int
    to: tuple[int, ...]
    sender: int
    holders: tuple[int, ...]


@attrs.frozen(slots=True, kw_only=True)
class WantCopy:
    """Direct from a node of the k closest whose pointer broke (``requester``) to the others:
    send me a maintenance copy (R-PAST-12)."""

    file_id: int
    requester: int


@attrs.frozen(slots=True, kw_only=True)
class Discard:
    """Direct from a client to a holder of a refused attempt: free ``file_id`` if ``owner``
    owns it (R-PAST-16)."""

    file_id: int
    owner: str


@attrs.frozen(slots=True, kw_only=True)
class FindFile:
    """Routed toward ``file_id``: a client's lookup ``id``. ``followed``: it already followed a
    pointer (it is not redirected again, R-PAST-12)."""

    file_id: int
    client: int
    id: int
    followed: bool = False


@attrs.frozen(slots=True, kw_only=True)
class FileFound:
    """Direct to the client: the answer to lookup ``id`` (``content`` None: not found), with
    the file's ``owner`` and ``size`` (for the client's cache, R-PAST-15)."""

    file_id: int
    id: int
    content: str | None
    holder: int
    owner: str = ""
    size: int = 0


@attrs.frozen(slots=True, kw_only=True)
class ReclaimFile:
    """Routed toward ``file_id``: ``owner``'s reclaim ``id``."""

    file_id: int
    owner: str
    client: int
    id: int


@attrs.frozen(slots=True, kw_only=True)
class ReclaimReplica:
    """Direct from the root to a node it tells (``slot``), or from that node to its diversion
    target: free ``file_id``."""

    file_id: int
    owner: str
    client: int
    id: int
    slot: int


@attrs.frozen(slots=True, kw_only=True)
class ReclaimReceipt:
    """Direct to the client: reclaim ``id`` was handled for ``slot`` (a node the root told; None
    for the root's own receipt when its diversion target answers for it) by ``holder``. The
    root's receipt says whether it accepted (``ok``), how many slots to expect
    (``expected``) and the quota to credit (``credit`` = k * size, R-PAST-14)."""

    file_id: int
    id: int
    holder: int
    ok: bool
    expected: int
    slot: int | None
    credit: int = 0
