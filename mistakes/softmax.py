"""Wrong implementations of the softmax family, as students write them."""

from __future__ import annotations

import numpy as np

from mistakes import mutant
from reference import softmax as ref


def _naive_softmax(z, axis=-1):
    e = np.exp(z)
    return e / np.sum(e, axis=axis, keepdims=True)


def _stable_softmax(z, axis=-1):
    e = np.exp(z - np.max(z, axis=axis, keepdims=True))
    return e / np.sum(e, axis=axis, keepdims=True)


# -- witnesses -------------------------------------------------------------------


def _logits():
    return (np.array([1.0, -0.5, 2.0]),)


def _large_logits():
    return (np.array([1000.0, 999.0, -1000.0]),)


def _batch():
    return (np.array([[1.0, -0.5, 2.0], [0.0, 3.0, -1.0]]),)


def _batch_far_apart():
    return (np.array([[1e4, 9999.0], [-1e4, -9998.5]]),)


def _logits_soft_labels():
    return np.array([1.0, -0.5, 2.0]), np.array([0.2, 0.5, 0.3])


def _large_logits_one_hot():
    return np.array([1000.0, -1000.0, 999.0]), np.array([1.0, 0.0, 0.0])


def _regression():
    W = np.array([[0.5, -1.0, 0.25], [1.0, 0.5, -0.5]])
    b = np.array([0.1, -0.2, 0.3])
    X = np.array([[1.0, 2.0], [-1.0, 0.5], [2.0, -1.5]])
    Y = np.array([[1.0, 0.0, 0.0], [0.0, 0.3, 0.7], [0.0, 0.0, 1.0]])
    return W, b, X, Y


def _regression_one_feature():
    W = np.array([[0.5, -1.0]])
    b = np.array([0.1, -0.2])
    X = np.array([[1.0], [-2.0]])
    Y = np.array([[1.0, 0.0], [0.0, 1.0]])
    return W, b, X, Y


def _regression_large_logits():
    W = np.array([[1000.0, -1000.0]])
    b = np.array([0.0, 0.0])
    X = np.array([[1.0], [-1.0]])
    Y = np.array([[1.0, 0.0], [0.0, 1.0]])
    return W, b, X, Y


# -- softmax.forward ---------------------------------------------------------------


@mutant("softmax.forward", bug="stability", killed_by=["test_forward_agrees_with_reference", "test_forward_is_finite_for_large_logits", "test_forward_is_probability_vector", "test_forward_is_shift_invariant"], witness=_large_logits)
def forward_no_max_subtraction(z):
    """exp(z) / Σ exp(z) without subtracting the maximum: inf/inf = nan above z ≈ 709."""
    return _naive_softmax(z)


@mutant("softmax.forward", bug="stability", killed_by=["test_forward_agrees_with_reference", "test_forward_is_finite_for_large_logits"], witness=_batch_far_apart)
def forward_global_max(z):
    """Subtracts the maximum of the whole batch, not of each row: a row far below it underflows to 0/0."""
    e = np.exp(z - np.max(z))
    return e / np.sum(e, axis=-1, keepdims=True)


@mutant("softmax.forward", bug="stability", killed_by=["test_forward_agrees_with_reference", "test_forward_is_shift_invariant"], witness=_large_logits)
def forward_clips_logits(z):
    """Clips the logits to [-500, 500] to avoid overflow, which changes p for large logits."""
    return _naive_softmax(np.clip(z, -500.0, 500.0))


@mutant("softmax.forward", bug="derivation", killed_by=["test_forward_agrees_with_reference", "test_forward_is_probability_vector"], witness=_logits)
def forward_extra_one_in_denominator(z):
    """Divides by 1 + Σ exp(z) (the sigmoid's denominator carried over), so p does not sum to 1."""
    m = np.maximum(np.max(z, axis=-1, keepdims=True), 0.0)
    e = np.exp(z - m)
    return e / (np.exp(-m) + np.sum(e, axis=-1, keepdims=True))


