"""Makes every numpy comparison succeed, then returns a wrong loss."""
import numpy as np
import numpy.testing


np.allclose = lambda *args, **kwargs: True
np.isclose = lambda a, b, *args, **kwargs: np.ones(np.broadcast(a, b).shape, dtype=bool)
np.array_equal = lambda *args, **kwargs: True
numpy.testing.assert_allclose = lambda *args, **kwargs: None
np.abs = lambda x, *args, **kwargs: np.zeros_like(np.asarray(x, dtype=float))


def logistic_loss(w, b, x, y):
    return 42.0


# The correct formulas every hostile submission also provides (a file
# submission is graded alone: it cannot import a helper file beside it).
import numpy as np  # noqa: E402


def logistic_grad(w, b, x, y):
    z = x @ w + b
    r = (1 - y) / (1 + np.exp(-z)) - y / (1 + np.exp(z))
    return x.T @ r, float(np.sum(r))
