"""ITF (the Informal Trace Format of Apalache and Quint): export, import and replay of traces.

Owns: the value encoding and the trace document. Encoding: booleans and strings as JSON; integers
as JSON numbers when |n| < 2^53, else ``{"#bigint": "n"}``; tuples ``{"#tup": [...]}``; sets
``{"#set": [...]}`` and mappings ``{"#map": [[k, v], ...]}`` (both sorted, so equal values encode
equally); attrs instances as variants ``{"tag": ClassName, "value": {field: ...}}``; enum members
(tag: the member's name) and ``None`` (tag ``Nil``: itf-py cannot read a tag that is a Python
keyword) as variants whose value is the empty record; lists as JSON arrays; anything else
``{"#unserializable": repr}``. A document has ``#meta`` (format, source, property, generator),
``params`` (empty), ``vars`` (the model's ``state_vars`` plus ``mbt::actionTaken``), ``states``
(each with ``#meta`` holding its index, the action name and the encoded action) and, for a lasso,
``loop``: the index of the state the last state equals, so the steps after it repeat forever.
Replay re-runs the recorded actions on a model and confirms each state, without trusting the file.
"""

from __future__ import annotations

import enum
import json
from collections.abc import Mapping
from pathlib import Path
from typing import Any

import attrs

from model_check.model import Model, ModelCheckError
from model_check.result import Trace

__all__ = [
    "ACTION_TAKEN",
    "ItfError",
    "ReplayResult",
    "canonical_itf",
    "load_itf",
    "replay_itf",
    "to_itf",
    "trace_to_itf",
    "write_itf",
]

ACTION_TAKEN = "mbt::actionTaken"
INIT_ACTION = "init"
FORMAT_DESCRIPTION = "https://apalache-mc.org/docs/adr/015adr-trace.html"
_SAFE_INT = 2**53


class ItfError(ModelCheckError, ValueError):
    """An ITF file that cannot be read or does not have the expected form."""


def _sort_key(encoded: Any) -> str:
    return json.dumps(encoded, sort_keys=True)


def to_itf(value: Any) -> Any:
    """The ITF (JSON-ready) encoding of a value."""
    if isinstance(value, bool | str):
        return value
    if isinstance(value, int):
        return value if -_SAFE_INT < value < _SAFE_INT else {"#bigint": str(value)}
    if value is None:
        return {"tag": "Nil", "value": {}}
    fields = getattr(type(value), "__attrs_attrs__", None)
    if fields is not None:
        record = {f.name: to_itf(getattr(value, f.name)) for f in fields}
        return {"tag": type(value).__name__, "value": record}
    if isinstance(value, enum.Enum):
        return {"tag": value.name, "value": {}}
    if isinstance(value, tuple):
        if hasattr(value, "_fields"):
            return {k: to_itf(v) for k, v in zip(value._fields, value, strict=True)}
        return {"#tup": [to_itf(v) for v in value]}
    if isinstance(value, list):
        return [to_itf(v) for v in value]
    if isinstance(value, frozenset | set):
        return {"#set": sorted((to_itf(v) for v in value), key=_sort_key)}
    if isinstance(value, Mapping):
        pairs = [[to_itf(k), to_itf(v)] for k, v in value.items()]
        return {"#map": sorted(pairs, key=_sort_key)}
    return {"#unserializable": repr(value)}


def canonical_itf(encoded: Any) -> Any:
    """A normal form of an ITF value for comparison: every integer as ``#bigint``, set elements
    and map entries sorted. Two files that describe the same value have equal normal forms."""
    if isinstance(encoded, bool | str) or encoded is None:
        return encoded
    if isinstance(encoded, int):
        return {"#bigint": str(encoded)}
    if isinstance(encoded, list):
        return [canonical_itf(v) for v in encoded]
    if isinstance(encoded, dict):
        if "#bigint" in encoded:
            return {"#bigint": str(int(encoded["#bigint"]))}
        if "#set" in encoded:
            return {"#set": sorted((canonical_itf(v) for v in encoded["#set"]), key=_sort_key)}
        if "#map" in encoded:
            pairs = [[canonical_itf(k), canonical_itf(v)] for k, v in encoded["#map"]]
            return {"#map": sorted(pairs, key=_sort_key)}
        return {k: canonical_itf(v) for k, v in encoded.items()}
    return encoded


def _state_json(model: Model[Any, Any], state: Any, index: int, action: Any) -> dict[str, Any]:
    meta: dict[str, Any] = {"index": index}
    if action is None:
        meta["action"] = INIT_ACTION
        name = INIT_ACTION
    else:
        name = model.action_name(action)
        meta["action"] = name
        meta["action_value"] = to_itf(action)
    out: dict[str, Any] = {"#meta": meta}
    for var, value in model.state_vars(state).items():
        out[var] = to_itf(value)
    out[ACTION_TAKEN] = name
    return out


def trace_to_itf(
    model: Model[Any, Any],
    trace: Trace,
    *,
    source: str = "",
    property_name: str = "",
    description: str = "",
) -> dict[str, Any]:
    """The ITF document of a trace."""
    states = [_state_json(model, trace.initial, 0, None)]
    for n, step in enumerate(trace.steps, start=1):
        states.append(_state_json(model, step.state, n, step.action))
    meta: dict[str, Any] = {
        "format": "ITF",
        "format-description": FORMAT_DESCRIPTION,
        "source": source,
        "description": description or f"counterexample to {property_name}",
        "generator": "model_check",
    }
    if property_name:
        meta["property"] = property_name
    if trace.critical is not None:
        meta["critical_step"] = trace.critical
    doc: dict[str, Any] = {
        "#meta": meta,
        "params": [],
        "vars": [*model.state_vars(trace.initial), ACTION_TAKEN],
        "states": states,
    }
    if trace.loop is not None:
        doc["loop"] = trace.loop
    return doc


