"""Properties of the losses family: gradients of a sigmoid unit's output losses.

Catalogue: ``losses.sigmoid_mse_grad``, ``losses.sigmoid_ce_grad``. Seeds 002
(the MSE and CE derivatives) and 003 (saturation).

``z`` and ``y`` have the same, arbitrary shape (0-d included); ``y`` holds 0/1
labels or soft targets in ``[0, 1]``. The catalogue has no forward loss for
this family, so the derivative properties differentiate the stated per-entry
losses, written below, with ``scipy.differentiate``.

Decisions (where the catalogue is ambiguous):
- Both gradients are of the *unsummed* per-entry loss (the catalogue's
  "same shape"); a batch mean or sum is a different formula.
- Agreement is judged entry by entry, ``|got - ref| ≤ 1e-9 + 1e-9·|ref|``, as
  in the activations family: the gradients are bounded (|MSE'| ≤ 4/27,
  |CE'| ≤ 1), and the catalogue's own ``σ(1 - σ)`` and ``σ - y`` round to
  ~1e-16 absolute where the true value is tiny.
- Saturation is checked at ``y = 1`` and ``z ≤ -20`` (always including -20,
  -50 and -1e4): there the MSE gradient is at most ``e^{-20} ≈ 2.1e-9`` in
  magnitude and the CE gradient within ``2.1e-9`` of -1, so "vanishes" is
  ``|g| ≤ 1e-8`` and "tends to -1" is ``|g + 1| ≤ 1e-8``.
"""

from __future__ import annotations

from typing import Any

import numpy as np
from hypothesis import given
from hypothesis import strategies as st
from hypothesis.extra import numpy as hnp
from scipy import differentiate
from scipy.special import expit

from properties.derivative_helpers import assert_matches_numerical
from properties.generic_properties import agrees_with_reference
from properties.hypothesis_helpers import finite_floats, shapes
from properties.pytest_helpers import assert_close, assert_finite, prop

# -- strategies ----------------------------------------------------------------

# The catalogue's domain: both gradients finite for |z| up to 1e4.
CATALOGUE_MAX_LOGIT = 1e4

# 0-d to 3-d: the gradients are elementwise, so any shape.
ANY_SHAPE = shapes(min_dims=0, max_dims=3, min_side=1, max_side=4)

# Where implementations break: σ rounds to 1 (z ≈ 37), e^{-z} overflows (z < -709.78), the domain's edge.
_LANDMARKS = (0.0, 1.0, 20.0, 37.0, 40.0, 709.0, 710.0, 750.0, 1e3, CATALOGUE_MAX_LOGIT)
landmarks = st.sampled_from(_LANDMARKS + tuple(-v for v in _LANDMARKS if v))

whole_domain_logits = st.one_of(
    finite_floats(-10.0, 10.0),
    finite_floats(-CATALOGUE_MAX_LOGIT, CATALOGUE_MAX_LOGIT),
    landmarks,
)

# The saturated side for y = 1: the seed-003 points, and anything between -1e4 and -20.
SATURATION_POINTS = (-20.0, -50.0, -CATALOGUE_MAX_LOGIT)
saturated_logits = st.one_of(st.sampled_from(SATURATION_POINTS), finite_floats(-CATALOGUE_MAX_LOGIT, -20.0))

# Derivative properties: beyond |z| ≈ 15 the MSE gradient is below 1e-6 and the
# CE gradient is flat to within 3e-7, both judged on an absolute scale of 1e-6.
DERIVATIVE_MAX_LOGIT = 15.0


def target_arrays(shape: tuple[int, ...]) -> st.SearchStrategy[np.ndarray]:
    """0/1 labels or soft targets in [0, 1]."""
    return st.one_of(
        hnp.arrays(np.float64, shape, elements=st.sampled_from([0.0, 1.0])),
        hnp.arrays(np.float64, shape, elements=finite_floats(0.0, 1.0)),
    )


