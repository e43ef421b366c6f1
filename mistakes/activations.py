"""Wrong implementations of the activations family, as students write them."""

from __future__ import annotations

import numpy as np
from scipy.special import expit

from mistakes import mutant
from reference import activations as ref

# -- witnesses -------------------------------------------------------------------


def _moderate():
    return (np.array([[-2.0, -0.5, 0.3], [1.5, 3.0, -1.25]]),)


def _edges():
    return (np.array([-1e4, -3.0, 0.5, 1e4]),)


def _with_zero():
    return (np.array([-1.5, 0.0, 2.0]),)


def _matrix():
    return (np.array([[-1.5, 2.0], [0.5, -0.25]]),)


def _with_alpha():
    return np.array([[-2.0, -0.5, 0.3], [1.5, 3.0, -1.25]]), 0.2


def _with_zero_and_alpha():
    return np.array([-1.5, 0.0, 2.0]), 0.2


def _edges_and_alpha():
    return np.array([-1e4, -0.5, 0.0, 2.0, 1e4]), 0.5


def _sigmoid(x):
    return 1.0 / (1.0 + np.exp(-x))


# -- activations.sigmoid -------------------------------------------------------------


@mutant("activations.sigmoid", bug="stability", killed_by=["test_sigmoid_agrees_with_reference", "test_sigmoid_is_finite_up_to_1e4"], witness=_edges)
def sigmoid_exp_ratio(x):
    """Writes σ(x) = eˣ / (1 + eˣ): inf/inf = nan once x exceeds ~710."""
    return np.exp(x) / (1.0 + np.exp(x))


@mutant("activations.sigmoid", bug="derivation", killed_by=["test_sigmoid_agrees_with_reference", "test_sigmoid_is_symmetric"], witness=_moderate)
def sigmoid_of_abs(x):
    """Half of a stable rewrite: uses e^{-|x|} to avoid overflow but forgets the x < 0 branch, so σ(x) ≥ 1/2 everywhere."""
    return 1.0 / (1.0 + np.exp(-np.abs(x)))


@mutant("activations.sigmoid", bug="edge", killed_by=["test_sigmoid_agrees_with_reference"], witness=_edges)
def sigmoid_clipped(x):
    """Clips x to [-10, 10] "against overflow": σ(±1e4) comes out 4.5e-5 away from 0 and 1."""
    return _sigmoid(np.clip(x, -10.0, 10.0))


@mutant("activations.sigmoid", bug="stability", killed_by=["test_sigmoid_agrees_with_reference"], witness=_moderate)
def sigmoid_float32(x):
    """Computes in float32."""
    return _sigmoid(x.astype(np.float32))


@mutant("activations.sigmoid", bug="contract", killed_by=["test_sigmoid_agrees_with_reference"], witness=_moderate)
def sigmoid_in_place(x):
    """Saves memory by computing in the caller's array: np.exp(-x, out=x)."""
    np.negative(x, out=x)
    np.exp(x, out=x)
    x += 1.0
    return 1.0 / x


# -- activations.sigmoid_grad ----------------------------------------------------------


@mutant("activations.sigmoid_grad", bug="derivation", killed_by=["test_sigmoid_grad_agrees_with_reference", "test_sigmoid_grad_is_derivative_of_sigmoid", "test_sigmoid_grad_is_at_most_a_quarter"], witness=_moderate)
def sigmoid_grad_is_sigmoid(x):
    """Writes σ'(x) = σ(x), forgetting the factor 1 - σ(x)."""
    return expit(x)


@mutant("activations.sigmoid_grad", bug="derivation", killed_by=["test_sigmoid_grad_agrees_with_reference", "test_sigmoid_grad_is_derivative_of_sigmoid"], witness=_moderate)
def sigmoid_grad_missing_square(x):
    """Differentiates 1/(1 + e^{-x}) as e^{-x}/(1 + e^{-x}), dropping the square of the denominator."""
    return expit(-x)


