"""Properties of the activations family: elementwise activations and their derivatives.

Catalogue: ``activations.{sigmoid, tanh, relu, leaky_relu, elu, softplus}`` and
each one's ``_grad``. Seed 002 (leaky ReLU also seed 004, ELU seed 002 HW3).

Every formula is elementwise on any shape, so every strategy draws arrays of
0 to 3 dimensions (0-d included) and the leaky ReLU / ELU slope ``alpha`` as
well as ``x``. The whole catalogue domain is ``|x| ≤ 1e4``; derivatives are
compared with ``scipy.differentiate`` on inputs generated a margin away from
the kink at 0, and the kink conventions (``relu'(0) = 0``,
``leaky_relu'(0) = α``, ``elu(0) = 0``, ``elu'(0) = 1``) on inputs that contain
exact zeros.

Decisions (where the catalogue is ambiguous):
- Agreement is judged entry by entry: ``|got - ref| ≤ 1e-9 + 1e-9·|ref|``. The
  absolute floor 1e-9 is the catalogue's precision statement read for bounded
  functions (σ, tanh and their derivatives lie in [-1, 1]): the catalogue's own
  formulas ``σ(1 - σ)`` and ``1 - tanh²``, and the equivalent ``(1 + tanh(x/2))/2``
  or ``1 - σ(-x)``, round to an *absolute* ~1e-16 where the value is tiny, so
  relative accuracy there cannot be what "float64 precision" demands; float32
  (~1e-7) still fails.
- "All finite for |x| up to 1e4" is one property per formula, on arrays that
  always contain ±1e4 (and 0, where a kink formula may divide by |x|).
- ``alpha`` is drawn in ``[1e-3, 1]``: seed 002's ``max(αx, x)`` is leaky ReLU
  only for ``α ≤ 1``.
"""

from __future__ import annotations

from typing import Any

import numpy as np
from hypothesis import given
from hypothesis import strategies as st
from hypothesis.extra import numpy as hnp
from scipy.special import expit

from properties.derivative_helpers import assert_matches_numerical, forward_to_differentiate, numerical_derivative
from properties.generic_properties import FLOAT64_RTOL, agrees_with_reference
from properties.hypothesis_helpers import finite_floats, shapes
from properties.pytest_helpers import assert_close, assert_finite, assert_true, prop

# -- strategies ----------------------------------------------------------------

# The catalogue's domain: every activation finite for |x| up to 1e4.
CATALOGUE_MAX_ABS = 1e4

# 0-d to 3-d: elementwise means any shape; 0-d and multi-dimensional arrays
# catch loops over the first axis and flattening.
ANY_SHAPE = shapes(min_dims=0, max_dims=3, min_side=1, max_side=4)

# Where implementations break: the kink (0), where float64 σ rounds to 1 (x ≈ 37),
# where exp overflows (x > 709.78), and the edge of the domain.
_LANDMARKS = (0.0, 1.0, 20.0, 37.0, 40.0, 709.0, 710.0, 750.0, 1e3, CATALOGUE_MAX_ABS)
landmarks = st.sampled_from(_LANDMARKS + tuple(-v for v in _LANDMARKS if v))

whole_domain_values = st.one_of(
    finite_floats(-10.0, 10.0),
    finite_floats(-CATALOGUE_MAX_ABS, CATALOGUE_MAX_ABS),
    landmarks,
)

# Derivative properties keep every entry at least this far from the kink at 0,
# and start scipy's stencil (which spans x ± step) at half of it, so no
# finite difference straddles the kink.
KINK_MARGIN = 0.25
DERIVATIVE_STEP = KINK_MARGIN / 2
# Beyond |x| ≈ 20 σ' and tanh' are below 2.1e-9 and σ = softplus' is within
# 2.1e-9 of 0 or 1, all judged on an absolute scale of 1e-6: nothing to learn
# there that agreement (on the whole domain) does not check.
DERIVATIVE_MAX_ABS = 20.0

# The slope of leaky ReLU and ELU: the defaults, round values, and anything in [1e-3, 1].
alphas = st.one_of(st.sampled_from([0.01, 0.1, 0.5, 1.0]), finite_floats(1e-3, 1.0))


