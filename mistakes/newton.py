"""Wrong implementations of the newton family, as students write them."""

from __future__ import annotations

import numpy as np

from mistakes import mutant
from gradoracle.callables import Polynomial, QuadraticGradient, QuadraticHessian, WigglyGradient
from gradoracle.callables import CubicGradient, CubicHessian, WigglyHessian


def _root_witness():
    f = Polynomial(coefficients=np.array([-2.0, 1.0, 1.0]))  # (x - 1)(x + 2)
    return f, f.derivative(), 1.5, 4


def _double_root_witness():
    f = Polynomial(coefficients=np.array([0.0, 0.0, -1.0, 1.0]))  # x²(x - 1): f(0) = f'(0) = 0
    return f, f.derivative(), 0.0, 3


def _minimize_witness():
    a = np.array([[2.0, 0.5], [0.5, 1.0]])
    return QuadraticGradient(A=a, b=np.array([1.0, -1.0])), QuadraticHessian(A=a), np.array([0.5, 2.0]), 3


def _wiggly_witness():
    a = np.array([[2.0, 0.5], [0.5, 1.0]])
    c, omega = np.array([0.05, -0.04]), np.array([1.5, 2.0])
    grad = WigglyGradient(A=a, b=np.array([1.0, -1.0]), c=c, omega=omega)
    return grad, WigglyHessian(A=a, c=c, omega=omega), np.array([0.5, 2.0]), 3


def _stationary_witness():
    t = np.array([0.5, -1.0])
    m = np.array([1.0, 2.0])
    return CubicGradient(m=m, t=t), CubicHessian(m=m, t=t), t.copy(), 2


# -- newton.root -----------------------------------------------------------------------


def _root_iterates(step, f, x0, steps):
    """Iterates ``x ← x - step(x, f(x))``, staying where f(x) = 0 exactly."""
    xs = [float(x0)]
    for _ in range(steps):
        x = xs[-1]
        fx = f(x)
        xs.append(x if fx == 0 else x - step(x, fx))
    return np.array(xs)


@mutant(
    "newton.root",
    bug="derivation",
    killed_by=[
        "test_root_agrees_with_reference",
        "test_root_converges_quadratically",
        "test_root_is_invariant_under_linear_change_of_variables",
    ],
    witness=_root_witness,
)
def root_divides_by_second_derivative(f, fprime, x0, steps):
    """Steps by f/f'' (one derivative too many) instead of f/f'."""
    second = fprime.derivative()
    return _root_iterates(lambda x, fx: fx / second(x), f, x0, steps)


@mutant(
    "newton.root",
    bug="derivation",
    killed_by=[
        "test_root_agrees_with_reference",
        "test_root_converges_quadratically",
        "test_root_has_order_two_and_constant_c",
    ],
    witness=_root_witness,
)
def root_sign_flipped(f, fprime, x0, steps):
    """Adds f/f' instead of subtracting it: walks away from the root."""
    return _root_iterates(lambda x, fx: -fx / fprime(x), f, x0, steps)


@mutant(
    "newton.root",
    bug="contract",
    killed_by=["test_root_agrees_with_reference", "test_root_stays_at_an_exact_root"],
    witness=_root_witness,
)
def root_omits_x0(f, fprime, x0, steps):
    """Returns only x1..x_steps (steps values): the starting point is missing."""
    return _root_iterates(lambda x, fx: fx / fprime(x), f, x0, steps)[1:]


@mutant(
    "newton.root",
    bug="edge",
    killed_by=["test_root_stays_at_an_exact_root"],
    witness=_double_root_witness,
)
def root_keeps_stepping_at_zero(f, fprime, x0, steps):
    """Never checks f(x) = 0: at an exact multiple root it computes 0/0."""
    xs = [np.float64(x0)]
    with np.errstate(all="ignore"):
        for _ in range(steps):
            x = xs[-1]
            xs.append(x - np.float64(f(x)) / np.float64(fprime(x)))
    return np.array(xs)


@mutant(
    "newton.root",
    bug="derivation",
    killed_by=[
        "test_root_agrees_with_reference",
        "test_root_converges_quadratically",
        "test_root_has_order_two_and_constant_c",
    ],
    witness=_root_witness,
)
def root_chord_method(f, fprime, x0, steps):
    """Computes f'(x0) once, outside the loop (a chord method: linear convergence)."""
    slope = fprime(x0)
    return _root_iterates(lambda x, fx: fx / slope, f, x0, steps)


