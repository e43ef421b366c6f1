"""Properties of the optimizers family: SGD, momentum, Nesterov, AdaGrad, RMSProp,
RMSProp with momentum and Adam, each returning its iterates ``(steps + 1, d)``.

Catalogue: ``optimizers.*`` (seed 002). Gradient functions are data-built
(:class:`QuadraticGradient`, :class:`WigglyGradient`), never closures.

How the checks stay exact without accumulating tolerance:

- **Agreement with the reference** compares whole trajectories, so a rounding
  difference made at one step is carried by the later ones. Inputs on which that
  carrying amplifies (an adaptive step taken where a gradient coordinate is ~0,
  where ``g/|g|`` turns) are generated away: :func:`rounding_is_harmless`
  re-runs the reference with every gradient evaluation perturbed by 1e-12
  relative (1000 times float64 rounding) and keeps only inputs whose trajectory
  moves by at most 1e-10 of its scale, so an implementation that rounds
  differently stays four orders below the 1e-9 agreement tolerance.
- **Every other recurrence check is local**: the property recomputes each
  gradient with ``grad_fn`` at the iterates the implementation returned and
  checks one step at a time, so nothing accumulates and no input is excluded
  (wiggly fields whose coordinates change sign, δ up to 1e-1, tiny gradients).
- Trajectories have at most 20 steps and every field is strongly monotone
  (``|c ω| < λ_min(A)`` for the wiggly ones), so iterates stay bounded.

Decisions where the catalogue is ambiguous:

- "Converges with a small enough step" is checked with a bound that holds in exact
  arithmetic for every correct implementation: the linear-convergence bound for SGD,
  momentum and Nesterov; per coordinate on a separable quadratic, AdaGrad's monotone
  rate and RMSProp's ``max(lr/√(1−β), contraction)``; for RMSProp with momentum and
  Adam (whose momentum can overshoot, with no simple rate) the guaranteed part:
  started far enough away, every step moves every coordinate toward the minimizer
  by at least ``lr·W·g_min/(√U·g_max + δ)``, never past it.
- "Invariant to rescaling as δ → 0" uses power-of-two scales 2^±(1..8) (exact in
  float64), gradients that stay in ±[0.5, 2.5] along the path and δ ∈ [1e-18, 1e-14],
  with a tolerance that bounds δ's own effect (δ/(s·√a) per step).
- Domain: ``steps ≥ 0``, ``0 ≤ α, β, β1 < 1``, ``0 ≤ β2 < 1``, ``δ ∈ [1e-8, 1e-1]``.
"""

from __future__ import annotations

from functools import lru_cache
from typing import Any

import numpy as np
from hypothesis import given
from hypothesis import strategies as st

from properties.generic_properties import agrees_with_reference
from properties.hypothesis_helpers import finite_floats, sizes
from properties.hypothesis_helpers import float_arrays as _float_arrays
from properties.pytest_helpers import assert_close, assert_true, prop
from reference import registry
from gradoracle.callables import DataCallable, QuadraticGradient, WigglyGradient

MAX_STEPS = 20
MAX_D = 4
EPS = float(np.finfo(np.float64).eps)

# Local step checks (``follows the update``): the implementation and the property
# evaluate grad_fn at the same returned iterate, so they see the same gradient to
# the bit; what differs is the order of a few operations per step and state sums
# over ≤ 20 steps (≤ 1e-14 relative), and Adam's 1 − β2ᵗ, which loses up to
# 4 digits for β2 = 0.9999 (≤ 1e-12). 1e-10 relative to the size of the step's
# terms sits two orders above that and three below float32 (1e-7).
STEP_RTOL = 1e-10
# A returned iterate is rounded to 1 ulp (1.1e-16·|θ|); differencing two of
# them, and a look-ahead or velocity read off them, costs a few ulps of |θ|.
# 1e-12·(1 + |θ|) is 1000 times that and far below any bug.
ITERATE_ATOL = 1e-12


def fid(name: str) -> str:
    return f"optimizers.{name}"


# -- strategies: gradient fields -------------------------------------------------------

def _flush_tiny(values: np.ndarray) -> np.ndarray:
    """Entries below 1e-6 in magnitude become exactly 0: zero stays an edge case, while
    values like 1e-308 (which make gradients and steps subnormal, where float64 keeps
    only a few digits and every relative bound breaks) are generated away."""
    return np.where(np.abs(values) < 1e-6, 0.0, values)


@lru_cache(maxsize=None)
def float_arrays(shape: int | tuple[int, ...], min_value: float, max_value: float) -> st.SearchStrategy[np.ndarray]:
    """The helpers' ``float_arrays`` with tiny entries flushed to 0, built once per
    argument set (building a strategy inside every draw costs Hypothesis a
    validation each time, which dominated this module's run time)."""
    return _float_arrays(shape, min_value, max_value).map(_flush_tiny)


@st.composite
def spd_with_spectrum(draw: Any, d: int, lowest: float, highest: float) -> tuple[np.ndarray, np.ndarray]:
    """``(A, λ)``: ``A = H diag(λ) H`` with eigenvalues λ ∈ [lowest, highest] and H a
    Householder reflection (I when its vector is 0), so A is SPD, generally not diagonal,
    and costs 2d drawn numbers (cheaper than a full random rotation, d² numbers)."""
    lam = draw(float_arrays(d, lowest, highest))
    u = draw(float_arrays(d, -1.0, 1.0))
    norm2 = float(u @ u)
    h = np.eye(d) - 2.0 * np.outer(u, u) / norm2 if norm2 > 1e-6 else np.eye(d)
    a = h @ np.diag(lam) @ h
    return (a + a.T) / 2, lam


@st.composite
def gradient_fields(draw: Any, d: int) -> tuple[DataCallable, float]:
    """A gradient field on R^d and a bound on its Lipschitz constant.

    Quadratic ``A(θ − θ*)`` or wiggly ``A(θ − θ*) + c ⊙ sin(ω ⊙ θ)`` with A SPD,
    eigenvalues in [0.2, 1], and ``|c_i ω_i| ≤ 0.9 λ_min``: strongly monotone, so
    every trajectory stays bounded, while the sine makes coordinates of g change
    sign along it. The whole field is scaled by 10^[-3, 1], so δ ∈ [1e-8, 1e-1]
    ranges from negligible to dominant next to √a.
    """
    scale = 10.0 ** draw(finite_floats(-3.0, 1.0), label="gradient scale (log10)")
    a, lam = draw(spd_with_spectrum(d, 0.2, 1.0))
    lam_min, lam_max = float(np.min(lam)), float(np.max(lam))
    theta_star = draw(float_arrays(d, -2.0, 2.0))
    if draw(st.booleans()):
        return QuadraticGradient(A=scale * a, b=scale * (a @ theta_star)), scale * lam_max
    omega = draw(float_arrays(d, 0.5, 3.0))
    c = draw(float_arrays(d, -1.0, 1.0)) * (0.9 * lam_min / omega)
    field = WigglyGradient(A=scale * a, b=scale * (a @ theta_star), c=scale * c, omega=omega)
    return field, scale * (lam_max + 0.9 * lam_min)


