"""The public API: ``gradoracle.assert_formula``, ``check_formula``,
``strategies`` and ``formulas``, in-process, in a caller's own test.

A correct function passes; labelled wrong implementations from the corpus
fail, by the properties that must reject them, with the same report text a
graded submission gets; unknown IDs are refused with suggestions; the verdict
is the same on every run.
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import numpy as np
import pytest
from hypothesis import given, settings

import gradoracle
from gradoracle import api
from mistakes import all_mutants
from meta_tests.helpers import grader_environment, without_snippets
from reference import registry

ROOT = Path(__file__).resolve().parent.parent


def stable_softmax(z: np.ndarray) -> np.ndarray:
    """A correct softmax written independently of the reference."""
    shifted = z - np.max(z, axis=-1, keepdims=True)
    e = np.exp(shifted)
    return e / np.sum(e, axis=-1, keepdims=True)


def mutant(mutant_id: str):
    (found,) = [m for m in all_mutants() if m.id == mutant_id]
    assert not found.companions, "the API checks one function: a mutant whose bug lives in two formulas does not fit"
    return found


# One labelled mutant per kind of bug and several families.
MUTANTS = [
    "softmax.forward/forward_no_max_subtraction",  # stability
    "softmax.forward/forward_float32",  # precision
    "logistic.grad/" + next(m.name for m in all_mutants() if m.formula == "logistic.grad" and not m.companions),
    "activations.elu/elu_in_place",  # contract: mutates its input
    "batchnorm.centered_backward/"
    + next(m.name for m in all_mutants() if m.formula == "batchnorm.centered_backward" and not m.companions),
]


def test_a_correct_function_passes_every_property() -> None:
    verdict = gradoracle.check_formula("softmax.forward", stable_softmax)
    registry.load_properties()
    expected = sorted(p.name for p in registry.get("softmax.forward").properties)
    assert verdict.passed, verdict.text
    assert sorted(p.name for p in verdict.properties) == expected
    assert all(p.outcome == "passed" and p.failure == "" for p in verdict.properties)
    assert verdict.failed == ()
    assert verdict.text == f"softmax.forward: all {len(expected)} properties hold."
    assert (verdict.formula, verdict.dtype, verdict.array_namespace, verdict.profile) == (
        "softmax.forward", "float64", "numpy", "ci",
    )
    gradoracle.assert_formula("softmax.forward", stable_softmax)  # does not raise


@pytest.mark.parametrize(
    "formula_id",
    [
        "optimizers.momentum",  # receives a grad_fn callable
        "shapes.conv_output",  # integers, and must raise ValueError
        "init.he_normal",  # receives a numpy Generator
    ],
)
def test_the_reference_passes_formulas_of_every_kind_of_argument(formula_id: str) -> None:
    gradoracle.assert_formula(formula_id, registry.get(formula_id).reference)


@pytest.mark.parametrize("mutant_id", MUTANTS)
def test_a_known_bad_function_fails_by_the_properties_that_must_reject_it(mutant_id: str) -> None:
    bad = mutant(mutant_id)
    verdict = gradoracle.check_formula(bad.formula, bad.fn)
    assert not verdict.passed
    failed = {p.name for p in verdict.failed}
    assert set(bad.killed_by) <= failed, (bad.id, bad.killed_by, verdict.text)
    for prop in verdict.failed:
        assert f"FAILED {bad.formula}: {prop.claim}" in verdict.text
        assert prop.failure and prop.failure in verdict.text
    assert verdict.text.startswith(f"{bad.formula}: {len(failed)} of {len(verdict.properties)} properties failed.")


def test_the_report_text_is_the_one_a_graded_submission_gets(tmp_path: Path) -> None:
    """The same function graded by ``pytest --impl`` (in-process, grading profile)
    and checked with the API (profile="grading"): the same per-formula text,
    but for the reproduce line, which says how to rerun each."""
    bad = mutant("softmax.forward/forward_no_max_subtraction")
    submission = tmp_path / "submission.py"
    submission.write_text(
        "from mistakes import all_mutants\n"
        f"FORMULAS = {{m.formula: m.fn for m in all_mutants() if m.id == {bad.id!r}}}\n"
    )
    results = tmp_path / "results.json"
    env = {**grader_environment(), "PYTHONPATH": os.pathsep.join(filter(None, [str(ROOT), os.environ.get("PYTHONPATH")]))}
    subprocess.run(
        [sys.executable, "-m", "pytest", "-q", "-p", "no:cacheprovider", "-p", "no:xdist", "--pyargs", "properties",
         "--impl", str(submission), "--no-sandbox", "--formula", bad.formula, "--grade-json", str(results)],
        capture_output=True, text=True, timeout=600, cwd=tmp_path, env=env,
    )
    (graded,) = json.loads(results.read_text())["tests"]
    verdict = gradoracle.check_formula(bad.formula, bad.fn, profile="grading")

    def without_reproduce(text: str) -> list[str]:
        # Both say how to rerun the check; only a graded file gets the snippet
        # that imports it (the API's fn has no file to import).
        return [line for line in without_snippets(text).splitlines() if not line.startswith("Reproduce: ")]

    assert graded["status"] == "failed"
    assert without_reproduce(verdict.text) == without_reproduce(graded["output"])
    assert "Reproduce: gradoracle.assert_formula('softmax.forward', fn, profile='grading')" in verdict.text


def test_the_same_function_gets_the_same_verdict_every_time_and_assert_raises_its_text() -> None:
    bad = mutant("softmax.forward/forward_float32")
    first = gradoracle.check_formula(bad.formula, bad.fn)
    second = gradoracle.check_formula(bad.formula, bad.fn)
    assert first == second
    with pytest.raises(AssertionError) as raised:
        gradoracle.assert_formula(bad.formula, bad.fn)
    assert str(raised.value) == first.text


def test_the_profile_applies_to_this_call_only() -> None:
    registry.load_properties()
    tests = [p.test for p in registry.get("logistic.grad").properties]
    before = [t._hypothesis_internal_use_settings for t in tests]
    gradoracle.check_formula("logistic.grad", registry.get("logistic.grad").reference, profile="dev")
    assert [t._hypothesis_internal_use_settings for t in tests] == before


def test_unknown_formula_ids_are_refused_with_suggestions() -> None:
    with pytest.raises(gradoracle.UnknownFormulaError, match=r"no formula 'softmax.forwad'.*did you mean 'softmax.forward'"):
        gradoracle.assert_formula("softmax.forwad", stable_softmax)
    with pytest.raises(ValueError, match=r"no formula 'batchnorm'.*'batchnorm\."):
        gradoracle.check_formula("batchnorm", stable_softmax)
    with pytest.raises(gradoracle.UnknownFormulaError, match="gradoracle.formulas\\(\\) lists every ID"):
        gradoracle.strategies("nonsense")


def test_bad_arguments_are_refused_clearly() -> None:
    with pytest.raises(TypeError, match="fn must be callable"):
        gradoracle.check_formula("softmax.forward", "not a function")  # type: ignore[arg-type]
    with pytest.raises(ValueError, match="no gradoracle profile 'fast'"):
        gradoracle.check_formula("softmax.forward", stable_softmax, profile="fast")


def test_formulas_lists_every_id_with_its_signature() -> None:
    listing = gradoracle.formulas()
    assert list(listing) == registry.ids() and len(listing) == 73
    assert listing["softmax.forward"] == "(z)"
    assert listing["activations.leaky_relu"] == "(x, alpha=0.01)"
    assert listing["optimizers.sgd"] == "(grad_fn, theta0, steps, lr)"


def test_strategies_draw_argument_tuples_the_reference_accepts() -> None:
    reference = registry.get("logistic.loss").reference
    drawn = []

    @settings(max_examples=10, database=None, derandomize=True)
    @given(gradoracle.strategies("logistic.loss"))
    def check(args: tuple) -> None:
        assert isinstance(args, tuple) and len(args) == 4
        assert np.isfinite(reference(*args))
        drawn.append(args)

    check()
    assert len(drawn) == 10


def test_import_gradoracle_stays_light() -> None:
    code = "import sys, gradoracle; print(sorted(m for m in ('numpy', 'hypothesis', 'reference') if m in sys.modules))"
    printed = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True).stdout
    assert printed.strip() == "[]"
    assert set(gradoracle.__all__) >= {"assert_formula", "check_formula", "strategies", "formulas"}
    assert gradoracle.assert_formula is api.assert_formula


# -- other dtypes and array namespaces (gradoracle.namespaces) -----------------------


def test_a_correct_float32_function_passes_and_a_float16_one_fails() -> None:
    import numpy as np

    def softmax32(z):
        shifted = np.exp(z - np.max(z, axis=-1, keepdims=True))
        return shifted / np.sum(shifted, axis=-1, keepdims=True)

    def softmax16(z):
        return softmax32(np.asarray(z, dtype=np.float16)).astype(np.float32)

    right = gradoracle.check_formula("softmax.forward", softmax32, dtype="float32")
    assert right.passed, right.text
    assert right.dtype == "float32"
    wrong = gradoracle.check_formula("softmax.forward", softmax16, dtype="float32")
    assert not wrong.passed
    assert "float32" in wrong.text


def test_a_torch_function_is_checked_with_tensors() -> None:
    torch = pytest.importorskip("torch", reason="torch is not installed (pip install -e .[autodiff])")

    def softmax(z):
        assert isinstance(z, torch.Tensor)
        return torch.softmax(z, dim=-1)

    verdict = gradoracle.check_formula("softmax.forward", softmax, array_namespace="torch", dtype="float32")
    assert verdict.passed, verdict.text
    assert verdict.array_namespace == "torch"
    halved = gradoracle.check_formula(
        "softmax.forward", lambda z: torch.softmax(z, dim=-1) / 2, array_namespace="torch", dtype="float32"
    )
    assert not halved.passed


def test_an_unknown_dtype_or_namespace_is_refused() -> None:
    with pytest.raises(ValueError, match="float16|dtype"):
        gradoracle.check_formula("softmax.forward", lambda z: z, dtype="float16")
    with pytest.raises(ValueError, match="no_such_array_library"):
        gradoracle.check_formula("softmax.forward", lambda z: z, array_namespace="no_such_array_library")
