"""The conformance harness: N foreign node processes, the harness as their network, a schedule.

Owns: ``HarnessOptions``, ``Network`` (the in-flight messages and the seeded choices: which
message is delivered next, drops, duplicates, delays, a partition) and ``Harness`` (runs a
``Schedule`` against node processes and writes the history as a trace, spec/trace-format.md).
Rules: (1) one message at a time: the harness delivers one envelope, reads the node's outputs up
to its ``done``, and only then picks the next, so the order of events is the harness's, drawn
from the seed (spec/conformance.md §7 says what is and is not reproducible); (2) every choice
of the network comes from ``random.Random("network/<seed>")``, the ids and steps from the
schedule; (3) a node that crashes, hangs, floods or writes garbage is a ``Fault``: it is
killed, recorded as ``crashed`` in the history, and the run goes on without it; (4) what the
history says a node did is only what the node reported (spec/conformance.md §4): the harness
never infers a delivery; (5) every report is checked before it reaches the history, so the
history is always a well-formed trace (a malformed report is the node's fault, rule 3); (6) a
copy the network made (duplication) and every message sent in answer to one is marked: the
route reports it leads to are written as ``x-duplicate`` events, which the judge skips (a
duplicated lookup legitimately passes a node twice, which the route judge would otherwise call
a revisit, R-ROUTE-5).
"""

from __future__ import annotations

import os
import random
import time
from collections.abc import Iterator
from pathlib import Path
from typing import Any, TextIO

import attrs

from pastry_ref.conform.process import Fault, NodeProcess
from pastry_ref.conform.schedule import Schedule
from pastry_ref.conform.wire import HARNESS, Envelope, dumps, id_hex, parse_hex_id
from pastry_ref.errors import BadInput, shown

__all__ = ["MAX_IDS", "Harness", "HarnessOptions", "Network", "RunLog"]

MAX_IDS = 4096
"""The most ids a leaf-set half, a cell or a neighbourhood may list (R-TRACE-6)."""


@attrs.frozen(slots=True, kw_only=True)
class HarnessOptions:
    """How the harness treats the nodes: ``command`` starts one; ``timeout`` bounds each wait
    for a node's ``done`` (seconds); ``max_lines`` bounds the lines a node may write for one
    input; ``max_deliveries`` bounds the whole run (beyond it the verdict is unknown);
    ``tie_rule`` and ``max_hops`` go into the history's header."""

    command: tuple[str, ...]
    timeout: float = 10.0
    init_timeout: float = 30.0
    max_lines: int = 10_000
    max_deliveries: int = 200_000
    tie_rule: str = "either"
    max_hops: int | None = None


class BudgetReached(Exception):
    """The run delivered ``max_deliveries`` messages (a livelock, or a run too big)."""


@attrs.define
class RunLog:
    """What a run produced besides the history: faults, notes, counters."""

    faults: list[Fault] = attrs.Factory(list)
    notes: list[str] = attrs.Factory(list)
    counts: dict[str, int] = attrs.Factory(dict)
    incomplete: list[str] = attrs.Factory(list)

    def count(self, name: str, by: int = 1) -> None:
        self.counts[name] = self.counts.get(name, 0) + by


