"""Wrong implementations of the init family, as students write them."""

from __future__ import annotations

import math

import numpy as np

from mistakes import mutant


def _fans():
    return 4, 3


def _layer():
    return 6, 3, np.random.default_rng(2024)


# -- init.xavier_variance -------------------------------------------------------------


@mutant(
    "init.xavier_variance",
    bug="derivation",
    killed_by=[
        "test_xavier_variance_agrees_with_reference",
        "test_xavier_variance_seed_example",
        "test_xavier_variance_is_symmetric",
    ],
    witness=_fans,
)
def xavier_variance_fan_in_only(n_in, n_out):
    """Uses 1/n_in, the forward-only condition of the seed, instead of the compromise."""
    return 1.0 / n_in


@mutant(
    "init.xavier_variance",
    bug="derivation",
    killed_by=[
        "test_xavier_variance_agrees_with_reference",
        "test_xavier_variance_seed_example",
        "test_xavier_variance_square_layer",
    ],
    witness=_fans,
)
def xavier_variance_missing_two(n_in, n_out):
    """Averages the fans the wrong way: 1/(n_in + n_out), losing the factor 2."""
    return 1.0 / (n_in + n_out)


@mutant(
    "init.xavier_variance",
    bug="convention",
    killed_by=[
        "test_xavier_variance_agrees_with_reference",
        "test_xavier_variance_seed_example",
        "test_xavier_variance_square_layer",
    ],
    witness=_fans,
)
def xavier_variance_returns_std(n_in, n_out):
    """Returns the standard deviation √(2/(n_in + n_out)) instead of the variance."""
    return math.sqrt(2.0 / (n_in + n_out))


@mutant(
    "init.xavier_variance",
    bug="edge",
    killed_by=["test_xavier_variance_agrees_with_reference", "test_xavier_variance_seed_example", "test_xavier_variance_square_layer"],
    witness=_fans,
)
def xavier_variance_integer_division(n_in, n_out):
    """Writes 2 // (n_in + n_out): right only for a 1×1 layer, 0 for everything larger."""
    return 2 // (n_in + n_out)


# -- init.he_variance ------------------------------------------------------------------


@mutant(
    "init.he_variance",
    bug="derivation",
    killed_by=["test_he_variance_agrees_with_reference", "test_he_variance_times_fan_in_is_two"],
    witness=lambda: (5,),
)
def he_variance_without_relu_factor(n_in):
    """Uses LeCun's 1/n_in, forgetting that a ReLU halves the second moment."""
    return 1.0 / n_in


@mutant(
    "init.he_variance",
    bug="convention",
    killed_by=[
        "test_he_variance_agrees_with_reference",
        "test_he_variance_times_fan_in_is_two",
        "test_he_variance_inverse_in_fan_in",
    ],
    witness=lambda: (5,),
)
def he_variance_returns_std(n_in):
    """Returns the standard deviation √(2/n_in) instead of the variance."""
    return math.sqrt(2.0 / n_in)


@mutant(
    "init.he_variance",
    bug="edge",
    killed_by=["test_he_variance_agrees_with_reference", "test_he_variance_times_fan_in_is_two"],
    witness=lambda: (5,),
)
def he_variance_integer_division(n_in):
    """Writes 2 // n_in: right for n_in ≤ 2, 0 beyond."""
    return 2 // n_in


@mutant(
    "init.he_variance",
    bug="contract",
    killed_by=["test_he_variance_agrees_with_reference", "test_he_variance_times_fan_in_is_two", "test_he_variance_inverse_in_fan_in"],
    witness=lambda: (5,),
)
def he_variance_returns_list(n_in):
    """Returns [2 / n_in], a list of one number, where a number is specified."""
    return [2.0 / n_in]


# -- init.xavier_normal -------------------------------------------------------------------


@mutant(
    "init.xavier_normal",
    bug="derivation",
    killed_by=["test_xavier_normal_mean_and_variance", "test_xavier_normal_is_normal"],
    witness=_layer,
)
def xavier_normal_fan_in_variance(n_in, n_out, rng):
    """Samples N(0, 1/n_in) (LeCun) instead of N(0, 2/(n_in + n_out))."""
    return rng.normal(0.0, math.sqrt(1.0 / n_in), size=(n_out, n_in))


@mutant(
    "init.xavier_normal",
    bug="convention",
    killed_by=[
        "test_xavier_normal_mean_and_variance",
        "test_xavier_normal_is_normal",
        "test_xavier_normal_square_layer_preserves_variance",
    ],
    witness=_layer,
)
def xavier_normal_variance_as_scale(n_in, n_out, rng):
    """Passes the variance 2/(n_in + n_out) as numpy's scale, which is the standard deviation."""
    return rng.normal(0.0, 2.0 / (n_in + n_out), size=(n_out, n_in))


