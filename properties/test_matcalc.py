"""Properties of the matcalc family: vector and matrix derivatives (seed 002).

Catalogue: ``matcalc.quadratic_grad``, ``matcalc.bilinear_grads``,
``matcalc.det_grad``, ``matcalc.logdet_grad``, ``matcalc.trace_grad``,
``matcalc.trace_quadratic_grad``, ``matcalc.norm_grad``,
``matcalc.inverse_backward``.

Every formula is compared with ``scipy.differentiate`` applied to the function
it differentiates, written below. The catalogue's point is that a missing
transpose must fail, so every square matrix is **non-symmetric by a margin**,
by construction (not by luck: Hypothesis favours simple draws, and zero
arrays make ``well_conditioned_matrices``'s orthogonal factors the identity,
so its matrices are often diagonal). Decisions are in
``reference/matcalc.py``'s docstring.
"""

from __future__ import annotations

from typing import Any

import numpy as np
from hypothesis import given
from hypothesis import strategies as st

from properties.derivative_helpers import assert_matches_numerical, numerical_jacobian
from properties.generic_properties import agrees_with_reference
from properties.hypothesis_helpers import finite_floats, float_arrays, sizes
from properties.pytest_helpers import assert_close, assert_true, prop

# Condition-number bound of the matrices det_grad, logdet_grad and
# inverse_backward see. In float64, K⁻¹ by LU (inv or solve) errs by about
# n·κ·eps ≈ 1e-13 relative; even det(K)K⁻ᵀ by cofactor (Laplace) expansion,
# the least accurate way a student may take, errs by at most ~(n-1)!·n·κ²·eps
# ≈ 5e-11 of its largest entry for n ≤ 4. Both sit well inside the 1e-9
# agreement tolerance, while float32 (κ·6e-8 ≥ 6e-8) sits well outside it.
MAX_CONDITION = 100.0


# -- strategies ------------------------------------------------------------------


@st.composite
def nonsymmetric_matrices(draw: Any, n: int, *, bound: float = 2.0) -> np.ndarray:
    """``(n, n)`` matrices with entries in ``[-bound - 2, bound + 2]`` whose
    skew part has an entry of magnitude at least 1 (for n ≥ 2): one drawn pair
    ``(i, j)`` is pushed apart by 1 to 2 in the direction it already leans.
    So ``A - Aᵀ`` has an entry ≥ 2, against entries of A at most ``bound + 2``."""
    A = draw(float_arrays((n, n), -bound, bound)).copy()
    if n >= 2:
        i, j = draw(st.lists(st.integers(0, n - 1), min_size=2, max_size=2, unique=True))
        lean = 1.0 if A[i, j] >= A[j, i] else -1.0
        push = lean * draw(finite_floats(1.0, 2.0))
        A[i, j] += push
        A[j, i] -= push
    return A


def _rotation(n: int, angle: float) -> np.ndarray:
    r = np.eye(n)
    c, s = np.cos(angle), np.sin(angle)
    r[0, 0], r[0, 1], r[1, 0], r[1, 1] = c, -s, s, c
    return r


