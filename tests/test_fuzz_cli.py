"""Fuzzing ``pastry-ref check`` with mutated scenario and ITF files (Hypothesis, in-process).

Examples: 300 mutated scenario files and 200 mutated ITF files (fixed ``max_examples``, whatever
the Hypothesis profile; ``deadline=None``). Scenario files start from the shipped ones; ITF
files from the counterexample ``pastry-ref check join/one-into-one/paper --itf`` writes. The
mutations: a value replaced by a random value of any TOML / JSON type (huge, negative, NaN,
bools, strings, lists, tables, ITF forms), a key deleted, a key added, nesting thousands deep, an
integer of thousands of digits, the bytes truncated, random bytes inserted or overwritten.

What is asserted, precisely:
- no exception escapes ``main`` and "Traceback" never appears;
- exit code 2 exactly when the loader refuses the file (``load_scenario_file`` raises
  ``ScenarioFileError``; ``load_itf`` or ``replay_itf`` raises ``ItfError``), and then stderr is
  one error line (besides ``note:`` lines) that names the file and a line or a field;
- otherwise the file was valid after all: a scenario runs (``--max-states 60 --max-seconds 5``)
  and exits 0, 1 or 3; a trace replays and exits 0 when the replay reproduces every state, 1
  when it does not.
"""

from __future__ import annotations

import json
import math
import re
import tomllib
import warnings
from pathlib import Path
from typing import Any

import pytest
from hypothesis import HealthCheck, event, given, settings
from hypothesis import strategies as st

from model_check import ItfError, load_itf, replay_itf
from model_check.registry import load_providers, resolve
from pastry_ref.check.scenario_file import ScenarioFileError, load_scenario_file
from pastry_ref.cli.main import main
from pastry_ref.errors import InputNote

SCENARIO_EXAMPLES = 300
ITF_EXAMPLES = 200
MAX_STATES = "60"
ITF_SCENARIO = "join/one-into-one/paper"
# Read from the folder, not through pastry_ref.check.scenarios: importing that registers every
# shipped scenario while the tests are collected, and the engine's tests parametrize over the
# registry.
SCENARIO_DIR = Path(__file__).resolve().parents[1] / "pastry_ref" / "check" / "scenarios"
SHIPPED = {p.name: p.read_text(encoding="utf-8") for p in sorted(SCENARIO_DIR.glob("*.toml"))}
PROPERTY_NAMES = ["LSetInv", "Consistency", "CorrectDelivery", "Converged", "AllReady"]
KEYS = [
    "name", "description", "space", "bits", "b", "leaf_set_size", "leaf_set", "neighborhood",
    "protocol", "join", "timers", "hop_acks", "probe_retry", "initial", "ready", "environment",
    "joins", "lookups", "crashes", "leaves", "periodic", "network", "model", "drops",
    "duplicates", "check", "properties", "expect", "distinct_states", "vars", "states", "loop",
    "#meta", "#bigint", "#set", "#tup", "#map", "tag", "value", "mbt::actionTaken",
]  # fmt: skip
FUZZ = settings(
    max_examples=SCENARIO_EXAMPLES,
    deadline=None,
    suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow],
    database=None,
)

# After "FILE: ", an error names a line or a field.
SCENARIO_LOCATION = re.compile(
    r"line \d+|\(at line \d+, column \d+\)|\(at end of document\)|^\[\w+\]"
    r"|^(name|description|app|space|protocol|initial|environment|network|check)\b"
    r"|^unknown key|^missing the \["
)
ITF_LOCATION = re.compile(r"^line \d+|^field '|^states\[\d+\]|^the top level")


class Deep:
    """Nesting written as text (a value thousands deep would overflow any recursive writer)."""

    def __init__(self, depth: int, table: bool) -> None:
        self.depth, self.table = depth, table

    def toml(self) -> str:
        if self.table:
            return "{a = " * self.depth + "1" + "}" * self.depth
        return "[" * self.depth + "]" * self.depth

    def json(self) -> str:
        return "[" * self.depth + "]" * self.depth