@mutant("activations.sigmoid_grad", bug="stability", killed_by=["test_sigmoid_grad_agrees_with_reference", "test_sigmoid_grad_is_finite_up_to_1e4"], witness=_edges)
def sigmoid_grad_exp_form(x):
    """Writes σ'(x) = e^{-x} / (1 + e^{-x})²: inf/inf = nan below x ≈ -710."""
    e = np.exp(-x)
    return e / (1.0 + e) ** 2


@mutant("activations.sigmoid_grad", bug="stability", killed_by=["test_sigmoid_grad_agrees_with_reference"], witness=_moderate)
def sigmoid_grad_float32(x):
    """Computes σ in float32."""
    s = _sigmoid(x.astype(np.float32))
    return s * (1 - s)


@mutant("activations.sigmoid_grad", bug="contract", killed_by=["test_sigmoid_grad_agrees_with_reference"], witness=_moderate)
def sigmoid_grad_in_place(x):
    """Overwrites x with σ(x) (x[...] = ...) before forming σ(1 - σ)."""
    x[...] = expit(x)
    return x * (1.0 - x)


# -- activations.tanh ------------------------------------------------------------------


@mutant("activations.tanh", bug="derivation", killed_by=["test_tanh_agrees_with_reference", "test_tanh_is_a_rescaled_sigmoid"], witness=_moderate)
def tanh_half_angle(x):
    """Follows seed 002's line tanh x = (1 - e^{-x})/(1 + e^{-x}), which is tanh(x/2) (= 2σ(x) - 1), not tanh x."""
    return 2.0 * expit(x) - 1.0


@mutant("activations.tanh", bug="derivation", killed_by=["test_tanh_agrees_with_reference", "test_tanh_is_odd", "test_tanh_is_a_rescaled_sigmoid"], witness=_moderate)
def tanh_ocr_minus_one(x):
    """Copies the OCR-garbled seed line tanh x = (eˣ - e⁻ˣ)/(eˣ + e⁻ˣ) - 1 (the fraction done with np.tanh)."""
    return np.tanh(x) - 1.0


@mutant("activations.tanh", bug="stability", killed_by=["test_tanh_agrees_with_reference", "test_tanh_is_finite_up_to_1e4"], witness=_edges)
def tanh_exp_ratio(x):
    """Writes tanh x = (eˣ - e⁻ˣ)/(eˣ + e⁻ˣ): inf/inf = nan beyond |x| ≈ 710."""
    return (np.exp(x) - np.exp(-x)) / (np.exp(x) + np.exp(-x))


@mutant("activations.tanh", bug="stability", killed_by=["test_tanh_agrees_with_reference"], witness=_moderate)
def tanh_float32(x):
    """Computes in float32."""
    return np.tanh(x.astype(np.float32))


@mutant("activations.tanh", bug="contract", killed_by=["test_tanh_agrees_with_reference"], witness=_moderate)
def tanh_in_place(x):
    """Computes np.tanh(x, out=x), overwriting the caller's array."""
    return np.tanh(x, out=x)


# -- activations.tanh_grad ---------------------------------------------------------------


@mutant("activations.tanh_grad", bug="derivation", killed_by=["test_tanh_grad_agrees_with_reference", "test_tanh_grad_is_derivative_of_tanh", "test_tanh_grad_is_at_most_one"], witness=_moderate)
def tanh_grad_one_minus_tanh(x):
    """Writes tanh' = 1 - tanh x, forgetting the square."""
    return 1.0 - np.tanh(x)


@mutant("activations.tanh_grad", bug="derivation", killed_by=["test_tanh_grad_agrees_with_reference", "test_tanh_grad_is_derivative_of_tanh"], witness=_moderate)
def tanh_grad_missing_chain_factor(x):
    """Differentiates tanh x = 2σ(2x) - 1 as 2σ'(2x), dropping the inner factor 2: (1 - tanh² x)/2."""
    s = expit(2.0 * x)
    return 2.0 * s * (1.0 - s)


@mutant("activations.tanh_grad", bug="stability", killed_by=["test_tanh_grad_agrees_with_reference", "test_tanh_grad_is_finite_up_to_1e4"], witness=_edges)
def tanh_grad_exp_form(x):
    """Writes tanh' = 4e^{2x}/(e^{2x} + 1)²: inf/inf = nan beyond x ≈ 355."""
    e = np.exp(2.0 * x)
    return 4.0 * e / (e + 1.0) ** 2


