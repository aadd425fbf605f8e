"""Ring arithmetic on the Pastry id space.

Owns: ``IdSpace`` (bits, digit size b) and every function of ids alone: digits, shared-prefix
length, clockwise / counter-clockwise / absolute ring distance, the "numerically closer" order with
its tie rule, hashing a name to an id, hex formatting.
Spec rules: R-ID-1 (id space), R-ID-2 (digits), R-ID-3 (shared prefix), R-ID-4 (distances),
R-ID-5 (the tie rule), R-ID-6 (hashing names). Contracts below are checked by CrossHair.
"""

from __future__ import annotations

import hashlib
from collections.abc import Iterable, Mapping
from typing import cast

import attrs

from pastry_ref.errors import BadInput, ConfigError, InvalidId, shown

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
                raise ConfigError(f"{name}: expected an integer, got {shown(value)}")
        if not 1 <= self.b <= 8:
            raise ConfigError(f"b: digit size must satisfy 1 <= b <= 8, got {shown(self.b)}")
        if not 1 <= self.bits <= MAX_BITS:
            raise ConfigError(
                f"bits: id width must satisfy 1 <= bits <= {MAX_BITS}, got {shown(self.bits)}"
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
            raise InvalidId(f"{field}: expected an integer id, got {shown(x)}")
        if not 0 <= x < self.size:
            raise InvalidId(
                f"{field}: id {shown(x)} is out of range; "
                f"expected 0 <= id < 2**{self.bits} = {self.size}"
            )
        return x

    def check_all(self, xs: Iterable[object], field: str = "ids") -> tuple[int, ...]:
        """Validate every element of ``xs``; the message names the position of the bad one."""
        bits = self.bits
        out = xs if type(xs) is tuple else tuple(_iterable(xs, field))
        for i, x in enumerate(out):
            if type(x) is not int or x >> bits:
                self.check(x, f"{field}[{i}]")
        return cast("tuple[int, ...]", out)

    # Every public method below refuses what is not an id of this space (``InvalidId`` naming
    # the argument). The test is inline and cheap: an exact ``int`` passes at the cost of a type
    # test and one shift (``v >> bits`` is non-zero iff v < 0 or v >= 2**bits; for two ids
    # ``(x | y) >> bits`` tests both); anything else goes to ``check``, which raises (or accepts
    # an int subclass in range).

    def _refuse(self, x: object, x_name: str, y: object, y_name: str) -> None:
        """Raise ``InvalidId`` for whichever of x, y is not an id (the slow path)."""
        self.check(x, x_name)
        self.check(y, y_name)

    # -- digits (R-ID-2, R-ID-3) ----------------------------------------------------------
    def digit(self, x: int, i: int) -> int:
        """Digit ``i`` of ``x``, counting from the most significant digit (index 0).

        pre: 0 <= x < (1 << self.bits)
        pre: 0 <= i < self.bits // self.b
        post: 0 <= __return__ < (1 << self.b)
        """
        bits, b = self.bits, self.b
        if type(i) is int and type(x) is int and not x >> bits:
            shift = bits - (i + 1) * b
            if (i | shift) >= 0:  # 0 <= i < digits
                return (x >> shift) & ((1 << b) - 1)
        self.check(x, "x")  # the slow path: x may be an int subclass, i anything
        if not isinstance(i, int) or isinstance(i, bool) or not 0 <= i < bits // b:
            raise BadInput(f"i: expected a digit position in 0..{bits // b - 1}, got {shown(i)}")
        return (x >> (bits - (i + 1) * b)) & ((1 << b) - 1)

    def shared_prefix_len(self, x: int, y: int) -> int:
        """Number of leading digits ``x`` and ``y`` have in common (``digits`` if x == y).

        pre: 0 <= x < (1 << self.bits)
        pre: 0 <= y < (1 << self.bits)
        post: 0 <= __return__ <= self.bits // self.b
        post: (__return__ == self.bits // self.b) == (x == y)
        post: __return__ == self.shared_prefix_len(y, x)
        """
        bits = self.bits
        if type(x) is not int or type(y) is not int or (x | y) >> bits:
            self._refuse(x, "x", y, "y")
        diff = x ^ y
        if diff == 0:
            return bits // self.b
        return (bits - diff.bit_length()) // self.b

    # -- distances (R-ID-4) ---------------------------------------------------------------
    def cw_distance(self, x: int, y: int) -> int:
        """Steps from ``x`` clockwise (increasing ids, wrapping past 0) to ``y``.

        pre: 0 <= x < (1 << self.bits)
        pre: 0 <= y < (1 << self.bits)
        post: 0 <= __return__ < (1 << self.bits)
        post: (__return__ == 0) == (x == y)
        post: (x + __return__) % (1 << self.bits) == y
        """
        bits = self.bits
        if type(x) is not int or type(y) is not int or (x | y) >> bits:
            self._refuse(x, "x", y, "y")
        return (y - x) % (1 << bits)

    def ccw_distance(self, x: int, y: int) -> int:
        """Steps from ``x`` counter-clockwise (decreasing ids, wrapping) to ``y``.

        pre: 0 <= x < (1 << self.bits)
        pre: 0 <= y < (1 << self.bits)
        post: __return__ == self.cw_distance(y, x)
        """
        bits = self.bits
        if type(x) is not int or type(y) is not int or (x | y) >> bits:
            self._refuse(x, "x", y, "y")
        return (x - y) % (1 << bits)

    def distance(self, x: int, y: int) -> int:
        """Absolute ring distance: the shorter way round, ``min(cw, ccw)``.

        pre: 0 <= x < (1 << self.bits)
        pre: 0 <= y < (1 << self.bits)
        post: 0 <= __return__ <= (1 << self.bits) // 2
        post: __return__ == self.distance(y, x)
        post: (__return__ == 0) == (x == y)
        """
        bits = self.bits
        if type(x) is not int or type(y) is not int or (x | y) >> bits:
            self._refuse(x, "x", y, "y")
        size = 1 << bits
        d = (y - x) % size
        return min(d, size - d)

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
        bits = self.bits
        if type(node) is not int or type(key) is not int or (node | key) >> bits:
            self._refuse(node, "node", key, "key")
        size = 1 << bits
        cw = (node - key) % size
        return (min(cw, size - cw), cw)

    def closer(self, a: int, b: int, key: int) -> bool:
        """True if ``a`` is strictly closer to ``key`` than ``b`` under R-ID-4/R-ID-5.

        pre: 0 <= a < (1 << self.bits)
        pre: 0 <= b < (1 << self.bits)
        pre: 0 <= key < (1 << self.bits)
        post: not (__return__ and self.closer(b, a, key))
        post: (a != b) == (__return__ or self.closer(b, a, key))
        """
        if type(a) is not int or type(b) is not int or (a | b) >> self.bits:
            self._refuse(a, "a", b, "b")
        return self.closeness(a, key) < self.closeness(b, key)

    def closest(self, key: int, nodes: Iterable[int]) -> int:
        """The node of ``nodes`` closest to ``key`` under the tie rule; ValueError if empty."""
        bits = self.bits
        if type(key) is not int or key >> bits:
            self.check(key, "key")
        size = 1 << bits
        best: int | None = None
        best_key: tuple[int, int] | None = None
        for i, n in enumerate(_iterable(nodes, "nodes")):
            if type(n) is not int or n >> bits:
                self.check(n, f"nodes[{i}]")
            cw = (n - key) % size
            k = (min(cw, size - cw), cw)
            if best_key is None or k < best_key:
                best, best_key = n, k
        if best is None:
            raise BadInput("nodes: expected at least one node to choose from, got none")
        return best

    def sort_by_closeness(self, key: int, nodes: Iterable[int]) -> tuple[int, ...]:
        """``nodes`` ordered from closest to farthest from ``key`` (tie rule R-ID-5)."""
        bits = self.bits
        if type(key) is not int or key >> bits:
            self.check(key, "key")
        distinct = set(self.check_all(_iterable(nodes, "nodes"), "nodes"))
        size = 1 << bits

        def rank(n: int) -> tuple[int, int]:
            cw = (n - key) % size
            return (min(cw, size - cw), cw)

        return tuple(sorted(distinct, key=rank))

    # -- names and text (R-ID-6) ----------------------------------------------------------
    def hash_name(self, name: str | bytes) -> int:
        """SHA-1 of ``name`` (UTF-8 for text), truncated to its ``bits`` most significant bits."""
        if isinstance(name, str):
            try:
                data = name.encode("utf-8")
            except UnicodeEncodeError as e:
                raise BadInput(
                    f"name: not encodable as UTF-8 (character {e.start}: {name[e.start]!r})"
                ) from None
        elif isinstance(name, bytes | bytearray | memoryview):
            data = bytes(name)
        else:
            raise BadInput(f"name: expected a string or bytes, got {shown(name)}")
        digest = int.from_bytes(hashlib.sha1(data).digest(), "big")
        return digest >> (MAX_BITS - self.bits)

    def hex(self, x: int) -> str:
        """``x`` as fixed-width lower-case hex (``ceil(bits / 4)`` characters)."""
        if type(x) is not int or x >> self.bits:
            self.check(x, "x")
        return format(x, f"0{(self.bits + 3) // 4}x")

    def digit_str(self, x: int) -> str:
        """``x`` digit by digit in base 2**b: hex characters for b = 4, bits for b = 1, else
        dotted decimal digits."""
        if type(x) is not int or x >> self.bits:
            self.check(x, "x")
        b, mask = self.b, (1 << self.b) - 1
        ds = [(x >> (self.bits - (i + 1) * b)) & mask for i in range(self.digits)]
        if b == 4:
            return "".join(format(d, "x") for d in ds)
        if b == 1:
            return "".join(str(d) for d in ds)
        return ".".join(str(d) for d in ds)


_COLLECTIONS = (tuple, list, set, frozenset)


def _iterable(xs: object, field: str) -> Iterable[int]:
    """``xs`` if it can be iterated as ids (a string or a mapping cannot); its elements are
    still to be checked."""
    if type(xs) in _COLLECTIONS:
        return cast("Iterable[int]", xs)
    if isinstance(xs, str | bytes | Mapping) or not isinstance(xs, Iterable):
        raise InvalidId(f"{field}: expected a collection of integer ids, got {shown(xs)}")
    return cast("Iterable[int]", xs)