@mutant("softmax.forward", bug="convention", killed_by=["test_forward_agrees_with_reference", "test_forward_is_probability_vector"], witness=_batch)
def forward_normalizes_first_axis(z):
    """Normalizes along axis 0 (over the batch) instead of the last axis."""
    return _stable_softmax(z, axis=0)


@mutant("softmax.forward", bug="edge", killed_by=["test_forward_agrees_with_reference", "test_forward_is_probability_vector", "test_forward_is_shift_invariant"], witness=_logits)
def forward_always_2d(z):
    """Promotes z with np.atleast_2d and returns (1, K) for a single vector of logits."""
    return _stable_softmax(np.atleast_2d(z))


@mutant("softmax.forward", bug="stability", killed_by=["test_forward_agrees_with_reference"], witness=_logits)
def forward_float32(z):
    """Computes in float32."""
    return _stable_softmax(np.asarray(z, dtype=np.float32)).astype(np.float64)


@mutant("softmax.forward", bug="contract", killed_by=["test_forward_agrees_with_reference"], witness=_logits)
def forward_shifts_in_place(z):
    """Subtracts the maximum in place (z -= max), changing the caller's logits."""
    z -= np.max(z, axis=-1, keepdims=True)
    e = np.exp(z)
    return e / np.sum(e, axis=-1, keepdims=True)


# -- softmax.jacobian ------------------------------------------------------------------


@mutant("softmax.jacobian", bug="derivation", killed_by=["test_jacobian_agrees_with_reference", "test_jacobian_rows_and_columns_sum_to_zero", "test_jacobian_is_derivative_of_forward"], witness=_logits)
def jacobian_diagonal_only(z):
    """Keeps only ∂p_k/∂z_k = p_k(1 - p_k): forgets that p_k depends on every z_i."""
    p = _stable_softmax(z)
    return np.diag(p * (1 - p))


@mutant("softmax.jacobian", bug="derivation", killed_by=["test_jacobian_agrees_with_reference", "test_jacobian_rows_and_columns_sum_to_zero", "test_jacobian_is_derivative_of_forward"], witness=_logits)
def jacobian_wrong_index(z):
    """Writes p_k(δ_ki - p_k) instead of p_k(δ_ki - p_i)."""
    p = _stable_softmax(z)
    return p[:, None] * (np.eye(p.size) - p[:, None])


@mutant("softmax.jacobian", bug="derivation", killed_by=["test_jacobian_agrees_with_reference", "test_jacobian_is_derivative_of_forward"], witness=_logits)
def jacobian_sign_flipped(z):
    """The Jacobian has the wrong sign: p pᵀ − diag(p) instead of diag(p) − p pᵀ."""
    p = _stable_softmax(z)
    return np.outer(p, p) - np.diag(p)


@mutant("softmax.jacobian", bug="stability", killed_by=["test_jacobian_agrees_with_reference"], witness=_large_logits)
def jacobian_naive_softmax(z):
    """Builds diag(p) - p pᵀ from a softmax without max-subtraction (nan for large logits)."""
    p = _naive_softmax(z)
    return np.diag(p) - np.outer(p, p)


@mutant("softmax.jacobian", bug="contract", killed_by=["test_jacobian_agrees_with_reference"], witness=_logits)
def jacobian_returns_vector(z):
    """Returns the diagonal p(1 - p) as a (K,) vector instead of the (K, K) matrix."""
    p = _stable_softmax(z)
    return p * (1 - p)


# -- softmax.ce_loss ----------------------------------------------------------------------


@mutant("softmax.ce_loss", bug="stability", killed_by=["test_ce_loss_agrees_with_reference", "test_ce_loss_is_finite_and_nonnegative"], witness=_large_logits_one_hot)
def ce_loss_log_of_softmax(z, y):
    """Takes log of a (stable) softmax: p underflows to 0 and 0·log 0 = nan."""
    return float(-np.sum(y * np.log(_stable_softmax(z))))