@mutant("activations.tanh_grad", bug="stability", killed_by=["test_tanh_grad_agrees_with_reference"], witness=_moderate)
def tanh_grad_float32(x):
    """Computes tanh in float32."""
    t = np.tanh(x.astype(np.float32))
    return 1 - t * t


@mutant("activations.tanh_grad", bug="contract", killed_by=["test_tanh_grad_agrees_with_reference"], witness=_moderate)
def tanh_grad_in_place(x):
    """Reuses the input buffer: np.tanh(x, out=x), then 1 - x²."""
    np.tanh(x, out=x)
    return 1.0 - x**2


# -- activations.relu ----------------------------------------------------------------------


@mutant("activations.relu", bug="contract", killed_by=["test_relu_agrees_with_reference"], witness=_moderate)
def relu_in_place(x):
    """Clamps in place: np.maximum(x, 0, out=x)."""
    return np.maximum(x, 0, out=x)


@mutant("activations.relu", bug="contract", killed_by=["test_relu_agrees_with_reference"], witness=_matrix)
def relu_flattens(x):
    """Loops over x.ravel() and returns a flat list: the wrong length for anything but a vector."""
    return [max(0.0, float(v)) for v in np.ravel(x)]


@mutant("activations.relu", bug="edge", killed_by=["test_relu_agrees_with_reference", "test_relu_is_finite_up_to_1e4"], witness=_with_zero)
def relu_sign_by_division(x):
    """Writes relu(x) = x (1 + x/|x|)/2: 0/0 = nan at x = 0."""
    return x * (1.0 + x / np.abs(x)) / 2.0


@mutant("activations.relu", bug="convention", killed_by=["test_relu_agrees_with_reference"], witness=_moderate)
def relu_leaky_slope(x):
    """Uses max(0.01x, x), the leaky ReLU, for the plain ReLU."""
    return np.maximum(0.01 * x, x)


@mutant("activations.relu", bug="stability", killed_by=["test_relu_agrees_with_reference"], witness=_moderate)
def relu_float32(x):
    """Computes in float32."""
    return np.maximum(x.astype(np.float32), 0)


# -- activations.relu_grad -------------------------------------------------------------------


@mutant("activations.relu_grad", bug="convention", killed_by=["test_relu_grad_agrees_with_reference", "test_relu_grad_is_zero_at_the_kink"], witness=_with_zero)
def relu_grad_one_at_zero(x):
    """The mask uses x >= 0, so relu'(0) = 1; the catalogue's convention is relu'(0) = 0 (use x > 0)."""
    return (x >= 0).astype(float)


@mutant("activations.relu_grad", bug="convention", killed_by=["test_relu_grad_agrees_with_reference", "test_relu_grad_is_zero_at_the_kink"], witness=_with_zero)
def relu_grad_half_at_zero(x):
    """The step is written as (sign(x) + 1)/2, which gives ½ at x = 0; the catalogue's convention is relu'(0) = 0."""
    return (np.sign(x) + 1.0) / 2.0


@mutant("activations.relu_grad", bug="edge", killed_by=["test_relu_grad_agrees_with_reference", "test_relu_grad_is_zero_at_the_kink", "test_relu_grad_is_finite_up_to_1e4"], witness=_with_zero)
def relu_grad_sign_by_division(x):
    """Writes the step as (1 + x/|x|)/2: 0/0 = nan at x = 0."""
    return (1.0 + x / np.abs(x)) / 2.0


@mutant("activations.relu_grad", bug="derivation", killed_by=["test_relu_grad_agrees_with_reference", "test_relu_grad_is_derivative_of_relu"], witness=_moderate)
def relu_grad_returns_relu(x):
    """Returns relu(x) = max(0, x) itself instead of its derivative, the step 1(x > 0)."""
    return np.maximum(x, 0.0)


