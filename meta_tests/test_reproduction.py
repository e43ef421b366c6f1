"""The reproduction snippet stands alone: its literals round-trip exactly, and
it runs with plain Python and numpy (the grader's packages not importable),
imports the student's module by its file name, and shows the failure."""

from __future__ import annotations

import shutil
import subprocess
import sys
import textwrap
from pathlib import Path

import numpy as np
import pytest

from gradoracle import callables, diagnosis, reproduction
from gradoracle.submission import Implementation, load_implementation, take_recorded_calls
from meta_tests.helpers import properties_by_name, run_property

ROOT = Path(__file__).resolve().parent.parent
STUDENT = ROOT / "examples" / "student_submission.py"
NUMPY_HOME = str(Path(np.__file__).resolve().parent.parent)


@pytest.mark.parametrize(
    "value",
    [
        np.array([0.1, 1 / 3, -2.5e-300, 1e308, np.nan, np.inf, -np.inf]),
        np.array([[1.0000000000000002, 2.0], [3.0, 4.0]], dtype=np.float32),
        np.zeros((0, 3)),
        np.array(7.25),
        np.array([[1, 2], [3, 4]], dtype=np.int64),
        (0.1 + 0.2, 3, True, None, [1.5, np.array([2.0])]),
        np.float32(0.1),
    ],
    ids=["float64", "float32", "empty", "0-d", "int", "tuple", "float32-scalar"],
)
def test_literals_round_trip_exactly(value: object) -> None:
    context = reproduction._Context()
    source = reproduction.literal(value, context)
    namespace: dict[str, object] = {"np": np}
    rebuilt = eval(source, namespace)
    _assert_identical(rebuilt, value)


def _assert_identical(a: object, b: object) -> None:
    if isinstance(b, (tuple, list)):
        assert type(a) is type(b) and len(a) == len(b)
        for x, y in zip(a, b):
            _assert_identical(x, y)
        return
    if isinstance(b, (np.ndarray, np.generic)):
        assert isinstance(a, type(b)) and np.asarray(a).dtype == np.asarray(b).dtype
        assert np.asarray(a).shape == np.asarray(b).shape
        assert np.array_equal(a, b, equal_nan=True)
        return
    assert a == b and type(a) is type(b)


def test_generators_and_callables_are_rebuilt_from_their_data() -> None:
    rng = np.random.default_rng(1234)
    rng.normal(size=5)  # a state that is not the seed's
    gradient = callables.WigglyGradient(A=np.eye(2), b=np.array([0.1, -0.2]), c=np.array([0.5, 0.0]), omega=np.array([1.0, 3.0]))
    context = reproduction._Context()
    source = reproduction.literal((rng, gradient), context)
    namespace: dict[str, object] = {"np": np}
    for definition in context.definitions.values():
        exec("from typing import Any\n" + definition, namespace)
    rebuilt_rng, rebuilt_gradient = eval(source, namespace)
    assert np.array_equal(rebuilt_rng.normal(size=8), rng.normal(size=8))
    theta = np.array([0.3, -1.2])
    assert np.array_equal(rebuilt_gradient(theta), gradient(theta))


def test_an_unrepresentable_argument_gets_no_snippet() -> None:
    with pytest.raises(reproduction.Unrepresentable):
        reproduction.literal(object())


# -- the snippets run without the grader ---------------------------------------------------


def _run_alone(snippet: str, folder: Path) -> subprocess.CompletedProcess[str]:
    """Run ``snippet`` in ``folder`` with an isolated interpreter (-I: no
    PYTHONPATH, no user site; -S: no site-packages, so the grader's editable
    install is not importable) that only has numpy's folder on its path."""
    script = folder / "reproduce.py"
    script.write_text(snippet)
    bootstrap = (
        f"import sys; sys.path.append({NUMPY_HOME!r}); "
        "sys.argv = ['reproduce.py']; "
        "exec(compile(open('reproduce.py').read(), 'reproduce.py', 'exec'), {'__name__': '__main__'})"
    )
    return subprocess.run(
        [sys.executable, "-I", "-S", "-c", bootstrap],
        capture_output=True, text=True, timeout=120, cwd=folder, env={"PATH": "/usr/bin:/bin"},
    )