@mutant(
    "newton.root",
    bug="derivation",
    killed_by=["test_root_converges_quadratically", "test_root_has_order_two_and_constant_c"],
    witness=_root_witness,
)
def root_half_step(f, fprime, x0, steps):
    """Takes half a Newton step (a 'learning rate' of 0.5): linear convergence."""
    return _root_iterates(lambda x, fx: 0.5 * fx / fprime(x), f, x0, steps)


# -- newton.minimize ---------------------------------------------------------------------


def _iterate(step, grad_fn, hess_fn, theta0, steps):
    out = [np.array(theta0, dtype=float)]
    for _ in range(steps):
        theta = out[-1]
        g = grad_fn(theta)
        out.append(theta if not np.any(g) else step(theta, g, hess_fn(theta)))
    return np.stack(out)


@mutant(
    "newton.minimize",
    bug="derivation",
    killed_by=[
        "test_minimize_agrees_with_reference",
        "test_minimize_one_step_solves_a_quadratic",
        "test_minimize_is_invariant_under_linear_change_of_variables",
    ],
    witness=_minimize_witness,
)
def minimize_multiplies_by_hessian(grad_fn, hess_fn, theta0, steps):
    """Steps by H g instead of H⁻¹ g."""
    return _iterate(lambda t, g, h: t - h @ g, grad_fn, hess_fn, theta0, steps)


@mutant(
    "newton.minimize",
    bug="derivation",
    killed_by=[
        "test_minimize_agrees_with_reference",
        "test_minimize_one_step_solves_a_quadratic",
        "test_minimize_is_invariant_under_linear_change_of_variables",
    ],
    witness=_minimize_witness,
)
def minimize_gradient_step(grad_fn, hess_fn, theta0, steps):
    """Ignores the Hessian: a unit gradient-descent step θ - g."""
    return _iterate(lambda t, g, h: t - g, grad_fn, hess_fn, theta0, steps)


@mutant(
    "newton.minimize",
    bug="derivation",
    killed_by=["test_minimize_agrees_with_reference", "test_minimize_one_step_solves_a_quadratic"],
    witness=_minimize_witness,
)
def minimize_sign_flipped(grad_fn, hess_fn, theta0, steps):
    """Adds H⁻¹ g instead of subtracting it."""
    return _iterate(lambda t, g, h: t + np.linalg.solve(h, g), grad_fn, hess_fn, theta0, steps)


@mutant(
    "newton.minimize",
    bug="derivation",
    killed_by=[
        "test_minimize_agrees_with_reference",
        "test_minimize_one_step_solves_a_quadratic",
        "test_minimize_is_invariant_under_linear_change_of_variables",
    ],
    witness=_minimize_witness,
)
def minimize_diagonal_hessian(grad_fn, hess_fn, theta0, steps):
    """Divides g by the Hessian's diagonal (elementwise), ignoring its off-diagonal entries."""
    return _iterate(lambda t, g, h: t - g / np.diag(h), grad_fn, hess_fn, theta0, steps)


@mutant(
    "newton.minimize",
    bug="contract",
    killed_by=[
        "test_minimize_agrees_with_reference",
        "test_minimize_one_step_solves_a_quadratic",
        "test_minimize_stays_at_an_exact_stationary_point",
    ],
    witness=_wiggly_witness,
)
def minimize_omits_theta0(grad_fn, hess_fn, theta0, steps):
    """Returns only θ1..θ_steps (steps rows): the starting point is missing."""
    return _iterate(lambda t, g, h: t - np.linalg.solve(h, g), grad_fn, hess_fn, theta0, steps)[1:]


@mutant(
    "newton.minimize",
    bug="edge",
    killed_by=["test_minimize_stays_at_an_exact_stationary_point"],
    witness=_stationary_witness,
)
def minimize_keeps_stepping_at_zero(grad_fn, hess_fn, theta0, steps):
    """Never checks g = 0: at a stationary point with a singular Hessian the solve fails."""
    out = [np.array(theta0, dtype=float)]
    for _ in range(steps):
        theta = out[-1]
        out.append(theta - np.linalg.solve(hess_fn(theta), grad_fn(theta)))
    return np.stack(out)