@st.composite
def logits_and_targets(draw: Any, logits: st.SearchStrategy[float] = whole_domain_logits) -> tuple:
    """``(z, y)`` of one drawn shape."""
    shape = draw(ANY_SHAPE)
    z = draw(hnp.arrays(np.float64, shape, elements=logits))
    return z, draw(target_arrays(shape))


@st.composite
def reaching_the_edge(draw: Any) -> tuple:
    """``(z, y)`` whose logits always include ``+1e4`` and ``-1e4`` (one of them
    for a 0-d array), at drawn positions."""
    z, y = draw(logits_and_targets())
    z = z.copy()
    flat = z.reshape(-1)  # a view: z is contiguous
    edges = draw(st.permutations([CATALOGUE_MAX_LOGIT, -CATALOGUE_MAX_LOGIT]))
    positions = draw(st.permutations(range(flat.size)))
    for position, value in zip(positions, edges):
        flat[position] = value
    return z, y


@st.composite
def saturated_with_positive_labels(draw: Any) -> tuple:
    """``(z, 1)`` with every logit ≤ -20 and -20, -50, -1e4 placed as far as they fit."""
    shape = draw(ANY_SHAPE)
    z = draw(hnp.arrays(np.float64, shape, elements=saturated_logits)).copy()
    flat = z.reshape(-1)
    points = draw(st.permutations(SATURATION_POINTS))
    positions = draw(st.permutations(range(flat.size)))
    for position, value in zip(positions, points):
        flat[position] = value
    return z, np.ones(shape)


whole_domain = logits_and_targets()
moderate = logits_and_targets(
    st.one_of(finite_floats(-3.0, 3.0), finite_floats(-DERIVATIVE_MAX_LOGIT, DERIVATIVE_MAX_LOGIT))
)


def entrywise_scale(expected: Any) -> float:
    """Absolute floor of agreement: ``FLOAT64_RTOL`` itself, not scaled by the
    largest entry (each entry is computed on its own). Together with the
    relative part every entry is judged on its own magnitude; the floor covers
    the ~1e-16 absolute rounding of ``σ(1 - σ)`` and ``σ - y`` (module docstring)."""
    return 1.0


# -- the per-entry losses the gradients differentiate (seed 002) ----------------------


def half_squared_error(z: np.ndarray, y: np.ndarray) -> np.ndarray:
    """``½ (y - σ(z))²`` per entry."""
    return 0.5 * (y - expit(z)) ** 2


def cross_entropy(z: np.ndarray, y: np.ndarray) -> np.ndarray:
    """``-[y log σ(z) + (1 - y) log(1 - σ(z))]`` per entry, with
    ``-log σ(z) = logaddexp(0, -z)`` and ``-log(1 - σ(z)) = logaddexp(0, z)``."""
    return y * np.logaddexp(0.0, -z) + (1.0 - y) * np.logaddexp(0.0, z)


def numerical_derivative_in_z(loss: Any, z: np.ndarray, y: np.ndarray) -> np.ndarray:
    """``∂ loss(z, y) / ∂z`` entry by entry, by ``scipy.differentiate.derivative``.

    Like ``derivative_helpers.numerical_derivative``, with the targets passed
    through scipy's ``args``: scipy evaluates only the entries that have not
    converged yet, and ``args`` is compressed alongside them (a closure over
    ``y`` would misalign the two)."""

    def vectorized(points: np.ndarray, targets: np.ndarray) -> np.ndarray:
        return np.asarray(loss(points, targets), dtype=np.float64)

    result = differentiate.derivative(vectorized, z, args=(y,), initial_step=0.5)
    return np.asarray(result.df)


def check_derivative_of(loss: Any, subject: Any, args: tuple, *, label: str) -> None:
    z, y = args
    numerical = numerical_derivative_in_z(loss, z, y)
    assert_matches_numerical(subject(z, y), numerical, what="the gradient, entry by entry", label=label)


