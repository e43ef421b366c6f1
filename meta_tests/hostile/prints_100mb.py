"""logistic.loss prints 100 MB before returning the right value."""
import sys



def logistic_loss(w, b, x, y):
    chunk = "spam" * 250_000
    for _ in range(100):
        sys.stdout.write(chunk)
    return _right(w, b, x, y)


# The correct formulas every hostile submission also provides (a file
# submission is graded alone: it cannot import a helper file beside it).
import numpy as np  # noqa: E402


def logistic_grad(w, b, x, y):
    z = x @ w + b
    r = (1 - y) / (1 + np.exp(-z)) - y / (1 + np.exp(z))
    return x.T @ r, float(np.sum(r))


def _right(w, b, x, y):
    z = x @ w + b
    return float(np.sum(y * np.logaddexp(0, -z) + (1 - y) * np.logaddexp(0, z)))
