"""The ``[app.scribe]`` table of a scenario file: SCRIBE's groups, client requests and anycast
acceptors (docs/scenarios.md).

Owns: ``parse_scribe_table``, run by ``pastry_ref.check.apps`` for ``[app.scribe]``. Rule:
every bad value is one ``ScenarioFileError`` naming ``app.scribe.KEY`` and the expected form.

    [app.scribe]
    groups = { news = "alice" }          # topic = creator; groupId = R-SCRIBE-1
    create = [[17, "news"]]              # [origin, topic]
    subscribe = [[17, "news"]]           # [origin, topic]
    unsubscribe = [[17, "news"]]         # [origin, topic]
    publish = [[95, "news", "e1"]]       # [origin, topic, event]
    anycast = [[95, "news"]]             # [origin, topic]; ids 0, 1, ... in order
    accepts = [17]                       # nodes whose members accept anycasts
    max_children = 2                     # out-degree bound, hand-down (R-SCRIBE-13); none
    mirror = 1                           # next-closest nodes holding the root record (14); 0
    cache_root = true                    # publishers cache the root's address (15); false
    heartbeats = true                    # heartbeat messages (R-SCRIBE-16); false
"""

from __future__ import annotations

from collections.abc import Hashable, Mapping
from typing import Any

from pastry_ref.app.api import App
from pastry_ref.errors import ScenarioFileError, shown
from pastry_ref.ring.config import Config
from pastry_ref.ring.ids import IdSpace
from pastry_ref.scribe.app import ScribeApp
from pastry_ref.scribe.messages import (
    Anycast,
    Create,
    Publish,
    Subscribe,
    Unsubscribe,
    group_id,
)

__all__ = ["parse_scribe_table"]

_KEYS = (
    "groups",
    "create",
    "subscribe",
    "unsubscribe",
    "publish",
    "anycast",
    "accepts",
    "max_children",
    "mirror",
    "cache_root",
    "heartbeats",
)


def _error(where: str, key: str, expected: str, got: object) -> Exception:
    return ScenarioFileError(f"{where}: app.scribe.{key}: expected {expected}, got {shown(got)}")


def _node(where: str, key: str, v: object, space: IdSpace) -> int:
    if not isinstance(v, int) or isinstance(v, bool) or not 0 <= v < space.size:
        raise _error(where, key, f"a node id in 0..{space.size - 1}", v)
    return v


def parse_scribe_table(
    where: str, table: Mapping[str, Any], config: Config
) -> tuple[App, tuple[tuple[int, Hashable], ...]]:
    """(the SCRIBE application, its client requests in the table's order: create, subscribe,
    unsubscribe, publish, anycast)."""
    space = config.space
    for k in table:
        if k not in _KEYS:
            raise _error(where, str(k), f"one of {', '.join(_KEYS)}", k)
    groups_v = table.get("groups", {})
    if not isinstance(groups_v, Mapping) or not groups_v:
        raise _error(where, "groups", 'a table of topic = "creator" (at least one)', groups_v)
    groups: dict[str, int] = {}
    for topic, creator in groups_v.items():
        if not isinstance(creator, str) or not creator:
            raise _error(where, f"groups.{topic}", "a creator's name (a non-empty string)", creator)
        groups[topic] = group_id(space, topic, creator)

    def entries(key: str, width: int) -> list[tuple[int, int, str]]:
        v = table.get(key, [])
        if not isinstance(v, list):
            raise _error(where, key, "a list", v)
        form = "[origin, topic]" if width == 2 else "[origin, topic, event]"
        out: list[tuple[int, int, str]] = []
        for i, e in enumerate(v):
            if not isinstance(e, list) or len(e) != width:
                raise _error(where, f"{key}[{i}]", form, e)
            origin = _node(where, f"{key}[{i}][0]", e[0], space)
            if e[1] not in groups:
                raise _error(
                    where, f"{key}[{i}][1]", f"a topic of app.scribe.groups {sorted(groups)}", e[1]
                )
            event = ""
            if width == 3:
                if not isinstance(e[2], str):
                    raise _error(where, f"{key}[{i}][2]", "an event name (a string)", e[2])
                event = e[2]
            out.append((origin, groups[e[1]], event))
        return out

    requests: list[tuple[int, Hashable]] = []
    requests += [(o, Create(group=g)) for o, g, _ in entries("create", 2)]
    requests += [(o, Subscribe(group=g)) for o, g, _ in entries("subscribe", 2)]
    requests += [(o, Unsubscribe(group=g)) for o, g, _ in entries("unsubscribe", 2)]
    requests += [(o, Publish(group=g, event=ev)) for o, g, ev in entries("publish", 3)]
    requests += [(o, Anycast(group=g, id=i)) for i, (o, g, _) in enumerate(entries("anycast", 2))]
    accepts_v = table.get("accepts", [])
    if not isinstance(accepts_v, list):
        raise _error(where, "accepts", "a list of node ids", accepts_v)
    accepts = frozenset(_node(where, f"accepts[{i}]", v, space) for i, v in enumerate(accepts_v))
    max_children: int | None = None
    if "max_children" in table:
        v = table["max_children"]
        if not isinstance(v, int) or isinstance(v, bool) or not 1 <= v <= 1_000_000:
            raise _error(where, "max_children", "an integer in 1..1000000", v)
        max_children = v
    mirror = table.get("mirror", 0)
    if not isinstance(mirror, int) or isinstance(mirror, bool) or not 0 <= mirror <= 64:
        raise _error(where, "mirror", "an integer in 0..64", mirror)
    flags: dict[str, bool] = {}
    for key in ("cache_root", "heartbeats"):
        f = table.get(key, False)
        if not isinstance(f, bool):
            raise _error(where, key, "true or false", f)
        flags[key] = f
    app = ScribeApp(
        accepts=accepts,
        max_children=max_children,
        mirror=mirror,
        cache_root=flags["cache_root"],
        heartbeats=flags["heartbeats"],
    )
    return app, tuple(requests)
