"""Properties of the backprop family: gradients of small networks.

Catalogue: ``backprop.linear``, ``backprop.mlp_dW1``, ``backprop.relu_regression``,
``backprop.autoencoder``, ``backprop.sigmoid_neuron``. Seeds 002 (y = Wx,
ReLU regression, autoencoder, staged sigmoid graph) and 004 (dW1 of a
LeakyReLU + dropout network).

The catalogue states no forward formula for these, so every gradient is
compared with ``scipy.differentiate`` applied to its *stated loss*, written
below (``_linear_loss``, ``_mlp_loss``, ...). Pre-activations are constructed a
margin ``KINK_MARGIN`` away from 0 (drawn with that margin, then the bias set
to reach them) and the finite-difference step is scaled so that no stencil
point crosses a ReLU or leaky-ReLU kink: the losses are smooth where they are
differentiated. Decisions are in ``reference/backprop.py``'s docstring.
"""

from __future__ import annotations

from typing import Any

import numpy as np
from hypothesis import given
from hypothesis import strategies as st
from scipy.special import expit, logsumexp

from properties.derivative_helpers import assert_matches_numerical, numerical_jacobian
from properties.generic_properties import agrees_with_reference
from properties.hypothesis_helpers import (
    binary_labels,
    finite_floats,
    float_arrays,
    probability_vectors,
    sizes,
)
from properties.pytest_helpers import assert_close, assert_true, prop

# Every pre-activation (z1 of the MLP, a = Wx + b of the ReLU regression) is at
# least this far from the kink at 0.
KINK_MARGIN = 0.25


# -- strategies ------------------------------------------------------------------


@st.composite
def away_from_zero(draw: Any, size: int, *, margin: float = KINK_MARGIN, high: float = 3.0) -> np.ndarray:
    """``(size,)`` values of either sign with ``margin ≤ |v| ≤ high``, built directly (no filtering)."""
    magnitudes = draw(float_arrays(size, margin, high))
    signs = np.array(draw(st.lists(st.sampled_from([1.0, -1.0]), min_size=size, max_size=size)))
    return magnitudes * signs


def _kink_safe_step(margin: float, *coefficients: np.ndarray) -> float:
    """An initial finite-difference step ``h`` such that moving one input by at
    most ``h`` (scipy's stencil never goes farther) moves every pre-activation
    by at most ``margin / 2``: each pre-activation is linear in each input, with
    a coefficient bounded by the largest entry of ``coefficients`` (or 1, a bias)."""
    largest = max([1.0] + [float(np.max(np.abs(c))) for c in coefficients if np.size(c)])
    return 0.5 * margin / largest


@st.composite
def linear_args(draw: Any, *, batched: bool | None = None) -> tuple:
    """``(dy, W, x)`` for ``y = W x``: ``x`` a vector ``(k,)`` or a batch ``(k, p)``,
    ``dy`` shaped like y. Sizes from 1 (m = k = p = 1) to 4, square and not."""
    m, k = draw(sizes(1, 4)), draw(sizes(1, 4))
    if batched is None:
        batched = draw(st.booleans())
    W = draw(float_arrays((m, k), -3.0, 3.0))
    if batched:
        p = draw(sizes(1, 4))
        return draw(float_arrays((m, p), -3.0, 3.0)), W, draw(float_arrays((k, p), -3.0, 3.0))
    return draw(float_arrays(m, -3.0, 3.0)), W, draw(float_arrays(k, -3.0, 3.0))


def dropout_masks(h: int) -> st.SearchStrategy[np.ndarray]:
    """Non-negative masks: inverted dropout ``{0, 1/(1-p)}`` (values other than
    0 and 1, so a mask applied twice shows), all ones, and arbitrary weights."""
    inverted = st.tuples(binary_labels(h), st.sampled_from([0.2, 0.5, 0.75])).map(lambda kp: kp[0] / (1.0 - kp[1]))
    return st.one_of(inverted, st.just(np.ones(h)), float_arrays(h, 0.0, 2.0))


