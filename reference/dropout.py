"""dropout — Gaussian multiplicative dropout on a linear unit (seeds 000, 001, 004)
and inverted dropout (seed 002).

Gaussian dropout: ``J1 = ½ (y_d - Σ_k δ_k W_k x_k)²`` with ``δ_k ~ N(1, σ²)``
independent; ``W, x: (n,)``, ``y_d`` and ``sigma`` floats (``sigma ≥ 0``, a
standard deviation). With ``E[δ_k] = 1``, ``E[δ_k²] = 1 + σ²`` and
``E[δ_i δ_k] = 1`` for ``i ≠ k`` the seeds derive

- ``E[∂J1/∂W_i] = (Σ_k W_k x_k - y_d) x_i + σ² x_i² W_i``,
- ``E[J1] = ½ (y_d - Σ_k W_k x_k)² + (σ²/2) Σ_k x_k² W_k²`` (the regularized objective),

and the first is the gradient of the second.

Inverted dropout (seed 002): ``h ⊙ mask / (1 - p)``, where ``mask`` has entries
0 or 1 (1 keeps the unit, which happens with probability ``1 - p``), of h's
shape, and ``0 ≤ p < 1``.

Decisions (catalogue silent):

- ``sigma`` is the standard deviation of δ, so only ``σ²`` enters; it is taken
  as ``sigma ≥ 0`` and the properties generate ``0 ≤ σ ≤ 2``.
- ``mask`` is passed as a float64 array of 0.0 and 1.0 of h's shape (the
  catalogue's inputs are float64 arrays); the result is float64 of h's shape.
- ``p`` outside ``[0, 1)`` is rejected with ``ValueError`` by the reference;
  no property grades that.
"""

from __future__ import annotations

import math

import numpy as np

from reference.registry import formula


def _residual(W: np.ndarray, x: np.ndarray, y_d: float) -> float:
    """``Σ_k W_k x_k - y_d``, summed with ``math.fsum`` (correctly rounded) so the
    reference stays accurate when the prediction cancels against ``y_d``."""
    products = np.asarray(W, dtype=np.float64) * np.asarray(x, dtype=np.float64)
    return math.fsum([*products.tolist(), -float(y_d)])


@formula("dropout.gaussian_expected_grad")
def gaussian_expected_grad(W: np.ndarray, x: np.ndarray, y_d: float, sigma: float) -> np.ndarray:
    """``E[∂J1/∂W] = (Σ_k W_k x_k - y_d) x + σ² x² W`` (elementwise ``x² W``)."""
    W = np.asarray(W, dtype=np.float64)
    x = np.asarray(x, dtype=np.float64)
    variance = float(sigma) ** 2  # sigma is the standard deviation of δ
    return _residual(W, x, y_d) * x + variance * (x * x) * W


@formula("dropout.gaussian_objective")
def gaussian_objective(W: np.ndarray, x: np.ndarray, y_d: float, sigma: float) -> float:
    """``½ (y_d - Σ_k W_k x_k)² + (σ²/2) Σ_k x_k² W_k²`` — equal to ``E[J1]``."""
    W = np.asarray(W, dtype=np.float64)
    x = np.asarray(x, dtype=np.float64)
    variance = float(sigma) ** 2
    contributions = x * W
    return 0.5 * _residual(W, x, y_d) ** 2 + 0.5 * variance * float(np.sum(contributions * contributions))


@formula("dropout.inverted")
def inverted(h: np.ndarray, mask: np.ndarray, p: float) -> np.ndarray:
    """``h ⊙ mask / (1 - p)``: kept units are scaled up by ``1/(1 - p)`` at
    training time so the expectation over masks is ``h`` and nothing changes at
    test time."""
    p = float(p)
    if not 0.0 <= p < 1.0:
        raise ValueError(f"the drop probability p must lie in [0, 1), got {p}")
    return np.asarray(h, dtype=np.float64) * np.asarray(mask, dtype=np.float64) / (1.0 - p)
