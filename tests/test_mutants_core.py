"""Tests written for mutants that survived the rest of the suite (issue 14, docs/mutation.md).

Owns: one test per surviving non-equivalent mutant of the core that no existing test file was
the natural home for, named after the rule it breaks (``test_R_...``), each pinning the whole
effect of the rule. Small and fast: they run in the default ``make test``.
"""