@st.composite
def with_dropped_units(draw: Any, h: int) -> np.ndarray:
    """A mask with at least one unit dropped (0), sometimes all of them."""
    mask = draw(dropout_masks(h)).copy()
    dropped = draw(st.one_of(st.just(set(range(h))), st.sets(st.integers(0, h - 1), min_size=1)))
    mask[sorted(dropped)] = 0.0
    return mask


@st.composite
def mlp_args(draw: Any, *, masks: Any = dropout_masks) -> tuple:
    """``(x, y, W1, b1, W2, b2, mask, alpha)`` with every ``z1 = W1 x + b1`` at
    least ``KINK_MARGIN`` from 0 (z1 drawn first, ``b1 = z1 - W1 x``), K ≥ 2
    classes, ``y`` one-hot or soft. Logits stay below 100 in magnitude
    (|a| ≤ 4·3 with inverted dropout at p = 0.75, |W2| ≤ 2, h ≤ 4, |b2| ≤ 2)."""
    d, h, k = draw(sizes(1, 4)), draw(sizes(1, 4)), draw(sizes(2, 4))
    x = draw(float_arrays(d, -2.0, 2.0))
    W1 = draw(float_arrays((h, d), -2.0, 2.0))
    b1 = draw(away_from_zero(h)) - W1 @ x
    W2 = draw(float_arrays((k, h), -2.0, 2.0))
    b2 = draw(float_arrays(k, -2.0, 2.0))
    y = draw(probability_vectors(k))
    mask = draw(masks(h))
    alpha = draw(st.one_of(st.sampled_from([0.01, 0.1, 0.2]), finite_floats(0.0, 0.5)))
    return x, y, W1, b1, W2, b2, mask, alpha


@st.composite
def relu_regression_args(draw: Any, *, some_inactive: bool = False) -> tuple:
    """``(W, b, x, z)`` with every ``a = Wx + b`` at least ``KINK_MARGIN`` from 0;
    with ``some_inactive`` at least one unit has ``a < 0``."""
    m, k = draw(sizes(1, 4)), draw(sizes(1, 4))
    W = draw(float_arrays((m, k), -2.0, 2.0))
    x = draw(float_arrays(k, -2.0, 2.0))
    a = draw(away_from_zero(m))
    if some_inactive:
        inactive = sorted(draw(st.sets(st.integers(0, m - 1), min_size=1)))
        a[inactive] = -np.abs(a[inactive])
    z = draw(float_arrays(m, -3.0, 3.0))
    return W, a - W @ x, x, z


@st.composite
def autoencoder_args(draw: Any) -> tuple:
    """``(W, x)``, ``W: (k, d)`` (k below, equal to or above d), ``x: (d,)``."""
    k, d = draw(sizes(1, 4)), draw(sizes(1, 4))
    return draw(float_arrays((k, d), -1.5, 1.5)), draw(float_arrays(d, -2.0, 2.0))


@st.composite
def perfect_reconstructions(draw: Any) -> tuple:
    """``(W, x)`` with orthonormal rows of W and x in their span, so
    ``WᵀW x = x`` (up to rounding) and the loss is at its minimum 0."""
    d = draw(sizes(1, 4))
    k = draw(sizes(1, d))
    q, _ = np.linalg.qr(draw(float_arrays((d, d), -1.0, 1.0)) + 3.0 * np.eye(d))
    W = q.T[:k]
    return W, W.T @ draw(float_arrays(k, -2.0, 2.0))


@st.composite
def sigmoid_neuron_args(draw: Any) -> tuple:
    """``(w (3,), x (2,))`` with ``|z| = |w0 x0 + w1 x1 + w2| ≤ 10``."""
    return draw(float_arrays(3, -2.0, 2.0)), draw(float_arrays(2, -2.0, 2.0))


