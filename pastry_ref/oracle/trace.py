"""The trace format: events, the loader, the writer (spec/trace-format.md).

Owns: the event values (``Header``, ``Joined``, ``Crashed``, ``Left``, ``Quiescent``,
``Snapshot``, ``RouteStart``, ``Hop``, ``Delivered``, ``Wire``), ``Trace``, ``load_trace`` /
``iter_trace`` (newline-delimited JSON in, validated events out), ``TraceWriter`` (events out as
lines) and ``TraceFormatError``. Spec rules: R-TRACE-1..6.
I/O: the one place the oracle touches a file. Given a path, ``iter_trace`` opens it read-only
(the builtin ``open``) and reads it line by line; everything else in the oracle takes values.
Rule: the loader is the boundary. Everything a line can get wrong (JSON, fields, ids, time,
references) is a ``TraceFormatError`` naming the source, the line and the field; what a node
did is never checked here (that is the judge's verdict). The loader needs no JSON Schema
library; ``trace.schema.json`` describes the same lines for other tools.
"""

from __future__ import annotations

import json
import math
import re
from collections.abc import Callable, Iterable, Iterator, Mapping, Sequence
from typing import IO, Any, Literal, Protocol

import attrs

from pastry_ref.errors import BadInput, PastryRefError, shown
from pastry_ref.oracle.hexids import parse_hex_id
from pastry_ref.oracle.ring import TIE_RULES, TieRule
from pastry_ref.oracle.tables import ForeignTables, Layout
from pastry_ref.ring.ids import IdSpace

__all__ = [
    "FORMAT",
    "MAX_IDS",
    "MAX_LINE",
    "VERSION",
    "Crashed",
    "Delivered",
    "Event",
    "Header",
    "Hop",
    "Joined",
    "Left",
    "PathLike",
    "Quiescent",
    "RouteStart",
    "Snapshot",
    "Source",
    "Trace",
    "TraceFormatError",
    "TraceWriter",
    "Wire",
    "iter_trace",
    "load_trace",
    "source_path",
]

FORMAT = "pastry-trace"
VERSION = 1
MAX_LINE = 16 * 1024 * 1024  # R-TRACE-6
MAX_IDS = 4096
MAX_ROUTE_ID = 200


class TraceFormatError(BadInput):
    """A trace line breaks the format (R-TRACE-1..6): the message names the source, the line
    and the field, with the expected form."""


Clock = Literal["logical", "wall"]


@attrs.frozen(slots=True)
class Header:
    """The first line: the id space, L, the clock, the tie rule, the hop bound."""

    line: int
    time: float
    space: IdSpace
    leaf_set_size: int
    clock: Clock = "logical"
    tie_rule: TieRule = "either"
    max_hops: int | None = None
    implementation: str | None = None

    @property
    def hop_bound(self) -> int:
        """``max_hops``, or the default ``digits + L/2 + 1`` (R-JUDGE-4)."""
        if self.max_hops is not None:
            return self.max_hops
        return self.space.digits + self.leaf_set_size // 2 + 1


@attrs.frozen(slots=True)
class Joined:
    line: int
    time: float
    node: int
    coords: tuple[float, ...] | None = None


@attrs.frozen(slots=True)
class Crashed:
    line: int
    time: float
    node: int


@attrs.frozen(slots=True)
class Left:
    line: int
    time: float
    node: int


@attrs.frozen(slots=True)
class Quiescent:
    line: int
    time: float


@attrs.frozen(slots=True)
class Snapshot:
    line: int
    time: float
    node: int
    tables: ForeignTables


@attrs.frozen(slots=True)
class RouteStart:
    line: int
    time: float
    route: str
    key: int
    origin: int


@attrs.frozen(slots=True)
class Hop:
    """``src`` forwarded ``route``'s message to ``dst`` (the fields ``from`` / ``to``)."""

    line: int
    time: float
    route: str
    src: int
    dst: int
    tables: ForeignTables | None = None


@attrs.frozen(slots=True)
class Delivered:
    line: int
    time: float
    route: str
    node: int


@attrs.frozen(slots=True)
class Wire:
    """A protocol message seen on the wire (``send`` or ``receive``); not judged yet."""

    line: int
    time: float
    kind: Literal["send", "receive"]
    src: int
    dest: int
    msg: str


