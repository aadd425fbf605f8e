"""Hypothesis profiles: ``default`` (fast, ~200 examples a property) and ``ci`` (more).

The ``ci`` profile applies when the environment variable ``CI`` is true (``CI=true bash .ci/run``
is how CI runs the suite; ``1``, ``yes`` and ``on`` count too); ``HYPOTHESIS_PROFILE`` names a
profile explicitly and wins over ``CI``. Tests that set their own ``max_examples`` keep it.

Each profile names its parent: Hypothesis itself loads its built-in ``ci`` profile whenever a
``CI`` variable exists (whatever its value), and a profile without a parent would inherit
whatever is loaded. So ``default`` always builds on Hypothesis's default (random, with the
example database), and ``ci`` on Hypothesis's ``ci`` (derandomized, no database, failure blobs
printed), so a CI run is reproducible.
"""

import os
from collections.abc import Mapping

from hypothesis import HealthCheck, settings

_QUIET = {
    "deadline": None,
    "suppress_health_check": [HealthCheck.too_slow, HealthCheck.data_too_large],
}

settings.register_profile(
    "default", parent=settings.get_profile("default"), max_examples=200, **_QUIET
)
# ci: 1000 examples. Measured on the 8 files whose properties take the profile's count (ids,
# leaf_set, routing, routing_table, neighborhood, proximity, oracle, invariants) with -n 2: 1m29s
# of CPU under default, 3m46s under ci (real 2m15s -> 6m00s on a machine loaded ~3x), so the
# whole `make test` (~7 min) stays well under its 15-minute budget.
settings.register_profile("ci", parent=settings.get_profile("ci"), max_examples=1000, **_QUIET)


def _profile(env: Mapping[str, str]) -> str:
    """The profile to load: ``HYPOTHESIS_PROFILE`` if set, else ``ci`` under a true ``CI``."""
    explicit = env.get("HYPOTHESIS_PROFILE", "").strip()
    if explicit:
        return explicit
    if env.get("CI", "").strip().lower() in ("1", "true", "yes", "on"):
        return "ci"
    return "default"


settings.load_profile(_profile(os.environ))
