"""Composable Hypothesis strategies for the catalogue's inputs.

In the manner of ``hypothesis.extra.numpy``: small strategies with validated
arguments, composed per family in ``properties/test_*.py``. They aim at the
inputs that expose students' bugs (batch size 1, K = 2, d = 1, non-symmetric
matrices, logits at the edge of the stated domain) and generate away inputs
that are ill-conditioned for a formula, so tolerances can stay tight.
"""

from __future__ import annotations

from typing import Any

import numpy as np
from hypothesis import strategies as st
from hypothesis.errors import InvalidArgument
from hypothesis.extra import numpy as hnp

__all__ = [
    "finite_floats",
    "float_arrays",
    "sizes",
    "shapes",
    "probability_vectors",
    "one_hot_vectors",
    "label_vectors",
    "binary_labels",
    "unit_interval_labels",
    "well_conditioned_matrices",
    "spd_matrices",
    "scaled_to_max_abs",
    "positive_floats",
]


def _check_range(name: str, lo: float, hi: float) -> None:
    if not (np.isfinite(lo) and np.isfinite(hi)) or lo > hi:
        raise InvalidArgument(f"{name}: need finite bounds with lo <= hi, got [{lo}, {hi}]")


def finite_floats(min_value: float = -10.0, max_value: float = 10.0) -> st.SearchStrategy[float]:
    """Finite float64s in ``[min_value, max_value]``, without subnormals (which
    only probe the hardware, never a student's formula)."""
    _check_range("finite_floats", min_value, max_value)
    return st.floats(min_value, max_value, allow_nan=False, allow_infinity=False, allow_subnormal=False)


def positive_floats(min_value: float, max_value: float) -> st.SearchStrategy[float]:
    if min_value <= 0:
        raise InvalidArgument(f"positive_floats: min_value must be > 0, got {min_value}")
    return finite_floats(min_value, max_value)


def sizes(min_size: int = 1, max_size: int = 5) -> st.SearchStrategy[int]:
    """Dimension sizes; the minimum (often 1) is where shrinking lands first."""
    if min_size < 0 or max_size < min_size:
        raise InvalidArgument(f"sizes: need 0 <= min_size <= max_size, got {min_size}, {max_size}")
    return st.integers(min_size, max_size)


def shapes(min_dims: int = 1, max_dims: int = 3, min_side: int = 1, max_side: int = 4) -> st.SearchStrategy[tuple[int, ...]]:
    return hnp.array_shapes(min_dims=min_dims, max_dims=max_dims, min_side=min_side, max_side=max_side)


def float_arrays(
    shape: int | tuple[int, ...] | st.SearchStrategy[tuple[int, ...]],
    min_value: float = -10.0,
    max_value: float = 10.0,
) -> st.SearchStrategy[np.ndarray]:
    """float64 arrays with finite entries in ``[min_value, max_value]``.

    Half are dense (every entry drawn on its own), half Hypothesis's default
    sparse arrays (a repeated fill value with a few entries drawn). The default
    alone almost never gives a 5×4 matrix with distinct entries, and a matrix
    of mostly equal entries hides a missing transpose or a swapped axis."""
    _check_range("float_arrays", min_value, max_value)
    elements = finite_floats(min_value, max_value)
    return st.one_of(
        hnp.arrays(np.float64, shape, elements=elements, fill=st.nothing()),
        hnp.arrays(np.float64, shape, elements=elements),
    )


def probability_vectors(size: int, *, allow_zeros: bool = True) -> st.SearchStrategy[np.ndarray]:
    """Non-negative vectors summing to 1: one-hot ones, and soft ones built from
    weights bounded away from 0 in total so normalization is exact to rounding."""
    if size < 1:
        raise InvalidArgument(f"probability_vectors: size must be >= 1, got {size}")
    low = 0.0 if allow_zeros else 0.05
    soft = float_arrays(size, low, 1.0).filter(lambda w: w.sum() > 0.1).map(lambda w: w / w.sum())
    return st.one_of(one_hot_vectors(size), soft)


def one_hot_vectors(size: int) -> st.SearchStrategy[np.ndarray]:
    if size < 1:
        raise InvalidArgument(f"one_hot_vectors: size must be >= 1, got {size}")
    return st.integers(0, size - 1).map(lambda k: np.eye(size)[k])


def label_vectors(n: int, *, soft: bool = True) -> st.SearchStrategy[np.ndarray]:
    """Binary-classification targets: 0/1 labels, or (``soft``) values in [0, 1]."""
    return st.one_of(binary_labels(n), unit_interval_labels(n)) if soft else binary_labels(n)


def binary_labels(n: int) -> st.SearchStrategy[np.ndarray]:
    return hnp.arrays(np.float64, n, elements=st.sampled_from([0.0, 1.0]))


def unit_interval_labels(n: int) -> st.SearchStrategy[np.ndarray]:
    return float_arrays(n, 0.0, 1.0)


def _fixed_rotation(n: int, *, salt: int) -> np.ndarray:
    """A deterministic orthogonal matrix, different for each ``salt`` (n ≥ 2)."""
    q, r = np.linalg.qr(np.random.default_rng(1000 * n + salt).normal(size=(n, n)))
    return q * np.sign(np.diag(r))


@st.composite
def well_conditioned_matrices(
    draw: Any,
    n: int,
    m: int | None = None,
    *,
    max_condition: float = 100.0,
    symmetric: bool = False,
) -> np.ndarray:
    """``(n, m)`` matrices ``U diag(s) Vᵀ`` with singular values in ``[1, max_condition]``
    scaled by a drawn magnitude, so inverses and determinants are accurate to
    ``max_condition · eps``. Non-symmetric unless asked, so a missing
    transpose shows."""
    m = n if m is None else m
    if n < 1 or m < 1 or max_condition < 1:
        raise InvalidArgument("well_conditioned_matrices: need n, m >= 1 and max_condition >= 1")
    k = min(n, m)
    # Hypothesis favours all-zero arrays, whose QR factor is the identity: mix
    # in fixed rotations that differ for U and V, so the simplest draw is
    # already far from symmetric.
    u, _ = np.linalg.qr(draw(float_arrays((n, n), -1, 1)) + 3.0 * _fixed_rotation(n, salt=1))
    v, _ = (
        np.linalg.qr(draw(float_arrays((m, m), -1, 1)) + 3.0 * _fixed_rotation(m, salt=2))
        if not symmetric
        else (u, None)
    )
    singular = np.asarray(draw(st.lists(finite_floats(1.0, max_condition), min_size=k, max_size=k)))
    magnitude = draw(st.sampled_from([1.0, 0.5, 2.0]))
    core = np.zeros((n, m))
    core[np.arange(k), np.arange(k)] = singular * magnitude
    if symmetric:
        return u @ core @ u.T
    flip = draw(st.booleans())  # both determinant signs
    if flip:
        u = u.copy()
        u[:, 0] = -u[:, 0]
    return u @ core @ v.T


def spd_matrices(n: int, *, max_condition: float = 100.0) -> st.SearchStrategy[np.ndarray]:
    """Symmetric positive-definite ``(n, n)`` matrices with bounded condition number."""
    return well_conditioned_matrices(n, max_condition=max_condition, symmetric=True)


def scaled_to_max_abs(values: np.ndarray, target: float) -> np.ndarray:
    """Rescale so the largest magnitude is ``target`` (all-zero stays zero)."""
    peak = float(np.max(np.abs(values))) if values.size else 0.0
    return values if peak == 0.0 else values * (target / peak)
