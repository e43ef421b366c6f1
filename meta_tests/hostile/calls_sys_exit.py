"""logistic.loss calls sys.exit(0)."""
import sys

from _correct import logistic_grad  # noqa: F401


def logistic_loss(w, b, x, y):
    sys.exit(0)
