"""Survival node: our node, but it answers lookup 3 with a line that is not JSON."""

import os
import sys

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from _survival import run


def garbage(server: object) -> list[str]:
    return ["this is not an envelope {"]


if __name__ == "__main__":
    raise SystemExit(run(garbage))
