"""The search: breadth-first, depth-first and seeded random walks over a ``Model``.

Owns: exploration order, state storage (full states or 64-bit fingerprints), bounds (states,
depth, seconds), partial-order reduction (sleep sets with state matching), property evaluation
during the search, convergence analysis after it, and rebuilding counterexample traces.

Rules it keeps:
- Determinism: successors are explored in the model's action order; random walks draw only from
  ``random.Random(seed)``. Same model and options => same counts, same counterexamples.
- A state is stored as its parent, the index of the action that reached it and its depth; traces
  are rebuilt by replaying those actions from the initial state (as TLC does with fingerprints),
  and the replay verifies that the model is deterministic.
- A bound that stops a search before it decided every property makes the verdict INCOMPLETE.
- Sleep sets never lose a reachable state (the distinct-state count is the same with and without
  reduction); they prune transitions. Actions a transition property observes are never pruned.
  Convergence checks (b) and (c) need every transition, so reduction is not applied to a run that
  checks them (the result says so in its notes).
"""

from __future__ import annotations

import random
import time
from array import array
from collections import deque
from collections.abc import Callable, Hashable, Sequence
from typing import Any

import attrs

from model_check.convergence import avoiding_cycle, doomed_states, first_bad_terminal
from model_check.fingerprint import fingerprint
from model_check.model import (
    Always,
    AlwaysOnTransition,
    Convergence,
    ConvergenceCheck,
    Model,
    ModelCheckError,
    ModelError,
    Property,
    Sometimes,
    Violation,
)
from model_check.result import (
    CheckResult,
    PropertyResult,
    PropertyStatus,
    Stats,
    Step,
    Strategy,
    Trace,
    Verdict,
)

__all__ = [
    "DEFAULT_RANDOM_DEPTH",
    "DEFAULT_WALKS",
    "MAX_COUNT",
    "MAX_SECONDS",
    "EngineError",
    "OptionError",
    "Progress",
    "SearchOptions",
    "check",
    "select_properties",
]

DEFAULT_WALKS = 1000
DEFAULT_RANDOM_DEPTH = 100
_CHECK_EVERY = 64  # expansions between clock readings and progress reports


MAX_COUNT = 10**12  # the largest --max-states, --max-depth and --walks
MAX_SECONDS = 10.0**7  # the largest --max-seconds (about four months)
MAX_SEED = 2**64 - 1


class EngineError(ModelCheckError):
    """The engine's own bookkeeping is inconsistent: a bug of the search, not of the model."""


class OptionError(ModelCheckError, ValueError):
    """Search options that are out of range or contradict each other."""


def _count(name: str, value: object, minimum: int, maximum: int = MAX_COUNT) -> None:
    """None, or an int (not a bool) in minimum..maximum."""
    if value is None:
        return
    if not isinstance(value, int) or isinstance(value, bool) or not minimum <= value <= maximum:
        raise OptionError(
            f"{name}: expected an integer in {minimum}..{maximum:,}, got {_show(value)}"
        )


def _show(value: object, limit: int = 40) -> str:
    """A value for a message: short, one line, and never an error itself (Python refuses to
    print an int of more than 4300 digits)."""
    if isinstance(value, int) and value.bit_length() > 128:
        return f"an integer of {value.bit_length()} bits"
    try:
        text = repr(value)
    except (ValueError, RecursionError):
        return f"a {type(value).__name__}"
    return text if len(text) <= limit else text[: limit - 3] + "..."


