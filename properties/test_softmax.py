"""Properties of the softmax family: softmax, its Jacobian, cross-entropy and
softmax regression (a mean over the batch).

Catalogue: ``softmax.forward``, ``softmax.jacobian``, ``softmax.ce_loss``,
``softmax.ce_grad``, ``softmax.ce_hessian``, ``softmax.regression_loss``,
``softmax.regression_grad``. Seeds 002 (softmax classifier, mean loss) and 004
(Jacobian, ``p - y``, the Hessian and ``vᵀHv = Var(v)``).

The domain is logits up to 1e4 in magnitude for every formula. Logits come in
three regimes, drawn per row: *moderate* (``|z| ≤ 8``: every ``p_k`` is at
least ~1e-8, so a missing term always shows), *spread* (the largest ``|z_k|``
is 1e4: every ``p_k`` whose logit is ~745 below the largest underflows to 0,
and ``exp`` overflows without the max-subtraction) and *offset* (``O(1)`` differences on top of a common offset
up to ±1e4: non-trivial ``p`` that only a shifted ``exp`` computes).
Numerical-derivative properties use the moderate regime only.
"""

from __future__ import annotations

from typing import Any

import numpy as np
from hypothesis import given
from hypothesis import strategies as st

from properties.derivative_helpers import assert_matches_numerical, forward_to_differentiate, numerical_jacobian
from properties.generic_properties import agrees_with_reference
from properties.hypothesis_helpers import (
    finite_floats,
    float_arrays,
    probability_vectors,
    sizes,
)
from properties.pytest_helpers import assert_close, assert_true, prop

# -- tolerances -------------------------------------------------------------------


def logit_rounding(scale: float) -> float:
    """The rounding error a correct float64 softmax may carry, relative to ``p``,
    on logits of magnitude up to ``scale``.

    Every exact rewrite rounds a quantity of the logits' size once or twice
    (``z + c``, ``logsumexp(z)``, ``X W + b``): an absolute error of
    ``ulp(scale)`` that ``exp`` turns into the same relative error on every
    ``p_k``, shifting ``Σ p`` away from 1 by up to ~1e-12 at ``|z| = 1e4``.
    1e-13·(1 + scale), ~450 such roundings, covers sums of K ≤ 6 terms with a
    wide margin; it is 1e-9 at the edge of the domain and ~1e-12 for moderate
    logits, where the bugs these properties target err by 1e-3 or more.
    """
    return 1e-13 * (1.0 + scale)


def _magnitude(*arrays: Any) -> float:
    return max(float(np.max(np.abs(a))) for a in arrays)


# -- strategies ----------------------------------------------------------------------

CATALOGUE_MAX_LOGIT = 1e4  # the catalogue: p finite for |z| up to 1e4
MODERATE_LOGIT = 8.0
ALL_REGIMES = ("moderate", "spread", "offset")
LARGE_REGIMES = ("spread", "offset")
MODERATE_ONLY = ("moderate",)


@st.composite
def logit_vectors(draw: Any, k: int, regimes: tuple[str, ...] = ALL_REGIMES) -> np.ndarray:
    """``(k,)`` logits in one of the regimes of the module docstring."""
    regime = draw(st.sampled_from(regimes))
    if regime == "spread":
        # Entries in [-1, 1] with one of them exactly ±1, scaled to the domain's edge:
        # max |z_k| = 1e4 exactly (rescaling a drawn maximum could overflow if it were tiny).
        unit = draw(float_arrays(k, -1.0, 1.0))
        unit[draw(st.integers(0, k - 1))] = draw(st.sampled_from([1.0, -1.0]))
        return unit * CATALOGUE_MAX_LOGIT
    base = draw(float_arrays(k, -MODERATE_LOGIT, MODERATE_LOGIT))
    if regime == "offset":
        edge = CATALOGUE_MAX_LOGIT - MODERATE_LOGIT
        centre = draw(st.one_of(st.sampled_from([edge, -edge]), finite_floats(-edge, edge)))
        return base + centre
    return base


