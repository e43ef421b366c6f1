"""Properties of the dropout family: Gaussian dropout on a linear unit, inverted dropout.

Catalogue: ``dropout.gaussian_expected_grad``, ``dropout.gaussian_objective``,
``dropout.inverted``. Seeds 000, 001, 004 (Gaussian), 002 (inverted).

``J1 = ½ (y_d - Σ_k δ_k W_k x_k)²`` with ``δ_k ~ N(1, σ²)`` independent. The
objective's claim ``objective = E[J1]`` is checked by Monte Carlo over δ
(false-alarm analysis in ``test_objective_is_expectation_of_j1``); the
expected gradient is checked as the derivative of the objective. Inverted
dropout's unbiasedness is checked exactly, by enumerating every mask of a
small layer with its probability: no statistics.
"""

from __future__ import annotations

import itertools
import math
from typing import Any

import numpy as np
from hypothesis import given
from hypothesis import strategies as st
from hypothesis.extra import numpy as hnp

from properties.derivative_helpers import assert_matches_numerical, forward_to_differentiate, numerical_jacobian
from properties.generic_properties import agrees_with_reference
from properties.hypothesis_helpers import finite_floats, float_arrays, shapes, sizes
from properties.pytest_helpers import assert_close, assert_equal, assert_true, prop

# -- strategies ----------------------------------------------------------------

# σ is a standard deviation. Hypothesis draws the ends 0 and 2 often; σ = 0 also
# has properties of its own, so generic values (where σ ≠ σ²) dominate here.
noise_levels = finite_floats(0.0, 2.0)


@st.composite
def gaussian_args(draw: Any, *, sigma: st.SearchStrategy[float] = noise_levels) -> tuple:
    """``(W, x, y_d, sigma)`` with ``n`` from 1 (where a missing sum or a
    squared-sum penalty is invisible) to 6, entries bounded by 3, ``|y_d| ≤ 5``."""
    n = draw(sizes(1, 6))
    W = draw(float_arrays(n, -3.0, 3.0))
    x = draw(float_arrays(n, -3.0, 3.0))
    y_d = draw(finite_floats(-5.0, 5.0))
    return W, x, float(y_d), float(draw(sigma))


without_noise = gaussian_args(sigma=st.just(0.0))

# Dropout rates in [0, 0.95]: p = 0 (identity), the seed's 0.2, 0.5 (where p and
# 1 - p agree); below 0.95 the scale 1/(1-p) ≤ 20 keeps results moderate.
drop_rates = st.one_of(st.just(0.0), st.just(0.2), st.just(0.5), finite_floats(0.0, 0.95))


def binary_masks(shape: tuple[int, ...]) -> st.SearchStrategy[np.ndarray]:
    """float64 masks of 0.0 (dropped) and 1.0 (kept)."""
    return hnp.arrays(np.float64, shape, elements=st.sampled_from([0.0, 1.0]))


@st.composite
def inverted_args(draw: Any) -> tuple[np.ndarray, np.ndarray, float]:
    """``(h, mask, p)`` for h of 1 to 3 dimensions."""
    shape = draw(shapes(min_dims=1, max_dims=3, max_side=4))
    return draw(float_arrays(shape, -10.0, 10.0)), draw(binary_masks(shape)), float(draw(drop_rates))


@st.composite
def inverted_args_with_a_drop(draw: Any) -> tuple[np.ndarray, np.ndarray, float]:
    h, mask, p = draw(inverted_args())
    mask.flat[draw(st.integers(0, mask.size - 1))] = 0.0
    return h, mask, p


def _plain_residual(W: np.ndarray, x: np.ndarray, y_d: float) -> float:
    return math.fsum([*(W * x).tolist(), -y_d])


def _summation_scale(W: np.ndarray, x: np.ndarray, y_d: float) -> float:
    """``Σ|W_k x_k| + |y_d|``: the size of the terms the residual is summed from,
    so rounding in the residual is at most ``n·eps`` times this."""
    return float(np.sum(np.abs(W * x))) + abs(y_d)


# -- dropout.gaussian_expected_grad ------------------------------------------------

test_gaussian_expected_grad_agrees_with_reference = agrees_with_reference(
    "dropout.gaussian_expected_grad", gaussian_args()
)


@prop(
    "dropout.gaussian_expected_grad",
    "the expected gradient is the gradient of the objective ½(y_d - Σ W x)² + (σ²/2) Σ x² W² (scipy.differentiate)",
    cost=4,
)
@given(args=gaussian_args())
def test_expected_grad_is_derivative_of_objective(subject: Any, impl: Any, args: tuple) -> None:
    W, x, y_d, sigma = args
    objective, label = forward_to_differentiate(impl, "dropout.gaussian_objective", args)
    numerical = numerical_jacobian(lambda w: objective(w, x, y_d, sigma), W)
    assert_matches_numerical(subject(*args), numerical, what="E[∂J1/∂W]", label=label)


