"""The ``pastry-ref`` command.

Owns: argument parsing and exit codes. Subcommands: ``demo`` (the main job) and ``check`` (the
model checker, registered by ``model_check.cli``). Exit codes (docs/index.md): 0 all properties
hold and the search was complete, 1 a property is violated, 2 bad usage or bad input,
3 incomplete. Bad input is reported as one line on stderr, never a traceback.
"""

from __future__ import annotations

import argparse
import sys
from collections.abc import Sequence
from typing import NoReturn

from pastry_ref.errors import PastryRefError

__all__ = ["EXIT_BAD_INPUT", "EXIT_INCOMPLETE", "EXIT_OK", "EXIT_VIOLATION", "main"]

EXIT_OK = 0
EXIT_VIOLATION = 1
EXIT_BAD_INPUT = 2
EXIT_INCOMPLETE = 3


class _Parser(argparse.ArgumentParser):
    """Bad usage is one line on stderr and exit code 2 (argparse would add the usage text)."""

    def error(self, message: str) -> NoReturn:
        self.exit(EXIT_BAD_INPUT, f"{self.prog}: error: {message} (try --help)\n")


def build_parser() -> argparse.ArgumentParser:
    parser = _Parser(prog="pastry-ref", description=__doc__.splitlines()[0] if __doc__ else None)
    sub = parser.add_subparsers(
        dest="command", required=True, metavar="COMMAND", parser_class=_Parser
    )

    from pastry_ref.cli import demo

    demo.add_command(sub)

    try:
        from model_check import cli as mc_cli
    except ImportError:  # the engine is optional for the demo
        mc_cli = None  # type: ignore[assignment]
    if mc_cli is not None and hasattr(mc_cli, "add_command"):
        mc_cli.add_command(sub)
    return parser


def main(argv: Sequence[str] | None = None) -> int:
    parser = build_parser()
    args = parser.parse_args(argv)
    try:
        code: int = args.run(args)
    except PastryRefError as e:
        print(f"pastry-ref: error: {e}", file=sys.stderr)
        return EXIT_BAD_INPUT
    return code


if __name__ == "__main__":  # pragma: no cover
    sys.exit(main())
