"""What a judge finds: named violations, with where they were seen.

Owns: ``RuleViolation`` (a rule or property name, the node, the trace line, a message naming
the ids). Rule: ``rule`` is a spec rule id (``R-ROUTE-2``, ``R-LS-1``) or a property name
(``Consistency``, ``CorrectDelivery``); judges return tuples of these, never a bare bool, and
keep measures (completeness, proximity) apart from them.
"""

from __future__ import annotations

import attrs

__all__ = ["RuleViolation"]


@attrs.frozen(slots=True)
class RuleViolation:
    """One way the judged implementation broke a rule. ``line`` is the trace line (None when
    judged outside a trace), ``node`` the node at fault (None when no one node is)."""

    rule: str
    message: str
    node: int | None = None
    line: int | None = None

    def at_line(self, line: int | None) -> RuleViolation:
        return attrs.evolve(self, line=line)

    def __str__(self) -> str:
        where = f"line {self.line}: " if self.line is not None else ""
        return f"{where}{self.rule}: {self.message}"
