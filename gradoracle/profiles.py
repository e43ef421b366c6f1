"""The Hypothesis profiles of the suite, applied to its own properties only.

- ``dev``: fast feedback while writing properties; random seeds.
- ``ci``: derandomized, so CI runs are reproducible; the default without ``--impl``.
- ``grading``: derandomized and shrinking, so every submission sees the same
  inputs and gets the same report for the same code; the default with ``--impl``.
- ``thorough``: ten times the examples, random seeds, for hunting rare bugs.

No profile has a deadline: wall time depends on the machine and would make a
grade depend on load. Timing-based health checks are off for the same reason.

A plugin is a guest in other projects' test runs, so these profiles are never
registered with Hypothesis nor loaded as its default: :func:`settings_for`
builds an explicit ``settings`` object that ``properties.pytest_helpers.prop``
puts on each property, from the profile :func:`select`-ed when the run was
configured. An unrelated ``@given`` test in the same run keeps Hypothesis's
own defaults (or its project's profile).
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from hypothesis import settings

# Hypothesis is imported only when a property's settings are built: the plugin
# imports this module in every pytest run of the environment, and importing
# Hypothesis there would already change what its own pytest plugin does.

__all__ = ["PROFILES", "settings_for", "select", "selected", "load", "register_if_named", "is_registered"]

PROFILES: dict[str, dict[str, Any]] = {
    "dev": dict(max_examples=15, derandomize=False),
    "ci": dict(max_examples=30, derandomize=True),
    "grading": dict(max_examples=60, derandomize=True),
    "thorough": dict(max_examples=500, derandomize=False),
    # Meta-tests only need a known-bad implementation to fail once; shrinking
    # would cost time and tell them nothing.
    "meta": dict(max_examples=30, derandomize=True, shrink=False),
}


def _options(name: str) -> dict[str, Any]:
    """Every setting of profile ``name`` that the suite fixes."""
    from hypothesis import HealthCheck, Phase

    options = dict(PROFILES[name])
    shrink = options.pop("shrink", True)
    return dict(
        # No explain phase: it is slow and its notes name our lines, not the student's.
        phases=[Phase.explicit, Phase.reuse, Phase.generate, Phase.target, Phase.shrink][: 5 if shrink else 3],
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
        **options,
    )


# What the plugin chose when the run was configured (or a script with load()).
_selected = "ci"
_seeded = False


def _check(name: str) -> None:
    if name not in PROFILES:
        raise ValueError(f"no gradoracle profile {name!r}; the profiles are {', '.join(sorted(PROFILES))}")


def select(name: str, *, seeded: bool = False) -> None:
    """Choose the profile that properties decorated from now on run with.

    ``seeded`` (``--hypothesis-seed`` was given): the profile is not
    derandomized, so Hypothesis's global seed decides the inputs; with
    ``derandomize=True`` Hypothesis would ignore the seed.
    """
    global _selected, _seeded
    _check(name)
    _selected, _seeded = name, seeded


def selected() -> str:
    return _selected


def load(name: str) -> None:
    """Kept for scripts (benchmarks): the same as :func:`select`. It no longer
    touches Hypothesis's global default profile."""
    select(name)


def settings_for(name: str | None = None, *, cost: float = 1.0, seeded: bool | None = None) -> settings:
    """The explicit settings of a property under profile ``name`` (the selected
    one by default). ``cost`` > 1 runs proportionally fewer examples (at least 5).

    Settings the profiles leave open (verbosity, the backend) come from
    Hypothesis's current default, so ``--hypothesis-verbosity`` still applies.
    """
    from hypothesis import settings

    name = _selected if name is None else name
    _check(name)
    options = _options(name)
    if cost != 1.0:
        options["max_examples"] = max(5, int(options["max_examples"] / cost))
    if _seeded if seeded is None else seeded:
        options["derandomize"] = False
    return settings(settings.default, **options)


def is_registered(name: str) -> bool:
    from hypothesis import settings
    from hypothesis.errors import InvalidArgument

    try:
        settings.get_profile(name)
    except InvalidArgument:
        return False
    return True


def register_if_named(name: str | None) -> None:
    """``--hypothesis-profile=grading``: Hypothesis's own plugin loads the named
    profile and fails when nobody registered it. Register a gradoracle profile
    only then, and only when the project did not register one of that name
    itself (its own ``ci`` profile stays its own)."""
    if name in PROFILES and not is_registered(name):
        from hypothesis import settings

        settings.register_profile(name, **_options(name))
