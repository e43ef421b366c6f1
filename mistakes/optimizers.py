"""Wrong implementations of the optimizers family, as students write them."""

from __future__ import annotations

import numpy as np

from mistakes import mutant
from reference import optimizers as ref
from gradoracle.callables import WigglyGradient

# -- witnesses ---------------------------------------------------------------------------


def _wiggly() -> WigglyGradient:
    """A 2-d strongly monotone field whose coordinates change sign along the path."""
    a = np.array([[1.0, 0.3], [0.3, 0.6]])
    return WigglyGradient(A=a, b=a @ np.array([0.5, -1.0]), c=np.array([0.2, -0.15]), omega=np.array([2.0, 1.5]))


THETA0 = np.array([2.0, 1.5])


def _sgd():
    return _wiggly(), THETA0, 6, 0.4


def _momentum():
    return _wiggly(), THETA0, 6, 0.3, 0.7


def _adagrad():
    return _wiggly(), THETA0, 6, 0.3, 0.05


def _rmsprop():
    return _wiggly(), THETA0, 6, 0.2, 0.8, 0.05


def _rmsprop_momentum():
    return _wiggly(), THETA0, 6, 0.1, 0.8, 0.6, 0.05


def _adam():
    return _wiggly(), THETA0, 6, 0.2, 0.8, 0.95, 0.05, True


def _adam_uncorrected():
    return _wiggly(), THETA0, 6, 0.2, 0.8, 0.95, 0.05, False


def _no_steps(args_fn):
    def witness():
        grad_fn, theta0, _, *hyper = args_fn()
        return (grad_fn, theta0, 0, *hyper)

    witness.__name__ = f"{args_fn.__name__}_no_steps"
    return witness


# -- shared bug shapes ---------------------------------------------------------------------


def _iterate(theta0, steps, update):
    """Run ``theta = update(t, theta)`` for t = 1..steps on a copy and stack the iterates."""
    theta = np.array(theta0, dtype=np.float64)
    rows = [theta.copy()]
    for t in range(1, steps + 1):
        theta = update(t, theta)
        rows.append(theta.copy())
    return np.array(rows)


# =========================================================================================
# optimizers.sgd
# =========================================================================================

SGD_ALL = ["test_sgd_agrees_with_reference", "test_sgd_follows_update"]


@mutant("optimizers.sgd", bug="derivation", killed_by=[*SGD_ALL, "test_sgd_is_matrix_power_on_quadratic", "test_sgd_converges_on_convex_quadratic"], witness=_sgd)
def sgd_gradient_ascent(grad_fn, theta0, steps, lr):
    """Adds the gradient: θ ← θ + lr g."""
    return _iterate(theta0, steps, lambda t, th: th + lr * grad_fn(th))


@mutant("optimizers.sgd", bug="derivation", killed_by=[*SGD_ALL, "test_sgd_is_matrix_power_on_quadratic"], witness=_sgd)
def sgd_records_after_update(grad_fn, theta0, steps, lr):
    """Records θ after each update and runs steps + 1 updates, so row 0 is θ1, not θ0."""
    return ref.sgd(grad_fn, theta0, steps + 1, lr)[1:]


@mutant("optimizers.sgd", bug="contract", killed_by=["test_sgd_agrees_with_reference"], witness=_sgd)
def sgd_omits_theta0(grad_fn, theta0, steps, lr):
    """Returns only the iterates after each update: (steps, d), without θ0."""
    return ref.sgd(grad_fn, theta0, steps, lr)[1:]


@mutant("optimizers.sgd", bug="contract", killed_by=SGD_ALL, witness=_sgd)
def sgd_updates_theta0_in_place(grad_fn, theta0, steps, lr):
    """Updates the caller's theta0 in place (θ -= lr g) and stores copies of it."""
    theta = theta0
    rows = [theta.copy()]
    for _ in range(steps):
        theta -= lr * grad_fn(theta)
        rows.append(theta.copy())
    return np.array(rows)


