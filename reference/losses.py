"""losses — gradients of the output losses of a sigmoid unit (seeds 002, 003).

``z`` are logits and ``y`` targets in ``[0, 1]`` of the same shape (any shape,
0-d included); both gradients are elementwise, with respect to ``z``, of the
*unsummed* per-entry loss. Sound on ``|z|`` up to 1e4.

The saturation the seeds discuss: with ``y = 1`` and ``z → -∞`` the MSE
gradient vanishes (it carries the factor ``σ'(z) → 0``) while the
cross-entropy gradient tends to -1.
"""

from __future__ import annotations

import numpy as np
from scipy.special import expit

from reference.registry import formula


def _residual(z: np.ndarray, y: np.ndarray) -> np.ndarray:
    """``σ(z) - y`` written as ``(1 - y)σ(z) - yσ(-z)``: equal in exact arithmetic,
    but without the cancellation of ``σ(z) - 1`` where σ(z) rounds to 1."""
    return (1.0 - y) * expit(z) - y * expit(-z)


@formula("losses.sigmoid_mse_grad")
def sigmoid_mse_grad(z: np.ndarray, y: np.ndarray) -> np.ndarray:
    """``∂/∂z ½(y - σ(z))² = -(y - σ(z)) σ(z)(1 - σ(z))``."""
    z = np.asarray(z, dtype=np.float64)
    y = np.asarray(y, dtype=np.float64)
    with np.errstate(under="ignore"):  # products of saturated factors round to 0: correct, not a fault
        # σ(z)(1 - σ(z)) = σ(z)σ(-z), exact where σ(z) rounds to 0 or 1.
        return np.asarray(_residual(z, y) * expit(z) * expit(-z))


@formula("losses.sigmoid_ce_grad")
def sigmoid_ce_grad(z: np.ndarray, y: np.ndarray) -> np.ndarray:
    """``∂/∂z -[y log σ(z) + (1 - y) log(1 - σ(z))] = σ(z) - y``."""
    z = np.asarray(z, dtype=np.float64)
    y = np.asarray(y, dtype=np.float64)
    with np.errstate(under="ignore"):
        return np.asarray(_residual(z, y))
