"""The pytest plugin that makes one module of the product import with one mutant applied.

Owns: the import hook and the ``mutation`` Hypothesis profile. Loaded by the runner as
``python -m pytest -p mutation.hook``, before any conftest or test module imports the product.
Rule 1: the files on disk are never written: the mutated module is compiled in memory, from the
source text, by a meta-path finder that answers for that one module name only (the shared work
tree stays untouched, and no bytecode of a mutant is cached). Rule 2: with no mutant named
(``MUTATION_INDEX`` unset) it only registers the profile, so the runner's baseline run uses the
same settings as its mutant runs. Environment: ``MUTATION_MODULE`` (dotted name),
``MUTATION_PATH`` (its file), ``MUTATION_INDEX`` (the mutant's number, see ``mutants.sites``).
Rule 4: with ``MUTATION_TRACE`` (a file path) and ``MUTATION_TRACE_OUT``, it records which
lines of that file each test runs (``<import>`` for lines run while collecting) and writes them
as JSON at the end, with each test's seconds (traced, so slower than a mutant run): the
runner's map from a mutant's line to the tests that can see it, and its time limits.
Rule 3: the ``mutation`` profile is derandomized with no example database: the same mutant
gives the same verdict on every run, and mutant runs never write examples into .hypothesis/.
"""

from __future__ import annotations

import importlib.abc
import importlib.machinery
import json
import os
import sys
import time
from collections.abc import Sequence
from types import FrameType, ModuleType
from typing import Any

from hypothesis import HealthCheck, Phase, settings

from mutation.mutants import mutated_code

__all__ = ["MutantFinder"]

# Fewer examples than the default profile: a mutant run is one of hundreds. Tests that set their
# own max_examples keep it (they are the small, targeted ones). No shrinking: the first failing
# example kills the mutant, and shrinking it could take longer than the mutant's time limit.
settings.register_profile(
    "mutation",
    max_examples=60,
    phases=[Phase.explicit, Phase.reuse, Phase.generate],
    derandomize=True,
    database=None,
    deadline=None,
    suppress_health_check=[HealthCheck.too_slow, HealthCheck.data_too_large],
)


class MutantFinder(importlib.abc.MetaPathFinder, importlib.abc.Loader):
    """Finds and loads module ``name`` from ``path`` with mutant ``index`` applied."""

    def __init__(self, name: str, path: str, index: int) -> None:
        self.name, self.path, self.index = name, path, index

    def find_spec(
        self, fullname: str, path: Sequence[str] | None, target: ModuleType | None = None
    ) -> importlib.machinery.ModuleSpec | None:
        if fullname != self.name:
            return None
        is_package = os.path.basename(self.path) == "__init__.py"
        spec = importlib.machinery.ModuleSpec(
            fullname, self, origin=self.path, is_package=is_package
        )
        spec.has_location = True
        if is_package:
            spec.submodule_search_locations = [os.path.dirname(self.path)]
        return spec

    def create_module(self, spec: importlib.machinery.ModuleSpec) -> ModuleType | None:
        return None

    def exec_module(self, module: ModuleType) -> None:
        with open(self.path, encoding="utf-8") as f:
            source = f.read()
        module.__file__ = self.path
        exec(mutated_code(source, self.path, self.index), module.__dict__)


class _Tracer:
    """Lines of one file run by each test, in the order the tests ran."""

    def __init__(self, path: str, out: str) -> None:
        self.path, self.out = path, out
        self.current = "<import>"
        self.order: list[str] = []
        self.lines: dict[str, set[int]] = {"<import>": set()}
        self.seconds: dict[str, float] = {}
        self.started = time.perf_counter()

    def global_trace(self, frame: FrameType, event: str, arg: Any) -> Any:
        if frame.f_code.co_filename != self.path:
            return None
        self.lines[self.current].add(frame.f_lineno)
        return self.local_trace

    def local_trace(self, frame: FrameType, event: str, arg: Any) -> Any:
        if event == "line":
            self.lines[self.current].add(frame.f_lineno)
        return self.local_trace

    def _clock(self) -> None:
        now = time.perf_counter()
        self.seconds[self.current] = self.seconds.get(self.current, 0.0) + now - self.started
        self.started = now

    def start_test(self, nodeid: str) -> None:
        self._clock()
        self.current = nodeid
        self.order.append(nodeid)
        self.lines.setdefault(nodeid, set())

    def write(self) -> None:
        self._clock()
        data = {
            "order": self.order,
            "lines": {k: sorted(v) for k, v in self.lines.items()},
            "seconds": self.seconds,
        }
        with open(self.out, "w", encoding="utf-8") as f:
            json.dump(data, f)


_TRACERS: list[_Tracer] = []  # the one tracer of this run, if tracing


def pytest_runtest_logstart(nodeid: str, location: object) -> None:
    for tracer in _TRACERS:
        tracer.start_test(nodeid)
        sys.settrace(tracer.global_trace)  # a test (or Hypothesis) may have replaced it


def pytest_sessionfinish(session: object, exitstatus: int) -> None:
    for tracer in _TRACERS:
        sys.settrace(None)
        tracer.write()


def _install() -> None:
    trace = os.environ.get("MUTATION_TRACE")
    if trace is not None:
        _TRACERS.append(_Tracer(trace, os.environ["MUTATION_TRACE_OUT"]))
        sys.settrace(_TRACERS[0].global_trace)
    index = os.environ.get("MUTATION_INDEX")
    if index is None:
        return
    name = os.environ["MUTATION_MODULE"]
    if name in sys.modules:
        raise RuntimeError(f"mutation.hook: {name} was imported before the hook was installed")
    sys.meta_path.insert(0, MutantFinder(name, os.environ["MUTATION_PATH"], int(index)))


_install()
