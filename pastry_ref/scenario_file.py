"""Scenario files: a Pastry model-checking scenario described in TOML, without Python.

Owns: parsing and validating a scenario file into ``model_check`` scenarios. Every problem is one
``ScenarioFileError`` naming the file, the key (or the line, for TOML syntax) and the expected
form. The format (docs/scenarios.md):

    name = "two-joins"              # optional; default: the file's stem
    description = "..."             # optional
    [space]       bits = 8, b = 4, leaf_set = 2, neighborhood = 2 (optional)
    [protocol]    join = "consistent" | "paper" | ["consistent", "paper"]
    [initial]     ready = [17, 95]
    [environment] joins = [[65, 95]], lookups = [[17, 60]]
    [check]       properties = [...], expect = "pass" | {paper = "violated", ...},
                  distinct_states = 123 | {paper = 45, ...}

A file naming several join protocols defines one scenario per protocol, named ``NAME/PROTOCOL``.
"""

from __future__ import annotations

import tomllib
from collections.abc import Callable, Mapping, Sequence
from pathlib import Path
from typing import Any

from model_check import Scenario, Verdict
from pastry_ref.config import Config, JoinProtocol
from pastry_ref.errors import PastryRefError
from pastry_ref.invariants import properties, property_names
from pastry_ref.world import PastryModel, WorldSpec

__all__ = ["ScenarioFileError", "load_scenario_file", "parse_scenario"]


class ScenarioFileError(PastryRefError):
    """A scenario file is unreadable, not TOML, or does not follow the format."""


_SECTIONS: dict[str, set[str]] = {
    "space": {"bits", "b", "leaf_set", "neighborhood"},
    "protocol": {"join"},
    "initial": {"ready"},
    "environment": {"joins", "lookups"},
    "check": {"properties", "expect", "distinct_states"},
}
_TOP = {"name", "description", *_SECTIONS}


def load_scenario_file(path: Path) -> list[Scenario]:
    """Read and parse ``path``; raises ``ScenarioFileError`` naming the problem."""
    try:
        text = path.read_text(encoding="utf-8")
    except OSError as e:
        raise ScenarioFileError(f"{path}: cannot read the file ({e.strerror})") from None
    except UnicodeDecodeError:
        raise ScenarioFileError(f"{path}: not UTF-8 text") from None
    try:
        data = tomllib.loads(text)
    except tomllib.TOMLDecodeError as e:
        raise ScenarioFileError(f"{path}: not valid TOML: {e}") from None
    return parse_scenario(data, str(path), default_name=path.stem)


def _fail(where: str, key: str, expected: str, got: object) -> ScenarioFileError:
    return ScenarioFileError(f"{where}: {key}: expected {expected}, got {got!r}")


def _int(where: str, key: str, v: object) -> int:
    if not isinstance(v, int) or isinstance(v, bool):
        raise _fail(where, key, "an integer", v)
    return v


def _int_list(where: str, key: str, v: object) -> tuple[int, ...]:
    if not isinstance(v, list):
        raise _fail(where, key, "a list of integers", v)
    return tuple(_int(where, f"{key}[{i}]", x) for i, x in enumerate(v))


def _pairs(where: str, key: str, v: object) -> tuple[tuple[int, int], ...]:
    if not isinstance(v, list):
        raise _fail(where, key, "a list of [integer, integer] pairs", v)
    out = []
    for i, p in enumerate(v):
        if not isinstance(p, list) or len(p) != 2:
            raise _fail(where, f"{key}[{i}]", "a pair [integer, integer]", p)
        out.append((_int(where, f"{key}[{i}][0]", p[0]), _int(where, f"{key}[{i}][1]", p[1])))
    return tuple(out)


def _per_protocol(
    where: str,
    key: str,
    v: object,
    joins: Sequence[JoinProtocol],
    convert: Callable[[str, object], Any],
) -> dict[JoinProtocol, Any]:
    """A value for every protocol, or a table {protocol = value}."""
    if isinstance(v, dict):
        names = {p.value for p in joins}
        for k in v:
            if k not in names:
                raise _fail(where, f"{key}.{k}", f"one of the file's protocols {sorted(names)}", k)
        return {p: convert(f"{key}.{p.value}", v[p.value]) for p in joins if p.value in v}
    return {p: convert(key, v) for p in joins}


