"""Scenario files: a Pastry model-checking scenario described in TOML, without Python.

Owns: reading, parsing and validating a scenario file into ``model_check`` scenarios. Rule: this
is the boundary. Every problem is one ``ScenarioFileError`` naming the file, the key (or the
line, for TOML syntax) and the expected form; nothing else escapes (not a ``RecursionError`` from
deep nesting, not a hang on a FIFO: a file that is not regular is refused before it is opened).
Outdated but accepted spellings (``[space] leaf_set``) are ``InputNote`` warnings. The format
(docs/scenarios.md):

    name = "two-joins"              # optional; default: the file's stem
    description = "..."             # optional
    [space]       bits = 8, b = 4, leaf_set_size = 2, neighborhood = 2 (optional)
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
import os
import re
import stat
import tomllib
import warnings
from collections.abc import Callable, Hashable, Mapping, Sequence
from pathlib import Path
from typing import Any

from model_check import Scenario, Verdict
from pastry_ref.app.api import App
from pastry_ref.app.lookup import LookupApp
from pastry_ref.check.apps import APP_TABLES
from pastry_ref.check.model import PastryModel, properties
from pastry_ref.errors import InputNote, PastryRefError, ScenarioFileError, shown
from pastry_ref.ring.config import Config, JoinProtocol
from pastry_ref.system import NetworkModel, TimerSemantics, WorldSpec
from pastry_ref.system.invariants import property_names

__all__ = [
    "MAX_SCENARIO_BYTES",
    "MAX_SCENARIO_NODES",
    "ScenarioFileError",
    "load_scenario_file",
    "parse_scenario",
]

MAX_SCENARIO_BYTES = 2**20  # 1 MiB: a scenario is a few hundred bytes
MAX_SCENARIO_NODES = 1000  # initial nodes + joins + lookups: far beyond what can be explored


_SECTIONS: dict[str, set[str]] = {
    "space": {"bits", "b", "leaf_set_size", "leaf_set", "neighborhood"},
    "protocol": {"join", "timers", "hop_acks", "probe_retry"},
    "initial": {"ready"},
    "environment": {"joins", "lookups", "crashes", "leaves", "periodic"},
    "network": {"model", "drops", "duplicates"},
    "check": {"properties", "expect", "distinct_states"},
}
_TOP = {"name", "description", "app", *_SECTIONS}
_LISTED = {s: sorted(k - {"leaf_set"}) for s, k in _SECTIONS.items()}  # leaf_set: the old name


def _kind(mode: int) -> str:
    if stat.S_ISDIR(mode):
        return "a directory"
    if stat.S_ISFIFO(mode):
        return "a FIFO"
    if stat.S_ISCHR(mode) or stat.S_ISBLK(mode):
        return "a device"
    return "not a regular file"


def _read(path: Path) -> bytes:
    """The bytes of a regular file of at most ``MAX_SCENARIO_BYTES``; checked with ``os.stat``
    before it is opened, and opened non-blocking, so a FIFO or a device never blocks the read."""
    try:
        info = os.stat(path)
        if not stat.S_ISREG(info.st_mode):
            raise ScenarioFileError(f"{path}: {_kind(info.st_mode)}; expected a scenario file")
        if info.st_size > MAX_SCENARIO_BYTES:
            raise ScenarioFileError(
                f"{path}: {info.st_size:,} bytes; a scenario file is at most "
                f"{MAX_SCENARIO_BYTES:,} bytes"
            )
        fd = os.open(path, os.O_RDONLY | getattr(os, "O_NONBLOCK", 0))
        with os.fdopen(fd, "rb") as f:
            if not stat.S_ISREG(os.fstat(f.fileno()).st_mode):
                raise ScenarioFileError(f"{path}: not a regular file; expected a scenario file")
            data = f.read(MAX_SCENARIO_BYTES + 1)
    except OSError as e:
        raise ScenarioFileError(f"{path}: cannot read the file ({e.strerror or e})") from None
    if len(data) > MAX_SCENARIO_BYTES:
        raise ScenarioFileError(
            f"{path}: more than {MAX_SCENARIO_BYTES:,} bytes; a scenario file is at most that"
        )
    return data


# Only for messages about a file that failed to parse: strings and comments blanked, their line
# breaks kept, so that brackets and digits can be counted line by line.
_TOML_NOISE = re.compile(
    r'"""[\s\S]*?"""|\'\'\'[\s\S]*?\'\'\'|"(?:[^"\\\n]|\\.)*"|\'[^\'\n]*\'|#[^\n]*'
)


def _blank(text: str) -> str:
    return _TOML_NOISE.sub(lambda m: "\n" * m.group().count("\n"), text)


def _deepest_line(text: str) -> int:
    """The line on which arrays and inline tables nest deepest."""
    depth = best = 0
    line = best_line = 1
    for m in re.finditer(r"[\[\]{}\n]", _blank(text)):
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
    """The line of the first integer of more than 4300 digits (underscores apart)."""
    blank = _blank(text)
    m = re.search(r"\d(?:_?\d){4300,}", blank)
    return blank.count("\n", 0, m.start()) + 1 if m else 1


def load_scenario_file(path: Path) -> list[Scenario]:
    """Read and parse ``path``; raises ``ScenarioFileError`` naming the problem."""
    if not isinstance(path, str | os.PathLike):
        raise ScenarioFileError(f"path: expected a file name, got {shown(path)}")
    path = Path(path)
    if "\x00" in str(path):
        raise ScenarioFileError(f"{shown(str(path))}: a file name cannot contain a NUL byte")
    data = _read(path)
    try:
        text = data.decode("utf-8")
    except UnicodeDecodeError as e:
        line = data[: e.start].count(b"\n") + 1
        raise ScenarioFileError(f"{path}: line {line}: not UTF-8 text (byte {e.start})") from None
    try:
        parsed = tomllib.loads(text)
    except tomllib.TOMLDecodeError as e:
        raise ScenarioFileError(f"{path}: not valid TOML: {e}") from None
    except RecursionError:
        raise ScenarioFileError(
            f"{path}: line {_deepest_line(text)}: nesting too deep (arrays or inline tables "
            "inside each other); expected a scenario file"
        ) from None
    except MemoryError:
        raise ScenarioFileError(f"{path}: too large to parse; expected a scenario file") from None
    except ValueError:  # tomllib lets Python's limit on the digits of an integer through
        raise ScenarioFileError(
            f"{path}: line {_long_int_line(text)}: an integer of more than 4,300 digits; "
            "expected a scenario file"
        ) from None
    return parse_scenario(parsed, str(path), default_name=path.stem)


def _fail(where: str, key: str, expected: str, got: object) -> ScenarioFileError:
    return ScenarioFileError(f"{where}: {key}: expected {expected}, got {shown(got)}")


def _int(where: str, key: str, v: object) -> int:
    if not isinstance(v, int) or isinstance(v, bool):
        raise _fail(where, key, "an integer", v)
    return v


def _count(where: str, key: str, v: object, low: int) -> int:
    n = _int(where, key, v)
    if n < low:
        raise _fail(where, key, f"an integer >= {low}", v)
    return n


def _list(where: str, key: str, v: object, what: str) -> list[Any]:
    if not isinstance(v, list):
        raise _fail(where, key, what, v)
    if len(v) > MAX_SCENARIO_NODES:
        raise ScenarioFileError(
            f"{where}: {key}: {len(v):,} entries; at most {MAX_SCENARIO_NODES:,}"
        )
    return v


def _int_list(where: str, key: str, v: object) -> tuple[int, ...]:
    items = _list(where, key, v, "a list of integers")
    return tuple(_int(where, f"{key}[{i}]", x) for i, x in enumerate(items))


def _pairs(where: str, key: str, v: object) -> tuple[tuple[int, int], ...]:
    items = _list(where, key, v, "a list of [integer, integer] pairs")
    out = []
    for i, p in enumerate(items):
        if not isinstance(p, list) or len(p) != 2:
            raise _fail(where, f"{key}[{i}]", "a pair [integer, integer]", p)
        out.append((_int(where, f"{key}[{i}][0]", p[0]), _int(where, f"{key}[{i}][1]", p[1])))
    return tuple(out)


def _text(where: str, key: str, v: object, *, empty: bool) -> str:
    """A string on one line (it is shown in reports and error messages)."""
    if not isinstance(v, str) or (not empty and not v.strip()):
        raise _fail(where, key, "a string" if empty else "a non-empty string", v)
    if not v.isprintable():
        raise _fail(where, key, "a string of printable characters on one line", v)
    return v


def _per_variant(
    where: str,
    key: str,
    v: object,
    variants: Sequence[str],
    convert: Callable[[str, object], Any],
) -> dict[str, Any]:
    """A value for every variant, or a table {variant = value} (several variants only)."""
    if isinstance(v, dict):
        if list(variants) == [""]:
            raise _fail(where, key, "a single value (the file defines one scenario)", v)
        for k in v:
            if k not in variants:
                raise _fail(where, f"{key}.{k}", f"one of the file's variants {list(variants)}", k)
        return {n: convert(f"{key}.{n}", v[n]) for n in variants if n in v}
    return {n: convert(key, v) for n in variants}


def _choices(where: str, key: str, v: object, kind: type[enum.Enum]) -> list[Any]:
    """One enum value or a list of distinct ones."""
    names = v if isinstance(v, list) else [v]
    allowed = [p.value for p in kind]
    out: list[Any] = []
    for i, j in enumerate(names):
        if not isinstance(j, str) or j not in allowed:
            k = key if not isinstance(v, list) else f"{key}[{i}]"
            raise _fail(where, k, f"one of {allowed}", j)
        out.append(kind(j))
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


def _pinned(where: str) -> Callable[[str, object], int]:
    def convert(key: str, v: object) -> int:
        if not isinstance(v, int) or isinstance(v, bool) or v < 1:
            raise _fail(where, key, "a distinct-state count, an integer >= 1", v)
        return v

    return convert


def _table(where: str, data: Mapping[str, Any], section: str) -> dict[str, Any]:
    table = data.get(section, {})
    if not isinstance(table, dict):
        raise _fail(where, f"[{section}]", "a table", table)
    for k in table:
        if k not in _SECTIONS[section]:
            raise ScenarioFileError(
                f"{where}: [{section}] unknown key {shown(k)}; expected one of "
                f"{', '.join(_LISTED[section])}"
            )
    return table


def _leaf_set_size(where: str, space: Mapping[str, Any]) -> tuple[str, object]:
    """The key [space] uses for L and its value; ``leaf_set`` (the old name) with a note."""
    if "leaf_set" in space and "leaf_set_size" in space:
        raise ScenarioFileError(
            f"{where}: [space] has both leaf_set_size and leaf_set (its old name); keep "
            "leaf_set_size"
        )
    if "leaf_set" in space:
        warnings.warn(InputNote(f"{where}: [space] leaf_set is now leaf_set_size"), stacklevel=3)
        return "leaf_set", space["leaf_set"]
    if "leaf_set_size" not in space:
        raise ScenarioFileError(f"{where}: [space] missing key 'leaf_set_size'")
    return "leaf_set_size", space["leaf_set_size"]


def _config_error(e: PastryRefError, leaf_key: str) -> str:
    """A ``Config`` message with its field named as the file names it (``space.bits``)."""
    keys = {
        "bits": "space.bits",
        "b": "space.b",
        "leaf_set_size": f"space.{leaf_key}",
        "neighborhood_size": "space.neighborhood",
    }
    field, sep, rest = str(e).partition(":")
    return f"{keys[field]}:{rest}" if sep and field in keys else str(e)


def _apps(
    where: str, table: object, config: Config
) -> tuple[tuple[App, ...], tuple[tuple[int, Hashable], ...], list[str]]:
    """The ``[app]`` table: the lookup application, then one application per sub-table
    (``[app.NAME]``, parsed by ``pastry_ref.check.apps`` with the scenario's protocol Config),
    with their client requests and, for each request, the NAME of the table it comes from (for
    messages)."""
    if not isinstance(table, Mapping):
        raise _fail(where, "app", "a table of application tables", table)
    known = sorted(APP_TABLES)
    for name in table:
        if name not in APP_TABLES:
            raise ScenarioFileError(
                f"{where}: [app] unknown application {shown(name)}; expected one of "
                f"{', '.join(known) or 'none (no application takes a table yet)'}"
            )
        if not isinstance(table[name], Mapping):
            raise _fail(where, f"app.{name}", "a table", table[name])
    apps: list[App] = [LookupApp()]
    requests: list[tuple[int, Hashable]] = []
    sources: list[str] = []
    for name, parser in APP_TABLES.items():
        if name in table:
            app, reqs = parser(where, table[name], config)
            apps.append(app)
            requests.extend(reqs)
            sources += [name] * len(reqs)
    return tuple(apps), tuple(requests), sources


def _request_error(e: PastryRefError, sources: list[str]) -> str:
    """A ``WorldSpec`` message about ``requests[i]`` with the request named as the file names
    it: ``app.past: request 2 (in the table's order): ...``."""
    m = re.match(r"requests\[(\d+)\](.*)", str(e), re.DOTALL)
    if m is None or int(m[1]) >= len(sources):
        return str(e)
    i = int(m[1])
    name = sources[i]
    j = i - sources.index(name)
    return f"app.{name}: request {j} (in the table's order){m[2]}"


def parse_scenario(
    data: Mapping[str, Any], where: str, default_name: str = "scenario"
) -> list[Scenario]:
    """Turn parsed TOML into scenarios; ``where`` names the source in error messages."""
    if not isinstance(data, Mapping):
        raise _fail(where, "the document", "a table of scenario keys", data)
    for k in data:
        if k not in _TOP:
            raise ScenarioFileError(
                f"{where}: unknown key {shown(k)}; expected one of {', '.join(sorted(_TOP))}"
            )
    tables = {section: _table(where, data, section) for section in _SECTIONS}
    for section in ("space", "initial"):
        if section not in data:
            raise ScenarioFileError(f"{where}: missing the [{section}] table")
    name = _text(where, "name", data.get("name", default_name), empty=False)
    description = _text(where, "description", data.get("description", ""), empty=True)

    space = tables["space"]
    for k in ("bits", "b"):
        if k not in space:
            raise ScenarioFileError(f"{where}: [space] missing key {k!r}")
    bits = _int(where, "space.bits", space["bits"])
    b = _int(where, "space.b", space["b"])
    leaf_key, leaf_v = _leaf_set_size(where, space)
    leaf = _int(where, f"space.{leaf_key}", leaf_v)
    hood = _int(where, "space.neighborhood", space.get("neighborhood", leaf))

    protocol = tables["protocol"]
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

    ready = _int_list(where, "initial.ready", tables["initial"].get("ready", []))
    env = tables["environment"]
    join_pairs = _pairs(where, "environment.joins", env.get("joins", []))
    lookups = _pairs(where, "environment.lookups", env.get("lookups", []))
    crashes = _int_list(where, "environment.crashes", env.get("crashes", []))
    leaves = _int_list(where, "environment.leaves", env.get("leaves", []))
    periodic = _count(where, "environment.periodic", env.get("periodic", 0), 0)
    if len(ready) + len(join_pairs) + len(lookups) > MAX_SCENARIO_NODES:
        raise ScenarioFileError(
            f"{where}: initial.ready, environment.joins and environment.lookups: more than "
            f"{MAX_SCENARIO_NODES:,} entries together"
        )
    net = tables["network"]
    model_v = net.get("model", "reliable")
    models = [m.value for m in NetworkModel]
    if not isinstance(model_v, str) or model_v not in models:
        raise _fail(where, "network.model", f"one of {models}", model_v)
    network = NetworkModel(model_v)
    drops = _count(where, "network.drops", net.get("drops", 0), 0)
    duplicates = _count(where, "network.duplicates", net.get("duplicates", 0), 0)

    try:  # the applications see the first variant's Config (the variants differ in join only)
        app_config = Config.make(bits, b, leaf, hood, joins[0], hop_acks, probe_retry)
    except PastryRefError as e:
        raise ScenarioFileError(f"{where}: {_config_error(e, leaf_key)}") from None
    apps, app_requests, sources = _apps(where, data.get("app", {}), app_config)

    combos = list(itertools.product(joins, timer_list))

    def variant(proto: JoinProtocol, timers: TimerSemantics) -> str:
        parts = [proto.value] if len(joins) > 1 else []
        parts += [timers.value] if len(timer_list) > 1 else []
        return "/".join(parts)

    variants = [variant(p, t) for p, t in combos]

    check = tables["check"]
    prop_names: tuple[str, ...] | None = None
    if "properties" in check:
        props_v = check["properties"]
        if not isinstance(props_v, list) or not all(isinstance(p, str) for p in props_v):
            raise _fail(where, "check.properties", "a list of property names", props_v)
        if not props_v:
            raise ScenarioFileError(
                f"{where}: check.properties: expected at least one property (leave the key "
                "out to check them all)"
            )
        known = list(property_names())
        for i, p in enumerate(props_v):
            if p not in known:
                raise _fail(where, f"check.properties[{i}]", f"names from {known}", p)
        if len(set(props_v)) != len(props_v):
            raise _fail(where, "check.properties", "distinct property names", props_v)
        prop_names = tuple(props_v)
    expects = _per_variant(
        where, "check.expect", check.get("expect", "pass"), variants, _verdict(where)
    )
    counts: dict[str, int] = {}
    if "distinct_states" in check:
        counts = _per_variant(
            where, "check.distinct_states", check["distinct_states"], variants, _pinned(where)
        )

    out: list[Scenario] = []
    for (proto, timers), suffix in zip(combos, variants, strict=True):
        try:
            config = Config.make(bits, b, leaf, hood, proto, hop_acks, probe_retry)
        except PastryRefError as e:
            raise ScenarioFileError(f"{where}: {_config_error(e, leaf_key)}") from None
        try:
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
                apps,
                app_requests,
            )
        except PastryRefError as e:
            raise ScenarioFileError(f"{where}: {_request_error(e, sources)}") from None
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
