"""Edges of the search (issue 14): option bounds at the bound and one past it, the documented
defaults, the progress and clock cadence, and the bookkeeping of every strategy on tiny models."""

from __future__ import annotations

import argparse
import math
import re
from collections.abc import Callable, Iterable, Sequence
from pathlib import Path
from typing import Any

import attrs
import pytest

from model_check import (
    Always,
    AlwaysOnTransition,
    BaseModel,
    Convergence,
    ConvergenceCheck,
    ModelError,
    OptionError,
    Property,
    PropertyStatus,
    SearchOptions,
    Strategy,
    Verdict,
    Violation,
    check,
    registry,
)
from model_check.cli import add_command
from model_check.examples import Act, BrokenMutex, Counters, TwoPhaseCommit
from model_check.result import PropertyResult, Step, Trace
from model_check.search import Progress
from tests.model_check.support import Chain, FakeClock, clocked, expected_stats, zeroed

DOCS = Path(__file__).resolve().parents[2] / "docs" / "model_checking.md"
BIG = 10**12  # MAX_COUNT as documented in the messages: 1,000,000,000,000
SEED_MAX = 2**64 - 1


# -- option bounds: accepted at the bound, refused one past it, with the exact message ----------


def test_the_bounds_are_the_documented_ones() -> None:
    """docs/scenarios.md states the ranges the tests below pin at both ends."""
    text = " ".join((DOCS.parent / "scenarios.md").read_text().split())
    assert "(`--max-states` 1..10^12, `--seed` 0..2^64-1)" in text
    assert "`--max-seconds` a finite number in (0, 10^7]" in text


@pytest.mark.parametrize(
    ("field", "low", "extra"),
    [
        ("max_states", 1, {}),
        ("max_depth", 0, {}),
        ("walks", 1, {"strategy": Strategy.RANDOM}),
    ],
)
def test_count_options_accept_their_bounds_and_refuse_one_past(
    field: str, low: int, extra: dict[str, object]
) -> None:
    flag = "--" + field.replace("_", "-")
    for ok in (low, BIG):
        assert getattr(SearchOptions(**{field: ok}, **extra), field) == ok  # type: ignore[arg-type]
    for bad in (low - 1, BIG + 1):
        with pytest.raises(OptionError) as info:
            SearchOptions(**{field: bad}, **extra)  # type: ignore[arg-type]
        assert (
            str(info.value) == f"{flag}: expected an integer in {low}..1,000,000,000,000, got {bad}"
        )


def test_seed_accepts_0_and_2_to_the_64_minus_1_and_refuses_one_past() -> None:
    for ok in (0, SEED_MAX):
        assert SearchOptions(strategy=Strategy.RANDOM, seed=ok).seed == ok
    for bad in (-1, SEED_MAX + 1):
        with pytest.raises(OptionError) as info:
            SearchOptions(strategy=Strategy.RANDOM, seed=bad)
        assert str(info.value) == (
            f"--seed: expected an integer in 0..18,446,744,073,709,551,615, got {bad}"
        )


def test_max_seconds_accepts_ten_million_and_refuses_the_next_float() -> None:
    for ok in (5e-324, 1, 1e7):
        assert SearchOptions(max_seconds=ok).max_seconds == ok
    for bad in (0, -1.0, math.nextafter(1e7, math.inf), math.inf, math.nan):
        with pytest.raises(OptionError) as info:
            SearchOptions(max_seconds=bad)
        assert str(info.value) == (
            f"--max-seconds: expected a number of seconds in (0, 10,000,000], got {bad!r}"
        )


def test_a_huge_integer_is_named_by_its_size_past_128_bits() -> None:
    """``_show``: an int of up to 128 bits is printed, a longer one named by its bit length."""
    for value, shown in [
        (2**128 - 1, "340282366920938463463374607431768211455"),
        (2**128, "an integer of 129 bits"),
        (-(2**200), "an integer of 201 bits"),
    ]:
        with pytest.raises(OptionError) as info:
            SearchOptions(strategy=Strategy.RANDOM, seed=value)
        assert str(info.value) == (
            f"--seed: expected an integer in 0..18,446,744,073,709,551,615, got {shown}"
        )


