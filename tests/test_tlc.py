"""The TLA+ twin (spec/tla) and ``pastry-ref tlc`` (issue 13).

Without the jar: the TLA+ value reader and writer, the scope guard, the exact map from our
World to the twin's state (injective on every reachable World of a scenario), and the CLI's
exit-2 messages. With the jar (``--tla2tools`` / ``TLA2TOOLS_JAR``; skipped with the reason
otherwise): TLC on the twin and our checker agree on the distinct states and the verdict of
every property the twin checks, for the small join scenarios here and for all of them under
``make slow``; the two state *sets* are equal (TLC's ``-dump`` against our BFS through
``twin_state``); TLC's counterexample of the paper join replays on our model and is confirmed
by our evaluator; a trace of ours is accepted by TracePastry and a tampered one refused.
"""

from __future__ import annotations

import json
import os
from collections import deque
from pathlib import Path
from typing import Any

import pytest

from model_check import PropertyStatus, check
from model_check.itf import load_itf, replay_itf, trace_to_itf, write_itf
from model_check.result import Step, Trace
from pastry_ref.check.model import PastryModel
from pastry_ref.check.scenario_file import load_scenario_file
from pastry_ref.cli.main import main
from pastry_ref.tla import (
    LIVENESS,
    TWIN_PROPERTIES,
    Fn,
    TlaValueError,
    TwinOutOfScope,
    check_scope,
    find_modules,
    parse_states,
    parse_value,
    run_tlc_files,
    tla_literal,
    twin_state,
)
from pastry_ref.tla.replay import confirm, replay_on_model

SCENARIOS = Path(__file__).resolve().parents[1] / "pastry_ref" / "check" / "scenarios"
JAR = os.environ.get("TLA2TOOLS_JAR", "")
HAVE_JAR = bool(JAR) and Path(JAR).is_file()
needs_jar = pytest.mark.skipif(
    not HAVE_JAR,
    reason="no tla2tools.jar: set TLA2TOOLS_JAR (.ci/run does when ../shared/tools has it)",
)

LARGER = ["join-1-into-3", "join-2-concurrent"]
LARGE = ["join-3-concurrent", "join-lookups"]


def scenario(stem: str, protocol: str) -> Any:
    (s,) = [x for x in load_scenario_file(SCENARIOS / f"{stem}.toml") if x.name.endswith(protocol)]
    return s


# -- without the jar ---------------------------------------------------------------------------
def test_parse_value_reads_tlc_forms() -> None:
    text = (
        "( 17 :> [ls |-> [left |-> <<>>, right |-> <<95>>], rt |-> {95, 3}, h |-> -1] @@ "
        '65 :> "x" )'
    )
    v = parse_value(text)
    assert isinstance(v, Fn)
    d = v.as_dict()
    assert d[65] == "x"
    assert d[17].as_dict()["rt"] == frozenset({3, 95})
    assert d[17].as_dict()["ls"].as_dict()["right"] == (95,)
    assert d[17].as_dict()["h"] == -1
    assert parse_value("<<TRUE, FALSE, <<1, 2>>>>") == (True, False, (1, 2))


def test_parse_value_refuses_what_is_not_a_value() -> None:
    for bad in ("{1, 2", "[a |-> ]", "<<1>> junk", '"open', "-"):
        with pytest.raises(TlaValueError, match="offset"):
            parse_value(bad)


def test_tla_literal_round_trips_through_parse_value() -> None:
    value = Fn.of(
        {
            "a": frozenset({(1, 2), (3, 4)}),
            "b": Fn.of({17: Fn.of({"x": (1, 2)}), 65: "s"}),
            "c": True,
            "d": Fn.of({}),
        }
    )
    back = parse_value(tla_literal(value))
    assert back.as_dict()["a"] == value.as_dict()["a"]
    assert back.as_dict()["b"] == value.as_dict()["b"]
    assert back.as_dict()["c"] is True
    assert back.as_dict()["d"] == ()  # TLC's empty function is <<>>, as twin.normalise expects


def test_scope_refuses_what_the_twin_does_not_model() -> None:
    check_scope(scenario("join-lookups", "consistent").model().spec)
    with pytest.raises(TwinOutOfScope, match="crashes"):
        check_scope(scenario("fail-crash-in-three", "").model().spec)
    with pytest.raises(TwinOutOfScope, match="hop acknowledgements"):
        check_scope(scenario("fail-crash-during-join", "").model().spec)


