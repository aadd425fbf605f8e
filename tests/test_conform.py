"""The conformance harness (spec/conformance.md, R-CONF-1..10): our node judged valid, each
broken node judged invalid with the rule it broke, the survival nodes survived and reported,
replay, bad input. Each run is small (4-8 nodes, short schedules); the 30-node run is slow."""

from __future__ import annotations

import io
import json
import shlex
import signal
import subprocess
import sys
import time
from pathlib import Path
from typing import Any

import pytest

from pastry_ref.cli.main import main
from pastry_ref.conform import process
from pastry_ref.conform.harness import Harness, HarnessOptions, Network, RunLog
from pastry_ref.conform.node_server import NodeServer, decode_message, encode_message
from pastry_ref.conform.process import NodeProcess, kill_all
from pastry_ref.conform.run import RunResult, conform
from pastry_ref.conform.schedule import RunParams, generate, load_schedule
from pastry_ref.conform.wire import Envelope, WireError, parse_line
from pastry_ref.node import messages as m
from pastry_ref.oracle.judge import judge_trace
from pastry_ref.testing import assert_valid, judge_history, pastry_conform

ROOT = Path(__file__).resolve().parent.parent
BROKEN = ROOT / "tests" / "broken_nodes"
PY = shlex.quote(sys.executable)
OUR_NODE = f"{PY} -m pastry_ref.cli.main node"
__all__ = ["pastry_conform"]  # the fixture of pastry_ref.testing, used as another project would


def _bin(script: Path) -> str:
    return f"{PY} {shlex.quote(str(script))}"


def _run(
    tmp: Path,
    command: str,
    *,
    seed: int = 1,
    tie_rule: str = "either",
    timeout: float = 10.0,
    **params: Any,
) -> RunResult:
    schedule = generate(seed, RunParams(**params))
    options = HarnessOptions(
        command=tuple(shlex.split(command)), timeout=timeout, tie_rule=tie_rule
    )
    return conform(schedule, options, tmp / "run")


@pytest.fixture(scope="module")
def our_run(tmp_path_factory: pytest.TempPathFactory) -> RunResult:
    """One run of our own node: 6 nodes, with churn and network faults."""
    return _run(tmp_path_factory.mktemp("ours"), OUR_NODE, nodes=6, seed=3)


# -- our node and the example node: valid ---------------------------------------------------
def test_R_CONF_10_our_node_is_judged_valid(our_run: RunResult) -> None:
    assert our_run.verdict == "valid", our_run.summary()
    assert our_run.exit_code == 0
    c = our_run.counts
    assert c["lookups"] > 10 and c["delivered"] > 10 and c["quiescent points"] == 3
    assert c.get("step kill", 0) + c.get("step leave", 0) >= 2  # churn happened
    assert c.get("dropped", 0) + c.get("duplicated", 0) > 0  # and network faults
    results = json.loads((our_run.run_dir / "results.json").read_text())
    assert results["valid"] is True and results["seed"] == 3


