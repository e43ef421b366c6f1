"""Assignment files (``--assignment FILE``): every mistake in one is an error
naming its line before anything runs; a student's own function names and
argument order are graded exactly like the catalogue's; points, visibility and
partial credit reach results.json."""

from __future__ import annotations

import fcntl
import json
import os
import re
import subprocess
import sys
import textwrap
from pathlib import Path
from typing import Any

import numpy as np
import pytest

from gradoracle.assignment import (
    VISIBILITIES,
    Assignment,
    AssignmentError,
    catalogue_parameters,
    load_assignment,
)
from gradoracle.submission import load_implementation
from meta_tests.helpers import grader_environment
from reference import registry

ROOT = Path(__file__).resolve().parent.parent
EXAMPLE_ASSIGNMENT = ROOT / "examples" / "assignment.toml"


# -- the example -------------------------------------------------------------------------


def test_the_example_assignment_is_the_issue_shape() -> None:
    assignment = load_assignment(EXAMPLE_ASSIGNMENT)
    assert assignment.name == "HW2" and assignment.partial_credit is False
    assert assignment.formula_ids == ["logistic.grad", "softmax.forward"]
    grad = assignment.formulas["logistic.grad"]
    assert (grad.points, grad.visibility, grad.function, grad.args) == (2.0, "visible", "lr_gradient", ("x", "y", "w", "b"))
    # The student's (x, y, w, b) are the catalogue's arguments 2, 3, 0, 1 of (w, b, x, y).
    assert assignment.bindings() == {"logistic.grad": {"function": "lr_gradient", "order": [2, 3, 0, 1]}}
    forward = assignment.formulas["softmax.forward"]
    assert (forward.points, forward.visibility, forward.binding) == (1.0, "after_due_date", None)


def test_parameter_names_are_the_catalogues() -> None:
    # Spot checks against the catalogue's signature column (docs/catalogue.md).
    assert catalogue_parameters("logistic.grad") == ["w", "b", "x", "y"]
    assert catalogue_parameters("softmax.regression_loss") == ["W", "b", "X", "Y"]
    assert catalogue_parameters("batchnorm.backward") == ["dy", "x", "gamma", "eps"]
    assert catalogue_parameters("backprop.mlp_dW1") == ["x", "y", "W1", "b1", "W2", "b2", "mask", "alpha"]
    for formula_id in registry.ids():
        names = catalogue_parameters(formula_id)
        assert names and len(set(names)) == len(names) and all(n.isidentifier() for n in names), formula_id


def test_every_formula_accepts_its_parameters_reversed(tmp_path: Path) -> None:
    lines = []
    for formula_id in registry.ids():
        names = catalogue_parameters(formula_id)
        lines += [f'[formulas."{formula_id}"]', "points = 1", f"args = {json.dumps(names[::-1])}", ""]
    path = tmp_path / "all.toml"
    path.write_text("\n".join(lines))
    assignment = load_assignment(path)
    for formula_id in registry.ids():
        n = len(catalogue_parameters(formula_id))
        expected = None if n == 1 else {"function": None, "order": list(range(n - 1, -1, -1))}
        assert assignment.formulas[formula_id].binding == expected


# -- bad files: an error naming the line, before anything runs ------------------------------

GOOD_HEAD = '[assignment]\nname = "HW2"\npartial_credit = false\n\n'


def _bad(tmp_path: Path, text: str) -> AssignmentError:
    path = tmp_path / "hw.toml"
    path.write_text(text)
    with pytest.raises(AssignmentError) as caught:
        load_assignment(path)
    return caught.value


