"""Wrong implementations of the batchnorm family, as students write them."""

from __future__ import annotations

import numpy as np

from mistakes import mutant
from reference import batchnorm as ref


def _x():
    return np.array([[1.0, -2.0], [3.0, 0.5], [-0.5, 4.0], [2.0, 1.0]])


def _dy():
    return np.array([[0.3, -1.0], [1.2, 0.4], [-0.7, 2.0], [0.5, 0.1]])


def _gamma():
    return np.array([1.5, -0.75])


def _beta():
    return np.array([0.25, -1.0])


def _far_x():
    # Means ~1e6 standard deviations from zero: x itself is only resolved to ~1e-10 σ.
    return 0.37 * _x() + np.array([3.1e6 + 0.123, -2.2e6 - 0.321])


def _single_x():
    return np.array([[2.5, -1.0]])


def _single_dy():
    return np.array([[0.7, -1.3]])


def _centered_forward_witness():
    return _x(), _gamma(), _beta()


def _centered_forward_far_witness():
    return _far_x(), _gamma(), _beta()


def _centered_backward_witness():
    return _dy(), _x(), _gamma()


def _centered_backward_single_witness():
    return _single_dy(), _single_x(), _gamma()


def _forward_witness():
    return _x(), _gamma(), _beta(), 1e-5


def _forward_far_witness():
    return _far_x(), _gamma(), _beta(), 1e-5


def _forward_single_witness():
    return _single_x(), _gamma(), _beta(), 1e-5


def _backward_witness():
    return _dy(), _x(), _gamma(), 1e-5


def _backward_far_witness():
    return _dy(), _far_x(), _gamma(), 1e-5


def _backward_single_witness():
    return _single_dy(), _single_x(), _gamma(), 1e-5


# -- batchnorm.centered_forward -------------------------------------------------------


@mutant(
    "batchnorm.centered_forward",
    bug="convention",
    killed_by=["test_centered_forward_agrees_with_reference", "test_centered_forward_output_mean_is_beta"],
    witness=_centered_forward_witness,
)
def centered_forward_mean_over_features(x, gamma, beta):
    """Takes the mean over the last axis (each example's features) instead of over the batch."""
    return gamma * (x - np.mean(x, axis=-1, keepdims=True)) + beta


@mutant(
    "batchnorm.centered_forward",
    bug="derivation",
    killed_by=[
        "test_centered_forward_agrees_with_reference",
        "test_centered_forward_output_mean_is_beta",
        "test_centered_forward_is_accurate_far_from_zero",
    ],
    witness=_centered_forward_witness,
)
def centered_forward_scales_before_centering(x, gamma, beta):
    """Computes γx - μ + β: subtracts the mean of x from γx, not from x."""
    return gamma * x - np.mean(x, axis=0) + beta


@mutant(
    "batchnorm.centered_forward",
    bug="stability",
    killed_by=["test_centered_forward_is_accurate_far_from_zero"],
    witness=_centered_forward_far_witness,
)
def centered_forward_float32_mean(x, gamma, beta):
    """Accumulates the batch mean in float32 (np.mean(..., dtype=np.float32))."""
    mu = np.mean(x, axis=0, dtype=np.float32).astype(np.float64)
    return gamma * (x - mu) + beta


@mutant(
    "batchnorm.centered_forward",
    bug="contract",
    killed_by=["test_centered_forward_agrees_with_reference"],
    witness=_centered_forward_witness,
)
def centered_forward_in_place(x, gamma, beta):
    """Centers the caller's x in place (x -= x.mean(0)) before scaling."""
    x -= np.mean(x, axis=0)
    return gamma * x + beta


# -- batchnorm.centered_backward ------------------------------------------------------


@mutant(
    "batchnorm.centered_backward",
    bug="derivation",
    killed_by=[
        "test_centered_backward_agrees_with_reference",
        "test_centered_backward_sums_to_zero",
        "test_centered_backward_tends_to_gamma_dy_for_large_batches",
        "test_centered_backward_is_derivative_of_forward",
    ],
    witness=_centered_backward_witness,
)
def centered_backward_missing_one_over_n(dy, x, gamma):
    """Subtracts Σ_j dy_j instead of its mean: drops the 1/n of ∂μ/∂x_i."""
    return gamma * (dy - np.sum(dy, axis=0))


@mutant(
    "batchnorm.centered_backward",
    bug="derivation",
    killed_by=[
        "test_centered_backward_agrees_with_reference",
        "test_centered_backward_sums_to_zero",
        "test_centered_backward_vanishes_for_one_example",
        "test_centered_backward_is_derivative_of_forward",
    ],
    witness=_centered_backward_witness,
)
def centered_backward_mean_treated_as_constant(dy, x, gamma):
    """Treats μ as a constant: dx = γ dy, as if x - μ depended on x_i alone."""
    return gamma * dy


