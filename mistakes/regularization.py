"""Wrong implementations of the regularization family, as students write them.

Not here: clipping when ``‖g‖ ≤ c`` instead of ``‖g‖ < c``. At ``‖g‖ = c`` both
branches return g (``c·g/‖g‖ = g``), so the two conventions differ by rounding
only: an equivalent rewrite, not a bug.
"""

from __future__ import annotations

import numpy as np

from mistakes import mutant
from reference import regularization as ref


def _weights():
    w = np.array([[0.5, -1.0, 0.0], [2.0, 0.0, -0.25]])
    g = np.array([[0.1, 0.3, -0.2], [-1.0, 0.5, 0.0]])
    return w, g


def _l2_grad_witness():
    return (*_weights(), 0.3)


def _step_witness():
    return (*_weights(), 0.3, 0.1)


def _l1_small_weights():
    # |w| < lr·α for the first entry: a soft-threshold would stop it at 0.
    return np.array([0.01, -2.0, 0.0]), np.array([0.0, 0.5, 1.0]), 1.0, 0.5


def _smoothing_witness():
    return np.eye(5)[2], 0.2


def _two_classes():
    return np.array([0.0, 1.0]), 0.2


def _clip_witness():
    return np.array([[3.0, 4.0], [0.5, -0.5]]), 2.0


def _clip_zero():
    return np.zeros((2, 3)), 1.0


def _clip_below():
    return np.array([0.3, -0.4]), 2.0


# -- regularization.l2_grad -----------------------------------------------------------------

_L2_GRAD = ["test_l2_grad_agrees_with_reference", "test_l2_grad_is_derivative_of_penalized_objective"]


@mutant("regularization.l2_grad", bug="derivation", killed_by=_L2_GRAD, witness=_l2_grad_witness)
def l2_grad_half_alpha(w, grad_J, alpha):
    """Differentiates (α/2)‖w‖² to (α/2)w, forgetting the 2 of the square."""
    return 0.5 * alpha * w + grad_J


@mutant("regularization.l2_grad", bug="derivation", killed_by=_L2_GRAD, witness=_l2_grad_witness)
def l2_grad_penalty_subtracted(w, grad_J, alpha):
    """Subtracts the penalty's gradient: ∇J - αw."""
    return grad_J - alpha * w


@mutant("regularization.l2_grad", bug="derivation", killed_by=_L2_GRAD, witness=_l2_grad_witness)
def l2_grad_double_alpha(w, grad_J, alpha):
    """Differentiates α‖w‖² (dropping the penalty's ½): 2αw + ∇J."""
    return 2.0 * alpha * w + grad_J


@mutant("regularization.l2_grad", bug="stability", killed_by=["test_l2_grad_agrees_with_reference"], witness=_l2_grad_witness)
def l2_grad_float32(w, grad_J, alpha):
    """Computes in float32."""
    return (np.float32(alpha) * w.astype(np.float32) + grad_J.astype(np.float32)).astype(np.float64)


@mutant("regularization.l2_grad", bug="contract", killed_by=["test_l2_grad_agrees_with_reference"], witness=_l2_grad_witness)
def l2_grad_accumulates_in_grad(w, grad_J, alpha):
    """Adds the penalty into the caller's grad_J in place and returns it."""
    grad_J += alpha * w
    return grad_J


# -- regularization.l2_step ----------------------------------------------------------------

_L2_STEP = ["test_l2_step_agrees_with_reference", "test_l2_step_is_gradient_step_on_penalized_objective"]


@mutant("regularization.l2_step", bug="derivation", killed_by=[*_L2_STEP, "test_l2_step_decays_weights"], witness=_step_witness)
def l2_step_decay_sign(w, grad_J, alpha, lr):
    """Grows the weights instead of decaying them: (1 + lr α)w - lr∇J."""
    return (1.0 + lr * alpha) * w - lr * grad_J


@mutant("regularization.l2_step", bug="derivation", killed_by=[*_L2_STEP, "test_l2_step_decays_weights"], witness=_step_witness)
def l2_step_decay_without_lr(w, grad_J, alpha, lr):
    """Decays by (1 - α), forgetting the learning rate on the penalty."""
    return (1.0 - alpha) * w - lr * grad_J