class Network:
    """The messages in flight between nodes and the seeded network's choices (rule 2)."""

    def __init__(self, seed: int) -> None:
        self.rng = random.Random(f"network/{seed}")
        # A message in flight is (envelope, copy): ``copy`` marks a duplicate the network made
        # and everything sent in answer to one (rule 6).
        self.pool: list[tuple[Envelope, bool]] = []
        self.delayed: list[tuple[int, tuple[Envelope, bool]]] = []  # (release tick, message)
        self.held: list[tuple[Envelope, bool]] = []  # across the partition
        self.drop = self.duplicate = self.delay = 0.0
        self.side: frozenset[str] | None = None
        self.tick = 0

    def submit(self, env: Envelope, log: RunLog, copy: bool = False) -> None:
        if self.drop and self.rng.random() < self.drop:
            log.count("dropped")
            return
        copies = 2 if self.duplicate and self.rng.random() < self.duplicate else 1
        if copies == 2:
            log.count("duplicated")
        for k in range(copies):
            item = (env, copy or k == 1)
            if self.side is not None and (env.src in self.side) != (env.dest in self.side):
                self.held.append(item)
                log.count("held by partition")
            elif self.delay and self.rng.random() < self.delay:
                self.delayed.append((self.tick + self.rng.randint(1, 2), item))
                log.count("delayed")
            else:
                self.pool.append(item)

    def take(self) -> tuple[Envelope, bool] | None:
        """The next message to deliver, picked at random among those in flight."""
        if not self.pool:
            return None
        return self.pool.pop(self.rng.randrange(len(self.pool)))

    def advance(self) -> None:
        """One tick: delayed messages that are due enter the pool."""
        self.tick += 1
        due = [e for t, e in self.delayed if t <= self.tick]
        self.delayed = [(t, e) for t, e in self.delayed if t > self.tick]
        self.pool.extend(due)

    def heal(self) -> None:
        self.side = None
        self.pool.extend(self.held)
        self.held = []

    @property
    def quiet(self) -> bool:
        return not (self.pool or self.delayed or self.held)