Event = Joined | Crashed | Left | Quiescent | Snapshot | RouteStart | Hop | Delivered | Wire


@attrs.frozen(slots=True)
class Trace:
    header: Header
    events: tuple[Event, ...]
    name: str = "<trace>"


# -- loading ----------------------------------------------------------------------------------
_FIELDS: dict[str, tuple[frozenset[str], frozenset[str]]] = {
    # type: (required, optional); "type" and "time" are always required
    "header": (
        frozenset({"format", "version", "bits", "b", "leaf_set_size", "clock"}),
        frozenset({"tie_rule", "max_hops", "implementation"}),
    ),
    "joined": (frozenset({"node"}), frozenset({"coords"})),
    "crashed": (frozenset({"node"}), frozenset()),
    "left": (frozenset({"node"}), frozenset()),
    "quiescent": (frozenset(), frozenset()),
    "snapshot": (
        frozenset({"node", "leaf_set", "routing_table"}),
        frozenset({"neighborhood", "layout"}),
    ),
    "route": (frozenset({"route", "key", "origin"}), frozenset()),
    "hop": (frozenset({"route", "from", "to"}), frozenset({"tables"})),
    "deliver": (frozenset({"route", "node"}), frozenset()),
    "send": (frozenset({"src", "dest", "msg"}), frozenset({"body"})),
    "receive": (frozenset({"src", "dest", "msg"}), frozenset({"body"})),
}


class _Line:
    """One line being read: raises ``TraceFormatError`` prefixed with where it is."""

    __slots__ = ("name", "no", "obj")

    def __init__(self, name: str, no: int, obj: dict[str, Any]) -> None:
        self.name, self.no, self.obj = name, no, obj

    def fail(self, message: str) -> TraceFormatError:
        return TraceFormatError(f"{self.name}:{self.no}: {message}")

    def int_field(self, field: str, lo: int, hi: int) -> int:
        v = self.obj[field]
        if type(v) is not int or not lo <= v <= hi:
            raise self.fail(f"field '{field}': expected an integer in {lo}..{hi}, got {shown(v)}")
        return v

    def choice(self, field: str, options: Sequence[str], default: str | None = None) -> str:
        v = self.obj.get(field, default)
        if v not in options:
            raise self.fail(
                f"field '{field}': expected one of {', '.join(map(repr, options))}, got {shown(v)}"
            )
        return str(v)

    def text(self, field: str, limit: int) -> str:
        v = self.obj[field]
        if type(v) is not str or not 0 < len(v) <= limit:
            raise self.fail(
                f"field '{field}': expected a non-empty string of at most {limit} characters, "
                f"got {shown(v)}"
            )
        return v


