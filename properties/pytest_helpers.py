"""Declaring properties and asserting them with messages a student can act on.

Every ``assert_*`` raises ``AssertionError`` whose text says what was compared,
the expected and the obtained values, the worst error and the tolerance.
The plugin puts the formula ID, the property's claim, the minimal input that
Hypothesis found and a reproduction command around it.
"""

from __future__ import annotations

from typing import Any, Callable

import numpy as np
import pytest
from hypothesis import settings

from gradoracle import profiles
from gradoracle import namespaces
from reference import registry

__all__ = [
    "prop",
    "assert_close",
    "assert_equal",
    "assert_true",
    "assert_raises",
    "assert_finite",
    "format_array",
    "reduced_examples",
    "reduced_precision_allowance",
]


# Hypothesis imports libcst when a property fails, and libcst trips a
# deprecation in mypy_extensions: noise in every student's report, not theirs
# to fix. Filtered on the suite's own properties only, never run-wide.
_QUIET_WARNINGS = "ignore:mypy_extensions.TypedDict is deprecated:DeprecationWarning"


def reduced_examples(fraction: float) -> settings:
    """Settings running ``fraction`` of the selected gradoracle profile's examples
    (at least 5), for properties that cost a numerical derivative per example."""
    return profiles.settings_for(cost=1.0 / fraction)


def prop(formula_id: str, claim: str, *, cost: float = 1.0) -> Callable[[Callable[..., Any]], Any]:
    """Register a Hypothesis test as a property of ``formula_id``.

    ``claim`` is the invariant in plain words, as a student will read it in a
    failure. ``cost`` > 1 runs proportionally fewer examples (numerical
    derivatives are a hundred calls each). Apply it above ``@given``.

    The property runs with the gradoracle profile selected when the run was
    configured (:mod:`gradoracle.profiles`), as explicit settings of its own:
    Hypothesis's default profile, which other projects' tests use, is left alone.
    """

    def decorate(test: Callable[..., Any]) -> Any:
        if not getattr(test, "_hypothesis_internal_settings_applied", False):
            test = profiles.settings_for(cost=cost)(test)
        test.gradoracle_cost = cost  # type: ignore[attr-defined]
        prop_record = registry.Property(formula_id, claim, test, test.__module__)
        registry.register_property(prop_record)
        test.gradoracle_property = prop_record  # type: ignore[attr-defined]
        test = pytest.mark.filterwarnings(_QUIET_WARNINGS)(test)
        return pytest.mark.formula(formula_id, claim=claim)(test)

    return decorate


def format_array(value: Any, precision: int = 10) -> str:
    if isinstance(value, tuple):
        return "(" + ", ".join(format_array(v, precision) for v in value) + ")"
    array = np.asarray(value)
    if array.dtype.kind in "fc":
        return np.array2string(
            array, precision=precision, separator=", ", threshold=40, max_line_width=100, floatmode="maxprec"
        ).replace("\n", "\n    ")
    return np.array2string(array, separator=", ", threshold=40).replace("\n", "\n    ")


def _fail(lines: list[str]) -> None:
    raise AssertionError("\n".join(lines + _setting_lines()))


def _setting_lines() -> list[str]:
    """In a run graded in another dtype or namespace than numpy float64, which
    ones, and the derived float32 error bars of this example's calls."""
    from properties import dtype_tolerance

    if not dtype_tolerance.grading_in_reduced_precision() and namespaces.current().is_default:
        return []
    lines = [f"  graded in {dtype_tolerance.describe_setting()}"]
    if dtype_tolerance.grading_in_reduced_precision():
        records = dtype_tolerance.recorded()
        lines.append(
            f"  {namespaces.current().dtype} tolerance: entries within their derived error bar "
            f"C·[(γ_n + u)(S + |y|) + γ_n(1 + max|y|)] of the float64 reference count as exact "
            f"(u = {namespaces.current().unit_roundoff:.3g}, S the inputs' condition × |y|); "
            "the property's float64 tolerance judges the rest"
        )
        lines += [f"    {record.describe()}" for record in records[-4:]]
    return lines


def reduced_precision_allowance() -> float:
    """What a property adds to a float64 slack of its own (``assert_true`` conditions)
    when grading in float32: the derived error bars of this example's calls; 0 in float64."""
    from properties import dtype_tolerance

    return dtype_tolerance.allowance()


def assert_close(
    got: Any,
    expected: Any,
    *,
    rtol: float,
    atol: Any,
    what: str,
    expected_label: str = "expected",
    reduced_precision: Any = None,
) -> None:
    """``|got - expected| <= atol + rtol * |expected|`` elementwise, shapes equal.

    Tuples are compared item by item. Callers justify ``rtol``/``atol`` in a
    comment next to the call: they are the property's tolerance (float64).
    Graded in float32, ``reduced_precision`` (an error bar shaped like
    ``expected``), when given, is added to ``atol``.
    """
    if reduced_precision is not None:
        atol = _plus(atol, reduced_precision)
    _assert_close(got, expected, rtol=rtol, atol=atol, what=what, expected_label=expected_label)


