"""gradoracle as a library: check one function against the catalogue from your
own test, in your own process.

    import gradoracle

    def test_my_softmax():
        gradoracle.assert_formula("softmax.forward", mylib.softmax)

Stable names (also importable from ``gradoracle`` itself):

- :func:`assert_formula` runs every property of a formula against a function
  and raises ``AssertionError`` with the report a student would read;
- :func:`check_formula` does the same and returns a :class:`FormulaVerdict`;
- :func:`strategies` is a formula's Hypothesis strategy of argument tuples;
- :func:`formulas` maps every formula ID to its call signature.

The function is called in this process, through the same call seam as a
graded submission (results are normalized and checked the same way, inputs
are private copies, a mutated input fails). Use it for code you trust; grade
untrusted code with ``pytest --pyargs properties --impl ...`` (sandboxed).
The contract (signatures, conventions, invariants, properties) is
``docs/catalogue.md``.
"""

from __future__ import annotations

import contextlib
import difflib
import inspect
import warnings
from dataclasses import dataclass
from typing import Any, Callable, Iterator

__all__ = [
    "assert_formula",
    "check_formula",
    "strategies",
    "formulas",
    "FormulaVerdict",
    "PropertyOutcome",
    "UnknownFormulaError",
]

# The keyword values the array-namespace machinery does not need to handle:
# NumPy float64 is what every property speaks natively.
_NATIVE_NAMESPACES = (None, "numpy")
_NATIVE_DTYPE = "float64"


class UnknownFormulaError(ValueError):
    """The formula ID is not in the catalogue."""


@dataclass(frozen=True)
class PropertyOutcome:
    """One property of the formula, as it went for the function checked."""

    name: str  # the property's test name in properties/test_<family>.py
    claim: str  # the invariant in plain words
    outcome: str  # "passed", "failed" or "skipped" (a skipped property is not a pass)
    failure: str = ""  # the failure text a student would read, when failed


@dataclass(frozen=True)
class FormulaVerdict:
    """The verdict on one function for one formula ID."""

    formula: str
    passed: bool
    properties: tuple[PropertyOutcome, ...]
    text: str  # the per-formula report, as in a graded submission's results.json
    dtype: str
    array_namespace: str
    profile: str

    @property
    def failed(self) -> tuple[PropertyOutcome, ...]:
        return tuple(p for p in self.properties if p.outcome != "passed")


def formulas() -> dict[str, str]:
    """Every catalogue formula ID mapped to its call signature, e.g.
    ``{"activations.elu": "(x, alpha=1.0)", ...}``, sorted by ID. The
    implementation is called with every argument, positionally, in this order."""
    from reference import registry
    from reference.catalogue import call_signature

    return {entry.id: call_signature(entry.reference) for entry in registry.all_formulas()}


def strategies(formula_id: str) -> Any:
    """The Hypothesis strategy of argument tuples (catalogue order) that the
    formula's reference-agreement property draws from, e.g.
    ``@given(gradoracle.strategies("softmax.forward"))``."""
    return _formula(formula_id).inputs


def check_formula(
    formula_id: str,
    fn: Callable[..., Any],
    *,
    dtype: str = "float64",
    array_namespace: str | None = None,
    profile: str = "ci",
) -> FormulaVerdict:
    """Run every property of ``formula_id`` against ``fn``; the verdict.

    ``dtype`` (``"float64"`` or ``"float32"``) is the floating dtype of every
    input and the precision the tolerances allow for; ``array_namespace``
    (``None``/``"numpy"``, ``"torch"``, ``"jax.numpy"`` or another array-API
    namespace) is the kind of array ``fn`` receives and may return; callables
    passed to ``fn`` (``grad_fn``, ``f``, ``hess_fn``) take and return that
    namespace's arrays too. ``profile`` is a gradoracle Hypothesis profile
    (``ci``: 30 examples, derandomized, so the same function gets the same
    verdict every run; ``grading``: 60; ``dev``/``thorough``: random).
    """
    from gradoracle import diagnosis, profiles, report, seam
    from gradoracle.submission import Implementation, take_recorded_calls

    entry = _formula(formula_id)
    if not callable(fn):
        raise TypeError(f"check_formula({formula_id!r}, fn): fn must be callable, got {type(fn).__name__}")
    if profile not in profiles.PROFILES:
        raise ValueError(f"no gradoracle profile {profile!r}; the profiles are {', '.join(sorted(profiles.PROFILES))}")
    namespace_name = array_namespace or "numpy"
    with _array_mode(formula_id, fn, dtype=dtype, array_namespace=array_namespace) as under_test:
        implementation: Any = Implementation(_name_of(fn), {formula_id: under_test})
        if dtype != _NATIVE_DTYPE:
            # Each call's derived error bar (properties.dtype_tolerance): without
            # it a correct float32 function would be held to float64 precision.
            from properties.dtype_tolerance import measured

            implementation = measured(implementation)
        verdicts = report.Verdicts()
        outcomes = []
        seam.observed_warnings.pop(formula_id, None)  # another run's warnings are not this function's
        for prop in entry.properties:
            take_recorded_calls(formula_id)  # the calls of this property only
            outcome, failure, skip = _run_property(prop, implementation, profile)
            reproduce = _reproduce_line(formula_id, prop.name, dtype, array_namespace, profile)
            text = ""
            if failure:
                # The likely mistake, as a graded student reads it (no snippet: fn has no file).
                feedback = diagnosis.feedback_for_failure(
                    implementation, formula_id, failure, take_recorded_calls(formula_id), spec=None, test_name=prop.name
                )
                text = report.failure_text(
                    formula_id=formula_id, claim=prop.claim, exc=failure, reproduce=reproduce,
                    likely_mistakes=feedback.mistakes,
                )
            verdicts.record(
                {
                    "formula": formula_id,
                    "claim": prop.claim,
                    "test": prop.name,
                    "failure": text,
                    "skip": skip,
                    "warnings": sorted(seam.observed_warnings.pop(formula_id, set())),
                },
                outcome=outcome,
                when="call",
            )
            outcomes.append(PropertyOutcome(prop.name, prop.claim, outcome, text))
    (result,) = verdicts.results([formula_id])
    return FormulaVerdict(
        formula=formula_id,
        passed=result.status == "passed",
        properties=tuple(outcomes),
        text=result.output,
        dtype=dtype,
        array_namespace=namespace_name,
        profile=profile,
    )


