"""Ring arithmetic (pastry_ref.ring.ids) against the brute-force oracle; rules R-ID-1..R-ID-6."""

from __future__ import annotations

import hashlib

import pytest
from hypothesis import event, given
from hypothesis import strategies as st

from pastry_ref.errors import BadInput, ConfigError, InvalidId, PastryRefError
from pastry_ref.ring.ids import MAX_BITS, IdSpace
from tests import brute
from tests.brute import small_space

BIG = IdSpace(128, 4)


@st.composite
def space_and_ids(draw, n: int = 2, big: bool = False):
    bits, b = (128, 4) if big else draw(small_space())
    xs = [draw(st.integers(0, 2**bits - 1)) for _ in range(n)]
    return (bits, b, *xs)


any_space_ids = st.one_of(space_and_ids(), space_and_ids(big=True))
any_space_3ids = st.one_of(space_and_ids(3), space_and_ids(3, big=True))


# -- R-ID-1: the id space ------------------------------------------------------------------
def test_R_ID_1_shape_of_the_space() -> None:
    """Pastry §2: ids are 128-bit; with b = 4 an id reads as 32 hex digits, a table has 32 rows
    of 16 columns."""
    s = IdSpace(128, 4)
    assert (s.size, s.digits, s.base) == (2**128, 32, 16)
    s = IdSpace(12, 3)
    assert (s.size, s.digits, s.base) == (4096, 4, 8)


@pytest.mark.parametrize(
    ("bits", "b", "field", "bound"),
    [
        (8, 0, "b", "1 <= b <= 8"),
        (8, 9, "b", "1 <= b <= 8"),
        (0, 1, "bits", "1 <= bits <= 160"),
        (161, 1, "bits", "1 <= bits <= 160"),
        (10, 4, "bits", "multiple of b=4"),
        (6, 4, "bits", "multiple of b=4"),
    ],
)
def test_R_ID_1_bad_space_names_field_value_and_bound(
    bits: int, b: int, field: str, bound: str
) -> None:
    """Pastry §2.1: ids are read as digits of base 2^b, so bits must be a whole number of
    digits and b a sensible digit size; the error names the field, the value and the bound."""
    with pytest.raises(ConfigError) as e:
        IdSpace(bits, b)
    msg = str(e.value)
    assert msg.startswith(field + ":")
    assert bound in msg
    assert str(bits if field == "bits" else b) in msg
    assert isinstance(e.value, ValueError) and isinstance(e.value, PastryRefError)


@pytest.mark.parametrize(("bits", "b"), [(8.0, 4), (8, True), ("8", 4)])
def test_R_ID_1_non_integer_parameters_refused(bits: object, b: object) -> None:
    """Pastry §2: the id width and digit size are integers."""
    with pytest.raises(ConfigError):
        IdSpace(bits, b)  # type: ignore[arg-type]


def test_R_ID_1_extreme_valid_spaces() -> None:
    """Pastry §2: the widest id is the SHA-1 width (160 bits); b ranges 1..8."""
    assert IdSpace(MAX_BITS, 8).digits == 20
    assert IdSpace(1, 1).size == 2
    assert IdSpace(160, 5).digits == 32


@given(st.sampled_from([*brute.SMALL_SHAPES, (128, 4)]), st.integers(-5, 5))
def test_R_ID_1_check_accepts_exactly_the_range(shape: tuple[int, int], off: int) -> None:
    """Pastry §2: node ids and keys lie in [0, 2^bits)."""
    s = IdSpace(*shape)
    for x in (off, s.size + off):
        if 0 <= x < s.size:
            assert s.check(x) == x
        else:
            with pytest.raises(InvalidId):
                s.check(x)