@mutant("optimizers.sgd", bug="edge", killed_by=["test_sgd_agrees_with_reference"], witness=_no_steps(_sgd))
def sgd_zero_steps_returns_vector(grad_fn, theta0, steps, lr):
    """With steps = 0 returns theta0 itself, shape (d,), instead of a (1, d) array."""
    if steps == 0:
        return theta0.copy()
    return ref.sgd(grad_fn, theta0, steps, lr)


@mutant("optimizers.sgd", bug="stability", killed_by=[*SGD_ALL, "test_sgd_is_matrix_power_on_quadratic"], witness=_sgd)
def sgd_float32(grad_fn, theta0, steps, lr):
    """Keeps θ and the step in float32."""
    return _iterate(theta0.astype(np.float32), steps,
                    lambda t, th: (th - np.float32(lr) * grad_fn(th).astype(np.float32)).astype(np.float32))


# =========================================================================================
# optimizers.momentum
# =========================================================================================

MOMENTUM_ALL = ["test_momentum_agrees_with_reference", "test_momentum_follows_update"]


def _heavy_ball(grad_fn, theta0, steps, velocity_update, *, move_first=False):
    theta = np.array(theta0, dtype=np.float64)
    v = np.zeros_like(theta)
    rows = [theta.copy()]
    for _ in range(steps):
        if move_first:
            theta = theta + v
            v = velocity_update(v, grad_fn(theta))
        else:
            v = velocity_update(v, grad_fn(theta))
            theta = theta + v
        rows.append(theta.copy())
    return np.array(rows)


@mutant("optimizers.momentum", bug="convention", killed_by=[*MOMENTUM_ALL, "test_momentum_velocity_closed_form"], witness=_momentum)
def momentum_dampened(grad_fn, theta0, steps, lr, alpha):
    """Dampens the gradient as an average would: v ← αv − (1 − α) lr g."""
    return _heavy_ball(grad_fn, theta0, steps, lambda v, g: alpha * v - (1 - alpha) * lr * g)


@mutant("optimizers.momentum", bug="derivation", killed_by=[*MOMENTUM_ALL, "test_momentum_with_zero_alpha_is_sgd", "test_momentum_velocity_closed_form"], witness=_momentum)
def momentum_moves_before_velocity_update(grad_fn, theta0, steps, lr, alpha):
    """Moves with the old velocity, then updates it: θ ← θ + v; v ← αv − lr g."""
    return _heavy_ball(grad_fn, theta0, steps, lambda v, g: alpha * v - lr * g, move_first=True)


@mutant("optimizers.momentum", bug="derivation", killed_by=[*MOMENTUM_ALL, "test_momentum_with_zero_alpha_is_sgd", "test_momentum_velocity_closed_form", "test_momentum_converges_on_convex_quadratic"], witness=_momentum)
def momentum_velocity_sign(grad_fn, theta0, steps, lr, alpha):
    """Accumulates +lr g: v ← αv + lr g (ascends)."""
    return _heavy_ball(grad_fn, theta0, steps, lambda v, g: alpha * v + lr * g)


@mutant("optimizers.momentum", bug="derivation", killed_by=[*MOMENTUM_ALL, "test_momentum_velocity_closed_form"], witness=_momentum)
def momentum_squares_alpha(grad_fn, theta0, steps, lr, alpha):
    """Decays the velocity twice per step (v ← α(αv) − lr g), miscounting the seed's α powers."""
    return _heavy_ball(grad_fn, theta0, steps, lambda v, g: alpha * alpha * v - lr * g)


@mutant("optimizers.momentum", bug="contract", killed_by=["test_momentum_agrees_with_reference"], witness=_momentum)
def momentum_returns_final_only(grad_fn, theta0, steps, lr, alpha):
    """Returns only the final θ, shape (d,)."""
    return ref.momentum(grad_fn, theta0, steps, lr, alpha)[-1]


# =========================================================================================
# optimizers.nesterov
# =========================================================================================

