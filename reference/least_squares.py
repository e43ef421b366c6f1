"""least_squares — linear regression by least squares (seeds 002, 003).

``L(θ) = ½‖y - Xθ‖²`` with ``X: (n, d)`` of full column rank (so n ≥ d) and
``y: (n,)``; ``fit_multi`` has **columns as examples**: ``X: (m, n)`` of full
row rank, ``Y: (p, n)``, ``W: (p, m)``.

The fits use ``lstsq`` (an SVD), which is backward stable: its error grows
with cond(X), not with cond(XᵀX) = cond(X)² as forming and solving the normal
equations does. On the well-conditioned matrices the properties generate both
are far inside the agreement tolerance.

Decisions (where the catalogue is silent):

- ``y`` is a vector ``(n,)`` and ``theta`` is returned as ``(d,)`` (not a column).
- The XOR data of seed 003 are ``x ∈ {0,1}²`` with ``y = [0, 1, 1, 0]`` (the
  OCR garbled y); with a bias column the fit is ``w = 0, b = ½``
  (Goodfellow §6.1), and a bias *row* for ``fit_multi``.
"""

from __future__ import annotations

import numpy as np

from reference.registry import formula


@formula("least_squares.fit")
def fit(X: np.ndarray, y: np.ndarray) -> np.ndarray:
    """``θ = argmin ½‖y - Xθ‖² = (XᵀX)⁻¹ Xᵀ y`` for X of full column rank."""
    X = np.asarray(X, dtype=np.float64)
    y = np.asarray(y, dtype=np.float64)
    # lstsq rather than inv(XᵀX): error ∝ cond(X), not cond(X)².
    theta, *_ = np.linalg.lstsq(X, y, rcond=None)
    return theta


@formula("least_squares.grad")
def grad(theta: np.ndarray, X: np.ndarray, y: np.ndarray) -> np.ndarray:
    """``∇L(θ) = XᵀXθ - Xᵀy``, the gradient of ``½‖y - Xθ‖²``."""
    X = np.asarray(X, dtype=np.float64)
    # Xᵀ(Xθ - y): the same value without forming the d×d Gram matrix.
    return X.T @ (X @ np.asarray(theta, dtype=np.float64) - np.asarray(y, dtype=np.float64))


@formula("least_squares.fit_multi")
def fit_multi(X: np.ndarray, Y: np.ndarray) -> np.ndarray:
    """``W = argmin ½‖Y - WX‖²_F = Y Xᵀ (X Xᵀ)⁻¹``; columns of X and Y are examples."""
    X = np.asarray(X, dtype=np.float64)
    Y = np.asarray(Y, dtype=np.float64)
    # ‖Y - WX‖_F = ‖Xᵀ Wᵀ - Yᵀ‖_F: an ordinary least-squares problem in Wᵀ.
    w_transposed, *_ = np.linalg.lstsq(X.T, Y.T, rcond=None)
    return w_transposed.T
