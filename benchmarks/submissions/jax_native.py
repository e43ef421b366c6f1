"""A correct submission written for JAX arrays, as a library author would adapt
their own functions: graded with ``--array-namespace jax.numpy`` in float64
(gradoracle turns on ``jax_enable_x64``) or float32.

Forwards are ``jax.numpy`` and ``jax.nn``; every derivative is ``jax.grad``,
``jax.jacobian`` or ``jax.hessian`` of a forward written as the catalogue
states it (optax-free: optimizers are written out with ``jax.numpy``). It
takes ``jax.Array`` arguments (hyperparameters stay Python numbers) and
returns arrays of the inputs' dtype. The families with data-dependent control
flow or in-place construction (batchnorm, newton, mle, init, shapes, dropout,
least squares) are left to the torch and NumPy submissions: a formula this
module does not provide is reported missing, never failed.
"""

from __future__ import annotations

from typing import Any

import jax
import jax.numpy as jnp


def _scalar(value: Any) -> Any:
    return jnp.asarray(value).reshape(())


# -- activations ------------------------------------------------------------------------------


def _elementwise_grad(f: Any, x: Any) -> Any:
    return jax.vmap(jax.grad(f))(x.reshape(-1)).reshape(x.shape)


def _elu(x: Any, alpha: float) -> Any:
    return jnp.where(x >= 0, x, alpha * jnp.expm1(jnp.minimum(x, 0)))


def _softplus(x: Any) -> Any:
    return -jax.nn.log_sigmoid(-x)


def activations_sigmoid(x):
    return jax.nn.sigmoid(x)


def activations_sigmoid_grad(x):
    return _elementwise_grad(jax.nn.sigmoid, x)


def activations_tanh(x):
    return jnp.tanh(x)


def activations_tanh_grad(x):
    return _elementwise_grad(jnp.tanh, x)


def activations_relu(x):
    return jax.nn.relu(x)


def activations_relu_grad(x):
    return _elementwise_grad(jax.nn.relu, x)  # jax: relu'(0) = 0


def activations_leaky_relu(x, alpha=0.01):
    return jnp.where(x >= 0, x, alpha * x)


def activations_leaky_relu_grad(x, alpha=0.01):
    # where(x > 0, ...) so that the derivative at 0 is α, as the catalogue says.
    return _elementwise_grad(lambda t: jnp.where(t > 0, t, alpha * t), x)


def activations_elu(x, alpha=1.0):
    return _elu(x, alpha)


def activations_elu_grad(x, alpha=1.0):
    return _elementwise_grad(lambda t: _elu(t, alpha), x)


def activations_softplus(x):
    return _softplus(x)


def activations_softplus_grad(x):
    return _elementwise_grad(_softplus, x)


# -- losses --------------------------------------------------------------------------------------


def losses_sigmoid_mse_grad(z, y):
    return jax.grad(lambda t: jnp.sum(0.5 * (y - jax.nn.sigmoid(t)) ** 2))(z)


def losses_sigmoid_ce_grad(z, y):
    return jax.grad(lambda t: -jnp.sum(y * jax.nn.log_sigmoid(t) + (1 - y) * jax.nn.log_sigmoid(-t)))(z)


# -- logistic ----------------------------------------------------------------------------------------


def _logistic_loss(w: Any, b: Any, x: Any, y: Any) -> Any:
    z = x @ w + b
    return -jnp.sum(y * jax.nn.log_sigmoid(z) + (1 - y) * jax.nn.log_sigmoid(-z))


def logistic_loss(w, b, x, y):
    return _logistic_loss(w, b, x, y)


def logistic_grad(w, b, x, y):
    dw, db = jax.grad(_logistic_loss, argnums=(0, 1))(w, jnp.asarray(b, dtype=w.dtype), x, y)
    return dw, db


def logistic_hessian(w, b, x, y):
    theta = jnp.concatenate([w.reshape(-1), jnp.asarray(b, dtype=w.dtype).reshape(1)])
    return jax.hessian(lambda th: _logistic_loss(th[:-1], th[-1], x, y))(theta)


def logistic_gd_step(w, b, x, y, lr):
    dw, db = logistic_grad(w, b, x, y)
    return w - lr * dw, jnp.asarray(b, dtype=w.dtype) - lr * db


# -- softmax -------------------------------------------------------------------------------------------


def _ce(z: Any, y: Any) -> Any:
    return -jnp.sum(y * jax.nn.log_softmax(z, axis=-1))


def softmax_forward(z):
    return jax.nn.softmax(z, axis=-1)


def softmax_jacobian(z):
    return jax.jacobian(lambda t: jax.nn.softmax(t, axis=-1))(z)


def softmax_ce_loss(z, y):
    return _ce(z, y)


def softmax_ce_grad(z, y):
    return jax.grad(_ce)(z, y)


def softmax_ce_hessian(z):
    return jax.hessian(lambda t: _ce(t, jnp.zeros_like(t).at[0].set(1.0)))(z)


def _regression_loss(W: Any, b: Any, X: Any, Y: Any) -> Any:
    return -jnp.sum(Y * jax.nn.log_softmax(X @ W + b, axis=1)) / X.shape[0]


def softmax_regression_loss(W, b, X, Y):
    return _regression_loss(W, b, X, Y)


def softmax_regression_grad(W, b, X, Y):
    return jax.grad(_regression_loss, argnums=(0, 1))(W, b, X, Y)


