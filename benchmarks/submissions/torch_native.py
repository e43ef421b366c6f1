"""A correct submission of all 73 catalogue formulas written for PyTorch
tensors, as a library author would adapt their own functions: graded with
``--array-namespace torch`` in float64 or float32.

It takes ``torch.Tensor`` arguments (hyperparameters stay Python numbers) and
returns tensors of the inputs' dtype. Forwards are torch's own functions
(``torch.softmax``, ``torch.nn.functional``, ``torch.linalg``); every
derivative comes from ``torch.autograd``; SGD, momentum, AdaGrad, RMSProp (with
and without momentum) and Adam are ``torch.optim``'s optimizers, stepped on
the catalogue's ``grad_fn`` (Nesterov's look-ahead form and Adam without bias
correction are not in ``torch.optim``: written out). The catalogue's callables
(``grad_fn``, ``f``, ``hess_fn``) are called with tensors and return tensors.

Conventions at kinks as in ``autodiff_torch.py`` (``relu'(0) = 0``,
``leaky_relu'(0) = α``, ``|w|'(0) = 0``, ELU written so that ``elu'(0) = 1``).
torch is an optional dependency; the meta-tests skip this submission without it.
"""

from __future__ import annotations

import functools
from typing import Any, Callable

import numpy as np
import torch
import torch.nn.functional as F
from torch.autograd import grad as _autograd
from torch.autograd.functional import hessian as _hessian
from torch.autograd.functional import jacobian as _jacobian

torch.set_num_threads(1)  # tiny tensors: threads cost more than they give
# The floating dtype of the call in progress: that of its tensor arguments.
DTYPE = torch.float64


def _t(a: Any, requires_grad: bool = False) -> torch.Tensor:
    """A private tensor of the call's dtype (never a view of the caller's tensor)."""
    if isinstance(a, torch.Tensor):
        tensor = a.detach().clone()
        tensor = tensor.to(DTYPE) if tensor.is_floating_point() else tensor.to(DTYPE)
    else:
        tensor = torch.tensor(a, dtype=DTYPE)
    return tensor.requires_grad_(requires_grad)


def _n(t: torch.Tensor) -> torch.Tensor:
    return t.detach().clone()


def _f(t: torch.Tensor) -> torch.Tensor:
    return t.detach().reshape(())


def _grads(loss_fn: Callable[..., torch.Tensor], *inputs: Any) -> list[torch.Tensor]:
    """Gradients of the scalar ``loss_fn(*inputs)`` with respect to every input."""
    tensors = [_t(a, requires_grad=True) for a in inputs]
    return [_n(g) for g in _autograd(loss_fn(*tensors), tensors)]


def _vjp(forward: Callable[..., torch.Tensor], cotangent: Any, *inputs: Any) -> list[torch.Tensor]:
    """``cotangentᵀ ∂forward/∂input`` for every input (a backward pass)."""
    tensors = [_t(a, requires_grad=True) for a in inputs]
    out = forward(*tensors)
    return [_n(g) for g in _autograd(out, tensors, grad_outputs=_t(cotangent))]


def _elementwise_grad(forward: Callable[[torch.Tensor], torch.Tensor], x: Any) -> torch.Tensor:
    (g,) = _grads(lambda t: forward(t).sum(), x)
    return g


def _in_dtype_of_arguments(fn: Callable[..., Any]) -> Callable[..., Any]:
    """Run ``fn`` in the dtype of its floating tensor arguments (torch's default
    dtype when it has none)."""

    @functools.wraps(fn)
    def wrapper(*args: Any) -> Any:
        global DTYPE
        floating = [a.dtype for a in args if isinstance(a, torch.Tensor) and a.is_floating_point()]
        previous, DTYPE = DTYPE, (floating[0] if floating else torch.get_default_dtype())
        try:
            return fn(*args)
        finally:
            DTYPE = previous

    return wrapper


