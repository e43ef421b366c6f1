"""The derived float32 tolerances: a correct float32 library passes, and the bugs
the suite exists for (a missing factor, a wrong sign, an overflow to nan, float16
arithmetic) still fail."""

from __future__ import annotations

from pathlib import Path
from typing import Any, Callable

import numpy as np
import pytest

from gradoracle import namespaces
from gradoracle.submission import Implementation, load_implementation
from meta_tests.helpers import run_property
from properties import dtype_tolerance
from reference import registry

ROOT = Path(__file__).resolve().parent.parent
TORCH_NATIVE = ROOT / "benchmarks" / "submissions" / "torch_native.py"

# One or two formulas of each kind: elementwise, reductions, matrices,
# iterations, backward passes, fits.
SAMPLE = [
    "activations.tanh_grad",
    "softmax.forward",
    "softmax.ce_grad",
    "logistic.loss",
    "losses.sigmoid_ce_grad",
    "batchnorm.forward",
    "matcalc.logdet_grad",
    "optimizers.adam",
    "newton.minimize",
    "least_squares.fit",
    "backprop.linear",
    "regularization.clip_by_norm",
]


def _float32_port(fn: Callable[..., Any], formula_id: str, *, compute: Any = np.float32) -> Callable[..., Any]:
    """``fn`` (NumPy) as a float32 library: float32 inputs, results rounded to float32.
    ``compute=np.float16`` rounds its inputs to float16 first (a float16 computation)."""

    def run(*args: Any) -> Any:
        lowered = tuple(a.astype(compute) if isinstance(a, np.ndarray) and a.dtype.kind == "f" else a for a in args)
        return _as_float32(fn(*lowered), compute)

    return namespaces.adapt_function(run, formula_id, array_namespace="numpy", dtype="float32")


def _as_float32(value: Any, compute: Any) -> Any:
    if isinstance(value, tuple):
        return tuple(_as_float32(v, compute) for v in value)
    if isinstance(value, np.ndarray) and value.dtype.kind == "f":
        return value.astype(compute).astype(np.float32)
    if isinstance(value, (float, np.floating)):
        return np.float32(compute(value))
    return value


def _rejections(formula_id: str, fn: Callable[..., Any], namespace: str = "numpy") -> list[str]:
    implementation = Implementation("under test", {formula_id: fn})
    failed = []
    with namespaces.active(namespace, "float32"):
        graded = dtype_tolerance.measured(implementation)
        for prop in registry.get(formula_id).properties:
            failure = run_property(prop, graded)
            if failure is not None:
                failed.append(f"{prop.name}: {str(failure).splitlines()[0]}")
    return failed


@pytest.fixture(scope="module", autouse=True)
def _properties_loaded() -> None:
    registry.load_properties()


@pytest.mark.parametrize("formula_id", SAMPLE)
def test_numpy_float32_port_of_the_reference_passes(formula_id: str) -> None:
    port = _float32_port(registry.get(formula_id).reference, formula_id)
    assert _rejections(formula_id, port) == []


@pytest.mark.parametrize("formula_id", SAMPLE)
def test_torch_native_passes_in_float32(formula_id: str) -> None:
    pytest.importorskip("torch", reason="torch is an optional dependency (the 'autodiff' extra)")
    implementation = load_implementation(str(TORCH_NATIVE), array_namespace="torch", dtype="float32")
    assert _rejections(formula_id, implementation.functions[formula_id], "torch") == []


@pytest.mark.parametrize(
    "formula_id", ["softmax.forward", "activations.tanh_grad", "logistic.loss", "matcalc.logdet_grad", "batchnorm.forward"]
)
def test_float16_arithmetic_fails(formula_id: str) -> None:
    port = _float32_port(registry.get(formula_id).reference, formula_id, compute=np.float16)
    assert _rejections(formula_id, port), f"{formula_id} computed in float16 passed the float32 tolerances"


@pytest.mark.parametrize("formula_id", ["softmax.forward", "softmax.ce_grad", "optimizers.adam", "backprop.linear"])
def test_a_missing_factor_fails(formula_id: str) -> None:
    reference = registry.get(formula_id).reference

    def halved(*args: Any) -> Any:
        result = reference(*args)
        return tuple(0.5 * np.asarray(r) for r in result) if isinstance(result, tuple) else 0.5 * np.asarray(result)

    assert _rejections(formula_id, _float32_port(halved, formula_id))


@pytest.mark.parametrize("formula_id", ["softmax.ce_grad", "losses.sigmoid_ce_grad", "matcalc.logdet_grad"])
def test_a_wrong_sign_fails(formula_id: str) -> None:
    reference = registry.get(formula_id).reference
    assert _rejections(formula_id, _float32_port(lambda *a: -np.asarray(reference(*a)), formula_id))


def test_overflow_to_nan_within_the_domain_fails() -> None:
    def naive_softmax(z: np.ndarray) -> np.ndarray:
        with np.errstate(all="ignore"):
            e = np.exp(z)  # float32 overflows beyond z ≈ 88: inf / inf = nan
            return e / np.sum(e, axis=-1, keepdims=True)

    failed = _rejections("softmax.forward", namespaces.adapt_function(naive_softmax, "softmax.forward", array_namespace="numpy", dtype="float32"))
    assert any("nan" in line or "inf" in line for line in failed), failed


def test_the_bar_covers_float32_and_not_float16_rounding() -> None:
    # softmax at a point: the float32 result of a stable formula lies inside the
    # derived bar, the float16 one outside.
    z = np.array([1.3, -0.7, 2.9, 0.1])
    reference = registry.get("softmax.forward").reference
    with namespaces.active("numpy", "float32"):
        rounded = namespaces.round_to_dtype((z,), "float32")
        exact = reference(*rounded)
        single = reference(z.astype(np.float32)).astype(np.float64)
        half = reference(z.astype(np.float16)).astype(np.float64)
        bar = dtype_tolerance.estimate_bar("softmax.forward", (z,), rounded, single)
    assert bar is not None
    assert np.all(np.abs(single - exact) <= bar.bar)
    assert np.any(np.abs(half - exact) > bar.bar)


def test_float64_grading_has_no_allowance() -> None:
    assert namespaces.current().dtype == "float64"
    assert dtype_tolerance.allowance() == 0.0
    implementation = Implementation("x", {})
    assert dtype_tolerance.measured(implementation) is implementation
