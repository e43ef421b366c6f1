"""Properties of the least_squares family: linear regression by least squares.

Catalogue: ``least_squares.fit``, ``least_squares.grad``,
``least_squares.fit_multi``. Seeds 002 (normal equations) and 003 (XOR).

Conditioning. Every design matrix comes from ``well_conditioned_matrices`` with
cond(X) ≤ 100, so cond(XᵀX) = cond(X)² ≤ 1e4. A float64 fit by the normal
equations, even through an explicit inverse, then errs by at most about
cond(X)²·eps ≈ 2e-12 relative to ‖θ‖, a backward-stable one (QR, SVD, lstsq)
by cond(X)·eps ≈ 2e-14: both far inside the 1e-9 agreement tolerance, while
float32 (eps ≈ 1e-7) lies far outside it. Which solver a student uses is
therefore not graded; only the value.
"""

from __future__ import annotations

from typing import Any

import numpy as np
from hypothesis import given
from hypothesis import strategies as st

from properties.derivative_helpers import assert_matches_numerical, numerical_jacobian
from properties.generic_properties import FLOAT64_RTOL, agrees_with_reference
from properties.hypothesis_helpers import finite_floats, float_arrays, sizes, well_conditioned_matrices
from properties.pytest_helpers import assert_close, assert_true, prop

# cond(X) ≤ 100: see the module docstring for what this buys the tolerances.
MAX_CONDITION = 100.0

# -- strategies ----------------------------------------------------------------


@st.composite
def designs(draw: Any, *, min_extra_rows: int = 0) -> np.ndarray:
    """X ``(n, d)`` of full column rank with cond(X) ≤ 100 and largest singular
    value ‖X‖₂ ∈ [1, 10]. d starts at 1 and n at ``d + min_extra_rows`` (by
    default a square X).

    ‖X‖₂ ≤ 10 bounds the terms that cancel in XᵀXθ - Xᵀy at ~2e3 for |θ| ≤ 10,
    so the two ways of writing the gradient, (XᵀX)θ - Xᵀy and Xᵀ(Xθ - y), differ
    by ~1e-12 even where the gradient itself is 0: 1000 times inside the
    agreement tolerance's floor of 1e-9."""
    d = draw(sizes(1, 4))
    n = draw(st.integers(d + min_extra_rows, d + 5))
    X = draw(well_conditioned_matrices(n, d, max_condition=MAX_CONDITION))
    return X * (draw(finite_floats(1.0, 10.0)) / np.linalg.norm(X, 2))


@st.composite
def design_and_targets(draw: Any, *, noiseless: bool | None = None) -> tuple:
    """``(X, y)``: X from :func:`designs`; y arbitrary (a nonzero residual when
    n > d) or ``Xθ*`` (noiseless), drawn when ``noiseless`` is None."""
    X = draw(designs())
    clean = draw(st.booleans()) if noiseless is None else noiseless
    if clean:
        return X, X @ draw(float_arrays(X.shape[1], -10.0, 10.0))
    return X, draw(float_arrays(X.shape[0], -10.0, 10.0))


@st.composite
def grad_args(draw: Any) -> tuple:
    """``(theta, X, y)``: any θ, X as in :func:`design_and_targets`."""
    X, y = draw(design_and_targets())
    theta = draw(float_arrays(X.shape[1], -10.0, 10.0))
    return theta, X, y


@st.composite
def multi_shapes(draw: Any) -> tuple[int, int, int]:
    """``(m, n, p)``, pairwise different (so a transposed X, Y or W has the wrong
    shape), with n > m so that X Xᵀ is invertible."""
    m = draw(sizes(1, 4))
    p = draw(st.sampled_from([s for s in range(1, 6) if s != m]))
    n = draw(st.sampled_from([s for s in range(m + 1, m + 7) if s != p]))
    return m, n, p