BAD_FILES = {
    # name: (text, line, words the message must contain)
    "unknown formula ID": (
        GOOD_HEAD + '[formulas."logistic.grd"]\npoints = 2\n',
        5,
        ["unknown formula ID 'logistic.grd'", "did you mean 'logistic.grad'"],
    ),
    "unknown visibility": (
        GOOD_HEAD + '[formulas."logistic.grad"]\npoints = 2\nvisibility = "after_deadline"\n',
        7,
        ["unknown visibility 'after_deadline'", "did you mean 'after_due_date'", "after_published"],
    ),
    "missing points": (
        GOOD_HEAD + '[formulas."softmax.forward"]\nvisibility = "hidden"\n',
        5,
        ["has no `points`"],
    ),
    "points not a number": (
        GOOD_HEAD + '[formulas."softmax.forward"]\npoints = "two"\n',
        6,
        ["points must be a number >= 0, not 'two'"],
    ),
    "negative points": (
        GOOD_HEAD + '[formulas."softmax.forward"]\n\npoints = -1\n',
        7,
        ["points must be a number >= 0, not -1"],
    ),
    "boolean points": (
        GOOD_HEAD + '[formulas."softmax.forward"]\npoints = true\n',
        6,
        ["points must be a number >= 0, not True"],
    ),
    "infinite points": (
        GOOD_HEAD + '[formulas."softmax.forward"]\npoints = inf\n',
        6,
        ["points must be a number >= 0, not inf"],
    ),
    "args missing one": (
        GOOD_HEAD + '[formulas."logistic.grad"]\npoints = 2\nargs = ["x", "y", "w"]\n',
        7,
        ["exactly once", "missing 'b'"],
    ),
    "args with a wrong name": (
        GOOD_HEAD + '[formulas."logistic.grad"]\npoints = 2\nargs = ["x", "y", "weights", "b"]\n',
        7,
        ["'weights' is not a parameter of logistic.grad", "missing 'w'"],
    ),
    "args repeated": (
        GOOD_HEAD + '[formulas."logistic.grad"]\npoints = 2\nargs = ["x", "x", "w", "b"]\n',
        7,
        ["'x' is listed twice", "missing 'y'"],
    ),
    "args not a list": (
        GOOD_HEAD + '[formulas."logistic.grad"]\npoints = 2\nargs = "x, y, w, b"\n',
        7,
        ["args must be a list of parameter names"],
    ),
    "function not an identifier": (
        GOOD_HEAD + '[formulas."logistic.grad"]\npoints = 2\nfunction = "lr-gradient"\n',
        7,
        ["function must be a Python function name, not 'lr-gradient'"],
    ),
    "function a keyword": (
        GOOD_HEAD + '[formulas."logistic.grad"]\npoints = 2\nfunction = "lambda"\n',
        7,
        ["function must be a Python function name, not 'lambda'"],
    ),
    "typo in a formula key": (
        GOOD_HEAD + '[formulas."logistic.grad"]\npoints = 2\nvisibilty = "hidden"\n',
        7,
        ["unknown key 'visibilty'", "did you mean 'visibility'"],
    ),
    "typo in [assignment]": (
        '[assignment]\nname = "HW2"\npartial_credt = true\n\n[formulas."logistic.grad"]\npoints = 2\n',
        3,
        ["unknown key 'partial_credt'", "did you mean 'partial_credit'"],
    ),
    "typo in a table name": (
        GOOD_HEAD + '[formula."logistic.grad"]\npoints = 2\n',
        5,
        ["unknown key 'formula'", "did you mean 'formulas'"],
    ),
    "partial_credit not a boolean": (
        '[assignment]\npartial_credit = "yes"\n\n[formulas."logistic.grad"]\npoints = 2\n',
        2,
        ["partial_credit must be true or false"],
    ),
    "unquoted formula ID": (
        GOOD_HEAD + "[formulas.logistic.grad]\npoints = 2\n",
        5,
        ['quote it: [formulas."logistic.grad"]'],
    ),
    "no formulas": (GOOD_HEAD, 1, ["lists no formulas"]),
    "not TOML": (GOOD_HEAD + '[formulas."logistic.grad"]\npoints = = 2\n', 6, ["not valid TOML"]),
    "formula given inline, with a typo": (
        GOOD_HEAD + '[formulas]\n"logistic.grad" = { points = 2 }\n"softmax.forwrd" = { points = 1 }\n',
        7,
        ["unknown formula ID 'softmax.forwrd'", "did you mean 'softmax.forward'"],
    ),
}


@pytest.mark.parametrize("case", sorted(BAD_FILES))
def test_a_bad_assignment_file_is_an_error_naming_its_line(tmp_path: Path, case: str) -> None:
    text, line, words = BAD_FILES[case]
    error = _bad(tmp_path, text)
    assert len(error.problems) == 1, error.problems
    problem = error.problems[0]
    assert problem.startswith(f"{tmp_path / 'hw.toml'}:{line}: "), problem
    for word in words:
        assert word in problem, problem


