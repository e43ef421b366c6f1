"""Wrong implementations of the logistic family, as students write them."""

from __future__ import annotations

import numpy as np

from mistakes import mutant
from reference import logistic as ref


def _sigmoid(z):
    return 1.0 / (1.0 + np.exp(-z))


def _witness():
    w = np.array([0.5, -1.0])
    x = np.array([[1.0, 2.0], [-1.0, 0.5], [2.0, 1.0]])
    return w, 0.25, x, np.array([1.0, 0.0, 1.0])


def _single_example():
    return np.array([0.7]), -0.3, np.array([[1.5]]), np.array([1.0])


def _large_logits():
    return np.array([1.0]), 0.0, np.array([[1e4], [-1e4]]), np.array([1.0, 0.0])


def _all_ones_far():
    return np.array([1.0]), 0.0, np.array([[30.0]]), np.array([1.0])


# -- logistic.loss -------------------------------------------------------------


@mutant("logistic.loss", bug="stability", killed_by=["test_loss_agrees_with_reference", "test_loss_is_nonnegative_and_finite"], witness=_large_logits)
def loss_naive_log(w, b, x, y):
    """Takes log of σ(z) and 1 - σ(z) directly: -inf (then nan) once a logit saturates."""
    p = _sigmoid(x @ w + b)
    return -np.sum(y * np.log(p) + (1 - y) * np.log(1 - p))


@mutant("logistic.loss", bug="derivation", killed_by=["test_loss_agrees_with_reference", "test_loss_is_nonnegative_and_finite", "test_loss_is_convex_along_lines"], witness=_witness)
def loss_sign_flipped(w, b, x, y):
    """Returns the log-likelihood instead of its negative: the loss is −Σ[y ln ŷ + (1 − y) ln(1 − ŷ)]."""
    return -ref.loss(w, b, x, y)


@mutant("logistic.loss", bug="derivation", killed_by=["test_loss_agrees_with_reference"], witness=_witness)
def loss_mean_not_sum(w, b, x, y):
    """The loss is averaged over the batch; the catalogue's loss is a sum over the examples."""
    return ref.loss(w, b, x, y) / len(y)


@mutant("logistic.loss", bug="stability", killed_by=["test_loss_agrees_with_reference"], witness=_witness)
def loss_float32(w, b, x, y):
    """Computes in float32."""
    z = (x.astype(np.float32) @ w.astype(np.float32) + np.float32(b))
    y32 = y.astype(np.float32)
    return float(np.sum(y32 * np.logaddexp(np.float32(0), -z) + (1 - y32) * np.logaddexp(np.float32(0), z)))


# -- logistic.grad ---------------------------------------------------------------


@mutant("logistic.grad", bug="derivation", killed_by=["test_grad_agrees_with_reference", "test_grad_is_derivative_of_loss", "test_grad_never_vanishes_on_all_ones_labels"], witness=_witness)
def grad_sign_flipped(w, b, x, y):
    """The residual is y − ŷ instead of ŷ − y, so the gradient points uphill (both dw and db have the wrong sign)."""
    dw, db = ref.grad(w, b, x, y)
    return -dw, -db


@mutant("logistic.grad", bug="derivation", killed_by=["test_grad_agrees_with_reference", "test_grad_is_derivative_of_loss"], witness=_witness)
def grad_bias_not_summed(w, b, x, y):
    """db is the mean of (ŷ − y) over the batch; the loss is a sum, so db = Σ(ŷ − y)."""
    dw, db = ref.grad(w, b, x, y)
    return dw, db / len(y)


@mutant("logistic.grad", bug="derivation", killed_by=["test_grad_agrees_with_reference", "test_grad_is_derivative_of_loss"], witness=_witness)
def grad_missing_sigmoid_derivative_cancel(w, b, x, y):
    """The residual is multiplied by ŷ(1 − ŷ): that is the chain rule of the squared error; with cross-entropy σ' cancels and the gradient is Σ(ŷ − y)x."""
    p = _sigmoid(x @ w + b)
    r = (p - y) * p * (1 - p)
    return x.T @ r, float(np.sum(r))


@mutant("logistic.grad", bug="stability", killed_by=["test_grad_never_vanishes_on_all_ones_labels", "test_grad_agrees_with_reference"], witness=_all_ones_far)
def grad_float32_probabilities(w, b, x, y):
    """Computes ŷ in float32: it rounds to exactly 1 for logits above ~17, so the
    all-ones-label gradient vanishes although the true one does not."""
    z = (x @ w + b).astype(np.float32)
    p = (1 / (1 + np.exp(-z))).astype(np.float64)
    r = p - y
    return x.T @ r, float(np.sum(r))