@attrs.frozen(slots=True)
class SearchOptions:
    """How to search. ``seed`` and ``walks`` only apply to random walks; ``por`` only to BFS and
    DFS. ``properties`` selects properties by name (default: all of the model's)."""

    strategy: Strategy = Strategy.BFS
    max_states: int | None = None
    max_depth: int | None = None
    max_seconds: float | None = None
    seed: int | None = None
    walks: int | None = None
    por: bool = False
    fingerprint: bool = False
    properties: tuple[str, ...] | None = None

    def __attrs_post_init__(self) -> None:
        if not isinstance(self.strategy, Strategy):
            raise OptionError(
                f"--strategy: expected one of {[x.value for x in Strategy]}, "
                f"got {_show(self.strategy)}"
            )
        _count("--max-states", self.max_states, 1)
        _count("--max-depth", self.max_depth, 0)
        _count("--walks", self.walks, 1)
        _count("--seed", self.seed, 0, MAX_SEED)
        t = self.max_seconds
        if t is not None and (
            not isinstance(t, int | float) or isinstance(t, bool) or not 0 < t <= MAX_SECONDS
        ):
            raise OptionError(
                f"--max-seconds: expected a number of seconds in (0, {MAX_SECONDS:,.0f}], "
                f"got {_show(t)}"
            )
        for flag in ("por", "fingerprint"):
            if not isinstance(getattr(self, flag), bool):
                raise OptionError(
                    f"--{flag}: expected True or False, got {_show(getattr(self, flag))}"
                )
        p = self.properties
        if p is not None and (not isinstance(p, tuple) or not all(isinstance(n, str) for n in p)):
            raise OptionError(f"--property: expected a tuple of property names, got {_show(p)}")
        if self.strategy is not Strategy.RANDOM:
            if self.seed is not None:
                raise OptionError("--seed only applies to --strategy random")
            if self.walks is not None:
                raise OptionError("--walks only applies to --strategy random")
        elif self.por:
            raise OptionError(
                "--por needs an exhaustive strategy (bfs or dfs); random walks do not reduce"
            )


@attrs.frozen(slots=True)
class Progress:
    """A snapshot for progress reports."""

    distinct_states: int
    states_generated: int
    queue: int
    depth: int
    seconds: float
    max_states: int | None


def select_properties(model: Model[Any, Any], names: Sequence[str] | None) -> list[Property]:
    props = list(model.properties())
    seen: set[str] = set()
    for p in props:
        if p.name in seen:
            raise ModelError(f"two properties are named {p.name!r}")
        seen.add(p.name)
    if names is None:
        return props
    unknown = [n for n in names if n not in seen]
    if unknown:
        have = ", ".join(sorted(seen)) or "none"
        raise OptionError(f"unknown property {unknown[0]!r} (the model has: {have})")
    return [p for p in props if p.name in names]


def _identity(state: Hashable) -> Hashable:
    return state


# Where a property was decided: a state id (exhaustive search) or (initial index, action path)
# (random walks). Transition hits add the index of the offending action.
Loc = int | tuple[int, tuple[int, ...]]


