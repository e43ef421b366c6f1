"""The correct formulas every hostile submission also provides, so the tests
can show that the rest of a hostile submission is still graded normally."""

import numpy as np


def logistic_grad(w, b, x, y):
    z = x @ w + b
    r = (1 - y) / (1 + np.exp(-z)) - y / (1 + np.exp(z))
    return x.T @ r, float(np.sum(r))


def logistic_loss(w, b, x, y):
    z = x @ w + b
    return float(np.sum(y * np.logaddexp(0, -z) + (1 - y) * np.logaddexp(0, z)))