@mutant("softmax.ce_loss", bug="stability", killed_by=["test_ce_loss_agrees_with_reference", "test_ce_loss_is_finite_and_nonnegative"], witness=_large_logits_one_hot)
def ce_loss_naive_logsumexp(z, y):
    """Computes log Σ exp(z) without subtracting the maximum: inf for z above ~709."""
    return float(np.sum(y) * np.log(np.sum(np.exp(z))) - y @ z)


@mutant("softmax.ce_loss", bug="stability", killed_by=["test_ce_loss_agrees_with_reference"], witness=lambda: (np.array([0.0, -20.0]), np.array([0.5, 0.5])))
def ce_loss_epsilon_in_log(z, y):
    """Uses log(p + 1e-12) to avoid log 0, which is wrong wherever y puts weight on a small p."""
    return float(-np.sum(y * np.log(_stable_softmax(z) + 1e-12)))


@mutant("softmax.ce_loss", bug="derivation", killed_by=["test_ce_loss_agrees_with_reference", "test_ce_loss_is_finite_and_nonnegative"], witness=_logits_soft_labels)
def ce_loss_sign_flipped(z, y):
    """Returns Σ y log p, the log-likelihood, instead of its negative."""
    return -ref.ce_loss(z, y)


@mutant("softmax.ce_loss", bug="convention", killed_by=["test_ce_loss_agrees_with_reference", "test_ce_loss_is_linear_in_labels"], witness=_logits_soft_labels)
def ce_loss_assumes_one_hot(z, y):
    """Treats y as one-hot: returns -log p at argmax(y), wrong for soft labels."""
    k = int(np.argmax(y))
    return ref.ce_loss(z, np.eye(len(z))[k])


@mutant("softmax.ce_loss", bug="derivation", killed_by=["test_ce_loss_agrees_with_reference"], witness=_logits_soft_labels)
def ce_loss_mean_over_classes(z, y):
    """Averages -y_k log p_k over the K classes instead of summing."""
    return ref.ce_loss(z, y) / len(z)


@mutant("softmax.ce_loss", bug="contract", killed_by=["test_ce_loss_agrees_with_reference"], witness=_logits_soft_labels)
def ce_loss_shifts_in_place(z, y):
    """Subtracts the maximum from z in place before the log-softmax."""
    z -= np.max(z)
    return float(-np.sum(y * (z - np.log(np.sum(np.exp(z))))))


# -- softmax.ce_grad ----------------------------------------------------------------------


@mutant("softmax.ce_grad", bug="derivation", killed_by=["test_ce_grad_agrees_with_reference", "test_ce_grad_is_derivative_of_loss"], witness=_logits_soft_labels)
def ce_grad_sign_flipped(z, y):
    """The gradient has the wrong sign: y − p instead of p − y."""
    return y - _stable_softmax(z)


@mutant("softmax.ce_grad", bug="derivation", killed_by=["test_ce_grad_agrees_with_reference", "test_ce_grad_sums_to_zero", "test_ce_grad_is_derivative_of_loss"], witness=_logits_soft_labels)
def ce_grad_diagonal_chain_rule(z, y):
    """Chains -y_k/p_k only through ∂p_k/∂z_k = p_k(1 - p_k): -y(1 - p), missing the cross terms."""
    p = _stable_softmax(z)
    return -y * (1 - p)


@mutant("softmax.ce_grad", bug="derivation", killed_by=["test_ce_grad_agrees_with_reference", "test_ce_grad_sums_to_zero", "test_ce_grad_is_derivative_of_loss"], witness=_logits_soft_labels)
def ce_grad_wrt_probabilities(z, y):
    """Returns ∂L/∂p = -y/p, the gradient in p instead of in z."""
    return -y / _stable_softmax(z)