def test_R_ID_1_out_of_range_id_message_names_field_and_bound() -> None:
    """Pastry §2: an id outside [0, 2^bits) is refused with the field and bound named."""
    s = IdSpace(8, 4)
    with pytest.raises(InvalidId) as e:
        s.check(256, "key")
    msg = str(e.value)
    assert msg.startswith("key:") and "256" in msg and "2**8" in msg
    assert isinstance(e.value, ValueError) and isinstance(e.value, PastryRefError)
    with pytest.raises(InvalidId, match=r"^key: .*-1"):
        s.check(-1, "key")
    with pytest.raises(InvalidId, match=r"ids\[2\]"):
        s.check_all([1, 2, 300])
    with pytest.raises(InvalidId):
        s.check(True)
    with pytest.raises(InvalidId):
        s.check(1.0)


# -- R-ID-2 / R-ID-3: digits and shared prefixes ------------------------------------------
@given(any_space_ids)
def test_R_ID_2_digits_match_brute(t: tuple[int, ...]) -> None:
    """Pastry §2.1: an id is a sequence of digits of base 2^b, most significant first."""
    bits, b, x, _ = t
    s = IdSpace(bits, b)
    assert [s.digit(x, i) for i in range(s.digits)] == brute.digit_list(x, bits, b)


def test_R_ID_2_digit_examples() -> None:
    """Pastry §2.1: digit 0 is the most significant."""
    s = IdSpace(8, 4)
    assert (s.digit(0xA7, 0), s.digit(0xA7, 1)) == (0xA, 0x7)
    s = IdSpace(6, 2)
    assert [s.digit(0b100111, i) for i in range(3)] == [2, 1, 3]
    assert IdSpace(128, 4).digit_str(0xABC) == "0" * 29 + "abc"
    assert IdSpace(6, 2).digit_str(0b100111) == "2.1.3"
    assert IdSpace(4, 1).digit_str(0b0101) == "0101"


@given(any_space_ids)
def test_R_ID_3_shared_prefix_len_matches_brute(t: tuple[int, ...]) -> None:
    """Pastry §2.2: the shared prefix length of two ids counts their equal leading digits."""
    bits, b, x, y = t
    s = IdSpace(bits, b)
    assert s.shared_prefix_len(x, y) == brute.shared_prefix_len(x, y, bits, b)
    assert s.shared_prefix_len(x, x) == s.digits


def test_R_ID_3_shared_prefix_examples() -> None:
    """Pastry §2.2: prefix length counts whole digits, not bits."""
    s = IdSpace(8, 4)
    assert s.shared_prefix_len(0x10, 0x1F) == 1  # share the digit 1
    assert s.shared_prefix_len(0x10, 0x20) == 0
    assert s.shared_prefix_len(0x7F, 0x80) == 0
    s = IdSpace(8, 2)
    assert s.shared_prefix_len(0b00010000, 0b00011111) == 2


# -- R-ID-4: distances --------------------------------------------------------------------
@given(any_space_ids)
def test_R_ID_4_distances_match_brute(t: tuple[int, ...]) -> None:
    """Pastry §2: the id space is circular; distance is the shorter way round."""
    bits, b, x, y = t
    s = IdSpace(bits, b)
    cw, ccw = brute.cw_distance(x, y, bits), brute.ccw_distance(x, y, bits)
    event(f"wraps: {x > y}")
    assert s.cw_distance(x, y) == cw
    assert s.ccw_distance(x, y) == ccw
    assert s.distance(x, y) == min(cw, ccw)


def test_R_ID_4_wrap_examples() -> None:
    """Pastry §2: the ring wraps from 2^bits - 1 to 0."""
    s = IdSpace(4, 1)
    assert s.cw_distance(15, 1) == 2
    assert s.ccw_distance(1, 15) == 2
    assert s.distance(15, 1) == s.distance(1, 15) == 2
    assert s.distance(0, 8) == 8  # antipodes: both ways are 8
    assert s.cw_distance(3, 3) == s.ccw_distance(3, 3) == s.distance(3, 3) == 0