NESTEROV_ALL = ["test_nesterov_agrees_with_reference", "test_nesterov_follows_update"]


@mutant("optimizers.nesterov", bug="derivation", killed_by=NESTEROV_ALL, witness=_momentum)
def nesterov_without_lookahead(grad_fn, theta0, steps, lr, alpha):
    """Evaluates the gradient at θ, not at θ + αv: plain momentum."""
    return ref.momentum(grad_fn, theta0, steps, lr, alpha)


@mutant("optimizers.nesterov", bug="convention", killed_by=[*NESTEROV_ALL, "test_nesterov_equals_momentum_under_constant_gradient"], witness=_momentum)
def nesterov_pytorch_style(grad_fn, theta0, steps, lr, alpha):
    """PyTorch's form: b ← αb + g; θ ← θ − lr (g + αb), gradient at θ."""
    theta = np.array(theta0, dtype=np.float64)
    buf = np.zeros_like(theta)
    rows = [theta.copy()]
    for _ in range(steps):
        g = grad_fn(theta)
        buf = alpha * buf + g
        theta = theta - lr * (g + alpha * buf)
        rows.append(theta.copy())
    return np.array(rows)


@mutant("optimizers.nesterov", bug="convention", killed_by=[*NESTEROV_ALL, "test_nesterov_equals_momentum_under_constant_gradient"], witness=_momentum)
def nesterov_returns_lookahead_points(grad_fn, theta0, steps, lr, alpha):
    """Sutskever's reformulation: tracks and returns the look-ahead points θ + αv."""
    phi = np.array(theta0, dtype=np.float64)
    v = np.zeros_like(phi)
    rows = [phi.copy()]
    for _ in range(steps):
        g = grad_fn(phi)
        v_new = alpha * v - lr * g
        phi = phi - alpha * v + (1 + alpha) * v_new
        v = v_new
        rows.append(phi.copy())
    return np.array(rows)


@mutant("optimizers.nesterov", bug="derivation", killed_by=[*NESTEROV_ALL, "test_nesterov_converges_on_convex_quadratic"], witness=_momentum)
def nesterov_lookahead_backwards(grad_fn, theta0, steps, lr, alpha):
    """Looks behind instead of ahead (g at θ − αv) and adds the gradient (v ← αv + lr g)."""
    theta = np.array(theta0, dtype=np.float64)
    v = np.zeros_like(theta)
    rows = [theta.copy()]
    for _ in range(steps):
        v = alpha * v + lr * grad_fn(theta - alpha * v)
        theta = theta + v
        rows.append(theta.copy())
    return np.array(rows)


@mutant("optimizers.nesterov", bug="contract", killed_by=["test_nesterov_agrees_with_reference"], witness=_momentum)
def nesterov_updates_theta0_in_place(grad_fn, theta0, steps, lr, alpha):
    """Updates the caller's theta0 in place (θ += v)."""
    theta = theta0
    v = np.zeros_like(theta)
    rows = [theta.copy()]
    for _ in range(steps):
        v = alpha * v - lr * grad_fn(theta + alpha * v)
        theta += v
        rows.append(theta.copy())
    return np.array(rows)


# =========================================================================================
# optimizers.adagrad
# =========================================================================================

ADAGRAD_ALL = ["test_adagrad_agrees_with_reference", "test_adagrad_follows_update"]


def _adagrad_like(grad_fn, theta0, steps, lr, accumulate, step, a0=0.0):
    theta = np.array(theta0, dtype=np.float64)
    a = np.full_like(theta, a0)
    rows = [theta.copy()]
    for _ in range(steps):
        g = grad_fn(theta)
        a = accumulate(a, g)
        theta = theta - lr * step(g, a)
        rows.append(theta.copy())
    return np.array(rows)


@mutant("optimizers.adagrad", bug="convention", killed_by=ADAGRAD_ALL, witness=_adagrad)
def adagrad_delta_inside_sqrt(grad_fn, theta0, steps, lr, delta=1e-7):
    """Puts δ under the root: lr g / √(a + δ) (the seed's garbled expanded line)."""
    return _adagrad_like(grad_fn, theta0, steps, lr, lambda a, g: a + g * g, lambda g, a: g / np.sqrt(a + delta))