class _Reader:
    """The loader's state: the header, the live set, the started routes, the last time."""

    def __init__(self, name: str) -> None:
        self.name = name
        self.header: Header | None = None
        self.live: set[int] = set()
        self.routes: set[str] = set()
        self.last_time: float = 0.0
        self.bits = 0
        self.high_bits = False
        self.hex_match: Callable[[str], object] = re.compile("").fullmatch

    def set_header(self, header: Header) -> None:
        self.header = header
        self.bits = header.space.bits
        self.high_bits = header.space.bits % 4 != 0  # a full-width hex id can exceed 2**bits
        width = (header.space.bits + 3) // 4
        self.hex_match = re.compile(f"[0-9a-fA-F]{{{width}}}").fullmatch

    def id_of(self, ln: _Line, value: object, field: str) -> int:
        assert self.header is not None
        try:
            return parse_hex_id(value, self.header.space, field)
        except BadInput as e:
            raise ln.fail(f"field {e}") from None

    def id_field(self, ln: _Line, field: str) -> int:
        return self.id_of(ln, ln.obj[field], f"'{field}'")

    def id_list(self, ln: _Line, value: object, field: str) -> tuple[int, ...]:
        if type(value) is not list or len(value) > MAX_IDS:
            raise ln.fail(
                f"field '{field}': expected a list of at most {MAX_IDS} hex ids, got {shown(value)}"
            )
        match = self.hex_match
        if all(type(v) is str and match(v) for v in value):
            ids = tuple(int(v, 16) for v in value)
            if not self.high_bits or all(not x >> self.bits for x in ids):
                return ids
        return tuple(self.id_of(ln, v, f"'{field}[{i}]'") for i, v in enumerate(value))

    def tables(self, ln: _Line, obj: Mapping[str, Any], where: str, owner: int) -> ForeignTables:
        assert self.header is not None
        space = self.header.space
        ls = obj["leaf_set"]
        if type(ls) is not dict or set(ls) != {"left", "right"}:
            raise ln.fail(
                f'field \'{where}leaf_set\': expected an object {{"left": [ids], "right": '
                f"[ids]}}, got {shown(ls)}"
            )
        left = self.id_list(ln, ls["left"], f"{where}leaf_set.left")
        right = self.id_list(ln, ls["right"], f"{where}leaf_set.right")
        layout = self.layout(ln, obj.get("layout"), where)
        rt = obj["routing_table"]
        limit = space.digits
        if type(rt) is not list or len(rt) > limit:
            raise ln.fail(
                f"field '{where}routing_table': expected a list of at most {limit} rows, "
                f"got {shown(rt)}"
            )
        rows: list[tuple[tuple[int, ...], ...]] = []
        for r, row in enumerate(rt):
            if type(row) is not list or len(row) != space.base:
                raise ln.fail(
                    f"field '{where}routing_table[{r}]': expected a list of {space.base} cells "
                    f"(lists of ids), got {shown(row)}"
                )
            rows.append(
                tuple(
                    self.id_list(ln, cell, f"{where}routing_table[{r}][{c}]")
                    for c, cell in enumerate(row)
                )
            )
        hood: tuple[int, ...] = ()
        if "neighborhood" in obj:
            hood = self.id_list(ln, obj["neighborhood"], f"{where}neighborhood")
        try:
            normal = layout.normalise(owner, rows, space)
        except BadInput as e:
            raise ln.fail(f"field '{where}{e}") from None
        return ForeignTables(owner, left, right, normal, hood)

    def layout(self, ln: _Line, value: object, where: str) -> Layout:
        if value is None:
            return Layout()
        if type(value) is not dict or not set(value) <= {"rows", "own_column"}:
            raise ln.fail(
                f"field '{where}layout': expected an object with 'rows' and/or 'own_column', "
                f"got {shown(value)}"
            )
        rows = value.get("rows", "shared_prefix")
        own = value.get("own_column", "empty")
        if rows not in ("shared_prefix", "reversed"):
            raise ln.fail(
                f"field '{where}layout.rows': expected 'shared_prefix' or 'reversed', "
                f"got {shown(rows)}"
            )
        if own not in ("empty", "owner"):
            raise ln.fail(
                f"field '{where}layout.own_column': expected 'empty' or 'owner', got {shown(own)}"
            )
        return Layout(rows, own)

    def time(self, ln: _Line) -> float:
        t = ln.obj["time"]
        clock = self.header.clock if self.header is not None else ln.obj.get("clock")
        if clock == "logical":
            ok = type(t) is int and t >= 0
            form = "a non-negative integer (logical clock)"
        else:
            ok = type(t) in (int, float) and math.isfinite(t) and t >= 0
            form = "a non-negative number of seconds (wall clock)"
        if not ok:
            raise ln.fail(f"field 'time': expected {form}, got {shown(t)}")
        if t < self.last_time:
            raise ln.fail(
                f"field 'time': times never decrease, got {shown(t)} after {shown(self.last_time)}"
            )
        self.last_time = t
        return float(t) if type(t) is float else int(t)

    def read(self, name: str, no: int, text: str) -> Header | Event | None:
        if len(text) > MAX_LINE:
            raise TraceFormatError(f"{name}:{no}: line longer than {MAX_LINE} bytes")
        if not text.strip():
            return None
        try:
            obj = json.loads(text)
        except (ValueError, RecursionError) as e:
            raise TraceFormatError(f"{name}:{no}: not JSON ({_one_line(e)})") from None
        if type(obj) is not dict:
            raise TraceFormatError(f"{name}:{no}: expected a JSON object, got {shown(obj)}")
        ln = _Line(name, no, obj)
        kind = obj.get("type")
        if type(kind) is str and kind.startswith("x-"):
            return None
        if type(kind) is not str or kind not in _FIELDS:
            raise ln.fail(
                f"field 'type': expected one of {', '.join(sorted(_FIELDS))}, got {shown(kind)}"
            )
        required, optional = _FIELDS[kind]
        given = {k for k in obj if not k.startswith("x-")} - {"type"}
        missing = sorted((required | {"time"}) - given)
        if missing:
            raise ln.fail(f"field '{missing[0]}': missing (a '{kind}' line needs it)")
        extra = sorted(given - required - optional - {"time"})
        if extra:
            raise ln.fail(f"field '{extra[0]}': not a field of a '{kind}' line")
        if kind == "header":
            if self.header is not None:
                raise ln.fail(
                    f"field 'type': a second header (the first is line {self.header.line})"
                )
            return self.read_header(ln)
        if self.header is None:
            raise ln.fail("field 'type': the first line must be the header")
        t = self.time(ln)
        return self.read_event(ln, kind, t)

    def read_header(self, ln: _Line) -> Header:
        obj = ln.obj
        if obj["format"] != FORMAT:
            raise ln.fail(f"field 'format': expected {FORMAT!r}, got {shown(obj['format'])}")
        if obj["version"] != VERSION or type(obj["version"]) is not int:
            raise ln.fail(f"field 'version': expected {VERSION}, got {shown(obj['version'])}")
        clock = ln.choice("clock", ("logical", "wall"))
        tie = ln.choice("tie_rule", TIE_RULES, "either")
        bits = ln.int_field("bits", 1, 160)
        b = ln.int_field("b", 1, 8)
        try:
            space = IdSpace(bits, b)
        except PastryRefError as e:
            raise ln.fail(f"field {e}") from None
        leaf = ln.int_field("leaf_set_size", 2, 4096)
        if leaf % 2:
            raise ln.fail(f"field 'leaf_set_size': expected an even integer, got {leaf}")
        max_hops = ln.int_field("max_hops", 1, 1 << 30) if "max_hops" in obj else None
        impl = ln.text("implementation", 1000) if "implementation" in obj else None
        header = Header(ln.no, 0, space, leaf, clock, tie, max_hops, impl)  # type: ignore[arg-type]
        self.set_header(header)
        header = attrs.evolve(header, time=self.time(ln))
        self.set_header(header)
        return header

    def read_event(self, ln: _Line, kind: str, t: float) -> Event:
        obj, no = ln.obj, ln.no
        if kind in ("joined", "crashed", "left"):
            node = self.id_field(ln, "node")
            if kind == "joined":
                if node in self.live:
                    raise ln.fail(f"field 'node': {obj['node']} joined while already live")
                self.live.add(node)
                coords = None
                if "coords" in obj:
                    c = obj["coords"]
                    if (
                        type(c) is not list
                        or not 1 <= len(c) <= 3
                        or not all(type(x) in (int, float) and math.isfinite(x) for x in c)
                    ):
                        raise ln.fail(
                            "field 'coords': expected a list of 1 to 3 finite numbers, "
                            f"got {shown(c)}"
                        )
                    coords = tuple(float(x) for x in c)
                return Joined(no, t, node, coords)
            if node not in self.live:
                raise ln.fail(f"field 'node': {obj['node']} {kind} but is not live")
            self.live.discard(node)
            return Crashed(no, t, node) if kind == "crashed" else Left(no, t, node)
        if kind == "quiescent":
            return Quiescent(no, t)
        if kind == "snapshot":
            node = self.id_field(ln, "node")
            return Snapshot(no, t, node, self.tables(ln, obj, "", node))
        if kind == "route":
            route = ln.text("route", MAX_ROUTE_ID)
            if route in self.routes:
                raise ln.fail(f"field 'route': route {route!r} was already started")
            self.routes.add(route)
            return RouteStart(no, t, route, self.id_field(ln, "key"), self.id_field(ln, "origin"))
        if kind in ("hop", "deliver"):
            route = ln.text("route", MAX_ROUTE_ID)
            if route not in self.routes:
                raise ln.fail(f"field 'route': route {route!r} was never started by a 'route' line")
            if kind == "deliver":
                return Delivered(no, t, route, self.id_field(ln, "node"))
            src, dst = self.id_field(ln, "from"), self.id_field(ln, "to")
            tables = None
            if "tables" in obj:
                tb = obj["tables"]
                if (
                    type(tb) is not dict
                    or not {"leaf_set", "routing_table"} <= set(tb)
                    or not set(tb) <= {"leaf_set", "routing_table", "neighborhood", "layout"}
                ):
                    raise ln.fail(
                        "field 'tables': expected an object with 'leaf_set', 'routing_table' and "
                        f"optionally 'neighborhood', 'layout', got {shown(tb)}"
                    )
                tables = self.tables(ln, tb, "tables.", src)
            return Hop(no, t, route, src, dst, tables)
        # send / receive
        msg = ln.text("msg", 200)
        return Wire(no, t, kind, self.id_field(ln, "src"), self.id_field(ln, "dest"), msg)  # type: ignore[arg-type]