@st.composite
def nonsymmetric_invertible(draw: Any, n: int, *, max_condition: float = MAX_CONDITION) -> np.ndarray:
    """``(n, n)`` matrices ``K = U F S Rᵀ Uᵀ`` with condition number at most
    ``max_condition``, either determinant sign, and both K and K⁻¹ far from
    symmetric (for n ≥ 2).

    ``U`` is orthogonal, ``S`` holds the singular values (in
    ``[1, max_condition]`` times a magnitude 0.5, 1 or 2), ``F`` flips one sign
    for a negative determinant, ``R`` rotates the plane of the smallest and
    largest singular values (indices 0 and 1) by 30° to 60°. Symmetry is
    invariant under ``U · Uᵀ``, and in that plane ``F S Rᵀ`` has skew entries
    ``± sin θ (f0 s0 + f1 s1) / 2``, those of its inverse ``± sin θ (f0/s0 + f1/s1) / 2``,
    with the flip kept outside the plane for n ≥ 3 and ``s1 ≥ 2 s0`` when it
    must be inside (n = 2). So ``‖K - Kᵀ‖ ≥ ‖K‖/4`` and
    ``‖K⁻¹ - K⁻ᵀ‖ ≥ ‖K⁻¹‖/4`` (2-norms; checked on 3000 draws: minimum 0.25).
    """
    magnitude = draw(st.sampled_from([1.0, 0.5, 2.0]))
    negative = draw(st.booleans())
    if n == 1:
        value = magnitude * draw(finite_floats(1.0, max_condition))
        return np.array([[-value if negative else value]])
    u, _ = np.linalg.qr(draw(float_arrays((n, n), -1.0, 1.0)) + 3.0 * np.eye(n))
    s = np.asarray(draw(st.lists(finite_floats(1.0, max_condition), min_size=n, max_size=n)))
    s = np.sort(s)
    s[[1, n - 1]] = s[[n - 1, 1]]  # s[0] the smallest, s[1] the largest: both in the rotated plane
    if negative and n == 2:
        s[0] = draw(finite_floats(1.0, max_condition / 2))
        s[1] = draw(finite_floats(2.0 * s[0], max_condition))
    flips = np.ones(n)
    if negative:
        flips[2 if n >= 3 else 0] = -1.0
    angle = draw(finite_floats(np.pi / 6, np.pi / 3)) * draw(st.sampled_from([1.0, -1.0]))
    core = np.diag(flips * s) @ _rotation(n, angle).T
    return magnitude * (u @ core @ u.T)


def _smallest_singular_value(K: np.ndarray) -> float:
    return float(np.linalg.svd(K, compute_uv=False)[-1])


def _inverse_step(K: np.ndarray) -> float:
    """A finite-difference step that keeps every stencil point well inside the
    invertible matrices: moving one entry by h ≤ σ_min/4 leaves σ_min ≥ ¾ of
    itself, and the expansion of (K + hE)⁻¹ in h converges with ratio ≤ 1/4."""
    return 0.25 * _smallest_singular_value(K)


square_sizes = sizes(1, 4)


@st.composite
def quadratic_args(draw: Any) -> tuple:
    n = draw(square_sizes)
    return draw(nonsymmetric_matrices(n)), draw(float_arrays(n, -2.0, 2.0))


@st.composite
def bilinear_args(draw: Any) -> tuple:
    """``(x (n,), A (n, m), y (m,))``; A non-symmetric by a margin when square."""
    n, m = draw(sizes(1, 4)), draw(sizes(1, 4))
    A = draw(nonsymmetric_matrices(n)) if n == m else draw(float_arrays((n, m), -3.0, 3.0))
    return draw(float_arrays(n, -2.0, 2.0)), A, draw(float_arrays(m, -2.0, 2.0))


def invertible_args() -> st.SearchStrategy[tuple]:
    return square_sizes.flatmap(nonsymmetric_invertible).map(lambda K: (K,))


@st.composite
def inverse_backward_args(draw: Any) -> tuple:
    n = draw(square_sizes)
    return draw(nonsymmetric_invertible(n)), draw(nonsymmetric_matrices(n))


@st.composite
def trace_args(draw: Any) -> tuple:
    """``(W (m, n), A (n, m))``, non-square half the time; A non-symmetric when square."""
    m, n = draw(sizes(1, 4)), draw(sizes(1, 4))
    A = draw(nonsymmetric_matrices(n)) if n == m else draw(float_arrays((n, m), -3.0, 3.0))
    return draw(float_arrays((m, n), -3.0, 3.0)), A


@st.composite
def trace_quadratic_args(draw: Any) -> tuple:
    """``(W (m, n), A (n, n))``, A non-symmetric by a margin."""
    m, n = draw(sizes(1, 4)), draw(sizes(1, 4))
    return draw(float_arrays((m, n), -2.0, 2.0)), draw(nonsymmetric_matrices(n))


