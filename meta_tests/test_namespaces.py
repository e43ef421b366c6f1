"""Grading with another library's arrays (--array-namespace) and dtype (--dtype):
conversion in and out, callables, mutation, and every bad input said clearly."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path
from typing import Any

import numpy as np
import pytest

from gradoracle import namespaces, seam
from gradoracle.callables import QuadraticGradient
from gradoracle.submission import Implementation
from meta_tests.helpers import grader_environment
from reference import registry

torch = pytest.importorskip("torch", reason="torch is an optional dependency (the 'autodiff' extra)")

ROOT = Path(__file__).resolve().parent.parent
TORCH_NATIVE = ROOT / "benchmarks" / "submissions" / "torch_native.py"


def _call(fn: Any, formula_id: str, *args: Any) -> Any:
    return seam.checked_call(formula_id, fn, args, registry.get(formula_id).reference)


# -- validation -------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("namespace", "dtype", "words"),
    [
        (None, "float16", ["unknown dtype 'float16'", "float64 or float32"]),
        (None, "double", ["unknown dtype 'double'"]),
        ("nosuchlib_xyz", "float64", ["'nosuchlib_xyz' is not installed"]),
        ("json", "float32", ["'json' is not an array namespace"]),
    ],
)
def test_bad_namespace_or_dtype_is_a_clear_error(namespace: str | None, dtype: str, words: list[str]) -> None:
    with pytest.raises(namespaces.NamespaceError) as raised:
        namespaces.validate(namespace, dtype)
    for word in words:
        assert word in str(raised.value)


def test_known_settings_validate() -> None:
    for namespace in (None, "numpy", "torch", "pytorch"):
        for dtype in ("float64", "float32"):
            namespaces.validate(namespace, dtype)


def test_default_grading_is_untouched() -> None:
    def relu(x: Any) -> Any:
        return np.maximum(x, 0)

    assert namespaces.adapt_function(relu, "activations.relu", array_namespace=None, dtype="float64") is relu
    assert namespaces.adapt_function(relu, "activations.relu", array_namespace="numpy", dtype="float64") is relu


# -- conversion -------------------------------------------------------------------------


@pytest.mark.parametrize("dtype", ["float64", "float32"])
def test_torch_inputs_and_results(dtype: str) -> None:
    seen: dict[str, Any] = {}

    def relu(x: Any) -> Any:
        seen["x"] = x
        return torch.relu(x)

    adapted = namespaces.adapt_function(relu, "activations.relu", array_namespace="torch", dtype=dtype)
    x = np.array([-1.5, 0.25, 3.0])
    got = _call(adapted, "activations.relu", x)
    assert isinstance(seen["x"], torch.Tensor) and str(seen["x"].dtype) == f"torch.{dtype}"
    assert isinstance(got, np.ndarray) and got.dtype == np.float64
    np.testing.assert_array_equal(got, [0.0, 0.25, 3.0])


def test_callables_take_and_return_the_namespace_arrays() -> None:
    seen: list[Any] = []

    def sgd(grad_fn: Any, theta0: Any, steps: int, lr: float) -> Any:
        theta, path = theta0, [theta0]
        for _ in range(steps):
            g = grad_fn(theta)
            seen.append(g)
            theta = theta - lr * g
            path.append(theta)
        return torch.stack(path)

    adapted = namespaces.adapt_function(sgd, "optimizers.sgd", array_namespace="torch", dtype="float32")
    field = QuadraticGradient(A=np.eye(2), b=np.array([1.0, -1.0]))
    got = _call(adapted, "optimizers.sgd", field, np.array([0.5, 0.5]), 3, 0.1)
    assert all(isinstance(g, torch.Tensor) and g.dtype == torch.float32 for g in seen)
    expected = registry.get("optimizers.sgd").reference(field, np.array([0.5, 0.5]), 3, 0.1)
    np.testing.assert_allclose(got, expected, rtol=1e-6)


@pytest.mark.parametrize("dtype", ["float64", "float32"])
def test_in_place_change_of_a_tensor_is_detected(dtype: str) -> None:
    def relu(x: Any) -> Any:
        return x.clamp_(min=0)  # changes the caller's tensor

    adapted = namespaces.adapt_function(relu, "activations.relu", array_namespace="torch", dtype=dtype)
    with pytest.raises(seam.MutatedInput, match="argument 1 in place"):
        _call(adapted, "activations.relu", np.array([-1.0, 2.0]))


def test_in_place_change_of_a_list_argument_is_detected() -> None:
    def dense_params(sizes: list) -> Any:
        sizes.pop(0)  # the input layer has no weights... but this is the caller's list
        return sum(a * b for a, b in zip(sizes, sizes[1:])), sum(sizes[1:])

    adapted = namespaces.adapt_function(dense_params, "shapes.dense_params", array_namespace="numpy", dtype="float32")
    with pytest.raises(seam.MutatedInput):
        _call(adapted, "shapes.dense_params", [3, 4, 2])


def test_unchanged_float32_inputs_are_not_called_mutated() -> None:
    # Rounding to float32 changes the values handed in; that is not a mutation.
    adapted = namespaces.adapt_function(lambda x: torch.sigmoid(x), "activations.sigmoid", array_namespace="torch", dtype="float32")
    _call(adapted, "activations.sigmoid", np.array([0.1, 1 / 3, np.pi]))


# -- wrong results: a fault naming them, per formula --------------------------------------


def test_numpy_result_where_torch_was_asked() -> None:
    adapted = namespaces.adapt_function(lambda x: np.maximum(np.asarray(x), 0), "activations.relu", array_namespace="torch", dtype="float64")
    with pytest.raises(seam.SubmissionRaised) as raised:
        _call(adapted, "activations.relu", np.array([1.0]))
    text = str(raised.value)
    assert "numpy.ndarray" in text and "torch" in text and "activations.relu" in text


def test_other_dtype_than_asked() -> None:
    adapted = namespaces.adapt_function(lambda x: torch.relu(x).double(), "activations.relu", array_namespace="torch", dtype="float32")
    with pytest.raises(seam.SubmissionRaised) as raised:
        _call(adapted, "activations.relu", np.array([1.0]))
    assert "dtype float64 where float32 was asked" in str(raised.value)


def test_float16_result_is_another_dtype() -> None:
    adapted = namespaces.adapt_function(lambda x: torch.relu(x).half(), "activations.relu", array_namespace="torch", dtype="float32")
    with pytest.raises(seam.SubmissionRaised, match="dtype float16 where float32 was asked"):
        _call(adapted, "activations.relu", np.array([1.0]))


def test_a_wrong_type_is_not_a_valueerror() -> None:
    # A property expecting ValueError on bad input must not accept a wrong array type.
    assert not issubclass(namespaces.WrongArrayType, ValueError)


def test_jax_arrays_where_torch_was_asked() -> None:
    jnp = pytest.importorskip("jax.numpy", reason="jax is optional")
    adapted = namespaces.adapt_function(lambda x: jnp.asarray(x.numpy()), "activations.relu", array_namespace="torch", dtype="float32")
    with pytest.raises(seam.SubmissionRaised, match="jax"):
        _call(adapted, "activations.relu", np.array([1.0]))


def test_jax_namespace_float64() -> None:
    jax = pytest.importorskip("jax", reason="jax is optional")
    import jax.numpy as jnp

    seen: dict[str, Any] = {}

    def sigmoid(x: Any) -> Any:
        seen["x"] = x
        return jax.nn.sigmoid(x)

    adapted = namespaces.adapt_function(sigmoid, "activations.sigmoid", array_namespace="jax.numpy", dtype="float64")
    got = _call(adapted, "activations.sigmoid", np.array([0.0, 2.0]))
    assert isinstance(seen["x"], jax.Array) and seen["x"].dtype == jnp.float64
    np.testing.assert_allclose(got, 1 / (1 + np.exp(-np.array([0.0, 2.0]))), rtol=1e-15)


# -- the plugin ------------------------------------------------------------------------------


def _grade(tmp_path: Path, *options: str, impl: Path | str) -> tuple[subprocess.CompletedProcess[str], dict | None]:
    results = tmp_path / "results.json"
    command = [sys.executable, "-m", "pytest", "--pyargs", "properties", "-q", "-p", "no:cacheprovider",
               "--impl", str(impl), "--grade-json", str(results), *options]
    completed = subprocess.run(command, capture_output=True, text=True, timeout=900, cwd=tmp_path, env=grader_environment())
    return completed, (json.loads(results.read_text()) if results.exists() else None)


@pytest.mark.parametrize(
    ("options", "words"),
    [
        (["--dtype", "float16"], "unknown dtype 'float16'"),
        (["--array-namespace", "nosuchlib_xyz"], "'nosuchlib_xyz' is not installed"),
    ],
)
def test_plugin_rejects_bad_settings_in_one_sentence(tmp_path: Path, options: list[str], words: str) -> None:
    completed, _ = _grade(tmp_path, *options, "--formula", "activations.relu", impl=TORCH_NATIVE)
    assert completed.returncode == pytest.ExitCode.USAGE_ERROR
    assert words in completed.stderr
    assert "Traceback" not in completed.stderr


@pytest.mark.parametrize("sandbox", [[], ["--no-sandbox"]])
def test_torch_native_passes_in_float32_and_float64(tmp_path: Path, sandbox: list[str]) -> None:
    for dtype in ("float64", "float32"):
        completed, results = _grade(
            tmp_path, "--array-namespace", "torch", "--dtype", dtype, "--formula", "softmax.*", *sandbox, impl=TORCH_NATIVE
        )
        assert completed.returncode == 0, completed.stdout[-3000:]
        assert results is not None and all(t["status"] == "passed" for t in results["tests"])


def test_a_numpy_submission_graded_as_torch_fails_per_formula_with_the_reason(tmp_path: Path) -> None:
    submission = tmp_path / "numpy_sub.py"
    submission.write_text(
        "import numpy as np\n"
        "def activations_relu(x):\n    return np.maximum(np.asarray(x), 0.0)\n"
        "def activations_relu_grad(x):\n    return (x > 0) * 1.0\n"
    )
    completed, results = _grade(tmp_path, "--array-namespace", "torch", "--formula", "activations.relu*", impl=submission)
    assert completed.returncode == 1
    assert results is not None
    text = json.dumps(results)
    assert "activations.relu returned a numpy.ndarray" in text and "torch.Tensor" in text
    # (x > 0) * 1.0 is a torch tensor of torch's default dtype, float32: the other dtype, named.
    assert "activations.relu_grad returned torch.Tensor of dtype float32 where float64 was asked" in text
    assert "graded in dtype float64, array namespace torch" in text  # the setting, in every failure text
    assert results["output"].startswith("0 passed, 2 failed")  # per formula; the run itself completed


def test_failure_text_names_dtype_namespace_and_tolerance(tmp_path: Path) -> None:
    submission = tmp_path / "half.py"
    submission.write_text(
        "import torch\n"
        "def softmax_forward(z):\n"
        "    return torch.softmax(z.half(), dim=-1).to(z.dtype)  # computed in float16\n"
    )
    completed, results = _grade(
        tmp_path, "--array-namespace", "torch", "--dtype", "float32", "--formula", "softmax.forward", impl=submission
    )
    assert completed.returncode == 1, completed.stdout[-3000:]
    text = completed.stdout
    assert "graded in dtype float32, array namespace torch" in text
    assert "float32 tolerance" in text and "γ_n" in text
    assert "--dtype float32" in text and "--array-namespace torch" in text  # the reproduce command


def test_in_process_load_implementation_adapts() -> None:
    from gradoracle.submission import load_implementation

    implementation = load_implementation(str(TORCH_NATIVE), array_namespace="torch", dtype="float32")
    assert isinstance(implementation, Implementation)
    got = implementation.call("softmax.forward", np.array([1.0, 2.0, 3.0]))
    np.testing.assert_allclose(got, registry.get("softmax.forward").reference(np.array([1.0, 2.0, 3.0])), rtol=1e-6)
