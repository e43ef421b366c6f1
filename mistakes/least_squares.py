"""Wrong implementations of the least_squares family, as students write them.

Not here: inverting XᵀX explicitly (``inv(X.T @ X) @ X.T @ y``). It is the
numerically worse route, but on the well-conditioned data the suite grades
(cond(X) ≤ 100) it agrees with lstsq to ~1e-12, so it is a correct answer,
not a mutant.
"""

from __future__ import annotations

import numpy as np

from mistakes import mutant
from reference import least_squares as ref


def _fit_witness():
    X = np.array([[1.0, 2.0], [0.5, -1.0], [2.0, 0.0], [-1.0, 1.5]])
    return X, np.array([1.0, -2.0, 0.5, 3.0])


def _single_feature():
    return np.array([[2.0], [-1.0], [0.5]]), np.array([1.0, 0.0, 2.0])


def _grad_witness():
    X, y = _fit_witness()
    return np.array([0.3, -0.7]), X, y


def _multi_witness():
    # m = 2 features, n = 4 examples (columns), p = 3 outputs: all different.
    X = np.array([[1.0, 2.0, 0.5, -1.0], [0.0, 1.0, -2.0, 1.5]])
    Y = np.array([[1.0, -2.0, 0.5, 3.0], [0.0, 1.0, 1.0, -1.0], [2.0, 0.5, -0.5, 1.0]])
    return X, Y


def _multi_single_output():
    X, Y = _multi_witness()
    return X, Y[:1]


# -- least_squares.fit ---------------------------------------------------------------

_FIT_PROPERTIES = [
    "test_fit_agrees_with_reference",
    "test_fit_gradient_vanishes",
    "test_fit_residual_orthogonal_to_columns",
    "test_fit_exact_on_noiseless_data",
    "test_fit_xor_gives_zero_weights_half_bias",
]


@mutant("least_squares.fit", bug="derivation", killed_by=_FIT_PROPERTIES, witness=_fit_witness)
def fit_forgets_gram_inverse(X, y):
    """Returns Xᵀy, dropping the (XᵀX)⁻¹ of the normal equations."""
    return X.T @ y


@mutant("least_squares.fit", bug="derivation", killed_by=["test_fit_agrees_with_reference"], witness=_fit_witness)
def fit_normal_equations_transposed(X, y):
    """Writes θ = Xᵀ(XXᵀ)⁻¹y, the normal equations with X and Xᵀ swapped: XXᵀ is
    n×n of rank d < n, so it solves a singular system (right only for square X)."""
    return X.T @ np.linalg.solve(X @ X.T, y)


@mutant(
    "least_squares.fit",
    bug="convention",
    killed_by=[
        "test_fit_agrees_with_reference",
        "test_fit_exact_on_noiseless_data",
        "test_fit_xor_gives_zero_weights_half_bias",
    ],
    witness=_fit_witness,
)
def fit_adds_ridge(X, y):
    """Adds 1e-3·I to XᵀX "for numerical safety": a ridge fit, not least squares."""
    return np.linalg.solve(X.T @ X + 1e-3 * np.eye(X.shape[1]), X.T @ y)


@mutant(
    "least_squares.fit",
    bug="stability",
    killed_by=["test_fit_agrees_with_reference", "test_fit_exact_on_noiseless_data"],
    witness=_fit_witness,
)
def fit_float32(X, y):
    """Solves the normal equations in float32."""
    X32, y32 = X.astype(np.float32), y.astype(np.float32)
    return np.linalg.solve(X32.T @ X32, X32.T @ y32).astype(np.float64)


@mutant("least_squares.fit", bug="edge", killed_by=["test_fit_agrees_with_reference"], witness=_single_feature)
def fit_squeezes_result(X, y):
    """Squeezes θ, so a single feature returns a number instead of a (1,) array."""
    return np.squeeze(np.linalg.solve(X.T @ X, X.T @ y))


@mutant("least_squares.fit", bug="contract", killed_by=["test_fit_agrees_with_reference"], witness=_fit_witness)
def fit_normalizes_columns_in_place(X, y):
    """Scales the caller's X to unit columns in place (then undoes it on θ)."""
    norms = np.linalg.norm(X, axis=0)
    X /= norms
    return np.linalg.lstsq(X, y, rcond=None)[0] / norms


# -- least_squares.grad ---------------------------------------------------------------


@mutant(
    "least_squares.grad",
    bug="derivation",
    killed_by=["test_grad_agrees_with_reference", "test_grad_is_derivative_of_loss"],
    witness=_grad_witness,
)
def grad_sign_flipped(theta, X, y):
    """Returns Xᵀy - XᵀXθ, the negative gradient."""
    return -ref.grad(theta, X, y)


