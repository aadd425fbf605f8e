"""Trace validation: is an ITF trace of our World (``pastry-ref check --itf``) a behaviour of
the TLA+ twin? (etcd-raft's ``Traceetcdraft.tla`` technique, spec/tla/TracePastry.tla.)

Owns: ``itf_observations`` (an ITF document as the twin's observations: per state the action
taken, the started nodes' fields the trace shows, the network, the budgets), ``validate_trace``
(writes the ``Trace`` constant, runs TLC on TracePastry and reads how far it got) and
``TraceResult``. Rule 1: the ITF file is read only through ``model_check.itf.load_itf`` (the
boundary: every malformed file is exit 2) and converted without running our model: the trace
is checked against the twin alone. Rule 2: accepted means TLC's search reached depth
``len(trace)``; anything shorter names the first observation the twin cannot reach.
"""

from __future__ import annotations

import collections
import json
from pathlib import Path
from typing import Any, TextIO

import attrs

from model_check.itf import ACTION_TAKEN, load_itf
from pastry_ref.errors import BadInput
from pastry_ref.tla.tlc import run_module
from pastry_ref.tla.twin import check_scope, copy_modules, tlc_model
from pastry_ref.tla.values import Fn, tla_literal

__all__ = ["TraceResult", "itf_observations", "validate_trace"]

# ITF node fields (check/model.py _node_view) -> the twin's names.
_NODE_FIELDS = {
    "status": "status",
    "left": "left",
    "right": "right",
    "table": "table",
    "probing": "probing",
    "leases": "leases",
    "lease_asked": "asked",
    "lease_waiting": "waiting",
    "granted_to": "granted",
    "helping": "helping",
    "version": "version",
}
_SETS = {"table", "probing", "leases", "asked", "waiting", "granted"}
_NONE = -1


class TraceFileError(BadInput):
    """An ITF file that is not a trace of a join scenario the twin can read."""


@attrs.frozen(slots=True)
class TraceResult:
    length: int
    matched: int
    seconds: float

    @property
    def accepted(self) -> bool:
        return self.matched == self.length


def _decode(v: Any, where: str) -> Any:
    if isinstance(v, bool | int | str):
        return v
    if isinstance(v, list):
        return tuple(_decode(x, where) for x in v)
    if isinstance(v, dict):
        if "#tup" in v:
            return tuple(_decode(x, where) for x in v["#tup"])
        if "#set" in v:
            return frozenset(_decode(x, where) for x in v["#set"])
        if "#map" in v:
            return {_decode(k, where): _decode(x, where) for k, x in v["#map"]}
        if "#bigint" in v:
            return int(v["#bigint"])
        if "tag" in v and "value" in v:
            if v["tag"] == "Nil":
                return None
            return (v["tag"], {k: _decode(x, where) for k, x in v["value"].items()})
    raise TraceFileError(f"{where}: a value the twin's trace reader does not know: {v!r:.80}")


def _message(tag: str, f: dict[str, Any], where: str) -> Fn:
    out: dict[str, Any] = {"type": tag, "src": f["src"]}
    if f.get("failed"):
        raise TraceFileError(f"{where}: {tag} carries failure gossip, outside the twin")
    if tag == "JoinRequest":
        out.update(joiner=f["joiner"], rows=frozenset(f["rows"]), hood=frozenset(f["neighborhood"]))
        out["givers"] = tuple(tuple(g) for g in f["givers"])
    elif tag == "JoinReply":
        out.update(ls=frozenset(f["leaf_set"]), rows=frozenset(f["rows"]))
        out.update(hood=frozenset(f["neighborhood"]), givers=tuple(tuple(g) for g in f["givers"]))
    elif tag == "Announce":
        out["version"] = _NONE if f["version"] is None else f["version"]
    elif tag == "AnnounceReply":
        out.update(ls=frozenset(f["leaf_set"]), version=f["version"])
    elif tag in ("LSProbe", "LSProbeReply"):
        out["ls"] = frozenset(f["leaf_set"])
    elif tag == "LeaseReply":
        out.update(granted=f["granted"], ls=frozenset(f["leaf_set"]))
    elif tag == "RouteMessage":
        payload = f["payload"]
        if not (isinstance(payload, tuple) and payload[0] == "LookupPayload"):
            raise TraceFileError(f"{where}: a RouteMessage payload other than a lookup")
        out.update(key=f["key"], id=payload[1]["id"])
    elif tag not in ("LeaseRequest", "LeaseRelease", "JoinDone"):
        raise TraceFileError(f"{where}: message {tag} is outside the twin")
    return Fn.of(out)


