"""Golden interaction scripts for the World, in the style of etcd's ``datadriven``.

A script is a sequence of blocks::

    # comments (kept on rewrite)
    <command> <args...>
    ----
    <expected output, no blank lines>
    <blank line>

The runner executes every command against one World and compares the rendered output with the
expected one. With ``PASTRY_REF_REWRITE=1`` the test rewrites the expected outputs in place.
Every value is printed by ``pastry_ref.system.describe`` (its module header gives the rules).
A command that cannot run prints one ``error: ...`` line.

Commands:

``world bits=8 b=4 leaf_set_size=2 join=consistent|paper initial=17,95 [neighborhood_size=4]
[hop_acks=true|false] [probe_retry=true|false] [joins=65:95,55:17] [lookups=17:60,...]
[crashes=95,...] [leaves=160,...] [network=reliable|lossy|duplicating] [drops=N]
[duplicates=N] [periodic=N] [timers=quiet|any]``
    Build ``WorldSpec(...).initial_world()`` and show it. The keys are the field names of
    ``Config.make`` and ``WorldSpec`` (joins are ``node:seed``, lookups ``origin:key``); what is
    left out takes their defaults (``neighborhood_size`` 32, ``probe_retry`` true, a reliable
    network, quiet timers). Resets the CorrectDelivery record.
``apply <ActionName> <node> [from=<src>] [key=<key>] [type=<Type>]``
    Apply the one enabled action with that name (``Join``, ``Lookup``, ``ReceiveJoinRequest``,
    ``Crash``, ``FireKeepAlive``, ...) at that node (the joiner, the request's origin, the
    message's destination, the timer's node); ``from`` narrows by the message's sender, ``key``
    by the request's (or routed message's) key, ``type`` by the message's or timer's type.
    Prints the action, its effects, the nodes whose state changed, and the network. An error if
    no enabled action or more than one matches.
``crash <node>``, ``leave <node>``
    ``apply Crash <node>``, ``apply Leave <node>`` (the node must be in the world's
    ``crashes=`` or ``leaves=``).
``drop <dest> [from=<src>] [type=<Type>]``, ``duplicate <dest> [from=<src>] [type=<Type>]``
    The network loses (duplicates) the one matching message in flight to ``dest``; needs
    ``network=lossy drops=N`` (``duplicating duplicates=N``).
``fire <node> <Timer> [<target>]``
    Fire the one armed timer of that type at ``node`` (``KeepAlive``, ``ProbeTimeout``,
    ``HopTimeout``, ``RowMaintenance``); ``target`` narrows by the timer's node (its next hop for
    a ``HopTimeout``). An error, naming why, if it is not armed or may not fire now.
``timers``
    Every armed timer, one line each (``<node> <timer>``), marked ``may fire`` when it may.
``actions``
    The enabled actions, in ``World.actions()`` order.
``run [max=N]``
    Apply the first enabled action until none is enabled (at most N, default 10000, else an
    error); print each action, then the final world.
``settle [max=N]``
    ``pastry_ref.system.drive.settle``: quiesce, fire the timers that may fire (not periodic
    ones), repeat, in at most N rounds (default 1000). Prints the deliveries and firings, the
    messages sent by type, then the world. (Deliveries inside ``settle`` are not recorded for
    CorrectDelivery.)
``check``
    Every property: the state invariants, NoDeadInLeafSets, CorrectDelivery and
    CorrectDeliveryAfterRepair over every action applied (``apply``, ``run``, ...) since
    ``world``, Converged, AllReady, NoStuckMessages; ``ok`` or the violations.
``show``
    The world (``describe_world``): every started node, what is down, what the environment may
    still do, the network.
``summary``
    The world in one line of counts (``describe_world_summary``).
"""

from __future__ import annotations

import difflib
import enum
import os
from collections import Counter
from collections.abc import Callable, Hashable
from pathlib import Path
from typing import TypeVar

import attrs

from pastry_ref.app import HostEffect
from pastry_ref.errors import PastryRefError
from pastry_ref.node import HopTimeout, RouteMessage, RowMaintenance, Timer
from pastry_ref.ring.config import Config
from pastry_ref.system import (
    Crash,
    Drop,
    Duplicate,
    FireTimer,
    Leave,
    NetworkModel,
    Receive,
    Request,
    TimerSemantics,
    World,
    WorldAction,
    WorldSpec,
    describe_action,
    describe_config,
    describe_effect,
    describe_network,
    describe_node,
    describe_timer,
    describe_world,
    describe_world_summary,
    settle,
)
from pastry_ref.system import invariants as inv

