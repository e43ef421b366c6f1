"""Properties of the mle family: maximum-likelihood estimates.

Catalogue: ``mle.bernoulli``, ``mle.gaussian_classes``. Seed 002.

The likelihood properties evaluate, in this module, the log-likelihood of the
data at the submission's estimate: its gradient (``scipy.differentiate``) must
vanish there, and moving away from it must lower the likelihood. For the
Gaussian classes the parameters are measured in whitened units around the
reference estimate, ``μ = μ̂ + L u`` and ``Σ = Σ̂ + L T Lᵀ`` with ``L Lᵀ`` the
reference covariance: the log-likelihood is then equally curved in every
direction, steps of 0.5 keep Σ positive definite, and one tolerance fits all.
"""

from __future__ import annotations

from typing import Any

import numpy as np
from hypothesis import given
from hypothesis import strategies as st
from scipy.linalg import helmert

from properties.derivative_helpers import NUMERICAL_RTOL, numerical_derivative, numerical_jacobian
from properties.generic_properties import agrees_with_reference
from properties.hypothesis_helpers import (
    binary_labels,
    finite_floats,
    float_arrays,
    sizes,
    well_conditioned_matrices,
)
from properties.pytest_helpers import assert_close, assert_true, prop

# -- strategies: Bernoulli ----------------------------------------------------------


def coin_flips(max_size: int = 30) -> st.SearchStrategy[np.ndarray]:
    """0/1 samples (float64), from a single flip up, all heads and all tails included."""
    return sizes(1, max_size).flatmap(binary_labels)


@st.composite
def interior_coin_flips(draw: Any) -> np.ndarray:
    """0/1 samples whose fraction of heads lies in [0.2, 0.8], in drawn order:
    the estimate stays 0.2 away from 0 and 1, where log θ and log(1 - θ) are
    smooth enough for the numerical derivative and the curvature is bounded."""
    n = draw(st.integers(2, 30))
    heads = draw(st.integers(int(np.ceil(0.2 * n)), int(np.floor(0.8 * n))))
    flips = np.array([1.0] * heads + [0.0] * (n - heads))
    return flips[draw(st.permutations(range(n)))]


# The seed's data: H T H H T T H T, heads coded 1.
SEED_FLIPS = np.array([1.0, 0.0, 1.0, 1.0, 0.0, 0.0, 1.0, 0.0])


def bernoulli_log_likelihood(heads: float, tails: float, theta: np.ndarray) -> np.ndarray:
    """``k log θ + (n - k) log(1 - θ)``, elementwise in θ."""
    return heads * np.log(theta) + tails * np.log1p(-theta)


def _estimate_inside(theta: float) -> None:
    assert_true(
        0.0 < theta < 1.0,
        what="the estimate is outside (0, 1) although the data have both heads and tails",
        details={"θ̂": theta},
    )


# -- strategies: Gaussian classes ------------------------------------------------------


@st.composite
def labelled_samples(draw: Any, *, single_sample_class: bool = False) -> tuple:
    """``(X, labels, k)``: k ∈ 1..4 classes of 1 to 5 samples each (every class
    present), d ∈ 1..3 features with |x| ≤ 10, labels shuffled so classes are
    interleaved. With ``single_sample_class`` a drawn class has exactly one sample."""
    k = draw(sizes(1, 4))
    d = draw(sizes(1, 3))
    counts = draw(st.lists(st.integers(1, 5), min_size=k, max_size=k))
    if single_sample_class:
        counts[draw(st.integers(0, k - 1))] = 1
    labels = np.repeat(np.arange(k), counts)[draw(st.permutations(range(sum(counts))))]
    X = draw(float_arrays((len(labels), d), -10.0, 10.0))
    return X, labels.astype(np.int64), k


