"""The Pastry scenarios of ``pastry-ref check``, and the ``.toml`` scenario-file loader.

Owns: registration. Importing this module (the model checker's CLI does, as a plugin) registers
the loader for ``.toml`` files and every scenario file shipped in ``model_check/scenarios/``;
a file's scenarios are named after its ``name`` key (``NAME/PROTOCOL`` for several protocols).
"""

from __future__ import annotations

from importlib import resources
from pathlib import Path

from model_check import register, register_file_loader
from model_check.registry import scenarios as registered
from pastry_ref.scenario_file import load_scenario_file

__all__ = ["SCENARIO_DIR", "shipped_scenario_files"]

SCENARIO_DIR = Path(str(resources.files("model_check") / "scenarios"))


def shipped_scenario_files() -> list[Path]:
    """The scenario files shipped with the package, in name order."""
    return sorted(SCENARIO_DIR.glob("*.toml"))


def _register_all() -> None:
    register_file_loader(".toml", load_scenario_file)
    names = {s.name for s in registered()}
    for path in shipped_scenario_files():
        for scenario in load_scenario_file(path):
            if scenario.name not in names:
                register(scenario)


_register_all()
