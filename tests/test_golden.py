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
    assert r.run("world bits=8 b=4 L=2 join=consistent initial=1 color=red")[0].startswith(
        "error: unexpected argument 'color=red'"
    )
    r.run("world bits=8 b=4 L=2 join=consistent initial=1 joins=2:1")
    assert r.run("apply Join") == [
        "error: apply: expected <ActionName> <node> [from=<src>] [key=<key>]"
    ]
    assert r.run("apply Join 3") == ["error: no enabled Join at 3 matches -"]
    assert r.run("apply Join 2")[0] == "Join 2 seed=1"
    assert r.run("run max=1") == [
        "ReceiveJoinRequest 1: JoinRequest src=2 joiner=2",
        "error: still 1 enabled actions after 1",
    ]
