"""results.json: Gradescope's fields, none of the grader's paths, and never a
grade from a run that could not grade (a collection, fixture, usage or
internal error)."""

from __future__ import annotations

import json
import re
import subprocess
import sys
import tempfile
from pathlib import Path
from typing import Any

import pytest

from gradoracle import report
from meta_tests.helpers import grader_environment
from meta_tests.test_assignment import graded_pair  # noqa: F401 (a fixture, shared with that module)

ROOT = Path(__file__).resolve().parent.parent
REFERENCE_SUBMISSION = ROOT / "benchmarks" / "submissions" / "independent_numpy.py"  # correct, and stands alone in the jail

jsonschema = pytest.importorskip("jsonschema", reason="validating against Gradescope's spec needs jsonschema")

VISIBILITY = {"enum": ["hidden", "after_due_date", "after_published", "visible"]}
# Gradescope's autograder output format
# (https://gradescope-autograders.readthedocs.io/en/latest/specs/#output-format),
# closed: a field Gradescope does not define is an error, except our top-level
# "max_score" (Gradescope ignores it; gradebooks read it).
GRADESCOPE_RESULTS = {
    "type": "object",
    "required": ["score", "execution_time", "output", "visibility", "stdout_visibility", "tests"],
    "additionalProperties": False,
    "properties": {
        "score": {"type": "number"},
        "max_score": {"type": "number", "minimum": 0},
        "execution_time": {"type": "number", "minimum": 0},
        "output": {"type": "string"},
        "output_format": {"enum": ["text", "html", "simple_format", "md", "ansi"]},
        "visibility": VISIBILITY,
        "stdout_visibility": VISIBILITY,
        "extra_data": {"type": "object"},
        "tests": {
            "type": "array",
            "items": {
                "type": "object",
                "required": ["name", "score", "max_score", "status", "visibility", "output"],
                "additionalProperties": False,
                "properties": {
                    "name": {"type": "string", "pattern": r"^[a-z0-9_]+\.[A-Za-z0-9_]+$"},
                    "score": {"type": "number", "minimum": 0},
                    "max_score": {"type": "number", "minimum": 0},
                    "status": {"enum": ["passed", "failed"]},
                    "visibility": VISIBILITY,
                    "output": {"type": "string"},
                    "number": {"type": "string"},
                    "tags": {"type": "array", "items": {"type": "string"}},
                    "extra_data": {"type": "object"},
                },
            },
        },
    },
}


def validate(document: dict[str, Any]) -> None:
    jsonschema.validate(document, GRADESCOPE_RESULTS)
    for test in document["tests"]:
        assert test["score"] <= test["max_score"], test
    assert document["score"] == pytest.approx(sum(t["score"] for t in document["tests"]))


def grade(folder: Path, *options: str, cwd: Path | None = None) -> tuple[subprocess.CompletedProcess[str], Path]:
    results = folder / "results.json"
    results.unlink(missing_ok=True)
    command = [sys.executable, "-m", "pytest", "-q", "-p", "no:cacheprovider", "-p", "no:xdist", *options]
    command += ["--grade-json", str(results)]
    completed = subprocess.run(
        command, capture_output=True, text=True, timeout=900, cwd=cwd or folder, env=grader_environment()
    )
    return completed, results


# -- the specification ---------------------------------------------------------------------


def test_the_schema_rejects_what_gradescope_would() -> None:
    good = report.results_document(
        [report.FormulaResult("logistic.loss", "passed", "ok", 3, 3, score=1.0)], execution_time=1.23
    )
    validate(good)
    bad_cases = [
        {**good, "visibility": "later"},
        {k: v for k, v in good.items() if k != "execution_time"},
        {**good, "tests": [{**good["tests"][0], "status": "missing"}]},
        {**good, "tests": [{**good["tests"][0], "visiblity": "hidden"}]},
        {**good, "tests": [{k: v for k, v in good["tests"][0].items() if k != "max_score"}]},
    ]
    for bad in bad_cases:
        with pytest.raises(jsonschema.ValidationError):
            validate(bad)


def test_every_kind_of_result_follows_the_spec() -> None:
    results = [
        report.FormulaResult("logistic.grad", "failed", "FAILED ...", 1, 3),
        report.FormulaResult("logistic.loss", "passed", "all hold", 3, 3, score=1.0),
        report.FormulaResult("softmax.forward", "missing", "missing: no function", 0, 4),
    ]
    weights = {"logistic.grad": (2.5, "hidden"), "softmax.forward": (1.0, "after_due_date")}
    for partial in (False, True):
        scored = report.apply_assignment(results, weights, partial_credit=partial)
        validate(report.results_document(scored, execution_time=0.0))
        validate(report.results_document(scored, import_error="SyntaxError: x", execution_time=7.0))
        tampered = report.mark_tampering(scored, ["reference/logistic.py"])
        validate(report.results_document(tampered, execution_time=1.0))
        assert [t.visibility for t in tampered] == [t.visibility for t in scored]


