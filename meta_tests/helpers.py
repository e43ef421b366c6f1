"""Running one property against an arbitrary implementation, outside pytest's
collection, as the meta-tests and the power benchmark need."""

from __future__ import annotations

import contextlib
import inspect
import os
from typing import Any, Callable, Iterator

from hypothesis import Phase, settings

from gradoracle.submission import Implementation
from reference import registry

__all__ = ["run_property", "implementation_of", "properties_by_name", "grader_environment", "without_snippets"]


def grader_environment() -> dict[str, str]:
    """The environment for a grader run in a subprocess. It lets the child cache
    its compiled and assertion-rewritten modules, as a grader's shell would;
    recompiling them costs each run about 1.5 s."""
    return {k: v for k, v in os.environ.items() if k != "PYTHONDONTWRITEBYTECODE"}

_NO_SHRINK = [Phase.explicit, Phase.reuse, Phase.generate]


@contextlib.contextmanager
def _settings_for_meta(test: Any) -> Iterator[None]:
    """Keep the property's example count but skip shrinking: a meta-test only
    needs to know that the property fails, not the minimal input."""
    original = test._hypothesis_internal_use_settings
    test._hypothesis_internal_use_settings = settings(
        original, phases=_NO_SHRINK, derandomize=True, database=None
    )
    try:
        yield
    finally:
        test._hypothesis_internal_use_settings = original


def run_property(prop: registry.Property, implementation: Implementation) -> BaseException | None:
    """Run ``prop`` against ``implementation``; the exception it failed with, or None."""
    if not implementation.provides(prop.formula):
        raise ValueError(f"{implementation.name} does not provide {prop.formula}")
    with _settings_for_meta(prop.test):
        try:
            fixtures = {"subject": implementation.subject(prop.formula), "impl": implementation}
            wanted = inspect.signature(prop.test.hypothesis.inner_test).parameters
            prop.test(**{k: v for k, v in fixtures.items() if k in wanted})
        except Exception as exc:  # the property failed: that is what we look for
            return exc
    return None


def implementation_of(name: str, functions: dict[str, Callable[..., Any]]) -> Implementation:
    return Implementation(name, functions)


def properties_by_name() -> dict[str, registry.Property]:
    """Every registered property, keyed ``formula::test_name``."""
    registry.load_properties()
    return {p.qualname: p for f in registry.all_formulas() for p in f.properties}


def without_snippets(output: str) -> str:
    """A failure report without its "Reproduce without the grader" snippets,
    which import the graded file by its own name (tested on their own in
    meta_tests/test_reproduction.py)."""
    kept, in_snippet = [], False
    for line in output.splitlines():
        if line.startswith("Reproduce without the grader"):
            in_snippet = True
            continue
        if in_snippet and (line.startswith("    ") or not line.strip()):
            continue
        in_snippet = False
        kept.append(line)
    return "\n".join(kept)
