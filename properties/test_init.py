"""Properties of the init family: Xavier and He variances and normal initializers.

Catalogue: ``init.xavier_variance``, ``init.he_variance``, ``init.xavier_normal``,
``init.he_normal``. Seed 002.

The samplers are graded on the distribution of what they return, never on the
exact numbers (a correct submission may use ``rng.normal``, ``standard_normal``
times the standard deviation, or transpose a ``(n_in, n_out)`` draw), so they
have no agreement-with-the-reference property (decision; see
``reference/init.py``). Their argument strategy is still registered.

**False alarms.** Every statistical check uses a bound derived from the exact
distribution of its statistic under a correct sampler, at a false-alarm rate
of at most ``1e-9`` per example (split evenly between the checks of one
example). A run of a property has at most 500 examples (profile ``thorough``;
``ci`` 30, ``grading`` 60) and in any case far fewer than 1000, so by the
union bound a correct submission fails a statistical property with
probability at most ``1e-6`` per run. The seeds of the generators are drawn by
Hypothesis, so under the derandomized ``ci`` and ``grading`` profiles every
run sees the same samples and a grade never changes on re-run.

**Samples.** Each generator passed to the submission is an independent PCG64
stream spawned from one ``SeedSequence`` (the seam hands the submission a
private copy of it). A property calls the sampler on up to ``MAX_CALLS = 8``
fresh generators (each call may cross the sandbox's process boundary, so few)
until it holds about ``SAMPLE_TARGET`` weights, reached by layers of 2048
weights or more (most drawn layers): ``16384`` samples resolve the variance to ``±7%`` and the CDF to ``±0.026``
at the false-alarm rate, far inside every bug targeted (a factor 2 or more in
the variance; a uniform of the right variance is ``0.057`` away in CDF).
Small layers get fewer samples (wider bounds, same false-alarm rate).
"""

from __future__ import annotations

import math
from typing import Any, Callable

import numpy as np
from hypothesis import given
from hypothesis import strategies as st
from scipy import special  # not scipy.stats: importing it costs every grading run ~0.6 s

from properties.generic_properties import agrees_with_reference
from properties.hypothesis_helpers import finite_floats, float_arrays, scaled_to_max_abs
from properties.pytest_helpers import assert_close, assert_equal, assert_true, prop
from reference import registry

# -- statistics ------------------------------------------------------------------

# Per example; a run has < 1000 examples, so < 1e-6 per run (module docstring).
FALSE_ALARM_PER_EXAMPLE = 1e-9
SAMPLE_TARGET = 1 << 14
MAX_CALLS = 8


def _normal_bound(alpha: float) -> float:
    """``z`` with ``P(|Z| > z) = alpha`` for a standard normal ``Z``."""
    return float(-special.ndtri(alpha / 2))


def _chi2_interval(alpha: float, dof: int) -> tuple[float, float]:
    """Central interval holding a ``χ²_dof`` variable with probability ``1 - alpha``."""
    # scipy.stats.chi2.ppf / .isf, through the regularized incomplete gamma functions they use.
    return float(2 * special.gammaincinv(dof / 2, alpha / 2)), float(2 * special.gammainccinv(dof / 2, alpha / 2))


def _dkw_bound(alpha: float, n: int) -> float:
    """Dvoretzky–Kiefer–Wolfowitz with Massart's constant:
    ``P(sup |F_n - F| > ε) ≤ 2 exp(-2 n ε²)`` for any continuous ``F`` and any ``n``."""
    return math.sqrt(math.log(2 / alpha) / (2 * n))


def _generators(seed: int, count: int) -> list[np.random.Generator]:
    """``count`` independent PCG64 generators spawned from ``seed``."""
    return [np.random.Generator(np.random.PCG64(child)) for child in np.random.SeedSequence(seed).spawn(count)]


def _calls_for(n_in: int, n_out: int) -> int:
    return max(1, min(MAX_CALLS, math.ceil(SAMPLE_TARGET / (n_in * n_out))))


def _draw_weights(subject: Any, n_in: int, n_out: int, seed: int) -> np.ndarray:
    """The sampler's weights from several independent generators, flattened."""
    draws = [subject(n_in, n_out, rng) for rng in _generators(seed, _calls_for(n_in, n_out))]
    return np.concatenate([np.ravel(w) for w in draws])