def test_graded_documents_follow_the_spec(graded_pair: dict[str, Any]) -> None:  # noqa: F811
    for run in graded_pair.values():
        assert run["document"] is not None, run["stdout"][-3000:]
        validate(run["document"])
        assert run["document"]["stdout_visibility"] == "hidden"  # stdout holds hidden formulas' failures


# -- no grader paths ---------------------------------------------------------------------------

_ANY_ABSOLUTE_PATH = re.compile(r"(?<![\w.~])/(?:[\w.+@-]+/)+[\w.+@-]*")


def _grader_places(*extra: Path) -> list[str]:
    places = {str(ROOT), str(ROOT.resolve()), tempfile.gettempdir() + "/", sys.prefix, sys.base_prefix}
    places.update(str(p) for p in extra)
    return sorted(places)


def assert_no_grader_paths(document: dict[str, Any], *extra: Path) -> None:
    for text in [document["output"], *(t["output"] for t in document["tests"])]:
        for place in _grader_places(*extra):
            assert place not in text, f"{place!r} appears in:\n{text}"
        found = _ANY_ABSOLUTE_PATH.findall(text)
        assert not found, f"absolute paths {found} appear in:\n{text}"


@pytest.mark.parametrize(
    "text, submission, expected",
    [
        ('File "/srv/class/alice/hw2.py", line 3, in f', "/srv/class/alice/hw2.py", 'File "hw2.py", line 3, in f'),
        ('File "/work/x/gradoracle/loading.py", line 60', "hw2.py", 'File ".../loading.py", line 60'),
        ('File "/tmp/gradoracle-sandbox-1/hw2.py", line 3', "/srv/alice/hw2.py", 'File "hw2.py", line 3'),
        ("no submission file at '/tmp/ab/x.py'", None, "no submission file at '.../x.py'"),
        ("1/(1+exp(-x)) and a/b and ±1e4/2", None, "1/(1+exp(-x)) and a/b and ±1e4/2"),
        ("at /usr/lib/python3.11/site-packages/numpy/core.py:12: overflow", None, "at .../core.py:12: overflow"),
    ],
)
def test_grader_paths_are_stripped(text: str, submission: str | None, expected: str) -> None:
    assert report.strip_grader_paths(text, submission=submission) == expected


def test_a_failing_grade_shows_no_grader_path(graded_pair: dict[str, Any]) -> None:  # noqa: F811
    for run in graded_pair.values():
        document = run["document"]
        assert document is not None and document["score"] < document["max_score"]
        # The hessian raised in the student's file: its traceback is there, by file name only.
        hessian = next(t["output"] for t in document["tests"] if t["name"] == "logistic.hessian")
        assert 'File "hw2.py"' in hessian, hessian
        assert_no_grader_paths(document, Path(run["folder"]))


def test_an_unimportable_submission_in_a_temporary_folder_shows_no_grader_path(tmp_path: Path) -> None:
    (tmp_path / "broken.py").write_text("import numpy\nraise RuntimeError('half done')\n")
    completed, results = grade(tmp_path, "--pyargs", "properties", "--impl", str(tmp_path / "broken.py"), "--formula", "logistic.loss")
    assert results.exists(), completed.stdout[-3000:]
    document = json.loads(results.read_text())
    assert "RuntimeError: half done (broken.py, line 2)" in document["output"], document["output"]
    assert_no_grader_paths(document, tmp_path)
    validate(document)


# -- a run that could not grade writes no grade -----------------------------------------------


def test_the_short_form_from_the_repository_root_grades_only_the_properties(tmp_path: Path) -> None:
    # The case: `pytest --impl FILE` from the root, FILE outside it, used
    # to stop in collection (pytest_plugins in meta_tests/conftest.py) and give 0.
    submission = tmp_path / "mine.py"
    submission.write_text(REFERENCE_SUBMISSION.read_text())
    completed, results = grade(tmp_path, "--impl", str(submission), "--formula", "logistic.loss", cwd=ROOT)
    assert completed.returncode == 0, completed.stdout[-3000:]
    assert "error" not in completed.stdout.lower().split("gradoracle report")[0], completed.stdout[-3000:]
    document = json.loads(results.read_text())
    assert [(t["name"], t["status"]) for t in document["tests"]] == [("logistic.loss", "passed")]
    assert "3 passed" in completed.stdout  # logistic.loss's properties, and nothing else ran


def test_a_collection_error_writes_no_grade(tmp_path: Path) -> None:
    (tmp_path / "test_broken.py").write_text("def oops(:\n")
    properties = str(ROOT / "properties")
    selection = ["--impl", str(REFERENCE_SUBMISSION), "--formula", "logistic.loss"]
    runs = {
        "stops in collection": [properties, "test_broken.py", *selection],
        "continues after it": [properties, "test_broken.py", "--continue-on-collection-errors", *selection],
        "pytest's internal error": ["--pyargs", "properties", "test_broken", *selection],
    }
    for name, options in runs.items():
        completed, results = grade(tmp_path, *options)
        assert completed.returncode not in (0, 1), (name, completed.stdout[-3000:])
        assert not results.exists(), name
        if name != "pytest's internal error":  # pytest ends that before any summary
            assert "No grade was given" in completed.stdout, (name, completed.stdout[-3000:])
            assert "collection error" in completed.stdout, (name, completed.stdout[-3000:])