# -- logistic --------------------------------------------------------------------------------


def _logistic_loss(w: torch.Tensor, b: torch.Tensor, x: torch.Tensor, y: torch.Tensor) -> torch.Tensor:
    z = x @ w + b
    # log σ(z) and log(1 - σ(z)) = log σ(-z) by F.logsigmoid, whose first and
    # second derivatives torch computes through e^{-|z|} (logaddexp's second
    # derivative is inf/inf = nan once |z| passes ~710).
    return -torch.sum(y * F.logsigmoid(z) + (1 - y) * F.logsigmoid(-z))


def logistic_loss(w, b, x, y):
    return _f(_logistic_loss(_t(w), _t(b), _t(x), _t(y)))


def logistic_grad(w, b, x, y):
    dw, db = _grads(lambda w_, b_: _logistic_loss(w_, b_, _t(x), _t(y)), w, b)
    return dw, db


def logistic_hessian(w, b, x, y):
    xt, yt = _t(x), _t(y)
    theta = torch.cat([_t(w).reshape(-1), _t(b).reshape(1)])
    return _n(_hessian(lambda th: _logistic_loss(th[:-1], th[-1], xt, yt), theta))


def logistic_gd_step(w, b, x, y, lr):
    dw, db = logistic_grad(w, b, x, y)
    return _t(w) - lr * dw, _t(b) - lr * db


# -- softmax -------------------------------------------------------------------------------------


def softmax_forward(z):
    return _n(torch.softmax(_t(z), dim=-1))


def softmax_jacobian(z):
    return _n(_jacobian(lambda t: torch.softmax(t, dim=-1), _t(z)))


def _ce(z: torch.Tensor, y: torch.Tensor) -> torch.Tensor:
    return -torch.sum(y * torch.log_softmax(z, dim=-1))


def softmax_ce_loss(z, y):
    return _f(_ce(_t(z), _t(y)))


def softmax_ce_grad(z, y):
    (g,) = _grads(lambda t: _ce(t, _t(y)), z)
    return g


def softmax_ce_hessian(z):
    # The Hessian of the CE loss in z is the same for every probability vector y.
    onehot = torch.zeros(_t(z).shape, dtype=DTYPE)
    onehot[0] = 1.0
    return _n(_hessian(lambda t: _ce(t, onehot), _t(z)))


def _regression_loss(W: torch.Tensor, b: torch.Tensor, X: torch.Tensor, Y: torch.Tensor) -> torch.Tensor:
    logp = torch.log_softmax(X @ W + b, dim=1)
    return -torch.sum(Y * logp) / X.shape[0]


def softmax_regression_loss(W, b, X, Y):
    return _f(_regression_loss(_t(W), _t(b), _t(X), _t(Y)))


def softmax_regression_grad(W, b, X, Y):
    dW, db = _grads(lambda W_, b_: _regression_loss(W_, b_, _t(X), _t(Y)), W, b)
    return dW, db


# -- batchnorm ----------------------------------------------------------------------------------


def _centered(x: torch.Tensor, gamma: torch.Tensor, beta: torch.Tensor) -> torch.Tensor:
    return gamma * (x - x.mean(dim=0)) + beta


def _bn(x: torch.Tensor, gamma: torch.Tensor, beta: torch.Tensor, eps: float) -> torch.Tensor:
    centered = x - x.mean(dim=0)
    variance = (centered * centered).mean(dim=0)  # biased (1/n)
    return gamma * centered / torch.sqrt(variance + eps) + beta


def batchnorm_centered_forward(x, gamma, beta):
    return _n(_centered(_t(x), _t(gamma), _t(beta)))


def batchnorm_centered_backward(dy, x, gamma):
    (dx,) = _vjp(lambda x_: _centered(x_, _t(gamma), torch.zeros_like(_t(gamma))), dy, x)
    return dx


