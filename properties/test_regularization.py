"""Properties of the regularization family: L2 and L1 penalties, label
smoothing and gradient clipping.

Catalogue: ``regularization.l2_grad``, ``regularization.l2_step``,
``regularization.l1_step``, ``regularization.label_smoothing``,
``regularization.clip_by_norm``. Seed 002.

Weights and gradients have any shape (1 to 3 axes, sides 1 to 4) with entries
in [-10, 10]; ``alpha ∈ [0, 10]``, ``lr ∈ [0, 1]``, so ``lr·α`` runs through 1
(where ``1 - lr α`` cancels) and beyond.
"""

from __future__ import annotations

from typing import Any

import numpy as np
from hypothesis import given
from hypothesis import strategies as st
from hypothesis.extra import numpy as hnp

from properties.derivative_helpers import NUMERICAL_RTOL, assert_matches_numerical, numerical_jacobian
from properties.generic_properties import FLOAT64_RTOL, agrees_with_reference
from properties.hypothesis_helpers import (
    finite_floats,
    float_arrays,
    one_hot_vectors,
    positive_floats,
    shapes,
)
from properties.pytest_helpers import assert_close, assert_equal, assert_true, prop

# -- strategies ------------------------------------------------------------------

# 0 included (Hypothesis favours the ends of a range); the derivative properties,
# which need the penalty present to see it, draw from the positive ranges.
alphas = finite_floats(0.0, 10.0)
learning_rates = finite_floats(0.0, 1.0)
positive_alphas = finite_floats(0.01, 10.0)
positive_learning_rates = finite_floats(0.01, 1.0)


# Any shape of 1 to 3 axes, half the time with at least two axes of two or more
# (where a per-row computation differs from one over all entries).
any_shape = st.one_of(shapes(1, 3, 1, 4), shapes(2, 3, 2, 4))


def weights_with_zeros(shape: tuple[int, ...]) -> st.SearchStrategy[np.ndarray]:
    """Entries in [-10, 10], often exactly 0 (L1's kink)."""
    return hnp.arrays(np.float64, shape, elements=st.one_of(st.just(0.0), finite_floats(-10.0, 10.0)))


@st.composite
def weights_and_gradient(draw: Any, *, margin: float = 0.0) -> tuple[np.ndarray, np.ndarray]:
    """``(w, grad_J)`` of one drawn shape. With ``margin`` > 0 every |w_i| ≥ margin
    (off L1's kink); otherwise w often has exact zeros."""
    shape = draw(any_shape)
    if margin > 0:
        magnitudes = draw(float_arrays(shape, margin, 10.0))
        signs = draw(hnp.arrays(np.float64, shape, elements=st.sampled_from([-1.0, 1.0])))
        w = magnitudes * signs
    else:
        w = draw(weights_with_zeros(shape))
    return w, draw(float_arrays(shape, -10.0, 10.0))


l2_grad_args = st.tuples(weights_and_gradient(), alphas).map(lambda t: (*t[0], t[1]))
step_args = st.tuples(weights_and_gradient(), alphas, learning_rates).map(lambda t: (*t[0], t[1], t[2]))


@st.composite
def l1_args_with_zero_weights(draw: Any) -> tuple:
    """``(w, grad_J, alpha, lr)`` with at least one weight exactly 0 and α·lr > 0."""
    w, g = draw(weights_and_gradient())
    flat = w.reshape(-1)
    flat[draw(st.integers(0, flat.size - 1))] = 0.0
    return w, g, draw(positive_alphas), draw(positive_learning_rates)


@st.composite
def smoothing_args(draw: Any) -> tuple:
    """``(y, eps)``: one-hot y with K ∈ 2..12 and ε ∈ [0, 1], its ends, the
    seed's 0.1 and the argmax-tie point (K-1)/K included."""
    k = draw(st.integers(2, 12))
    eps = draw(st.one_of(finite_floats(0.0, 1.0), st.sampled_from([0.0, 1.0, 0.1, (k - 1) / k])))
    return draw(one_hot_vectors(k)), eps


