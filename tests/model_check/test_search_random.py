"""The random-walk mode of the search (``--strategy random``, docs/model_checking.md section 5):
walks counted exactly, each walk to a terminal state or the depth limit, the state, time and walk
bounds with their stop reasons, the seed, the progress cadence, and the traces a walk reports.

No test here can hang (issue 14): every run has a walk count, a state bound or a depth limit, and
every model is wrapped in ``Budgeted``, which raises ``BoundReached`` when ``actions`` is called
more often than the run can need: a walk or a run that does not end fails its test instead.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Sequence
from typing import Any

import pytest

from model_check import (
    Always,
    AlwaysOnTransition,
    BaseModel,
    Convergence,
    Property,
    PropertyStatus,
    SearchOptions,
    Sometimes,
    Strategy,
    Verdict,
    Violation,
    check,
)
from model_check.examples import BrokenMutex, Counters, LostUpdate
from model_check.result import CheckResult, PropertyResult, Stats, Step, Trace
from model_check.search import DEFAULT_RANDOM_DEPTH, DEFAULT_WALKS, Progress
from tests.model_check.support import Chain, FakeClock, clocked, expected_stats, zeroed

RANDOM = Strategy.RANDOM
UNPROVED = "not decided: random walks cannot prove it"


class BoundReached(AssertionError):
    """The test's own bound ran out: the walks called ``actions`` more often than they can."""


class Budgeted(BaseModel[Any, Any]):
    """``inner`` with a bound: call ``calls + 1`` of ``actions`` raises ``BoundReached``."""

    def __init__(self, inner: Any, calls: int) -> None:
        self.inner, self.limit, self.calls = inner, calls, 0

    def init_states(self) -> Sequence[Any]:
        return self.inner.init_states()  # type: ignore[no-any-return]

    def actions(self, state: Any) -> Sequence[Any]:
        self.calls += 1
        if self.calls > self.limit:
            raise BoundReached(f"more than {self.limit} calls of actions(): a walk does not end")
        return self.inner.actions(state)  # type: ignore[no-any-return]

    def next_state(self, state: Any, action: Any) -> Any:
        return self.inner.next_state(state, action)

    def properties(self) -> Sequence[Property]:
        return self.inner.properties()  # type: ignore[no-any-return]

    def action_name(self, action: Any) -> str:
        return self.inner.action_name(action)  # type: ignore[no-any-return]


class Ring(Chain):
    """0 -> 1 -> ... -> n-1 -> 0: no terminal state, a walk ends only at the depth limit."""

    def actions(self, state: int) -> Sequence[str]:
        return ("step",)

    def next_state(self, state: int, action: str) -> int:
        return (state + 1) % self.n


class Inits(BaseModel[int, str]):
    """``n`` initial states (a ``range``, so n may be huge) and no actions: a walk is one state.
    With n = 2**40, a few thousand draws never repeat a state: walk w finds state w."""

    def __init__(self, n: int = 2**40, props: Sequence[Property] = ()) -> None:
        self.n, self.props = n, tuple(props)

    def init_states(self) -> Sequence[int]:
        return range(self.n)

    def actions(self, state: int) -> Sequence[str]:
        return ()

    def next_state(self, state: int, action: str) -> int:
        raise AssertionError("no actions")

    def properties(self) -> Sequence[Property]:
        return self.props or (Always.holds("NonNegative", lambda s: s >= 0),)


def walk(
    model: Any,
    calls: int = 10_000,
    progress: Callable[[Progress], None] | None = None,
    **options: Any,
) -> CheckResult:
    """Random walks over ``model`` bounded by ``calls`` calls of ``actions``."""
    return check(Budgeted(model, calls), SearchOptions(strategy=RANDOM, **options), progress)


def stats(**fields: Any) -> Stats:
    """The statistics of a random run (seconds zeroed: the wall clock is not pinned)."""
    return expected_stats(**{"strategy": RANDOM, "complete": False, "seed": 0, **fields})


def chain_trace(*states: int) -> Trace:
    return Trace(0, tuple(Step("step", "step", s) for s in states))


# -- walks are counted exactly ------------------------------------------------------------------


