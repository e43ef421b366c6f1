"""mylib, mapped onto gradoracle's catalogue (docs/catalogue.md in gradoracle).

The grader calls each formula with the catalogue's arguments, positionally, in
the catalogue's order; where mylib's interface differs (a keyword-only
parameter, a class with a ``step`` method) a small adapter bridges it. This
file is what ``pytest --pyargs properties --impl mylib_gradoracle`` grades and
what ``tests/test_against_gradoracle.py`` checks function by function.
"""

from __future__ import annotations

from typing import Any, Callable

import numpy as np

from mylib import nn, optim


def _iterates(optimizer: Any, grad_fn: Callable[[np.ndarray], Any], theta0: np.ndarray, steps: int) -> np.ndarray:
    """The catalogue's optimizer shape: the iterates ``(steps + 1, d)`` from ``theta0``."""
    theta = np.array(theta0, dtype=np.float64)
    rows = [theta]
    for _ in range(int(steps)):
        theta = optimizer.step(theta, np.asarray(grad_fn(theta), dtype=np.float64))
        rows.append(theta)
    return np.stack(rows)


FORMULAS: dict[str, Callable[..., Any]] = {
    "activations.relu": nn.relu,
    "activations.relu_grad": nn.relu_grad,
    "activations.leaky_relu": lambda x, alpha: nn.leaky_relu(x, negative_slope=alpha),
    "softmax.forward": nn.softmax,
    "softmax.ce_loss": nn.cross_entropy,
    "softmax.ce_grad": nn.cross_entropy_grad,
    "batchnorm.forward": nn.batch_norm,
    "optimizers.sgd": lambda grad_fn, theta0, steps, lr: _iterates(optim.SGD(lr), grad_fn, theta0, steps),
    "optimizers.momentum": lambda grad_fn, theta0, steps, lr, alpha: _iterates(
        optim.Momentum(lr, alpha), grad_fn, theta0, steps
    ),
}