@mutant("optimizers.adagrad", bug="derivation", killed_by=[*ADAGRAD_ALL, "test_adagrad_step_size_never_grows"], witness=_adagrad)
def adagrad_no_accumulation(grad_fn, theta0, steps, lr, delta=1e-7):
    """Overwrites the accumulator with the current g⊙g instead of adding it."""
    return _adagrad_like(grad_fn, theta0, steps, lr, lambda a, g: g * g, lambda g, a: g / (np.sqrt(a) + delta))


@mutant("optimizers.adagrad", bug="derivation", killed_by=[*ADAGRAD_ALL, "test_adagrad_is_invariant_to_gradient_scale"], witness=_adagrad)
def adagrad_missing_square(grad_fn, theta0, steps, lr, delta=1e-7):
    """Accumulates |g| instead of g⊙g."""
    return _adagrad_like(grad_fn, theta0, steps, lr, lambda a, g: a + np.abs(g), lambda g, a: g / (np.sqrt(a) + delta))


@mutant("optimizers.adagrad", bug="edge", killed_by=[*ADAGRAD_ALL, "test_adagrad_is_invariant_to_gradient_scale"], witness=_adagrad)
def adagrad_accumulator_starts_at_one(grad_fn, theta0, steps, lr, delta=1e-7):
    """Initializes the accumulator to 1 (to avoid dividing by zero) instead of 0."""
    return _adagrad_like(grad_fn, theta0, steps, lr, lambda a, g: a + g * g, lambda g, a: g / (np.sqrt(a) + delta), a0=1.0)


@mutant("optimizers.adagrad", bug="derivation", killed_by=[*ADAGRAD_ALL, "test_adagrad_converges_on_convex_quadratic"], witness=_adagrad)
def adagrad_gradient_ascent(grad_fn, theta0, steps, lr, delta=1e-7):
    """Adds the scaled gradient: θ ← θ + lr g/(√a + δ)."""
    return _adagrad_like(grad_fn, theta0, steps, -lr, lambda a, g: a + g * g, lambda g, a: g / (np.sqrt(a) + delta))


@mutant("optimizers.adagrad", bug="contract", killed_by=["test_adagrad_agrees_with_reference"], witness=_adagrad)
def adagrad_omits_theta0(grad_fn, theta0, steps, lr, delta=1e-7):
    """Returns the (steps, d) iterates after each update, without θ0."""
    return ref.adagrad(grad_fn, theta0, steps, lr, delta)[1:]


# =========================================================================================
# optimizers.rmsprop
# =========================================================================================

RMSPROP_ALL = ["test_rmsprop_agrees_with_reference", "test_rmsprop_follows_update"]


@mutant("optimizers.rmsprop", bug="convention", killed_by=RMSPROP_ALL, witness=_rmsprop)
def rmsprop_delta_inside_sqrt(grad_fn, theta0, steps, lr, beta, delta=1e-7):
    """Puts δ under the root: lr g / √(a + δ) (Keras' and Hinton's slides' placement)."""
    return _adagrad_like(grad_fn, theta0, steps, lr, lambda a, g: beta * a + (1 - beta) * g * g,
                         lambda g, a: g / np.sqrt(a + delta))


@mutant("optimizers.rmsprop", bug="convention", killed_by=RMSPROP_ALL, witness=_rmsprop)
def rmsprop_ignores_delta_argument(grad_fn, theta0, steps, lr, beta, delta=1e-7):
    """Hard-codes its own ε = 1e-8 (Keras' default) and ignores the δ it is given."""
    return ref.rmsprop(grad_fn, theta0, steps, lr, beta, 1e-8)