@mutant(
    "least_squares.grad",
    bug="derivation",
    killed_by=["test_grad_agrees_with_reference", "test_grad_is_derivative_of_loss", "test_grad_vanishes_at_fit"],
    witness=_grad_witness,
)
def grad_forgets_gram(theta, X, y):
    """Drops XᵀX from the first term: θ - Xᵀy."""
    return theta - X.T @ y


@mutant(
    "least_squares.grad",
    bug="derivation",
    killed_by=["test_grad_agrees_with_reference", "test_grad_is_derivative_of_loss"],
    witness=_grad_witness,
)
def grad_without_half(theta, X, y):
    """Differentiates ‖y - Xθ‖² instead of ½‖y - Xθ‖²: twice the gradient."""
    return 2.0 * (X.T @ X @ theta - X.T @ y)


@mutant(
    "least_squares.grad",
    bug="convention",
    killed_by=["test_grad_agrees_with_reference", "test_grad_is_derivative_of_loss"],
    witness=_grad_witness,
)
def grad_mean_over_examples(theta, X, y):
    """Divides by n (the gradient of the mean squared error, not of the stated sum)."""
    return (X.T @ X @ theta - X.T @ y) / len(y)


@mutant("least_squares.grad", bug="stability", killed_by=["test_grad_agrees_with_reference"], witness=_grad_witness)
def grad_float32(theta, X, y):
    """Computes in float32."""
    X32 = X.astype(np.float32)
    return (X32.T @ (X32 @ theta.astype(np.float32) - y.astype(np.float32))).astype(np.float64)


@mutant("least_squares.grad", bug="contract", killed_by=["test_grad_agrees_with_reference"], witness=_grad_witness)
def grad_residual_in_y(theta, X, y):
    """Builds the residual in the caller's y (y -= Xθ) and returns -Xᵀy."""
    y -= X @ theta
    return -(X.T @ y)


# -- least_squares.fit_multi -------------------------------------------------------------

_MULTI_PROPERTIES = [
    "test_fit_multi_agrees_with_reference",
    "test_fit_multi_gradient_vanishes",
    "test_fit_multi_residual_orthogonal_to_features",
    "test_fit_multi_exact_on_noiseless_data",
    "test_fit_multi_xor_gives_zero_weights_half_bias",
]


@mutant("least_squares.fit_multi", bug="derivation", killed_by=_MULTI_PROPERTIES, witness=_multi_witness)
def fit_multi_transposed(X, Y):
    """Solves the normal equations for Wᵀ and forgets to transpose: (XXᵀ)⁻¹XYᵀ, shape (m, p)."""
    return np.linalg.solve(X @ X.T, X @ Y.T)


@mutant("least_squares.fit_multi", bug="derivation", killed_by=_MULTI_PROPERTIES, witness=_multi_witness)
def fit_multi_forgets_gram_inverse(X, Y):
    """Returns Y Xᵀ, dropping (X Xᵀ)⁻¹."""
    return Y @ X.T


@mutant(
    "least_squares.fit_multi",
    bug="convention",
    killed_by=["test_fit_multi_agrees_with_reference", "test_fit_multi_gradient_vanishes"],
    witness=_multi_witness,
)
def fit_multi_centres_data(X, Y):
    """Centres X and Y over the examples first (as if fitting an intercept), then
    returns the slope: a different problem whenever the data are not centred."""
    Xc = X - X.mean(axis=1, keepdims=True)
    Yc = Y - Y.mean(axis=1, keepdims=True)
    return np.linalg.solve(Xc @ Xc.T, Xc @ Yc.T).T


@mutant(
    "least_squares.fit_multi",
    bug="stability",
    killed_by=["test_fit_multi_agrees_with_reference", "test_fit_multi_exact_on_noiseless_data"],
    witness=_multi_witness,
)
def fit_multi_float32(X, Y):
    """Computes in float32."""
    X32, Y32 = X.astype(np.float32), Y.astype(np.float32)
    return np.linalg.solve(X32 @ X32.T, X32 @ Y32.T).T.astype(np.float64)


@mutant(
    "least_squares.fit_multi",
    bug="contract",
    killed_by=["test_fit_multi_agrees_with_reference", "test_fit_multi_xor_gives_zero_weights_half_bias"],
    witness=_multi_single_output,
)
def fit_multi_squeezes_single_output(X, Y):
    """Squeezes W, so one output (p = 1) returns shape (m,) instead of (1, m)."""
    return np.squeeze(ref.fit_multi(X, Y))