@st.composite
def smoothing_args_below_tie(draw: Any) -> tuple:
    """``(y, eps)`` with ε ≤ (1 - 1e-6)(K-1)/K: the true class stays ahead by
    1 - εK/(K-1) ≥ 1e-6, far above rounding."""
    k = draw(st.integers(2, 12))
    top = (1.0 - 1e-6) * (k - 1) / k
    eps = draw(st.one_of(finite_floats(0.0, top), st.sampled_from([0.0, 0.1 * top, top])))
    return draw(one_hot_vectors(k)), eps


def _norm(g: np.ndarray) -> float:
    """‖g‖ over all entries, scaled first so that entries near 1e-300 do not underflow when squared."""
    g = np.asarray(g, dtype=np.float64).ravel()
    peak = float(np.max(np.abs(g))) if g.size else 0.0
    return 0.0 if peak == 0.0 else peak * float(np.linalg.norm(g / peak))


# Gradient entries: 0 or 1e-150 ≤ |g| ≤ 10. Below 1e-150 a correct g·c/c or
# sqrt(Σg²) underflows into subnormals, which tests the hardware, not the formula.
gradient_entries = finite_floats(-10.0, 10.0).map(lambda v: v if abs(v) >= 1e-150 else 0.0)


@st.composite
def clip_args(draw: Any, *, below: bool | None = None) -> tuple:
    """``(g, c)``: g of 1 to 3 axes with entries as above (g = 0 included), and
    c ≥ 1e-3 below, at or above ‖g‖. With ``below`` True, ‖g‖ < c always."""
    g = draw(hnp.arrays(np.float64, any_shape, elements=gradient_entries))
    norm = _norm(g)
    if below:
        return g, max(norm * draw(finite_floats(1.0 + 1e-9, 10.0)), 1e-3)
    if norm == 0.0:
        return g, draw(positive_floats(1e-3, 100.0))
    c = draw(
        st.one_of(
            finite_floats(0.01, 0.999).map(lambda f: f * norm),  # clipped
            st.just(norm),  # exactly at the threshold: both branches give g
            finite_floats(1.001, 10.0).map(lambda f: f * norm),  # untouched
            positive_floats(1e-3, 100.0),
            finite_floats(0.01, 0.5).map(lambda f: f * norm),  # clipped hard
        )
    )
    return g, max(c, 1e-3)


# -- regularization.l2_grad ------------------------------------------------------------

test_l2_grad_agrees_with_reference = agrees_with_reference("regularization.l2_grad", l2_grad_args)


@prop("regularization.l2_grad", "it is the derivative of J + (α/2)‖w‖² (scipy.differentiate)", cost=4)
@given(args=st.tuples(weights_and_gradient(), positive_alphas).map(lambda t: (*t[0], t[1])))
def test_l2_grad_is_derivative_of_penalized_objective(subject: Any, args: tuple) -> None:
    w, g, alpha = args
    # A J with ∇J(w) = grad_J: the linear J(v) = ⟨grad_J, v⟩.
    numerical = numerical_jacobian(lambda v: float(np.sum(g * v) + 0.5 * alpha * np.sum(v * v)), w)
    assert_matches_numerical(subject(w, g, alpha), numerical, what="∇(J + (α/2)‖w‖²)", label="J + (α/2)‖w‖²")


# -- regularization.l2_step --------------------------------------------------------------

test_l2_step_agrees_with_reference = agrees_with_reference("regularization.l2_step", step_args)


@prop("regularization.l2_step", "it is a gradient step on J + (α/2)‖w‖²: w - lr(αw + ∇J)")
@given(args=step_args)
def test_l2_step_is_gradient_step_on_penalized_objective(subject: Any, args: tuple) -> None:
    w, g, alpha, lr = args
    expected = w - lr * (alpha * w + g)
    # (1 - lrα)w - lr∇J and w - lr(αw + ∇J) differ by rounding of their terms,
    # at most |w|(1 + lrα) + lr|∇J| ≤ 120; 1e-9 of them is the agreement tolerance.
    scale = 1.0 + float(np.max(np.abs(w) * (1.0 + lr * alpha) + lr * np.abs(g)))
    assert_close(subject(*args), expected, rtol=FLOAT64_RTOL, atol=FLOAT64_RTOL * scale,
                 what="the L2 step", expected_label="w - lr(αw + ∇J)")