def batchnorm_forward(x, gamma, beta, eps):
    return _n(_bn(_t(x), _t(gamma), _t(beta), eps))


def batchnorm_backward(dy, x, gamma, eps):
    beta = torch.zeros_like(_t(gamma))
    dx, dgamma, dbeta = _vjp(lambda x_, g_, b_: _bn(x_, g_, b_, eps), dy, x, gamma, beta)
    if _t(gamma).ndim == 0:
        return dx, float(dgamma), float(dbeta)
    return dx, dgamma, dbeta


# -- activations ---------------------------------------------------------------------------------


def _elu(x: torch.Tensor, alpha: float) -> torch.Tensor:
    # min(x, 0) keeps expm1 finite in the unselected branch, so its zero gradient is not 0·inf.
    return torch.where(x >= 0, x, alpha * torch.expm1(torch.clamp(x, max=0.0)))


def activations_sigmoid(x):
    return _n(torch.sigmoid(_t(x)))


def activations_sigmoid_grad(x):
    return _elementwise_grad(torch.sigmoid, x)


def activations_tanh(x):
    return _n(torch.tanh(_t(x)))


def activations_tanh_grad(x):
    return _elementwise_grad(torch.tanh, x)


def activations_relu(x):
    return _n(torch.relu(_t(x)))


def activations_relu_grad(x):
    return _elementwise_grad(torch.relu, x)


def activations_leaky_relu(x, alpha=0.01):
    return _n(F.leaky_relu(_t(x), negative_slope=alpha))


def activations_leaky_relu_grad(x, alpha=0.01):
    return _elementwise_grad(lambda t: F.leaky_relu(t, negative_slope=alpha), x)


def activations_elu(x, alpha=1.0):
    return _n(_elu(_t(x), alpha))


def activations_elu_grad(x, alpha=1.0):
    return _elementwise_grad(lambda t: _elu(t, alpha), x)


def _softplus(x: torch.Tensor) -> torch.Tensor:
    # log(1 + eˣ) = -log σ(-x), exact for every x (F.softplus switches to x above a threshold).
    return -F.logsigmoid(-x)


def activations_softplus(x):
    return _n(_softplus(_t(x)))


def activations_softplus_grad(x):
    return _elementwise_grad(_softplus, x)


# -- losses ----------------------------------------------------------------------------------------


def losses_sigmoid_mse_grad(z, y):
    yt = _t(y)
    return _elementwise_grad(lambda t: 0.5 * (yt - torch.sigmoid(t)) ** 2, z)


def losses_sigmoid_ce_grad(z, y):
    yt = _t(y)
    return _elementwise_grad(lambda t: -(yt * F.logsigmoid(t) + (1 - yt) * F.logsigmoid(-t)), z)


# -- backprop --------------------------------------------------------------------------------------


def backprop_linear(dy, W, x):
    dx, dW = _vjp(lambda x_, W_: W_ @ x_, dy, x, W)
    return dx, dW


def backprop_mlp_dW1(x, y, W1, b1, W2, b2, mask, alpha):
    xt, yt, b1t, W2t, b2t, maskt = (_t(a) for a in (x, y, b1, W2, b2, mask))

    def loss(W1_: torch.Tensor) -> torch.Tensor:
        a = maskt * F.leaky_relu(W1_ @ xt + b1t, negative_slope=alpha)
        return -torch.sum(yt * torch.log_softmax(W2t @ a + b2t, dim=0))

    (dW1,) = _grads(loss, W1)
    return dW1


def backprop_relu_regression(W, b, x, z):
    zt = _t(z)
    dW, db, dx = _grads(lambda W_, b_, x_: torch.sum((torch.relu(W_ @ x_ + b_) - zt) ** 2), W, b, x)
    return dW, db, dx


def backprop_autoencoder(W, x):
    xt = _t(x)
    (dW,) = _grads(lambda W_: 0.5 * torch.sum((W_.T @ (W_ @ xt) - xt) ** 2), W)
    return dW


