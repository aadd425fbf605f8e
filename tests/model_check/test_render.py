"""Rendering: per-step diffs, numbered traces, lassos, statistics."""

from __future__ import annotations

import io

import attrs

from model_check import BaseModel, SearchOptions, Trace, check, render_result, render_trace
from model_check.cli import _ProgressLine
from model_check.examples import BrokenMutex, LossyRetransmit, LostUpdate, TwoPhaseCommit
from model_check.render import diff
from model_check.search import Progress


@attrs.frozen(slots=True)
class Inner:
    xs: tuple[int, ...]
    tags: frozenset[str]


@attrs.frozen(slots=True)
class Outer:
    inner: Inner
    table: dict[str, int] = attrs.field(hash=False)


def test_diff_descends_into_nested_values() -> None:
    a = Outer(Inner((1, 2, 3), frozenset({"a", "b"})), {"k": 1, "gone": 0})
    b = Outer(Inner((1, 5, 3), frozenset({"b", "c"})), {"k": 2, "new": 9})
    assert diff("s", a, b) == [
        "s.inner.xs[1]: 2 -> 5",
        "s.inner.tags: +{'c'} -{'a'}",
        "s.table['gone']: removed (0)",
        "s.table['k']: 1 -> 2",
        "s.table['new']: added 9",
    ]
    assert diff("s", a, a) == []


def test_tuples_diff_by_position_or_as_multisets() -> None:
    # Scalars, and composite elements that keep their identity (first component): by position.
    assert diff("pc", ("a", "b"), ("a", "c")) == ["pc[1]: 'b' -> 'c'"]
    assert diff("procs", ((1, "x"), (2, "y")), ((1, "x"), (2, "z"))) == ["procs[1][1]: 'y' -> 'z'"]
    # A message consumed and another sent in its place, or a length change: as a multiset.
    assert diff("net", ((1, "a"), (2, "b")), ((3, "c"), (2, "b"))) == ["net: +(3, 'c') -(1, 'a')"]
    assert diff("net", ((1, "a"),), ((1, "a"), (1, "a"))) == ["net: +(1, 'a')"]


def test_a_long_initial_state_prints_one_part_per_line() -> None:
    class Model(BaseModel[Outer, str]):
        pass

    big = Outer(Inner(tuple(range(40)), frozenset({"t"})), {f"key{i}": i for i in range(20)})
    text = render_trace(Model(), Trace(big))
    assert "     inner.xs = (0, 1, 2," in text
    assert "     table['key0'] = 0" in text and "     table['key19'] = 19" in text
    assert diff("v", 1, "1") == ["v: 1 -> '1'"]


def test_trace_lists_numbered_actions_with_their_changes() -> None:
    model = BrokenMutex(2)
    trace = check(model).result("MutualExclusion").trace
    assert trace is not None
    text = render_trace(model, trace)
    lines = text.splitlines()
    assert lines[0].strip() == "0. initial state"
    assert "pc = ('idle', 'idle')" in text
    assert "1. Check(0)" in text and "4. Enter(1)" in text
    assert "pc[1]: 'checked' -> 'critical'" in text
    assert "flag[1]: False -> True" in text


def test_lasso_and_critical_step_are_marked() -> None:
    model = LossyRetransmit()
    lasso = check(model).result("Delivered/no-cycle").trace
    assert lasso is not None
    text = render_trace(model, lasso)
    assert "the loop starts at state 0" in text and "back to state 0" in text
    doomed = check(LostUpdate(2)).result("AllCounted/reachable").trace
    assert doomed is not None
    assert "2. Read(1)   <- critical transition" in render_trace(LostUpdate(2), doomed)


def test_result_shows_tlc_style_statistics_and_verdict() -> None:
    model = TwoPhaseCommit(3)
    text = render_result(model, check(model, SearchOptions(fingerprint=True)), title="2pc")
    assert text.startswith("== 2pc")
    assert "762 states generated, 288 distinct states, 0 left on queue, depth 10" in text
    assert "64-bit fingerprints (collision probability ~" in text
    assert "distinct states/s" in text
    assert text.rstrip().endswith("Verdict: PASS")
    bounded = render_result(model, check(model, SearchOptions(max_states=10)))
    assert "search stopped by a bound: max-states" in bounded
    assert "Verdict: INCOMPLETE" in bounded


def test_progress_line_appears_only_after_a_few_seconds() -> None:
    stream = io.StringIO()
    line = _ProgressLine("demo", stream)
    line(Progress(100, 200, 5, 3, 1.0, None))
    assert stream.getvalue() == ""
    line(Progress(100_000, 200_000, 5, 3, 3.5, 200_000))
    text = stream.getvalue()
    assert "demo: 100,000 distinct" in text and "50%" in text
    assert text.endswith("\n")  # not a terminal: whole lines, no carriage returns
    line(Progress(100_001, 200_001, 5, 3, 13.0, 200_000))
    assert stream.getvalue() == text  # not a terminal: a line every 10 s at most
    line(Progress(100_002, 200_002, 5, 3, 23.0, 200_000))
    assert stream.getvalue().count("\n") == 2
