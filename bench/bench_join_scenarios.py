"""Benchmark: every registered join scenario, both protocols.

Prints, per scenario: distinct states, verdict and seconds with every property (no reduction:
convergence checks (b) and (c) need the whole graph); then the safety properties alone
(invariants and CorrectDelivery) without and with sleep-set reduction, to show what the
independence relation "actions at different nodes commute" buys. Figures, never assertions.

    .venv/bin/python bench/bench_join_scenarios.py [--quick]   (--quick skips the two largest)
"""

from __future__ import annotations

import sys
import time

import pastry_ref.check.scenarios  # noqa: F401 - registers the join scenarios
from model_check import SearchOptions, check
from model_check.registry import scenarios
from pastry_ref.system.invariants import SAFETY_PROPERTIES

BIG = {"join/three-concurrent/consistent", "join/lookups-during-joins/consistent"}


def main() -> None:
    quick = "--quick" in sys.argv[1:]
    print(
        f"{'scenario':38} {'states':>9} {'verdict':>9} {'s':>7} | "
        f"{'safety: trans.':>14} {'s':>6} | {'with POR':>10} {'s':>6} {'ratio':>6}"
    )
    for s in scenarios():
        if not s.name.startswith("join/") or (quick and s.name in BIG):
            continue
        model = s.model()
        t = time.perf_counter()
        full = check(model, SearchOptions(fingerprint=True))
        t_full = time.perf_counter() - t
        t = time.perf_counter()
        plain = check(model, SearchOptions(properties=SAFETY_PROPERTIES, fingerprint=True))
        t_plain = time.perf_counter() - t
        t = time.perf_counter()
        por = check(model, SearchOptions(properties=SAFETY_PROPERTIES, fingerprint=True, por=True))
        t_por = time.perf_counter() - t
        g0, g1 = plain.stats.states_generated, por.stats.states_generated
        print(
            f"{s.name:38} {full.stats.distinct_states:>9,} {full.verdict.value:>9} "
            f"{t_full:>7.1f} | {g0:>14,} {t_plain:>6.1f} | {g1:>10,} {t_por:>6.1f} "
            f"{g0 / max(g1, 1):>6.2f}",
            flush=True,
        )


if __name__ == "__main__":
    main()
