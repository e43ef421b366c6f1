"""Answers correctly, but only after sleeping just under a 2 s per-call limit
(the meta-tests use --call-timeout 2): without a budget per formula a full
grade would last for days and still score full marks."""
import time

import numpy as np

NAP_SECONDS = 1.8


def logistic_loss(w, b, x, y):
    time.sleep(NAP_SECONDS)
    z = x @ w + b
    return float(np.sum(y * np.logaddexp(0, -z) + (1 - y) * np.logaddexp(0, z)))


def logistic_grad(w, b, x, y):
    time.sleep(NAP_SECONDS)
    z = x @ w + b
    r = (1 - y) / (1 + np.exp(-z)) - y / (1 + np.exp(z))
    return x.T @ r, float(np.sum(r))
