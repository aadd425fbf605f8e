"""The mutation runner: every mutant of the core, each against the tests that cover its module.

Owns: running mutants (one pytest process each, one at a time, niced), classifying them, keeping
the results in ``mutation/results/*.json`` and writing the table ``mutation/results.md``.
Rule 1: a mutant runs only the test files that ``mutation/config.toml`` maps its module to, in
that order, with ``-x`` (the first failure kills it). Rule 2: the verdicts:
``killed`` (a selected test failed, or collection did), ``killed-by-timeout`` (a test failed
because a named bound ran out: ``Livelock``, ``RoutingLoop``, ``BoundReached`` — the hang was
detected by the suite itself), ``hung`` (the run passed the per-mutant time limit and was
stopped by this runner: the suite would hang silently, so the mutant is *not* killed),
``survived`` (every selected test passed) and ``equivalent`` (listed in
``mutation/equivalent.toml`` with a reason; not counted). Rule 3: results are kept by the
mutant's key (function and change) with the first verdict ever seen (``before``) beside the
latest (``after``), and written after every mutant, so a stopped run loses at most one mutant
and ``--resume`` picks up where it stopped. Rule 4: before the mutants, the selected tests run
once unmutated; if they fail, the module is not run (a mutant cannot be judged by red tests).

    python -m mutation.run pastry_ref/ring/ids.py        # one module (resumes)
    python -m mutation.run --all                          # every module of config.toml
    python -m mutation.run --survivors MODULE             # re-judge survived and hung mutants
    python -m mutation.run --table                        # rewrite mutation/results.md
    python -m mutation.run MODULE --recheck TEST...       # survivors against new tests only
"""

from __future__ import annotations

import argparse
import contextlib
import hashlib
import json
import os
import re
import signal
import subprocess
import sys
import time
import tomllib
from pathlib import Path
from typing import Any

from mutation.mutants import sites

__all__ = ["main"]

ROOT = Path(__file__).resolve().parent.parent
HERE = ROOT / "mutation"
RESULTS = HERE / "results"
VERDICTS = ("killed", "killed-by-timeout", "hung", "survived")
# A test failed *by* a named bound: the exception line of a traceback names its type, as in
# "E   pastry_ref.system.drive.Livelock: ..." (not "E   Failed: DID NOT RAISE ...RoutingLoop").
_BOUND = re.compile(
    r"^E\s+([\w.]+\.)?(Livelock|RoutingLoop|BoundReached|TimeoutExpired)\b", re.MULTILINE
)


def _config() -> dict[str, Any]:
    with open(HERE / "config.toml", "rb") as f:
        return tomllib.load(f)


def _equivalents() -> dict[tuple[str, str], str]:
    with open(HERE / "equivalent.toml", "rb") as f:
        data = tomllib.load(f)
    return {(e["module"], e["key"]): e["reason"] for e in data.get("equivalent", [])}


def _dotted(module: str) -> str:
    return module.removesuffix(".py").removesuffix("/__init__").replace("/", ".")


def _result_file(module: str) -> Path:
    return RESULTS / (_dotted(module) + ".json")


def _load(module: str) -> dict[str, Any]:
    path = _result_file(module)
    if path.exists():
        data: dict[str, Any] = json.loads(path.read_text())
        return data
    return {"module": module, "source_sha": "", "mutants": {}}


def _save(module: str, data: dict[str, Any]) -> None:
    RESULTS.mkdir(exist_ok=True)
    tmp = _result_file(module).with_suffix(".tmp")
    tmp.write_text(json.dumps(data, indent=1, sort_keys=True) + "\n")
    tmp.replace(_result_file(module))


def _pytest(
    module: str, tests: list[str], index: int | None, limit: float, trace: Path | None = None
) -> tuple[int | None, str, float]:
    """Run the selected tests, with mutant ``index`` (None: unmutated; with ``trace``, record
    the module's lines each test runs into that file). Returns the exit code (None when
    stopped at the time limit), the output and the seconds taken."""
    env = dict(os.environ)
    env.update(HYPOTHESIS_PROFILE="mutation", PYTHONDONTWRITEBYTECODE="1")
    env.pop("CI", None)  # the ci profile is not what a mutant run uses
    if trace is not None:
        env.update(MUTATION_TRACE=str(ROOT / module), MUTATION_TRACE_OUT=str(trace))
    if index is not None:
        env.update(
            MUTATION_MODULE=_dotted(module),
            MUTATION_PATH=str(ROOT / module),
            MUTATION_INDEX=str(index),
        )
    cmd = [sys.executable, "-m", "pytest", "-p", "mutation.hook", "-p", "no:cacheprovider"]
    cmd += ["-q", "--tb=short", "-m", "not slow", *tests]
    if index is not None:
        cmd.insert(-len(tests), "-x")
    start = time.monotonic()
    proc = subprocess.Popen(
        cmd,
        cwd=ROOT,
        env=env,
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT,
        text=True,
        start_new_session=True,
    )
    try:
        out, _ = proc.communicate(timeout=limit)
        return proc.returncode, out, time.monotonic() - start
    except subprocess.TimeoutExpired:
        os.killpg(proc.pid, signal.SIGKILL)  # the group of the process this runner started
        out, _ = proc.communicate()
        return None, out, time.monotonic() - start