@st.composite
def nonzero_vectors(draw: Any) -> np.ndarray:
    """``(n,)`` vectors with ``0.05 ≤ ‖p‖ ≤ 20``: a drawn direction (one entry set
    to ±1 if it is nearly zero) rescaled to a drawn norm."""
    n = draw(sizes(1, 4))
    direction = draw(float_arrays(n, -1.0, 1.0)).copy()
    if np.linalg.norm(direction) < 0.1:
        direction[draw(st.integers(0, n - 1))] = draw(st.sampled_from([1.0, -1.0]))
    norm = draw(st.one_of(st.sampled_from([0.05, 0.5, 3.0, 20.0]), finite_floats(0.05, 20.0)))
    return direction * (norm / np.linalg.norm(direction))


# -- matcalc.quadratic_grad -------------------------------------------------------------

test_quadratic_grad_agrees_with_reference = agrees_with_reference("matcalc.quadratic_grad", quadratic_args())


@prop("matcalc.quadratic_grad", "the gradient is the derivative of xᵀAx for non-symmetric A (scipy.differentiate)", cost=4)
@given(args=quadratic_args())
def test_quadratic_grad_is_derivative(subject: Any, args: tuple) -> None:
    A, x = args
    numerical = numerical_jacobian(lambda v: v @ A @ v, x)
    assert_matches_numerical(subject(*args), numerical, what="∂(xᵀAx)/∂x", label="xᵀAx")


@prop("matcalc.quadratic_grad", "the gradient is the same for A and Aᵀ (xᵀAx = xᵀAᵀx)")
@given(args=quadratic_args())
def test_quadratic_grad_depends_on_symmetric_part_only(subject: Any, args: tuple) -> None:
    A, x = args
    # Same products summed in another order: rounding ≤ n·eps·Σ|A||x| ≈ 1e-14 of a
    # scale ~1e2; 2Ax (symmetric A assumed) differs by 2·(A - Aᵀ)x/2, O(1).
    scale = 1.0 + 2.0 * float(np.max(np.abs(A))) * float(np.sum(np.abs(x)))
    assert_close(subject(A.T, x), subject(A, x), rtol=0, atol=1e-12 * scale, what="the gradient with Aᵀ", expected_label="the gradient with A")


@prop("matcalc.quadratic_grad", "Euler's identity for a quadratic form: x · ∇ = 2 xᵀAx")
@given(args=quadratic_args())
def test_quadratic_grad_satisfies_euler_identity(subject: Any, args: tuple) -> None:
    A, x = args
    inner, form = float(x @ subject(*args)), float(x @ A @ x)
    # Both sides are sums of ≤ 16 products bounded by |x_i||A_ij||x_j|: rounding is
    # ≤ 1e-14 of Σ|x||A||x|; a missing term (Ax alone) is off by xᵀAx, O(1).
    scale = 1.0 + float(np.abs(x) @ np.abs(A) @ np.abs(x))
    assert_true(
        abs(inner - 2.0 * form) <= 1e-12 * scale,
        what="x · ∂(xᵀAx)/∂x must equal 2 xᵀAx (xᵀAx is homogeneous of degree 2)",
        details={"x · gradient": inner, "2 xᵀAx": 2.0 * form},
    )


# -- matcalc.bilinear_grads ---------------------------------------------------------------

test_bilinear_grads_agrees_with_reference = agrees_with_reference("matcalc.bilinear_grads", bilinear_args())


@prop("matcalc.bilinear_grads", "(dx, dy, dA) is the derivative of xᵀAy, also for non-square and non-symmetric A (scipy.differentiate)", cost=4)
@given(args=bilinear_args())
def test_bilinear_grads_are_derivatives(subject: Any, args: tuple) -> None:
    x, A, y = args
    bilinear = lambda theta: (lambda x_, A_, y_: x_ @ A_ @ y_)(*_unpack(theta, x, A, y))  # noqa: E731
    numerical_dx, numerical_dA, numerical_dy = _unpack(numerical_jacobian(bilinear, _pack(x, A, y)), x, A, y)
    dx, dy, dA = subject(*args)
    assert_matches_numerical(dx, numerical_dx, what="∂f/∂x", label="f = xᵀAy")
    assert_matches_numerical(dy, numerical_dy, what="∂f/∂y", label="f = xᵀAy")
    assert_matches_numerical(dA, numerical_dA, what="∂f/∂A", label="f = xᵀAy")


