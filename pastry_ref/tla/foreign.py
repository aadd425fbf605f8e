"""Trace validation of a FOREIGN implementation through TLC: is every hop and delivery of a
conformance trace (spec/trace-format.md) one the paper's rules permit? (spec/tla/TraceRoute.tla.)

Owns: ``route_steps`` (a loaded trace as TraceRoute's ``Steps``: per hop or deliver line the
live set, the tables the step decided with, resolved as R-JUDGE-3 says — the hop's own
``tables``; else, inside a quiescent window, the node's snapshot of that window; else the ideal
tables of the live set; else none: unjudged —, and what the route reached and was sent to
before), ``prepare`` / ``run_steps`` / ``check_foreign`` (read; write the model, run TLC and
read how far it got; both), ``judge_each`` (every step judged on its own, one TLC run:
for sweeps), ``report`` (the CLI's text and JSON), ``ForeignResult``,
``RefusedStep`` and ``MAX_TLC_BITS``.
Rule 1: the file is read only through ``pastry_ref.oracle.trace.load_trace`` (the boundary:
every malformed line is its ``TraceFormatError``, exit 2); the layouts are already canonical
there (``Layout.normalise``), the ideal leaf set is ``oracle.Ring.ideal_leaf_set``, and this
module judges nothing itself: the verdict is TLC's. Rule 2: TLC's integers are 32-bit, so a
trace wider than ``MAX_TLC_BITS`` is refused (``BadInput``) before TLC runs, never an overflow.
Rule 3: accepted means TLC reached depth ``len(steps) + 1``; a shorter depth names the first
step not permitted, with the rule TraceRoute prints for it.
"""

from __future__ import annotations

import json
import re
import shutil
from collections.abc import Sequence
from pathlib import Path
from typing import Any, TextIO

import attrs

from pastry_ref.errors import BadInput
from pastry_ref.oracle.ring import Ring
from pastry_ref.oracle.tables import ForeignTables
from pastry_ref.oracle.trace import (
    FORMAT,
    Crashed,
    Delivered,
    Hop,
    Joined,
    Left,
    Quiescent,
    RouteStart,
    Snapshot,
    Trace,
    load_trace,
)
from pastry_ref.tla.tlc import TlcFailed, run_module
from pastry_ref.tla.values import Fn, tla_literal

__all__ = [
    "MAX_TLC_BITS",
    "ForeignResult",
    "RefusedStep",
    "RouteSteps",
    "StepInfo",
    "check_foreign",
    "is_pastry_trace",
    "judge_each",
    "model_files",
    "prepare",
    "report",
    "route_steps",
    "run_steps",
]

MAX_TLC_BITS = 30
"""TraceRoute computes ``y - x + 2^bits`` (PastryRing's ``Cw``/``Ccw``): at most ``2^31 - 1``,
TLC's largest integer, iff ``bits <= 30``."""

MODULES = ("PastryRing", "PastryLeafSet", "PastryTables", "TraceRoute")
_NONE = -1
_ERROR = re.compile(r"^Error:", re.M)
_REFUSED = re.compile(r'^<<"trace-route-refused", (\d+), "([\w-]+)">>\s*$', re.M)


@attrs.frozen(slots=True)
class StepInfo:
    """What the report says of one step (TraceRoute sees only numbers)."""

    kind: str
    route: str
    node: int
    to: int | None
    line: int
    mode: str


@attrs.frozen(slots=True)
class RouteSteps:
    """A trace as TraceRoute's constants: ``steps`` (the ``Steps`` records) and ``info`` (the
    same steps as the report names them)."""

    trace: Trace
    steps: tuple[Fn, ...]
    info: tuple[StepInfo, ...]

    @property
    def unjudged(self) -> int:
        """Steps R-JUDGE-3 does not judge (outside a quiescent window, no tables given): only
        their path, revisit, bound and root checks apply."""
        return sum(1 for s in self.info if s.mode == "none")


@attrs.frozen(slots=True)
class RefusedStep:
    """The first step TLC could not take: its 1-based index, the rule TraceRoute names."""

    index: int
    rule: str
    info: StepInfo