@mutant("regularization.l2_step", bug="convention", killed_by=_L2_STEP, witness=_step_witness)
def l2_step_decays_after_step(w, grad_J, alpha, lr):
    """Takes the gradient step, then decays: (1 - lr α)(w - lr∇J)."""
    return (1.0 - lr * alpha) * (w - lr * grad_J)


@mutant("regularization.l2_step", bug="contract", killed_by=["test_l2_step_agrees_with_reference"], witness=_step_witness)
def l2_step_in_place(w, grad_J, alpha, lr):
    """Updates the caller's w in place and returns it."""
    w *= 1.0 - lr * alpha
    w -= lr * grad_J
    return w


# -- regularization.l1_step ----------------------------------------------------------------

_L1_STEP = ["test_l1_step_agrees_with_reference", "test_l1_step_is_gradient_step_on_penalized_objective"]


@mutant(
    "regularization.l1_step",
    bug="convention",
    killed_by=["test_l1_step_agrees_with_reference", "test_l1_step_zero_weight_uses_sign_zero"],
    witness=_step_witness,
)
def l1_step_sign_zero_is_one(w, grad_J, alpha, lr):
    """Takes sign(0) = +1 (np.where(w >= 0, 1, -1)), pulling zero weights negative."""
    return w - lr * alpha * np.where(w >= 0, 1.0, -1.0) - lr * grad_J


@mutant(
    "regularization.l1_step",
    bug="edge",
    killed_by=["test_l1_step_agrees_with_reference", "test_l1_step_zero_weight_uses_sign_zero"],
    witness=_step_witness,
)
def l1_step_sign_as_w_over_abs(w, grad_J, alpha, lr):
    """Writes sign(w) as w/|w|, which is nan at w = 0."""
    return w - lr * alpha * (w / np.abs(w)) - lr * grad_J


@mutant("regularization.l1_step", bug="derivation", killed_by=_L1_STEP, witness=_step_witness)
def l1_step_uses_l2_shrink(w, grad_J, alpha, lr):
    """Shrinks by lr·α·w (the L2 rule) instead of lr·α·sign(w)."""
    return w - lr * alpha * w - lr * grad_J


@mutant("regularization.l1_step", bug="derivation", killed_by=_L1_STEP, witness=_step_witness)
def l1_step_pull_away_from_zero(w, grad_J, alpha, lr):
    """Adds the penalty's pull, w + lr α sign(w), pushing weights away from 0."""
    return w + lr * alpha * np.sign(w) - lr * grad_J


@mutant("regularization.l1_step", bug="convention", killed_by=["test_l1_step_agrees_with_reference"], witness=_l1_small_weights)
def l1_step_soft_threshold(w, grad_J, alpha, lr):
    """Uses the proximal (soft-thresholding) step, stopping a weight at 0 instead of crossing it."""
    v = w - lr * grad_J
    return np.sign(v) * np.maximum(np.abs(v) - lr * alpha, 0.0)


@mutant("regularization.l1_step", bug="contract", killed_by=["test_l1_step_agrees_with_reference"], witness=_step_witness)
def l1_step_in_place(w, grad_J, alpha, lr):
    """Updates the caller's w in place and returns it."""
    w -= lr * alpha * np.sign(w) + lr * grad_J
    return w


# -- regularization.label_smoothing ----------------------------------------------------------

_SMOOTHING = [
    "test_label_smoothing_agrees_with_reference",
    "test_label_smoothing_seed_values",
    "test_label_smoothing_is_probability_vector",
]


@mutant("regularization.label_smoothing", bug="derivation", killed_by=_SMOOTHING, witness=_smoothing_witness)
def label_smoothing_eps_over_k(y, eps):
    """Puts ε/K on the wrong classes (and 1 - ε on the true one): the sum is not 1."""
    out = np.full(len(y), eps / len(y))
    out[np.argmax(y)] = 1.0 - eps
    return out


@mutant(
    "regularization.label_smoothing",
    bug="convention",
    killed_by=["test_label_smoothing_agrees_with_reference", "test_label_smoothing_seed_values"],
    witness=_smoothing_witness,
)
def label_smoothing_pytorch_convention(y, eps):
    """Uses PyTorch's y(1 - ε) + ε/K: 1 - ε + ε/K on the true class, ε/K elsewhere."""
    return y * (1.0 - eps) + eps / len(y)


