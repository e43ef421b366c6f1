"""Diagnosis names a mistake only when the submission behaves like it on every
input tried, never for a correct submission, never for a seam fault; a
raising mistake is skipped; two matches are both named; the plugin prints
``Likely mistake:`` on its own line."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest

from gradoracle import diagnosis
from gradoracle.diagnosis import LIKELY_MISTAKE, candidate_from_mistake, diagnose, strategy_inputs
from gradoracle.submission import Implementation, load_implementation, reference_implementation, take_recorded_calls
from meta_tests.helpers import properties_by_name, run_property
from meta_tests.test_plugin import graded_example  # noqa: F401  (the shared graded run, a fixture)
from mistakes import Mutant
from reference import logistic as ref_logistic
from reference import registry

ROOT = Path(__file__).resolve().parent.parent
STUDENT = ROOT / "examples" / "student_submission.py"
INDEPENDENT = ROOT / "benchmarks" / "submissions" / "independent_numpy.py"
FORMULAS = registry.ids()


@pytest.fixture(scope="module")
def independent() -> Implementation:
    return load_implementation(str(INDEPENDENT))


@pytest.fixture(scope="module")
def student() -> Implementation:
    return load_implementation(str(STUDENT))


def _failure_of(implementation: Implementation, formula_id: str, test_name: str) -> tuple[BaseException, list[tuple]]:
    """Run one property as grading would and return its failure and the
    formula's last recorded calls."""
    prop = properties_by_name()[f"{formula_id}::{test_name}"]
    take_recorded_calls(formula_id)
    failure = run_property(prop, implementation)
    assert failure is not None, f"{formula_id}::{test_name} accepted {implementation.name}"
    return failure, take_recorded_calls(formula_id)


# -- no correct submission is ever told it made a mistake ---------------------------------


@pytest.mark.parametrize("formula_id", FORMULAS)
def test_no_likely_mistake_for_a_correct_submission(formula_id: str, independent: Implementation) -> None:
    """Diagnosis called directly on the formula's strategy inputs (a correct
    submission does not fail, so grading would never call it): the
    independent correct submission and the reference get nothing, and neither
    does the matching rule itself when the early exit is bypassed."""
    failing = strategy_inputs(formula_id, 3)
    for implementation in (independent, reference_implementation()):
        if not implementation.provides(formula_id):
            continue
        result = diagnose(implementation, formula_id, failing)
        assert result.mistakes == [], f"{implementation.name} {formula_id}: {result.explanations}"
        # The rule itself, without the "agrees with the reference everywhere" exit:
        candidates = diagnosis.candidates_for(formula_id)
        sample = next(r.value for r in result.reference if isinstance(r, diagnosis._Value))
        candidates += diagnosis._generic_candidates(formula_id, result.inputs, sample)
        assert diagnosis._matching(candidates, result) == [], f"{implementation.name} {formula_id}"


def test_the_correct_submission_check_can_fail(student: Implementation) -> None:
    """Known-bad counterpart: the same direct call on a wrong submission names its mistake."""
    result = diagnose(student, "logistic.grad", strategy_inputs("logistic.grad", 3))
    assert result.mistakes


# -- the example submission's mistakes are named ---------------------------------------------

STUDENT_CASES = [
    ("logistic.grad", "test_grad_agrees_with_reference", "db is the mean of (ŷ − y) over the batch"),
    ("logistic.grad", "test_grad_is_derivative_of_loss", "db is the mean of (ŷ − y) over the batch"),
    ("activations.relu_grad", "test_relu_grad_is_zero_at_the_kink", "relu'(0) = 1"),
    ("matcalc.quadratic_grad", "test_quadratic_grad_agrees_with_reference", "(A + Aᵀ)x"),
    ("optimizers.adam", "test_adam_follows_update", "δ is inside the square root"),
    ("shapes.conv_output", "test_conv_output_rejects_inexact_stride", "Floor division"),
    ("batchnorm.forward", "test_forward_agrees_with_reference", "unbiased"),
]


@pytest.mark.parametrize(("formula_id", "test_name", "words"), STUDENT_CASES)
def test_the_example_submissions_mistakes_are_named(student: Implementation, formula_id: str, test_name: str, words: str) -> None:
    failure, recorded = _failure_of(student, formula_id, test_name)
    result = diagnose(student, formula_id, recorded, failure=failure)
    assert len(result.mistakes) == 1 and words in result.explanations[0], result.explanations


def test_a_seam_fault_gets_no_diagnosis(student: Implementation) -> None:
    """softmax.forward returns nan for large logits: the plain message, no diagnosis."""
    failure, recorded = _failure_of(student, "softmax.forward", "test_forward_is_finite_for_large_logits")
    result = diagnose(student, "softmax.forward", recorded, failure=failure)
    assert result.mistakes == [] and "seam fault" in result.skipped_reason