def _verdict(code: int | None, out: str) -> str:
    if code is None:
        return "hung"
    if code == 0:
        return "survived"
    if code in (1, 2):  # tests failed / collection or import failed
        return "killed-by-timeout" if _BOUND.search(out) else "killed"
    raise RuntimeError(f"pytest exited {code} (not a verdict):\n{out[-2000:]}")


def _first_failure(out: str) -> str:
    m = re.search(r"^(FAILED|ERROR) (\S+)", out, re.MULTILINE)
    return m.group(2) if m else ""


def _tests_of(line: int, covered: dict[str, Any], files: list[str]) -> list[str]:
    """The tests that run ``line`` unmutated, in the order they ran; every selected file when
    the line runs at import (a module-level constant: every test sees it)."""
    lines = covered["lines"]
    if line in lines["<import>"]:
        return files
    return [t for t in covered["order"] if line in lines.get(t, ())]


def run_module(module: str, cfg: dict[str, Any], survivors_only: bool, log: bool = True) -> None:
    tests = cfg["modules"][module]["tests"]
    source = (ROOT / module).read_text()
    sha = hashlib.sha256(source.encode()).hexdigest()[:16]
    found = sites(source)
    data = _load(module)
    old = data["mutants"]
    if data["source_sha"] != sha:  # source changed: verdicts by key carry over as "before"
        old = {k: {"before": v["before"]} for k, v in old.items()}
        data.update(source_sha=sha, mutants=old)
    trace = RESULTS / (_dotted(module) + ".trace.json")
    RESULTS.mkdir(exist_ok=True)
    code, out, base = _pytest(module, tests, None, limit=3600, trace=trace)
    red = sorted(set(re.findall(r"^FAILED (\S+)", out, re.MULTILINE)))
    if code not in (0, 1) or (code == 1 and not red):
        sys.exit(f"mutation: the tests selected for {module} do not run:\n{out[-3000:]}")
    if red:  # red unmutated (someone's work in progress): they judge no mutant
        print(f"{module}: {len(red)} test(s) fail unmutated and are left out: {', '.join(red)}")
    covered = json.loads(trace.read_text())
    trace.unlink()
    covered["order"] = [t for t in covered["order"] if t not in red]
    tests = [*tests, *(f"--deselect={t}" for t in red)]
    factor, extra = cfg.get("timeout_factor", 4), cfg.get("timeout_extra", 20)
    limit = factor * base + extra
    data.update(
        baseline_seconds=round(base, 1), limit_seconds=round(limit, 1), tests=tests, red=red
    )
    keys = {s.key for s in found}
    data["mutants"] = old = {k: v for k, v in old.items() if k in keys or "after" not in v}
    if log:
        print(f"{module}: {len(found)} mutants, baseline {base:.1f}s, limit {limit:.0f}s")
    for site in found:
        rec = old.get(site.key, {})
        if "after" in rec and not (survivors_only and rec["after"] in ("survived", "hung")):
            continue
        chosen = _tests_of(site.line, covered, tests)
        if not chosen:  # no test runs this line: nothing can notice the mutant
            code, out, secs = 0, "", 0.0
        else:
            if chosen is not tests:  # the chosen tests' own (traced) time, not the files'
                seconds = covered.get("seconds", {})
                limit = factor * sum(seconds.get(t, 0.0) for t in chosen) + extra
            else:
                limit = factor * base + extra
            code, out, secs = _pytest(module, chosen, site.index, limit)
        verdict = _verdict(code, out)
        rec.update(
            line=site.line,
            limit=round(limit, 1),
            after=verdict,
            seconds=round(secs, 1),
            by=_first_failure(out) if verdict.startswith("killed") else "",
            ran=len(chosen) if chosen != tests else "all",
        )
        rec.setdefault("before", verdict)
        old[site.key] = rec
        _save(module, data)
        if log:
            print(f"  [{site.index + 1}/{len(found)}] {verdict:17} {secs:5.1f}s  {site.key}")
            sys.stdout.flush()
    _save(module, data)