def itf_observations(doc: dict[str, Any], source: str) -> list[Fn]:
    """The ITF document's states as the twin's observations (``TracePastry.Trace``)."""
    obs: list[Fn] = []
    for n, raw in enumerate(doc["states"]):
        where = f"{source}: states[{n}]"
        try:
            st = {k: _decode(v, f"{where}.{k}") for k, v in raw.items() if k != "#meta"}
            nodes: dict[int, Fn] = {}
            for x, view in st["nodes"].items():
                rec: dict[str, Any] = {}
                for k, raw_v in view.items():
                    if k not in _NODE_FIELDS:
                        raise TraceFileError(f"{where}.nodes[{x}]: field {k} is outside the twin")
                    name = _NODE_FIELDS[k]
                    v = raw_v
                    if name in _SETS:
                        v = frozenset(raw_v)
                    elif name == "helping" and raw_v is None:
                        v = _NONE
                    rec[name] = v
                nodes[x] = Fn.of(rec)
            net = collections.Counter(
                (dest, _message(msg[0], msg[1], f"{where}.network")) for dest, msg in st["network"]
            )
            requests = frozenset((o, r[1]["key"], r[1]["id"]) for o, r in st["requests_left"])
            action = "init" if n == 0 else raw.get(ACTION_TAKEN, "")
            obs.append(
                Fn.of(
                    {
                        "action": action,
                        "nodes": Fn.of(nodes),
                        "net": Fn.of(dict(net)),
                        "joinsLeft": frozenset(tuple(j) for j in st["joins_left"]),
                        "requestsLeft": requests,
                    }
                )
            )
        except (KeyError, TypeError, IndexError, ValueError) as e:
            if isinstance(e, BadInput):
                raise
            raise TraceFileError(
                f"{where}: not a state of a join scenario's trace ({type(e).__name__}: {e})"
            ) from None
    if not obs:
        raise TraceFileError(f"{source}: the trace has no state")
    return obs


def validate_trace(
    scenario: Any, path: Path, jar: Path, modules: Path, as_json: bool, out: TextIO
) -> int:
    """Check with TLC that the ITF trace at ``path`` is a behaviour of ``scenario``'s twin;
    exit code 0 accepted, 1 rejected (the trace is not a behaviour of the twin)."""
    doc = load_itf(path)
    spec = scenario.model().spec
    check_scope(spec, scenario.name)
    obs = itf_observations(doc, str(path))
    model = tlc_model(spec, ())
    module = model.module.replace("EXTENDS MCPastry", "EXTENDS TracePastry, MCPastry")
    module = module.replace("====", f"MCTrace == {tla_literal(tuple(obs))}\n====")
    cfg = (
        model.cfg([]).replace("INIT Init", "INIT TraceInit").replace("NEXT Next", "NEXT TraceNext")
    )
    cfg = cfg.replace("  Checked <- MCChecked", "  Checked <- MCChecked\n  Trace <- MCTrace")
    _, seconds, distinct, depth = run_module(
        jar, "pastry-tlc-trace-", lambda folder: copy_modules(modules, folder), module, cfg, None
    )
    result = TraceResult(len(obs), depth if distinct > 0 else 0, seconds)
    if as_json:
        out.write(
            json.dumps(
                {
                    "trace": str(path),
                    "scenario": scenario.name,
                    "length": result.length,
                    "matched": result.matched,
                    "accepted": result.accepted,
                    "seconds": round(seconds, 3),
                },
                indent=1,
            )
            + "\n"
        )
    elif result.accepted:
        out.write(
            f"{path}: accepted: all {result.length} states are a behaviour of the TLA+ twin of "
            f"{scenario.name} ({seconds:.1f} s)\n"
        )
    else:
        step = obs[result.matched].as_dict()["action"] if result.matched < len(obs) else "?"
        if result.matched == 0:
            out.write(
                f"{path}: REJECTED: its first state is not an initial state of the twin of "
                f"{scenario.name}\n"
            )
            return 1
        out.write(
            f"{path}: REJECTED: the twin of {scenario.name} matches states "
            f"0..{result.matched - 1} and cannot take step {result.matched} ({step})\n"
        )
    return 0 if result.accepted else 1
