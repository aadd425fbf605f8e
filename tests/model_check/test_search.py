"""Strategies, bounds, state storage and partial-order reduction."""

from __future__ import annotations

import os
import subprocess
import sys
from collections.abc import Iterable, Sequence

import attrs
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from model_check import (
    Always,
    AlwaysOnTransition,
    BaseModel,
    ModelError,
    OptionError,
    Property,
    PropertyStatus,
    SearchOptions,
    Sometimes,
    Strategy,
    Verdict,
    Violation,
    check,
    fingerprint,
    registry,
)
from model_check.examples import BrokenMutex, Counters, TwoPhaseCommit
from model_check.fingerprint import canonical

FAST = [s for s in registry.scenarios() if s.name != "example/counters-bench"]


# -- strategies -----------------------------------------------------------------------------------


@pytest.mark.parametrize("scenario", FAST, ids=lambda s: s.name)
def test_dfs_agrees_with_bfs_on_verdicts(scenario: registry.Scenario) -> None:
    bfs = check(scenario.model())
    dfs = check(scenario.model(), SearchOptions(strategy=Strategy.DFS))
    assert dfs.verdict is bfs.verdict
    assert set(dfs.violated()) == set(bfs.violated())
    if bfs.stats.complete:
        assert dfs.stats.distinct_states == bfs.stats.distinct_states
    # BFS counterexamples are shortest, so no DFS counterexample is shorter.
    for r in bfs.properties:
        other = dfs.result(r.name)
        if r.status is PropertyStatus.VIOLATED and r.trace and other.trace:
            assert len(other.trace) >= len(r.trace)


def test_random_walks_are_seeded_and_never_pass() -> None:
    opts = SearchOptions(strategy=Strategy.RANDOM, seed=7, walks=50)
    a = check(TwoPhaseCommit(3), opts)
    b = check(TwoPhaseCommit(3), opts)
    assert a.verdict is Verdict.INCOMPLETE  # nothing violated, but walks prove nothing
    assert a.stats.seed == 7 and a.stats.walks == 50
    assert a.properties == b.properties
    assert a.stats.distinct_states == b.stats.distinct_states
    assert a.result("TCConsistent").status is PropertyStatus.UNKNOWN
    assert any("random walks" in n for n in a.notes)
    c = check(TwoPhaseCommit(3), attrs.evolve(opts, seed=8))
    assert (c.stats.distinct_states, c.stats.states_generated) != (
        a.stats.distinct_states,
        a.stats.states_generated,
    ) or c.properties != a.properties


def test_random_walks_find_the_mutex_violation() -> None:
    result = check(BrokenMutex(2), SearchOptions(strategy=Strategy.RANDOM, seed=1))
    assert result.verdict is Verdict.VIOLATED
    trace = result.result("MutualExclusion").trace
    assert trace is not None and trace.states()[-1].pc == ("critical", "critical")


def test_random_walk_depth_bound() -> None:
    result = check(Counters(2, 50), SearchOptions(strategy=Strategy.RANDOM, max_depth=5, walks=20))
    assert result.stats.max_depth == 5
    assert result.verdict is Verdict.INCOMPLETE


# -- bounds ---------------------------------------------------------------------------------------


def test_max_states_makes_the_verdict_incomplete() -> None:
    result = check(TwoPhaseCommit(3), SearchOptions(max_states=50))
    assert result.verdict is Verdict.INCOMPLETE
    assert result.stats.distinct_states == 50
    assert result.stats.stop_reason == "max-states"
    assert not result.stats.complete
    assert result.result("TCConsistent").status is PropertyStatus.UNKNOWN
    assert result.result("Agreement/no-cycle").status is PropertyStatus.UNKNOWN


def test_max_depth_cut_is_incomplete_but_a_deep_enough_bound_is_complete() -> None:
    cut = check(TwoPhaseCommit(3), SearchOptions(max_depth=3))
    assert cut.verdict is Verdict.INCOMPLETE and cut.stats.stop_reason == "max-depth"
    assert cut.stats.max_depth == 3
    full = check(TwoPhaseCommit(3), SearchOptions(max_depth=10))
    assert full.verdict is Verdict.PASS and full.stats.distinct_states == 288


