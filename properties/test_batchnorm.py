"""Properties of the batchnorm family: centering-only batch normalization (seeds 000,
001, 004) and full batch normalization (seed 002).

Catalogue: ``batchnorm.centered_forward``, ``batchnorm.centered_backward``,
``batchnorm.forward``, ``batchnorm.backward``.

Accuracy far from zero. The catalogue promises soundness for features whose mean
is up to 1e6 times their standard deviation. There even the input is coarse on the
scale of the spread: ``x_i`` is a float64 near ``|μ|``, spaced ``2u·|μ| ≈ 2e-16·1e6σ
= 2e-10σ`` apart. Any float64 mean of n such numbers errs by up to ``n·u·max|x|``
(recursive summation in any order, then one division; Higham, *Accuracy and
Stability*, §4.2), and subtracting it shifts every centred value of the feature by
that much, so a correct implementation's ``x̂`` may be off by

    e = 2 (n + 1) u · max|x| / √(σ² + ε)          (≈ 2e-9 for n = 8 at 1e6σ)

(factor 2 and n + 1: Welford's running mean and the rounding of the division).
Nothing better is achievable without extra precision, so the "far from zero"
properties allow exactly that shift, propagated through each formula, on top of
the usual 1e-9 relative agreement. A one-pass variance ``E[x²] - E[x]²`` cancels
catastrophically there (relative error ``u·(μ/σ)² ≈ 1e-4``) and fails by five
orders of magnitude; float32 fails by seven. The agreement properties use offsets
up to 10 standard deviations, where the shift is below 1e-13 and the plain
``FLOAT64_RTOL`` applies.

Decisions where the catalogue is ambiguous:
- "as n grows with bounded dy, centered dx → γ dy": the formula gives exactly
  ``dx_i - γ dy_i = -γ mean(dy)`` for every i, which vanishes as n grows when the
  *total* gradient ``Σ dy`` stays bounded (e.g. a loss that depends on a fixed
  number of examples; for merely bounded dy it need not vanish). The property
  checks ``|dx_i - γ dy_i| ≤ |γ| |Σ_j dy_j| / n`` for batches of up to 1000
  examples of which at most 4 carry gradient.
- "mean β" is checked for both forwards and any eps; "variance γ²" for the full
  forward with eps = 0 (with eps > 0 it is γ² σ²/(σ²+ε)).
- With eps = 0 the inputs have n ≥ 2 and every feature a guaranteed spread: two
  examples sit at the feature's extremes -s and +s, so σ ≥ s·√(2/n).
- Outside the eps = 0 invariants, eps is drawn from [1e-5, 1] (1e-5 often).
"""

from __future__ import annotations

from typing import Any, NamedTuple

import numpy as np
from hypothesis import given
from hypothesis import strategies as st
from hypothesis.extra import numpy as hnp

from properties.derivative_helpers import assert_matches_numerical, forward_to_differentiate, numerical_jacobian
from properties.generic_properties import FLOAT64_RTOL, agrees_with_reference
from properties.hypothesis_helpers import finite_floats, float_arrays, sizes
from properties.pytest_helpers import assert_close, assert_true, prop
from reference.batchnorm import normalized

# Unit roundoff of float64 (half the machine epsilon): the relative error of one rounding.
UNIT_ROUNDOFF = float(np.finfo(np.float64).eps) / 2


def _unit_roundoff() -> float:
    """u of the dtype graded in (2^-53, or 2^-24 with --dtype float32): the shift of x̂
    below is the same derivation in either dtype."""
    from gradoracle import namespaces

    return namespaces.current().unit_roundoff
# Absolute slack for underflow. Hypothesis draws entries as small as 1e-300; products of two
# such numbers fall below the smallest normal float64 (2.2e-308) and keep only an absolute
# accuracy of ~5e-324 per operation, so a purely relative tolerance (which underflows to 0
# with them) would fail a correct implementation. 1e-300 per term is far above that and far
# below anything a wrong formula produces on data of ordinary size.
UNDERFLOW_SLACK = 1e-300

# -- strategies ----------------------------------------------------------------------


