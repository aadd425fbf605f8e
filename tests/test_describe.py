"""pastry_ref.system.describe: one line per value, by the module's rules, the same every time."""

from __future__ import annotations

import typing

import attrs

from pastry_ref.app import Lookup, LookupPayload
from pastry_ref.node import (
    CancelTimer,
    Deliver,
    Forward,
    HopTimeout,
    KeepAlive,
    Message,
    RouteMessage,
    RowMaintenance,
    Send,
    SetTimer,
    Update,
    messages,
)
from pastry_ref.ring.config import Config
from pastry_ref.system import (
    Crash,
    Drop,
    FireTimer,
    Join,
    Leave,
    NetworkModel,
    Receive,
    Request,
    WorldSpec,
    describe_action,
    describe_config,
    describe_effect,
    describe_message,
    describe_node,
    describe_timer,
    describe_value,
    describe_world,
    describe_world_summary,
    settle,
)

CONFIG = Config.make(8, 4, 2, 4, "consistent")
ROUTED = RouteMessage(src=17, key=60, payload=LookupPayload(id=3))


def _sample(cls: type) -> Message:
    """An instance of message class ``cls`` with every field set away from its default."""
    values: dict[str, object] = {}
    for f in attrs.fields(cls):
        hint = str(f.type)
        if "RouteMessage" in hint:
            values[f.name] = ROUTED
        elif "AppMessage" in hint:
            values[f.name] = LookupPayload(id=7)
        elif "bool" in hint:
            values[f.name] = True
        elif "tuple[tuple" in hint:
            values[f.name] = ((17, 0), (95, 2))
        elif "Ids" in hint or "tuple" in hint:
            values[f.name] = (17, 95)
        else:
            values[f.name] = 42
    return typing.cast(Message, cls(**values))


MESSAGE_TYPES = [getattr(messages, n) for n in messages.__all__ if n != "Message"]


def test_every_message_renders_its_type_and_fields() -> None:
    assert len(MESSAGE_TYPES) == len(typing.get_args(Message))
    for cls in MESSAGE_TYPES:
        msg = _sample(cls)
        text = describe_message(msg)
        assert text.split(" ")[0] == cls.__name__, text
        for f in attrs.fields(cls):
            assert f" {f.name}=" in text, (f.name, text)
        assert "\n" not in text and text == text.strip()


def test_message_examples() -> None:
    assert describe_message(messages.LSProbe(src=1, leaf_set=(1,))) == "LSProbe src=1 leaf_set=[1]"
    probe = messages.LSProbe(src=1, leaf_set=(1, 9), failed=(5,))
    assert describe_message(probe) == "LSProbe src=1 leaf_set=[1 9] failed=[5]"
    assert describe_message(ROUTED) == "RouteMessage src=17 key=60 payload=LookupPayload(id=3)"
    ack = messages.HopAck(src=65, msg=ROUTED)
    assert describe_message(ack) == (
        "HopAck src=65 msg=RouteMessage(src=17 key=60 payload=LookupPayload(id=3))"
    )
    reply = messages.JoinReply(src=17, leaf_set=(17,), rows=(), neighborhood=(), givers=((17, 0),))
    assert describe_message(reply) == (
        "JoinReply src=17 leaf_set=[17] rows=[] neighborhood=[] givers=[(17 0)]"
    )
    lease = messages.LeaseReply(src=1, granted=False, leaf_set=())
    assert describe_message(lease) == "LeaseReply src=1 granted=false leaf_set=[]"


def test_values() -> None:
    assert describe_value(None) == "-"
    assert describe_value(frozenset({100, 9, 17})) == "{9 17 100}"
    assert describe_value((3, 1, 2)) == "[3 1 2]"  # a sequence keeps its order
    assert describe_value({2: "b", 1: "a"}) == "{1:a 2:b}"
    assert describe_value(NetworkModel.LOSSY) == "lossy"
    assert describe_value(frozenset({(95, ROUTED), (17, ROUTED)})) == (
        "{(17 RouteMessage(src=17 key=60 payload=LookupPayload(id=3))) "
        "(95 RouteMessage(src=17 key=60 payload=LookupPayload(id=3)))}"
    )