# -- R-ID-5: the tie rule -----------------------------------------------------------------
@given(any_space_3ids)
def test_R_ID_5_closer_matches_brute(t: tuple[int, ...]) -> None:
    """Pastry §2.2 'numerically closest'; ties (one node each side, same distance) go to the
    node clockwise of the key (R-ID-5)."""
    bits, b, key, x, y = t
    s = IdSpace(bits, b)
    assert s.closeness(x, key) == brute.closeness(x, key, bits)
    assert s.closer(x, y, key) == (brute.closeness(x, key, bits) < brute.closeness(y, key, bits))
    if x != y:
        assert s.closer(x, y, key) != s.closer(y, x, key)
    if x != y and brute.distance(x, key, bits) == brute.distance(y, key, bits):
        event("tie")
        cw_node = x if brute.cw_distance(key, x, bits) == brute.distance(x, key, bits) else y
        assert s.closest(key, [x, y]) == s.closest(key, [y, x]) == cw_node


@given(
    small_space(),
    st.data(),
)
def test_R_ID_5_closest_and_sort_match_brute(shape: tuple[int, int], data: st.DataObject) -> None:
    """Pastry §2.2: the key's root is the numerically closest node, ties clockwise (R-ID-5)."""
    bits, b = shape
    s = IdSpace(bits, b)
    nodes = data.draw(st.lists(st.integers(0, s.size - 1), min_size=1, max_size=20))
    key = data.draw(st.integers(0, s.size - 1))
    assert s.closest(key, nodes) == brute.root(key, nodes, bits)
    assert list(s.sort_by_closeness(key, nodes)) == brute.sort_by_closeness(key, nodes, bits)
    if len(brute.root_candidates(key, nodes, bits)) == 2:
        event("tie")


def test_R_ID_5_tie_goes_clockwise() -> None:
    """Pastry §2.2 leaves ties open; R-ID-5 fixes them: the node at key + d wins."""
    s = IdSpace(4, 1)
    assert s.closest(4, [2, 6]) == 6
    assert s.closest(4, [6, 2]) == 6
    assert s.closer(6, 2, 4) and not s.closer(2, 6, 4)
    # across the wrap: key 0, nodes 15 and 1 at distance 1 each
    assert s.closest(0, [15, 1]) == 1
    # key 15 halfway between 14 and 0 (wrap): the clockwise one is 0
    assert s.closest(15, [14, 0]) == 0
    assert s.sort_by_closeness(4, [2, 6, 4, 2]) == (4, 6, 2)


def test_R_ID_5_closest_of_nothing_is_an_error() -> None:
    """Pastry §2.2: a root exists only in a non-empty ring."""
    with pytest.raises(ValueError):
        IdSpace(4, 1).closest(3, [])


# -- R-ID-6: hashing names, hex -----------------------------------------------------------
@given(st.text(max_size=20), st.sampled_from([4, 8, 12, 128, 160]))
def test_R_ID_6_hash_name_is_sha1_prefix(name: str, bits: int) -> None:
    """Pastry §2 (and PAST §2): ids and keys are the SHA-1 hash of a name, cut to the id
    width (its most significant bits)."""
    s = IdSpace(bits, 4)
    full = hashlib.sha1(name.encode("utf-8")).hexdigest()
    want = int(format(int(full, 16), "0160b")[:bits], 2)
    assert s.hash_name(name) == want
    assert s.hash_name(name.encode("utf-8")) == want


def test_R_ID_6_hash_known_value() -> None:
    """Pastry §2: SHA-1('abc') = a9993e36...; the 128-bit key is its first 32 hex digits."""
    s = IdSpace(128, 4)
    assert s.hex(s.hash_name("abc")) == "a9993e364706816aba3e25717850c26c"
    assert IdSpace(160, 4).hex(IdSpace(160, 4).hash_name("abc")) == (
        "a9993e364706816aba3e25717850c26c9cd0d89d"
    )
    assert IdSpace(8, 4).hash_name("abc") == 0xA9


