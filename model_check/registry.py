"""The scenario registry: named, pinned model-checking runs, and loaders for scenario files.

Owns: ``Scenario`` (a name, a model factory, the properties to check, default search options, the
expected verdict and the pinned distinct-state count), the registry itself, file loaders by
suffix (``register_file_loader(".toml", fn)``), resolution of a command-line argument to scenarios,
plugin loading (other packages register their scenarios when imported) and the comparison of a
result with its scenario's expectation. The built-in examples register themselves here.
"""

from __future__ import annotations

import importlib
import importlib.metadata
import os
import stat
from collections.abc import Callable, Iterable, Sequence
from pathlib import Path
from typing import Any

import attrs

from model_check import examples
from model_check.model import Model, ModelCheckError
from model_check.result import CheckResult, Strategy, Verdict
from model_check.search import SearchOptions

__all__ = [
    "ENTRY_POINT_GROUP",
    "Scenario",
    "ScenarioError",
    "expectation_mismatches",
    "file_loaders",
    "get",
    "load_plugins",
    "load_providers",
    "register",
    "register_file_loader",
    "resolve",
    "scenarios",
]


class ScenarioError(ModelCheckError, ValueError):
    """An unknown scenario name, a duplicate registration, or a scenario file that cannot load."""


@attrs.frozen(slots=True)
class Scenario:
    """A named check. ``distinct_states`` is pinned for a BFS run with ``options`` (None: not
    pinned); any change to the model or the engine that alters exploration changes it.
    ``violated``, when given, names exactly the properties expected to be violated (result names,
    e.g. ``Goal/no-cycle`` for a convergence part), so a scenario that fails for another reason
    than the known one does not meet its expectation."""

    name: str
    description: str
    model: Callable[[], Model[Any, Any]]
    expected: Verdict
    distinct_states: int | None = None
    properties: tuple[str, ...] | None = None
    options: SearchOptions = attrs.field(factory=SearchOptions)
    violated: tuple[str, ...] | None = None


_SCENARIOS: dict[str, Scenario] = {}
_LOADERS: dict[str, Callable[[Path], Sequence[Scenario]]] = {}


def register(scenario: Scenario, *, replace: bool = False) -> Scenario:
    """Add a scenario (one line per scenario in a plugin module). Names are unique."""
    if scenario.name in _SCENARIOS and not replace:
        raise ScenarioError(f"scenario {scenario.name!r} is already registered")
    _SCENARIOS[scenario.name] = scenario
    return scenario


def scenarios() -> list[Scenario]:
    return [_SCENARIOS[k] for k in sorted(_SCENARIOS)]


def get(name: str) -> Scenario:
    try:
        return _SCENARIOS[name]
    except KeyError:
        raise ScenarioError(f"unknown scenario {name!r} (try --list)") from None


def register_file_loader(suffix: str, loader: Callable[[Path], Sequence[Scenario]]) -> None:
    """``loader(path)`` turns a scenario file into scenarios; it raises ValueError on bad input,
    with a message naming the file, line or field and the expected form."""
    if not suffix.startswith("."):
        raise ScenarioError(f"a file suffix starts with '.', got {suffix!r}")
    _LOADERS[suffix] = loader


def file_loaders() -> tuple[str, ...]:
    return tuple(sorted(_LOADERS))


def _kind(mode: int) -> str:
    if stat.S_ISDIR(mode):
        return "a directory"
    if stat.S_ISFIFO(mode):
        return "a FIFO"
    if stat.S_ISCHR(mode) or stat.S_ISBLK(mode):
        return "a device"
    return "not a regular file"


def resolve(arg: str) -> list[Scenario]:
    """A registered name, or an existing file whose suffix has a loader. A name that exists but
    is not a regular file (a directory, a FIFO, a device) is refused without opening it."""
    if not isinstance(arg, str):
        raise ScenarioError(f"expected a scenario name or file, got {arg!r}")
    path = Path(arg)
    try:
        mode: int | None = os.stat(path).st_mode
    except (OSError, ValueError):
        mode = None
    if mode is not None and not stat.S_ISREG(mode) and arg not in _SCENARIOS:
        raise ScenarioError(f"{arg}: {_kind(mode)}; expected a scenario name or a scenario file")
    if path.suffix in _LOADERS and mode is not None:
        loaded = list(_LOADERS[path.suffix](path))
        if not loaded:
            raise ScenarioError(f"{arg}: the file defines no scenario")
        return loaded
    if arg in _SCENARIOS:
        return [_SCENARIOS[arg]]
    if path.suffix in _LOADERS:
        raise ScenarioError(f"{arg}: no such scenario file")
    if mode is not None:
        known = ", ".join(file_loaders()) or "none"
        raise ScenarioError(
            f"{arg}: no scenario loader for {path.suffix or 'files without a suffix'} "
            f"(registered suffixes: {known})"
        )
    raise ScenarioError(f"unknown scenario {arg!r} (try --list)")


