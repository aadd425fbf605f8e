"""Inputs that never crash (DESIGN §8-§9): every listed bad input is refused with one clear
message naming the file, option, field or argument and the expected form; exit code 2 from the
CLI; never a traceback, never a hang, never a silent default. The errors form two hierarchies:
``PastryRefError`` (pastry_ref) and ``ModelCheckError`` (the engine)."""

from __future__ import annotations

import json
import math
import os
import subprocess
import sys
import warnings
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest

import model_check
from model_check import ItfError, ModelCheckError, OptionError, SearchOptions, load_itf
from model_check import cli as mc_cli
from model_check.registry import ScenarioError
from model_check.result import Strategy
from pastry_ref.check.scenario_file import ScenarioFileError, load_scenario_file, parse_scenario
from pastry_ref.cli import demo
from pastry_ref.cli.main import main
from pastry_ref.errors import (
    ApiMisuse,
    BadInput,
    BoundReached,
    ConfigError,
    InputNote,
    InvalidId,
    NotEnabled,
    ProtocolViolation,
    shown,
)
from pastry_ref.oracle.ideal import (
    check_routing_table,
    ideal_leaf_set,
    ideal_tables,
    replica_set,
    root,
    root_candidates,
)
from pastry_ref.ring.config import Config
from pastry_ref.ring.ids import IdSpace
from pastry_ref.ring.proximity import ConstantProximity, EuclideanPlane, MatrixProximity
from pastry_ref.system import WorldSpec

ROOT = Path(__file__).resolve().parents[1]
# Not pastry_ref.check.scenarios: importing it registers every shipped scenario while the tests
# are collected, and the engine's tests parametrize over whatever the registry then holds.
SCENARIO_DIR = ROOT / "pastry_ref" / "check" / "scenarios"
SPACE = IdSpace(8, 4)
CFG = Config.make(8, 4, 2, 2)
ONE_INTO_ONE = (SCENARIO_DIR / "join-1-into-1.toml").read_text(encoding="utf-8")
BAD_VALUES: list[object] = [-1, 256, 2**5000, True, 1.5, math.nan, "3", None, [1]]


def run(capsys: pytest.CaptureFixture[str], *argv: str) -> tuple[int, str, str]:
    code = main(list(argv))
    out, err = capsys.readouterr()
    return code, out, err


def one_error_line(err: str, *needles: str) -> str:
    """The single line of ``err``: an error, naming each needle, no traceback."""
    lines = [ln for ln in err.splitlines() if ln.strip()]
    assert len(lines) == 1, err
    assert "Traceback" not in err
    assert "error: " in lines[0], lines[0]
    for n in needles:
        assert n in lines[0], (n, lines[0])
    return lines[0]


def write(tmp_path: Path, text: str, name: str = "s.toml") -> Path:
    path = tmp_path / name
    path.write_text(text, encoding="utf-8")
    return path


def cli_subprocess(*argv: str, cwd: Path) -> subprocess.CompletedProcess[str]:
    """The CLI in a child process with a time limit: a regression that blocks fails, not hangs."""
    env = {
        **os.environ,
        "PYTHONPATH": os.pathsep.join([str(ROOT), os.environ.get("PYTHONPATH", "")]),
    }
    return subprocess.run(
        [sys.executable, "-m", "pastry_ref.cli.main", *argv],
        capture_output=True,
        text=True,
        timeout=20,
        cwd=cwd,
        env=env,
        check=False,
    )


# -- the two error roots ---------------------------------------------------------------------
@pytest.mark.parametrize(
    "cls", [model_check.ModelError, OptionError, ScenarioError, ItfError, mc_cli.UsageError]
)
def test_engine_errors_share_one_root(cls: type[Exception]) -> None:
    assert issubclass(cls, ModelCheckError)
    if cls is not model_check.ModelError:
        assert issubclass(cls, ValueError)  # existing `except ValueError` clauses keep working
    assert model_check.ModelCheckError is ModelCheckError


def test_the_engine_never_names_pastry_ref() -> None:
    for path in sorted((ROOT / "model_check").rglob("*.py")):
        assert "pastry_ref" not in path.read_text(encoding="utf-8"), path