def _check_mean_and_variance(samples: np.ndarray, variance: float, what: str) -> None:
    """Under ``N(0, v)``: the mean is ``N(0, v/N)`` and ``Σ w²/v`` is ``χ²_N``,
    exactly. Each check gets half the example's false-alarm budget."""
    count = samples.size
    alpha = FALSE_ALARM_PER_EXAMPLE / 2
    mean = float(np.mean(samples))
    # Rounding in a float64 mean of ≤ 1e5 numbers is ~1e-13·√v, far below z·√(v/N) ≥ 0.01·√v.
    mean_bound = _normal_bound(alpha) * math.sqrt(variance / count)
    assert_true(
        abs(mean) <= mean_bound,
        what=f"{what}: the sample mean of {count} weights is too far from 0 for N(0, {variance:.6g})",
        details={"sample mean": mean, f"bound (false-alarm rate {alpha:.1e})": mean_bound},
    )
    low, high = _chi2_interval(alpha, count)
    mean_square = float(np.mean(samples * samples))
    assert_true(
        low / count * variance <= mean_square <= high / count * variance,
        what=f"{what}: the mean square of {count} weights is outside the χ² bounds of variance {variance:.6g}",
        details={
            "mean of w²": mean_square,
            "stated variance": variance,
            f"χ² interval for the mean of w² (false-alarm rate {alpha:.1e})": np.array([low, high]) / count * variance,
        },
    )


def _check_normal_shape(samples: np.ndarray, variance: float, what: str) -> None:
    """Kolmogorov–Smirnov distance to ``N(0, v)`` against the DKW bound."""
    count = samples.size
    cdf = np.sort(special.ndtr(samples / math.sqrt(variance)))
    ranks = np.arange(1, count + 1)
    distance = float(max(np.max(ranks / count - cdf), np.max(cdf - (ranks - 1) / count)))
    bound = _dkw_bound(FALSE_ALARM_PER_EXAMPLE, count)
    assert_true(
        distance <= bound,
        what=f"{what}: the empirical CDF of {count} weights is too far from that of N(0, {variance:.6g})",
        details={
            "Kolmogorov–Smirnov distance": distance,
            f"DKW bound (false-alarm rate {FALSE_ALARM_PER_EXAMPLE:.0e})": bound,
        },
    )


# -- strategies ----------------------------------------------------------------

fans = st.one_of(st.integers(1, 4), st.integers(5, 64), st.integers(65, 300))
large_fans = st.integers(1, 100_000)
seeds = st.integers(0, 2**64 - 1)
layers = st.tuples(fans, fans)
# Registered argument tuples (n_in, n_out, rng) for the benchmarks; the
# properties draw seeds instead so a failing example shows its seed.
sampler_inputs = st.tuples(fans, fans, seeds.map(np.random.default_rng))


@st.composite
def other_state(draw: Any, seed: int) -> tuple[str, np.random.Generator]:
    """A generator in a different state from ``default_rng(seed)``: another seed.

    (Not "the same seed advanced by a draw": a sampler built on ``rng.spawn``
    derives its stream from the seed sequence, which advancing leaves alone,
    and that is no reason to fail it.)"""
    other = draw(seeds.filter(lambda s: s != seed), label="other seed")
    return f"default_rng({other})", np.random.default_rng(other)


def _check_same_state(subject: Any, n_in: int, n_out: int, seed: int) -> None:
    first = subject(n_in, n_out, np.random.default_rng(seed))
    second = subject(n_in, n_out, np.random.default_rng(seed))
    assert_equal(
        second,
        first,
        what=f"two calls with generators in the same state default_rng({seed}) gave different weights "
        "(does it draw from NumPy's global state or an unseeded generator instead of rng?)",
    )


def _check_other_state(subject: Any, n_in: int, n_out: int, seed: int, other: tuple[str, np.random.Generator]) -> None:
    label, rng = other
    first = subject(n_in, n_out, np.random.default_rng(seed))
    second = subject(n_in, n_out, rng)
    # Equal continuous samples from two different streams have probability ~0
    # (one coincidence per 2^53 draws for a 1×1 layer).
    assert_true(
        not np.array_equal(first, second),
        what=f"generators default_rng({seed}) and {label} gave identical weights "
        "(does it ignore rng and seed a generator of its own?)",
        details={"weights": first},
    )


# -- init.xavier_variance --------------------------------------------------------

