"""Running TLC on the twin of a scenario, and reading what it says.

Owns: ``find_jar`` (``--tla2tools PATH`` or ``TLA2TOOLS_JAR``; never required elsewhere),
``run_tlc`` (one scenario: write the model into a temporary folder, run TLC with ``-continue``
so it explores the whole space like our checker, then once more, stopping, for the shortest
counterexample of the first violated property), ``parse_states`` (TLC's printed states) and
``TlcResult``. Rule 1: TLC runs with ``-metadir`` in the temporary folder and ``-workers 1``;
nothing is written beside the modules. Rule 2: a TLC run that does not end with its summary
(a crash, a parse error, a timeout) is ``TlcFailed`` (exit 3), never a verdict. Rule 3: the
no-cycle properties are decided by a run of ``Terminates`` first (MCPastry.tla: the reachable
graph has no cycle at all, so every no-cycle property holds); only when TLC refutes it are the
properties themselves run, each one costlier (its goal is evaluated in every state).
"""

from __future__ import annotations

import os
import re
import shutil
import subprocess
import tempfile
import time
from collections.abc import Callable, Sequence
from pathlib import Path
from typing import Any

import attrs

from pastry_ref.errors import BadInput, BoundReached
from pastry_ref.system.spec import WorldSpec
from pastry_ref.tla.twin import (
    LIVENESS,
    TWIN_PROPERTIES,
    TlcModel,
    copy_modules,
    find_modules,
    normalise,
    tlc_model,
)
from pastry_ref.tla.values import parse_value

__all__ = [
    "JAR_ENV",
    "JarNotFound",
    "TlcFailed",
    "TlcResult",
    "TlcStep",
    "find_jar",
    "parse_states",
    "run_tlc",
    "run_tlc_files",
]

JAR_ENV = "TLA2TOOLS_JAR"


class JarNotFound(BadInput):
    """No tla2tools.jar where we looked."""


class TlcFailed(BoundReached):
    """TLC did not finish with a result (crash, error in the model, timeout): cannot decide."""


def find_jar(explicit: str | None = None) -> Path:
    """The TLA+ tools jar: ``explicit`` (``--tla2tools``), else ``$TLA2TOOLS_JAR``."""
    source = "--tla2tools" if explicit else JAR_ENV
    value = explicit if explicit else os.environ.get(JAR_ENV, "")
    if not value:
        raise JarNotFound(
            f"no TLA+ tools: pass --tla2tools PATH/tla2tools.jar or set {JAR_ENV}=PATH "
            f"(looked at --tla2tools and ${JAR_ENV}, both unset)"
        )
    path = Path(value)
    if not path.is_file():
        raise JarNotFound(
            f"{source}: {value} is not a file; expected the path of tla2tools.jar "
            f"(pass --tla2tools PATH or set {JAR_ENV})"
        )
    if shutil.which("java") is None:
        raise JarNotFound("java is not on PATH; TLC needs a Java runtime (11 or later)")
    return path


@attrs.frozen(slots=True)
class TlcStep:
    """One state of a TLC trace: the action TLC names (None for the initial state) and the
    state, parsed and normalised (``twin.normalise``)."""

    action: str | None
    state: dict[str, Any]


@attrs.frozen(slots=True)
class TlcResult:
    """What TLC found for one scenario. ``violated`` and ``checked`` use our property names;
    ``depth`` counts steps, as our checker does (TLC's own depth counts the initial state too);
    ``trace`` is the shortest counterexample of the first violated state property (none for a
    violated no-cycle property alone); ``out_of_scope`` is set when
    the twin's scope guard failed (the result then decides nothing); ``acyclic`` is TLC's
    verdict on ``Terminates`` (rule 3), None when no no-cycle property was checked."""

    states_generated: int
    distinct_states: int
    depth: int
    seconds: float
    checked: tuple[str, ...]
    violated: tuple[str, ...]
    trace: tuple[TlcStep, ...] = ()
    out_of_scope: str = ""
    acyclic: bool | None = None


_SUMMARY = re.compile(r"^(\d+) states generated, (\d+) distinct states found, (\d+) states left")
_DEPTH = re.compile(r"^The depth of the complete state graph search is (\d+)\.")
_WATCH = re.compile(r'^<<"twin-violated", (\{.*\})>>\s*$')
_STATE = re.compile(r"^State (\d+):\s*(?:<(.*)>)?\s*$")
_VAR = re.compile(r"^/\\ (\w+) = ", re.M)


