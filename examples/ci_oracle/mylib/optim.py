"""Optimizers with a step-by-step interface, as libraries write them."""

from __future__ import annotations

import numpy as np


class SGD:
    def __init__(self, lr: float) -> None:
        self.lr = lr

    def step(self, params: np.ndarray, grads: np.ndarray) -> np.ndarray:
        return params - self.lr * grads


class Momentum:
    """``v ← momentum·v - lr·g``, ``params ← params + v``; the velocity starts at 0."""

    def __init__(self, lr: float, momentum: float) -> None:
        self.lr = lr
        self.momentum = momentum
        self.velocity: np.ndarray | None = None

    def step(self, params: np.ndarray, grads: np.ndarray) -> np.ndarray:
        if self.velocity is None:
            self.velocity = np.zeros_like(params)
        self.velocity = self.momentum * self.velocity - self.lr * grads
        return params + self.velocity