@prop("dropout.gaussian_expected_grad", "σ = 0 gives the plain gradient (Σ W x - y_d) x")
@given(args=without_noise)
def test_expected_grad_without_noise_is_plain_gradient(subject: Any, args: tuple) -> None:
    W, x, y_d, sigma = args
    plain = _plain_residual(W, x, y_d) * x
    # Exact but for rounding: any float64 summation order or expanded form
    # ((Σ W x) x - y_d x) errs by ~10 eps of scale·|x|; 1e-12 is ~5000 eps,
    # while a leftover noise term (x² W) is O(1) of that scale.
    atol = 1e-12 * (1.0 + _summation_scale(W, x, y_d)) * (1.0 + float(np.max(np.abs(x))))
    assert_close(subject(*args), plain, rtol=0, atol=atol, what="E[∂J1/∂W] at σ = 0", expected_label="(Σ W x - y_d) x")


# -- dropout.gaussian_objective --------------------------------------------------------

test_gaussian_objective_agrees_with_reference = agrees_with_reference("dropout.gaussian_objective", gaussian_args())

MC_SAMPLES = 1 << 17
MC_Z = 7.0


@prop(
    "dropout.gaussian_objective",
    "the objective equals E[J1] over δ ~ N(1, σ²): Monte Carlo mean of J1 within 7 standard errors "
    "(false-alarm rate below 1e-11 per example)",
)
@given(args=gaussian_args(), seed=st.integers(0, 2**64 - 1))
def test_objective_is_expectation_of_j1(subject: Any, args: tuple, seed: int) -> None:
    """Draw ``M = 2^17`` vectors δ from ``default_rng(seed)`` (seed drawn by
    Hypothesis: derandomized profiles reuse it, so the verdict never changes on
    re-run) and require ``|mean(J1) - objective| ≤ 7·s/√M + rounding``, ``s``
    the sample standard deviation of J1.

    *Why the CLT bound holds at this size.* ``r = y_d - Σ δ_k W_k x_k`` is exactly
    ``N(m, τ²)`` (``m = y_d - Σ W x``, ``τ² = σ² Σ (W x)²``), so ``J1 = ½ r²`` is a
    scaled non-central ``χ²₁``: skewed and heavy-ish tailed, with skewness ``γ ≤ 2√2``
    and excess kurtosis ``≤ 12`` (both largest at ``m = 0``). For such data the
    studentized mean's lower tail is heavier than normal, because a sample
    short of large values underestimates both the mean and ``s``. Its
    first-order Edgeworth expansion puts ``P(T < -z)`` at
    ``Φ(-z) + γ(2z² + 1)φ(z)/(6√M)``: at ``z = 7`` and ``M = 2^17`` that is
    ``1.3e-12 + 1.2e-12``; the upper tail is lighter than ``Φ(-z) = 1.3e-12``,
    and the next terms are ``O(z⁵φ(z)/M)`` (≈ 1e-14). The ratio to the normal
    tail is governed by ``γ z³/√M`` (0.75 here); simulating χ²₁ samples at the
    same value of ``z³/√M`` (M = 200 and 800, 4·10⁵ replicates each) gives a
    lower tail 2.7× and an upper tail 0.33× the normal one. So a correct
    objective fails an example with probability about ``4e-12``, and a run of
    up to 1000 examples with probability below ``1e-8``: a margin of 100×
    below the suite's 1e-6 per run against any error of these estimates.
    (At ``z = 5`` and ``M ≈ 1e4``, ``γ z³/√M ≈ 3.5``: the lower tail is several
    times the normal 2.9e-7 per example, not trustworthy for a 500-example run.)

    Power: the half-width ``7 s/√M ≈ 0.02·E[J1]`` at worst, so a missing or
    misscaled penalty ``(σ²/2) Σ (W x)²`` shows whenever ``τ`` is above ~5% of ``|m|``.
    """
    W, x, y_d, sigma = args
    rng = np.random.default_rng(seed)
    contributions = W * x
    delta = 1.0 + sigma * rng.standard_normal((MC_SAMPLES, W.size))
    j1 = 0.5 * (y_d - delta @ contributions) ** 2
    mean = float(np.mean(j1))
    standard_error = float(np.std(j1, ddof=1)) / math.sqrt(MC_SAMPLES)
    # Rounding: each J1 sample and the objective err by a few eps of
    # (|y_d| + Σ|δ_k W_k x_k|)² ≲ 40·(y_d² + (1+σ²)(Σ|W x|)²); 1e-10 times that
    # is ~1e5 times larger, yet far below any bug (it is the whole tolerance at σ = 0).
    rounding = 1e-10 * (1.0 + y_d**2 + (1.0 + sigma**2) * float(np.sum(np.abs(contributions))) ** 2)
    got = subject(*args)
    bound = MC_Z * standard_error + rounding
    assert_true(
        abs(got - mean) <= bound,
        what=f"the objective is not E[J1]: it is {abs(got - mean) / max(standard_error, 1e-300):.1f} "
        f"standard errors from the Monte Carlo mean of J1 over {MC_SAMPLES} draws of δ ~ N(1, σ²)",
        details={
            "objective": got,
            "Monte Carlo mean of J1": mean,
            "standard error": standard_error,
            "allowed |difference| (7 standard errors + rounding)": bound,
            "rng seed": str(seed),
        },
    )


