"""The command line a grader types, end to end: options, results.json, exit
status, and the same report for the same submission every time."""

from __future__ import annotations

import fcntl
import json
import os
import shlex
import subprocess
import sys
from pathlib import Path

import pytest

from meta_tests.helpers import grader_environment

EXAMPLE = Path(__file__).resolve().parent.parent / "examples" / "student_submission.py"


def grade(tmp_path: Path, *options: str, impl: Path | str | None = EXAMPLE, name: str = "results.json") -> tuple[subprocess.CompletedProcess[str], dict | None]:
    results = tmp_path / name
    command = [sys.executable, "-m", "pytest", "--pyargs", "properties", "-q", "-p", "no:cacheprovider"]
    if impl is not None:
        command += ["--impl", str(impl)]
    command += ["--grade-json", str(results), *options]
    completed = subprocess.run(command, capture_output=True, text=True, timeout=600, cwd=tmp_path, env=grader_environment())
    return completed, (json.loads(results.read_text()) if results.exists() else None)


@pytest.fixture(scope="session")
def graded_example(tmp_path_factory: pytest.TempPathFactory) -> tuple[int, str, dict]:
    """The example submission's logistic family graded once per test run, shared
    by the xdist workers through a locked directory, because each grading is a
    multi-second subprocess."""
    run_id = os.environ.get("PYTEST_XDIST_TESTRUNUID")
    if run_id is None:
        shared = tmp_path_factory.getbasetemp() / "graded_example"
    else:  # one directory per test run, shared by its workers
        shared = tmp_path_factory.getbasetemp().parent / f"graded_example_{run_id}"
    shared.mkdir(exist_ok=True)
    with open(shared / "lock", "w") as lock:
        fcntl.flock(lock, fcntl.LOCK_EX)
        if not (shared / "done.json").exists():
            completed, document = grade(shared, "--formula", "logistic.*", "-p", "no:xdist")
            (shared / "done.json").write_text(json.dumps([completed.returncode, completed.stdout, document]))
    returncode, stdout, document = json.loads((shared / "done.json").read_text())
    return returncode, stdout, document


def test_results_json_follows_gradescope_and_the_catalogue(graded_example: tuple[int, str, dict]) -> None:
    returncode, stdout, document = graded_example
    assert returncode == 1, stdout[-3000:]  # logistic.grad has a bug
    assert document is not None
    assert set(document) >= {"score", "max_score", "tests"}
    names = [t["name"] for t in document["tests"]]
    assert names == ["logistic.gd_step", "logistic.grad", "logistic.hessian", "logistic.loss"]
    by_name = {t["name"]: t for t in document["tests"]}
    for test in document["tests"]:
        assert set(test) >= {"name", "score", "max_score", "status", "output"}
        assert test["status"] in ("passed", "failed")
    grad = by_name["logistic.grad"]
    assert grad["status"] == "failed" and grad["score"] == 0
    for words in ("agrees with the reference", "expected", "got", "Minimal failing input", "Reproduce: pytest"):
        assert words in grad["output"], grad["output"]
    assert by_name["logistic.loss"]["status"] == "passed"
    assert document["score"] == sum(t["score"] for t in document["tests"]) == 3
    assert "gradoracle report" in stdout


def test_same_submission_same_report_with_or_without_xdist(tmp_path: Path, graded_example: tuple[int, str, dict]) -> None:
    serial = graded_example[2]
    _, parallel = grade(tmp_path, "--formula", "logistic.*", "-n", "2")
    assert serial is not None and parallel is not None
    # Everything but the time it took (Gradescope's execution_time).
    assert {**serial, "execution_time": 0} == {**parallel, "execution_time": 0}


def test_the_reproduce_line_reproduces_the_failure(tmp_path: Path, graded_example: tuple[int, str, dict]) -> None:
    document = graded_example[2]
    output = next(t["output"] for t in document["tests"] if t["name"] == "logistic.grad")
    command = next(line for line in output.splitlines() if line.startswith("Reproduce: "))
    words = shlex.split(command.removeprefix("Reproduce: "))
    assert words[0] == "pytest"
    # It names the student's file as they know it (no grader path): it runs
    # where that file is.
    assert words[words.index("--impl") + 1] == EXAMPLE.name
    rerun = subprocess.run(
        [sys.executable, "-m", *words, "-p", "no:cacheprovider", "-p", "no:xdist"],
        capture_output=True, text=True, timeout=600, cwd=EXAMPLE.parent, env=grader_environment(),
    )
    assert rerun.returncode == 1, rerun.stdout[-3000:]
    minimal_input = output.split("Minimal failing input", 1)[1].split("Reproduce:", 1)[0].strip()
    assert minimal_input and minimal_input.splitlines()[1] in rerun.stdout


def test_missing_formulas_score_zero_and_never_pass(tmp_path: Path) -> None:
    submission = tmp_path / "partial.py"
    # Its own loss: a jailed submission cannot import the grader's `reference`.
    submission.write_text(
        "import numpy as np\n\n\ndef logistic_loss(w, b, x, y):\n    z = x @ w + b\n"
        "    return float(np.sum(y * np.logaddexp(0, -z) + (1 - y) * np.logaddexp(0, z)))\n"
    )
    completed, document = grade(tmp_path, "--formula", "logistic.*", "-p", "no:xdist", impl=submission)
    assert document is not None
    by_name = {t["name"]: t for t in document["tests"]}
    assert by_name["logistic.loss"]["status"] == "passed"
    for name in ("logistic.grad", "logistic.hessian", "logistic.gd_step"):
        assert by_name[name]["status"] == "failed" and by_name[name]["score"] == 0
        assert by_name[name]["output"].startswith("missing")
    assert completed.returncode == 0  # nothing graded failed
    assert "skipped" in completed.stdout


def test_an_unimportable_submission_is_reported_once_with_everything_missing(tmp_path: Path) -> None:
    submission = tmp_path / "broken.py"
    submission.write_text("def oops(:\n")
    completed, document = grade(tmp_path, "--formula", "logistic.*", "-n", "2", impl=submission)
    assert completed.returncode != 0
    assert completed.stdout.count("could not be imported") == 1, completed.stdout[-3000:]
    assert document is not None and document["score"] == 0
    assert all(t["output"].startswith("missing") for t in document["tests"])


def test_unknown_formula_glob_is_a_usage_error(tmp_path: Path) -> None:
    completed, _ = grade(tmp_path, "--formula", "nonsense.*", "-p", "no:xdist")
    assert completed.returncode == pytest.ExitCode.USAGE_ERROR
    assert "matches no formula ID" in completed.stderr + completed.stdout


def test_without_impl_the_reference_is_checked(tmp_path: Path) -> None:
    completed, document = grade(tmp_path, "--formula", "logistic.*", "-p", "no:xdist", impl=None)
    assert completed.returncode == 0, completed.stdout[-3000:]
    assert document is not None and document["score"] == document["max_score"] == 4


def test_reference_lists_its_formulas() -> None:
    listing = subprocess.run([sys.executable, "-m", "reference", "--list"], capture_output=True, text=True, check=True)
    ids = listing.stdout.split()
    assert "logistic.grad" in ids and ids == sorted(ids)