@mutant(
    "regularization.label_smoothing",
    bug="derivation",
    killed_by=[*_SMOOTHING[:2], "test_label_smoothing_keeps_argmax"],
    witness=_smoothing_witness,
)
def label_smoothing_swaps_roles(y, eps):
    """Reads ε as the confidence: ε on the true class, (1 - ε)/(K - 1) elsewhere."""
    out = np.full(len(y), (1.0 - eps) / (len(y) - 1))
    out[np.argmax(y)] = eps
    return out


@mutant("regularization.label_smoothing", bug="edge", killed_by=["test_label_smoothing_agrees_with_reference"], witness=_two_classes)
def label_smoothing_binary_halves(y, eps):
    """Special-cases K = 2 as binary smoothing, 1 - ε/2 and ε/2."""
    if len(y) == 2:
        return y * (1.0 - eps) + eps / 2.0
    return ref.label_smoothing(y, eps)


@mutant("regularization.label_smoothing", bug="contract", killed_by=["test_label_smoothing_agrees_with_reference"], witness=_smoothing_witness)
def label_smoothing_in_place(y, eps):
    """Overwrites the caller's one-hot y with the smoothed labels."""
    true_class = np.argmax(y)
    y[:] = eps / (len(y) - 1)
    y[true_class] = 1.0 - eps
    return y


# -- regularization.clip_by_norm ---------------------------------------------------------------


@mutant(
    "regularization.clip_by_norm",
    bug="convention",
    killed_by=[
        "test_clip_by_norm_agrees_with_reference",
        "test_clip_by_norm_at_most_c",
        "test_clip_by_norm_keeps_direction",
    ],
    witness=_clip_witness,
)
def clip_by_norm_per_row(g, c):
    """Clips each row (last axis) to norm c separately, not the whole g."""
    norms = np.linalg.norm(g, axis=-1, keepdims=True)
    return np.where(norms < c, g, g * c / np.maximum(norms, 1e-300))


@mutant(
    "regularization.clip_by_norm",
    bug="derivation",
    killed_by=[
        "test_clip_by_norm_agrees_with_reference",
        "test_clip_by_norm_at_most_c",
        "test_clip_by_norm_keeps_direction",
    ],
    witness=_clip_witness,
)
def clip_by_norm_per_entry(g, c):
    """Clips every entry to [-c, c] (np.clip), i.e. clipping by value."""
    return np.clip(g, -c, c)


@mutant(
    "regularization.clip_by_norm",
    bug="derivation",
    killed_by=[
        "test_clip_by_norm_agrees_with_reference",
        "test_clip_by_norm_identity_below_threshold",
        "test_clip_by_norm_never_raises_norm",
    ],
    witness=_clip_below,
)
def clip_by_norm_always_rescales(g, c):
    """Always rescales to norm c, also when ‖g‖ < c (stretching small gradients)."""
    norm = np.linalg.norm(g)
    return g * c / norm if norm > 0 else g


@mutant(
    "regularization.clip_by_norm",
    bug="edge",
    killed_by=[
        "test_clip_by_norm_agrees_with_reference",
        "test_clip_by_norm_keeps_direction",
    ],
    witness=_clip_zero,
)
def clip_by_norm_normalizes_first(g, c):
    """Normalizes g first and scales by min(‖g‖, c): 0/0 = nan for g = 0."""
    norm = np.sqrt(np.sum(g * g))
    return g / norm * min(norm, c)


@mutant("regularization.clip_by_norm", bug="contract", killed_by=["test_clip_by_norm_agrees_with_reference"], witness=_clip_witness)
def clip_by_norm_in_place(g, c):
    """Rescales the caller's g in place (g *= c/‖g‖) and returns it."""
    norm = np.linalg.norm(g)
    if norm >= c:
        g *= c / norm
    return g


@mutant("regularization.clip_by_norm", bug="contract", killed_by=["test_clip_by_norm_agrees_with_reference"], witness=_clip_witness)
def clip_by_norm_flattens(g, c):
    """Returns the clipped gradient flattened to a vector, whatever g's shape."""
    return ref.clip_by_norm(g, c).ravel()