def recheck(module: str, tests: list[str], limit: float | None = None) -> None:
    """Judge the survived and hung mutants of ``module`` again against ``tests`` only (new
    tests written for them), without the traced baseline. A failing test is a kill and is
    recorded; a pass proves nothing about the other tests and is not recorded (the mutant
    keeps its verdict until a full ``--survivors`` run)."""
    source = (ROOT / module).read_text()
    sha = hashlib.sha256(source.encode()).hexdigest()[:16]
    data = _load(module)
    if data["source_sha"] != sha:
        sys.exit(f"mutation: {module} changed since its run; use --survivors instead")
    if limit is None:  # the module's own limit: its mapped files' traced time, 4x + 20 s
        limit = float(data.get("limit_seconds") or 600)
    for site in sites(source):
        rec = data["mutants"].get(site.key)
        if rec is None or rec.get("after") not in ("survived", "hung"):
            continue
        code, out, secs = _pytest(module, tests, site.index, limit)
        verdict = _verdict(code, out)
        print(f"  {verdict:17} {secs:5.1f}s  {site.key}")
        if verdict.startswith("killed"):
            rec.update(after=verdict, seconds=round(secs, 1), by=_first_failure(out))
            rec["ran"] = len(tests)
            _save(module, data)


def table() -> str:
    """The results table (markdown), from every results file and the equivalents list."""
    cfg = _config()
    equivalent = _equivalents()
    head = (
        "| module | mutants | killed | killed-by-timeout | hung | survived | equivalent | "
        "kill rate | before |\n|---|---:|---:|---:|---:|---:|---:|---:|---:|\n"
    )
    rows, details = [], []
    for module in cfg["modules"]:
        data = _load(module)
        recs = {k: v for k, v in data["mutants"].items() if "after" in v}
        if not recs:
            rows.append(f"| `{module}` | not run | | | | | | | |")
            continue
        n = {v: 0 for v in (*VERDICTS, "equivalent")}
        before = {v: 0 for v in VERDICTS}
        for key, rec in sorted(recs.items(), key=lambda kv: kv[1]["line"]):
            eq = (module, key) in equivalent
            n["equivalent" if eq and rec["after"] in ("survived", "hung") else rec["after"]] += 1
            if not eq:
                before[rec["before"]] += 1
            if rec["after"] in ("survived", "hung"):
                tag = "equivalent: " + equivalent[(module, key)] if eq else rec["after"].upper()
                details.append(f"- `{module}` line {rec['line']}: `` {key} `` — {tag}")
        judged = sum(n[v] for v in VERDICTS)
        killed = n["killed"] + n["killed-by-timeout"]
        b_judged = sum(before.values())
        b_killed = before["killed"] + before["killed-by-timeout"]
        rate = f"{100 * killed / judged:.1f} %" if judged else "-"
        b_rate = f"{100 * b_killed / b_judged:.1f} %" if b_judged else "-"
        source = (ROOT / module).read_text()
        total = len(sites(source))
        done = "" if len(recs) >= total else f" ({len(recs)} of {total} run)"
        if hashlib.sha256(source.encode()).hexdigest()[:16] != data["source_sha"]:
            done += " (source changed since: re-run it)"
        rows.append(
            f"| `{module}`{done} | {len(recs)} | {n['killed']} | {n['killed-by-timeout']} | "
            f"{n['hung']} | {n['survived']} | {n['equivalent']} | {rate} | {b_rate} |"
        )
    text = head + "\n".join(rows) + "\n"
    if details:
        text += "\n## Mutants not killed\n\n" + "\n".join(details) + "\n"
    return text


_PREAMBLE = """# Mutation results

Written by `python -m mutation.run --table` from `mutation/results/*.json`; see docs/mutation.md
for the commands and what each column means. Kill rate = (killed + killed-by-timeout) /
(mutants - equivalent); `hung` counts as not killed. `before` is the kill rate of the first run
of each mutant, before the tests written for its survivors.

"""


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(prog="python -m mutation.run")
    parser.add_argument("modules", nargs="*", help="module paths, as in mutation/config.toml")
    parser.add_argument("--all", action="store_true", help="every module of config.toml")
    parser.add_argument("--survivors", action="store_true", help="re-run survived/hung mutants")
    parser.add_argument("--table", action="store_true", help="only rewrite mutation/results.md")
    parser.add_argument(
        "--recheck",
        nargs="+",
        metavar="TEST",
        help="judge the module's survived/hung mutants against these tests only; record kills",
    )
    args = parser.parse_args(argv)
    cfg = _config()
    modules = list(cfg["modules"]) if args.all else args.modules
    for module in modules:
        if module not in cfg["modules"]:
            sys.exit(
                f"mutation: {module}: not in mutation/config.toml (expected one of: "
                f"{', '.join(cfg['modules'])})"
            )
    if not args.table:
        with contextlib.suppress(OSError):
            os.nice(max(0, 15 - os.nice(0)))
    for module in modules:
        if args.recheck:
            recheck(module, args.recheck)
        elif not args.table:
            run_module(module, cfg, args.survivors)
        (HERE / "results.md").write_text(_PREAMBLE + table())
    (HERE / "results.md").write_text(_PREAMBLE + table())


if __name__ == "__main__":
    main()
