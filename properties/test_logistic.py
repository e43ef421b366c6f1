"""Properties of the logistic family: a sigmoid neuron with summed cross-entropy.

Catalogue: ``logistic.loss``, ``logistic.grad``, ``logistic.hessian``,
``logistic.gd_step``. Seeds 000, 001, 003 (all-ones labels), 004.
"""

from __future__ import annotations

from typing import Any

import numpy as np
from hypothesis import given
from hypothesis import strategies as st

from properties.derivative_helpers import assert_matches_numerical, forward_to_differentiate, numerical_jacobian
from properties.generic_properties import agrees_with_reference
from properties.hypothesis_helpers import (
    finite_floats,
    float_arrays,
    label_vectors,
    sizes,
)
from properties.pytest_helpers import assert_close, assert_true, prop

# -- strategies ----------------------------------------------------------------


@st.composite
def logistic_args(draw: Any, *, max_logit: float = 8.0, labels: st.SearchStrategy | None = None) -> tuple:
    """``(w, b, x, y)`` with every logit ``|x·w + b|`` at most ``max_logit``.

    Sizes start at n = 1, d = 1, where a missing sum or a transposed product
    is hardest to see. With ``max_logit`` large the weights are rescaled so
    the largest logit reaches it, the edge of the catalogue's domain.
    """
    n = draw(sizes(1, 6))
    d = draw(sizes(1, 4))
    x = draw(float_arrays((n, d), -3.0, 3.0))
    w = draw(float_arrays(d, -3.0, 3.0))
    b = draw(finite_floats(-3.0, 3.0))
    y = draw(labels if labels is not None else label_vectors(n))
    z = x @ w + b
    peak = float(np.max(np.abs(z)))
    target = draw(st.sampled_from([peak, max_logit])) if max_logit > 8.0 else min(peak, max_logit)
    # Rescale only from a peak of ordinary size: from a denormal one the ratio
    # overflows and the drawn w is inf (a draw the random profiles can reach).
    if peak > 1e-3 and target != peak:
        w, b = w * (target / peak), b * (target / peak)
    return w, float(b), x, y


def with_step_size(args: st.SearchStrategy[tuple]) -> st.SearchStrategy[tuple]:
    return st.tuples(args, finite_floats(0.0, 2.0)).map(lambda pair: (*pair[0], pair[1]))


def _all_ones(args: tuple) -> tuple:
    w, b, x, y = args
    return w, b, x, np.ones_like(y)


@st.composite
def all_ones_saturating(draw: Any) -> tuple:
    """All labels 1 and every logit in ``[m, m + 2]`` for a drawn ``m`` up to 30:
    the regime where ŷ rounds towards 1 and clipped or rounded residuals vanish,
    while the true gradient (≥ 9e-14 per example) is still representable
    even as ``σ(z) - 1``."""
    w, _, x, y = draw(logistic_args())
    z = x @ w
    spread = float(np.ptp(z))
    if spread > 2.0:
        w, z = w * (2.0 / spread), z * (2.0 / spread)
    lowest = draw(st.one_of(st.just(30.0), finite_floats(0.0, 30.0)))
    return w, lowest - float(np.min(z)), x, np.ones_like(y)


# The catalogue's stated domain: loss and gradients finite for |x·w + b| up to 1e4.
CATALOGUE_MAX_LOGIT = 1e4
moderate = logistic_args()
full_domain = logistic_args(max_logit=CATALOGUE_MAX_LOGIT)


def _params(args: tuple) -> np.ndarray:
    w, b, _, _ = args[:4]
    return np.append(w, b)


def _split(theta: np.ndarray) -> tuple[np.ndarray, float]:
    return theta[:-1], float(theta[-1])


# -- logistic.loss ---------------------------------------------------------------

test_loss_agrees_with_reference = agrees_with_reference("logistic.loss", full_domain)


@prop("logistic.loss", "the loss is non-negative and finite for logits up to 1e4")
@given(args=full_domain)
def test_loss_is_nonnegative_and_finite(subject: Any, args: tuple) -> None:
    value = subject(*args)
    # Each term is -[y ln ŷ + (1-y) ln(1-ŷ)] >= 0; rounding may leave -1e-300, never less than -1e-12.
    assert_true(value >= -1e-12, what="the summed cross-entropy is negative", details={"loss": value})


@prop("logistic.loss", "the loss is convex along every line in (w, b)")
@given(args=moderate, direction=float_arrays(5, -1.0, 1.0), t=finite_floats(-2.0, 2.0), s=finite_floats(-2.0, 2.0))
def test_loss_is_convex_along_lines(subject: Any, args: tuple, direction: np.ndarray, t: float, s: float) -> None:
    w, b, x, y = args
    u = np.resize(direction, w.size + 1)
    at = lambda k: subject(*_split(_params(args) + k * u), x, y)  # noqa: E731
    mid = at((t + s) / 2)
    chord = (at(t) + at(s)) / 2
    # Midpoint convexity up to rounding: losses are at most ~n·(|z|+1) ≈ 1e2, so 1e-9 relative is far above ulps.
    assert_true(
        mid <= chord + 1e-9 * (1 + abs(chord)),
        what="the loss at the midpoint of a segment exceeds the average of its ends (not convex)",
        details={"loss(midpoint)": mid, "average of ends": chord, "t": t, "s": s},
    )


# -- logistic.grad ----------------------------------------------------------------

test_grad_agrees_with_reference = agrees_with_reference("logistic.grad", full_domain)


