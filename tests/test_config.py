# ruff: noqa: N803 - test names carry spec rule ids (R-LS-4...), L is the paper name
"""Protocol configuration (pastry_ref.ring.config): rule R-CFG-1."""

from __future__ import annotations

import pytest

from pastry_ref.errors import ConfigError, PastryRefError
from pastry_ref.ring.config import Config
from pastry_ref.ring.ids import IdSpace


def test_R_CFG_1_paper_defaults() -> None:
    """Pastry §2.1/§3: typical values b = 4, |L| = 16, |M| = 32, 128-bit ids."""
    c = Config.make()
    assert (c.space, c.leaf_set_size, c.neighborhood_size, c.half) == (IdSpace(128, 4), 16, 32, 8)


@pytest.mark.parametrize("L", [2, 4, 6, 8, 16, 32])
def test_R_CFG_1_even_leaf_set_sizes_accepted(L: int) -> None:
    """Pastry §2.1: the leaf set holds |L|/2 nodes on each side, so |L| is even."""
    assert Config(IdSpace(8, 4), L, 0).half == L // 2


@pytest.mark.parametrize("L", [1, 3, 15, 0, -2, 2.0, True, None])
def test_R_CFG_1_bad_leaf_set_size_names_the_field(L: object) -> None:
    """Pastry §2.1: |L|/2 larger and |L|/2 smaller: L must be an even integer >= 2."""
    with pytest.raises(ConfigError) as e:
        Config(IdSpace(8, 4), L, 4)  # type: ignore[arg-type]
    assert str(e.value).startswith("leaf_set_size:")
    assert repr(L) in str(e.value) and ">= 2" in str(e.value)
    assert isinstance(e.value, ValueError) and isinstance(e.value, PastryRefError)


@pytest.mark.parametrize("M", [-1, 1.5, False])
def test_R_CFG_1_bad_neighborhood_size_names_the_field(M: object) -> None:
    """Pastry §2.1: the neighbourhood set holds |M| >= 0 nodes."""
    with pytest.raises(ConfigError, match=r"^neighborhood_size: .*>= 0"):
        Config(IdSpace(8, 4), 4, M)  # type: ignore[arg-type]


def test_R_CFG_1_neighborhood_zero_allowed() -> None:
    """Pastry §2.1: M may be empty (routing never needs it)."""
    assert Config(IdSpace(8, 4), 2, 0).neighborhood_size == 0


@pytest.mark.parametrize(
    ("kwargs", "field"),
    [
        ({"bits": 8, "b": 0}, "b:"),
        ({"bits": 8, "b": 9}, "b:"),
        ({"bits": 10, "b": 4}, "bits:"),
        ({"bits": 161, "b": 1}, "bits:"),
        ({"leaf_set_size": 7}, "leaf_set_size:"),
    ],
)
def test_R_CFG_1_make_refuses_bad_numbers(kwargs: dict[str, int], field: str) -> None:
    """Pastry §2.1: b, the id width and |L| are bounded; each refusal is a ConfigError naming
    the field."""
    with pytest.raises(ConfigError) as e:
        Config.make(**kwargs)
    assert str(e.value).startswith(field)


def test_R_CFG_1_space_must_be_an_id_space() -> None:
    """Pastry §2: a configuration fixes one id space."""
    with pytest.raises(ConfigError, match=r"^space:"):
        Config((128, 4), 16, 32)  # type: ignore[arg-type]