REWRITE_ENV = "PASTRY_REF_REWRITE"
SEPARATOR = "----"
RUN_DEFAULT_MAX = 10_000
SETTLE_DEFAULT_MAX = 1_000

E = TypeVar("E", bound=enum.Enum)


class ScriptError(Exception):
    """A malformed script (as opposed to a command that fails, whose error is its output)."""


class CommandError(Exception):
    """A command that cannot run; its message becomes the output ``error: ...``."""


@attrs.frozen
class Block:
    comments: tuple[str, ...]
    command: str
    expected: tuple[str, ...]
    line: int


def parse(text: str) -> list[Block]:
    lines = text.splitlines()
    blocks: list[Block] = []
    comments: list[str] = []
    i = 0
    while i < len(lines):
        line = lines[i]
        if not line.strip():
            i += 1
            continue
        if line.startswith("#"):
            comments.append(line)
            i += 1
            continue
        start = i + 1
        if i + 1 >= len(lines) or lines[i + 1] != SEPARATOR:
            raise ScriptError(f"line {start}: expected {SEPARATOR!r} after command {line!r}")
        i += 2
        expected: list[str] = []
        while i < len(lines) and lines[i].strip():
            expected.append(lines[i])
            i += 1
        blocks.append(Block(tuple(comments), line, tuple(expected), start))
        comments = []
    if comments:
        raise ScriptError("comments after the last command")
    return blocks


def format_blocks(blocks: list[tuple[Block, list[str]]]) -> str:
    """The script text with each block's output replaced by ``output``."""
    parts = []
    for block, output in blocks:
        parts.append("\n".join([*block.comments, block.command, SEPARATOR, *output]))
    return "\n\n".join(parts) + "\n"


def _violations(name: str, vs: list[inv.Violation]) -> list[str]:
    if not vs:
        return [f"{name}: ok"]
    return [f"{name}: {len(vs)} violation(s)"] + [f"  {v.detail}" for v in vs]


# -- the runner -----------------------------------------------------------------------------
def _kv(args: list[str], allowed: set[str]) -> dict[str, str]:
    out: dict[str, str] = {}
    for a in args:
        key, eq, value = a.partition("=")
        if not eq or key not in allowed:
            raise CommandError(f"unexpected argument {a!r}; expected key=value with key in "
                               f"{sorted(allowed)}")  # fmt: skip
        out[key] = value
    return out


def _int(key: str, s: str) -> int:
    try:
        return int(s)
    except ValueError:
        raise CommandError(f"{key}: expected an integer, got {s!r}") from None


def _bool(key: str, s: str) -> bool:
    if s not in ("true", "false"):
        raise CommandError(f"{key}: expected true or false, got {s!r}")
    return s == "true"


def _int_list(key: str, s: str) -> tuple[int, ...]:
    return tuple(_int(key, x) for x in s.split(",") if x)


def _pairs(key: str, s: str) -> tuple[tuple[int, int], ...]:
    out = []
    for item in s.split(","):
        if item:
            a, colon, b = item.partition(":")
            if not colon:
                raise CommandError(f"{key}: expected a:b pairs separated by commas, got {item!r}")
            out.append((_int(key, a), _int(key, b)))
    return tuple(out)


def _enum(key: str, s: str, kind: type[E]) -> E:
    try:
        return kind(s)
    except ValueError:
        raise CommandError(f"{key}: expected one of {[m.value for m in kind]}, got {s!r}") from None


_WORLD_KEYS = {
    "bits", "b", "leaf_set_size", "neighborhood_size", "join", "hop_acks", "probe_retry",
    "initial", "joins", "lookups", "crashes", "leaves", "network", "drops", "duplicates",
    "periodic", "timers",
}  # fmt: skip
_WORLD_REQUIRED = ("bits", "b", "leaf_set_size", "join", "initial")


def _msg_of(a: WorldAction) -> object:
    return a.msg if isinstance(a, Receive | Drop | Duplicate) else None