def _db_averaged(w, b, x, y):
    dw, db = ref_logistic.grad(w, b, x, y)
    return dw, db / len(y)


def test_a_wrong_shape_gets_no_diagnosis() -> None:
    """A submission returning db as a length-1 array where a number is expected:
    a MalformedResult, so nothing is named, although the value is the averaged db."""
    def db_as_array(w, b, x, y):
        dw, db = _db_averaged(w, b, x, y)
        return dw, np.array([db, db])

    implementation = Implementation("shape", {"logistic.grad": db_as_array})
    failure, recorded = _failure_of(implementation, "logistic.grad", "test_grad_agrees_with_reference")
    assert type(failure).__name__ == "MalformedResult"
    assert diagnose(implementation, "logistic.grad", recorded, failure=failure).mistakes == []


# -- the matching rule -------------------------------------------------------------------------


def _mutant(fn, name: str, description: str) -> Mutant:
    return Mutant("logistic.grad", name, "derivation", description, fn, lambda: (), ("test",))


def test_two_matching_mistakes_are_both_named() -> None:
    def db_over_len_x(w, b, x, y):
        dw, db = ref_logistic.grad(w, b, x, y)
        return dw, db / x.shape[0]

    implementation = Implementation("averaged", {"logistic.grad": _db_averaged})
    known = [
        candidate_from_mistake("logistic.grad", _mutant(_db_averaged, "by_len_y", "first explanation")),
        candidate_from_mistake("logistic.grad", _mutant(db_over_len_x, "by_len_x", "second explanation")),
    ]
    result = diagnose(implementation, "logistic.grad", strategy_inputs("logistic.grad", 2), known=known)
    assert result.explanations == ["first explanation", "second explanation"]


def test_a_mistake_that_matches_on_some_inputs_only_is_not_named() -> None:
    """The submission is the averaged-db mistake only for batches of two; the
    strategy inputs include other batch sizes, so the mistake is not claimed."""
    def averaged_for_two(w, b, x, y):
        return _db_averaged(w, b, x, y) if len(y) == 2 else ref_logistic.grad(w, b, x, y)

    inputs = strategy_inputs("logistic.grad")
    assert any(len(args[3]) not in (1, 2) for args in inputs), "the strategy inputs must vary the batch size"
    w, b, x, y = inputs[0]
    failing = (w, b, np.vstack([x[:1], x[:1] + 1.0]), np.array([1.0, 0.0]))
    implementation = Implementation("sometimes", {"logistic.grad": averaged_for_two})
    known = [candidate_from_mistake("logistic.grad", _mutant(_db_averaged, "averaged", "averaged"))]
    assert diagnose(implementation, "logistic.grad", [failing], known=known, generic=False).mistakes == []
    # Known-bad counterpart: the same call names it for the submission that always averages.
    always = Implementation("always", {"logistic.grad": _db_averaged})
    assert diagnose(always, "logistic.grad", [failing], known=known, generic=False).explanations == ["averaged"]


def test_a_raising_mistake_is_skipped_on_that_input() -> None:
    """A known mistake that raises on some inputs is judged on the others (and
    still named); one that raises everywhere is never named."""
    def averaged_unless_one(w, b, x, y):
        if len(y) == 1:
            raise ValueError("this mistake cannot handle one example")
        return _db_averaged(w, b, x, y)

    def always_raises(w, b, x, y):
        raise ZeroDivisionError("never works")

    implementation = Implementation("averaged", {"logistic.grad": _db_averaged})
    inputs = strategy_inputs("logistic.grad")
    one = (inputs[0][0], inputs[0][1], inputs[0][2][:1], inputs[0][3][:1])
    known = [
        candidate_from_mistake("logistic.grad", _mutant(averaged_unless_one, "unless_one", "skips one")),
        candidate_from_mistake("logistic.grad", _mutant(always_raises, "raises", "always raises")),
    ]
    result = diagnose(implementation, "logistic.grad", [one], known=known, generic=False)
    assert result.explanations == ["skips one"]


def test_generic_transformations_name_a_mistake_the_corpus_does_not_hold() -> None:
    """dw doubled: no known mistake of logistic.grad, the factor-2 transformation of dw."""
    def dw_doubled(w, b, x, y):
        dw, db = ref_logistic.grad(w, b, x, y)
        return 2 * dw, db

    implementation = Implementation("doubled", {"logistic.grad": dw_doubled})
    failure, recorded = _failure_of(implementation, "logistic.grad", "test_grad_agrees_with_reference")
    result = diagnose(implementation, "logistic.grad", recorded, failure=failure)
    assert result.explanations == ["dw is twice the right value: a factor 2 too many (e.g. the 2 of d(u²)/du kept where a ½ cancels it)"]


