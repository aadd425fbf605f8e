"""Bad traces never crash the judge: any mutation of a valid trace is either judged or refused
with one ``TraceFormatError`` line (R-TRACE-4), never another exception."""

from __future__ import annotations

import json

from hypothesis import given, settings
from hypothesis import strategies as st

from pastry_ref.oracle import TraceFormatError
from pastry_ref.oracle.judge import judge_trace
from tests.test_judge import small_trace

BASE = small_trace([(0x85, [0x10, 0x80], 0x80), (0x60, [0x10, 0x30, 0x50], 0x50)])

json_values = st.recursive(
    st.none()
    | st.booleans()
    | st.integers(-(2**70), 2**70)
    | st.floats(allow_nan=True, allow_infinity=True)
    | st.text(max_size=6)
    | st.sampled_from(["10", "30", "ff", "1000", "q0", "header", "hop", "reversed", "owner"]),
    lambda inner: (
        st.lists(inner, max_size=4) | st.dictionaries(st.text(max_size=5), inner, max_size=3)
    ),
    max_leaves=8,
)


def _object(text: str) -> dict | None:
    try:
        obj = json.loads(text)
    except ValueError:
        return None
    return obj if isinstance(obj, dict) else None


@st.composite
def mutated(draw) -> list[str]:
    lines = list(BASE)
    for _ in range(draw(st.integers(1, 3))):
        i = draw(st.integers(0, len(lines) - 1))
        kind = draw(st.sampled_from(["set", "drop", "cut", "swap", "nested"]))
        obj = _object(lines[i])
        if kind == "cut":
            lines[i] = lines[i][: draw(st.integers(0, len(lines[i])))]
        elif kind == "swap":
            j = draw(st.integers(0, len(lines) - 1))
            lines[i], lines[j] = lines[j], lines[i]
        elif obj is not None and kind == "drop" and obj:
            del obj[draw(st.sampled_from(sorted(obj)))]
            lines[i] = json.dumps(obj)
        elif obj is not None and kind == "nested" and isinstance(obj.get("leaf_set"), dict):
            obj["leaf_set"][draw(st.sampled_from(["left", "right"]))] = draw(json_values)
            lines[i] = json.dumps(obj)
        elif obj is not None:
            field = draw(st.sampled_from([*sorted(obj), "extra"]))
            obj[field] = draw(json_values)
            lines[i] = json.dumps(obj)
    return lines


@settings(max_examples=150)
@given(mutated())
def test_R_TRACE_4_a_mutated_trace_is_judged_or_refused_in_one_line(lines: list[str]) -> None:
    try:
        report = judge_trace(lines)
    except TraceFormatError as e:
        text = str(e)
        assert text.startswith("<trace>:") and "\n" not in text
        return
    assert report.verdict in ("valid", "violated", "unknown")
    report.to_json()
    report.summary()