def backprop_sigmoid_neuron(w, x):
    dw, dx = _grads(lambda w_, x_: torch.sigmoid(w_[0] * x_[0] + w_[1] * x_[1] + w_[2]), w, x)
    return dw, dx


# -- matcalc -----------------------------------------------------------------------------------------


def matcalc_quadratic_grad(A, x):
    At = _t(A)
    (g,) = _grads(lambda x_: x_ @ At @ x_, x)
    return g


def matcalc_bilinear_grads(x, A, y):
    dx, dA, dy = _grads(lambda x_, A_, y_: x_ @ A_ @ y_, x, A, y)
    return dx, dy, dA


def matcalc_det_grad(K):
    (g,) = _grads(torch.linalg.det, K)
    return g


def matcalc_logdet_grad(K):
    (g,) = _grads(lambda K_: torch.linalg.slogdet(K_).logabsdet, K)
    return g


def matcalc_trace_grad(W, A):
    At = _t(A)
    (g,) = _grads(lambda W_: torch.trace(W_ @ At), W)
    return g


def matcalc_trace_quadratic_grad(W, A):
    At = _t(A)
    (g,) = _grads(lambda W_: torch.trace(W_ @ At @ W_.T), W)
    return g


def matcalc_norm_grad(p):
    # ‖p‖ = s ‖p/s‖ with s = max|p| held constant: the squares neither overflow
    # nor underflow, and autograd still differentiates the whole expression.
    scale = float(_t(p).abs().max())
    (g,) = _grads(lambda p_: scale * torch.linalg.vector_norm(p_ / scale), p)
    return g


def matcalc_inverse_backward(K, G):
    (g,) = _vjp(torch.linalg.inv, G, K)
    return g


# -- least squares -------------------------------------------------------------------------------------


def least_squares_fit(X, y):
    return _n(torch.linalg.lstsq(_t(X), _t(y).unsqueeze(-1), driver="gelsd").solution.squeeze(-1))


def least_squares_grad(theta, X, y):
    Xt, yt = _t(X), _t(y)
    (g,) = _grads(lambda th: 0.5 * torch.sum((yt - Xt @ th) ** 2), theta)
    return g


def least_squares_fit_multi(X, Y):
    return _n(torch.linalg.lstsq(_t(X).T, _t(Y).T, driver="gelsd").solution.T)


# -- mle ---------------------------------------------------------------------------------------------------


def mle_bernoulli(x):
    return _f(_t(x).mean())


def mle_gaussian_classes(X, labels, k):
    Xt = _t(X)
    labels = torch.as_tensor(labels).to(torch.int64)
    means, covs = [], []
    for j in range(int(k)):
        members = Xt[labels == j]
        mean = members.mean(dim=0)
        centered = members - mean
        means.append(mean)
        covs.append(centered.T @ centered / members.shape[0])
    return _n(torch.stack(means)), _n(torch.stack(covs))


# -- dropout -----------------------------------------------------------------------------------------------


def _gaussian_objective(W: torch.Tensor, x: torch.Tensor, y_d: float, sigma: float) -> torch.Tensor:
    return 0.5 * (y_d - torch.dot(W, x)) ** 2 + 0.5 * sigma**2 * torch.sum(x**2 * W**2)


def dropout_gaussian_expected_grad(W, x, y_d, sigma):
    # The objective is E[J1], so its gradient is the expected gradient.
    (g,) = _grads(lambda W_: _gaussian_objective(W_, _t(x), float(y_d), float(sigma)), W)
    return g


def dropout_gaussian_objective(W, x, y_d, sigma):
    return _f(_gaussian_objective(_t(W), _t(x), float(y_d), float(sigma)))


def dropout_inverted(h, mask, p):
    return _n(_t(h) * _t(mask) / (1.0 - p))