def elementwise_arrays(elements: st.SearchStrategy[float], shape: Any = ANY_SHAPE) -> st.SearchStrategy[np.ndarray]:
    """float64 arrays of any shape (0-d included) with the given entries."""
    return hnp.arrays(np.float64, shape, elements=elements)


def off_kink_values(margin: float = KINK_MARGIN, max_abs: float = DERIVATIVE_MAX_ABS) -> st.SearchStrategy[float]:
    """Values with ``margin ≤ |x| ≤ max_abs``, both signs: generated away from the kink."""
    return st.one_of(finite_floats(margin, max_abs), finite_floats(-max_abs, -margin))


@st.composite
def arrays_reaching_the_edge(draw: Any) -> np.ndarray:
    """Arrays over the whole domain that always contain ``+1e4``, ``-1e4`` and
    ``0`` (as many as fit; a 0-d array gets one of them), at drawn positions:
    where ``exp`` overflows, where a naive ratio becomes ``inf/inf``, where a
    kink formula divides by ``|x|``."""
    x = draw(elementwise_arrays(whole_domain_values)).copy()
    flat = x.reshape(-1)  # a view: x is contiguous
    edges = draw(st.permutations([CATALOGUE_MAX_ABS, -CATALOGUE_MAX_ABS, 0.0]))
    positions = draw(st.permutations(range(flat.size)))
    for position, value in zip(positions, edges):
        flat[position] = value
    return x


@st.composite
def arrays_with_zeros(draw: Any) -> tuple[np.ndarray, np.ndarray]:
    """``(x, at_kink)``: an array whose entries are exactly 0 where ``at_kink``
    (at least one) and at least ``KINK_MARGIN`` away from 0 elsewhere."""
    x = draw(elementwise_arrays(off_kink_values(max_abs=10.0)))
    at_kink = draw(hnp.arrays(np.bool_, x.shape)).copy()
    if not at_kink.any():
        at_kink.reshape(-1)[draw(st.integers(0, at_kink.size - 1))] = True
    return np.where(at_kink, 0.0, x), at_kink


def _single(x: np.ndarray) -> tuple:
    return (x,)


whole_domain = elementwise_arrays(whole_domain_values).map(_single)
reaching_the_edge = arrays_reaching_the_edge().map(_single)
smooth_region = elementwise_arrays(
    st.one_of(finite_floats(-3.0, 3.0), finite_floats(-DERIVATIVE_MAX_ABS, DERIVATIVE_MAX_ABS))
).map(_single)
off_kink = elementwise_arrays(off_kink_values()).map(_single)

whole_domain_with_alpha = st.tuples(elementwise_arrays(whole_domain_values), alphas)
reaching_the_edge_with_alpha = st.tuples(arrays_reaching_the_edge(), alphas)
off_kink_with_alpha = st.tuples(elementwise_arrays(off_kink_values()), alphas)


def entrywise_scale(expected: Any) -> float:
    """Absolute floor of agreement: ``FLOAT64_RTOL`` itself, not scaled by the
    array's largest entry, because each entry of an elementwise function is
    computed on its own (a 1e4 entry must not loosen a 0.3 one). With the
    relative part ``FLOAT64_RTOL·|expected|`` every entry is judged on its own
    magnitude; the floor 1e-9 covers the ~1e-16 absolute rounding of correct
    float64 formulations at saturated, tiny values (module docstring)."""
    return 1.0


def agrees_entrywise(formula_id: str, inputs: st.SearchStrategy[tuple]) -> Any:
    return agrees_with_reference(formula_id, inputs, atol_scale=entrywise_scale)


# -- shared property bodies ----------------------------------------------------------


def finite_up_to_the_edge(formula_id: str, inputs: st.SearchStrategy[tuple]) -> Any:
    """The catalogue's "all finite for |x| up to 1e4", as a property of ``formula_id``."""

    # Every example contains ±1e4 and 0, so a third of the examples suffices.
    @prop(formula_id, "finite for every |x| up to 1e4, including ±1e4 and 0 (no overflow to nan or inf)", cost=3)
    @given(args=inputs)
    def test(subject: Any, args: tuple) -> None:
        # The seam already rejects nan and inf; this names the claim for the student.
        assert_finite(subject(*args), what=f"{formula_id} on inputs reaching ±1e4")

    return test