def constant_gradient(g: np.ndarray) -> QuadraticGradient:
    """``θ ↦ g`` exactly: ``0·θ − (−g)`` (a QuadraticGradient with A = 0)."""
    g = np.asarray(g, dtype=np.float64)
    return QuadraticGradient(A=np.zeros((g.size, g.size)), b=-g)


# -- strategies: hyper-parameters -----------------------------------------------------

# Each mixes the values that expose conventions (0, the textbook defaults) with a range.
alphas = st.one_of(st.sampled_from([0.0, 0.5, 0.9]), finite_floats(0.0, 0.99))
betas = st.one_of(st.sampled_from([0.0, 0.9, 0.99]), finite_floats(0.0, 0.999))
beta1s = st.one_of(st.sampled_from([0.0, 0.9]), finite_floats(0.0, 0.99))
beta2s = st.one_of(st.sampled_from([0.0, 0.999]), finite_floats(0.0, 0.9999))
# δ from the default 1e-7 up to 1e-1, where √(a + δ) and √a + δ differ visibly.
deltas = st.one_of(st.just(1e-7), finite_floats(-8.0, -1.0).map(lambda e: 10.0**e))
# Adaptive steps move each coordinate by about lr whatever the gradient's scale.
adaptive_lrs = finite_floats(-3.0, -0.3).map(lambda e: 10.0**e)
step_counts = st.one_of(st.sampled_from([0, 1, 2, MAX_STEPS]), st.integers(0, MAX_STEPS))


@st.composite
def hyper_parameters(draw: Any, name: str, lipschitz: float) -> tuple:
    """The hyper-parameters after ``steps``, in catalogue order. Plain-gradient steps
    are ``f/L`` with f ≤ 1.5 (1.2 for Nesterov, whose stability limit at α = 0.99
    is 1.34), so trajectories stay bounded."""
    if name == "sgd":
        return (draw(finite_floats(0.01, 1.5)) / lipschitz,)
    if name == "momentum":
        return draw(finite_floats(0.01, 1.5)) / lipschitz, draw(alphas)
    if name == "nesterov":
        return draw(finite_floats(0.01, 1.2)) / lipschitz, draw(alphas)
    if name == "adagrad":
        return draw(adaptive_lrs), draw(deltas)
    if name == "rmsprop":
        return draw(adaptive_lrs), draw(betas), draw(deltas)
    if name == "rmsprop_momentum":
        return draw(adaptive_lrs), draw(betas), draw(alphas), draw(deltas)
    if name == "adam":
        return draw(adaptive_lrs), draw(beta1s), draw(beta2s), draw(deltas), draw(st.booleans())
    raise ValueError(name)


@st.composite
def optimizer_args(draw: Any, name: str, *, steps: st.SearchStrategy[int] = step_counts) -> tuple:
    """``(grad_fn, theta0, steps, *hyper)`` on a quadratic or wiggly field, d ∈ 1..4."""
    d = draw(sizes(1, MAX_D))
    grad_fn, lipschitz = draw(gradient_fields(d))
    theta0 = draw(float_arrays(d, -3.0, 3.0))
    return (grad_fn, theta0, draw(steps), *draw(hyper_parameters(name, lipschitz)))


# -- generating away inputs on which rounding differences grow ---------------------------

# Perturbation that stands in for rounding (1000 ulps) and the largest trajectory
# change it may cause: amplification ≤ 100, so a correct implementation's few-ulp
# differences stay ≤ 1e-13 of the scale, four orders below FLOAT64_RTOL.
_JITTER = 1e-12
_MAX_DEVIATION = 1e-10


class _Jittered:
    """``grad_fn`` evaluated at a point moved by ~1e-12 and returning a gradient off by
    ~1e-12 relative: what an implementation that rounds differently feeds back into
    its trajectory at every step. Only ever passed to the reference, directly."""

    def __init__(self, grad_fn: Any, seed: int) -> None:
        self.grad_fn = grad_fn
        self.rng = np.random.default_rng(seed)

    def __call__(self, theta: Any) -> np.ndarray:
        theta = np.asarray(theta, dtype=np.float64)
        nudge = _JITTER * (1.0 + np.abs(theta)) * self.rng.uniform(-1.0, 1.0, theta.shape)
        g = np.asarray(self.grad_fn(theta + nudge), dtype=np.float64)
        return g * (1.0 + _JITTER * self.rng.uniform(-1.0, 1.0, g.shape))


def rounding_is_harmless(name: str, args: tuple) -> bool:
    """Whether the reference's trajectory on ``args`` moves by at most
    ``_MAX_DEVIATION·(1 + max|θ|)`` when every step is perturbed by ``_JITTER`` (two
    fixed perturbation sequences, so the choice is deterministic)."""
    reference = registry.get(fid(name)).reference
    grad_fn, theta0, *rest = args
    exact = reference(grad_fn, theta0, *rest)
    scale = 1.0 + float(np.max(np.abs(exact)))
    for seed in (1, 2):
        u = np.random.default_rng(seed + 10).uniform(-1.0, 1.0, theta0.shape)
        nudged_theta0 = theta0 + _JITTER * (1.0 + np.abs(theta0)) * u
        jittered = reference(_Jittered(grad_fn, seed), nudged_theta0, *rest)
        if not float(np.max(np.abs(jittered - exact))) <= _MAX_DEVIATION * scale:
            return False
    return True


def well_conditioned_args(name: str) -> st.SearchStrategy[tuple]:
    return optimizer_args(name).filter(lambda args: rounding_is_harmless(name, args))


# -- replaying the update rule on the returned iterates -------------------------------------


