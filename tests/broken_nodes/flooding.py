"""Survival node: our node, but it writes endless lines once lookup 3 reaches it."""

import json
import os
import sys

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from _survival import run


def flood(server: object) -> list[str]:
    me = getattr(server, "me", "")
    noise = json.dumps({"src": me, "dest": "harness", "body": {"type": "error", "text": "x"}})
    while True:
        print(noise)


if __name__ == "__main__":
    raise SystemExit(run(flood))
