"""backprop — gradients of small networks (seeds 002, 004).

No forward formula is in the catalogue for this family: each gradient is the
derivative of the loss its catalogue entry states, and the properties
differentiate that loss, written in ``properties/test_backprop.py``.

Decisions where the catalogue is silent:

- ``backprop.linear``: ``dy`` has the shape of ``y = W x`` (``(m,)`` for
  ``x: (k,)``, ``(m, p)`` for ``x: (k, p)``); the loss is ``L = Σ dy ⊙ y``, so
  with a batch of columns ``dW = dy xᵀ`` *sums* over the p columns (no 1/p).
- ``backprop.mlp_dW1``: ``leaky_relu'(0) = α`` (the activations family's and
  seed 004's convention), probed at exact zero pre-activations (zero inputs,
  zero-initialised biases, zero weight rows, cancelling biases) by the kink
  properties; the derivative properties keep a margin from 0, where the
  numerical derivative is defined. ``mask`` is any non-negative
  vector (inverted dropout's ``{0, 1/(1-p)}``, plain ``{0, 1}``, or arbitrary
  weights). The softmax subtracts the maximum; no logit range is stated, so
  none beyond moderate values (|z2| < 100) is probed.
- ``backprop.relu_regression``: ``1(a > 0)`` at the kink (seed 002),
  ``relu'(0) = 0``, probed the same way. Both conventions are the slope of the
  ``z ≤ 0`` branch: the gradient at 0 is its limit from below.
- ``backprop.autoencoder``: ``W: (k, d)``, ``x: (d,)``, any k (also k > d).
- ``backprop.sigmoid_neuron``: no domain is stated; the properties use
  ``|z| ≤ 10``. ``σ'(z)`` is computed as ``σ(z)σ(-z)`` (no cancellation in
  ``1 - σ(z)``).
"""

from __future__ import annotations

import numpy as np
from scipy.special import expit

from reference.registry import formula


def _f64(value: object) -> np.ndarray:
    return np.asarray(value, dtype=np.float64)


@formula("backprop.linear")
def linear(dy: np.ndarray, W: np.ndarray, x: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """For ``y = W x`` and ``L = Σ dy ⊙ y``: ``dx = Wᵀ dy``, ``dW = dy xᵀ``.

    ``x`` is a vector ``(k,)`` or a batch of columns ``(k, p)``; ``dy`` has y's shape.
    """
    dy, W, x = _f64(dy), _f64(W), _f64(x)
    dx = W.T @ dy
    # A vector x needs the outer product: `dy @ x.T` would be an inner product.
    dW = np.outer(dy, x) if x.ndim == 1 else dy @ x.T
    return dx, dW


def _leaky_relu_slope(z: np.ndarray, alpha: float) -> np.ndarray:
    # Seed 004: 1 if z > 0, α if z ≤ 0.
    return np.where(z > 0, 1.0, alpha)


def _softmax(z: np.ndarray) -> np.ndarray:
    e = np.exp(z - np.max(z))  # max-subtraction: no overflow for large logits
    return e / np.sum(e)


@formula("backprop.mlp_dW1")
def mlp_dW1(
    x: np.ndarray,
    y: np.ndarray,
    W1: np.ndarray,
    b1: np.ndarray,
    W2: np.ndarray,
    b2: np.ndarray,
    mask: np.ndarray,
    alpha: float,
) -> np.ndarray:
    """``dW1 = [(W2ᵀ(softmax(z2) - y)) ⊙ mask ⊙ leaky_relu'(z1)] xᵀ`` with
    ``z1 = W1 x + b1``, ``a = mask ⊙ leaky_relu(z1, α)``, ``z2 = W2 a + b2`` and
    ``L = -Σ y log softmax(z2)`` (y a probability vector, so ∂L/∂z2 = p - y)."""
    x, y, W1, b1, W2, b2, mask = map(_f64, (x, y, W1, b1, W2, b2, mask))
    alpha = float(alpha)
    z1 = W1 @ x + b1
    a = mask * np.where(z1 > 0, z1, alpha * z1)
    z2 = W2 @ a + b2
    delta1 = (W2.T @ (_softmax(z2) - y)) * mask * _leaky_relu_slope(z1, alpha)
    return np.outer(delta1, x)


@formula("backprop.relu_regression")
def relu_regression(
    W: np.ndarray, b: np.ndarray, x: np.ndarray, z: np.ndarray
) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """``L = ‖relu(W x + b) - z‖²``; with ``a = Wx + b`` and
    ``δ = 1(a > 0) ⊙ 2(relu(a) - z)``: ``dW = δ xᵀ``, ``db = δ``, ``dx = Wᵀ δ``."""
    W, b, x, z = map(_f64, (W, b, x, z))
    a = W @ x + b
    delta = np.where(a > 0, 2.0 * (np.maximum(a, 0.0) - z), 0.0)
    return np.outer(delta, x), delta, W.T @ delta


@formula("backprop.autoencoder")
def autoencoder(W: np.ndarray, x: np.ndarray) -> np.ndarray:
    """``L = ½ ‖WᵀW x - x‖²``, ``r = WᵀWx - x``: ``dW = W r xᵀ + W x rᵀ``
    (the two paths through W: the decoder Wᵀ and the encoder W)."""
    W, x = _f64(W), _f64(x)
    h = W @ x
    r = W.T @ h - x
    return np.outer(W @ r, x) + np.outer(h, r)


@formula("backprop.sigmoid_neuron")
def sigmoid_neuron(w: np.ndarray, x: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """``L = σ(w0 x0 + w1 x1 + w2)``: ``dw = s(1-s)[x0, x1, 1]``, ``dx = s(1-s)[w0, w1]``."""
    w, x = _f64(w), _f64(x)
    z = w[0] * x[0] + w[1] * x[1] + w[2]
    local = float(expit(z) * expit(-z))  # σ(z)(1 - σ(z)) without rounding 1 - σ(z)
    return local * np.array([x[0], x[1], 1.0]), local * w[:2].copy()