def replay(name: str, args: tuple, iterates: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """The increments ``θ_t − θ_{t−1}`` the update rule prescribes given the returned
    iterates (gradients recomputed with grad_fn at them; velocities read off them as
    ``θ_{t−1} − θ_{t−2}``; moments accumulated from the recomputed gradients), and the
    magnitude of the terms each increment is made of, the scale of its rounding."""
    grad_fn, _, steps, *hyper = args
    d = iterates.shape[1]
    expected = np.zeros((steps, d))
    magnitude = np.zeros((steps, d))
    a = np.zeros(d)  # second moment / accumulator
    m = np.zeros(d)  # Adam's first moment
    m_abs = np.zeros(d)  # the same average of |g|: the scale of m's rounding
    for t in range(1, steps + 1):
        theta = iterates[t - 1]
        v = iterates[t - 1] - iterates[t - 2] if t >= 2 else np.zeros(d)
        if name == "sgd":
            (lr,) = hyper
            g = grad_fn(theta)
            expected[t - 1], magnitude[t - 1] = -lr * g, lr * np.abs(g)
        elif name in ("momentum", "nesterov"):
            lr, alpha = hyper
            g = grad_fn(theta + alpha * v if name == "nesterov" else theta)
            expected[t - 1], magnitude[t - 1] = alpha * v - lr * g, alpha * np.abs(v) + lr * np.abs(g)
        elif name == "adagrad":
            lr, delta = hyper
            g = grad_fn(theta)
            a = a + g * g
            expected[t - 1] = -lr * g / (np.sqrt(a) + delta)
            magnitude[t - 1] = np.abs(expected[t - 1])
        elif name == "rmsprop":
            lr, beta, delta = hyper
            g = grad_fn(theta)
            a = beta * a + (1 - beta) * g * g
            expected[t - 1] = -lr * g / (np.sqrt(a) + delta)
            magnitude[t - 1] = np.abs(expected[t - 1])
        elif name == "rmsprop_momentum":
            lr, beta, alpha, delta = hyper
            g = grad_fn(theta)  # at θ, not at a look-ahead
            a = beta * a + (1 - beta) * g * g
            scaled = lr * g / (np.sqrt(a) + delta)
            expected[t - 1], magnitude[t - 1] = alpha * v - scaled, alpha * np.abs(v) + np.abs(scaled)
        elif name == "adam":
            lr, beta1, beta2, delta, bias_correction = hyper
            g = grad_fn(theta)
            m = beta1 * m + (1 - beta1) * g
            m_abs = beta1 * m_abs + (1 - beta1) * np.abs(g)
            a = beta2 * a + (1 - beta2) * g * g
            c1, c2 = (1 - beta1**t, 1 - beta2**t) if bias_correction else (1.0, 1.0)
            denominator = np.sqrt(a / c2) + delta
            expected[t - 1] = -lr * (m / c1) / denominator
            magnitude[t - 1] = lr * (m_abs / c1) / denominator
        else:
            raise ValueError(name)
    return expected, magnitude


def assert_increments(
    iterates: np.ndarray, expected: np.ndarray, magnitude: np.ndarray, *, rule: str, rtol: float = STEP_RTOL
) -> None:
    """Each increment ``θ_t − θ_{t−1}`` of the returned iterates equals ``expected[t−1]``
    to ``rtol·magnitude + ITERATE_ATOL·(1 + |θ_{t−1}| + |θ_t|)``; reports the first step off."""
    got = np.diff(iterates, axis=0)
    allowed = rtol * magnitude + ITERATE_ATOL * (1.0 + np.abs(iterates[:-1]) + np.abs(iterates[1:]))
    bad = ~(np.abs(got - expected) <= allowed)
    if not np.any(bad):
        return
    t, i = (int(k) for k in np.argwhere(bad)[0])
    assert_true(
        False,
        what=f"step {t + 1} (coordinate {i}) does not follow the update {rule}",
        details={
            f"θ_{t}": iterates[t],
            f"θ_{t + 1} − θ_{t} (got)": got[t],
            "expected increment": expected[t],
            "all iterates": iterates,
        },
    )


def assert_starts_at_theta0(iterates: np.ndarray, theta0: np.ndarray) -> None:
    assert_true(
        np.array_equal(iterates[0], theta0),
        what="the first row of the iterates must be theta0 itself (θ_0), before any update",
        details={"theta0": theta0, "row 0 (got)": iterates[0]},
    )


UPDATE_RULES = {
    "sgd": "θ ← θ − lr g",
    "momentum": "v ← αv − lr g; θ ← θ + v (v₀ = 0)",
    "nesterov": "g = ∇J(θ + αv); v ← αv − lr g; θ ← θ + v (v₀ = 0)",
    "adagrad": "a ← a + g⊙g; θ ← θ − lr g / (√a + δ) (a₀ = 0, δ outside the root)",
    "rmsprop": "a ← βa + (1−β) g⊙g; θ ← θ − lr g / (√a + δ) (a₀ = 0, δ outside the root)",
    "rmsprop_momentum": "g = ∇J(θ) (not at a look-ahead); a ← βa + (1−β) g⊙g; v ← αv − lr g/(√a + δ); θ ← θ + v",
    "adam": "v ← β1 v + (1−β1) g; a ← β2 a + (1−β2) g⊙g; v̂ = v/(1−β1ᵗ), â = a/(1−β2ᵗ) "
    "if bias_correction (t from 1); θ ← θ − lr v̂/(√â + δ)",
}


def check_follows_update(name: str, subject: Any, args: tuple) -> None:
    iterates = subject(*args)
    assert_starts_at_theta0(iterates, args[1])
    expected, magnitude = replay(name, args, iterates)
    assert_increments(iterates, expected, magnitude, rule=UPDATE_RULES[name])


# -- strategies for the invariants ----------------------------------------------------------


@st.composite
def spd_quadratic(draw: Any, d: int, *, max_condition: float) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """``(A, θ*, λ)``: A SPD with eigenvalues λ in [L/κ, L] for a drawn L ∈ [0.5, 4], and a minimizer θ*."""
    top = draw(finite_floats(0.5, 4.0))
    a, lam = draw(spd_with_spectrum(d, top / max_condition, top))
    return a, draw(float_arrays(d, -2.0, 2.0)), lam


@st.composite
def separable_quadratic(draw: Any) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """``(λ, θ*, θ0)``: ``J = Σ λ_i (θ_i − θ*_i)²/2`` with λ ∈ [0.5, 2] and every
    coordinate of θ0 between 1 and 2 away from θ*, on either side."""
    d = draw(sizes(1, MAX_D))
    lam = draw(float_arrays(d, 0.5, 2.0))
    theta_star = draw(float_arrays(d, -2.0, 2.0))
    gap = draw(float_arrays(d, 1.0, 2.0)) * draw(random_signs(d))
    return lam, theta_star, theta_star + gap


def random_signs(d: int) -> st.SearchStrategy[np.ndarray]:
    """``(d,)`` arrays of ±1."""
    return st.lists(st.sampled_from([1.0, -1.0]), min_size=d, max_size=d).map(np.array)


def adam_ratio_bounds(beta1: float, beta2: float, steps: int, bias_correction: bool) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """For t = 1..steps: ``K_t ≥ |v̂_t| / √â_t`` for any gradients (Cauchy–Schwarz on
    v̂ = Σ w_k g_k, â = Σ u_k g_k²: K² = Σ w_k²/u_k), and the weight sums ``W_t = Σ w_k``,
    ``U_t = Σ u_k`` (1 with bias correction). Needs β2 > 0."""
    k_bound, w_sum, u_sum = np.zeros(steps), np.zeros(steps), np.zeros(steps)
    for t in range(1, steps + 1):
        ages = np.arange(t - 1, -1, -1)  # t − k for k = 1..t
        w = (1 - beta1) * beta1**ages / ((1 - beta1**t) if bias_correction else 1.0)
        u = (1 - beta2) * beta2**ages / ((1 - beta2**t) if bias_correction else 1.0)
        k_bound[t - 1] = np.sqrt(np.sum(w * w / u))
        w_sum[t - 1], u_sum[t - 1] = np.sum(w), np.sum(u)
    return k_bound, w_sum, u_sum


# =====================================================================================
# optimizers.sgd
# =====================================================================================

test_sgd_agrees_with_reference = agrees_with_reference("optimizers.sgd", well_conditioned_args("sgd"))


@prop("optimizers.sgd", "starts at theta0 and every step is θ ← θ − lr·∇J(θ) (gradient recomputed at your iterates)")
@given(args=optimizer_args("sgd"))
def test_sgd_follows_update(subject: Any, args: tuple) -> None:
    check_follows_update("sgd", subject, args)


@st.composite
def sgd_on_homogeneous_quadratic(draw: Any) -> tuple:
    d = draw(sizes(1, MAX_D))
    a, _, lam = draw(spd_quadratic(d, max_condition=10.0))
    # lr ≤ 2/L: I − lr A is symmetric with eigenvalues in [−1, 1], so it never amplifies rounding.
    lr = draw(finite_floats(0.0, 2.0)) / float(np.max(lam))
    return QuadraticGradient(A=a, b=np.zeros(d)), draw(float_arrays(d, -3.0, 3.0)), draw(step_counts), lr


@prop("optimizers.sgd", "on J = ½θᵀAθ the iterates are θ_t = (I − lr A)ᵗ θ0")
@given(args=sgd_on_homogeneous_quadratic())
def test_sgd_is_matrix_power_on_quadratic(subject: Any, args: tuple) -> None:
    grad_fn, theta0, steps, lr = args
    propagator = np.eye(theta0.size) - lr * grad_fn.A
    expected = np.array([np.linalg.matrix_power(propagator, t) @ theta0 for t in range(steps + 1)])
    # ‖I − lr A‖ ≤ 1, so each side's rounding stays ≤ 20 steps × d+2 ops × 1.1e-16 ≈ 1e-14 of |θ0|;
    # 1e-11 is a thousand times that and float32 (1e-7) is far outside.
    assert_close(subject(*args), expected, rtol=0, atol=1e-11 * (1 + float(np.max(np.abs(theta0)))),
                 what=f"SGD iterates with lr = {lr:.4g} against (I − lr A)ᵗ θ0", expected_label="(I − lr A)ᵗ θ0")


@st.composite
def descent_on_quadratic(draw: Any, *, max_alpha: float | None) -> tuple:
    """``(grad_fn, θ0, steps, lr[, α])`` on a strongly convex quadratic (κ ≤ 10) with
    lr ∈ [0.3, 1]/L and α ≤ ``max_alpha``: the linear-convergence regime."""
    d = draw(sizes(1, MAX_D))
    a, theta_star, lam = draw(spd_quadratic(d, max_condition=10.0))
    theta0 = draw(float_arrays(d, -3.0, 3.0))
    lr = draw(finite_floats(0.3, 1.0)) / float(np.max(lam))
    steps = draw(st.integers(1, MAX_STEPS))
    grad_fn = QuadraticGradient(A=a, b=a @ theta_star)
    if max_alpha is None:
        return grad_fn, theta0, steps, lr
    return grad_fn, theta0, steps, lr, draw(finite_floats(0.0, max_alpha))


def minimizer(grad_fn: QuadraticGradient) -> np.ndarray:
    # κ ≤ 10: solve is accurate to ~1e-15·|θ*|.
    return np.linalg.solve(grad_fn.A, grad_fn.b)


def assert_distance_bound(iterates: np.ndarray, theta_star: np.ndarray, bound: np.ndarray, *, what: str) -> None:
    """``‖θ_t − θ*‖ ≤ bound[t]·‖θ0 − θ*‖`` for every t, up to rounding: the bounds hold in
    exact arithmetic; the slack, 1e-10 of the bound plus 1e-12·(1 + |θ|)·(t+1) for the
    ≤ 20 roundings of non-expansive steps and the solve for θ*, is far below any bug."""
    distance = np.linalg.norm(iterates - theta_star, axis=1)
    steps_taken = np.arange(len(distance))
    scale = 1.0 + float(np.max(np.abs(iterates))) + float(np.max(np.abs(theta_star)))
    limit = bound * distance[0] * (1 + 1e-10) + 1e-12 * scale * (steps_taken + 1)
    assert_true(
        np.all(distance <= limit),
        what=what,
        details={"‖θ_t − θ*‖ (got)": distance, "guaranteed bound": limit, "θ*": theta_star, "iterates": iterates},
    )


@prop("optimizers.sgd", "on a strongly convex quadratic with lr ≤ 1/L, ‖θ_t − θ*‖ ≤ ρᵗ ‖θ0 − θ*‖, ρ = max|1 − lr λ| < 1")
@given(args=descent_on_quadratic(max_alpha=None))
def test_sgd_converges_on_convex_quadratic(subject: Any, args: tuple) -> None:
    grad_fn, theta0, steps, lr = args
    lam = np.linalg.eigvalsh(grad_fn.A)
    rho = float(np.max(np.abs(1 - lr * lam)))
    assert_distance_bound(
        subject(*args), minimizer(grad_fn), rho ** np.arange(steps + 1),
        what=f"SGD with lr = {lr:.4g} (ρ = {rho:.4g}) did not converge at the guaranteed rate ρᵗ",
    )


# =====================================================================================
# optimizers.momentum
# =====================================================================================

test_momentum_agrees_with_reference = agrees_with_reference("optimizers.momentum", well_conditioned_args("momentum"))


@prop("optimizers.momentum", "starts at theta0 and every step is v ← αv − lr g; θ ← θ + v with v₀ = 0")
@given(args=optimizer_args("momentum"))
def test_momentum_follows_update(subject: Any, args: tuple) -> None:
    check_follows_update("momentum", subject, args)


@prop("optimizers.momentum", "with α = 0 every step is an SGD step θ ← θ − lr g")
@given(args=optimizer_args("momentum").map(lambda args: (*args[:4], 0.0)))
def test_momentum_with_zero_alpha_is_sgd(subject: Any, args: tuple) -> None:
    iterates = subject(*args)
    assert_starts_at_theta0(iterates, args[1])
    expected, magnitude = replay("sgd", args[:4], iterates)
    assert_increments(iterates, expected, magnitude, rule="θ ← θ − lr g (momentum with α = 0 is SGD)")


@prop("optimizers.momentum", "the velocity θ_t − θ_{t−1} equals −lr Σ_k α^{t−k} g_k (g_k the gradient at θ_{k−1})")
@given(args=optimizer_args("momentum"))
def test_momentum_velocity_closed_form(subject: Any, args: tuple) -> None:
    grad_fn, theta0, steps, lr, alpha = args
    iterates = subject(*args)
    if steps == 0:
        return
    gradients = np.array([grad_fn(theta) for theta in iterates[:-1]])
    ages = np.arange(steps)[:, None] - np.arange(steps)[None, :]  # t − k, rows t, columns k
    weights = np.where(ages >= 0, alpha ** np.maximum(ages, 0), 0.0)  # α^{t−k} for k ≤ t
    closed_form = -lr * weights @ gradients
    magnitude = lr * weights @ np.abs(gradients)
    assert_increments(iterates, closed_form, magnitude, rule="v_t = −lr Σ_k α^{t−k} g_k (no dampening)")


@prop("optimizers.momentum", "on a strongly convex quadratic (lr ≤ 1/L, α ≤ 0.7) ‖θ_t − θ*‖ obeys the linear-convergence bound → 0")
@given(args=descent_on_quadratic(max_alpha=0.7))
def test_momentum_converges_on_convex_quadratic(subject: Any, args: tuple) -> None:
    check_heavy_ball_convergence("momentum", subject, args)


def heavy_ball_bounds(name: str, lam: np.ndarray, lr: float, alpha: float, steps: int) -> np.ndarray:
    """``max_λ |[M_λᵗ]₀₀|`` for t = 0..steps: along each eigenvector of A the error
    (e, v) evolves by the 2×2 matrix M_λ from (e0, 0), so ‖e_t‖ ≤ this·‖e0‖."""
    bounds = np.zeros(steps + 1)
    for value in lam:
        h = lr * value
        if name == "momentum":  # v' = αv − hλe, e' = e + v'
            m = np.array([[1 - h, alpha], [-h, alpha]])
        else:  # Nesterov: v' = α(1 − h)v − h e, e' = e + v'
            m = np.array([[1 - h, alpha * (1 - h)], [-h, alpha * (1 - h)]])
        power = np.eye(2)
        for t in range(steps + 1):
            bounds[t] = max(bounds[t], abs(power[0, 0]))
            power = m @ power
    return bounds


def check_heavy_ball_convergence(name: str, subject: Any, args: tuple) -> None:
    grad_fn, theta0, steps, lr, alpha = args
    bound = heavy_ball_bounds(name, np.linalg.eigvalsh(grad_fn.A), lr, alpha, steps)
    assert_distance_bound(
        subject(*args), minimizer(grad_fn), bound,
        what=f"{name} with lr = {lr:.4g}, α = {alpha:.4g} did not converge as fast as linear theory guarantees "
        f"(bound after {steps} steps: {bound[-1]:.3g} of the initial distance)",
    )


# =====================================================================================
# optimizers.nesterov
# =====================================================================================

test_nesterov_agrees_with_reference = agrees_with_reference("optimizers.nesterov", well_conditioned_args("nesterov"))


@prop("optimizers.nesterov", "starts at theta0 and every step is g = ∇J(θ + αv); v ← αv − lr g; θ ← θ + v (look-ahead)")
@given(args=optimizer_args("nesterov"))
def test_nesterov_follows_update(subject: Any, args: tuple) -> None:
    check_follows_update("nesterov", subject, args)


@st.composite
def constant_gradient_args(draw: Any, *, alpha: bool) -> tuple:
    """A constant gradient with coordinates ±10^[-3, 1], lr ∈ [1e-3, 1], steps 0..20."""
    d = draw(sizes(1, MAX_D))
    magnitude = 10.0 ** draw(float_arrays(d, -3.0, 1.0))
    g = magnitude * draw(random_signs(d))
    theta0 = draw(float_arrays(d, -3.0, 3.0))
    lr = 10.0 ** draw(finite_floats(-3.0, 0.0))
    head = (constant_gradient(g), theta0, draw(step_counts), lr)
    return (*head, draw(alphas)) if alpha else head


@prop("optimizers.nesterov", "under a constant gradient Nesterov's iterates equal momentum's: θ_t = θ0 − lr g Σ_{s≤t} (1 − αˢ)/(1 − α)")
@given(args=constant_gradient_args(alpha=True))
def test_nesterov_equals_momentum_under_constant_gradient(subject: Any, args: tuple) -> None:
    grad_fn, theta0, steps, lr, alpha = args
    g = -grad_fn.b
    travelled = np.cumsum([0.0] + [sum(alpha**j for j in range(s)) for s in range(1, steps + 1)])
    expected = theta0[None, :] - lr * travelled[:, None] * g[None, :]
    # Both sides add ≤ 20 increments: ≤ 20 roundings of |θ| each; 1e-11 of the scale is 50 times that.
    assert_close(subject(*args), expected, rtol=0, atol=1e-11 * (1 + float(np.max(np.abs(expected)))),
                 what=f"Nesterov iterates under the constant gradient g (lr = {lr:.4g}, α = {alpha:.4g})",
                 expected_label="momentum's iterates")


@prop("optimizers.nesterov", "on a strongly convex quadratic (lr ≤ 1/L, α ≤ 0.7) ‖θ_t − θ*‖ obeys the linear-convergence bound → 0")
@given(args=descent_on_quadratic(max_alpha=0.7))
def test_nesterov_converges_on_convex_quadratic(subject: Any, args: tuple) -> None:
    check_heavy_ball_convergence("nesterov", subject, args)


# =====================================================================================
# optimizers.adagrad
# =====================================================================================

test_adagrad_agrees_with_reference = agrees_with_reference("optimizers.adagrad", well_conditioned_args("adagrad"))


@prop("optimizers.adagrad", "starts at theta0 and every step is a ← a + g⊙g; θ ← θ − lr g / (√a + δ), δ outside the root")
@given(args=optimizer_args("adagrad"))
def test_adagrad_follows_update(subject: Any, args: tuple) -> None:
    check_follows_update("adagrad", subject, args)


@prop("optimizers.adagrad", "each coordinate's step size lr/(√a + δ), read off the iterates as −Δθ/g, never grows")
@given(args=optimizer_args("adagrad"))
def test_adagrad_step_size_never_grows(subject: Any, args: tuple) -> None:
    grad_fn = args[0]
    iterates = subject(*args)
    if len(iterates) < 3:
        return
    gradients = np.array([grad_fn(theta) for theta in iterates[:-1]])
    moves = np.diff(iterates, axis=0)
    # The step size is −Δθ/g. Δθ comes from two rounded iterates, so its relative error is
    # ≤ 2 ulp(|θ_t| + |θ_{t+1}|)/|Δθ| (plus ~1e-15 for the gradient step itself); only
    # ratios known to 1e-6 or better are compared, with exactly that error allowed.
    with np.errstate(divide="ignore", invalid="ignore"):
        size = -moves / gradients
        error = 2 * EPS * (np.abs(iterates[:-1]) + np.abs(iterates[1:])) / np.abs(moves) + 1e-14
    # |g|, |Δθ| ≥ 1e-100 keeps lr·g and g⊙g clear of the subnormal range, where the relative bound fails.
    known = (np.abs(gradients) >= 1e-100) & (np.abs(moves) >= 1e-100) & (error < 1e-6)
    for i in range(iterates.shape[1]):
        rows = np.flatnonzero(known[:, i])
        for earlier, later in zip(rows[:-1], rows[1:]):
            allowed = size[earlier, i] * (1 + error[earlier, i] + error[later, i])
            assert_true(
                size[later, i] <= allowed,
                what=f"AdaGrad's step size on coordinate {i} grew from step {earlier + 1} to step {later + 1} "
                "(a only accumulates, so lr/(√a + δ) can only shrink)",
                details={
                    f"step size at step {earlier + 1}": size[earlier, i],
                    f"step size at step {later + 1}": size[later, i],
                    "step sizes −Δθ/g on this coordinate": size[:, i],
                    "gradients on this coordinate": gradients[:, i],
                },
            )


@st.composite
def nonvanishing_gradient_args(draw: Any, name: str) -> tuple:
    """Arguments whose gradient coordinates stay in ±[0.5, 2.5] along the whole path, and
    δ = 1e-16·10^[−2, 2] (tiny next to every gradient) — for the rescaling invariance.

    g(θ) = g0 + A(θ − θ0) with |g0_i| ∈ [1, 2]; every adaptive step moves a coordinate by at
    most lr·K (K = 1, 1/√(1−β), or Adam's Cauchy–Schwarz bound), so the path stays within
    R = steps·lr·K of θ0 and A is scaled to ‖A‖_∞ ≤ 0.5/R."""
    d = draw(sizes(1, MAX_D))
    steps = draw(st.integers(1, MAX_STEPS))
    lr = draw(adaptive_lrs)
    delta = 1e-16 * 10.0 ** draw(finite_floats(-2.0, 2.0))
    if name == "adagrad":
        hyper, k_bound = (lr, delta), 1.0
    elif name == "rmsprop":
        beta = draw(finite_floats(0.0, 0.99))
        hyper, k_bound = (lr, beta, delta), 1 / np.sqrt(1 - beta)
    else:
        beta1, beta2 = draw(finite_floats(0.0, 0.9)), draw(finite_floats(0.8, 0.999))
        bias_correction = draw(st.booleans())
        hyper = (lr, beta1, beta2, delta, bias_correction)
        k_bound = float(np.max(adam_ratio_bounds(beta1, beta2, steps, bias_correction)[0]))
    reach = steps * lr * k_bound
    g0 = draw(float_arrays(d, 1.0, 2.0)) * draw(random_signs(d))
    a = draw(float_arrays((d, d), -1.0, 1.0))
    row_sum = float(np.max(np.sum(np.abs(a), axis=1)))
    if row_sum > 0:
        a = a * (min(1.0, 0.5 / reach) / row_sum)
    theta0 = draw(float_arrays(d, -3.0, 3.0))
    return (QuadraticGradient(A=a, b=a @ theta0 - g0), theta0, steps, *hyper), k_bound


def smallest_sqrt_a(name: str, hyper: tuple) -> float:
    """A lower bound on √a (√â) for gradients of magnitude ≥ 0.5: a_t ≥ (1 − β)g_t²."""
    if name == "adagrad":
        return 0.5
    if name == "rmsprop":
        return 0.5 * float(np.sqrt(1 - hyper[1]))
    return 0.5 * float(np.sqrt(1 - hyper[2]))  # â ≥ a ≥ (1 − β2) g_t² (1 − β2ᵗ ≤ 1)


def check_rescaling_invariance(name: str, subject: Any, drawn: tuple, exponent: int) -> None:
    args, k_bound = drawn
    grad_fn, theta0, steps, lr, *rest = args
    s = 2.0**exponent  # a power of two: scaling the gradients is exact in float64
    scaled = QuadraticGradient(A=s * grad_fn.A, b=s * grad_fn.b)
    delta = rest[-2] if name == "adam" else rest[-1]
    # In exact arithmetic the scaled run's update is lr·r/(√a + δ/s) against lr·r/(√a + δ): per step
    # they differ by ≤ lr·K·δ|1/s − 1|/√a_min. Gradients keep their sign and size on the path, so
    # the map is nearly non-expansive (factor ≤ e over the run; 4 allowed). Power-of-two scaling
    # commutes with every float64 operation, so rounding adds only ~ulps (1e-12·(1 + |θ|)).
    delta_effect = 4 * steps * lr * k_bound * delta * abs(1 / s - 1) / smallest_sqrt_a(name, args[3:])
    base = subject(*args)
    atol = delta_effect + 1e-12 * (1 + float(np.max(np.abs(base))))
    assert_close(subject(scaled, theta0, steps, lr, *rest), base, rtol=0, atol=atol,
                 what=f"{name} iterates with the gradient multiplied by {s:g} (δ = {delta:.1e}, negligible)",
                 expected_label="iterates with the original gradient")


scale_exponents = st.integers(-8, 8).filter(lambda k: k != 0)


@prop("optimizers.adagrad", "multiplying the gradient by a constant does not change the iterates (δ → 0)")
@given(drawn=nonvanishing_gradient_args("adagrad"), exponent=scale_exponents)
def test_adagrad_is_invariant_to_gradient_scale(subject: Any, drawn: tuple, exponent: int) -> None:
    check_rescaling_invariance("adagrad", subject, drawn, exponent)


@st.composite
def adaptive_on_separable_quadratic(draw: Any, name: str) -> tuple:
    lam, theta_star, theta0 = draw(separable_quadratic())
    # Its minimizer as float64 sees it is b/λ (one rounding from θ*): the properties use that.
    grad_fn = QuadraticGradient(A=np.diag(lam), b=lam * theta_star)
    gap = float(np.min(np.abs(theta0 - theta_star)))
    steps = draw(st.integers(1, MAX_STEPS))
    delta = draw(deltas)
    if name == "adagrad":
        # lr ≤ min|θ0 − θ*|: no step overshoots (see the property).
        return grad_fn, theta0, steps, draw(finite_floats(0.25, 1.0)) * gap, delta
    if name == "rmsprop":
        return grad_fn, theta0, steps, draw(finite_floats(0.02, 0.5)) * gap, draw(finite_floats(0.0, 0.99)), delta
    if name == "rmsprop_momentum":
        beta, alpha = draw(finite_floats(0.0, 0.99)), draw(finite_floats(0.0, 0.9))
        # Each step moves a coordinate by ≤ lr/√(1−β)·Σ_j α^j ≤ lr/((1−α)√(1−β)); keep the total ≤ gap/2.
        reach_per_lr = sum(sum(alpha**j for j in range(t)) for t in range(1, steps + 1)) / np.sqrt(1 - beta)
        lr = draw(finite_floats(0.2, 1.0)) * gap / (2 * reach_per_lr)
        return grad_fn, theta0, steps, lr, beta, alpha, delta
    beta1, beta2, bias_correction = draw(finite_floats(0.0, 0.9)), draw(finite_floats(0.8, 0.999)), draw(st.booleans())
    reach_per_lr = float(np.sum(adam_ratio_bounds(beta1, beta2, steps, bias_correction)[0]))
    lr = draw(finite_floats(0.2, 1.0)) * gap / (2 * reach_per_lr)
    return grad_fn, theta0, steps, lr, beta1, beta2, delta, bias_correction


def assert_coordinatewise_bound(iterates: np.ndarray, theta_star: np.ndarray, bound: np.ndarray, *, what: str) -> None:
    """``|θ_{t,i} − θ*_i| ≤ bound[t, i]``; the bounds hold in exact arithmetic, the slack
    1e-10 relative plus 1e-12·(1 + |θ|)·(t + 1) covers ≤ 20 roundings per coordinate."""
    error = np.abs(iterates - theta_star)
    steps_taken = np.arange(len(iterates))[:, None]
    limit = bound * (1 + 1e-10) + 1e-12 * (1 + np.abs(iterates) + np.abs(theta_star)) * (steps_taken + 1)
    bad = ~(error <= limit)
    if np.any(bad):
        t, i = (int(k) for k in np.argwhere(bad)[0])
        assert_true(False, what=f"{what} (step {t}, coordinate {i})",
                    details={"|θ_t − θ*| (got)": error[:, i], "guaranteed bound": limit[:, i], "iterates": iterates})


@prop("optimizers.adagrad", "on a separable convex quadratic with lr ≤ min|θ0 − θ*|, every coordinate converges "
      "monotonically: |e_t| ≤ |e_0| Π_k (1 − lr/(√k|e_0| + δ/λ))")
@given(args=adaptive_on_separable_quadratic("adagrad"))
def test_adagrad_converges_on_convex_quadratic(subject: Any, args: tuple) -> None:
    # Per coordinate e ← (1 − ηλ)e with ηλ = lr λ/(√a + δ); a ≥ λ²e_0² gives ηλ ≤ lr/|e_0| ≤ 1
    # (no overshoot, |e| non-increasing), and a ≤ kλ²e_0² gives ηλ ≥ lr/(√k|e_0| + δ/λ).
    grad_fn, theta0, steps, lr, delta = args
    lam = np.diag(grad_fn.A)
    theta_star = grad_fn.b / lam
    e0 = np.abs(theta0 - theta_star)
    k = np.arange(1, steps + 1)[:, None]
    factors = np.clip(1 - lr / (np.sqrt(k) * e0 + delta / lam), 0.0, 1.0)
    bound = e0 * np.vstack([np.ones((1, e0.size)), np.cumprod(factors, axis=0)])
    iterates = subject(*args)
    assert_coordinatewise_bound(iterates, theta_star, bound, what=f"AdaGrad (lr = {lr:.4g}) did not converge at its guaranteed rate")
    growth = np.diff(np.abs(iterates - theta_star), axis=0)
    assert_true(np.all(growth <= 1e-12 * (1 + np.abs(iterates[1:]) + np.abs(theta_star))),
                what="AdaGrad moved a coordinate away from the minimizer (with lr ≤ |θ0 − θ*| it never overshoots)",
                details={"iterates": iterates, "θ*": theta_star})


# =====================================================================================
# optimizers.rmsprop
# =====================================================================================

test_rmsprop_agrees_with_reference = agrees_with_reference("optimizers.rmsprop", well_conditioned_args("rmsprop"))


@prop("optimizers.rmsprop", "starts at theta0 and every step is a ← βa + (1−β) g⊙g; θ ← θ − lr g / (√a + δ), δ outside the root")
@given(args=optimizer_args("rmsprop"))
def test_rmsprop_follows_update(subject: Any, args: tuple) -> None:
    check_follows_update("rmsprop", subject, args)


@prop("optimizers.rmsprop", "multiplying the gradient by a constant does not change the iterates (δ → 0)")
@given(drawn=nonvanishing_gradient_args("rmsprop"), exponent=scale_exponents)
def test_rmsprop_is_invariant_to_gradient_scale(subject: Any, drawn: tuple, exponent: int) -> None:
    check_rescaling_invariance("rmsprop", subject, drawn, exponent)


@prop("optimizers.rmsprop", "on a separable convex quadratic every coordinate ends within max(lr/√(1−β), "
      "E(1 − lr/(E + δ/λ))ᵗ) of the minimizer, E = max(|θ0 − θ*|, lr/√(1−β))")
@given(args=adaptive_on_separable_quadratic("rmsprop"))
def test_rmsprop_converges_on_convex_quadratic(subject: Any, args: tuple) -> None:
    # Per coordinate a step moves by s = lr λ|e|/(√a + δ) ≤ lr/√(1−β) =: B toward θ* (a ≥ (1−β)λ²e²).
    # If s > |e| it lands within B on the other side; otherwise |e| drops by s ≥ lr|e|/(E + δ/λ)
    # since a ≤ λ²E² (past |e| ≤ E). So max(|e_t|, B) ≤ max(B, E(1 − lr/(E + δ/λ))ᵗ).
    grad_fn, theta0, steps, lr, beta, delta = args
    lam = np.diag(grad_fn.A)
    theta_star = grad_fn.b / lam
    reach = lr / np.sqrt(1 - beta)
    start = np.maximum(np.abs(theta0 - theta_star), reach)
    rate = np.clip(1 - lr / (start + delta / lam), 0.0, 1.0)
    bound = np.maximum(reach, start * rate ** np.arange(steps + 1)[:, None])
    assert_coordinatewise_bound(subject(*args), theta_star, bound,
                                what=f"RMSProp (lr = {lr:.4g}, β = {beta:.4g}) did not converge within its guaranteed bound")


# =====================================================================================
# optimizers.rmsprop_momentum
# =====================================================================================

test_rmsprop_momentum_agrees_with_reference = agrees_with_reference(
    "optimizers.rmsprop_momentum", well_conditioned_args("rmsprop_momentum")
)


@prop("optimizers.rmsprop_momentum", "starts at theta0 and every step is g = ∇J(θ) (not at a look-ahead); "
      "a ← βa + (1−β) g⊙g; v ← αv − lr g/(√a + δ); θ ← θ + v")
@given(args=optimizer_args("rmsprop_momentum"))
def test_rmsprop_momentum_follows_update(subject: Any, args: tuple) -> None:
    check_follows_update("rmsprop_momentum", subject, args)


def check_steady_approach(name: str, subject: Any, args: tuple, least_step: np.ndarray) -> None:
    """Every coordinate moves toward θ* by at least ``least_step[t, i]`` at step t and never passes it."""
    grad_fn, theta0 = args[0], args[1]
    theta_star = grad_fn.b / np.diag(grad_fn.A)
    iterates = subject(*args)
    side = np.sign(theta0 - theta_star)
    distance = side * (iterates - theta_star)  # signed: positive before θ*, negative past it
    # Exact-arithmetic bounds; slack: 1e-10 of the step plus a few ulps of |θ| (1e-12·(1 + |θ|)).
    slack = 1e-12 * (1 + np.abs(iterates[1:]) + np.abs(theta_star))
    progress = distance[:-1] - distance[1:]
    ok = (progress >= least_step * (1 - 1e-10) - slack) & (distance[1:] >= -slack)
    if not np.all(ok):
        t, i = (int(k) for k in np.argwhere(~ok)[0])
        assert_true(False, what=f"{name}, started far from the minimizer of a convex quadratic, must move every coordinate "
                    f"toward it by at least lr·W·g_min/(√U·g_max + δ) per step without passing it (step {t + 1}, coordinate {i})",
                    details={"distance to θ* on this coordinate (got)": distance[:, i],
                             "least progress per step": least_step[:, i], "iterates": iterates})


@prop("optimizers.rmsprop_momentum", "started far from the minimizer of a convex quadratic (total reach ≤ half the "
      "distance), every step moves every coordinate toward it by ≥ lr·g_min/(√(1−βᵗ) g_max + δ)")
@given(args=adaptive_on_separable_quadratic("rmsprop_momentum"))
def test_rmsprop_momentum_converges_on_convex_quadratic(subject: Any, args: tuple) -> None:
    # The strategy keeps the total reach R ≤ |e0|/2, so g keeps its sign with |g| ∈ [λ(|e0| − R), λ|e0|]:
    # every term of v points toward θ*, and |v_t| ≥ lr g_min/(√a_t + δ) with a_t ≤ (1 − βᵗ) g_max².
    grad_fn, theta0, steps, lr, beta, alpha, delta = args
    lam = np.diag(grad_fn.A)
    e0 = np.abs(theta0 - grad_fn.b / lam)
    reach = lr * sum(sum(alpha**j for j in range(t)) for t in range(1, steps + 1)) / np.sqrt(1 - beta)
    g_min, g_max = lam * (e0 - reach), lam * e0
    t = np.arange(1, steps + 1)[:, None]
    least = lr * g_min / (np.sqrt(1 - beta**t) * g_max + delta)
    check_steady_approach("RMSProp with momentum", subject, args, least)


# =====================================================================================
# optimizers.adam
# =====================================================================================

test_adam_agrees_with_reference = agrees_with_reference("optimizers.adam", well_conditioned_args("adam"))


@prop("optimizers.adam", "starts at theta0 and every step is v ← β1 v + (1−β1) g; a ← β2 a + (1−β2) g⊙g; "
      "v̂ = v/(1−β1ᵗ), â = a/(1−β2ᵗ) when bias_correction (t from 1); θ ← θ − lr v̂/(√â + δ)")
@given(args=optimizer_args("adam"))
def test_adam_follows_update(subject: Any, args: tuple) -> None:
    check_follows_update("adam", subject, args)


@st.composite
def adam_constant_gradient_args(draw: Any) -> tuple:
    grad_fn, theta0, steps, _ = draw(constant_gradient_args(alpha=False))
    return grad_fn, theta0, steps, draw(adaptive_lrs), draw(beta1s), draw(beta2s), draw(deltas), True


@prop("optimizers.adam", "with bias correction and a constant gradient g, every step from the first moves each "
      "coordinate by exactly lr·|g|/(|g| + δ) (≈ lr) against g")
@given(args=adam_constant_gradient_args())
def test_adam_constant_gradient_steps_by_lr(subject: Any, args: tuple) -> None:
    # v̂_t = g and â_t = g⊙g exactly for every t ≥ 1, so the step is lr g/(|g| + δ).
    grad_fn, theta0, steps, lr, beta1, beta2, delta, _ = args
    g = -grad_fn.b
    step = lr * g / (np.abs(g) + delta)
    iterates = subject(*args)
    assert_starts_at_theta0(iterates, theta0)
    assert_increments(iterates, np.tile(-step, (steps, 1)), np.tile(np.abs(step), (steps, 1)),
                      rule=f"θ ← θ − lr g/(|g| + δ) for a constant g (β1 = {beta1:.4g}, β2 = {beta2:.4g}, δ = {delta:.3g}): "
                      "with bias correction v̂ = g and â = g⊙g from t = 1 on")


@prop("optimizers.adam", "multiplying the gradient by a constant does not change the iterates (δ → 0)")
@given(drawn=nonvanishing_gradient_args("adam"), exponent=scale_exponents)
def test_adam_is_invariant_to_gradient_scale(subject: Any, drawn: tuple, exponent: int) -> None:
    check_rescaling_invariance("adam", subject, drawn, exponent)


@prop("optimizers.adam", "started far from the minimizer of a convex quadratic (total reach ≤ half the distance), "
      "every step moves every coordinate toward it by ≥ lr·W_t g_min/(√U_t g_max + δ)")
@given(args=adaptive_on_separable_quadratic("adam"))
def test_adam_converges_on_convex_quadratic(subject: Any, args: tuple) -> None:
    # Total reach R = Σ_t lr K_t ≤ |e0|/2 (strategy), so g keeps its sign with |g| ∈ [g_min, g_max]:
    # |v̂_t| ≥ W_t g_min and √â_t ≤ √U_t g_max (W, U the weight sums; 1 with bias correction).
    grad_fn, theta0, steps, lr, beta1, beta2, delta, bias_correction = args
    lam = np.diag(grad_fn.A)
    e0 = np.abs(theta0 - grad_fn.b / lam)
    k_bound, w_sum, u_sum = adam_ratio_bounds(beta1, beta2, steps, bias_correction)
    reach = lr * float(np.sum(k_bound))
    g_min, g_max = lam * (e0 - reach), lam * e0
    least = lr * w_sum[:, None] * g_min / (np.sqrt(u_sum)[:, None] * g_max + delta)
    check_steady_approach("Adam", subject, args, least)