def test_a_long_value_is_cut_to_40_characters() -> None:
    """``_show``: a repr of 40 characters is printed whole; a longer one as 37 and "..."."""
    head = "--strategy: expected one of ['bfs', 'dfs', 'random'], got "
    for value, shown in [
        ("a" * 38, "'" + "a" * 38 + "'"),  # repr of 40 characters
        ("a" * 39, "'" + "a" * 36 + "..."),  # repr of 41
        ("b" * 100, "'" + "b" * 36 + "..."),
    ]:
        with pytest.raises(OptionError) as info:
            SearchOptions(strategy=value)  # type: ignore[arg-type]
        assert str(info.value) == head + shown
        assert len(shown) <= 40


@pytest.mark.parametrize("value", [("a", 1), ["a"], "a", (None,)])
def test_properties_must_be_a_tuple_of_names(value: object) -> None:
    with pytest.raises(OptionError) as info:
        SearchOptions(properties=value)  # type: ignore[arg-type]
    assert str(info.value) == f"--property: expected a tuple of property names, got {value!r}"


def test_an_unknown_property_names_what_the_model_has() -> None:
    with pytest.raises(OptionError) as info:
        check(Chain(3, ()), SearchOptions(properties=("X",)))
    assert str(info.value) == "unknown property 'X' (the model has: none)"
    two = (Always.holds("B", lambda s: True), Always.holds("A", lambda s: True))
    with pytest.raises(OptionError) as info:
        check(Chain(3, two), SearchOptions(properties=("A", "Y", "Z")))
    assert str(info.value) == "unknown property 'Y' (the model has: A, B)"


# -- documented defaults ----------------------------------------------------------------------


def _check_help() -> str:
    parser = argparse.ArgumentParser(prog="pastry-ref")
    sub = parser.add_subparsers()
    add_command(sub)
    return " ".join(sub.choices["check"].format_help().split())


class Budgeted(Chain):
    """A chain that counts the calls of ``actions`` and fails past ``budget`` of them, so that a
    walk that never ends fails here, by name, instead of hanging (no test can hang)."""

    def __init__(self, n: int, budget: int) -> None:
        super().__init__(n)
        self.calls, self.budget = 0, budget

    def actions(self, state: int) -> Sequence[str]:
        self.calls += 1
        if self.calls > self.budget:
            raise AssertionError(f"actions asked {self.calls} times: a walk that never ends")
        return super().actions(state)


@pytest.mark.parametrize(
    ("n", "options", "calls", "stop_reason"),
    [
        (3, {"walks": 2}, 6, ""),  # each walk ends at the terminal state 2
        (1000, {"walks": 2, "max_depth": 3}, 8, ""),  # ... at depth 3
        (1000, {"walks": 3, "max_states": 5}, 5, "max-states"),  # ... at the fifth state
    ],
    ids=["terminal", "depth", "states"],
)
def test_a_random_walk_asks_each_state_it_visits_for_its_actions_once(
    n: int, options: dict[str, int], calls: int, stop_reason: str
) -> None:
    model = Budgeted(n, budget=50)
    result = check(model, SearchOptions(strategy=Strategy.RANDOM, **options))  # type: ignore[arg-type]
    assert model.calls == calls
    assert result.stats.stop_reason == stop_reason