class Case(NamedTuple):
    """One batch-normalization problem; ``x`` is ``(n, f)`` or ``(n,)`` with scalar gamma/beta."""

    x: np.ndarray
    gamma: Any
    beta: Any
    eps: float
    dy: np.ndarray


def log_uniform(low: float, high: float) -> st.SearchStrategy[float]:
    """Floats spread evenly over the decades of ``[low, high]``."""
    return finite_floats(np.log10(low), np.log10(high)).map(lambda e: float(10.0**e))


DEFAULT_EPS = st.one_of(st.just(1e-5), log_uniform(1e-5, 1.0))
MODERATE_RATIOS = st.one_of(st.just(0.0), st.just(10.0), finite_floats(0.0, 10.0))
# The catalogue's edge, 1e6, half of the time; otherwise anywhere in the three top decades.
FAR_RATIOS = st.one_of(st.just(1e6), log_uniform(1e3, 1e6))


def dense_arrays(shape: tuple[int, ...], low: float, high: float) -> st.SearchStrategy[np.ndarray]:
    """Like ``float_arrays`` but every entry drawn on its own: Hypothesis's default fill would
    make most entries one repeated value, i.e. constant features and all-zero gradients, on
    which many wrong formulas agree with the right one."""
    return hnp.arrays(np.float64, shape, elements=finite_floats(low, high), fill=st.nothing())


def _signs(draw: Any, size: int) -> np.ndarray:
    bits = draw(st.integers(0, 2**size - 1))
    return np.array([-1.0 if bits >> k & 1 else 1.0 for k in range(size)])


@st.composite
def cases(
    draw: Any,
    *,
    min_n: int = 1,
    max_n: int = 8,
    max_features: int = 3,
    eps: st.SearchStrategy[float] = DEFAULT_EPS,
    spread: str = "mostly",
    ratios: st.SearchStrategy[float] = MODERATE_RATIOS,
    spreads: tuple[float, float] = (0.1, 10.0),
    min_abs_gamma: float = 0.05,
    vectors: bool = True,
    with_dy: bool = True,
) -> Case:
    """A batch whose feature j has spread ``s_j`` and mean ``±r_j·√(σ_j² + ε)``.

    A spread forces two examples of every feature to ``-s_j`` and ``+s_j`` (n ≥ 2), so
    ``σ_j ≥ s_j·√(2/n)`` is guaranteed by construction: ``spread="always"`` (then n ≥ 2),
    "mostly" (three cases in four with n ≥ 2; the others may have constant features,
    x̂ = 0, where many wrong formulas agree with the right one). ``r_j`` is drawn from
    ``ratios``: the mean is ``r_j`` standard deviations from zero (a feature without
    spread sits at ``±r_j√ε``). ``|γ|`` is in ``[min_abs_gamma, 3]``, either sign (γ = 0
    would hide every error of x̂). With ``vectors`` some cases are one feature as
    ``x: (n,)``. ``dy`` (only drawn ``with_dy``, else zeros) has entries in [-3, 3].
    """
    always = spread == "always"
    n = draw(sizes(max(min_n, 2 if always else 1), max_n))
    f = draw(sizes(1, max_features))
    epsilon = float(draw(eps))
    # One array draw in [-1, 1] for everything of unit range, mapped below (per-array overhead
    # dominates generation): rows 0..n-1 the shape z of the batch, then dy/3 (when drawn), then
    # per feature the spread exponent, γ and β. The ends ±1 map to the ranges' ends.
    rows = draw(dense_arrays((2 * n + 3 if with_dy else n + 3, f), -1.0, 1.0))
    z = rows[:n].copy()
    dy = 3.0 * rows[n : 2 * n] if with_dy else np.zeros((n, f))
    exponent, gamma_unit, beta_unit = rows[-3], rows[-2], rows[-1]
    if n >= 2 and (always or draw(st.sampled_from([True, True, True, False]))):
        low = draw(st.integers(0, n - 1))
        high = (low + draw(st.integers(1, n - 1))) % n
        z[low, :] = -1.0
        z[high, :] = 1.0
    scale = spreads[0] * (spreads[1] / spreads[0]) ** ((exponent + 1.0) / 2.0)
    deviations = scale * z
    deviations = deviations - np.mean(deviations, axis=0)
    sigma = np.sqrt(np.mean(deviations**2, axis=0))
    ratio = draw(hnp.arrays(np.float64, f, elements=ratios))
    # With a guaranteed spread the ratio is to σ itself (the catalogue's "mean up to 1e6 σ");
    # otherwise to √(σ² + ε), so a constant feature sits at ±r√ε.
    floor = 0.0 if always else epsilon
    x = deviations + _signs(draw, f) * ratio * np.sqrt(sigma**2 + floor)
    gamma = np.where(gamma_unit < 0, -1.0, 1.0) * (min_abs_gamma + (3.0 - min_abs_gamma) * np.abs(gamma_unit))
    beta = 3.0 * beta_unit
    if vectors and f == 1 and draw(st.booleans()):
        return Case(x[:, 0].copy(), float(gamma[0]), float(beta[0]), epsilon, dy[:, 0].copy())
    return Case(x, gamma, beta, epsilon, dy)