@prop("matcalc.bilinear_grads", "f = xᵀAy is linear in each argument: x · dx = y · dy = ⟨A, dA⟩ = f")
@given(args=bilinear_args())
def test_bilinear_grads_satisfy_euler_identity(subject: Any, args: tuple) -> None:
    x, A, y = args
    dx, dy, dA = subject(*args)
    f = float(x @ A @ y)
    contractions = {"x · dx": float(x @ dx), "y · dy": float(y @ dy), "⟨A, dA⟩": float(np.sum(A * dA))}
    # Each is f summed in another order: rounding ≤ 1e-14 of Σ|x||A||y| (≤ ~1e2);
    # a transposed or swapped gradient gives xᵀAᵀy or a wrong contraction, O(1) off.
    scale = 1.0 + float(np.abs(x) @ np.abs(A) @ np.abs(y))
    assert_true(
        all(abs(v - f) <= 1e-12 * scale for v in contractions.values()),
        what="each gradient contracted with its own argument must give f = xᵀAy",
        details={"f = xᵀAy": f, **contractions},
    )


# -- matcalc.det_grad ---------------------------------------------------------------------

test_det_grad_agrees_with_reference = agrees_with_reference("matcalc.det_grad", invertible_args())


@prop("matcalc.det_grad", "the gradient is the derivative of det K, for non-symmetric K of either determinant sign (scipy.differentiate)", cost=4)
@given(args=invertible_args())
def test_det_grad_is_derivative(subject: Any, args: tuple) -> None:
    (K,) = args
    numerical = numerical_jacobian(np.linalg.det, K, initial_step=_inverse_step(K))
    assert_matches_numerical(subject(*args), numerical, what="∂ det K / ∂K", label="det K")


@prop("matcalc.det_grad", "det_grad(cK) = c^(n-1) det_grad(K) (det is homogeneous of degree n)")
@given(args=invertible_args(), c=st.one_of(st.sampled_from([-1.0, 2.0, -0.5]), finite_floats(0.25, 3.0), finite_floats(-3.0, -0.25)))
def test_det_grad_is_homogeneous(subject: Any, args: tuple, c: float) -> None:
    (K,) = args
    n = K.shape[0]
    scaled, expected = subject(c * K), c ** (n - 1) * subject(K)
    # Each side errs by at most ~5e-11 of its largest entry (MAX_CONDITION note);
    # 1e-9 of the largest entry is far above both and far below a missing
    # determinant (c^(-1) instead of c^(n-1)) or an unsigned one (|c|^n / c).
    assert_close(scaled, expected, rtol=0, atol=1e-9 * (1.0 + float(np.max(np.abs(expected)))), what=f"det_grad(c·K) with c = {c}", expected_label=f"c^{n - 1} · det_grad(K)")


# -- matcalc.logdet_grad -------------------------------------------------------------------

test_logdet_grad_agrees_with_reference = agrees_with_reference("matcalc.logdet_grad", invertible_args())


@prop("matcalc.logdet_grad", "the gradient is the derivative of log|det K|, for non-symmetric K and negative determinants too (scipy.differentiate)", cost=4)
@given(args=invertible_args())
def test_logdet_grad_is_derivative(subject: Any, args: tuple) -> None:
    (K,) = args
    log_abs_det = lambda M: np.linalg.slogdet(M)[1]  # noqa: E731
    numerical = numerical_jacobian(log_abs_det, K, initial_step=_inverse_step(K))
    assert_matches_numerical(subject(*args), numerical, what="∂ log|det K| / ∂K", label="log|det K|")


