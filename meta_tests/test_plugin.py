"""The command line a grader types, end to end: options, results.json, exit
status, and the same report for the same submission every time."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

import pytest

EXAMPLE = Path(__file__).resolve().parent.parent / "examples" / "student_submission.py"


def grade(tmp_path: Path, *options: str, impl: Path | str | None = EXAMPLE, name: str = "results.json") -> tuple[subprocess.CompletedProcess[str], dict | None]:
    results = tmp_path / name
    command = [sys.executable, "-m", "pytest", "--pyargs", "properties", "-q", "-p", "no:cacheprovider"]
    if impl is not None:
        command += ["--impl", str(impl)]
    command += ["--grade-json", str(results), *options]
    completed = subprocess.run(command, capture_output=True, text=True, timeout=600, cwd=tmp_path)
    return completed, (json.loads(results.read_text()) if results.exists() else None)


def test_results_json_follows_gradescope_and_the_catalogue(tmp_path: Path) -> None:
    completed, document = grade(tmp_path, "--formula", "logistic.*", "-p", "no:xdist")
    assert completed.returncode == 1, completed.stdout[-3000:]  # logistic.grad has a bug
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
    assert "gradoracle report" in completed.stdout


def test_same_submission_same_report_with_or_without_xdist(tmp_path: Path) -> None:
    _, serial = grade(tmp_path, "--formula", "logistic.*", "-p", "no:xdist", name="serial.json")
    _, parallel = grade(tmp_path, "--formula", "logistic.*", "-n", "2", name="parallel.json")
    assert serial == parallel


def test_missing_formulas_score_zero_and_never_pass(tmp_path: Path) -> None:
    submission = tmp_path / "partial.py"
    submission.write_text("from reference.logistic import loss as logistic_loss\n")
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
