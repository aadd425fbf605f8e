"""The registered join scenarios: verdicts, pinned counts, known violations, scenario files.

Issue 4, item 8: every join scenario runs under both protocols with its expected verdict and
pinned distinct-state count; the paper join's violations (spec/known_violations.md) are still
found, at their shortest length; reduction does not change a safety verdict; and the scenario
file format refuses bad input with a message naming the key, exit code 2.
"""

from __future__ import annotations

from pathlib import Path

import pytest

import pastry_ref.check.scenarios  # noqa: F401 - registers the join scenarios
from model_check import PropertyStatus, SearchOptions, check
from model_check.registry import expectation_mismatches, get, scenarios
from pastry_ref.check.model import PastryModel, properties
from pastry_ref.check.scenario_file import ScenarioFileError, load_scenario_file
from pastry_ref.cli.main import main
from pastry_ref.system.invariants import SAFETY_PROPERTIES

JOIN_SCENARIOS = sorted(s.name for s in scenarios() if s.name.startswith("join/"))
BIG = {"join/three-concurrent/consistent", "join/lookups-during-joins/consistent"}


def test_every_join_scenario_is_registered_for_both_protocols() -> None:
    stems = {name.rsplit("/", 1)[0] for name in JOIN_SCENARIOS}
    assert stems == {
        "join/one-into-one",
        "join/one-into-two",
        "join/one-into-three",
        "join/two-concurrent",
        "join/three-concurrent",
        "join/lookups-during-joins",
    }
    for stem in stems:
        assert {f"{stem}/consistent", f"{stem}/paper"} <= set(JOIN_SCENARIOS)


@pytest.mark.parametrize("name", [n for n in JOIN_SCENARIOS if n not in BIG])
def test_join_scenario_meets_its_expectation(name: str) -> None:
    """Verdict and pinned distinct-state count, complete BFS, every property."""
    scenario = get(name)
    result = check(scenario.model())
    assert result.stats.complete
    assert expectation_mismatches(scenario, result) == []


@pytest.mark.slow
@pytest.mark.parametrize("name", sorted(BIG))
def test_big_join_scenario_meets_its_expectation(name: str) -> None:
    """The two largest scenarios (about 125,000 and 290,000 states): the consistent join passes
    every property under every interleaving of three concurrent joins, and of two joins with
    two lookups. Slow (about 90 s and 220 s of CPU): `make slow`, or
    `pastry-ref check NAME --expect`; join/two-concurrent/consistent stays in `make test`."""
    scenario = get(name)
    result = check(scenario.model(), SearchOptions(fingerprint=True))
    assert result.stats.complete
    assert expectation_mismatches(scenario, result) == []


# -- known violations (spec/known_violations.md) ---------------------------------------------------
def _violations(name: str) -> dict[str, int]:
    """Violated property -> length of the (shortest, BFS) counterexample."""
    result = check(get(name).model())
    return {
        r.name: len(r.trace) if r.trace is not None else -1
        for r in result.properties
        if r.status is PropertyStatus.VIOLATED
    }


def test_KV_1_paper_join_single_join_window() -> None:
    """KV-1: under the paper's join a single joiner is active before its neighbours know it:
    two ready nodes deliver the same keys for a while (Consistency, NeighborClosest), though
    the ring converges."""
    got = _violations("join/one-into-two/paper")
    assert got == {"NeighborClosest": 4, "Consistency": 4}
    got = _violations("join/one-into-one/paper")
    assert got == {"HalfNeighbor": 3, "Consistency": 3}


def test_KV_2_paper_join_concurrent_joins_split_the_ring_for_good() -> None:
    """KV-2: two concurrent joins into the same gap leave the two joiners unaware of each other
    forever (LuPastry's finding): Converged fails at a terminal state (10 steps) and becomes
    unreachable after the second join reply (6 steps)."""
    got = _violations("join/two-concurrent/paper")
    assert got == {
        "NeighborClosest": 3,
        "Consistency": 3,
        "Converged/terminal": 10,
        "Converged/reachable": 6,
    }


def test_KV_3_paper_join_misdelivers_lookups() -> None:
    """KV-3: during concurrent paper joins a lookup is delivered at a node that is not the
    closest ready node (CorrectDelivery, 4 steps)."""
    got = _violations("join/lookups-during-joins/paper")
    assert got["CorrectDelivery"] == 4
    assert got["Converged/terminal"] == 13


def test_KV_4_paper_join_three_concurrent() -> None:
    """KV-4: with three concurrent paper joins the split needs 17 steps; every joiner still
    believes itself ready, so nothing but the oracle notices."""
    got = _violations("join/three-concurrent/paper")
    assert got["Converged/terminal"] == 17
    assert "AllReady/terminal" not in got  # every joiner is ready: the split is silent


# -- reduction -------------------------------------------------------------------------------
@pytest.mark.parametrize("proto", ["consistent", "paper"])
def test_reduction_keeps_every_safety_verdict(proto: str) -> None:
    """R-WORLD-4: with the independence "actions at different nodes commute", sleep-set
    reduction gives the same verdict for every safety property and terminal convergence."""
    model = get(f"join/two-concurrent/{proto}").model()
    names = SAFETY_PROPERTIES
    plain = check(model, SearchOptions(properties=names))
    reduced = check(model, SearchOptions(properties=names, por=True))
    assert reduced.stats.por_applied
    assert {r.name: r.status for r in plain.properties} == {
        r.name: r.status for r in reduced.properties
    }
    assert reduced.stats.states_generated < plain.stats.states_generated
    print(
        f"\n{proto}: {plain.stats.states_generated:,} transitions without reduction, "
        f"{reduced.stats.states_generated:,} with"
    )


