"""``pastry-ref tlc``: model-check a scenario's TLA+ twin with TLC, validate a trace of ours, or
validate a foreign implementation's conformance trace.

Owns: the subcommand's options, its text and JSON reports and its exit codes (0 every checked
property holds and the search was complete, or the trace is accepted; 1 a property is violated,
or the trace is refused; 2 bad usage or input — no jar, no modules, a bad scenario or trace, a
pastry-trace wider than TLC's 32-bit integers —, 3 TLC cannot decide: the scenario is outside
the twin, or TLC failed). ``--trace FILE`` without a SCENARIO is a pastry-trace
(spec/trace-format.md) checked by spec/tla/TraceRoute.tla (``pastry_ref.tla.foreign``); with
one SCENARIO it is an ITF trace of ours checked by TracePastry.tla.
Rule: for a scenario the JSON has the shape of ``pastry-ref check --json``; a property
the twin does not model is listed with status ``unknown`` and says so, never as holding.
"""

from __future__ import annotations

import argparse
import json
import sys
from pathlib import Path
from typing import Any, TextIO

from pastry_ref.errors import BadInput

__all__ = ["add_command", "run_scenarios"]

EXIT_OK, EXIT_VIOLATION, EXIT_INCOMPLETE = 0, 1, 3
MAX_TIMEOUT = 10.0**7


def add_command(sub: Any) -> None:
    p: argparse.ArgumentParser = sub.add_parser(
        "tlc",
        help="model-check a scenario's TLA+ twin with TLC (spec/tla), or validate a trace",
        description=(
            "Generate the TLC model of each SCENARIO's TLA+ twin (spec/tla) in a temporary "
            "folder, run TLC on it and report as pastry-ref check does. With --trace FILE and "
            "one SCENARIO: let TLC decide whether an ITF trace of ours is a behaviour of the "
            "twin (TracePastry.tla). With --trace FILE and no SCENARIO: FILE is a foreign "
            "implementation's conformance trace (pastry-trace, spec/trace-format.md) and TLC "
            "checks that each hop and delivery is permitted by the paper's rules "
            "(TraceRoute.tla: R-JUDGE-1..4, R-ROUTE-1..5; ids of at most 30 bits). Needs java "
            "and tla2tools.jar (--tla2tools PATH or TLA2TOOLS_JAR). Exit codes: 0 all checked "
            "properties hold (or the trace is accepted), 1 one is violated (or the trace is "
            "refused), 2 bad usage or input, 3 TLC cannot decide."
        ),
    )
    p.add_argument("scenarios", nargs="*", metavar="SCENARIO", help="scenario names or files")
    p.add_argument("--tla2tools", metavar="PATH", help="tla2tools.jar (default: $TLA2TOOLS_JAR)")
    p.add_argument("--modules", metavar="DIR", help="folder of the twin's .tla modules")
    p.add_argument("--json", action="store_true", help="print a JSON summary on stdout")
    p.add_argument("--itf", metavar="FILE", help="write TLC's counterexample, replayed, as ITF")
    p.add_argument("--timeout", type=float, default=None, metavar="S", help="per TLC run")
    p.add_argument("--expect", action="store_true", help="exit 0 iff verdicts and counts match")
    p.add_argument(
        "--trace",
        metavar="FILE",
        help=(
            "validate a trace: with one SCENARIO an ITF trace of ours (pastry-ref check --itf, "
            "TracePastry.tla); with no SCENARIO a foreign pastry-trace (spec/trace-format.md, "
            "as pastry-ref judge reads; TraceRoute.tla)"
        ),
    )
    p.set_defaults(run=_run)


