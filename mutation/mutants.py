"""The mutants of one Python module: small, planted bugs, found and applied on the ``ast``.

Owns: ``sites(source)`` (every mutation point of a module, in a fixed order) and
``mutated_code(source, path, index)`` (the module's code with mutant ``index`` applied).
Rule 1: enumeration is deterministic: the same source always gives the same list, so the
runner (which counts and names mutants) and the import hook (which applies one) agree by index
alone. Rule 2: only code that decides behaviour is mutated: never docstrings, strings, error
messages (``raise`` arguments), ``assert`` statements, annotations, decorators or ``__all__``;
a line that ends with ``# pragma: no mutate`` is left alone. Rule 3: a mutant names itself by
its function, line and change (``Site.key``), which is how equivalent mutants are listed.
Pure: reads nothing but the source text it is given.
"""

from __future__ import annotations

import ast
from collections.abc import Callable
from dataclasses import dataclass
from types import CodeType

__all__ = ["Site", "mutated_code", "sites"]

_COMPARE: dict[type[ast.cmpop], type[ast.cmpop]] = {
    ast.Lt: ast.LtE,
    ast.LtE: ast.Lt,
    ast.Gt: ast.GtE,
    ast.GtE: ast.Gt,
    ast.Eq: ast.NotEq,
    ast.NotEq: ast.Eq,
    ast.Is: ast.IsNot,
    ast.IsNot: ast.Is,
    ast.In: ast.NotIn,
    ast.NotIn: ast.In,
}
_BINARY: dict[type[ast.operator], type[ast.operator]] = {
    ast.Add: ast.Sub,
    ast.Sub: ast.Add,
    ast.Mult: ast.FloorDiv,
    ast.FloorDiv: ast.Mult,
    ast.Div: ast.Mult,
    ast.Mod: ast.FloorDiv,
    ast.Pow: ast.Mult,
    ast.LShift: ast.RShift,
    ast.RShift: ast.LShift,
    ast.BitAnd: ast.BitOr,
    ast.BitOr: ast.BitAnd,
    ast.BitXor: ast.BitOr,
}
_BOOL: dict[type[ast.boolop], type[ast.boolop]] = {ast.And: ast.Or, ast.Or: ast.And}
_NAMES = {"min": "max", "max": "min", "any": "all", "all": "any"}
_SYMBOL: dict[type[ast.AST], str] = {
    ast.Lt: "<",
    ast.LtE: "<=",
    ast.Gt: ">",
    ast.GtE: ">=",
    ast.Eq: "==",
    ast.NotEq: "!=",
    ast.Is: "is",
    ast.IsNot: "is not",
    ast.In: "in",
    ast.NotIn: "not in",
    ast.Add: "+",
    ast.Sub: "-",
    ast.Mult: "*",
    ast.FloorDiv: "//",
    ast.Div: "/",
    ast.Mod: "%",
    ast.Pow: "**",
    ast.LShift: "<<",
    ast.RShift: ">>",
    ast.BitAnd: "&",
    ast.BitOr: "|",
    ast.BitXor: "^",
    ast.And: "and",
    ast.Or: "or",
}


@dataclass(frozen=True)
class Site:
    """One mutant: where (function, line, column), what (``change``), and how to apply it to
    the tree it was found in (``apply``)."""

    index: int
    qualname: str
    line: int
    col: int
    change: str
    ordinal: int
    apply: Callable[[], None]

    @property
    def key(self) -> str:
        """A name that survives edits elsewhere in the file: function, change and, when the
        same change occurs more than once in that function, which occurrence (``#2``, ...)."""
        suffix = f" #{self.ordinal + 1}" if self.ordinal else ""
        return f"{self.qualname}: {self.change}{suffix}"


def _skip_lines(source: str) -> frozenset[int]:
    return frozenset(
        i
        for i, text in enumerate(source.splitlines(), start=1)
        if text.rstrip().endswith("# pragma: no mutate")
    )


