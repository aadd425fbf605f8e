"""The node protocol's wire format: one JSON envelope per line (spec/conformance.md).

Owns: the envelope (``src``, ``dest``, ``body`` with ``type``), the harness's address
``HARNESS``, the bounds on a line, hex ids (``id_hex`` / ``parse_hex_id``) and ``parse_line``,
which turns one line a node wrote into an ``Envelope`` or says, in one sentence, what is wrong
with it. Rule: nothing here does I/O; the harness and the node server read and write lines and
hand them here. A line from a foreign node that breaks the format is the node's fault
(``WireError``, a ``ProtocolViolation``), never bad input.
"""

from __future__ import annotations

import json
from typing import Any

import attrs

from pastry_ref.errors import BadInput, ProtocolViolation, shown

__all__ = [
    "HARNESS",
    "MAX_LINE",
    "Envelope",
    "WireError",
    "dumps",
    "id_hex",
    "parse_hex_id",
    "parse_line",
]

HARNESS = "harness"
"""The harness's address: client requests come from it, reports and replies go to it."""

MAX_LINE = 1 << 20
"""The longest line a node may write (1 MiB); a longer one is cut and reported as a flood."""


class WireError(ProtocolViolation):
    """A line a node wrote is not a valid envelope (the message says why)."""


@attrs.frozen(slots=True)
class Envelope:
    """One message on the wire: from ``src`` to ``dest``; ``body`` is a JSON object with a
    string ``type``."""

    src: str
    dest: str
    body: dict[str, Any]

    @property
    def type(self) -> str:
        return str(self.body["type"])

    def to_line(self) -> str:
        return dumps({"src": self.src, "dest": self.dest, "body": self.body})


def dumps(value: object) -> str:
    """``value`` as one compact JSON line (no trailing newline)."""
    return json.dumps(value, separators=(",", ":"), sort_keys=True)


def id_hex(x: int, bits: int) -> str:
    """Id ``x`` as fixed-width lower-case hex: ``ceil(bits / 4)`` characters."""
    return format(x, f"0{(bits + 3) // 4}x")


def parse_hex_id(text: object, bits: int, field: str) -> int:
    """A hex id of exactly ``ceil(bits / 4)`` characters, in range for ``bits``; ``BadInput``
    naming ``field`` otherwise."""
    width = (bits + 3) // 4
    if not isinstance(text, str) or len(text) != width:
        raise BadInput(f"{field}: expected a hex id of {width} characters, got {shown(text)}")
    try:
        value = int(text, 16)
    except ValueError:
        raise BadInput(f"{field}: expected hex digits, got {shown(text)}") from None
    if value >> bits:
        raise BadInput(f"{field}: id {shown(text)} is out of range for {bits} bits")
    return value


def parse_line(line: str) -> Envelope:
    """One line a node wrote, as an ``Envelope``; ``WireError`` naming what is wrong."""
    try:
        value = json.loads(line)
    except (ValueError, RecursionError) as e:
        raise WireError(f"not JSON ({_reason(e)}): {shown(line, 60)}") from None
    if not isinstance(value, dict):
        raise WireError(f"expected a JSON object (an envelope), got {shown(value, 60)}")
    for key in ("src", "dest"):
        if not isinstance(value.get(key), str):
            raise WireError(
                f"envelope field {key!r}: expected a string, got {shown(value.get(key))}"
            )
    body = value.get("body")
    if not isinstance(body, dict):
        raise WireError(f"envelope field 'body': expected an object, got {shown(body)}")
    if not isinstance(body.get("type"), str):
        raise WireError(f"body field 'type': expected a string, got {shown(body.get('type'))}")
    return Envelope(value["src"], value["dest"], body)


def _reason(e: Exception) -> str:
    return str(e).split(":")[0] if isinstance(e, json.JSONDecodeError) else type(e).__name__