class Harness:
    """Runs ``schedule`` against processes of ``options.command``, writing into ``run_dir``:
    ``history.jsonl`` (the trace) and ``node-<i>.stderr.log`` per node."""

    def __init__(self, schedule: Schedule, options: HarnessOptions, run_dir: Path) -> None:
        self.schedule = schedule
        self.params = schedule.params
        self.options = options
        self.run_dir = run_dir
        self.bits = self.params.bits
        self.names = [id_hex(x, self.bits) for x in schedule.ids]
        self.index = {n: i for i, n in enumerate(self.names)}
        self.procs: list[NodeProcess | None] = [None] * len(self.names)
        self.live: set[int] = set()  # joined (reported ready) and not gone
        self.joining: set[int] = set()
        self.gone: set[int] = set()
        self.routes: set[str] = set()
        self.snapshots: dict[int, dict[str, Any]] = {}
        self.net = Network(schedule.seed)
        self.log = RunLog()
        self.time = 0
        self.deliveries = 0
        self._trace: TextIO | None = None
        self._copy = False  # handling a network-made duplicate (rule 6)
        self.trace_lines = 0

    # -- the history --------------------------------------------------------------------
    def emit(self, event: dict[str, Any]) -> None:
        assert self._trace is not None
        event["time"] = self.time
        self._trace.write(dumps(event) + "\n")
        self.trace_lines += 1

    def _header(self) -> dict[str, Any]:
        h: dict[str, Any] = {
            "type": "header",
            "format": "pastry-trace",
            "version": 1,
            "bits": self.bits,
            "b": self.params.b,
            "leaf_set_size": self.params.leaf_set_size,
            "clock": "logical",
            "tie_rule": self.options.tie_rule,
            "implementation": " ".join(self.options.command)[:200],
        }
        if self.options.max_hops is not None:
            h["max_hops"] = self.options.max_hops
        return h

    # -- the run ------------------------------------------------------------------------------
    def run(self) -> RunLog:
        """Run the whole schedule; the processes are killed whatever happens."""
        self.run_dir.mkdir(parents=True, exist_ok=True)
        with (self.run_dir / "history.jsonl").open("w", encoding="utf-8", buffering=1) as trace:
            self._trace = trace
            self.emit(self._header())
            try:
                self._start_all()
                for step in self.schedule.steps:
                    self._do(step)
                self._check_joins()
            except BudgetReached:
                self.log.incomplete.append(
                    f"delivery budget of {self.options.max_deliveries} messages reached"
                )
            finally:
                self._stop_all()
                self._trace = None
        self.log.counts["deliveries"] = self.deliveries
        return self.log

    def _start_all(self) -> None:
        env = dict(os.environ, PYTHONHASHSEED="0")
        p = self.params
        for i, name in enumerate(self.names):
            log = self.run_dir / f"node-{i}.stderr.log"
            try:
                self.procs[i] = NodeProcess(self.options.command, name, log, env)
            except OSError as e:
                raise BadInput(
                    f"--bin: cannot start {shown(' '.join(self.options.command), 80)}: "
                    f"{e.strerror or e}"
                ) from None
        # init goes to every node first and the answers are collected after, so the nodes
        # start up in parallel and one deadline bounds them all.
        deadline = time.monotonic() + self.options.init_timeout
        for i, name in enumerate(self.names):
            body = {
                "type": "init",
                "msg_id": 1,
                "node_id": name,
                "bits": p.bits,
                "b": p.b,
                "leaf_set_size": p.leaf_set_size,
                "neighborhood_size": p.neighborhood_size,
                "join": p.join,
            }
            proc = self.procs[i]
            assert proc is not None
            if not proc.write(Envelope(HARNESS, name, body), self.options.init_timeout):
                assert proc.fault is not None
                self._record_fault(i, proc.fault)
        for i, proc in enumerate(self.procs):
            assert proc is not None
            if not proc.alive:
                if proc.fault is None:
                    self._fault(i, "crashed", "exited before answering init", 0)
                continue
            left = max(deadline - time.monotonic(), 0.1)
            got = proc.collect(left, self.options.max_lines, "init")
            if got is None:
                assert proc.fault is not None
                self._record_fault(i, proc.fault)
                continue
            for line, out in got:
                self._absorb(i, line, out)
            if proc.alive and "init_ok" not in {e.type for _, e in got}:
                self._fault(i, "garbage", "answered init without init_ok", 0)

    def _stop_all(self) -> None:
        for p in self.procs:
            if p is not None:
                p.close(timeout=1.0)

    def _check_joins(self) -> None:
        for i in sorted(self.joining):
            self.log.incomplete.append(f"node {i} ({self.names[i]}) never reported join_ok")

    # -- one exchange with a node -----------------------------------------------------------
    def _exchange(
        self, i: int, env: Envelope, timeout: float | None = None
    ) -> list[tuple[int, Envelope]] | None:
        proc = self.procs[i]
        if proc is None or not proc.alive:
            return None
        got = proc.send(env, timeout or self.options.timeout, self.options.max_lines)
        if got is None:
            assert proc.fault is not None
            self._record_fault(i, proc.fault)
            return None
        for line, out in got:
            self._absorb(i, line, out)
            if not proc.alive:
                return None
        return got

    def _fault(self, i: int, kind: str, message: str, line: int) -> None:
        proc = self.procs[i]
        assert proc is not None
        proc.fail(kind, message, line)
        assert proc.fault is not None
        self._record_fault(i, proc.fault)

    def _record_fault(self, i: int, fault: Fault) -> None:
        self.log.faults.append(fault)
        if i in self.live:
            self.live.discard(i)
            self.emit({"type": "crashed", "node": self.names[i]})
        self.joining.discard(i)
        self.gone.add(i)

    def _absorb(self, i: int, line: int, env: Envelope) -> None:
        """One envelope node ``i`` wrote: a message to another node, or a report (rule 5)."""
        if env.dest != HARNESS:
            if env.dest not in self.index:
                self._fault(i, "garbage", f"message to unknown address {shown(env.dest)}", line)
                return
            self.net.submit(env, self.log, self._copy)
            return
        try:
            self._report(i, env.body)
        except BadInput as e:
            self._fault(i, "garbage", f"bad {env.type} report: {e}", line)

    def _report(self, i: int, body: dict[str, Any]) -> None:
        kind = body["type"]
        name = self.names[i]
        if kind in ("init_ok", "leave_ok"):
            return
        if kind == "join_ok":
            if i in self.joining:
                self.joining.discard(i)
                self.live.add(i)
                self.emit({"type": "joined", "node": name})
            return
        if kind == "snapshot_ok":
            self.snapshots[i] = self._tables(body, "snapshot_ok")
            return
        if kind in ("deliver", "forward"):
            route = body.get("id")
            if (
                not isinstance(route, int)
                or isinstance(route, bool)
                or str(route) not in self.routes
            ):
                raise BadInput(f"id: expected the id of a started lookup, got {shown(route)}")
            if self._copy:  # a duplicate's route: kept for the reader, not judged (rule 6)
                self.log.count("reports about duplicates (not judged)")
                self.emit({"type": "x-duplicate", "node": name, "report": body})
                return
            if kind == "deliver":
                self.log.count("delivered")
                self.emit({"type": "deliver", "route": str(route), "node": name})
                return
            nxt = parse_hex_id(body.get("next"), self.bits, "next")
            hop: dict[str, Any] = {"type": "hop", "route": str(route), "from": name}
            hop["to"] = id_hex(nxt, self.bits)
            if "tables" in body:
                if not isinstance(body["tables"], dict):
                    raise BadInput("tables: expected an object")
                hop["tables"] = self._tables(body["tables"], "tables")
            self.log.count("hops")
            self.emit(hop)
            return
        if kind == "error":
            self.log.notes.append(f"node {i} ({name}) reported an error: {shown(body, 200)}")
            return
        raise BadInput(f"type: unknown report type {shown(kind)}")

    def _ids(self, value: object, field: str) -> list[str]:
        if not isinstance(value, list) or len(value) > MAX_IDS:
            raise BadInput(f"{field}: expected a list of at most {MAX_IDS} hex ids")
        return [
            id_hex(parse_hex_id(x, self.bits, f"{field}[{k}]"), self.bits)
            for k, x in enumerate(value)
        ]

    def _tables(self, body: dict[str, Any], what: str) -> dict[str, Any]:
        """The leaf set, routing table and neighbourhood of a report, checked for shape."""
        ls = body.get("leaf_set")
        if not isinstance(ls, dict):
            raise BadInput(f"{what}.leaf_set: expected an object with 'left' and 'right'")
        out: dict[str, Any] = {
            "leaf_set": {s: self._ids(ls.get(s), f"{what}.leaf_set.{s}") for s in ("left", "right")}
        }
        rt = body.get("routing_table")
        digits, base = self.bits // self.params.b, 1 << self.params.b
        if not isinstance(rt, list) or len(rt) > digits:
            raise BadInput(f"{what}.routing_table: expected a list of at most {digits} rows")
        rows = []
        for r, row in enumerate(rt):
            if not isinstance(row, list) or len(row) != base:
                raise BadInput(f"{what}.routing_table[{r}]: expected a row of {base} cells")
            rows.append(
                [self._ids(c, f"{what}.routing_table[{r}][{d}]") for d, c in enumerate(row)]
            )
        out["routing_table"] = rows
        if "neighborhood" in body:
            out["neighborhood"] = self._ids(body["neighborhood"], f"{what}.neighborhood")
        return out

    # -- the network ---------------------------------------------------------------------------
    def _deliver_one(self) -> bool:
        item = self.net.take()
        if item is None:
            return False
        env, copy = item
        if self.deliveries >= self.options.max_deliveries:
            raise BudgetReached
        self.deliveries += 1
        self.time += 1
        i = self.index[env.dest]
        proc = self.procs[i]
        if i in self.gone or proc is None or not proc.alive:
            self.log.count("lost to a gone node")
            return True
        self._copy = copy
        try:
            self._exchange(i, env)
        finally:
            self._copy = False
        return True

    def _drain(self) -> Iterator[int]:
        """Deliver until nothing is in flight, yielding the number delivered so far."""
        n = 0
        while self._deliver_one():
            n += 1
            yield n

    def _quiet(self) -> None:
        for _ in self._drain():
            pass

    def _tick(self) -> None:
        self.time += 1
        self.net.advance()
        for i in range(len(self.names)):
            if i in self.live or i in self.joining:
                self._exchange(i, Envelope(HARNESS, self.names[i], {"type": "tick"}))
        self._quiet()

    # -- the steps -------------------------------------------------------------------------------
    def _do(self, step: dict[str, Any]) -> None:
        op = step["op"]
        self.log.count(f"step {op}")
        getattr(self, f"_op_{op}")(step)

    def _op_join(self, step: dict[str, Any]) -> None:
        i = step["node"]
        if i in self.gone:
            self.log.notes.append(f"join of node {i} skipped: it is gone")
            return
        seed = step.get("seed")
        if seed is not None and seed not in self.live:
            live = sorted(self.live)
            if not live:
                self.log.notes.append(f"join of node {i} skipped: no live node to join through")
                return
            self.log.notes.append(
                f"join of node {i}: its seed, node {seed}, is not live; joined through node "
                f"{live[0]} instead"
            )
            seed = live[0]
        self.joining.add(i)
        body = {"type": "join", "msg_id": 2, "seed": None if seed is None else self.names[seed]}
        self._exchange(i, Envelope(HARNESS, self.names[i], body))
        probes = sorted(step.get("probe_lookups", []), key=lambda p: int(p["after"]))
        for n in self._drain():
            while probes and int(probes[0]["after"]) <= n:
                self._op_lookup(probes.pop(0))
        for p in probes:
            self._op_lookup(p)
        for _ in range(self.params.settle_ticks):
            if i not in self.joining:
                break
            self._tick()

    def _op_lookup(self, step: dict[str, Any]) -> None:
        i = step["node"]
        if i not in self.live:
            self.log.count("lookups skipped (origin not live)")
            return
        route = str(step["id"])
        if route in self.routes:
            self.log.notes.append(f"lookup id {route} used twice in the schedule; skipped")
            return
        self.routes.add(route)
        self.log.count("lookups")
        key = step["key"]
        self.emit({"type": "route", "route": route, "key": key, "origin": self.names[i]})
        body = {"type": "lookup", "msg_id": 3, "key": key, "id": int(step["id"])}
        self._exchange(i, Envelope(HARNESS, self.names[i], body))
        self._quiet()

    def _op_leave(self, step: dict[str, Any]) -> None:
        i = step["node"]
        if i not in self.live:
            return
        self._exchange(i, Envelope(HARNESS, self.names[i], {"type": "leave", "msg_id": 4}))
        if i in self.live:
            self.live.discard(i)
            self.gone.add(i)
            self.emit({"type": "left", "node": self.names[i]})
        proc = self.procs[i]
        if proc is not None:
            proc.close(timeout=1.0)

    def _op_kill(self, step: dict[str, Any]) -> None:
        i = step["node"]
        proc = self.procs[i]
        if proc is not None:
            proc.kill()
        if i in self.live:
            self.emit({"type": "crashed", "node": self.names[i]})
        self.live.discard(i)
        self.joining.discard(i)
        self.gone.add(i)

    def _op_faults(self, step: dict[str, Any]) -> None:
        self.net.drop = float(step["drop"])
        self.net.duplicate = float(step["duplicate"])
        self.net.delay = float(step["delay"])

    def _op_partition(self, step: dict[str, Any]) -> None:
        self.net.side = frozenset(self.names[i] for i in step["nodes"])

    def _op_heal(self, step: dict[str, Any]) -> None:
        self.net.heal()
        self._quiet()

    def _op_tick(self, step: dict[str, Any]) -> None:
        for _ in range(int(step["count"])):
            self._tick()

    def _op_settle(self, step: dict[str, Any]) -> None:
        """Run to a quiescent point and ask every live node for its tables there."""
        self._quiet()
        for _ in range(int(step["ticks"])):
            self._tick()
        extra = 0
        while (self.net.delayed or self.joining) and extra < 2 * int(step["ticks"]):
            self._tick()
            extra += 1
        if not self.net.quiet:
            self.log.notes.append(
                "settle: messages still in flight (a partition not healed, or delays still on); "
                "no quiescent point here"
            )
            return
        self.emit({"type": "quiescent"})
        self.log.count("quiescent points")
        self.snapshots = {}
        for i in sorted(self.live):
            self._exchange(i, Envelope(HARNESS, self.names[i], {"type": "snapshot", "msg_id": 5}))
        for i in sorted(self.live):
            tables = self.snapshots.get(i)
            if tables is None:
                self.log.incomplete.append(f"node {i} ({self.names[i]}) gave no snapshot")
                continue
            self.emit({"type": "snapshot", "node": self.names[i], **tables})
        # Snapshot requests send nothing between nodes; anything a node sent anyway is delivered
        # after the snapshots are in the history.
        self._quiet()