class _Run:
    """Mutable bookkeeping of one search; ``check`` turns it into a ``CheckResult``."""

    def __init__(self, model: Model[Any, Any], props: list[Property], opts: SearchOptions) -> None:
        self.model = model
        self.opts = opts
        self.key: Callable[[Any], Hashable] = fingerprint if opts.fingerprint else _identity
        self.props = props
        self.trans = [p for p in props if isinstance(p, AlwaysOnTransition)]
        self.conv = [p for p in props if isinstance(p, Convergence)]
        self.open_always = [p for p in props if isinstance(p, Always)]
        self.open_trans = list(self.trans)
        self.open_sometimes = [p for p in props if isinstance(p, Sometimes)]
        # Outcomes: property name -> where, and the violations found there.
        self.state_hits: dict[str, tuple[Loc, tuple[Violation, ...]]] = {}
        self.trans_hits: dict[str, tuple[Loc, int, tuple[Violation, ...]]] = {}
        self.witness: dict[str, Loc] = {}
        self.bad_terminal: dict[str, Loc] = {}  # random walks only
        # Storage: key -> id; per id its parent, the action index that reached it, its depth.
        self.index: dict[Hashable, int] = {}
        self.parent = array("q")
        self.action_index = array("q")
        self.depth = array("q")
        self.goal = [bytearray() for _ in self.conv]
        self.terminal = bytearray()
        self.generated = 0
        self.max_depth_seen = 0
        self.depth_cut = False
        self.walks_done = 0
        self.stop_reason = ""
        self.start = time.monotonic()

    def decided(self) -> bool:
        """Nothing left to learn: every property is violated or witnessed."""
        if not self.props:
            return False
        return not (self.open_always or self.open_trans or self.open_sometimes or self.conv)

    def check_state(self, loc: Loc, state: Any) -> None:
        if self.open_always:
            for p in list(self.open_always):
                found = tuple(p.check(state))
                if found:
                    self.state_hits[p.name] = (loc, found)
                    self.open_always.remove(p)
        if self.open_sometimes:
            for q in list(self.open_sometimes):
                if q.predicate(state):
                    self.witness[q.name] = loc
                    self.open_sometimes.remove(q)

    def check_transition(self, loc: Loc, k: int, state: Any, action: Any, nxt: Any) -> None:
        for p in list(self.open_trans):
            if p.observes is not None and not p.observes(action):
                continue
            found = tuple(p.check(state, action, nxt))
            if found:
                self.trans_hits[p.name] = (loc, k, found)
                self.open_trans.remove(p)

    def add(self, state: Any, key: Hashable, parent: int, k: int, depth: int) -> int:
        i = len(self.parent)
        self.index[key] = i
        self.parent.append(parent)
        self.action_index.append(k)
        self.depth.append(depth)
        self.max_depth_seen = max(self.max_depth_seen, depth)
        self.check_state(i, state)
        for bits, c in zip(self.goal, self.conv, strict=True):
            bits.append(1 if c.goal(state) else 0)
        self.terminal.append(0)
        return i

    # -- traces -------------------------------------------------------------------------------

    def trace(
        self, loc: Loc, extra: Sequence[int] = (), loop: int | None = None, critical: bool = False
    ) -> Trace:
        """The trace to ``loc``, then the action indices ``extra``. With a state id the replay
        checks that every step reaches the state the search stored (the model is deterministic)."""
        ids: list[int] = []
        if isinstance(loc, int):
            i = loc
            for _ in range(self.depth[loc]):  # a state's trace has exactly its depth steps
                ids.append(i)
                i = self.parent[i]
            if self.parent[i] != -1:  # bounded, so broken links fail here rather than loop
                raise EngineError(
                    f"the parent links of state {loc} do not reach an initial state in its "
                    f"depth ({self.depth[loc]} steps)"
                )
            init = self.action_index[i]
            ids.reverse()
            ks = [self.action_index[j] for j in ids]
        else:
            init, path = loc
            ks = list(path)
        model = self.model
        first = model.init_states()[init]
        state = first
        steps: list[Step] = []
        for n, k in enumerate([*ks, *extra]):
            acts = model.actions(state)
            if not 0 <= k < len(acts):
                raise ModelError(f"model is not deterministic: replay of step {n + 1} failed")
            action = acts[k]
            state = model.next_state(state, action)
            if n < len(ids) and self.index.get(self.key(state)) != ids[n]:
                raise ModelError(
                    f"model is not deterministic: step {n + 1} of a replayed trace reached a "
                    "different state than during the search"
                )
            steps.append(Step(action, model.action_name(action), state))
        return Trace(first, tuple(steps), loop=loop, critical=len(ks) if critical else None)

    def timed_out(self) -> bool:
        limit = self.opts.max_seconds
        return limit is not None and time.monotonic() - self.start > limit


def check(
    model: Model[Any, Any],
    options: SearchOptions | None = None,
    progress: Callable[[Progress], None] | None = None,
) -> CheckResult:
    """Check the model's (selected) properties with the given options."""
    opts = options or SearchOptions()
    props = select_properties(model, opts.properties)
    run = _Run(model, props, opts)
    notes: list[str] = []
    edges: list[list[int]] | None = None
    pruned = 0
    if opts.strategy is Strategy.RANDOM:
        _random(run, progress)
        queue, por_applied, complete = 0, False, False
        notes.append(
            f"random walks (seed {_seed(opts)}) cannot prove a property: without a violation "
            "the verdict is incomplete"
        )
    else:
        por_applied = opts.por and not any(c.needs_graph() for c in run.conv)
        if opts.por and not por_applied:
            notes.append(
                "partial-order reduction not applied: convergence checks (b) and (c) "
                "need the full transition graph"
            )
        queue, edges, pruned = _exhaustive(run, progress, por_applied)
        complete = queue == 0 and not run.stop_reason
    results = _results(run, complete, edges)
    stats = Stats(
        strategy=opts.strategy,
        storage="64-bit fingerprints" if opts.fingerprint else "full states",
        states_generated=run.generated,
        distinct_states=len(run.index),
        queue=queue,
        max_depth=run.max_depth_seen,
        seconds=time.monotonic() - run.start,
        complete=complete,
        stop_reason=run.stop_reason,
        por_requested=opts.por,
        por_applied=por_applied,
        transitions_pruned=pruned,
        seed=_seed(opts) if opts.strategy is Strategy.RANDOM else None,
        walks=run.walks_done,
    )
    statuses = [r.status for r in results]
    if PropertyStatus.VIOLATED in statuses:
        verdict = Verdict.VIOLATED
    elif (
        PropertyStatus.UNKNOWN in statuses
        or opts.strategy is Strategy.RANDOM
        or not (complete or run.stop_reason == "all properties decided")
    ):
        verdict = Verdict.INCOMPLETE
    else:
        verdict = Verdict.PASS
    return CheckResult(verdict, tuple(results), stats, tuple(notes))