def test_every_problem_of_a_file_is_reported_at_once(tmp_path: Path) -> None:
    error = _bad(
        tmp_path,
        GOOD_HEAD
        + '[formulas."logistic.grd"]\npoints = 2\n\n'
        + '[formulas."softmax.forward"]\npoints = -1\nvisibility = "later"\n',
    )
    assert [p.split(":")[1] for p in error.problems] == ["5", "9", "10"], error.problems


def test_a_missing_file_is_an_error(tmp_path: Path) -> None:
    with pytest.raises(AssignmentError, match="cannot read the assignment file"):
        load_assignment(tmp_path / "nowhere.toml")


def test_a_good_file_passes_every_check(tmp_path: Path) -> None:
    # The same shapes as the bad files, written right: none of the checks fires wrongly.
    path = tmp_path / "hw.toml"
    path.write_text(
        GOOD_HEAD
        + '[formulas."logistic.grad"]\npoints = 2.5\nvisibility = "hidden"\nfunction = "lambda_"\n'
        + 'args = ["w", "b", "x", "y"]\n\n'
        + '[formulas]\n"softmax.forward" = { points = 0, visibility = "after_published" }\n'
    )
    assignment = load_assignment(path)
    assert isinstance(assignment, Assignment)
    assert assignment.formulas["logistic.grad"].binding == {"function": "lambda_", "order": None}
    assert assignment.formulas["softmax.forward"].visibility == "after_published"
    assert set(VISIBILITIES) == {"visible", "hidden", "after_due_date", "after_published"}


# -- the student's own names and order ----------------------------------------------------

# One implementation, written twice: once with the catalogue's names and
# argument order, once with the student's own. logistic.grad doubles db and
# softmax.forward normalizes over the whole batch instead of each row (each
# fails some of its properties, not all), logistic.hessian raises in the
# student's code.
_BODIES = {
    "logistic.loss": ("logistic_loss", "my_loss", ["y", "x", "b", "w"], """
    z = x @ w + b
    return float(np.sum(np.logaddexp(0.0, z) - y * z))
"""),
    "logistic.grad": ("logistic_grad", "lr_gradient", ["x", "y", "w", "b"], """
    r = 0.5 * (1.0 + np.tanh(0.5 * (x @ w + b))) - y
    return x.T @ r, 2.0 * float(np.sum(r))
"""),
    "logistic.hessian": ("logistic_hessian", "hess", ["b", "w", "y", "x"], """
    raise ValueError("not done yet")
"""),
    "softmax.forward": ("softmax_forward", "probabilities", ["z"], """
    e = np.exp(z - z.max())
    return e / e.sum()
"""),
}
POINTS = {"logistic.loss": 1, "logistic.grad": 3, "logistic.hessian": 2, "softmax.forward": 4}
VISIBILITY = {
    "logistic.loss": "visible",
    "logistic.grad": "hidden",
    "logistic.hessian": "after_due_date",
    "softmax.forward": "after_published",
}


def _submission(own_names: bool) -> str:
    parts = ["import numpy as np\n"]
    for formula_id, (catalogue_name, own_name, own_args, body) in _BODIES.items():
        name, args = (own_name, own_args) if own_names else (catalogue_name, catalogue_parameters(formula_id))
        parts.append(f"def {name}({', '.join(args)}):{textwrap.indent(textwrap.dedent(body), '    ')}")
    return "\n".join(parts)


def _assignment_text(own_names: bool, partial_credit: bool = True) -> str:
    lines = ["[assignment]", 'name = "renamed"', f"partial_credit = {str(partial_credit).lower()}", ""]
    for formula_id, (_, own_name, own_args, _) in _BODIES.items():
        lines += [f'[formulas."{formula_id}"]', f"points = {POINTS[formula_id]}", f'visibility = "{VISIBILITY[formula_id]}"']
        if own_names:
            lines += [f'function = "{own_name}"', f"args = {json.dumps(own_args)}"]
        lines.append("")
    return "\n".join(lines)


def grade(folder: Path, impl: str, *options: str) -> tuple[subprocess.CompletedProcess[str], dict | None]:
    results = folder / "results.json"
    results.unlink(missing_ok=True)  # a grade left by an earlier run in this folder is not this one's
    command = [sys.executable, "-m", "pytest", "--pyargs", "properties", "-q", "-p", "no:cacheprovider", "-p", "no:xdist"]
    command += ["--impl", impl, "--grade-json", str(results), *options]
    completed = subprocess.run(command, capture_output=True, text=True, timeout=900, cwd=folder, env=grader_environment())
    return completed, (json.loads(results.read_text()) if results.exists() else None)


