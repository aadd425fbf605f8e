"""The whole system as a transition system: the World, its actions, the drivers that run it to
quiescence, and the invariants of spec/invariants.md. Knows nothing of the model checker.
"""