def _verdict(where: str) -> Callable[[str, object], Verdict]:
    def convert(key: str, v: object) -> Verdict:
        choices = [x.value for x in Verdict]
        if not isinstance(v, str) or v not in choices:
            raise _fail(where, key, f"one of {choices}", v)
        return Verdict(v)

    return convert


def parse_scenario(
    data: Mapping[str, Any], where: str, default_name: str = "scenario"
) -> list[Scenario]:
    """Turn parsed TOML into scenarios; ``where`` names the source in error messages."""
    for k in data:
        if k not in _TOP:
            raise ScenarioFileError(
                f"{where}: unknown key {k!r}; expected one of {', '.join(sorted(_TOP))}"
            )
    for section, keys in _SECTIONS.items():
        table = data.get(section, {})
        if not isinstance(table, dict):
            raise _fail(where, f"[{section}]", "a table", table)
        for k in table:
            if k not in keys:
                raise ScenarioFileError(
                    f"{where}: [{section}] unknown key {k!r}; expected one of "
                    f"{', '.join(sorted(keys))}"
                )
    for section in ("space", "initial"):
        if section not in data:
            raise ScenarioFileError(f"{where}: missing the [{section}] table")
    name = data.get("name", default_name)
    if not isinstance(name, str) or not name:
        raise _fail(where, "name", "a non-empty string", name)
    description = data.get("description", "")
    if not isinstance(description, str):
        raise _fail(where, "description", "a string", description)

    space = data["space"]
    for k in ("bits", "b", "leaf_set"):
        if k not in space:
            raise ScenarioFileError(f"{where}: [space] missing key {k!r}")
    bits = _int(where, "space.bits", space["bits"])
    b = _int(where, "space.b", space["b"])
    leaf = _int(where, "space.leaf_set", space["leaf_set"])
    hood = _int(where, "space.neighborhood", space.get("neighborhood", leaf))

    join_v = data.get("protocol", {}).get("join", "consistent")
    join_names = join_v if isinstance(join_v, list) else [join_v]
    joins: list[JoinProtocol] = []
    for i, j in enumerate(join_names):
        try:
            joins.append(JoinProtocol(j))
        except ValueError:
            key = "protocol.join" if not isinstance(join_v, list) else f"protocol.join[{i}]"
            raise _fail(where, key, f"one of {[p.value for p in JoinProtocol]}", j) from None
    if not joins or len(set(joins)) != len(joins):
        raise _fail(where, "protocol.join", "one protocol or a list of distinct ones", join_v)

    ready = _int_list(where, "initial.ready", data["initial"].get("ready", []))
    env = data.get("environment", {})
    join_pairs = _pairs(where, "environment.joins", env.get("joins", []))
    lookups = _pairs(where, "environment.lookups", env.get("lookups", []))

    check = data.get("check", {})
    props_v = check.get("properties")
    prop_names: tuple[str, ...] | None = None
    if props_v is not None:
        if not isinstance(props_v, list) or not all(isinstance(p, str) for p in props_v):
            raise _fail(where, "check.properties", "a list of property names", props_v)
        for p in props_v:
            if p not in property_names():
                raise _fail(where, "check.properties", f"names from {list(property_names())}", p)
        prop_names = tuple(props_v)
    expects = _per_protocol(
        where, "check.expect", check.get("expect", "pass"), joins, _verdict(where)
    )
    counts = _per_protocol(
        where,
        "check.distinct_states",
        check.get("distinct_states", {}),
        joins,
        lambda k, v: _int(where, k, v),
    )

    out: list[Scenario] = []
    for proto in joins:
        try:
            config = Config.make(bits, b, leaf, hood, proto)
            spec = WorldSpec(config, ready, join_pairs, lookups)
        except PastryRefError as e:
            raise ScenarioFileError(f"{where}: {e}") from None
        chosen = properties(prop_names)
        scenario_name = name if len(joins) == 1 else f"{name}/{proto.value}"

        def factory(spec: WorldSpec = spec, chosen: Any = chosen) -> PastryModel:
            return PastryModel(spec, chosen)

        out.append(
            Scenario(
                scenario_name,
                description
                or f"{proto.value} join: {len(join_pairs)} join(s), "
                f"{len(lookups)} lookup(s) on a ring of {len(ready)}",
                factory,
                expects.get(proto, Verdict.PASS),
                counts.get(proto),
            )
        )
    return out
