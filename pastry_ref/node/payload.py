"""What an application hands the node to carry: ``AppMessage``.

Owns: the payload contract. Rule: a payload is any hashable, immutable value (a frozen attrs
instance, in practice) that an application owns; the node never looks inside it. The World
orders in-flight messages by their fields, so a payload's fields are ints, bools, None, strings,
tuples of those, or frozen attrs instances of the same.
"""

from __future__ import annotations

from collections.abc import Hashable
from typing import TypeAlias

__all__ = ["AppMessage"]

AppMessage: TypeAlias = Hashable
