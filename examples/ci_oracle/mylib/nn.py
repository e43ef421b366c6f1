"""Activations, softmax, cross-entropy and batch normalization, in NumPy."""

from __future__ import annotations

import numpy as np


def relu(x: np.ndarray) -> np.ndarray:
    return np.maximum(x, 0.0)


def relu_grad(x: np.ndarray) -> np.ndarray:
    return (np.asarray(x) > 0).astype(np.float64)


def leaky_relu(x: np.ndarray, *, negative_slope: float = 0.01) -> np.ndarray:
    return np.where(x > 0, x, negative_slope * x)


def log_softmax(z: np.ndarray, axis: int = -1) -> np.ndarray:
    shifted = z - np.max(z, axis=axis, keepdims=True)
    return shifted - np.log(np.sum(np.exp(shifted), axis=axis, keepdims=True))


def softmax(z: np.ndarray, axis: int = -1) -> np.ndarray:
    e = np.exp(z - np.max(z, axis=axis, keepdims=True))
    return e / np.sum(e, axis=axis, keepdims=True)


def cross_entropy(logits: np.ndarray, target: np.ndarray) -> float:
    """``-Σ_k target_k log softmax(logits)_k`` for one example."""
    return float(-np.sum(target * log_softmax(logits)))


def cross_entropy_grad(logits: np.ndarray, target: np.ndarray) -> np.ndarray:
    return softmax(logits) - target


def batch_norm(x: np.ndarray, gamma: np.ndarray, beta: np.ndarray, eps: float = 1e-5) -> np.ndarray:
    """Normalize over the batch (axis 0) with the biased variance, then scale and shift."""
    mean = np.mean(x, axis=0)
    centered = x - mean
    variance = np.mean(centered**2, axis=0)
    return gamma * centered / np.sqrt(variance + eps) + beta