@attrs.frozen(slots=True)
class ForeignResult:
    path: str
    steps: int
    matched: int
    unjudged: int
    hops: int
    delivers: int
    seconds: float
    refused: RefusedStep | None
    bits: int = 0

    @property
    def accepted(self) -> bool:
        return self.matched == self.steps


def is_pastry_trace(path: Path) -> bool:
    """Whether the first non-blank line of ``path`` is a JSON object whose ``format`` is
    ``"pastry-trace"`` (a conformance trace, not an ITF document). Unreadable: False."""
    try:
        with open(path, encoding="utf-8") as f:
            for _, text in zip(range(1000), f, strict=False):
                if text.strip():
                    obj = json.loads(text)
                    return isinstance(obj, dict) and obj.get("format") == FORMAT
    except (OSError, UnicodeDecodeError, ValueError, RecursionError):
        return False
    return False


def _sorted_half(owner: int, half: Sequence[int], size: int, cw: bool) -> tuple[int, ...]:
    """A half closest first (PastryLeafSet's ``Covers`` reads its last member as the edge; the
    Python judge takes the farthest member whatever the order: sorting makes them one)."""
    return tuple(sorted(half, key=lambda n: (n - owner) % size if cw else (owner - n) % size))


def route_steps(trace: Trace) -> RouteSteps:
    """The hop and deliver lines of ``trace`` as TraceRoute's ``Steps`` (see the module)."""
    header = trace.header
    space = header.space
    size = space.size
    live: set[int] = set()
    ring: Ring | None = None
    window = False
    snaps: dict[int, ForeignTables] = {}
    routes: dict[str, int] = {}
    key: dict[str, int] = {}
    seen: dict[str, set[int]] = {}
    sent: dict[str, dict[int, set[int]]] = {}
    hops: dict[str, int] = {}
    delivered: dict[str, int] = {}
    steps: list[Fn] = []
    info: list[StepInfo] = []
    cap = (header.max_hops or header.hop_bound) + 1  # a hop number TLC compares to MaxHops

    def record(
        kind: str, route: str, node: int, to: int | None, given: ForeignTables | None, line: int
    ) -> None:
        nonlocal ring
        if given is not None:
            mode, tables = "given", given
        elif not window:
            mode, tables = "none", None
        elif node in snaps:
            mode, tables = "snapshot", snaps[node]
        else:
            mode, tables = "ideal", None
        left: tuple[int, ...] = ()
        right: tuple[int, ...] = ()
        rt: frozenset[tuple[int, int, int]] = frozenset()
        known: frozenset[int] = frozenset()
        if tables is not None:
            left = _sorted_half(node, tables.left, size, cw=False)
            right = _sorted_half(node, tables.right, size, cw=True)
            rt = frozenset(
                (r, c, n)
                for r, row in enumerate(tables.rows)
                for c, cell in enumerate(row)
                for n in cell
            )
            known = tables.known()
        elif mode == "ideal":
            if ring is None:
                ring = Ring(space, tuple(sorted(live)), header.tie_rule)
            halves = ring.ideal_leaf_set(node, header.leaf_set_size)
            left, right = halves.left, halves.right
        before = delivered.get(route)
        steps.append(
            Fn.of(
                {
                    "kind": kind,
                    "route": routes[route],
                    "key": key[route],
                    "node": node,
                    "to": _NONE if to is None else to,
                    "live": frozenset(live),
                    "mode": mode,
                    "left": left,
                    "right": right,
                    "rt": rt,
                    "known": known,
                    "reached": frozenset(seen[route]),
                    "tried": frozenset(sent[route].get(node, ())),
                    "delivered": frozenset(() if before is None else (before,)),
                    "hop": min(hops[route], cap) if kind == "hop" else 0,
                }
            )
        )
        info.append(StepInfo(kind, route, node, to, line, mode))

    for e in trace.events:
        if isinstance(e, Joined | Crashed | Left):
            window, snaps, ring = False, {}, None
            if isinstance(e, Joined):
                live.add(e.node)
            else:
                live.discard(e.node)
        elif isinstance(e, Quiescent):
            window, snaps = True, {}
        elif isinstance(e, Snapshot):
            if window:
                snaps[e.node] = e.tables
        elif isinstance(e, RouteStart):
            routes[e.route] = len(routes) + 1
            key[e.route] = e.key
            seen[e.route] = {e.origin}
            sent[e.route] = {}
            hops[e.route] = 0
        elif isinstance(e, Hop):
            hops[e.route] += 1
            record("hop", e.route, e.src, e.dst, e.tables, e.line)
            sent[e.route].setdefault(e.src, set()).add(e.dst)
            seen[e.route].add(e.dst)
        elif isinstance(e, Delivered):
            record("deliver", e.route, e.node, None, None, e.line)
            delivered.setdefault(e.route, e.node)
    return RouteSteps(trace, tuple(steps), tuple(info))