@prop("dropout.gaussian_objective", "σ = 0 gives the plain squared error ½ (y_d - Σ W x)²")
@given(args=without_noise)
def test_objective_without_noise_is_plain_error(subject: Any, args: tuple) -> None:
    W, x, y_d, _ = args
    residual = _plain_residual(W, x, y_d)
    # Exact but for rounding: even the expanded ½(y_d² - 2 y_d Σ + Σ²) errs by
    # ~10 eps of scale²; 1e-12 is ~5000 eps, while a leftover noise term is O(1) of it.
    atol = 1e-12 * (1.0 + _summation_scale(W, x, y_d) ** 2)
    assert_close(subject(*args), 0.5 * residual**2, rtol=0, atol=atol, what="the objective at σ = 0", expected_label="½ (y_d - Σ W x)²")


@prop("dropout.gaussian_objective", "dropout never lowers the objective below the plain squared error ½ (y_d - Σ W x)²")
@given(args=gaussian_args())
def test_objective_penalty_is_nonnegative(subject: Any, args: tuple) -> None:
    W, x, y_d, _ = args
    plain = 0.5 * _plain_residual(W, x, y_d) ** 2
    got = subject(*args)
    # The penalty (σ²/2) Σ (W x)² ≥ 0; only the rounding of ½r² (~10 eps of scale²,
    # as at σ = 0) may show. A negative penalty from a wrong E[δ²] is O(1) of scale².
    slack = 1e-12 * (1.0 + _summation_scale(W, x, y_d) ** 2)
    assert_true(
        got >= plain - slack,
        what="the objective is below the plain squared error: its dropout penalty is negative",
        details={"objective": got, "½ (y_d - Σ W x)²": plain},
    )


# -- dropout.inverted ---------------------------------------------------------------------

test_inverted_agrees_with_reference = agrees_with_reference("dropout.inverted", inverted_args())


@st.composite
def small_layers(draw: Any) -> tuple[np.ndarray, float]:
    """``(h, p)`` with at most 4 units, so all ``2^4`` masks can be enumerated."""
    shape = draw(st.sampled_from([(1,), (2,), (3,), (4,), (1, 3), (2, 2)]))
    return draw(float_arrays(shape, -10.0, 10.0)), float(draw(drop_rates))


@prop(
    "dropout.inverted",
    "inverted dropout preserves the expectation: Σ over all masks of P(mask)·output = h (exact enumeration)",
)
@given(layer=small_layers())
def test_inverted_preserves_expectation(subject: Any, layer: tuple[np.ndarray, float]) -> None:
    """Each unit is kept (mask 1) with probability ``1 - p``, independently, so a
    mask with ``k`` kept units of ``N`` has probability ``(1-p)^k p^(N-k)``. The
    weighted sum over all ``2^N`` masks is the exact expectation."""
    h, p = layer
    expectation = np.zeros_like(h)
    for bits in itertools.product([0.0, 1.0], repeat=h.size):
        mask = np.array(bits).reshape(h.shape)
        kept = int(mask.sum())
        probability = (1.0 - p) ** kept * p ** (h.size - kept)  # 0.0 ** 0 = 1: p = 0 keeps all
        if probability > 0.0:
            expectation = expectation + probability * subject(h, mask, p)
    # ≤ 16 same-signed terms per entry, each a product of ≤ 6 roundings: ~100 eps
    # relative to |h|; 1e-12 is ~5000 eps, far below any wrong scale (≥ 1%).
    assert_close(
        expectation,
        h,
        rtol=1e-12,
        atol=1e-12 * (1.0 + float(np.max(np.abs(h)))),
        what=f"the expectation of inverted dropout over all masks (p = {p})",
        expected_label="h",
    )


@prop("dropout.inverted", "a dropped unit (mask 0) outputs exactly 0, a kept one h/(1-p)")
@given(args=inverted_args_with_a_drop())
def test_inverted_drops_and_scales_units(subject: Any, args: tuple) -> None:
    h, mask, p = args
    got = subject(*args)
    assert_equal(got[mask == 0.0], np.zeros(int(np.sum(mask == 0.0))), what="the outputs of dropped units")
    # One division (or a product with 1/(1-p)): a few ulps; a wrong scale is O(1%) at least.
    kept = mask == 1.0
    assert_close(got[kept], h[kept] / (1.0 - p), rtol=1e-12, atol=0, what="the outputs of kept units", expected_label="h / (1 - p)")
