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
Rule: ``load_itf`` is the boundary. It refuses, with an ``ItfError`` naming the file and the JSON
path or line, anything but a regular file of at most ``MAX_ITF_BYTES`` holding those forms, at
most ``MAX_ITF_DEPTH`` deep; what it returns is safe to replay.
"""

from __future__ import annotations

import enum
import json
import os
import re
import stat
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
MAX_ITF_BYTES = 64 * 2**20  # a bigger file is refused unread
MAX_ITF_DEPTH = 100  # nesting of arrays and objects in one value (our traces use ~15)
MAX_BIGINT_DIGITS = 4300  # Python's own limit for converting digits to an int


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


def _kind(mode: int) -> str:
    for test, name in (
        (stat.S_ISDIR, "directory"),
        (stat.S_ISFIFO, "FIFO"),
        (stat.S_ISCHR, "character device"),
        (stat.S_ISBLK, "block device"),
        (stat.S_ISSOCK, "socket"),
    ):
        if test(mode):
            return name
    return "special file"


def _read_regular_file(path: str | Path, what: str, limit: int) -> bytes:
    """The bytes of ``path`` if it is a regular file of at most ``limit`` bytes. A FIFO, a
    directory or a device is refused before it is opened (so nothing blocks); every problem is
    a ``ValueError`` (an ``ItfError``) whose message names the file and says what was expected."""
    if not isinstance(path, str | os.PathLike):
        raise ItfError(f"{what}: expected a file name, got {_show(path)}")
    try:
        info = os.stat(path)
        if not stat.S_ISREG(info.st_mode):
            raise ItfError(f"{path}: is a {_kind(info.st_mode)}; expected a regular {what}")
        if info.st_size > limit:
            raise ItfError(
                f"{path}: {info.st_size:,} bytes; an ITF file is at most {limit:,} bytes"
            )
        # O_NONBLOCK: should the file have been swapped for a FIFO since the stat, the open
        # does not wait for a writer and the fstat below refuses it.
        fd = os.open(path, os.O_RDONLY | getattr(os, "O_NONBLOCK", 0))
        with os.fdopen(fd, "rb") as f:
            if not stat.S_ISREG(os.fstat(f.fileno()).st_mode):
                raise ItfError(f"{path}: not a regular file; expected a regular {what}")
            data = f.read(limit + 1)
    except OSError as e:
        raise ItfError(f"{path}: cannot read the {what} ({e.strerror or e})") from None
    except ValueError as e:  # e.g. an embedded NUL byte in the name
        if isinstance(e, ItfError):
            raise
        raise ItfError(f"{_show(str(path))}: cannot read the {what} ({e})") from None
    if len(data) > limit:
        raise ItfError(f"{path}: more than {limit:,} bytes; an ITF file is at most {limit:,} bytes")
    return data


def _show(value: object, limit: int = 40) -> str:
    """A value for a message: short, one line, and never an error itself (Python refuses to
    print an int of more than 4300 digits)."""
    if isinstance(value, int) and value.bit_length() > 128:
        return f"an integer of {value.bit_length()} bits"
    try:
        text = repr(value)
    except (ValueError, RecursionError):
        return f"a {type(value).__name__}"
    return text if len(text) <= limit else text[: limit - 3] + "..."


def load_itf(path: str | Path) -> dict[str, Any]:
    """Read and validate an ITF file; every problem is an ``ItfError`` naming the file and the
    JSON path of the bad value (``states[3].nodes.#set[0]``) or the line.

    Refused: a file that is not regular (checked before opening: a FIFO never blocks), more
    than ``MAX_ITF_BYTES``, not UTF-8, not JSON, nesting deeper than ``MAX_ITF_DEPTH`` (or than
    the parser's stack), an integer of more than ``MAX_BIGINT_DIGITS`` digits, and every value
    that is not of the forms ``to_itf`` writes (a float, NaN or null among them)."""
    data = _read_regular_file(path, "ITF file", MAX_ITF_BYTES)
    try:
        text = data.decode("utf-8")
    except UnicodeDecodeError as e:
        line = data[: e.start].count(b"\n") + 1
        raise ItfError(f"{path}: line {line}: not UTF-8 text (byte {e.start})") from None
    try:
        doc = json.loads(text)
    except json.JSONDecodeError as e:
        raise ItfError(
            f"{path}: line {e.lineno}: not JSON ({e.msg}); expected an ITF trace object"
        ) from None
    except RecursionError:
        raise ItfError(
            f"{path}: line {_deepest_line(text)}: nesting too deep for JSON; an ITF value "
            f"nests at most {MAX_ITF_DEPTH} levels"
        ) from None
    except MemoryError:
        raise ItfError(f"{path}: too large to parse; expected an ITF trace object") from None
    except ValueError:  # Python's limit on the digits of an integer literal
        line = _long_int_line(text)
        raise ItfError(
            f"{path}: line {line}: an integer literal of more than {MAX_BIGINT_DIGITS:,} digits"
        ) from None
    try:
        _check_doc(doc)
    except _Bad as e:
        raise ItfError(f"{path}: {e}") from None
    assert isinstance(doc, dict)
    return doc


# Only for messages about a file that failed to parse: strings blanked (line breaks kept).
_JSON_STRING = re.compile(r'"(?:[^"\\\n]|\\.)*"')


def _deepest_line(text: str) -> int:
    """The line on which JSON arrays and objects nest deepest."""
    depth = best = 0
    line = best_line = 1
    for m in re.finditer(r"[\[\]{}\n]", _JSON_STRING.sub('""', text)):
        c = m.group()
        if c == "\n":
            line += 1
        elif c in "[{":
            depth += 1
            if depth > best:
                best, best_line = depth, line
        else:
            depth -= 1
    return best_line


def _long_int_line(text: str) -> int:
    """The line of the first integer literal of more than ``MAX_BIGINT_DIGITS`` digits."""
    blank = _JSON_STRING.sub('""', text)
    m = re.search(rf"\d{{{MAX_BIGINT_DIGITS + 1},}}", blank)
    return blank.count("\n", 0, m.start()) + 1 if m else 1


class _Bad(Exception):
    """A shape problem at a JSON path (the caller adds the file name)."""


def _check_doc(doc: object) -> None:
    if not isinstance(doc, dict):
        raise _Bad(
            f"the top level: expected a JSON object with 'vars' and 'states', got {_json_type(doc)}"
        )
    meta = doc.get("#meta", {})
    if not isinstance(meta, dict):
        raise _Bad(f"field '#meta': expected an object, got {_json_type(meta)}")
    vars_ = doc.get("vars")
    if not isinstance(vars_, list) or not all(isinstance(v, str) for v in vars_):
        raise _Bad("field 'vars': expected a list of variable names")
    if len(set(vars_)) != len(vars_):
        raise _Bad("field 'vars': expected distinct variable names")
    states = doc.get("states")
    if not isinstance(states, list) or not states:
        raise _Bad("field 'states': expected a non-empty list of states")
    for i, s in enumerate(states):
        where = f"states[{i}]"
        if not isinstance(s, dict):
            raise _Bad(f"{where}: expected an object mapping vars to values")
        missing = [v for v in vars_ if v not in s]
        if missing:
            raise _Bad(f"{where}: variable {missing[0]!r} is missing")
        for v in vars_:
            if v == ACTION_TAKEN:
                continue
            _check_value(s[v], f"{where}.{v}", 1)
        taken = s.get(ACTION_TAKEN)
        if taken is not None and not isinstance(taken, str):
            raise _Bad(f"{where}.{ACTION_TAKEN}: expected an action name (a string)")
        smeta = s.get("#meta", {})
        if not isinstance(smeta, dict):
            raise _Bad(f"{where}.#meta: expected an object, got {_json_type(smeta)}")
        action = smeta.get("action")
        if action is not None and not isinstance(action, str):
            raise _Bad(f"{where}.#meta.action: expected an action name (a string)")
        if "action_value" in smeta:
            _check_value(smeta["action_value"], f"{where}.#meta.action_value", 1)
    loop = doc.get("loop")
    if loop is not None and (
        not isinstance(loop, int) or isinstance(loop, bool) or not 0 <= loop < len(states)
    ):
        raise _Bad(f"field 'loop': expected a state index in 0..{len(states) - 1}")


def _json_type(v: object) -> str:
    """What a JSON value is, with its article: "an array", "a string"."""
    if v is None:
        return "a null"
    for t, name in (
        (bool, "a boolean"),
        (int, "an integer"),
        (float, "a number"),
        (str, "a string"),
        (list, "an array"),
        (dict, "an object"),
    ):
        if isinstance(v, t):
            return name
    return f"a {type(v).__name__}"


_FORMS = (
    "JSON booleans, strings, integers and arrays, records, #bigint, #tup, #set, #map or variants"
)


def _check_value(v: object, where: str, depth: int) -> None:
    """``v`` is an ITF value of the forms ``to_itf`` writes (and foreign tools write)."""
    if depth > MAX_ITF_DEPTH:
        short = where if len(where) <= 60 else where[:57] + "..."
        raise _Bad(f"{short}: nesting too deep; an ITF value nests at most {MAX_ITF_DEPTH} levels")
    if isinstance(v, bool | str | int):
        return
    if isinstance(v, list):
        for i, x in enumerate(v):
            _check_value(x, f"{where}[{i}]", depth + 1)
        return
    if not isinstance(v, dict):
        raise _Bad(f"{where}: malformed ITF value: {_json_type(v)}; expected {_FORMS}")
    special = [k for k in v if k.startswith("#")]
    if special:
        form = special[0]
        if len(v) != 1:
            raise _Bad(f"{where}: malformed ITF value: {form} takes an object with no other key")
        body = v[form]
        here = f"{where}.{form}"
        if form == "#bigint":
            digits = body[1:] if isinstance(body, str) and body.startswith("-") else body
            if not isinstance(digits, str) or not digits.isascii() or not digits.isdigit():
                raise _Bad(
                    f"{here}: malformed ITF value: expected a string of decimal digits, "
                    f"got {_show(body)}"
                )
            if len(digits) > MAX_BIGINT_DIGITS:
                raise _Bad(
                    f"{here}: malformed ITF value: {len(digits):,} digits; "
                    f"at most {MAX_BIGINT_DIGITS:,}"
                )
        elif form in ("#tup", "#set"):
            if not isinstance(body, list):
                raise _Bad(f"{here}: malformed ITF value: expected an array")
            _check_value(body, here, depth + 1)
        elif form == "#map":
            if not isinstance(body, list):
                raise _Bad(f"{here}: malformed ITF value: expected an array of [key, value] pairs")
            for i, pair in enumerate(body):
                if not isinstance(pair, list) or len(pair) != 2:
                    raise _Bad(
                        f"{here}[{i}]: malformed ITF value: expected a [key, value] pair, "
                        f"got {_show(pair)}"
                    )
                _check_value(pair, f"{here}[{i}]", depth + 1)
        elif form == "#unserializable":
            if not isinstance(body, str):
                raise _Bad(f"{here}: malformed ITF value: expected a string")
        else:
            raise _Bad(
                f"{where}: malformed ITF value: unknown form {_show(form)}; "
                "expected #bigint, #tup, #set, #map or #unserializable"
            )
        return
    for k, x in v.items():
        _check_value(x, f"{where}.{k}", depth + 1)


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
                f"field 'vars': the trace's variables {_show(sorted(names), 200)} are not "
                f"the model's {_show(sorted(have), 200)}"
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