def _no_error(text: str) -> None:
    """TraceRoute has no invariant and no deadlock check: any ``Error:`` TLC prints (an
    evaluation error, say) means it failed, never that a step was refused."""
    m = _ERROR.search(text)
    if m is not None:
        lines = text[m.start() :].strip().splitlines()[:6]
        raise TlcFailed("TLC failed on TraceRoute:\n" + "\n".join(lines))


def _check_width(trace: Trace) -> None:
    bits = trace.header.space.bits
    if bits > MAX_TLC_BITS:
        raise BadInput(
            f"{trace.name}:{trace.header.line}: field 'bits': {bits} is above {MAX_TLC_BITS}, "
            f"the widest id space TLC can validate (its integers are 32-bit and TraceRoute "
            f"computes y - x + 2^bits); judge this trace with pastry-ref judge instead"
        )


def _copy(modules: Path, folder: Path) -> None:
    missing = [m for m in MODULES if not (modules / f"{m}.tla").is_file()]
    if missing:
        raise BadInput(
            f"{modules}: no {', '.join(m + '.tla' for m in missing)}; pass --modules DIR naming "
            "the folder that holds them (spec/tla in the repository)"
        )
    for m in MODULES:
        shutil.copyfile(modules / f"{m}.tla", folder / f"{m}.tla")


def model_files(rs: RouteSteps) -> tuple[str, str]:
    """``MC.tla`` (extends TraceRoute, defines ``MCSteps``) and ``MC.cfg``."""
    h = rs.trace.header
    module = (
        f"---- MODULE MC ----\nEXTENDS TraceRoute\n\nMCSteps == {tla_literal(rs.steps)}\n====\n"
    )
    cfg = (
        "CONSTANTS\n"
        f"  Bits = {h.space.bits}\n"
        f"  B = {h.space.b}\n"
        f"  Half = {h.leaf_set_size // 2}\n"
        "  M = 0\n"
        f'  TieRule = "{h.tie_rule}"\n'
        f"  MaxHops = {h.hop_bound}\n"
        "  Steps <- MCSteps\n"
        "INIT TraceInit\nNEXT TraceNext\nCHECK_DEADLOCK FALSE\n"
    )
    return module, cfg


def prepare(path: Path) -> RouteSteps:
    """The pastry-trace at ``path`` as TraceRoute's steps: loaded by ``load_trace`` (bad input:
    ``TraceFormatError``), refused when wider than ``MAX_TLC_BITS``."""
    trace = load_trace(str(path))
    _check_width(trace)
    return route_steps(trace)


def run_steps(
    rs: RouteSteps, jar: Path, modules: Path, timeout: float | None = None
) -> ForeignResult:
    """Run TLC on TraceRoute with ``rs`` as ``Steps`` in a temporary folder, removed after."""
    module, cfg = model_files(rs)
    text, seconds, distinct, depth = run_module(
        jar, "pastry-tlc-foreign-", lambda folder: _copy(modules, folder), module, cfg, timeout
    )
    _no_error(text)
    matched = max(depth - 1, 0) if distinct > 0 else 0
    refused: RefusedStep | None = None
    if matched < len(rs.steps):
        m = _REFUSED.search(text)
        rule = m.group(2) if m and int(m.group(1)) == matched + 1 else "?"
        refused = RefusedStep(matched + 1, rule, rs.info[matched])
    return ForeignResult(
        rs.trace.name,
        len(rs.steps),
        matched,
        rs.unjudged,
        sum(1 for s in rs.info if s.kind == "hop"),
        sum(1 for s in rs.info if s.kind == "deliver"),
        seconds,
        refused,
        rs.trace.header.space.bits,
    )