def _seed(opts: SearchOptions) -> int:
    return 0 if opts.seed is None else opts.seed


def _walks(opts: SearchOptions) -> int:
    if opts.walks is not None:
        return opts.walks
    if opts.max_states is not None or opts.max_seconds is not None:
        return 2**62  # the other bound stops the run
    return DEFAULT_WALKS


def _results(run: _Run, complete: bool, edges: list[list[int]] | None) -> list[PropertyResult]:
    unknown = "not decided: " + (
        f"the search stopped ({run.stop_reason})"
        if run.stop_reason
        else "random walks cannot prove it"
        if run.opts.strategy is Strategy.RANDOM
        else "the search was incomplete"
    )
    out: list[PropertyResult] = []
    for p in run.props:
        if isinstance(p, Always):
            if p.name in run.state_hits:
                loc, found = run.state_hits[p.name]
                out.append(
                    PropertyResult(p.name, "always", PropertyStatus.VIOLATED, found, run.trace(loc))
                )
            else:
                out.append(_undecided(p.name, "always", complete, unknown))
        elif isinstance(p, AlwaysOnTransition):
            if p.name in run.trans_hits:
                loc, k, found = run.trans_hits[p.name]
                trace = run.trace(loc, (k,)) if isinstance(loc, int) else run.trace(loc)
                out.append(
                    PropertyResult(p.name, "transition", PropertyStatus.VIOLATED, found, trace)
                )
            else:
                out.append(_undecided(p.name, "transition", complete, unknown))
        elif isinstance(p, Sometimes):
            if p.name in run.witness:
                out.append(
                    PropertyResult(
                        p.name,
                        "sometimes",
                        PropertyStatus.HOLDS,
                        trace=run.trace(run.witness[p.name]),
                        message="witness found",
                    )
                )
            elif complete:
                v = Violation(p.name, "no reachable state satisfies it")
                out.append(PropertyResult(p.name, "sometimes", PropertyStatus.VIOLATED, (v,)))
            else:
                out.append(
                    PropertyResult(p.name, "sometimes", PropertyStatus.UNKNOWN, (), None, unknown)
                )
        else:
            out.extend(_convergence(run, p, complete, edges, unknown))
    return out


def _undecided(name: str, kind: str, complete: bool, unknown: str) -> PropertyResult:
    if complete:
        return PropertyResult(name, kind, PropertyStatus.HOLDS)
    return PropertyResult(name, kind, PropertyStatus.UNKNOWN, message=unknown)