def _one_line(e: BaseException) -> str:
    return " ".join(str(e).split())


class PathLike(Protocol):
    def __fspath__(self) -> str: ...


Source = str | PathLike | Iterable[str]


def source_path(source: object) -> str | None:
    """The file name when ``source`` is a path (a string or an ``os.PathLike``), else None."""
    if isinstance(source, str):
        return source
    fspath = getattr(source, "__fspath__", None)
    if fspath is not None:
        path = fspath()
        if isinstance(path, str):
            return path
    return None


def _lines(source: Source) -> tuple[str, Iterator[str]]:
    path = source_path(source)
    if path is not None:

        def gen() -> Iterator[str]:
            try:
                with open(path, encoding="utf-8") as f:
                    yield from f
            except UnicodeDecodeError as e:
                raise TraceFormatError(f"{path}: not UTF-8 text ({_one_line(e)})") from None
            except OSError as e:
                raise TraceFormatError(f"{path}: cannot read ({e.strerror or e})") from None

        return path, gen()
    if isinstance(source, bytes) or not isinstance(source, Iterable):
        raise BadInput(f"source: expected a path or an iterable of lines, got {shown(source)}")
    return "<trace>", iter(source)


def _decoded(name: str, lines: Iterator[str]) -> Iterator[str]:
    """``lines``, with a stream that is not UTF-8 (standard input, say) as bad input."""
    no = 0
    while True:
        try:
            text = next(lines)
        except StopIteration:
            return
        except UnicodeDecodeError as e:
            raise TraceFormatError(f"{name}:{no + 1}: not UTF-8 text ({_one_line(e)})") from None
        no += 1
        yield text