def _plus(atol: Any, extra: Any) -> Any:
    if isinstance(extra, tuple):
        return tuple(_plus(atol[i] if isinstance(atol, tuple) else atol, e) for i, e in enumerate(extra))
    if isinstance(atol, tuple):
        return tuple(_plus(a, extra) for a in atol)
    return atol + extra


def _assert_close(got: Any, expected: Any, *, rtol: float, atol: Any, what: str, expected_label: str) -> None:
    if isinstance(expected, tuple):
        if not isinstance(got, tuple) or len(got) != len(expected):
            _fail([f"{what}: expected a tuple of {len(expected)} values, got {got!r}"])
        for index, (g, e) in enumerate(zip(got, expected)):
            item_atol = atol[index] if isinstance(atol, tuple) else atol
            _assert_close(g, e, rtol=rtol, atol=item_atol, what=f"{what} (item {index})", expected_label=expected_label)
        return
    got_array = np.asarray(got, dtype=np.float64)
    expected_array = np.asarray(expected, dtype=np.float64)
    if got_array.shape != expected_array.shape:
        _fail([
            f"{what}: shape {got_array.shape} where {expected_array.shape} was expected",
            f"  {expected_label}: {format_array(expected_array)}",
            f"  got:      {format_array(got_array)}",
        ])
    error = np.abs(got_array - expected_array)
    atol_array = np.asarray(atol, dtype=np.float64)
    if atol_array.shape not in ((), expected_array.shape):
        atol_array = np.full(expected_array.shape, float(np.max(atol_array)) if atol_array.size else 0.0)
    allowed = atol_array + rtol * np.abs(expected_array)
    bad = ~(error <= allowed)  # NaN counts as bad
    if np.any(bad):
        excess = np.where(bad, np.nan_to_num(error - allowed, nan=np.inf), -np.inf)
        worst = np.unravel_index(int(np.argmax(excess)), error.shape)
        with np.errstate(divide="ignore", invalid="ignore"):
            relative = np.where(expected_array != 0, error / np.abs(expected_array), np.inf)
        _fail([
            f"{what}:",
            f"  {expected_label}: {format_array(expected_array)}",
            f"  got:      {format_array(got_array)}",
            f"  worst entry {tuple(int(i) for i in worst) if error.ndim else '(scalar)'}: "
            f"abs error {float(error[worst]):.3g}, rel error {float(relative[worst]):.3g}; "
            f"tolerance atol={float(atol_array[worst] if atol_array.ndim else atol_array):.1e}, rtol={rtol:.1e}",
        ])


def assert_equal(got: Any, expected: Any, *, what: str) -> None:
    """Exact equality (integers, shapes, conventions stated as exact values).

    Graded in float32, floats are equal when they are on the float32 grid: the
    implementation saw (and can only return) the inputs rounded to it."""
    if not namespaces.current().dtype == "float64":
        expected = namespaces.round_to_dtype(_as_float_arrays(expected), namespaces.current().dtype)
        got = namespaces.round_to_dtype(_as_float_arrays(got), namespaces.current().dtype)
    if isinstance(expected, tuple):
        ok = isinstance(got, tuple) and len(got) == len(expected) and all(
            np.array_equal(np.asarray(g), np.asarray(e)) for g, e in zip(got, expected)
        )
    else:
        ok = np.shape(got) == np.shape(expected) and np.array_equal(np.asarray(got), np.asarray(expected))
    if not ok:
        _fail([f"{what}:", f"  expected: {format_array(expected)}", f"  got:      {format_array(got)}"])


def _as_float_arrays(value: Any) -> Any:
    if isinstance(value, tuple):
        return tuple(_as_float_arrays(v) for v in value)
    array = np.asarray(value)
    return array if array.dtype.kind != "f" else array.astype(np.float64)


def assert_true(condition: Any, *, what: str, details: dict[str, Any] | None = None) -> None:
    """A property stated as a condition; ``details`` are the values behind it."""
    if not bool(np.all(condition)):
        lines = [what]
        for name, value in (details or {}).items():
            lines.append(f"  {name}: {format_array(value) if not isinstance(value, str) else value}")
        _fail(lines)


def assert_finite(value: Any, *, what: str) -> None:
    array = np.asarray(value, dtype=np.float64)
    if not np.all(np.isfinite(array)):
        _fail([f"{what}: got a non-finite value", f"  got: {format_array(array)}"])


def assert_raises(exc_type: type[BaseException], call: Callable[[], Any], *, what: str) -> None:
    """The implementation must raise ``exc_type`` (directly or through the seam)."""
    from gradoracle.seam import SubmissionRaised

    try:
        result = call()
    except SubmissionRaised as raised:
        if exc_type.__name__ in raised.exc_bases:
            return
        _fail([f"{what}: expected {exc_type.__name__}, but it raised {raised.exc_type}: {raised.exc_text}"])
    except exc_type:
        return
    _fail([f"{what}: expected {exc_type.__name__}, but it returned {format_array(result) if result is not None else None}"])