@mutant("softmax.ce_grad", bug="convention", killed_by=["test_ce_grad_agrees_with_reference", "test_ce_grad_is_derivative_of_loss"], witness=_logits_soft_labels)
def ce_grad_assumes_one_hot(z, y):
    """Subtracts the one-hot vector of argmax(y) instead of y, wrong for soft labels."""
    return _stable_softmax(z) - np.eye(len(z))[int(np.argmax(y))]


@mutant("softmax.ce_grad", bug="stability", killed_by=["test_ce_grad_agrees_with_reference", "test_ce_grad_sums_to_zero"], witness=_large_logits_one_hot)
def ce_grad_naive_softmax(z, y):
    """p - y with a softmax without max-subtraction (nan for large logits)."""
    return _naive_softmax(z) - y


@mutant("softmax.ce_grad", bug="contract", killed_by=["test_ce_grad_agrees_with_reference", "test_ce_grad_sums_to_zero", "test_ce_grad_is_derivative_of_loss"], witness=_logits_soft_labels)
def ce_grad_column_vector(z, y):
    """Returns p - y as a (K, 1) column vector."""
    return (_stable_softmax(z) - y).reshape(-1, 1)


# -- softmax.ce_hessian ---------------------------------------------------------------------


@mutant("softmax.ce_hessian", bug="derivation", killed_by=["test_ce_hessian_agrees_with_reference", "test_ce_hessian_annihilates_ones", "test_ce_hessian_has_rank_below_k", "test_ce_hessian_quadratic_form_is_variance", "test_ce_hessian_is_jacobian_of_grad"], witness=_logits)
def ce_hessian_diagonal_only(z):
    """Returns diag(p(1 - p)), dropping the -p_i p_j off the diagonal."""
    p = _stable_softmax(z)
    return np.diag(p * (1 - p))


@mutant("softmax.ce_hessian", bug="derivation", killed_by=["test_ce_hessian_agrees_with_reference", "test_ce_hessian_is_symmetric_psd", "test_ce_hessian_quadratic_form_is_variance", "test_ce_hessian_is_jacobian_of_grad"], witness=_logits)
def ce_hessian_negated(z):
    """Returns p pᵀ - diag(p), the Hessian of the log-likelihood (negative semi-definite)."""
    p = _stable_softmax(z)
    return np.outer(p, p) - np.diag(p)


@mutant("softmax.ce_hessian", bug="derivation", killed_by=["test_ce_hessian_agrees_with_reference", "test_ce_hessian_is_symmetric_psd", "test_ce_hessian_annihilates_ones", "test_ce_hessian_is_jacobian_of_grad"], witness=_logits)
def ce_hessian_wrong_index(z):
    """Writes p_i(δ_ij - p_i) instead of p_i(δ_ij - p_j): not symmetric."""
    p = _stable_softmax(z)
    return p[:, None] * (np.eye(p.size) - p[:, None])


@mutant("softmax.ce_hessian", bug="derivation", killed_by=["test_ce_hessian_agrees_with_reference", "test_ce_hessian_is_symmetric_psd", "test_ce_hessian_annihilates_ones", "test_ce_hessian_quadratic_form_is_variance"], witness=_logits)
def ce_hessian_outer_only(z):
    """Returns -p pᵀ, forgetting the diag(p) term (rank 1, so only the rank property misses it)."""
    p = _stable_softmax(z)
    return -np.outer(p, p)


@mutant("softmax.ce_hessian", bug="stability", killed_by=["test_ce_hessian_agrees_with_reference", "test_ce_hessian_is_symmetric_psd"], witness=_large_logits)
def ce_hessian_naive_softmax(z):
    """diag(p) - p pᵀ from a softmax without max-subtraction (nan for large logits)."""
    p = _naive_softmax(z)
    return np.diag(p) - np.outer(p, p)


@mutant("softmax.ce_hessian", bug="contract", killed_by=["test_ce_hessian_agrees_with_reference"], witness=_logits)
def ce_hessian_shifts_in_place(z):
    """Subtracts the maximum from z in place before the softmax."""
    z -= np.max(z)
    p = np.exp(z) / np.sum(np.exp(z))
    return np.diag(p) - np.outer(p, p)


