"""The ``pastry-ref check`` subcommand: run registered scenarios through the engine.

Owns: option parsing and validation (one line on stderr and exit code 2 for bad usage or bad
input, never a traceback), the progress line on stderr, the text and ``--json`` reports, ITF
export (``--itf``) and replay (``--replay``), and exit codes: without ``--expect``, 0 when every
property holds and every search was complete, 1 when a property is violated, 3 when a search was
incomplete; with ``--expect``, 0 when every scenario met its expected verdict and pinned
distinct-state count, 1 otherwise. Scenarios of other packages come from their
``model_check.scenarios`` entry points (``PROVIDERS``).
"""

from __future__ import annotations

import argparse
import json
import math
import os
import stat
import sys
from pathlib import Path
from typing import Any, TextIO

from model_check import registry
from model_check.itf import ItfError, load_itf, replay_itf, trace_to_itf, write_itf
from model_check.model import ModelCheckError, ModelError
from model_check.registry import Scenario, ScenarioError
from model_check.render import render_result
from model_check.result import CheckResult, Strategy, Verdict
from model_check.search import (
    MAX_COUNT,
    MAX_SECONDS,
    MAX_SEED,
    OptionError,
    Progress,
    SearchOptions,
    check,
    select_properties,
)

__all__ = ["PROVIDERS", "add_command", "run"]

EXIT_OK, EXIT_VIOLATION, EXIT_BAD_INPUT, EXIT_INCOMPLETE = 0, 1, 2, 3
PROVIDERS = registry.ENTRY_POINT_GROUP  # the entry-point group of scenario providers
PROGRESS_AFTER = 3.0  # seconds before the progress line appears


class UsageError(ModelCheckError, ValueError):
    """Options that contradict each other or name nothing."""


def add_command(sub: Any) -> None:
    p: argparse.ArgumentParser = sub.add_parser(
        "check",
        help="model-check scenarios: every interleaving, or the shortest counterexample",
        description=(
            "Explore every interleaving of each SCENARIO (a registered name, or a scenario file) "
            "and check its properties. Exit codes: 0 all hold and the search was complete, "
            "1 a property is violated, 2 bad usage or input, 3 incomplete (a bound was hit)."
        ),
    )
    p.add_argument("scenarios", nargs="*", metavar="SCENARIO", help="scenario names or files")
    p.add_argument("--list", action="store_true", help="list the registered scenarios")
    p.add_argument("--strategy", default="bfs", help="bfs (default, shortest), dfs or random")
    p.add_argument("--max-states", metavar="N", help="stop after N distinct states")
    p.add_argument("--max-depth", metavar="N", help="do not expand states at depth N")
    p.add_argument("--max-seconds", metavar="S", help="stop after S seconds")
    p.add_argument("--seed", metavar="N", help="random walks: the seed (default 0)")
    p.add_argument("--walks", metavar="N", help="random walks: how many (default 1000)")
    p.add_argument("--por", action="store_true", help="partial-order reduction (sleep sets)")
    p.add_argument("--fingerprint", action="store_true", help="store 64-bit fingerprints")
    p.add_argument("--property", action="append", metavar="NAME", help="check only NAME")
    p.add_argument("--itf", metavar="FILE", help="write the first counterexample as ITF JSON")
    p.add_argument("--replay", metavar="FILE", help="replay an ITF trace on the scenario's model")
    p.add_argument("--json", action="store_true", help="print a JSON summary on stdout")
    p.add_argument(
        "--expect", action="store_true", help="exit 0 iff verdicts and pinned counts match"
    )
    p.set_defaults(run=run)


def _show(raw: str) -> str:
    return repr(raw) if len(raw) <= 40 else repr(raw[:37]) + "..."


def _int(args: argparse.Namespace, name: str, minimum: int, maximum: int = MAX_COUNT) -> int | None:
    """The option as an integer in minimum..maximum: plain ASCII digits, nothing else."""
    raw = getattr(args, name.replace("-", "_"))
    if raw is None:
        return None
    text = raw.strip()
    if text.isascii() and text.isdigit() and len(text) <= len(str(maximum)):
        value = int(text)
        if minimum <= value <= maximum:
            return value
    raise UsageError(f"--{name}: expected an integer in {minimum}..{maximum:,}, got {_show(raw)}")