def _graph(model: PastryModel) -> dict[Any, set[Any]]:
    """Every reachable World and its successors, by our model."""
    start = model.init_states()[0]
    succ: dict[Any, set[Any]] = {start: set()}
    queue = deque([start])
    while queue:
        w = queue.popleft()
        for a in model.actions(w):
            n = model.next_state(w, a)
            succ[w].add(n)
            if n not in succ:
                succ[n] = set()
                queue.append(n)
    return succ


def _reachable(model: PastryModel) -> list[Any]:
    return list(_graph(model))


def _has_cycle(model: PastryModel) -> bool:
    """Whether our reachable graph has a cycle (a self-loop counts), by repeatedly removing the
    states without successors: a cycle is what is left."""
    succ = {w: set(n) for w, n in _graph(model).items()}
    pred: dict[Any, set[Any]] = {w: set() for w in succ}
    for w, ns in succ.items():
        for n in ns:
            pred[n].add(w)
    sinks = [w for w, ns in succ.items() if not ns]
    removed = 0
    while sinks:
        w = sinks.pop()
        removed += 1
        for p in pred[w]:
            succ[p].discard(w)
            if not succ[p]:
                sinks.append(p)
    return removed < len(succ)


@pytest.mark.parametrize("protocol", ["consistent", "paper"])
def test_twin_state_is_injective_on_reachable_worlds(protocol: str) -> None:
    """The exact mapping: distinct Worlds of a join scenario are distinct twin states, so
    equal counts mean equal state spaces (and test_tlc_state_set_equals_ours checks the sets)."""
    worlds = _reachable(scenario("join-1-into-3", protocol).model())
    mapped = {frozenset(twin_state(w).items()) for w in worlds}
    assert len(worlds) == len(mapped) == (24 if protocol == "consistent" else 12)


