"""TLA+ values as TLC prints them, read into plain Python values, and Python values written as
TLA+ constants.

Owns: ``parse_value`` (TLC's printed form of a value: integers, strings, booleans, sets
``{...}``, sequences ``<<...>>``, records ``[f |-> v, ...]`` and functions
``(k :> v @@ ...)``) and ``tla_literal``. Rule 1: a parsed value is hashable and canonical:
a set is a ``frozenset``, a sequence a ``tuple``, a record or a function a ``Fn`` (a frozenset
of (key, value) pairs, with records keyed by field name), so two equal TLA+ values parse to
equal Python values. Rule 2: anything else is a ``TlaValueError`` naming the offset and what was
expected; nothing here runs TLC.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from typing import Any

import attrs

from pastry_ref.errors import BadInput

__all__ = ["Fn", "TlaValueError", "parse_value", "tla_literal"]

MAX_DEPTH = 200


class TlaValueError(BadInput):
    """Text that is not a TLA+ value in TLC's printed form."""


@attrs.frozen(slots=True)
class Fn:
    """A TLA+ function or record: its (key, value) pairs."""

    pairs: frozenset[tuple[Any, Any]]

    @classmethod
    def of(cls, mapping: Mapping[Any, Any]) -> Fn:
        return cls(frozenset(mapping.items()))

    def as_dict(self) -> dict[Any, Any]:
        return dict(self.pairs)


class _Parser:
    def __init__(self, text: str) -> None:
        self.text = text
        self.i = 0

    def fail(self, expected: str) -> TlaValueError:
        near = self.text[self.i : self.i + 30].replace("\n", " ")
        return TlaValueError(f"TLA+ value, offset {self.i}: expected {expected}, got {near!r}")

    def skip(self) -> None:
        t, i = self.text, self.i
        while i < len(t) and t[i] in " \t\r\n":
            i += 1
        self.i = i

    def peek(self, token: str) -> bool:
        self.skip()
        return self.text.startswith(token, self.i)

    def eat(self, token: str) -> None:
        if not self.peek(token):
            raise self.fail(repr(token))
        self.i += len(token)

    def items(self, close: str, depth: int) -> list[Any]:
        out: list[Any] = []
        if self.peek(close):
            self.i += len(close)
            return out
        while True:
            out.append(self.value(depth + 1))
            if self.peek(","):
                self.i += 1
                continue
            self.eat(close)
            return out

    def value(self, depth: int = 0) -> Any:
        if depth > MAX_DEPTH:
            raise self.fail(f"a value nested at most {MAX_DEPTH} deep")
        self.skip()
        t = self.text
        if self.peek("<<"):
            self.i += 2
            return tuple(self.items(">>", depth))
        if self.peek("{"):
            self.i += 1
            return frozenset(self.items("}", depth))
        if self.peek("["):
            self.i += 1
            fields: dict[str, Any] = {}
            if self.peek("]"):
                self.i += 1
                return Fn.of(fields)
            while True:
                self.skip()
                start = self.i
                while self.i < len(t) and (t[self.i].isalnum() or t[self.i] == "_"):
                    self.i += 1
                if start == self.i:
                    raise self.fail("a field name")
                name = t[start : self.i]
                self.eat("|->")
                fields[name] = self.value(depth + 1)
                if self.peek(","):
                    self.i += 1
                    continue
                self.eat("]")
                return Fn.of(fields)
        if self.peek("("):
            self.i += 1
            pairs: dict[Any, Any] = {}
            while True:
                key = self.value(depth + 1)
                self.eat(":>")
                pairs[key] = self.value(depth + 1)
                if self.peek("@@"):
                    self.i += 2
                    continue
                self.eat(")")
                return Fn.of(pairs)
        if self.peek('"'):
            j = self.i + 1
            buf: list[str] = []
            while j < len(t) and t[j] != '"':
                if t[j] == "\\" and j + 1 < len(t):
                    j += 1
                buf.append(t[j])
                j += 1
            if j >= len(t):
                raise self.fail("a closing quote")
            self.i = j + 1
            return "".join(buf)
        for word, val in (("TRUE", True), ("FALSE", False)):
            if self.peek(word):
                self.i += len(word)
                return val
        start = self.i
        if self.i < len(t) and t[self.i] == "-":
            self.i += 1
        while self.i < len(t) and t[self.i].isdigit():
            self.i += 1
        if self.i == start or t[start : self.i] == "-":
            self.i = start
            raise self.fail("a TLA+ value")
        return int(t[start : self.i])


def parse_value(text: str) -> Any:
    """The value TLC printed as ``text`` (the whole text must be one value)."""
    p = _Parser(text)
    v = p.value()
    p.skip()
    if p.i != len(text):
        raise p.fail("the end of the value")
    return v


def tla_literal(value: Any) -> str:
    """A Python value as a TLA+ constant expression: ints, strings, bools, tuples as sequences,
    sets and frozensets as sets, a ``Fn`` with identifier keys as a record and any other ``Fn``
    as a function ``(k :> v @@ ...)`` (needs the TLC module); the order is stable."""
    if isinstance(value, bool):
        return "TRUE" if value else "FALSE"
    if isinstance(value, int):
        return str(value)
    if isinstance(value, str):
        return '"' + value.replace("\\", "\\\\").replace('"', '\\"') + '"'
    if isinstance(value, tuple):
        return "<<" + ", ".join(tla_literal(v) for v in value) + ">>"
    if isinstance(value, set | frozenset):
        return "{" + ", ".join(sorted(tla_literal(v) for v in _iter(value))) + "}"
    if isinstance(value, Fn):
        items = sorted(((tla_literal(k), k, v) for k, v in value.pairs), key=lambda t: t[0])
        if not items:
            return "<<>>"
        if all(isinstance(k, str) and k.isidentifier() for _, k, _ in items):
            return "[" + ", ".join(f"{k} |-> {tla_literal(v)}" for _, k, v in items) + "]"
        return "(" + " @@ ".join(f"{lit} :> {tla_literal(v)}" for lit, _, v in items) + ")"
    raise TypeError(f"no TLA+ literal for {type(value).__name__}")


def _iter(values: Iterable[Any]) -> Iterable[Any]:
    return values