@st.composite
def well_spread_classes(draw: Any) -> tuple:
    """``(X, labels, k)`` whose every class has ``n_j ≥ d + 1`` samples with a
    well-conditioned covariance (cond ≤ 100, eigenvalues ≥ 0.03): the Gaussian
    log-likelihood is finite and smooth at the estimate.

    Each class is ``μ* + H U C``: H an orthonormal basis of the vectors summing
    to 0 (Helmert), U a drawn rotation, C a drawn well-conditioned d×d matrix;
    so the class's centred scatter matrix is exactly CᵀC."""
    k = draw(sizes(1, 3))
    d = draw(sizes(1, 3))
    blocks, labels = [], []
    for j in range(k):
        n_j = draw(st.integers(d + 1, d + 4))
        rotation, _ = np.linalg.qr(draw(float_arrays((n_j - 1, n_j - 1), -1.0, 1.0)) + 3.0 * np.eye(n_j - 1))
        mixing = draw(well_conditioned_matrices(d, max_condition=10.0))
        centre = draw(float_arrays(d, -5.0, 5.0))
        blocks.append(centre + helmert(n_j).T @ rotation[:, :d] @ mixing)
        labels += [j] * n_j
    order = np.asarray(draw(st.permutations(range(len(labels)))))
    return np.vstack(blocks)[order], np.asarray(labels, dtype=np.int64)[order], k


def gaussian_log_likelihood(members: np.ndarray, mean: np.ndarray, cov: np.ndarray) -> float:
    """``Σ_i log N(x_i; μ, Σ)`` (nan where Σ is not positive definite)."""
    sign, logdet = np.linalg.slogdet(cov)
    if sign <= 0:
        return float("nan")
    centred = members - mean
    quadratic = np.einsum("ij,ij->", centred, np.linalg.solve(cov, centred.T).T)
    d = members.shape[1]
    return float(-0.5 * (quadratic + len(members) * (logdet + d * np.log(2.0 * np.pi))))


def _symmetric(upper: np.ndarray, d: int) -> np.ndarray:
    """The symmetric d×d matrix with the given upper triangle (row-major)."""
    t = np.zeros((d, d))
    t[np.triu_indices(d)] = upper
    return t + np.triu(t, 1).T


def _estimate_of_class(subject: Any, args: tuple, j: int) -> tuple[np.ndarray, np.ndarray]:
    means, covs = subject(*args)
    mean, cov = means[j], (covs[j] + covs[j].T) / 2
    assert_true(
        bool(np.all(np.linalg.eigvalsh(cov) > 0)),
        what=f"the covariance of class {j} is not positive definite, although its "
        f"{int(np.sum(args[1] == j))} samples span all {cov.shape[0]} dimensions: "
        "the likelihood at the estimate is undefined",
        details={f"covs[{j}]": covs[j]},
    )
    return mean, cov


def _whitened_likelihood(members: np.ndarray, mean: np.ndarray, cov: np.ndarray, whitener: np.ndarray):
    """``(u, T's upper triangle) ↦ log L(μ + L u, Σ + L T Lᵀ)`` for one class."""
    d = members.shape[1]

    def log_likelihood(params: np.ndarray) -> float:
        u, upper = params[:d], params[d:]
        return gaussian_log_likelihood(
            members, mean + whitener @ u, cov + whitener @ _symmetric(upper, d) @ whitener.T
        )

    return log_likelihood


# -- mle.bernoulli --------------------------------------------------------------------

test_bernoulli_agrees_with_reference = agrees_with_reference("mle.bernoulli", coin_flips().map(lambda x: (x,)))


@prop("mle.bernoulli", "on the seed's flips H T H H T T H T, in any order, θ̂ = 0.5")
@given(order=st.permutations(range(8)))
def test_bernoulli_seed_flips_give_one_half(subject: Any, order: list[int]) -> None:
    # 4/8 is exact in floating point; 1e-15 only allows a summation in another order.
    assert_close(subject(SEED_FLIPS[order]), 0.5, rtol=0.0, atol=1e-15, what="θ̂ on H T H H T T H T")


@prop("mle.bernoulli", "the derivative of the log-likelihood vanishes at θ̂ (scipy.differentiate)", cost=4)
@given(x=interior_coin_flips())
def test_bernoulli_log_likelihood_stationary(subject: Any, x: np.ndarray) -> None:
    heads, tails = float(np.sum(x)), float(len(x) - np.sum(x))
    theta = subject(x)
    _estimate_inside(theta)
    # Steps up to half the distance to 0 or 1 keep every point inside (0, 1).
    step = 0.5 * min(theta, 1.0 - theta)
    slope = float(numerical_derivative(lambda t: bernoulli_log_likelihood(heads, tails, t), theta, initial_step=step))
    # The derivative is k/θ - (n-k)/(1-θ): relative to those terms the numerical
    # error is ~1e-10, a wrong estimate leaves at least ~1/n² of them (n ≤ 30).
    terms = heads / theta + tails / (1.0 - theta)
    assert_true(
        abs(slope) <= NUMERICAL_RTOL * terms,
        what="the log-likelihood k log θ + (n-k) log(1-θ) is not stationary at your θ̂",
        details={"θ̂": theta, "heads k": heads, "n": len(x), "d/dθ log L at θ̂": slope},
    )