def _java(jar: Path, folder: Path, cfg: str, extra: Sequence[str], timeout: float | None) -> str:
    (folder / "MC.cfg").write_text(cfg, encoding="utf-8")
    meta = tempfile.mkdtemp(prefix="meta-", dir=folder)
    cmd = [
        "java",
        "-XX:+UseParallelGC",
        "-cp",
        str(jar),
        "tlc2.TLC",
        "-metadir",
        meta,
        "-workers",
        "1",
        "-nowarning",
        *extra,
        "-config",
        "MC.cfg",
        "MC",
    ]
    try:
        done = subprocess.run(
            cmd, cwd=folder, capture_output=True, text=True, timeout=timeout, check=False
        )
    except subprocess.TimeoutExpired:
        raise TlcFailed(f"TLC did not finish within {timeout} s") from None
    except OSError as e:
        raise TlcFailed(f"could not run java: {e}") from None
    return done.stdout + done.stderr


def parse_states(text: str) -> list[TlcStep]:
    """The states of a TLC trace (``State N: <Action ...>`` blocks of ``/\\ var = value``)."""
    steps: list[TlcStep] = []
    lines = text.splitlines()
    i = 0
    while i < len(lines):
        m = _STATE.match(lines[i])
        if not m:
            i += 1
            continue
        label = m.group(2) or ""
        action = None if label.startswith("Initial predicate") or not label else label
        j = i + 1
        block: list[str] = []
        while j < len(lines) and lines[j].strip() and not _STATE.match(lines[j]):
            block.append(lines[j])
            j += 1
        body = "\n".join(block)
        starts = list(_VAR.finditer(body))
        state: dict[str, Any] = {}
        for k, v in enumerate(starts):
            end = starts[k + 1].start() if k + 1 < len(starts) else len(body)
            state[v.group(1)] = parse_value(body[v.end() : end])
        steps.append(TlcStep(_action_name(action), normalise(state)))
        i = j
    return steps


def _action_name(label: str | None) -> str | None:
    """``ReceiveOf("JoinRequest") line ...`` -> ``ReceiveJoinRequest``; ``Join line ...`` ->
    ``Join``."""
    if label is None:
        return None
    m = re.match(r'ReceiveOf\("(\w+)"\)', label)
    if m:
        return "Receive" + m.group(1)
    return label.split(" ", 1)[0]


def _tail(out: str) -> str:
    """TLC's last lines, for a message saying why a run decided nothing."""
    return "\n".join(out.strip().splitlines()[-15:])


def _summary(out: str) -> tuple[int, int, int, int]:
    gen = distinct = queue = depth = -1
    for line in out.splitlines():
        if m := _SUMMARY.match(line):
            gen, distinct, queue = int(m.group(1)), int(m.group(2)), int(m.group(3))
        elif m := _DEPTH.match(line):
            depth = int(m.group(1))
    if distinct < 0 or "Error: Parsing or semantic analysis failed" in out:
        raise TlcFailed(f"TLC ended without a result:\n{_tail(out)}")
    return gen, distinct, queue, depth


_TEMPORAL = re.compile(r"^Error: Temporal property (\w+) was violated")
_NO_ERROR = "Model checking completed. No error has been found."


def run_module(
    jar: Path,
    prefix: str,
    copy: Callable[[Path], None],
    module: str,
    cfg: str,
    timeout: float | None,
) -> tuple[str, float, int, int]:
    """One TLC run of ``module`` (written as MC.tla beside the modules ``copy`` puts into the
    folder) in a temporary folder named ``prefix``..., removed after: TLC's output, the seconds
    it took, the distinct states and the depth."""
    with tempfile.TemporaryDirectory(prefix=prefix) as tmp:
        folder = Path(tmp)
        copy(folder)
        (folder / "MC.tla").write_text(module, encoding="utf-8")
        start = time.monotonic()
        text = _java(jar, folder, cfg, [], timeout)
        seconds = time.monotonic() - start
        _, distinct, _, depth = _summary(text)
    return text, seconds, distinct, depth


