"""The TLA+ twin of a scenario: whether the twin models it, the TLC model that describes it,
and the exact map from our World to the twin's state.

Owns: ``TWIN_PROPERTIES`` (our property names the twin checks, with their TLA+ definitions),
``check_scope`` (``TwinOutOfScope`` for a scenario the twin does not model), ``tlc_model``
(the ``MC.tla`` / ``MC.cfg`` texts for a scenario), ``find_modules`` (the spec/tla sources) and
``twin_state`` (a World as the value TLC prints for the same state, see ``values``). Rule 1:
the twin's variables are exactly the parts of a World that vary in a join scenario, so
``twin_state`` is injective on the Worlds of such a scenario and TLC's distinct states are ours
(tests/test_tlc.py compares the two state sets, not only their sizes). Rule 2: a scenario with
anything the twin leaves out (crashes, leaves, loss, duplication, periodic timers, the *any*
semantics, hop acknowledgements, applications other than lookup) is refused, never
approximated.
"""

from __future__ import annotations

import collections
import shutil
from collections.abc import Sequence
from pathlib import Path
from typing import Any

import attrs

from pastry_ref.app.lookup import Lookup, LookupApp, LookupPayload
from pastry_ref.errors import BadInput, BoundReached
from pastry_ref.node import messages as msgs
from pastry_ref.node.state import NodeState
from pastry_ref.system.actions import NetworkModel, TimerSemantics
from pastry_ref.system.spec import WorldSpec
from pastry_ref.system.world import World
from pastry_ref.tla.values import Fn, tla_literal

__all__ = [
    "LIVENESS",
    "MODULES",
    "TWIN_PROPERTIES",
    "ModulesNotFound",
    "TlcModel",
    "TwinOutOfScope",
    "check_scope",
    "copy_modules",
    "find_modules",
    "tlc_model",
    "twin_state",
]

MODULES = (
    "PastryRing",
    "PastryLeafSet",
    "PastryTables",
    "PastryMessages",
    "PastryNode",
    "Pastry",
    "MCPastry",
    "TracePastry",
)
"""The modules of spec/tla, lowest layer first."""

TWIN_PROPERTIES: dict[str, str] = {
    "LSetInv": "LSetInv",
    "RoutingTablePrefix": "RoutingTablePrefix",
    "HalfNeighbor": "HalfNeighbor",
    "NeighborClosest": "NeighborClosest",
    "Consistency": "Consistency",
    "ConsistencyEveryKey": "ConsistencyEveryKey",
    "CorrectDelivery": "CorrectDelivery",
    "CorrectDeliveryAfterRepair": "CorrectDeliveryAfterRepair",
    "Converged/terminal": "Converged_terminal",
    "AllReady/terminal": "AllReady_terminal",
    "NoStuckMessages/terminal": "NoStuckMessages_terminal",
    "Converged/no-cycle": "Converged_nocycle",
    "AllReady/no-cycle": "AllReady_nocycle",
}
"""Our property (result) name -> the TLA+ definition that checks it (spec/invariants.md)."""

LIVENESS = frozenset({"Converged/no-cycle", "AllReady/no-cycle"})
"""The properties among TWIN_PROPERTIES that are temporal (checked under ``FairSpec``)."""


class TwinOutOfScope(BoundReached):
    """The scenario has something the TLA+ twin does not model: TLC cannot decide it (exit 3)."""


class ModulesNotFound(BadInput):
    """The TLA+ modules of the twin are not where the package looks for them."""


def check_scope(spec: WorldSpec, where: str = "scenario") -> None:
    """Refuse (``TwinOutOfScope``) a scenario the twin does not model."""
    why: list[str] = []
    if spec.crashes:
        why.append("crashes")
    if spec.leaves:
        why.append("leaves")
    if spec.network is not NetworkModel.RELIABLE:
        why.append(f"the {spec.network.value} network")
    if spec.periodic:
        why.append("periodic timers")
    if spec.timers is not TimerSemantics.QUIET:
        why.append(f"the {spec.timers.value} timer semantics")
    if spec.config.hop_acks:
        why.append("hop acknowledgements")
    if spec.apps != (LookupApp(),) or spec.requests:
        why.append("applications other than lookup")
    if why:
        raise TwinOutOfScope(
            f"{where}: the TLA+ twin models joins and lookups on a reliable network with quiet "
            f"timers; this scenario has {', '.join(why)}"
        )


def find_modules(explicit: str | Path | None = None) -> Path:
    """The folder holding the twin's modules: ``explicit`` if given, else the package's copy
    (``pastry_ref/tla/modules``, package data), else the repository's ``spec/tla``."""
    here = Path(__file__).resolve().parent
    candidates = (
        [Path(explicit)]
        if explicit is not None
        else [here / "modules", here.parents[1] / "spec" / "tla"]
    )
    for folder in candidates:
        if all((folder / f"{m}.tla").is_file() for m in MODULES):
            return folder
    looked = ", ".join(str(c) for c in candidates)
    raise ModulesNotFound(
        f"the TLA+ modules of the twin ({', '.join(m + '.tla' for m in MODULES)}) are not in "
        f"{looked}; pass --modules DIR naming the folder that holds them (spec/tla in the "
        f"repository)"
    )


def copy_modules(source: Path, dest: Path) -> None:
    for m in MODULES:
        shutil.copyfile(source / f"{m}.tla", dest / f"{m}.tla")