def check_derivative(subject: Any, impl: Any, forward_id: str, args: tuple, *, step: float) -> None:
    """``subject(*args)`` against scipy's derivative of the forward in its first argument
    (the other arguments, such as alpha, held fixed)."""
    forward, label = forward_to_differentiate(impl, forward_id, args)
    x, rest = args[0], args[1:]
    numerical = numerical_derivative(lambda points: forward(points, *rest), x, initial_step=step)
    assert_matches_numerical(subject(*args), numerical, what=f"d/dx {forward_id} entry by entry", label=label)


def check_kink(subject: Any, args: tuple, at_kink: np.ndarray, value: float, *, what: str) -> None:
    got = np.asarray(subject(*args), dtype=np.float64)
    # Same float64 precision as agreement: forms such as 1 - (1 - α)·[x ≤ 0] round
    # to ~1e-16 off α; a different convention is off by α, 1 - α or 1 (α ≥ 1e-3).
    assert_close(
        got[at_kink],
        np.full(int(np.count_nonzero(at_kink)), value),
        rtol=FLOAT64_RTOL,
        atol=FLOAT64_RTOL,
        what=f"{what}, at the entries where x = 0 (x = {np.array2string(np.asarray(args[0]), precision=4)})",
    )


def assert_within(values: Any, low: float, high: float, *, what: str, x: np.ndarray) -> None:
    values = np.asarray(values, dtype=np.float64)
    # 1e-12 of slack for rounding: a tanh computed as a ratio of exponentials can
    # exceed 1 by an ulp, making 1 - tanh² = -2e-16. Wrong formulas leave the
    # interval by O(1) (σ' = σ reaches 1, 1 - tanh reaches 2).
    slack = 1e-12
    outside = (values < low - slack) | (values > high + slack)
    assert_true(
        not np.any(outside),
        what=f"{what} must lie in [{low}, {high}]",
        details={"x where it does not": np.asarray(x)[outside], "values there": values[outside]},
    )


# -- activations.sigmoid --------------------------------------------------------------

test_sigmoid_agrees_with_reference = agrees_entrywise("activations.sigmoid", whole_domain)
test_sigmoid_is_finite_up_to_1e4 = finite_up_to_the_edge("activations.sigmoid", reaching_the_edge)


@prop("activations.sigmoid", "σ(-x) = 1 - σ(x)")
@given(args=whole_domain)
def test_sigmoid_is_symmetric(subject: Any, args: tuple) -> None:
    (x,) = args
    at_x, at_minus_x = subject(x), subject(-x)
    # Both sides are in [0, 1]: rounding is ~1e-16 absolute; float64 precision as in agreement.
    assert_close(
        at_minus_x,
        1.0 - np.asarray(at_x),
        rtol=FLOAT64_RTOL,
        atol=FLOAT64_RTOL,
        what="σ(-x)",
        expected_label="1 - σ(x)",
    )


# -- activations.sigmoid_grad ---------------------------------------------------------

test_sigmoid_grad_agrees_with_reference = agrees_entrywise("activations.sigmoid_grad", whole_domain)
test_sigmoid_grad_is_finite_up_to_1e4 = finite_up_to_the_edge("activations.sigmoid_grad", reaching_the_edge)


# cost=2: each example runs scipy's adaptive stencil (about ten calls of the forward).
@prop("activations.sigmoid_grad", "σ' is the derivative of σ (scipy.differentiate)", cost=2)
@given(args=smooth_region)
def test_sigmoid_grad_is_derivative_of_sigmoid(subject: Any, impl: Any, args: tuple) -> None:
    check_derivative(subject, impl, "activations.sigmoid", args, step=0.5)


@prop("activations.sigmoid_grad", "0 ≤ σ'(x) ≤ 1/4 (the largest slope is at x = 0)")
@given(args=whole_domain)
def test_sigmoid_grad_is_at_most_a_quarter(subject: Any, args: tuple) -> None:
    assert_within(subject(*args), 0.0, 0.25, what="σ'(x)", x=args[0])


# -- activations.tanh -----------------------------------------------------------------

test_tanh_agrees_with_reference = agrees_entrywise("activations.tanh", whole_domain)
test_tanh_is_finite_up_to_1e4 = finite_up_to_the_edge("activations.tanh", reaching_the_edge)