def centered_forward_args(case: Case) -> tuple:
    return case.x, case.gamma, case.beta


def centered_backward_args(case: Case) -> tuple:
    return case.dy, case.x, case.gamma


def forward_args(case: Case) -> tuple:
    return case.x, case.gamma, case.beta, case.eps


def backward_args(case: Case) -> tuple:
    return case.dy, case.x, case.gamma, case.eps


# Offsets up to 10 standard deviations, eps in [1e-5, 1], n from 1; forwards need no dy.
moderate = cases()
moderate_forward = cases(with_dy=False)
# n = 1, at any offset (x - μ = 0 exactly there). The agreement properties draw half of their
# cases from here, so the wrong-at-n = 1 bugs (nan from ddof=1 or ε = 0, pass-through) always show.
single_example = cases(min_n=1, max_n=1, ratios=st.one_of(MODERATE_RATIOS, FAR_RATIOS))
single_example_forward = cases(min_n=1, max_n=1, ratios=st.one_of(MODERATE_RATIOS, FAR_RATIOS), with_dy=False)
# eps = 0 and a guaranteed spread: the invariants that need σ > 0.
spread_eps0 = cases(eps=st.just(0.0), spread="always", min_abs_gamma=0.25)
spread_eps0_forward = cases(eps=st.just(0.0), spread="always", min_abs_gamma=0.25, with_dy=False)
# Far from zero: means up to 1e6 standard deviations, eps small beside σ², |γ| ≥ 0.25.
_FAR = dict(spread="always", ratios=FAR_RATIOS, spreads=(0.5, 2.0), eps=log_uniform(1e-8, 1e-3), min_abs_gamma=0.25)
far_from_zero = cases(**_FAR)
far_from_zero_forward = cases(**_FAR, with_dy=False)
# Numerical differentiation: features of spread 0.5-2 so one first step suits them all.
differentiable = cases(max_n=5, max_features=2, spread="always", spreads=(0.5, 2.0), eps=log_uniform(1e-3, 1.0))


@st.composite
def large_batches(draw: Any) -> Case:
    """Up to 1000 examples of which at most 4 carry gradient (same sign, |dy| ≥ 0.1
    per feature, so the total Σ dy is bounded and never near 0)."""
    informative = draw(sizes(1, 4))
    n = draw(st.one_of(st.sampled_from([informative, 10, 100, 1000]), st.integers(informative, 1000)))
    n = max(n, informative)
    f = draw(sizes(1, 3))
    rng = np.random.default_rng(draw(st.integers(0, 2**32 - 1)))
    dy = np.zeros((n, f))
    values = draw(float_arrays((informative, f), 0.1, 3.0)) * _signs(draw, f)
    dy[rng.permutation(n)[:informative], :] = values
    x = rng.normal(size=(n, f))
    gamma = draw(float_arrays(f, 0.25, 3.0)) * _signs(draw, f)
    if f == 1 and draw(st.booleans()):
        return Case(x[:, 0], float(gamma[0]), 0.0, 0.0, dy[:, 0])
    return Case(x, gamma, np.zeros(f), 0.0, dy)


# -- what float64 allows ----------------------------------------------------------------


def _as_matrix(x: Any) -> np.ndarray:
    x = np.asarray(x, dtype=np.float64)
    return x.reshape(len(x), -1)


