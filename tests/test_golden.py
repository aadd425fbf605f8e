"""Golden interaction scripts (tests/golden/*.txt), run by tests/golden_runner.py.

Regenerate the expected outputs after an intended change, then review the diff:

    PASTRY_REF_REWRITE=1 .venv/bin/python -m pytest tests/test_golden.py
"""

from __future__ import annotations

from pathlib import Path

import pytest

from tests.golden_runner import (
    REWRITE_ENV,
    Runner,
    ScriptError,
    check_file,
    parse,
    run_script,
)

GOLDEN = Path(__file__).parent / "golden"
SCRIPTS = sorted(GOLDEN.glob("*.txt"))


def test_scripts_exist() -> None:
    names = {p.name for p in SCRIPTS}
    assert {"join_two_nodes.txt", "join_three_nodes.txt"} <= names
    assert len([n for n in names if n.startswith("fail_")]) >= 4  # failure and repair


@pytest.mark.parametrize("path", SCRIPTS, ids=[p.stem for p in SCRIPTS])
def test_golden(path: Path) -> None:
    check_file(path)


# -- the runner itself -----------------------------------------------------------------------
def _script(tmp_path: Path) -> Path:
    copy = tmp_path / "join_two_nodes.txt"
    copy.write_text((GOLDEN / "join_two_nodes.txt").read_text())
    return copy


def test_detects_changed_output(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """One expected line altered: the check fails and names the block, without rewriting."""
    monkeypatch.delenv(REWRITE_ENV, raising=False)
    path = _script(tmp_path)
    check_file(path)  # the unaltered copy passes
    text = path.read_text()
    line = "65 ready ls=[17]|[17] rt=[0/1:17] hood=[17] version=1"
    assert line in text
    altered = text.replace(line, line.replace("ready", "wait"), 1)
    path.write_text(altered)
    with pytest.raises(AssertionError, match="golden output differs at line") as e:
        check_file(path)
    message = str(e.value)
    assert "-  65 wait ls=[17]|[17]" in message and "+  65 ready ls=[17]|[17]" in message
    assert path.read_text() == altered


def test_detects_missing_and_extra_output(tmp_path: Path) -> None:
    path = _script(tmp_path)
    text = path.read_text()
    path.write_text(text.replace("NoStuckMessages: ok\n", "", 1))
    with pytest.raises(AssertionError, match="golden output differs"):
        check_file(path, rewrite=False)
    path.write_text(text.replace("network: empty\n", "network: empty\nsurplus line\n", 1))
    with pytest.raises(AssertionError, match="golden output differs"):
        check_file(path, rewrite=False)


def test_rewrite_restores_expected_output(tmp_path: Path) -> None:
    path = _script(tmp_path)
    original = path.read_text()
    blocks = parse(original)
    emptied = "\n\n".join(
        "\n".join([*b.comments, b.command, "----"]) for b in blocks
    )  # every expected output removed
    path.write_text(emptied + "\n")
    with pytest.raises(AssertionError):
        check_file(path, rewrite=False)
    check_file(path, rewrite=True)
    assert path.read_text() == original


def test_output_is_deterministic() -> None:
    for path in SCRIPTS:
        text = path.read_text()
        assert run_script(text)[1] == run_script(text)[1]


def test_malformed_script() -> None:
    with pytest.raises(ScriptError, match="line 1: expected '----'"):
        parse("show\nshow\n----\n")


def test_command_errors() -> None:
    r = Runner()
    assert r.run("show") == ["error: no world yet: start with the world command"]
    world = "world bits=8 b=4 leaf_set_size=2 join=consistent initial=1"
    assert r.run(f"{world} color=red")[0].startswith("error: unexpected argument 'color=red'")
    # One vocabulary: the Config field names, not the paper's letters.
    assert r.run(world.replace("leaf_set_size", "L"))[0].startswith(
        "error: unexpected argument 'L=2'"
    )
    assert r.run(f"{world} hop_acks=yes") == ["error: hop_acks: expected true or false, got 'yes'"]
    assert r.run(f"{world} network=flaky")[0].startswith("error: network: expected one of")
    assert r.run(f"{world} drops=1")[0].startswith("error: world: network.drops: a budget needs")
    assert r.run(f"{world} crashes=7")[0].startswith("error: world: environment.crashes[0]")
    r.run(f"{world} joins=2:1")
    assert r.run("apply Join") == [
        "error: apply: expected <ActionName> <node> [from=<src>] [key=<key>] [type=<Type>]"
    ]
    assert r.run("apply Join 3") == ["error: no enabled Join at 3 matches -"]
    assert r.run("apply Join 2")[0] == "Join 2 seed=1"
    assert r.run("run max=1") == [
        "ReceiveJoinRequest 1: JoinRequest src=2 joiner=2",
        "error: still 1 enabled actions after 1",
    ]


def test_failure_command_errors() -> None:
    r = Runner()
    r.run("world bits=8 b=4 leaf_set_size=2 join=consistent initial=17,95,160 crashes=95")
    assert r.run("crash 17") == [
        "error: crash 17 is not enabled (it needs crashes=17 in the world and a node that is "
        "not dead)"
    ]
    assert r.run("leave 95")[0].startswith("error: leave 95 is not enabled")
    assert r.run("crash") == ["error: crash: expected <node>"]
    assert r.run("drop 95") == ["error: no enabled Drop at 95 matches -"]
    assert r.run("fire 17") == ["error: fire: expected <node> <Timer> [<target>]"]
    assert r.run("fire 17 ProbeTimeout") == ["error: no ProbeTimeout at 17 is armed"]
    assert r.run("fire 17 KeepAlive")[0].startswith("error: ambiguous: 2 armed timers match")
    assert r.run("fire 17 KeepAlive 95") == [
        "error: KeepAlive node=95 at 17 may not fire now: under quiet timers, what it waits for "
        "is still in flight"
    ]
    assert r.run("fire 17 RowMaintenance") == [
        "error: RowMaintenance at 17 may not fire now: the budget of periodic firings "
        "(periodic=) is spent"
    ]
    assert r.run("crash 95")[0] == "Crash 95"
    assert r.run("fire 17 KeepAlive 95")[0] == "FireKeepAlive 17: KeepAlive node=95"
    assert r.run("settle")[0].startswith("settled: ")
    assert r.run("summary") == [
        "3 nodes: 2 ready 0 ok 0 wait, 1 down; 0 in flight; 0 actions enabled"
    ]
