"""Properties every formula has, built by one factory each."""

from __future__ import annotations

from typing import Any, Callable

from hypothesis import given
from hypothesis import strategies as st

from properties import dtype_tolerance
from properties.pytest_helpers import assert_close, prop
from reference import registry

__all__ = ["agrees_with_reference", "FLOAT64_RTOL"]

# Agreement with the reference in float64. Both sides compute the same
# mathematical value on inputs the strategies keep well conditioned (entries
# bounded, condition numbers bounded), so float64 implementations that differ
# in summation order or stable rewriting differ by a few hundred ulps at most
# (~1e-13 relative). float32 arithmetic errs by ~1e-7, which the catalogue
# calls a precision bug, so the tolerance sits between the two: 1e-9 (tighter
# than the catalogue's "about 1e-6", which float32 would pass).
FLOAT64_RTOL = 1e-9


def agrees_with_reference(
    formula_id: str,
    inputs: st.SearchStrategy[tuple],
    *,
    rtol: float = FLOAT64_RTOL,
    atol_scale: Callable[[Any], float] | None = None,
    claim: str = "agrees with the reference implementation in float64 precision",
) -> Any:
    """A property: on every generated argument tuple, the implementation's
    result equals the reference's to ``rtol`` (absolute floor ``rtol`` times
    ``atol_scale(expected)``, by default ``1 + max|expected|``, so entries that
    cancel to ~0 are judged on the scale of the whole result).

    Registers ``inputs`` as the formula's argument strategy as well."""
    registry.register_inputs(formula_id, inputs)
    reference = registry.get(formula_id).reference

    @prop(formula_id, claim)
    @given(args=inputs)
    def test(subject: Any, args: tuple) -> None:
        from gradoracle.submission import reference_implementation

        expected = reference_implementation().call(formula_id, *args)
        got = subject(*args)
        scale = atol_scale(expected) if atol_scale else _default_scale(expected)
        # Graded in float32: each entry is also allowed the derived error bar of
        # this very call (properties/dtype_tolerance.py); None in float64.
        bar = dtype_tolerance.last_bar(formula_id) if dtype_tolerance.grading_in_reduced_precision() else None
        assert_close(
            got,
            expected,
            rtol=rtol,
            atol=rtol * scale,
            what=f"{formula_id}{_signature(reference)}",
            reduced_precision=bar.bar if bar is not None else None,
        )

    return test


def _default_scale(expected: Any) -> float:
    import numpy as np

    if isinstance(expected, tuple):
        return max((_default_scale(e) for e in expected), default=1.0)
    array = np.asarray(expected, dtype=np.float64)
    return 1.0 + (float(np.max(np.abs(array))) if array.size else 0.0)


def _signature(fn: Callable[..., Any]) -> str:
    import inspect

    try:
        return "(" + ", ".join(inspect.signature(fn).parameters) + ")"
    except (TypeError, ValueError):
        return ""