# -- the stated losses, differentiated numerically --------------------------------


def _linear_loss(dy: np.ndarray, W: np.ndarray, x: np.ndarray) -> float:
    """``L = Σ dy ⊙ (W x)``: the loss whose gradient is (Wᵀ dy, dy xᵀ)."""
    return float(np.sum(dy * (W @ x)))


def _mlp_loss(x: np.ndarray, y: np.ndarray, W1: np.ndarray, b1: np.ndarray, W2: np.ndarray, b2: np.ndarray, mask: np.ndarray, alpha: float) -> float:
    z1 = W1 @ x + b1
    a = mask * np.where(z1 > 0, z1, alpha * z1)
    z2 = W2 @ a + b2
    return float(-(y @ (z2 - logsumexp(z2))))  # -Σ y log softmax(z2)


def _relu_regression_loss(W: np.ndarray, b: np.ndarray, x: np.ndarray, z: np.ndarray) -> float:
    return float(np.sum((np.maximum(W @ x + b, 0.0) - z) ** 2))


def _autoencoder_loss(W: np.ndarray, x: np.ndarray) -> float:
    r = W.T @ (W @ x) - x
    return float(0.5 * r @ r)


def _sigmoid_neuron_loss(w: np.ndarray, x: np.ndarray) -> float:
    return float(expit(w[0] * x[0] + w[1] * x[1] + w[2]))


def _pack(*arrays: np.ndarray) -> np.ndarray:
    return np.concatenate([np.ravel(a) for a in arrays])


def _unpack(theta: np.ndarray, *like: np.ndarray) -> list[np.ndarray]:
    parts, start = [], 0
    for a in like:
        parts.append(theta[start : start + np.size(a)].reshape(np.shape(a)))
        start += np.size(a)
    return parts


# -- backprop.linear ------------------------------------------------------------------

test_linear_agrees_with_reference = agrees_with_reference("backprop.linear", linear_args())


@prop("backprop.linear", "(dx, dW) is the derivative of L = Σ dy ⊙ (W x), for x of shape (k,) and (k, p) (scipy.differentiate)", cost=4)
@given(args=linear_args())
def test_linear_is_derivative_of_stated_loss(subject: Any, args: tuple) -> None:
    dy, W, x = args
    numerical = numerical_jacobian(lambda theta: _linear_loss(dy, *_unpack(theta, W, x)), _pack(W, x))
    numerical_dW, numerical_dx = _unpack(numerical, W, x)
    dx, dW = subject(*args)
    label = "L = Σ dy ⊙ (W x)"
    assert_matches_numerical(dx, numerical_dx, what=f"dx for x of shape {x.shape}", label=label)
    assert_matches_numerical(dW, numerical_dW, what=f"dW for x of shape {x.shape}", label=label)


@prop("backprop.linear", "the gradients are linear in dy: f(a·dy1 + b·dy2) = a·f(dy1) + b·f(dy2)")
@given(args=linear_args(), other=st.data(), a=finite_floats(-2.0, 2.0), b=finite_floats(-2.0, 2.0))
def test_linear_is_linear_in_dy(subject: Any, args: tuple, other: st.DataObject, a: float, b: float) -> None:
    dy1, W, x = args
    dy2 = other.draw(float_arrays(dy1.shape, -3.0, 3.0), label="dy2")
    combined = subject(a * dy1 + b * dy2, W, x)
    first, second = subject(dy1, W, x), subject(dy2, W, x)
    expected = tuple(a * f1 + b * f2 for f1, f2 in zip(first, second))
    # Each entry is a sum of at most 4 products of entries ≤ 3 in magnitude, with
    # |a|, |b| ≤ 2: float64 rounding is ~1e-15 of |a|·|f(dy1)| + |b|·|f(dy2)| (≤ ~1e2),
    # even where the two cancel; a bug that is not linear (a ReLU mask on dy, an
    # added constant) is off by O(1).
    scale = 1.0 + max(float(np.max(abs(a) * np.abs(f1) + abs(b) * np.abs(f2))) for f1, f2 in zip(first, second))
    assert_close(combined, expected, rtol=0, atol=1e-11 * scale, what="(dx, dW) at a·dy1 + b·dy2", expected_label="a·f(dy1) + b·f(dy2)")


