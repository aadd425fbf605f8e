"""The shipped Pastry scenarios, and the ``.toml`` scenario-file loader, as a scenario provider.

Owns: registration. ``register_all`` is the ``model_check.scenarios`` entry point of this package
(pyproject.toml): the engine's CLI calls it, and it registers the loader for ``.toml`` files and
every scenario file shipped in ``pastry_ref/check/scenarios/``; a file's scenarios are named
after its ``name`` key (``NAME/PROTOCOL`` for several protocols). Calling it again is harmless.
"""

from __future__ import annotations

from importlib import resources
from pathlib import Path

from model_check import register, register_file_loader
from model_check.registry import scenarios as registered
from pastry_ref.check.scenario_file import load_scenario_file

__all__ = ["SCENARIO_DIR", "register_all", "shipped_scenario_files"]

SCENARIO_DIR = Path(str(resources.files("pastry_ref.check") / "scenarios"))


def shipped_scenario_files() -> list[Path]:
    """The scenario files shipped with the package, in name order."""
    return sorted(SCENARIO_DIR.glob("*.toml"))


def register_all() -> None:
    """Register the ``.toml`` loader and every shipped scenario not registered yet."""
    register_file_loader(".toml", load_scenario_file)
    names = {s.name for s in registered()}
    for path in shipped_scenario_files():
        for scenario in load_scenario_file(path):
            if scenario.name not in names:
                register(scenario)


register_all()
