"""The judge's documentation runs: every example of docs/oracle.md, and the doctests of the
oracle's modules, are executed here (a wrong example fails the test)."""

from __future__ import annotations

import doctest
import importlib
from pathlib import Path

import pytest

DOC = Path(__file__).resolve().parent.parent / "docs" / "oracle.md"
MODULES = ["hexids", "ring", "tables", "route", "snapshot", "arcs", "trace", "judge", "verdict"]
FLAGS = doctest.ELLIPSIS | doctest.NORMALIZE_WHITESPACE


def test_docs_oracle_md_examples_run() -> None:
    failures, tried = doctest.testfile(str(DOC), module_relative=False, optionflags=FLAGS)
    assert tried >= 30
    assert failures == 0


@pytest.mark.parametrize("name", MODULES)
def test_oracle_module_doctests_run(name: str) -> None:
    module = importlib.import_module(f"pastry_ref.oracle.{name}")
    failures, _ = doctest.testmod(module, optionflags=FLAGS)
    assert failures == 0