@mutant("activations.relu_grad", bug="contract", killed_by=["test_relu_grad_agrees_with_reference"], witness=_moderate)
def relu_grad_in_place(x):
    """Builds the mask in the caller's array: x[x > 0] = 1; x[x <= 0] = 0."""
    x[x > 0] = 1.0
    x[x <= 0] = 0.0
    return x


# -- activations.leaky_relu --------------------------------------------------------------------


@mutant("activations.leaky_relu", bug="convention", killed_by=["test_leaky_relu_agrees_with_reference"], witness=_with_alpha)
def leaky_relu_ignores_alpha(x, alpha):
    """Hard-codes the default slope 0.01 and ignores the alpha passed in."""
    return np.where(x > 0, x, 0.01 * x)


@mutant("activations.leaky_relu", bug="derivation", killed_by=["test_leaky_relu_agrees_with_reference"], witness=_with_alpha)
def leaky_relu_constant_alpha(x, alpha):
    """Returns α instead of αx on the negative side."""
    return np.where(x > 0, x, alpha)


@mutant("activations.leaky_relu", bug="edge", killed_by=["test_leaky_relu_agrees_with_reference", "test_leaky_relu_is_finite_up_to_1e4"], witness=_with_zero_and_alpha)
def leaky_relu_sign_by_division(x, alpha):
    """Writes the slope as ((1 + α) + (1 - α) x/|x|)/2: 0/0 = nan at x = 0."""
    return x * ((1.0 + alpha) + (1.0 - alpha) * x / np.abs(x)) / 2.0


@mutant("activations.leaky_relu", bug="contract", killed_by=["test_leaky_relu_agrees_with_reference"], witness=_with_alpha)
def leaky_relu_in_place(x, alpha):
    """Scales the negative entries of the caller's array: x[x < 0] *= alpha."""
    x[x < 0] *= alpha
    return x


# -- activations.leaky_relu_grad ---------------------------------------------------------------


@mutant("activations.leaky_relu_grad", bug="convention", killed_by=["test_leaky_relu_grad_agrees_with_reference", "test_leaky_relu_grad_is_alpha_at_the_kink"], witness=_with_zero_and_alpha)
def leaky_relu_grad_one_at_zero(x, alpha):
    """Uses x >= 0, so leaky_relu'(0) = 1 instead of α."""
    return np.where(x >= 0, 1.0, alpha)


@mutant("activations.leaky_relu_grad", bug="convention", killed_by=["test_leaky_relu_grad_agrees_with_reference", "test_leaky_relu_grad_is_alpha_at_the_kink"], witness=_with_zero_and_alpha)
def leaky_relu_grad_zero_at_zero(x, alpha):
    """Copies ReLU's convention at the kink: 0 at x = 0."""
    return np.where(x > 0, 1.0, np.where(x < 0, alpha, 0.0))


@mutant("activations.leaky_relu_grad", bug="edge", killed_by=["test_leaky_relu_grad_agrees_with_reference", "test_leaky_relu_grad_is_alpha_at_the_kink", "test_leaky_relu_grad_is_finite_up_to_1e4"], witness=_with_zero_and_alpha)
def leaky_relu_grad_sign_by_division(x, alpha):
    """Writes the slope as ((1 + α) + (1 - α) x/|x|)/2: 0/0 = nan at x = 0."""
    return ((1.0 + alpha) + (1.0 - alpha) * x / np.abs(x)) / 2.0


@mutant("activations.leaky_relu_grad", bug="derivation", killed_by=["test_leaky_relu_grad_agrees_with_reference", "test_leaky_relu_grad_is_derivative_of_leaky_relu"], witness=_with_alpha)
def leaky_relu_grad_alpha_times_x(x, alpha):
    """Returns αx (the forward's negative branch) instead of α for x ≤ 0."""
    return np.where(x > 0, 1.0, alpha * x)


@mutant("activations.leaky_relu_grad", bug="convention", killed_by=["test_leaky_relu_grad_agrees_with_reference", "test_leaky_relu_grad_is_derivative_of_leaky_relu", "test_leaky_relu_grad_is_alpha_at_the_kink"], witness=_with_alpha)
def leaky_relu_grad_ignores_alpha(x, alpha):
    """Hard-codes the default slope 0.01 and ignores the alpha passed in."""
    return np.where(x > 0, 1.0, 0.01)