@mutant("logistic.grad", bug="contract", killed_by=["test_grad_agrees_with_reference"], witness=_witness)
def grad_mutates_labels(w, b, x, y):
    """Subtracts in place from the caller's y."""
    y -= _sigmoid(x @ w + b)
    return -(x.T @ y), -float(np.sum(y))


# -- logistic.hessian ----------------------------------------------------------------


@mutant("logistic.hessian", bug="derivation", killed_by=["test_hessian_agrees_with_reference", "test_hessian_is_jacobian_of_grad"], witness=_witness)
def hessian_without_weight(w, b, x, y):
    """The ŷ(1 − ŷ) weight of each example is missing: the Hessian is Σ ŷ(1 − ŷ)[x;1][x;1]ᵀ."""
    a = np.hstack([x, np.ones((len(x), 1))])
    return a.T @ a


@mutant("logistic.hessian", bug="derivation", killed_by=["test_hessian_agrees_with_reference", "test_hessian_is_symmetric_psd"], witness=_witness)
def hessian_negated(w, b, x, y):
    """The Hessian has the wrong sign: it is the log-likelihood's (negative semi-definite), not the loss's."""
    return -ref.hessian(w, b, x, y)


@mutant("logistic.hessian", bug="derivation", killed_by=["test_hessian_agrees_with_reference", "test_hessian_is_independent_of_labels"], witness=_witness)
def hessian_uses_labels(w, b, x, y):
    """Weights by y(1-ŷ) instead of ŷ(1-ŷ)."""
    p = _sigmoid(x @ w + b)
    a = np.hstack([x, np.ones((len(x), 1))])
    return (a * (y * (1 - p))[:, None]).T @ a


@mutant("logistic.hessian", bug="derivation", killed_by=["test_hessian_agrees_with_reference", "test_hessian_is_symmetric_psd"], witness=_witness)
def hessian_half_outer(w, b, x, y):
    """Builds only the upper triangle of the outer products (not symmetric)."""
    return np.triu(ref.hessian(w, b, x, y))


@mutant("logistic.hessian", bug="convention", killed_by=["test_hessian_agrees_with_reference"], witness=_witness)
def hessian_bias_first(w, b, x, y):
    """Orders the parameters (b, w_1..w_d) instead of (w_1..w_d, b)."""
    h = ref.hessian(w, b, x, y)
    order = np.r_[len(w), np.arange(len(w))]
    return h[np.ix_(order, order)]


# -- logistic.gd_step ------------------------------------------------------------------


def _step_witness():
    return (*_witness(), 0.1)


@mutant("logistic.gd_step", bug="derivation", killed_by=["test_gd_step_agrees_with_reference", "test_small_step_decreases_loss", "test_steps_on_all_ones_labels_increase_b"], witness=_step_witness)
def gd_step_ascent(w, b, x, y, lr):
    """The step adds the gradient (gradient ascent); a descent step subtracts it: w − lr·dw, b − lr·db."""
    dw, db = ref.grad(w, b, x, y)
    return w + lr * dw, b + lr * db


@mutant("logistic.gd_step", bug="derivation", killed_by=["test_gd_step_agrees_with_reference"], witness=_step_witness)
def gd_step_ignores_lr(w, b, x, y, lr):
    """The learning rate is ignored: the step is always the whole gradient, not lr times it."""
    dw, db = ref.grad(w, b, x, y)
    return w - dw, b - db


@mutant("logistic.gd_step", bug="contract", killed_by=["test_gd_step_agrees_with_reference"], witness=_step_witness)
def gd_step_in_place(w, b, x, y, lr):
    """Updates w in place (w -= lr·dw) and returns it."""
    dw, db = ref.grad(w, b, x, y)
    w -= lr * dw
    return w, b - lr * db


@mutant("logistic.gd_step", bug="derivation", killed_by=["test_gd_step_agrees_with_reference", "test_steps_on_all_ones_labels_increase_b"], witness=_step_witness)
def gd_step_forgets_bias(w, b, x, y, lr):
    """Updates w but returns b unchanged."""
    dw, _ = ref.grad(w, b, x, y)
    return w - lr * dw, b
