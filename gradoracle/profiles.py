"""The Hypothesis profiles of the suite.

- ``dev``: fast feedback while writing properties; random seeds.
- ``ci``: derandomized, so CI runs are reproducible; the default without ``--impl``.
- ``grading``: derandomized and shrinking, so every submission sees the same
  inputs and gets the same report for the same code; the default with ``--impl``.
- ``thorough``: ten times the examples, random seeds, for hunting rare bugs.

No profile has a deadline: wall time depends on the machine and would make a
grade depend on load. Timing-based health checks are off for the same reason.
"""

from __future__ import annotations

from hypothesis import HealthCheck, Phase, settings

__all__ = ["register", "load", "PROFILES"]

_COMMON = dict(
    # No explain phase: it is slow and its notes name our lines, not the student's.
    phases=[Phase.explicit, Phase.reuse, Phase.generate, Phase.target, Phase.shrink],
    deadline=None,
    database=None,  # no example database: a grade must not depend on earlier runs
    print_blob=False,
    report_multiple_bugs=False,  # one failure per property, the minimal one
    suppress_health_check=[
        HealthCheck.function_scoped_fixture,  # `subject` does not change between examples
        HealthCheck.too_slow,  # timing-based: would make grading depend on machine load
        HealthCheck.filter_too_much,
        HealthCheck.data_too_large,
        HealthCheck.large_base_example,
    ],
)

PROFILES = {
    "dev": dict(max_examples=15, derandomize=False),
    "ci": dict(max_examples=30, derandomize=True),
    "grading": dict(max_examples=60, derandomize=True),
    "thorough": dict(max_examples=500, derandomize=False),
    # Meta-tests only need a known-bad implementation to fail once; shrinking
    # would cost time and tell them nothing.
    "meta": dict(
        max_examples=30,
        derandomize=True,
        phases=[Phase.explicit, Phase.reuse, Phase.generate],
    ),
}

_registered = False


def register() -> None:
    global _registered
    if _registered:
        return
    _registered = True
    for name, options in PROFILES.items():
        settings.register_profile(name, **{**_COMMON, **options})


def load(name: str) -> None:
    register()
    settings.load_profile(name)
