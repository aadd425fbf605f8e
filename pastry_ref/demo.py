"""The main job (``pastry-ref demo``), filled in with the oracle."""

from __future__ import annotations

import argparse
from typing import Any


def add_command(sub: Any) -> None:
    p: argparse.ArgumentParser = sub.add_parser("demo", help="print a worked routing example")
    p.set_defaults(run=lambda args: 0)