def test_R_CONF_10_our_node_valid_on_eight_nodes_through_the_cli(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    code = main(
        [
            "conform",
            "--bin",
            OUR_NODE,
            "--nodes",
            "8",
            "--seed",
            "2",
            "--out",
            str(tmp_path),
            "--tie-rule",
            "clockwise",
        ]
    )
    out = capsys.readouterr().out
    assert code == 0, out
    assert out.startswith("conform: valid (seed 2")


def test_minimal_example_node_is_judged_valid(pastry_conform: Any) -> None:
    """The example node, run the way another project would: the ``pastry_ref.testing``
    fixture, then ``assert_valid``."""
    result = pastry_conform(
        _bin(ROOT / "examples" / "minimal_node.py"), nodes=6, seed=1, tie_rule="clockwise"
    )
    assert_valid(result)
    assert result.verdict == "valid" and result.counts["delivered"] > 10
    assert judge_history(result.run_dir / "history.jsonl").verdict == "valid"


def test_assert_valid_fails_with_the_summary(tmp_path: Path) -> None:
    bad = RunResult(
        verdict="violated",
        run_dir=tmp_path,
        seed=9,
        violations=({"rule": "R-LS-1", "line": 4, "message": "too long"},),
    )
    with pytest.raises(AssertionError, match="violated R-LS-1"):
        assert_valid(bad)


# -- the broken nodes: invalid, with the rule named ----------------------------------------------
BROKEN_CASES = [
    # script, run parameters, the rule the judge must name
    ("tie_reversed", {"nodes": 6, "seed": 1, "tie_rule": "clockwise"}, "CorrectDelivery"),
    ("rare_hop_not_closer", {"nodes": 6, "seed": 1}, "R-ROUTE-3"),
    ("leaf_set_extra", {"nodes": 8, "seed": 1}, "R-LS-1"),
    ("skip_announce", {"nodes": 6, "seed": 1, "join": "paper"}, "CorrectDelivery"),
    ("deliver_not_ready", {"nodes": 6, "seed": 1}, "CorrectDelivery"),
]


@pytest.mark.parametrize(
    ("script", "params", "rule"), BROKEN_CASES, ids=[c[0] for c in BROKEN_CASES]
)
def test_R_CONF_8_each_broken_node_is_invalid_with_its_rule(
    tmp_path: Path, script: str, params: dict[str, Any], rule: str
) -> None:
    result = _run(tmp_path, _bin(BROKEN / f"{script}.py"), **params)
    assert result.verdict == "violated", result.summary()
    assert result.exit_code == 1
    assert not result.faults  # a protocol violation, not a crash
    assert rule in result.rules, (rule, sorted(result.rules))


MUTE_NODE = """
import json, sys
for line in sys.stdin:
    env = json.loads(line)
    me, body = env["dest"], env["body"]
    if body["type"] == "init":
        reply = {"type": "init_ok", "in_reply_to": body["msg_id"]}
        print(json.dumps({"src": me, "dest": "harness", "body": reply}))
    print(json.dumps({"src": me, "dest": "harness", "body": {"type": "done"}}), flush=True)
"""


def test_R_CONF_8_a_node_that_never_gets_ready_makes_the_run_unknown(tmp_path: Path) -> None:
    """A node that answers every input but never reports join_ok breaks no rule the judge
    can see, yet the run cannot decide: unknown, exit 3, with the reason."""
    schedule = generate(1, RunParams(nodes=3, churn=False, faults=False, lookups=2))
    options = HarnessOptions(command=(sys.executable, "-c", MUTE_NODE))
    result = conform(schedule, options, tmp_path / "run")
    assert result.verdict == "unknown" and result.exit_code == 3
    assert not result.faults
    assert any("never reported join_ok" in r for r in result.reasons)
    assert json.loads((result.run_dir / "results.json").read_text())["valid"] == "unknown"


def test_the_correct_node_passes_what_the_broken_ones_fail(tmp_path: Path) -> None:
    """The broken cases are not broken by their schedules: the paper join, the clockwise tie
    rule and 8 nodes are all valid with the correct node."""
    paper = _run(tmp_path / "paper", OUR_NODE, nodes=6, seed=1, join="paper", tie_rule="clockwise")
    assert paper.verdict == "valid", paper.summary()


# -- the survival nodes: survived and reported ---------------------------------------------------
SURVIVAL = [
    ("crashing", "crashed"),
    ("hanging", "hung"),
    ("flooding", "flooded"),
    ("garbage", "garbage"),
]


@pytest.mark.parametrize(("script", "kind"), SURVIVAL, ids=[s for s, _ in SURVIVAL])
def test_R_CONF_4_a_misbehaving_node_is_survived_and_reported(
    tmp_path: Path, script: str, kind: str
) -> None:
    """R-CONF-4 with each kind of misbehaviour: garbage (R-CONF-1), hung (R-CONF-2), flooded
    (R-CONF-3), crashed. The node is our node until lookup 3 reaches it."""
    result = _run(
        tmp_path,
        _bin(BROKEN / f"{script}.py"),
        nodes=4,
        seed=1,
        churn=False,
        faults=False,
        lookups=6,
        timeout=3.0,
    )
    assert result.verdict == "violated" and result.exit_code == 1
    schedule = generate(1, RunParams(nodes=4, churn=False, faults=False, lookups=6))
    origin = next(
        p["node"]
        for s in schedule.steps
        for p in ([s] if s["op"] == "lookup" else s.get("probe_lookups", []))
        if p["id"] == 3
    )
    (fault,) = result.faults
    assert fault["kind"] == kind
    assert fault["node"] == format(schedule.ids[origin], "08x")
    assert fault["line"] > 1
    # The run went on without it: later lookups, quiescent points, and the node is recorded
    # as crashed in the history.
    assert result.counts["quiescent points"] >= 1 and result.counts["delivered"] > 3
    history = (result.run_dir / "history.jsonl").read_text().splitlines()
    assert {"type": "crashed", "node": fault["node"]}.items() <= next(
        json.loads(line) for line in history if '"crashed"' in line
    ).items()
    assert not process._LIVE  # every process killed (R-CONF-9)


def test_R_CONF_2_nodes_that_never_answer_init_are_hung_within_one_deadline(
    tmp_path: Path,
) -> None:
    """init goes to every node before any answer is awaited: three silent nodes cost one
    init deadline, not three, and each is reported hung."""
    silent = (sys.executable, "-c", "import time; time.sleep(60)")
    schedule = generate(1, RunParams(nodes=3, churn=False, faults=False, lookups=2))
    options = HarnessOptions(command=silent, init_timeout=1.0)
    result = conform(schedule, options, tmp_path / "run")
    assert result.verdict == "violated"
    assert [f["kind"] for f in result.faults] == ["hung"] * 3
    # The first waited out the whole deadline; the others had only what was left of it.
    first, *others = (f["message"] for f in result.faults)
    assert first.startswith("no 'done' within") and "within 0.1 s" not in first
    assert others == ["no 'done' within 0.1 s after init"] * 2
    assert not process._LIVE


def test_R_CONF_2_a_node_that_does_not_read_its_input_is_hung(tmp_path: Path) -> None:
    """Writing to a node whose stdin stays full gives up after the timeout (no blocked
    harness): the node is reported hung and killed."""
    deaf = [sys.executable, "-c", "import time; time.sleep(60)"]
    node = NodeProcess(deaf, "0a", tmp_path / "deaf.log", {})
    big = Envelope("harness", "0a", {"type": "tick", "x-pad": "x" * (1 << 20)})
    assert node.write(big, timeout=0.5) is False
    assert node.fault is not None and node.fault.kind == "hung"
    assert "does not read its stdin" in node.fault.message
    assert node.proc.poll() is not None


def test_R_CONF_9_kill_all_kills_every_node_process(tmp_path: Path) -> None:
    sleeper = [sys.executable, "-c", "import time; time.sleep(60)"]
    procs = [NodeProcess(sleeper, f"n{i}", tmp_path / f"{i}.log", {}) for i in range(2)]
    assert all(p.proc.poll() is None for p in procs)
    kill_all()
    assert all(p.proc.poll() is not None for p in procs)
    assert not process._LIVE


def test_R_CONF_9_ctrl_c_kills_the_nodes(tmp_path: Path) -> None:
    """SIGINT to a running ``pastry-ref conform`` while a node hangs: exit 3, a one-line
    message, and no node process left behind (each carries this test's folder as a marker)."""
    marker = str(tmp_path / "marker")
    hang = f"{_bin(BROKEN / 'hanging.py')} {shlex.quote(marker)}"
    cmd = [
        sys.executable,
        "-m",
        "pastry_ref.cli.main",
        "conform",
        "--bin",
        hang,
        "--nodes",
        "3",
        "--no-churn",
        "--timeout",
        "60",
        "--out",
        str(tmp_path),
    ]
    proc = subprocess.Popen(cmd, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
    try:
        for _ in range(600):  # until lookup 3 (the one the node hangs on) has been sent
            if any('"route":"3"' in h.read_text() for h in tmp_path.glob("*/history.jsonl")):
                break
            time.sleep(0.05)
        time.sleep(0.5)
        proc.send_signal(signal.SIGINT)
        _, err = proc.communicate(timeout=30)
    finally:
        proc.kill()
    assert proc.returncode == 3, err
    assert "interrupted" in err
    assert not [cmd for cmd in _command_lines() if marker in cmd]


def _command_lines() -> list[str]:
    """Every process's command line, from /proc (Linux)."""
    proc = Path("/proc")
    if not proc.is_dir():
        pytest.skip("needs /proc to list processes")
    lines = []
    for d in proc.iterdir():
        if d.name.isdigit():
            try:
                lines.append(
                    (d / "cmdline").read_bytes().replace(b"\0", b" ").decode(errors="replace")
                )
            except OSError:
                continue
    return lines


# -- replay, re-judging, the run folder ------------------------------------------------------------
def test_R_CONF_6_replay_gives_the_same_history(
    our_run: RunResult, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    """``--replay RUN`` runs RUN's schedule with RUN's command and harness options (here
    changed to the clockwise tie rule, to see that they are taken), and writes the same
    history line for line."""
    run = tmp_path / "run"
    run.mkdir()
    (run / "schedule.json").write_text((our_run.run_dir / "schedule.json").read_text())
    recorded = json.loads((our_run.run_dir / "command.json").read_text())
    recorded["options"]["tie_rule"] = "clockwise"
    (run / "command.json").write_text(json.dumps(recorded))
    code = main(["conform", "--replay", str(run), "--out", str(tmp_path / "out")])
    assert code == 0, capsys.readouterr().out
    (again,) = (tmp_path / "out").iterdir()
    first = (our_run.run_dir / "history.jsonl").read_text().splitlines()
    second = (again / "history.jsonl").read_text().splitlines()
    assert json.loads(second[0])["tie_rule"] == "clockwise"
    assert json.loads(first[0])["tie_rule"] == "either"
    assert second[1:] == first[1:]
    assert load_schedule(again / "schedule.json") == load_schedule(
        our_run.run_dir / "schedule.json"
    )
    assert json.loads((again / "command.json").read_text())["options"]["tie_rule"] == "clockwise"


def test_R_CONF_5_the_history_is_a_trace_the_judge_rejudges(our_run: RunResult) -> None:
    report = judge_trace(our_run.run_dir / "history.jsonl")
    assert report.verdict == "valid"
    assert main(["judge", str(our_run.run_dir / "history.jsonl")]) == 0
    run = our_run.run_dir
    names = {p.name for p in run.iterdir()}
    assert {
        "history.jsonl",
        "schedule.json",
        "results.json",
        "summary.txt",
        "command.json",
    } <= names
    assert {f"node-{i}.stderr.log" for i in range(6)} <= names


def test_R_CONF_7_every_quiescent_point_has_every_live_nodes_snapshot(our_run: RunResult) -> None:
    events = [json.loads(x) for x in (our_run.run_dir / "history.jsonl").read_text().splitlines()]
    live: set[str] = set()
    points = 0
    for i, e in enumerate(events):
        if e["type"] == "joined":
            live.add(e["node"])
        elif e["type"] in ("crashed", "left"):
            live.discard(e["node"])
        elif e["type"] == "quiescent":
            points += 1
            after = {
                x["node"] for x in events[i + 1 : i + 1 + len(live)] if x["type"] == "snapshot"
            }
            assert after == live
    assert points == 3


def test_R_CONF_6_schedule_is_a_function_of_the_seed() -> None:
    p = RunParams(nodes=8)
    assert generate(5, p) == generate(5, p)
    assert generate(5, p).to_json() != generate(6, p).to_json()
    ops = {s["op"] for s in generate(5, p).steps}
    assert {"join", "lookup", "leave", "kill", "faults", "partition", "heal", "settle"} <= ops


def test_R_CONF_6_a_duplicate_and_its_consequences_are_marked_and_not_judged(
    tmp_path: Path,
) -> None:
    """The network's second copy is marked, so is everything sent in answer to a marked
    message, and the route reports that follow from one go to the history as x-duplicate."""
    log = RunLog()
    net = Network(seed=1)
    net.duplicate = 1.0
    env = Envelope("0a", "0b", {"type": "x"})
    net.submit(env, log)
    assert sorted(copy for _, copy in net.pool) == [False, True]
    net.duplicate = 0.0
    net.submit(env, log, copy=True)
    assert net.pool[-1] == (env, True)

    harness = Harness(generate(1, RunParams(nodes=3)), HarnessOptions(command=("true",)), tmp_path)
    harness._trace = io.StringIO()
    harness.routes.add("5")
    key = harness.names[1]
    harness._report(0, {"type": "deliver", "id": 5, "key": key})
    harness._copy = True
    harness._report(0, {"type": "deliver", "id": 5, "key": key})
    first, second = (json.loads(x) for x in harness._trace.getvalue().splitlines())
    assert first["type"] == "deliver"
    assert second["type"] == "x-duplicate" and second["report"]["type"] == "deliver"


# -- the wire and the node server --------------------------------------------------------------
@pytest.mark.parametrize(
    ("line", "says"),
    [
        ("not json", "not JSON"),
        ("[1, 2]", "expected a JSON object"),
        ('{"src": 1, "dest": "x", "body": {"type": "t"}}', "'src'"),
        ('{"src": "a", "dest": "x", "body": 3}', "'body'"),
        ('{"src": "a", "dest": "x", "body": {"type": 7}}', "'type'"),
    ],
)
def test_R_CONF_1_a_bad_line_is_a_wire_error(line: str, says: str) -> None:
    with pytest.raises(WireError, match=says):
        parse_line(line)


def test_R_CONF_10_our_messages_round_trip_through_json() -> None:
    from pastry_ref.app.lookup import LookupPayload

    samples = [
        m.JoinRequest(src=1, joiner=2, rows=(3, 4), neighborhood=(5,), givers=((6, 7),)),
        m.LSProbe(src=1, leaf_set=(2, 3), failed=(4,)),
        m.RouteMessage(src=1, key=9, payload=LookupPayload(id=4)),
        m.HopAck(src=2, msg=m.RouteMessage(src=1, key=9, payload=LookupPayload(id=4))),
        m.LeaseReply(src=1, granted=True, leaf_set=()),
        m.Announce(src=1, version=None),
    ]
    for msg in samples:
        body = json.loads(json.dumps(encode_message(msg)))
        assert decode_message(body) == msg


def test_R_CONF_2_the_node_server_answers_every_line_with_done() -> None:
    server = NodeServer()
    init = {
        "src": "harness",
        "dest": "0a",
        "body": {
            "type": "init",
            "msg_id": 1,
            "node_id": "0a",
            "bits": 8,
            "b": 4,
            "leaf_set_size": 2,
        },
    }
    out = [json.loads(x) for x in server.handle(json.dumps(init))]
    assert [e["body"]["type"] for e in out] == ["init_ok", "done"]
    bad = [json.loads(x) for x in server.handle("garbage")]
    assert [e["body"]["type"] for e in bad] == ["error", "done"]
    join = {"src": "harness", "dest": "0a", "body": {"type": "join", "msg_id": 2, "seed": None}}
    assert [json.loads(x)["body"]["type"] for x in server.handle(json.dumps(join))] == [
        "join_ok",
        "done",
    ]


# -- bad input: exit 2, one line naming the option ------------------------------------------------
@pytest.mark.parametrize(
    ("argv", "says"),
    [
        (["conform", "--nodes", "3"], "--bin"),
        (["conform", "--bin", "/nonexistent/node-binary", "--nodes", "3"], "--bin: cannot start"),
        (["conform", "--bin", "x", "--nodes", "0"], "--nodes"),
        (["conform", "--bin", "x", "--leaf-set-size", "3"], "--leaf-set-size"),
        (["conform", "--bin", "x", "--bits", "7", "--b", "4"], "bits"),
        (["conform", "--bin", "'unclosed", "--nodes", "3"], "--bin"),
        (["conform", "--replay", "/nonexistent-run"], "schedule.json"),
    ],
)
def test_bad_input_is_exit_2_naming_the_option(
    tmp_path: Path, capsys: pytest.CaptureFixture[str], argv: list[str], says: str
) -> None:
    code = main([*argv, "--out", str(tmp_path)])
    err = capsys.readouterr().err
    assert code == 2
    assert says in err and "Traceback" not in err
    assert len(err.strip().splitlines()) == 1


def test_a_broken_schedule_file_is_bad_input_naming_the_step(
    our_run: RunResult, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    data = json.loads((our_run.run_dir / "schedule.json").read_text())
    data["steps"][2] = {"op": "lookup", "node": 99, "key": "zz", "id": 1}
    (tmp_path / "schedule.json").write_text(json.dumps(data))
    (tmp_path / "command.json").write_text((our_run.run_dir / "command.json").read_text())
    code = main(["conform", "--replay", str(tmp_path), "--out", str(tmp_path / "out")])
    err = capsys.readouterr().err
    assert code == 2 and "steps[2].node" in err


# -- the large run ---------------------------------------------------------------------------------
@pytest.mark.slow
def test_R_CONF_10_thirty_nodes_of_ours_are_valid(tmp_path: Path) -> None:
    result = _run(tmp_path, OUR_NODE, nodes=30, seed=7, leaf_set_size=8, lookups=100)
    assert result.verdict == "valid", result.summary()