class _Finder:
    """Walks a tree in a fixed order and records every mutation point with its parent, so a
    node can be replaced or a statement removed."""

    def __init__(self, skip: frozenset[int]) -> None:
        self.skip = skip
        self.found: list[tuple[str, int, int, str, Callable[[], None]]] = []
        self.scope: list[str] = []

    def add(self, node: ast.AST, change: str, apply: Callable[[], None]) -> None:
        line = getattr(node, "lineno", 0)
        if line in self.skip:
            return
        qual = ".".join(self.scope) or "<module>"
        self.found.append((qual, line, getattr(node, "col_offset", 0), change, apply))

    # -- the walk ------------------------------------------------------------------------
    def visit(self, node: ast.AST) -> None:
        if isinstance(node, ast.Raise | ast.Assert | ast.JoinedStr):
            return
        if isinstance(node, ast.FunctionDef | ast.AsyncFunctionDef | ast.ClassDef):
            self.scope.append(node.name)
            body = node.body
            if body and _is_docstring(body[0]):
                body = body[1:]
            self.visit_body(node, "body", body)
            if isinstance(node, ast.FunctionDef | ast.AsyncFunctionDef):
                for default in (*node.args.defaults, *node.args.kw_defaults):
                    if default is not None:
                        self.visit(default)
            self.scope.pop()
            return
        if isinstance(node, ast.AnnAssign):
            if node.value is not None:
                self.visit(node.value)
            return
        if isinstance(node, ast.Assign) and any(
            isinstance(t, ast.Name) and t.id == "__all__" for t in node.targets
        ):
            return
        if isinstance(node, ast.If) and _is_type_checking(node.test):
            return
        self.mutations_of(node)
        for field, value in ast.iter_fields(node):
            if isinstance(value, list):
                if value and isinstance(value[0], ast.stmt):
                    self.visit_body(node, field, value)
                else:
                    for item in value:
                        if isinstance(item, ast.AST):
                            self.visit(item)
            elif isinstance(value, ast.AST):
                self.visit(value)

    def visit_body(self, parent: ast.AST, field: str, body: list[ast.stmt]) -> None:
        for stmt in list(body):
            if isinstance(stmt, ast.Expr) and isinstance(stmt.value, ast.Call):
                self.add(stmt, f"delete `{_short(stmt.value)}`", _deleter(parent, field, stmt))
            if isinstance(stmt, ast.Break | ast.Continue):
                self.add(stmt, _swap_jump_name(stmt), _jump_swapper(parent, field, stmt))
                continue
            self.visit(stmt)

    def mutations_of(self, node: ast.AST) -> None:
        if isinstance(node, ast.Compare):
            for i, op in enumerate(node.ops):
                new = _COMPARE.get(type(op))
                if new is not None:
                    change = f"{_swap(op, new)} in `{_short(node)}`"
                    self.add(node, change, _set_item(node.ops, i, new()))
        elif isinstance(node, ast.BinOp | ast.AugAssign):
            new_op = _BINARY.get(type(node.op))
            if new_op is not None:
                suffix = "=" if isinstance(node, ast.AugAssign) else ""
                change = (
                    f"`{_SYMBOL[type(node.op)]}{suffix}` -> `{_SYMBOL[new_op]}{suffix}`"
                    f" in `{_short(node)}`"
                )
                self.add(node, change, _set_attr(node, "op", new_op()))
        elif isinstance(node, ast.BoolOp):
            new_bool = _BOOL[type(node.op)]
            self.add(
                node,
                f"{_swap(node.op, new_bool)} in `{_short(node)}`",
                _set_attr(node, "op", new_bool()),
            )
        elif isinstance(node, ast.UnaryOp) and isinstance(node.op, ast.Not):
            self.add(node, f"drop `not` in `{_short(node)}`", _unwrap_not(node))
        elif isinstance(node, ast.Constant) and type(node.value) is bool:
            self.add(
                node,
                f"`{node.value}` -> `{not node.value}`",
                _set_attr(node, "value", not node.value),
            )
        elif isinstance(node, ast.Constant) and type(node.value) is int:
            value = node.value
            self.add(node, f"`{value}` -> `{value + 1}`", _set_attr(node, "value", value + 1))
            if value != 0:
                self.add(node, f"`{value}` -> `{value - 1}`", _set_attr(node, "value", value - 1))
        elif isinstance(node, ast.Name) and isinstance(node.ctx, ast.Load) and node.id in _NAMES:
            other = _NAMES[node.id]
            self.add(node, f"`{node.id}` -> `{other}`", _set_attr(node, "id", other))


