"""logistic.loss prints 100 MB before returning the right value."""
import sys

from _correct import logistic_grad  # noqa: F401
from _correct import logistic_loss as _right


def logistic_loss(w, b, x, y):
    chunk = "spam" * 250_000
    for _ in range(100):
        sys.stdout.write(chunk)
    return _right(w, b, x, y)