class Scales(NamedTuple):
    """Per-feature magnitudes of a batchnorm problem, for rounding-error bounds."""

    n: int
    shift: np.ndarray  # e: the shift of x̂ a correct float64 mean may cause (module docstring)
    xhat: np.ndarray  # x̂ (n, f), accurate
    xhat_max: np.ndarray  # X = max |x̂|
    dy_max: np.ndarray  # D = max |dy|
    std: np.ndarray  # s = √(σ² + ε)
    gamma: np.ndarray  # |γ|
    bracket: np.ndarray  # T = |γ| D (2 + X²)/s: the size of the terms whose difference is dx


def scales(x: Any, gamma: Any, eps: float, dy: Any | None = None) -> Scales:
    x2 = _as_matrix(x)
    n = x2.shape[0]
    xhat, std = normalized(x2, eps)
    shift = 2 * (n + 1) * _unit_roundoff() * np.max(np.abs(x2), axis=0) / std
    d = np.max(np.abs(_as_matrix(dy)), axis=0) if dy is not None else np.zeros(x2.shape[1])
    g = np.abs(np.atleast_1d(np.asarray(gamma, dtype=np.float64)))
    xmax = np.max(np.abs(xhat), axis=0)
    return Scales(n, shift, xhat, xmax, d, std, g, g * d * (2 + xmax**2) / std)


def forward_shift_allowance(s: Scales) -> float:
    """The largest error of ``y = γ x̂ + β`` caused by the unavoidable shift of x̂."""
    return float(np.max(s.gamma * s.shift))


def dx_shift_allowance(s: Scales) -> np.ndarray:
    """Per feature: a shift δ of x̂ changes ``dx_i`` by ``γ/s·(δ·mean(dy x̂) + x̂_i δ mean(dy) + δ² mean(dy))``,
    at most ``|γ| δ D (2X + δ)/s``; doubled for the subject's other roundings of the same order."""
    return 2 * s.gamma * s.shift * s.dy_max * (2 * s.xhat_max + s.shift) / s.std


def dgamma_shift_allowance(s: Scales) -> np.ndarray:
    """Per feature: a shift δ of x̂ changes ``Σ dy x̂`` by ``δ Σ dy``, at most ``n δ D``; doubled."""
    return 2 * s.n * s.shift * s.dy_max


def _loss_of_forward(forward: Any, dy: np.ndarray, *fixed: Any) -> Any:
    return lambda x: float(np.sum(dy * forward(x, *fixed)))


# -- batchnorm.centered_forward --------------------------------------------------------

test_centered_forward_agrees_with_reference = agrees_with_reference(
    "batchnorm.centered_forward", st.one_of(moderate_forward, single_example_forward).map(centered_forward_args)
)


@prop("batchnorm.centered_forward", "the output has mean β in every feature")
@given(case=moderate_forward)
def test_centered_forward_output_mean_is_beta(subject: Any, case: Case) -> None:
    y = _as_matrix(subject(*centered_forward_args(case)))
    beta = np.atleast_1d(np.asarray(case.beta, dtype=np.float64))
    x = _as_matrix(case.x)
    n = x.shape[0]
    # mean(y) - β = γ·(μ - μ̃): the rounding of the subject's mean, at most n·u·max|x| (Higham §4.2),
    # doubled; plus the rounding of our own mean of y, far below 1e-9·(1 + max|y|).
    allowed = FLOAT64_RTOL * (1 + np.max(np.abs(y), axis=0)) + 2 * (n + 1) * _unit_roundoff() * np.abs(
        np.atleast_1d(case.gamma)
    ) * np.max(np.abs(x), axis=0)
    error = np.abs(np.mean(y, axis=0) - beta)
    assert_true(
        error <= allowed,
        what="the batch mean of y differs from β (x - μ must average to 0 over the batch, axis 0)",
        details={"mean of y": np.mean(y, axis=0), "β": beta, "allowed error": allowed},
    )


