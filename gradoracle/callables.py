"""Functions the catalogue passes into formulas (``grad_fn``, ``f``, ``fprime``,
``hess_fn``), built from data.

A property never hands a submission a closure: it hands it a
:class:`DataCallable`, whose whole behaviour is fixed by a few arrays. That lets
the seam detect a submission that mutates them, lets the isolation layer
rebuild them in a worker process from JSON (:func:`to_json`/:func:`from_json`),
and gives Hypothesis a readable repr for the minimal failing input.
"""

from __future__ import annotations

import importlib
from typing import Any, ClassVar

import numpy as np

__all__ = [
    "DataCallable",
    "QuadraticGradient",
    "QuadraticHessian",
    "QuadraticObjective",
    "WigglyGradient",
    "Polynomial",
    "WigglyHessian",
    "TransformedWigglyGradient",
    "TransformedWigglyHessian",
    "CubicGradient",
    "CubicHessian",
    "to_json",
    "from_json",
]


class DataCallable:
    """A callable defined entirely by named float arrays (``fields``)."""

    fields: ClassVar[tuple[str, ...]] = ()

    def __init__(self, **arrays: Any) -> None:
        for name in self.fields:
            setattr(self, name, np.array(arrays[name], dtype=np.float64))

    def __call__(self, theta: Any) -> Any:  # pragma: no cover - abstract
        raise NotImplementedError

    def data(self) -> dict[str, np.ndarray]:
        return {name: getattr(self, name) for name in self.fields}

    # -- what the seam uses ------------------------------------------------------
    def snapshot(self) -> dict[str, np.ndarray]:
        return {name: value.copy() for name, value in self.data().items()}

    def fresh_copy(self) -> "DataCallable":
        return type(self)(**self.snapshot())

    def shape_key(self) -> tuple:
        return tuple((name, value.shape) for name, value in self.data().items())

    def __repr__(self) -> str:
        inner = ", ".join(
            f"{name}={np.array2string(value, separator=', ', precision=6)}" for name, value in self.data().items()
        )
        return f"{type(self).__name__}({inner})"

    def __eq__(self, other: object) -> bool:
        return type(other) is type(self) and all(
            np.array_equal(a, b) for a, b in zip(self.data().values(), other.data().values())  # type: ignore[attr-defined]
        )

    __hash__ = None  # type: ignore[assignment]


class QuadraticObjective(DataCallable):
    """``J(θ) = ½ θᵀAθ - bᵀθ``."""

    fields = ("A", "b")

    def __call__(self, theta: Any) -> float:
        theta = np.asarray(theta, dtype=np.float64)
        return float(0.5 * theta @ self.A @ theta - self.b @ theta)


class QuadraticGradient(DataCallable):
    """``∇J(θ) = Aθ - b`` for ``J(θ) = ½ θᵀAθ - bᵀθ`` (A need not be symmetric
    when only the gradient field matters)."""

    fields = ("A", "b")

    def __call__(self, theta: Any) -> np.ndarray:
        return self.A @ np.asarray(theta, dtype=np.float64) - self.b


class QuadraticHessian(DataCallable):
    """The constant Hessian ``A`` (the argument is ignored)."""

    fields = ("A",)

    def __call__(self, theta: Any) -> np.ndarray:
        return self.A.copy()


class WigglyGradient(DataCallable):
    """``g(θ) = Aθ - b + c ⊙ sin(ω ⊙ θ)``: a gradient field whose coordinates change
    sign along a trajectory, so optimizer state (momentum, second moments) matters."""

    fields = ("A", "b", "c", "omega")

    def __call__(self, theta: Any) -> np.ndarray:
        theta = np.asarray(theta, dtype=np.float64)
        return self.A @ theta - self.b + self.c * np.sin(self.omega * theta)


