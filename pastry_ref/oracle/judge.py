"""Judging a whole trace: the verdict on a foreign implementation's run.

Owns: ``judge_trace`` (a trace, a path or lines, to a ``TraceReport``), ``TraceReport`` (the
verdict, the violations with their lines, the measures apart, ``summary()``, ``to_json()``) and
``TraceMeasures``. spec/trace-format.md R-JUDGE-1..8: deliveries against the live set of their
line, hops one by one (``oracle/route.py``), snapshots in quiescent windows against the ideal and
as a whole (``oracle/snapshot.py``).
Rule: bad input is the loader's ``TraceFormatError`` (exit 2); everything a node did is a
violation in the report (exit 1), never an exception.
"""

from __future__ import annotations

import json
from collections import Counter
from typing import Any, Literal

import attrs

from pastry_ref.errors import ProtocolViolation
from pastry_ref.oracle.ring import Ring
from pastry_ref.oracle.route import judge_step
from pastry_ref.oracle.snapshot import judge_snapshot
from pastry_ref.oracle.tables import (
    ForeignTables,
    TableMeasures,
    judge_routing_table,
    leaf_set_shape,
)
from pastry_ref.oracle.trace import (
    Crashed,
    Delivered,
    Header,
    Hop,
    Joined,
    Left,
    Quiescent,
    RouteStart,
    Snapshot,
    Source,
    iter_trace,
    source_path,
)
from pastry_ref.oracle.verdict import RuleViolation

__all__ = [
    "JSON_VIOLATIONS_MAX",
    "TraceMeasures",
    "TraceReport",
    "TraceViolated",
    "Verdict",
    "judge_trace",
]

Verdict = Literal["valid", "violated", "unknown"]
_EXIT = {"valid": 0, "violated": 1, "unknown": 3}
JSON_VIOLATIONS_MAX = 1000  # violations listed in to_json(); the count is always exact


@attrs.frozen(slots=True)
class TraceMeasures:
    """What the judge measured, apart from the violations."""

    nodes_joined: int = 0
    routes: int = 0
    delivered: int = 0
    hops: int = 0
    max_route_hops: int = 0
    hops_judged_given: int = 0  # against the hop's own tables
    hops_judged_snapshot: int = 0  # against the node's snapshot in a quiescent window
    hops_judged_ideal: int = 0  # against the ideal tables, in a quiescent window
    hops_unjudged: int = 0  # outside quiescent windows, no tables given
    hops_to_dead_nodes: int = 0
    snapshots: int = 0
    windows: int = 0
    windows_complete: int = 0
    routes_followed: int = 0
    tables: TableMeasures = attrs.field(factory=TableMeasures)

    def to_dict(self) -> dict[str, Any]:
        d = {
            f.name: getattr(self, f.name) for f in attrs.fields(TraceMeasures) if f.name != "tables"
        }
        t = self.tables
        d["routing_table_fillable_cells"] = t.fillable
        d["routing_table_filled_cells"] = t.filled
        # None: no table was judged against the ideal (no quiescent window had snapshots).
        d["routing_table_completeness"] = round(t.completeness, 6) if t.fillable else None
        d["routing_table_dead_entries"] = t.dead
        if t.stretch:
            d["proximity_stretch_mean"] = round(sum(t.stretch) / len(t.stretch), 6)
            d["proximity_stretch_max"] = round(max(t.stretch), 6)
        else:
            d["proximity_stretch_mean"] = d["proximity_stretch_max"] = None
        d["mean_route_hops"] = round(self.hops / self.routes, 6) if self.routes else None
        return d