def _convergence(
    run: _Run,
    c: Convergence[Any],
    complete: bool,
    edges: list[list[int]] | None,
    unknown: str,
) -> list[PropertyResult]:
    out: list[PropertyResult] = []
    goal = run.goal[run.conv.index(c)]
    for part in c.checks:
        name = f"{c.name}/{part.value}"
        if part is ConvergenceCheck.TERMINAL:
            loc: Loc | None
            if run.opts.strategy is Strategy.RANDOM:
                loc = run.bad_terminal.get(c.name)
            else:
                loc = first_bad_terminal(goal, run.terminal)
            if loc is not None:
                v = Violation(name, "a terminal state does not satisfy the goal")
                out.append(
                    PropertyResult(
                        name, "convergence", PropertyStatus.VIOLATED, (v,), run.trace(loc)
                    )
                )
            else:
                out.append(_undecided(name, "convergence", complete, unknown))
            continue
        if not complete or edges is None:
            out.append(PropertyResult(name, "convergence", PropertyStatus.UNKNOWN, message=unknown))
            continue
        if part is ConvergenceCheck.REACHABLE:
            live = doomed_states(edges, goal)
            dead = next((i for i in range(len(live)) if not live[i]), None)
            if dead is None:
                out.append(PropertyResult(name, "convergence", PropertyStatus.HOLDS))
                continue
            trace = run.trace(dead, critical=True)
            crit = trace.critical
            detail = "the goal is unreachable from the last state"
            if crit:
                detail += (
                    f"; critical transition: step {crit} ({trace.steps[crit - 1].action_name})"
                )
            else:
                trace = attrs.evolve(trace, critical=None)
                detail += "; it is unreachable from an initial state"
            v = Violation(name, detail)
            out.append(PropertyResult(name, "convergence", PropertyStatus.VIOLATED, (v,), trace))
        else:
            cyc = avoiding_cycle(edges, goal)
            if cyc is None:
                out.append(PropertyResult(name, "convergence", PropertyStatus.HOLDS))
                continue
            entry, loop = cyc
            prefix = run.trace(entry)
            trace = run.trace(entry, [k for _, k in loop], loop=len(prefix))
            v = Violation(name, f"a cycle of {len(loop)} step(s) never reaches the goal")
            out.append(PropertyResult(name, "convergence", PropertyStatus.VIOLATED, (v,), trace))
    return out


def _exhaustive(
    run: _Run, progress: Callable[[Progress], None] | None, por: bool
) -> tuple[int, list[list[int]] | None, int]:
    """BFS or DFS. Returns (states left in the queue, graph edges if needed, transitions pruned)."""
    model, opts, key, index = run.model, run.opts, run.key, run.index
    max_states = opts.max_states
    max_depth = opts.max_depth
    bfs = opts.strategy is Strategy.BFS
    edges: list[list[int]] | None = [] if any(c.needs_graph() for c in run.conv) else None
    # Frontier entries: (id, state, sleeping actions to wake, or None for a first expansion).
    frontier: deque[tuple[int, Any, frozenset[Any] | None]] = deque()
    pop = frontier.popleft if bfs else frontier.pop
    empty: frozenset[Any] = frozenset()
    sleep: list[frozenset[Any]] = []
    expanded = bytearray()
    pruned = 0
    trans = bool(run.trans)
    observed_by = [p.observes for p in run.trans]

    def independent(a: Any, b: Any) -> bool:
        if not model.independent(a, b):
            return False
        return all(not (obs is None or obs(a) or obs(b)) for obs in observed_by)

    def new_state(state: Any, k: Hashable, parent: int, ak: int, depth: int) -> int:
        if max_states is not None and len(run.parent) >= max_states:
            run.stop_reason = "max-states"
            return -1
        i = run.add(state, k, parent, ak, depth)
        frontier.append((i, state, None))
        if edges is not None:
            edges.append([])
        if por:
            sleep.append(empty)
            expanded.append(0)
        return i

    for n, s in enumerate(model.init_states()):
        run.generated += 1
        k = key(s)
        if k not in index and new_state(s, k, -1, n, 0) < 0:
            break
    if run.parent and run.decided():
        run.stop_reason = "all properties decided"

    expansions = 0
    try:
        while frontier and not run.stop_reason:
            expansions += 1
            if expansions % _CHECK_EVERY == 0:
                if run.timed_out():
                    run.stop_reason = "max-seconds"
                    break
                if progress is not None:
                    progress(
                        Progress(
                            len(run.parent),
                            run.generated,
                            len(frontier),
                            run.max_depth_seen,
                            time.monotonic() - run.start,
                            max_states,
                        )
                    )
            i, s, wake = pop()
            d = run.depth[i]
            acts = model.actions(s)
            if wake is None and not acts:
                run.terminal[i] = 1
            if max_depth is not None and d >= max_depth:
                if acts:
                    run.depth_cut = True
                continue
            succ = edges[i] if edges is not None else None
            if not por:
                for ak, a in enumerate(acts):
                    s2 = model.next_state(s, a)
                    run.generated += 1
                    if trans:
                        run.check_transition(i, ak, s, a, s2)
                    k = key(s2)
                    j = index.get(k)
                    if j is None:
                        j = new_state(s2, k, i, ak, d + 1)
                        if j < 0:
                            break
                    if succ is not None:
                        succ.append(j)
            else:
                current = set(sleep[i])
                if wake is None:
                    expanded[i] = 1
                for ak, a in enumerate(acts):
                    if wake is None:
                        if a in current:
                            pruned += 1
                            continue
                    elif a not in wake:
                        continue
                    s2 = model.next_state(s, a)
                    run.generated += 1
                    if trans:
                        run.check_transition(i, ak, s, a, s2)
                    z = frozenset([b for b in current if independent(a, b)]) if current else empty
                    current.add(a)
                    k = key(s2)
                    j = index.get(k)
                    if j is None:
                        j = new_state(s2, k, i, ak, d + 1)
                        if j < 0:
                            break
                        sleep[j] = z
                        continue
                    old = sleep[j]
                    if not old <= z:
                        both = old & z
                        sleep[j] = both
                        if expanded[j]:
                            frontier.append((j, s2, old - both))
            if run.decided():
                run.stop_reason = "all properties decided"
    except KeyboardInterrupt:
        run.stop_reason = "interrupted"
    if not run.stop_reason and run.depth_cut:
        run.stop_reason = "max-depth"
    return len(frontier), edges, pruned