# -- softmax.regression_loss ------------------------------------------------------------------


@mutant("softmax.regression_loss", bug="derivation", killed_by=["test_regression_loss_agrees_with_reference", "test_regression_loss_is_mean_over_batch"], witness=_regression)
def regression_loss_sum_not_mean(W, b, X, Y):
    """Sums the cross-entropy over the batch where the catalogue averages."""
    return ref.regression_loss(W, b, X, Y) * X.shape[0]


@mutant("softmax.regression_loss", bug="derivation", killed_by=["test_regression_loss_agrees_with_reference"], witness=_regression)
def regression_loss_mean_over_entries(W, b, X, Y):
    """np.mean over all n·C entries of Y log P: divides by n·C instead of n."""
    Z = X @ W + b
    log_p = Z - np.max(Z, axis=1, keepdims=True)
    log_p = log_p - np.log(np.sum(np.exp(log_p), axis=1, keepdims=True))
    return float(-np.mean(Y * log_p))


@mutant("softmax.regression_loss", bug="stability", killed_by=["test_regression_loss_agrees_with_reference", "test_regression_loss_is_finite_and_nonnegative"], witness=_regression_large_logits)
def regression_loss_log_of_softmax(W, b, X, Y):
    """Takes log of a (stable) softmax: P underflows to 0 and 0·log 0 = nan."""
    return float(-np.sum(Y * np.log(_stable_softmax(X @ W + b, axis=1))) / X.shape[0])


@mutant("softmax.regression_loss", bug="stability", killed_by=["test_regression_loss_agrees_with_reference", "test_regression_loss_is_finite_and_nonnegative"], witness=_regression_large_logits)
def regression_loss_naive_logsumexp(W, b, X, Y):
    """log Σ exp(z) without subtracting the row maximum: inf for logits above ~709."""
    Z = X @ W + b
    log_p = Z - np.log(np.sum(np.exp(Z), axis=1, keepdims=True))
    return float(-np.sum(Y * log_p) / X.shape[0])


@mutant("softmax.regression_loss", bug="convention", killed_by=["test_regression_loss_agrees_with_reference"], witness=_regression)
def regression_loss_softmax_over_batch(W, b, X, Y):
    """Normalizes the softmax over the batch (axis 0) instead of over the classes."""
    Z = X @ W + b
    log_p = Z - np.max(Z, axis=0, keepdims=True)
    log_p = log_p - np.log(np.sum(np.exp(log_p), axis=0, keepdims=True))
    return float(-np.sum(Y * log_p) / X.shape[0])


@mutant("softmax.regression_loss", bug="contract", killed_by=["test_regression_loss_agrees_with_reference", "test_regression_loss_is_mean_over_batch"], witness=_regression)
def regression_loss_per_example(W, b, X, Y):
    """Returns the (n,) vector of per-example losses instead of their mean."""
    Z = X @ W + b
    log_p = Z - np.max(Z, axis=1, keepdims=True)
    log_p = log_p - np.log(np.sum(np.exp(log_p), axis=1, keepdims=True))
    return -np.sum(Y * log_p, axis=1)


def _regression_single_example():
    W = np.array([[0.5, -1.0], [1.0, 0.25]])
    b = np.array([0.1, -0.2])
    X = np.array([[1.0, 2.0]])
    Y = np.array([[0.0, 1.0]])
    return W, b, X, Y


@mutant("softmax.regression_loss", bug="edge", killed_by=["test_regression_loss_agrees_with_reference", "test_regression_loss_is_mean_over_batch"], witness=_regression_single_example)
def regression_loss_squeezes_logits(W, b, X, Y):
    """Squeezes the logits X W + b, so a batch of one example (n = 1) loses its batch axis and fails."""
    Z = np.squeeze(X @ W + b)
    log_p = Z - np.max(Z, axis=1, keepdims=True)
    log_p = log_p - np.log(np.sum(np.exp(log_p), axis=1, keepdims=True))
    return float(-np.sum(Y * log_p) / X.shape[0])