@attrs.frozen(slots=True)
class TraceReport:
    """The judge's answer: ``verdict`` (valid / violated / unknown, R-JUDGE-8), ``violations``
    (each with rule, line, node, message), ``measures`` and ``notes`` (why a verdict is
    unknown, what was not judged)."""

    verdict: Verdict
    violations: tuple[RuleViolation, ...]
    measures: TraceMeasures
    notes: tuple[str, ...] = ()
    name: str = "<trace>"
    bits: int = 0
    implementation: str | None = None

    @property
    def exit_code(self) -> int:
        """0 valid, 1 violated, 3 cannot decide."""
        return _EXIT[self.verdict]

    def rules(self) -> Counter[str]:
        return Counter(v.rule for v in self.violations)

    def _hex(self, node: int | None) -> str | None:
        return None if node is None else format(node, f"0{(self.bits + 3) // 4}x")

    def summary(self, limit: int = 20) -> str:
        """Human text: the verdict and why first, then the violations (at most ``limit``),
        then the measures."""
        m = self.measures
        head = {
            "valid": "VALID",
            "violated": f"VIOLATED ({len(self.violations)} violations)",
            "unknown": "UNKNOWN (cannot decide)",
        }[self.verdict]
        lines = [f"{self.name}: {head}"]
        if self.implementation:
            lines.append(f"  implementation: {self.implementation}")
        lines.append(
            f"  {m.nodes_joined} nodes joined, {m.routes} routes ({m.delivered} delivered, "
            f"{m.hops} hops), {m.snapshots} snapshots, {m.windows} quiescent windows "
            f"({m.windows_complete} with every live node's tables)"
        )
        if self.violations:
            broken = ", ".join(f"{r} x{c}" for r, c in sorted(self.rules().items()))
            lines.append(f"  rules broken: {broken}")
            for v in self.violations[:limit]:
                node = f" [node {self._hex(v.node)}]" if v.node is not None else ""
                lines.append(f"  line {v.line}: {v.rule}{node}: {v.message}")
            if len(self.violations) > limit:
                lines.append(f"  ... and {len(self.violations) - limit} more (see --json)")
        for note in self.notes:
            lines.append(f"  note: {note}")
        d = m.to_dict()
        stretch = (
            f"mean {d['proximity_stretch_mean']}, worst {d['proximity_stretch_max']}"
            if d["proximity_stretch_mean"] is not None
            else "not measured (no coords)"
        )
        completeness = (
            f"{m.tables.completeness:.1%} ({m.tables.filled}/{m.tables.fillable} cells)"
            if m.tables.fillable
            else "not measured (no snapshot judged)"
        )
        lines.append(
            f"  measures: routing-table completeness {completeness}, dead entries "
            f"{m.tables.dead}, "
            f"proximity stretch {stretch}; hops per route mean {d['mean_route_hops']}, "
            f"max {m.max_route_hops}; hops judged against given tables {m.hops_judged_given}, "
            f"snapshots {m.hops_judged_snapshot}, ideal {m.hops_judged_ideal}, unjudged "
            f"{m.hops_unjudged}; hops to dead nodes {m.hops_to_dead_nodes}; routes followed "
            f"over snapshots {m.routes_followed}"
        )
        return "\n".join(lines)

    def to_dict(self) -> dict[str, Any]:
        return {
            "trace": self.name,
            "verdict": self.verdict,
            "valid": {"valid": True, "violated": False, "unknown": None}[self.verdict],
            "exit_code": self.exit_code,
            "violations_total": len(self.violations),
            "rules_broken": dict(sorted(self.rules().items())),
            "violations": [
                {
                    "rule": v.rule,
                    "line": v.line,
                    "node": self._hex(v.node),
                    "message": v.message,
                }
                for v in self.violations[:JSON_VIOLATIONS_MAX]
            ],
            "notes": list(self.notes),
            "measures": self.measures.to_dict(),
        }

    def to_json(self) -> str:
        return json.dumps(self.to_dict(), indent=2)

    def raise_if_violated(self) -> TraceReport:
        """``self`` unless the verdict is ``violated``; then ``TraceViolated`` (a
        ``ProtocolViolation``: the foreign implementation is at fault) naming the first
        violation. For callers that want an exception, such as a test suite."""
        if self.verdict != "violated":
            return self
        first = self.violations[0]
        more = f" (and {len(self.violations) - 1} more)" if len(self.violations) > 1 else ""
        raise TraceViolated(f"{self.name}: {first}{more}", self)


class TraceViolated(ProtocolViolation):
    """A judged trace broke the protocol; ``report`` is the whole ``TraceReport``."""

    def __init__(self, message: str, report: TraceReport) -> None:
        super().__init__(message)
        self.report = report


@attrs.define
class _Route:
    start: RouteStart
    reached: list[int]
    seen: set[int]
    hops: int = 0
    delivered_at: int | None = None
    over_bound: bool = False
    sent: dict[int, set[int]] = attrs.field(factory=dict)  # node -> where it forwarded this


