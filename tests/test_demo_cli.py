"""The demo (pastry_ref.cli.demo) and the command line (pastry_ref.cli.main): exit codes, output."""

from __future__ import annotations

import io
import itertools
import os
import re
import subprocess
import sys

import pytest

from pastry_ref.cli.demo import run_demo
from pastry_ref.cli.main import EXIT_BAD_INPUT, EXIT_OK, EXIT_PIPE, main
from pastry_ref.ring.ids import IdSpace

ROW = re.compile(r"^\s+(\d+)\s+([0-9a-f]{32})\s+(\d+)\s+(R-ROUTE-[1-4])\s+(.*)$")


def parse(out: str):
    rows = [ROW.match(line) for line in out.splitlines()]
    return [m.groups() for m in rows if m]


@pytest.mark.parametrize(("nodes", "seed"), [(1, 1), (2, 5), (50, 7), (1000, 2001)])
def test_demo_routes_to_the_oracle_root(nodes: int, seed: int, capsys) -> None:
    """Pastry §2.2 worked example: the demo's route table is consistent hop by hop and ends at
    the node it names as the oracle's root (the live node numerically closest to the key)."""
    code = main(["demo", "--nodes", str(nodes), "--seed", str(seed), "--lookups", "100"])
    out = capsys.readouterr().out
    assert code == EXIT_OK
    rows = parse(out)
    assert rows, out
    assert [int(r[0]) for r in rows] == list(range(len(rows)))
    for here, nxt in itertools.pairwise(rows):
        fwd = re.search(r"forward to ([0-9a-f]{8})", here[4])
        assert fwd and nxt[1].startswith(fwd.group(1))
    assert rows[-1][4].endswith("deliver here")
    oracle = re.search(r"Oracle root:\s+([0-9a-f]{32})", out)
    assert oracle and oracle.group(1) == rows[-1][1]
    key = re.search(r"Route key ([0-9a-f]{32})", out)
    space = IdSpace(128, 4)
    assert key and key.group(1) == space.hex(space.hash_name("pastry_ref demo key"))
    for r in rows:  # the printed prefix is the shared prefix of node and key
        assert int(r[2]) == space.shared_prefix_len(int(r[1], 16), int(key.group(1), 16))
    assert "Verdict: delivered at the root" in out
    assert "delivered at the wrong node: 0" in out
    if nodes == 1:
        assert len(rows) == 1


def test_demo_key_name_and_no_lookups(capsys) -> None:
    """Pastry §2 (ids from SHA-1 of names): --key chooses the name hashed to the key."""
    assert main(["demo", "--nodes", "20", "--key", "hello", "--lookups", "0"]) == EXIT_OK
    out = capsys.readouterr().out
    space = IdSpace(128, 4)
    assert f"Route key {space.hex(space.hash_name('hello'))}" in out
    assert "random lookups" not in out


def test_run_demo_writes_to_the_given_stream() -> None:
    """The demo is a function of its arguments: same seed, same text."""
    a, b = io.StringIO(), io.StringIO()
    assert run_demo(30, 3, "k", 10, out=a) == 0
    assert run_demo(30, 3, "k", 10, out=b) == 0
    assert a.getvalue() == b.getvalue() and "Oracle root" in a.getvalue()


@pytest.mark.parametrize(
    ("argv", "field"),
    [
        (["--nodes", "0"], "--nodes"),
        (["--nodes", "-3"], "--nodes"),
        (["--lookups", "-1"], "--lookups"),
    ],
)
def test_cli_bad_input_exits_2_with_one_line(argv: list[str], field: str, capsys) -> None:
    """CLI contract: bad input is one line on stderr naming the option, exit code 2."""
    assert main(["demo", *argv]) == EXIT_BAD_INPUT == 2
    captured = capsys.readouterr()
    lines = captured.err.strip().splitlines()
    assert len(lines) == 1 and lines[0].startswith("pastry-ref: error: " + field)
    assert "Traceback" not in captured.err and captured.out == ""


@pytest.mark.parametrize("argv", [[], ["demo", "--nodes", "x"], ["nonsense"], ["check", "--bogus"]])
def test_cli_bad_usage_exits_2(argv: list[str], capsys) -> None:
    """CLI contract: bad usage (argparse) exits 2 with one line on stderr."""
    with pytest.raises(SystemExit) as e:
        main(argv)
    assert e.value.code == 2
    err = capsys.readouterr().err
    assert err.startswith("pastry-ref") and "error:" in err
    assert len(err.strip().splitlines()) == 1  # one line: no usage dump, no traceback


@pytest.mark.parametrize("argv", [["demo"], ["check", "--list"]])
def test_closed_stdout_ends_quietly_with_141(argv: list[str]) -> None:
    """CLI contract: a reader that has gone (``| head``) ends the command with exit code 141 and
    nothing on stderr: no traceback, and not reported as bad input. The pipe's read end is closed
    before the command starts, so its first write fails."""
    read, write = os.pipe()
    os.close(read)
    try:
        done = subprocess.run(
            [sys.executable, "-m", "pastry_ref.cli.main", *argv],
            stdout=write,
            stderr=subprocess.PIPE,
            text=True,
            timeout=120,
            check=False,
        )
    finally:
        os.close(write)
    assert (done.returncode, done.stderr) == (EXIT_PIPE, "") and EXIT_PIPE == 141
