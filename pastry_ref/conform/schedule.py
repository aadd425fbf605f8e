"""The schedule of a conformance run, generated from a seed, and its file form.

Owns: ``RunParams`` (the run's sizes and the protocol parameters the nodes are told),
``Schedule`` (the node ids and the list of steps), ``generate`` (a schedule from a seed) and
``load_schedule`` / ``Schedule.to_json`` (the ``schedule.json`` of a run folder, so a run
replays). Rules: (1) everything random here is drawn from ``random.Random(seed)``: the same
seed and parameters give the same schedule, byte for byte; (2) the schedule keeps its own
picture of who is live (joined and not gone), so it only asks live nodes to route, leave or
seed a join, and keeps at least three nodes live; (3) the steps are plain JSON values
(spec/conformance.md §6 lists them); a step the harness cannot read is bad input naming the
step.
"""

from __future__ import annotations

import json
import random
from pathlib import Path
from typing import Any

import attrs

from pastry_ref.conform.wire import id_hex, parse_hex_id
from pastry_ref.errors import BadInput, shown
from pastry_ref.ring.ids import IdSpace

__all__ = ["STEP_OPS", "RunParams", "Schedule", "ScheduleError", "generate", "load_schedule"]

STEP_OPS = frozenset(
    {"join", "lookup", "leave", "kill", "faults", "partition", "heal", "tick", "settle"}
)


class ScheduleError(BadInput):
    """A schedule file (``--replay``) is unreadable or breaks the format; the message names the
    file and the step."""


@attrs.frozen(slots=True, kw_only=True)
class RunParams:
    """The sizes of a run and the protocol parameters every node is told in ``init``."""

    nodes: int = 6
    bits: int = 32
    b: int = 4
    leaf_set_size: int = 4
    neighborhood_size: int = 4
    join: str = "consistent"
    lookups: int = 20
    churn: bool = True
    faults: bool = True
    settle_ticks: int = 15

    def __attrs_post_init__(self) -> None:
        IdSpace(self.bits, self.b)  # ConfigError names the field
        if not 1 <= self.nodes <= 1000:
            raise BadInput(f"--nodes: expected 1..1000 nodes, got {shown(self.nodes)}")
        if self.leaf_set_size < 2 or self.leaf_set_size % 2:
            raise BadInput(f"--leaf-set-size: expected an even L >= 2, got {self.leaf_set_size}")
        if not 0 <= self.neighborhood_size <= 1024:
            raise BadInput(f"--neighborhood-size: expected 0..1024, got {self.neighborhood_size}")
        if self.join not in ("consistent", "paper"):
            raise BadInput(f"--join: expected consistent or paper, got {shown(self.join)}")
        if not 0 <= self.lookups <= 100_000:
            raise BadInput(f"--lookups: expected 0..100000, got {shown(self.lookups)}")
        if not 1 <= self.settle_ticks <= 1000:
            raise BadInput(f"--settle-ticks: expected 1..1000, got {shown(self.settle_ticks)}")
        if (1 << self.bits) < 4 * self.nodes:
            raise BadInput(f"--bits: {self.bits} bits is too small for {self.nodes} distinct ids")

    def to_json(self) -> dict[str, Any]:
        return attrs.asdict(self)


@attrs.frozen(slots=True, kw_only=True)
class Schedule:
    """A run's plan: the seed, the parameters, the node ids (node ``i`` has ``ids[i]``) and
    the steps in order."""

    seed: int
    params: RunParams
    ids: tuple[int, ...]
    steps: tuple[dict[str, Any], ...]

    def to_json(self) -> dict[str, Any]:
        return {
            "format": "pastry-conform-schedule",
            "version": 1,
            "seed": self.seed,
            "params": self.params.to_json(),
            "ids": [id_hex(x, self.params.bits) for x in self.ids],
            "steps": list(self.steps),
        }


