"""A brute-force Pastry oracle, written plainly, plus the Hypothesis strategies the tests share.

Nothing here imports the code under test. Every function takes plain numbers (``bits``, ``b``)
and answers by the most direct method: digits by string formatting, distances by walking the
ring one step at a time (small rings), the root by scanning every node, leaf-set halves by
walking the ring, ``covers`` by enumerating the arc, routing-table cells by comparing digit
strings. Slow and obvious on purpose: it is the yardstick.
"""

from __future__ import annotations

from hypothesis import strategies as st

WALK_LIMIT = 1 << 13  # rings up to this size are walked step by step; larger ones use arithmetic


# -- ids -------------------------------------------------------------------------------------
def ring_size(bits: int) -> int:
    return 2**bits


def digit_list(x: int, bits: int, b: int) -> list[int]:
    """The digits of x, most significant first, via a binary string cut into b-wide chunks."""
    text = format(x, "b").rjust(bits, "0")
    return [int(text[i : i + b], 2) for i in range(0, bits, b)]


def digit(x: int, i: int, bits: int, b: int) -> int:
    return digit_list(x, bits, b)[i]


def shared_prefix_len(x: int, y: int, bits: int, b: int) -> int:
    dx, dy = digit_list(x, bits, b), digit_list(y, bits, b)
    n = 0
    for a, c in zip(dx, dy, strict=True):
        if a != c:
            break
        n += 1
    return n


def cw_distance(x: int, y: int, bits: int) -> int:
    """Steps from x going clockwise (x+1, x+2, ... wrapping) until y."""
    size = ring_size(bits)
    if size > WALK_LIMIT:
        return y - x if y >= x else y + size - x
    steps = 0
    pos = x
    while pos != y:
        pos += 1
        if pos == size:
            pos = 0
        steps += 1
    return steps


def ccw_distance(x: int, y: int, bits: int) -> int:
    """Steps from x going counter-clockwise until y."""
    size = ring_size(bits)
    if size > WALK_LIMIT:
        return x - y if x >= y else x + size - y
    steps = 0
    pos = x
    while pos != y:
        pos -= 1
        if pos == -1:
            pos = size - 1
        steps += 1
    return steps


def distance(x: int, y: int, bits: int) -> int:
    a = cw_distance(x, y, bits)
    c = ccw_distance(x, y, bits)
    return a if a < c else c


def closeness(node: int, key: int, bits: int) -> tuple[int, int]:
    """(ring distance, steps clockwise from key to node): smaller is closer (tie rule R-ID-5)."""
    return (distance(node, key, bits), cw_distance(key, node, bits))


def sort_by_closeness(key: int, nodes: list[int], bits: int) -> list[int]:
    return sorted(set(nodes), key=lambda n: closeness(n, key, bits))


def root(key: int, nodes: list[int], bits: int) -> int:
    """Scan every node; keep the closest, a tie going to the one clockwise of the key."""
    best = None
    for n in sorted(set(nodes)):
        d = distance(n, key, bits)
        if best is None:
            best = n
            continue
        bd = distance(best, key, bits)
        if d < bd or (d == bd and n != best and cw_distance(key, n, bits) == d):
            best = n
    assert best is not None
    return best


def root_candidates(key: int, nodes: list[int], bits: int) -> set[int]:
    dmin = min(distance(n, key, bits) for n in nodes)
    return {n for n in nodes if distance(n, key, bits) == dmin}


# -- leaf sets -------------------------------------------------------------------------------
def halves(owner: int, nodes: list[int], half: int, bits: int) -> tuple[list[int], list[int]]:
    """(left, right): the ``half`` nearest nodes counter-clockwise / clockwise, closest first.

    Small rings: walk the ring one id at a time from the owner in each direction, collecting
    the nodes met, until ``half`` are found or the walk is back at the owner.
    """
    size = ring_size(bits)
    others = set(nodes) - {owner}
    if size > WALK_LIMIT:
        right = sorted(others, key=lambda n: cw_distance(owner, n, bits))[:half]
        left = sorted(others, key=lambda n: ccw_distance(owner, n, bits))[:half]
        return left, right
    right: list[int] = []
    pos = (owner + 1) % size
    while pos != owner and len(right) < half:
        if pos in others:
            right.append(pos)
        pos = (pos + 1) % size
    left: list[int] = []
    pos = (owner - 1) % size
    while pos != owner and len(left) < half:
        if pos in others:
            left.append(pos)
        pos = (pos - 1) % size
    return left, right


def arc(owner: int, left: list[int], right: list[int], bits: int) -> set[int]:
    """Every id of the leaf-set range: all ids if the halves share a member, else the ids met
    walking clockwise from the farthest left member (or the owner) to the farthest right member
    (or the owner), both ends included."""
    size = ring_size(bits)
    if set(left) & set(right):
        return set(range(size))
    start = left[-1] if left else owner
    end = right[-1] if right else owner
    out = {start}
    pos = start
    while pos != end:
        pos = (pos + 1) % size
        out.add(pos)
    # the arc must pass through the owner
    assert owner in out
    return out