@pytest.mark.parametrize(
    ("error", "code", "prefix"),
    [
        (BadInput("--x: expected y"), 2, "pastry-ref: error: --x: expected y"),
        (ConfigError("bits: no"), 2, "pastry-ref: error: bits: no"),
        (BoundReached("route of 99 hops"), 3, "pastry-ref: incomplete: route of 99 hops"),
        (ProtocolViolation("node 5 lied"), 1, "pastry-ref: violation: node 5 lied"),
        (ApiMisuse("not a node"), 2, "pastry-ref: internal error: ApiMisuse: not a node"),
        (NotEnabled("Receive(1)"), 2, "pastry-ref: internal error: NotEnabled: Receive(1)"),
        (ScenarioError("nope\nsecond line"), 2, "pastry-ref: error: nope second line"),
    ],
)
def test_each_error_family_reaching_the_cli_is_one_line_with_its_exit_code(
    monkeypatch: pytest.MonkeyPatch,
    capsys: pytest.CaptureFixture[str],
    error: Exception,
    code: int,
    prefix: str,
) -> None:
    def boom(args: Any) -> int:
        raise error

    monkeypatch.setattr(demo, "_run", boom)
    got, out, err = run(capsys, "demo")
    assert got == code and out == ""
    assert err.splitlines() == [err.splitlines()[0]] and err.startswith(prefix)


# -- non-regular files: refused before they are opened, so nothing hangs ----------------------
@pytest.mark.skipif(not hasattr(os, "mkfifo"), reason="needs FIFOs")
@pytest.mark.parametrize(
    ("argv", "needle"),
    [
        (["check", "example/broken-mutex", "--replay", "{fifo}"], "is a FIFO; expected a regular"),
        (["check", "{fifo}"], "a FIFO; expected a scenario name or a scenario file"),
        (["check", "example/broken-mutex", "--itf", "{fifo}"], "not a regular file"),
    ],
)
def test_a_fifo_never_blocks(tmp_path: Path, argv: list[str], needle: str) -> None:
    fifo = tmp_path / "trace.toml"
    os.mkfifo(fifo)
    res = cli_subprocess(*(a.replace("{fifo}", str(fifo)) for a in argv), cwd=tmp_path)
    assert res.returncode == 2, res.stderr
    one_error_line(res.stderr, str(fifo), needle)


@pytest.mark.skipif(not hasattr(os, "mkfifo"), reason="needs FIFOs")
def test_the_loaders_refuse_a_fifo_without_opening_it(tmp_path: Path) -> None:
    fifo = tmp_path / "x.toml"
    os.mkfifo(fifo)
    code = (
        "import sys; from pathlib import Path\n"
        "from pastry_ref.check.scenario_file import load_scenario_file\n"
        "from model_check import load_itf\n"
        "for f in (load_scenario_file, load_itf):\n"
        "    try: f(Path(sys.argv[1]))\n"
        "    except ValueError as e: print(type(e).__name__, e)\n"
    )
    res = subprocess.run(
        [sys.executable, "-c", code, str(fifo)],
        capture_output=True,
        text=True,
        timeout=20,
        cwd=ROOT,
        check=False,
    )
    assert res.returncode == 0, res.stderr
    assert res.stdout.splitlines() == [
        f"ScenarioFileError {fifo}: a FIFO; expected a scenario file",
        f"ItfError {fifo}: is a FIFO; expected a regular ITF file",
    ]


@pytest.mark.parametrize("name", ["dir.toml", "/dev/zero"])
def test_a_directory_or_device_is_refused(
    tmp_path: Path, capsys: pytest.CaptureFixture[str], name: str
) -> None:
    path = Path(name) if name.startswith("/") else tmp_path / name
    if not path.exists():
        path.mkdir()
    if not path.exists():  # pragma: no cover - no /dev/zero here
        pytest.skip(f"no {name}")
    code, _, err = run(capsys, "check", "example/broken-mutex", "--replay", str(path))
    assert code == 2
    one_error_line(err, str(path), "expected a regular ITF file")
    with pytest.raises(ScenarioFileError, match="expected a scenario file"):
        load_scenario_file(path)


def test_an_oversized_file_is_refused_unread(tmp_path: Path) -> None:
    big = tmp_path / "big.toml"
    with big.open("wb") as f:
        f.truncate(2**20 + 1)  # sparse: nothing is written
    with pytest.raises(ScenarioFileError, match=r"1,048,577 bytes; a scenario file is at most"):
        load_scenario_file(big)
    huge = tmp_path / "big.itf.json"
    with huge.open("wb") as f:
        f.truncate(64 * 2**20 + 1)
    with pytest.raises(ItfError, match="bytes; an ITF file is at most 67,108,864 bytes"):
        load_itf(huge)


