"""Foreign node processes: start, feed one line, collect the outputs until ``done``, kill.

Owns: ``NodeProcess`` (one child process speaking the node protocol on stdin/stdout, its stderr
copied to a log file), ``Fault`` (what a misbehaving process did: crashed, hung, flooded,
garbage, with the node and the line) and ``kill_all``. Rules: (1) every wait has a timeout: a
node that does not answer with ``done`` in time, or does not take its input in time (its
stdin stays full), is *hung*, killed and reported, never waited on for ever; (2) output is
bounded: a line longer than ``MAX_LINE`` or more than ``max_lines`` lines for one input is a
*flood*, cut and reported; stderr beyond ``MAX_STDERR`` bytes is
discarded (and counted); (3) every process is started in its own session, tracked in
``_LIVE``, and killed by ``kill_all`` (the harness calls it in ``finally``, and at exit);
(4) a process that breaks the protocol is a verdict about it (``Fault``), never bad input.
"""

from __future__ import annotations

import atexit
import contextlib
import os
import queue
import select
import shlex
import signal
import subprocess
import threading
import time
from collections.abc import Sequence
from pathlib import Path

import attrs

from pastry_ref.conform.wire import MAX_LINE, Envelope, WireError, parse_line

__all__ = ["MAX_STDERR", "Fault", "NodeProcess", "kill_all", "split_command"]

MAX_STDERR = 1 << 20
"""Bytes of a node's stderr kept in its log; the rest is counted and dropped."""

_LIVE: set[NodeProcess] = set()
_LOCK = threading.Lock()
_EOF = object()


@attrs.frozen(slots=True)
class Fault:
    """A node process misbehaved. ``kind``: crashed (exited on its own), hung (no ``done``
    within the timeout), flooded (a line too long or too many lines), garbage (a line that is
    not an envelope, or one that breaks the protocol). ``line`` is the number of the node's
    stdout line at fault (1-based; 0 if none)."""

    node: str
    kind: str
    line: int
    message: str

    def to_json(self) -> dict[str, object]:
        return {"node": self.node, "kind": self.kind, "line": self.line, "message": self.message}