# -- backprop.mlp_dW1 ---------------------------------------------------------------

test_mlp_dW1_agrees_with_reference = agrees_with_reference("backprop.mlp_dW1", mlp_args())


@prop("backprop.mlp_dW1", "dW1 is the derivative of -Σ y log softmax(z2) through the masked leaky ReLU, off its kink (scipy.differentiate)", cost=4)
@given(args=mlp_args())
def test_mlp_dW1_is_derivative_of_stated_loss(subject: Any, args: tuple) -> None:
    x, y, W1, b1, W2, b2, mask, alpha = args
    step = _kink_safe_step(KINK_MARGIN, x)  # moving W1[i, j] by t moves z1[i] by t·x[j]
    numerical = numerical_jacobian(lambda w1: _mlp_loss(x, y, w1, b1, W2, b2, mask, alpha), W1, initial_step=step)
    assert_matches_numerical(subject(*args), numerical, what="dW1", label="L = -Σ y log softmax(W2 (mask ⊙ leaky_relu(W1 x + b1)) + b2)")


@prop("backprop.mlp_dW1", "units dropped by the mask (mask 0) have zero rows in dW1; an all-zero mask gives dW1 = 0")
@given(args=mlp_args(masks=with_dropped_units))
def test_mlp_dW1_is_zero_for_dropped_units(subject: Any, args: tuple) -> None:
    mask = args[6]
    dW1 = subject(*args)
    dropped = mask == 0
    # A dropped unit's row is a product with mask_i = 0: exactly 0 in any float64
    # formula; 1e-12 only absorbs a formula that scales by mask in another order.
    assert_close(dW1[dropped], np.zeros_like(dW1[dropped]), rtol=0, atol=1e-12, what=f"rows {np.flatnonzero(dropped).tolist()} of dW1 (mask 0 there)", expected_label="zero rows")


# -- backprop.relu_regression ---------------------------------------------------------

test_relu_regression_agrees_with_reference = agrees_with_reference("backprop.relu_regression", relu_regression_args())


@prop("backprop.relu_regression", "(dW, db, dx) is the derivative of ‖relu(Wx + b) - z‖², off the kink (scipy.differentiate)", cost=4)
@given(args=relu_regression_args())
def test_relu_regression_is_derivative_of_stated_loss(subject: Any, args: tuple) -> None:
    W, b, x, z = args
    step = _kink_safe_step(KINK_MARGIN, W, x)  # W[i, j] moves a[i] by t·x[j]; x[j] moves a[i] by t·W[i, j]
    numerical = numerical_jacobian(lambda theta: _relu_regression_loss(*_unpack(theta, W, b, x), z), _pack(W, b, x), initial_step=step)
    numerical_dW, numerical_db, numerical_dx = _unpack(numerical, W, b, x)
    dW, db, dx = subject(*args)
    label = "L = ‖relu(Wx + b) - z‖²"
    assert_matches_numerical(dW, numerical_dW, what="dW", label=label)
    assert_matches_numerical(db, numerical_db, what="db", label=label)
    assert_matches_numerical(dx, numerical_dx, what="dx", label=label)


