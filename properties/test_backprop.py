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
differentiated.

The kinks themselves are probed by separate properties (issue 13): exact zero
pre-activations are common in practice (zero inputs, zero-initialised biases,
dead units with a zero weight row), and the catalogue fixes the derivative
there (``leaky_relu'(0) = α`` in ``mlp_dW1``, ``relu'(0) = 0``, i.e.
``1(a > 0)``, in ``relu_regression``). The numerical derivative is undefined at
a kink, so those properties compare with the reference, and check the
convention a second way: both conventions are the *limit from below* (the
slope of the ``z ≤ 0`` branch), so the gradient at ``z = 0`` must equal the
gradient with the kinked units' biases lowered by ``KINK_NUDGE``. The kink
strategies draw weights and inputs on a dyadic grid (multiples of 1/4), so the
pre-activations are computed exactly in any summation order (and in float32):
a zero meant to be a kink is a zero in the submission too.
Decisions are in ``reference/backprop.py``'s docstring.
"""

from __future__ import annotations

from typing import Any

import numpy as np
from hypothesis import given
from hypothesis import strategies as st
from hypothesis.extra import numpy as hnp
from scipy.special import expit, logsumexp

from gradoracle.submission import reference_implementation
from properties.derivative_helpers import assert_matches_numerical, numerical_jacobian
from properties.generic_properties import FLOAT64_RTOL, agrees_with_reference
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

# The kink strategies' grid: weights, inputs and biases are multiples of 1/4
# (|entry| ≤ 2), so every product is a multiple of 1/16 and every partial sum
# of at most 4 of them (plus a bias, |b| ≤ 16) is exactly representable in
# float64 and float32: W x + b is exact in any order, and exactly 0 where it
# is meant to be.
GRID_STEP = 0.25
GRID_MAX_STEPS = 8  # |entry| ≤ 8 · 1/4 = 2

# How far below the kink the "limit from below" is taken: 2⁻⁴⁰ ≈ 9e-13. It
# survives the computation of W x + b (rounding there is ≤ 32 ulp(1) ≈ 7e-15 on
# the grid), so the nudged units are strictly negative, and it moves every
# other quantity by at most ~1e3 · 2⁻⁴⁰ ≈ 1e-9 relative (see the properties).
KINK_NUDGE = 2.0**-40


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


def grid_arrays(shape: int | tuple[int, ...], *, nonzero: bool = False) -> st.SearchStrategy[np.ndarray]:
    """Arrays of multiples of ``GRID_STEP`` in ``[-2, 2]`` (exact arithmetic, see
    ``GRID_STEP``); with ``nonzero`` no entry is 0."""
    steps = st.integers(-GRID_MAX_STEPS, GRID_MAX_STEPS)
    if nonzero:
        steps = steps.filter(bool)
    return hnp.arrays(np.int64, shape, elements=steps, fill=st.nothing()).map(lambda a: a * GRID_STEP)


# How a unit's pre-activation W[i] x + b[i] comes out: an ordinary unit (any
# grid row and bias, rarely 0), or one of the ways real networks put it at
# exactly 0: a dead or zero-initialised unit (zero weight row, zero bias), a
# unit whose weights only see features absent from this (sparse) input, with a
# zero-initialised bias, and a unit whose bias exactly cancels W[i] x.
UNIT_KINDS = ("ordinary", "zero_row", "absent_features", "cancelling_bias")


@st.composite
def layer_with_kinks(draw: Any, x: np.ndarray, units: int) -> tuple[np.ndarray, np.ndarray]:
    """``(W, b)`` on the grid with ``W x + b`` exactly 0 at one unit at least,
    ordinary (usually non-zero) at the others."""
    d = x.shape[0]
    W = draw(grid_arrays((units, d))).copy()
    b = draw(grid_arrays(units)).copy()
    if draw(st.booleans()):
        b[:] = 0.0  # zero-initialised biases throughout
    kinds = draw(st.lists(st.sampled_from(UNIT_KINDS), min_size=units, max_size=units))
    if all(kind == "ordinary" for kind in kinds):
        kinds[draw(st.integers(0, units - 1))] = draw(st.sampled_from(UNIT_KINDS[1:]))
    for i, kind in enumerate(kinds):
        if kind == "zero_row":
            W[i], b[i] = 0.0, 0.0
        elif kind == "absent_features":
            W[i, x != 0] = 0.0
            b[i] = 0.0
        elif kind == "cancelling_bias":
            b[i] = -(W[i] @ x)  # exact on the grid
    return W, b


@st.composite
def grid_inputs(draw: Any, d: int) -> np.ndarray:
    """A grid input ``(d,)``: dense (no zero), sparse (some zeros, one non-zero
    at least), or all zero (an all-zero input, e.g. a blank image)."""
    x = draw(grid_arrays(d, nonzero=True)).copy()
    kind = draw(st.sampled_from(["dense", "dense", "sparse", "zero"]))
    if kind == "zero":
        return np.zeros(d)
    if kind == "sparse" and d > 1:
        keep = draw(st.integers(0, d - 1))
        absent = draw(st.sets(st.integers(0, d - 1), min_size=1, max_size=d - 1))
        x[sorted(absent - {keep})] = 0.0
    return x


@st.composite
def kinked_mlp_args(draw: Any) -> tuple:
    """``(x, y, W1, b1, W2, b2, mask, alpha)`` with ``z1 = W1 x + b1`` exactly 0
    at one unit at least (see :func:`layer_with_kinks`), the others ordinary;
    one kinked unit is kept by the mask, so its row of dW1 shows the slope used
    there (when x ≠ 0). Logits stay below 100 in magnitude, as in :func:`mlp_args`:
    |z1| ≤ 4·2·2 + 2 = 18 at an ordinary unit, |a| ≤ 4·18 with inverted dropout
    at p = 0.75, so |W2| ≤ 0.3 gives |z2| ≤ 4·0.3·72 + 2 ≈ 88."""
    d, h, k = draw(sizes(1, 4)), draw(sizes(1, 4)), draw(sizes(2, 4))
    x = draw(grid_inputs(d))
    W1, b1 = draw(layer_with_kinks(x, h))
    W2 = draw(float_arrays((k, h), -0.3, 0.3))
    b2 = draw(float_arrays(k, -2.0, 2.0))
    y = draw(probability_vectors(k))
    mask = draw(dropout_masks(h)).copy()
    kinked = np.flatnonzero(W1 @ x + b1 == 0)
    kept = kinked[draw(st.integers(0, len(kinked) - 1))]
    if mask[kept] == 0:
        mask[kept] = 1.0
    alpha = draw(st.one_of(st.sampled_from([0.01, 0.1, 0.2]), finite_floats(0.0, 0.5)))
    return x, y, W1, b1, W2, b2, mask, alpha


@st.composite
def kinked_relu_regression_args(draw: Any) -> tuple:
    """``(W, b, x, z)`` with ``a = Wx + b`` exactly 0 at one unit at least (see
    :func:`layer_with_kinks`), the others ordinary; targets z of either sign."""
    m, k = draw(sizes(1, 4)), draw(sizes(1, 4))
    x = draw(grid_inputs(k))
    W, b = draw(layer_with_kinks(x, m))
    z = draw(float_arrays(m, -3.0, 3.0))
    return W, b, x, z


def nudged_below_kinks(b: np.ndarray, pre_activation: np.ndarray) -> np.ndarray:
    """``b`` with the entries of the units at the kink (pre-activation exactly 0)
    lowered by ``KINK_NUDGE``: those units move to the ``z < 0`` branch."""
    return np.where(pre_activation == 0, b - KINK_NUDGE, b)


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


def _magnitude(value: Any) -> float:
    """``1 + max |entry|`` over an array or a tuple of arrays (the scale of an absolute tolerance)."""
    parts = value if isinstance(value, tuple) else (value,)
    return 1.0 + max((float(np.max(np.abs(np.asarray(p, dtype=np.float64)))) for p in parts if np.size(p)), default=0.0)


def _agrees_with_reference_at_kinks(subject: Any, formula_id: str, args: tuple, pre_activation: np.ndarray, convention: str) -> None:
    """The kink properties' comparison with the reference (the registered
    agreement property keeps off the kinks: its inputs feed the benchmarks'
    gradcheck-style incumbents, which are undefined at a kink)."""
    expected = reference_implementation().call(formula_id, *args)
    got = subject(*args)
    at_kink = np.flatnonzero(pre_activation == 0).tolist()
    # The same float64 tolerance as every agreement property: a different
    # convention at a kinked unit is off by O(1) there (slope 1 vs α, or an
    # unmasked 2(0 - z)), far above it.
    assert_close(got, expected, rtol=FLOAT64_RTOL, atol=FLOAT64_RTOL * _magnitude(expected), what=f"{formula_id} with the pre-activation exactly 0 at units {at_kink} ({convention})")


# -- backprop.mlp_dW1 at the kink -------------------------------------------------------


@prop("backprop.mlp_dW1", "at exact zero pre-activations (zero input, zero-initialised bias, zero weight row, cancelling bias) dW1 agrees with the reference: leaky_relu'(0) = α")
@given(args=kinked_mlp_args())
def test_mlp_dW1_agrees_with_reference_at_kinks(subject: Any, args: tuple) -> None:
    x, _, W1, b1, *_ = args
    _agrees_with_reference_at_kinks(subject, "backprop.mlp_dW1", args, W1 @ x + b1, "leaky_relu'(0) = α")


@prop("backprop.mlp_dW1", "at an exact zero pre-activation dW1 uses the slope below the kink, leaky_relu'(0) = α: it equals dW1 with those units' biases lowered by 2⁻⁴⁰")
@given(args=kinked_mlp_args())
def test_mlp_dW1_at_kinks_is_the_limit_from_below(subject: Any, args: tuple) -> None:
    x, y, W1, b1, W2, b2, mask, alpha = args
    z1 = W1 @ x + b1
    at_kink = np.flatnonzero(z1 == 0).tolist()
    below = subject(x, y, W1, nudged_below_kinks(b1, z1), W2, b2, mask, alpha)
    at = subject(*args)
    # Nudging z1 by ε = 2⁻⁴⁰ below 0 leaves every slope as it is (the kinked units
    # take α on both sides under the catalogue's convention) and moves the
    # logits by at most Σ|W2|·mask·α·ε ≤ 4·0.3·4·0.5·ε, hence softmax, W2ᵀ(p - y)
    # and dW1 by at most ~1e3·ε ≈ 1e-9 in absolute terms; a slope of 1 (or 0, or
    # ½) at the kink changes a row by (1 - α)·|g_i · mask_i · x_j|, O(|g_i|).
    assert_close(at, below, rtol=0, atol=1e-7 * _magnitude(below), what=f"dW1 with z1 exactly 0 at units {at_kink}", expected_label=f"dW1 with b1 lowered by 2⁻⁴⁰ there (z1 < 0: slope α = {alpha!r})")


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


# -- backprop.relu_regression at the kink ------------------------------------------------


@prop("backprop.relu_regression", "at exact zero pre-activations (zero input, zero-initialised bias, zero weight row, cancelling bias) (dW, db, dx) agrees with the reference: δ = 1(a > 0) ⊙ 2(relu(a) - z), relu'(0) = 0")
@given(args=kinked_relu_regression_args())
def test_relu_regression_agrees_with_reference_at_kinks(subject: Any, args: tuple) -> None:
    W, b, x, _ = args
    _agrees_with_reference_at_kinks(subject, "backprop.relu_regression", args, W @ x + b, "relu'(0) = 0")


@prop("backprop.relu_regression", "units exactly at the kink (Wx + b = 0) pass no gradient, relu'(0) = 0: their db entries and dW rows are 0")
@given(args=kinked_relu_regression_args())
def test_relu_regression_units_at_the_kink_pass_no_gradient(subject: Any, args: tuple) -> None:
    W, b, x, z = args
    at_kink = W @ x + b == 0  # exact on the grid, in the submission's arithmetic too
    dW, db, _ = subject(*args)
    # 1(a > 0) = 0 there, so the entries are exactly 0 (δ = 0 · 2(0 - z)); a slope
    # of 1 or ½ at the kink gives δ = -2z or -z there, O(1).
    rows = np.flatnonzero(at_kink).tolist()
    assert_close(np.asarray(db)[at_kink], np.zeros(len(rows)), rtol=0, atol=1e-12, what=f"db at the units {rows}, where Wx + b = 0 exactly (z there: {z[at_kink].tolist()})", expected_label="zeros (relu'(0) = 0)")
    assert_close(np.asarray(dW)[at_kink], np.zeros((len(rows), x.shape[0])), rtol=0, atol=1e-12, what=f"rows {rows} of dW, where Wx + b = 0 exactly", expected_label="zero rows (relu'(0) = 0)")


@prop("backprop.relu_regression", "at an exact zero pre-activation the gradients use the slope below the kink, relu'(0) = 0: they equal the gradients with those units' biases lowered by 2⁻⁴⁰")
@given(args=kinked_relu_regression_args())
def test_relu_regression_at_kinks_is_the_limit_from_below(subject: Any, args: tuple) -> None:
    W, b, x, z = args
    a = W @ x + b
    at_kink = np.flatnonzero(a == 0).tolist()
    below = subject(W, nudged_below_kinks(b, a), x, z)
    at = subject(*args)
    # Below the kink δ_i = 0 exactly, and the other units do not see b_i: under
    # the catalogue's convention the two are equal up to rounding. A slope of 1
    # (or ½) at the kink gives δ_i = -2 z_i (or -z_i) at 0, an O(1) jump.
    assert_close(at, below, rtol=0, atol=1e-12 * _magnitude(below), what=f"(dW, db, dx) with Wx + b exactly 0 at units {at_kink}", expected_label="(dW, db, dx) with b lowered by 2⁻⁴⁰ there (a < 0: relu' = 0)")


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