# -- scenario files ----------------------------------------------------------------------
@pytest.mark.parametrize(
    ("edit", "needle"),
    [
        (
            ("[environment]", "deep = " + "[" * 5000 + "]" * 5000 + "\n[environment]"),
            "nesting too deep",
        ),
        (("bits = 8", "bits = " + "9" * 5000), "line 4: an integer of more than 4,300 digits"),
        (("bits = 8", "bits = 2" + "0" * 60), "space.bits: id width must satisfy"),
        (("bits = 8", "bits = true"), "space.bits: expected an integer, got True"),
        (("bits = 8", "bits = nan"), "space.bits: expected an integer, got nan"),
        (("bits = 8", "bits = 8.0"), "space.bits: expected an integer, got 8.0"),
        (("b = 4", 'b = "4"'), "space.b: expected an integer, got '4'"),
        (("leaf_set_size = 2", "leaf_set_size = -2"), "space.leaf_set_size: L must be an even"),
        (("leaf_set_size = 2", "leaf_set_size = 4096"), "<= 1024"),
        (
            ("leaf_set_size = 2", "leaf_set_size = 2\nleaf_set = 2"),
            "both leaf_set_size and leaf_set",
        ),
        (("leaf_set_size = 2", "neighborhood = 2"), "[space] missing key 'leaf_set_size'"),
        (("ready = [17]", "ready = [17, true]"), "initial.ready[1]: expected an integer, got True"),
        (("ready = [17]", "ready = [17, 256]"), "initial.ready[1]: id 256 is out of range"),
        (("ready = [17]", "ready = 17"), "initial.ready: expected a list of integers, got 17"),
        (("joins = [[65, 17]]", "joins = [[65, 17, 1]]"), "environment.joins[0]: expected a pair"),
        (("joins = [[65, 17]]", "joins = [[65, 17]]\nperiodic = true"), "environment.periodic"),
        (("joins = [[65, 17]]", "joins = [[65, 17]]\nperiodic = 5000"), "at most 1000"),
        (('join = ["consistent", "paper"]', "join = []"), "protocol.join: expected one value"),
        (('join = ["consistent", "paper"]', "join = 1"), "protocol.join: expected one of"),
        (
            ("[check]", "[check]\nproperties = []"),
            "check.properties: expected at least one property",
        ),
        (("[check]", '[check]\nproperties = ["LSetInv", "LSetInv"]'), "distinct property names"),
        (("[check]", "[check]\nproperties = [1]"), "check.properties: expected a list of"),
        (
            ("distinct_states = {consistent = 9, paper = 5}", "distinct_states = 0"),
            "an integer >= 1",
        ),
        (
            ("distinct_states = {consistent = 9, paper = 5}", "distinct_states = {paper = -5}"),
            "check.distinct_states.paper",
        ),
        (
            ("distinct_states = {consistent = 9, paper = 5}", "distinct_states = {paper = true}"),
            "got True",
        ),
        (("distinct_states = {consistent = 9, paper = 5}", "distinct_states = 1.5"), "got 1.5"),
        (('expect = {consistent = "pass", paper = "violated"}', "expect = true"), "check.expect"),
        (
            ('name = "join/one-into-one"', 'name = "two\\nlines"'),
            "name: expected a string of printable",
        ),
        (('name = "join/one-into-one"', "name = 5"), "name: expected a non-empty string, got 5"),
        (("[initial]", "[initial]\nready = [1]"), "not valid TOML: Cannot overwrite a value"),
        (("[space]", "[space]\n\x01"), "not valid TOML"),
    ],
)
def test_bad_scenario_files_are_refused_naming_the_key(
    tmp_path: Path, capsys: pytest.CaptureFixture[str], edit: tuple[str, str], needle: str
) -> None:
    old, new = edit
    assert old in ONE_INTO_ONE
    path = write(tmp_path, ONE_INTO_ONE.replace(old, new, 1))
    with pytest.raises(ScenarioFileError) as info:
        load_scenario_file(path)
    assert str(info.value).startswith(f"{path}: ") and needle in str(info.value)
    code, out, err = run(capsys, "check", str(path), "--max-states", "50")
    assert code == 2 and out == ""
    one_error_line(err, str(path), needle)