@pytest.mark.parametrize("walks", [1, 3, 10])
def test_random_walks_count_every_walk_and_every_generated_state(walks: int) -> None:
    """N walks over a 5-state chain: N walks done, 5 states generated per walk (the initial one
    and four steps), 5 distinct, depth 4, no stop reason."""
    result = walk(Chain(5), calls=100, walks=walks)
    assert zeroed(result) == stats(
        states_generated=5 * walks, distinct_states=5, max_depth=4, walks=walks
    )
    assert result.verdict is Verdict.INCOMPLETE
    assert result.properties == (
        PropertyResult("NonNegative", "always", PropertyStatus.UNKNOWN, message=UNPROVED),
    )
    assert result.notes == (
        "random walks (seed 0) cannot prove a property: without a violation the verdict is "
        "incomplete",
    )


def test_random_walks_stop_at_the_walk_count_before_the_state_bound() -> None:
    """Five one-state walks over 2**40 initial states find five states: the state bound of 100
    is not reached, so a walk count that does not stop the run ends it at max-states instead."""
    result = walk(Inits(), walks=5, max_states=100)
    assert zeroed(result) == stats(states_generated=5, distinct_states=5, max_depth=0, walks=5)


def test_a_model_without_initial_states_takes_no_walk() -> None:
    result = walk(Inits(0), walks=3, max_states=10)
    assert zeroed(result) == stats(states_generated=0, distinct_states=0, max_depth=0, walks=0)
    assert result.properties == (
        PropertyResult("NonNegative", "always", PropertyStatus.UNKNOWN, message=UNPROVED),
    )


# -- each walk runs to a terminal state or the depth limit ----------------------------------------


def test_each_walk_runs_to_its_terminal_state_below_the_depth_limit() -> None:
    result = walk(Chain(10), calls=100, walks=2, max_depth=50)
    assert zeroed(result) == stats(states_generated=20, distinct_states=10, max_depth=9, walks=2)


def test_a_walk_ends_at_its_terminal_state_even_at_depth_0() -> None:
    result = walk(Chain(1), calls=10, walks=4, max_depth=0)
    assert zeroed(result) == stats(states_generated=4, distinct_states=1, max_depth=0, walks=4)


@pytest.mark.parametrize(("depth", "walks"), [(0, 3), (1, 2), (5, 2)])
def test_each_walk_stops_at_max_depth(depth: int, walks: int) -> None:
    """A ring has no terminal state: every walk takes exactly max_depth steps."""
    result = walk(Ring(50), calls=100, walks=walks, max_depth=depth)
    assert zeroed(result) == stats(
        states_generated=walks * (depth + 1),
        distinct_states=depth + 1,
        max_depth=depth,
        walks=walks,
    )


def test_without_max_depth_each_walk_stops_at_the_default_depth() -> None:
    assert DEFAULT_RANDOM_DEPTH == 100
    result = walk(Ring(500), calls=1000, walks=2)
    assert zeroed(result) == stats(
        states_generated=202, distinct_states=101, max_depth=100, walks=2
    )
    # On a ring shorter than the walk, every state is found and the walk goes round.
    result = walk(Ring(30), calls=1000, walks=1)
    assert zeroed(result) == stats(states_generated=101, distinct_states=30, max_depth=100, walks=1)


def test_random_walks_on_a_counter_grid_find_what_breadth_first_search_finds() -> None:
    """Two counters 0..2: every walk from (0, 0) to the terminal (2, 2) takes four steps, whatever
    the draws; 100 walks visit all 9 states, the count of an exhaustive run."""
    bfs = check(Counters(2, 3))
    assert bfs.stats.distinct_states == 9
    result = walk(Counters(2, 3), calls=1000, walks=100, seed=3)
    assert zeroed(result) == stats(
        states_generated=500, distinct_states=9, max_depth=4, walks=100, seed=3
    )
    assert [r.status for r in result.properties] == [PropertyStatus.UNKNOWN, PropertyStatus.HOLDS]
    witness = result.result("AllFull").trace
    assert witness is not None and len(witness) == 4 and witness.states()[-1] == (2, 2)


# -- the state bound -----------------------------------------------------------------------------