# -- matcalc --------------------------------------------------------------------------------------------


def matcalc_quadratic_grad(A, x):
    return jax.grad(lambda v: v @ A @ v)(x)


def matcalc_bilinear_grads(x, A, y):
    dx, dA, dy = jax.grad(lambda x_, A_, y_: x_ @ A_ @ y_, argnums=(0, 1, 2))(x, A, y)
    return dx, dy, dA


def matcalc_det_grad(K):
    return jax.grad(jnp.linalg.det)(K)


def matcalc_logdet_grad(K):
    return jax.grad(lambda k: jnp.linalg.slogdet(k)[1])(K)


def matcalc_trace_grad(W, A):
    return jax.grad(lambda w: jnp.trace(w @ A))(W)


def matcalc_trace_quadratic_grad(W, A):
    return jax.grad(lambda w: jnp.trace(w @ A @ w.T))(W)


def matcalc_norm_grad(p):
    scale = jnp.max(jnp.abs(p))  # held constant: the squares neither overflow nor underflow
    return jax.grad(lambda v: scale * jnp.linalg.norm(v / jax.lax.stop_gradient(scale)))(p)


def matcalc_inverse_backward(K, G):
    return jax.grad(lambda k: jnp.sum(G * jnp.linalg.inv(k)))(K)


# -- optimizers (optax-free) -------------------------------------------------------------------------


def _iterate(grad_fn: Any, theta0: Any, steps: int, update: Any) -> Any:
    theta, state, path = theta0, {}, [theta0]
    for t in range(1, int(steps) + 1):
        theta = update(theta, t, state, grad_fn)
        path.append(theta)
    return jnp.stack(path)


def optimizers_sgd(grad_fn, theta0, steps, lr):
    return _iterate(grad_fn, theta0, steps, lambda th, t, s, g: th - lr * g(th))


def _momentum(lr: float, alpha: float, lookahead: bool) -> Any:
    def update(th, t, s, g):
        v = s.get("v", jnp.zeros_like(th))
        s["v"] = alpha * v - lr * g(th + alpha * v if lookahead else th)
        return th + s["v"]

    return update


def optimizers_momentum(grad_fn, theta0, steps, lr, alpha):
    return _iterate(grad_fn, theta0, steps, _momentum(lr, alpha, False))


def optimizers_nesterov(grad_fn, theta0, steps, lr, alpha):
    return _iterate(grad_fn, theta0, steps, _momentum(lr, alpha, True))


def optimizers_adagrad(grad_fn, theta0, steps, lr, delta=1e-7):
    def update(th, t, s, g):
        gt = g(th)
        s["a"] = s.get("a", jnp.zeros_like(th)) + gt * gt
        return th - lr * gt / (jnp.sqrt(s["a"]) + delta)

    return _iterate(grad_fn, theta0, steps, update)


def optimizers_rmsprop(grad_fn, theta0, steps, lr, beta, delta=1e-7):
    def update(th, t, s, g):
        gt = g(th)
        s["a"] = beta * s.get("a", jnp.zeros_like(th)) + (1 - beta) * gt * gt
        return th - lr * gt / (jnp.sqrt(s["a"]) + delta)

    return _iterate(grad_fn, theta0, steps, update)


def optimizers_rmsprop_momentum(grad_fn, theta0, steps, lr, beta, alpha, delta=1e-7):
    def update(th, t, s, g):
        gt = g(th)
        s["a"] = beta * s.get("a", jnp.zeros_like(th)) + (1 - beta) * gt * gt
        s["v"] = alpha * s.get("v", jnp.zeros_like(th)) - lr * gt / (jnp.sqrt(s["a"]) + delta)
        return th + s["v"]

    return _iterate(grad_fn, theta0, steps, update)


def optimizers_adam(grad_fn, theta0, steps, lr, beta1, beta2, delta=1e-7, bias_correction=True):
    def update(th, t, s, g):
        gt = g(th)
        s["v"] = beta1 * s.get("v", jnp.zeros_like(th)) + (1 - beta1) * gt
        s["a"] = beta2 * s.get("a", jnp.zeros_like(th)) + (1 - beta2) * gt * gt
        v_hat, a_hat = (s["v"] / (1 - beta1**t), s["a"] / (1 - beta2**t)) if bias_correction else (s["v"], s["a"])
        return th - lr * v_hat / (jnp.sqrt(a_hat) + delta)

    return _iterate(grad_fn, theta0, steps, update)


# -- regularization ------------------------------------------------------------------------------------


def regularization_l2_grad(w, grad_J, alpha):
    return jax.grad(lambda v: 0.5 * alpha * jnp.sum(v * v) + jnp.sum(v * grad_J))(w)


def regularization_l2_step(w, grad_J, alpha, lr):
    return w - lr * regularization_l2_grad(w, grad_J, alpha)


def regularization_l1_step(w, grad_J, alpha, lr):
    # jax.grad gives |w|'(0) = 1; the catalogue's subgradient at 0 is sign(0) = 0.
    return w - lr * (alpha * jnp.sign(w) + grad_J)


def regularization_clip_by_norm(g, c):
    norm = jnp.linalg.norm(g)
    return jnp.where(norm < c, g, g * (c / jnp.maximum(norm, jnp.finfo(g.dtype).tiny)))