@prop("regularization.l2_step", "with ∇J = 0 and 0 < lr·α < 1 every weight shrinks towards 0 by (1 - lr α)")
@given(args=step_args, data=st.data())
def test_l2_step_decays_weights(subject: Any, args: tuple, data: st.DataObject) -> None:
    w, g, _, _ = args
    alpha = data.draw(finite_floats(0.1, 10.0), label="alpha")
    lr = data.draw(finite_floats(0.01, 0.99), label="lr·α") / alpha
    got = subject(w, np.zeros_like(g), alpha, lr)
    # (1 - lrα) is computed to 1 ulp and 1 - lrα ≥ 0.01: relative 1e-12 is rounding only.
    # atol: weights near 1e-308 shrink into subnormals, where only absolute spacing counts.
    assert_close(got, (1.0 - lr * alpha) * w, rtol=1e-12, atol=1e-300, what="the L2 step with ∇J = 0",
                 expected_label="(1 - lr α) w")


# -- regularization.l1_step --------------------------------------------------------------

test_l1_step_agrees_with_reference = agrees_with_reference("regularization.l1_step", step_args)


@prop("regularization.l1_step", "a weight that is exactly 0 moves by -lr ∇J only (sign(0) = 0)")
@given(args=l1_args_with_zero_weights())
def test_l1_step_zero_weight_uses_sign_zero(subject: Any, args: tuple) -> None:
    w, g, alpha, lr = args
    zero = w == 0.0
    got = subject(*args)
    # 0 - lr·α·0 - lr·g is -lr·g exactly in any order of the operations.
    assert_close(got[zero], -lr * g[zero], rtol=1e-15, atol=0.0, what="the step of the zero weights",
                 expected_label="-lr ∇J (sign(0) = 0)")


@prop("regularization.l1_step", "away from 0 it is a gradient step on J + α‖w‖₁ (scipy.differentiate)", cost=4)
@given(
    args=st.tuples(weights_and_gradient(margin=0.5), positive_alphas, positive_learning_rates).map(
        lambda t: (*t[0], t[1], t[2])
    )
)
def test_l1_step_is_gradient_step_on_penalized_objective(subject: Any, args: tuple) -> None:
    w, g, alpha, lr = args
    # J(v) = ⟨grad_J, v⟩ again; |w_i| ≥ 0.5 and steps ≤ 0.25 (one coordinate at a
    # time) never cross the kink at 0.
    slope = numerical_jacobian(lambda v: float(np.sum(g * v) + alpha * np.sum(np.abs(v))), w, initial_step=0.25)
    expected = w - lr * slope
    # Piecewise linear: differences are exact up to rounding (~1e-14); 1e-6 is the
    # numerical-derivative tolerance, scaled by the step's largest term.
    scale = 1.0 + float(np.max(np.abs(w) + lr * np.abs(slope)))
    assert_close(subject(*args), expected, rtol=NUMERICAL_RTOL, atol=NUMERICAL_RTOL * scale,
                 what="the L1 step", expected_label="w - lr·(numerical gradient of J + α‖w‖₁)")


# -- regularization.label_smoothing ---------------------------------------------------------

test_label_smoothing_agrees_with_reference = agrees_with_reference("regularization.label_smoothing", smoothing_args())


@prop("regularization.label_smoothing", "for K = 10 and ε = 0.1 it gives 0.9 and 0.1/9 = 0.0111… (seed 002)")
@given(true_class=st.integers(0, 9))
def test_label_smoothing_seed_values(subject: Any, true_class: int) -> None:
    expected = np.full(10, 0.1 / 9)
    expected[true_class] = 0.9
    # Values of size ≤ 1 from one or two operations: 1e-15 is a few ulps.
    assert_close(subject(np.eye(10)[true_class], 0.1), expected, rtol=0.0, atol=1e-15,
                 what="smoothed one-hot, K = 10, ε = 0.1")


