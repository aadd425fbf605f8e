"""Ids as text: hex parsing with width checks, and formatting.

Owns: ``parse_hex_id`` and ``format_hex_id``. An id of a ``bits``-bit space is written as
exactly ``ceil(bits / 4)`` hex digits (either case), its value below ``2**bits``
(spec/trace-format.md R-TRACE-3). Rule: a bad id is an ``InvalidId`` (a ``BadInput``) naming
the field, the value and the expected form.
"""

from __future__ import annotations

from pastry_ref.errors import InvalidId, shown
from pastry_ref.ring.ids import IdSpace

__all__ = ["format_hex_id", "hex_width", "parse_hex_id"]

_HEX = frozenset("0123456789abcdefABCDEF")


def hex_width(space: IdSpace) -> int:
    """Characters of an id of ``space`` written in hex: ``ceil(bits / 4)``."""
    return (space.bits + 3) // 4


def parse_hex_id(text: object, space: IdSpace, field: str = "id") -> int:
    """The id written as ``text``: exactly ``hex_width(space)`` hex digits, value < 2**bits.

    >>> parse_hex_id("0a", IdSpace(8, 4))
    10
    >>> parse_hex_id("a", IdSpace(8, 4))
    Traceback (most recent call last):
    ...
    pastry_ref.errors.InvalidId: id: expected 2 hex digits, got 'a' (1 characters)
    """
    width = (space.bits + 3) // 4
    if type(text) is not str:
        raise InvalidId(f"{field}: expected a string of {width} hex digits, got {shown(text)}")
    if len(text) != width:
        raise InvalidId(
            f"{field}: expected {width} hex digits, got {shown(text)} ({len(text)} characters)"
        )
    if not _HEX.issuperset(text):
        raise InvalidId(f"{field}: expected {width} hex digits (0-9, a-f), got {shown(text)}")
    value = int(text, 16)
    if value >> space.bits:
        raise InvalidId(
            f"{field}: id {shown(text)} is out of range; expected a value below 2**{space.bits}"
        )
    return value


def format_hex_id(x: int, space: IdSpace) -> str:
    """``x`` as ``hex_width(space)`` lower-case hex digits (``IdSpace.hex``)."""
    return space.hex(x)