def test_random_walks_stop_at_the_time_bound_asking_no_more_actions(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    clocked(monkeypatch, FakeClock(start=0.0, first=1.0, step=1.0))  # walk w ends at w s
    model = Budgeted(3, budget=50)
    result = check(model, SearchOptions(strategy=Strategy.RANDOM, max_seconds=2.5))
    assert (model.calls, result.stats.walks, result.stats.stop_reason) == (9, 3, "max-seconds")


class Inits(BaseModel[int, str]):
    """``n`` initial states and no actions: every walk is one state."""

    def __init__(self, n: int) -> None:
        self.n = n

    def init_states(self) -> Sequence[int]:
        return tuple(range(self.n))

    def actions(self, state: int) -> Sequence[str]:
        return ()

    def next_state(self, state: int, action: str) -> int:
        raise AssertionError("no actions")

    def properties(self) -> Sequence[Property]:
        return (Always.holds("NonNegative", lambda s: s >= 0),)


WALKS_TO_1500 = 1797  # seed 0

# These run before the default-walks test: with the 1000-walk default applied the wrong way round,
# that test would walk 2**62 times.


def test_random_walks_without_a_walk_count_run_until_the_state_bound() -> None:
    """With --max-states and no --walks, the 1000-walk default is off: collecting 1,500 of 5,000
    one-state walks takes more than 1,000 walks."""
    result = check(Inits(5000), SearchOptions(strategy=Strategy.RANDOM, max_states=1500))
    assert result.stats.distinct_states == 1500
    assert result.stats.stop_reason == "max-states"
    assert result.stats.walks == result.stats.states_generated == WALKS_TO_1500
    assert result.stats.walks > 1000


def test_random_walks_without_a_walk_count_run_until_the_time_bound(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    """With --max-seconds (or --max-states) and no --walks, the 1000-walk default is off."""
    clock = FakeClock(start=50.0, first=1.0, step=1.0)  # one second more per reading
    clocked(monkeypatch, clock)
    result = check(Chain(3), SearchOptions(strategy=Strategy.RANDOM, max_seconds=1500.5))
    # Walk w reads the clock at 50 + w; walk 1501 is the first past 1500.5 seconds.
    assert result.stats.walks == 1501
    assert result.stats.stop_reason == "max-seconds"
    assert result.stats.seconds == 1502.0  # the closing reading
    assert result.result("NonNegative").message == "not decided: the search stopped (max-seconds)"


def test_a_walk_count_wins_over_the_time_bound(monkeypatch: pytest.MonkeyPatch) -> None:
    clocked(monkeypatch, FakeClock(start=50.0, first=1.0, step=1.0))
    result = check(Chain(3), SearchOptions(strategy=Strategy.RANDOM, max_seconds=100.0, walks=7))
    assert (
        result.stats.walks,
        result.stats.stop_reason,
        result.stats.states_generated,
    ) == (
        7,
        "",
        21,
    )


def test_random_walks_default_to_1000_walks_as_documented() -> None:
    docs = DOCS.read_text()
    assert re.search(r"default seed 0 \(printed\), default 1000 walks", docs)
    assert "random walks: how many (default 1000)" in _check_help()
    assert "random walks: the seed (default 0)" in _check_help()
    result = check(Chain(3), SearchOptions(strategy=Strategy.RANDOM))
    assert zeroed(result) == expected_stats(
        strategy=Strategy.RANDOM,
        states_generated=3000,  # every walk: the initial state and two steps
        distinct_states=3,
        max_depth=2,
        complete=False,
        seed=0,
        walks=1000,
    )
    assert result.verdict is Verdict.INCOMPLETE
    assert result.properties == (
        PropertyResult(
            "NonNegative",
            "always",
            PropertyStatus.UNKNOWN,
            message="not decided: random walks cannot prove it",
        ),
    )
    assert result.notes == (
        "random walks (seed 0) cannot prove a property: without a violation the verdict is "
        "incomplete",
    )


def test_random_walks_default_to_depth_100_as_documented() -> None:
    assert "`--max-depth` (default 100)" in DOCS.read_text()
    result = check(Chain(1000), SearchOptions(strategy=Strategy.RANDOM, walks=2))
    assert zeroed(result) == expected_stats(
        strategy=Strategy.RANDOM,
        states_generated=202,
        distinct_states=101,
        max_depth=100,
        complete=False,
        seed=0,
        walks=2,
    )


# -- the clock and progress cadence: every 64 expansions ----------------------------------------


def test_progress_is_reported_every_64_expansions() -> None:
    reports: list[Progress] = []
    result = check(Chain(200), SearchOptions(max_states=10**6), reports.append)
    assert result.verdict is Verdict.PASS
    assert [attrs.evolve(p, seconds=0.0) for p in reports] == [
        Progress(n, n, 1, n - 1, 0.0, 10**6) for n in (64, 128, 192)
    ]


def test_the_time_bound_is_read_every_64_expansions_and_allows_exactly_its_seconds(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    # Every reading after the start is one second later: a limit of 1 s is not exceeded.
    clock = FakeClock(start=100.0, first=1.0)
    clocked(monkeypatch, clock)
    full = check(Chain(200), SearchOptions(max_seconds=1.0))
    assert zeroed(full) == expected_stats(states_generated=200, distinct_states=200, max_depth=199)
    assert full.stats.seconds == 1.0
    assert full.verdict is Verdict.PASS
    assert len(clock.readings) == 1 + 3 + 1  # start, expansions 64, 128, 192, the end
    # Past the limit, the first reading (before the 64th expansion) stops the search.
    clock = FakeClock(start=100.0, first=1.0)
    clocked(monkeypatch, clock)
    cut = check(Chain(200), SearchOptions(max_seconds=0.5, strategy=Strategy.DFS))
    assert zeroed(cut) == expected_stats(
        strategy=Strategy.DFS,
        states_generated=64,
        distinct_states=64,
        queue=1,
        max_depth=63,
        complete=False,
        stop_reason="max-seconds",
    )
    assert cut.verdict is Verdict.INCOMPLETE
    assert cut.result("NonNegative").message == "not decided: the search stopped (max-seconds)"


def test_random_walks_read_the_clock_after_every_walk(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    clock = FakeClock(start=100.0, first=1.0)
    clocked(monkeypatch, clock)
    reports: list[Progress] = []
    opts = SearchOptions(strategy=Strategy.RANDOM, walks=3, max_seconds=1.0)
    result = check(Chain(3), opts, reports.append)
    assert (result.stats.walks, result.stats.stop_reason, result.stats.seconds) == (
        3,
        "",
        1.0,
    )
    # One report: the first walk ends 1 s after the start (> 0.5 s), the next ones 0 s later.
    assert reports == [Progress(3, 3, 0, 2, 1.0, None)]
    clocked(monkeypatch, FakeClock(start=100.0, first=1.0))
    cut = check(Chain(3), attrs.evolve(opts, max_seconds=0.5))
    assert (cut.stats.walks, cut.stats.stop_reason) == (1, "max-seconds")


# -- bookkeeping of tiny runs -------------------------------------------------------------------


@pytest.mark.parametrize("strategy", [Strategy.BFS, Strategy.DFS])
def test_a_single_state_model_has_depth_0(strategy: Strategy) -> None:
    result = check(Chain(1), SearchOptions(strategy=strategy))
    assert zeroed(result) == expected_stats(
        strategy=strategy, states_generated=1, distinct_states=1, max_depth=0
    )
    assert result.verdict is Verdict.PASS
    assert result.notes == ()


def test_a_single_walk_over_a_single_state() -> None:
    result = check(Chain(1), SearchOptions(strategy=Strategy.RANDOM, walks=1, seed=5))
    assert zeroed(result) == expected_stats(
        strategy=Strategy.RANDOM,
        states_generated=1,
        distinct_states=1,
        max_depth=0,
        complete=False,
        seed=5,
        walks=1,
    )


@pytest.mark.parametrize("strategy", [Strategy.BFS, Strategy.DFS])
def test_a_run_with_no_properties_explores_everything(strategy: Strategy) -> None:
    """No property is never "all decided": the search does not stop after the initial state."""
    result = check(Chain(5), SearchOptions(strategy=strategy, properties=()))
    assert result.properties == ()
    assert result.verdict is Verdict.PASS
    assert zeroed(result) == expected_stats(
        strategy=strategy, states_generated=5, distinct_states=5, max_depth=4
    )


def test_every_transition_property_is_checked_whatever_the_one_before_observes() -> None:
    def never(s: int, a: str, t: int) -> Iterable[Violation]:
        yield Violation("Blind", "it never looks")

    def into_two(s: int, a: str, t: int) -> Iterable[Violation]:
        if t == 2:
            yield Violation("NotIntoTwo", f"{s} -> {t}")

    props = (
        AlwaysOnTransition("Blind", never, observes=lambda a: False),
        AlwaysOnTransition("NotIntoTwo", into_two),
    )
    result = check(Chain(4, props))
    assert result.properties == (
        PropertyResult("Blind", "transition", PropertyStatus.HOLDS),
        PropertyResult(
            "NotIntoTwo",
            "transition",
            PropertyStatus.VIOLATED,
            (Violation("NotIntoTwo", "1 -> 2"),),
            Trace(0, (Step("step", "step", 1), Step("step", "step", 2))),
        ),
    )


def test_an_invariant_counterexample_is_a_plain_trace() -> None:
    """A trace to a state is neither a lasso nor marked with a critical step."""
    props = (Always.holds("BelowTwo", lambda s: s < 2, "s < 2"),)
    result = check(Chain(4, props))
    assert result.properties == (
        PropertyResult(
            "BelowTwo",
            "always",
            PropertyStatus.VIOLATED,
            (Violation("BelowTwo", "s < 2"),),
            Trace(
                0,
                (Step("step", "step", 1), Step("step", "step", 2)),
                loop=None,
                critical=None,
            ),
        ),
    )
    assert result.stats.stop_reason == "all properties decided"


class Shrinking(BaseModel[int, str]):
    """State 0 offers "a" and "b" the first time it is asked, only "a" afterwards."""

    def __init__(self) -> None:
        self.asked = 0

    def init_states(self) -> Sequence[int]:
        return (0,)

    def actions(self, state: int) -> Sequence[str]:
        if state != 0:
            return ()
        self.asked += 1
        return ("a", "b") if self.asked == 1 else ("a",)

    def next_state(self, state: int, action: str) -> int:
        return 1 if action == "a" else 10

    def properties(self) -> Sequence[Property]:
        return (Always.holds("Small", lambda s: s < 10),)


def test_a_replay_that_finds_fewer_actions_reports_the_model() -> None:
    with pytest.raises(ModelError) as info:
        check(Shrinking())
    assert str(info.value) == "model is not deterministic: replay of step 1 failed"


def test_random_walks_report_no_queue_and_no_reduction() -> None:
    result = check(Chain(4), SearchOptions(strategy=Strategy.RANDOM, walks=3, seed=2))
    assert zeroed(result) == expected_stats(
        strategy=Strategy.RANDOM,
        states_generated=12,
        distinct_states=4,
        max_depth=3,
        complete=False,
        seed=2,
        walks=3,
    )


# -- several initial states and the state bound -------------------------------------------------


@pytest.mark.parametrize("strategy", [Strategy.BFS, Strategy.DFS])
def test_every_initial_state_is_explored(strategy: Strategy) -> None:
    result = check(Inits(3), SearchOptions(strategy=strategy))
    assert zeroed(result) == expected_stats(
        strategy=strategy, states_generated=3, distinct_states=3, max_depth=0
    )


def test_the_state_bound_stops_among_the_initial_states() -> None:
    result = check(Inits(4), SearchOptions(max_states=1))
    # The second initial state is generated, refused, and the search stops there.
    assert zeroed(result) == expected_stats(
        states_generated=2,
        distinct_states=1,
        queue=1,
        max_depth=0,
        complete=False,
        stop_reason="max-states",
    )


@pytest.mark.parametrize("por", [False, True])
def test_the_state_bound_stops_among_the_successors(por: bool) -> None:
    result = check(Counters(3, 3), SearchOptions(max_states=2, por=por))
    # (0,0,0) expanded: Inc(0) is the second state, Inc(1) is refused; Inc(2) is never computed.
    assert zeroed(result) == expected_stats(
        states_generated=3,
        distinct_states=2,
        queue=1,
        max_depth=1,
        complete=False,
        stop_reason="max-states",
        por_requested=por,
        por_applied=por,
    )
    assert result.verdict is Verdict.INCOMPLETE


# -- partial-order reduction: the documented counts and the observed actions --------------------

SAFETY = ("TCConsistent", "DecisionFirst", "SomeCommit", "SomeAbort")
# docs/model_checking.md, section 4: transitions generated (BFS) without and with reduction; and,
# not in the table, the transitions pruned by BFS and by DFS (DFS re-expands more states whose
# sleep set shrank), the distinct states and the depth, which reduction keeps.
REDUCTION_TABLE = [
    # label, model, properties, without, with, pruned (BFS, DFS), distinct, depth
    (
        "example/counters (4 counters in 0..5)",
        "example/counters",
        None,
        4321,
        1296,
        (3025, 3025),
        1296,
        20,
    ),
    (
        "example/unreachable-witness",
        "example/unreachable-witness",
        None,
        25,
        16,
        (9, 9),
        16,
        6,
    ),
    (
        "two-phase commit, 3 RMs, `TCConsistent` only",
        3,
        ("TCConsistent",),
        762,
        342,
        (420, 423),
        288,
        10,
    ),
    (
        "two-phase commit, 3 RMs, safety properties",
        3,
        SAFETY,
        762,
        611,
        (151, 157),
        288,
        10,
    ),
    (
        "two-phase commit, 5 RMs, safety properties",
        5,
        SAFETY,
        37346,
        33279,
        (4067, 5157),
        8832,
        16,
    ),
]


@pytest.mark.parametrize("row", REDUCTION_TABLE, ids=lambda r: r[0])
def test_reduction_counts_as_documented(row: tuple[Any, ...]) -> None:
    label, model, props, without, with_, pruned, distinct, depth = row
    line = next(x for x in DOCS.read_text().splitlines() if x.startswith(f"| {label}"))
    assert f"| {without:,} | {with_:,} |" in line
    make = registry.get(model).model if isinstance(model, str) else lambda: TwoPhaseCommit(model)
    for strategy, cut in zip((Strategy.BFS, Strategy.DFS), pruned, strict=True):
        plain = check(make(), SearchOptions(strategy=strategy, properties=props))
        red = check(make(), SearchOptions(strategy=strategy, properties=props, por=True))
        assert (plain.stats.states_generated, plain.stats.transitions_pruned) == (
            without,
            0,
        )
        assert (red.stats.states_generated, red.stats.transitions_pruned) == (
            with_,
            cut,
        )
        assert plain.stats.distinct_states == red.stats.distinct_states == distinct
        assert plain.stats.max_depth == red.stats.max_depth == depth
        assert red.stats.por_applied and not plain.stats.por_applied
        assert red.notes == plain.notes == ()
        assert [(r.name, r.status) for r in red.properties] == [
            (r.name, r.status) for r in plain.properties
        ]


def test_broken_mutex_reduction_as_documented() -> None:
    """The table's "stops early" row: 13 transitions without, 12 with, one pruned."""
    line = next(x for x in DOCS.read_text().splitlines() if x.startswith("| example/broken-mutex"))
    assert "| 13 | 12 |" in line
    plain = check(BrokenMutex(2))
    red = check(BrokenMutex(2), SearchOptions(por=True))
    assert (plain.stats.states_generated, plain.stats.distinct_states) == (13, 9)
    assert (red.stats.states_generated, red.stats.distinct_states) == (12, 9)
    assert red.stats.transitions_pruned == 1
    assert red.stats.stop_reason == plain.stats.stop_reason == "all properties decided"
    assert red.violated() == plain.violated()


def _watched(observes: Callable[[Act], bool] | None, transition: bool = True) -> Counters:
    """Three independent counters in 0..2; a transition property objects to Inc(0) taken from
    (0, 1, 0), a transition that sleep sets prune unless Inc(0) is observed."""

    def no_inc0(s: tuple[int, ...], a: Act, t: tuple[int, ...]) -> Iterable[Violation]:
        if s == (0, 1, 0) and a.arg == 0:
            yield Violation("NoInc0From010", f"{s} -> {t}")

    props: list[Property] = [Always.holds("Any", lambda s: True)]
    if transition:
        props.insert(0, AlwaysOnTransition("NoInc0From010", no_inc0, observes=observes))

    class Watched(Counters):
        def properties(self) -> Sequence[Property]:
            return tuple(props)

    return Watched(3, 3)


@pytest.mark.parametrize("strategy", [Strategy.BFS, Strategy.DFS])
@pytest.mark.parametrize(
    ("observes", "transition", "generated", "pruned"),
    [
        (None, False, 27, 28),  # no transition property: every pair of counters reduces
        (None, True, 55, 0),  # observes every action: nothing is pruned
        (
            lambda a: a.arg == 0,
            True,
            51,
            4,
        ),  # Inc(0) is never pruned; Inc(1)/Inc(2) still are
    ],
    ids=["unobserved", "observes-all", "observes-inc0"],
)
def test_reduction_never_prunes_what_a_transition_property_observes(
    strategy: Strategy,
    observes: Callable[[Act], bool] | None,
    transition: bool,
    generated: int,
    pruned: int,
) -> None:
    model = _watched(observes, transition)
    red = check(model, SearchOptions(strategy=strategy, por=True))
    assert (red.stats.states_generated, red.stats.transitions_pruned) == (
        generated,
        pruned,
    )
    assert red.stats.distinct_states == 27
    plain = check(_watched(observes, transition), SearchOptions(strategy=strategy))
    assert (plain.stats.states_generated, plain.stats.transitions_pruned) == (55, 0)
    assert red.properties == plain.properties
    if transition:
        inc = Act("Inc", 0), Act("Inc", 1)
        assert red.result("NoInc0From010") == PropertyResult(
            "NoInc0From010",
            "transition",
            PropertyStatus.VIOLATED,
            (Violation("NoInc0From010", "(0, 1, 0) -> (1, 1, 0)"),),
            Trace(
                (0, 0, 0),
                (Step(inc[1], "Inc", (0, 1, 0)), Step(inc[0], "Inc", (1, 1, 0))),
            ),
        )


# -- convergence: every part reported, in the order the property lists them ---------------------


def test_convergence_parts_are_all_reported_in_their_order_when_they_hold() -> None:
    order = (
        ConvergenceCheck.NO_CYCLE,
        ConvergenceCheck.TERMINAL,
        ConvergenceCheck.REACHABLE,
    )
    model = Chain(3, (Convergence("End", lambda s: s == 2, checks=order),))
    result = check(model)
    assert result.properties == (
        PropertyResult("End/no-cycle", "convergence", PropertyStatus.HOLDS),
        PropertyResult("End/terminal", "convergence", PropertyStatus.HOLDS),
        PropertyResult("End/reachable", "convergence", PropertyStatus.HOLDS),
    )
    assert result.verdict is Verdict.PASS


def test_a_goal_unreachable_from_the_initial_state_has_no_critical_step() -> None:
    model = Chain(3, (Convergence("Never", lambda s: False),))
    result = check(model)
    end = Trace(0, (Step("step", "step", 1), Step("step", "step", 2)))
    assert result.properties == (
        PropertyResult(
            "Never/terminal",
            "convergence",
            PropertyStatus.VIOLATED,
            (Violation("Never/terminal", "a terminal state does not satisfy the goal"),),
            end,
        ),
        PropertyResult(
            "Never/reachable",
            "convergence",
            PropertyStatus.VIOLATED,
            (
                Violation(
                    "Never/reachable",
                    "the goal is unreachable from the last state; "
                    "it is unreachable from an initial state",
                ),
            ),
            Trace(0),
        ),
        PropertyResult("Never/no-cycle", "convergence", PropertyStatus.HOLDS),
    )


def test_one_convergence_needing_the_graph_builds_it_for_all() -> None:
    """A terminal-only convergence property next to a full one: (b) and (c) are still decided,
    and the reduction is not applied."""
    props = (
        Convergence("Ends", lambda s: s == 2, checks=(ConvergenceCheck.TERMINAL,)),
        Convergence("Reaches", lambda s: s == 2),
    )
    for por in (False, True):
        result = check(Chain(3, props), SearchOptions(por=por))
        assert result.properties == (
            PropertyResult("Ends/terminal", "convergence", PropertyStatus.HOLDS),
            PropertyResult("Reaches/terminal", "convergence", PropertyStatus.HOLDS),
            PropertyResult("Reaches/reachable", "convergence", PropertyStatus.HOLDS),
            PropertyResult("Reaches/no-cycle", "convergence", PropertyStatus.HOLDS),
        )
        assert result.stats.por_requested is por and result.stats.por_applied is False
        assert result.notes == (
            (
                "partial-order reduction not applied: convergence checks (b) and (c) need the "
                "full transition graph",
            )
            if por
            else ()
        )


def test_a_terminal_only_convergence_keeps_the_reduction() -> None:
    props = (Convergence("Ends", lambda s: s == 2, checks=(ConvergenceCheck.TERMINAL,)),)
    result = check(Chain(3, props), SearchOptions(por=True))
    assert result.stats.por_applied and result.notes == ()
    assert result.properties == (
        PropertyResult("Ends/terminal", "convergence", PropertyStatus.HOLDS),
    )


# -- random walks: what a walk checks, and when the walks stop ----------------------------------


class Fork(BaseModel[int, str]):
    """0 -> 1 by "left", 0 -> 2 by "right"; both ends are terminal."""

    def __init__(self, props: Sequence[Property]) -> None:
        self.props = props

    def init_states(self) -> Sequence[int]:
        return (0,)

    def actions(self, state: int) -> Sequence[str]:
        return ("left", "right") if state == 0 else ()

    def next_state(self, state: int, action: str) -> int:
        return 1 if action == "left" else 2

    def properties(self) -> Sequence[Property]:
        return self.props


def test_random_walks_report_the_first_terminal_outside_the_goal() -> None:
    """Seed 4 walks right first, left later: the first bad terminal (2) is the one reported, and
    only the terminal part of a convergence property is decided by walks."""
    props = (Convergence("Never", lambda s: False),)
    opts = SearchOptions(strategy=Strategy.RANDOM, seed=4, walks=4)
    result = check(Fork(props), opts)
    unknown = "not decided: random walks cannot prove it"
    assert result.properties == (
        PropertyResult(
            "Never/terminal",
            "convergence",
            PropertyStatus.VIOLATED,
            (Violation("Never/terminal", "a terminal state does not satisfy the goal"),),
            Trace(0, (Step("right", "right", 2),)),
        ),
        PropertyResult("Never/reachable", "convergence", PropertyStatus.UNKNOWN, message=unknown),
        PropertyResult("Never/no-cycle", "convergence", PropertyStatus.UNKNOWN, message=unknown),
    )
    assert (
        result.stats.walks,
        result.stats.distinct_states,
        result.stats.stop_reason,
    ) == (
        4,
        3,
        "",
    )
    assert result.verdict is Verdict.VIOLATED


def test_random_walks_check_every_step_against_transition_properties() -> None:
    def into_two(s: int, a: str, t: int) -> Iterable[Violation]:
        if t == 2:
            yield Violation("NotIntoTwo", f"{s} -> {t}")

    result = check(
        Chain(4, (AlwaysOnTransition("NotIntoTwo", into_two),)),
        SearchOptions(strategy=Strategy.RANDOM, walks=5),
    )
    assert result.properties == (
        PropertyResult(
            "NotIntoTwo",
            "transition",
            PropertyStatus.VIOLATED,
            (Violation("NotIntoTwo", "1 -> 2"),),
            Trace(0, (Step("step", "step", 1), Step("step", "step", 2))),
        ),
    )
    # Everything is decided during the first walk, which still runs to its end.
    assert (
        result.stats.walks,
        result.stats.states_generated,
        result.stats.stop_reason,
    ) == (
        1,
        4,
        "all properties decided",
    )


def test_random_walks_stop_once_every_property_is_decided() -> None:
    props = (Always.holds("BelowOne", lambda s: s < 1, "s < 1"),)
    result = check(Chain(3, props), SearchOptions(strategy=Strategy.RANDOM, walks=9))
    assert zeroed(result) == expected_stats(
        strategy=Strategy.RANDOM,
        states_generated=3,
        distinct_states=3,
        max_depth=2,
        complete=False,
        stop_reason="all properties decided",
        seed=0,
        walks=1,
    )
    assert result.result("BelowOne").trace == Trace(0, (Step("step", "step", 1),))


def test_random_walks_stop_at_the_state_bound_within_a_walk() -> None:
    result = check(Chain(1000), SearchOptions(strategy=Strategy.RANDOM, max_states=5, walks=3))
    assert zeroed(result) == expected_stats(
        strategy=Strategy.RANDOM,
        states_generated=5,
        distinct_states=5,
        max_depth=4,
        complete=False,
        stop_reason="max-states",
        seed=0,
        walks=1,
    )


def test_random_progress_is_reported_when_more_than_half_a_second_passed(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    # Walk w ends at 100 + w/2: 0.5 s after the start is not more than half a second; 1 s is.
    clocked(monkeypatch, FakeClock(start=100.0, first=0.5, step=0.5))
    reports: list[Progress] = []
    check(Chain(2), SearchOptions(strategy=Strategy.RANDOM, walks=5), reports.append)
    assert reports == [Progress(2, 4, 0, 1, 1.0, None), Progress(2, 8, 0, 1, 2.0, None)]


def test_exhaustive_progress_reports_the_seconds_since_the_start(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    clocked(monkeypatch, FakeClock(start=100.0, first=0.25, step=0.25))
    reports: list[Progress] = []
    result = check(Chain(130), SearchOptions(strategy=Strategy.DFS), reports.append)
    # Without --max-seconds the clock is read only for the reports (expansions 64 and 128) and
    # at the end.
    assert reports == [
        Progress(64, 64, 1, 63, 0.25, None),
        Progress(128, 128, 1, 127, 0.5, None),
    ]
    assert result.stats.seconds == 0.75


def test_a_state_is_re_expanded_only_when_its_sleep_set_shrinks() -> None:
    """Two-phase commit (3 RMs, safety, DFS): a state reached again with the same sleep set is not
    queued again (that would be an expansion that executes nothing): four progress reports."""
    reports: list[Progress] = []
    opts = SearchOptions(strategy=Strategy.DFS, properties=SAFETY, por=True)
    result = check(TwoPhaseCommit(3), opts, reports.append)
    assert [(p.distinct_states, p.states_generated, p.queue, p.depth) for p in reports] == [
        (71, 121, 9, 9),
        (130, 237, 4, 9),
        (194, 344, 4, 10),
        (261, 491, 7, 10),
    ]
    assert (result.stats.states_generated, result.stats.transitions_pruned) == (
        611,
        157,
    )


def test_broken_parent_links_fail_with_EngineError_instead_of_looping() -> None:
    """A trace is rebuilt by walking parent links; the walk is bounded by the state's depth, so
    links that never reach an initial state (an engine bug) fail at once, by name, instead of
    looping forever (issue 14: no hang)."""
    from model_check.search import EngineError, SearchOptions, _Run, select_properties

    model = Counters(2, 2)
    run = _Run(model, select_properties(model, None), SearchOptions())
    s0 = model.init_states()[0]
    s1 = model.next_state(s0, model.actions(s0)[0])
    run.add(s0, s0, -1, 0, 0)
    run.add(s1, s1, 0, 0, 1)
    assert [st.state for st in run.trace(1).steps] == [s1]  # intact: one step from s0
    run.parent[0] = 1  # corrupt: s0 and s1 are each other's parent
    with pytest.raises(EngineError, match=r"^the parent links of state 1 do not reach an "):
        run.trace(1)