def test_the_isolated_interpreter_cannot_import_the_grader(tmp_path: Path) -> None:
    completed = _run_alone("import gradoracle\n", tmp_path)
    assert completed.returncode != 0 and "ModuleNotFoundError" in completed.stderr
    completed = _run_alone("import reference\n", tmp_path)
    assert completed.returncode != 0 and "ModuleNotFoundError" in completed.stderr


def _snippet_for(implementation: Implementation, spec: str, formula_id: str, test_name: str) -> str:
    prop = properties_by_name()[f"{formula_id}::{test_name}"]
    take_recorded_calls(formula_id)
    failure = run_property(prop, implementation)
    assert failure is not None
    feedback = diagnosis.feedback_for_failure(
        implementation, formula_id, failure, take_recorded_calls(formula_id), spec=spec, test_name=test_name
    )
    assert feedback.snippet is not None
    return feedback.snippet


def _lines(stdout: str) -> dict[str, str]:
    return {line.split(":", 1)[0].strip(): line.split(":", 1)[1].strip() for line in stdout.splitlines() if ":" in line}


@pytest.mark.parametrize(
    ("formula_id", "test_name", "got_words"),
    [
        ("logistic.grad", "test_grad_agrees_with_reference", "0.5"),
        # A data-built callable argument (grad_fn):
        ("optimizers.adam", "test_adam_follows_update", "[["),
        ("shapes.conv_output", "test_conv_output_rejects_inexact_stride", "(1, 1)"),
        # nan: a seam fault, still reproduced
        ("softmax.forward", "test_forward_is_finite_for_large_logits", "nan"),
    ],
)
def test_snippets_reproduce_the_example_submissions_failures(tmp_path: Path, formula_id: str, test_name: str, got_words: str) -> None:
    shutil.copy(STUDENT, tmp_path / STUDENT.name)
    snippet = _snippet_for(load_implementation(str(STUDENT)), str(STUDENT), formula_id, test_name)
    assert "import_module('student_submission')" in snippet
    completed = _run_alone(snippet, tmp_path)
    assert completed.returncode == 0, completed.stderr
    printed = _lines(completed.stdout)
    assert printed["same"] == "False", completed.stdout
    assert got_words in printed["got"], completed.stdout


WRONG_HE_NORMAL = textwrap.dedent(
    """
    import numpy as np


    def init_he_normal(n_in, n_out, rng):
        return rng.normal(0.0, np.sqrt(1.0 / n_in), size=(n_out, n_in))  # the Xavier-like 1/n_in


    FORMULAS = {"newton.root": lambda f, fprime, x0, steps: np.full(steps + 1, float(x0))}
    """
)


def test_snippets_with_a_generator_and_a_module_name(tmp_path: Path) -> None:
    """init.he_normal takes a numpy Generator (rebuilt from its state); the
    submission is given as a module name (imported by name); newton.root takes
    data-built callables (f, fprime) and is found in FORMULAS."""
    (tmp_path / "my_homework.py").write_text(WRONG_HE_NORMAL)
    sys.path.insert(0, str(tmp_path))
    try:
        implementation = load_implementation("my_homework")
        cases = [("init.he_normal", "test_he_normal_mean_and_variance"), ("newton.root", "test_root_agrees_with_reference")]
        for formula_id, test_name in cases:
            snippet = _snippet_for(implementation, "my_homework", formula_id, test_name)
            assert "import_module('my_homework')" in snippet
            assert ("generator_from_state(" if formula_id == "init.he_normal" else "(DataCallable):") in snippet
            completed = _run_alone(snippet, tmp_path)
            assert completed.returncode == 0, completed.stderr
            assert _lines(completed.stdout)["same"] == "False", completed.stdout
    finally:
        sys.path.remove(str(tmp_path))
        sys.modules.pop("my_homework", None)


def test_a_correct_submission_reproduces_as_same(tmp_path: Path) -> None:
    """Known-good counterpart: the same snippet with the reference's values
    for the student's module prints same: True, so "False" above is evidence."""
    shutil.copy(STUDENT, tmp_path / STUDENT.name)
    args = (np.array([0.5, -1.0]), 0.25, np.array([[1.0, 2.0], [-1.0, 0.5]]), np.array([1.0, 0.0]))
    from reference import logistic

    snippet = reproduction.snippet(
        spec=str(STUDENT), formula_id="logistic.loss", args=args, expected=logistic.loss(*args)
    )
    completed = _run_alone(snippet, tmp_path)
    assert completed.returncode == 0, completed.stderr
    assert _lines(completed.stdout)["same"] == "True", completed.stdout
