"""Text rendering of check results: TLC-style statistics, per-property verdicts, counterexamples.

Owns: the human-readable output. A trace prints as numbered actions; under each, what the action
changed, variable by variable, descending into attrs instances, tuples, mappings and sets so that a
change deep in a large state shows as ``var.field[2]: old -> new``. Sets, and tuples whose length
or whose elements' identity (first field) changed, such as a multiset of messages in flight, show
``+added -removed``. The initial state is printed in full, a long variable one part per line.
Lassos mark where the loop starts; convergence (b) marks the critical step.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Mapping
from typing import Any

from model_check.model import Model
from model_check.result import CheckResult, PropertyStatus, Stats, Trace

__all__ = ["diff", "render_result", "render_stats", "render_trace"]

_MAX_DEPTH = 4


def _short(value: Any, limit: int = 120) -> str:
    text = repr(value)
    return text if len(text) <= limit else text[: limit - 3] + "..."


def _set_repr(values: Any) -> str:
    return "{" + ", ".join(sorted(repr(v) for v in values)) + "}"


def _bag_diff(old: tuple[Any, ...], new: tuple[Any, ...]) -> str | None:
    """Tuples of different lengths (often a multiset of messages): elements added and removed."""
    try:
        added = Counter(new) - Counter(old)
        removed = Counter(old) - Counter(new)
    except TypeError:  # unhashable elements
        return None
    parts = [f"+{_short(v, 300)}" for v in added.elements()]
    parts += [f"-{_short(v, 300)}" for v in removed.elements()]
    return " ".join(parts)


_NO_IDENTITY = object()


def _identity(value: Any) -> Any:
    """A composite element's identity: its first field or component (scalars have none)."""
    fields = getattr(type(value), "__attrs_attrs__", None)
    if fields:
        return getattr(value, fields[0].name)
    if isinstance(value, tuple) and value:
        return value[0]
    return _NO_IDENTITY


def _identity_changed(old: tuple[Any, ...], new: tuple[Any, ...]) -> bool:
    """Some position now holds a different composite element (a message consumed and another
    sent), rather than the same element (a process, a node) in a new state."""
    for a, b in zip(old, new, strict=True):
        if a != b:
            ia = _identity(a)
            if ia is not _NO_IDENTITY and ia != _identity(b):
                return True
    return False


def _expand(path: str, value: Any, depth: int = 0) -> list[str]:
    """``path = value`` lines; a long mapping, attrs instance or tuple of composite values gets one
    line per part."""
    text = repr(value)
    if len(text) <= 100 or depth >= 2:
        return [f"{path} = {_short(value, 400)}"]
    fields = getattr(type(value), "__attrs_attrs__", None)
    if fields is not None:
        return [
            ln
            for f in fields
            for ln in _expand(f"{path}.{f.name}", getattr(value, f.name), depth + 1)
        ]
    if isinstance(value, Mapping):
        keys = sorted(value, key=repr)
        return [ln for k in keys for ln in _expand(f"{path}[{k!r}]", value[k], depth + 1)]
    composite = (tuple, frozenset, set, Mapping)
    if (
        isinstance(value, tuple)
        and not hasattr(value, "_fields")
        and any(isinstance(v, composite) or hasattr(v, "__attrs_attrs__") for v in value)
    ):
        return [ln for i, v in enumerate(value) for ln in _expand(f"{path}[{i}]", v, depth + 1)]
    return [f"{path} = {_short(value, 400)}"]


def diff(path: str, old: Any, new: Any, depth: int = 0) -> list[str]:
    """Lines describing how ``new`` differs from ``old`` (empty if they are equal)."""
    if old == new:
        return []
    if depth < _MAX_DEPTH and type(old) is type(new):
        fields = getattr(type(old), "__attrs_attrs__", None)
        if fields is not None:
            out: list[str] = []
            for f in fields:
                out += diff(
                    f"{path}.{f.name}", getattr(old, f.name), getattr(new, f.name), depth + 1
                )
            return out
        if isinstance(old, tuple) and not hasattr(old, "_fields"):
            bag = _bag_diff(old, new)
            if len(old) == len(new) and (bag is None or not _identity_changed(old, new)):
                out = []
                for i, (a, b) in enumerate(zip(old, new, strict=True)):
                    out += diff(f"{path}[{i}]", a, b, depth + 1)
                return out
            if bag is not None:
                return [f"{path}: {bag}"]
        if isinstance(old, frozenset | set):
            parts = []
            if new - old:
                parts.append("+" + _set_repr(new - old))
            if old - new:
                parts.append("-" + _set_repr(old - new))
            return [f"{path}: {' '.join(parts)}"]
        if isinstance(old, Mapping):
            out = []
            for k in sorted(set(old) | set(new), key=repr):
                if k not in new:
                    out.append(f"{path}[{k!r}]: removed ({_short(old[k])})")
                elif k not in old:
                    out.append(f"{path}[{k!r}]: added {_short(new[k], 300)}")
                else:
                    out += diff(f"{path}[{k!r}]", old[k], new[k], depth + 1)
            return out
    return [f"{path}: {_short(old, 200)} -> {_short(new, 200)}"]