def _random(run: _Run, progress: Callable[[Progress], None] | None) -> None:
    """Seeded random walks from a random initial state, each until a terminal state or the depth
    limit; distinct states are counted, properties checked on every state and step visited."""
    model, opts, key = run.model, run.opts, run.key
    rng = random.Random(_seed(opts))
    walks = _walks(opts)
    depth_limit = DEFAULT_RANDOM_DEPTH if opts.max_depth is None else opts.max_depth
    inits = model.init_states()
    seen = run.index
    max_states = opts.max_states
    last_report = run.start
    goal_checks = [c for c in run.conv if ConvergenceCheck.TERMINAL in c.checks]
    # Bounded by max_states alone, walks over a model smaller than the bound would never end:
    # such a run also stops after DEFAULT_WALKS walks in a row that find no new state.
    alone = opts.walks is None and opts.max_seconds is None and opts.max_states is not None
    stale_limit = DEFAULT_WALKS if alone else None
    stale = 0

    def visit(state: Any, loc: tuple[int, tuple[int, ...]]) -> None:
        k = key(state)
        if k not in seen:
            seen[k] = len(seen)
            run.check_state(loc, state)

    try:
        while run.walks_done < walks and inits:
            run.walks_done += 1
            known = len(seen)
            n0 = rng.randrange(len(inits))
            state = inits[n0]
            path: list[int] = []
            run.generated += 1
            visit(state, (n0, ()))
            while True:
                acts = model.actions(state)
                if not acts:
                    for c in goal_checks:
                        if c.name not in run.bad_terminal and not c.goal(state):
                            run.bad_terminal[c.name] = (n0, tuple(path))
                    break
                if len(path) >= depth_limit:
                    break
                if max_states is not None and len(seen) >= max_states:
                    break
                k = rng.randrange(len(acts))
                nxt = model.next_state(state, acts[k])
                run.generated += 1
                path.append(k)
                if run.open_trans:
                    run.check_transition((n0, tuple(path)), -1, state, acts[k], nxt)
                state = nxt
                run.max_depth_seen = max(run.max_depth_seen, len(path))
                visit(state, (n0, tuple(path)))
            if run.decided():
                run.stop_reason = "all properties decided"
                break
            if max_states is not None and len(seen) >= max_states:
                run.stop_reason = "max-states"
                break
            stale = stale + 1 if len(seen) == known else 0
            if stale_limit is not None and stale >= stale_limit:
                run.stop_reason = "no-new-states"
                break
            now = time.monotonic()
            if opts.max_seconds is not None and now - run.start > opts.max_seconds:
                run.stop_reason = "max-seconds"
                break
            if progress is not None and now - last_report > 0.5:
                last_report = now
                progress(
                    Progress(len(seen), run.generated, 0, run.max_depth_seen, now - run.start, None)
                )
    except KeyboardInterrupt:
        run.stop_reason = "interrupted"