# -- regularization ------------------------------------------------------------------------------------


def regularization_l2_grad(w, grad_J, alpha):
    # ∇[(α/2)‖w‖² + J(w)], with J linearized at w (its gradient there is grad_J).
    gJ = _t(grad_J)
    (g,) = _grads(lambda w_: 0.5 * alpha * torch.sum(w_ * w_) + torch.sum(w_ * gJ), w)
    return g


def regularization_l2_step(w, grad_J, alpha, lr):
    return _t(w) - lr * regularization_l2_grad(w, grad_J, alpha)


def regularization_l1_step(w, grad_J, alpha, lr):
    gJ = _t(grad_J)
    (g,) = _grads(lambda w_: alpha * torch.sum(torch.abs(w_)) + torch.sum(w_ * gJ), w)
    return _t(w) - lr * g


def regularization_label_smoothing(y, eps):
    yt = _t(y)
    k = yt.numel()
    out = torch.full_like(yt, eps / (k - 1))
    out[torch.argmax(yt)] = 1.0 - eps
    return _n(out)


def regularization_clip_by_norm(g, c):
    gt = _t(g)
    norm = torch.linalg.vector_norm(gt)
    return _n(gt if norm < c else gt * (c / norm))


# -- optimizers ----------------------------------------------------------------------------------------


def _iterate(grad_fn, theta0, steps, update) -> torch.Tensor:
    theta = _t(theta0)
    path = [theta.clone()]
    state: dict[str, torch.Tensor] = {}
    for t in range(1, int(steps) + 1):
        theta = update(theta, t, state, lambda th: _t(grad_fn(_n(th))))
        path.append(theta.clone())
    return _n(torch.stack(path))


def _torch_optim(grad_fn, theta0, steps, make_optimizer) -> torch.Tensor:
    """Iterates of a ``torch.optim`` optimizer fed the catalogue's gradient field."""
    theta = torch.nn.Parameter(_t(theta0))
    optimizer = make_optimizer([theta])
    path = [theta.detach().clone()]
    for _ in range(int(steps)):
        optimizer.zero_grad()
        theta.grad = _t(grad_fn(theta.detach().clone()))
        optimizer.step()
        path.append(theta.detach().clone())
    return torch.stack(path)


def optimizers_sgd(grad_fn, theta0, steps, lr):
    return _torch_optim(grad_fn, theta0, steps, lambda p: torch.optim.SGD(p, lr=lr))


def optimizers_momentum(grad_fn, theta0, steps, lr, alpha):
    # torch: b ← αb + g, θ ← θ - lr b; the catalogue's v = -lr b.
    return _torch_optim(grad_fn, theta0, steps, lambda p: torch.optim.SGD(p, lr=lr, momentum=alpha))


def optimizers_nesterov(grad_fn, theta0, steps, lr, alpha):
    # torch.optim's nesterov=True iterates the look-ahead point θ + αv, not θ: written out.
    def update(th, t, s, g):
        v = s.get("v", torch.zeros_like(th))
        v = alpha * v - lr * g(th + alpha * v)
        s["v"] = v
        return th + v

    return _iterate(grad_fn, theta0, steps, update)


def optimizers_adagrad(grad_fn, theta0, steps, lr, delta=1e-7):
    return _torch_optim(grad_fn, theta0, steps, lambda p: torch.optim.Adagrad(p, lr=lr, eps=delta))


def optimizers_rmsprop(grad_fn, theta0, steps, lr, beta, delta=1e-7):
    return _torch_optim(grad_fn, theta0, steps, lambda p: torch.optim.RMSprop(p, lr=lr, alpha=beta, eps=delta))


def optimizers_rmsprop_momentum(grad_fn, theta0, steps, lr, beta, alpha, delta=1e-7):
    # torch: b ← αb + g/(√a + δ), θ ← θ - lr b; the catalogue's v = -lr b.
    return _torch_optim(
        grad_fn, theta0, steps, lambda p: torch.optim.RMSprop(p, lr=lr, alpha=beta, eps=delta, momentum=alpha)
    )


