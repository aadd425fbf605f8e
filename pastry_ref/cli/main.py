"""The ``pastry-ref`` command.

Owns: argument parsing, exit codes and how errors reach the user. Subcommands: ``demo`` (the main
job) and ``check`` (the model checker, registered by ``model_check.cli``). Exit codes
(docs/index.md): 0 all properties hold and the search was complete, 1 a property is violated,
2 bad usage or bad input, 3 incomplete. Rule: an error of a known family is one line on stderr,
never a traceback: ``BadInput`` and the engine's errors ``pastry-ref: error: ...`` (2),
``BoundReached`` (3), ``ProtocolViolation`` (1), ``ApiMisuse`` ``pastry-ref: internal error:``
(2: a bug in pastry_ref, reported as such). An ``InputNote`` warning is one line
``pastry-ref: note: ...``. A reader that closes our stdout early (``| head``) ends the
command quietly with exit code 141, as a shell reports a tool killed by SIGPIPE (``EXIT_PIPE``).
"""

from __future__ import annotations

import argparse
import importlib
import os
import sys
import warnings
from collections.abc import Sequence
from typing import Any, NoReturn, TextIO

from pastry_ref.errors import (
    ApiMisuse,
    BoundReached,
    InputNote,
    PastryRefError,
    ProtocolViolation,
)

__all__ = [
    "EXIT_BAD_INPUT",
    "EXIT_INCOMPLETE",
    "EXIT_OK",
    "EXIT_PIPE",
    "EXIT_VIOLATION",
    "main",
]

EXIT_OK = 0
EXIT_VIOLATION = 1
EXIT_BAD_INPUT = 2
EXIT_INCOMPLETE = 3
# stdout was closed by its reader: 128 + SIGPIPE, what a shell shows for `yes | head`.
EXIT_PIPE = 141


# The subcommands of pastry_ref itself: each is a module of pastry_ref.cli with
# ``add_command(subparsers)``. The engine's ``check`` is added after them.
_COMMANDS: tuple[str, ...] = ("demo", "conform", "node", "judge", "tlc")


class _Parser(argparse.ArgumentParser):
    """Bad usage is one line on stderr and exit code 2 (argparse would add the usage text)."""

    def error(self, message: str) -> NoReturn:
        self.exit(EXIT_BAD_INPUT, f"{self.prog}: error: {message} (try --help)\n")


def build_parser() -> argparse.ArgumentParser:
    parser = _Parser(prog="pastry-ref", description=__doc__.splitlines()[0] if __doc__ else None)
    sub = parser.add_subparsers(
        dest="command", required=True, metavar="COMMAND", parser_class=_Parser
    )

    for name in _COMMANDS:
        importlib.import_module(f"pastry_ref.cli.{name}").add_command(sub)

    try:
        from model_check import cli as mc_cli
    except ImportError:  # the engine is optional for the demo
        mc_cli = None  # type: ignore[assignment]
    if mc_cli is not None and hasattr(mc_cli, "add_command"):
        mc_cli.add_command(sub)
    return parser


def _one_line(e: BaseException | Warning | str) -> str:
    """The message on one line (whitespace runs, line breaks included, become one space)."""
    text = " ".join(str(e).split()) or type(e).__name__
    return text if len(text) <= 2000 else text[:1997] + "..."


def _note_hook(original: Any) -> Any:
    """A ``warnings.showwarning`` that prints ``InputNote``s as one line and leaves the rest to
    ``original``."""

    def show(
        message: Warning | str,
        category: type[Warning],
        filename: str,
        lineno: int,
        file: TextIO | None = None,
        line: str | None = None,
    ) -> None:
        if issubclass(category, InputNote):
            print(f"pastry-ref: note: {_one_line(message)}", file=sys.stderr)
        else:
            original(message, category, filename, lineno, file, line)

    return show


def _error_code(e: Exception) -> tuple[int, str]:
    """The exit code and the line for an error of a known family."""
    if isinstance(e, BoundReached):
        return EXIT_INCOMPLETE, f"pastry-ref: incomplete: {_one_line(e)}"
    if isinstance(e, ProtocolViolation):
        return EXIT_VIOLATION, f"pastry-ref: violation: {_one_line(e)}"
    if isinstance(e, ApiMisuse):
        what = f"{type(e).__name__}: {_one_line(e)}"
        return EXIT_BAD_INPUT, f"pastry-ref: internal error: {what} (a bug in pastry_ref)"
    # BadInput, the engine's errors (ModelCheckError): bad usage or input.
    return EXIT_BAD_INPUT, f"pastry-ref: error: {_one_line(e)}"


def main(argv: Sequence[str] | None = None) -> int:
    parser = build_parser()
    args = parser.parse_args(argv)
    known: tuple[type[Exception], ...] = (PastryRefError,)
    try:
        from model_check import ModelCheckError

        known = (PastryRefError, ModelCheckError)
    except ImportError:  # pragma: no cover - the engine is optional for the demo
        pass
    with warnings.catch_warnings():
        warnings.simplefilter("always", InputNote)
        warnings.showwarning = _note_hook(warnings.showwarning)
        try:
            code: int = args.run(args)
        except known as e:
            code, line = _error_code(e)
            print(line, file=sys.stderr)
        except BrokenPipeError:
            return _stdout_closed()
    return code


def _stdout_closed() -> int:
    """Our reader went away: nothing more is written, not even Python's own flush at exit
    (which would print a second error), so stdout is pointed at the null device."""
    try:
        devnull = os.open(os.devnull, os.O_WRONLY)
        os.dup2(devnull, sys.stdout.fileno())
    except (OSError, ValueError):  # stdout has no file descriptor (a test's StringIO)
        pass
    return EXIT_PIPE


if __name__ == "__main__":  # pragma: no cover
    sys.exit(main())