# -- activations.elu ------------------------------------------------------------------------------


@mutant("activations.elu", bug="derivation", killed_by=["test_elu_agrees_with_reference", "test_elu_is_finite_up_to_1e4"], witness=_edges_and_alpha)
def elu_seed_max(x, alpha):
    """Follows seed 002's max(α(eˣ - 1), x): eˣ - 1 > x for x > 0, so positive inputs come out wrong (inf at 1e4)."""
    return np.maximum(alpha * (np.exp(x) - 1.0), x)


@mutant("activations.elu", bug="derivation", killed_by=["test_elu_agrees_with_reference", "test_elu_is_zero_at_the_kink"], witness=_with_zero_and_alpha)
def elu_forgets_minus_one(x, alpha):
    """Writes αeˣ for α(eˣ - 1) on the x ≤ 0 side: elu(0) = α and a jump at 0."""
    return np.where(x > 0, x, alpha * np.exp(np.minimum(x, 0.0)))


@mutant("activations.elu", bug="derivation", killed_by=["test_elu_agrees_with_reference", "test_elu_is_zero_at_the_kink"], witness=_with_zero_and_alpha)
def elu_misplaced_parenthesis(x, alpha):
    """Writes α·eˣ - 1 for α(eˣ - 1): elu(0) = α - 1."""
    return np.where(x > 0, x, alpha * np.exp(np.minimum(x, 0.0)) - 1.0)


@mutant("activations.elu", bug="stability", killed_by=["test_elu_agrees_with_reference", "test_elu_is_finite_up_to_1e4"], witness=_edges_and_alpha)
def elu_masked_sum(x, alpha):
    """Blends the branches by multiplying with masks: inf · 0 = nan once eˣ overflows."""
    return x * (x >= 0) + alpha * (np.exp(x) - 1.0) * (x < 0)


@mutant("activations.elu", bug="convention", killed_by=["test_elu_agrees_with_reference"], witness=_with_alpha)
def elu_ignores_alpha(x, alpha):
    """Hard-codes the default α = 1 and ignores the alpha passed in."""
    return ref.elu(x, 1.0)


@mutant("activations.elu", bug="contract", killed_by=["test_elu_agrees_with_reference"], witness=_with_alpha)
def elu_in_place(x, alpha):
    """Rewrites the negative entries of the caller's array."""
    negative = x < 0
    x[negative] = alpha * np.expm1(x[negative])
    return x


# -- activations.elu_grad -------------------------------------------------------------------------


@mutant("activations.elu_grad", bug="convention", killed_by=["test_elu_grad_agrees_with_reference", "test_elu_grad_is_one_at_the_kink"], witness=_with_zero_and_alpha)
def elu_grad_alpha_at_zero(x, alpha):
    """Uses x > 0 for the identity branch, so elu'(0) = α instead of 1."""
    return np.where(x > 0, 1.0, alpha * np.exp(np.minimum(x, 0.0)))


@mutant("activations.elu_grad", bug="derivation", killed_by=["test_elu_grad_agrees_with_reference", "test_elu_grad_is_derivative_of_elu"], witness=_with_alpha)
def elu_grad_misplaced_parenthesis(x, alpha):
    """Writes αeˣ - 1 for the derivative of α(eˣ - 1)."""
    return np.where(x >= 0, 1.0, alpha * np.exp(np.minimum(x, 0.0)) - 1.0)


@mutant("activations.elu_grad", bug="stability", killed_by=["test_elu_grad_agrees_with_reference", "test_elu_grad_is_finite_up_to_1e4"], witness=_edges_and_alpha)
def elu_grad_masked_sum(x, alpha):
    """Blends the branches by multiplying with masks: inf · 0 = nan once eˣ overflows."""
    return 1.0 * (x >= 0) + alpha * np.exp(x) * (x < 0)


