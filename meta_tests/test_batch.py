"""``gradoracle grade-all``: a class folder in, one results.json per submission
and a gradebook out, with a row and a reason for every entry it could not grade."""

from __future__ import annotations

import csv
import json
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

from meta_tests.helpers import grader_environment

ROOT = Path(__file__).resolve().parent.parent
EXAMPLES = ROOT / "examples"

# The grade-all run, the class folder and the output folder.
GradedClass = tuple[subprocess.CompletedProcess[str], Path, Path]


@pytest.fixture(scope="module")
def graded_class(tmp_path_factory: pytest.TempPathFactory) -> GradedClass:
    """A class of every kind of entry an instructor's folder holds, graded once
    on the logistic family (a few seconds per submission)."""
    base = tmp_path_factory.mktemp("class")
    folder = base / "class"
    folder.mkdir()
    shutil.copy(EXAMPLES / "reference_submission.py", folder / "correct.py")
    shutil.copy(EXAMPLES / "student_submission.py", folder / "buggy.py")
    (folder / "buggy_again").mkdir()
    shutil.copy(EXAMPLES / "student_submission.py", folder / "buggy_again" / "submission.py")
    (folder / "syntax_error.py").write_text("def oops(:\n")
    (folder / "empty").mkdir()
    (folder / "two_files").mkdir()
    (folder / "two_files" / "a.py").write_text("")
    (folder / "two_files" / "b.py").write_text("")
    out = base / "out"
    completed = subprocess.run(
        [sys.executable, "-m", "gradoracle.cli", "grade-all", str(folder), "--out", str(out), "-j", "2", "--formula", "logistic.*"],
        capture_output=True, text=True, timeout=600, cwd=base, env=grader_environment(),
    )
    return completed, folder, out


def _gradebook(out: Path) -> dict[str, dict[str, str]]:
    with (out / "gradebook.csv").open(newline="") as handle:
        return {row["submission"]: row for row in csv.DictReader(handle)}


def test_every_entry_is_a_row_and_the_run_survives(graded_class: GradedClass) -> None:
    completed, _, out = graded_class
    assert completed.returncode == 0, completed.stderr[-3000:]
    rows = _gradebook(out)
    assert sorted(rows) == ["buggy", "buggy_again", "correct", "empty", "syntax_error", "two_files"]
    assert rows["correct"]["score"] == "4" and rows["correct"]["status"] == "graded"
    assert rows["correct"]["logistic.grad"] == "passed"
    # The example's logistic.grad bug (db a mean where the loss is a sum) costs exactly that formula.
    assert rows["buggy"]["logistic.grad"] == "failed" and rows["buggy"]["logistic.loss"] == "passed"
    assert rows["syntax_error"]["score"] == "0"
    assert rows["syntax_error"]["status"].startswith("does not import: ") and "SyntaxError" in rows["syntax_error"]["status"]
    assert rows["syntax_error"]["logistic.grad"] == "missing"
    assert rows["empty"]["status"] == "not graded: no .py file in the folder"
    assert "cannot tell which of 2 .py files" in rows["two_files"]["status"]


def test_progress_is_shown_per_submission(graded_class: GradedClass) -> None:
    completed, _, _ = graded_class
    for k in range(1, 7):
        assert f"[{k}/6]" in completed.stderr, completed.stderr[-3000:]


def test_the_same_file_gets_the_same_results_json(graded_class: GradedClass) -> None:
    _, folder, out = graded_class
    first = (out / "buggy" / "results.json").read_text()
    second = (out / "buggy_again" / "results.json").read_text()
    # Only the reproduce lines differ: each names its own file.
    second = second.replace(str(folder / "buggy_again" / "submission.py"), str(folder / "buggy.py"))
    # ... and so do the reproduction snippets, which import each file by its name.
    second = second.replace("import_module('submission')", "import_module('buggy')")
    second = second.replace("holds submission.py", "holds buggy.py")
    assert json.loads(first) == json.loads(second)
    assert json.loads(first)["score"] < json.loads(first)["max_score"]


def test_an_unimportable_submission_says_so_above_its_tests(graded_class: GradedClass) -> None:
    _, _, out = graded_class
    document = json.loads((out / "syntax_error" / "results.json").read_text())
    assert document["output"].startswith("The submission could not be imported")
    assert "SyntaxError" in document["output"].splitlines()[0]