def test_an_error_in_a_grader_fixture_writes_no_grade(tmp_path: Path) -> None:
    (tmp_path / "conftest.py").write_text(
        "import pytest\n\n@pytest.fixture(autouse=True)\ndef broken():\n    raise RuntimeError('grader fixture broke')\n"
    )
    completed, results = grade(
        tmp_path, "--pyargs", "properties", "--impl", str(REFERENCE_SUBMISSION), "--formula", "logistic.loss"
    )
    assert completed.returncode == pytest.ExitCode.INTERNAL_ERROR, completed.stdout[-3000:]
    assert not results.exists()
    assert "RuntimeError in setup" in completed.stdout and "grader fixture broke" in completed.stdout


def test_a_submission_dying_at_import_is_its_failure_not_the_graders(tmp_path: Path) -> None:
    # The contrast to the fixture error: the submission's own fault, met while
    # the grader's fixture imports it, is a grade (every formula missing).
    (tmp_path / "dies.py").write_text("import os\nos._exit(3)\n")
    completed, results = grade(tmp_path, "--pyargs", "properties", "--impl", "dies.py", "--formula", "logistic.loss")
    assert completed.returncode == 1, completed.stdout[-3000:]
    document = json.loads(results.read_text())
    assert document["score"] == 0 and "os._exit" in document["output"], document
    validate(document)


def test_nothing_collected_writes_no_grade(tmp_path: Path) -> None:
    # Without --pyargs, outside the repository, pytest finds no properties.
    # --impl=PATH, one word: a separate PATH is taken by pytest, before the plugin
    # registers --impl, as a test argument for its rootdir (it depends on where the
    # checkout lies, e.g. under /tmp).
    completed, results = grade(tmp_path, f"--impl={REFERENCE_SUBMISSION}")
    assert completed.returncode == pytest.ExitCode.NO_TESTS_COLLECTED, completed.stdout[-3000:]
    assert not results.exists()
    assert "No grade was given" in completed.stdout


def test_a_usage_error_writes_no_grade(tmp_path: Path) -> None:
    completed, results = grade(tmp_path, "--pyargs", "properties", "--impl", str(REFERENCE_SUBMISSION), "--formula", "nonsense.*")
    assert completed.returncode == pytest.ExitCode.USAGE_ERROR
    assert not results.exists()


def test_a_stale_results_json_is_removed_before_grading(tmp_path: Path) -> None:
    # An earlier results.json at the target would read as this run's grade if
    # the run is killed or grades nothing: it is removed when the grade starts.
    results = tmp_path / "results.json"
    results.write_text('{"score": 7}')
    command = [sys.executable, "-m", "pytest", "-q", "-p", "no:cacheprovider", "-p", "no:xdist"]
    command += ["--impl", str(REFERENCE_SUBMISSION), "--grade-json", str(results)]
    completed = subprocess.run(command, capture_output=True, text=True, timeout=900, cwd=tmp_path, env=grader_environment())
    assert completed.returncode == pytest.ExitCode.NO_TESTS_COLLECTED
    assert not results.exists(), "an earlier results.json survived a run that gave no grade"
    assert "No grade was given" in completed.stdout, completed.stdout[-3000:]


def test_a_crashed_xdist_worker_writes_no_grade(tmp_path: Path) -> None:
    # The crashed property never ran: the formula's other properties passing
    # must not make it a pass.
    (tmp_path / "conftest.py").write_text(
        "import os, pytest\n\n@pytest.fixture(autouse=True)\ndef crash(request):\n"
        "    if 'convex' in request.node.name:\n        os._exit(1)\n"
    )
    command = [sys.executable, "-m", "pytest", "-q", "-p", "no:cacheprovider", "-n", "1", "--pyargs", "properties"]
    command += ["--impl", str(REFERENCE_SUBMISSION), "--formula", "logistic.loss", "--grade-json", "results.json"]
    completed = subprocess.run(command, capture_output=True, text=True, timeout=900, cwd=tmp_path, env=grader_environment())
    assert "crashed" in completed.stdout, completed.stdout[-3000:]
    assert completed.returncode == pytest.ExitCode.INTERNAL_ERROR, completed.stdout[-3000:]
    assert not (tmp_path / "results.json").exists()


def test_a_run_stopped_at_the_first_failure_writes_no_grade(tmp_path: Path) -> None:
    (tmp_path / "zero.py").write_text("def logistic_loss(w, b, x, y):\n    return 0.0\n")
    completed, results = grade(tmp_path, "--pyargs", "properties", "--impl", "zero.py", "--formula", "logistic.loss", "-x")
    assert completed.returncode != 0 and not results.exists(), completed.stdout[-3000:]
    assert "stopped early" in completed.stdout
    # Without -x the same submission gets its grade.
    completed, results = grade(tmp_path, "--pyargs", "properties", "--impl", "zero.py", "--formula", "logistic.loss")
    assert completed.returncode == 1 and json.loads(results.read_text())["score"] == 0