@mutant(
    "init.xavier_normal",
    bug="convention",
    killed_by=["test_xavier_normal_is_normal"],
    witness=_layer,
)
def xavier_normal_uniform(n_in, n_out, rng):
    """Samples Glorot's uniform U(-√(6/(n_in+n_out)), +√(6/(n_in+n_out))): right variance, not normal."""
    limit = math.sqrt(6.0 / (n_in + n_out))
    return rng.uniform(-limit, limit, size=(n_out, n_in))


@mutant(
    "init.xavier_normal",
    bug="contract",
    killed_by=["test_xavier_normal_mean_and_variance", "test_xavier_normal_same_state_same_weights"],
    witness=_layer,
)
def xavier_normal_transposed(n_in, n_out, rng):
    """Returns (n_in, n_out), the transpose of the catalogue's (n_out, n_in)."""
    return rng.normal(0.0, math.sqrt(2.0 / (n_in + n_out)), size=(n_in, n_out))


@mutant(
    "init.xavier_normal",
    bug="contract",
    killed_by=["test_xavier_normal_same_state_same_weights"],
    witness=_layer,
)
def xavier_normal_global_state(n_in, n_out, rng):
    """Ignores rng and draws from NumPy's global state (np.random.normal)."""
    return np.random.normal(0.0, math.sqrt(2.0 / (n_in + n_out)), size=(n_out, n_in))


@mutant(
    "init.xavier_normal",
    bug="contract",
    killed_by=["test_xavier_normal_uses_the_generator"],
    witness=_layer,
)
def xavier_normal_own_seed(n_in, n_out, rng):
    """Ignores rng and seeds a generator of its own (default_rng(0)) 'for reproducibility'."""
    return np.random.default_rng(0).normal(0.0, math.sqrt(2.0 / (n_in + n_out)), size=(n_out, n_in))


# -- init.he_normal ---------------------------------------------------------------------------


@mutant(
    "init.he_normal",
    bug="derivation",
    killed_by=["test_he_normal_mean_and_variance", "test_he_normal_is_normal"],
    witness=_layer,
)
def he_normal_without_relu_factor(n_in, n_out, rng):
    """Samples N(0, 1/n_in), forgetting He's factor 2."""
    return rng.normal(0.0, math.sqrt(1.0 / n_in), size=(n_out, n_in))


@mutant(
    "init.he_normal",
    bug="convention",
    killed_by=["test_he_normal_mean_and_variance", "test_he_normal_is_normal"],
    witness=_layer,
)
def he_normal_variance_as_scale(n_in, n_out, rng):
    """Passes the variance 2/n_in as numpy's scale, which is the standard deviation."""
    return rng.normal(0.0, 2.0 / n_in, size=(n_out, n_in))


@mutant(
    "init.he_normal",
    bug="convention",
    killed_by=["test_he_normal_mean_and_variance", "test_he_normal_is_normal"],
    witness=_layer,
)
def he_normal_fan_out(n_in, n_out, rng):
    """Uses the fan-out, N(0, 2/n_out) (PyTorch's mode='fan_out'), where the catalogue says fan-in."""
    return rng.normal(0.0, math.sqrt(2.0 / n_out), size=(n_out, n_in))


@mutant(
    "init.he_normal",
    bug="convention",
    killed_by=["test_he_normal_is_normal"],
    witness=_layer,
)
def he_normal_uniform(n_in, n_out, rng):
    """Samples He's uniform U(-√(6/n_in), +√(6/n_in)): right variance, not normal."""
    limit = math.sqrt(6.0 / n_in)
    return rng.uniform(-limit, limit, size=(n_out, n_in))


@mutant(
    "init.he_normal",
    bug="contract",
    killed_by=["test_he_normal_same_state_same_weights"],
    witness=_layer,
)
def he_normal_global_state(n_in, n_out, rng):
    """Ignores rng and draws from NumPy's global state (np.random.randn)."""
    return np.random.randn(n_out, n_in) * math.sqrt(2.0 / n_in)


@mutant(
    "init.he_normal",
    bug="contract",
    killed_by=["test_he_normal_uses_the_generator"],
    witness=_layer,
)
def he_normal_reseeds_global_state(n_in, n_out, rng):
    """Calls np.random.seed(42) then np.random.normal: every generator gives the same weights."""
    np.random.seed(42)
    return np.random.normal(0.0, math.sqrt(2.0 / n_in), size=(n_out, n_in))