_EACH = re.compile(r'^<<"trace-route-each", (\d+), "([\w-]*)">>\s*$', re.M)


def judge_each(
    rs: RouteSteps, jar: Path, modules: Path, timeout: float | None = None
) -> tuple[str, ...]:
    """Each step of ``rs`` judged on its own by TraceRoute's ``Permitted`` in one TLC run
    (an ``ASSUME`` that prints them): per step ``""`` if permitted, else the rule ``Refusal``
    names. For sweeps: ``rs.steps`` need not be one trace's (each record carries its
    context), only share its header."""
    module, cfg = model_files(rs)
    module = module.replace(
        "\n====\n",
        '\nASSUME \\A j \\in DOMAIN Trace : PrintT(<<"trace-route-each", j, '
        'IF Permitted(Trace[j]) THEN "" ELSE Refusal(Trace[j])>>)\n====\n',
    )
    text, _, _, _ = run_module(
        jar, "pastry-tlc-foreign-", lambda folder: _copy(modules, folder), module, cfg, timeout
    )
    _no_error(text)
    got = {int(m.group(1)): m.group(2) for m in _EACH.finditer(text)}
    if sorted(got) != list(range(1, len(rs.steps) + 1)):
        raise TlcFailed(
            f"TLC printed TraceRoute's verdicts of {len(got)} of the {len(rs.steps)} steps"
        )
    return tuple(got[j] for j in range(1, len(rs.steps) + 1))


def check_foreign(
    path: Path, jar: Path, modules: Path, timeout: float | None = None
) -> ForeignResult:
    """Validate the pastry-trace at ``path`` with TLC (TraceRoute): ``prepare``, ``run_steps``."""
    return run_steps(prepare(path), jar, modules, timeout)


def _describe(step: StepInfo, hexid: Any) -> str:
    if step.kind == "hop":
        return f"hop of route {step.route!r} from {hexid(step.node)} to {hexid(step.to)}"
    return f"deliver of route {step.route!r} at {hexid(step.node)}"


def report(r: ForeignResult, as_json: bool, out: TextIO) -> int:
    """``pastry-ref tlc --trace FILE``'s report of a pastry-trace: exit 0 accepted, 1 refused."""
    width = (r.bits + 3) // 4

    def hexid(n: int | None) -> str | None:
        return None if n is None else format(n, f"0{width}x")

    if as_json:
        refused = None
        if r.refused is not None:
            s = r.refused.info
            refused = {
                "index": r.refused.index,
                "rule": r.refused.rule,
                "kind": s.kind,
                "route": s.route,
                "from": hexid(s.node),
                "to": hexid(s.to),
                "line": s.line,
                "tables": s.mode,
            }
        doc = {
            "trace": r.path,
            "spec": "TraceRoute",
            "accepted": r.accepted,
            "steps": r.steps,
            "matched": r.matched,
            "hops": r.hops,
            "delivers": r.delivers,
            "unjudged": r.unjudged,
            "refused": refused,
            "seconds": round(r.seconds, 3),
        }
        out.write(json.dumps(doc, indent=1) + "\n")
    elif r.accepted:
        out.write(
            f"{r.path}: accepted: all {r.steps} routing steps ({r.hops} hops, {r.delivers} "
            f"deliveries) are permitted by TraceRoute; {r.unjudged} of them, outside a quiescent "
            f"window without tables (unjudged by R-JUDGE-3), were checked for path, revisit, "
            f"bound and root only ({r.seconds:.1f} s)\n"
        )
    else:
        assert r.refused is not None
        s = r.refused.info
        out.write(
            f"{r.path}: REFUSED: step {r.refused.index} of {r.steps}, line {s.line} "
            f"({_describe(s, hexid)}, tables: {s.mode}), is not permitted: {r.refused.rule}; "
            + (f"steps 1..{r.matched} are" if r.matched else "it is the first step")
            + f" ({r.seconds:.1f} s)\n"
        )
    return 0 if r.accepted else 1
