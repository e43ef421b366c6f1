"""mle — maximum-likelihood estimates (seed 002).

``mle.bernoulli``: coin flips coded 1 (heads, probability θ) and 0 (tails);
the log-likelihood ``k log θ + (n - k) log(1 - θ)`` is maximal at ``θ̂ = k/n``
(the seed's H T H H T T H T gives 0.5).

``mle.gaussian_classes``: one Gaussian per class, fitted by maximum likelihood:
the class's sample mean and its **biased** (1/n_j) covariance.

Decisions (where the catalogue is silent):

- ``x`` is a float64 array of 0.0/1.0 with at least one sample; the result is a float.
- ``labels`` is an integer array ``(n,)``, ``k`` a Python int; row ``j`` of the
  results belongs to label ``j`` (not to the order of first appearance).
- A class with one sample has covariance exactly 0 (the 1/n_j estimate), not
  ``nan`` (which the unbiased 1/(n_j - 1) estimate would give).
- A class without samples is outside the contract; the reference raises ValueError.
- The covariance is computed in two passes (centre, then average the outer
  products). The properties keep |x| ≤ 10, where the one-pass
  ``E[xxᵀ] - μμᵀ`` loses nothing measurable, so it is not graded as a bug.
"""

from __future__ import annotations

import numpy as np

from reference.registry import formula


@formula("mle.bernoulli")
def bernoulli(x: np.ndarray) -> float:
    """``θ̂ = (1/n) Σ x_i``, the maximizer of ``Π θ^{x_i} (1 - θ)^{1 - x_i}``."""
    return float(np.mean(np.asarray(x, dtype=np.float64)))


@formula("mle.gaussian_classes")
def gaussian_classes(X: np.ndarray, labels: np.ndarray, k: int) -> tuple[np.ndarray, np.ndarray]:
    """Per class ``j``: ``μ_j = (1/n_j) Σ_{i: y_i = j} x_i`` and
    ``Σ_j = (1/n_j) Σ_{i: y_i = j} (x_i - μ_j)(x_i - μ_j)ᵀ``."""
    X = np.asarray(X, dtype=np.float64)
    labels = np.asarray(labels)
    d = X.shape[1]
    means = np.zeros((k, d))
    covs = np.zeros((k, d, d))
    for j in range(k):
        members = X[labels == j]
        if len(members) == 0:
            raise ValueError(f"class {j} has no samples; every class must be present")
        means[j] = members.mean(axis=0)
        # Two passes: centre first, so the covariance is not a difference of large terms.
        centred = members - means[j]
        covs[j] = centred.T @ centred / len(members)
    return means, covs
