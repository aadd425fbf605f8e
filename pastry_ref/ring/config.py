"""Protocol configuration.

Owns: ``Config``, the one value that fixes every protocol parameter of a node: the id space,
the leaf-set size L, the neighbourhood size M, the join variant and whether routed messages
are acknowledged hop by hop. (Timer and network semantics belong to the World, not the nodes.)
Spec rules: R-CFG-1, R-CFG-2, R-HOP-1. Rule: a Config is valid once built (each bad field is a
``ConfigError`` naming it); code holding one never re-checks it.
"""

from __future__ import annotations

import enum

import attrs

from pastry_ref.errors import ConfigError, shown
from pastry_ref.ring.ids import IdSpace

__all__ = ["MAX_TABLE_SIZE", "Config", "JoinProtocol"]

MAX_TABLE_SIZE = 1024  # the largest L and M: the paper uses 16 or 32; beyond this is a typo


class JoinProtocol(enum.Enum):
    """Which join a node runs (R-CFG-2)."""

    PAPER = "paper"  # Pastry section 2.4, with the paper's state timestamps
    CONSISTENT = "consistent"  # LuPastry: probes, leases, one joiner at a time


@attrs.frozen(slots=True)
class Config:
    """Parameters shared by every node of one overlay (R-CFG-1).

    ``leaf_set_size`` is L: a node keeps L/2 neighbours on each side, so L must be even and >= 2.
    ``neighborhood_size`` is M >= 0: the number of proximally closest nodes a node remembers.
    ``hop_acks``: every hop of a routed message (RouteMessage, JoinRequest) is acknowledged, and an
    unacknowledged hop is retried through the next best candidate (R-HOP-1..3, MSPastry).
    ``probe_retry``: a probe that times out is sent once more before its target is declared
    failed (R-FD-3); it only matters on a network that may lose messages.
    """

    space: IdSpace
    leaf_set_size: int = 16
    neighborhood_size: int = 32
    join: JoinProtocol = JoinProtocol.CONSISTENT
    hop_acks: bool = False
    probe_retry: bool = True

    def __attrs_post_init__(self) -> None:
        if not isinstance(self.space, IdSpace):
            raise ConfigError(f"space: expected an IdSpace, got {shown(self.space)}")
        L = self.leaf_set_size
        if not isinstance(L, int) or isinstance(L, bool) or not 2 <= L <= MAX_TABLE_SIZE or L % 2:
            raise ConfigError(
                f"leaf_set_size: L must be an even integer >= 2 and <= {MAX_TABLE_SIZE}, "
                f"got {shown(L)}"
            )
        M = self.neighborhood_size
        if not isinstance(M, int) or isinstance(M, bool) or not 0 <= M <= MAX_TABLE_SIZE:
            raise ConfigError(
                f"neighborhood_size: M must be an integer >= 0 and <= {MAX_TABLE_SIZE}, "
                f"got {shown(M)}"
            )
        if not isinstance(self.join, JoinProtocol):
            raise ConfigError(
                f"join: expected one of {[p.value for p in JoinProtocol]}, got {shown(self.join)}"
            )
        for name in ("hop_acks", "probe_retry"):
            v = getattr(self, name)
            if not isinstance(v, bool):
                raise ConfigError(f"{name}: expected true or false, got {shown(v)}")

    @property
    def half(self) -> int:
        """L/2: the number of leaf-set members kept on each side of a node."""
        return self.leaf_set_size // 2

    @classmethod
    def make(
        cls,
        bits: int = 128,
        b: int = 4,
        leaf_set_size: int = 16,
        neighborhood_size: int = 32,
        join: JoinProtocol | str = JoinProtocol.CONSISTENT,
        hop_acks: bool = False,
        probe_retry: bool = True,
    ) -> Config:
        """Build a Config from plain values (the paper's typical numbers by default)."""
        if isinstance(join, str):
            try:
                join = JoinProtocol(join)
            except ValueError:
                raise ConfigError(
                    f"join: expected one of {[p.value for p in JoinProtocol]}, got {shown(join)}"
                ) from None
        return cls(IdSpace(bits, b), leaf_set_size, neighborhood_size, join, hop_acks, probe_retry)
