"""batchnorm — batch normalization, centering only (seeds 000, 001, 004) and full (seed 002).

Statistics are over the batch axis 0 of ``x: (n, f)``; ``x: (n,)`` is one feature,
with scalar ``gamma``/``beta`` and scalar ``dgamma``/``dbeta``.

- centered: ``y = γ (x - μ) + β``, ``dx_i = γ (dy_i - (1/n) Σ_j dy_j)``;
- full: ``x̂ = (x - μ)/√(σ² + ε)`` with the **biased** (1/n) variance, ``y = γ x̂ + β``,
  ``dx = γ/(n√(σ²+ε)) (n dy - Σ dy - x̂ Σ dy x̂)``, ``dgamma = Σ dy x̂``, ``dbeta = Σ dy``.

Sound for features whose mean is up to 1e6 times their standard deviation: the
variance is never formed as ``E[x²] - E[x]²`` (which cancels catastrophically
there), and the centred values use the corrected two-pass algorithm, so ``x̂``
is accurate to a few ulps of its own size whatever the offset.

Decisions where the catalogue is silent:
- With ``x: (n,)`` the reference returns ``dgamma``/``dbeta`` as Python floats
  (gamma's shape, a scalar).
- ``centered_backward`` takes ``x`` (catalogue signature) but does not use it: the
  centred layer's Jacobian does not depend on x.
- For ``n = 1`` every formula is defined (``x̂ = 0``, ``dx = 0``) when ``eps > 0``;
  the centred formulas need no eps.
"""

from __future__ import annotations

from typing import Any

import numpy as np

from reference.registry import formula


def _as_float_array(value: Any) -> np.ndarray:
    return np.asarray(value, dtype=np.float64)


def _parameter(value: Any, x: np.ndarray) -> Any:
    """gamma/beta as an array broadcasting over the batch ((f,) or a scalar)."""
    return _as_float_array(value) if x.ndim > 1 else float(value)


def _per_feature(value: np.ndarray, x: np.ndarray) -> Any:
    """A per-feature statistic in gamma's shape: a Python float for one-feature x."""
    return float(value) if x.ndim == 1 else np.asarray(value, dtype=np.float64)


def centered(x: Any) -> np.ndarray:
    """``x - μ`` per feature, accurate even when ``|μ|`` is 1e6 times the spread.

    Corrected two-pass: the rounding error of the computed mean (up to ``n·u·|μ|``)
    shifts every centred value alike; the mean of the residuals measures that shift
    on the small scale of the residuals, so subtracting it removes it.
    """
    x = _as_float_array(x)
    residual = x - np.mean(x, axis=0)
    return residual - np.mean(residual, axis=0)


def normalized(x: Any, eps: float) -> tuple[np.ndarray, np.ndarray]:
    """``(x̂, √(σ² + ε))`` per feature, ``σ²`` the biased variance (two-pass, never E[x²]-E[x]²)."""
    c = centered(x)
    std = np.sqrt(np.mean(c * c, axis=0) + float(eps))
    return c / std, std


@formula("batchnorm.centered_forward")
def centered_forward(x: np.ndarray, gamma: Any, beta: Any) -> np.ndarray:
    """``y = γ (x - μ) + β``, ``μ`` the per-feature batch mean."""
    x = _as_float_array(x)
    return _parameter(gamma, x) * centered(x) + _parameter(beta, x)


@formula("batchnorm.centered_backward")
def centered_backward(dy: np.ndarray, x: np.ndarray, gamma: Any) -> np.ndarray:
    """``dx_i = γ (dy_i - (1/n) Σ_j dy_j)`` (seeds 000, 001, 004; ``dx = 0`` when n = 1)."""
    dy = _as_float_array(dy)
    # x is part of the catalogue signature; the centred layer's Jacobian does not depend on it.
    return _parameter(gamma, dy) * (dy - np.mean(dy, axis=0))


@formula("batchnorm.forward")
def forward(x: np.ndarray, gamma: Any, beta: Any, eps: float) -> np.ndarray:
    """``y = γ (x - μ)/√(σ² + ε) + β`` with the biased (1/n) batch variance."""
    x = _as_float_array(x)
    xhat, _ = normalized(x, eps)
    return _parameter(gamma, x) * xhat + _parameter(beta, x)


@formula("batchnorm.backward")
def backward(dy: np.ndarray, x: np.ndarray, gamma: Any, eps: float) -> tuple[Any, Any, Any]:
    """``dx = γ/(n√(σ²+ε)) (n dy - Σ dy - x̂ Σ dy x̂)``, ``dgamma = Σ dy x̂``, ``dbeta = Σ dy``."""
    x = _as_float_array(x)
    dy = _as_float_array(dy)
    xhat, std = normalized(x, eps)
    # The bracket divided by n, written with means: the same value, no n·dy of size n.
    dx = _parameter(gamma, x) / std * (dy - np.mean(dy, axis=0) - xhat * np.mean(dy * xhat, axis=0))
    dgamma = np.sum(dy * xhat, axis=0)
    dbeta = np.sum(dy, axis=0)
    return dx, _per_feature(dgamma, x), _per_feature(dbeta, x)