def test_a_violation_found_before_a_bound_is_still_a_violation() -> None:
    result = check(BrokenMutex(2), SearchOptions(max_depth=4))
    assert result.verdict is Verdict.VIOLATED


def test_max_seconds_stops_a_long_search() -> None:
    result = check(Counters(5, 12), SearchOptions(max_seconds=1e-9))
    assert result.verdict is Verdict.INCOMPLETE
    assert result.stats.stop_reason == "max-seconds"


@pytest.mark.parametrize(
    ("kwargs", "message"),
    [
        ({"max_states": 0}, "--max-states"),
        ({"max_states": -3}, "--max-states"),
        ({"max_depth": -1}, "--max-depth"),
        ({"max_seconds": 0.0}, "--max-seconds"),
        ({"seed": 3}, "--seed only applies"),
        ({"walks": 3}, "--walks only applies"),
        ({"strategy": Strategy.RANDOM, "por": True}, "--por needs"),
        ({"strategy": Strategy.RANDOM, "walks": 0}, "--walks"),
    ],
)
def test_bad_options_are_refused(kwargs: dict[str, object], message: str) -> None:
    with pytest.raises(OptionError, match=message):
        SearchOptions(**kwargs)  # type: ignore[arg-type]


def test_unknown_property_is_refused() -> None:
    with pytest.raises(OptionError, match="unknown property 'Nope'"):
        check(BrokenMutex(2), SearchOptions(properties=("Nope",)))


def test_property_selection_checks_only_those() -> None:
    result = check(BrokenMutex(2), SearchOptions(properties=("SomeoneEnters",)))
    assert [r.name for r in result.properties] == ["SomeoneEnters"]
    assert result.verdict is Verdict.PASS


# -- state storage --------------------------------------------------------------------------------


@pytest.mark.parametrize("scenario", FAST, ids=lambda s: s.name)
def test_fingerprints_explore_the_same_states(scenario: registry.Scenario) -> None:
    full = check(scenario.model())
    fp = check(scenario.model(), SearchOptions(fingerprint=True))
    assert fp.stats.storage == "64-bit fingerprints" and full.stats.storage == "full states"
    assert fp.stats.distinct_states == full.stats.distinct_states
    assert fp.properties == full.properties
    assert 0 < fp.stats.collision_probability < 1e-9
    assert full.stats.collision_probability == 0


def test_fingerprints_are_canonical_and_stable_across_processes() -> None:
    a = frozenset(["alpha", "beta", "gamma", ("x", 1)])
    b = frozenset([("x", 1), "gamma", "beta", "alpha"])
    assert canonical(a) == canonical(b) and fingerprint(a) == fingerprint(b)
    assert fingerprint({"k": a}) != fingerprint({"k": frozenset(["alpha"])})
    assert fingerprint((1, "1")) != fingerprint(("1", 1))
    code = (
        "from model_check import fingerprint;"
        "print(fingerprint((frozenset(['alpha','beta','gamma']), {'k': 'v'}, 2**70)))"
    )
    outs = set()
    for seed in ("1", "2", "3"):
        env = {**os.environ, "PYTHONHASHSEED": seed}
        res = subprocess.run(
            [sys.executable, "-c", code], env=env, capture_output=True, text=True, check=True
        )
        outs.add(res.stdout.strip())
    assert len(outs) == 1
    value = int(outs.pop())
    assert 0 <= value < 2**64


# -- model contract -------------------------------------------------------------------------------


class Flaky(BaseModel[int, str]):
    """next_state depends on hidden mutable state: not deterministic."""

    def __init__(self) -> None:
        self.calls = 0

    def init_states(self) -> Sequence[int]:
        return (0,)

    def actions(self, state: int) -> Sequence[str]:
        return ("step",) if state < 3 else ()

    def next_state(self, state: int, action: str) -> int:
        self.calls += 1
        return state + 1 if self.calls < 4 else state + 2

    def properties(self) -> Sequence[Property]:
        return (Always.holds("Small", lambda s: s < 3),)


