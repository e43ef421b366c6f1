"""logistic.loss forks a child that lingers, then returns the right value."""
import os
import time

from _correct import logistic_grad  # noqa: F401
from _correct import logistic_loss as _right


def logistic_loss(w, b, x, y):
    if os.fork() == 0:
        time.sleep(60)
    return _right(w, b, x, y)
