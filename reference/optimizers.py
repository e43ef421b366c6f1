"""optimizers — the first-order optimizers of seed 002, run for a fixed number of steps.

Every optimizer takes ``grad_fn`` (``θ → ∇J(θ)``, a :class:`reference.callables.DataCallable`
when a property calls it), ``theta0: (d,)``, ``steps: int`` and its hyper-parameters,
all positional, and returns the iterates ``(steps + 1, d)``: row 0 is ``theta0``, row
``t`` the parameters after ``t`` updates. The gradient of step ``t`` is evaluated at
row ``t - 1`` (at a look-ahead point only for Nesterov).

Conventions (catalogue, seed 002):

- every state (velocity ``v``, first moment ``v``, second moment ``a``) starts at 0;
  ``t`` counts from 1 (the first update uses ``β^1`` in Adam's bias correction);
- ``δ`` sits **outside** the square root, ``√a + δ`` (seed 002 writes ``√α + γ`` with
  ``γ = 10⁻⁷``; its expanded per-coordinate line ``√(a_i + γ)`` is an OCR/handwriting slip
  that the catalogue overrides), and defaults to ``1e-7``;
- momentum is ``v ← αv − lr g; θ ← θ + v`` with no dampening (so
  ``v_t = −lr Σ_k α^{t−k} g_k``, seed 002's ``v_4 = −(α³g₁ + α²g₂ + αg₃ + g₄)``);
- Nesterov evaluates the gradient at the look-ahead ``θ + αv`` and returns the
  iterates ``θ`` (not the look-ahead points, as the Sutskever/PyTorch rewrite does);
- RMSProp with momentum evaluates the gradient at ``θ`` (seed 002), not at a
  look-ahead (Goodfellow's Algorithm 8.6 uses one; the catalogue does not);
  seed 002's ``ε/(√a + v)`` is an OCR slip for ``ε/(√a + γ)``.

Decisions where the catalogue is silent (also in the property module's docstring):

- ``adam``'s ``bias_correction`` defaults to ``True`` (Python needs a default after
  ``delta = 1e-7``; Goodfellow's and Kingma & Ba's Adam correct);
- the domain is ``steps ≥ 0`` (``steps = 0`` returns ``theta0`` as a ``(1, d)`` array),
  ``lr ≥ 0``, ``0 ≤ α, β, β1, β2 < 1`` and ``δ > 0``.
"""

from __future__ import annotations

from typing import Any, Callable

import numpy as np

from reference.registry import formula

__all__ = ["sgd", "momentum", "nesterov", "adagrad", "rmsprop", "rmsprop_momentum", "adam"]

GradFn = Callable[[np.ndarray], Any]


def _start(theta0: Any, steps: int) -> tuple[np.ndarray, np.ndarray]:
    """A private float64 copy of ``theta0`` and the ``(steps + 1, d)`` iterate array with row 0 filled."""
    steps = int(steps)
    if steps < 0:
        raise ValueError(f"steps must be >= 0, got {steps}")
    theta = np.array(theta0, dtype=np.float64)  # a copy: the caller's theta0 is never written
    iterates = np.empty((steps + 1, theta.size), dtype=np.float64)
    iterates[0] = theta
    return theta, iterates


def _gradient(grad_fn: GradFn, theta: np.ndarray) -> np.ndarray:
    # grad_fn gets a copy, so a grad_fn that writes into its argument cannot corrupt the iterate.
    return np.asarray(grad_fn(theta.copy()), dtype=np.float64)


@formula("optimizers.sgd")
def sgd(grad_fn: GradFn, theta0: np.ndarray, steps: int, lr: float) -> np.ndarray:
    """``θ ← θ − lr g``, ``g = ∇J(θ)``."""
    theta, iterates = _start(theta0, steps)
    for t in range(1, steps + 1):
        theta = theta - lr * _gradient(grad_fn, theta)
        iterates[t] = theta
    return iterates


@formula("optimizers.momentum")
def momentum(grad_fn: GradFn, theta0: np.ndarray, steps: int, lr: float, alpha: float) -> np.ndarray:
    """``v ← αv − lr g``; ``θ ← θ + v``, with ``v₀ = 0`` and ``g = ∇J(θ)``."""
    theta, iterates = _start(theta0, steps)
    v = np.zeros_like(theta)
    for t in range(1, steps + 1):
        v = alpha * v - lr * _gradient(grad_fn, theta)
        theta = theta + v
        iterates[t] = theta
    return iterates


