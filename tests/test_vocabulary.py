"""One vocabulary (DESIGN §4): every spec rule has a test, and every input, message, timer and
World action type has exactly one handler, a guard and one name used everywhere.

These tests fail when a rule is added to spec/ without a test, when a message type is added
without a handler or a guard, or when a name in code drifts from the name in spec/.
"""

from __future__ import annotations

import re
import typing
from pathlib import Path

import pytest

from pastry_ref import node as pn
from pastry_ref import system as ps
from pastry_ref.app import Lookup
from pastry_ref.node.dispatch import INPUT_HANDLERS, MESSAGE_HANDLERS, TIMER_HANDLERS
from pastry_ref.node.inputs import FireTimer, Input
from pastry_ref.ring.config import Config

ROOT = Path(__file__).resolve().parent.parent
SPEC = sorted((ROOT / "spec").glob("*.md"))
TESTS = sorted(Path(__file__).resolve().parent.rglob("*.py"))
RULE = re.compile(r"\bR-([A-Z]+)-(\d+)\b")
CFG = Config.make(bits=8, b=2, leaf_set_size=4)


def _snake(name: str) -> str:
    return re.sub(r"(?<=[a-z])(?=[A-Z])|(?<=[A-Z])(?=[A-Z][a-z])", "_", name).lower()


def spec_rules() -> set[str]:
    return {f"R-{a}-{n}" for f in SPEC for a, n in RULE.findall(f.read_text(encoding="utf-8"))}


def _test_text() -> str:
    return "\n".join(f.read_text(encoding="utf-8") for f in TESTS if f.name != Path(__file__).name)


def rules_without_tests(rules: set[str], text: str) -> list[str]:
    """The rule ids named nowhere in ``text``, neither as R-XXX-N nor as R_XXX_N."""
    return sorted(r for r in rules if r not in text and r.replace("-", "_") not in text)


def test_every_spec_rule_id_has_a_test() -> None:
    """Every rule id written in spec/ (R-XXX-N) is named by some test: in a test's name
    (``test_R_XXX_N_...``) or in a test's docstring."""
    rules = spec_rules()
    assert len(rules) > 80
    assert rules_without_tests(rules, _test_text()) == []


def test_the_rule_check_would_catch_a_rule_without_a_test() -> None:
    """The check above is not vacuous: a planted rule id with no test is reported, a real one
    is not."""
    planted = "R-" + "NOPE-1"
    assert rules_without_tests({planted, "R-LS-1"}, _test_text()) == [planted]


def _union(alias: object) -> set[type]:
    return set(typing.get_args(alias))


def test_every_input_type_has_one_handler() -> None:
    """Every node input type has a handler (FireTimer dispatches on the timer type), and
    there is no handler for a type that is not an input."""
    inputs = _union(Input)
    assert inputs == set(INPUT_HANDLERS) | {FireTimer}
    assert FireTimer not in INPUT_HANDLERS


def test_every_message_type_has_one_handler_named_after_it() -> None:
    """Every message type has exactly one handler, ``receive_<type>``, and every World action
    that delivers it is named ``Receive<Type>``."""
    messages = _union(pn.Message)
    assert set(MESSAGE_HANDLERS) == messages
    for t, h in MESSAGE_HANDLERS.items():
        assert h.__name__ == "receive_" + _snake(t.__name__), t
    assert set(pn.messages.__all__) == {t.__name__ for t in messages} | {"Message"}


def test_every_timer_type_has_one_handler_named_after_it() -> None:
    """Every timer type has exactly one handler, ``fire_<timer>``, and its World action is
    named ``Fire<Timer>``."""
    timers = _union(pn.Timer)
    assert set(TIMER_HANDLERS) == timers
    for t, h in TIMER_HANDLERS.items():
        assert h.__name__ == "fire_" + _snake(t.__name__), t


