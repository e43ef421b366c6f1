"""Numerical derivatives with ``scipy.differentiate``, for any implementation.

scipy's ``jacobian`` wants a vectorized function; implementations under test
are not, so :func:`numerical_jacobian` evaluates them point by point.
:func:`forward_to_differentiate` picks which forward (the submission's own, or
the reference's) a derivative property differentiates.
"""

from __future__ import annotations

from typing import Any, Callable

import numpy as np
from scipy import differentiate

from gradoracle.sandbox import evaluate_batched

__all__ = [
    "numerical_jacobian",
    "numerical_derivative",
    "forward_to_differentiate",
    "NUMERICAL_RTOL",
    "assert_matches_numerical",
]

# Order-8 central differences with scipy's adaptive step refinement reach about
# 1e-10 relative accuracy on the smooth, moderately scaled functions the
# strategies generate (entries bounded, curvature bounded, away from kinks).
# Every bug class a derivative property targets (sign, factor, transpose,
# missing term) is an O(1) relative error, so 1e-6 sits four orders above the
# method's error and far below any bug.
NUMERICAL_RTOL = 1e-6


def numerical_jacobian(
    f: Callable[[np.ndarray], Any],
    x: np.ndarray,
    *,
    initial_step: float = 0.5,
) -> np.ndarray:
    """``J[out..., in...] = ∂f(x)[out...] / ∂x[in...]`` by ``scipy.differentiate.jacobian``.

    ``f`` takes an array shaped like ``x`` and returns a number or an array.
    """
    x = np.asarray(x, dtype=np.float64)
    in_shape = x.shape
    out_shape = np.shape(f(x.copy()))

    def vectorized(points: np.ndarray) -> np.ndarray:
        # points: (n, *batch) -> (k, *batch), one call of f per batch element.
        n = points.shape[0]
        batch = points.shape[1:]
        flat = points.reshape(n, -1)
        # A sandboxed implementation answers all of one iteration's points in one round trip.
        points = [flat[:, j].reshape(in_shape).copy() for j in range(flat.shape[1])]
        values = [np.asarray(v, dtype=np.float64).reshape(-1) for v in evaluate_batched(f, points)]
        return np.stack(values, axis=-1).reshape((-1, *batch))

    result = differentiate.jacobian(vectorized, x.reshape(-1), initial_step=initial_step)
    return np.asarray(result.df).reshape(out_shape + in_shape)


def numerical_derivative(f: Callable[[np.ndarray], Any], x: np.ndarray, *, initial_step: float = 0.5) -> np.ndarray:
    """Elementwise derivative of an elementwise function by ``scipy.differentiate.derivative``."""
    x = np.asarray(x, dtype=np.float64)

    def vectorized(points: np.ndarray) -> np.ndarray:
        return np.asarray(f(points), dtype=np.float64)

    return np.asarray(differentiate.derivative(vectorized, x, initial_step=initial_step).df)


def forward_to_differentiate(implementation: Any, formula_id: str, args: tuple, *, rtol: float = 1e-9) -> tuple[Callable[..., Any], str]:
    """The forward a derivative property differentiates, and its label.

    The submission's own ``formula_id`` when it provides one that agrees with
    the reference at ``args``; the reference's otherwise. So a derivative is
    checked against the submission's own forward where that is right, and a
    wrong forward (graded on its own) never costs a correct derivative marks.
    """
    from gradoracle.submission import reference_implementation

    from properties import dtype_tolerance

    reference = reference_implementation().subject(formula_id)
    # Graded in float32 the submission's forward cannot agree at float64
    # precision (nor be differentiated numerically): the reference's is used.
    if dtype_tolerance.grading_in_reduced_precision():
        return reference, f"the reference {formula_id}"
    if implementation.provides(formula_id):
        own = implementation.subject(formula_id)
        try:
            mine = own(*args)
            theirs = reference(*args)
            if _agree(mine, theirs, rtol):
                return own, f"your {formula_id}"
        except AssertionError:
            pass
    return reference, f"the reference {formula_id}"


def _agree(a: Any, b: Any, rtol: float) -> bool:
    if isinstance(b, tuple):
        return isinstance(a, tuple) and len(a) == len(b) and all(_agree(x, y, rtol) for x, y in zip(a, b))
    a = np.asarray(a, dtype=np.float64)
    b = np.asarray(b, dtype=np.float64)
    return a.shape == b.shape and bool(np.all(np.abs(a - b) <= rtol * (1.0 + np.abs(b))))


def assert_matches_numerical(got: Any, numerical: np.ndarray, *, what: str, label: str) -> None:
    """An analytic derivative against a numerical one, to :data:`NUMERICAL_RTOL`
    relative to the derivative's largest entry (entries near zero are judged on
    the scale of the whole derivative, where finite differences are accurate)."""
    from properties.pytest_helpers import assert_close

    numerical = np.asarray(numerical, dtype=np.float64)
    scale = 1.0 + float(np.max(np.abs(numerical))) if numerical.size else 1.0
    assert_close(
        got,
        numerical,
        rtol=NUMERICAL_RTOL,
        atol=NUMERICAL_RTOL * scale,
        what=what,
        expected_label=f"numerical derivative of {label}",
    )
