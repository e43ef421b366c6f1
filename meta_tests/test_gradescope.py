"""``gradoracle gradescope``: the autograder zip, unpacked into an emulated
``/autograder`` tree (a temporary root, through GRADORACLE_AUTOGRADER_ROOT),
set up with its own ``setup.sh`` and run with its own ``run_autograder`` on
each kind of submission Gradescope hands over."""

from __future__ import annotations

import json
import shutil
import stat
import subprocess
import sys
import zipfile
from pathlib import Path

import pytest

from meta_tests.helpers import grader_environment

ROOT = Path(__file__).resolve().parent.parent
EXAMPLES = ROOT / "examples"

ASSIGNMENT = """\
[assignment]
name = "HW2"
partial_credit = false

[formulas."logistic.grad"]
points = 2
visibility = "visible"

[formulas."logistic.loss"]
points = 1
visibility = "after_due_date"
"""

# The test installs offline: the interpreter the autograder's venv is made
# from must already hold gradoracle's dependencies (a --system-site-packages venv).
BASE_PYTHON = getattr(sys, "_base_executable", sys.executable)
DEPENDENCIES = ["numpy", "scipy", "hypothesis", "pytest", "xdist", "nbformat"]


def _base_has_dependencies() -> bool:
    probe = subprocess.run([BASE_PYTHON, "-c", "import " + ", ".join(DEPENDENCIES)], capture_output=True)
    return probe.returncode == 0


def _environment(root: Path) -> dict[str, str]:
    env = grader_environment()
    for key in ("VIRTUAL_ENV", "PYTHONPATH"):
        env.pop(key, None)
    env.update(
        GRADORACLE_AUTOGRADER_ROOT=str(root),
        GRADORACLE_PYTHON=BASE_PYTHON,
        GRADORACLE_VENV_OPTIONS="--system-site-packages",
        GRADORACLE_PIP_OPTIONS="--no-index",
        GRADORACLE_SKIP_APT="1",
        GRADORACLE_WORKERS="0",
    )
    return env


@pytest.fixture(scope="module")
def built_zip(tmp_path_factory: pytest.TempPathFactory) -> Path:
    base = tmp_path_factory.mktemp("gradescope")
    (base / "hw2.toml").write_text(ASSIGNMENT)
    completed = subprocess.run(
        [sys.executable, "-m", "gradoracle.cli", "gradescope", "hw2.toml", "--out", "autograder.zip"],
        capture_output=True, text=True, timeout=600, cwd=base, env=grader_environment(),
    )
    assert completed.returncode == 0, completed.stderr[-3000:]
    return base / "autograder.zip"


@pytest.fixture(scope="module")
def autograder(built_zip: Path, tmp_path_factory: pytest.TempPathFactory) -> Path:
    """The tree Gradescope builds: the zip in source/, run_autograder copied to
    the root, setup.sh run once."""
    if not _base_has_dependencies():
        pytest.skip(f"{BASE_PYTHON} lacks {', '.join(DEPENDENCIES)}: the emulated setup.sh installs offline from it")
    root = tmp_path_factory.mktemp("autograder")
    with zipfile.ZipFile(built_zip) as archive:
        for info in archive.infolist():
            target = Path(archive.extract(info, root / "source"))
            target.chmod((info.external_attr >> 16) & 0o777)
    shutil.copy2(root / "source" / "run_autograder", root / "run_autograder")
    completed = subprocess.run(
        ["bash", str(root / "source" / "setup.sh")], capture_output=True, text=True, timeout=900,
        cwd=root, env=_environment(root),
    )
    assert completed.returncode == 0, completed.stdout[-3000:] + completed.stderr[-3000:]
    assert "ready to grade 2 formula(s) of HW2" in completed.stdout
    return root


def _run(root: Path, files: dict[str, str | bytes | Path]) -> tuple[subprocess.CompletedProcess[str], dict | None]:
    submission = root / "submission"
    shutil.rmtree(submission, ignore_errors=True)
    submission.mkdir()
    for name, content in files.items():
        if isinstance(content, Path):
            shutil.copy(content, submission / name)
        elif isinstance(content, bytes):
            (submission / name).write_bytes(content)
        else:
            (submission / name).write_text(content)
    completed = subprocess.run(
        [str(root / "run_autograder")], capture_output=True, text=True, timeout=900, cwd=root, env=_environment(root)
    )
    results = root / "results" / "results.json"
    return completed, json.loads(results.read_text()) if results.exists() else None


