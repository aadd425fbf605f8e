"""The applications a scenario file may run: the ``[app]`` table's parsers.

Owns: ``APP_TABLES`` (application name → parser) and ``register_app_table`` (for an application
from another package). Importing this module registers PAST's and SCRIBE's properties: the glue
knows the applications, the applications do not know the glue. Rule 1: a parser takes the
scenario's location (for messages), its own sub-table (``[app.NAME]``) and the scenario's
protocol ``Config`` (id space, leaf-set size, ...), and returns the application value and its
client requests as (origin, request) pairs; it raises ``ScenarioFileError`` naming
``app.NAME.KEY`` for bad input. Rule 2: the lookup application always runs
(``environment.lookups`` feeds it); the others run only when their sub-table is present, in the
order of ``APP_TABLES``.
"""

from __future__ import annotations

from collections.abc import Callable, Hashable, Mapping
from typing import Any

import pastry_ref.past.invariants
import pastry_ref.scribe.invariants  # noqa: F401  (registers SCRIBE's properties)
from pastry_ref.app.api import App
from pastry_ref.past.scenario import parse_past_table
from pastry_ref.ring.config import Config
from pastry_ref.scribe.scenario import parse_scribe_table

__all__ = ["APP_TABLES", "AppTable", "register_app_table"]

AppTable = Callable[[str, Mapping[str, Any], Config], tuple[App, tuple[tuple[int, Hashable], ...]]]
"""(where, table, config) → (the application, its client requests)."""

APP_TABLES: dict[str, AppTable] = {
    "past": parse_past_table,
    "scribe": parse_scribe_table,
}


def register_app_table(name: str, parser: AppTable) -> None:
    """Let scenario files run the application ``name`` through ``[app.NAME]``."""
    if name in APP_TABLES and APP_TABLES[name] is not parser:
        raise ValueError(f"an [app.{name}] parser is registered already")
    APP_TABLES[name] = parser
