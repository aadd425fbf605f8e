"""The project's exceptions.

Owns: the error hierarchy. Every bad value the library refuses raises a subclass of
``PastryRefError`` that is also a ``ValueError``, with a message naming the field, the value and
the bound it broke, so a caller (or the CLI, which turns them into exit code 2) can show it as is.
"""

from __future__ import annotations

__all__ = ["ConfigError", "InvalidId", "PastryRefError", "RoutingTableError"]


class PastryRefError(ValueError):
    """Base class of every error pastry_ref raises on bad input."""


class ConfigError(PastryRefError):
    """A configuration value (id space, leaf-set size, ...) is out of its allowed range."""


class InvalidId(PastryRefError):
    """A node id or key is not an integer in [0, 2**bits)."""


class RoutingTableError(PastryRefError):
    """A routing-table entry breaks the prefix rule R-RT-1, or names a cell that does not exist."""