def _key_of(a: WorldAction) -> int | None:
    if isinstance(a, Request):
        key = getattr(a.request, "key", None)
        return key if isinstance(key, int) else None
    msg = _msg_of(a)
    return msg.key if isinstance(msg, RouteMessage) else None


def _type_of(a: WorldAction) -> str | None:
    if isinstance(a, FireTimer):
        return type(a.timer).__name__
    msg = _msg_of(a)
    return None if msg is None else type(msg).__name__


def _timer_target(t: Hashable) -> int | None:
    if isinstance(t, HopTimeout):
        return t.next_hop
    node = getattr(t, "node", None)
    return node if isinstance(node, int) else None


def _timer_order(t: Hashable) -> tuple[str, int, str]:
    """Timers by type, then target node (as a number), then text."""
    target = _timer_target(t)
    return (type(t).__name__, -1 if target is None else target, describe_timer(t))


class Runner:
    def __init__(self) -> None:
        self.world: World | None = None
        self.delivery: list[inv.Violation] = []
        self.deliveries_checked = 0

    def _w(self) -> World:
        if self.world is None:
            raise CommandError("no world yet: start with the world command")
        return self.world

    def run(self, command: str) -> list[str]:
        name, *args = command.split()
        handlers: dict[str, Callable[[list[str]], list[str]]] = {
            "world": self.cmd_world,
            "apply": self.cmd_apply,
            "crash": self.cmd_crash,
            "leave": self.cmd_leave,
            "drop": self.cmd_drop,
            "duplicate": self.cmd_duplicate,
            "fire": self.cmd_fire,
            "timers": self.cmd_timers,
            "actions": self.cmd_actions,
            "run": self.cmd_run,
            "settle": self.cmd_settle,
            "check": self.cmd_check,
            "show": self.cmd_show,
            "summary": self.cmd_summary,
        }
        if name not in handlers:
            return [f"error: unknown command {name!r}; expected one of {', '.join(handlers)}"]
        try:
            return handlers[name](args)
        except CommandError as e:
            return [f"error: {e}"]
        except Exception as e:  # a failure of pastry_ref is output too, so a diff shows it
            return [f"error: {type(e).__name__}: {e}"]

    def _step(self, action: WorldAction) -> tuple[World, World, tuple[HostEffect, ...]]:
        before = self._w()
        after, effects = before.apply_with_effects(action)
        if inv.delivers(action):  # the actions CorrectDelivery judges, as the library says
            self.deliveries_checked += 1
            self.delivery.extend(inv.correct_delivery(before, action, after))
            self.delivery.extend(inv.correct_delivery_after_repair(before, action, after))
        self.world = after
        return before, after, effects

    def cmd_world(self, args: list[str]) -> list[str]:
        kv = _kv(args, _WORLD_KEYS)
        for required in _WORLD_REQUIRED:
            if required not in kv:
                raise CommandError(f"world: missing {required}=")
        try:
            config = Config.make(
                _int("bits", kv["bits"]),
                _int("b", kv["b"]),
                _int("leaf_set_size", kv["leaf_set_size"]),
                _int("neighborhood_size", kv.get("neighborhood_size", "32")),
                kv["join"],
                hop_acks=_bool("hop_acks", kv.get("hop_acks", "false")),
                probe_retry=_bool("probe_retry", kv.get("probe_retry", "true")),
            )
            spec = WorldSpec(
                config,
                _int_list("initial", kv["initial"]),
                _pairs("joins", kv.get("joins", "")),
                _pairs("lookups", kv.get("lookups", "")),
                crashes=_int_list("crashes", kv.get("crashes", "")),
                leaves=_int_list("leaves", kv.get("leaves", "")),
                network=_enum("network", kv.get("network", "reliable"), NetworkModel),
                drops=_int("drops", kv.get("drops", "0")),
                duplicates=_int("duplicates", kv.get("duplicates", "0")),
                periodic=_int("periodic", kv.get("periodic", "0")),
                timers=_enum("timers", kv.get("timers", "quiet"), TimerSemantics),
            )
        except PastryRefError as e:
            raise CommandError(f"world: {e}") from None
        self.world = spec.initial_world()
        self.delivery, self.deliveries_checked = [], 0
        return [f"config {describe_config(config)}", *describe_world(self.world)]

    def _select(self, name: str, at: int, kv: dict[str, str]) -> WorldAction:
        enabled = [a for a in self._w().actions() if a.name == name and a.at == at]
        if "from" in kv:
            src = _int("from", kv["from"])
            enabled = [a for a in enabled if getattr(_msg_of(a), "src", None) == src]
        if "key" in kv:
            key = _int("key", kv["key"])
            enabled = [a for a in enabled if _key_of(a) == key]
        if "type" in kv:
            enabled = [a for a in enabled if _type_of(a) == kv["type"]]
        narrowed = " ".join(f"{k}={v}" for k, v in kv.items()) or "-"
        if not enabled:
            raise CommandError(f"no enabled {name} at {at} matches {narrowed}")
        if len(enabled) > 1:
            raise CommandError(
                f"ambiguous: {len(enabled)} enabled actions match; narrow with from=, key= or "
                "type=: " + "; ".join(describe_action(a) for a in enabled)
            )
        return enabled[0]

    def _apply(self, action: WorldAction) -> list[str]:
        before, after, effects = self._step(action)
        out = [describe_action(action)]
        out.append("effects:" if effects else "effects: none")
        out.extend(f"  {describe_effect(e)}" for e in effects)
        changed = [a for b, a in zip(before.nodes, after.nodes, strict=True) if a != b]
        out.append("changed:" if changed else "changed: none")
        out.extend(f"  {describe_node(n)}" for n in changed)
        return [*out, *describe_network(after)]

    def cmd_apply(self, args: list[str]) -> list[str]:
        if len(args) < 2:
            raise CommandError(
                "apply: expected <ActionName> <node> [from=<src>] [key=<key>] [type=<Type>]"
            )
        kv = _kv(args[2:], {"from", "key", "type"})
        return self._apply(self._select(args[0], _int("node", args[1]), kv))

    def _node_command(self, verb: str, args: list[str]) -> list[str]:
        if len(args) != 1:
            raise CommandError(f"{verb}: expected <node>")
        x = _int("node", args[0])
        action: WorldAction = Crash(x) if verb == "crash" else Leave(x)
        if action not in self._w().actions():
            needs = "crashes" if verb == "crash" else "leaves"
            alive = "not dead" if verb == "crash" else "ready"
            raise CommandError(
                f"{verb} {x} is not enabled (it needs {needs}={x} in the world and a node that "
                f"is {alive})"
            )
        return self._apply(action)

    def cmd_crash(self, args: list[str]) -> list[str]:
        return self._node_command("crash", args)

    def cmd_leave(self, args: list[str]) -> list[str]:
        return self._node_command("leave", args)

    def _network_command(self, name: str, args: list[str]) -> list[str]:
        if not args:
            raise CommandError(f"{name.lower()}: expected <dest> [from=<src>] [type=<Type>]")
        kv = _kv(args[1:], {"from", "type"})
        return self._apply(self._select(name, _int("dest", args[0]), kv))

    def cmd_drop(self, args: list[str]) -> list[str]:
        return self._network_command("Drop", args)

    def cmd_duplicate(self, args: list[str]) -> list[str]:
        return self._network_command("Duplicate", args)

    def cmd_fire(self, args: list[str]) -> list[str]:
        if len(args) not in (2, 3):
            raise CommandError("fire: expected <node> <Timer> [<target>]")
        node, kind = _int("node", args[0]), args[1]
        target = _int("target", args[2]) if len(args) == 3 else None
        w = self._w()
        armed = [
            t
            for t in sorted(w.armed_at(node), key=_timer_order)
            if type(t).__name__ == kind and (target is None or _timer_target(t) == target)
        ]
        wanted = f"{kind}{'' if target is None else f' {target}'} at {node}"
        if not armed:
            raise CommandError(f"no {wanted} is armed")
        if len(armed) > 1:
            raise CommandError(
                f"ambiguous: {len(armed)} armed timers match; name the target: "
                + "; ".join(describe_timer(t) for t in armed)
            )
        action = FireTimer(node, armed[0])
        if action not in w.actions():
            if isinstance(armed[0], RowMaintenance) or not isinstance(armed[0], Timer):
                why = "the budget of periodic firings (periodic=) is spent"
            else:
                why = f"under {w.timers.value} timers, what it waits for is still in flight"
            raise CommandError(f"{describe_timer(armed[0])} at {node} may not fire now: {why}")
        return self._apply(action)

    def cmd_timers(self, args: list[str]) -> list[str]:
        _kv(args, set())
        w = self._w()
        out = []
        for n in w.started():
            for t in sorted(w.armed_at(n.id), key=_timer_order):
                mark = " (may fire)" if w.may_fire(n.id, t) else ""
                out.append(f"{n.id} {describe_timer(t)}{mark}")
        return out or ["no timer armed"]

    def cmd_actions(self, args: list[str]) -> list[str]:
        _kv(args, set())
        enabled = self._w().actions()
        return [describe_action(a) for a in enabled] or ["none enabled"]

    def cmd_run(self, args: list[str]) -> list[str]:
        limit = _int("max", _kv(args, {"max"}).get("max", str(RUN_DEFAULT_MAX)))
        out: list[str] = []
        for _ in range(limit):
            enabled = self._w().actions()
            if not enabled:
                return [*out, "quiescent", *describe_world(self._w())]
            self._step(enabled[0])
            out.append(describe_action(enabled[0]))
        return [*out, f"error: still {len(self._w().actions())} enabled actions after {limit}"]

    def cmd_settle(self, args: list[str]) -> list[str]:
        limit = _int("max", _kv(args, {"max"}).get("max", str(SETTLE_DEFAULT_MAX)))
        sent: Counter[str] = Counter()
        world, deliveries, firings = settle(self._w(), max_rounds=limit, sent=sent)
        self.world = world
        by_type = " ".join(f"{k}={v}" for k, v in sorted(sent.items())) or "nothing"
        return [
            f"settled: {deliveries} deliveries, {firings} timer firings",
            f"sent: {by_type}",
            *describe_world(world),
        ]

    def cmd_check(self, args: list[str]) -> list[str]:
        _kv(args, set())
        w = self._w()
        out: list[str] = []
        for name in inv.PASTRY_PROPERTIES:
            if name in inv.INVARIANTS:  # Pastry's state invariants only, whatever else is loaded
                out.extend(_violations(name, inv.INVARIANTS[name](w)))
        out.extend(_violations("NoDeadInLeafSets", inv.no_dead_in_leaf_sets(w)))
        checked = f"({self.deliveries_checked} checked)"
        plain = [v for v in self.delivery if v.name == "CorrectDelivery"]
        repaired = [v for v in self.delivery if v.name == "CorrectDeliveryAfterRepair"]
        out.extend(_violations(f"CorrectDelivery {checked}", plain))
        out.extend(_violations(f"CorrectDeliveryAfterRepair {checked}", repaired))
        out.extend(_violations("Converged", inv.converged(w)))
        out.extend(_violations("AllReady", inv.all_ready(w)))
        out.extend(_violations("NoStuckMessages", inv.no_stuck_messages(w)))
        return out

    def cmd_show(self, args: list[str]) -> list[str]:
        _kv(args, set())
        return list(describe_world(self._w()))

    def cmd_summary(self, args: list[str]) -> list[str]:
        _kv(args, set())
        return [describe_world_summary(self._w())]