@prop(
    "batchnorm.centered_forward",
    "accurate for features whose mean is up to 1e6 times their standard deviation",
)
@given(case=far_from_zero_forward)
def test_centered_forward_is_accurate_far_from_zero(subject: Any, case: Case) -> None:
    from gradoracle.submission import reference_implementation

    args = centered_forward_args(case)
    expected = reference_implementation().call("batchnorm.centered_forward", *args)
    x = _as_matrix(case.x)
    n = x.shape[0]
    # y - β = γ(x - μ): a correct float64 mean errs by up to n·u·max|x| (Higham §4.2), which every
    # entry inherits; 2(n+1)u·|γ|·max|x| allows it (≈ 1e-9 at 1e6σ). float32 errs by 1e-7·|μ|.
    shift = float(np.max(2 * (n + 1) * _unit_roundoff() * np.abs(np.atleast_1d(case.gamma)) * np.max(np.abs(x), axis=0)))
    atol = FLOAT64_RTOL * (1 + float(np.max(np.abs(expected)))) + shift
    assert_close(subject(*args), expected, rtol=FLOAT64_RTOL, atol=atol, what="y far from zero")


# -- batchnorm.centered_backward --------------------------------------------------------

test_centered_backward_agrees_with_reference = agrees_with_reference(
    "batchnorm.centered_backward", st.one_of(moderate, single_example).map(centered_backward_args)
)


@prop("batchnorm.centered_backward", "Σ_i dx_i = 0 in every feature")
@given(case=moderate)
def test_centered_backward_sums_to_zero(subject: Any, case: Case) -> None:
    dx = _as_matrix(subject(*centered_backward_args(case)))
    s = scales(case.x, case.gamma, 1.0, case.dy)
    # Σ_i γ(dy_i - mean dy) = 0 exactly; rounding leaves ~n·u·|γ|·max|dy| per entry, summed over n.
    allowed = FLOAT64_RTOL * s.n * s.gamma * s.dy_max + s.n * UNDERFLOW_SLACK
    total = np.sum(dx, axis=0)
    assert_true(
        np.abs(total) <= allowed,
        what="Σ_i dx_i is not 0: the mean's dependence on x (the -(1/n)Σ dy term) is wrong or missing",
        details={"Σ_i dx_i per feature": total, "allowed": allowed},
    )


@prop("batchnorm.centered_backward", "with one example (n = 1) dx = 0 (seeds 000, 004)")
@given(case=single_example)
def test_centered_backward_vanishes_for_one_example(subject: Any, case: Case) -> None:
    dx = _as_matrix(subject(*centered_backward_args(case)))
    s = scales(case.x, case.gamma, 1.0, case.dy)
    # γ(dy - dy/1) is exactly 0; a different association may leave one rounding of |γ dy|.
    allowed = FLOAT64_RTOL * s.gamma * s.dy_max + UNDERFLOW_SLACK
    assert_true(
        np.abs(dx) <= allowed,
        what="with a single example, x - μ = 0 does not depend on x, so dx must be 0",
        details={"dx": dx, "allowed": allowed},
    )


@prop(
    "batchnorm.centered_backward",
    "as n grows with a bounded total gradient, dx → γ dy: |dx_i - γ dy_i| ≤ |γ| |Σ_j dy_j| / n",
)
@given(case=large_batches())
def test_centered_backward_tends_to_gamma_dy_for_large_batches(subject: Any, case: Case) -> None:
    dx = _as_matrix(subject(*centered_backward_args(case)))
    dy = _as_matrix(case.dy)
    gamma = np.abs(np.atleast_1d(case.gamma))
    n = dy.shape[0]
    deviation = np.max(np.abs(dx - np.atleast_1d(case.gamma) * dy), axis=0)
    bound = gamma * np.abs(np.sum(dy, axis=0)) / n
    # The deviation equals the bound in exact arithmetic; rounding of dx and of γ·dy is a few ulps
    # of |γ|·max|dy| (≤ 9), so 1e-9 of it is ample and far below the bound (≥ 0.025/n ≥ 2.5e-5).
    allowed = bound + FLOAT64_RTOL * gamma * np.max(np.abs(dy), axis=0)
    assert_true(
        deviation <= allowed,
        what=f"with n = {n} examples, dx is farther from γ·dy than |γ|·|Σ dy|/n",
        details={"max_i |dx_i - γ dy_i|": deviation, "|γ|·|Σ dy|/n": bound},
    )


