"""The small version of ``bench/bench_scribe.py`` (issue 11, item 5), in ``make test``: the same
code on 40 nodes and 12 Zipf-sized groups. Every member is reached before the crash; 10 % of the
nodes crash, the roots of the largest groups among them; after repair (leaf-set upcalls, the
timers that wait on a down node, a publisher's PublishTimeout) every live member is reached
again and the tree properties hold. The figures themselves are the benchmark's to print.
"""

from __future__ import annotations

import importlib.util
import sys
from pathlib import Path
from types import ModuleType


def _bench() -> ModuleType:
    path = Path(__file__).parent.parent / "bench" / "bench_scribe.py"
    spec = importlib.util.spec_from_file_location("bench_scribe", path)
    assert spec is not None and spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    sys.modules["bench_scribe"] = module
    spec.loader.exec_module(module)
    return module


def test_scribe_bench_small_delivers_to_every_live_member_after_repair() -> None:
    bench = _bench()
    f = bench.run(40, n_groups=12)
    assert f.memberships == sum(max(1, round(40 * r**-1.25)) for r in range(1, 13))
    assert f.reached == 1.0
    assert f.victims == 4 and f.roots_crashed >= 1  # roots among the crashed: not vacuous
    assert f.orphans + f.dropped > 0 and f.repair_msgs > 0
    assert f.violations == {}
    assert f.reached_after == 1.0
