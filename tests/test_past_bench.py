"""The small version of bench/bench_past.py that ``make test`` runs (the figures are the bench's).

Durability: 40 nodes, k = 5, 150 heavy-tailed inserts, 4 crashes with no 5 adjacent, settle: no
file may be lost (a file's 5 holders are 5 adjacent nodes, so one survives: R-PAST-9, R-PAST-10)
and every acknowledged file has a replica or valid pointer on each of its 5 closest live nodes
(ReplicaPlacement, with room to spare). Utilisation: 20 nodes (capacity about 600, files up to
60 units) filled until 80 % or 30 failures in a row, with and without diversion: PAST's
diversions (R-PAST-8, R-PAST-11) must not fail more inserts below 70 % utilisation than no
diversion, and must fill the ring further before 30 inserts in a row fail.
"""

from __future__ import annotations

import sys
from pathlib import Path

sys.path.insert(0, str(Path(__file__).parent.parent / "bench"))

import bench_past


def test_R_PAST_9_small_durability_run_loses_nothing() -> None:
    out = bench_past.durability(40, 150, seed=7)
    assert out["acked"] > 100
    assert out["lost"] == 0 and out["bad"] == 0 and out["restored"] > 0


def test_R_PAST_11_small_sweep_diversion_helps() -> None:
    small = {"seed": 3, "cap_mean": 600, "largest": 60, "streak_limit": 30, "stop_at": 0.8}
    plain = bench_past.sweep_run(20, divert=False, retries=0, **small)  # type: ignore[arg-type]
    past = bench_past.sweep_run(20, divert=True, retries=3, **small)  # type: ignore[arg-type]
    below70 = bench_past.BINS.index(0.7) + 1
    fail_plain = sum(f for _, f in plain[:below70])
    fail_past = sum(f for _, f in past[:below70])
    assert fail_past <= fail_plain
    top_plain = max(j for j, (a, _) in enumerate(plain) if a)  # the fullest bin reached
    top_past = max(j for j, (a, _) in enumerate(past) if a)
    assert top_past > top_plain
