"""Wrong implementations of the losses family, as students write them."""

from __future__ import annotations

import numpy as np
from scipy.special import expit

from mistakes import mutant
from reference import losses as ref


def _sigmoid(z):
    return 1.0 / (1.0 + np.exp(-z))


def _witness():
    return np.array([[-2.0, 0.5, 1.5], [3.0, -0.25, 0.0]]), np.array([[1.0, 0.0, 1.0], [0.0, 0.3, 1.0]])


def _saturated():
    return np.array([-20.0, -50.0, -1e4, 1e4]), np.array([1.0, 1.0, 1.0, 0.0])


# -- losses.sigmoid_mse_grad ---------------------------------------------------------


@mutant("losses.sigmoid_mse_grad", bug="derivation", killed_by=["test_mse_grad_agrees_with_reference", "test_mse_grad_is_derivative_of_loss", "test_mse_grad_vanishes_when_saturated"], witness=_witness)
def mse_grad_forgets_sigmoid_derivative(z, y):
    """Stops the chain rule at ∂/∂σ: returns -(y - σ(z)) without the factor σ(z)(1 - σ(z))."""
    return -(y - expit(z))


@mutant("losses.sigmoid_mse_grad", bug="convention", killed_by=["test_mse_grad_agrees_with_reference", "test_mse_grad_is_derivative_of_loss"], witness=_witness)
def mse_grad_seed_factor_two(z, y):
    """Copies seed 002's -2(y - σ)σ(1 - σ), the derivative of the unhalved square, for the loss ½(y - σ)²."""
    s = expit(z)
    return -2.0 * (y - s) * s * (1.0 - s)


@mutant("losses.sigmoid_mse_grad", bug="derivation", killed_by=["test_mse_grad_agrees_with_reference", "test_mse_grad_is_derivative_of_loss"], witness=_witness)
def mse_grad_sign_flipped(z, y):
    """Drops the minus sign of the chain rule: (y - σ)σ(1 - σ)."""
    return -ref.sigmoid_mse_grad(z, y)


@mutant("losses.sigmoid_mse_grad", bug="stability", killed_by=["test_mse_grad_agrees_with_reference", "test_mse_grad_vanishes_when_saturated", "test_mse_grad_is_finite_up_to_1e4"], witness=_saturated)
def mse_grad_exp_form(z, y):
    """Writes σ'(z) = e^{-z}/(1 + e^{-z})²: inf/inf = nan below z ≈ -710."""
    e = np.exp(-z)
    return -(y - _sigmoid(z)) * e / (1.0 + e) ** 2


@mutant("losses.sigmoid_mse_grad", bug="stability", killed_by=["test_mse_grad_agrees_with_reference"], witness=_witness)
def mse_grad_float32(z, y):
    """Computes σ in float32."""
    s = _sigmoid(z.astype(np.float32))
    return -(y - s) * s * (1 - s)


@mutant("losses.sigmoid_mse_grad", bug="contract", killed_by=["test_mse_grad_agrees_with_reference"], witness=_witness)
def mse_grad_mutates_targets(z, y):
    """Forms the residual in the caller's y: y -= σ(z)."""
    s = expit(z)
    y -= s
    return -y * s * (1.0 - s)


# -- losses.sigmoid_ce_grad -----------------------------------------------------------


@mutant("losses.sigmoid_ce_grad", bug="derivation", killed_by=["test_ce_grad_agrees_with_reference", "test_ce_grad_is_derivative_of_loss", "test_ce_grad_tends_to_minus_one_when_saturated"], witness=_witness)
def ce_grad_sign_flipped(z, y):
    """Returns y - σ(z), the gradient of the log-likelihood instead of the loss."""
    return y - expit(z)


@mutant("losses.sigmoid_ce_grad", bug="derivation", killed_by=["test_ce_grad_agrees_with_reference", "test_ce_grad_is_derivative_of_loss", "test_ce_grad_tends_to_minus_one_when_saturated"], witness=_witness)
def ce_grad_with_sigmoid_derivative(z, y):
    """Multiplies by σ'(z) as for MSE: (σ - y)σ(1 - σ), which vanishes when saturated."""
    s = expit(z)
    return (s - y) * s * (1.0 - s)


@mutant("losses.sigmoid_ce_grad", bug="stability", killed_by=["test_ce_grad_agrees_with_reference", "test_ce_grad_tends_to_minus_one_when_saturated", "test_ce_grad_is_finite_up_to_1e4"], witness=_saturated)
def ce_grad_unsimplified_chain_rule(z, y):
    """Keeps the chain rule unsimplified, (-y/σ + (1 - y)/(1 - σ))·σ(1 - σ): 0/0 = nan once σ rounds to 0 or 1."""
    s = _sigmoid(z)
    return (-y / s + (1.0 - y) / (1.0 - s)) * s * (1.0 - s)


@mutant("losses.sigmoid_ce_grad", bug="convention", killed_by=["test_ce_grad_agrees_with_reference", "test_ce_grad_is_derivative_of_loss"], witness=_witness)
def ce_grad_batch_mean(z, y):
    """Divides by the number of entries (the gradient of a mean loss), not the per-entry gradient."""
    return (expit(z) - y) / np.size(z)


@mutant("losses.sigmoid_ce_grad", bug="contract", killed_by=["test_ce_grad_agrees_with_reference"], witness=_witness)
def ce_grad_summed(z, y):
    """Sums the gradient over the batch and returns one number instead of an array of z's shape."""
    return float(np.sum(expit(z) - y))


@mutant("losses.sigmoid_ce_grad", bug="stability", killed_by=["test_ce_grad_agrees_with_reference"], witness=_witness)
def ce_grad_float32(z, y):
    """Computes σ in float32."""
    return _sigmoid(z.astype(np.float32)) - y


@mutant("losses.sigmoid_ce_grad", bug="contract", killed_by=["test_ce_grad_agrees_with_reference"], witness=_witness)
def ce_grad_mutates_targets(z, y):
    """Subtracts in place from the caller's y and returns its negative."""
    y -= expit(z)
    return -y
