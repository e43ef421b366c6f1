"""logistic — a single sigmoid neuron with a summed cross-entropy loss
(seeds 000, 001, 003, 004).

``ŷ_n = σ(x_n · w + b)``; the loss is a **sum** over the batch, as the seeds write it.
Stable on ``|x·w + b|`` up to 1e4: the loss uses ``log σ(z) = -logaddexp(0, -z)``
rather than the log of a rounded probability.
"""

from __future__ import annotations

import numpy as np
from scipy.special import expit

from reference.registry import formula


def _logits(w: np.ndarray, b: float, x: np.ndarray) -> np.ndarray:
    return np.asarray(x, dtype=np.float64) @ np.asarray(w, dtype=np.float64) + float(b)


@formula("logistic.loss")
def loss(w: np.ndarray, b: float, x: np.ndarray, y: np.ndarray) -> float:
    """``E = -Σ_n [y_n ln ŷ_n + (1 - y_n) ln(1 - ŷ_n)]``."""
    z = _logits(w, b, x)
    y = np.asarray(y, dtype=np.float64)
    # -ln σ(z) = logaddexp(0, -z) and -ln(1 - σ(z)) = logaddexp(0, z): exact for any z.
    return float(np.sum(y * np.logaddexp(0.0, -z) + (1.0 - y) * np.logaddexp(0.0, z)))


@formula("logistic.grad")
def grad(w: np.ndarray, b: float, x: np.ndarray, y: np.ndarray) -> tuple[np.ndarray, float]:
    """``dw = Σ (ŷ_n - y_n) x_n``, ``db = Σ (ŷ_n - y_n)``."""
    z = _logits(w, b, x)
    y = np.asarray(y, dtype=np.float64)
    # σ(z) - y written as (1-y)σ(z) - yσ(-z): equal in exact arithmetic, but it
    # keeps the all-ones-label gradient -σ(-z) nonzero where 1 - σ(z) rounds to 0.
    residual = (1.0 - y) * expit(z) - y * expit(-z)
    return np.asarray(x, dtype=np.float64).T @ residual, float(np.sum(residual))


@formula("logistic.hessian")
def hessian(w: np.ndarray, b: float, x: np.ndarray, y: np.ndarray) -> np.ndarray:
    """``Σ ŷ(1 - ŷ) [x_n; 1][x_n; 1]ᵀ`` over parameters ``(w_1..w_d, b)``; independent of y."""
    z = _logits(w, b, x)
    weight = expit(z) * expit(-z)  # ŷ(1 - ŷ) without the rounding of 1 - ŷ
    x = np.asarray(x, dtype=np.float64)
    augmented = np.hstack([x, np.ones((x.shape[0], 1))])
    return (augmented * weight[:, None]).T @ augmented


@formula("logistic.gd_step")
def gd_step(
    w: np.ndarray, b: float, x: np.ndarray, y: np.ndarray, lr: float
) -> tuple[np.ndarray, float]:
    """One gradient-descent step: ``(w - lr·dw, b - lr·db)``."""
    dw, db = grad(w, b, x, y)
    return np.asarray(w, dtype=np.float64) - lr * dw, float(b) - lr * db
