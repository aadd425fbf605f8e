"""model_check: a generic explicit-state model checker (it knows nothing about Pastry).

Owns: the public API. Write a ``Model`` (or subclass ``BaseModel``), give it ``Always``,
``AlwaysOnTransition``, ``Sometimes`` and ``Convergence`` properties, and call ``check``; register
named runs as ``Scenario``s for ``pastry-ref check``. See docs/model_checking.md.
"""

from model_check.fingerprint import canonical, fingerprint
from model_check.itf import (
    ItfError,
    ReplayResult,
    load_itf,
    replay_itf,
    to_itf,
    trace_to_itf,
    write_itf,
)
from model_check.model import (
    Always,
    AlwaysOnTransition,
    BaseModel,
    Convergence,
    ConvergenceCheck,
    Model,
    ModelCheckError,
    ModelError,
    Property,
    Sometimes,
    Violation,
)
from model_check.registry import (
    ENTRY_POINT_GROUP,
    Scenario,
    ScenarioError,
    expectation_mismatches,
    load_plugins,
    load_providers,
    register,
    register_file_loader,
    resolve,
    scenarios,
)
from model_check.render import render_result, render_trace
from model_check.result import (
    CheckResult,
    PropertyResult,
    PropertyStatus,
    Stats,
    Step,
    Strategy,
    Trace,
    Verdict,
)
from model_check.search import OptionError, Progress, SearchOptions, check

__all__ = [
    "ENTRY_POINT_GROUP",
    "Always",
    "AlwaysOnTransition",
    "BaseModel",
    "CheckResult",
    "Convergence",
    "ConvergenceCheck",
    "ItfError",
    "Model",
    "ModelCheckError",
    "ModelError",
    "OptionError",
    "Progress",
    "Property",
    "PropertyResult",
    "PropertyStatus",
    "ReplayResult",
    "Scenario",
    "ScenarioError",
    "SearchOptions",
    "Sometimes",
    "Stats",
    "Step",
    "Strategy",
    "Trace",
    "Verdict",
    "Violation",
    "canonical",
    "check",
    "expectation_mismatches",
    "fingerprint",
    "load_itf",
    "load_plugins",
    "load_providers",
    "register",
    "register_file_loader",
    "render_result",
    "render_trace",
    "replay_itf",
    "resolve",
    "scenarios",
    "to_itf",
    "trace_to_itf",
    "write_itf",
]