@st.composite
def logit_arrays(draw: Any, regimes: tuple[str, ...] = ALL_REGIMES) -> np.ndarray:
    """``(..., K)`` logits with 0 to 2 batch dimensions, each row in its own regime
    (so rows of one batch can sit 2e4 apart: a max over the whole batch fails)."""
    k = draw(sizes(2, 6))
    batch = draw(st.lists(sizes(1, 3), min_size=0, max_size=2))
    rows = [draw(logit_vectors(k, regimes)) for _ in range(int(np.prod(batch, dtype=int)))]
    return np.stack(rows).reshape((*batch, k))


def single_logits(regimes: tuple[str, ...] = ALL_REGIMES) -> st.SearchStrategy[tuple]:
    """``(z,)`` with ``z: (K,)``, K from 2 (where a wrong index is hardest to see) to 6."""
    return sizes(2, 6).flatmap(lambda k: logit_vectors(k, regimes)).map(lambda z: (z,))


def strictly_soft_vectors(k: int) -> st.SearchStrategy[np.ndarray]:
    """Probability vectors with every entry at least ~1/(20k): never one-hot, which
    ``probability_vectors``' soft branch often is (Hypothesis favours zeros)."""
    return float_arrays(k, 0.05, 1.0).map(lambda w: w / w.sum())


@st.composite
def logits_and_labels(draw: Any, regimes: tuple[str, ...] = ALL_REGIMES) -> tuple:
    """``(z, y)``: y one-hot, soft with zeros, strictly soft, or one-hot on the
    largest logit (``y_k = 0`` on every class whose ``p_k`` underflows to 0)."""
    (z,) = draw(single_logits(regimes))
    on_top = np.eye(z.size)[int(np.argmax(z))]
    y = draw(st.one_of(probability_vectors(z.size), strictly_soft_vectors(z.size), st.just(on_top)))
    return z, y


@st.composite
def label_rows(draw: Any, n: int, c: int) -> np.ndarray:
    """``(n, c)`` rows that are probability vectors, each one-hot or soft (with
    zeros where Hypothesis puts them). One array draw, not one per row: cheaper."""
    weights = draw(float_arrays((n, c), 0.0, 1.0))
    one_hot = np.array(draw(st.lists(st.booleans(), min_size=n, max_size=n)), dtype=bool)
    one_hot |= weights.sum(axis=1) < 0.1  # too little mass to normalize exactly
    rows = np.where(one_hot[:, None], np.eye(c)[np.argmax(weights, axis=1)], weights)
    return rows / rows.sum(axis=1, keepdims=True)


def _logit_bound(W: np.ndarray, b: np.ndarray, X: np.ndarray) -> float:
    """``max |X| |W| + |b|``: a bound on every logit and on the terms summed into it."""
    return float(np.max(np.abs(X) @ np.abs(W) + np.abs(b)))


@st.composite
def regression_args(
    draw: Any, regimes: tuple[str, ...] = ALL_REGIMES, *, max_features: int = 3, max_classes: int = 4
) -> tuple:
    """``(W, b, X, Y)`` from n = 1, d = 1, C = 2 up.

    ``W`` and ``b`` are rescaled so that the bound ``max |X||W| + |b|`` (not just
    the largest logit) is 8 (moderate) or 1e4 (spread): logits then carry
    rounding errors of ``ulp(bound)`` whatever the summation order, never the
    ``ulp`` of large terms that cancel. The offset regime adds a common
    ``±(1e4 - 8)`` to ``b``.
    """
    n = draw(sizes(1, 5))
    d = draw(sizes(1, max_features))
    c = draw(sizes(2, max_classes))
    X = draw(float_arrays((n, d), -3.0, 3.0))
    W = draw(float_arrays((d, c), -3.0, 3.0))
    b = draw(float_arrays(c, -3.0, 3.0))
    Y = draw(label_rows(n, c))
    regime = draw(st.sampled_from(regimes))
    if _logit_bound(W, b, X) < 1e-3:
        b[0] = 1.0  # an all-but-zero draw: keep the rescaling below finite and meaningful
    bound = _logit_bound(W, b, X)
    target = CATALOGUE_MAX_LOGIT if regime == "spread" else min(bound, MODERATE_LOGIT)
    W, b = W * (target / bound), b * (target / bound)
    if regime == "offset":
        b = b + draw(st.sampled_from([1.0, -1.0])) * (CATALOGUE_MAX_LOGIT - MODERATE_LOGIT)
    return W, b, X, Y