@prop("mle.bernoulli", "moving θ away from θ̂ lowers the likelihood")
@given(x=interior_coin_flips(), shift=finite_floats(1e-3, 0.15), up=st.booleans())
def test_bernoulli_perturbation_lowers_likelihood(subject: Any, x: np.ndarray, shift: float, up: bool) -> None:
    heads, tails = float(np.sum(x)), float(len(x) - np.sum(x))
    theta = subject(x)
    _estimate_inside(theta)
    moved = theta + (shift if up else -shift)
    if not 0.0 < moved < 1.0:
        return  # the likelihood is 0 outside (0, 1): lower, as claimed
    at_estimate = float(bernoulli_log_likelihood(heads, tails, np.float64(theta)))
    at_moved = float(bernoulli_log_likelihood(heads, tails, np.float64(moved)))
    # log L'' = -k/θ² - (n-k)/(1-θ)² ≤ -n, so at the true θ̂ the drop is ≥ n·shift²/2
    # ≥ 1e-6, far above the ~1e-14 rounding of a log-likelihood of size ≤ 50:
    # a strict comparison is safe.
    assert_true(
        at_moved < at_estimate,
        what=f"the log-likelihood is higher at θ = {moved:.6g} than at your estimate",
        details={"θ̂": theta, "log L(θ̂)": at_estimate, f"log L({moved:.6g})": at_moved},
    )


@prop("mle.bernoulli", "θ̂ does not depend on the order of the samples")
@given(x=coin_flips(), data=st.data())
def test_bernoulli_invariant_to_order(subject: Any, x: np.ndarray, data: st.DataObject) -> None:
    order = data.draw(st.permutations(range(len(x))), label="order")
    # Sums of 0/1 are exact in any order; only the one division rounds.
    assert_close(subject(x[order]), subject(x), rtol=1e-15, atol=0.0, what="θ̂ of the reordered samples",
                 expected_label="θ̂ in the original order")


# -- mle.gaussian_classes --------------------------------------------------------------

test_gaussian_classes_agrees_with_reference = agrees_with_reference(
    "mle.gaussian_classes", st.one_of(labelled_samples(), labelled_samples(single_sample_class=True))
)


