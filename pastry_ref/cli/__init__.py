"""The ``pastry-ref`` command: argument parsing, exit codes, the demo."""
