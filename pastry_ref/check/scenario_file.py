"""Scenario files: a Pastry model-checking scenario described in TOML, without Python.

Owns: parsing and validating a scenario file into ``model_check`` scenarios. Every problem is one
``ScenarioFileError`` naming the file, the key (or the line, for TOML syntax) and the expected
form. The format (docs/scenarios.md):

    name = "two-joins"              # optional; default: the file's stem
    description = "..."             # optional
    [space]       bits = 8, b = 4, leaf_set = 2, neighborhood = 2 (optional)
    [protocol]    join = "consistent" | "paper" | ["consistent", "paper"]
                  timers = "quiet" | "any" | ["quiet", "any"], hop_acks = false,
                  probe_retry = true
    [initial]     ready = [17, 95]
    [environment] joins = [[65, 95]], lookups = [[17, 60]], crashes = [17], leaves = [95],
                  periodic = 0
    [network]     model = "reliable" | "lossy" | "duplicating", drops = 1, duplicates = 1
    [check]       properties = [...], expect = "pass" | {paper = "violated", ...},
                  distinct_states = 123 | {paper = 45, ...}

A file naming several join protocols or timer semantics defines one scenario per combination,
named ``NAME/VARIANT``, where VARIANT names each choice that has several values (``paper``,
``quiet``, ``paper/quiet``); ``expect`` and ``distinct_states`` tables are keyed by VARIANT.
"""

from __future__ import annotations

import enum
import itertools
import tomllib
from collections.abc import Callable, Mapping, Sequence
from pathlib import Path
from typing import Any

from model_check import Scenario, Verdict
from pastry_ref.check.model import PastryModel, properties
from pastry_ref.errors import BadInput, PastryRefError
from pastry_ref.ring.config import Config, JoinProtocol
from pastry_ref.system import NetworkModel, TimerSemantics, WorldSpec
from pastry_ref.system.invariants import property_names

__all__ = ["ScenarioFileError", "load_scenario_file", "parse_scenario"]


class ScenarioFileError(BadInput):
    """A scenario file is unreadable, not TOML, or does not follow the format."""


_SECTIONS: dict[str, set[str]] = {
    "space": {"bits", "b", "leaf_set", "neighborhood"},
    "protocol": {"join", "timers", "hop_acks", "probe_retry"},
    "initial": {"ready"},
    "environment": {"joins", "lookups", "crashes", "leaves", "periodic"},
    "network": {"model", "drops", "duplicates"},
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


def _per_variant(
    where: str,
    key: str,
    v: object,
    variants: Sequence[str],
    convert: Callable[[str, object], Any],
) -> dict[str, Any]:
    """A value for every variant, or a table {variant = value} (several variants only)."""
    if isinstance(v, dict):
        if variants == [""]:
            raise _fail(where, key, "a single value (the file defines one scenario)", v)
        for k in v:
            if k not in variants:
                raise _fail(where, f"{key}.{k}", f"one of the file's variants {list(variants)}", k)
        return {n: convert(f"{key}.{n}", v[n]) for n in variants if n in v}
    return {n: convert(key, v) for n in variants}


def _choices(where: str, key: str, v: object, kind: type[enum.Enum]) -> list[Any]:
    """One enum value or a list of distinct ones."""
    names = v if isinstance(v, list) else [v]
    out: list[Any] = []
    for i, j in enumerate(names):
        try:
            out.append(kind(j))
        except ValueError:
            k = key if not isinstance(v, list) else f"{key}[{i}]"
            raise _fail(where, k, f"one of {[p.value for p in kind]}", j) from None
    if not out or len(set(out)) != len(out):
        raise _fail(where, key, "one value or a list of distinct ones", v)
    return out


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

    protocol = data.get("protocol", {})
    joins: list[JoinProtocol] = _choices(
        where, "protocol.join", protocol.get("join", "consistent"), JoinProtocol
    )
    timer_list: list[TimerSemantics] = _choices(
        where, "protocol.timers", protocol.get("timers", "quiet"), TimerSemantics
    )
    hop_acks = protocol.get("hop_acks", False)
    if not isinstance(hop_acks, bool):
        raise _fail(where, "protocol.hop_acks", "true or false", hop_acks)
    probe_retry = protocol.get("probe_retry", True)
    if not isinstance(probe_retry, bool):
        raise _fail(where, "protocol.probe_retry", "true or false", probe_retry)

    ready = _int_list(where, "initial.ready", data["initial"].get("ready", []))
    env = data.get("environment", {})
    join_pairs = _pairs(where, "environment.joins", env.get("joins", []))
    lookups = _pairs(where, "environment.lookups", env.get("lookups", []))
    crashes = _int_list(where, "environment.crashes", env.get("crashes", []))
    leaves = _int_list(where, "environment.leaves", env.get("leaves", []))
    periodic = _int(where, "environment.periodic", env.get("periodic", 0))
    net = data.get("network", {})
    model_v = net.get("model", "reliable")
    if not isinstance(model_v, str) or model_v not in [m.value for m in NetworkModel]:
        raise _fail(where, "network.model", f"one of {[m.value for m in NetworkModel]}", model_v)
    network = NetworkModel(model_v)
    drops = _int(where, "network.drops", net.get("drops", 0))
    duplicates = _int(where, "network.duplicates", net.get("duplicates", 0))

    combos = list(itertools.product(joins, timer_list))

    def variant(proto: JoinProtocol, timers: TimerSemantics) -> str:
        parts = [proto.value] if len(joins) > 1 else []
        parts += [timers.value] if len(timer_list) > 1 else []
        return "/".join(parts)

    variants = [variant(p, t) for p, t in combos]

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
    expects = _per_variant(
        where, "check.expect", check.get("expect", "pass"), variants, _verdict(where)
    )
    counts = _per_variant(
        where,
        "check.distinct_states",
        check.get("distinct_states", {} if len(variants) > 1 else None),
        variants,
        lambda k, v: None if v is None else _int(where, k, v),
    )

    out: list[Scenario] = []
    for (proto, timers), suffix in zip(combos, variants, strict=True):
        try:
            config = Config.make(bits, b, leaf, hood, proto, hop_acks, probe_retry)
            spec = WorldSpec(
                config,
                ready,
                join_pairs,
                lookups,
                crashes,
                leaves,
                network,
                drops,
                duplicates,
                periodic,
                timers,
            )
        except PastryRefError as e:
            raise ScenarioFileError(f"{where}: {e}") from None
        chosen = properties(prop_names)
        scenario_name = f"{name}/{suffix}" if suffix else name

        def factory(spec: WorldSpec = spec, chosen: Any = chosen) -> PastryModel:
            return PastryModel(spec, chosen)

        out.append(
            Scenario(
                scenario_name,
                description
                or f"{proto.value} join: {len(join_pairs)} join(s), "
                f"{len(lookups)} lookup(s) on a ring of {len(ready)}",
                factory,
                expects.get(suffix, Verdict.PASS),
                counts.get(suffix),
            )
        )
    return out