@prop("activations.tanh", "tanh is odd: tanh(-x) = -tanh(x)")
@given(args=whole_domain)
def test_tanh_is_odd(subject: Any, args: tuple) -> None:
    (x,) = args
    # Values in [-1, 1]: float64 precision as in agreement.
    assert_close(
        subject(-x), -np.asarray(subject(x)), rtol=FLOAT64_RTOL, atol=FLOAT64_RTOL,
        what="tanh(-x)", expected_label="-tanh(x)",
    )


@prop("activations.tanh", "tanh x = 2σ(2x) - 1")
@given(args=whole_domain)
def test_tanh_is_a_rescaled_sigmoid(subject: Any, args: tuple) -> None:
    (x,) = args
    with np.errstate(under="ignore"):
        rescaled = 2.0 * expit(2.0 * x) - 1.0
    # 2σ(2x) - 1 rounds to ~2e-16 absolute (cancellation near x = 0): float64 precision as in agreement.
    assert_close(subject(x), rescaled, rtol=FLOAT64_RTOL, atol=FLOAT64_RTOL, what="tanh x", expected_label="2σ(2x) - 1")


# -- activations.tanh_grad ------------------------------------------------------------

test_tanh_grad_agrees_with_reference = agrees_entrywise("activations.tanh_grad", whole_domain)
test_tanh_grad_is_finite_up_to_1e4 = finite_up_to_the_edge("activations.tanh_grad", reaching_the_edge)


# cost=2: each example runs scipy's adaptive stencil (about ten calls of the forward).
@prop("activations.tanh_grad", "tanh' is the derivative of tanh (scipy.differentiate)", cost=2)
@given(args=smooth_region)
def test_tanh_grad_is_derivative_of_tanh(subject: Any, impl: Any, args: tuple) -> None:
    check_derivative(subject, impl, "activations.tanh", args, step=0.5)


@prop("activations.tanh_grad", "0 ≤ tanh'(x) ≤ 1 (the largest slope is at x = 0)")
@given(args=whole_domain)
def test_tanh_grad_is_at_most_one(subject: Any, args: tuple) -> None:
    assert_within(subject(*args), 0.0, 1.0, what="tanh'(x)", x=args[0])


# -- activations.relu -------------------------------------------------------------------

test_relu_agrees_with_reference = agrees_entrywise("activations.relu", whole_domain)
test_relu_is_finite_up_to_1e4 = finite_up_to_the_edge("activations.relu", reaching_the_edge)


# -- activations.relu_grad ----------------------------------------------------------------

test_relu_grad_agrees_with_reference = agrees_entrywise("activations.relu_grad", whole_domain)
test_relu_grad_is_finite_up_to_1e4 = finite_up_to_the_edge("activations.relu_grad", reaching_the_edge)


# cost=2: each example runs scipy's adaptive stencil (about ten calls of the forward).
@prop("activations.relu_grad", "relu' is the derivative of relu away from 0 (scipy.differentiate)", cost=2)
@given(args=off_kink)
def test_relu_grad_is_derivative_of_relu(subject: Any, impl: Any, args: tuple) -> None:
    check_derivative(subject, impl, "activations.relu", args, step=DERIVATIVE_STEP)


# cost=2: every example contains at least one exact zero, so half the examples suffice.
@prop("activations.relu_grad", "at the kink relu'(0) = 0 (seed 002: 1 if x > 0 else 0)", cost=2)
@given(case=arrays_with_zeros())
def test_relu_grad_is_zero_at_the_kink(subject: Any, case: tuple) -> None:
    x, at_kink = case
    check_kink(subject, (x,), at_kink, 0.0, what="relu'(0) must be 0")


# -- activations.leaky_relu -----------------------------------------------------------------

test_leaky_relu_agrees_with_reference = agrees_entrywise("activations.leaky_relu", whole_domain_with_alpha)
test_leaky_relu_is_finite_up_to_1e4 = finite_up_to_the_edge("activations.leaky_relu", reaching_the_edge_with_alpha)


# -- activations.leaky_relu_grad ---------------------------------------------------------------

test_leaky_relu_grad_agrees_with_reference = agrees_entrywise("activations.leaky_relu_grad", whole_domain_with_alpha)
test_leaky_relu_grad_is_finite_up_to_1e4 = finite_up_to_the_edge(
    "activations.leaky_relu_grad", reaching_the_edge_with_alpha
)