def test_cli_without_a_jar_says_where_it_looked(
    monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    monkeypatch.delenv("TLA2TOOLS_JAR", raising=False)
    assert main(["tlc", "join/one-into-one/consistent"]) == 2
    err = capsys.readouterr().err
    assert "--tla2tools" in err and "TLA2TOOLS_JAR" in err and "Traceback" not in err
    assert main(["tlc", "join/one-into-one/consistent", "--tla2tools", "/nonexistent.jar"]) == 2
    assert "/nonexistent.jar is not a file" in capsys.readouterr().err


def test_cli_without_modules_says_where_it_looked(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    jar = tmp_path / "tla2tools.jar"
    jar.write_bytes(b"")
    args = ["tlc", "join/one-into-one/consistent", "--tla2tools", str(jar)]
    assert main([*args, "--modules", str(tmp_path)]) == 2
    err = capsys.readouterr().err
    assert "PastryRing.tla" in err and str(tmp_path) in err and "--modules" in err


def test_modules_are_found_in_the_repository() -> None:
    assert (find_modules() / "Pastry.tla").is_file()


_TLC_SUMMARY = "10 states generated, 5 distinct states found, 0 states left on queue.\n"


@pytest.mark.parametrize(
    ("printed", "acyclic"),
    [
        ("Model checking completed. No error has been found.\n" + _TLC_SUMMARY, True),
        ("Error: Temporal property Terminates was violated.\n" + _TLC_SUMMARY, False),
        ("Error: Temporal property Other was violated.\n" + _TLC_SUMMARY, None),
        (_TLC_SUMMARY, None),
    ],
)
def test_terminates_is_read_strictly(
    printed: str, acyclic: bool | None, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Rule 3 decides only on TLC's own words: "no error" (acyclic) or Terminates violated (run
    each property); anything else is TlcFailed, never a verdict."""
    from pastry_ref.tla import tlc as tlc_mod

    model = tlc_mod.tlc_model(scenario("join-1-into-1", "consistent").model().spec, [])
    monkeypatch.setattr(tlc_mod, "_java", lambda *a: printed)
    if acyclic is None:
        with pytest.raises(tlc_mod.TlcFailed, match="Terminates"):
            tlc_mod._acyclic(Path("jar"), tmp_path, model, None)
    else:
        assert tlc_mod._acyclic(Path("jar"), tmp_path, model, None) is acyclic


# -- with the jar ------------------------------------------------------------------------------
def agreement(stem: str, protocol: str, tmp_path: Path, *, liveness: bool = True) -> None:
    """Same distinct states, depth and violated properties (of those the twin checks; the
    no-cycle parts only with ``liveness``, a third TLC run)."""
    s = scenario(stem, protocol)
    model = s.model()
    ours = check(model)
    names = [r.name for r in ours.properties]
    checked = [n for n in names if n in TWIN_PROPERTIES and (liveness or n not in LIVENESS)]
    tlc = run_tlc_files(model.spec, checked, jar=Path(JAR), modules=find_modules(), folder=tmp_path)
    assert not tlc.out_of_scope
    assert tlc.distinct_states == ours.stats.distinct_states == s.distinct_states
    assert tlc.depth == ours.stats.max_depth
    our_violated = [r.name for r in ours.properties if r.status is PropertyStatus.VIOLATED]
    assert list(tlc.violated) == [n for n in our_violated if n in checked]
    if liveness and stem not in LARGE:  # Terminates: TLC's verdict is that of our graph
        assert tlc.acyclic is (not _has_cycle(model))
    assert (s.expected.value == "violated") == bool(tlc.violated)
    if tlc.violated:  # TLC's shortest counterexample is one of ours, and ours says so too
        trace = replay_on_model(model.spec, tlc.trace)
        trace, found = confirm(model.spec, trace, tlc.violated[0])
        assert found, f"our evaluator does not see {tlc.violated[0]} at the end of TLC's trace"


@needs_jar
@pytest.mark.parametrize(
    ("stem", "protocol"),
    [("join-1-into-1", "consistent"), ("join-1-into-1", "paper"), ("join-1-into-2", "consistent")],
)
def test_tlc_agrees_with_our_checker(stem: str, protocol: str, tmp_path: Path) -> None:
    """join/one-into-two/paper: test_paper_counterexample_replays_on_our_model."""
    agreement(stem, protocol, tmp_path)


@needs_jar
@pytest.mark.parametrize("protocol", ["consistent", "paper"])
def test_no_cycle_properties_run_themselves_agree(protocol: str, tmp_path: Path) -> None:
    """Rule 3's shortcut against the long way: the no-cycle properties run on their own (not
    decided by Terminates) give the same verdicts."""
    model = scenario("join-1-into-2", protocol).model()
    wanted = sorted(LIVENESS)
    kw: dict[str, Any] = {"jar": Path(JAR), "modules": find_modules()}
    (tmp_path / "short").mkdir()
    (tmp_path / "long").mkdir()
    short = run_tlc_files(model.spec, wanted, folder=tmp_path / "short", **kw)
    long = run_tlc_files(model.spec, wanted, folder=tmp_path / "long", acyclic_first=False, **kw)
    assert (short.acyclic, long.acyclic) == (True, None)
    assert short.violated == long.violated == ()
    assert (tmp_path / "long" / "tlc-liveness.out").is_file()
    assert not (tmp_path / "short" / "tlc-liveness.out").exists()


@needs_jar
def test_refuted_terminates_runs_each_no_cycle_property(tmp_path: Path) -> None:
    """The other branch of rule 3, with TLC: a twin whose SomeEnabled is always TRUE has fair
    behaviours that never end (stuttering in a terminal state), so TLC refutes Terminates and
    each no-cycle property is run: they hold, since those behaviours end converged."""
    mods = tmp_path / "mods"
    mods.mkdir()
    for f in find_modules().glob("*.tla"):
        (mods / f.name).write_text(f.read_text(encoding="utf-8"), encoding="utf-8")
    text = (mods / "Pastry.tla").read_text(encoding="utf-8")
    assert text.count("SomeEnabled ==\n") == 1
    (mods / "Pastry.tla").write_text(
        text.replace("SomeEnabled ==\n", "SomeEnabled == TRUE \\/\n"), encoding="utf-8"
    )
    model = scenario("join-1-into-2", "consistent").model()
    wanted = sorted(LIVENESS)
    (tmp_path / "run").mkdir()
    r = run_tlc_files(model.spec, wanted, jar=Path(JAR), modules=mods, folder=tmp_path / "run")
    assert r.acyclic is False and r.violated == ()
    out = (tmp_path / "run" / "tlc-terminates.out").read_text(encoding="utf-8")
    assert "Temporal property Terminates was violated" in out
    assert (tmp_path / "run" / "tlc-liveness.out").is_file()


@needs_jar
@pytest.mark.slow
@pytest.mark.parametrize("protocol", ["consistent", "paper"])
@pytest.mark.parametrize("stem", LARGER + LARGE)
def test_tlc_agrees_with_our_checker_slow(stem: str, protocol: str, tmp_path: Path) -> None:
    agreement(stem, protocol, tmp_path)


@needs_jar
@pytest.mark.slow
def test_tlc_agrees_on_one_into_two_paper(tmp_path: Path) -> None:
    agreement("join-1-into-2", "paper", tmp_path)


@needs_jar
def test_tlc_state_set_equals_ours(tmp_path: Path) -> None:
    """Not only as many states: the same states, through the exact map ``twin_state``."""
    model = scenario("join-1-into-2", "consistent").model()
    run_tlc_files(model.spec, [], jar=Path(JAR), modules=find_modules(), folder=tmp_path, dump=True)
    dumped = parse_states((tmp_path / "states.dump").read_text(encoding="utf-8"))
    theirs = {frozenset(s.state.items()) for s in dumped}
    ours = {frozenset(twin_state(w).items()) for w in _reachable(model)}
    assert len(dumped) == len(theirs) == 24
    assert theirs == ours


@needs_jar
@pytest.mark.slow
@pytest.mark.parametrize(
    ("stem", "protocol"),
    [("join-1-into-3", "consistent"), ("join-1-into-3", "paper"), ("join-2-concurrent", "paper")],
)
def test_consistency_by_arcs_is_consistency_by_every_key(
    stem: str, protocol: str, tmp_path: Path
) -> None:
    """The twin's Consistency (delivery arcs) and ConsistencyEveryKey (every key's routing
    decision) give the same verdict."""
    model = scenario(stem, protocol).model()
    r = run_tlc_files(
        model.spec,
        ["Consistency", "ConsistencyEveryKey"],
        jar=Path(JAR),
        modules=find_modules(),
        folder=tmp_path,
    )
    assert len(r.violated) in (0, 2)
    assert bool(r.violated) == (protocol == "paper")
    # State by state: Watch prints the set of properties each violating state breaks.
    pair = {"Consistency", "ConsistencyEveryKey"}
    lines = [ln for ln in (tmp_path / "tlc.out").read_text().splitlines() if "twin-violated" in ln]
    assert bool(lines) == (protocol == "paper")
    for line in lines:
        bad = set(parse_value(line[line.index("{") : line.rindex("}") + 1]))
        assert pair <= bad, line


@needs_jar
def test_paper_counterexample_replays_on_our_model(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    itf = tmp_path / "cex.itf.json"
    args = ["tlc", "join/one-into-two/paper", "--tla2tools", JAR, "--json", "--itf", str(itf)]
    assert main(args) == 1
    summary = json.loads(capsys.readouterr().out)["scenarios"][0]
    assert summary["verdict"] == "violated" and summary["stats"]["distinct_states"] == 8
    model = scenario("join-1-into-2", "paper").model()
    ours = [r.name for r in check(model).properties if r.status is PropertyStatus.VIOLATED]
    theirs = [p["name"] for p in summary["properties"] if p["status"] == "violated"]
    assert theirs == [n for n in ours if n in TWIN_PROPERTIES] == ["NeighborClosest", "Consistency"]
    first = summary["properties"][[p["name"] for p in summary["properties"]].index(theirs[0])]
    assert first["violations"] and first["trace_length"] == 4
    assert replay_itf(model, load_itf(itf)).ok


def _walk_to_the_end(model: PastryModel) -> Trace:
    """One run of our World to a terminal state, always taking the last enabled action."""
    world = model.init_states()[0]
    steps: list[Step] = []
    while actions := model.actions(world):
        a = actions[-1]
        world = model.next_state(world, a)
        steps.append(Step(a, model.action_name(a), world))
    return Trace(model.init_states()[0], tuple(steps))


@needs_jar
def test_trace_of_ours_is_validated_and_a_tampered_one_refused(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    model = scenario("join-1-into-2", "consistent").model()
    trace = _walk_to_the_end(model)
    doc = trace_to_itf(model, trace, source="test")
    good = tmp_path / "run.itf.json"
    write_itf(good, doc)
    args = ["tlc", "join/one-into-two/consistent", "--tla2tools", JAR, "--json"]
    assert main([*args, "--trace", str(good)]) == 0
    out = json.loads(capsys.readouterr().out)
    assert out["accepted"] and out["matched"] == out["length"] == len(trace) + 1
    # Tamper with one state: node 65 claims to be ready one step too early.
    n = next(i for i, s in enumerate(trace.states()) if s.node(65).status.value == "ok")
    states = doc["states"]
    for pair in states[n]["nodes"]["#map"]:
        if pair[0] == 65:
            for field in pair[1]["#map"]:
                if field[0] == "status":
                    field[1] = "ready"
    bad = tmp_path / "tampered.itf.json"
    write_itf(bad, doc)
    assert main([*args, "--trace", str(bad)]) == 1
    out = json.loads(capsys.readouterr().out)
    assert not out["accepted"] and out["matched"] == n
    # A trace of another scenario: its first state is not an initial state of this twin.
    other = ["tlc", "join/one-into-one/consistent", "--tla2tools", JAR, "--json"]
    assert main([*other, "--trace", str(good)]) == 1
    out = json.loads(capsys.readouterr().out)
    assert not out["accepted"] and out["matched"] == 0