@attrs.define
class _Judge:
    """The judge's state while it reads a trace."""

    header: Header
    live: set[int] = attrs.field(factory=set)
    coords: dict[int, tuple[float, ...]] = attrs.field(factory=dict)
    ring_cache: Ring | None = None
    window: int | None = None  # line of the open window's quiescent mark
    window_tables: dict[int, Snapshot] = attrs.field(factory=dict)
    routes: dict[str, _Route] = attrs.field(factory=dict)
    out: list[RuleViolation] = attrs.field(factory=list)
    notes: list[str] = attrs.field(factory=list)
    counts: Counter[str] = attrs.field(factory=Counter)
    tables: TableMeasures = attrs.field(factory=TableMeasures)

    def ring(self) -> Ring:
        if self.ring_cache is None:
            self.ring_cache = Ring(
                self.header.space, tuple(sorted(self.live)), self.header.tie_rule
            )
        return self.ring_cache

    def member_change(self) -> None:
        self.close_window()
        self.ring_cache = None

    def close_window(self) -> None:
        if self.window is None:
            return
        line, snaps = self.window, self.window_tables
        self.window, self.window_tables = None, {}
        self.counts["windows"] += 1
        ring = self.ring()
        coords = self.coords if all(n in self.coords for n in ring.ids) else None
        report = judge_snapshot(
            ring, {n: s.tables for n, s in snaps.items()}, self.header.leaf_set_size, coords
        )
        self.tables = self.tables + report.measures
        self.counts["routes_followed"] += report.routes
        for v in report.violations:
            at = snaps[v.node].line if v.node in snaps else line
            self.out.append(v.at_line(at))
        if report.whole:
            self.counts["windows_complete"] += 1
        else:
            missing = len(ring) - len(set(snaps) & ring.live)
            self.notes.append(
                f"quiescent window at line {line}: {missing} of {len(ring)} live nodes gave no "
                "snapshot, so Consistency and RoutesReachRoot were not judged there"
            )

    def hop_tables(
        self, node: int, given: ForeignTables | None
    ) -> tuple[str, ForeignTables | None]:
        if given is not None:
            return "given", given
        if self.window is None:
            return "unjudged", None
        snap = self.window_tables.get(node)
        if snap is not None:
            return "snapshot", snap.tables
        return "ideal", None

    def hop(self, e: Hop) -> None:
        r = self.routes[e.route]
        h = self.header.space.hex
        key = r.start.key
        ring = self.ring()
        r.hops += 1
        self.counts["hops"] += 1
        if (r.hops == 1 and e.src != r.start.origin) or e.src not in r.seen:
            self.out.append(
                RuleViolation(
                    "RoutePath",
                    f"hop {r.hops} of route {e.route!r} (key {h(key)}) leaves {h(e.src)}, which "
                    f"the message never reached ({' -> '.join(h(n) for n in r.reached)})",
                    e.src,
                    e.line,
                )
            )
        if e.dst in r.seen:
            self.out.append(
                RuleViolation(
                    "R-ROUTE-5",
                    f"route {e.route!r} (key {h(key)}) goes back to {h(e.dst)}: "
                    f"{' -> '.join(h(n) for n in r.reached)} -> {h(e.dst)}",
                    e.src,
                    e.line,
                )
            )
        if e.dst not in ring:
            self.counts["hops_to_dead_nodes"] += 1
        kind, tables = self.hop_tables(e.src, e.tables)
        self.counts[f"hops_{kind}"] += 1
        tried = r.sent.setdefault(e.src, set())
        if kind != "unjudged":
            v = judge_step(
                ring, key, e.src, e.dst, tables, self.header.leaf_set_size, frozenset(tried)
            )
            if v is not None:
                self.out.append(v.at_line(e.line))
        tried.add(e.dst)
        r.reached.append(e.dst)
        r.seen.add(e.dst)
        if r.hops > self.header.hop_bound and not r.over_bound:
            r.over_bound = True
            self.out.append(
                RuleViolation(
                    "HopBound",
                    f"route {e.route!r} (key {h(key)}) took more than {self.header.hop_bound} hops",
                    e.src,
                    e.line,
                )
            )

    def deliver(self, e: Delivered) -> None:
        r = self.routes[e.route]
        h = self.header.space.hex
        key = r.start.key
        if r.delivered_at is not None:
            if r.delivered_at != e.node:
                self.out.append(
                    RuleViolation(
                        "CorrectDelivery",
                        f"route {e.route!r} (key {h(key)}) delivered again, at {h(e.node)}, "
                        f"after {h(r.delivered_at)}",
                        e.node,
                        e.line,
                    )
                )
            return
        r.delivered_at = e.node
        self.counts["delivered"] += 1
        ring = self.ring()
        if e.node not in r.seen:
            self.out.append(
                RuleViolation(
                    "RoutePath",
                    f"route {e.route!r} (key {h(key)}) delivered at {h(e.node)}, which the "
                    f"message never reached ({' -> '.join(h(n) for n in r.reached)})",
                    e.node,
                    e.line,
                )
            )
        cands = ring.root_candidates(key) if len(ring) else frozenset()
        if e.node not in cands:
            roots = " or ".join(h(n) for n in sorted(cands)) or "none (no live node)"
            self.out.append(
                RuleViolation(
                    "CorrectDelivery",
                    f"route {e.route!r}: key {h(key)} delivered at {h(e.node)}, but its root "
                    f"among the live nodes is {roots}",
                    e.node,
                    e.line,
                )
            )
        elif e.node in r.seen:
            kind, tables = self.hop_tables(e.node, None)
            if kind != "unjudged":
                tried = frozenset(r.sent.get(e.node, ()))  # R-HOP-3: decided without them
                v = judge_step(ring, key, e.node, None, tables, self.header.leaf_set_size, tried)
                if v is not None:
                    self.out.append(v.at_line(e.line))

    def snapshot(self, e: Snapshot) -> None:
        self.counts["snapshots"] += 1
        if self.window is not None:
            self.window_tables[e.node] = e
            return
        space = self.header.space
        for v in leaf_set_shape(space, e.tables.halves(), self.header.leaf_set_size):
            self.out.append(v.at_line(e.line))
        violations, _ = judge_routing_table(self.ring(), e.tables, ideal=False)
        for v in violations:
            self.out.append(v.at_line(e.line))