@mutant("optimizers.rmsprop", bug="derivation", killed_by=RMSPROP_ALL, witness=_rmsprop)
def rmsprop_beta_swapped(grad_fn, theta0, steps, lr, beta, delta=1e-7):
    """Swaps the weights of the average: a ← (1 − β)a + β g⊙g."""
    return _adagrad_like(grad_fn, theta0, steps, lr, lambda a, g: (1 - beta) * a + beta * g * g,
                         lambda g, a: g / (np.sqrt(a) + delta))


@mutant("optimizers.rmsprop", bug="derivation", killed_by=[*RMSPROP_ALL, "test_rmsprop_is_invariant_to_gradient_scale"], witness=_rmsprop)
def rmsprop_no_sqrt(grad_fn, theta0, steps, lr, beta, delta=1e-7):
    """Divides by the mean square instead of its root: lr g / (a + δ)."""
    return _adagrad_like(grad_fn, theta0, steps, lr, lambda a, g: beta * a + (1 - beta) * g * g,
                         lambda g, a: g / (a + delta))


@mutant("optimizers.rmsprop", bug="derivation", killed_by=[*RMSPROP_ALL, "test_rmsprop_converges_on_convex_quadratic"], witness=_rmsprop)
def rmsprop_gradient_ascent(grad_fn, theta0, steps, lr, beta, delta=1e-7):
    """Adds the scaled gradient: θ ← θ + lr g/(√a + δ)."""
    return _adagrad_like(grad_fn, theta0, steps, -lr, lambda a, g: beta * a + (1 - beta) * g * g,
                         lambda g, a: g / (np.sqrt(a) + delta))


@mutant("optimizers.rmsprop", bug="contract", killed_by=["test_rmsprop_agrees_with_reference"], witness=_rmsprop)
def rmsprop_updates_theta0_in_place(grad_fn, theta0, steps, lr, beta, delta=1e-7):
    """Updates the caller's theta0 in place."""
    theta = theta0
    a = np.zeros_like(theta)
    rows = [theta.copy()]
    for _ in range(steps):
        g = grad_fn(theta)
        a = beta * a + (1 - beta) * g * g
        theta -= lr * g / (np.sqrt(a) + delta)
        rows.append(theta.copy())
    return np.array(rows)


@mutant("optimizers.rmsprop", bug="edge", killed_by=["test_rmsprop_agrees_with_reference"], witness=_no_steps(_rmsprop))
def rmsprop_zero_steps_returns_vector(grad_fn, theta0, steps, lr, beta, delta=1e-7):
    """With steps = 0 returns theta0 itself, shape (d,), instead of a (1, d) array."""
    if steps == 0:
        return theta0.copy()
    return ref.rmsprop(grad_fn, theta0, steps, lr, beta, delta)


# =========================================================================================
# optimizers.rmsprop_momentum
# =========================================================================================

RMSM_ALL = ["test_rmsprop_momentum_agrees_with_reference", "test_rmsprop_momentum_follows_update"]


def _rmsprop_momentum_like(grad_fn, theta0, steps, lr, beta, alpha, delta, *, lookahead=False, root=None, ascent=False):
    root = root or (lambda a: np.sqrt(a) + delta)
    theta = np.array(theta0, dtype=np.float64)
    a = np.zeros_like(theta)
    v = np.zeros_like(theta)
    rows = [theta.copy()]
    for _ in range(steps):
        g = grad_fn(theta + alpha * v if lookahead else theta)
        a = beta * a + (1 - beta) * g * g
        v = alpha * v + (1 if ascent else -1) * lr * g / root(a)
        theta = theta + v
        rows.append(theta.copy())
    return np.array(rows)


@mutant("optimizers.rmsprop_momentum", bug="convention", killed_by=RMSM_ALL, witness=_rmsprop_momentum)
def rmsprop_momentum_lookahead(grad_fn, theta0, steps, lr, beta, alpha, delta=1e-7):
    """Evaluates the gradient at the look-ahead θ + αv (Goodfellow's Algorithm 8.6), not at θ."""
    return _rmsprop_momentum_like(grad_fn, theta0, steps, lr, beta, alpha, delta, lookahead=True)


