"""Golden interaction scripts for the World, in the style of etcd's ``datadriven``.

A script is a sequence of blocks::

    # comments (kept on rewrite)
    <command> <args...>
    ----
    <expected output, no blank lines>
    <blank line>

The runner executes every command against one World and compares the rendered output with the
expected one. With ``PASTRY_REF_REWRITE=1`` the test rewrites the expected outputs in place.

Commands:

``world bits=8 b=4 L=2 [M=4] join=consistent|paper initial=17,95 [joins=65:95,55:17]
[lookups=17:60,...]``
    Build ``WorldSpec(...).initial_world()`` (joins are ``node:seed``, lookups ``origin:key``)
    and show it. Resets the CorrectDelivery record.
``apply <ActionName> <node> [from=<src>] [key=<key>]``
    Apply the one enabled action with that name (``Join``, ``Lookup``, ``ReceiveJoinRequest``,
    ...) at that node (the joiner, the lookup's origin, the message's destination); ``from``
    narrows by the message's sender, ``key`` by the lookup's key. Prints the action, its
    effects, the nodes whose state changed, and the network. An error if no enabled action or
    more than one matches.
``actions``
    The enabled actions, in ``World.actions()`` order.
``run [max=N]``
    Apply the first enabled action until none is enabled (at most N, default 10000, else an
    error); print each action, then the final world.
``check``
    Every property: the state invariants, CorrectDelivery over every action applied since
    ``world``, Converged, AllReady, NoStuckMessages; ``ok`` or the violations.
``show``
    The world: every started node (id, status, leaf set left|right, routing table as
    row/digit:node, and the join bookkeeping fields that are set), pending joins and lookups,
    the network.
"""

from __future__ import annotations

import difflib
import os
from collections.abc import Callable
from pathlib import Path

import attrs

from model_check import Violation
from pastry_ref.node.effects import CancelTimer, Deliver, Effect, Forward, Send, SetTimer, Update
from pastry_ref.node.messages import Lookup as LookupMsg
from pastry_ref.node.messages import Message
from pastry_ref.node.step import NodeState
from pastry_ref.node.timers import HopTimeout, KeepAlive, ProbeTimeout, Timer
from pastry_ref.ring.config import Config
from pastry_ref.system import Join, Lookup, ReceiveMessage, World, WorldAction, WorldSpec
from pastry_ref.system import invariants as inv

REWRITE_ENV = "PASTRY_REF_REWRITE"
SEPARATOR = "----"
RUN_DEFAULT_MAX = 10_000


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


# -- rendering ------------------------------------------------------------------------------
def _ids(xs: object) -> str:
    return "[" + " ".join(str(x) for x in xs) + "]"  # type: ignore[attr-defined]


def _value(v: object) -> str:
    if v is None:
        return "-"
    if isinstance(v, tuple):
        items = ("(" + " ".join(map(_value, x)) + ")" if isinstance(x, tuple) else _value(x)
                 for x in v)  # fmt: skip
        return "[" + " ".join(items) + "]"
    return str(v)


def render_msg(msg: Message) -> str:
    """A message as text; a field left at its default (``failed=()``) is not shown."""
    fields = " ".join(
        f"{f.name}={_value(getattr(msg, f.name))}"
        for f in attrs.fields(type(msg))
        if f.default is attrs.NOTHING or getattr(msg, f.name) != f.default
    )
    return f"{type(msg).__name__} {fields}"


def render_action(a: WorldAction) -> str:
    if isinstance(a, Join):
        return f"Join {a.node} seed={a.seed}"
    if isinstance(a, Lookup):
        return f"Lookup {a.origin} key={a.key} payload={a.payload}"
    return f"{a.name} {a.dest}: {render_msg(a.msg)}"