test_xavier_variance_agrees_with_reference = agrees_with_reference(
    "init.xavier_variance", st.tuples(large_fans, large_fans)
)

# The formulas take two or three float operations, a few ulps; every bug class
# (a factor 2, a square root, a different fan) is O(1). 1e-12 sits between.
EXACT_RTOL = 1e-12


@prop("init.xavier_variance", "n_in = 4, n_out = 3 gives 2/7 (seed; not 1/4 or 1/3)")
@given(case=st.just("seed 002"))
def test_xavier_variance_seed_example(subject: Any, case: str) -> None:
    assert_close(subject(4, 3), 2 / 7, rtol=EXACT_RTOL, atol=0, what="xavier_variance(4, 3)")


@prop("init.xavier_variance", "the variance is symmetric in n_in and n_out (forward and backward compromise)")
@given(n_in=large_fans, n_out=large_fans)
def test_xavier_variance_is_symmetric(subject: Any, n_in: int, n_out: int) -> None:
    forward, backward = subject(n_in, n_out), subject(n_out, n_in)
    assert_close(backward, forward, rtol=EXACT_RTOL, atol=0, what=f"xavier_variance({n_out}, {n_in})", expected_label=f"xavier_variance({n_in}, {n_out})")


@prop("init.xavier_variance", "a square n×n layer gets variance 1/n")
@given(n=large_fans)
def test_xavier_variance_square_layer(subject: Any, n: int) -> None:
    assert_close(subject(n, n), 1 / n, rtol=EXACT_RTOL, atol=0, what=f"xavier_variance({n}, {n})")


# -- init.he_variance --------------------------------------------------------------

test_he_variance_agrees_with_reference = agrees_with_reference("init.he_variance", st.tuples(large_fans))


@prop("init.he_variance", "n_in · variance = 2 (twice 1/n_in: a ReLU zeroes half its inputs)")
@given(n_in=large_fans)
def test_he_variance_times_fan_in_is_two(subject: Any, n_in: int) -> None:
    assert_close(n_in * subject(n_in), 2.0, rtol=EXACT_RTOL, atol=0, what=f"{n_in} · he_variance({n_in})")


@prop("init.he_variance", "doubling the fan-in halves the variance")
@given(n_in=st.integers(1, 50_000))
def test_he_variance_inverse_in_fan_in(subject: Any, n_in: int) -> None:
    assert_close(
        subject(2 * n_in),
        subject(n_in) / 2,
        rtol=EXACT_RTOL,
        atol=0,
        what=f"he_variance({2 * n_in})",
        expected_label=f"he_variance({n_in}) / 2",
    )


# -- init.xavier_normal / init.he_normal ---------------------------------------------

registry.register_inputs("init.xavier_normal", sampler_inputs)
registry.register_inputs("init.he_normal", sampler_inputs)


def _xavier(n_in: int, n_out: int) -> float:
    return 2.0 / (n_in + n_out)


def _he(n_in: int, n_out: int) -> float:
    return 2.0 / n_in


def _moments_test(formula_id: str, variance_of: Callable[[int, int], float], claim: str) -> Any:
    @prop(formula_id, claim)
    @given(layer=layers, seed=seeds)
    def test(subject: Any, layer: tuple[int, int], seed: int) -> None:
        n_in, n_out = layer
        samples = _draw_weights(subject, n_in, n_out, seed)
        _check_mean_and_variance(samples, variance_of(n_in, n_out), f"{formula_id}({n_in}, {n_out}, rng)")

    return test


def _normality_test(formula_id: str, variance_of: Callable[[int, int], float], claim: str) -> Any:
    @prop(formula_id, claim)
    @given(layer=layers, seed=seeds)
    def test(subject: Any, layer: tuple[int, int], seed: int) -> None:
        n_in, n_out = layer
        samples = _draw_weights(subject, n_in, n_out, seed)
        _check_normal_shape(samples, variance_of(n_in, n_out), f"{formula_id}({n_in}, {n_out}, rng)")

    return test


def _same_state_test(formula_id: str) -> Any:
    @prop(formula_id, "the same generator state gives the same weights")
    @given(layer=layers, seed=seeds)
    def test(subject: Any, layer: tuple[int, int], seed: int) -> None:
        _check_same_state(subject, *layer, seed)

    return test