def iter_trace(source: Source) -> Iterator[Header | Event]:
    """The header, then each event, validated as it is read (R-TRACE-1..6)."""
    name, lines = _lines(source)
    reader = _Reader(name)
    no = 0
    for no, text in enumerate(_decoded(name, lines), 1):
        if type(text) is not str:
            raise BadInput(f"{name}:{no}: expected a line of text, got {shown(text)}")
        item = reader.read(name, no, text)
        if item is not None:
            yield item
    if reader.header is None:
        raise TraceFormatError(f"{name}:{no + 1}: empty trace: expected a 'header' line first")


def load_trace(source: Source) -> Trace:
    """Read a whole trace: a path, or an iterable of lines (R-TRACE-1..6).

    >>> t = load_trace([
    ...     '{"type": "header", "time": 0, "format": "pastry-trace", "version": 1,'
    ...     ' "bits": 8, "b": 4, "leaf_set_size": 2, "clock": "logical"}',
    ...     '{"type": "joined", "time": 1, "node": "2a"}',
    ... ])
    >>> t.header.space, t.events
    (IdSpace(bits=8, b=4), (Joined(line=2, time=1, node=42, coords=None),))
    >>> load_trace(['{"type": "joined", "time": 0}'])  # doctest: +ELLIPSIS
    Traceback (most recent call last):
    ...
    pastry_ref.oracle.trace.TraceFormatError: <trace>:1: field 'node': missing (a 'joined' ...
    """
    name = source_path(source) or "<trace>"
    header: Header | None = None
    events: list[Event] = []
    for item in iter_trace(source):
        if isinstance(item, Header):
            header = item
        else:
            events.append(item)
    assert header is not None  # iter_trace refuses a trace without one
    return Trace(header, tuple(events), name)


