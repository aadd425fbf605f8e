"""Mutation testing of the protocol core (issue 14): plant one small bug, run the tests that
cover it, count the bugs the tests miss. See docs/mutation.md.

Owns: nothing importable by the product; ``mutants`` (finding and applying mutants), ``hook``
(the pytest plugin that imports one module mutated), ``run`` (the runner and the results table).
"""
