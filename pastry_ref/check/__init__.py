"""The glue between the Pastry World and the generic engine ``model_check``: the model, the
properties, the TOML scenario files and the shipped scenarios (a ``model_check.scenarios``
entry point).
"""