def judge_trace(source: Source) -> TraceReport:
    """Judge a trace (a path, or an iterable of lines) by spec/trace-format.md R-JUDGE-1..8.

    Raises ``TraceFormatError`` (a ``BadInput``) for a line that breaks the format; everything
    a node did is in the report.
    """
    name = source_path(source) or "<trace>"
    judge: _Judge | None = None
    for item in iter_trace(source):
        if isinstance(item, Header):
            judge = _Judge(item)
            continue
        assert judge is not None  # the loader puts the header first
        if isinstance(item, Joined):
            judge.member_change()
            judge.live.add(item.node)
            judge.counts["nodes_joined"] += 1
            if item.coords is not None:
                judge.coords[item.node] = item.coords
        elif isinstance(item, Crashed | Left):
            judge.member_change()
            judge.live.discard(item.node)
        elif isinstance(item, Quiescent):
            judge.close_window()
            judge.window = item.line
        elif isinstance(item, Snapshot):
            judge.snapshot(item)
        elif isinstance(item, RouteStart):
            judge.routes[item.route] = _Route(item, [item.origin], {item.origin})
            judge.counts["routes"] += 1
        elif isinstance(item, Hop):
            judge.hop(item)
        elif isinstance(item, Delivered):
            judge.deliver(item)
    assert judge is not None
    judge.close_window()
    c = judge.counts
    measures = TraceMeasures(
        nodes_joined=c["nodes_joined"],
        routes=c["routes"],
        delivered=c["delivered"],
        hops=c["hops"],
        max_route_hops=max((r.hops for r in judge.routes.values()), default=0),
        hops_judged_given=c["hops_given"],
        hops_judged_snapshot=c["hops_snapshot"],
        hops_judged_ideal=c["hops_ideal"],
        hops_unjudged=c["hops_unjudged"],
        hops_to_dead_nodes=c["hops_to_dead_nodes"],
        snapshots=c["snapshots"],
        windows=c["windows"],
        windows_complete=c["windows_complete"],
        routes_followed=c["routes_followed"],
        tables=judge.tables,
    )
    notes = list(judge.notes)
    if not c["windows"]:
        notes.append("no quiescent window: no snapshot could be judged against the ideal")
    elif not c["windows_complete"]:
        notes.append("no quiescent window had every live node's tables")
    undelivered = c["routes"] - c["delivered"]
    if undelivered:
        notes.append(f"{undelivered} routes were never delivered (lost messages are not judged)")
    violations = tuple(sorted(judge.out, key=lambda v: (v.line or 0, v.rule)))
    if violations:
        verdict: Verdict = "violated"
    elif not c["windows_complete"]:
        verdict = "unknown"
    else:
        verdict = "valid"
    return TraceReport(
        verdict,
        violations,
        measures,
        tuple(notes),
        name,
        judge.header.space.bits,
        judge.header.implementation,
    )