def load_plugins(modules: Iterable[str]) -> list[str]:
    """Import each module that exists (its import registers its scenarios); a module that is
    absent is skipped, but an error inside a present module propagates."""
    loaded: list[str] = []
    for name in modules:
        try:
            importlib.import_module(name)
        except ModuleNotFoundError as e:
            if e.name is not None and (name == e.name or name.startswith(e.name + ".")):
                continue
            raise
        loaded.append(name)
    return loaded


ENTRY_POINT_GROUP = "model_check.scenarios"
"""The packaging entry-point group through which other packages provide scenarios. Each entry
point names a callable taking no argument that registers its package's scenarios (and file
loaders); calling it twice must be harmless."""


def load_providers(group: str = ENTRY_POINT_GROUP) -> list[str]:
    """Call every scenario provider installed under the entry-point ``group``, in name order;
    returns their names. A provider that fails is reported as a ``ScenarioError`` naming it."""
    loaded: list[str] = []
    for ep in sorted(importlib.metadata.entry_points(group=group), key=lambda e: e.name):
        try:
            provider = ep.load()
            provider()
        except ScenarioError:
            raise
        except Exception as e:
            raise ScenarioError(
                f"scenario provider {ep.name!r} ({ep.value}) failed: {type(e).__name__}: {e}"
            ) from e
        loaded.append(ep.name)
    return loaded


def pinned_count_applies(result: CheckResult) -> bool:
    """The pinned count is for BFS runs that were not stopped by a bound."""
    s = result.stats
    if s.strategy is not Strategy.BFS:
        return False
    if s.stop_reason == "":
        return True
    return s.stop_reason == "all properties decided" and not s.por_applied


def expectation_mismatches(scenario: Scenario, result: CheckResult) -> list[str]:
    """How the result differs from the scenario's expected verdict and pinned count (empty: it
    matches)."""
    out: list[str] = []
    if result.verdict is not scenario.expected:
        out.append(
            f"expected verdict {scenario.expected.value.upper()}, "
            f"got {result.verdict.value.upper()}"
        )
    if scenario.violated is not None and result.verdict is not Verdict.INCOMPLETE:
        want, found = sorted(scenario.violated), sorted(result.violated())
        if want != found:
            out.append(f"expected violated properties {want}, got {found}")
    pinned = scenario.distinct_states
    if pinned is not None and pinned_count_applies(result):
        got = result.stats.distinct_states
        if got != pinned:
            out.append(f"expected {pinned:,} distinct states (pinned), got {got:,}")
    return out


def _builtin() -> None:
    for s in (
        Scenario(
            "example/two-phase-commit",
            "two-phase commit, 3 resource managers: consistent, decided, converges",
            lambda: examples.TwoPhaseCommit(3),
            Verdict.PASS,
            288,
        ),
        Scenario(
            "example/broken-mutex",
            "check-then-set mutual exclusion, 2 processes: both enter (4 steps)",
            lambda: examples.BrokenMutex(2),
            Verdict.VIOLATED,
            9,
            violated=("MutualExclusion", "EnterAlone"),
        ),
        Scenario(
            "example/lost-update",
            "two non-atomic increments: a terminal state misses the goal x = 2",
            lambda: examples.LostUpdate(2),
            Verdict.VIOLATED,
            13,
            violated=("AllCounted/terminal", "AllCounted/reachable"),
        ),
        Scenario(
            "example/lossy-retransmit",
            "retransmission over a lossy channel: a cycle that never delivers",
            examples.LossyRetransmit,
            Verdict.VIOLATED,
            3,
            violated=("Delivered/no-cycle",),
        ),
        Scenario(
            "example/unreachable-witness",
            "two counters in 0..3: the witness x + y = 7 is never reached",
            lambda: examples.BoundedCounters(3),
            Verdict.VIOLATED,
            16,
            violated=("SumSeven",),
        ),
        Scenario(
            "example/counters",
            "4 independent counters in 0..5 (1,296 states): partial-order reduction at work",
            lambda: examples.Counters(4, 6),
            Verdict.PASS,
            1296,
        ),
        Scenario(
            "example/counters-bench",
            "5 independent counters in 0..11 (248,832 states): the benchmark model",
            lambda: examples.Counters(5, 12),
            Verdict.PASS,
            248_832,
        ),
    ):
        register(s)


_builtin()