@prop(
    "mle.gaussian_classes",
    "the gradient of the log-likelihood in (mean, covariance) vanishes at the estimate (scipy.differentiate)",
    cost=4,
)
@given(args=well_spread_classes(), data=st.data())
def test_gaussian_classes_log_likelihood_stationary(subject: Any, args: tuple, data: st.DataObject) -> None:
    from gradoracle.submission import reference_implementation

    X, labels, k = args
    j = data.draw(st.integers(0, k - 1), label="class")
    members = X[labels == j]
    d = X.shape[1]
    mean, cov = _estimate_of_class(subject, args, j)
    whitener = np.linalg.cholesky(reference_implementation().call("mle.gaussian_classes", *args)[1][j])
    log_likelihood = _whitened_likelihood(members, mean, cov, whitener)
    gradient = numerical_jacobian(log_likelihood, np.zeros(d + d * (d + 1) // 2))
    # In whitened units the gradient is a difference of terms of size ~n_j
    # (Σ z_i and n_j I - Σ z_i z_iᵀ); numerical error ~1e-10 of them. A wrong mean
    # or a 1/(n_j - 1) covariance leaves O(1).
    allowed = NUMERICAL_RTOL * (1.0 + len(members))
    assert_true(
        bool(np.all(np.abs(gradient) <= allowed)),
        what=f"the log-likelihood of class {j} is not stationary at your (mean, covariance)",
        details={
            "your mean": mean,
            "your covariance": cov,
            "gradient in whitened (mean, covariance upper triangle)": gradient,
            "allowed": allowed,
        },
    )


@prop("mle.gaussian_classes", "moving a class's mean or covariance away from the estimate lowers the likelihood")
@given(
    args=well_spread_classes(),
    data=st.data(),
    direction=float_arrays(9, -1.0, 1.0),
    log_size=finite_floats(-3.0, np.log10(0.5)),
)
def test_gaussian_classes_perturbation_lowers_likelihood(
    subject: Any, args: tuple, data: st.DataObject, direction: np.ndarray, log_size: float
) -> None:
    from gradoracle.submission import reference_implementation

    X, labels, k = args
    j = data.draw(st.integers(0, k - 1), label="class")
    members = X[labels == j]
    d = X.shape[1]
    mean, cov = _estimate_of_class(subject, args, j)
    whitener = np.linalg.cholesky(reference_implementation().call("mle.gaussian_classes", *args)[1][j])
    log_likelihood = _whitened_likelihood(members, mean, cov, whitener)
    # Steps (u, T's upper triangle) in whitened units, all of one drawn size in
    # [1e-3, 0.5]: both ways along every coordinate, and one drawn direction.
    size = 10.0**log_size
    count = d + d * (d + 1) // 2
    random_step = direction[:count].copy()
    largest = int(np.argmax(np.abs(random_step)))
    # Push the largest entry away from 0 (adding +1 to an entry of -1 would give the zero step).
    random_step[largest] += 1.0 if random_step[largest] >= 0 else -1.0
    steps = [*(size * np.eye(count)), *(-size * np.eye(count)), size * random_step / np.linalg.norm(random_step)]
    at_estimate = log_likelihood(np.zeros(count))
    # In whitened units the drop is (n_j/2)[uᵀ(I+T)⁻¹u + Σ(log(1+τ) + 1/(1+τ) - 1)] over
    # T's eigenvalues τ (|τ| ≤ ‖T‖_F ≤ √2·0.5), which is ≥ 0.1·n_j·size² ≥ 2e-7:
    # far above the ~1e-13 rounding of the log-likelihood, so a strict comparison is safe.
    for step in steps:
        at_moved = log_likelihood(step)
        assert_true(
            at_moved < at_estimate,
            what=f"a nearby (mean, covariance) of class {j} has a higher likelihood than your estimate",
            details={
                "your mean": mean,
                "your covariance": cov,
                "log L at your estimate": at_estimate,
                "nearby mean": mean + whitener @ step[:d],
                "nearby covariance": cov + whitener @ _symmetric(step[d:], d) @ whitener.T,
                "log L there": at_moved,
            },
        )


@prop("mle.gaussian_classes", "a class with a single sample has that sample as mean and a zero covariance")
@given(args=labelled_samples(single_sample_class=True))
def test_gaussian_classes_single_sample_zero_covariance(subject: Any, args: tuple) -> None:
    X, labels, k = args
    means, covs = subject(*args)
    # The mean of one sample is the sample, its deviation exactly 0; 1e-12 of the
    # data's squared scale only allows rounding of a one-pass E[xxᵀ] - μμᵀ.
    allowed = 1e-12 * (1.0 + float(np.max(np.abs(X))) ** 2)
    for j in range(k):
        if np.sum(labels == j) == 1:
            assert_close(means[j], X[labels == j][0], rtol=1e-15, atol=0.0, what=f"means[{j}] (one sample)",
                         expected_label="the sample")
            assert_close(covs[j], np.zeros_like(covs[j]), rtol=0.0, atol=allowed,
                         what=f"covs[{j}] of a class with one sample", expected_label="zero covariance")


@prop("mle.gaussian_classes", "the estimates do not depend on the order of the samples")
@given(args=labelled_samples(), data=st.data())
def test_gaussian_classes_invariant_to_order(subject: Any, args: tuple, data: st.DataObject) -> None:
    X, labels, k = args
    order = np.asarray(data.draw(st.permutations(range(len(labels))), label="order"))
    before = subject(X, labels, k)
    after = subject(X[order], labels[order], k)
    # Only the summation order changes: ≤ 5 terms of size ≤ 100, rounding ~1e-13.
    scale = 1.0 + float(np.max(np.abs(X))) ** 2
    assert_close(after, before, rtol=1e-12, atol=1e-12 * scale, what="(means, covs) of the reordered samples",
                 expected_label="in the original order")
