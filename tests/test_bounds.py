"""No test can hang (issue 14, item 3): every drive loop is bounded, and a loop is a named
failure, not a timeout.

Owns: the tests of the bounds in ``pastry_ref.system.drive`` (``quiesce`` and ``settle`` name a
World that comes back as ``Livelock`` with the cycle's deliveries) and of ``follow``'s
``RoutingLoop``. The loops are planted on purpose: a node whose routing decision always sends
the key to the other node, so a lookup circles forever.
"""

from __future__ import annotations

import re

import pytest

from pastry_ref.app import Lookup
from pastry_ref.node.state import NodeState
from pastry_ref.ring.config import Config
from pastry_ref.system import Request, WorldSpec, quiesce
from pastry_ref.system.drive import Livelock, settle
from pastry_ref.tables.routing import RouteDecision, RouteRule

CFG = Config.make(bits=8, b=2, leaf_set_size=4, neighborhood_size=4)


def _route_to_the_other(self: NodeState, key: int, exclude: frozenset[int] = frozenset()) -> object:
    """A broken routing decision: never deliver, always forward to the other node of 10, 90."""
    return RouteDecision(False, 90 if self.id == 10 else 10, RouteRule.TABLE)


@pytest.mark.parametrize("hop_acks", [False, True])
def test_bounded_quiesce_names_a_routing_loop_with_its_hops(
    monkeypatch: pytest.MonkeyPatch, hop_acks: bool
) -> None:
    """A lookup that circles 10 -> 90 -> 10 ... makes quiesce raise Livelock within a few
    deliveries (not after its million-step budget), naming the loop and its hops."""
    cfg = Config.make(bits=8, b=2, leaf_set_size=4, neighborhood_size=4, hop_acks=hop_acks)
    world = WorldSpec(cfg, (10, 90), lookups=((10, 95),)).initial_world()
    monkeypatch.setattr(NodeState, "decide", _route_to_the_other)
    world = world.apply(Request(10, Lookup(key=95, id=0)))
    with pytest.raises(Livelock) as caught:
        quiesce(world)
    text = str(caught.value)
    assert "the network never goes quiet" in text
    assert "a routing loop of" in text
    assert "RouteMessage(key=95) 10 -> 90" in text
    assert "RouteMessage(key=95) 90 -> 10" in text
    after = re.search(r"after (\d+) deliveries", text)
    assert after is not None
    assert int(after.group(1)) <= 16  # found by the repeated World, far below max_steps


def test_bounded_settle_names_the_loop_too(monkeypatch: pytest.MonkeyPatch) -> None:
    """settle runs quiesce first, so the same loop is the same named Livelock there."""
    world = WorldSpec(CFG, (10, 90), lookups=((10, 95),)).initial_world()
    monkeypatch.setattr(NodeState, "decide", _route_to_the_other)
    world = world.apply(Request(10, Lookup(key=95, id=0)))
    with pytest.raises(Livelock, match=r"a routing loop of \d+ deliveries: RouteMessage"):
        settle(world)


def test_bounded_quiesce_without_a_loop_is_unchanged() -> None:
    """The same lookup with the real routing decision: one hop to the root 90, then quiet."""
    world = WorldSpec(CFG, (10, 90), lookups=((10, 95),)).initial_world()
    world = world.apply(Request(10, Lookup(key=95, id=0)))
    quiet, steps = quiesce(world)
    assert steps == 1
    assert quiet.network == ()