def _graded_once(tmp_path_factory: pytest.TempPathFactory, key: str, run: Any) -> Any:
    """``run(folder)`` once per test run, shared by the xdist workers through a
    locked directory (each grading is a multi-second subprocess)."""
    run_id = os.environ.get("PYTEST_XDIST_TESTRUNUID")
    base = tmp_path_factory.getbasetemp()
    shared = base / key if run_id is None else base.parent / f"{key}_{run_id}"
    shared.mkdir(exist_ok=True)
    with open(shared / "lock", "w") as lock:
        fcntl.flock(lock, fcntl.LOCK_EX)
        if not (shared / "done.json").exists():
            (shared / "done.json").write_text(json.dumps(run(shared)))
    return json.loads((shared / "done.json").read_text())


@pytest.fixture(scope="session")
def graded_pair(tmp_path_factory: pytest.TempPathFactory) -> dict[str, Any]:
    """The same implementation graded under the catalogue's names and under
    the student's own names (sandboxed): {"catalogue"|"own": {returncode,
    stdout, document, folder}}."""

    def run(shared: Path) -> dict[str, Any]:
        out = {}
        for own in (False, True):
            folder = shared / ("own" if own else "catalogue")
            folder.mkdir(exist_ok=True)
            (folder / "hw2.py").write_text(_submission(own))
            (folder / "hw2.toml").write_text(_assignment_text(own))
            completed, document = grade(folder, str(folder / "hw2.py"), "--assignment", str(folder / "hw2.toml"))
            out["own" if own else "catalogue"] = {
                "returncode": completed.returncode,
                "stdout": completed.stdout + completed.stderr,
                "document": document,
                "folder": str(folder),
            }
        return out

    return _graded_once(tmp_path_factory, "graded_pair", run)


def _by_name(document: dict) -> dict[str, dict]:
    return {t["name"]: t for t in document["tests"]}


def test_own_names_and_order_grade_like_the_catalogues(graded_pair: dict[str, Any]) -> None:
    catalogue, own = graded_pair["catalogue"], graded_pair["own"]
    assert catalogue["document"] is not None, catalogue["stdout"][-3000:]
    assert own["document"] is not None, own["stdout"][-3000:]
    statuses = {k: {n: (t["status"], t["score"]) for n, t in _by_name(v["document"]).items()} for k, v in graded_pair.items()}
    assert statuses["own"] == statuses["catalogue"]
    assert {n: s for n, (s, _) in statuses["own"].items()} == {
        "logistic.loss": "passed",
        "logistic.grad": "failed",
        "logistic.hessian": "failed",
        "softmax.forward": "failed",
    }
    assert own["returncode"] == catalogue["returncode"] == 1
    # The hessian raised in the student's own function, under their name.
    hessian = _by_name(own["document"])["logistic.hessian"]["output"]
    assert "ValueError: not done yet" in hessian and "in hess" in hessian, hessian


def test_points_visibility_and_partial_credit_reach_results_json(graded_pair: dict[str, Any]) -> None:
    document = graded_pair["own"]["document"]
    tests = _by_name(document)
    assert {n: t["max_score"] for n, t in tests.items()} == POINTS
    assert {n: t["visibility"] for n, t in tests.items()} == VISIBILITY
    assert tests["logistic.loss"]["score"] == 1
    assert tests["logistic.hessian"]["score"] == 0  # every property failed
    for name in ("logistic.grad", "softmax.forward"):
        failed, total = map(int, re.match(rf"{re.escape(name)}: (\d+) of (\d+) properties failed", tests[name]["output"]).groups())
        assert 0 < failed < total, tests[name]["output"]
        assert tests[name]["score"] == pytest.approx(POINTS[name] * (total - failed) / total)
        assert 0 < tests[name]["score"] < POINTS[name]
    assert document["score"] == pytest.approx(sum(t["score"] for t in document["tests"]))
    assert document["max_score"] == sum(POINTS.values())
    # The top-level output (shown with the score) tells nothing of hidden formulas.
    assert document["output"].startswith("1 passed, 0 failed, 0 missing of 1 formulas."), document["output"]


def test_the_reproduce_line_names_the_students_file_and_the_assignment(graded_pair: dict[str, Any]) -> None:
    output = _by_name(graded_pair["own"]["document"])["logistic.grad"]["output"]
    line = next(l for l in output.splitlines() if l.startswith("Reproduce: "))
    assert "--impl hw2.py" in line and "--assignment hw2.toml" in line, line


