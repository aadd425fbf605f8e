"""One conformance run, end to end: schedule, harness, judge, run folder, verdict.

Owns: ``RunResult`` (the verdict ``valid`` / ``violated`` / ``unknown``, its exit code 0 / 1 /
3, the faults, the judge's violations, the notes) and ``conform`` (generate or replay a
schedule, run the harness, judge the history, write the run folder). Rules: (1) the run folder
holds ``history.jsonl`` (the trace: ``pastry-ref judge RUN/history.jsonl`` re-judges it),
``schedule.json`` (seed, parameters, ids, steps: ``--replay RUN`` runs it again),
``results.json`` (the verdict and everything behind it), ``summary.txt`` and
``node-<i>.stderr.log``; (2) the verdict: a node fault (crash, hang, flood, garbage) or a
violation the judge finds is ``violated``; else a run that could not finish (a join that never
completed, the delivery budget, a node without a snapshot) or a judge that cannot decide is
``unknown``; else ``valid``; (3) the judging is the oracle's (``pastry_ref.oracle.judge_trace``),
never re-implemented here.
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import attrs

from pastry_ref.conform.harness import Harness, HarnessOptions, RunLog
from pastry_ref.conform.process import kill_all
from pastry_ref.conform.schedule import Schedule
from pastry_ref.conform.wire import dumps, id_hex

__all__ = ["EXIT_CODES", "RunResult", "conform", "next_run_dir"]

EXIT_CODES = {"valid": 0, "violated": 1, "unknown": 3}


@attrs.frozen(slots=True, kw_only=True)
class RunResult:
    """The outcome of one run (rule 2). ``violations`` are the judge's, as dicts with
    ``rule``, ``line``, ``node``, ``message``; ``faults`` the harness's."""

    verdict: str
    run_dir: Path
    seed: int
    faults: tuple[dict[str, Any], ...] = ()
    violations: tuple[dict[str, Any], ...] = ()
    reasons: tuple[str, ...] = ()
    notes: tuple[str, ...] = ()
    counts: dict[str, int] = attrs.field(factory=dict)
    judge_summary: str = ""

    @property
    def exit_code(self) -> int:
        return EXIT_CODES[self.verdict]

    @property
    def valid(self) -> bool | None:
        """True, False, or None for unknown (``results.json``'s ``valid``)."""
        return {"valid": True, "violated": False}.get(self.verdict)

    @property
    def rules(self) -> frozenset[str]:
        """The rules the judge found broken."""
        return frozenset(str(v.get("rule")) for v in self.violations)

    def to_json(self) -> dict[str, Any]:
        return {
            "valid": "unknown" if self.valid is None else self.valid,
            "verdict": self.verdict,
            "exit_code": self.exit_code,
            "seed": self.seed,
            "faults": list(self.faults),
            "violations": list(self.violations),
            "reasons": list(self.reasons),
            "notes": list(self.notes),
            "counts": dict(sorted(self.counts.items())),
            "judge_summary": self.judge_summary,
        }

    def summary(self) -> str:
        """What a human reads first: the verdict, why, and where the run folder is."""
        lines = [f"conform: {self.verdict} (seed {self.seed}, run folder {self.run_dir})"]
        for f in self.faults:
            lines.append(
                f"  fault: node {f['node']} {f['kind']} at its line {f['line']}: {f['message']}"
            )
        by_rule: dict[str, int] = {}
        for v in self.violations:
            by_rule[str(v.get("rule"))] = by_rule.get(str(v.get("rule")), 0) + 1
        for rule, n in sorted(by_rule.items()):
            first = next(v for v in self.violations if str(v.get("rule")) == rule)
            lines.append(
                f"  violated {rule} ({n}x), first at history line {first.get('line')}: "
                f"{first.get('message')}"
            )
        lines.extend(f"  unknown because: {r}" for r in self.reasons)
        c = self.counts
        lines.append(
            f"  {c.get('lookups', 0)} lookups, {c.get('delivered', 0)} delivered, "
            f"{c.get('hops', 0)} hops, {c.get('deliveries', 0)} messages delivered, "
            f"{c.get('dropped', 0)} dropped, {c.get('duplicated', 0)} duplicated, "
            f"{c.get('quiescent points', 0)} quiescent points"
        )
        lines.append(f"  re-judge: pastry-ref judge {self.run_dir / 'history.jsonl'}")
        lines.append(f"  replay:   pastry-ref conform --replay {self.run_dir}")
        return "\n".join(lines)