def test_every_action_renders_with_its_name() -> None:
    probe = messages.LSProbe(src=17, leaf_set=(17, 95))
    cases = {
        Join(65, 17): "Join 65 seed=17",
        Request(17, Lookup(key=60, id=0)): "Lookup 17: Lookup key=60 id=0",
        Crash(95): "Crash 95",
        Leave(95): "Leave 95",
        Receive(95, probe): "ReceiveLSProbe 95: LSProbe src=17 leaf_set=[17 95]",
        Drop(95, probe): "Drop 95: LSProbe src=17 leaf_set=[17 95]",
        FireTimer(17, KeepAlive(95)): "FireKeepAlive 17: KeepAlive node=95",
        FireTimer(17, RowMaintenance()): "FireRowMaintenance 17: RowMaintenance",
    }
    for action, text in cases.items():
        assert describe_action(action) == text
        assert describe_action(action).startswith(f"{action.name} {action.at}")


def test_effects_and_timers() -> None:
    assert describe_effect(Send(95, messages.LeaseRequest(src=17))) == "send 95 LeaseRequest src=17"
    assert describe_effect(Deliver(None, LookupPayload(id=1))) == (
        "upcall deliver key=- payload=LookupPayload(id=1)"
    )
    assert describe_effect(Forward(60, LookupPayload(id=1), 65)) == (
        "upcall forward key=60 payload=LookupPayload(id=1) next_hop=65"
    )
    assert describe_effect(Update(65, False)) == "upcall update 65 left"
    assert describe_effect(SetTimer(KeepAlive(9))) == "timer set KeepAlive node=9"
    assert describe_effect(CancelTimer(RowMaintenance())) == "timer cancel RowMaintenance"
    assert describe_timer(HopTimeout(95, ROUTED)) == (
        "HopTimeout next_hop=95 msg=RouteMessage(src=17 key=60 payload=LookupPayload(id=3))"
    )


def test_config_uses_the_config_field_names() -> None:
    assert describe_config(CONFIG) == (
        "bits=8 b=4 leaf_set_size=2 neighborhood_size=4 join=consistent hop_acks=false "
        "probe_retry=true"
    )


def test_node_and_world() -> None:
    spec = WorldSpec(CONFIG, (17, 95, 160), lookups=((17, 60),), crashes=(95,))
    world = spec.initial_world()
    assert describe_node(world.node(17)) == (
        "17 ready ls=[160]|[95] rt=[0/5:95 0/10:160] hood=[95 160]"
    )
    assert describe_world(world) == (
        "17 ready ls=[160]|[95] rt=[0/5:95 0/10:160] hood=[95 160]",
        "95 ready ls=[17]|[160] rt=[0/1:17 0/10:160] hood=[160 17]",
        "160 ready ls=[95]|[17] rt=[0/1:17 0/5:95] hood=[95 17]",
        "requests left: 17:Lookup(key=60 id=0)",
        "crashes left: 95",
        "network: empty",
    )
    after, _, _ = settle(world.apply(Crash(95)))
    lines = describe_world(after)
    assert lines[0].startswith("17 ready ls=[160]|[160]") and "failed={95}" in lines[0]
    assert "down: 95" in lines
    assert describe_world_summary(after) == (
        "3 nodes: 2 ready 0 ok 0 wait, 1 down; 0 in flight; 1 actions enabled"
    )


def test_rendering_is_deterministic() -> None:
    """Equal values print alike, however they were built (a set's insertion order is not seen)."""
    a = frozenset([5, 3, 200, 17])
    b = frozenset([17, 200, 3, 5])
    assert describe_value(a) == describe_value(b)
    spec = WorldSpec(CONFIG, (17, 95, 160), crashes=(95,))
    w1 = settle(spec.initial_world().apply(Crash(95)))[0]
    w2 = settle(spec.initial_world().apply(Crash(95)))[0]
    assert describe_world(w1) == describe_world(w2)
    assert [describe_node(n) for n in w1.nodes] == [describe_node(n) for n in w2.nodes]
