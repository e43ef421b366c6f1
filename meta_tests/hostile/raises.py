"""logistic.loss raises."""
from _correct import logistic_grad  # noqa: F401


def logistic_loss(w, b, x, y):
    raise ValueError("shapes (3,2) and (3,) not aligned")
