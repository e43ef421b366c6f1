"""newton — Newton's method for roots and for minimization (seeds 000, 001, 002, 004).

- ``root(f, fprime, x0, steps)``: ``x ← x - f(x)/f'(x)``, returning the ``steps + 1``
  iterates ``x0, x1, ..., x_steps``;
- ``minimize(grad_fn, hess_fn, theta0, steps)``: ``θ ← θ - H(θ)⁻¹ g(θ)`` by solving
  ``H s = g`` (never forming ``H⁻¹``), returning the ``(steps + 1, d)`` iterates.

Both **stay** once the residual (``f(x)``, resp. every component of ``g(θ)``) is
exactly zero: the step would be ``0/f'`` (``nan`` at a multiple root) or a solve
with a possibly singular Hessian. Otherwise a step is always taken, however small
the residual (no tolerance-based stopping: the catalogue fixes the number of rows).

The data-built callables below join ``reference.callables``: a Hessian for the
``WigglyGradient`` field, its images under a linear change of variables
``θ = T φ`` (``g̃(φ) = Tᵀ g(Tφ)``, ``H̃(φ) = Tᵀ H(Tφ) T``), and a separable quartic
objective whose stationary point has a zero Hessian.

Decisions where the catalogue is silent:
- ``x0`` may be any real number and ``steps`` any int ≥ 0 (``steps = 0`` gives ``[x0]``).
- The iterates of ``minimize`` are rows; ``theta0`` is ``(d,)`` with d ≥ 1.
"""

from __future__ import annotations

from typing import Any

import numpy as np

from reference.registry import formula


@formula("newton.root")
def root(f: Any, fprime: Any, x0: float, steps: int) -> np.ndarray:
    """Iterates of ``x ← x - f(x)/f'(x)`` from ``x0``; once ``f(x) = 0`` exactly, stay."""
    x = float(x0)
    iterates = [x]
    for _ in range(int(steps)):
        value = float(f(x))
        if value != 0.0:  # at an exact root stay: 0/f'(x) is nan at a multiple root
            x = x - value / float(fprime(x))
        iterates.append(x)
    return np.array(iterates, dtype=np.float64)


@formula("newton.minimize")
def minimize(grad_fn: Any, hess_fn: Any, theta0: np.ndarray, steps: int) -> np.ndarray:
    """Iterates of ``θ ← θ - H⁻¹ g`` (solve, do not invert); once ``g = 0`` exactly, stay."""
    theta = np.array(theta0, dtype=np.float64)
    iterates = [theta.copy()]
    for _ in range(int(steps)):
        g = np.asarray(grad_fn(theta), dtype=np.float64)
        if np.any(g != 0.0):  # at an exact stationary point stay: H may be singular there
            theta = theta - np.linalg.solve(np.asarray(hess_fn(theta), dtype=np.float64), g)
        iterates.append(theta.copy())
    return np.stack(iterates)