def covers(owner: int, left: list[int], right: list[int], key: int, bits: int) -> bool:
    """Small rings only (enumerates the arc)."""
    return key in arc(owner, left, right, bits)


def leaf_closest(owner: int, left: list[int], right: list[int], key: int, bits: int) -> int:
    return root(key, [owner, *left, *right], bits)


def leaf_add(
    owner: int, left: list[int], right: list[int], new: list[int], half: int, bits: int
) -> tuple[list[int], list[int]]:
    """R-LS-2: per side, the ``half`` nearest on that side among current members and new nodes."""
    pool = set(left) | set(right) | set(new)
    pool.discard(owner)
    return halves(owner, sorted(pool), half, bits)


# -- routing table ---------------------------------------------------------------------------
def cell(owner: int, node: int, bits: int, b: int) -> tuple[int, int] | None:
    """The cell (row, column) of ``node`` in ``owner``'s table, by comparing digit strings."""
    if node == owner:
        return None
    do, dn = digit_list(owner, bits, b), digit_list(node, bits, b)
    row = 0
    while do[row] == dn[row]:
        row += 1
    return (row, dn[row])


def ideal_table(
    owner: int, nodes: list[int], bits: int, b: int, prox=None
) -> dict[tuple[int, int], int]:
    """Every cell some live node fits, holding the preferred candidate.

    With ``prox``: ranked by (prox(owner, n), ring distance to owner, id); without: by
    (ring distance to owner, id).
    """
    best: dict[tuple[int, int], int] = {}
    for n in sorted(set(nodes)):
        c = cell(owner, n, bits, b)
        if c is None:
            continue
        if prox is None:
            rank = (distance(owner, n, bits), n)
        else:
            rank = (prox(owner, n), distance(owner, n, bits), n)
        if c not in best:
            best[c] = n
            continue
        m = best[c]
        if prox is None:
            rank_m = (distance(owner, m, bits), m)
        else:
            rank_m = (prox(owner, m), distance(owner, m, bits), m)
        if rank < rank_m:
            best[c] = n
    return best


def ideal_neighbourhood(owner: int, nodes: list[int], m: int, bits: int, prox) -> list[int]:
    others = [n for n in sorted(set(nodes)) if n != owner]
    others.sort(key=lambda n: (prox(owner, n), distance(owner, n, bits), n))
    return others[:m]


# -- routing ---------------------------------------------------------------------------------
def next_hop(
    key: int,
    owner: int,
    left: list[int],
    right: list[int],
    table: dict[tuple[int, int], int],
    neighbours: list[int],
    bits: int,
    b: int,
) -> tuple[bool, int, str]:
    """The paper's routing procedure (§2.2) spelled out: (deliver, node, rule id)."""
    if covers(owner, left, right, key, bits):
        t = leaf_closest(owner, left, right, key, bits)
        return (t == owner, t, "R-ROUTE-1")
    l = shared_prefix_len(key, owner, bits, b)  # noqa: E741
    d = digit(key, l, bits, b)
    if (l, d) in table:
        return (False, table[(l, d)], "R-ROUTE-2")
    known = set(left) | set(right) | set(table.values()) | set(neighbours)
    mine = closeness(owner, key, bits)
    rare = [
        t
        for t in sorted(known)
        if shared_prefix_len(t, key, bits, b) >= l and closeness(t, key, bits) < mine
    ]
    if rare:
        return (False, root(key, rare, bits), "R-ROUTE-3")
    return (True, owner, "R-ROUTE-4")


# -- strategies ------------------------------------------------------------------------------
SMALL_SHAPES = [(bits, b) for bits in range(4, 13) for b in range(1, 5) if bits % b == 0]


@st.composite
def small_space(draw):
    """(bits, b) with 4 <= bits <= 12, 1 <= b <= 4, bits % b == 0 (tiny rings: ties and
    wrap-around are common)."""
    return draw(st.sampled_from(SMALL_SHAPES))


@st.composite
def small_ring(draw, min_nodes: int = 1, max_nodes: int = 20):
    """(bits, b, sorted node ids): a tiny ring of 1..20 live nodes.

    Half the time the ring is drawn from a narrow window of ids near 0 / near the top (so
    wrap-around and clustering happen), half the time anywhere.
    """
    bits, b = draw(small_space())
    size = 2**bits
    n_max = min(max_nodes, size)
    ids = draw(
        st.one_of(
            st.sets(st.integers(0, size - 1), min_size=min_nodes, max_size=n_max),
            st.sets(
                st.integers(-(size // 8), size // 8).map(lambda x: x % size),
                min_size=min_nodes,
                max_size=min(n_max, size // 4),
            ),
        )
    )
    return bits, b, sorted(ids)


leaf_sizes = st.sampled_from([2, 4, 6, 8])
