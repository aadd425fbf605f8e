"""Text for people: messages, timers, actions, effects, node states, configs and Worlds, each
as one stable, readable line.

Owns: the one way the project prints its values (the golden scripts, and any tool that shows a
state or a trace to a reader). Rules: (1) every function returns one line (``describe_world`` and
``describe_network`` a tuple of lines), with no trailing space and no newline; (2) the text is a
function of the value only, so equal values print alike in every run: a set prints sorted in
``{...}``, a sequence in its own order in ``[...]`` (a sequence inside a sequence in ``(...)``),
a mapping sorted by key; (3) a value of an attrs class prints as its type name and its fields,
``name=value`` in declaration order, leaving out fields at their default (``failed=()``): at the
top of a line ``LSProbe src=1 leaf_set=[1 2]``, inside a field ``LookupPayload(id=0)``; (4)
``None`` prints ``-``, booleans ``true`` and ``false``, enums their value; (5) an action starts
with its ``name`` and the node it acts at (``ReceiveLSProbe 17: LSProbe src=55 ...``). Rendering
only: nothing here parses text back.
"""

from __future__ import annotations

import enum
from collections.abc import Hashable, Mapping
from typing import Any

import attrs

from pastry_ref.app.api import Reply
from pastry_ref.app.host import HostEffect
from pastry_ref.node.effects import CancelTimer, Deliver, Forward, Send, SetTimer, Update
from pastry_ref.node.messages import Message
from pastry_ref.node.state import NodeState
from pastry_ref.ring.config import Config
from pastry_ref.system.actions import (
    Crash,
    Drop,
    Duplicate,
    FireTimer,
    Join,
    Leave,
    Receive,
    Request,
    TimerSemantics,
    WorldAction,
)
from pastry_ref.system.world import World

__all__ = [
    "describe_action",
    "describe_config",
    "describe_effect",
    "describe_message",
    "describe_network",
    "describe_node",
    "describe_timer",
    "describe_value",
    "describe_world",
    "describe_world_summary",
]


# -- values ------------------------------------------------------------------------------------
def _order(v: object) -> tuple[Any, ...]:
    """A total order for the members of a set: numbers by value, then strings, then tuples
    member by member, then anything else by its text."""
    if v is None:
        return (0,)
    if isinstance(v, bool | int):
        return (1, int(v))
    if isinstance(v, str):
        return (2, v)
    if isinstance(v, tuple):
        return (3, tuple(_order(x) for x in v))
    return (4, describe_value(v))


def _fields(v: object, sep: str) -> str:
    """``name=value`` for every field of attrs value ``v`` not at its default, joined by
    ``sep``."""
    cls = type(v)
    if not attrs.has(cls):
        raise TypeError(f"not an attrs value: {v!r}")
    parts = []
    for f in attrs.fields(cls):
        value = getattr(v, f.name)
        default = f.default
        if isinstance(default, attrs.Factory):  # type: ignore[arg-type]
            default = default.factory()
        if default is not attrs.NOTHING and value == default:
            continue
        parts.append(f"{f.name}={_value(value, nested=False)}")
    return sep.join(parts)


def _value(v: object, *, nested: bool) -> str:
    if v is None:
        return "-"
    if isinstance(v, bool):
        return "true" if v else "false"
    if isinstance(v, enum.Enum):
        return _value(v.value, nested=nested)
    if isinstance(v, int | str):
        return str(v)
    if isinstance(v, float):
        return repr(v)
    if isinstance(v, tuple):
        inner = " ".join(_value(x, nested=True) for x in v)
        return f"({inner})" if nested else f"[{inner}]"
    if isinstance(v, frozenset | set):
        return "{" + " ".join(_value(x, nested=True) for x in sorted(v, key=_order)) + "}"
    if isinstance(v, Mapping):
        items = sorted(v.items(), key=lambda kv: _order(kv[0]))
        pairs = (f"{_value(k, nested=True)}:{_value(x, nested=True)}" for k, x in items)
        return "{" + " ".join(pairs) + "}"
    if attrs.has(type(v)):
        fields = _fields(v, " ")
        return f"{type(v).__name__}({fields})"
    return repr(v)


def describe_value(v: object) -> str:
    """Any value a message, timer, request or state holds, by the rules of this module (an
    attrs value as ``Type(field=value ...)``)."""
    return _value(v, nested=False)


def _top(v: object) -> str:
    """An attrs value at the top of a line: ``Type field=value ...``; anything else as
    ``describe_value``."""
    if not attrs.has(type(v)):
        return describe_value(v)
    fields = _fields(v, " ")
    return f"{type(v).__name__} {fields}" if fields else type(v).__name__


def describe_message(msg: Message) -> str:
    """``LSProbe src=55 leaf_set=[17 55 95]``: the type and the fields not at their default."""
    return _top(msg)


def describe_timer(timer: Hashable) -> str:
    """A node's or an application's timer: ``KeepAlive node=95``, ``RowMaintenance``."""
    return _top(timer)


# -- actions and effects -----------------------------------------------------------------------
def describe_action(action: WorldAction) -> str:
    """``<name> <at>``, then what the action carries: ``Join 65 seed=17``, ``Crash 95``,
    ``Lookup 17: Lookup key=60 id=0``, ``ReceiveLSProbe 17: LSProbe src=55 ...``,
    ``Drop 95: LSProbe src=17 ...``, ``FireKeepAlive 17: KeepAlive node=95``."""
    head = f"{action.name} {action.at}"
    if isinstance(action, Join):
        return f"{head} seed={action.seed}"
    if isinstance(action, Crash | Leave):
        return head
    if isinstance(action, Request):
        return f"{head}: {_top(action.request)}"
    if isinstance(action, Receive | Drop | Duplicate):
        return f"{head}: {describe_message(action.msg)}"
    if isinstance(action, FireTimer):
        return f"{head}: {describe_timer(action.timer)}"
    raise TypeError(f"not a World action: {action!r}")