@mutant("activations.elu_grad", bug="convention", killed_by=["test_elu_grad_agrees_with_reference", "test_elu_grad_is_derivative_of_elu"], witness=_with_alpha)
def elu_grad_ignores_alpha(x, alpha):
    """Hard-codes the default α = 1 and ignores the alpha passed in."""
    return ref.elu_grad(x, 1.0)


@mutant("activations.elu_grad", bug="contract", killed_by=["test_elu_grad_agrees_with_reference"], witness=_with_alpha)
def elu_grad_in_place(x, alpha):
    """Builds the derivative in the caller's array."""
    negative = x < 0
    x[negative] = alpha * np.exp(x[negative])
    x[~negative] = 1.0
    return x


# -- activations.softplus ---------------------------------------------------------------------------


@mutant("activations.softplus", bug="stability", killed_by=["test_softplus_agrees_with_reference", "test_softplus_is_finite_up_to_1e4"], witness=_edges)
def softplus_naive(x):
    """Writes log(1 + eˣ) literally: inf once eˣ overflows (x > 709)."""
    return np.log(1.0 + np.exp(x))


@mutant("activations.softplus", bug="derivation", killed_by=["test_softplus_agrees_with_reference", "test_softplus_is_finite_up_to_1e4"], witness=_edges)
def softplus_rewrite_without_abs(x):
    """Half of the stable rewrite: max(x, 0) + log1p(e^{-x}) instead of e^{-|x|}, wrong (and inf) for x < 0."""
    return np.maximum(x, 0.0) + np.log1p(np.exp(-x))


@mutant("activations.softplus", bug="convention", killed_by=["test_softplus_agrees_with_reference"], witness=_moderate)
def softplus_log10(x):
    """Uses the base-10 logarithm; the catalogue's log is natural."""
    return np.logaddexp(0.0, x) / np.log(10.0)


@mutant("activations.softplus", bug="stability", killed_by=["test_softplus_agrees_with_reference"], witness=_moderate)
def softplus_float32(x):
    """Computes in float32."""
    return np.logaddexp(np.float32(0), x.astype(np.float32))


@mutant("activations.softplus", bug="contract", killed_by=["test_softplus_agrees_with_reference"], witness=_moderate)
def softplus_in_place(x):
    """Computes np.logaddexp(0, x, out=x), overwriting the caller's array."""
    return np.logaddexp(0.0, x, out=x)


# -- activations.softplus_grad ------------------------------------------------------------------------


@mutant("activations.softplus_grad", bug="stability", killed_by=["test_softplus_grad_agrees_with_reference", "test_softplus_grad_is_finite_up_to_1e4"], witness=_edges)
def softplus_grad_exp_ratio(x):
    """Differentiates log(1 + eˣ) literally to eˣ/(1 + eˣ): inf/inf = nan beyond x ≈ 710."""
    return np.exp(x) / (1.0 + np.exp(x))


@mutant("activations.softplus_grad", bug="derivation", killed_by=["test_softplus_grad_agrees_with_reference", "test_softplus_grad_is_derivative_of_softplus"], witness=_moderate)
def softplus_grad_second_derivative(x):
    """Returns σ(x)(1 - σ(x)), one derivative too many."""
    return expit(x) * expit(-x)


@mutant("activations.softplus_grad", bug="derivation", killed_by=["test_softplus_grad_agrees_with_reference", "test_softplus_grad_is_derivative_of_softplus"], witness=_moderate)
def softplus_grad_sign_flipped(x):
    """Writes 1/(1 + eˣ) = σ(-x), losing the sign of the exponent."""
    return 1.0 / (1.0 + np.exp(np.minimum(x, 700.0)))


@mutant("activations.softplus_grad", bug="stability", killed_by=["test_softplus_grad_agrees_with_reference"], witness=_moderate)
def softplus_grad_float32(x):
    """Computes in float32."""
    return _sigmoid(x.astype(np.float32))


@mutant("activations.softplus_grad", bug="contract", killed_by=["test_softplus_grad_agrees_with_reference"], witness=_moderate)
def softplus_grad_in_place(x):
    """Computes σ into the caller's array."""
    x[...] = expit(x)
    return x
