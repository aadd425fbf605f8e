"""The project's exceptions, by who is at fault.

Owns: the error hierarchy (DESIGN §9). Every error pastry_ref raises derives from
``PastryRefError``. Rule 1: the family says who is at fault and so which exit code the CLI
gives: ``BadInput`` (a file, an option or a value a user wrote: exit 2), ``ApiMisuse`` (a caller
of the library asked for something the state forbids: a bug in the caller), ``ProtocolViolation``
(a foreign node broke the protocol: a verdict, exit 1) and ``BoundReached`` (a step or hop budget
ran out: exit 3, or exit 1 when a property says so). Rule 2: a message names the field, the value
and the expected form, so it can be shown as is, on one line.
``BadInput`` is also a ``ValueError`` and ``ApiMisuse`` a ``RuntimeError``, so plain ``except``
clauses keep working. ``shown(value)`` is a value as a message shows it: short, one line.
``InputNote`` is no error: a warning about input that is accepted but
outdated (a renamed key), which the CLI prints as one ``note:`` line.
"""

from __future__ import annotations

__all__ = [
    "ApiMisuse",
    "BadInput",
    "BoundReached",
    "ConfigError",
    "InputNote",
    "InvalidId",
    "NotEnabled",
    "PastryRefError",
    "ProtocolViolation",
    "RoutingTableError",
    "ScenarioFileError",
    "shown",
]


class PastryRefError(Exception):
    """The root of every error pastry_ref raises."""


class BadInput(PastryRefError, ValueError):
    """A value from outside (a file, an option, an argument) is malformed or out of range. The
    CLI reports it as one line and exits with code 2."""


class ConfigError(BadInput):
    """A configuration value (id space, leaf-set size, ...) is out of its allowed range."""


class InvalidId(BadInput):
    """A node id or key is not an integer in [0, 2**bits)."""


class RoutingTableError(BadInput):
    """A routing-table entry breaks the prefix rule R-RT-1, or names a cell that does not exist."""


class ScenarioFileError(BadInput):
    """A scenario file is unreadable, not TOML, or does not follow the format (the message
    names the file and the key)."""


class ApiMisuse(PastryRefError, RuntimeError):
    """A caller of the library asked for what the current state forbids (h11's
    LocalProtocolError): applying an action that is not enabled, asking a node that is not part
    of the World."""


class NotEnabled(ApiMisuse):
    """``World.apply`` was given an action that is not enabled in this World."""


class ProtocolViolation(PastryRefError):
    """A foreign implementation broke the protocol (h11's RemoteProtocolError): a verdict about
    the other side, never bad input."""


class BoundReached(PastryRefError):
    """A budget ran out before the run ended: a route longer than its hop bound (a routing
    loop), a network that did not go quiet within its step budget (a livelock)."""


class InputNote(UserWarning):
    """Input that is accepted but outdated (a renamed key): loaders ``warnings.warn`` it with a
    message naming the file and what to write instead; ``pastry-ref`` prints it as one line
    ``pastry-ref: note: ...``. Not an error."""


def shown(value: object, limit: int = 40) -> str:
    """``repr(value)`` for a message: at most ``limit`` characters, one line (repr escapes line
    breaks), and an integer too long to print (Python refuses more than 4300 digits) by its
    size."""
    if isinstance(value, int) and value.bit_length() > 128:
        return f"an integer of {value.bit_length()} bits"
    try:
        text = repr(value)
    except (ValueError, RecursionError):  # a container holding a huge int, or nested too deep
        return f"a {type(value).__name__}"
    return text if len(text) <= limit else text[: limit - 3] + "..."