@st.composite
def multi_args(draw: Any, *, noiseless: bool | None = None) -> tuple:
    """``(X, Y)`` with columns as examples: X ``(m, n)`` of full row rank, cond ≤ 100, Y ``(p, n)``."""
    m, n, p = draw(multi_shapes())
    X = draw(well_conditioned_matrices(m, n, max_condition=MAX_CONDITION))
    clean = draw(st.booleans()) if noiseless is None else noiseless
    if clean:
        return X, draw(float_arrays((p, m), -10.0, 10.0)) @ X
    return X, draw(float_arrays((p, n), -10.0, 10.0))


@st.composite
def fit_with_orthogonal_residual(draw: Any) -> tuple:
    """``(X, y, θ*)`` with ``y = Xθ* + r``, r orthogonal to every column of X
    and of norm 1, 5 or 20: the least-squares residual is r, of known size."""
    X = draw(designs(min_extra_rows=1))
    n, d = X.shape
    theta_star = draw(float_arrays(d, -10.0, 10.0))
    complement = np.linalg.qr(X, mode="complete")[0][:, d:]  # orthonormal basis of span(X)⊥
    weights = draw(float_arrays(n - d, -1.0, 1.0))
    weights[0] += 2.0  # in [1, 3]: the combination is never 0
    r = complement @ weights
    r *= draw(st.sampled_from([1.0, 5.0, 20.0])) / np.linalg.norm(r)
    return X, X @ theta_star + r, theta_star


def _fit_scale(X: np.ndarray, theta: np.ndarray, y: np.ndarray) -> float:
    """The size of the terms that cancel in ``Xᵀ(Xθ - y)``: ``‖X‖(‖X‖‖θ‖ + ‖y‖)``."""
    size = float(np.linalg.norm(X, 2))
    # The floor: for data near 1e-200 the squares inside the norms underflow to 0;
    # 1e-6 is far below the data's units, so it hides no wrong fit of real data.
    return size * (size * float(np.linalg.norm(theta)) + float(np.linalg.norm(y))) + 1e-6


# The XOR data of seed 003 (its OCR'd y is garbled; XOR is [0, 1, 1, 0]).
XOR_INPUTS = np.array([[0.0, 0.0], [0.0, 1.0], [1.0, 0.0], [1.0, 1.0]])
XOR_TARGETS = np.array([0.0, 1.0, 1.0, 0.0])


def xor_design(order: list[int], bias_first: bool) -> tuple[np.ndarray, np.ndarray, int]:
    """XOR rows in ``order`` with a column of ones first or last: ``(X, y, bias column)``."""
    ones = np.ones((4, 1))
    rows = XOR_INPUTS[order]
    X = np.hstack([ones, rows]) if bias_first else np.hstack([rows, ones])
    return X, XOR_TARGETS[order], 0 if bias_first else 2


# -- least_squares.fit ------------------------------------------------------------

test_fit_agrees_with_reference = agrees_with_reference("least_squares.fit", design_and_targets())


@prop("least_squares.fit", "the gradient XᵀXθ - Xᵀy vanishes at the fit")
@given(args=design_and_targets(noiseless=False))
def test_fit_gradient_vanishes(subject: Any, args: tuple) -> None:
    from gradoracle.submission import reference_implementation

    X, y = args
    theta = subject(X, y)
    gradient = X.T @ (X @ theta - y)
    # Scaled by the terms that cancel, computed at the reference's θ (a wild
    # θ must not widen its own tolerance). Normal equations with an explicit
    # inverse leave ~cond(X)²·eps ≈ 2e-12 of it; 1e-9 is the agreement tolerance.
    scale = _fit_scale(X, reference_implementation().call("least_squares.fit", X, y), y)
    assert_true(
        float(np.max(np.abs(gradient))) <= FLOAT64_RTOL * scale,
        what="at your θ the gradient XᵀXθ - Xᵀy is not 0, so θ does not minimize ½‖y - Xθ‖²",
        details={"your θ": theta, "XᵀXθ - Xᵀy": gradient, "allowed": FLOAT64_RTOL * scale},
    )