def render_effect(e: Effect) -> str:
    if isinstance(e, Send):
        return f"send {e.dest} {render_msg(e.msg)}"
    if isinstance(e, Deliver):
        return f"upcall deliver key={e.key} payload={e.payload}"
    if isinstance(e, Forward):
        return f"upcall forward key={e.key} payload={e.payload} next={e.next_hop}"
    if isinstance(e, Update):
        return f"upcall update {e.node} {'joined' if e.joined else 'left'}"
    if isinstance(e, SetTimer | CancelTimer):
        verb = "set" if isinstance(e, SetTimer) else "cancel"
        return f"timer {verb} {render_timer(e.timer)}"
    raise TypeError(e)


def render_timer(t: Timer) -> str:
    if isinstance(t, KeepAlive | ProbeTimeout):
        return f"{type(t).__name__} {t.node}"
    if isinstance(t, HopTimeout):
        return f"HopTimeout {t.next_hop} ({render_msg(t.msg)})"
    return type(t).__name__


_NODE_SHOWN = {"id", "config", "status", "leaf_set", "routing_table", "neighborhood"}


def render_node(n: NodeState) -> str:
    table = " ".join(f"{r}/{d}:{x}" for (r, d), x in sorted(n.routing_table.entries().items()))
    parts = [
        f"{n.id} {n.status.value}",
        f"ls={_ids(reversed(n.leaf_set.left))}|{_ids(n.leaf_set.right)}",
        f"rt=[{table}]",
        f"hood={_ids(x for _, x in n.neighborhood.entries)}",
    ]
    # Every other field (the join bookkeeping) when it differs from its default.
    for f in attrs.fields(NodeState):
        if f.name in _NODE_SHOWN:
            continue
        value = getattr(n, f.name)
        if value == f.default:
            continue
        if isinstance(value, frozenset):
            value = _ids(sorted(value))
        parts.append(f"{f.name}={value}")
    return " ".join(parts)


def render_network(w: World) -> list[str]:
    if not w.network:
        return ["network: empty"]
    return [f"network: {len(w.network)}"] + [
        f"  -> {e.dest} {render_msg(e.msg)}" for e in w.network
    ]


def render_world(w: World) -> list[str]:
    out = [render_node(n) for n in w.started()]
    if not out:
        out.append("no node started")
    if w.joins_left:
        out.append("joins left: " + " ".join(f"{x}:{s}" for x, s in w.joins_left))
    if w.lookups_left:
        out.append("lookups left: " + " ".join(f"{o}:{k}#{p}" for o, k, p in w.lookups_left))
    return out + render_network(w)


def _violations(name: str, vs: list[Violation]) -> list[str]:
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


def _int_list(s: str) -> tuple[int, ...]:
    return tuple(int(x) for x in s.split(",") if x)


def _pairs(s: str) -> tuple[tuple[int, int], ...]:
    out = []
    for item in s.split(","):
        if item:
            a, _, b = item.partition(":")
            out.append((int(a), int(b)))
    return tuple(out)