def test_a_nondeterministic_model_is_reported_when_its_trace_is_rebuilt() -> None:
    with pytest.raises(ModelError, match="not deterministic"):
        check(Flaky())


class Duplicate(Flaky):
    def properties(self) -> Sequence[Property]:
        return (Always.holds("P", lambda s: True), Sometimes("P", lambda s: True))


def test_duplicate_property_names_are_refused() -> None:
    with pytest.raises(ModelError, match="two properties are named 'P'"):
        check(Duplicate())


# -- partial-order reduction ----------------------------------------------------------------------


def _equivalent(model_factory: object, props: tuple[str, ...] | None, strategy: Strategy) -> float:
    make = model_factory  # a zero-argument callable
    plain = check(make(), SearchOptions(strategy=strategy, properties=props))  # type: ignore[operator]
    red = check(make(), SearchOptions(strategy=strategy, properties=props, por=True))  # type: ignore[operator]
    assert red.verdict is plain.verdict
    assert set(red.violated()) == set(plain.violated())
    assert [(r.name, r.status) for r in red.properties] == [
        (r.name, r.status) for r in plain.properties
    ]
    if plain.stats.complete:
        # Sleep sets prune transitions, never states.
        assert red.stats.distinct_states == plain.stats.distinct_states
        assert red.stats.states_generated <= plain.stats.states_generated
    return red.stats.states_generated / plain.stats.states_generated


@pytest.mark.parametrize("strategy", [Strategy.BFS, Strategy.DFS])
@pytest.mark.parametrize("scenario", FAST, ids=lambda s: s.name)
def test_reduction_keeps_every_verdict(scenario: registry.Scenario, strategy: Strategy) -> None:
    _equivalent(scenario.model, scenario.properties, strategy)


def test_reduction_ratios_on_the_test_models() -> None:
    """The reduction reported in docs/model_checking.md (transitions explored with / without)."""
    ratios = {
        "two-phase-commit (safety)": _equivalent(
            TwoPhaseCommit,
            ("TCConsistent", "DecisionFirst", "SomeCommit", "SomeAbort"),
            Strategy.BFS,
        ),
        "unreachable-witness": _equivalent(
            registry.get("example/unreachable-witness").model, None, Strategy.BFS
        ),
        "counters": _equivalent(registry.get("example/counters").model, None, Strategy.BFS),
    }
    print("reduction (generated with / without):", {k: round(v, 3) for k, v in ratios.items()})
    assert ratios["counters"] < 0.5
    assert ratios["unreachable-witness"] < 1
    assert ratios["two-phase-commit (safety)"] < 1


def test_reduction_is_not_applied_when_convergence_needs_the_graph() -> None:
    result = check(TwoPhaseCommit(3), SearchOptions(por=True))
    assert not result.stats.por_applied and result.stats.por_requested
    assert any("not applied" in n for n in result.notes)
    assert result.stats.transitions_pruned == 0


def test_reduction_never_prunes_an_observed_action() -> None:
    """Enter(1) after Enter(0) is a violation only of the transition property: it must survive."""
    result = check(BrokenMutex(2), SearchOptions(properties=("EnterAlone",), por=True))
    assert result.violated() == ("EnterAlone",)


# Random read/write models: a strong test that sleep sets keep every reachable state.

N_VARS = 4
DOMAIN = 3


@attrs.frozen(slots=True)
class RWAction:
    name: str
    reads: frozenset[int]
    writes: frozenset[int]
    guard: int  # enabled iff sum of read vars mod DOMAIN != guard
    delta: int


