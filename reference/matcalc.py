"""matcalc — vector and matrix derivatives (seed 002, "matrix-derivative identities").

Every formula is checked against the numerical derivative of its function on
**non-symmetric** matrices, so a missing transpose fails.

Decisions where the catalogue is silent:

- ``matcalc.bilinear_grads``: ``A`` may be non-square, ``(n, m)``, with
  ``x: (n,)`` and ``y: (m,)``.
- ``matcalc.trace_grad``: ``W: (m, n)``, ``A: (n, m)`` (non-square allowed);
  ``matcalc.trace_quadratic_grad``: ``W: (m, n)``, ``A: (n, n)``.
- ``matcalc.det_grad``, ``matcalc.logdet_grad``, ``matcalc.inverse_backward``:
  the domain is well-conditioned matrices (condition number ≤ 100, singular
  values between 0.5 and 200, n ≤ 4), of either determinant sign;
  ``logdet_grad`` is the derivative of ``log|det K|``.
- ``matcalc.norm_grad``: the domain is ``0.05 ≤ ‖p‖ ≤ 20``. The catalogue
  asks only ``p ≠ 0``; norms near 1e±154, where ``sum(p**2)`` overflows or
  underflows, would fail the standard ``p / np.linalg.norm(p)`` and are not
  what the entry tests.
"""

from __future__ import annotations

import numpy as np

from reference.registry import formula


def _f64(value: object) -> np.ndarray:
    return np.asarray(value, dtype=np.float64)


def _inverse_transpose(K: np.ndarray) -> np.ndarray:
    # K⁻ᵀ as the solution of Kᵀ X = I (an LU solve, not an explicit inverse).
    return np.linalg.solve(K.T, np.eye(K.shape[0]))


@formula("matcalc.quadratic_grad")
def quadratic_grad(A: np.ndarray, x: np.ndarray) -> np.ndarray:
    """``∂(xᵀAx)/∂x = (A + Aᵀ) x``."""
    A, x = _f64(A), _f64(x)
    return (A + A.T) @ x


@formula("matcalc.bilinear_grads")
def bilinear_grads(x: np.ndarray, A: np.ndarray, y: np.ndarray) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """``f = xᵀ A y``: ``(∂f/∂x, ∂f/∂y, ∂f/∂A) = (A y, Aᵀ x, x yᵀ)``."""
    x, A, y = _f64(x), _f64(A), _f64(y)
    return A @ y, A.T @ x, np.outer(x, y)


@formula("matcalc.det_grad")
def det_grad(K: np.ndarray) -> np.ndarray:
    """``∂ det K / ∂K = det(K) K⁻ᵀ`` (the cofactor matrix; signed determinant)."""
    K = _f64(K)
    return np.linalg.det(K) * _inverse_transpose(K)


@formula("matcalc.logdet_grad")
def logdet_grad(K: np.ndarray) -> np.ndarray:
    """``∂ log|det K| / ∂K = K⁻ᵀ`` (for either sign of det K)."""
    return _inverse_transpose(_f64(K))


@formula("matcalc.trace_grad")
def trace_grad(W: np.ndarray, A: np.ndarray) -> np.ndarray:
    """``∂ tr(W A) / ∂W = Aᵀ`` (W's shape)."""
    return _f64(A).T.copy()


@formula("matcalc.trace_quadratic_grad")
def trace_quadratic_grad(W: np.ndarray, A: np.ndarray) -> np.ndarray:
    """``∂ tr(W A Wᵀ) / ∂W = W Aᵀ + W A``."""
    W, A = _f64(W), _f64(A)
    return W @ (A.T + A)


@formula("matcalc.norm_grad")
def norm_grad(p: np.ndarray) -> np.ndarray:
    """``∂‖p‖₂/∂p = p / ‖p‖₂`` (p ≠ 0)."""
    p = _f64(p)
    # Dividing by the largest magnitude first keeps the sum of squares from
    # overflowing or underflowing; q / ‖q‖ equals p / ‖p‖.
    q = p / np.max(np.abs(p))
    return q / np.sqrt(q @ q)


@formula("matcalc.inverse_backward")
def inverse_backward(K: np.ndarray, G: np.ndarray) -> np.ndarray:
    """Given ``G = ∂L/∂(K⁻¹)``: ``∂L/∂K = -K⁻ᵀ G K⁻ᵀ`` (from ``d(K⁻¹) = -K⁻¹ dK K⁻¹``)."""
    K, G = _f64(K), _f64(G)
    inverse_transpose = _inverse_transpose(K)
    return -(inverse_transpose @ G @ inverse_transpose)
