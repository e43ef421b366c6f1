"""logistic.loss calls os._exit(0), ending its process at once."""
import os

from _correct import logistic_grad  # noqa: F401


def logistic_loss(w, b, x, y):
    os._exit(0)
