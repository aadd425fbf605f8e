"""The Pastry node as a pure state machine: its state, inputs, messages, timers, effects and
``step``. Depends on ``pastry_ref.ring`` and ``pastry_ref.tables``.
"""
