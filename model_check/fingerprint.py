"""Stable 64-bit fingerprints of state values.

Owns: the canonical byte encoding of a value (ints, strings, bools, None, bytes, enums, tuples,
lists, sets, mappings, attrs instances, nested) and its 64-bit BLAKE2b digest. Unlike Python's
``hash`` it is the same in every process (string hashing is salted per process), and equal values
always get equal encodings: sets and mappings are encoded in sorted order. Two distinct states
share a fingerprint with probability about n(n-1)/2^65 over n states (TLC's estimate).
"""

from __future__ import annotations

import enum
from collections.abc import Mapping
from hashlib import blake2b
from typing import Any

__all__ = ["canonical", "fingerprint"]

_FIELDS: dict[type, tuple[str, ...] | None] = {}


def _attrs_fields(cls: type) -> tuple[str, ...] | None:
    try:
        return _FIELDS[cls]
    except KeyError:
        fields = getattr(cls, "__attrs_attrs__", None)
        names = tuple(f.name for f in fields) if fields is not None else None
        _FIELDS[cls] = names
        return names


def canonical(value: Any) -> str:
    """A string that is equal for equal values and (for the supported types) differs otherwise."""
    t = type(value)
    if t is int:
        return str(value)
    if t is str:
        return repr(value)
    if t is tuple:
        return "(" + ",".join([canonical(v) for v in value]) + ")"
    if t is bool or value is None:
        return repr(value)
    if t is frozenset or t is set:
        return "{" + ",".join(sorted([canonical(v) for v in value])) + "}"
    names = _attrs_fields(t)
    if names is not None:
        return t.__qualname__ + "(" + ",".join([canonical(getattr(value, n)) for n in names]) + ")"
    if isinstance(value, enum.Enum):
        return t.__qualname__ + "." + value.name
    if isinstance(value, Mapping):
        items = sorted([canonical(k) + ":" + canonical(v) for k, v in value.items()])
        return "{" + ",".join(items) + "}"
    if isinstance(value, tuple | list):  # named tuples, lists
        return t.__qualname__ + "(" + ",".join([canonical(v) for v in value]) + ")"
    if isinstance(value, frozenset | set):
        return t.__qualname__ + "{" + ",".join(sorted([canonical(v) for v in value])) + "}"
    if isinstance(value, int | str | bytes | float):
        return t.__qualname__ + ":" + repr(value)
    # Last resort: the value's repr, which must then be canonical (document it in the model).
    return t.__qualname__ + "<" + repr(value) + ">"


def fingerprint(value: Any) -> int:
    """A 64-bit fingerprint of ``value``, stable across processes and platforms."""
    return int.from_bytes(blake2b(canonical(value).encode(), digest_size=8).digest(), "little")