def _acyclic(jar: Path, folder: Path, model: TlcModel, timeout: float | None) -> bool:
    """Rule 3: whether TLC finds that every fair behaviour of the twin terminates."""
    out = _java(jar, folder, model.cfg([], ["Terminates"]), [], timeout)
    (folder / "tlc-terminates.out").write_text(out, encoding="utf-8")
    _summary(out)
    if _NO_ERROR in out:
        return True
    if any((m := _TEMPORAL.match(ln)) and m.group(1) == "Terminates" for ln in out.splitlines()):
        return False
    raise TlcFailed(f"TLC decided nothing about Terminates:\n{_tail(out)}")


def _temporal(
    jar: Path, folder: Path, model: TlcModel, wanted: list[str], timeout: float | None
) -> set[str]:
    """The temporal properties among ``wanted`` (our names) that TLC finds violated: one run
    for all; TLC stops at the first violation, so the rest are run again without it."""
    found: set[str] = set()
    left = list(wanted)
    by_tla = {TWIN_PROPERTIES[p]: p for p in wanted}
    while left:
        out = _java(jar, folder, model.cfg([], [TWIN_PROPERTIES[p] for p in left]), [], timeout)
        (folder / "tlc-liveness.out").write_text(out, encoding="utf-8")
        _summary(out)
        hit = [by_tla[m.group(1)] for ln in out.splitlines() if (m := _TEMPORAL.match(ln))]
        if not hit:
            break
        found.update(hit)
        left = [p for p in left if p not in hit]
    return found


def run_tlc_files(
    spec: WorldSpec,
    checked: Sequence[str],
    *,
    jar: Path,
    modules: Path,
    folder: Path,
    timeout: float | None = None,
    dump: bool = False,
    acyclic_first: bool = True,
) -> TlcResult:
    """``run_tlc`` in ``folder`` (kept): the model, the modules and TLC's metadata are there;
    with ``dump`` TLC also writes every distinct state to ``folder/states.dump``; without
    ``acyclic_first`` the no-cycle properties are run themselves even where ``Terminates``
    would decide them (the tests compare the two ways)."""
    unknown = [p for p in checked if p not in TWIN_PROPERTIES]
    if unknown:
        raise BadInput(f"the TLA+ twin does not check {', '.join(unknown)}")
    model = tlc_model(spec, checked)
    copy_modules(modules, folder)
    (folder / "MC.tla").write_text(model.module, encoding="utf-8")
    extra = ["-continue"] + (["-dump", str(folder / "states")] if dump else [])
    start = time.monotonic()
    out = _java(jar, folder, model.cfg(["TwinInScope", "Watch"]), extra, timeout)
    seconds = time.monotonic() - start
    (folder / "tlc.out").write_text(out, encoding="utf-8")
    gen, distinct, _queue, depth = _summary(out)
    scope = ""
    if "Invariant TwinInScope is violated" in out:
        scope = "a ProbeTimeout became enabled: the scenario needs failure handling"
    bad: set[str] = set()
    for line in out.splitlines():
        if m := _WATCH.match(line):
            bad |= set(parse_value(m.group(1)))
    cyclic = [p for p in checked if p in LIVENESS]
    acyclic = _acyclic(jar, folder, model, timeout) if cyclic and acyclic_first else None
    if cyclic and not acyclic:
        bad |= _temporal(jar, folder, model, cyclic, timeout)
    violated = tuple(p for p in checked if p in bad)
    safety = [p for p in violated if p not in LIVENESS]
    trace: tuple[TlcStep, ...] = ()
    if safety:
        first = TWIN_PROPERTIES[safety[0]]
        out2 = _java(jar, folder, model.cfg([first]), [], timeout)
        (folder / "tlc-trace.out").write_text(out2, encoding="utf-8")
        trace = tuple(parse_states(out2))
    return TlcResult(
        states_generated=gen,
        distinct_states=distinct,
        depth=max(depth - 1, 0),
        seconds=seconds,
        checked=tuple(checked),
        violated=violated,
        trace=trace,
        out_of_scope=scope,
        acyclic=acyclic,
    )


def run_tlc(
    spec: WorldSpec,
    checked: Sequence[str],
    *,
    jar: Path,
    modules: Path | None = None,
    timeout: float | None = None,
) -> TlcResult:
    """Model-check the twin of ``spec`` with TLC, watching ``checked`` (our property names,
    a subset of ``TWIN_PROPERTIES``), in a temporary folder removed afterwards."""
    source = modules if modules is not None else find_modules()
    with tempfile.TemporaryDirectory(prefix="pastry-tlc-") as tmp:
        return run_tlc_files(
            spec, checked, jar=jar, modules=source, folder=Path(tmp), timeout=timeout
        )
