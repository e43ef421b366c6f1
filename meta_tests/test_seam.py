"""Every way a submission can misbehave at a call becomes a precise message,
the same in this process and in the sandboxed worker."""

from __future__ import annotations

import textwrap
from pathlib import Path
from typing import Any, Callable

import numpy as np
import pytest

from gradoracle import seam
from gradoracle.sandbox import SandboxedImplementation, SandboxLimits
from gradoracle.submission import (
    Implementation,
    SubmissionImportError,
    import_submission,
    load_implementation,
    lookup_formulas,
)

ARGS = (np.array([0.5, -1.0]), 0.25, np.array([[1.0, 2.0], [-1.0, 0.5]]), np.array([1.0, 0.0]))


def _dw_db(w, b, x, y):
    from reference.logistic import grad

    return grad(w, b, x, y)


def _mutating(w, b, x, y):
    x *= 2
    return _dw_db(w, b, x, y)


MISBEHAVIOURS: dict[str, tuple[Callable[..., Any], type, str]] = {
    "raises": (lambda *a: 1 / 0, seam.SubmissionRaised, "raised ZeroDivisionError"),
    "returns None": (lambda *a: None, seam.MalformedResult, "returned None"),
    "returns one value for a pair": (lambda *a: np.zeros(2), seam.MalformedResult, "expected a tuple of 2"),
    "returns a triple": (lambda *a: (np.zeros(2), 0.0, 1.0), seam.MalformedResult, "of 3 values"),
    "wrong shape": (lambda *a: (np.zeros((2, 1)), 0.0), seam.MalformedResult, "shape (2, 1)"),
    "not numbers": (lambda *a: ("dw", 0.0), seam.MalformedResult, "item 0"),
    "nan": (lambda *a: (np.array([np.nan, 0.0]), 0.0), seam.NonFiniteResult, "returned nan"),
    "inf": (lambda *a: (np.zeros(2), np.inf), seam.NonFiniteResult, "returned inf"),
    "complex": (lambda *a: (np.zeros(2, complex), 0.0), seam.MalformedResult, "complex"),
    "mutates x": (_mutating, seam.MutatedInput, "argument 3 in place"),
    "sys.exit": (lambda *a: exit(3), seam.SubmissionRaised, "SystemExit"),
}


@pytest.mark.parametrize("case", sorted(MISBEHAVIOURS))
def test_misbehaviour_is_named_in_process(case: str) -> None:
    fn, fault, words = MISBEHAVIOURS[case]
    implementation = Implementation("test", {"logistic.grad": fn})
    with pytest.raises(fault) as caught:
        implementation.call("logistic.grad", *ARGS)
    assert words in str(caught.value) and str(caught.value).startswith("logistic.grad")


def test_results_are_normalized_to_the_reference_structure() -> None:
    implementation = Implementation(
        "lists", {"logistic.grad": lambda *a: [list(_dw_db(*a)[0]), np.float32(_dw_db(*a)[1])]}
    )
    dw, db = implementation.call("logistic.grad", *ARGS)
    assert isinstance(dw, np.ndarray) and dw.dtype == np.float64 and isinstance(db, float)


def test_an_overflow_warning_alone_is_recorded_not_failed() -> None:
    def loss_with_warning(w, b, x, y):
        np.exp(np.array([1000.0]))
        from reference.logistic import loss

        return loss(w, b, x, y)

    seam.observed_warnings.clear()
    Implementation("warns", {"logistic.loss": loss_with_warning}).call("logistic.loss", *ARGS)
    assert any("overflow" in w for w in seam.observed_warnings["logistic.loss"])


SANDBOXED_SOURCE = """
import numpy as np
FORMULAS = {"logistic.grad": lambda w, b, x, y: (np.zeros((2, 1)), 0.0)}
def logistic_grad(w, b, x, y):
    raise AssertionError("FORMULAS must win over the function")
def logistic_loss(w, b, x, y):
    x *= 2
    return 1.0
def logistic_hessian(w, b, x, y):
    return object()
"""


def test_the_sandbox_reports_what_the_process_reports(tmp_path: Path) -> None:
    path = tmp_path / "student.py"
    path.write_text(textwrap.dedent(SANDBOXED_SOURCE))
    implementation = SandboxedImplementation(str(path), SandboxLimits(call_seconds=10))
    try:
        with pytest.raises(seam.MalformedResult, match=r"shape \(2, 1\)"):
            implementation.call("logistic.grad", *ARGS)
        with pytest.raises(seam.MutatedInput, match="argument 3"):
            implementation.call("logistic.loss", *ARGS)
        with pytest.raises(seam.MalformedResult, match="returned an object"):
            implementation.call("logistic.hessian", *ARGS)
        assert not implementation.provides("logistic.gd_step")
    finally:
        implementation.close()


def test_lookup_rule_prefers_the_formulas_table(tmp_path: Path) -> None:
    path = tmp_path / "student.py"
    path.write_text(textwrap.dedent(SANDBOXED_SOURCE))
    module = import_submission(str(path))
    found = lookup_formulas(module, ["logistic.grad", "logistic.loss", "logistic.gd_step"])
    assert found["logistic.grad"] is module.FORMULAS["logistic.grad"]
    assert found["logistic.loss"] is module.logistic_loss
    assert "logistic.gd_step" not in found


@pytest.mark.parametrize(
    "source, words",
    [
        ("def f(:\n", "SyntaxError"),
        ("import no_such_module_here\n", "ModuleNotFoundError"),
        ("raise SystemExit(2)\n", "SystemExit"),
    ],
)
def test_an_unimportable_submission_is_one_clear_error(tmp_path: Path, source: str, words: str) -> None:
    path = tmp_path / "broken.py"
    path.write_text(source)
    with pytest.raises(SubmissionImportError, match=words):
        load_implementation(str(path))
    with pytest.raises(SubmissionImportError, match=words):
        SandboxedImplementation(str(path), SandboxLimits(call_seconds=10))


def test_a_missing_path_is_an_import_error() -> None:
    with pytest.raises(SubmissionImportError, match="no submission file"):
        load_implementation("/nowhere/student.py")