def optimizers_adam(grad_fn, theta0, steps, lr, beta1, beta2, delta=1e-7, bias_correction=True):
    if bias_correction:
        return _torch_optim(grad_fn, theta0, steps, lambda p: torch.optim.Adam(p, lr=lr, betas=(beta1, beta2), eps=delta))

    def update(th, t, s, g):  # torch.optim.Adam always corrects the bias
        gt = g(th)
        s["v"] = beta1 * s.get("v", torch.zeros_like(th)) + (1 - beta1) * gt
        s["a"] = beta2 * s.get("a", torch.zeros_like(th)) + (1 - beta2) * gt * gt
        return th - lr * s["v"] / (torch.sqrt(s["a"]) + delta)

    return _iterate(grad_fn, theta0, steps, update)


# -- newton ---------------------------------------------------------------------------------------------


def newton_root(f, fprime, x0, steps):
    xs = [float(x0)]
    for _ in range(int(steps)):
        x = xs[-1]
        fx = float(f(x))
        xs.append(x if fx == 0.0 else x - fx / float(fprime(x)))
    return torch.tensor(xs, dtype=torch.float64)  # Python floats in, Python floats computed


def newton_minimize(grad_fn, hess_fn, theta0, steps):
    theta = _t(theta0)
    path = [theta.clone()]
    for _ in range(int(steps)):
        g = _t(grad_fn(_n(theta)))
        if bool(torch.any(g != 0)):
            theta = theta - torch.linalg.solve(_t(hess_fn(_n(theta))), g)
        path.append(theta.clone())
    return _n(torch.stack(path))


# -- init --------------------------------------------------------------------------------------------------


def init_xavier_variance(n_in, n_out):
    return 2.0 / (n_in + n_out)


def init_he_variance(n_in):
    return 2.0 / n_in


def init_xavier_normal(n_in, n_out, rng):
    return torch.from_numpy(rng.normal(0.0, np.sqrt(2.0 / (n_in + n_out)), size=(n_out, n_in))).to(DTYPE)


def init_he_normal(n_in, n_out, rng):
    return torch.from_numpy(rng.normal(0.0, np.sqrt(2.0 / n_in), size=(n_out, n_in))).to(DTYPE)


# -- shapes -----------------------------------------------------------------------------------------------


def _out(size, window, pad, stride):
    total = size - window + 2 * pad
    if stride < 1 or total < 0 or total % stride:
        raise ValueError(f"window {window}, padding {pad} and stride {stride} do not tile a size of {size}")
    return total // stride + 1


def shapes_conv_output(w, h, wf, hf, pad, stride):
    return _out(w, wf, pad, stride), _out(h, hf, pad, stride)


def shapes_pool_output(w, h, d, wp, hp, stride):
    return _out(w, wp, 0, stride), _out(h, hp, 0, stride), d


def shapes_conv_params(n_filters, wf, hf, depth):
    return n_filters * (wf * hf * depth + 1)


def shapes_conv_connections(w_out, h_out, n_filters, wf, hf, depth):
    return w_out * h_out * n_filters * (wf * hf * depth + 1)


def shapes_dense_params(sizes):
    weights = sum(a * b for a, b in zip(sizes, sizes[1:]))
    biases = sum(sizes[1:])
    return weights, biases


# Every public formula runs in the dtype of its tensor arguments.
for _name, _value in list(globals().items()):
    if callable(_value) and _name.split("_")[0] in {
        "logistic", "softmax", "batchnorm", "activations", "losses", "backprop", "matcalc", "least",
        "mle", "dropout", "regularization", "optimizers", "newton", "init", "shapes",
    } and not _name.startswith("_"):
        globals()[_name] = _in_dtype_of_arguments(_value)
