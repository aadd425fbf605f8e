"""The ``[app.past]`` table of a scenario file: PAST's storage settings and its client requests.

Owns: ``parse_past_table`` (``pastry_ref.check.apps`` runs it for ``[app.past]``).
Rule: bad input raises ``ScenarioFileError`` naming ``app.past.KEY``; the file id of a lookup or
reclaim may be given as ``file = [name, owner]`` (salt 0, R-PAST-1) or as ``file_id``; an insert's
``k`` must satisfy 1 <= k <= L/2 + 1 for the scenario's leaf-set size (R-PAST-2).

    [app.past]
    capacity = 100                       # every node's storage (units)
    capacities = [[95, 10]]              # per-node overrides: [node, capacity]
    quotas = { o = 10 }                  # owner = units (k * size per insert); absent: none
    caching = true                       # cache copies on insert and lookup routes
    inserts = [{origin = 17, name = "a", owner = "o", k = 2, size = 5, content = "x"}]
    lookups = [{origin = 95, file = ["a", "o"], id = 1}]
    reclaims = [{origin = 17, file = ["a", "o"], owner = "o", id = 1}]
"""

from __future__ import annotations

from collections.abc import Hashable, Mapping
from typing import Any

from pastry_ref.errors import ScenarioFileError
from pastry_ref.past.app import PastApp, k_bound
from pastry_ref.past.messages import Insert, LookupFile, Reclaim, file_id
from pastry_ref.ring.config import Config
from pastry_ref.ring.ids import IdSpace

__all__ = ["parse_past_table"]

_KEYS = ("capacity", "capacities", "quotas", "caching", "inserts", "lookups", "reclaims")


def _err(where: str, key: str, expected: str, got: object) -> Exception:
    return ScenarioFileError(f"{where}: app.past.{key}: expected {expected}, got {got!r}")


def _int(where: str, key: str, v: object, low: int = 0) -> int:
    if not isinstance(v, int) or isinstance(v, bool) or v < low:
        raise _err(where, key, f"an integer >= {low}", v)
    return v


def _k(where: str, key: str, v: object, bound: int, leaf: int) -> int:
    if not isinstance(v, int) or isinstance(v, bool) or not 1 <= v <= bound:
        raise _err(
            where, key, f"an integer in 1..{bound} (k <= L/2 + 1, space.leaf_set_size = {leaf})", v
        )
    return v


def _str(where: str, key: str, v: object) -> str:
    if not isinstance(v, str):
        raise _err(where, key, "a string", v)
    return v


def _entries(where: str, key: str, v: object, fields: set[str]) -> list[Mapping[str, Any]]:
    if not isinstance(v, list) or not all(isinstance(e, Mapping) for e in v):
        raise _err(where, key, "a list of tables", v)
    for i, e in enumerate(v):
        for f in e:
            if f not in fields:
                raise _err(where, f"{key}[{i}]", f"keys among {sorted(fields)}", f)
        if "origin" not in e:
            raise _err(where, f"{key}[{i}]", "an origin", dict(e))
    return list(v)


def _fid(where: str, key: str, e: Mapping[str, Any], space: IdSpace) -> int:
    if "file_id" in e:
        fid = _int(where, f"{key}.file_id", e["file_id"])
        if fid >> space.bits:
            raise _err(where, f"{key}.file_id", f"an id below 2**{space.bits}", fid)
        return fid
    f = e.get("file")
    if not (isinstance(f, list) and len(f) == 2 and all(isinstance(x, str) for x in f)):
        raise _err(where, f"{key}.file", "[name, owner] (two strings) or a file_id", f)
    return file_id(space, f[0], f[1], 0)


def parse_past_table(
    where: str, table: Mapping[str, Any], config: Config
) -> tuple[PastApp, tuple[tuple[int, Hashable], ...]]:
    """``[app.past]`` → (the PAST application every host runs, its client requests)."""
    space = config.space
    bound = k_bound(config)
    for k in table:
        if k not in _KEYS:
            raise _err(where, str(k), f"one of {list(_KEYS)}", k)
    capacity = _int(where, "capacity", table.get("capacity", 100))
    caps = table.get("capacities", [])
    if not isinstance(caps, list) or not all(isinstance(c, list) and len(c) == 2 for c in caps):
        raise _err(where, "capacities", "a list of [node, capacity] pairs", caps)
    capacities = tuple(
        sorted(
            (
                _int(where, f"capacities[{i}]", c[0]),
                _int(where, f"capacities[{i}]", c[1]),
            )
            for i, c in enumerate(caps)
        )
    )
    quotas: tuple[tuple[str, int], ...] | None = None
    if "quotas" in table:
        q = table["quotas"]
        if not isinstance(q, Mapping):
            raise _err(where, "quotas", "a table of owner = units", q)
        quotas = tuple(sorted((str(o), _int(where, f"quotas.{o}", u)) for o, u in q.items()))
    caching = table.get("caching", True)
    if not isinstance(caching, bool):
        raise _err(where, "caching", "true or false", caching)
    requests: list[tuple[int, Hashable]] = []
    ins_fields = {"origin", "name", "owner", "k", "size", "content"}
    for i, e in enumerate(_entries(where, "inserts", table.get("inserts", []), ins_fields)):
        key = f"inserts[{i}]"
        requests.append(
            (
                _int(where, f"{key}.origin", e["origin"]),
                Insert(
                    name=_str(where, f"{key}.name", e.get("name")),
                    owner=_str(where, f"{key}.owner", e.get("owner")),
                    k=_k(where, f"{key}.k", e.get("k"), bound, config.leaf_set_size),
                    size=_int(where, f"{key}.size", e.get("size")),
                    content=_str(where, f"{key}.content", e.get("content", "")),
                ),
            )
        )
    look_fields = {"origin", "file", "file_id", "id"}
    for i, e in enumerate(_entries(where, "lookups", table.get("lookups", []), look_fields)):
        key = f"lookups[{i}]"
        requests.append(
            (
                _int(where, f"{key}.origin", e["origin"]),
                LookupFile(
                    file_id=_fid(where, key, e, space), id=_int(where, f"{key}.id", e.get("id", i))
                ),
            )
        )
    rec_fields = {"origin", "file", "file_id", "owner", "id"}
    for i, e in enumerate(_entries(where, "reclaims", table.get("reclaims", []), rec_fields)):
        key = f"reclaims[{i}]"
        requests.append(
            (
                _int(where, f"{key}.origin", e["origin"]),
                Reclaim(
                    file_id=_fid(where, key, e, space),
                    owner=_str(where, f"{key}.owner", e.get("owner")),
                    id=_int(where, f"{key}.id", e.get("id", i)),
                ),
            )
        )
    app = PastApp(capacity=capacity, capacities=capacities, quotas=quotas, caching=caching)
    return app, tuple(requests)