def scalars() -> st.SearchStrategy[Any]:
    return st.one_of(
        st.integers(-(2**70), 2**70),
        st.sampled_from([0, 1, 2, -1, 8, 17, 255, 256, 2**128, 2**160, 2**200, -(2**63)]),
        st.floats(allow_nan=True, allow_infinity=True),
        st.booleans(),
        st.text(max_size=8),
        st.sampled_from(["", "paper", "consistent", "pass", "violated", "quiet", "any", "lossy"]),
        st.sampled_from(PROPERTY_NAMES),
    )


def values() -> st.SearchStrategy[Any]:
    return st.recursive(
        scalars(),
        lambda inner: st.one_of(
            st.lists(inner, max_size=4),
            st.dictionaries(st.sampled_from(KEYS) | st.text(max_size=5), inner, max_size=3),
        ),
        max_leaves=8,
    ) | st.builds(Deep, st.integers(50, 3000), st.booleans())


def toml_key(k: str) -> str:
    return k if re.fullmatch(r"[A-Za-z0-9_-]+", k) else json.dumps(k)


def toml_value(v: Any) -> str:
    if isinstance(v, Deep):
        return v.toml()
    if isinstance(v, bool):
        return "true" if v else "false"
    if isinstance(v, int):
        return str(v)
    if isinstance(v, float):
        return (
            "nan" if math.isnan(v) else ("inf" if v > 0 else "-inf") if math.isinf(v) else repr(v)
        )
    if isinstance(v, str):
        return json.dumps(v)
    if isinstance(v, list):
        return "[" + ", ".join(toml_value(x) for x in v) + "]"
    if isinstance(v, dict):
        return "{" + ", ".join(f"{toml_key(k)} = {toml_value(x)}" for k, x in v.items()) + "}"
    raise AssertionError(v)


def toml_document(doc: dict[str, Any]) -> str:
    lines = [f"{toml_key(k)} = {toml_value(v)}" for k, v in doc.items() if not isinstance(v, dict)]
    for k, v in doc.items():
        if isinstance(v, dict):
            lines.append(f"[{toml_key(k)}]")
            lines += [f"{toml_key(kk)} = {toml_value(vv)}" for kk, vv in v.items()]
    return "\n".join(lines) + "\n"


def json_document(doc: Any) -> str:
    deep: list[Deep] = []

    def encode(v: Any) -> Any:
        if isinstance(v, Deep):
            deep.append(v)
            return f"__deep{len(deep) - 1}__"
        if isinstance(v, list):
            return [encode(x) for x in v]
        if isinstance(v, dict):
            return {k: encode(x) for k, x in v.items()}
        return v

    text = json.dumps(encode(doc))
    for i, d in enumerate(deep):
        text = text.replace(json.dumps(f"__deep{i}__"), d.json(), 1)
    return text


def pick_container(data: st.DataObject, doc: Any) -> tuple[Any, Any]:
    """A (container, key-or-index) somewhere in ``doc``, reached by a random walk."""
    node, key = doc, None
    while True:
        children = list(node) if isinstance(node, dict) else list(range(len(node)))
        if not children:
            return node, key
        key = data.draw(st.sampled_from(children))
        child = node[key]
        if not isinstance(child, dict | list) or not child:
            return node, key
        if data.draw(st.integers(0, 3), label="go deeper") == 0:
            return node, key
        node = child


def mutate_structure(data: st.DataObject, doc: Any) -> None:
    for _ in range(data.draw(st.integers(1, 3), label="structural mutations")):
        node, key = pick_container(data, doc)
        op = data.draw(st.sampled_from(["set", "delete", "add"]), label="op")
        if key is None or (op == "add" and isinstance(node, list)):
            op = "add"
        if op == "set":
            node[key] = data.draw(values(), label="value")
        elif op == "delete":
            del node[key]
        elif isinstance(node, dict):
            name = data.draw(st.sampled_from(KEYS) | st.text(max_size=6), label="new key")
            node[name] = data.draw(values(), label="value")
        else:
            node.append(data.draw(values(), label="value"))