def _split_params(theta: np.ndarray, W: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    return theta[: W.size].reshape(W.shape), theta[W.size :]


def _reference(formula_id: str, *args: Any) -> Any:
    from gradoracle.submission import reference_implementation

    return reference_implementation().call(formula_id, *args)


# -- softmax.forward --------------------------------------------------------------------

test_forward_agrees_with_reference = agrees_with_reference("softmax.forward", logit_arrays().map(lambda z: (z,)))


@prop("softmax.forward", "p is a probability vector along the last axis: non-negative, summing to 1")
@given(z=logit_arrays())
def test_forward_is_probability_vector(subject: Any, z: np.ndarray) -> None:
    p = subject(z)
    assert_true(p >= 0, what="softmax returned a negative probability", details={"z": z, "p": p})
    # Σ p is 1 up to the logits' rounding (see logit_rounding); K ≤ 6 terms add a few ulps more.
    tolerance = logit_rounding(_magnitude(z))
    assert_close(p.sum(axis=-1), np.ones(z.shape[:-1]), rtol=0, atol=tolerance, what="Σ_k p_k along the last axis")


@prop("softmax.forward", "p is finite for logits as large as ±1e4 (subtract the maximum before exp)")
@given(z=logit_arrays(LARGE_REGIMES))
def test_forward_is_finite_for_large_logits(subject: Any, z: np.ndarray) -> None:
    # The seam already fails nan/inf; say what it means here, and check p is usable.
    p = subject(z)
    assert_true(
        np.all(np.isfinite(p)) and np.all(p >= 0) and np.all(p <= 1 + logit_rounding(_magnitude(z))),
        what="softmax of large logits is not a vector of probabilities",
        details={"z": z, "p": p},
    )


@prop("softmax.forward", "p is unchanged by adding the same constant to every logit of a row")
@given(z=logit_arrays(), data=st.data())
def test_forward_is_shift_invariant(subject: Any, z: np.ndarray, data: st.DataObject) -> None:
    # One constant per row, keeping z + c inside the domain |z| ≤ 1e4.
    low = -CATALOGUE_MAX_LOGIT - z.min(axis=-1, keepdims=True)
    high = CATALOGUE_MAX_LOGIT - z.max(axis=-1, keepdims=True)
    fraction = data.draw(float_arrays(low.shape, 0.0, 1.0), label="where c falls in its allowed range")
    shifted = z + (low + fraction * (high - low))
    # z + c rounds each logit by ulp(1e4) at worst, which exp turns into that
    # relative error on p: logit_rounding of the larger magnitude bounds it.
    tolerance = logit_rounding(_magnitude(z, shifted))
    assert_close(subject(shifted), subject(z), rtol=tolerance, atol=tolerance, what="softmax(z + c)", expected_label="softmax(z)")


# -- softmax.jacobian --------------------------------------------------------------------

test_jacobian_agrees_with_reference = agrees_with_reference("softmax.jacobian", single_logits())


@prop("softmax.jacobian", "every row and every column of the Jacobian sums to 0")
@given(args=single_logits())
def test_jacobian_rows_and_columns_sum_to_zero(subject: Any, args: tuple) -> None:
    (z,) = args
    j = subject(z)
    # Row k sums to p_k(1 - Σp), column i to p_i(1 - Σp): zero up to the rounding of Σp.
    tolerance = logit_rounding(_magnitude(z))
    assert_close(j.sum(axis=1), np.zeros(z.size), rtol=0, atol=tolerance, what="the row sums Σ_i J[k, i]")
    assert_close(j.sum(axis=0), np.zeros(z.size), rtol=0, atol=tolerance, what="the column sums Σ_k J[k, i]")


@prop("softmax.jacobian", "J[k, i] is the derivative of p_k in z_i (scipy.differentiate)", cost=4)
@given(args=single_logits(MODERATE_ONLY))
def test_jacobian_is_derivative_of_forward(subject: Any, impl: Any, args: tuple) -> None:
    forward, label = forward_to_differentiate(impl, "softmax.forward", args)
    numerical = numerical_jacobian(lambda z: forward(z), args[0])
    assert_matches_numerical(subject(*args), numerical, what="the Jacobian J[k, i] = ∂p_k/∂z_i", label=label)


# -- softmax.ce_loss ----------------------------------------------------------------------

test_ce_loss_agrees_with_reference = agrees_with_reference("softmax.ce_loss", logits_and_labels())


@prop("softmax.ce_loss", "the loss is finite and ≥ 0 for logits up to 1e4, also where p_k underflows to 0 with y_k = 0")
@given(args=logits_and_labels(LARGE_REGIMES))
def test_ce_loss_is_finite_and_nonnegative(subject: Any, args: tuple) -> None:
    z, y = args
    value = subject(z, y)
    # Every term -y_k log p_k is ≥ 0. Where the true loss is ~0 (y on a dominant class)
    # a rewrite like logsumexp(z)·Σy - y·z leaves the rounding of logit-sized terms.
    assert_true(
        value >= -logit_rounding(_magnitude(z)),
        what="the cross-entropy is negative",
        details={"z": z, "y": y, "loss": value},
    )


@prop("softmax.ce_loss", "the loss is linear in y: a mixture of labels gets the mixture of their losses")
@given(args=logits_and_labels(), data=st.data())
def test_ce_loss_is_linear_in_labels(subject: Any, args: tuple, data: st.DataObject) -> None:
    z, y = args
    other = data.draw(probability_vectors(z.size), label="other labels y'")
    weight = data.draw(finite_floats(0.0, 1.0), label="mixing weight a")
    mixed = weight * y + (1.0 - weight) * other
    expected = weight * subject(z, y) + (1.0 - weight) * subject(z, other)
    # Each loss sums K ≤ 6 terms of size ≤ 2e4 (logits up to 1e4): a few ulps of the
    # logits per term, which logit_rounding bounds with a wide margin.
    tolerance = logit_rounding(_magnitude(z)) * (1.0 + abs(expected))
    assert_close(subject(z, mixed), expected, rtol=0, atol=tolerance, what="loss(z, a·y + (1-a)·y')", expected_label="a·loss(z, y) + (1-a)·loss(z, y')")


# -- softmax.ce_grad ----------------------------------------------------------------------

test_ce_grad_agrees_with_reference = agrees_with_reference("softmax.ce_grad", logits_and_labels())


@prop("softmax.ce_grad", "the gradient sums to 0 (p and y both sum to 1)")
@given(args=logits_and_labels())
def test_ce_grad_sums_to_zero(subject: Any, args: tuple) -> None:
    z, y = args
    total = float(np.sum(subject(z, y)))
    # Σp - Σy: Σp is 1 up to the logits' rounding, Σy up to K ulps (y is normalized by division).
    assert_close(total, 0.0, rtol=0, atol=logit_rounding(_magnitude(z)), what="Σ_k (∂L/∂z_k)")


@prop("softmax.ce_grad", "the gradient is the derivative of the loss in z (scipy.differentiate)", cost=4)
@given(args=logits_and_labels(MODERATE_ONLY))
def test_ce_grad_is_derivative_of_loss(subject: Any, impl: Any, args: tuple) -> None:
    z, y = args
    loss, label = forward_to_differentiate(impl, "softmax.ce_loss", args)
    numerical = numerical_jacobian(lambda v: loss(v, y), z)
    assert_matches_numerical(subject(z, y), numerical, what="∂L/∂z", label=label)


# -- softmax.ce_hessian ---------------------------------------------------------------------

test_ce_hessian_agrees_with_reference = agrees_with_reference("softmax.ce_hessian", single_logits())


@prop("softmax.ce_hessian", "the Hessian is symmetric and positive semi-definite")
@given(args=single_logits())
def test_ce_hessian_is_symmetric_psd(subject: Any, args: tuple) -> None:
    (z,) = args
    h = subject(z)
    # Entries are at most 1/4 and exact up to the logits' rounding; eigvalsh adds K·eps.
    tolerance = logit_rounding(_magnitude(z))
    assert_close(h, h.T, rtol=0, atol=tolerance, what="H against its transpose")
    smallest = float(np.min(np.linalg.eigvalsh((h + h.T) / 2)))
    assert_true(
        smallest >= -tolerance,
        what="the Hessian has a negative eigenvalue (not positive semi-definite)",
        details={"z": z, "smallest eigenvalue": smallest, "H": h},
    )


@prop("softmax.ce_hessian", "H·1 = 0: adding a constant to z does not change the gradient")
@given(args=single_logits())
def test_ce_hessian_annihilates_ones(subject: Any, args: tuple) -> None:
    (z,) = args
    h = subject(z)
    # (H·1)_i = p_i(1 - Σp): zero up to the rounding of Σp.
    assert_close(h @ np.ones(z.size), np.zeros(z.size), rtol=0, atol=logit_rounding(_magnitude(z)), what="H·1")


@prop("softmax.ce_hessian", "the Hessian is singular: rank ≤ K-1 (its smallest singular value is 0)")
@given(args=single_logits())
def test_ce_hessian_has_rank_below_k(subject: Any, args: tuple) -> None:
    (z,) = args
    h = subject(z)
    singular = np.linalg.svd(h, compute_uv=False)
    # σ_min(H) is at most the norm of H's rounding error (K entries of logit_rounding
    # each); for moderate logits a full-rank wrong H has σ_min ≥ min p_k ~ 1e-8.
    tolerance = z.size * logit_rounding(_magnitude(z))
    assert_true(
        singular[-1] <= tolerance,
        what=f"the Hessian has full rank {z.size}; diag(p) - p pᵀ has rank at most K-1 = {z.size - 1}",
        details={"z": z, "singular values": singular, "H": h},
    )


@prop("softmax.ce_hessian", "vᵀHv is the variance of v under p (seed 004)")
@given(args=single_logits(), v=st.data())
def test_ce_hessian_quadratic_form_is_variance(subject: Any, args: tuple, v: st.DataObject) -> None:
    (z,) = args
    direction = v.draw(float_arrays(z.size, -3.0, 3.0), label="v")
    p = _reference("softmax.forward", z)
    mean = float(p @ direction)
    variance = float(p @ (direction - mean) ** 2)  # two-pass: no cancellation
    quadratic = float(direction @ subject(z) @ direction)
    # vᵀHv sums K² ≤ 36 terms of size ≤ 9·(1/4); with p exact up to the logits'
    # rounding the error is below 40·logit_rounding, far below any wrong H's O(p) error.
    tolerance = 40.0 * logit_rounding(_magnitude(z))
    assert_close(quadratic, variance, rtol=0, atol=tolerance, what="vᵀHv", expected_label="Var_p(v) = Σ p (v - E_p v)²")


@prop("softmax.ce_hessian", "the Hessian is the Jacobian of the CE gradient (scipy.differentiate)", cost=4)
@given(args=logits_and_labels(MODERATE_ONLY))
def test_ce_hessian_is_jacobian_of_grad(subject: Any, impl: Any, args: tuple) -> None:
    z, y = args
    grad, label = forward_to_differentiate(impl, "softmax.ce_grad", args)
    numerical = numerical_jacobian(lambda v: grad(v, y), z)
    assert_matches_numerical(subject(z), numerical, what="the Hessian ∂²L/∂z_i∂z_j", label=label)


# -- softmax.regression_loss ------------------------------------------------------------------

test_regression_loss_agrees_with_reference = agrees_with_reference("softmax.regression_loss", regression_args())


@prop("softmax.regression_loss", "the loss is finite and ≥ 0 for logits up to 1e4, also where P underflows to 0")
@given(args=regression_args(LARGE_REGIMES))
def test_regression_loss_is_finite_and_nonnegative(subject: Any, args: tuple) -> None:
    value = subject(*args)
    # A mean of non-negative cross-entropies; rounding of logit-sized terms may leave -ulp(1e4)·C.
    assert_true(
        value >= -logit_rounding(_logit_bound(*args[:3])),
        what="the mean cross-entropy is negative",
        details={"loss": value},
    )


@prop("softmax.regression_loss", "the loss is the MEAN of the single-example losses (not their sum)")
@given(args=regression_args())
def test_regression_loss_is_mean_over_batch(subject: Any, args: tuple) -> None:
    W, b, X, Y = args
    singles = np.array([subject(W, b, X[i : i + 1], Y[i : i + 1]) for i in range(X.shape[0])])
    # Same terms summed in another order: the logits' rounding times the losses' size.
    tolerance = logit_rounding(_logit_bound(W, b, X)) * (1.0 + float(np.max(np.abs(singles))))
    assert_close(subject(*args), float(np.mean(singles)), rtol=0, atol=tolerance, what="the loss of the batch", expected_label="the mean of the losses of its examples")


# -- softmax.regression_grad ------------------------------------------------------------------

test_regression_grad_agrees_with_reference = agrees_with_reference("softmax.regression_grad", regression_args())


@prop("softmax.regression_grad", "(dW, db) is the derivative of the mean loss in (W, b) (scipy.differentiate)", cost=4)
@given(args=regression_args(MODERATE_ONLY, max_features=2, max_classes=3))  # ≤ 9 parameters: one call per parameter and point
def test_regression_grad_is_derivative_of_loss(subject: Any, impl: Any, args: tuple) -> None:
    W, b, X, Y = args
    loss, label = forward_to_differentiate(impl, "softmax.regression_loss", args)
    numerical = numerical_jacobian(lambda theta: loss(*_split_params(theta, W), X, Y), np.append(W.ravel(), b))
    dW, db = subject(*args)
    assert_matches_numerical(np.append(np.ravel(dW), db), numerical, what="(dW, db) stacked, dW row-major", label=label)


@prop("softmax.regression_grad", "every row of dW and db sums to 0 over the classes (rows of P - Y sum to 0)")
@given(args=regression_args())
def test_regression_grad_sums_to_zero_over_classes(subject: Any, args: tuple) -> None:
    W, b, X, Y = args
    dW, db = subject(*args)
    # Each row of P - Y sums to 0 up to logit_rounding; dW mixes them with weights |X| ≤ 3.
    tolerance = logit_rounding(_logit_bound(W, b, X)) * (1.0 + float(np.max(np.abs(X))))
    assert_close(dW.sum(axis=1), np.zeros(W.shape[0]), rtol=0, atol=tolerance, what="Σ_k dW[j, k]")
    assert_close(float(db.sum()), 0.0, rtol=0, atol=tolerance, what="Σ_k db[k]")


@prop("softmax.regression_grad", "the gradient is the MEAN of the single-example gradients (the 1/n)")
@given(args=regression_args())
def test_regression_grad_is_mean_over_batch(subject: Any, args: tuple) -> None:
    W, b, X, Y = args
    singles = [subject(W, b, X[i : i + 1], Y[i : i + 1]) for i in range(X.shape[0])]
    mean_dW = np.mean([dW for dW, _ in singles], axis=0)
    mean_db = np.mean([db for _, db in singles], axis=0)
    # Entries of P - Y are exact up to logit_rounding, multiplied by |X| ≤ 3.
    tolerance = logit_rounding(_logit_bound(W, b, X)) * (1.0 + float(np.max(np.abs(X))))
    assert_close(subject(*args), (mean_dW, mean_db), rtol=0, atol=tolerance, what="(dW, db) of the batch", expected_label="the mean over its examples")