def test_an_application_request_is_named_by_its_table(tmp_path: Path) -> None:
    text = (SCENARIO_DIR / "past-insert-and-lookup.toml").read_text(encoding="utf-8")
    path = write(tmp_path, text.replace("lookups = [{origin = 95,", "lookups = [{origin = 96,"))
    with pytest.raises(ScenarioFileError) as info:
        load_scenario_file(path)
    assert str(info.value) == (
        f"{path}: app.past: request 1 (in the table's order): origin 96 is not a node of the "
        "scenario"
    )


def test_bytes_that_are_not_utf8_name_the_line(tmp_path: Path) -> None:
    path = tmp_path / "bin.toml"
    path.write_bytes(b'name = "x"\n[space]\nbits = \xff\n')
    with pytest.raises(ScenarioFileError, match=r"line 3: not UTF-8 text \(byte 26\)"):
        load_scenario_file(path)


def test_the_old_leaf_set_key_still_loads_with_a_note(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    path = write(tmp_path, ONE_INTO_ONE.replace("leaf_set_size = 2", "leaf_set = 2"))
    with pytest.warns(InputNote, match=r"\[space\] leaf_set is now leaf_set_size") as record:
        scenarios = load_scenario_file(path)
    assert [s.name for s in scenarios] == [
        "join/one-into-one/consistent",
        "join/one-into-one/paper",
    ]
    assert str(path) in str(record[0].message)
    code, out, err = run(capsys, "check", str(path), "--expect")
    assert code == 0 and "expectation met" in out
    assert err.splitlines() == [f"pastry-ref: note: {path}: [space] leaf_set is now leaf_set_size"]
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        load_scenario_file(write(tmp_path, ONE_INTO_ONE, "new.toml"))  # the new key: no note


def test_every_shipped_file_uses_the_new_key() -> None:
    for path in sorted(SCENARIO_DIR.glob("*.toml")):
        text = path.read_text(encoding="utf-8")
        assert "leaf_set_size = " in text and "\nleaf_set = " not in text, path


def test_parse_scenario_refuses_a_document_that_is_not_a_table() -> None:
    with pytest.raises(ScenarioFileError, match=r"f\.toml: the document: expected a table"):
        parse_scenario([1, 2], "f.toml")  # type: ignore[arg-type]


# -- ITF files -----------------------------------------------------------------------------
@pytest.fixture(scope="module")
def itf_text(tmp_path_factory: pytest.TempPathFactory) -> str:
    path = tmp_path_factory.mktemp("itf") / "paper.itf.json"
    assert main(["check", "join/one-into-one/paper", "--itf", str(path)]) == 1
    return path.read_text(encoding="utf-8")


@pytest.mark.parametrize(
    ("mutate", "needle"),
    [
        (lambda d: {**d, "states": "x"}, "field 'states': expected a non-empty list"),
        (lambda d: {**d, "vars": [1]}, "field 'vars': expected a list of variable names"),
        (lambda d: {**d, "vars": d["vars"] + d["vars"][:1]}, "field 'vars': expected distinct"),
        (lambda d: {**d, "vars": ["nodes"]}, "field 'vars': the trace's variables"),
        (lambda d: {**d, "loop": True}, "field 'loop': expected a state index"),
        (lambda d: {**d, "#meta": []}, "field '#meta': expected an object"),
        (lambda d: _set(d, 1, "network", 1.5), "states[1].network: malformed ITF value: a number"),
        (lambda d: _set(d, 0, "network", None), "states[0].network: malformed ITF value: a null"),
        (lambda d: _set(d, 0, "network", {"#bigint": "9" * 5000}), "5,000 digits; at most 4,300"),
        (lambda d: _set(d, 0, "network", {"#set": 3}), "states[0].network.#set: malformed"),
        (lambda d: _set(d, 0, "network", {"#map": [[1, 2, 3]]}), "states[0].network.#map[0]"),
        (lambda d: _set(d, 0, "network", {"#tup": [], "x": 1}), "takes an object with no other"),
        (lambda d: _set(d, 0, "network", {"#what": 1}), "unknown form '#what'"),
        (lambda d: _set(d, 0, "mbt::actionTaken", 7), "states[0].mbt::actionTaken: expected an"),
        (lambda d: _set(d, 0, "network", _nest(150)), "nesting too deep; an ITF value nests at"),
    ],
)
def test_bad_itf_files_are_refused_naming_the_json_path(
    tmp_path: Path,
    capsys: pytest.CaptureFixture[str],
    itf_text: str,
    mutate: Callable[[dict[str, Any]], dict[str, Any]],
    needle: str,
) -> None:
    path = write(tmp_path, json.dumps(mutate(json.loads(itf_text))), "bad.itf.json")
    code, out, err = run(capsys, "check", "join/one-into-one/paper", "--replay", str(path))
    assert code == 2 and out == ""
    one_error_line(err, str(path), needle)


@pytest.mark.parametrize(
    ("text", "needle"),
    [
        (
            '{"vars": ["x"],\n"states": [{"x": ' + "[" * 100_000 + "]" * 100_000 + "}]}",
            "line 2: nesting too deep",
        ),
        (
            '{"vars": ["x"],\n\n"states": [{"x": ' + "7" * 5000 + "}]}",
            "line 3: an integer literal of more",
        ),
        ('{"vars": ["x"], "states": [{"x": NaN}]}', "states[0].x: malformed ITF value: a number"),
        ('{"vars": ["x"],\n "states": [{"x": 1}', "line 2: not JSON"),
        ("[1]", "the top level: expected a JSON object"),
    ],
)
def test_unparsable_itf_files_name_the_line(tmp_path: Path, text: str, needle: str) -> None:
    path = write(tmp_path, text, "t.itf.json")
    with pytest.raises(ItfError) as info:
        load_itf(path)
    assert str(info.value).startswith(f"{path}: ") and needle in str(info.value)
    assert "\n" not in str(info.value)


def test_load_itf_refuses_a_name_that_is_not_a_path() -> None:
    with pytest.raises(ItfError, match="expected a file name, got 5"):
        load_itf(5)  # type: ignore[arg-type]
    with pytest.raises(ItfError, match="cannot read the ITF file"):
        load_itf("a\x00b")


def _set(doc: dict[str, Any], i: int, var: str, value: object) -> dict[str, Any]:
    doc["states"][i][var] = value
    return doc


def _nest(depth: int) -> object:
    v: object = 1
    for _ in range(depth):
        v = [v]
    return v


# -- command-line options --------------------------------------------------------------------
@pytest.mark.parametrize(
    ("argv", "needle"),
    [
        (["--nodes", "100001"], "--nodes: expected a ring size from 1 to 100,000, got 100001"),
        (["--nodes", "0"], "--nodes: expected a ring size from 1 to 100,000, got 0"),
        (["--nodes", "-5"], "--nodes: expected a ring size from 1 to 100,000, got -5"),
        (["--joins", "0"], "--joins: expected a ring size from 1 to 10,000, got 0"),
        (["--joins", "10001"], "--joins: expected a ring size from 1 to 10,000"),
        (["--lookups", "-1"], "--lookups: expected a number of lookups from 0 to 1,000,000"),
        (["--seed", "-1"], "--seed: expected a seed from 0 to 18,446,744,073,709,551,615"),
        (["--seed", str(2**64)], "--seed: expected a seed"),
    ],
)
def test_demo_counts_are_bounded(
    capsys: pytest.CaptureFixture[str], argv: list[str], needle: str
) -> None:
    code, out, err = run(capsys, "demo", *argv)
    assert code == 2 and out == ""
    one_error_line(err, needle)


@pytest.mark.parametrize("value", ["1" * 5000, "1e9", "nan", "true"])
def test_demo_refuses_what_is_not_a_plain_integer(
    capsys: pytest.CaptureFixture[str], value: str
) -> None:
    with pytest.raises(SystemExit) as e:
        main(["demo", "--nodes", value])
    assert e.value.code == 2
    one_error_line(capsys.readouterr().err, "--nodes")


@pytest.mark.parametrize(
    ("call", "needle"),
    [
        (lambda: demo.run_demo(True, 1, "k", 0), "--nodes: expected a ring size"),  # type: ignore[arg-type]
        (lambda: demo.run_demo(5, 1.0, "k", 0), "--seed: expected a seed"),  # type: ignore[arg-type]
        (lambda: demo.run_demo(5, 1, b"k", 0), "--key: expected a name"),  # type: ignore[arg-type]
        (lambda: demo.run_demo(5, 1, "k", math.nan), "--lookups"),  # type: ignore[arg-type]
        (lambda: demo.run_join_demo(False, 1), "--joins"),  # type: ignore[arg-type]
    ],
)
def test_the_demo_functions_check_their_arguments(call: Callable[[], Any], needle: str) -> None:
    with pytest.raises(BadInput, match=needle):
        call()


@pytest.mark.parametrize(
    ("option", "value"),
    [
        ("--max-states", "0"),
        ("--max-states", "-1"),
        ("--max-states", "nan"),
        ("--max-states", "1e3"),
        ("--max-states", "1" * 5000),
        ("--max-states", str(10**12 + 1)),
        ("--max-depth", "-1"),
        ("--max-depth", "inf"),
        ("--max-seconds", "nan"),
        ("--max-seconds", "inf"),
        ("--max-seconds", "-1"),
        ("--max-seconds", "1e999"),
        ("--max-seconds", "1" * 5000),
        ("--seed", "-1"),
        ("--seed", str(2**64)),
        ("--walks", "0"),
        ("--walks", "true"),
    ],
)
def test_check_options_refuse_absurd_values(
    capsys: pytest.CaptureFixture[str], option: str, value: str
) -> None:
    extra = ["--strategy", "random"] if option in ("--seed", "--walks") else []
    code, out, err = run(capsys, "check", "example/broken-mutex", *extra, option, value)
    assert code == 2 and out == ""
    line = one_error_line(err, f"{option}: expected ")
    assert len(line) < 200  # the value is shown shortened


# -- library boundaries ------------------------------------------------------------------
@pytest.mark.parametrize(
    "kwargs",
    [
        {"max_states": True},
        {"max_states": 1.5},
        {"max_states": 10**13},
        {"max_depth": False},
        {"max_seconds": math.nan},
        {"max_seconds": math.inf},
        {"max_seconds": True},
        {"strategy": "bfs"},
        {"strategy": Strategy.RANDOM, "seed": -1},
        {"strategy": Strategy.RANDOM, "walks": True},
        {"por": 1},
        {"fingerprint": "yes"},
        {"properties": "Safety"},
        {"properties": (1,)},
    ],
)
def test_search_options_refuse_wrong_types(kwargs: dict[str, Any]) -> None:
    with pytest.raises(OptionError, match=r"^--[a-z-]+: expected "):
        SearchOptions(**kwargs)


IDSPACE_CALLS: list[tuple[str, Callable[[IdSpace, object], object], str]] = [
    ("digit x", lambda s, v: s.digit(v, 0), "x"),  # type: ignore[arg-type]
    ("digit i", lambda s, v: s.digit(1, v), "i"),  # type: ignore[arg-type]
    ("shared_prefix_len x", lambda s, v: s.shared_prefix_len(v, 1), "x"),  # type: ignore[arg-type]
    ("shared_prefix_len y", lambda s, v: s.shared_prefix_len(1, v), "y"),  # type: ignore[arg-type]
    ("cw_distance", lambda s, v: s.cw_distance(1, v), "y"),  # type: ignore[arg-type]
    ("ccw_distance", lambda s, v: s.ccw_distance(v, 1), "x"),  # type: ignore[arg-type]
    ("distance", lambda s, v: s.distance(v, 1), "x"),  # type: ignore[arg-type]
    ("closeness node", lambda s, v: s.closeness(v, 1), "node"),  # type: ignore[arg-type]
    ("closeness key", lambda s, v: s.closeness(1, v), "key"),  # type: ignore[arg-type]
    ("closer a", lambda s, v: s.closer(v, 1, 2), "a"),  # type: ignore[arg-type]
    ("closer b", lambda s, v: s.closer(1, v, 2), "b"),  # type: ignore[arg-type]
    ("closer key", lambda s, v: s.closer(1, 3, v), "key"),  # type: ignore[arg-type]
    ("closest key", lambda s, v: s.closest(v, [1]), "key"),  # type: ignore[arg-type]
    ("closest nodes", lambda s, v: s.closest(1, [2, v]), r"nodes\[1\]"),  # type: ignore[list-item]
    ("sort_by_closeness", lambda s, v: s.sort_by_closeness(1, [v]), r"nodes\[0\]"),  # type: ignore[list-item]
    ("hex", lambda s, v: s.hex(v), "x"),  # type: ignore[arg-type]
    ("digit_str", lambda s, v: s.digit_str(v), "x"),  # type: ignore[arg-type]
    ("check", lambda s, v: s.check(v, "node id"), "node id"),
    ("check_all", lambda s, v: s.check_all([0, v], "ids"), r"ids\[1\]"),
]


@pytest.mark.parametrize("value", BAD_VALUES, ids=shown)
@pytest.mark.parametrize(
    ("name", "call", "field"), IDSPACE_CALLS, ids=[c[0] for c in IDSPACE_CALLS]
)
def test_idspace_refuses_what_is_not_an_id(
    name: str, call: Callable[[IdSpace, object], object], field: str, value: object
) -> None:
    """Out-of-range ids used to give wrong answers (e.g. a distance from -1); now every public
    method raises, naming the argument."""
    with pytest.raises(BadInput, match=rf"^{field}: ") as info:
        call(SPACE, value)
    if not name.startswith("digit i"):
        assert isinstance(info.value, InvalidId)
    assert len(str(info.value)) < 200


@pytest.mark.parametrize("nodes", ["17", b"17", {17: 1}, 17, None])
def test_idspace_refuses_a_collection_that_is_not_one(nodes: object) -> None:
    for call in (SPACE.closest, SPACE.sort_by_closeness):
        with pytest.raises(InvalidId, match=r"^nodes: expected a collection of integer ids"):
            call(1, nodes)  # type: ignore[arg-type]
    with pytest.raises(BadInput, match=r"^nodes: expected at least one node"):
        SPACE.closest(1, [])


def test_idspace_accepts_int_subclasses_in_range() -> None:
    class Id(int):
        pass

    assert SPACE.distance(Id(3), 250) == 9 and SPACE.digit(Id(0x3A), 1) == 0xA
    assert SPACE.closest(Id(5), [Id(4), 200]) == 4


@pytest.mark.parametrize("name", [5, None, ["a"], "\udcff"])
def test_hash_name_refuses_what_is_not_a_name(name: object) -> None:
    with pytest.raises(BadInput, match=r"^name: "):
        SPACE.hash_name(name)  # type: ignore[arg-type]


@pytest.mark.parametrize(
    ("kwargs", "field"),
    [
        ({"leaf_set_size": True}, "leaf_set_size"),
        ({"leaf_set_size": 2.0}, "leaf_set_size"),
        ({"leaf_set_size": 2048}, "leaf_set_size"),
        ({"leaf_set_size": 10**5000}, "leaf_set_size"),
        ({"neighborhood_size": None}, "neighborhood_size"),
        ({"neighborhood_size": 2000}, "neighborhood_size"),
        ({"neighborhood_size": True}, "neighborhood_size"),
        ({"join": "consistent"}, "join"),
        ({"hop_acks": 1}, "hop_acks"),
        ({"probe_retry": "yes"}, "probe_retry"),
        ({"space": "8/4"}, "space"),
    ],
)
def test_config_refuses_wrong_types_naming_the_field(kwargs: dict[str, Any], field: str) -> None:
    args: dict[str, Any] = {"space": SPACE, "leaf_set_size": 2, "neighborhood_size": 2, **kwargs}
    with pytest.raises(ConfigError, match=rf"^{field}: ") as info:
        Config(**args)
    assert len(str(info.value)) < 200


@pytest.mark.parametrize(
    ("bits", "b"), [(10**5000, 4), (8, 2**200), (8, None)], ids=["huge bits", "huge b", "no b"]
)
def test_idspace_shape_with_absurd_numbers_is_one_clear_error(bits: object, b: object) -> None:
    with pytest.raises(ConfigError) as info:
        IdSpace(bits, b)  # type: ignore[arg-type]
    assert len(str(info.value)) < 200


@pytest.mark.parametrize(
    ("kwargs", "needle"),
    [
        ({"config": "cfg"}, "config: expected a Config"),
        ({"initial": 17}, "initial.ready: expected a list of node ids, got 17"),
        ({"initial": "17"}, "initial.ready: expected a list of node ids"),
        ({"initial": (17, True)}, r"initial.ready\[1\]: expected an integer id, got True"),
        ({"initial": (17, 300)}, r"initial.ready\[1\]: id 300 is out of range"),
        ({"joins": ((65,),)}, r"environment.joins\[0\]: expected a pair"),
        ({"joins": 65}, "environment.joins: expected a list of"),
        ({"joins": ((65, 1.0),)}, r"environment.joins\[0\]\[1\]: expected an integer id"),
        ({"lookups": (("a", 3),)}, r"environment.lookups\[0\]\[0\]: expected an integer id"),
        ({"crashes": {17}}, "environment.crashes: expected a list of node ids"),
        ({"network": "lossy"}, "network.model: expected one of"),
        ({"drops": True}, "network.drops: expected an integer >= 0, got True"),
        ({"periodic": 1.0}, "environment.periodic: expected an integer >= 0, got 1.0"),
        ({"periodic": 10**6}, "environment.periodic: expected a budget of at most 1000"),
        ({"timers": None}, "protocol.timers: expected one of"),
    ],
)
def test_worldspec_refuses_wrong_types_naming_the_field(
    kwargs: dict[str, Any], needle: str
) -> None:
    args: dict[str, Any] = {"config": CFG, "initial": (17, 95), **kwargs}
    with pytest.raises(BadInput, match=needle):
        WorldSpec(**args)


def test_worldspec_stores_lists_as_tuples() -> None:
    spec = WorldSpec(CFG, [17, 95], [[65, 17]], [[17, 60]])  # type: ignore[arg-type]
    assert spec.initial == (17, 95) and spec.joins == ((65, 17),) and spec.lookups == ((17, 60),)
    assert hash(spec) == hash(WorldSpec(CFG, (17, 95), ((65, 17),), ((17, 60),)))


@pytest.mark.parametrize(
    ("call", "needle"),
    [
        (lambda: root(1, [1], "space"), "space: expected an IdSpace"),
        (lambda: root(1, 5, SPACE), "live_ids: expected a collection"),
        (lambda: root(1, "15", SPACE), "live_ids: expected a collection"),
        (lambda: root(1.0, [1], SPACE), "key: expected an integer id"),
        (lambda: root_candidates(1, [1], None), "space: expected an IdSpace"),
        (lambda: root_candidates(1, [True], SPACE), r"live_ids\[0\]"),
        (lambda: ideal_leaf_set(1, [1], SPACE), "config: expected a Config"),
        (lambda: ideal_leaf_set("1", [1], CFG), "node: expected an integer id"),
        (lambda: replica_set(1, [1], True, SPACE), "k: expected an integer >= 0, got True"),
        (lambda: replica_set(1, [1], 2.0, SPACE), "k: expected an integer >= 0"),
        (lambda: ideal_tables([1, 2], None), "config: expected a Config"),
        (lambda: ideal_tables([1, 2], CFG, 5), "proximity: expected a metric"),
        (lambda: ideal_tables(None, CFG), "live_ids: expected a collection"),
        (lambda: check_routing_table(1, [((0, 1), 2)], SPACE), "entries: expected a mapping"),
        (lambda: check_routing_table(1, {0: 2}, SPACE), r"entries: expected \(row, column\)"),
        (lambda: check_routing_table(1, {(0, "1"): 2}, SPACE), "entries: expected"),
        (lambda: check_routing_table(1, {}, 8), "space: expected an IdSpace"),
        (lambda: check_routing_table(1, {}, SPACE, 7), "live_ids: expected a collection"),
    ],
)
def test_oracle_refuses_wrong_types_naming_the_parameter(
    call: Callable[[], object], needle: str
) -> None:
    with pytest.raises(BadInput, match=needle):
        call()


def test_oracle_judges_a_bool_entry_as_not_an_id() -> None:
    got = check_routing_table(0x3A, {(0, 5): True}, SPACE)
    assert [(v.name, v.cell) for v in got] == [("IdOutOfRange", (0, 5))]


@pytest.mark.parametrize(
    ("make", "needle"),
    [
        (lambda: EuclideanPlane([(0.0, 0.0)]), "points: expected a mapping"),
        (lambda: EuclideanPlane({"a": (0.0, 0.0)}), "points: expected integer node ids"),
        (lambda: EuclideanPlane({1: (0.0,)}), r"points\[1\]: expected a point"),
        (lambda: EuclideanPlane({1: (math.nan, 0.0)}), r"points\[1\]: expected a point"),
        (lambda: EuclideanPlane({1: (True, 0.0)}), r"points\[1\]: expected a point"),
        (lambda: MatrixProximity({1: 2.0}), "distances: expected \\(node, node\\) pairs"),
        (lambda: MatrixProximity({(1, 2): -1.0}), r"distances\[\(1, 2\)\]: expected a finite"),
        (lambda: MatrixProximity({(1, 2): math.inf}), r"distances\[\(1, 2\)\]: expected a finite"),
        (lambda: MatrixProximity({(1, 2): "3"}), r"distances\[\(1, 2\)\]: expected a finite"),
        (lambda: ConstantProximity(math.nan), "value: expected a finite number >= 0"),
        (lambda: ConstantProximity(True), "value: expected a finite number >= 0"),
    ],
)
def test_proximity_tables_are_checked_when_built(make: Callable[[], object], needle: str) -> None:
    with pytest.raises(BadInput, match=needle):
        make()
    assert MatrixProximity({(1, 2): 10**400})(2, 1) == 10**400  # a huge int is finite
