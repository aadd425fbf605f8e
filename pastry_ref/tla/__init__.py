"""The TLA+ twin of the join scenarios (spec/tla) and ``pastry-ref tlc``'s machinery.

Owns: nothing itself; re-exports ``twin`` (scope, the generated TLC model, a World as the
twin's state), ``tlc`` (finding the jar, running TLC, reading its output), ``replay`` (a TLC
counterexample as our actions and an ITF file) and ``values`` (TLA+ values as TLC prints them).
Rule 1: this package sits above ``pastry_ref.check`` (it replays traces on ``PastryModel``) and
never requires the jar: only ``tlc`` runs java, and only when asked. Rule 2: unlike the protocol
packages it does I/O (a temporary folder, a subprocess), like ``cli``; nothing below imports it.
"""

from pastry_ref.tla.tlc import (
    JAR_ENV,
    JarNotFound,
    TlcFailed,
    TlcResult,
    TlcStep,
    find_jar,
    parse_states,
    run_tlc,
    run_tlc_files,
)
from pastry_ref.tla.twin import (
    LIVENESS,
    MODULES,
    TWIN_PROPERTIES,
    ModulesNotFound,
    TlcModel,
    TwinOutOfScope,
    check_scope,
    find_modules,
    tlc_model,
    twin_state,
)
from pastry_ref.tla.values import Fn, TlaValueError, parse_value, tla_literal

__all__ = [
    "JAR_ENV",
    "LIVENESS",
    "MODULES",
    "TWIN_PROPERTIES",
    "Fn",
    "JarNotFound",
    "ModulesNotFound",
    "TlaValueError",
    "TlcFailed",
    "TlcModel",
    "TlcResult",
    "TlcStep",
    "TwinOutOfScope",
    "check_scope",
    "find_jar",
    "find_modules",
    "parse_states",
    "parse_value",
    "run_tlc",
    "run_tlc_files",
    "tla_literal",
    "tlc_model",
    "twin_state",
]