def _seconds(raw: str | None) -> float | None:
    if raw is None:
        return None
    try:
        value = float(raw) if len(raw) <= 40 else math.nan
    except ValueError:
        value = math.nan
    if not 0 < value <= MAX_SECONDS:  # refuses NaN and infinity too
        raise UsageError(
            f"--max-seconds: expected a number of seconds in (0, {MAX_SECONDS:,.0f}], "
            f"got {_show(raw)}"
        )
    return value


def _options(args: argparse.Namespace, scenario: Scenario | None) -> SearchOptions:
    try:
        strategy = Strategy(args.strategy)
    except ValueError:
        raise UsageError(
            f"--strategy: expected one of bfs, dfs, random, got {args.strategy!r}"
        ) from None
    seconds = _seconds(args.max_seconds)
    base = scenario.options if scenario is not None else SearchOptions()
    max_states = _int(args, "max-states", 1)
    max_depth = _int(args, "max-depth", 0)
    props = tuple(args.property) if args.property else None
    if props is None and scenario is not None:
        props = scenario.properties
    return SearchOptions(
        strategy=strategy,
        max_states=max_states if max_states is not None else base.max_states,
        max_depth=max_depth if max_depth is not None else base.max_depth,
        max_seconds=seconds if seconds is not None else base.max_seconds,
        seed=_int(args, "seed", 0, MAX_SEED),
        walks=_int(args, "walks", 1),
        por=args.por or base.por,
        fingerprint=args.fingerprint or base.fingerprint,
        properties=props,
    )


def _validate(args: argparse.Namespace) -> None:
    if args.list and (args.scenarios or args.replay or args.itf):
        raise UsageError("--list takes no scenario, --itf or --replay")
    if not args.list and not args.scenarios:
        raise UsageError("expected SCENARIO... or --list (try: pastry-ref check --list)")
    if (args.itf or args.replay) and len(args.scenarios) != 1:
        raise UsageError("--itf and --replay take exactly one scenario")
    if args.itf and args.replay:
        raise UsageError("--itf writes a new trace and --replay reads one: use one of them")
    if args.expect and args.strategy != "bfs":
        raise UsageError("--expect compares with pinned BFS results: use --strategy bfs")
    if args.replay:
        search_flags = {
            "--strategy": args.strategy != "bfs",
            "--max-states": args.max_states is not None,
            "--max-depth": args.max_depth is not None,
            "--max-seconds": args.max_seconds is not None,
            "--seed": args.seed is not None,
            "--walks": args.walks is not None,
            "--por": args.por,
            "--fingerprint": args.fingerprint,
            "--property": bool(args.property),
            "--expect": args.expect,
        }
        used = [flag for flag, on in search_flags.items() if on]
        if used:
            raise UsageError(f"--replay re-runs a trace and does not search: drop {used[0]}")
    if args.itf:
        _writable(args.itf)
    _options(args, None)  # every option error before any work


def _writable(path: str) -> None:
    """``--itf FILE`` is a new file or a regular one in an existing directory (writing to a FIFO
    would wait for a reader, forever)."""
    try:
        info = os.stat(path)
    except FileNotFoundError:
        parent = Path(path).resolve().parent
        if not parent.is_dir():
            raise UsageError(f"--itf {path}: the directory {parent} does not exist") from None
        return
    except (OSError, ValueError) as e:
        raise UsageError(f"--itf {_show(path)}: cannot use this name ({e})") from None
    if not stat.S_ISREG(info.st_mode):
        kind = "a directory" if stat.S_ISDIR(info.st_mode) else "not a regular file"
        raise UsageError(f"--itf {path}: {kind}; expected a file to write the trace to")