def _action_label(action: Any, name: str) -> str:
    text = str(action)
    return text if text.startswith(name) else f"{name} {text}"


def render_trace(model: Model[Any, Any], trace: Trace, indent: str = "  ") -> str:
    lines = [f"{indent}0. initial state"]
    prev = dict(model.state_vars(trace.initial))
    for name, value in prev.items():
        lines += [f"{indent}     {ln}" for ln in _expand(name, value)]
    for n, step in enumerate(trace.steps, start=1):
        if trace.loop is not None and n - 1 == trace.loop:
            lines.append(f"{indent}   -- the loop starts at state {trace.loop} --")
        mark = ""
        if trace.critical == n:
            mark = "   <- critical transition: the goal is unreachable after it"
        lines.append(f"{indent}{n}. {_action_label(step.action, step.action_name)}{mark}")
        cur = dict(model.state_vars(step.state))
        changes: list[str] = []
        for name in dict.fromkeys([*prev, *cur]):
            if name not in cur:
                changes.append(f"{name}: removed")
            elif name not in prev:
                changes.append(f"{name} = {_short(cur[name])}")
            else:
                changes += diff(name, prev[name], cur[name])
        lines += [f"{indent}     {c}" for c in changes] or [f"{indent}     (no change)"]
        prev = cur
    if trace.loop is not None:
        lines.append(f"{indent}   -- back to state {trace.loop}: the loop repeats forever --")
    return "\n".join(lines)


def render_stats(stats: Stats) -> str:
    storage = stats.storage
    if stats.storage == "64-bit fingerprints":
        storage += f" (collision probability ~ {stats.collision_probability:.1e}, n^2/2^65)"
    if stats.por_applied:
        por = f"partial-order reduction on (sleep sets; {stats.transitions_pruned:,} pruned)"
    else:
        por = "partial-order reduction off"
    head = f"strategy {stats.strategy.value}"
    if stats.seed is not None:
        head += f" (seed {stats.seed}, {stats.walks:,} walks)"
    rate = stats.states_per_second
    rate_text = f"{rate:,.0f}" if rate != float("inf") else "-"
    lines = [
        f"{head}; {storage}; {por}",
        f"{stats.states_generated:,} states generated, {stats.distinct_states:,} distinct states, "
        f"{stats.queue:,} left on queue, depth {stats.max_depth}",
        f"{stats.seconds:.2f} s, {rate_text} distinct states/s",
    ]
    if stats.stop_reason == "interrupted":
        lines.append("search interrupted: the results cover the states explored so far")
    elif stats.stop_reason and stats.stop_reason != "all properties decided":
        lines.append(f"search stopped by a bound: {stats.stop_reason}")
    elif stats.stop_reason:
        lines.append("search stopped early: every property was decided")
    return "\n".join(lines)


def render_result(model: Model[Any, Any], result: CheckResult, title: str = "") -> str:
    lines = [f"== {title}"] if title else []
    lines.append(render_stats(result.stats))
    lines += [f"note: {n}" for n in result.notes]
    for r in result.properties:
        line = f"  {r.status.value.upper():9} {r.name} ({r.kind})"
        if r.status is PropertyStatus.UNKNOWN and r.message:
            line += f": {r.message}"
        if r.status is PropertyStatus.HOLDS and r.trace is not None:
            line += f": witness after {len(r.trace)} step(s)"
        lines.append(line)
    for r in result.properties:
        if r.status is not PropertyStatus.VIOLATED:
            continue
        lines.append("")
        for v in r.violations:
            text = v.detail if v.name == r.name and v.detail else str(v)
            lines.append(f"Violation of {r.name}: {text}")
        if r.trace is not None:
            kind = "lasso" if r.trace.loop is not None else "trace"
            lines.append(f"Counterexample ({kind}, {len(r.trace)} step(s)):")
            lines.append(render_trace(model, r.trace))
    lines.append(f"Verdict: {result.verdict.value.upper()}")
    return "\n".join(lines)