def _run(args: argparse.Namespace) -> int:
    from pastry_ref.tla import find_jar, find_modules

    if args.timeout is not None and not 0 < args.timeout <= MAX_TIMEOUT:
        raise BadInput(f"--timeout: expected seconds in (0, {MAX_TIMEOUT:.0f}], got {args.timeout}")
    if args.trace and not args.scenarios:
        return _foreign(args)
    if not args.scenarios:
        raise BadInput(
            "expected at least one SCENARIO (a name from pastry-ref check --list, or a file)"
        )
    if args.itf and len(args.scenarios) != 1:
        raise BadInput("--itf: give exactly one SCENARIO")
    jar = find_jar(args.tla2tools)
    modules = find_modules(args.modules)
    if args.trace:
        from pastry_ref.tla.foreign import is_pastry_trace
        from pastry_ref.tla.trace import validate_trace

        if len(args.scenarios) != 1:
            raise BadInput("--trace: give exactly one SCENARIO (the one the trace is of)")
        if is_pastry_trace(Path(args.trace)):
            raise BadInput(
                f"--trace {args.trace}: a pastry-trace (spec/trace-format.md) is validated "
                "without a SCENARIO: pastry-ref tlc --trace FILE"
            )
        return validate_trace(
            _resolve(args.scenarios)[0], Path(args.trace), jar, modules, args.json, sys.stdout
        )
    return run_scenarios(
        _resolve(args.scenarios),
        jar,
        modules,
        as_json=args.json,
        itf=args.itf,
        timeout=args.timeout,
        expect=args.expect,
        out=sys.stdout,
    )


def _foreign(args: argparse.Namespace) -> int:
    """``--trace FILE`` without a scenario: a pastry-trace through TraceRoute. The trace is
    read (and a bad one refused, exit 2) before the jar is looked for."""
    from pastry_ref.tla import find_jar, find_modules
    from pastry_ref.tla.foreign import prepare, report, run_steps

    if args.itf or args.expect:
        raise BadInput("--itf and --expect need a SCENARIO; a pastry-trace takes neither")
    path = Path(args.trace)
    if not path.is_file():
        raise BadInput(
            f"--trace {args.trace}: not a file; expected a pastry-trace (spec/trace-format.md) "
            "or, with a SCENARIO, an ITF trace"
        )
    steps = prepare(path)
    jar = find_jar(args.tla2tools)
    result = run_steps(steps, jar, find_modules(args.modules), timeout=args.timeout)
    return report(result, args.json, sys.stdout)


def _resolve(names: list[str]) -> list[Any]:
    from model_check import registry

    registry.load_providers()
    return [s for name in names for s in registry.resolve(name)]


def _result_names(model: Any) -> list[tuple[str, str]]:
    """(result name, kind) of every property our checker reports for the scenario."""
    import model_check as mc

    out: list[tuple[str, str]] = []
    for p in model.properties():
        if isinstance(p, mc.Convergence):
            out.extend((f"{p.name}/{c.value}", "convergence") for c in p.checks)
        elif isinstance(p, mc.AlwaysOnTransition):
            out.append((p.name, "transition"))
        else:
            out.append((p.name, "always"))
    return out


