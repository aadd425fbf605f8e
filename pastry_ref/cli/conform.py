"""``pastry-ref conform``: run foreign node processes under the conformance harness.

Owns: the command line of the harness (spec/conformance.md, docs/conformance.md): ``--bin CMD``
and the run's sizes, or ``--replay RUN``; the run folder's place; the summary on stdout and the
exit code (0 valid, 1 violated, 2 bad input, 3 unknown). Rules: bad options are ``BadInput``
naming the option; Ctrl-C (SIGINT) or SIGTERM kills every node process and reports the run as
unknown (exit 3).
"""

from __future__ import annotations

import argparse
import json
import os
import shlex
import signal
import sys
from pathlib import Path
from typing import Any

from pastry_ref.conform.harness import HarnessOptions
from pastry_ref.conform.process import kill_all, split_command
from pastry_ref.conform.run import conform, next_run_dir
from pastry_ref.conform.schedule import RunParams, ScheduleError, generate, load_schedule
from pastry_ref.errors import BadInput, shown

__all__ = ["add_command"]

MAX_SEED = 2**64 - 1


def _integer(text: str) -> int:
    try:
        return int(text)
    except ValueError:
        raise argparse.ArgumentTypeError(f"expected an integer, got {shown(text)}") from None


def _seconds(text: str) -> float:
    try:
        value = float(text)
    except ValueError:
        raise argparse.ArgumentTypeError(f"expected seconds, got {shown(text)}") from None
    if not 0.01 <= value <= 3600:
        raise argparse.ArgumentTypeError(f"expected 0.01..3600 seconds, got {shown(text)}")
    return value


def add_command(sub: Any) -> None:
    p: argparse.ArgumentParser = sub.add_parser(
        "conform",
        help="drive foreign node processes through a seeded schedule and judge them",
        description=(
            "Start --nodes processes of --bin, act as their network through a seeded schedule "
            "of joins, lookups, leaves, kills, drops, duplicates, delays and a partition, ask "
            "for table snapshots at quiescent points and judge the history with the oracle. "
            "Exit 0 valid, 1 violated, 2 bad input, 3 unknown."
        ),
    )
    p.add_argument("--bin", help='the node command line, e.g. "pastry-ref node"')
    p.add_argument("--nodes", type=_integer, default=6, help="node processes (default 6)")
    p.add_argument("--seed", type=_integer, default=1, help="seed of ids, schedule and network")
    p.add_argument("--bits", type=_integer, default=32, help="id width (default 32)")
    p.add_argument("--b", type=_integer, default=4, help="bits per digit (default 4)")
    p.add_argument("--leaf-set-size", type=_integer, default=4, help="L (default 4)")
    p.add_argument("--neighborhood-size", type=_integer, default=4, help="M (default 4)")
    p.add_argument("--join", default="consistent", help="join protocol told to the nodes")
    p.add_argument("--lookups", type=_integer, default=20, help="lookups (default 20)")
    p.add_argument("--settle-ticks", type=_integer, default=15, help="ticks to a quiet point")
    p.add_argument("--no-churn", action="store_true", help="no leaves, kills or late joins")
    p.add_argument("--no-faults", action="store_true", help="no drops, duplicates, partition")
    p.add_argument(
        "--tie-rule",
        choices=("either", "clockwise", "counterclockwise"),
        help="the nodes' tie rule, for the judge (default either: not told; --replay: the run's)",
    )
    p.add_argument(
        "--timeout",
        type=_seconds,
        help="seconds a node may take (default 10; on --replay, the run's)",
    )
    p.add_argument("--out", default="conform-runs", help="folder for run folders")
    p.add_argument("--replay", metavar="RUN", help="run RUN/schedule.json again")
    p.add_argument("--json", action="store_true", help="print results.json instead")
    p.set_defaults(run=_run)


def _run(args: argparse.Namespace) -> int:
    command_text = args.bin
    recorded: dict[str, Any] = {}
    if args.replay:
        run = Path(args.replay)
        schedule = load_schedule(run / "schedule.json")
        replay_words, recorded = _replay_command(run)
        if command_text is None:
            command_text = replay_words
    else:
        if not 0 <= args.seed <= MAX_SEED:
            raise BadInput(f"--seed: expected 0..{MAX_SEED}, got {args.seed}")
        params = RunParams(
            nodes=args.nodes,
            bits=args.bits,
            b=args.b,
            leaf_set_size=args.leaf_set_size,
            neighborhood_size=args.neighborhood_size,
            join=args.join,
            lookups=args.lookups,
            churn=not args.no_churn,
            faults=not args.no_faults,
            settle_ticks=args.settle_ticks,
        )
        schedule = generate(args.seed, params)
    if not command_text:
        raise BadInput('--bin: expected the node command line, e.g. --bin "pastry-ref node"')
    try:
        command = tuple(split_command(command_text))
    except ValueError as e:
        raise BadInput(f"--bin: not a command line ({e}): {shown(command_text, 80)}") from None
    if not command:
        raise BadInput("--bin: the command line is empty")
    options = HarnessOptions(
        command=command,
        timeout=args.timeout or _recorded(recorded, "timeout", float, 10.0),
        tie_rule=args.tie_rule or _recorded(recorded, "tie_rule", str, "either"),
    )
    run_dir = next_run_dir(Path(args.out), schedule.seed, schedule.params.nodes)
    # Ctrl-C and a termination request end the run with every node killed, whatever signal
    # disposition this process inherited (a background job may start with SIGINT ignored).
    previous = {sig: signal.getsignal(sig) for sig in (signal.SIGINT, signal.SIGTERM)}
    signal.signal(signal.SIGINT, signal.default_int_handler)
    signal.signal(signal.SIGTERM, _interrupt)
    try:
        result = conform(schedule, options, run_dir)
    except KeyboardInterrupt:
        kill_all()
        print(
            f"pastry-ref: interrupted; node processes killed; partial run in {run_dir}",
            file=sys.stderr,
        )
        return 3
    finally:
        for sig, handler in previous.items():
            signal.signal(sig, handler)
    try:
        print(json.dumps(result.to_json(), indent=1) if args.json else result.summary())
        sys.stdout.flush()
    except BrokenPipeError:  # the reader went away (``| head``): the run folder has it all
        os.dup2(os.open(os.devnull, os.O_WRONLY), sys.stdout.fileno())
    return result.exit_code


def _interrupt(signum: int, frame: object) -> None:
    raise KeyboardInterrupt


def _replay_command(run: Path) -> tuple[str, dict[str, Any]]:
    """The command line and the harness options a run recorded in ``command.json``."""
    path = run / "command.json"
    try:
        data = json.loads(path.read_text(encoding="utf-8"))
        words = data["command"]
        options = data.get("options", {})
        if not isinstance(words, list) or not all(isinstance(w, str) for w in words):
            raise TypeError
        if not isinstance(options, dict):
            raise TypeError
    except OSError:
        raise ScheduleError(f"{path}: cannot read it; give --bin") from None
    except (ValueError, KeyError, TypeError):
        raise ScheduleError(f"{path}: expected {{'command': [words]}}; give --bin") from None
    return shlex.join(words), options


def _recorded(options: dict[str, Any], key: str, kind: type, default: Any) -> Any:
    value = options.get(key, default)
    if kind is float and isinstance(value, int | float) and not isinstance(value, bool):
        return float(value)
    if isinstance(value, kind):
        return value
    raise ScheduleError(f"command.json: options.{key}: expected a {kind.__name__}")