class _ProgressLine:
    """A progress line on stderr, shown only once a run has lasted ``PROGRESS_AFTER`` seconds."""

    def __init__(self, name: str, stream: TextIO) -> None:
        self.name = name
        self.stream = stream
        self.tty = stream.isatty()
        self.last = 0.0
        self.shown = False

    def __call__(self, p: Progress) -> None:
        if p.seconds < PROGRESS_AFTER:
            return
        if self.shown and p.seconds - self.last < (0.5 if self.tty else 10.0):
            return
        self.last = p.seconds
        rate = p.distinct_states / p.seconds
        text = (
            f"{self.name}: {p.distinct_states:,} distinct, {p.states_generated:,} generated, "
            f"queue {p.queue:,}, depth {p.depth}, {rate:,.0f} states/s, {p.seconds:.0f} s"
        )
        if p.max_states:
            done = min(1.0, p.distinct_states / p.max_states)
            filled = int(done * 20)
            text = f"[{'#' * filled}{'.' * (20 - filled)}] {done:4.0%} " + text
        if self.tty:
            self.stream.write("\r" + text[:160] + "\x1b[K")
        else:
            self.stream.write(text + "\n")
        self.stream.flush()
        self.shown = True

    def done(self) -> None:
        if self.shown and self.tty:
            self.stream.write("\n")
            self.stream.flush()


def _summary(scenario: Scenario, result: CheckResult, mismatches: list[str]) -> dict[str, Any]:
    s = result.stats
    return {
        "scenario": scenario.name,
        "verdict": result.verdict.value,
        "expected": scenario.expected.value,
        "pinned_distinct_states": scenario.distinct_states,
        "expected_violated": None if scenario.violated is None else list(scenario.violated),
        "expectation_met": not mismatches,
        "mismatches": mismatches,
        "stats": {
            "strategy": s.strategy.value,
            "storage": s.storage,
            "collision_probability": s.collision_probability,
            "states_generated": s.states_generated,
            "distinct_states": s.distinct_states,
            "queue": s.queue,
            "depth": s.max_depth,
            "seconds": round(s.seconds, 6),
            "states_per_second": round(s.states_per_second, 1) if s.seconds > 0 else None,
            "complete": s.complete,
            "stop_reason": s.stop_reason,
            "por_requested": s.por_requested,
            "por_applied": s.por_applied,
            "transitions_pruned": s.transitions_pruned,
            "seed": s.seed,
            "walks": s.walks,
        },
        "properties": [
            {
                "name": r.name,
                "kind": r.kind,
                "status": r.status.value,
                "violations": [str(v) for v in r.violations],
                "trace_length": None if r.trace is None else len(r.trace),
                "loop": None if r.trace is None else r.trace.loop,
                "message": r.message,
            }
            for r in result.properties
        ],
        "notes": list(result.notes),
    }


def _list(out: TextIO, as_json: bool) -> int:
    rows = registry.scenarios()
    if as_json:
        data = [
            {
                "name": s.name,
                "description": s.description,
                "expected": s.expected.value,
                "pinned_distinct_states": s.distinct_states,
            }
            for s in rows
        ]
        out.write(json.dumps({"scenarios": data}, indent=1) + "\n")
        return EXIT_OK
    width = max((len(s.name) for s in rows), default=0)
    for s in rows:
        pinned = f"{s.distinct_states:,} states" if s.distinct_states is not None else "unpinned"
        out.write(f"{s.name:{width}}  expect {s.expected.value:10} {pinned:>15}  {s.description}\n")
    loaders = registry.file_loaders()
    if loaders:
        out.write(f"(scenario files accepted: {', '.join(loaders)})\n")
    return EXIT_OK


def _replay(args: argparse.Namespace, scenario: Scenario, out: TextIO) -> int:
    doc = load_itf(args.replay)
    try:
        result = replay_itf(scenario.model(), doc)
    except ItfError as e:
        raise ItfError(f"{args.replay}: {e}") from e
    if args.json:
        data = {"replay": args.replay, "ok": result.ok, "steps": result.steps}
        out.write(json.dumps({**data, "message": result.message}) + "\n")
    else:
        status = "ok" if result.ok else "MISMATCH"
        out.write(f"replay {args.replay} on {scenario.name}: {status}: {result.message}\n")
    return EXIT_OK if result.ok else EXIT_VIOLATION


