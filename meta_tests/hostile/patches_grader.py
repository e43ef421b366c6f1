"""Replaces the reference, Hypothesis and pytest in its own process so that
any answer would look right, then returns a wrong loss."""
import hypothesis
import pytest

try:  # in the jail the grader's reference is not even importable
    import reference.logistic
except ImportError:
    reference = None


def logistic_loss(w, b, x, y):
    return 42.0


if reference is not None:
    reference.logistic.loss = logistic_loss
hypothesis.given = lambda *a, **k: (lambda f: (lambda *args, **kwargs: None))
pytest.fail = lambda *a, **k: None
try:
    import gradoracle.seam

    gradoracle.seam.check = lambda formula_id, outcome, args, reference: outcome.result
except ImportError:
    pass


# The correct formulas every hostile submission also provides (a file
# submission is graded alone: it cannot import a helper file beside it).
import numpy as np  # noqa: E402


def logistic_grad(w, b, x, y):
    z = x @ w + b
    r = (1 - y) / (1 + np.exp(-z)) - y / (1 + np.exp(z))
    return x.T @ r, float(np.sum(r))
