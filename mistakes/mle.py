"""Wrong implementations of the mle family, as students write them."""

from __future__ import annotations

import numpy as np

from mistakes import mutant
from reference import mle as ref


def _flips():
    return (np.array([1.0, 1.0, 0.0, 1.0, 0.0, 1.0]),)


def _single_flip():
    return (np.array([1.0]),)


def _classes():
    X = np.array([[1.0, 2.0], [3.0, -1.0], [0.5, 0.5], [2.0, 2.5], [-1.0, 4.0], [0.0, 1.0]])
    return X, np.array([1, 0, 1, 0, 1, 2]), 3


def _classes_one_feature():
    X = np.array([[1.0], [3.0], [0.5], [2.0]])
    return X, np.array([0, 1, 0, 1]), 2


# -- mle.bernoulli -----------------------------------------------------------------------

_BERNOULLI_LIKELIHOOD = [
    "test_bernoulli_agrees_with_reference",
    "test_bernoulli_log_likelihood_stationary",
    "test_bernoulli_perturbation_lowers_likelihood",
]


@mutant("mle.bernoulli", bug="convention", killed_by=_BERNOULLI_LIKELIHOOD, witness=_flips)
def bernoulli_probability_of_tails(x):
    """Estimates the probability of tails, 1 - mean(x)."""
    return 1.0 - float(np.mean(x))


@mutant(
    "mle.bernoulli",
    bug="derivation",
    killed_by=[*_BERNOULLI_LIKELIHOOD, "test_bernoulli_seed_flips_give_one_half"],
    witness=_flips,
)
def bernoulli_divides_by_n_minus_1(x):
    """Divides the number of heads by n - 1, as for an unbiased variance."""
    return float(np.sum(x) / (len(x) - 1))


@mutant("mle.bernoulli", bug="convention", killed_by=_BERNOULLI_LIKELIHOOD, witness=_flips)
def bernoulli_laplace_smoothing(x):
    """Adds one pseudo-count to heads and tails, (k + 1)/(n + 2): a Bayesian
    estimate, not the maximum-likelihood one (it still gives 0.5 on the seed)."""
    return float((np.sum(x) + 1.0) / (len(x) + 2.0))


@mutant(
    "mle.bernoulli",
    bug="derivation",
    killed_by=["test_bernoulli_agrees_with_reference", "test_bernoulli_invariant_to_order"],
    witness=_flips,
)
def bernoulli_running_mean_off_by_one(x):
    """Updates a running mean θ ← θ + (x_t - θ)/t counting t from 2 after
    starting at x_1: the later samples weigh more, so the order matters."""
    theta = float(x[0])
    for t, sample in enumerate(x[1:], start=2):
        theta += (sample - theta) / (t + 1)
    return theta


