"""``pastry-ref judge FILE``: judge a trace of a foreign implementation's run.

Owns: the ``judge`` subcommand. Reads a trace (spec/trace-format.md; ``-`` for stdin), judges
it with ``pastry_ref.oracle.judge_trace`` and prints the human summary first (the verdict and
why), then, with ``--json``, the whole report as JSON on stdout. Exit codes: 0 valid, 1 violated,
2 bad input (``TraceFormatError``: the message names the line and the field), 3 cannot decide.
Rule: nothing here judges; it reads arguments, calls the oracle and prints.
"""

from __future__ import annotations

import argparse
import sys
from typing import Any

from pastry_ref.oracle.judge import judge_trace

__all__ = ["add_command"]


def add_command(sub: Any) -> None:
    p: argparse.ArgumentParser = sub.add_parser(
        "judge",
        help="judge a trace of another implementation (spec/trace-format.md)",
        description=(
            "Judge a newline-delimited JSON trace: deliveries against the live set, each hop "
            "against the paper's routing rules, snapshots at quiescent points against the "
            "ideal. Exit 0 valid, 1 violated, 2 bad input, 3 cannot decide."
        ),
    )
    p.add_argument("file", metavar="FILE", help="the trace file, or - for standard input")
    p.add_argument(
        "--json", action="store_true", help="print the whole report as JSON after the summary"
    )
    p.add_argument(
        "--limit",
        type=int,
        default=20,
        help="violations listed in the summary (default 20; --json lists up to 1,000)",
    )
    p.set_defaults(run=_run)


def _run(args: argparse.Namespace) -> int:
    source = sys.stdin if args.file == "-" else args.file
    report = judge_trace(source)
    summary = report.summary(limit=max(0, args.limit))
    if args.json:
        print(summary, file=sys.stderr)
        print(report.to_json())
    else:
        print(summary)
    return report.exit_code