@attrs.frozen(slots=True)
class TlcModel:
    """The generated root module (``MC.tla``) and the constants it gives."""

    module: str
    constants: dict[str, str]

    def cfg(self, invariants: Sequence[str], temporal: Sequence[str] = ()) -> str:
        """The configuration checking ``invariants`` (TLA+ names) or, if ``temporal`` names
        any, those temporal properties of ``FairSpec``."""
        lines = ["CONSTANTS"]
        lines += [f"  {k} = {v}" for k, v in self.constants.items()]
        lines += [
            "  InitialReady <- MCReady",
            "  Joins <- MCJoins",
            "  Lookups <- MCLookups",
            "  Checked <- MCChecked",
        ]
        lines += ["SPECIFICATION FairSpec"] if temporal else ["INIT Init", "NEXT Next"]
        lines += ["CHECK_DEADLOCK FALSE"]
        lines += [f"INVARIANT {name}" for name in invariants]
        lines += [f"PROPERTY {name}" for name in temporal]
        return "\n".join(lines) + "\n"


def tlc_model(spec: WorldSpec, checked: Sequence[str]) -> TlcModel:
    """The TLC model of ``spec`` (which must be in scope), watching ``checked`` (our names)."""
    check_scope(spec)
    cfg = spec.config
    lookups = frozenset((o, k, i) for i, (o, k) in enumerate(spec.lookups))
    module = "\n".join(
        [
            "---- MODULE MC ----",
            "EXTENDS MCPastry",
            f"MCReady == {tla_literal(frozenset(spec.initial))}",
            f"MCJoins == {tla_literal(frozenset(spec.joins))}",
            f"MCLookups == {tla_literal(lookups)}",
            f"MCChecked == {tla_literal(frozenset(c for c in checked if c not in LIVENESS))}",
            "====",
            "",
        ]
    )
    constants = {
        "Bits": str(cfg.space.bits),
        "B": str(cfg.space.b),
        "Half": str(cfg.half),
        "M": str(cfg.neighborhood_size),
        "Protocol": tla_literal(cfg.join.value),
    }
    return TlcModel(module, constants)


# -- a World as the twin's state --------------------------------------------------------------
_NONE = -1


def _opt(x: int | None) -> int:
    return _NONE if x is None else x


def _node(n: NodeState) -> Fn:
    if n.failed or n.retried or n.pending:
        raise TwinOutOfScope(f"node {n.id} has failure state the twin does not model")
    return Fn.of(
        {
            "status": n.status.value,
            "ls": Fn.of({"left": n.leaf_set.left, "right": n.leaf_set.right}),
            "rt": frozenset(n.routing_table.members()),
            "hood": frozenset(n.neighborhood.members()),
            "probing": n.probing,
            "leases": n.leases,
            "asked": n.lease_asked,
            "waiting": n.lease_waiting,
            "granted": n.granted_to,
            "helping": _opt(n.helping),
            "helper": _opt(n.helper),
            "version": n.version,
        }
    )


def _message(m: Any) -> Fn:
    t = type(m).__name__
    f: dict[str, Any] = {"type": t, "src": m.src}
    if isinstance(m, msgs.JoinRequest):
        f.update(joiner=m.joiner, rows=frozenset(m.rows), hood=frozenset(m.neighborhood))
        f["givers"] = tuple(tuple(g) for g in m.givers)
    elif isinstance(m, msgs.JoinReply):
        f.update(ls=frozenset(m.leaf_set), rows=frozenset(m.rows), hood=frozenset(m.neighborhood))
        f["givers"] = tuple(tuple(g) for g in m.givers)
    elif isinstance(m, msgs.Announce):
        f["version"] = _opt(m.version)
    elif isinstance(m, msgs.AnnounceReply):
        f.update(ls=frozenset(m.leaf_set), version=m.version)
    elif isinstance(m, msgs.LSProbe | msgs.LSProbeReply):
        if m.failed:
            raise TwinOutOfScope(f"{t} from {m.src} carries failure gossip")
        f["ls"] = frozenset(m.leaf_set)
    elif isinstance(m, msgs.LeaseReply):
        f.update(granted=m.granted, ls=frozenset(m.leaf_set))
    elif isinstance(m, msgs.RouteMessage):
        if not isinstance(m.payload, LookupPayload):
            raise TwinOutOfScope(f"the twin routes lookups only, not {type(m.payload).__name__}")
        f.update(key=m.key, id=m.payload.id)
    elif not isinstance(m, msgs.LeaseRequest | msgs.LeaseRelease | msgs.JoinDone):
        raise TwinOutOfScope(f"the twin has no message {t}")
    return Fn.of(f)


def twin_state(world: World) -> dict[str, Any]:
    """``world`` as the twin's state: variable name -> the value TLC prints, parsed
    (``values.parse_value``, normalised by ``normalise``)."""
    net = collections.Counter((e.dest, _message(e.msg)) for e in world.network)
    requests = []
    for o, r in world.requests_left:
        if not isinstance(r, Lookup):
            raise TwinOutOfScope(f"the twin has no request {type(r).__name__}")
        lookup: Lookup = r
        requests.append((o, lookup.key, lookup.id))
    return {
        "node": Fn.of({n.id: _node(n) for n in world.nodes}),
        "net": Fn.of(dict(net)),
        "joinsLeft": frozenset(world.joins_left),
        "requestsLeft": frozenset(requests),
    }


def normalise(state: dict[str, Any]) -> dict[str, Any]:
    """A state TLC printed, parsed, in ``twin_state``'s form: TLC prints a function whose
    domain is 1..n as a sequence, and an empty one as ``<<>>``."""
    out = dict(state)
    for var in ("node", "net"):
        v = out.get(var)
        if isinstance(v, tuple):
            out[var] = Fn.of({i + 1: x for i, x in enumerate(v)})
    return out
