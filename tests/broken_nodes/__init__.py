"""Deliberately broken nodes for the conformance tests (tests/test_conform.py).

Each file is a script (``python tests/broken_nodes/NAME.py``) that serves our node
(``pastry_ref.conform.node_server``) with one ``Behaviour`` method changed, so exactly one
behaviour differs from the correct node. The survival nodes (crashing, hanging, flooding,
garbage) need no pastry_ref: they misbehave at the wire.
"""
