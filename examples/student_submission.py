"""An example student submission, as handed in for the deep-learning homework.

It provides part of the catalogue, some formulas through a ``FORMULAS`` table
and some as ``family_name`` functions (the two lookup rules), and it contains
the mistakes students typically make. The grader should pass the correct
formulas and fail these, each with a message that points at the bug:

- ``logistic.grad``: db is averaged over the batch instead of summed;
- ``softmax.forward``: no max-subtraction, so large logits overflow to nan;
- ``batchnorm.forward``: the unbiased (n-1) variance instead of the biased one;
- ``activations.relu_grad``: returns 1 at x = 0 (the catalogue says 0);
- ``matcalc.quadratic_grad``: 2Ax, right only for symmetric A;
- ``optimizers.adam``: δ inside the square root;
- ``shapes.conv_output``: floor division where the size does not divide.

Grade it with:  pytest --pyargs properties --impl examples/student_submission.py
"""

import numpy as np


def sigmoid(z):
    # Split by sign so exp never overflows.
    z = np.asarray(z, dtype=float)
    out = np.empty_like(z)
    pos = z >= 0
    out[pos] = 1.0 / (1.0 + np.exp(-z[pos]))
    ez = np.exp(z[~pos])
    out[~pos] = ez / (1.0 + ez)
    return out


# ----- logistic regression ---------------------------------------------------


def logistic_loss(w, b, x, y):
    z = x @ w + b
    # -log σ(z) = log(1 + e^{-z}), computed without overflow
    return float(np.sum(y * np.logaddexp(0, -z) + (1 - y) * np.logaddexp(0, z)))


def logistic_grad(w, b, x, y):
    y_hat = sigmoid(x @ w + b)
    dw = x.T @ (y_hat - y)
    db = np.mean(y_hat - y)  # BUG: the loss is a sum, so db must be a sum too
    return dw, db


def logistic_hessian(w, b, x, y):
    y_hat = sigmoid(x @ w + b)
    x1 = np.hstack([x, np.ones((x.shape[0], 1))])
    return x1.T @ (x1 * (y_hat * (1 - y_hat))[:, None])


def logistic_gd_step(w, b, x, y, lr):
    y_hat = sigmoid(x @ w + b)
    return w - lr * x.T @ (y_hat - y), b - lr * np.sum(y_hat - y)


# ----- softmax -------------------------------------------------------------------


def softmax(z):
    e = np.exp(z)  # BUG: no max-subtraction; exp(1000) overflows to inf, inf/inf = nan
    return e / e.sum(axis=-1, keepdims=True)


def softmax_jacobian(z):
    p = softmax(z)
    return np.diag(p) - np.outer(p, p)


def softmax_ce_grad(z, y):
    z = z - z.max()
    p = np.exp(z) / np.exp(z).sum()
    return p - y


# ----- batch normalization --------------------------------------------------------


def batchnorm_centered_forward(x, gamma, beta):
    return gamma * (x - x.mean(axis=0)) + beta


def batchnorm_centered_backward(dy, x, gamma):
    return gamma * (dy - dy.mean(axis=0))


def batchnorm_forward(x, gamma, beta, eps):
    mu = x.mean(axis=0)
    var = x.var(axis=0, ddof=1) if x.shape[0] > 1 else np.zeros_like(mu)  # BUG: unbiased variance
    return gamma * (x - mu) / np.sqrt(var + eps) + beta


# ----- activations -----------------------------------------------------------------


def activations_relu(x):
    return np.maximum(x, 0.0)


def activations_relu_grad(x):
    return (np.asarray(x) >= 0).astype(float)  # BUG: the catalogue's convention is relu'(0) = 0


def activations_tanh_grad(x):
    return 1.0 - np.tanh(x) ** 2


# ----- matrix calculus ------------------------------------------------------------


def matcalc_quadratic_grad(A, x):
    return 2 * A @ x  # BUG: d(xᵀAx)/dx = (A + Aᵀ)x; 2Ax only when A is symmetric


def matcalc_trace_grad(W, A):
    return A.T


# ----- optimizers --------------------------------------------------------------------


def optimizers_sgd(grad_fn, theta0, steps, lr):
    thetas = [np.array(theta0, dtype=float)]
    for _ in range(steps):
        thetas.append(thetas[-1] - lr * grad_fn(thetas[-1]))
    return np.array(thetas)


def optimizers_adam(grad_fn, theta0, steps, lr, beta1, beta2, delta, bias_correction):
    theta = np.array(theta0, dtype=float)
    v = np.zeros_like(theta)
    a = np.zeros_like(theta)
    out = [theta.copy()]
    for t in range(1, steps + 1):
        g = grad_fn(theta)
        v = beta1 * v + (1 - beta1) * g
        a = beta2 * a + (1 - beta2) * g * g
        v_hat, a_hat = (v / (1 - beta1**t), a / (1 - beta2**t)) if bias_correction else (v, a)
        theta = theta - lr * v_hat / np.sqrt(a_hat + delta)  # BUG: δ belongs outside the root
        out.append(theta.copy())
    return np.array(out)


# ----- Newton's method -------------------------------------------------------------


def newton_root(f, fprime, x0, steps):
    xs = [float(x0)]
    for _ in range(steps):
        x = xs[-1]
        fx = f(x)
        xs.append(x if fx == 0 else x - fx / fprime(x))
    return np.array(xs)


# ----- layer shapes ------------------------------------------------------------------


def shapes_conv_output(w, h, wf, hf, pad, stride):
    # BUG: floor division silently accepts strides that do not fit (7x7, 3x3, stride 3)
    return (w - wf + 2 * pad) // stride + 1, (h - hf + 2 * pad) // stride + 1


def shapes_conv_params(n_filters, wf, hf, depth):
    return n_filters * (wf * hf * depth + 1)


# The FORMULAS table takes precedence over the functions above.
FORMULAS = {
    "softmax.forward": softmax,
    "least_squares.fit": lambda X, y: np.linalg.lstsq(X, y, rcond=None)[0],
    "regularization.l2_step": lambda w, grad_J, alpha, lr: (1 - lr * alpha) * w - lr * grad_J,
    "init.he_variance": lambda n_in: 2.0 / n_in,
}