def _one_of_each() -> list[pn.Message]:
    """One message of every type (the union is checked above, so a new type fails here)."""
    src = 50
    made: list[pn.Message] = [
        pn.JoinRequest(src=src, joiner=src),
        pn.JoinReply(src=src, leaf_set=(src,), rows=(), neighborhood=(), givers=()),
        pn.Announce(src=src, version=None),
        pn.AnnounceReply(src=src, leaf_set=(src,), version=1),
        pn.LSProbe(src=src, leaf_set=(src,)),
        pn.LSProbeReply(src=src, leaf_set=(src,)),
        pn.LeaseRequest(src=src),
        pn.LeaseReply(src=src, granted=True, leaf_set=(src,)),
        pn.LeaseRelease(src=src),
        pn.JoinDone(src=src),
        pn.RouteMessage(src=src, key=7, payload=("p",)),
        pn.DirectMessage(src=src, payload=("p",)),
        pn.LeaveNotice(src=src, leaf_set=(src,)),
        pn.RowRequest(src=src, row=0),
        pn.RowReply(src=src, row=0, entries=()),
        pn.HoodRequest(src=src),
        pn.HoodReply(src=src, members=()),
        pn.HopAck(src=src, msg=pn.JoinRequest(src=1, joiner=1)),
    ]
    assert {type(m) for m in made} == _union(pn.Message)
    return made


@pytest.mark.parametrize("status", list(pn.Status))
def test_every_message_type_has_a_guard_at_every_status(status: pn.Status) -> None:
    """``accepts`` is total: for every message type and status it answers a bool, and a dead
    node takes nothing."""
    import attrs

    node = attrs.evolve(pn.NodeState.new(100, CFG), status=status)
    for msg in _one_of_each():
        got = pn.accepts(node, msg)
        assert isinstance(got, bool)
        if status is pn.Status.DEAD:
            assert got is False


def test_every_world_action_has_a_name_and_a_node() -> None:
    """Every World action type has ``name`` and ``at``; names follow the one vocabulary."""
    msg = pn.LSProbe(src=1, leaf_set=(1,))
    actions = {
        ps.Join: ps.Join(5, 1),
        ps.Request: ps.Request(1, Lookup(key=3, id=0)),
        ps.Crash: ps.Crash(1),
        ps.Leave: ps.Leave(1),
        ps.Receive: ps.Receive(2, msg),
        ps.Drop: ps.Drop(2, msg),
        ps.Duplicate: ps.Duplicate(2, msg),
        ps.FireTimer: ps.FireTimer(1, pn.KeepAlive(2)),
    }
    assert set(actions) == _union(ps.WorldAction)
    names = {t: a.name for t, a in actions.items()}
    assert names == {
        ps.Join: "Join",
        ps.Request: "Lookup",
        ps.Crash: "Crash",
        ps.Leave: "Leave",
        ps.Receive: "ReceiveLSProbe",
        ps.Drop: "Drop",
        ps.Duplicate: "Duplicate",
        ps.FireTimer: "FireKeepAlive",
    }
    assert all(isinstance(a.at, int) for a in actions.values())


def test_every_name_is_written_in_the_spec() -> None:
    """Every message type, input type, timer type and World action name appears in
    spec/pastry.md, so spec and code cannot drift apart silently."""
    text = (ROOT / "spec" / "pastry.md").read_text(encoding="utf-8")
    names = {t.__name__ for t in _union(pn.Message) | _union(Input) | _union(pn.Timer)}
    names |= {t.__name__ for t in _union(ps.WorldAction)}
    names |= {"Receive" + t.__name__ for t in _union(pn.Message)}
    missing = sorted(n for n in names if not re.search(rf"\b{n}\b", text))
    assert missing == []


def test_old_names_are_gone_from_code_and_spec() -> None:
    """The names one vocabulary replaced appear nowhere in the package or spec/ (except in
    the compatibility note for the renamed scenario-file key)."""
    old = ("StartJoin", "RouteKey", "TimerFired", "ReceiveMessage", "Departure", "Depart(")
    files = [*sorted((ROOT / "pastry_ref").rglob("*.py")), *SPEC]
    hits = [
        f"{f.relative_to(ROOT)}: {o}"
        for f in files
        for o in old
        if o in f.read_text(encoding="utf-8")
    ]
    assert hits == []