@mutant(
    "batchnorm.centered_backward",
    bug="derivation",
    killed_by=[
        "test_centered_backward_agrees_with_reference",
        "test_centered_backward_tends_to_gamma_dy_for_large_batches",
        "test_centered_backward_is_derivative_of_forward",
    ],
    witness=_centered_backward_witness,
)
def centered_backward_forgets_gamma(dy, x, gamma):
    """Drops the factor γ of ∂y/∂x̂."""
    return dy - np.mean(dy, axis=0)


@mutant(
    "batchnorm.centered_backward",
    bug="edge",
    killed_by=["test_centered_backward_vanishes_for_one_example", "test_centered_backward_agrees_with_reference"],
    witness=_centered_backward_single_witness,
)
def centered_backward_passes_gradient_at_one_example(dy, x, gamma):
    """Special-cases n = 1 as 'nothing to center' and passes γ·dy through."""
    if len(dy) == 1:
        return gamma * dy
    return ref.centered_backward(dy, x, gamma)


@mutant(
    "batchnorm.centered_backward",
    bug="contract",
    killed_by=["test_centered_backward_agrees_with_reference"],
    witness=_centered_backward_witness,
)
def centered_backward_in_place(dy, x, gamma):
    """Centers the caller's dy in place (dy -= dy.mean(0))."""
    dy -= np.mean(dy, axis=0)
    return gamma * dy


# -- batchnorm.forward ------------------------------------------------------------------


@mutant(
    "batchnorm.forward",
    bug="convention",
    killed_by=["test_forward_agrees_with_reference", "test_forward_output_variance_is_gamma_squared"],
    witness=_forward_witness,
)
def forward_unbiased_variance(x, gamma, beta, eps):
    """The variance is the unbiased one (divides by n − 1, ddof=1); batch normalization uses the biased variance, Σ(x − μ)²/n."""
    mu = np.mean(x, axis=0)
    return gamma * (x - mu) / np.sqrt(np.var(x, axis=0, ddof=1) + eps) + beta


@mutant(
    "batchnorm.forward",
    bug="derivation",
    killed_by=["test_forward_agrees_with_reference"],
    witness=_forward_witness,
)
def forward_eps_outside_sqrt(x, gamma, beta, eps):
    """Divides by σ + ε instead of √(σ² + ε)."""
    mu = np.mean(x, axis=0)
    return gamma * (x - mu) / (np.std(x, axis=0) + eps) + beta


@mutant(
    "batchnorm.forward",
    bug="derivation",
    killed_by=[
        "test_forward_agrees_with_reference",
        "test_forward_output_variance_is_gamma_squared",
        "test_forward_is_invariant_to_affine_rescaling",
    ],
    witness=_forward_witness,
)
def forward_divides_by_variance(x, gamma, beta, eps):
    """Divides by σ² + ε (forgets the square root)."""
    mu = np.mean(x, axis=0)
    return gamma * (x - mu) / (np.var(x, axis=0) + eps) + beta


@mutant(
    "batchnorm.forward",
    bug="derivation",
    killed_by=[
        "test_forward_agrees_with_reference",
        "test_forward_output_mean_is_beta",
        "test_forward_is_invariant_to_affine_rescaling",
    ],
    witness=_forward_witness,
)
def forward_does_not_center(x, gamma, beta, eps):
    """Divides x by √(σ² + ε) but never subtracts μ."""
    return gamma * x / np.sqrt(np.var(x, axis=0) + eps) + beta


@mutant(
    "batchnorm.forward",
    bug="stability",
    killed_by=["test_forward_is_accurate_far_from_zero"],
    witness=_forward_far_witness,
)
def forward_one_pass_variance(x, gamma, beta, eps):
    """Computes the variance in one pass as E[x²] - E[x]² (cancels catastrophically far from zero)."""
    mu = np.mean(x, axis=0)
    var = np.mean(x * x, axis=0) - mu * mu
    return gamma * (x - mu) / np.sqrt(var + eps) + beta


@mutant(
    "batchnorm.forward",
    bug="edge",
    killed_by=["test_forward_agrees_with_reference"],
    witness=_forward_single_witness,
)
def forward_without_eps(x, gamma, beta, eps):
    """Ignores ε: divides by σ alone (0/0 = nan for one example or a constant feature)."""
    mu = np.mean(x, axis=0)
    return gamma * (x - mu) / np.std(x, axis=0) + beta


@mutant(
    "batchnorm.forward",
    bug="contract",
    killed_by=["test_forward_agrees_with_reference"],
    witness=_forward_witness,
)
def forward_in_place(x, gamma, beta, eps):
    """Normalizes the caller's x in place."""
    x -= np.mean(x, axis=0)
    x /= np.sqrt(np.mean(x * x, axis=0) + eps)
    return gamma * x + beta


