"""Wrong implementations of the dropout family, as students write them."""

from __future__ import annotations

import numpy as np

from mistakes import mutant


def _gaussian():
    return np.array([0.5, -1.0, 2.0]), np.array([1.5, 0.5, -1.0]), 0.75, 0.6


def _noiseless():
    return np.array([0.5, -1.0, 2.0]), np.array([1.5, 0.5, -1.0]), 0.75, 0.0


def _inverted():
    return np.array([[0.1, -2.3], [0.7, 3.3]]), np.array([[1.0, 0.0], [1.0, 1.0]]), 0.3


def _residual(W, x, y_d):
    return float(np.dot(W, x)) - y_d


# -- dropout.gaussian_expected_grad ------------------------------------------------


@mutant(
    "dropout.gaussian_expected_grad",
    bug="derivation",
    killed_by=["test_gaussian_expected_grad_agrees_with_reference", "test_expected_grad_is_derivative_of_objective"],
    witness=_gaussian,
)
def expected_grad_missing_noise_term(W, x, y_d, sigma):
    """Takes E[δ_i δ_k] = 1 for all i, k (forgets E[δ_i²] = 1 + σ²): the plain gradient, no σ² x² W."""
    return _residual(W, x, y_d) * x


@mutant(
    "dropout.gaussian_expected_grad",
    bug="convention",
    killed_by=["test_gaussian_expected_grad_agrees_with_reference", "test_expected_grad_is_derivative_of_objective"],
    witness=_gaussian,
)
def expected_grad_sigma_not_squared(W, x, y_d, sigma):
    """Reads N(1, σ²) as having variance σ: σ x² W instead of σ² x² W."""
    return _residual(W, x, y_d) * x + sigma * x**2 * W


@mutant(
    "dropout.gaussian_expected_grad",
    bug="derivation",
    killed_by=[
        "test_gaussian_expected_grad_agrees_with_reference",
        "test_expected_grad_is_derivative_of_objective",
        "test_expected_grad_without_noise_is_plain_gradient",
    ],
    witness=_noiseless,
)
def expected_grad_second_moment_is_variance(W, x, y_d, sigma):
    """Uses E[δ_i²] = σ² (forgets the + E[δ_i]² = 1): the diagonal term becomes (σ² - 1) x² W."""
    return _residual(W, x, y_d) * x + (sigma**2 - 1.0) * x**2 * W


@mutant(
    "dropout.gaussian_expected_grad",
    bug="derivation",
    killed_by=[
        "test_gaussian_expected_grad_agrees_with_reference",
        "test_expected_grad_is_derivative_of_objective",
        "test_expected_grad_without_noise_is_plain_gradient",
    ],
    witness=_gaussian,
)
def expected_grad_sign_flipped(W, x, y_d, sigma):
    """Drops the minus of ∂/∂W of (y_d - Σ δ W x)²: (y_d - Σ W x) x + σ² x² W."""
    return -_residual(W, x, y_d) * x + sigma**2 * x**2 * W


@mutant(
    "dropout.gaussian_expected_grad",
    bug="contract",
    killed_by=["test_gaussian_expected_grad_agrees_with_reference"],
    witness=_gaussian,
)
def expected_grad_in_x_buffer(W, x, y_d, sigma):
    """Builds the result in x's buffer (g = x; g *= residual), changing the caller's x."""
    penalty = sigma**2 * x**2 * W
    g = x
    g *= _residual(W, x, y_d)
    return g + penalty


# -- dropout.gaussian_objective ----------------------------------------------------------


@mutant(
    "dropout.gaussian_objective",
    bug="derivation",
    killed_by=["test_gaussian_objective_agrees_with_reference", "test_objective_is_expectation_of_j1"],
    witness=_gaussian,
)
def objective_missing_penalty(W, x, y_d, sigma):
    """Returns the noiseless error ½(y_d - Σ W x)², as if E[J1] were J1 at δ = 1."""
    return 0.5 * _residual(W, x, y_d) ** 2


@mutant(
    "dropout.gaussian_objective",
    bug="convention",
    killed_by=["test_gaussian_objective_agrees_with_reference", "test_objective_is_expectation_of_j1"],
    witness=_gaussian,
)
def objective_sigma_not_squared(W, x, y_d, sigma):
    """Uses σ for the variance of δ: (σ/2) Σ x² W²."""
    return 0.5 * _residual(W, x, y_d) ** 2 + 0.5 * sigma * np.sum((x * W) ** 2)


