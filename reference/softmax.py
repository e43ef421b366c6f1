"""softmax — softmax, its Jacobian, cross-entropy and softmax regression
(seeds 002, 004; the catalogue lists 000, 001, 003 as well).

``p = softmax(z)``, ``p_k = e^{z_k} / Σ_j e^{z_j}`` along the last axis. Stable
for ``|z|`` up to 1e4 (the catalogue's domain, applied here to every formula of
the family): every formula subtracts the row maximum before ``exp``, and every
log-probability is a log-softmax ``(z - max) - log Σ e^{z - max}``, never the
log of a rounded probability, so a class whose ``p`` underflows to 0 with
``y = 0`` contributes exactly 0 and one with ``y > 0`` its large finite loss.

Decisions where the catalogue is silent (also in DECISIONS.md):

- ``softmax.forward`` accepts any ``(..., K)`` array and normalizes along the
  last axis; the other per-vector formulas take ``z: (K,)`` only.
- K ≥ 2 throughout (a softmax over one class is constant; the catalogue's
  formulas are about classification).
- The regression loss and gradient are graded on logits ``|X W + b|`` up to
  1e4 like the rest of the family; ``y``/``Y`` rows are probability vectors,
  one-hot or soft (the seeds use one-hot, the catalogue says probability vector).
- ``softmax.ce_hessian`` is the Hessian of ``softmax.ce_loss`` in ``z``; it
  does not depend on ``y`` and so does not take it. It is the same matrix as
  ``softmax.jacobian`` (``J`` is symmetric).
"""

from __future__ import annotations

import numpy as np

from reference.registry import formula


def _shifted(z: np.ndarray, axis: int = -1) -> np.ndarray:
    """``z - max(z)`` along ``axis``: softmax is invariant to the shift, and after
    it every ``exp`` is at most 1 (no overflow) and the largest is exactly 1
    (the normalizer is at least 1, so it never underflows to 0)."""
    z = np.asarray(z, dtype=np.float64)
    return z - np.max(z, axis=axis, keepdims=True)


def _log_softmax(z: np.ndarray, axis: int = -1) -> np.ndarray:
    shifted = _shifted(z, axis)
    return shifted - np.log(np.sum(np.exp(shifted), axis=axis, keepdims=True))


def _softmax(z: np.ndarray, axis: int = -1) -> np.ndarray:
    e = np.exp(_shifted(z, axis))
    return e / np.sum(e, axis=axis, keepdims=True)


def _diag_minus_outer(z: np.ndarray) -> np.ndarray:
    """``diag(p) - p pᵀ`` for one logit vector."""
    e = np.exp(_shifted(z))
    p = e / np.sum(e)
    k = p.size
    # The diagonal p_k(1 - p_k) is written p_k Σ_{j≠k} p_j: where p_k rounds to 1,
    # 1 - p_k would round to 0 while the true value is the (tiny, exact) sum of the others.
    others = np.where(np.eye(k, dtype=bool), 0.0, p[None, :]).sum(axis=1)
    h = -np.outer(p, p)
    h[np.diag_indices(k)] = p * others
    return h


@formula("softmax.forward")
def forward(z: np.ndarray) -> np.ndarray:
    """``p_k = e^{z_k} / Σ_j e^{z_j}`` along the last axis of a ``(..., K)`` array."""
    return _softmax(z, axis=-1)


@formula("softmax.jacobian")
def jacobian(z: np.ndarray) -> np.ndarray:
    """``J[k, i] = ∂p_k/∂z_i = p_k (δ_ki - p_i)``, i.e. ``diag(p) - p pᵀ`` (K, K)."""
    return _diag_minus_outer(z)


@formula("softmax.ce_loss")
def ce_loss(z: np.ndarray, y: np.ndarray) -> float:
    """``-Σ_k y_k log p_k`` with ``log p`` the log-softmax of ``z``."""
    y = np.asarray(y, dtype=np.float64)
    # log-softmax is finite for finite z, so y_k = 0 gives 0·(finite) = 0 even
    # where p_k itself underflows to 0 (log p_k = -inf would give nan).
    return float(-np.sum(y * _log_softmax(z)))


@formula("softmax.ce_grad")
def ce_grad(z: np.ndarray, y: np.ndarray) -> np.ndarray:
    """``∂/∂z (-Σ y log p) = p - y`` (y a probability vector)."""
    return _softmax(z) - np.asarray(y, dtype=np.float64)


@formula("softmax.ce_hessian")
def ce_hessian(z: np.ndarray) -> np.ndarray:
    """``∂²/∂z² (-Σ y log p) = diag(p) - p pᵀ`` (K, K); independent of y."""
    return _diag_minus_outer(z)


def _regression_logits(W: np.ndarray, b: np.ndarray, X: np.ndarray) -> np.ndarray:
    return np.asarray(X, dtype=np.float64) @ np.asarray(W, dtype=np.float64) + np.asarray(b, dtype=np.float64)


@formula("softmax.regression_loss")
def regression_loss(W: np.ndarray, b: np.ndarray, X: np.ndarray, Y: np.ndarray) -> float:
    """``-(1/n) Σ_i Σ_k Y_ik log P_ik`` with ``P = softmax(X W + b)`` row-wise (a mean over the batch)."""
    Y = np.asarray(Y, dtype=np.float64)
    log_p = _log_softmax(_regression_logits(W, b, X), axis=1)
    return float(-np.sum(Y * log_p) / Y.shape[0])


@formula("softmax.regression_grad")
def regression_grad(
    W: np.ndarray, b: np.ndarray, X: np.ndarray, Y: np.ndarray
) -> tuple[np.ndarray, np.ndarray]:
    """``dW = (1/n) Xᵀ (P - Y)`` (d, C) and ``db = (1/n) Σ_i (P_i - Y_i)`` (C,)."""
    X = np.asarray(X, dtype=np.float64)
    residual = (_softmax(_regression_logits(W, b, X), axis=1) - np.asarray(Y, dtype=np.float64)) / X.shape[0]
    return X.T @ residual, np.sum(residual, axis=0)