# -- scenario files ---------------------------------------------------------------------------
GOOD = """
name = "mine"
[space]
bits = 8
b = 4
leaf_set_size = 2
[protocol]
join = "consistent"
[initial]
ready = [17, 95]
[environment]
joins = [[65, 95]]
lookups = [[17, 60]]
[check]
properties = ["Consistency", "CorrectDelivery", "Converged"]
"""


def _write(tmp_path: Path, text: str) -> Path:
    path = tmp_path / "scenario.toml"
    path.write_text(text, encoding="utf-8")
    return path


def test_user_scenario_file_runs_from_the_command_line(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    path = _write(tmp_path, GOOD)
    assert main(["check", str(path)]) == 0
    out = capsys.readouterr().out
    assert "HOLDS     Consistency" in out
    assert "LSetInv" not in out  # only the chosen properties


@pytest.mark.parametrize(
    ("edit", "needle"),
    [
        (("leaf_set_size = 2", "leaf_set_size = 2\ncolour = 1"), "[space] unknown key 'colour'"),
        (("joins = [[65, 95]]", "joins = [[65, 99]]"), "environment.joins[0]: seed 99"),
        (("ready = [17, 95]", "ready = [17, 300]"), "initial.ready[1]: id 300 is out of range"),
        (('join = "consistent"', 'join = "eager"'), "protocol.join: expected one of"),
        (("leaf_set_size = 2", "leaf_set_size = 3"), "leaf_set_size: L must be an even integer"),
        (('"Converged"]', '"Convergd"]'), "check.properties"),
        (("lookups = [[17, 60]]", "lookups = [[17]]"), "environment.lookups[0]"),
        (("[initial]", "[intial]"), "unknown key 'intial'"),
        (("bits = 8", "bits = 8 8"), "not valid TOML"),
    ],
)
def test_bad_scenario_file_is_refused_with_the_key_named(
    tmp_path: Path, capsys: pytest.CaptureFixture[str], edit: tuple[str, str], needle: str
) -> None:
    old, new = edit
    assert old in GOOD
    path = _write(tmp_path, GOOD.replace(old, new, 1))
    with pytest.raises(ScenarioFileError) as info:
        load_scenario_file(path)
    assert needle in str(info.value)
    assert str(path) in str(info.value)
    assert main(["check", str(path)]) == 2
    err = capsys.readouterr().err
    assert needle in err
    assert "Traceback" not in err
    assert len(err.strip().splitlines()) == 1


def test_unknown_scenario_name_exits_2(capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["check", "join/no-such-scenario"]) == 2
    assert "unknown scenario" in capsys.readouterr().err


# -- failure scenarios (issue 5) -------------------------------------------------------------------
FAIL_SCENARIOS = sorted(s.name for s in scenarios() if s.name.startswith("fail/"))
BIG_FAIL = {"fail/leave-in-four", "fail/lookups-racing-crash"}


def test_every_failure_scenario_of_the_issue_is_registered() -> None:
    """Issue 5, item 8: a crash in a small ring, a crash concurrent with a join, a graceful
    leave, a crash under a lossy network, two non-adjacent crashes, lookups racing a crash."""
    assert set(FAIL_SCENARIOS) == {
        "fail/crash-in-three",
        "fail/crash-in-four",
        "fail/crash-during-join",
        "fail/leave-in-four",
        "fail/crash-lossy",
        "fail/two-crashes",
        "fail/lookups-racing-crash",
    }


@pytest.mark.parametrize(
    "name",
    [pytest.param(n, marks=pytest.mark.slow) if n in BIG_FAIL else n for n in FAIL_SCENARIOS],
)
def test_failure_scenario_meets_its_expectation(name: str) -> None:
    """Pinned count and verdict, complete BFS: the failure-safe properties (spec/invariants.md)
    hold, with all three convergence checks, under the quiet timer semantics. The two largest
    (BIG_FAIL, about 107 s and 60 s of CPU) run under `make slow`."""
    scenario = get(name)
    result = check(scenario.model(), SearchOptions(fingerprint=name in BIG_FAIL))
    assert result.stats.complete
    assert expectation_mismatches(scenario, result) == []


def test_KV_5_and_KV_6_repair_window() -> None:
    """KV-5, KV-6: with every property checked, a crash in a ring of four breaks HalfNeighbor
    (3 steps), NeighborClosest (5) and Consistency (7) while it is repaired; the convergence
    properties and CorrectDeliveryAfterRepair still hold."""
    model = get("fail/crash-in-four").model()
    assert isinstance(model, PastryModel)
    result = check(PastryModel(model.spec, properties()))
    got = {
        r.name: len(r.trace) if r.trace is not None else -1
        for r in result.properties
        if r.status is PropertyStatus.VIOLATED
    }
    assert got == {"HalfNeighbor": 3, "NeighborClosest": 5, "Consistency": 7}