@prop(
    "batchnorm.centered_backward",
    "dx is the derivative of Σ dy ⊙ centered_forward(x) (scipy.differentiate)",
    cost=4,
)
@given(case=differentiable)
def test_centered_backward_is_derivative_of_forward(subject: Any, impl: Any, case: Case) -> None:
    beta = case.beta
    forward, label = forward_to_differentiate(impl, "batchnorm.centered_forward", (case.x, case.gamma, beta))
    numerical = numerical_jacobian(_loss_of_forward(forward, case.dy, case.gamma, beta), case.x)
    assert_matches_numerical(subject(*centered_backward_args(case)), numerical, what="dx", label=label)


# -- batchnorm.forward ------------------------------------------------------------------

test_forward_agrees_with_reference = agrees_with_reference(
    "batchnorm.forward", st.one_of(moderate_forward, single_example_forward).map(forward_args)
)


@prop("batchnorm.forward", "the output has mean β in every feature")
@given(case=st.one_of(moderate_forward, single_example_forward))
def test_forward_output_mean_is_beta(subject: Any, case: Case) -> None:
    y = _as_matrix(subject(*forward_args(case)))
    beta = np.atleast_1d(np.asarray(case.beta, dtype=np.float64))
    s = scales(case.x, case.gamma, case.eps)
    # mean(y) - β = γ·mean(x̂): zero up to the unavoidable shift γ·e of x̂ (module docstring) and
    # the rounding of our own mean of y, ~n·u·max|y|, far below 1e-9·(1 + max|y|).
    allowed = FLOAT64_RTOL * (1 + np.max(np.abs(y), axis=0)) + s.gamma * s.shift
    error = np.abs(np.mean(y, axis=0) - beta)
    assert_true(
        error <= allowed,
        what="the batch mean of y differs from β (x̂ must average to 0 over the batch, axis 0)",
        details={"mean of y": np.mean(y, axis=0), "β": beta, "allowed error": allowed},
    )


@prop("batchnorm.forward", "with eps = 0 the output has variance γ² in every feature (biased, 1/n)")
@given(case=spread_eps0_forward)
def test_forward_output_variance_is_gamma_squared(subject: Any, case: Case) -> None:
    y = _as_matrix(subject(*forward_args(case)))
    gamma2 = np.atleast_1d(np.asarray(case.gamma, dtype=np.float64)) ** 2
    variance = np.var(y, axis=0)
    # A uniform shift of x̂ leaves the variance unchanged; relative roundings of x̂ (~n·u) and of the
    # entries of y (~u·max|y|, |β| ≤ 3 beside |γ| ≥ 0.25) make ~1e-14 of γ² or of max|y|²;
    # 1e-9 is far above that and far below the 1/n of an unbiased variance.
    assert_close(
        variance,
        gamma2,
        rtol=FLOAT64_RTOL,
        atol=FLOAT64_RTOL * float(np.max(np.abs(y))) ** 2,
        what="the biased variance of y over the batch, per feature",
        expected_label="γ²",
    )


@prop("batchnorm.forward", "with eps = 0 the output is invariant to x → a·x + c (a > 0)")
@given(case=spread_eps0_forward, a=log_uniform(0.1, 10.0), c=finite_floats(-10.0, 10.0))
def test_forward_is_invariant_to_affine_rescaling(subject: Any, case: Case, a: float, c: float) -> None:
    x, gamma, beta, eps = forward_args(case)
    moved = a * x + c
    y = subject(x, gamma, beta, eps)
    y_moved = subject(moved, gamma, beta, eps)
    here, there = scales(x, gamma, eps), scales(moved, gamma, eps)
    # Each side may carry the unavoidable shift γ·e of x̂ (module docstring); moving x rounds every
    # entry by ≤ 2u·(a|x| + |c|), which moves x̂ by ≤ (2 + X)·that/(aσ) (center and spread both move).
    rounding_of_move = (2 + here.xhat_max) * 2 * _unit_roundoff() * (a * np.max(np.abs(_as_matrix(x)), axis=0) + abs(c)) / (a * here.std)
    atol = (
        FLOAT64_RTOL * (1 + float(np.max(np.abs(y))))
        + forward_shift_allowance(here)
        + forward_shift_allowance(there)
        + float(np.max(here.gamma * rounding_of_move))
    )
    assert_close(y_moved, y, rtol=FLOAT64_RTOL, atol=atol, what=f"y of {a:.6g}·x + {c:.6g}", expected_label="y of x")