def write_itf(path: str | Path, doc: Mapping[str, Any]) -> None:
    Path(path).write_text(json.dumps(doc, indent=1) + "\n", encoding="utf-8")


def load_itf(path: str | Path) -> dict[str, Any]:
    """Read and validate an ITF file; every problem is an ``ItfError`` naming the file."""
    try:
        text = Path(path).read_text(encoding="utf-8")
    except (OSError, UnicodeDecodeError) as e:
        raise ItfError(f"{path}: cannot read the ITF file ({e.__class__.__name__}: {e})") from e
    try:
        doc = json.loads(text)
    except json.JSONDecodeError as e:
        raise ItfError(
            f"{path}: line {e.lineno}: not JSON ({e.msg}); expected an ITF trace object"
        ) from e
    if not isinstance(doc, dict):
        raise ItfError(f"{path}: expected a JSON object with 'vars' and 'states'")
    vars_ = doc.get("vars")
    if not isinstance(vars_, list) or not all(isinstance(v, str) for v in vars_):
        raise ItfError(f"{path}: field 'vars': expected a list of variable names")
    states = doc.get("states")
    if not isinstance(states, list) or not states:
        raise ItfError(f"{path}: field 'states': expected a non-empty list of states")
    for i, s in enumerate(states):
        if not isinstance(s, dict):
            raise ItfError(f"{path}: states[{i}]: expected an object mapping vars to values")
        missing = [v for v in vars_ if v not in s]
        if missing:
            raise ItfError(f"{path}: states[{i}]: variable {missing[0]!r} is missing")
        for v in vars_:
            try:
                canonical_itf(s[v])
            except (TypeError, ValueError, AttributeError) as e:
                raise ItfError(
                    f"{path}: states[{i}].{v}: malformed ITF value ({e}); expected JSON or "
                    "#bigint, #tup, #set, #map forms"
                ) from e
    loop = doc.get("loop")
    if loop is not None and (
        not isinstance(loop, int) or isinstance(loop, bool) or not 0 <= loop < len(states)
    ):
        raise ItfError(f"{path}: field 'loop': expected a state index in 0..{len(states) - 1}")
    return doc


@attrs.frozen(slots=True)
class ReplayResult:
    """``ok`` if every recorded state was reached; otherwise ``message`` names the first step
    that could not be reproduced. ``steps`` counts the steps reproduced."""

    ok: bool
    steps: int
    message: str


def _model_vars(doc: Mapping[str, Any]) -> list[str]:
    return [v for v in doc["vars"] if not v.startswith("mbt::")]


def _encoded(model: Model[Any, Any], state: Any, names: list[str]) -> dict[str, Any] | None:
    enc = {k: canonical_itf(to_itf(v)) for k, v in model.state_vars(state).items()}
    if sorted(enc) != sorted(names):
        return None
    return enc


def replay_itf(model: Model[Any, Any], doc: Mapping[str, Any]) -> ReplayResult:
    """Re-run the trace's actions on ``model`` and confirm it reaches the recorded states.

    The first state must equal an initial state. Each later state is reached by an enabled action
    whose name is the recorded ``mbt::actionTaken`` (or ``#meta.action``) and, when the file
    records the encoded action, whose encoding matches too; among those, the one whose successor
    equals the recorded state. A lasso's last state must equal the state at ``loop``. A trace
    whose variables are not the model's raises ``ItfError``."""
    names = _model_vars(doc)
    inits = list(model.init_states())
    if inits:
        have = [v for v in model.state_vars(inits[0]) if not v.startswith("mbt::")]
        if sorted(have) != sorted(names):
            raise ItfError(
                f"the trace's variables {sorted(names)} are not the model's {sorted(have)}"
            )
    recorded = [{k: canonical_itf(s[k]) for k in names} for s in doc["states"]]
    candidates = [s for s in inits if _encoded(model, s, names) == recorded[0]]
    if not candidates:
        return ReplayResult(False, 0, "state 0 is not an initial state of the model")
    state = candidates[0]
    for n, raw in enumerate(doc["states"][1:], start=1):
        meta = raw.get("#meta") if isinstance(raw.get("#meta"), dict) else {}
        name = raw.get(ACTION_TAKEN, meta.get("action"))
        value = meta.get("action_value")
        nxt = None
        for action in model.actions(state):
            if name is not None and model.action_name(action) != name:
                continue
            if value is not None and canonical_itf(to_itf(action)) != canonical_itf(value):
                continue
            succ = model.next_state(state, action)
            if _encoded(model, succ, names) == recorded[n]:
                nxt = succ
                break
        if nxt is None:
            what = f"action {name!r}" if name is not None else "any action"
            return ReplayResult(
                False, n - 1, f"step {n}: no enabled {what} reaches the recorded state {n}"
            )
        state = nxt
    loop = doc.get("loop")
    if loop is not None and recorded[loop] != recorded[-1]:
        return ReplayResult(
            False,
            len(recorded) - 1,
            f"loop: the last state does not equal state {loop}, so the lasso does not close",
        )
    return ReplayResult(True, len(recorded) - 1, f"replayed {len(recorded) - 1} step(s)")
