"""The backprop kink strategies put pre-activations at exactly 0 in the
submission's arithmetic too, whatever its summation order or dtype, and the
"limit from below" nudge moves exactly those units below the kink; correct
submissions (which follow the catalogue's leaky_relu'(0) = α and
relu'(0) = 0) pass the kink properties at the grading profile's full example
count. That the properties reject the wrong conventions is checked by the
corpus meta-tests (``mistakes/backprop.py``, bug class ``convention``)."""

from __future__ import annotations

from pathlib import Path
from typing import Callable

import numpy as np
import pytest
from hypothesis import HealthCheck, given, settings

from gradoracle.submission import load_implementation, reference_implementation
from meta_tests.helpers import properties_by_name, run_property
from properties.test_backprop import kinked_mlp_args, kinked_relu_regression_args, nudged_below_kinks

SUBMISSIONS = Path(__file__).resolve().parent.parent / "benchmarks" / "submissions"

# Ways a submission may compute W x + b: the order of the sum and the dtype.
PRE_ACTIVATION_ORDERS: dict[str, Callable[[np.ndarray, np.ndarray, np.ndarray], np.ndarray]] = {
    "W @ x + b": lambda W, x, b: W @ x + b,
    "b + x @ W.T": lambda W, x, b: b + x @ W.T,
    "einsum": lambda W, x, b: np.einsum("ij,j->i", W, x) + b,
    "reversed loop": lambda W, x, b: np.array([sum(W[i, j] * x[j] for j in reversed(range(len(x)))) + b[i] for i in range(len(b))]),
    "bias first": lambda W, x, b: np.array([sum((W[i, j] * x[j] for j in range(len(x))), start=b[i]) for i in range(len(b))]),
    "float32": lambda W, x, b: (W.astype(np.float32) @ x.astype(np.float32) + b.astype(np.float32)).astype(np.float64),
}

EXAMPLES = settings(max_examples=100, derandomize=True, database=None, suppress_health_check=[HealthCheck.too_slow])


def units_at_kink_in_every_order(W: np.ndarray, x: np.ndarray, b: np.ndarray) -> np.ndarray:
    """The units whose pre-activation is exactly 0, asserting every order agrees."""
    results = {name: order(W, x, b) for name, order in PRE_ACTIVATION_ORDERS.items()}
    zeros = {name: tuple(np.flatnonzero(a == 0)) for name, a in results.items()}
    assert len(set(zeros.values())) == 1, f"the units at the kink depend on the arithmetic: {zeros} for W={W!r}, x={x!r}, b={b!r}"
    signs = {name: tuple(np.sign(a)) for name, a in results.items()}
    assert len(set(signs.values())) == 1, f"the pre-activations' signs depend on the arithmetic: {signs}"
    return np.flatnonzero(results["W @ x + b"] == 0)


def test_the_order_check_can_fail() -> None:
    """Off the grid, a bias meant to cancel W x is not 0 in every order."""
    W, x = np.array([[0.1, 0.2, 0.3]]), np.array([1.0, 1.0, 1.0])
    with pytest.raises(AssertionError, match="depend on the arithmetic"):
        units_at_kink_in_every_order(W, x, -(W @ x))


@EXAMPLES
@given(args=kinked_mlp_args())
def test_mlp_kinks_are_exact_in_any_arithmetic(args: tuple) -> None:
    x, _, W1, b1, W2, b2, mask, alpha = args
    at_kink = units_at_kink_in_every_order(W1, x, b1)
    assert at_kink.size >= 1
    assert np.any(mask[at_kink] > 0), "no kinked unit is kept by the mask: its slope would not show"
    z1 = W1 @ x + b1
    logits = W2 @ (mask * np.where(z1 > 0, z1, alpha * z1)) + b2
    assert np.max(np.abs(logits)) < 100, f"logits {logits} beyond the catalogue decision's |z2| < 100"
    nudged = nudged_below_kinks(b1, W1 @ x + b1)
    for name, order in PRE_ACTIVATION_ORDERS.items():
        if name == "float32":
            continue  # 2⁻⁴⁰ is below float32's resolution at the bias: those units stay at 0
        z = order(W1, x, nudged)
        assert np.all(z[at_kink] < 0), f"{name}: the nudge left units {at_kink.tolist()} at {z[at_kink].tolist()}"
        others = np.setdiff1d(np.arange(len(b1)), at_kink)
        np.testing.assert_array_equal(z[others], order(W1, x, b1)[others])


@EXAMPLES
@given(args=kinked_relu_regression_args())
def test_relu_regression_kinks_are_exact_in_any_arithmetic(args: tuple) -> None:
    W, b, x, _ = args
    at_kink = units_at_kink_in_every_order(W, x, b)
    assert at_kink.size >= 1
    nudged = nudged_below_kinks(b, W @ x + b)
    assert np.all((W @ x + nudged)[at_kink] < 0)


def test_the_kink_strategies_cover_the_realistic_sources_of_zeros() -> None:
    """Zero inputs, zero weight rows with zero biases, and non-zero rows whose
    bias cancels W x all occur (derandomized, so the count is stable)."""
    seen = {"zero input": 0, "zero row and bias": 0, "cancelling bias": 0, "ordinary unit beside a kink": 0}

    @EXAMPLES
    @given(args=kinked_mlp_args())
    def collect(args: tuple) -> None:
        x, _, W1, b1, *_ = args
        z1 = W1 @ x + b1
        seen["zero input"] += not x.any()
        seen["zero row and bias"] += bool(np.any((~W1.any(axis=1)) & (b1 == 0)))
        seen["cancelling bias"] += bool(np.any((z1 == 0) & (b1 != 0)))
        seen["ordinary unit beside a kink"] += bool(np.any(z1 != 0))

    collect()
    assert all(count >= 5 for count in seen.values()), f"too few examples of some kinds among 100: {seen}"


KINK_PROPERTIES = sorted(q for q in properties_by_name() if q.startswith("backprop.") and "kink" in q)


@pytest.mark.parametrize("qualname", KINK_PROPERTIES)
@pytest.mark.parametrize("submission", ["reference", "independent_numpy", "autodiff_torch"])
def test_correct_submissions_pass_the_kink_properties(submission: str, qualname: str) -> None:
    """At the ci profile's full count (30 examples): torch's autograd gives
    relu'(0) = 0 and leaky_relu'(0) = negative_slope, the catalogue's values."""
    if submission == "reference":
        implementation = reference_implementation()
    else:
        if submission == "autodiff_torch":
            pytest.importorskip("torch", reason="the autodiff submission needs torch")
        implementation = load_implementation(str(SUBMISSIONS / f"{submission}.py"))
    prop = properties_by_name()[qualname]
    test = prop.test
    original = test._hypothesis_internal_use_settings
    test._hypothesis_internal_use_settings = settings(original, max_examples=30, derandomize=True, database=None)
    try:
        failure = run_property(prop, implementation)
    finally:
        test._hypothesis_internal_use_settings = original
    assert failure is None, f"the correct submission {submission} fails {qualname}: {failure}"


def test_kink_properties_exist() -> None:
    assert len(KINK_PROPERTIES) == 5, KINK_PROPERTIES
