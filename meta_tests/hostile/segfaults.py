"""logistic.loss dereferences a null pointer through ctypes."""
import ctypes

from _correct import logistic_grad  # noqa: F401


def logistic_loss(w, b, x, y):
    return ctypes.string_at(0)