@prop("backprop.relu_regression", "units with Wx + b < 0 pass no gradient: their db entries and dW rows are 0")
@given(args=relu_regression_args(some_inactive=True))
def test_relu_regression_inactive_units_pass_no_gradient(subject: Any, args: tuple) -> None:
    W, b, x, _ = args
    inactive = W @ x + b < 0  # at least KINK_MARGIN below 0 by construction
    dW, db, _ = subject(*args)
    # 1(a > 0) = 0 there, so the true entries are exactly 0; 1e-12 absorbs nothing but rounding.
    assert_close(db[inactive], np.zeros(int(inactive.sum())), rtol=0, atol=1e-12, what=f"db at the inactive units {np.flatnonzero(inactive).tolist()}", expected_label="zeros")
    assert_close(dW[inactive], np.zeros_like(dW[inactive]), rtol=0, atol=1e-12, what=f"rows {np.flatnonzero(inactive).tolist()} of dW (inactive units)", expected_label="zero rows")


# -- backprop.autoencoder --------------------------------------------------------------

test_autoencoder_agrees_with_reference = agrees_with_reference("backprop.autoencoder", autoencoder_args())


@prop("backprop.autoencoder", "dW is the derivative of ½‖WᵀWx - x‖² (scipy.differentiate)", cost=4)
@given(args=autoencoder_args())
def test_autoencoder_is_derivative_of_stated_loss(subject: Any, args: tuple) -> None:
    W, x = args
    numerical = numerical_jacobian(lambda w: _autoencoder_loss(w, x), W)
    assert_matches_numerical(subject(*args), numerical, what="dW", label="L = ½‖WᵀWx - x‖²")


@prop("backprop.autoencoder", "a perfect reconstruction (orthonormal rows of W, x in their span) has zero gradient")
@given(args=perfect_reconstructions())
def test_autoencoder_perfect_reconstruction_has_zero_gradient(subject: Any, args: tuple) -> None:
    dW = subject(*args)
    # The residual WᵀWx - x is rounding (~1e-15 for |x| ≤ 4, |W| ≤ 1); dW is a
    # product of it with W and x. A residual off by a sign or a term is O(|x|).
    assert_close(dW, np.zeros_like(dW), rtol=0, atol=1e-12, what="dW at a perfect reconstruction (loss 0, its minimum)", expected_label="zeros")


# -- backprop.sigmoid_neuron ------------------------------------------------------------

test_sigmoid_neuron_agrees_with_reference = agrees_with_reference("backprop.sigmoid_neuron", sigmoid_neuron_args())


@prop("backprop.sigmoid_neuron", "(dw, dx) is the derivative of σ(w0 x0 + w1 x1 + w2) (scipy.differentiate)", cost=4)
@given(args=sigmoid_neuron_args())
def test_sigmoid_neuron_is_derivative_of_stated_loss(subject: Any, args: tuple) -> None:
    w, x = args
    numerical = numerical_jacobian(lambda theta: _sigmoid_neuron_loss(*_unpack(theta, w, x)), _pack(w, x))
    numerical_dw, numerical_dx = _unpack(numerical, w, x)
    dw, dx = subject(*args)
    label = "L = σ(w0 x0 + w1 x1 + w2)"
    assert_matches_numerical(dw, numerical_dw, what="dw", label=label)
    assert_matches_numerical(dx, numerical_dx, what="dx", label=label)


@prop("backprop.sigmoid_neuron", "the bias gradient dw[2] is the local gradient σ'(z), in (0, 1/4]")
@given(args=sigmoid_neuron_args())
def test_sigmoid_neuron_bias_gradient_is_local_gradient(subject: Any, args: tuple) -> None:
    dw, _ = subject(*args)
    # For |z| ≤ 10, σ'(z) ≥ 4.5e-5 even computed as s(1 - s); 1/4 is attained at
    # z = 0, where s(1 - s) can round up by at most an ulp (5.6e-17).
    assert_true(
        0.0 < dw[2] <= 0.25 + 1e-15,
        what="dw[2] = ∂σ(z)/∂w2 = σ'(z) must lie in (0, 1/4]",
        details={"dw[2]": dw[2], "z": float(args[0][0] * args[1][0] + args[0][1] * args[1][1] + args[0][2])},
    )
