"""Benchmark of the model checker: distinct states per second on a fixed 248,832-state model.

Owns: the figures quoted in docs/model_checking.md. The model is ``example/counters-bench`` (five
independent counters in 0..11, from ``model_check.examples``); it is explored to completion with
full states and with 64-bit fingerprints, each without and with partial-order reduction (sleep
sets). A second, denser model (two-phase commit with 5 resource managers, safety properties only)
shows the reduction on a protocol. Run: ``.venv/bin/python bench/bench_model_check.py``.
"""

from __future__ import annotations

import platform
import sys
import time
from collections.abc import Callable
from typing import Any

from model_check import SearchOptions, Verdict, check, registry
from model_check.examples import TwoPhaseCommit

TPC_SAFETY = ("TCConsistent", "DecisionFirst", "SomeCommit", "SomeAbort")


def measure(name: str, make: Callable[[], Any], props: tuple[str, ...] | None) -> bool:
    print(f"\n{name}")
    print(
        f"  {'storage':12} {'reduction':9} {'distinct':>9} {'generated':>10} "
        f"{'pruned':>9} {'seconds':>8} {'distinct/s':>11}"
    )
    ok = True
    base_generated = 0
    for fingerprint in (False, True):
        for por in (False, True):
            opts = SearchOptions(fingerprint=fingerprint, por=por, properties=props)
            start = time.perf_counter()
            result = check(make(), opts)
            seconds = time.perf_counter() - start
            s = result.stats
            ok = ok and result.verdict is Verdict.PASS
            if not por:
                base_generated = s.states_generated
            storage = "fingerprints" if fingerprint else "full states"
            reduction = f"on {s.states_generated / base_generated:.2f}" if por else "off"
            print(
                f"  {storage:12} {reduction:9} {s.distinct_states:>9,} {s.states_generated:>10,} "
                f"{s.transitions_pruned:>9,} {seconds:>8.2f} {s.distinct_states / seconds:>11,.0f}"
            )
    return ok


def main() -> int:
    print(f"model_check benchmark; Python {platform.python_version()} on {platform.machine()}")
    print("reduction 'on r': r = transitions generated with reduction / without")
    bench = registry.get("example/counters-bench")
    ok = measure(f"{bench.name}: {bench.description}", bench.model, None)
    ok = (
        measure(
            "two-phase commit, 5 resource managers, safety properties",
            lambda: TwoPhaseCommit(5),
            TPC_SAFETY,
        )
        and ok
    )
    return 0 if ok else 1


if __name__ == "__main__":
    sys.exit(main())
