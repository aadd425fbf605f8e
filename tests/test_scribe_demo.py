"""The SCRIBE part of ``pastry-ref demo`` (issue 11, item 6): the tree is drawn, a publish
reaches every member, an interior tree node crashes, the tree repairs and a publish reaches
every live member again."""

from __future__ import annotations

import io
import re

import pytest

from pastry_ref.cli.demo import run_scribe_demo


@pytest.mark.parametrize("seed", [2001, 7])
def test_scribe_demo_draws_the_tree_and_delivers_after_repair(seed: int) -> None:
    out = io.StringIO()
    assert run_scribe_demo(seed, out) == 0
    text = out.getvalue()
    assert "the tree:" in text and " root" in text
    assert "publish 'hello': delivered to 10 of 10 members" in text
    assert "crashes; its children re-subscribe around it" in text
    again = re.search(r"publish 'again': delivered to (\d+) of (\d+) live members", text)
    assert again is not None and again.group(1) == again.group(2)
    assert int(again.group(2)) >= 9
