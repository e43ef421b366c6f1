"""activations — elementwise activation functions and their derivatives
(seed 002; leaky ReLU also seed 004, ELU seed 002 HW3).

Every function is elementwise on an array of any shape, including 0-d, and
returns a float64 array of that shape. Sound on ``|x|`` up to 1e4: nothing
here overflows, and underflow to 0 (the correctly rounded value) is silenced
so the reference adds no warning to a student's report.

Conventions at the kinks, as the catalogue writes them: ``relu'(0) = 0``,
``leaky_relu'(0) = α``, ``elu(0) = 0`` and ``elu'(0) = 1`` (the ``x ≥ 0``
branch, seed 002 HW3).

Decisions (where the catalogue is silent):
- ``alpha`` is tested in ``(0, 1]`` (the seeds' range): seed 002's own
  ``max(αx, x)`` and ``max(α(eˣ - 1), x)`` for ``x < 0`` equal the catalogue's
  definitions only for ``α ≤ 1``.
- Kinks are tested at ``+0.0``; ``-0.0`` is never generated (every comparison
  treats it as 0, only ``signbit`` tricks would tell them apart).
"""

from __future__ import annotations

import numpy as np
from scipy.special import expit

from reference.registry import formula


def _as_float64(x: np.ndarray) -> np.ndarray:
    return np.asarray(x, dtype=np.float64)


@formula("activations.sigmoid")
def sigmoid(x: np.ndarray) -> np.ndarray:
    """``σ(x) = 1 / (1 + e^{-x})``."""
    # expit never overflows and is accurate to a few ulps relative everywhere.
    return np.asarray(expit(_as_float64(x)))


@formula("activations.sigmoid_grad")
def sigmoid_grad(x: np.ndarray) -> np.ndarray:
    """``σ'(x) = σ(x)(1 - σ(x))``."""
    x = _as_float64(x)
    with np.errstate(under="ignore"):
        # 1 - σ(x) = σ(-x) exactly: no cancellation where σ(x) rounds to 1.
        return np.asarray(expit(x) * expit(-x))


@formula("activations.tanh")
def tanh(x: np.ndarray) -> np.ndarray:
    """``tanh x``."""
    return np.asarray(np.tanh(_as_float64(x)))


@formula("activations.tanh_grad")
def tanh_grad(x: np.ndarray) -> np.ndarray:
    """``tanh'(x) = 1 - tanh² x``."""
    x = _as_float64(x)
    with np.errstate(under="ignore"):
        # 1 - tanh² x = sech² x = 4e^{-2|x|} / (1 + e^{-2|x|})²: no overflow (the
        # exponent is ≤ 0) and no cancellation where tanh x rounds to ±1.
        e = np.exp(-2.0 * np.abs(x))
        return np.asarray(4.0 * e / (1.0 + e) ** 2)


@formula("activations.relu")
def relu(x: np.ndarray) -> np.ndarray:
    """``max(0, x)``."""
    x = _as_float64(x)
    return np.where(x > 0, x, 0.0)


@formula("activations.relu_grad")
def relu_grad(x: np.ndarray) -> np.ndarray:
    """``1 if x > 0 else 0``; at the kink ``relu'(0) = 0`` (seed 002)."""
    x = _as_float64(x)
    return np.where(x > 0, 1.0, 0.0)


@formula("activations.leaky_relu")
def leaky_relu(x: np.ndarray, alpha: float = 0.01) -> np.ndarray:
    """``x if x > 0 else αx``."""
    x = _as_float64(x)
    with np.errstate(under="ignore"):  # αx may round to a subnormal: correct, not a fault
        return np.where(x > 0, x, alpha * x)


@formula("activations.leaky_relu_grad")
def leaky_relu_grad(x: np.ndarray, alpha: float = 0.01) -> np.ndarray:
    """``1 if x > 0 else α``; at the kink ``leaky_relu'(0) = α`` (seed 004)."""
    x = _as_float64(x)
    return np.where(x > 0, 1.0, float(alpha))


@formula("activations.elu")
def elu(x: np.ndarray, alpha: float = 1.0) -> np.ndarray:
    """``x if x ≥ 0 else α(eˣ - 1)``; ``elu(0) = 0``."""
    x = _as_float64(x)
    with np.errstate(under="ignore"):
        # expm1 keeps relative accuracy for small |x|; min(x, 0) keeps the unused
        # branch from overflowing for large positive x.
        return np.where(x >= 0, x, alpha * np.expm1(np.minimum(x, 0.0)))


@formula("activations.elu_grad")
def elu_grad(x: np.ndarray, alpha: float = 1.0) -> np.ndarray:
    """``1 if x ≥ 0 else αeˣ``; at the kink ``elu'(0) = 1`` (seed 002 HW3)."""
    x = _as_float64(x)
    with np.errstate(under="ignore"):
        return np.where(x >= 0, 1.0, alpha * np.exp(np.minimum(x, 0.0)))


@formula("activations.softplus")
def softplus(x: np.ndarray) -> np.ndarray:
    """``log(1 + eˣ)``."""
    with np.errstate(under="ignore"):
        # logaddexp(0, x) = max(x, 0) + log1p(e^{-|x|}): no overflow, relative accuracy for x ≪ 0.
        return np.asarray(np.logaddexp(0.0, _as_float64(x)))


@formula("activations.softplus_grad")
def softplus_grad(x: np.ndarray) -> np.ndarray:
    """``softplus'(x) = σ(x)``."""
    return np.asarray(expit(_as_float64(x)))