def run(args: argparse.Namespace, out: TextIO | None = None, err: TextIO | None = None) -> int:
    """The ``check`` command; returns the exit code."""
    out = out or sys.stdout
    err = err or sys.stderr
    try:
        _validate(args)
        registry.load_providers(PROVIDERS)
        if args.list:
            return _list(out, args.json)
        chosen: list[Scenario] = []
        for arg in args.scenarios:
            chosen += registry.resolve(arg)
        if args.replay:
            return _replay(args, chosen[0], out)
        if args.itf and len(chosen) != 1:
            raise UsageError(f"--itf takes exactly one scenario; {args.scenarios[0]} has more")
        plans = [(s, _options(args, s)) for s in chosen]
        for s, o in plans:
            select_properties(s.model(), o.properties)
    except (UsageError, OptionError, ScenarioError, ItfError, ModelError) as e:
        err.write(f"pastry-ref check: error: {e}\n")
        return EXIT_BAD_INPUT
    except BrokenPipeError:  # our reader closed stdout: the caller's business, not bad input
        raise
    except (ValueError, OSError) as e:  # a scenario-file loader's own message
        err.write(f"pastry-ref check: error: {e}\n")
        return EXIT_BAD_INPUT
    summaries: list[dict[str, Any]] = []
    codes: list[int] = []
    all_met = True
    for scenario, opts in plans:
        model = scenario.model()
        bar = _ProgressLine(scenario.name, err)
        try:
            result = check(model, opts, progress=bar)
        except (OptionError, ModelError) as e:
            bar.done()
            err.write(f"pastry-ref check: error: {scenario.name}: {e}\n")
            return EXIT_BAD_INPUT
        bar.done()
        mismatches = registry.expectation_mismatches(scenario, result)
        all_met = all_met and not mismatches
        codes.append(result.verdict.exit_code)
        if args.json:
            summaries.append(_summary(scenario, result, mismatches))
        else:
            out.write(render_result(model, result, title=scenario.name) + "\n")
            if mismatches:
                for m in mismatches:
                    out.write(f"EXPECTATION MISMATCH: {m}\n")
            else:
                pinned = scenario.distinct_states
                count = f", {pinned:,} distinct states as pinned" if pinned is not None else ""
                applies = registry.pinned_count_applies(result)
                if pinned is not None and not applies:
                    count = " (pinned count not compared: not a complete BFS run)"
                out.write(f"expectation met: {scenario.expected.value.upper()}{count}\n")
            out.write("\n")
        if args.itf and not _export(args.itf, scenario, model, result, err=err):
            return EXIT_BAD_INPUT
    if args.expect:
        code = EXIT_OK if all_met else EXIT_VIOLATION
    elif Verdict.VIOLATED.exit_code in codes:
        code = EXIT_VIOLATION
    elif Verdict.INCOMPLETE.exit_code in codes:
        code = EXIT_INCOMPLETE
    else:
        code = EXIT_OK
    if args.json:
        out.write(json.dumps({"scenarios": summaries, "exit_code": code}, indent=1) + "\n")
    return code


def _export(path: str, scenario: Scenario, model: Any, result: CheckResult, *, err: TextIO) -> bool:
    """Write the first counterexample (a note on stderr if there is none); False if the file
    cannot be written."""
    bad = result.first_counterexample()
    if bad is None or bad.trace is None:
        err.write(f"pastry-ref check: no counterexample, {path} not written\n")
        return True
    doc = trace_to_itf(
        model,
        bad.trace,
        source=scenario.name,
        property_name=bad.name,
        description=f"{scenario.name}: counterexample to {bad.name}",
    )
    try:
        write_itf(path, doc)
    except OSError as e:
        err.write(f"pastry-ref check: error: --itf {path}: cannot write ({e.strerror})\n")
        return False
    err.write(f"wrote the counterexample to {bad.name} ({len(bad.trace)} steps) to {path}\n")
    return True
