"""The neighbourhood set (pastry_ref.tables.neighborhood) against the brute force; rule R-NB-1."""

from __future__ import annotations

import pytest
from hypothesis import given
from hypothesis import strategies as st

from pastry_ref.errors import ConfigError, InvalidId
from pastry_ref.ring.ids import IdSpace
from pastry_ref.ring.proximity import ConstantProximity, MatrixProximity
from pastry_ref.tables.neighborhood import Neighborhood
from tests import brute
from tests.brute import small_ring


@given(small_ring(), st.integers(0, 6), st.data())
def test_R_NB_1_keeps_the_m_nearest_in_any_order(t, m: int, data) -> None:
    """Pastry §2.1: the neighbourhood set M holds the |M| nodes closest to the owner by the
    proximity metric; ties by ring distance to the owner, then smaller id."""
    bits, b, ids = t
    owner = data.draw(st.sampled_from(ids))
    pairs = {(x, y): data.draw(st.integers(0, 3)) for x in ids for y in ids if x < y}
    prox = MatrixProximity(pairs)
    order = data.draw(st.permutations(ids))
    split = data.draw(st.integers(0, len(order)))
    nb = Neighborhood.empty(owner, IdSpace(bits, b), m)
    nb = nb.insert_all(order[:split], prox)
    for n in order[split:]:
        nb = nb.insert(n, prox)
    want = brute.ideal_neighbourhood(owner, ids, m, bits, prox)
    assert list(nb) == want
    assert [d for d, _ in nb.entries] == [prox(owner, n) for n in want]
    assert len(nb) == len(want) and owner not in nb


@given(small_ring(), st.integers(1, 6), st.data())
def test_R_NB_1_remove(t, m: int, data) -> None:
    """Pastry §3.2: a failed neighbour is dropped from M."""
    bits, b, ids = t
    owner = data.draw(st.sampled_from(ids))
    nb = Neighborhood.empty(owner, IdSpace(bits, b), m).insert_all(ids, ConstantProximity())
    x = data.draw(st.sampled_from(ids))
    got = nb.remove(x)
    assert list(got) == [n for n in nb if n != x]
    if x not in nb:
        assert got is nb


def test_R_NB_1_examples_and_ties() -> None:
    """Pastry §2.1: proximity first; equal proximity: ring distance, then smaller id."""
    s = IdSpace(4, 1)
    const = ConstantProximity()
    nb = Neighborhood.empty(4, s, 3).insert_all([0, 8, 9, 15, 5], const)
    # distances from 4: 5->1, 0->4, 8->4, 9->5, 15->5; ties 0|8 -> 0 first
    assert list(nb) == [5, 0, 8]
    m = MatrixProximity({(4, 15): 0.5, (4, 5): 3.0})
    nb2 = Neighborhood.empty(4, s, 1).insert_all([5, 15], m)
    assert nb2.entries == ((0.5, 15),)
    assert Neighborhood.empty(4, s, 0).insert(5, const).entries == ()
    assert nb.insert(4, const) is nb and nb.insert(5, const) is nb


def test_R_NB_1_constructor_checks() -> None:
    """Pastry §2.1: at most |M| distinct nodes, not the owner, nearest first."""
    s = IdSpace(4, 1)
    assert Neighborhood(4, s, 2, ((1.0, 5), (1.0, 0))).capacity == 2
    for entries in (((1.0, 5), (1.0, 0), (1.0, 8)), ((1.0, 4),), ((1.0, 5), (1.0, 5))):
        with pytest.raises(ConfigError):
            Neighborhood(4, s, 2, entries)
    with pytest.raises(ConfigError, match="nearest first"):
        Neighborhood(4, s, 2, ((2.0, 5), (1.0, 0)))
    with pytest.raises(ConfigError, match="nearest first"):
        Neighborhood(4, s, 2, ((1.0, 0), (1.0, 5)))  # 5 is numerically closer to 4
    with pytest.raises(ConfigError, match="capacity"):
        Neighborhood(4, s, -1)
    with pytest.raises(InvalidId):
        Neighborhood(4, s, 2, ((1.0, 16),))
    with pytest.raises(InvalidId):
        Neighborhood.empty(4, s, 2).insert(16, ConstantProximity())


def test_R_NB_1_constructor_names_the_bad_id_and_its_field() -> None:
    """A neighbourhood refuses an owner or a member that is not an id of the space, and the
    message names the field (and the member's position), the value and the expected range."""
    s = IdSpace(4, 1)
    with pytest.raises(InvalidId, match=r"^neighborhood\.owner: id 16 is out of range; expected"):
        Neighborhood(16, s, 2)
    with pytest.raises(InvalidId, match=r"^neighborhood\.entries\[1\]: id 16 is out of range"):
        Neighborhood(4, s, 2, ((1.0, 5), (2.0, 16)))
    with pytest.raises(InvalidId, match=r"^neighborhood\.entries\[0\]: expected an integer id"):
        Neighborhood(4, s, 2, ((1.0, True),))  # type: ignore[arg-type]