def assert_formula(
    formula_id: str,
    fn: Callable[..., Any],
    *,
    dtype: str = "float64",
    array_namespace: str | None = None,
    profile: str = "ci",
) -> None:
    """Run every property of ``formula_id`` against ``fn``; raise
    ``AssertionError`` with the per-formula report (each failed property's
    claim, expected vs got, the minimal failing input) when one fails.
    Keywords as in :func:`check_formula`."""
    __tracebackhide__ = True  # pytest shows the report, not this frame
    verdict = check_formula(formula_id, fn, dtype=dtype, array_namespace=array_namespace, profile=profile)
    if not verdict.passed:
        raise AssertionError(verdict.text)


# -- helpers ----------------------------------------------------------------------


def _formula(formula_id: str) -> Any:
    from reference import registry

    registry.load_properties()
    if not isinstance(formula_id, str) or formula_id not in registry.ids():
        known = registry.ids()
        close = difflib.get_close_matches(str(formula_id), known, n=3, cutoff=0.6)
        family = str(formula_id).split(".", 1)[0]
        same_family = [i for i in known if i.startswith(family + ".")]
        hint = close or same_family[:8]
        raise UnknownFormulaError(
            f"no formula {formula_id!r} in the catalogue"
            + (f"; did you mean {', '.join(map(repr, hint))}?" if hint else "")
            + " gradoracle.formulas() lists every ID (docs/catalogue.md describes them)."
        )
    return registry.get(formula_id)


def _name_of(fn: Callable[..., Any]) -> str:
    module = getattr(fn, "__module__", None) or "?"
    return f"{module}.{getattr(fn, '__qualname__', type(fn).__name__)}"


@contextlib.contextmanager
def _array_mode(
    formula_id: str, fn: Callable[..., Any], *, dtype: str, array_namespace: str | None
) -> Iterator[Callable[..., Any]]:
    """``fn`` as the properties call it (NumPy float64 in and out), with the
    properties' tolerances and inputs in ``dtype``'s mode while they run."""
    if dtype == _NATIVE_DTYPE and array_namespace in _NATIVE_NAMESPACES:
        yield fn
        return
    # Only other modes need the namespace machinery (and torch, jax...).
    from gradoracle import namespaces

    namespaces.validate(array_namespace, dtype)
    adapted = namespaces.adapt_function(fn, formula_id, array_namespace=array_namespace, dtype=dtype)
    with namespaces.active(array_namespace, dtype):
        yield adapted


def _run_property(prop: Any, implementation: Any, profile: str) -> tuple[str, BaseException | None, str]:
    """Run one property with ``profile``'s settings: (outcome, exception, skip reason)."""
    import pytest

    from gradoracle import profiles

    test = prop.test
    chosen = profiles.settings_for(profile, cost=getattr(test, "gradoracle_cost", 1.0), seeded=False)
    fixtures = {"subject": implementation.subject(prop.formula), "impl": implementation}
    wanted = inspect.signature(test.hypothesis.inner_test).parameters
    original = test._hypothesis_internal_use_settings
    # The settings a property runs with are the ones on the test object
    # (Hypothesis reads this attribute when the test is called); put this
    # call's profile there and restore the run's own afterwards.
    test._hypothesis_internal_use_settings = chosen
    try:
        with warnings.catch_warnings():
            # Hypothesis imports libcst on a failure; libcst's deprecation is not the caller's.
            warnings.filterwarnings("ignore", "mypy_extensions.TypedDict is deprecated", DeprecationWarning)
            test(**{k: v for k, v in fixtures.items() if k in wanted})
    except pytest.skip.Exception as skipped:
        return "skipped", None, str(skipped.msg) if hasattr(skipped, "msg") else str(skipped)
    except Exception as exc:  # the property failed for this function
        return "failed", exc, ""
    finally:
        test._hypothesis_internal_use_settings = original
    return "passed", None, ""


def _reproduce_line(formula_id: str, test_name: str, dtype: str, array_namespace: str | None, profile: str) -> str:
    keywords = [f"profile={profile!r}"]
    if dtype != _NATIVE_DTYPE:
        keywords.insert(0, f"dtype={dtype!r}")
    if array_namespace not in _NATIVE_NAMESPACES:
        keywords.insert(0, f"array_namespace={array_namespace!r}")
    settled = (
        "the same inputs on every run" if _derandomized(profile) else "new random inputs on each run"
    )
    return f"gradoracle.assert_formula({formula_id!r}, fn, {', '.join(keywords)}) ({settled}; property {test_name})"


def _derandomized(profile: str) -> bool:
    from gradoracle import profiles

    return bool(profiles.PROFILES[profile].get("derandomize", False))
