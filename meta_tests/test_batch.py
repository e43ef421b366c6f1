"""``gradoracle grade-all``: a class folder in, one results.json per submission,
a gradebook and a class report out, with a row and a reason for every entry;
a non-zero exit only when the grader failed; ``--shard K/N`` and ``merge``."""

from __future__ import annotations

import csv
import json
import os
import random
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

from gradoracle.classroom import Entry, Shard, find_submissions, parse_shard, resolve_entry
from meta_tests.helpers import grader_environment, without_snippets

ROOT = Path(__file__).resolve().parent.parent
EXAMPLES = ROOT / "examples"

# The grade-all run, the class folder and the output folder.
GradedClass = tuple[subprocess.CompletedProcess[str], Path, Path]


def _gradoracle(*args: str, cwd: Path, timeout: float = 600) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "-m", "gradoracle.cli", *args],
        capture_output=True, text=True, timeout=timeout, cwd=cwd, env=grader_environment(),
    )


@pytest.fixture(scope="module")
def graded_class(tmp_path_factory: pytest.TempPathFactory) -> GradedClass:
    """A class of every kind of entry an instructor's folder holds, graded once
    on the logistic family (a few seconds per submission), named by relative
    paths as an instructor types them."""
    base = tmp_path_factory.mktemp("class")
    folder = base / "class"
    folder.mkdir()
    # A correct submission that stands alone (the reference submission imports the
    # grader's `reference`, which a jailed worker cannot see).
    shutil.copy(ROOT / "benchmarks" / "submissions" / "independent_numpy.py", folder / "correct.py")
    shutil.copy(EXAMPLES / "student_submission.py", folder / "buggy.py")
    (folder / "buggy_again").mkdir()  # a folder with one .py file (not named submission.py) and a note
    shutil.copy(EXAMPLES / "student_submission.py", folder / "buggy_again" / "hw2.py")
    (folder / "buggy_again" / "README.txt").write_text("my answers\n")
    shutil.copy(EXAMPLES / "student_notebook.ipynb", folder / "notebook.ipynb")
    (folder / "broken.ipynb").write_text("def softmax(z):\n    return z\n")
    (folder / "syntax_error.py").write_text("def oops(:\n")
    (folder / "empty").mkdir()
    (folder / "two_files").mkdir()
    (folder / "two_files" / "a.py").write_text("")
    (folder / "two_files" / "b.py").write_text("")
    (folder / "notes.txt").write_text("grading notes\n")
    completed = _gradoracle(
        "grade-all", "class", "--out", "out", "-j", "2", "--formula", "logistic.*", "--progress-every", "0", cwd=base
    )
    return completed, folder, base / "out"


def _gradebook(out: Path) -> dict[str, dict[str, str]]:
    with (out / "gradebook.csv").open(newline="") as handle:
        return {row["submission"]: row for row in csv.DictReader(handle)}


def test_every_entry_is_a_row_and_the_run_survives(graded_class: GradedClass) -> None:
    completed, _, out = graded_class
    assert completed.returncode == 0, completed.stderr[-3000:]
    rows = _gradebook(out)
    assert sorted(rows) == [
        "broken", "buggy", "buggy_again", "correct", "empty", "notebook", "notes", "syntax_error", "two_files"
    ]
    assert rows["correct"]["score"] == "4" and rows["correct"]["status"] == "graded"
    assert rows["correct"]["logistic.grad"] == "passed"
    # The example's logistic.grad bug (db a mean where the loss is a sum) costs exactly that formula.
    for name in ("buggy", "buggy_again", "notebook"):
        assert rows[name]["logistic.grad"] == "failed" and rows[name]["logistic.loss"] == "passed", name
        assert rows[name]["score"] == "3" and rows[name]["status"] == "graded", name
    assert rows["syntax_error"]["score"] == "0"
    assert rows["syntax_error"]["status"].startswith("does not import: ") and "SyntaxError" in rows["syntax_error"]["status"]
    assert rows["syntax_error"]["logistic.grad"] == "missing"
    assert rows["broken"]["status"] == "does not import: broken.ipynb is not a notebook: it is not JSON"
    assert rows["broken"]["score"] == "0"
    assert rows["empty"]["status"] == "not a submission: no .py or .ipynb file in the folder"
    assert rows["two_files"]["status"].startswith("not a submission: cannot tell which of 2 files to grade (a.py, b.py)")
    assert rows["notes"]["status"] == "not a submission: a .txt file is not a submission (.py or .ipynb)"
    for name in ("empty", "two_files", "notes"):
        assert rows[name]["score"] == "0" and rows[name]["max_score"] == "", name


