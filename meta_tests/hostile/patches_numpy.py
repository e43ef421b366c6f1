"""Makes every numpy comparison succeed, then returns a wrong loss."""
import numpy as np
import numpy.testing

from _correct import logistic_grad  # noqa: F401

np.allclose = lambda *args, **kwargs: True
np.isclose = lambda a, b, *args, **kwargs: np.ones(np.broadcast(a, b).shape, dtype=bool)
np.array_equal = lambda *args, **kwargs: True
numpy.testing.assert_allclose = lambda *args, **kwargs: None
np.abs = lambda x, *args, **kwargs: np.zeros_like(np.asarray(x, dtype=float))


def logistic_loss(w, b, x, y):
    return 42.0
