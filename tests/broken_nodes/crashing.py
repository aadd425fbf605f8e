"""Survival node: our node, but it exits with code 3 (a crash) when lookup 3 reaches it."""

import os
import sys

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from _survival import run


def crash(server: object) -> list[str]:
    print("crashing on purpose at lookup 3", file=sys.stderr, flush=True)
    os._exit(3)


if __name__ == "__main__":
    raise SystemExit(run(crash))
