"""ITF export, reading back with itf-py, import validation and replay."""

from __future__ import annotations

import enum
import json
from pathlib import Path

import attrs
import itf_py
import pytest

from model_check import ItfError, check, load_itf, replay_itf, to_itf, trace_to_itf, write_itf
from model_check.examples import BrokenMutex, LossyRetransmit, LostUpdate, TwoPhaseCommit
from model_check.itf import ACTION_TAKEN, canonical_itf


class Colour(enum.Enum):
    RED = 1


@attrs.frozen(slots=True)
class Rec:
    a: int
    b: tuple[int, str]


def test_value_encoding() -> None:
    assert to_itf(5) == 5
    assert to_itf(2**64) == {"#bigint": str(2**64)}
    assert to_itf(-(2**60)) == {"#bigint": str(-(2**60))}
    assert to_itf(True) is True
    assert to_itf((1, "x")) == {"#tup": [1, "x"]}
    assert to_itf(frozenset({3, 1, 2})) == {"#set": [1, 2, 3]}
    assert to_itf({"b": 1, "a": 2}) == {"#map": [["a", 2], ["b", 1]]}
    assert to_itf(Rec(1, (2, "y"))) == {
        "tag": "Rec",
        "value": {"a": 1, "b": {"#tup": [2, "y"]}},
    }
    assert to_itf(Colour.RED) == {"tag": "RED", "value": {}}
    assert to_itf(None) == {"tag": "Nil", "value": {}}
    assert to_itf(object())["#unserializable"].startswith("<object")


def test_itf_py_reads_our_values_back() -> None:
    value = (frozenset({1, 2}), {"k": 2**70}, Rec(3, (4, "z")), None, [1, 2])
    back = itf_py.value_from_json(json.loads(json.dumps(to_itf(value))))
    assert back[0] == frozenset({1, 2})
    assert back[1]["k"] == 2**70
    assert back[2].a == 3 and back[2].b == (4, "z")
    assert list(back[4]) == [1, 2]


def test_canonical_form_ignores_order_and_integer_spelling() -> None:
    a = {"#set": [{"#bigint": "2"}, 1]}
    b = {"#set": [1, 2]}
    assert canonical_itf(a) == canonical_itf(b)
    assert canonical_itf({"#map": [[2, "x"], [1, "y"]]}) == canonical_itf(
        {"#map": [[1, "y"], [{"#bigint": "2"}, "x"]]}
    )


MODELS = [BrokenMutex, LostUpdate, LossyRetransmit]


@pytest.mark.parametrize("make", MODELS, ids=lambda m: m.__name__)
def test_round_trip_through_a_file_and_itf_py(make: type, tmp_path: Path) -> None:
    model = make()
    result = check(model)
    bad = result.first_counterexample()
    assert bad is not None and bad.trace is not None
    path = tmp_path / "trace.itf.json"
    write_itf(path, trace_to_itf(model, bad.trace, source="test", property_name=bad.name))
    doc = load_itf(path)
    trace = itf_py.trace_from_json(json.loads(path.read_text()))
    assert len(trace.states) == len(bad.trace) + 1
    assert trace.vars[-1] == ACTION_TAKEN
    assert [s.values[ACTION_TAKEN] for s in trace.states] == [
        "init",
        *(s.action_name for s in bad.trace.steps),
    ]
    assert trace.meta["property"] == bad.name
    assert trace.loop == bad.trace.loop
    replay = replay_itf(make(), doc)
    assert replay.ok, replay.message
    assert replay.steps == len(bad.trace)


def test_a_witness_trace_replays_too() -> None:
    model = TwoPhaseCommit(3)
    witness = check(model).result("SomeCommit").trace
    assert witness is not None
    assert replay_itf(model, json.loads(json.dumps(trace_to_itf(model, witness)))).ok


def _mutex_doc() -> dict[str, object]:
    model = BrokenMutex(2)
    trace = check(model).result("MutualExclusion").trace
    assert trace is not None
    return json.loads(json.dumps(trace_to_itf(model, trace)))


def test_replay_reports_the_first_step_that_does_not_match() -> None:
    doc = _mutex_doc()
    states = doc["states"]
    assert isinstance(states, list)
    states[3]["pc"] = {"#tup": ["critical", "critical"]}
    result = replay_itf(BrokenMutex(2), doc)
    assert not result.ok
    assert result.steps == 2
    assert result.message.startswith("step 3:")


def test_replay_without_action_values_matches_by_name_and_state() -> None:
    doc = _mutex_doc()
    for s in doc["states"]:  # type: ignore[attr-defined]
        s["#meta"].pop("action_value", None)
    assert replay_itf(BrokenMutex(2), doc).ok
    for s in doc["states"]:  # type: ignore[attr-defined]
        if s[ACTION_TAKEN] == "Enter":
            s[ACTION_TAKEN] = "Exit"
    bad = replay_itf(BrokenMutex(2), doc)
    assert not bad.ok and "no enabled action 'Exit'" in bad.message


def test_replay_rejects_a_trace_of_another_model() -> None:
    with pytest.raises(ItfError, match="are not the model's"):
        replay_itf(LostUpdate(2), _mutex_doc())


def test_replay_checks_that_a_lasso_closes() -> None:
    model = LossyRetransmit()
    trace = check(model).result("Delivered/no-cycle").trace
    assert trace is not None
    doc = json.loads(json.dumps(trace_to_itf(model, trace)))
    assert doc["loop"] == 0
    assert replay_itf(model, doc).ok
    doc["loop"] = 1
    result = replay_itf(model, doc)
    assert not result.ok and "does not close" in result.message


@pytest.mark.parametrize(
    ("text", "message"),
    [
        ("{not json", "line 1: not JSON"),
        ("[1, 2]", "expected a JSON object"),
        ('{"states": []}', "field 'vars'"),
        ('{"vars": ["x"], "states": []}', "field 'states'"),
        ('{"vars": ["x"], "states": [5]}', r"states\[0\]: expected an object"),
        ('{"vars": ["x"], "states": [{"y": 1}]}', r"states\[0\]: variable 'x' is missing"),
        (
            '{"vars": ["x"], "states": [{"x": {"#bigint": "ten"}}]}',
            r"states\[0\]\.x\.#bigint: malformed",
        ),
        (
            '{"vars": ["x"], "states": [{"x": {"#map": [[1]]}}]}',
            r"states\[0\]\.x\.#map\[0\]: malformed",
        ),
        ('{"vars": ["x"], "states": [{"x": 1}], "loop": 4}', "field 'loop'"),
    ],
)
def test_malformed_files_are_refused_with_a_clear_message(
    text: str, message: str, tmp_path: Path
) -> None:
    path = tmp_path / "bad.itf.json"
    path.write_text(text)
    with pytest.raises(ItfError, match=message) as info:
        load_itf(path)
    assert str(path) in str(info.value)


def test_missing_and_undecodable_files(tmp_path: Path) -> None:
    with pytest.raises(ItfError, match="cannot read"):
        load_itf(tmp_path / "absent.json")
    path = tmp_path / "binary.json"
    path.write_bytes(b"\xff\xfe\x00")
    with pytest.raises(ItfError, match="line 1: not UTF-8 text"):
        load_itf(path)