@prop("matcalc.logdet_grad", "the gradient is the inverse transpose: Kᵀ · gradient = I")
@given(args=invertible_args())
def test_logdet_grad_is_inverse_transpose(subject: Any, args: tuple) -> None:
    (K,) = args
    product = K.T @ subject(*args)
    # K⁻ᵀ computed in float64 errs by ~κ·eps relative, so KᵀX - I errs by ~κ²·eps
    # ≈ 2e-12 (κ ≤ 100); 1e-9 is far above it, and a missing transpose (KᵀK⁻¹) or
    # a missing 1/det is O(1) off (float32 too: κ²·6e-8 ≈ 6e-4).
    assert_close(product, np.eye(K.shape[0]), rtol=0, atol=1e-9, what="Kᵀ · logdet_grad(K)", expected_label="the identity")


# -- matcalc.trace_grad ---------------------------------------------------------------------

test_trace_grad_agrees_with_reference = agrees_with_reference("matcalc.trace_grad", trace_args())


@prop("matcalc.trace_grad", "the gradient is the derivative of tr(WA) and has W's shape, W (m, n), A (n, m) (scipy.differentiate)", cost=4)
@given(args=trace_args())
def test_trace_grad_is_derivative(subject: Any, args: tuple) -> None:
    W, A = args
    numerical = numerical_jacobian(lambda w: np.trace(w @ A), W)
    assert_matches_numerical(subject(*args), numerical, what="∂ tr(WA) / ∂W", label="tr(WA)")


@prop("matcalc.trace_grad", "tr(WA) is linear in W: ⟨W, gradient⟩ = tr(WA)")
@given(args=trace_args())
def test_trace_grad_satisfies_euler_identity(subject: Any, args: tuple) -> None:
    W, A = args
    inner, trace = float(np.sum(W * subject(*args))), float(np.trace(W @ A))
    # The same ≤ 16 products summed in another order: ≤ 1e-14 of Σ|W||Aᵀ| (≤ ~1e2).
    scale = 1.0 + float(np.sum(np.abs(W) * np.abs(A.T)))
    assert_true(
        abs(inner - trace) <= 1e-12 * scale,
        what="⟨W, ∂tr(WA)/∂W⟩ must equal tr(WA)",
        details={"⟨W, gradient⟩": inner, "tr(WA)": trace},
    )


# -- matcalc.trace_quadratic_grad ----------------------------------------------------------

test_trace_quadratic_grad_agrees_with_reference = agrees_with_reference("matcalc.trace_quadratic_grad", trace_quadratic_args())


@prop("matcalc.trace_quadratic_grad", "the gradient is the derivative of tr(W A Wᵀ) for non-symmetric A (scipy.differentiate)", cost=4)
@given(args=trace_quadratic_args())
def test_trace_quadratic_grad_is_derivative(subject: Any, args: tuple) -> None:
    W, A = args
    numerical = numerical_jacobian(lambda w: np.trace(w @ A @ w.T), W)
    assert_matches_numerical(subject(*args), numerical, what="∂ tr(W A Wᵀ) / ∂W", label="tr(W A Wᵀ)")


@prop("matcalc.trace_quadratic_grad", "the gradient is the same for A and Aᵀ (tr(W A Wᵀ) = tr(W Aᵀ Wᵀ))")
@given(args=trace_quadratic_args())
def test_trace_quadratic_grad_depends_on_symmetric_part_only(subject: Any, args: tuple) -> None:
    W, A = args
    # W(Aᵀ + A) against W(A + Aᵀ): rounding ≤ 1e-14 of n·max|W|·2max|A| (~1e2);
    # 2WA (A assumed symmetric) differs by W(A - Aᵀ), O(1).
    scale = 1.0 + W.shape[1] * float(np.max(np.abs(W))) * 2.0 * float(np.max(np.abs(A)))
    assert_close(subject(W, A.T), subject(W, A), rtol=0, atol=1e-12 * scale, what="the gradient with Aᵀ", expected_label="the gradient with A")


