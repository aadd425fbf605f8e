"""PAST's vocabulary: client requests, the payloads PAST routes or sends direct, the replies.

Owns: the request types (``Insert``, ``LookupFile``, ``Reclaim``), the payloads
(``InsertFile``, ``StoreReplica``, ``StoreReceipt``, ``FindFile``, ``FileFound``,
``ReclaimFile``, ``ReclaimReplica``, ``ReclaimReceipt``), the responses (``InsertOk``,
``InsertFailed``, ``LookupResult``, ``ReclaimResult``) and ``file_id`` (R-PAST-1).
Rule 1: every field is an int, bool, None, str or a tuple of ints, so the World can order
messages. Rule 2: one concept, one name: a request is named after the World action it starts.
"""

from __future__ import annotations

import attrs

from pastry_ref.ring.ids import IdSpace

__all__ = [
    "MAX_SALT",
    "FileFound",
    "FindFile",
    "Insert",
    "InsertFailed",
    "InsertFile",
    "InsertOk",
    "LookupFile",
    "LookupResult",
    "Reclaim",
    "ReclaimFile",
    "ReclaimReceipt",
    "ReclaimReplica",
    "ReclaimResult",
    "StoreReceipt",
    "StoreReplica",
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
    """The insert failed: every salt was refused (``attempts`` tries), or ``k`` broke the bound
    (``reason``)."""

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
    """The reclaim's answer: ``ok`` (the root accepted it) and who sent reclaim receipts."""

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
    """Direct: store a replica. ``client`` is None for a maintenance copy (no receipt);
    ``holders`` the replica set the sender knows (R-PAST-3, R-PAST-9)."""

    file_id: int
    owner: str
    k: int
    size: int
    content: str
    client: int | None
    holders: tuple[int, ...]


@attrs.frozen(slots=True, kw_only=True)
class StoreReceipt:
    """Direct to the client: ``holder`` stored (``ok``) or refused ``file_id``."""

    file_id: int
    holder: int
    ok: bool


@attrs.frozen(slots=True, kw_only=True)
class FindFile:
    """Routed toward ``file_id``: a client's lookup ``id``."""

    file_id: int
    client: int
    id: int


@attrs.frozen(slots=True, kw_only=True)
class FileFound:
    """Direct to the client: the answer to lookup ``id`` (``content`` None: not found)."""

    file_id: int
    id: int
    content: str | None
    holder: int


@attrs.frozen(slots=True, kw_only=True)
class ReclaimFile:
    """Routed toward ``file_id``: ``owner``'s reclaim ``id``."""

    file_id: int
    owner: str
    client: int
    id: int


@attrs.frozen(slots=True, kw_only=True)
class ReclaimReplica:
    """Direct from the root to another replica holder: free ``file_id``."""

    file_id: int
    owner: str
    client: int
    id: int


@attrs.frozen(slots=True, kw_only=True)
class ReclaimReceipt:
    """Direct to the client: ``holder`` handled reclaim ``id``; the root's receipt says whether
    it accepted (``ok``) and how many receipts to expect in all (``expected``)."""

    file_id: int
    id: int
    holder: int
    ok: bool
    expected: int