def test_the_state_bound_stops_a_walk_at_exactly_max_states() -> None:
    """The first walk finds the seventh state at step 6, stops there, and ends the run."""
    result = walk(Chain(50), calls=100, walks=3, max_states=7)
    assert zeroed(result) == stats(
        states_generated=7, distinct_states=7, max_depth=6, walks=1, stop_reason="max-states"
    )
    assert result.verdict is Verdict.INCOMPLETE
    assert result.properties == (
        PropertyResult(
            "NonNegative",
            "always",
            PropertyStatus.UNKNOWN,
            message="not decided: the search stopped (max-states)",
        ),
    )


def test_the_state_bound_ends_the_run_after_the_walk_that_reached_it() -> None:
    """One-state walks: the walk that finds the fourth state ends the run at once."""
    result = walk(Inits(), walks=10, max_states=4)
    assert zeroed(result) == stats(
        states_generated=4, distinct_states=4, max_depth=0, walks=4, stop_reason="max-states"
    )


def test_a_run_that_never_reaches_the_state_bound_has_no_stop_reason() -> None:
    result = walk(Chain(5), calls=100, walks=6, max_states=5)
    assert zeroed(result) == stats(
        states_generated=5, distinct_states=5, max_depth=4, walks=1, stop_reason="max-states"
    )
    result = walk(Chain(5), calls=100, walks=6, max_states=6)
    assert zeroed(result) == stats(states_generated=30, distinct_states=5, max_depth=4, walks=6)


# -- the number of walks when none is given -------------------------------------------------------


def test_without_any_bound_a_run_is_the_default_1000_walks() -> None:
    assert DEFAULT_WALKS == 1000
    result = walk(Chain(3), calls=4000)  # 3 calls a walk: room for 1,333 walks
    assert zeroed(result) == stats(
        states_generated=3000, distinct_states=3, max_depth=2, walks=1000
    )


def test_without_a_walk_count_the_state_bound_ends_the_run() -> None:
    """With --max-states and no --walks the walks are unbounded: 1,500 one-state walks (more than
    the 1,000 default) until the 1,500th state."""
    result = walk(Inits(), calls=10_000, max_states=1500)
    assert zeroed(result) == stats(
        states_generated=1500,
        distinct_states=1500,
        max_depth=0,
        walks=1500,
        stop_reason="max-states",
    )


def test_walks_bounded_by_max_states_alone_stop_once_no_walk_finds_a_new_state() -> None:
    """--max-states alone over a model smaller than the bound: the walks would never end (issue
    14: no run may hang). The run stops after DEFAULT_WALKS walks in a row that find no new
    state: on a 3-state chain, walk 1 finds all three, walks 2..1001 none, so 1,001 walks."""
    result = walk(Chain(3), calls=3 * (DEFAULT_WALKS + 1) + 3, max_states=100)
    assert zeroed(result) == stats(
        states_generated=3 * (DEFAULT_WALKS + 1),
        distinct_states=3,
        max_depth=2,
        walks=DEFAULT_WALKS + 1,
        stop_reason="no-new-states",
    )
    assert result.verdict is Verdict.INCOMPLETE
    assert result.properties[0].message == "not decided: the search stopped (no-new-states)"


def test_a_walk_that_finds_a_state_restarts_the_count_of_walks_without_one() -> None:
    """The stale count is of walks IN A ROW: new initial states found now and then keep the run
    going. 2**40 one-state initial states: every walk finds a new state, so only the state bound
    ends it."""
    result = walk(Inits(), calls=10_000, max_states=2500)
    assert zeroed(result) == stats(
        states_generated=2500,
        distinct_states=2500,
        max_depth=0,
        walks=2500,
        stop_reason="max-states",
    )


def test_a_walk_count_or_a_time_bound_is_not_cut_short_by_walks_without_new_states() -> None:
    """With --walks (or --max-seconds) given the run does exactly what it was told: 1,500 walks
    over a 3-state chain, 1,499 of them finding nothing new."""
    result = walk(Chain(3), calls=3 * 1500, walks=1500, max_states=100)
    assert zeroed(result) == stats(
        states_generated=3 * 1500, distinct_states=3, max_depth=2, walks=1500
    )