@prop("matcalc.trace_quadratic_grad", "Euler's identity: ⟨W, gradient⟩ = 2 tr(W A Wᵀ) (degree-2 homogeneous in W)")
@given(args=trace_quadratic_args())
def test_trace_quadratic_grad_satisfies_euler_identity(subject: Any, args: tuple) -> None:
    W, A = args
    inner, form = float(np.sum(W * subject(*args))), float(np.trace(W @ A @ W.T))
    # Sums of ≤ 64 products bounded by |W||A||W|: rounding ≤ 1e-13 of Σ|W||A||Wᵀ|;
    # a missing term (W A alone) is off by tr(W A Wᵀ), O(1).
    scale = 1.0 + float(np.sum(np.abs(W) @ np.abs(A) * np.abs(W)))
    assert_true(
        abs(inner - 2.0 * form) <= 1e-12 * scale,
        what="⟨W, ∂tr(W A Wᵀ)/∂W⟩ must equal 2 tr(W A Wᵀ)",
        details={"⟨W, gradient⟩": inner, "2 tr(W A Wᵀ)": 2.0 * form},
    )


# -- matcalc.norm_grad ------------------------------------------------------------------------

test_norm_grad_agrees_with_reference = agrees_with_reference("matcalc.norm_grad", nonzero_vectors().map(lambda p: (p,)))


@prop("matcalc.norm_grad", "the gradient is the derivative of ‖p‖₂ (scipy.differentiate)", cost=4)
@given(p=nonzero_vectors())
def test_norm_grad_is_derivative(subject: Any, p: np.ndarray) -> None:
    # Steps up to ‖p‖/4 stay away from p = 0, the only non-smooth point.
    numerical = numerical_jacobian(lambda v: np.sqrt(v @ v), p, initial_step=0.25 * float(np.linalg.norm(p)))
    assert_matches_numerical(subject(p), numerical, what="∂‖p‖/∂p", label="‖p‖₂")


@prop("matcalc.norm_grad", "the gradient is a unit vector")
@given(p=nonzero_vectors())
def test_norm_grad_is_unit_vector(subject: Any, p: np.ndarray) -> None:
    length = float(np.linalg.norm(subject(p)))
    # p/‖p‖ in float64 has norm 1 to a few ulps (~1e-15); p/‖p‖² or 2p are off by
    # a factor, float32 by ~1e-7.
    assert_true(abs(length - 1.0) <= 1e-12, what="‖∂‖p‖/∂p‖ must be 1", details={"p": p, "norm of the gradient": length})


@prop("matcalc.norm_grad", "the gradient is invariant to rescaling p by c > 0 and flips sign for c < 0")
@given(p=nonzero_vectors(), c=st.one_of(st.sampled_from([2.0, -1.0, 0.1]), finite_floats(0.1, 10.0), finite_floats(-10.0, -0.1)))
def test_norm_grad_is_scale_invariant(subject: Any, p: np.ndarray, c: float) -> None:
    # c·p rounds each entry by half an ulp; the unit vector then moves by ~1e-16.
    assert_close(subject(c * p), np.sign(c) * subject(p), rtol=0, atol=1e-12, what=f"the gradient at c·p, c = {c}", expected_label="sign(c) · the gradient at p")


# -- matcalc.inverse_backward --------------------------------------------------------------------

test_inverse_backward_agrees_with_reference = agrees_with_reference("matcalc.inverse_backward", inverse_backward_args())


@prop("matcalc.inverse_backward", "∂L/∂K is the derivative of L(K) = Σ G ⊙ K⁻¹, for non-symmetric K and G (scipy.differentiate)", cost=4)
@given(args=inverse_backward_args())
def test_inverse_backward_is_derivative(subject: Any, args: tuple) -> None:
    K, G = args
    numerical = numerical_jacobian(lambda k: float(np.sum(G * np.linalg.inv(k))), K, initial_step=_inverse_step(K))
    assert_matches_numerical(subject(*args), numerical, what="∂L/∂K", label="L(K) = Σ G ⊙ K⁻¹")


# -- packing ----------------------------------------------------------------------------------


def _pack(*arrays: np.ndarray) -> np.ndarray:
    return np.concatenate([np.ravel(a) for a in arrays])


def _unpack(theta: np.ndarray, *like: np.ndarray) -> list[np.ndarray]:
    parts, start = [], 0
    for a in like:
        parts.append(theta[start : start + np.size(a)].reshape(np.shape(a)))
        start += np.size(a)
    return parts