@prop("least_squares.fit", "the residual y - Xθ is orthogonal to every column of X")
@given(args=fit_with_orthogonal_residual())
def test_fit_residual_orthogonal_to_columns(subject: Any, args: tuple) -> None:
    X, y, theta_star = args
    residual = y - X @ subject(X, y)
    inner = X.T @ residual
    # The residual has norm ≥ 1, so a wrong fit leaves x_jᵀr of order ‖X‖. The
    # tolerance is the gradient's (the same cancellation): 1e-9 of the cancelling terms.
    allowed = FLOAT64_RTOL * _fit_scale(X, theta_star, y)
    assert_true(
        float(np.max(np.abs(inner))) <= allowed,
        what="the residual y - Xθ is not orthogonal to the columns of X",
        details={"x_jᵀ(y - Xθ) per column j": inner, "residual": residual, "allowed": allowed},
    )


@prop("least_squares.fit", "on noiseless data y = Xθ* the fit is exactly θ*")
@given(args=design_and_targets(noiseless=True), data=st.data())
def test_fit_exact_on_noiseless_data(subject: Any, args: tuple, data: st.DataObject) -> None:
    X, _ = args
    theta_star = data.draw(float_arrays(X.shape[1], -10.0, 10.0), label="θ*")
    # y = Xθ* carries rounding of eps·‖X‖‖θ*‖; it reaches θ amplified by at most
    # cond(X)² ≤ 1e4 (normal equations): ~2e-12 relative, inside 1e-9.
    assert_close(
        subject(X, X @ theta_star),
        theta_star,
        rtol=FLOAT64_RTOL,
        atol=FLOAT64_RTOL * (1.0 + float(np.max(np.abs(theta_star)))),
        what="the fit on y = Xθ*",
        expected_label="θ*",
    )


@prop("least_squares.fit", "on the XOR data with a bias column it gives w = 0, b = ½ (seed 003)")
@given(order=st.permutations(range(4)), bias_first=st.booleans())
def test_fit_xor_gives_zero_weights_half_bias(subject: Any, order: list[int], bias_first: bool) -> None:
    X, y, bias = xor_design(order, bias_first)
    expected = np.zeros(3)
    expected[bias] = 0.5
    # XᵀX has entries ≤ 4 and cond ≈ 15: rounding is ~1e-15, so 1e-12 absolute is loose.
    assert_close(subject(X, y), expected, rtol=0.0, atol=1e-12, what=f"θ on XOR (bias column {bias})")


# -- least_squares.grad --------------------------------------------------------------

test_grad_agrees_with_reference = agrees_with_reference("least_squares.grad", grad_args())


@prop("least_squares.grad", "the gradient is the derivative of ½‖y - Xθ‖² (scipy.differentiate)", cost=4)
@given(args=grad_args())
def test_grad_is_derivative_of_loss(subject: Any, args: tuple) -> None:
    theta, X, y = args
    # No forward formula in the catalogue: differentiate the stated loss.
    numerical = numerical_jacobian(lambda t: 0.5 * float(np.sum((y - X @ t) ** 2)), theta)
    assert_matches_numerical(subject(theta, X, y), numerical, what="∇θ", label="½‖y - Xθ‖²")


@prop("least_squares.grad", "the gradient vanishes at the least-squares fit")
@given(args=design_and_targets(noiseless=False))
def test_grad_vanishes_at_fit(subject: Any, args: tuple) -> None:
    from gradoracle.submission import reference_implementation

    X, y = args
    theta = reference_implementation().call("least_squares.fit", X, y)
    got = subject(theta, X, y)
    # The reference fit is backward stable, so its gradient is ~eps times the
    # cancelling terms; 1e-9 of them is what a float64 gradient may leave.
    allowed = FLOAT64_RTOL * _fit_scale(X, theta, y)
    assert_true(
        float(np.max(np.abs(got))) <= allowed,
        what="your gradient is not 0 at the minimizer θ̂ = (XᵀX)⁻¹Xᵀy",
        details={"θ̂": theta, "your gradient at θ̂": got, "allowed": allowed},
    )


# -- least_squares.fit_multi -----------------------------------------------------------

test_fit_multi_agrees_with_reference = agrees_with_reference("least_squares.fit_multi", multi_args())