def generate(seed: int, params: RunParams) -> Schedule:
    """The schedule for ``seed`` (rule 1): joins one at a time (lookups aimed at each joiner
    while it joins), a quiescent point, lookups, then churn (leaves, kills, lost, duplicated
    and delayed messages, a partition), the last joins, a final quiescent point and lookups."""
    rng = random.Random(seed)
    space = IdSpace(params.bits, params.b)
    drawn: list[int] = []
    while len(drawn) < params.nodes:
        x = rng.randrange(space.size)
        if x not in drawn:
            drawn.append(x)
    ids = tuple(drawn)
    steps: list[dict[str, Any]] = []
    live: list[int] = []  # node indexes, joined and not gone (rule 2)
    next_lookup = [0]

    def lookup_steps(count: int) -> None:
        for _ in range(count):
            if not live:
                return
            origin = rng.choice(live)
            key = _pick_key(rng, space, [ids[i] for i in live])
            steps.append(
                {
                    "op": "lookup",
                    "node": origin,
                    "key": id_hex(key, params.bits),
                    "id": next_lookup[0],
                }
            )
            next_lookup[0] += 1

    late = 1 if params.churn and params.nodes >= 6 else 0
    first = params.nodes - late
    for i in range(first):
        joiner_key = id_hex(ids[i], params.bits)
        step: dict[str, Any] = {"op": "join", "node": i, "seed": rng.choice(live) if live else None}
        if live:  # lookups toward the joiner while it joins, after some deliveries
            step["probe_lookups"] = [
                {"after": a, "node": rng.choice(live), "key": joiner_key, "id": next_lookup[0] + k}
                for k, a in enumerate(sorted(rng.sample(range(1, 40), 3)))
            ]
            next_lookup[0] += 3
        steps.append(step)
        live.append(i)
    steps.append({"op": "settle", "ticks": params.settle_ticks})
    lookup_steps(max(params.lookups // 2, 1) if params.lookups else 0)

    if params.churn and len(live) >= 4:
        goners = max(1, min(len(live) - 3, 1 + len(live) // 4))
        for k in range(goners):
            if params.faults and k == 0:
                steps.append({"op": "faults", "drop": 0.02, "duplicate": 0.05, "delay": 0.1})
            who = rng.choice(live[1:])
            live.remove(who)
            steps.append({"op": "leave" if k % 2 == 0 else "kill", "node": who})
            lookup_steps(2)
            steps.append({"op": "tick", "count": 2})
        if params.faults and len(live) >= 4:
            half = rng.sample(live, len(live) // 2)
            steps.append({"op": "partition", "nodes": sorted(half)})
            lookup_steps(2)
            steps.append({"op": "tick", "count": 1})
            steps.append({"op": "heal"})
        if params.faults:
            steps.append({"op": "faults", "drop": 0.0, "duplicate": 0.0, "delay": 0.0})
        steps.append({"op": "settle", "ticks": params.settle_ticks})
        if first < params.nodes:
            for i in range(first, params.nodes):
                steps.append({"op": "join", "node": i, "seed": rng.choice(live)})
                live.append(i)
            steps.append({"op": "settle", "ticks": params.settle_ticks})
    lookup_steps(params.lookups - params.lookups // 2 if params.lookups else 0)
    return Schedule(seed=seed, params=params, ids=ids, steps=tuple(steps))


def _pick_key(rng: random.Random, space: IdSpace, live_ids: list[int]) -> int:
    """A key for a lookup: often the midpoint of two ring neighbours (an exact distance tie,
    where the tie rule decides), sometimes a node's own id, else uniform."""
    r = rng.random()
    ring = sorted(live_ids)
    if r < 0.4 and len(ring) >= 2:
        pairs = [(a, ring[(i + 1) % len(ring)]) for i, a in enumerate(ring)]
        even = [(a, c) for a, c in pairs if space.cw_distance(a, c) % 2 == 0 and a != c]
        if even:
            a, c = rng.choice(even)
            return (a + space.cw_distance(a, c) // 2) % space.size
    if r < 0.5:
        return rng.choice(ring)
    return rng.randrange(space.size)


# -- the file form ------------------------------------------------------------------------
def load_schedule(path: Path) -> Schedule:
    """A ``schedule.json`` written by ``Schedule.to_json`` (rule 3)."""
    try:
        data = json.loads(path.read_text(encoding="utf-8"))
    except OSError as e:
        raise ScheduleError(f"{path}: cannot read ({e.strerror})") from None
    except (ValueError, RecursionError):
        raise ScheduleError(f"{path}: not JSON") from None
    if not isinstance(data, dict) or data.get("format") != "pastry-conform-schedule":
        raise ScheduleError(f"{path}: expected an object with format 'pastry-conform-schedule'")
    if data.get("version") != 1:
        raise ScheduleError(f"{path}: version: expected 1, got {shown(data.get('version'))}")
    seed = data.get("seed")
    if not isinstance(seed, int) or isinstance(seed, bool):
        raise ScheduleError(f"{path}: seed: expected an integer, got {shown(seed)}")
    raw = data.get("params")
    if not isinstance(raw, dict):
        raise ScheduleError(f"{path}: params: expected an object")
    try:
        params = RunParams(**raw)
    except TypeError as e:
        raise ScheduleError(f"{path}: params: {e}") from None
    except BadInput as e:
        raise ScheduleError(f"{path}: params: {e}") from None
    raw_ids = data.get("ids")
    if not isinstance(raw_ids, list) or len(raw_ids) != params.nodes:
        raise ScheduleError(f"{path}: ids: expected a list of {params.nodes} hex ids")
    try:
        ids = tuple(parse_hex_id(x, params.bits, f"ids[{i}]") for i, x in enumerate(raw_ids))
    except BadInput as e:
        raise ScheduleError(f"{path}: {e}") from None
    if len(set(ids)) != len(ids):
        raise ScheduleError(f"{path}: ids: expected distinct ids")
    steps = data.get("steps")
    if not isinstance(steps, list):
        raise ScheduleError(f"{path}: steps: expected a list")
    for i, s in enumerate(steps):
        _check_step(path, i, s, params)
    return Schedule(seed=seed, params=params, ids=ids, steps=tuple(steps))


def _check_step(path: Path, i: int, step: object, params: RunParams) -> None:
    where = f"{path}: steps[{i}]"
    if not isinstance(step, dict) or step.get("op") not in STEP_OPS:
        raise ScheduleError(f"{where}: expected an object with op one of {sorted(STEP_OPS)}")

    def node(value: object, field: str) -> None:
        if not isinstance(value, int) or isinstance(value, bool) or not 0 <= value < params.nodes:
            raise ScheduleError(f"{where}.{field}: expected a node index 0..{params.nodes - 1}")

    op = step["op"]
    if op in ("join", "lookup", "leave", "kill"):
        node(step.get("node"), "node")
    if op == "join" and step.get("seed") is not None:
        node(step.get("seed"), "seed")
    if op in {"lookup", "join"}:
        probes = [step] if op == "lookup" else step.get("probe_lookups", [])
        if not isinstance(probes, list):
            raise ScheduleError(f"{where}.probe_lookups: expected a list")
        for p in probes:
            if not isinstance(p, dict):
                raise ScheduleError(f"{where}: expected lookups as objects")
            node(p.get("node"), "node")
            try:
                parse_hex_id(p.get("key"), params.bits, "key")
            except BadInput as e:
                raise ScheduleError(f"{where}: {e}") from None
            if not isinstance(p.get("id"), int):
                raise ScheduleError(f"{where}.id: expected an integer lookup id")
    if op == "faults":
        for k in ("drop", "duplicate", "delay"):
            v = step.get(k)
            if not isinstance(v, int | float) or isinstance(v, bool) or not 0 <= v <= 1:
                raise ScheduleError(f"{where}.{k}: expected a probability 0..1")
    if op == "partition":
        members = step.get("nodes")
        if not isinstance(members, list):
            raise ScheduleError(f"{where}.nodes: expected a list of node indexes")
        for j, m in enumerate(members):
            node(m, f"nodes[{j}]")
    if op in ("tick", "settle"):
        n = step.get("count" if op == "tick" else "ticks")
        if not isinstance(n, int) or isinstance(n, bool) or not 0 <= n <= 1000:
            raise ScheduleError(f"{where}: expected a tick count 0..1000")