# -- batchnorm.backward ------------------------------------------------------------------


def _statistics(x, eps):
    mu = np.mean(x, axis=0)
    std = np.sqrt(np.var(x, axis=0) + eps)
    return (x - mu) / std, std


def _backward_with_std(dy, x, gamma, std):
    """The catalogue's backward, with the student's own √(σ² + ε)."""
    n = len(x)
    xhat = (x - np.mean(x, axis=0)) / std
    dx = gamma / (n * std) * (n * dy - np.sum(dy, axis=0) - xhat * np.sum(dy * xhat, axis=0))
    return dx, np.sum(dy * xhat, axis=0), np.sum(dy, axis=0)


@mutant(
    "batchnorm.backward",
    bug="derivation",
    killed_by=[
        "test_backward_agrees_with_reference",
        "test_backward_is_orthogonal_to_xhat",
        "test_backward_is_derivative_of_forward",
    ],
    witness=_backward_witness,
)
def backward_missing_variance_term(dy, x, gamma, eps):
    """Drops the -x̂ Σ dy x̂ term (forgets that σ² depends on x)."""
    xhat, std = _statistics(x, eps)
    n = len(x)
    dx = gamma / (n * std) * (n * dy - np.sum(dy, axis=0))
    return dx, np.sum(dy * xhat, axis=0), np.sum(dy, axis=0)


@mutant(
    "batchnorm.backward",
    bug="derivation",
    killed_by=[
        "test_backward_agrees_with_reference",
        "test_backward_sums_to_zero",
        "test_backward_is_derivative_of_forward",
    ],
    witness=_backward_witness,
)
def backward_missing_mean_term(dy, x, gamma, eps):
    """Drops the -Σ dy term (forgets that μ depends on x)."""
    xhat, std = _statistics(x, eps)
    n = len(x)
    dx = gamma / (n * std) * (n * dy - xhat * np.sum(dy * xhat, axis=0))
    return dx, np.sum(dy * xhat, axis=0), np.sum(dy, axis=0)


@mutant(
    "batchnorm.backward",
    bug="derivation",
    killed_by=[
        "test_backward_agrees_with_reference",
        "test_backward_sums_to_zero",
        "test_backward_vanishes_for_one_example",
        "test_backward_is_orthogonal_to_xhat",
        "test_backward_is_derivative_of_forward",
    ],
    witness=_backward_witness,
)
def backward_statistics_treated_as_constants(dy, x, gamma, eps):
    """Treats μ and σ² as constants: dx = γ dy/√(σ² + ε)."""
    xhat, std = _statistics(x, eps)
    return gamma * dy / std, np.sum(dy * xhat, axis=0), np.sum(dy, axis=0)


@mutant(
    "batchnorm.backward",
    bug="derivation",
    killed_by=["test_backward_agrees_with_reference", "test_backward_is_derivative_of_forward"],
    witness=_backward_witness,
)
def backward_dgamma_is_sum_dy(dy, x, gamma, eps):
    """Returns dgamma = Σ dy (forgets the factor x̂ of ∂y/∂γ)."""
    dx, _, dbeta = ref.backward(dy, x, gamma, eps)
    return dx, np.sum(dy, axis=0), dbeta


@mutant(
    "batchnorm.backward",
    bug="convention",
    killed_by=[
        "test_backward_agrees_with_reference",
        "test_backward_vanishes_for_one_example",
        "test_backward_is_derivative_of_forward",
    ],
    witness=_backward_witness,
)
def backward_unbiased_variance(dy, x, gamma, eps):
    """Uses the unbiased variance (ddof=1) in x̂ and 1/√(σ²+ε) (nan for one example)."""
    return _backward_with_std(dy, x, gamma, np.sqrt(np.var(x, axis=0, ddof=1) + eps))


@mutant(
    "batchnorm.backward",
    bug="stability",
    killed_by=["test_backward_is_accurate_far_from_zero"],
    witness=_backward_far_witness,
)
def backward_one_pass_variance(dy, x, gamma, eps):
    """Computes σ² as E[x²] - E[x]² (cancels catastrophically far from zero)."""
    mu = np.mean(x, axis=0)
    return _backward_with_std(dy, x, gamma, np.sqrt(np.mean(x * x, axis=0) - mu * mu + eps))


@mutant(
    "batchnorm.backward",
    bug="contract",
    killed_by=["test_backward_agrees_with_reference"],
    witness=_backward_witness,
)
def backward_returns_two_values(dy, x, gamma, eps):
    """Returns (dx, dgamma) and forgets dbeta."""
    dx, dgamma, _ = ref.backward(dy, x, gamma, eps)
    return dx, dgamma
