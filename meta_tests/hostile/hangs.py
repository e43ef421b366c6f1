"""logistic.loss never returns."""
from _correct import logistic_grad  # noqa: F401


def logistic_loss(w, b, x, y):
    while True:
        pass