def describe_effect(effect: HostEffect) -> str:
    """``send 65 LSProbe src=17 ...``, ``upcall deliver key=60 payload=LookupPayload(id=0)``,
    ``upcall forward key=60 payload=... next_hop=65``, ``upcall update 17 joined``,
    ``timer set ProbeTimeout node=17``, ``timer cancel ...``, ``reply <request> -> <response>``."""
    if isinstance(effect, Send):
        return f"send {effect.dest} {describe_message(effect.msg)}"
    if isinstance(effect, Deliver):
        return f"upcall deliver key={describe_value(effect.key)} " + (
            f"payload={describe_value(effect.payload)}"
        )
    if isinstance(effect, Forward):
        return (
            f"upcall forward key={effect.key} payload={describe_value(effect.payload)} "
            f"next_hop={effect.next_hop}"
        )
    if isinstance(effect, Update):
        return f"upcall update {effect.node} {'joined' if effect.joined else 'left'}"
    if isinstance(effect, SetTimer):
        return f"timer set {describe_timer(effect.timer)}"
    if isinstance(effect, CancelTimer):
        return f"timer cancel {describe_timer(effect.timer)}"
    if isinstance(effect, Reply):
        return f"reply {describe_value(effect.request)} -> {describe_value(effect.response)}"
    raise TypeError(f"not an effect: {effect!r}")


# -- states ------------------------------------------------------------------------------------
_NODE_TABLES = frozenset({"id", "config", "status", "leaf_set", "routing_table", "neighborhood"})


def describe_node(node: NodeState) -> str:
    """``<id> <status> ls=[far..near]|[near..far] rt=[row/digit:node ...] hood=[nearest first]``,
    then every other field (join, failure and hop bookkeeping) that is not at its default."""
    left = " ".join(str(x) for x in reversed(node.leaf_set.left))
    right = " ".join(str(x) for x in node.leaf_set.right)
    table = " ".join(f"{r}/{d}:{x}" for (r, d), x in sorted(node.routing_table.entries().items()))
    hood = " ".join(str(x) for _, x in node.neighborhood.entries)
    parts = [f"{node.id} {node.status.value} ls=[{left}]|[{right}] rt=[{table}] hood=[{hood}]"]
    for f in attrs.fields(NodeState):
        if f.name in _NODE_TABLES:
            continue
        value = getattr(node, f.name)
        if value != f.default:
            parts.append(f"{f.name}={describe_value(value)}")
    return " ".join(parts)


def describe_config(config: Config) -> str:
    """Every protocol parameter, by the names of ``Config`` and ``Config.make``:
    ``bits=8 b=4 leaf_set_size=2 neighborhood_size=4 join=consistent hop_acks=false
    probe_retry=true``."""
    c = config
    return (
        f"bits={c.space.bits} b={c.space.b} leaf_set_size={c.leaf_set_size} "
        f"neighborhood_size={c.neighborhood_size} join={c.join.value} "
        f"hop_acks={describe_value(c.hop_acks)} probe_retry={describe_value(c.probe_retry)}"
    )


def describe_network(world: World) -> tuple[str, ...]:
    """``network: empty``, or ``network: <n>`` and one ``  -> <dest> <message>`` line for each
    message in flight, in the network's order (with repetition)."""
    if not world.network:
        return ("network: empty",)
    return (
        f"network: {len(world.network)}",
        *(f"  -> {e.dest} {describe_message(e.msg)}" for e in world.network),
    )


def describe_world(world: World) -> tuple[str, ...]:
    """Every started node (``describe_node``, in id order), the nodes that are down, what the
    environment may still do (only what is left: joins, requests, crashes, leaves, drops,
    duplicates, periodic firings; the timer semantics when not quiet), then the network."""
    w = world
    out = [describe_node(n) for n in w.started()] or ["no node started"]
    if w.down:
        out.append("down: " + " ".join(map(str, w.down)))
    if w.joins_left:
        out.append("joins left: " + " ".join(f"{x}:{s}" for x, s in w.joins_left))
    if w.requests_left:
        out.append(
            "requests left: " + " ".join(f"{o}:{describe_value(r)}" for o, r in w.requests_left)
        )
    if w.crashes_left:
        out.append("crashes left: " + " ".join(map(str, w.crashes_left)))
    if w.leaves_left:
        out.append("leaves left: " + " ".join(map(str, w.leaves_left)))
    for label, n in (
        ("drops", w.drops_left),
        ("duplicates", w.duplicates_left),
        ("periodic firings", w.periodic_left),
    ):
        if n:
            out.append(f"{label} left: {n}")
    if w.timers is not TimerSemantics.QUIET:
        out.append(f"timers: {w.timers.value}")
    return (*out, *describe_network(w))


def describe_world_summary(world: World) -> str:
    """One line of counts: ``4 nodes: 3 ready 0 ok 0 wait, 1 down; 2 in flight; 0 actions
    enabled``."""
    w = world
    by_status: dict[str, int] = {"ready": 0, "ok": 0, "wait": 0}
    for n in w.started():
        by_status[n.status.value] = by_status.get(n.status.value, 0) + 1
    counts = " ".join(f"{v} {k}" for k, v in by_status.items())
    return (
        f"{len(w.ids)} nodes: {counts}, {len(w.down)} down; {len(w.network)} in flight; "
        f"{len(w.actions())} actions enabled"
    )