def test_progress_is_shown_per_submission_and_per_formula(graded_class: GradedClass) -> None:
    completed, _, _ = graded_class
    for k in range(1, 10):
        assert f"[{k}/9]" in completed.stderr, completed.stderr[-3000:]
    # --progress-every 0: every formula of a grade is reported as it finishes.
    for k in range(1, 5):
        assert f"    correct: {k}/4 formulas (logistic." in completed.stderr, completed.stderr[-3000:]
    assert "gradoracle-progress" not in completed.stderr


def test_the_same_file_gets_the_same_results_json(graded_class: GradedClass) -> None:
    _, _, out = graded_class
    first = json.loads((out / "buggy" / "results.json").read_text())
    second = json.loads((out / "buggy_again" / "results.json").read_text())
    for document in (first, second):
        document.pop("execution_time")
    # Only the reproduce lines differ: each names its own entry, and each
    # reproduction snippet imports its own file (meta_tests/test_reproduction.py
    # checks the snippets themselves).
    for document in (first, second):
        for test in document["tests"]:
            test["output"] = without_snippets(test["output"])
    text = json.dumps(second).replace("--impl buggy_again", "--impl buggy.py")
    assert json.loads(text) == first
    assert first["score"] < first["max_score"]
    assert "/" not in json.dumps(first).split("--impl ", 1)[1].split(" ", 1)[0]


def test_a_notebook_report_lists_what_was_skipped(graded_class: GradedClass) -> None:
    _, _, out = graded_class
    output = json.loads((out / "notebook" / "results.json").read_text())["output"]
    assert "Notebook notebook.ipynb: only imports and definitions were run" in output
    assert "cell 7, line 2: a loop (for step in range(500):)" in output


def test_an_unimportable_submission_says_so_above_its_tests(graded_class: GradedClass) -> None:
    _, _, out = graded_class
    document = json.loads((out / "syntax_error" / "results.json").read_text())
    assert document["output"].startswith("The submission could not be imported")
    assert "SyntaxError" in document["output"].splitlines()[0]


def test_the_machine_readable_gradebook_and_the_report_are_written(graded_class: GradedClass) -> None:
    _, _, out = graded_class
    book = json.loads((out / "gradebook.json").read_text())
    outcomes = {r["name"]: r["outcome"] for r in book["rows"]}
    assert outcomes["correct"] == "graded" and outcomes["notes"] == "not_a_submission"
    failed = {r["name"]: r["failed_claims"] for r in book["rows"]}
    assert "the gradient is the derivative of the loss (scipy.differentiate)" in failed["buggy"]["logistic.grad"]
    assert (out / "report.html").read_text().count("<svg") == 2


# -- the grader's failures are not grades ---------------------------------------------


def test_a_grading_that_times_out_is_not_a_grade_and_fails_the_run(tmp_path: Path) -> None:
    (tmp_path / "class").mkdir()
    shutil.copy(EXAMPLES / "student_submission.py", tmp_path / "class" / "slow.py")
    completed = _gradoracle(
        "grade-all", "class", "--out", "out", "--formula", "logistic.*", "--submission-timeout", "1", cwd=tmp_path
    )
    assert completed.returncode == 1, completed.stderr
    row = _gradebook(tmp_path / "out")["slow"]
    assert row["status"] == "not graded: grading took longer than 1 s and was stopped"
    assert not (tmp_path / "out" / "slow" / "results.json").exists()
    assert "1 submission(s) could not be graded" in completed.stdout


def test_a_grader_error_is_not_a_grade_and_fails_the_run(tmp_path: Path) -> None:
    (tmp_path / "class").mkdir()
    shutil.copy(EXAMPLES.parent / "benchmarks" / "submissions" / "independent_numpy.py", tmp_path / "class" / "alice.py")
    # An option pytest does not know: the grader cannot run, whatever the submission.
    completed = _gradoracle("grade-all", "class", "--out", "out", "--no-such-option", cwd=tmp_path)
    assert completed.returncode == 1, completed.stderr
    row = _gradebook(tmp_path / "out")["alice"]
    assert row["status"].startswith("not graded: the grader failed (pytest exit 4)"), row
    assert not (tmp_path / "out" / "alice" / "results.json").exists()


