"""pastry_ref for other projects' test suites: run the conformance harness and the judge in a
few lines (docs/conformance.md, "In your CI").

Owns: ``run_conformance`` (one harness run of a node command, judged; returns the
``RunResult``), ``judge_history`` (the judge on a trace file), ``assert_valid`` (fails with the
run's summary unless the verdict is valid) and the pytest fixture ``pastry_conform``. Rules:
(1) this is a pytest plugin only when a project asks for it (``pytest_plugins =
["pastry_ref.testing"]`` in its conftest.py); pastry_ref registers no ``pytest11`` entry point,
so installing it changes no one's test runs, ours included; (2) importing this module does not
import pytest: the fixture is defined only when pytest is importable.

    # conftest.py of another project
    pytest_plugins = ["pastry_ref.testing"]

    # test_pastry.py
    def test_my_node_conforms(pastry_conform):
        result = pastry_conform("./build/my-node", nodes=6, seed=1)
        assert result.verdict == "valid", result.summary()
"""

from __future__ import annotations

import shlex
from collections.abc import Callable, Sequence
from pathlib import Path
from typing import Any

from pastry_ref.conform.harness import HarnessOptions
from pastry_ref.conform.run import RunResult, conform, next_run_dir
from pastry_ref.conform.schedule import RunParams, generate

__all__ = ["RunResult", "assert_valid", "judge_history", "pastry_conform", "run_conformance"]


def run_conformance(
    command: str | Sequence[str],
    *,
    nodes: int = 6,
    seed: int = 1,
    out: str | Path = "conform-runs",
    timeout: float = 10.0,
    tie_rule: str = "either",
    **params: Any,
) -> RunResult:
    """Run ``command`` (a command line, or its words) as ``nodes`` node processes under the
    harness with ``seed``; ``params`` are further ``RunParams`` fields (``bits``, ``b``,
    ``leaf_set_size``, ``lookups``, ``churn``, ``faults``, ``join``, ...). The run folder is a
    fresh folder under ``out``; the result says ``verdict``, ``faults``, ``violations``,
    ``summary()``."""
    words = tuple(shlex.split(command) if isinstance(command, str) else command)
    schedule = generate(seed, RunParams(nodes=nodes, **params))
    options = HarnessOptions(command=words, timeout=timeout, tie_rule=tie_rule)
    return conform(schedule, options, next_run_dir(Path(out), seed, nodes))


def judge_history(path: str | Path) -> Any:
    """The judge's report (``pastry_ref.oracle.judge.TraceReport``) on a trace file, e.g. a
    run folder's ``history.jsonl``."""
    from pastry_ref.oracle.judge import judge_trace

    return judge_trace(Path(path))


def assert_valid(result: RunResult) -> None:
    """Fail (AssertionError with the run's summary) unless ``result`` is valid."""
    if result.verdict != "valid":
        raise AssertionError(result.summary())


def _fixture() -> Callable[..., Any] | None:
    try:
        import pytest
    except ImportError:  # pragma: no cover - only without pytest
        return None

    @pytest.fixture
    def pastry_conform(tmp_path: Path) -> Callable[..., RunResult]:
        """``pastry_conform(command, nodes=6, seed=1, **params)``: ``run_conformance`` with the
        run folder under the test's ``tmp_path``."""

        def run(command: str | Sequence[str], **kwargs: Any) -> RunResult:
            kwargs.setdefault("out", tmp_path / "conform-runs")
            return run_conformance(command, **kwargs)

        return run

    return pastry_conform


pastry_conform = _fixture()
