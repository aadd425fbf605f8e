"""Ring arithmetic on the Pastry id space.

Owns: ``IdSpace`` (bits, digit size b) and every function of ids alone: digits, shared-prefix
length, clockwise / counter-clockwise / absolute ring distance, the "numerically closer" order with
its tie rule, hashing a name to an id, hex formatting.
Spec rules: R-ID-1 (id space), R-ID-2 (digits), R-ID-3 (shared prefix), R-ID-4 (distances),
R-ID-5 (the tie rule), R-ID-6 (hashing names). Contracts below are checked by CrossHair.
"""

from __future__ import annotations

import hashlib
from collections.abc import Iterable

import attrs

from pastry_ref.errors import ConfigError, InvalidId

__all__ = ["MAX_BITS", "IdSpace"]

MAX_BITS = 160  # SHA-1 width: the widest id a name can hash to (R-ID-6)


@attrs.frozen(slots=True)
class IdSpace:
    """The circular id space [0, 2**bits) read as ``bits // b`` digits of b bits each (R-ID-1).

    >>> s = IdSpace(bits=8, b=4)
    >>> s.digits, s.base, s.size
    (2, 16, 256)
    """

    bits: int
    b: int

    def __attrs_post_init__(self) -> None:
        for name, value in (("bits", self.bits), ("b", self.b)):
            if not isinstance(value, int) or isinstance(value, bool):
                raise ConfigError(f"{name}: expected an integer, got {value!r}")
        if not 1 <= self.b <= 8:
            raise ConfigError(f"b: digit size must satisfy 1 <= b <= 8, got {self.b}")
        if not 1 <= self.bits <= MAX_BITS:
            raise ConfigError(
                f"bits: id width must satisfy 1 <= bits <= {MAX_BITS}, got {self.bits}"
            )
        if self.bits % self.b != 0:
            raise ConfigError(
                f"bits: must be a multiple of b={self.b} so ids split into whole digits, "
                f"got bits={self.bits}"
            )

    # -- shape ---------------------------------------------------------------------------
    @property
    def size(self) -> int:
        """Number of ids on the ring: 2**bits."""
        return 1 << self.bits

    @property
    def digits(self) -> int:
        """Number of digits in an id: bits // b (= rows of a routing table)."""
        return self.bits // self.b

    @property
    def base(self) -> int:
        """Values a digit can take: 2**b (= columns of a routing table)."""
        return 1 << self.b

    # -- validation (R-ID-1) --------------------------------------------------------------
    def check(self, x: object, field: str = "id") -> int:
        """Return ``x`` if it is an id of this space, else raise ``InvalidId`` naming ``field``."""
        if not isinstance(x, int) or isinstance(x, bool):
            raise InvalidId(f"{field}: expected an integer id, got {x!r}")
        if not 0 <= x < self.size:
            raise InvalidId(
                f"{field}: id {x} is out of range; expected 0 <= id < 2**{self.bits} = {self.size}"
            )
        return x

    def check_all(self, xs: Iterable[object], field: str = "ids") -> tuple[int, ...]:
        """Validate every element of ``xs``; the message names the position of the bad one."""
        return tuple(self.check(x, f"{field}[{i}]") for i, x in enumerate(xs))

    # -- digits (R-ID-2, R-ID-3) ----------------------------------------------------------
    def digit(self, x: int, i: int) -> int:
        """Digit ``i`` of ``x``, counting from the most significant digit (index 0).

        pre: 0 <= x < (1 << self.bits)
        pre: 0 <= i < self.bits // self.b
        post: 0 <= __return__ < (1 << self.b)
        """
        shift = self.bits - (i + 1) * self.b
        return (x >> shift) & ((1 << self.b) - 1)

    def shared_prefix_len(self, x: int, y: int) -> int:
        """Number of leading digits ``x`` and ``y`` have in common (``digits`` if x == y).

        pre: 0 <= x < (1 << self.bits)
        pre: 0 <= y < (1 << self.bits)
        post: 0 <= __return__ <= self.bits // self.b
        post: (__return__ == self.bits // self.b) == (x == y)
        post: __return__ == self.shared_prefix_len(y, x)
        """
        diff = x ^ y
        if diff == 0:
            return self.digits
        return (self.bits - diff.bit_length()) // self.b

    # -- distances (R-ID-4) ---------------------------------------------------------------
    def cw_distance(self, x: int, y: int) -> int:
        """Steps from ``x`` clockwise (increasing ids, wrapping past 0) to ``y``.

        pre: 0 <= x < (1 << self.bits)
        pre: 0 <= y < (1 << self.bits)
        post: 0 <= __return__ < (1 << self.bits)
        post: (__return__ == 0) == (x == y)
        post: (x + __return__) % (1 << self.bits) == y
        """
        return (y - x) % self.size

    def ccw_distance(self, x: int, y: int) -> int:
        """Steps from ``x`` counter-clockwise (decreasing ids, wrapping) to ``y``.

        pre: 0 <= x < (1 << self.bits)
        pre: 0 <= y < (1 << self.bits)
        post: __return__ == self.cw_distance(y, x)
        """
        return (x - y) % self.size

    def distance(self, x: int, y: int) -> int:
        """Absolute ring distance: the shorter way round, ``min(cw, ccw)``.

        pre: 0 <= x < (1 << self.bits)
        pre: 0 <= y < (1 << self.bits)
        post: 0 <= __return__ <= (1 << self.bits) // 2
        post: __return__ == self.distance(y, x)
        post: (__return__ == 0) == (x == y)
        """
        d = (y - x) % self.size
        return min(d, self.size - d)

    # -- the tie rule (R-ID-5) ------------------------------------------------------------
    def closeness(self, node: int, key: int) -> tuple[int, int]:
        """Sort key of ``node`` by closeness to ``key``: smaller is closer.

        Ordered first by absolute ring distance; a tie (one node on each side of the key, at the
        same distance) goes to the node reached by going *clockwise* from the key (R-ID-5). The
        second component is the clockwise distance from the key, which differs for distinct nodes,
        so this is a strict total order on nodes for every key.

        pre: 0 <= node < (1 << self.bits)
        pre: 0 <= key < (1 << self.bits)
        post: __return__[0] == self.distance(node, key)
        """
        return (self.distance(node, key), (node - key) % self.size)

    def closer(self, a: int, b: int, key: int) -> bool:
        """True if ``a`` is strictly closer to ``key`` than ``b`` under R-ID-4/R-ID-5.

        pre: 0 <= a < (1 << self.bits)
        pre: 0 <= b < (1 << self.bits)
        pre: 0 <= key < (1 << self.bits)
        post: not (__return__ and self.closer(b, a, key))
        post: (a != b) == (__return__ or self.closer(b, a, key))
        """
        return self.closeness(a, key) < self.closeness(b, key)

    def closest(self, key: int, nodes: Iterable[int]) -> int:
        """The node of ``nodes`` closest to ``key`` under the tie rule; ValueError if empty."""
        best: int | None = None
        best_key: tuple[int, int] | None = None
        for n in nodes:
            k = self.closeness(n, key)
            if best_key is None or k < best_key:
                best, best_key = n, k
        if best is None:
            raise ValueError("closest: no nodes to choose from")
        return best

    def sort_by_closeness(self, key: int, nodes: Iterable[int]) -> tuple[int, ...]:
        """``nodes`` ordered from closest to farthest from ``key`` (tie rule R-ID-5)."""
        return tuple(sorted(set(nodes), key=lambda n: self.closeness(n, key)))

    # -- names and text (R-ID-6) ----------------------------------------------------------
    def hash_name(self, name: str | bytes) -> int:
        """SHA-1 of ``name`` (UTF-8 for text), truncated to its ``bits`` most significant bits."""
        data = name.encode("utf-8") if isinstance(name, str) else name
        digest = int.from_bytes(hashlib.sha1(data).digest(), "big")
        return digest >> (MAX_BITS - self.bits)

    def hex(self, x: int) -> str:
        """``x`` as fixed-width lower-case hex (``ceil(bits / 4)`` characters)."""
        return format(x, f"0{(self.bits + 3) // 4}x")

    def digit_str(self, x: int) -> str:
        """``x`` digit by digit in base 2**b: hex characters for b = 4, bits for b = 1, else
        dotted decimal digits."""
        ds = [self.digit(x, i) for i in range(self.digits)]
        if self.b == 4:
            return "".join(format(d, "x") for d in ds)
        if self.b == 1:
            return "".join(str(d) for d in ds)
        return ".".join(str(d) for d in ds)