@mutant(
    "mle.bernoulli",
    bug="derivation",
    killed_by=[*_BERNOULLI_LIKELIHOOD, "test_bernoulli_seed_flips_give_one_half"],
    witness=_flips,
)
def bernoulli_integer_division(x):
    """Divides counts with //, so every sample short of all heads gives 0."""
    return float(np.sum(x) // len(x))


@mutant("mle.bernoulli", bug="contract", killed_by=["test_bernoulli_agrees_with_reference"], witness=_flips)
def bernoulli_sorts_samples_in_place(x):
    """Sorts the caller's samples in place to count the heads at the end."""
    x.sort()
    return float(len(x) - np.searchsorted(x, 1.0)) / len(x)


@mutant("mle.bernoulli", bug="edge", killed_by=["test_bernoulli_agrees_with_reference"], witness=_single_flip)
def bernoulli_single_flip_is_half(x):
    """Returns 0.5 for a single flip ("not enough data"): one sample has θ̂ = x_1."""
    return 0.5 if len(x) < 2 else float(np.mean(x))


# -- mle.gaussian_classes ---------------------------------------------------------------------

_GAUSSIAN_LIKELIHOOD = [
    "test_gaussian_classes_agrees_with_reference",
    "test_gaussian_classes_log_likelihood_stationary",
    "test_gaussian_classes_perturbation_lowers_likelihood",
]


def _per_class(X, labels, k, covariance):
    means = np.array([X[labels == j].mean(axis=0) for j in range(k)])
    covs = np.array([covariance(X[labels == j], means[j]) for j in range(k)])
    return means, covs


@mutant(
    "mle.gaussian_classes",
    bug="derivation",
    killed_by=[*_GAUSSIAN_LIKELIHOOD, "test_gaussian_classes_single_sample_zero_covariance"],
    witness=_classes,
)
def gaussian_classes_unbiased_covariance(X, labels, k):
    """Uses np.cov's default 1/(n_j - 1) covariance (nan for a class of one sample)."""
    return _per_class(X, labels, k, lambda members, _: np.cov(members, rowvar=False).reshape(X.shape[1], -1))


@mutant(
    "mle.gaussian_classes",
    bug="derivation",
    killed_by=_GAUSSIAN_LIKELIHOOD,
    witness=_classes,
)
def gaussian_classes_global_mean_in_covariance(X, labels, k):
    """Centres every class on the mean of all the data, not on its own mean."""
    overall = X.mean(axis=0)
    return _per_class(X, labels, k, lambda members, _: (members - overall).T @ (members - overall) / len(members))


@mutant(
    "mle.gaussian_classes",
    bug="convention",
    killed_by=["test_gaussian_classes_agrees_with_reference", "test_gaussian_classes_single_sample_zero_covariance"],
    witness=_classes,
)
def gaussian_classes_regularized_covariance(X, labels, k):
    """Adds 1e-6·I to each covariance "to keep it invertible"."""
    means, covs = ref.gaussian_classes(X, labels, k)
    return means, covs + 1e-6 * np.eye(X.shape[1])


@mutant(
    "mle.gaussian_classes",
    bug="convention",
    killed_by=["test_gaussian_classes_agrees_with_reference", "test_gaussian_classes_invariant_to_order"],
    witness=_classes,
)
def gaussian_classes_in_order_of_appearance(X, labels, k):
    """Numbers the classes in the order their labels first appear, not by label."""
    order = list(dict.fromkeys(labels.tolist()))
    means, covs = ref.gaussian_classes(X, labels, k)
    return means[order], covs[order]


@mutant(
    "mle.gaussian_classes",
    bug="derivation",
    killed_by=["test_gaussian_classes_agrees_with_reference", "test_gaussian_classes_invariant_to_order"],
    witness=_classes,
)
def gaussian_classes_assumes_sorted_labels(X, labels, k):
    """Splits X into consecutive blocks of the class sizes, as if sorted by label."""
    counts = np.bincount(labels, minlength=k)
    blocks = np.split(X, np.cumsum(counts)[:-1])
    return _per_class(np.vstack(blocks), np.repeat(np.arange(k), counts), k,
                      lambda members, mean: (members - mean).T @ (members - mean) / len(members))


@mutant(
    "mle.gaussian_classes",
    bug="edge",
    killed_by=["test_gaussian_classes_agrees_with_reference"],
    witness=_classes_one_feature,
)
def gaussian_classes_np_cov_one_feature(X, labels, k):
    """Uses np.cov(..., bias=True), which returns a number, not a 1×1 matrix, for d = 1."""
    means = np.array([X[labels == j].mean(axis=0) for j in range(k)])
    covs = np.array([np.cov(X[labels == j], rowvar=False, bias=True) for j in range(k)])
    return means, covs


@mutant(
    "mle.gaussian_classes",
    bug="contract",
    killed_by=["test_gaussian_classes_agrees_with_reference"],
    witness=_classes,
)
def gaussian_classes_centres_in_place(X, labels, k):
    """Centres the caller's X class by class in place (X[mask] -= μ_j)."""
    means = np.zeros((k, X.shape[1]))
    covs = np.zeros((k, X.shape[1], X.shape[1]))
    for j in range(k):
        mask = labels == j
        means[j] = X[mask].mean(axis=0)
        X[mask] -= means[j]
        covs[j] = X[mask].T @ X[mask] / mask.sum()
    return means, covs


@mutant(
    "mle.gaussian_classes",
    bug="stability",
    killed_by=["test_gaussian_classes_agrees_with_reference"],
    witness=_classes,
)
def gaussian_classes_float32(X, labels, k):
    """Computes in float32."""
    X32 = X.astype(np.float32)
    means, covs = _per_class(X32, labels, k, lambda members, mean: (members - mean).T @ (members - mean) / len(members))
    return means.astype(np.float64), covs.astype(np.float64)