def test_grade_refuses_what_grade_all_calls_not_a_submission(tmp_path: Path) -> None:
    (tmp_path / "notes.txt").write_text("x")
    (tmp_path / "two").mkdir()
    (tmp_path / "two" / "a.py").write_text("")
    (tmp_path / "two" / "b.ipynb").write_text("{}")
    for path, reason in [("notes.txt", "a .txt file is not a submission"), ("two", "cannot tell which of 2 files")]:
        completed = _gradoracle("grade", path, cwd=tmp_path)
        assert completed.returncode == 2 and f"{path} is not a submission: {reason}" in completed.stderr, completed.stderr


# -- what a submission is ------------------------------------------------------------------


def test_what_each_kind_of_entry_is(tmp_path: Path) -> None:
    (tmp_path / "pkg").mkdir()
    (tmp_path / "pkg" / "__init__.py").write_text("")
    (tmp_path / "pkg" / "other.py").write_text("")
    (tmp_path / "sub").mkdir()
    (tmp_path / "sub" / "helpers.py").write_text("")
    (tmp_path / "sub" / "submission.py").write_text("")
    (tmp_path / "nb").mkdir()
    (tmp_path / "nb" / "submission.ipynb").write_text("{}")
    (tmp_path / "nb" / "scratch.ipynb").write_text("{}")
    (tmp_path / "alice.py").write_text("")
    (tmp_path / "alice").mkdir()
    (tmp_path / "alice" / "hw.py").write_text("")
    (tmp_path / "bob.ipynb").write_text("{}")
    (tmp_path / ".hidden.py").write_text("")
    kinds = {e.name: (e.kind, e.path.name) for e in find_submissions(tmp_path)}
    assert kinds == {
        "pkg": ("package", "pkg"),
        "sub": ("folder", "sub"),
        "nb": ("folder", "nb"),
        # Two entries with one stem keep their full names, so every row is distinct.
        "alice.py": ("file", "alice.py"),
        "alice": ("folder", "alice"),
        "bob": ("notebook", "bob.ipynb"),
    }
    assert resolve_entry(Path("relative/missing.py")).path.is_absolute()
    assert resolve_entry(tmp_path / "missing.py").problem == "no such file or folder"


def test_shards_are_a_deterministic_balanced_partition() -> None:
    rng = random.Random(0)
    for _ in range(50):
        names = sorted({f"s{rng.randrange(10_000)}" for _ in range(rng.randrange(0, 40))})
        entries = [Entry(n, Path(n), "file") for n in names]
        count = rng.randrange(1, 9)
        shuffled = entries[:]
        rng.shuffle(shuffled)
        slices = [Shard(k, count).picks(entries) for k in range(1, count + 1)]
        assert sorted(e.name for s in slices for e in s) == names  # each exactly once
        assert max(map(len, slices)) - min(map(len, slices)) <= 1
        assert [Shard(k, count).picks(shuffled) for k in range(1, count + 1)] == slices  # order-independent


@pytest.mark.parametrize("text", ["0/3", "4/3", "1/0", "2", "a/b", "1/2/3"])
def test_a_bad_shard_is_refused(text: str) -> None:
    with pytest.raises(ValueError, match="--shard"):
        parse_shard(text)