def test_the_zip_has_what_gradescope_needs_at_its_root(built_zip: Path) -> None:
    with zipfile.ZipFile(built_zip) as archive:
        names = archive.namelist()
        modes = {i.filename: (i.external_attr >> 16) & 0o777 for i in archive.infolist()}
        assert archive.read("assignment.toml").decode() == ASSIGNMENT
        wheel_name = next(n for n in names if n.endswith(".whl"))
        wheel_path = built_zip.parent / wheel_name
        wheel_path.write_bytes(archive.read(wheel_name))
    assert sorted(names) == sorted(["setup.sh", "run_autograder", "assignment.toml", wheel_name])
    assert wheel_name.startswith("gradoracle-") and wheel_name.endswith("-py3-none-any.whl")
    assert modes["setup.sh"] & stat.S_IXUSR and modes["run_autograder"] & stat.S_IXUSR
    with zipfile.ZipFile(wheel_path) as wheel:
        packages = {n.split("/")[0] for n in wheel.namelist()}
    assert {"gradoracle", "reference", "properties"} <= packages
    assert not packages & {"meta_tests", "examples", "benchmarks"}


def test_a_broken_assignment_builds_nothing(tmp_path: Path) -> None:
    (tmp_path / "hw.toml").write_text(ASSIGNMENT.replace("after_due_date", "after_deadline"))
    completed = subprocess.run(
        [sys.executable, "-m", "gradoracle.cli", "gradescope", "hw.toml", "--out", "autograder.zip"],
        capture_output=True, text=True, timeout=300, cwd=tmp_path, env=grader_environment(),
    )
    assert completed.returncode == 2 and "hw.toml:" in completed.stderr and "after_deadline" in completed.stderr
    assert not (tmp_path / "autograder.zip").exists()


def test_the_autograder_runs_the_installed_wheel(autograder: Path) -> None:
    probe = subprocess.run(
        [str(autograder / "venv" / "bin" / "python"), "-c", "import gradoracle, reference; print(gradoracle.__file__, reference.__file__)"],
        capture_output=True, text=True, cwd=autograder, env=_environment(autograder),
    )
    for path in probe.stdout.split():
        assert path.startswith(str(autograder / "venv")), probe.stdout


def _check_grades(results: dict, root: Path) -> None:
    tests = {t["name"]: t for t in results["tests"]}
    # The example's bug: db averaged instead of summed. logistic.loss is right.
    assert tests["logistic.grad"]["status"] == "failed" and tests["logistic.grad"]["max_score"] == 2
    assert tests["logistic.loss"]["status"] == "passed" and tests["logistic.loss"]["score"] == 1
    assert tests["logistic.loss"]["visibility"] == "after_due_date"
    assert results["score"] == 1 and "execution_time" in results
    assert str(root) not in json.dumps(results)  # no path of the grader's tree


def test_a_single_python_file(autograder: Path) -> None:
    completed, results = _run(autograder, {"hw2.py": EXAMPLES / "student_submission.py"})
    assert completed.returncode == 0, completed.stderr[-3000:]
    assert results is not None
    _check_grades(results, autograder)


def test_a_notebook(autograder: Path) -> None:
    completed, results = _run(autograder, {"HW2.ipynb": EXAMPLES / "student_notebook.ipynb"})
    assert completed.returncode == 0, completed.stderr[-3000:]
    assert results is not None
    _check_grades(results, autograder)
    assert "Notebook HW2.ipynb: only imports and definitions were run" in results["output"]


def test_several_files_with_a_submission_py(autograder: Path) -> None:
    completed, results = _run(
        autograder,
        {
            "helpers.py": EXAMPLES / "student_submission.py",
            "submission.py": "from helpers import logistic_grad, logistic_loss\n",
            "notes.md": "I used numpy.\n",
        },
    )
    assert completed.returncode == 0, completed.stderr[-3000:]
    assert results is not None
    _check_grades(results, autograder)


def test_several_files_and_no_submission_py_is_the_students_zero_with_the_reason(autograder: Path) -> None:
    completed, results = _run(autograder, {"a.py": "", "b.py": ""})
    assert completed.returncode == 0, completed.stderr[-3000:]
    assert results is not None and results["score"] == 0
    assert "cannot tell which of 2 files to grade (a.py, b.py); name one submission.py" in results["output"]
    assert {t["name"]: t["max_score"] for t in results["tests"]} == {"logistic.grad": 2, "logistic.loss": 1}


def test_a_grader_failure_leaves_no_grade_and_fails_the_run(autograder: Path, tmp_path: Path) -> None:
    assignment = autograder / "source" / "assignment.toml"
    kept = tmp_path / "assignment.toml"
    shutil.copy2(assignment, kept)
    assignment.write_text(ASSIGNMENT.replace("logistic.loss", "logistic.los"))
    try:
        completed, results = _run(autograder, {"hw2.py": EXAMPLES / "student_submission.py"})
    finally:
        shutil.copy2(kept, assignment)
    assert completed.returncode != 0
    assert results is None
    assert "the grader could not run; this is the autograder's problem, not the student's" in completed.stderr
