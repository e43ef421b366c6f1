"""logistic.loss calls os._exit(0), ending its process at once."""
import os



def logistic_loss(w, b, x, y):
    os._exit(0)


# The correct formulas every hostile submission also provides (a file
# submission is graded alone: it cannot import a helper file beside it).
import numpy as np  # noqa: E402


def logistic_grad(w, b, x, y):
    z = x @ w + b
    r = (1 - y) / (1 + np.exp(-z)) - y / (1 + np.exp(z))
    return x.T @ r, float(np.sum(r))