@mutant("optimizers.rmsprop_momentum", bug="convention", killed_by=RMSM_ALL, witness=_rmsprop_momentum)
def rmsprop_momentum_delta_inside_sqrt(grad_fn, theta0, steps, lr, beta, alpha, delta=1e-7):
    """Puts δ under the root: lr g / √(a + δ)."""
    return _rmsprop_momentum_like(grad_fn, theta0, steps, lr, beta, alpha, delta, root=lambda a: np.sqrt(a + delta))


@mutant("optimizers.rmsprop_momentum", bug="derivation", killed_by=RMSM_ALL, witness=_rmsprop_momentum)
def rmsprop_momentum_scales_after_momentum(grad_fn, theta0, steps, lr, beta, alpha, delta=1e-7):
    """Accumulates the raw gradient in v (v ← αv − lr g) and scales the move instead: θ ← θ + v/(√a + δ)."""
    theta = np.array(theta0, dtype=np.float64)
    a = np.zeros_like(theta)
    v = np.zeros_like(theta)
    rows = [theta.copy()]
    for _ in range(steps):
        g = grad_fn(theta)
        a = beta * a + (1 - beta) * g * g
        v = alpha * v - lr * g
        theta = theta + v / (np.sqrt(a) + delta)
        rows.append(theta.copy())
    return np.array(rows)


@mutant("optimizers.rmsprop_momentum", bug="derivation", killed_by=[*RMSM_ALL, "test_rmsprop_momentum_converges_on_convex_quadratic"], witness=_rmsprop_momentum)
def rmsprop_momentum_gradient_ascent(grad_fn, theta0, steps, lr, beta, alpha, delta=1e-7):
    """Accumulates +lr g/(√a + δ) in v (ascends)."""
    return _rmsprop_momentum_like(grad_fn, theta0, steps, lr, beta, alpha, delta, ascent=True)


@mutant("optimizers.rmsprop_momentum", bug="contract", killed_by=["test_rmsprop_momentum_agrees_with_reference"], witness=_rmsprop_momentum)
def rmsprop_momentum_omits_theta0(grad_fn, theta0, steps, lr, beta, alpha, delta=1e-7):
    """Returns the (steps, d) iterates after each update, without θ0."""
    return ref.rmsprop_momentum(grad_fn, theta0, steps, lr, beta, alpha, delta)[1:]


# =========================================================================================
# optimizers.adam
# =========================================================================================

ADAM_ALL = ["test_adam_agrees_with_reference", "test_adam_follows_update"]


def _adam_like(grad_fn, theta0, steps, lr, beta1, beta2, delta, bias_correction, *,
               t_offset=0, root=None, square=None, move_first=False, sign=-1.0):
    root = root or (lambda a_hat: np.sqrt(a_hat) + delta)
    square = square or (lambda g: g * g)
    theta = np.array(theta0, dtype=np.float64)
    v = np.zeros_like(theta)
    a = np.zeros_like(theta)
    rows = [theta.copy()]
    for t in range(1, steps + 1):
        g = grad_fn(theta)
        v_old = v
        v = beta1 * v + (1 - beta1) * g
        a = beta2 * a + (1 - beta2) * square(g)
        first = v_old if move_first else v
        if bias_correction:
            first, second = first / (1 - beta1 ** (t + t_offset)), a / (1 - beta2 ** (t + t_offset))
        else:
            second = a
        theta = theta + sign * lr * first / root(second)
        rows.append(theta.copy())
    return np.array(rows)


@mutant("optimizers.adam", bug="convention", killed_by=[*ADAM_ALL, "test_adam_constant_gradient_steps_by_lr"], witness=_adam)
def adam_delta_inside_sqrt(grad_fn, theta0, steps, lr, beta1, beta2, delta=1e-7, bias_correction=True):
    """δ is inside the square root, lr·v̂/√(â + δ); the catalogue's Adam adds it outside: lr·v̂/(√â + δ)."""
    return _adam_like(grad_fn, theta0, steps, lr, beta1, beta2, delta, bias_correction, root=lambda a: np.sqrt(a + delta))