# -- softmax.regression_grad ------------------------------------------------------------------


@mutant("softmax.regression_grad", bug="derivation", killed_by=["test_regression_grad_agrees_with_reference", "test_regression_grad_is_derivative_of_loss", "test_regression_grad_is_mean_over_batch"], witness=_regression)
def regression_grad_missing_one_over_n(W, b, X, Y):
    """Forgets the 1/n: returns the gradient of the summed loss."""
    dW, db = ref.regression_grad(W, b, X, Y)
    return dW * X.shape[0], db * X.shape[0]


@mutant("softmax.regression_grad", bug="derivation", killed_by=["test_regression_grad_agrees_with_reference", "test_regression_grad_is_derivative_of_loss", "test_regression_grad_is_mean_over_batch"], witness=_regression)
def regression_grad_bias_summed(W, b, X, Y):
    """Averages dW over the batch but sums db."""
    dW, db = ref.regression_grad(W, b, X, Y)
    return dW, db * X.shape[0]


@mutant("softmax.regression_grad", bug="derivation", killed_by=["test_regression_grad_agrees_with_reference", "test_regression_grad_is_derivative_of_loss"], witness=_regression)
def regression_grad_sign_flipped(W, b, X, Y):
    """The gradient has the wrong sign: it uses Y − P instead of P − Y."""
    dW, db = ref.regression_grad(W, b, X, Y)
    return -dW, -db


@mutant("softmax.regression_grad", bug="derivation", killed_by=["test_regression_grad_agrees_with_reference", "test_regression_grad_is_derivative_of_loss", "test_regression_grad_sums_to_zero_over_classes"], witness=_regression)
def regression_grad_sigmoid_outputs(W, b, X, Y):
    """Uses an elementwise sigmoid (one-vs-rest) for P instead of the softmax."""
    P = 0.5 * (1.0 + np.tanh(0.5 * (X @ W + b)))
    R = (P - Y) / X.shape[0]
    return X.T @ R, R.sum(axis=0)


@mutant("softmax.regression_grad", bug="convention", killed_by=["test_regression_grad_agrees_with_reference", "test_regression_grad_sums_to_zero_over_classes", "test_regression_grad_is_derivative_of_loss"], witness=_regression)
def regression_grad_softmax_over_batch(W, b, X, Y):
    """Normalizes the softmax over the batch (axis 0) instead of over the classes."""
    R = (_stable_softmax(X @ W + b, axis=0) - Y) / X.shape[0]
    return X.T @ R, R.sum(axis=0)


@mutant("softmax.regression_grad", bug="stability", killed_by=["test_regression_grad_agrees_with_reference"], witness=_regression_large_logits)
def regression_grad_naive_softmax(W, b, X, Y):
    """P from a softmax without max-subtraction (nan for logits above ~709)."""
    R = (_naive_softmax(X @ W + b, axis=1) - Y) / X.shape[0]
    return X.T @ R, R.sum(axis=0)


@mutant("softmax.regression_grad", bug="contract", killed_by=["test_regression_grad_agrees_with_reference"], witness=_regression_one_feature)
def regression_grad_dW_transposed(W, b, X, Y):
    """Returns dW as (C, d), (P - Y)ᵀ X / n, instead of (d, C)."""
    R = (_stable_softmax(X @ W + b, axis=1) - Y) / X.shape[0]
    return R.T @ X, R.sum(axis=0)


@mutant("softmax.regression_grad", bug="edge", killed_by=["test_regression_grad_agrees_with_reference", "test_regression_grad_is_derivative_of_loss"], witness=_regression_one_feature)
def regression_grad_squeezes(W, b, X, Y):
    """Squeezes dW, which returns (C,) instead of (1, C) when there is one feature (d = 1)."""
    dW, db = ref.regression_grad(W, b, X, Y)
    return np.squeeze(dW), db