@prop(
    "batchnorm.forward",
    "accurate for features whose mean is up to 1e6 times their standard deviation (no E[x²] - E[x]²)",
)
@given(case=far_from_zero_forward)
def test_forward_is_accurate_far_from_zero(subject: Any, case: Case) -> None:
    from gradoracle.submission import reference_implementation

    args = forward_args(case)
    expected = reference_implementation().call("batchnorm.forward", *args)
    s = scales(case.x, case.gamma, case.eps)
    # The unavoidable shift γ·e of x̂ (module docstring, ≈ 2e-9·|γ| at 1e6σ) on top of 1e-9 relative;
    # a one-pass variance errs by ~1e-4 there, float32 by more than 1e-2.
    atol = FLOAT64_RTOL * (1 + float(np.max(np.abs(expected)))) + forward_shift_allowance(s)
    assert_close(subject(*args), expected, rtol=FLOAT64_RTOL, atol=atol, what="y far from zero")


# -- batchnorm.backward ------------------------------------------------------------------

test_backward_agrees_with_reference = agrees_with_reference(
    "batchnorm.backward", st.one_of(moderate, single_example).map(backward_args)
)


@prop("batchnorm.backward", "Σ_i dx_i = 0 in every feature")
@given(case=moderate)
def test_backward_sums_to_zero(subject: Any, case: Case) -> None:
    dx, _, _ = subject(*backward_args(case))
    s = scales(case.x, case.gamma, case.eps, case.dy)
    # dx is a difference of terms of size T = |γ|D(2 + X²)/s, each entry good to ~n·u·T; summed
    # over n entries, 1e-9·n·T is far above that. Plus the unavoidable shift of x̂ (module docstring).
    allowed = FLOAT64_RTOL * s.n * s.bracket + s.n * dx_shift_allowance(s) + s.n * UNDERFLOW_SLACK
    total = np.sum(_as_matrix(dx), axis=0)
    assert_true(
        np.abs(total) <= allowed,
        what="Σ_i dx_i is not 0: the mean's dependence on x (the -Σ dy term) is wrong or missing",
        details={"Σ_i dx_i per feature": total, "allowed": allowed},
    )


@prop("batchnorm.backward", "with one example (n = 1) dx = 0 (seed 004)")
@given(case=single_example)
def test_backward_vanishes_for_one_example(subject: Any, case: Case) -> None:
    dx, _, _ = subject(*backward_args(case))
    s = scales(case.x, case.gamma, case.eps, case.dy)
    # With n = 1, x̂ = 0 exactly and dx = γ/s·(dy - dy) = 0; another association of the same
    # terms (size T = 2|γ|D/√ε) may leave a rounding of T, far below 1e-9·T.
    allowed = FLOAT64_RTOL * s.bracket + UNDERFLOW_SLACK
    assert_true(
        np.abs(_as_matrix(dx)) <= allowed,
        what="with a single example, x̂ = 0 does not depend on x, so dx must be 0",
        details={"dx": dx, "allowed": allowed},
    )


@prop("batchnorm.backward", "with eps = 0, Σ_i dx_i x̂_i = 0 in every feature")
@given(case=spread_eps0)
def test_backward_is_orthogonal_to_xhat(subject: Any, case: Case) -> None:
    dx, _, _ = subject(*backward_args(case))
    s = scales(case.x, case.gamma, case.eps, case.dy)
    # Σ_i dx_i x̂_i = γ/σ·(Σ dy x̂ - 0 - (Σ x̂²/n)·Σ dy x̂) = 0 when Σ x̂² = n (eps = 0). Each dx_i is
    # good to ~n·u·T (T the size of its terms), weighted by |x̂_i| ≤ X and summed: 1e-9·n·X·T is far
    # above that; plus the unavoidable shift of x̂ propagated the same way.
    allowed = s.n * s.xhat_max * (FLOAT64_RTOL * s.bracket + dx_shift_allowance(s)) + s.n * UNDERFLOW_SLACK
    total = np.sum(_as_matrix(dx) * s.xhat, axis=0)
    assert_true(
        np.abs(total) <= allowed,
        what="Σ_i dx_i x̂_i is not 0: the variance's dependence on x (the -x̂ Σ dy x̂ term) is wrong or missing",
        details={"Σ_i dx_i x̂_i per feature": total, "allowed": allowed},
    )


