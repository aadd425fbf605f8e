"""Survival node: our node, but it stops answering (never writes done) once lookup 3 reaches
it."""

import os
import sys
import time

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from _survival import run


def hang(server: object) -> list[str]:
    while True:
        time.sleep(60)


if __name__ == "__main__":
    raise SystemExit(run(hang))