class Polynomial(DataCallable):
    """``p(x) = Σ_k coefficients[k] x^k`` on scalars (or elementwise on arrays)."""

    fields = ("coefficients",)

    def __call__(self, x: Any) -> Any:
        value = np.polynomial.polynomial.polyval(x, self.coefficients)
        return float(value) if np.ndim(value) == 0 else value

    def derivative(self) -> "Polynomial":
        return Polynomial(coefficients=np.polynomial.polynomial.polyder(self.coefficients) if self.coefficients.size > 1 else np.zeros(1))


# -- for Newton's method ------------------------------------------------------------


class WigglyHessian(DataCallable):
    """The Hessian ``A + diag(c ⊙ ω ⊙ cos(ω ⊙ θ))`` of the objective whose gradient is
    ``WigglyGradient(A, b, c, omega)`` (A symmetric)."""

    fields = ("A", "c", "omega")

    def __call__(self, theta: Any) -> np.ndarray:
        theta = np.asarray(theta, dtype=np.float64)
        return self.A + np.diag(self.c * self.omega * np.cos(self.omega * theta))


class TransformedWigglyGradient(DataCallable):
    """``g̃(φ) = Tᵀ g(Tφ)`` for ``g = WigglyGradient(A, b, c, omega)``: the gradient of
    ``J(Tφ)`` in the new variables ``φ = T⁻¹θ``."""

    fields = ("A", "b", "c", "omega", "T")

    def __call__(self, phi: Any) -> np.ndarray:
        theta = self.T @ np.asarray(phi, dtype=np.float64)
        return self.T.T @ (self.A @ theta - self.b + self.c * np.sin(self.omega * theta))


class TransformedWigglyHessian(DataCallable):
    """``H̃(φ) = Tᵀ H(Tφ) T`` for ``H = WigglyHessian(A, c, omega)``."""

    fields = ("A", "c", "omega", "T")

    def __call__(self, phi: Any) -> np.ndarray:
        theta = self.T @ np.asarray(phi, dtype=np.float64)
        inner = self.A + np.diag(self.c * self.omega * np.cos(self.omega * theta))
        return self.T.T @ inner @ self.T


class CubicGradient(DataCallable):
    """``g(θ) = m ⊙ (θ - t)³``, the gradient of ``Σ_i m_i (θ_i - t_i)⁴ / 4`` (m > 0):
    stationary at ``θ = t``, where the Hessian is zero, so nothing may be solved there."""

    fields = ("m", "t")

    def __call__(self, theta: Any) -> np.ndarray:
        return self.m * (np.asarray(theta, dtype=np.float64) - self.t) ** 3


class CubicHessian(DataCallable):
    """``H(θ) = diag(3 m ⊙ (θ - t)²)``, the Jacobian of :class:`CubicGradient`."""

    fields = ("m", "t")

    def __call__(self, theta: Any) -> np.ndarray:
        return np.diag(3.0 * self.m * (np.asarray(theta, dtype=np.float64) - self.t) ** 2)


# -- crossing a process boundary ---------------------------------------------------


def to_json(value: DataCallable) -> dict[str, Any]:
    """Plain data that :func:`from_json` turns back into an equal callable."""
    cls = type(value)
    return {
        "callable": f"{cls.__module__}:{cls.__qualname__}",
        "data": {name: array.tolist() for name, array in value.data().items()},
    }


def from_json(document: dict[str, Any]) -> DataCallable:
    module_name, _, qualname = document["callable"].partition(":")
    # Only this module's classes: the worker rebuilds callables without access
    # to the grader's packages, and nothing else may be named for import.
    if module_name != __name__:
        raise ValueError(f"refusing to rebuild a callable from outside {__name__}: {document['callable']!r}")
    cls = importlib.import_module(module_name)
    for part in qualname.split("."):
        cls = getattr(cls, part)
    if not (isinstance(cls, type) and issubclass(cls, DataCallable)):
        raise ValueError(f"{document['callable']!r} is not a DataCallable")
    return cls(**{name: np.array(values, dtype=np.float64) for name, values in document["data"].items()})