def _split_parameters(theta: np.ndarray, case: Case) -> tuple[Any, Any, Any]:
    x = np.asarray(case.x)
    size = x.size
    f = 1 if x.ndim == 1 else x.shape[1]
    x_new = theta[:size].reshape(x.shape)
    gamma, beta = theta[size : size + f], theta[size + f :]
    if x.ndim == 1:
        return x_new, float(gamma[0]), float(beta[0])
    return x_new, gamma, beta


@prop(
    "batchnorm.backward",
    "(dx, dgamma, dbeta) is the derivative of Σ dy ⊙ forward(x, γ, β) (scipy.differentiate)",
    cost=4,
)
@given(case=differentiable)
def test_backward_is_derivative_of_forward(subject: Any, impl: Any, case: Case) -> None:
    forward, label = forward_to_differentiate(impl, "batchnorm.forward", forward_args(case))
    theta0 = np.concatenate([np.ravel(case.x), np.atleast_1d(case.gamma), np.atleast_1d(case.beta)])

    def loss(theta: np.ndarray) -> float:
        x, gamma, beta = _split_parameters(theta, case)
        return float(np.sum(case.dy * forward(x, gamma, beta, case.eps)))

    # First step a quarter of the smallest feature scale √(σ²+ε) ≥ 0.5·√(2/5) (x̂ bends on that scale).
    _, std = normalized(_as_matrix(case.x), case.eps)
    numerical = numerical_jacobian(loss, theta0, initial_step=0.25 * float(np.min(std)))
    size = np.asarray(case.x).size
    f = len(np.atleast_1d(case.gamma))
    dx, dgamma, dbeta = subject(*backward_args(case))
    assert_matches_numerical(dx, numerical[:size].reshape(np.shape(case.x)), what="dx", label=label)
    assert_matches_numerical(np.atleast_1d(dgamma), numerical[size : size + f], what="dgamma", label=label)
    assert_matches_numerical(np.atleast_1d(dbeta), numerical[size + f :], what="dbeta", label=label)


@prop(
    "batchnorm.backward",
    "accurate for features whose mean is up to 1e6 times their standard deviation (no E[x²] - E[x]²)",
)
@given(case=far_from_zero)
def test_backward_is_accurate_far_from_zero(subject: Any, case: Case) -> None:
    from gradoracle.submission import reference_implementation

    args = backward_args(case)
    dx_ref, dgamma_ref, dbeta_ref = reference_implementation().call("batchnorm.backward", *args)
    dx, dgamma, dbeta = subject(*args)
    s = scales(case.x, case.gamma, case.eps, case.dy)
    # 1e-9 relative, plus the unavoidable shift of x̂ (module docstring) propagated to each output;
    # dbeta = Σ dy does not involve x.
    scale_dx = 1 + float(np.max(np.abs(dx_ref)))
    assert_close(
        dx, dx_ref, rtol=FLOAT64_RTOL, atol=FLOAT64_RTOL * scale_dx + float(np.max(dx_shift_allowance(s))), what="dx far from zero"
    )
    scale_dgamma = 1 + float(np.max(np.abs(dgamma_ref)))
    assert_close(
        dgamma,
        dgamma_ref,
        rtol=FLOAT64_RTOL,
        atol=FLOAT64_RTOL * scale_dgamma + float(np.max(dgamma_shift_allowance(s))),
        what="dgamma far from zero",
    )
    assert_close(
        dbeta, dbeta_ref, rtol=FLOAT64_RTOL, atol=FLOAT64_RTOL * (1 + float(np.max(np.abs(dbeta_ref)))), what="dbeta"
    )