@prop("regularization.label_smoothing", "smoothed labels are a probability vector (non-negative, sum 1)")
@given(args=smoothing_args())
def test_label_smoothing_is_probability_vector(subject: Any, args: tuple) -> None:
    got = subject(*args)
    # Written as y(1 - εK/(K-1)) + ε/(K-1), the true class at ε = 1 is -1e-17 by
    # rounding: 1e-12 allows that and K ≤ 12 roundings in the sum, nothing more.
    assert_true(bool(np.all(got >= -1e-12)), what="a smoothed label is negative", details={"smoothed": got})
    total = float(np.sum(got))
    assert_true(abs(total - 1.0) <= 1e-12, what="the smoothed labels do not sum to 1",
                details={"smoothed": got, "sum": total})


@prop("regularization.label_smoothing", "for ε < (K-1)/K the true class keeps the largest value")
@given(args=smoothing_args_below_tie())
def test_label_smoothing_keeps_argmax(subject: Any, args: tuple) -> None:
    y, eps = args
    got = subject(y, eps)
    true_class = int(np.argmax(y))
    others = np.delete(got, true_class)
    assert_true(
        bool(np.all(got[true_class] > others)),
        what=f"with ε = {eps:.6g} < (K-1)/K the true class {true_class} is no longer the unique largest",
        details={"smoothed": got},
    )


# -- regularization.clip_by_norm ---------------------------------------------------------------

test_clip_by_norm_agrees_with_reference = agrees_with_reference("regularization.clip_by_norm", clip_args())


@prop("regularization.clip_by_norm", "below the threshold (‖g‖ < c) it returns g unchanged")
@given(args=clip_args(below=True))
def test_clip_by_norm_identity_below_threshold(subject: Any, args: tuple) -> None:
    g, c = args
    # g·c/c or g·min(1, c/‖g‖) may round by an ulp; 1e-12 relative is rounding only.
    assert_close(subject(g, c), g, rtol=1e-12, atol=0.0, what="clip_by_norm(g, c) with ‖g‖ < c",
                 expected_label="g")


@prop("regularization.clip_by_norm", "clipping never raises the norm")
@given(args=clip_args())
def test_clip_by_norm_never_raises_norm(subject: Any, args: tuple) -> None:
    g, c = args
    before, after = _norm(g), _norm(subject(g, c))
    # c·g/‖g‖ has norm c(1 ± a few ulps) ≤ ‖g‖(1 + 1e-15): 1e-12 relative is rounding only.
    assert_true(after <= before * (1.0 + 1e-12), what="the clipped gradient is longer than g",
                details={"‖g‖": before, "‖clipped‖": after, "c": c})


@prop("regularization.clip_by_norm", "the clipped norm (of all entries together) is at most c")
@given(args=clip_args())
def test_clip_by_norm_at_most_c(subject: Any, args: tuple) -> None:
    g, c = args
    after = _norm(subject(g, c))
    # As above: c(1 ± a few ulps).
    assert_true(after <= c * (1.0 + 1e-12), what="the norm of the clipped gradient over all its entries exceeds c",
                details={"‖g‖": _norm(g), "‖clipped‖": after, "c": c})


@prop("regularization.clip_by_norm", "clipping keeps the direction: the result is s·g with 0 < s ≤ 1")
@given(args=clip_args())
def test_clip_by_norm_keeps_direction(subject: Any, args: tuple) -> None:
    g, c = args
    got = subject(g, c)
    norm = _norm(g)
    if norm == 0.0:
        assert_equal(got, np.zeros_like(g), what="clip_by_norm(0, c)")
        return
    unit = g / norm  # unit-length g, computed without squaring tiny entries
    factor = float(np.sum(got * unit))  # = s·‖g‖ when the result is s·g
    off_direction = _norm(got - factor * unit)
    # Each entry of c·g/‖g‖ rounds by ~2 ulps, so the part of the result off g's
    # direction is ≤ 1e-15·‖result‖; 1e-12 leaves a wide margin.
    assert_true(
        factor > 0.0 and off_direction <= 1e-12 * _norm(got),
        what="the clipped gradient is not a positive multiple of g",
        details={"g": g, "clipped": got, "best factor s": factor / norm, "‖clipped - s·g‖": off_direction},
    )