# -- writing ----------------------------------------------------------------------------------
class TraceWriter:
    """Writes a trace line by line to a text stream; the first call writes the header.

    >>> import io
    >>> out = io.StringIO()
    >>> w = TraceWriter(out, IdSpace(8, 4), leaf_set_size=2)
    >>> w.joined(0x2a, time=1)
    >>> print(out.getvalue(), end="")
    {"type":"header","time":0,"format":"pastry-trace","version":1,"bits":8,"b":4,"leaf_set_size":2,"clock":"logical","tie_rule":"either"}
    {"type":"joined","time":1,"node":"2a"}
    """

    def __init__(
        self,
        out: IO[str],
        space: IdSpace,
        leaf_set_size: int,
        *,
        clock: Clock = "logical",
        tie_rule: TieRule = "either",
        max_hops: int | None = None,
        implementation: str | None = None,
        time: float = 0,
    ) -> None:
        self.out, self.space = out, space
        header: dict[str, Any] = {
            "type": "header",
            "time": time,
            "format": FORMAT,
            "version": VERSION,
            "bits": space.bits,
            "b": space.b,
            "leaf_set_size": leaf_set_size,
            "clock": clock,
            "tie_rule": tie_rule,
        }
        if max_hops is not None:
            header["max_hops"] = max_hops
        if implementation is not None:
            header["implementation"] = implementation
        self._write(header)

    def _write(self, obj: Mapping[str, Any]) -> None:
        self.out.write(json.dumps(obj, separators=(",", ":")) + "\n")

    def _ids(self, ids: Iterable[int]) -> list[str]:
        return [self.space.hex(n) for n in ids]

    def _tables(self, tables: ForeignTables) -> dict[str, Any]:
        return {
            "leaf_set": {"left": self._ids(tables.left), "right": self._ids(tables.right)},
            "routing_table": [[self._ids(cell) for cell in row] for row in tables.rows],
            "neighborhood": self._ids(tables.neighborhood),
        }

    def joined(self, node: int, *, time: float, coords: Sequence[float] | None = None) -> None:
        obj: dict[str, Any] = {"type": "joined", "time": time, "node": self.space.hex(node)}
        if coords is not None:
            obj["coords"] = list(coords)
        self._write(obj)

    def crashed(self, node: int, *, time: float) -> None:
        self._write({"type": "crashed", "time": time, "node": self.space.hex(node)})

    def left(self, node: int, *, time: float) -> None:
        self._write({"type": "left", "time": time, "node": self.space.hex(node)})

    def quiescent(self, *, time: float) -> None:
        self._write({"type": "quiescent", "time": time})

    def snapshot(self, tables: ForeignTables, *, time: float) -> None:
        obj: dict[str, Any] = {
            "type": "snapshot",
            "time": time,
            "node": self.space.hex(tables.owner),
        }
        obj.update(self._tables(tables))
        self._write(obj)

    def route(self, route: str, key: int, origin: int, *, time: float) -> None:
        self._write(
            {
                "type": "route",
                "time": time,
                "route": route,
                "key": self.space.hex(key),
                "origin": self.space.hex(origin),
            }
        )

    def hop(
        self, route: str, src: int, dst: int, *, time: float, tables: ForeignTables | None = None
    ) -> None:
        obj: dict[str, Any] = {
            "type": "hop",
            "time": time,
            "route": route,
            "from": self.space.hex(src),
            "to": self.space.hex(dst),
        }
        if tables is not None:
            obj["tables"] = self._tables(tables)
        self._write(obj)

    def deliver(self, route: str, node: int, *, time: float) -> None:
        self._write({"type": "deliver", "time": time, "route": route, "node": self.space.hex(node)})

    def wire(
        self, kind: Literal["send", "receive"], src: int, dest: int, msg: str, *, time: float
    ) -> None:
        self._write(
            {
                "type": kind,
                "time": time,
                "src": self.space.hex(src),
                "dest": self.space.hex(dest),
                "msg": msg,
            }
        )