class NodeProcess:
    """One foreign node: ``command`` started with its stdout read by a thread into a queue."""

    def __init__(self, command: Sequence[str], name: str, log: Path, env: dict[str, str]) -> None:
        self.name = name
        self.lines_read = 0
        self.stderr_dropped = 0
        self.fault: Fault | None = None
        self._log = log.open("wb")
        self._queue: queue.Queue[object] = queue.Queue(maxsize=1024)
        try:
            self.proc = subprocess.Popen(
                list(command),
                stdin=subprocess.PIPE,
                stdout=subprocess.PIPE,
                stderr=subprocess.PIPE,
                start_new_session=True,
                env=env,
            )
        except OSError:
            self._log.close()
            raise
        with _LOCK:
            _LIVE.add(self)
        threading.Thread(target=self._read_stdout, daemon=True).start()
        threading.Thread(target=self._read_stderr, daemon=True).start()

    # -- the reader threads ---------------------------------------------------------------
    def _read_stdout(self) -> None:
        out = self.proc.stdout
        assert out is not None
        try:
            while True:
                raw = out.readline(MAX_LINE + 1)
                if not raw:
                    break
                self._queue.put(raw)
                if len(raw) > MAX_LINE:  # the rest of a flood is not read
                    break
        except (OSError, ValueError):
            pass
        self._queue.put(_EOF)

    def _read_stderr(self) -> None:
        err = self.proc.stderr
        assert err is not None
        kept = 0
        try:
            while True:
                chunk = err.read1(65536)  # type: ignore[attr-defined]
                if not chunk:
                    break
                room = max(MAX_STDERR - kept, 0)
                if room:
                    self._log.write(chunk[:room])
                    self._log.flush()
                kept += min(room, len(chunk))
                self.stderr_dropped += max(len(chunk) - room, 0)
        except (OSError, ValueError):
            pass
        with contextlib.suppress(OSError, ValueError):
            if self.stderr_dropped:
                self._log.write(f"\n[harness: {self.stderr_dropped} more bytes dropped]\n".encode())
            self._log.close()

    # -- one exchange ---------------------------------------------------------------------
    @property
    def alive(self) -> bool:
        return self.fault is None and self.proc.poll() is None

    def send(
        self, env: Envelope, timeout: float, max_lines: int
    ) -> list[tuple[int, Envelope]] | None:
        """Write ``env`` and collect the node's envelopes up to its ``done``; None (and
        ``self.fault`` set, the process killed) if it crashed, hung, flooded or wrote garbage."""
        if not self.write(env, timeout):
            return None
        return self.collect(timeout, max_lines, env.type)

    def write(self, env: Envelope, timeout: float = 10.0) -> bool:
        """Write ``env`` to the node's stdin within ``timeout`` seconds; False (a fault
        recorded, the node killed) if stdin is closed (crashed) or stays full (hung: the node
        does not read its input)."""
        stdin = self.proc.stdin
        assert stdin is not None
        data = (env.to_line() + "\n").encode()
        deadline = time.monotonic() + timeout
        try:
            fd = stdin.fileno()
            os.set_blocking(fd, False)
            while data:
                try:
                    data = data[os.write(fd, data) :]
                except BlockingIOError:
                    left = deadline - time.monotonic()
                    if left <= 0:
                        self._failed("hung", f"does not read its stdin ({env.type} not taken)")
                        return False
                    select.select([], [fd], [], left)
        except (OSError, ValueError):
            self._failed("crashed", f"stdin closed before {env.type} ({self._status()})")
            return False
        return True

    def collect(
        self, timeout: float, max_lines: int, what: str
    ) -> list[tuple[int, Envelope]] | None:
        """The envelopes the node writes up to its ``done``, each with its stdout line number
        (see ``send``)."""
        got: list[tuple[int, Envelope]] = []
        while True:
            try:
                item = self._queue.get(timeout=timeout)
            except queue.Empty:
                return self._fail_none(
                    "hung", f"no 'done' within {timeout:g} s after {what}", self.lines_read
                )
            if item is _EOF:
                with contextlib.suppress(subprocess.TimeoutExpired):
                    self.proc.wait(timeout=1)
                return self._fail_none(
                    "crashed", f"exited while handling {what} ({self._status()})", self.lines_read
                )
            assert isinstance(item, bytes)
            self.lines_read += 1
            if len(item) > MAX_LINE:
                return self._fail_none(
                    "flooded", f"line longer than {MAX_LINE} bytes (cut)", self.lines_read
                )
            if len(got) >= max_lines:
                return self._fail_none(
                    "flooded", f"more than {max_lines} lines for one {what}", self.lines_read
                )
            try:
                env = parse_line(item.decode("utf-8"))
            except UnicodeDecodeError:
                return self._fail_none("garbage", "not UTF-8", self.lines_read)
            except WireError as e:
                return self._fail_none("garbage", str(e), self.lines_read)
            if env.src != self.name:
                return self._fail_none(
                    "garbage",
                    f"envelope src {env.src!r} is not this node's address {self.name!r}",
                    self.lines_read,
                )
            if env.type == "done":
                return got
            got.append((self.lines_read, env))

    def _status(self) -> str:
        code = self.proc.poll()
        if code is None:
            return "still running"
        if code < 0:
            return f"killed by signal {-code}"
        return f"exit code {code}"

    def _fail_none(
        self, kind: str, message: str, line: int = 0
    ) -> list[tuple[int, Envelope]] | None:
        """Record the fault, kill the node, and give ``send``'s answer for it: None."""
        self._failed(kind, message, line)
        return None

    def fail(self, kind: str, message: str, line: int) -> None:
        """Record a fault the harness found in what the node wrote, and kill the node."""
        self._failed(kind, message, line)

    def _failed(self, kind: str, message: str, line: int = 0) -> None:
        if self.fault is None:
            self.fault = Fault(self.name, kind, line, message)
        self.kill()

    # -- ending -----------------------------------------------------------------------------
    def close(self, timeout: float) -> None:
        """Close stdin (a graceful end) and give the process ``timeout`` s to exit, then kill."""
        with contextlib.suppress(OSError, ValueError):
            if self.proc.stdin:
                self.proc.stdin.close()
        with contextlib.suppress(subprocess.TimeoutExpired):
            self.proc.wait(timeout=timeout)
        self.kill()

    def kill(self) -> None:
        """Kill the process and its process group (no-op once it has exited)."""
        if self.proc.poll() is None:
            with contextlib.suppress(OSError):
                os.killpg(self.proc.pid, signal.SIGKILL)
            with contextlib.suppress(OSError):
                self.proc.kill()
        with contextlib.suppress(subprocess.TimeoutExpired, OSError):
            self.proc.wait(timeout=5)
        for stream in (self.proc.stdin, self.proc.stdout):
            with contextlib.suppress(OSError, ValueError):
                if stream:
                    stream.close()
        with _LOCK:
            _LIVE.discard(self)


def kill_all() -> None:
    """Kill every node process still running (rule 3)."""
    with _LOCK:
        live = list(_LIVE)
    for p in live:
        p.kill()


atexit.register(kill_all)


def split_command(command: str) -> list[str]:
    """A ``--bin`` command line as an argument list (shell words, no shell)."""
    return shlex.split(command)