@prop("logistic.grad", "the gradient is the derivative of the loss (scipy.differentiate)", cost=4)
@given(args=moderate)
def test_grad_is_derivative_of_loss(subject: Any, impl: Any, args: tuple) -> None:
    _, _, x, y = args
    loss, label = forward_to_differentiate(impl, "logistic.loss", args)
    numerical = numerical_jacobian(lambda theta: loss(*_split(theta), x, y), _params(args))
    dw, db = subject(*args)
    assert_matches_numerical(np.append(dw, db), numerical, what="(dw, db) stacked", label=label)


@prop("logistic.grad", "with every label 1 the gradient never vanishes and pushes b up (seed 003)")
@given(args=st.one_of(moderate.map(_all_ones), all_ones_saturating()))
def test_grad_never_vanishes_on_all_ones_labels(subject: Any, args: tuple) -> None:
    # For logits up to 32 the true db = -Σ σ(-z) is at least 1e-14 in magnitude,
    # far above float64's smallest numbers: an exact zero is a bug, not rounding.
    _, db = subject(*args)
    assert_true(db < 0, what="with every label 1, db must be strictly negative", details={"db": db})


# -- logistic.hessian ---------------------------------------------------------------

test_hessian_agrees_with_reference = agrees_with_reference("logistic.hessian", full_domain)


@prop("logistic.hessian", "the Hessian is symmetric and positive semi-definite")
@given(args=full_domain)
def test_hessian_is_symmetric_psd(subject: Any, args: tuple) -> None:
    h = subject(*args)
    scale = 1.0 + float(np.max(np.abs(h)))
    # Rounding in a sum of n ≤ 6 rank-one terms is ~1e-15·scale; 1e-10·scale is far above it.
    assert_close(h, h.T, rtol=0, atol=1e-10 * scale, what="H against its transpose")
    smallest = float(np.min(np.linalg.eigvalsh((h + h.T) / 2)))
    assert_true(
        smallest >= -1e-10 * scale,
        what="the Hessian has a negative eigenvalue (not positive semi-definite)",
        details={"smallest eigenvalue": smallest, "H": h},
    )


@prop("logistic.hessian", "the Hessian is the Jacobian of the gradient (scipy.differentiate)", cost=4)
@given(args=moderate)
def test_hessian_is_jacobian_of_grad(subject: Any, impl: Any, args: tuple) -> None:
    _, _, x, y = args
    grad, label = forward_to_differentiate(impl, "logistic.grad", args)
    numerical = numerical_jacobian(lambda theta: np.append(*grad(*_split(theta), x, y)), _params(args))
    assert_matches_numerical(subject(*args), numerical, what="the Hessian", label=label)


@prop("logistic.hessian", "the Hessian does not depend on the labels y")
@given(args=moderate, other_labels=st.data())
def test_hessian_is_independent_of_labels(subject: Any, args: tuple, other_labels: st.DataObject) -> None:
    w, b, x, y = args
    y2 = other_labels.draw(label_vectors(len(y)), label="other labels")
    # Same arithmetic on the same (w, b, x): any y-dependence is a bug, so only rounding is allowed.
    h1, h2 = subject(w, b, x, y), subject(w, b, x, y2)
    assert_close(h2, h1, rtol=1e-12, atol=1e-12, what="H with other labels y'", expected_label="H with y")


# -- logistic.gd_step --------------------------------------------------------------

test_gd_step_agrees_with_reference = agrees_with_reference("logistic.gd_step", with_step_size(moderate))


@prop("logistic.gd_step", "a small enough step decreases the loss")
@given(args=moderate)
def test_small_step_decreases_loss(subject: Any, args: tuple) -> None:
    from gradoracle.submission import reference_implementation

    reference = reference_implementation()
    w, b, x, y = args
    dw, db = reference.call("logistic.grad", *args)
    squared_norm = float(dw @ dw + db * db)
    # Below 1e-6 the decrease lr·‖g‖² drowns in the rounding of a loss of size ~10.
    if squared_norm < 1e-6:
        return
    # The Hessian's norm is at most Σ‖[x;1]‖²/4, so this step is below 1/L: a sure decrease.
    curvature = 0.25 * float(np.sum(x * x) + len(y))
    lr = 0.5 / curvature
    w2, b2 = subject(w, b, x, y, lr)
    before = reference.call("logistic.loss", *args)
    after = reference.call("logistic.loss", w2, b2, x, y)
    decrease = before - after
    # Descent lemma: the decrease is at least lr·‖g‖²/2 for lr < 1/L.
    assert_true(
        decrease >= 0.25 * lr * squared_norm,
        what=f"one step with lr = {lr:.3g} (below 1/L) did not decrease the loss by lr·‖g‖²/4",
        details={"loss before": before, "loss after": after, "lr·‖g‖²/4": 0.25 * lr * squared_norm},
    )


@prop("logistic.gd_step", "with every label 1, each step increases b (it grows without bound, seed 003)")
@given(args=moderate.map(_all_ones), fraction=finite_floats(0.05, 1.0))
def test_steps_on_all_ones_labels_increase_b(subject: Any, args: tuple, fraction: float) -> None:
    w, b, x, y = args
    # Steps below 1/L keep the logits within a few units of their start (≤ 8),
    # so each increase of b, lr·Σσ(-z) ≥ 1e-6, is far above the rounding of b.
    lr = fraction * 0.5 / (0.25 * float(np.sum(x * x) + len(y)))
    trail = [b]
    for _ in range(5):
        w, b = subject(w, b, x, y, lr)
        trail.append(b)
    assert_true(
        np.all(np.diff(trail) > 0),
        what=f"with every label 1, gradient descent (lr = {lr:.3g}) must raise b at every step",
        details={"b over 5 steps": np.array(trail)},
    )