@given(any_space_ids)
def test_R_ID_6_hex_is_fixed_width_lowercase(t: tuple[int, ...]) -> None:
    """Pastry §2: ids are shown as fixed-width hex (ceil(bits/4) characters)."""
    bits, b, x, _ = t
    h = IdSpace(bits, b).hex(x)
    assert len(h) == -(-bits // 4)
    assert h == h.lower() and int(h, 16) == x


def test_R_ID_6_hex_examples() -> None:
    """Pastry §2: leading zeros are kept."""
    assert IdSpace(8, 4).hex(5) == "05"
    assert IdSpace(6, 2).hex(5) == "05"
    assert IdSpace(5, 5).hex(31) == "1f"
    assert len(IdSpace(128, 4).hex(0)) == 32


# -- R-ID-1 at every entry point: what is not an id is refused, by name -------------------
class _Id(int):
    """An int subclass: an id all the same (R-ID-1 accepts it), taken by the slow path."""


_NOT_IDS = [-1, 256, 2**70, True, False, 1.0, "3", None]

# Each public method of IdSpace with its id arguments by name; the others are valid ids (0 is
# among them: a check that ORs or ANDs two ids together must still see one bad one).
_ID_METHODS: list[tuple[str, tuple[str, ...]]] = [
    ("shared_prefix_len", ("x", "y")),
    ("cw_distance", ("x", "y")),
    ("ccw_distance", ("x", "y")),
    ("distance", ("x", "y")),
    ("closeness", ("node", "key")),
    ("hex", ("x",)),
    ("digit_str", ("x",)),
]


@pytest.mark.parametrize(("method", "names"), _ID_METHODS)
@pytest.mark.parametrize("bad", _NOT_IDS, ids=repr)
@pytest.mark.parametrize("other", [0, 5, 255])
def test_R_ID_1_every_method_refuses_a_non_id_naming_its_argument(
    method: str, names: tuple[str, ...], bad: object, other: int
) -> None:
    """R-ID-1: an id is an integer (not a bool) in [0, 2^bits). Every method of the space
    refuses anything else in any of its id arguments with InvalidId naming that argument —
    whatever the other argument is — never a TypeError, never a result."""
    s = IdSpace(8, 4)
    for pos, name in enumerate(names):
        args: list[object] = [other] * len(names)
        args[pos] = bad
        with pytest.raises(InvalidId, match=rf"^{name}: "):
            getattr(s, method)(*args)


@pytest.mark.parametrize("bad", _NOT_IDS, ids=repr)
@pytest.mark.parametrize("other", [0, 5, 255])
def test_R_ID_1_closer_closest_and_sort_refuse_a_non_id(bad: object, other: int) -> None:
    """R-ID-1 for the three order methods: closer(a, b, key), closest(key, nodes),
    sort_by_closeness(key, nodes); a bad node is named by its position."""
    s = IdSpace(8, 4)
    with pytest.raises(InvalidId, match=r"^a: "):
        s.closer(bad, other, 7)  # type: ignore[arg-type]
    with pytest.raises(InvalidId, match=r"^b: "):
        s.closer(other, bad, 7)  # type: ignore[arg-type]
    with pytest.raises(InvalidId, match=r"^key: "):
        s.closest(bad, [other])  # type: ignore[arg-type]
    with pytest.raises(InvalidId, match=r"^nodes\[1\]: "):
        s.closest(7, [other, bad])  # type: ignore[list-item]
    with pytest.raises(InvalidId, match=r"^key: "):
        s.sort_by_closeness(bad, [other])  # type: ignore[arg-type]
    with pytest.raises(InvalidId, match=r"^nodes\[1\]: "):
        s.sort_by_closeness(7, [other, bad])  # type: ignore[list-item]
    with pytest.raises(InvalidId, match=r"^ids\[1\]: "):
        s.check_all((other, bad))
    with pytest.raises(InvalidId, match=r"^ids\[1\]: "):
        s.check_all([other, bad])


@pytest.mark.parametrize("bad", ["123", b"12", {1: 2}, 7, None, 1.5])
def test_R_ID_1_a_collection_of_ids_is_not_a_string_a_mapping_or_a_scalar(bad: object) -> None:
    """R-ID-1: closest, sort_by_closeness and check_all take a collection of ids; a string, bytes,
    a mapping or a scalar is refused as a whole (InvalidId naming the field), not iterated."""
    s = IdSpace(8, 4)
    with pytest.raises(InvalidId, match=r"^nodes: expected a collection of integer ids"):
        s.closest(7, bad)  # type: ignore[arg-type]
    with pytest.raises(InvalidId, match=r"^nodes: expected a collection of integer ids"):
        s.sort_by_closeness(7, bad)  # type: ignore[arg-type]
    with pytest.raises(InvalidId, match=r"^ids: expected a collection of integer ids"):
        s.check_all(bad)  # type: ignore[arg-type]


def test_R_ID_1_any_iterable_and_int_subclasses_are_accepted() -> None:
    """R-ID-1: a generator or a dict view of ids is a collection; an int subclass in range is an
    id; each gives what the plain ints give."""
    s = IdSpace(8, 4)
    nodes = [200, 10, 130, 9]
    assert s.closest(7, iter(nodes)) == s.closest(7, nodes) == 9
    assert s.closest(7, {n: 0 for n in nodes}.keys()) == 9
    assert s.sort_by_closeness(7, (n for n in nodes)) == s.sort_by_closeness(7, nodes)
    assert s.sort_by_closeness(7, nodes) == (9, 10, 200, 130)  # 200 is 63 away, 130 is 123
    assert s.check_all(n for n in nodes) == tuple(nodes)
    assert s.check_all([_Id(3), 4]) == (3, 4)
    assert s.closest(_Id(7), [_Id(n) for n in nodes]) == 9
    for x, y in [(_Id(0), 255), (3, _Id(200)), (_Id(17), _Id(17))]:
        px, py = int(x), int(y)
        assert s.shared_prefix_len(x, y) == s.shared_prefix_len(px, py)
        assert s.cw_distance(x, y) == s.cw_distance(px, py)
        assert s.ccw_distance(x, y) == s.ccw_distance(px, py)
        assert s.distance(x, y) == s.distance(px, py)
        assert s.closeness(x, y) == s.closeness(px, py)
        assert s.closer(x, y, 9) == s.closer(px, py, 9)
        assert s.hex(x) == s.hex(px) and s.digit_str(y) == s.digit_str(py)


@pytest.mark.parametrize(("bits", "b"), [(8, 4), (12, 3), (6, 1), (8, 8), (128, 4)])
def test_R_ID_2_digit_of_an_int_subclass_takes_the_slow_path_to_the_same_digits(
    bits: int, b: int
) -> None:
    """R-ID-2: digit(x, i) is the i-th b-bit group from the top, also for an int subclass x
    (the checked path) and at every position, including a space of one digit."""
    s = IdSpace(bits, b)
    for x in (0, 1, s.size - 1, 0b1011 % s.size, (s.size * 5) // 7, s.size // 2):
        want = [(x >> (bits - (i + 1) * b)) & ((1 << b) - 1) for i in range(s.digits)]
        assert [s.digit(x, i) for i in range(s.digits)] == want
        assert [s.digit(_Id(x), i) for i in range(s.digits)] == want


@pytest.mark.parametrize("i", [-1, 2, 3, 100, True, "0", 1.0, None], ids=repr)
@pytest.mark.parametrize("x", [0, 5, 255, _Id(5)], ids=repr)
def test_R_ID_2_digit_refuses_a_position_outside_the_id(i: object, x: int) -> None:
    """R-ID-2: an id of bits // b digits has positions 0 .. digits - 1; any other i (or a bool,
    a string, a float) is BadInput naming i and the range, never an IndexError or a digit."""
    s = IdSpace(8, 4)
    with pytest.raises(BadInput, match=r"^i: expected a digit position in 0\.\.1, got "):
        s.digit(x, i)  # type: ignore[arg-type]


@pytest.mark.parametrize("x", _NOT_IDS, ids=repr)
@pytest.mark.parametrize("i", [0, 1])
def test_R_ID_2_digit_refuses_a_non_id(x: object, i: int) -> None:
    """R-ID-1 in digit: x must be an id, whatever the position."""
    s = IdSpace(8, 4)
    with pytest.raises(InvalidId, match=r"^x: "):
        s.digit(x, i)  # type: ignore[arg-type]