@prop("least_squares.fit_multi", "the gradient (WX - Y)Xᵀ vanishes at the fit")
@given(args=multi_args(noiseless=False))
def test_fit_multi_gradient_vanishes(subject: Any, args: tuple) -> None:
    from gradoracle.submission import reference_implementation

    X, Y = args
    W = subject(X, Y)
    gradient = (W @ X - Y) @ X.T
    reference = reference_implementation().call("least_squares.fit_multi", X, Y)
    # As for least_squares.fit, scaled by the cancelling terms at the reference's W.
    size = float(np.linalg.norm(X, 2))
    allowed = FLOAT64_RTOL * (size * (size * float(np.linalg.norm(reference)) + float(np.linalg.norm(Y))) + 1e-6)
    assert_true(
        float(np.max(np.abs(gradient))) <= allowed,
        what="at your W the gradient (WX - Y)Xᵀ of ½‖Y - WX‖² is not 0",
        details={"your W": W, "(WX - Y)Xᵀ": gradient, "allowed": allowed},
    )


@st.composite
def multi_with_orthogonal_residual(draw: Any) -> tuple:
    """``(X, Y, W*)`` with ``Y = W*X + R``, every row of R orthogonal to the rows
    of X and ‖R‖ = 5: the least-squares residual is R, of known size."""
    X, _ = draw(multi_args(noiseless=False))
    m, n = X.shape
    p = draw(st.sampled_from([s for s in range(1, 6) if s not in (m, n)]))
    W_star = draw(float_arrays((p, m), -10.0, 10.0))
    complement = np.linalg.qr(X.T, mode="complete")[0][:, m:]  # basis of the row space's complement
    weights = draw(float_arrays((n - m, p), -1.0, 1.0))
    weights[0] += 2.0  # every column of the combination is nonzero
    R = (complement @ weights).T
    R *= 5.0 / np.linalg.norm(R)
    return X, W_star @ X + R, W_star


@prop("least_squares.fit_multi", "the residual Y - WX is orthogonal to every row (feature) of X")
@given(args=multi_with_orthogonal_residual())
def test_fit_multi_residual_orthogonal_to_features(subject: Any, args: tuple) -> None:
    X, Y, W_star = args
    inner = (Y - subject(X, Y) @ X) @ X.T
    # As for least_squares.fit: 1e-9 of the cancelling terms ‖X‖(‖X‖‖W*‖ + ‖Y‖).
    size = float(np.linalg.norm(X, 2))
    allowed = FLOAT64_RTOL * size * (size * float(np.linalg.norm(W_star)) + float(np.linalg.norm(Y)))
    assert_true(
        float(np.max(np.abs(inner))) <= allowed,
        what="the residual Y - WX is not orthogonal to the rows of X",
        details={"(Y - WX)Xᵀ": inner, "allowed": allowed},
    )


@prop("least_squares.fit_multi", "on noiseless data Y = W*X the fit is exactly W*")
@given(args=multi_args(noiseless=False), data=st.data())
def test_fit_multi_exact_on_noiseless_data(subject: Any, args: tuple, data: st.DataObject) -> None:
    X, Y = args
    W_star = data.draw(float_arrays((Y.shape[0], X.shape[0]), -10.0, 10.0), label="W*")
    # As for least_squares.fit: at most cond(X)²·eps ≈ 2e-12 relative, inside 1e-9.
    assert_close(
        subject(X, W_star @ X),
        W_star,
        rtol=FLOAT64_RTOL,
        atol=FLOAT64_RTOL * (1.0 + float(np.max(np.abs(W_star)))),
        what="the fit on Y = W*X",
        expected_label="W*",
    )


@prop("least_squares.fit_multi", "on XOR (examples as columns, a bias row) it gives w = 0, b = ½ (seed 003)")
@given(order=st.permutations(range(4)), bias_first=st.booleans())
def test_fit_multi_xor_gives_zero_weights_half_bias(subject: Any, order: list[int], bias_first: bool) -> None:
    X, y, bias = xor_design(order, bias_first)
    expected = np.zeros((1, 3))
    expected[0, bias] = 0.5
    # As for least_squares.fit on XOR: rounding ~1e-15.
    assert_close(subject(X.T, y[None, :]), expected, rtol=0.0, atol=1e-12, what=f"W on XOR (bias row {bias})")
