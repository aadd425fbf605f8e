"""The conformance harness: foreign node processes driven over stdio, the harness as their
network, a seeded schedule, a run folder judged by the oracle (spec/conformance.md). Also our own
node served over that protocol (``node_server``). With ``cli/``, the only part of pastry_ref
that performs I/O.

Modules, bottom up: ``wire`` (envelopes, hex ids), ``process`` (a node process: bounded output,
timeouts, faults), ``schedule`` (the steps from a seed, ``schedule.json``), ``harness`` (the
network and the run), ``run`` (judge, verdict, run folder), ``node_server`` (our node behind the
protocol).
"""

from pastry_ref.conform.harness import Harness, HarnessOptions, Network
from pastry_ref.conform.node_server import Behaviour, NodeServer, serve
from pastry_ref.conform.process import Fault, NodeProcess, kill_all
from pastry_ref.conform.run import RunResult, conform
from pastry_ref.conform.schedule import RunParams, Schedule, ScheduleError, generate, load_schedule
from pastry_ref.conform.wire import HARNESS, Envelope, WireError

__all__ = [
    "HARNESS",
    "Behaviour",
    "Envelope",
    "Fault",
    "Harness",
    "HarnessOptions",
    "Network",
    "NodeProcess",
    "NodeServer",
    "RunParams",
    "RunResult",
    "Schedule",
    "ScheduleError",
    "WireError",
    "conform",
    "generate",
    "kill_all",
    "load_schedule",
    "serve",
]