@formula("optimizers.nesterov")
def nesterov(grad_fn: GradFn, theta0: np.ndarray, steps: int, lr: float, alpha: float) -> np.ndarray:
    """``g = ∇J(θ + αv)``; ``v ← αv − lr g``; ``θ ← θ + v``, with ``v₀ = 0``."""
    theta, iterates = _start(theta0, steps)
    v = np.zeros_like(theta)
    for t in range(1, steps + 1):
        g = _gradient(grad_fn, theta + alpha * v)  # the look-ahead point
        v = alpha * v - lr * g
        theta = theta + v
        iterates[t] = theta
    return iterates


@formula("optimizers.adagrad")
def adagrad(grad_fn: GradFn, theta0: np.ndarray, steps: int, lr: float, delta: float = 1e-7) -> np.ndarray:
    """``a ← a + g⊙g``; ``θ ← θ − lr g / (√a + δ)``, with ``a₀ = 0``."""
    theta, iterates = _start(theta0, steps)
    a = np.zeros_like(theta)
    for t in range(1, steps + 1):
        g = _gradient(grad_fn, theta)
        a = a + g * g
        theta = theta - lr * g / (np.sqrt(a) + delta)  # δ outside the root (catalogue)
        iterates[t] = theta
    return iterates


@formula("optimizers.rmsprop")
def rmsprop(
    grad_fn: GradFn, theta0: np.ndarray, steps: int, lr: float, beta: float, delta: float = 1e-7
) -> np.ndarray:
    """``a ← βa + (1 − β) g⊙g``; ``θ ← θ − lr g / (√a + δ)``, with ``a₀ = 0``."""
    theta, iterates = _start(theta0, steps)
    a = np.zeros_like(theta)
    for t in range(1, steps + 1):
        g = _gradient(grad_fn, theta)
        a = beta * a + (1.0 - beta) * (g * g)
        theta = theta - lr * g / (np.sqrt(a) + delta)
        iterates[t] = theta
    return iterates


@formula("optimizers.rmsprop_momentum")
def rmsprop_momentum(
    grad_fn: GradFn,
    theta0: np.ndarray,
    steps: int,
    lr: float,
    beta: float,
    alpha: float,
    delta: float = 1e-7,
) -> np.ndarray:
    """``g = ∇J(θ)`` (at θ, no look-ahead); ``a ← βa + (1 − β) g⊙g``;
    ``v ← αv − lr g / (√a + δ)``; ``θ ← θ + v``, with ``a₀ = v₀ = 0``."""
    theta, iterates = _start(theta0, steps)
    a = np.zeros_like(theta)
    v = np.zeros_like(theta)
    for t in range(1, steps + 1):
        g = _gradient(grad_fn, theta)
        a = beta * a + (1.0 - beta) * (g * g)
        v = alpha * v - lr * g / (np.sqrt(a) + delta)
        theta = theta + v
        iterates[t] = theta
    return iterates


@formula("optimizers.adam")
def adam(
    grad_fn: GradFn,
    theta0: np.ndarray,
    steps: int,
    lr: float,
    beta1: float,
    beta2: float,
    delta: float = 1e-7,
    bias_correction: bool = True,
) -> np.ndarray:
    """``v ← β1 v + (1 − β1) g``; ``a ← β2 a + (1 − β2) g⊙g``; with correction
    ``v̂ = v / (1 − β1ᵗ)``, ``â = a / (1 − β2ᵗ)``, else ``v̂ = v``, ``â = a``;
    ``θ ← θ − lr v̂ / (√â + δ)``, with ``v₀ = a₀ = 0`` and ``t = 1, 2, ...``."""
    theta, iterates = _start(theta0, steps)
    v = np.zeros_like(theta)
    a = np.zeros_like(theta)
    for t in range(1, steps + 1):
        g = _gradient(grad_fn, theta)
        v = beta1 * v + (1.0 - beta1) * g
        a = beta2 * a + (1.0 - beta2) * (g * g)
        if bias_correction:
            # t counts from 1, so 1 - β^t > 0 from the first step on (β < 1).
            v_hat, a_hat = v / (1.0 - beta1**t), a / (1.0 - beta2**t)
        else:
            v_hat, a_hat = v, a
        theta = theta - lr * v_hat / (np.sqrt(a_hat) + delta)
        iterates[t] = theta
    return iterates