def test_without_a_walk_count_the_time_bound_ends_the_run(monkeypatch: pytest.MonkeyPatch) -> None:
    """With --max-seconds and no --walks the walks are unbounded: each walk ends one (fake) second
    after the one before, so walk 1,201 is the first past 1,200.5 seconds."""
    clocked(monkeypatch, FakeClock(start=50.0, first=1.0, step=1.0))
    result = walk(Chain(2), calls=10_000, max_seconds=1200.5)
    assert zeroed(result) == stats(
        states_generated=2402,
        distinct_states=2,
        max_depth=1,
        walks=1201,
        stop_reason="max-seconds",
    )
    assert result.result("NonNegative").message == "not decided: the search stopped (max-seconds)"


# -- the time bound, read after every walk --------------------------------------------------------


def test_the_time_bound_allows_exactly_its_seconds(monkeypatch: pytest.MonkeyPatch) -> None:
    """Every reading after the start is one second later: a limit of 1 s is not exceeded."""
    clock = FakeClock(start=100.0, first=1.0)
    clocked(monkeypatch, clock)
    result = walk(Chain(3), calls=100, walks=3, max_seconds=1.0)
    assert result.stats == stats(
        states_generated=9, distinct_states=3, max_depth=2, walks=3, seconds=1.0
    )
    assert len(clock.readings) == 1 + 3 + 1  # the start, after each walk, the end