def finite_up_to_the_edge(formula_id: str) -> Any:
    """The catalogue's "finite for |z| up to 1e4", as a property of ``formula_id``."""

    # Every example contains ±1e4, so a third of the examples suffices.
    @prop(formula_id, "finite for every |z| up to 1e4, including ±1e4 (no overflow to nan or inf)", cost=3)
    @given(args=reaching_the_edge())
    def test(subject: Any, args: tuple) -> None:
        # The seam already rejects nan and inf; this names the claim for the student.
        assert_finite(subject(*args), what=f"{formula_id} on logits reaching ±1e4")

    return test


# -- losses.sigmoid_mse_grad ----------------------------------------------------------

test_mse_grad_agrees_with_reference = agrees_with_reference(
    "losses.sigmoid_mse_grad", whole_domain, atol_scale=entrywise_scale
)
test_mse_grad_is_finite_up_to_1e4 = finite_up_to_the_edge("losses.sigmoid_mse_grad")


# cost=2: each example runs scipy's adaptive stencil (about ten loss evaluations).
@prop("losses.sigmoid_mse_grad", "the gradient is the derivative of ½(y - σ(z))² (scipy.differentiate)", cost=2)
@given(args=moderate)
def test_mse_grad_is_derivative_of_loss(subject: Any, args: tuple) -> None:
    check_derivative_of(half_squared_error, subject, args, label="½(y - σ(z))²")


@prop("losses.sigmoid_mse_grad", "saturation: with y = 1 and z ≤ -20 the gradient vanishes (seed 003)")
@given(args=saturated_with_positive_labels())
def test_mse_grad_vanishes_when_saturated(subject: Any, args: tuple) -> None:
    # True |gradient| = (1 - σ)² σ ≤ e^{z} ≤ 2.1e-9 here; 1e-8 is room for
    # rounding and six orders below the -1 of a gradient missing σ'(z).
    assert_close(
        subject(*args), np.zeros_like(args[0]), rtol=0.0, atol=1e-8,
        what="with y = 1 and z ≤ -20 the MSE gradient must vanish (|gradient| ≤ 1e-8)",
        expected_label="≈ 0",
    )


# -- losses.sigmoid_ce_grad ----------------------------------------------------------

test_ce_grad_agrees_with_reference = agrees_with_reference(
    "losses.sigmoid_ce_grad", whole_domain, atol_scale=entrywise_scale
)
test_ce_grad_is_finite_up_to_1e4 = finite_up_to_the_edge("losses.sigmoid_ce_grad")


# cost=2: each example runs scipy's adaptive stencil (about ten loss evaluations).
@prop(
    "losses.sigmoid_ce_grad",
    "the gradient is the derivative of -[y log σ(z) + (1-y) log(1-σ(z))] (scipy.differentiate)",
    cost=2,
)
@given(args=moderate)
def test_ce_grad_is_derivative_of_loss(subject: Any, args: tuple) -> None:
    check_derivative_of(cross_entropy, subject, args, label="-[y log σ(z) + (1-y) log(1-σ(z))]")


@prop("losses.sigmoid_ce_grad", "saturation: with y = 1 and z ≤ -20 the gradient is -1, it does not vanish (seed 003)")
@given(args=saturated_with_positive_labels())
def test_ce_grad_tends_to_minus_one_when_saturated(subject: Any, args: tuple) -> None:
    # True gradient σ(z) - 1 is within e^{z} ≤ 2.1e-9 of -1 here; 1e-8 is room
    # for rounding and far below the gap to 0 of a vanishing gradient.
    assert_close(
        subject(*args), -np.ones_like(args[0]), rtol=0.0, atol=1e-8,
        what="with y = 1 and z ≤ -20 the CE gradient must be -1 (within 1e-8)",
        expected_label="≈ -1",
    )
