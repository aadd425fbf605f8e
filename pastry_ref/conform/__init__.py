"""The conformance harness: foreign node processes driven over stdio, the harness as their
network, a seeded schedule, a run folder judged by the oracle (spec/conformance.md). Also our own
node served over that protocol (``node_server``). The only part of pastry_ref besides ``cli/``
that performs I/O.
"""