def test_a_tiny_time_bound_stops_the_run_after_the_first_walk(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    clocked(monkeypatch, FakeClock(start=100.0, first=1.0))
    result = walk(Chain(3), calls=100, walks=3, max_seconds=1e-9)
    assert zeroed(result) == stats(
        states_generated=3, distinct_states=3, max_depth=2, walks=1, stop_reason="max-seconds"
    )
    assert result.verdict is Verdict.INCOMPLETE


def test_a_walk_count_wins_over_a_time_bound_not_reached(monkeypatch: pytest.MonkeyPatch) -> None:
    clocked(monkeypatch, FakeClock(start=100.0, first=1.0, step=1.0))
    result = walk(Chain(3), calls=100, walks=7, max_seconds=100.0)
    assert zeroed(result) == stats(states_generated=21, distinct_states=3, max_depth=2, walks=7)


@pytest.mark.parametrize("strategy", [Strategy.BFS, Strategy.DFS])
def test_the_exhaustive_time_bound_allows_exactly_its_seconds(
    monkeypatch: pytest.MonkeyPatch, strategy: Strategy
) -> None:
    """BFS and DFS read the clock every 64 expansions (``_Run.timed_out``): one second after
    the start is within a limit of 1 s, and past a limit of 0.5 s."""
    clocked(monkeypatch, FakeClock(start=100.0, first=1.0))
    full = check(Chain(200), SearchOptions(strategy=strategy, max_seconds=1.0))
    assert (full.stats.distinct_states, full.stats.stop_reason, full.verdict) == (
        200,
        "",
        Verdict.PASS,
    )
    clocked(monkeypatch, FakeClock(start=100.0, first=1.0))
    cut = check(Chain(200), SearchOptions(strategy=strategy, max_seconds=0.5))
    assert (cut.stats.distinct_states, cut.stats.stop_reason, cut.verdict) == (
        64,
        "max-seconds",
        Verdict.INCOMPLETE,
    )


# -- progress: at most every half second, after a walk --------------------------------------------


def test_progress_is_reported_after_a_walk_once_half_a_second_passed(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    """Each walk ends one second after the one before: a report after every walk."""
    clocked(monkeypatch, FakeClock(start=100.0, first=1.0, step=1.0))
    reports: list[Progress] = []
    result = walk(Chain(3), calls=100, progress=reports.append, walks=3)
    assert result.stats.walks == 3
    assert reports == [Progress(3, 3 * w, 0, 2, float(w), None) for w in (1, 2, 3)]


def test_progress_is_not_reported_again_within_half_a_second(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    """The first walk ends 1 s after the start (a report), the next ones 0 s after it (none)."""
    clocked(monkeypatch, FakeClock(start=100.0, first=1.0))
    reports: list[Progress] = []
    result = walk(Chain(3), calls=100, progress=reports.append, walks=3)
    assert result.stats.walks == 3
    assert reports == [Progress(3, 3, 0, 2, 1.0, None)]


def test_progress_is_not_reported_at_exactly_half_a_second(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    clocked(monkeypatch, FakeClock(start=100.0, first=0.5))
    reports: list[Progress] = []
    result = walk(Chain(3), calls=100, progress=reports.append, walks=3)
    assert result.stats.walks == 3
    assert reports == []


def test_no_progress_callback_is_no_report(monkeypatch: pytest.MonkeyPatch) -> None:
    clocked(monkeypatch, FakeClock(start=100.0, first=1.0, step=1.0))
    result = walk(Chain(3), calls=100, walks=3)
    assert zeroed(result) == stats(states_generated=9, distinct_states=3, max_depth=2, walks=3)


# -- the seed ------------------------------------------------------------------------------------


def _first_state(seed: int | None) -> int:
    """The initial state of a single walk over 2**40 initial states, witnessed by a Sometimes."""
    model = Inits(props=(Sometimes("Any", lambda s: True, "any state"),))
    result = walk(model, calls=10, walks=1, seed=seed)
    assert result.stats.seed == (0 if seed is None else seed)
    trace = result.result("Any").trace
    assert trace is not None and trace.steps == ()
    return trace.initial  # type: ignore[no-any-return]


def test_the_seed_makes_walks_reproducible_and_defaults_to_0() -> None:
    assert _first_state(None) == _first_state(None) == _first_state(0)
    assert _first_state(5) == _first_state(5)
    firsts = [_first_state(seed) for seed in (0, 1, 2, 3)]
    assert len(set(firsts)) == 4  # different seeds draw different walks


def test_a_seeded_run_is_the_same_run_every_time() -> None:
    a = walk(LostUpdate(2), calls=1000, walks=30, seed=11)
    b = walk(LostUpdate(2), calls=1000, walks=30, seed=11)
    assert (a.properties, zeroed(a)) == (b.properties, zeroed(b))
    assert a.stats.seed == 11 and a.stats.walks == 30


# -- what a walk reports: properties on every state and step it visits --------------------------


def test_a_walk_that_decides_every_property_ends_the_run() -> None:
    """Every walk breaks the invariant at its first step; the run ends after that walk, which
    runs on to its terminal state; the counterexample is the walk up to the bad state."""
    props = (Always.holds("BelowOne", lambda s: s < 1, "s < 1"),)
    result = walk(Chain(3, props), calls=100, walks=5)
    assert zeroed(result) == stats(
        states_generated=3,
        distinct_states=3,
        max_depth=2,
        walks=1,
        stop_reason="all properties decided",
    )
    assert result.verdict is Verdict.VIOLATED
    assert result.properties == (
        PropertyResult(
            "BelowOne",
            "always",
            PropertyStatus.VIOLATED,
            (Violation("BelowOne", "s < 1"),),
            chain_trace(1),
        ),
    )


def test_an_initial_state_is_checked_by_every_walk_that_starts_there() -> None:
    props = (Always.holds("Positive", lambda s: s > 0, "s > 0"),)
    result = walk(Chain(3, props), calls=100, walks=5)
    assert (result.stats.walks, result.stats.stop_reason) == (1, "all properties decided")
    assert result.properties == (
        PropertyResult(
            "Positive",
            "always",
            PropertyStatus.VIOLATED,
            (Violation("Positive", "s > 0"),),
            Trace(0),
        ),
    )


def test_a_transition_violation_is_reported_with_the_walk_up_to_its_step() -> None:
    def into_two(s: int, a: str, t: int) -> Iterable[Violation]:
        if t == 2:
            yield Violation("NotIntoTwo", f"{s} -> {t}")

    props = (AlwaysOnTransition("NotIntoTwo", into_two),)
    result = walk(Chain(4, props), calls=100, walks=5)
    assert (result.stats.walks, result.stats.stop_reason) == (1, "all properties decided")
    assert result.properties == (
        PropertyResult(
            "NotIntoTwo",
            "transition",
            PropertyStatus.VIOLATED,
            (Violation("NotIntoTwo", "1 -> 2"),),
            chain_trace(1, 2),
        ),
    )


def test_a_bad_terminal_state_is_reported_with_the_walk_that_reached_it() -> None:
    props = (Convergence("AtNine", lambda s: s == 9, "ends at 9"),)
    result = walk(Chain(4, props), calls=100, walks=3)
    # A convergence property is never decided by walks: all three walks run.
    assert zeroed(result) == stats(states_generated=12, distinct_states=4, max_depth=3, walks=3)
    assert result.verdict is Verdict.VIOLATED
    assert result.properties == (
        PropertyResult(
            "AtNine/terminal",
            "convergence",
            PropertyStatus.VIOLATED,
            (Violation("AtNine/terminal", "a terminal state does not satisfy the goal"),),
            chain_trace(1, 2, 3),
        ),
        PropertyResult("AtNine/reachable", "convergence", PropertyStatus.UNKNOWN, message=UNPROVED),
        PropertyResult("AtNine/no-cycle", "convergence", PropertyStatus.UNKNOWN, message=UNPROVED),
    )


def test_walks_that_end_in_good_terminal_states_report_no_terminal_violation() -> None:
    """Every walk over the counter grid ends at (2, 2), which satisfies the goal."""
    model = Counters(2, 3)
    model.properties = lambda: (  # type: ignore[method-assign]
        Convergence("Full", lambda s: s == (2, 2), "both counters at the top"),
    )
    result = walk(model, calls=1000, walks=20)
    assert result.verdict is Verdict.INCOMPLETE
    assert result.properties == tuple(
        PropertyResult(f"Full/{part}", "convergence", PropertyStatus.UNKNOWN, message=UNPROVED)
        for part in ("terminal", "reachable", "no-cycle")
    )


def test_the_lost_update_found_by_a_walk_replays_to_a_bad_terminal_state() -> None:
    model = LostUpdate(2)
    assert check(LostUpdate(2)).stats.distinct_states == 13  # every state: 50 walks find them all
    result = walk(model, calls=1000, walks=50, seed=1)
    assert zeroed(result) == stats(
        states_generated=250, distinct_states=13, max_depth=4, walks=50, seed=1
    )
    bad = result.result("AllCounted/terminal")
    assert bad.status is PropertyStatus.VIOLATED
    assert bad.violations == (
        Violation("AllCounted/terminal", "a terminal state does not satisfy the goal"),
    )
    assert bad.trace is not None and len(bad.trace) == 4  # every walk is four steps
    state = bad.trace.initial
    assert state == model.init_states()[0]
    for step in bad.trace.steps:
        assert step.action in model.actions(state)
        state = model.next_state(state, step.action)
        assert step.state == state and step.action_name == model.action_name(step.action)
    assert model.actions(state) == [] and state.x == 1  # terminal, one update lost


def test_the_broken_mutex_found_by_a_walk_ends_the_run_and_replays() -> None:
    """Walks of four steps (the shortest counterexample): with seed 2 the eleventh walk is the
    first to put both processes in the critical section, and the run ends after it."""
    model = BrokenMutex(2)
    opts: dict[str, Any] = {"seed": 2, "max_depth": 4, "properties": ("MutualExclusion",)}
    result = walk(model, calls=10_000, walks=500, **opts)
    assert result.verdict is Verdict.VIOLATED
    assert zeroed(result) == stats(
        states_generated=55,
        distinct_states=9,
        max_depth=4,
        walks=11,
        seed=2,
        stop_reason="all properties decided",
    )
    trace = result.result("MutualExclusion").trace
    assert trace is not None and len(trace) == 4
    state = trace.initial
    for step in trace.steps:
        state = model.next_state(state, step.action)
        assert step.state == state
    assert state.pc == ("critical", "critical")
    # Ten walks have not found it yet.
    before = walk(model, calls=10_000, walks=10, **opts)
    assert before.result("MutualExclusion").status is PropertyStatus.UNKNOWN
    assert (before.stats.walks, before.stats.stop_reason) == (10, "")
