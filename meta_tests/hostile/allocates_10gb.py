"""logistic.loss allocates 10 GB."""
import numpy as np
from _correct import logistic_grad  # noqa: F401


def logistic_loss(w, b, x, y):
    hog = np.ones(10 * 1024**3 // 8)
    return float(hog[0])
