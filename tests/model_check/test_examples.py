"""The classic test models: pinned counts, verdicts, violated properties and counterexamples."""

from __future__ import annotations

import pytest

from model_check import (
    PropertyStatus,
    SearchOptions,
    Strategy,
    Verdict,
    check,
    registry,
)
from model_check.examples import BrokenMutex, LossyRetransmit, LostUpdate, TwoPhaseCommit
from model_check.registry import expectation_mismatches

FAST = [s for s in registry.scenarios() if s.name != "example/counters-bench"]

PINNED = {
    "example/two-phase-commit": (Verdict.PASS, 288),
    "example/broken-mutex": (Verdict.VIOLATED, 9),
    "example/lost-update": (Verdict.VIOLATED, 13),
    "example/lossy-retransmit": (Verdict.VIOLATED, 3),
    "example/unreachable-witness": (Verdict.VIOLATED, 16),
    "example/counters": (Verdict.PASS, 1296),
    "example/counters-bench": (Verdict.PASS, 248_832),
}


def test_registry_pins_match_this_file() -> None:
    got = {s.name: (s.expected, s.distinct_states) for s in registry.scenarios()}
    assert {k: got[k] for k in PINNED} == PINNED


@pytest.mark.parametrize("scenario", FAST, ids=lambda s: s.name)
def test_scenario_meets_its_expectation(scenario: registry.Scenario) -> None:
    result = check(scenario.model(), scenario.options)
    assert expectation_mismatches(scenario, result) == []
    assert result.verdict is scenario.expected
    assert result.stats.distinct_states == scenario.distinct_states


@pytest.mark.slow
def test_bench_model_meets_its_expectation() -> None:
    scenario = registry.get("example/counters-bench")
    result = check(scenario.model(), SearchOptions(fingerprint=True))
    assert expectation_mismatches(scenario, result) == []
    assert result.stats.distinct_states == 248_832


def test_two_phase_commit_passes_every_property_kind() -> None:
    result = check(TwoPhaseCommit(3))
    kinds = {r.kind for r in result.properties}
    assert kinds == {"always", "transition", "sometimes", "convergence"}
    assert all(r.status is PropertyStatus.HOLDS for r in result.properties)
    assert result.verdict is Verdict.PASS
    assert result.stats.complete
    # Stateright's count for its two-phase-commit example with three resource managers.
    assert result.stats.distinct_states == 288
    # A witness comes with its trace, and the trace ends in a witnessing state.
    commit = result.result("SomeCommit")
    assert commit.trace is not None and commit.trace.states()[-1].tm == "committed"


def test_broken_mutex_shortest_counterexample() -> None:
    result = check(BrokenMutex(2))
    assert result.verdict is Verdict.VIOLATED
    assert set(result.violated()) == {"MutualExclusion", "EnterAlone"}
    bad = result.result("MutualExclusion")
    assert bad.trace is not None
    assert [str(s.action) for s in bad.trace.steps] == [
        "Check(0)",
        "Check(1)",
        "Enter(0)",
        "Enter(1)",
    ]
    assert bad.violations[0].name == "MutualExclusion"
    assert "[0, 1]" in bad.violations[0].detail
    assert bad.trace.states()[-1].pc == ("critical", "critical")
    # The transition property's counterexample ends with the offending transition.
    enter = result.result("EnterAlone").trace
    assert enter is not None and str(enter.steps[-1].action) == "Enter(1)"
    assert result.result("SomeoneEnters").status is PropertyStatus.HOLDS


def test_broken_mutex_three_processes_is_also_four_steps() -> None:
    result = check(BrokenMutex(3), SearchOptions(properties=("MutualExclusion",)))
    trace = result.result("MutualExclusion").trace
    assert trace is not None and len(trace) == 4


def test_lost_update_fails_terminal_and_reachability_not_cycles() -> None:
    result = check(LostUpdate(2))
    status = {r.name: r.status for r in result.properties}
    assert status == {
        "AllCounted/terminal": PropertyStatus.VIOLATED,
        "AllCounted/reachable": PropertyStatus.VIOLATED,
        "AllCounted/no-cycle": PropertyStatus.HOLDS,
    }
    terminal = result.result("AllCounted/terminal").trace
    assert terminal is not None and len(terminal) == 4
    last = terminal.states()[-1]
    assert last.x == 1 and last.pc == (2, 2)
    doomed = result.result("AllCounted/reachable")
    assert doomed.trace is not None
    assert [str(s.action) for s in doomed.trace.steps] == ["Read(0)", "Read(1)"]
    assert doomed.trace.critical == 2
    assert "critical transition: step 2" in doomed.violations[0].detail


def test_lossy_retransmit_has_a_lasso() -> None:
    result = check(LossyRetransmit())
    assert result.violated() == ("Delivered/no-cycle",)
    trace = result.result("Delivered/no-cycle").trace
    assert trace is not None
    assert trace.loop == 0
    assert [s.action_name for s in trace.steps] == ["Send", "Lose"]
    states = trace.states()
    assert states[-1] == states[trace.loop]


def test_unreachable_witness_is_a_failure_only_when_the_search_is_complete() -> None:
    scenario = registry.get("example/unreachable-witness")
    full = check(scenario.model())
    assert full.verdict is Verdict.VIOLATED
    assert full.violated() == ("SumSeven",)
    assert full.result("XFull").status is PropertyStatus.HOLDS
    cut = check(scenario.model(), SearchOptions(max_depth=2))
    assert cut.verdict is Verdict.INCOMPLETE
    assert cut.result("SumSeven").status is PropertyStatus.UNKNOWN


@pytest.mark.parametrize("strategy", [Strategy.BFS, Strategy.DFS])
def test_runs_are_deterministic(strategy: Strategy) -> None:
    for scenario in FAST:
        a = check(scenario.model(), SearchOptions(strategy=strategy))
        b = check(scenario.model(), SearchOptions(strategy=strategy))
        assert a.properties == b.properties, scenario.name
        assert a.stats.distinct_states == b.stats.distinct_states
        assert a.stats.states_generated == b.stats.states_generated


# Exploration fingerprints beyond the distinct-state count: BFS states generated and depth, DFS
# distinct states and states generated. A change to the engine's exploration order shows here.
EXPLORATION = {
    "example/broken-mutex": (13, 4, 8, 10),
    "example/counters": (4321, 20, 1296, 4321),
    "example/lossy-retransmit": (4, 2, 3, 4),
    "example/lost-update": (15, 4, 13, 15),
    "example/two-phase-commit": (762, 10, 288, 762),
    "example/unreachable-witness": (25, 6, 16, 25),
}


@pytest.mark.parametrize("name", sorted(EXPLORATION))
def test_exploration_is_pinned(name: str) -> None:
    make = registry.get(name).model
    bfs = check(make()).stats
    dfs = check(make(), SearchOptions(strategy=Strategy.DFS)).stats
    got = (bfs.states_generated, bfs.max_depth, dfs.distinct_states, dfs.states_generated)
    assert got == EXPLORATION[name]


def test_two_phase_commit_with_five_managers_matches_tlc() -> None:
    """Stateright's two-phase-commit example (a port of TLA+ TwoPhase) pins 8,832 states for five
    resource managers and 288 for three: an independent check of the engine's exploration."""
    result = check(TwoPhaseCommit(5), SearchOptions(fingerprint=True))
    assert result.verdict is Verdict.PASS
    assert result.stats.distinct_states == 8832