# cost=2: each example runs scipy's adaptive stencil (about ten calls of the forward).
@prop("activations.leaky_relu_grad", "leaky_relu' is the derivative of leaky_relu away from 0 (scipy.differentiate)", cost=2)
@given(args=off_kink_with_alpha)
def test_leaky_relu_grad_is_derivative_of_leaky_relu(subject: Any, impl: Any, args: tuple) -> None:
    check_derivative(subject, impl, "activations.leaky_relu", args, step=DERIVATIVE_STEP)


# cost=2: every example contains at least one exact zero, so half the examples suffice.
@prop("activations.leaky_relu_grad", "at the kink leaky_relu'(0) = α (seed 004: 1 if x > 0 else α)", cost=2)
@given(case=arrays_with_zeros(), alpha=alphas)
def test_leaky_relu_grad_is_alpha_at_the_kink(subject: Any, case: tuple, alpha: float) -> None:
    x, at_kink = case
    check_kink(subject, (x, alpha), at_kink, alpha, what=f"leaky_relu'(0) must be α = {alpha!r}")


# -- activations.elu ---------------------------------------------------------------------------

test_elu_agrees_with_reference = agrees_entrywise("activations.elu", whole_domain_with_alpha)
test_elu_is_finite_up_to_1e4 = finite_up_to_the_edge("activations.elu", reaching_the_edge_with_alpha)


# cost=2: every example contains at least one exact zero, so half the examples suffice.
@prop("activations.elu", "at the kink elu(0) = 0 (both branches meet there)", cost=2)
@given(case=arrays_with_zeros(), alpha=alphas)
def test_elu_is_zero_at_the_kink(subject: Any, case: tuple, alpha: float) -> None:
    x, at_kink = case
    check_kink(subject, (x, alpha), at_kink, 0.0, what=f"elu(0) must be 0 (α = {alpha!r})")


# -- activations.elu_grad ----------------------------------------------------------------------

test_elu_grad_agrees_with_reference = agrees_entrywise("activations.elu_grad", whole_domain_with_alpha)
test_elu_grad_is_finite_up_to_1e4 = finite_up_to_the_edge("activations.elu_grad", reaching_the_edge_with_alpha)


# cost=2: each example runs scipy's adaptive stencil (about ten calls of the forward).
@prop("activations.elu_grad", "elu' is the derivative of elu away from 0 (scipy.differentiate)", cost=2)
@given(args=off_kink_with_alpha)
def test_elu_grad_is_derivative_of_elu(subject: Any, impl: Any, args: tuple) -> None:
    check_derivative(subject, impl, "activations.elu", args, step=DERIVATIVE_STEP)


# cost=2: every example contains at least one exact zero, so half the examples suffice.
@prop("activations.elu_grad", "at the kink elu'(0) = 1 (seed 002 HW3: 1 if x ≥ 0 else αeˣ)", cost=2)
@given(case=arrays_with_zeros(), alpha=alphas)
def test_elu_grad_is_one_at_the_kink(subject: Any, case: tuple, alpha: float) -> None:
    x, at_kink = case
    check_kink(subject, (x, alpha), at_kink, 1.0, what=f"elu'(0) must be 1 (α = {alpha!r})")


# -- activations.softplus -------------------------------------------------------------------------

test_softplus_agrees_with_reference = agrees_entrywise("activations.softplus", whole_domain)
test_softplus_is_finite_up_to_1e4 = finite_up_to_the_edge("activations.softplus", reaching_the_edge)


# -- activations.softplus_grad ----------------------------------------------------------------------

test_softplus_grad_agrees_with_reference = agrees_entrywise("activations.softplus_grad", whole_domain)
test_softplus_grad_is_finite_up_to_1e4 = finite_up_to_the_edge("activations.softplus_grad", reaching_the_edge)


# cost=2: each example runs scipy's adaptive stencil (about ten calls of the forward).
@prop("activations.softplus_grad", "softplus' = σ is the derivative of softplus (scipy.differentiate)", cost=2)
@given(args=smooth_region)
def test_softplus_grad_is_derivative_of_softplus(subject: Any, impl: Any, args: tuple) -> None:
    check_derivative(subject, impl, "activations.softplus", args, step=0.5)