def next_run_dir(root: Path, seed: int, nodes: int) -> Path:
    """A fresh folder ``root/seed<S>-n<N>-<k>`` (the first ``k`` not taken)."""
    k = 1
    while (root / f"seed{seed}-n{nodes}-{k}").exists():
        k += 1
    return root / f"seed{seed}-n{nodes}-{k}"


def _judge(history: Path) -> tuple[str, list[dict[str, Any]], str, list[str]]:
    """The oracle's verdict on the history: (verdict, violations, summary, reasons)."""
    try:
        from pastry_ref.oracle.judge import judge_trace
    except ImportError:
        return "unknown", [], "", ["the judge (pastry_ref.oracle.judge) is not available"]
    report = judge_trace(history)
    bits = _header_bits(history)
    violations = [
        {
            "rule": str(v.rule),
            "line": v.line,
            "node": None if v.node is None else id_hex(v.node, bits),
            "message": str(v.message),
        }
        for v in report.violations
    ]
    reasons: list[str] = []
    if report.verdict == "unknown":
        notes = "; ".join(str(n) for n in getattr(report, "notes", ())) or "see judge_summary"
        reasons.append(f"the judge cannot decide: {notes}")
    return str(report.verdict), violations, str(report.summary()), reasons


def _header_bits(history: Path) -> int:
    with history.open(encoding="utf-8") as f:
        bits = json.loads(f.readline())["bits"]
    assert isinstance(bits, int)
    return bits


def conform(schedule: Schedule, options: HarnessOptions, run_dir: Path) -> RunResult:
    """Run ``schedule`` against ``options.command`` and judge it (rules 1-3)."""
    run_dir.mkdir(parents=True, exist_ok=True)
    (run_dir / "schedule.json").write_text(
        json.dumps(schedule.to_json(), indent=1) + "\n", encoding="utf-8"
    )
    (run_dir / "command.json").write_text(
        dumps({"command": list(options.command), "options": _options_json(options)}) + "\n",
        encoding="utf-8",
    )
    harness = Harness(schedule, options, run_dir)
    try:
        log = harness.run()
    finally:
        kill_all()
    return _finish(schedule, log, run_dir)


def _options_json(options: HarnessOptions) -> dict[str, Any]:
    d = attrs.asdict(options)
    d["command"] = list(options.command)
    return d


def _finish(schedule: Schedule, log: RunLog, run_dir: Path) -> RunResult:
    history = run_dir / "history.jsonl"
    judged, violations, judge_summary, reasons = _judge(history)
    reasons = list(log.incomplete) + reasons
    if log.faults or judged == "violated":
        verdict = "violated"
    elif reasons or judged != "valid":
        verdict = "unknown"
    else:
        verdict = "valid"
    result = RunResult(
        verdict=verdict,
        run_dir=run_dir,
        seed=schedule.seed,
        faults=tuple(f.to_json() for f in log.faults),
        violations=tuple(violations),
        reasons=tuple(reasons),
        notes=tuple(log.notes),
        counts=dict(log.counts),
        judge_summary=judge_summary,
    )
    (run_dir / "results.json").write_text(
        json.dumps(result.to_json(), indent=1) + "\n", encoding="utf-8"
    )
    (run_dir / "summary.txt").write_text(result.summary() + "\n", encoding="utf-8")
    return result