def run_script(text: str) -> tuple[list[Block], list[list[str]]]:
    """Parse and run a script; the actual output of every block."""
    blocks = parse(text)
    runner = Runner()
    return blocks, [runner.run(b.command) for b in blocks]


def check_file(path: Path, rewrite: bool | None = None) -> None:
    """Run the script at ``path``; rewrite it (``PASTRY_REF_REWRITE=1``) or fail with a diff."""
    if rewrite is None:
        rewrite = os.environ.get(REWRITE_ENV, "") not in ("", "0")
    text = path.read_text()
    blocks, outputs = run_script(text)
    actual = format_blocks(list(zip(blocks, outputs, strict=True)))
    if actual == text:
        return
    if rewrite:
        path.write_text(actual)
        return
    mismatched = [b for b, o in zip(blocks, outputs, strict=True) if tuple(o) != b.expected]
    where = ", ".join(f"line {b.line} ({b.command!r})" for b in mismatched) or "formatting"
    diff = "".join(
        difflib.unified_diff(
            text.splitlines(keepends=True),
            actual.splitlines(keepends=True),
            f"{path} (expected)",
            f"{path} (actual)",
        )
    )
    raise AssertionError(
        f"golden output differs at {where}; rerun with {REWRITE_ENV}=1 to accept:\n{diff}"
    )