@mutant("optimizers.adam", bug="convention", killed_by=[*ADAM_ALL, "test_adam_constant_gradient_steps_by_lr"], witness=_adam)
def adam_bias_correction_off_by_one(grad_fn, theta0, steps, lr, beta1, beta2, delta=1e-7, bias_correction=True):
    """Corrects with β^(t+1): its step counter starts at 1 and is incremented before the first update."""
    return _adam_like(grad_fn, theta0, steps, lr, beta1, beta2, delta, bias_correction, t_offset=1)


@mutant("optimizers.adam", bug="edge", killed_by=ADAM_ALL, witness=_adam)
def adam_bias_correction_from_t_zero(grad_fn, theta0, steps, lr, beta1, beta2, delta=1e-7, bias_correction=True):
    """Counts t from 0, so the first correction divides by 1 − β⁰ = 0 (nan)."""
    with np.errstate(all="ignore"):
        return _adam_like(grad_fn, theta0, steps, lr, beta1, beta2, delta, bias_correction, t_offset=-1)


@mutant("optimizers.adam", bug="derivation", killed_by=[*ADAM_ALL, "test_adam_constant_gradient_steps_by_lr"], witness=_adam)
def adam_never_corrects(grad_fn, theta0, steps, lr, beta1, beta2, delta=1e-7, bias_correction=True):
    """Ignores bias_correction = True: always uses the raw moments v and a."""
    return _adam_like(grad_fn, theta0, steps, lr, beta1, beta2, delta, False)


@mutant("optimizers.adam", bug="convention", killed_by=ADAM_ALL, witness=_adam_uncorrected)
def adam_always_corrects(grad_fn, theta0, steps, lr, beta1, beta2, delta=1e-7, bias_correction=True):
    """Ignores bias_correction = False: always corrects the moments."""
    return _adam_like(grad_fn, theta0, steps, lr, beta1, beta2, delta, True)


@mutant("optimizers.adam", bug="derivation", killed_by=[*ADAM_ALL, "test_adam_is_invariant_to_gradient_scale"], witness=_adam)
def adam_missing_square(grad_fn, theta0, steps, lr, beta1, beta2, delta=1e-7, bias_correction=True):
    """The second moment averages |g| instead of the squared gradient g⊙g."""
    return _adam_like(grad_fn, theta0, steps, lr, beta1, beta2, delta, bias_correction, square=np.abs)


@mutant("optimizers.adam", bug="derivation", killed_by=[*ADAM_ALL, "test_adam_constant_gradient_steps_by_lr"], witness=_adam)
def adam_moves_with_previous_moment(grad_fn, theta0, steps, lr, beta1, beta2, delta=1e-7, bias_correction=True):
    """Moves with the first moment of the previous step (updates v after using it)."""
    return _adam_like(grad_fn, theta0, steps, lr, beta1, beta2, delta, bias_correction, move_first=True)


@mutant("optimizers.adam", bug="derivation", killed_by=[*ADAM_ALL, "test_adam_converges_on_convex_quadratic"], witness=_adam)
def adam_gradient_ascent(grad_fn, theta0, steps, lr, beta1, beta2, delta=1e-7, bias_correction=True):
    """The step is added (θ + lr·v̂/(√â + δ)): gradient descent subtracts it."""
    return _adam_like(grad_fn, theta0, steps, lr, beta1, beta2, delta, bias_correction, sign=1.0)


@mutant("optimizers.adam", bug="contract", killed_by=["test_adam_agrees_with_reference"], witness=_adam)
def adam_returns_final_only(grad_fn, theta0, steps, lr, beta1, beta2, delta=1e-7, bias_correction=True):
    """Returns only the final θ, shape (d,)."""
    return ref.adam(grad_fn, theta0, steps, lr, beta1, beta2, delta, bias_correction)[-1]