def test_a_transposed_result_is_named() -> None:
    def transposed(K):
        return registry.get("matcalc.logdet_grad").reference(K).T

    implementation = Implementation("transposed", {"matcalc.logdet_grad": transposed})
    inputs = strategy_inputs("matcalc.logdet_grad")
    result = diagnose(implementation, "matcalc.logdet_grad", inputs[:1], known=[])
    assert [c.key for c in result.mistakes] == ["matcalc.logdet_grad/generic:None:transpose"], result.explanations


def test_the_same_submission_gets_the_same_diagnosis(student: Implementation) -> None:
    failure, recorded = _failure_of(student, "logistic.grad", "test_grad_agrees_with_reference")
    first = diagnose(student, "logistic.grad", recorded, failure=failure)
    diagnosis._STRATEGY_CACHE.clear()
    second = diagnose(student, "logistic.grad", recorded, failure=failure)
    assert first.explanations == second.explanations
    assert all(diagnosis._same_args(a, b) for a, b in zip(first.inputs, second.inputs))


def test_every_known_mistake_has_a_student_explanation() -> None:
    from mistakes import all_mutants

    for m in all_mutants():
        assert m.description and m.description.rstrip().endswith((".", ")", "”")), m.id


# -- through the plugin ------------------------------------------------------------------------


def test_the_grader_prints_likely_mistake_on_its_own_line(graded_example: tuple[int, str, dict]) -> None:
    """The example's logistic family graded by the plugin (sandboxed, shared with
    test_plugin): the failure's second line names the mistake; the passing
    formulas' outputs name none."""
    outputs = {t["name"]: t["output"] for t in graded_example[2]["tests"]}
    grad = outputs["logistic.grad"].splitlines()
    failures = [i for i, line in enumerate(grad) if line.startswith("FAILED logistic.grad")]
    assert failures
    for i in failures:
        assert grad[i + 1] == (
            f"{LIKELY_MISTAKE} db is the mean of (ŷ − y) over the batch; the loss is a sum, so db = Σ(ŷ − y)."
        )
    assert "Reproduce without the grader" in outputs["logistic.grad"]
    for name in ("logistic.loss", "logistic.hessian", "logistic.gd_step"):
        assert LIKELY_MISTAKE not in outputs[name]


def test_a_submission_that_raises_is_judged_on_the_other_inputs() -> None:
    """The submission raises for a single example and averages db otherwise. A
    known mistake that returns a value for a single example disagrees with the
    raise, so it is not named; one that raises there too is skipped on that
    input and named."""
    def raises_for_one(w, b, x, y):
        if len(y) == 1:
            raise ValueError("needs two examples")
        return _db_averaged(w, b, x, y)

    def averaged_unless_one(w, b, x, y):
        if len(y) == 1:
            raise ValueError("needs two examples")
        return _db_averaged(w, b, x, y)

    implementation = Implementation("raises", {"logistic.grad": raises_for_one})
    w, b, x, y = strategy_inputs("logistic.grad")[0]
    one = (w, b, x[:1], y[:1])  # the failing input: a single example
    returns = [candidate_from_mistake("logistic.grad", _mutant(_db_averaged, "returns", "returns for one"))]
    assert diagnose(implementation, "logistic.grad", [one], known=returns, generic=False).mistakes == []
    raising = [candidate_from_mistake("logistic.grad", _mutant(averaged_unless_one, "raising", "raises for one"))]
    assert diagnose(implementation, "logistic.grad", [one], known=raising, generic=False).explanations == ["raises for one"]


def test_a_coincidence_at_a_repeated_value_is_not_a_diagnosis() -> None:
    """σ(x) for σ'(x) equals 2σ'(x) at x = 0, where σ' is ¼ everywhere: tried
    on zeros only, "twice the right value" is a coincidence and is not named.
    Known-bad counterpart: the submission that really doubles σ' is named."""
    from scipy.special import expit

    zeros = [(np.zeros(3),), (np.zeros((2, 2)),)]
    sigma = Implementation("sigma", {"activations.sigmoid_grad": lambda x: expit(x)})
    assert diagnose(sigma, "activations.sigmoid_grad", zeros, extra_inputs=0, known=[]).mistakes == []
    doubled = Implementation("doubled", {"activations.sigmoid_grad": lambda x: 2 * expit(x) * expit(-x)})
    varied = [(np.array([0.0, 1.0, -2.0]),), (np.array([[0.5, 3.0], [-1.0, 0.25]]),)]
    result = diagnose(doubled, "activations.sigmoid_grad", varied, extra_inputs=0, known=[])
    assert [c.key for c in result.mistakes] == ["activations.sigmoid_grad/generic:None:times2"]