def _is_docstring(stmt: ast.stmt) -> bool:
    return (
        isinstance(stmt, ast.Expr)
        and isinstance(stmt.value, ast.Constant)
        and isinstance(stmt.value.value, str)
    )


def _is_type_checking(test: ast.expr) -> bool:
    return (isinstance(test, ast.Name) and test.id == "TYPE_CHECKING") or (
        isinstance(test, ast.Attribute) and test.attr == "TYPE_CHECKING"
    )


def _short(node: ast.AST, limit: int = 60) -> str:
    text = ast.unparse(node).replace("\n", " ")
    return text if len(text) <= limit else text[: limit - 3] + "..."


def _swap(old: ast.AST, new: type[ast.AST]) -> str:
    return f"`{_SYMBOL[type(old)]}` -> `{_SYMBOL[new]}`"


def _swap_jump_name(stmt: ast.stmt) -> str:
    return "`break` -> `continue`" if isinstance(stmt, ast.Break) else "`continue` -> `break`"


def _set_item(items: list[ast.cmpop], i: int, value: ast.cmpop) -> Callable[[], None]:
    def apply() -> None:
        items[i] = value

    return apply


def _set_attr(node: ast.AST, name: str, value: object) -> Callable[[], None]:
    def apply() -> None:
        setattr(node, name, value)

    return apply


def _deleter(parent: ast.AST, field: str, stmt: ast.stmt) -> Callable[[], None]:
    def apply() -> None:
        body: list[ast.stmt] = getattr(parent, field)
        body[body.index(stmt)] = ast.copy_location(ast.Pass(), stmt)

    return apply


def _jump_swapper(parent: ast.AST, field: str, stmt: ast.stmt) -> Callable[[], None]:
    def apply() -> None:
        body: list[ast.stmt] = getattr(parent, field)
        new: ast.stmt = ast.Continue() if isinstance(stmt, ast.Break) else ast.Break()
        body[body.index(stmt)] = ast.copy_location(new, stmt)

    return apply


def _unwrap_not(node: ast.UnaryOp) -> Callable[[], None]:
    # The UnaryOp stays in the tree; ``not x`` becomes ``not not x`` (the truth of x), which
    # drops the negation without needing the parent.
    def apply() -> None:
        node.operand = ast.UnaryOp(op=ast.Not(), operand=node.operand)

    return apply


def _find(tree: ast.Module, source: str) -> list[Site]:
    finder = _Finder(_skip_lines(source))
    body = tree.body[1:] if tree.body and _is_docstring(tree.body[0]) else tree.body
    finder.visit_body(tree, "body", body)
    seen: dict[tuple[str, str], int] = {}
    out: list[Site] = []
    for i, (qual, line, col, change, apply) in enumerate(finder.found):
        ordinal = seen.get((qual, change), 0)
        seen[(qual, change)] = ordinal + 1
        out.append(Site(i, qual, line, col, change, ordinal, apply))
    return out


def sites(source: str) -> list[Site]:
    """Every mutant of ``source``, in a fixed order (the index is the mutant's number)."""
    return _find(ast.parse(source), source)


def mutated_code(source: str, path: str, index: int) -> CodeType:
    """The code of ``source`` with mutant ``index`` applied, compiled as if from ``path``."""
    tree = ast.parse(source)
    found = _find(tree, source)
    if not 0 <= index < len(found):
        raise IndexError(f"{path}: no mutant {index} (it has {len(found)})")
    found[index].apply()
    ast.fix_missing_locations(tree)
    return compile(tree, path, "exec")