def mutate_bytes(data: st.DataObject, raw: bytes) -> bytes:
    op = data.draw(st.sampled_from(["none", "truncate", "insert", "overwrite", "long int"]))
    if op == "none" or not raw:
        return raw
    at = data.draw(st.integers(0, len(raw) - 1), label="position")
    if op == "truncate":
        return raw[:at]
    if op == "long int":
        return raw[:at] + b"9" * data.draw(st.integers(4301, 6000)) + raw[at:]
    junk = data.draw(st.binary(min_size=1, max_size=8), label="bytes")
    end = at if op == "insert" else at + len(junk)
    return raw[:at] + junk + raw[end:]


def stderr_lines(err: str) -> tuple[list[str], list[str]]:
    """(the error and other lines, the note lines) of stderr."""
    lines = [ln for ln in err.splitlines() if ln.strip()]
    notes = [ln for ln in lines if ln.startswith("pastry-ref: note: ")]
    return [ln for ln in lines if ln not in notes], notes


def assert_one_error_naming(err: str, path: Path, location: re.Pattern[str]) -> None:
    others, _ = stderr_lines(err)
    assert len(others) == 1, err
    line = others[0]
    prefix = f"pastry-ref check: error: {path}: "
    assert line.startswith(prefix), line
    assert location.search(line[len(prefix) :]), line


@FUZZ
@given(data=st.data())
def test_mutated_scenario_files_exit_2_with_one_line_or_run(
    data: st.DataObject, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    name = data.draw(st.sampled_from(sorted(SHIPPED)), label="shipped file")
    text = SHIPPED[name]
    if data.draw(st.booleans(), label="mutate the structure"):
        doc = tomllib.loads(text)
        mutate_structure(data, doc)
        text = toml_document(doc)
    raw = mutate_bytes(data, text.encode("utf-8"))
    path = tmp_path / "fuzz.toml"
    path.write_bytes(raw)
    try:
        with warnings.catch_warnings():
            warnings.simplefilter("ignore", InputNote)
            load_scenario_file(path)
        valid = True
    except ScenarioFileError:
        valid = False
    capsys.readouterr()
    code = main(["check", str(path), "--max-states", MAX_STATES, "--max-seconds", "5"])
    out, err = capsys.readouterr()
    event(f"exit {code}")
    assert "Traceback" not in err + out
    if not valid:
        assert code == 2, (code, err)
        assert_one_error_naming(err, path, SCENARIO_LOCATION)
    else:
        assert code in (0, 1, 3), (code, err)
        others, _ = stderr_lines(err)
        assert all(re.search(r": [\d,]+ distinct, ", ln) for ln in others), err  # progress


@pytest.fixture(scope="module")
def itf_seed(tmp_path_factory: pytest.TempPathFactory) -> dict[str, Any]:
    load_providers()  # registers ITF_SCENARIO, for resolve()
    path = tmp_path_factory.mktemp("itf") / "paper.itf.json"
    assert main(["check", ITF_SCENARIO, "--itf", str(path)]) == 1
    doc: dict[str, Any] = json.loads(path.read_text(encoding="utf-8"))
    return doc


@settings(FUZZ, max_examples=ITF_EXAMPLES)
@given(data=st.data())
def test_mutated_itf_files_exit_2_with_one_line_or_replay(
    data: st.DataObject,
    tmp_path: Path,
    capsys: pytest.CaptureFixture[str],
    itf_seed: dict[str, Any],
) -> None:
    doc = json.loads(json.dumps(itf_seed))
    if data.draw(st.booleans(), label="mutate the structure"):
        mutate_structure(data, doc)
    raw = mutate_bytes(data, json_document(doc).encode("utf-8"))
    path = tmp_path / "fuzz.itf.json"
    path.write_bytes(raw)
    try:
        expected = 0 if replay_itf(resolve(ITF_SCENARIO)[0].model(), load_itf(path)).ok else 1
    except ItfError:
        expected = 2
    capsys.readouterr()
    code = main(["check", ITF_SCENARIO, "--replay", str(path)])
    out, err = capsys.readouterr()
    event(f"exit {code}")
    assert "Traceback" not in err + out
    assert code == expected, (code, expected, err, out)
    if code == 2:
        assert out == ""
        assert_one_error_naming(err, path, ITF_LOCATION)
    else:
        assert err == "" and out.startswith(f"replay {path} on {ITF_SCENARIO}: ")
