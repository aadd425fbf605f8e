"""``pastry-ref node``: our own Pastry node as a foreign node, on stdin/stdout.

Owns: the command line of the node server (spec/conformance.md). Rule: the protocol and its I/O
are ``pastry_ref.conform.node_server``'s; this module only parses the (empty) options and runs
it. ``pastry-ref conform --bin "pastry-ref node"`` drives processes of it.
"""

from __future__ import annotations

import argparse
from typing import Any

from pastry_ref.conform.node_server import serve

__all__ = ["add_command"]


def add_command(sub: Any) -> None:
    p: argparse.ArgumentParser = sub.add_parser(
        "node",
        help="serve our Pastry node over the stdio node protocol (for pastry-ref conform)",
        description=(
            "Serve one Pastry node (pastry_ref's state machine) over newline-delimited JSON "
            "envelopes on stdin/stdout, as spec/conformance.md describes. The harness sends "
            "init first; the node's parameters come from it."
        ),
    )
    p.set_defaults(run=_run)


def _run(args: argparse.Namespace) -> int:
    return serve()