class Runner:
    def __init__(self) -> None:
        self.world: World | None = None
        self.delivery: list[Violation] = []
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
            "actions": self.cmd_actions,
            "run": self.cmd_run,
            "check": self.cmd_check,
            "show": self.cmd_show,
        }
        if name not in handlers:
            return [f"error: unknown command {name!r}; expected one of {', '.join(handlers)}"]
        try:
            return handlers[name](args)
        except CommandError as e:
            return [f"error: {e}"]
        except Exception as e:  # a failure of pastry_ref is output too, so a diff shows it
            return [f"error: {type(e).__name__}: {e}"]

    def _step(self, action: WorldAction) -> tuple[World, World, tuple[Effect, ...]]:
        before = self._w()
        after, effects = before.apply_with_effects(action)
        if isinstance(action, Lookup) or (
            isinstance(action, ReceiveMessage) and isinstance(action.msg, LookupMsg)
        ):
            self.deliveries_checked += 1
            self.delivery.extend(inv.correct_delivery(before, action, after))
        self.world = after
        return before, after, effects

    def cmd_world(self, args: list[str]) -> list[str]:
        kv = _kv(args, {"bits", "b", "L", "M", "join", "initial", "joins", "lookups"})
        for required in ("bits", "b", "L", "join", "initial"):
            if required not in kv:
                raise CommandError(f"world: missing {required}=")
        config = Config.make(
            int(kv["bits"]), int(kv["b"]), int(kv["L"]), int(kv.get("M", "4")), kv["join"]
        )
        spec = WorldSpec(
            config,
            _int_list(kv["initial"]),
            _pairs(kv.get("joins", "")),
            _pairs(kv.get("lookups", "")),
        )
        self.world = spec.initial_world()
        self.delivery, self.deliveries_checked = [], 0
        c = config
        head = (
            f"config bits={c.space.bits} b={c.space.b} L={c.leaf_set_size} "
            f"M={c.neighborhood_size} join={c.join.value}"
        )
        return [head, *render_world(self.world)]

    def _select(self, args: list[str]) -> WorldAction:
        if len(args) < 2:
            raise CommandError("apply: expected <ActionName> <node> [from=<src>] [key=<key>]")
        name, at = args[0], int(args[1])
        kv = _kv(args[2:], {"from", "key"})
        enabled = [a for a in self._w().actions() if a.name == name and a.at == at]
        if "from" in kv:
            enabled = [
                a for a in enabled if isinstance(a, ReceiveMessage) and a.msg.src == int(kv["from"])
            ]
        if "key" in kv:
            enabled = [a for a in enabled if isinstance(a, Lookup) and a.key == int(kv["key"])]
        if not enabled:
            raise CommandError(f"no enabled {name} at {at} matches {' '.join(args[2:]) or '-'}")
        if len(enabled) > 1:
            raise CommandError(
                f"ambiguous: {len(enabled)} enabled actions match; narrow with from= or key=: "
                + "; ".join(render_action(a) for a in enabled)
            )
        return enabled[0]

    def cmd_apply(self, args: list[str]) -> list[str]:
        action = self._select(args)
        before, after, effects = self._step(action)
        out = [render_action(action)]
        out.append("effects:" if effects else "effects: none")
        out.extend(f"  {render_effect(e)}" for e in effects)
        changed = [a for b, a in zip(before.nodes, after.nodes, strict=True) if a != b]
        out.append("changed:" if changed else "changed: none")
        out.extend(f"  {render_node(n)}" for n in changed)
        return out + render_network(after)

    def cmd_actions(self, args: list[str]) -> list[str]:
        _kv(args, set())
        enabled = self._w().actions()
        return [render_action(a) for a in enabled] or ["none enabled"]

    def cmd_run(self, args: list[str]) -> list[str]:
        limit = int(_kv(args, {"max"}).get("max", RUN_DEFAULT_MAX))
        out: list[str] = []
        for _ in range(limit):
            enabled = self._w().actions()
            if not enabled:
                return [*out, "quiescent", *render_world(self._w())]
            self._step(enabled[0])
            out.append(render_action(enabled[0]))
        return [*out, f"error: still {len(self._w().actions())} enabled actions after {limit}"]

    def cmd_check(self, args: list[str]) -> list[str]:
        _kv(args, set())
        w = self._w()
        out: list[str] = []
        for name, fn in inv.INVARIANTS.items():
            out.extend(_violations(name, fn(w)))
        out.extend(_violations(f"CorrectDelivery ({self.deliveries_checked} checked)",
                               self.delivery))  # fmt: skip
        out.extend(_violations("Converged", inv.converged(w)))
        out.extend(_violations("AllReady", inv.all_ready(w)))
        out.extend(_violations("NoStuckMessages", inv.no_stuck_messages(w)))
        return out

    def cmd_show(self, args: list[str]) -> list[str]:
        _kv(args, set())
        return render_world(self._w())


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