def test_all_or_nothing_without_partial_credit(tmp_path: Path) -> None:
    from gradoracle import report

    results = [
        report.FormulaResult("logistic.grad", "failed", "", properties_passed=2, properties_total=3),
        report.FormulaResult("logistic.loss", "passed", "", properties_passed=3, properties_total=3, score=1.0),
        report.FormulaResult("softmax.forward", "missing", "missing: ...", properties_passed=0, properties_total=4),
    ]
    weights = {"logistic.grad": (3.0, "hidden"), "logistic.loss": (2.0, "visible"), "softmax.forward": (5.0, "visible")}
    strict = {r.name: r.score for r in report.apply_assignment(results, weights)}
    assert strict == {"logistic.grad": 0.0, "logistic.loss": 2.0, "softmax.forward": 0.0}
    partial = {r.name: r.score for r in report.apply_assignment(results, weights, partial_credit=True)}
    assert partial == {"logistic.grad": 2.0, "logistic.loss": 2.0, "softmax.forward": 0.0}


def test_a_student_without_the_named_function_is_missing_it_by_name(tmp_path: Path) -> None:
    (tmp_path / "hw.py").write_text("def logistic_loss(w, b, x, y):\n    return 0.0\n")
    (tmp_path / "hw.toml").write_text('[formulas."logistic.loss"]\npoints = 2\nfunction = "my_loss"\n')
    completed, document = grade(tmp_path, "hw.py", "--assignment", "hw.toml")
    assert document is not None, completed.stdout[-3000:]
    (test,) = document["tests"]
    assert test["status"] == "failed" and test["score"] == 0 and test["max_score"] == 2
    assert test["output"].startswith("missing") and "function my_loss" in test["output"], test["output"]


def test_only_the_assignments_formulas_are_graded_and_formula_narrows_them(tmp_path: Path) -> None:
    (tmp_path / "hw.py").write_text("from numpy import *\n")
    (tmp_path / "hw.toml").write_text('[formulas."logistic.loss"]\npoints = 1\n[formulas."logistic.grad"]\npoints = 1\n')
    completed, document = grade(tmp_path, "hw.py", "--assignment", "hw.toml", "--formula", "*.grad")
    assert document is not None, completed.stdout[-3000:]
    assert [t["name"] for t in document["tests"]] == ["logistic.grad"]
    completed, document = grade(tmp_path, "hw.py", "--assignment", "hw.toml", "--formula", "softmax.*")
    assert completed.returncode == pytest.ExitCode.USAGE_ERROR and document is None
    assert "--formula 'softmax.*' matches no formula of the assignment" in completed.stderr, completed.stderr


def test_a_bad_assignment_stops_pytest_before_anything_runs(tmp_path: Path) -> None:
    marker = tmp_path / "ran"
    (tmp_path / "hw.py").write_text(f"open({str(marker)!r}, 'w').close()\n")
    (tmp_path / "hw.toml").write_text('[formulas."logistic.loss"]\npoints = 1\nvisibility = "hiden"\n')
    completed, document = grade(tmp_path, "hw.py", "--assignment", "hw.toml")
    assert completed.returncode == pytest.ExitCode.USAGE_ERROR
    assert document is None and not marker.exists()
    assert "\nhw.toml:3: unknown visibility 'hiden' (did you mean 'hidden'?)" in completed.stderr, completed.stderr


def test_bindings_reach_an_in_process_implementation(tmp_path: Path) -> None:
    (tmp_path / "hw2.py").write_text(_submission(own_names=True))
    (tmp_path / "hw2.toml").write_text(_assignment_text(own_names=True))
    assignment = load_assignment(tmp_path / "hw2.toml")
    implementation = load_implementation(str(tmp_path / "hw2.py"), bindings=assignment.bindings())
    rng = np.random.default_rng(0)
    w, b, x, y = rng.normal(size=3), 0.3, rng.normal(size=(5, 3)), rng.uniform(size=5)
    expected = registry.get("logistic.loss").reference(w, b, x, y)
    assert implementation.call("logistic.loss", w, b, x, y) == pytest.approx(expected, rel=1e-12)
    without = load_implementation(str(tmp_path / "hw2.py"))
    assert not without.provides("logistic.loss")