@pytest.fixture(scope="module")
def sharded_class(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A small class graded whole and in two slices (cheap entries only)."""
    base = tmp_path_factory.mktemp("shards")
    folder = base / "class"
    folder.mkdir()
    (folder / "a_syntax_error.py").write_text("def oops(:\n")
    (folder / "b_notes.txt").write_text("x")
    (folder / "c_empty").mkdir()
    (folder / "d_broken.ipynb").write_text("not json")
    for args in (["--out", "whole"], ["--out", "s1", "--shard", "1/2"], ["--out", "s2", "--shard", "2/2"]):
        completed = _gradoracle("grade-all", "class", "--formula", "logistic.loss", "-j", "2", *args, cwd=base)
        assert completed.returncode == 0, completed.stderr[-3000:]
    return base


def test_merged_slices_make_the_whole_gradebook(sharded_class: Path) -> None:
    base = sharded_class
    assert sorted(_gradebook(base / "s1")) == ["a_syntax_error", "c_empty"]
    assert sorted(_gradebook(base / "s2")) == ["b_notes", "d_broken"]
    completed = _gradoracle("merge", "s2", "s1", "--out", "merged", cwd=base)
    assert completed.returncode == 0, completed.stderr
    assert (base / "merged" / "gradebook.csv").read_text() == (base / "whole" / "gradebook.csv").read_text()
    assert json.loads((base / "merged" / "a_syntax_error" / "results.json").read_text())["score"] == 0
    assert (base / "merged" / "report.html").exists()


def _edited_slice(base: Path, name: str, source: str, edit) -> str:
    target = base / name
    if target.exists():
        shutil.rmtree(target)
    shutil.copytree(base / source, target)
    book = json.loads((target / "gradebook.json").read_text())
    edit(book)
    (target / "gradebook.json").write_text(json.dumps(book))
    return name


@pytest.mark.parametrize(
    ("slices", "message"),
    [
        (["s1"], "incomplete: slice(s) 2/2 missing"),
        (["s1", "s1", "s2"], "slice 1/2 is given twice"),
        (["s1", "whole"], "graded without --shard"),
        (["s1", "overlap"], "c_empty was graded in two slices"),
        (["s1", "other_n"], "the slices were cut differently"),
        (["s1", "other_class"], "graded different class folders"),
        (["s1", "other_formulas"], "different formulas or assignment files"),
    ],
)
def test_merge_refuses_an_inconsistent_set_of_slices(sharded_class: Path, slices: list[str], message: str) -> None:
    base = sharded_class
    c_empty = json.loads((base / "s1" / "gradebook.json").read_text())["rows"][1]
    edits = {
        "overlap": lambda b: b["rows"].append(c_empty),
        "other_n": lambda b: b["shard"].update(count=3),
        "other_class": lambda b: b["class"].append("z_late"),
        "other_formulas": lambda b: b["settings"].update(formulas=["softmax.*"]),
    }
    for name in slices:
        if name in edits:
            _edited_slice(base, name, "s2", edits[name])
    completed = _gradoracle("merge", *slices, "--out", "merged_bad", cwd=base)
    assert completed.returncode == 2 and message in completed.stderr, completed.stderr
    assert not (base / "merged_bad" / "gradebook.csv").exists()


def test_an_output_folder_inside_the_class_folder_is_not_an_entry(tmp_path: Path) -> None:
    (tmp_path / "class").mkdir()
    (tmp_path / "class" / "notes.txt").write_text("x")
    for _ in range(2):  # the second run finds grades/ already there
        completed = _gradoracle("grade-all", "class", "--out", "class/grades", cwd=tmp_path)
        assert completed.returncode == 0, completed.stderr
        assert sorted(_gradebook(tmp_path / "class" / "grades")) == ["notes"]


def _processes_mentioning(text: str) -> list[int]:
    found = []
    for entry in Path("/proc").iterdir():
        if entry.name.isdigit():
            try:
                if text in (entry / "cmdline").read_bytes().decode(errors="replace"):
                    found.append(int(entry.name))
            except OSError:
                continue
    return found


def test_interrupting_grade_all_stops_every_grading_process(tmp_path: Path) -> None:
    import signal
    import time

    (tmp_path / "class").mkdir()
    for name in ("a", "b"):
        shutil.copy(EXAMPLES / "student_submission.py", tmp_path / "class" / f"{name}.py")
    process = subprocess.Popen(
        [sys.executable, "-m", "gradoracle.cli", "grade-all", str(tmp_path / "class"), "--out", str(tmp_path / "out"), "-j", "2"],
        stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL, env=grader_environment(),
    )
    marker = str(tmp_path / "class" / "a.py")
    try:
        deadline = time.monotonic() + 60
        while not _processes_mentioning(marker) and time.monotonic() < deadline:
            time.sleep(0.2)
        assert _processes_mentioning(marker), "grade-all never started grading"
        process.send_signal(signal.SIGINT)
        process.wait(timeout=60)
        deadline = time.monotonic() + 10
        while _processes_mentioning(str(tmp_path / "class")) and time.monotonic() < deadline:
            time.sleep(0.2)
        assert _processes_mentioning(str(tmp_path / "class")) == []
    finally:  # on failure, leave nothing running
        process.kill()
        for pid in _processes_mentioning(str(tmp_path / "class")):
            try:
                os.kill(pid, signal.SIGKILL)
            except ProcessLookupError:
                pass


def test_a_grade_withheld_for_tampering_is_not_a_students_zero() -> None:
    from gradoracle import report
    from gradoracle.classroom import row_from_results

    results = [report.FormulaResult("logistic.grad", "passed", "ok", 3, 3, score=1.0)]
    honest = row_from_results("alice", "alice.py", report.results_document(results), 1.0)
    assert honest.outcome == "graded" and honest.score == 1
    withheld = report.results_document(report.mark_tampering(results, ["gradoracle/seam.py"]))
    row = row_from_results("alice", "alice.py", withheld, 1.0)
    assert row.outcome == "not_graded" and row.status.startswith("not graded: the grader's own files changed")