class RandomRW(BaseModel[tuple[int, ...], RWAction]):
    def __init__(self, acts: list[RWAction], bad: int) -> None:
        self.acts, self.bad = acts, bad

    def init_states(self) -> Sequence[tuple[int, ...]]:
        return ((0,) * N_VARS,)

    def actions(self, state: tuple[int, ...]) -> Sequence[RWAction]:
        return [a for a in self.acts if sum(state[v] for v in a.reads) % DOMAIN != a.guard]

    def next_state(self, state: tuple[int, ...], action: RWAction) -> tuple[int, ...]:
        base = sum(state[v] for v in action.reads)
        return tuple(
            (base + action.delta + i) % DOMAIN if i in action.writes else x
            for i, x in enumerate(state)
        )

    def independent(self, a: RWAction, b: RWAction) -> bool:
        return not (a.writes & (b.reads | b.writes) or b.writes & a.reads)

    def properties(self) -> Sequence[Property]:
        def bad(s: tuple[int, ...]) -> Iterable[Violation]:
            if s == (self.bad,) * N_VARS:
                yield Violation("NotAllBad", str(s))

        def jump(s: tuple[int, ...], a: RWAction, t: tuple[int, ...]) -> Iterable[Violation]:
            if sum(t) - sum(s) == 2 * (DOMAIN - 1):
                yield Violation("NoBigJump", a.name)

        return (
            Always("NotAllBad", bad),
            AlwaysOnTransition("NoBigJump", jump, observes=lambda a: a.name == "a0"),
            Sometimes("Two", lambda s: s[0] == 2),
        )


@st.composite
def rw_models(draw: st.DrawFn) -> RandomRW:
    n = draw(st.integers(2, 6))
    acts = []
    for i in range(n):
        # Every variable an action writes it also reads (its effect depends on the read values).
        writes = frozenset(draw(st.sets(st.integers(0, N_VARS - 1), min_size=1, max_size=2)))
        reads = writes | frozenset(draw(st.sets(st.integers(0, N_VARS - 1), max_size=1)))
        acts.append(
            RWAction(f"a{i}", reads, writes, draw(st.integers(0, DOMAIN)), draw(st.integers(1, 2)))
        )
    return RandomRW(acts, draw(st.integers(0, DOMAIN - 1)))


@settings(max_examples=300, deadline=None)
@given(rw_models(), st.sampled_from([Strategy.BFS, Strategy.DFS]))
def test_reduction_is_sound_on_random_models(model: RandomRW, strategy: Strategy) -> None:
    plain = check(model, SearchOptions(strategy=strategy))
    red = check(model, SearchOptions(strategy=strategy, por=True))
    assert red.verdict is plain.verdict
    assert [(r.name, r.status) for r in red.properties] == [
        (r.name, r.status) for r in plain.properties
    ]
    # With no early stop, the reduced search visits exactly the same states.
    full_plain = check(model, SearchOptions(strategy=strategy, properties=("Two",)))
    assert full_plain.stats.distinct_states >= 1
    only_states = SearchOptions(strategy=strategy, properties=(), por=True)
    assert (
        check(model, only_states).stats.distinct_states
        == check(model, attrs.evolve(only_states, por=False)).stats.distinct_states
    )


class Interrupted(BaseModel[int, str]):
    """Counts up; the user presses Ctrl-C (once) during the 20th successor computation."""

    def __init__(self) -> None:
        self.calls = 0

    def init_states(self) -> Sequence[int]:
        return (0,)

    def actions(self, state: int) -> Sequence[str]:
        return ("inc",) if state < 100 else ()

    def next_state(self, state: int, action: str) -> int:
        self.calls += 1
        if self.calls == 20:
            raise KeyboardInterrupt
        return state + 1

    def properties(self) -> Sequence[Property]:
        return (Always.holds("Small", lambda s: s < 100), Always.holds("Big", lambda s: s > 10))


@pytest.mark.parametrize("strategy", [Strategy.BFS, Strategy.DFS, Strategy.RANDOM])
def test_an_interrupted_search_reports_what_it_found(strategy: Strategy) -> None:
    result = check(Interrupted(), SearchOptions(strategy=strategy))
    assert result.stats.stop_reason == "interrupted"
    assert result.verdict is Verdict.VIOLATED  # "Big" fails in the initial state
    assert result.result("Small").status is PropertyStatus.UNKNOWN
    assert result.stats.distinct_states == 20