def run_scenarios(
    scenarios: list[Any],
    jar: Path,
    modules: Path,
    *,
    as_json: bool,
    itf: str | None,
    timeout: float | None,
    expect: bool,
    out: TextIO,
) -> int:
    from model_check.itf import trace_to_itf, write_itf
    from pastry_ref.check.model import PastryModel
    from pastry_ref.tla import LIVENESS, TWIN_PROPERTIES, check_scope, run_tlc
    from pastry_ref.tla.replay import confirm, replay_on_model

    summaries: list[dict[str, Any]] = []
    code = EXIT_OK
    for scenario in scenarios:
        model = scenario.model()
        if not isinstance(model, PastryModel):
            raise BadInput(f"{scenario.name}: not a Pastry scenario; the TLA+ twin models Pastry")
        check_scope(model.spec, scenario.name)
        names = _result_names(model)
        checked = [n for n, _ in names if n in TWIN_PROPERTIES]
        result = run_tlc(model.spec, checked, jar=jar, modules=modules, timeout=timeout)
        notes = [f"not in the TLA+ twin: {n}" for n, _ in names if n not in TWIN_PROPERTIES]
        if result.acyclic is not None:
            notes.append(
                "TLC: every fair behaviour terminates (Terminates): no cycle at all, so every "
                "no-cycle property holds"
                if result.acyclic
                else "TLC: some fair behaviour never terminates (Terminates violated): each "
                "no-cycle property was run on its own"
            )
        replayed: list[str] = []
        safety: list[str] = []
        trace_len: int | None = None
        safety = [p for p in result.violated if p not in LIVENESS]
        if safety and result.trace:
            trace = replay_on_model(model.spec, result.trace)
            trace, ours = confirm(model.spec, trace, safety[0])
            trace_len = len(trace)
            replayed = ours
            notes.append(
                f"TLC's counterexample to {safety[0]} replays on our model "
                f"({len(trace)} steps); our evaluator: "
                + ("; ".join(ours) if ours else "does NOT see the violation (disagreement)")
            )
            if itf:
                doc = trace_to_itf(
                    model,
                    trace,
                    source=f"TLC on the twin of {scenario.name}",
                    property_name=safety[0],
                )
                write_itf(itf, doc)
        if result.out_of_scope:
            verdict = "incomplete"
        elif result.violated:
            verdict = "violated"
        else:
            verdict = "pass"
        mismatches: list[str] = []
        if verdict != scenario.expected.value:
            mismatches.append(
                f"expected verdict {scenario.expected.value.upper()}, got {verdict.upper()}"
            )
        if scenario.violated is not None and verdict != "incomplete":
            want = sorted(p for p in scenario.violated if p in checked)
            if want != sorted(result.violated):
                mismatches.append(
                    f"expected violated properties {want}, got {sorted(result.violated)}"
                )
        if (
            scenario.distinct_states is not None
            and result.distinct_states != scenario.distinct_states
        ):
            mismatches.append(
                f"expected {scenario.distinct_states:,} distinct states (pinned), got "
                f"{result.distinct_states:,}"
            )
        props = []
        for n, kind in names:
            if n not in TWIN_PROPERTIES:
                status, msg = "unknown", "not in the TLA+ twin"
            elif result.out_of_scope:
                status, msg = "unknown", result.out_of_scope
            else:
                status = "violated" if n in result.violated else "holds"
                msg = ""
            first = bool(safety) and n == safety[0]
            props.append(
                {
                    "name": n,
                    "kind": kind,
                    "status": status,
                    "violations": replayed if first else [],
                    "trace_length": trace_len if first else None,
                    "loop": None,
                    "message": msg,
                }
            )
        summaries.append(
            {
                "scenario": scenario.name,
                "verdict": verdict,
                "expected": scenario.expected.value,
                "pinned_distinct_states": scenario.distinct_states,
                "expected_violated": None if scenario.violated is None else list(scenario.violated),
                "expectation_met": not mismatches,
                "mismatches": mismatches,
                "stats": {
                    "strategy": "bfs",
                    "storage": "TLC (fingerprints)",
                    "collision_probability": None,
                    "states_generated": result.states_generated,
                    "distinct_states": result.distinct_states,
                    "queue": 0,
                    "depth": result.depth,
                    "seconds": round(result.seconds, 3),
                    "states_per_second": round(result.distinct_states / result.seconds, 1)
                    if result.seconds > 0
                    else None,
                    "complete": not result.out_of_scope,
                    "stop_reason": result.out_of_scope,
                    "por_requested": False,
                    "por_applied": False,
                    "transitions_pruned": 0,
                    "seed": None,
                    "walks": 0,
                },
                "properties": props,
                "notes": notes,
            }
        )
        this = {"pass": EXIT_OK, "violated": EXIT_VIOLATION}.get(verdict, EXIT_INCOMPLETE)
        if expect:
            this = EXIT_OK if not mismatches else max(EXIT_VIOLATION, this)
        code = max(code, this)
    if as_json:
        out.write(json.dumps({"scenarios": summaries}, indent=1) + "\n")
    else:
        for s in summaries:
            _print(s, out, expect)
    return code


def _print(s: dict[str, Any], out: TextIO, expect: bool) -> None:
    st = s["stats"]
    out.write(f"== {s['scenario']} (TLC on the TLA+ twin)\n")
    out.write(
        f"{st['states_generated']:,} states generated, {st['distinct_states']:,} distinct "
        f"states, depth {st['depth']}\n{st['seconds']:.1f} s\n"
    )
    for p in s["properties"]:
        status = {"holds": "HOLDS", "violated": "VIOLATED", "unknown": "UNKNOWN"}[p["status"]]
        extra = f" — {p['message']}" if p["message"] else ""
        out.write(f"  {status:9} {p['name']} ({p['kind']}){extra}\n")
    for note in s["notes"]:
        if not note.startswith("not in the TLA+ twin"):
            out.write(f"{note}\n")
    out.write(f"Verdict: {s['verdict'].upper()}\n")
    if expect:
        if s["expectation_met"]:
            out.write("expectation met\n")
        for m in s["mismatches"]:
            out.write(f"expectation NOT met: {m}\n")