def _other_state_test(formula_id: str) -> Any:
    @prop(formula_id, "generators with different seeds give different weights (the weights come from rng)")
    @given(layer=layers, seed=seeds, data=st.data())
    def test(subject: Any, layer: tuple[int, int], seed: int, data: st.DataObject) -> None:
        _check_other_state(subject, *layer, seed, data.draw(other_state(seed), label="other generator"))

    return test


test_xavier_normal_mean_and_variance = _moments_test(
    "init.xavier_normal",
    _xavier,
    "the (n_out, n_in) weights have mean 0 and variance 2/(n_in + n_out) within bounds at false-alarm rate 1e-9",
)
test_xavier_normal_is_normal = _normality_test(
    "init.xavier_normal",
    _xavier,
    "the weights follow N(0, 2/(n_in + n_out)): Kolmogorov–Smirnov distance within the DKW bound at 1e-9",
)
test_xavier_normal_same_state_same_weights = _same_state_test("init.xavier_normal")
test_xavier_normal_uses_the_generator = _other_state_test("init.xavier_normal")


@st.composite
def square_layer_inputs(draw: Any) -> tuple[int, np.ndarray]:
    """``(n, x)``: a layer size and a nonzero input vector of any spread."""
    n = draw(st.one_of(st.integers(1, 4), st.integers(5, 64), st.integers(65, 256)))
    x = draw(float_arrays(n, -1.0, 1.0))
    if not np.any(np.abs(x) > 1e-3):
        x[draw(st.integers(0, n - 1))] = 1.0
    return n, scaled_to_max_abs(x, draw(finite_floats(1e-3, 1e3)))


@prop(
    "init.xavier_normal",
    "a square Xavier layer preserves the mean square of its input on average: E_W ‖W x‖² = ‖x‖² for every x "
    "(χ² bound at false-alarm rate 1e-9)",
)
@given(layer=square_layer_inputs(), seed=seeds)
def test_xavier_normal_square_layer_preserves_variance(subject: Any, layer: tuple[int, np.ndarray], seed: int) -> None:
    """For W with independent ``N(0, 1/n)`` entries (Xavier with ``n_in = n_out = n``)
    and a fixed x, each output ``(W x)_i = Σ_j W_ij x_j`` is ``N(0, ‖x‖²/n)``,
    independently over i; so ``(n/‖x‖²) ‖W x‖²`` is ``χ²_n`` exactly, and over
    ``k`` independent layers the sum is ``χ²_{nk}`` with mean ``nk``: the
    outputs' mean square equals the inputs' on average. Two-sided χ² interval
    at ``1e-9``; ``k`` gives ``nk ≥ 2048`` degrees of freedom (ratio bounds
    ``[0.82, 1.21]``) with at most ``MAX_CALLS`` layers, so from ``n = 256`` on;
    smaller layers get wider bounds at the same false-alarm rate (``n = 64``:
    ``[0.66, 1.43]``, still far from the factor 2 of He's variance)."""
    n, x = layer
    calls = max(1, min(MAX_CALLS, math.ceil(2048 / n)))
    outputs = [subject(n, n, rng) @ x for rng in _generators(seed, calls)]
    squared_norm = float(x @ x)
    ratio = float(sum(float(y @ y) for y in outputs)) / (calls * squared_norm)
    low, high = _chi2_interval(FALSE_ALARM_PER_EXAMPLE, n * calls)
    dof = n * calls
    assert_true(
        low / dof <= ratio <= high / dof,
        what=f"over {calls} square {n}×{n} Xavier layers, mean ‖W x‖² / ‖x‖² is outside the χ² bounds around 1",
        details={
            "mean of ‖W x‖² / ‖x‖²": ratio,
            f"χ²_{dof} interval / {dof} (false-alarm rate 1e-9)": np.array([low, high]) / dof,
            "x": x,
        },
    )


test_he_normal_mean_and_variance = _moments_test(
    "init.he_normal",
    _he,
    "the (n_out, n_in) weights have mean 0 and variance 2/n_in within bounds at false-alarm rate 1e-9",
)
test_he_normal_is_normal = _normality_test(
    "init.he_normal",
    _he,
    "the weights follow N(0, 2/n_in): Kolmogorov–Smirnov distance within the DKW bound at 1e-9",
)
test_he_normal_same_state_same_weights = _same_state_test("init.he_normal")
test_he_normal_uses_the_generator = _other_state_test("init.he_normal")