@mutant(
    "dropout.gaussian_objective",
    bug="derivation",
    killed_by=["test_gaussian_objective_agrees_with_reference", "test_objective_is_expectation_of_j1"],
    witness=_gaussian,
)
def objective_penalty_of_the_sum(W, x, y_d, sigma):
    """Penalizes the square of the sum, (σ²/2)(Σ x W)², instead of the sum of squares."""
    return 0.5 * _residual(W, x, y_d) ** 2 + 0.5 * sigma**2 * float(np.sum(x * W)) ** 2


@mutant(
    "dropout.gaussian_objective",
    bug="derivation",
    killed_by=[
        "test_gaussian_objective_agrees_with_reference",
        "test_objective_is_expectation_of_j1",
        "test_objective_without_noise_is_plain_error",
        "test_objective_penalty_is_nonnegative",
    ],
    witness=_noiseless,
)
def objective_second_moment_is_variance(W, x, y_d, sigma):
    """Uses E[δ_k²] = σ² (forgets + 1): the penalty becomes ((σ² - 1)/2) Σ x² W²."""
    return 0.5 * _residual(W, x, y_d) ** 2 + 0.5 * (sigma**2 - 1.0) * np.sum((x * W) ** 2)


@mutant(
    "dropout.gaussian_objective",
    bug="contract",
    killed_by=["test_gaussian_objective_agrees_with_reference", "test_objective_without_noise_is_plain_error"],
    witness=_gaussian,
)
def objective_as_array(W, x, y_d, sigma):
    """Computes the prediction as W @ x[:, None] and returns an array of shape (1,), not a number."""
    prediction = W @ x[:, None]
    return 0.5 * (y_d - prediction) ** 2 + 0.5 * sigma**2 * np.sum((x * W) ** 2)


# -- dropout.inverted ----------------------------------------------------------------------


@mutant(
    "dropout.inverted",
    bug="convention",
    killed_by=["test_inverted_agrees_with_reference", "test_inverted_preserves_expectation", "test_inverted_drops_and_scales_units"],
    witness=_inverted,
)
def inverted_divides_by_p(h, mask, p):
    """Divides by p, the drop probability, instead of the keep probability 1 - p."""
    return h * mask / p if p > 0 else h * mask


@mutant(
    "dropout.inverted",
    bug="derivation",
    killed_by=["test_inverted_agrees_with_reference", "test_inverted_preserves_expectation", "test_inverted_drops_and_scales_units"],
    witness=_inverted,
)
def inverted_mask_not_applied(h, mask, p):
    """Scales every unit by 1/(1-p) but forgets to multiply by the mask."""
    return h / (1.0 - p)


@mutant(
    "dropout.inverted",
    bug="convention",
    killed_by=["test_inverted_agrees_with_reference", "test_inverted_preserves_expectation", "test_inverted_drops_and_scales_units"],
    witness=_inverted,
)
def inverted_test_time_scaling(h, mask, p):
    """Multiplies by (1 - p), the scaling of plain dropout at test time, instead of dividing."""
    return h * mask * (1.0 - p)


@mutant(
    "dropout.inverted",
    bug="convention",
    killed_by=["test_inverted_agrees_with_reference", "test_inverted_preserves_expectation", "test_inverted_drops_and_scales_units"],
    witness=_inverted,
)
def inverted_mask_polarity(h, mask, p):
    """Reads mask = 1 as 'drop this unit': h ⊙ (1 - mask) / (1 - p)."""
    return h * (1.0 - mask) / (1.0 - p)


@mutant(
    "dropout.inverted",
    bug="contract",
    killed_by=["test_inverted_agrees_with_reference", "test_inverted_preserves_expectation", "test_inverted_drops_and_scales_units"],
    witness=_inverted,
)
def inverted_in_place(h, mask, p):
    """Applies the mask in place (h *= mask; h /= 1 - p), changing the caller's activations."""
    h *= mask
    h /= 1.0 - p
    return h


@mutant(
    "dropout.inverted",
    bug="stability",
    killed_by=["test_inverted_agrees_with_reference"],
    witness=_inverted,
)
def inverted_float32(h, mask, p):
    """Casts the activations to float32 (as a GPU framework would) before scaling."""
    return (h.astype(np.float32) * mask.astype(np.float32) / np.float32(1.0 - p)).astype(np.float64)
