"""The CI-oracle example project (``examples/ci_oracle``, described in
``docs/ci-oracle.md``) works as written: its tests pass on a copy of it, a bug
put into its library makes them fail with gradoracle's report, and the
command-line route grades its ``mylib_gradoracle`` module from its folder."""

from __future__ import annotations

import json
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

from meta_tests.helpers import grader_environment

EXAMPLE = Path(__file__).resolve().parent.parent / "examples" / "ci_oracle"


@pytest.fixture
def project(tmp_path: Path) -> Path:
    copy = tmp_path / "ci_oracle"
    shutil.copytree(EXAMPLE, copy, ignore=shutil.ignore_patterns("__pycache__", ".hypothesis", ".benchmarks"))
    return copy


def run(project: Path, *arguments: str) -> subprocess.CompletedProcess[str]:
    # As its guide says: `python -m pytest` from the project's folder.
    return subprocess.run(
        [sys.executable, "-m", "pytest", "-q", "-p", "no:cacheprovider", "-p", "no:xdist", *arguments],
        capture_output=True, text=True, timeout=900, cwd=project, env=grader_environment(),
    )


def test_the_example_projects_tests_pass(project: Path) -> None:
    completed = run(project)
    assert completed.returncode == 0, completed.stdout[-4000:] + completed.stderr[-2000:]
    from_formulas = len(json.loads(_formula_ids(project)))
    assert f"{from_formulas + 2} passed" in completed.stdout, completed.stdout[-2000:]


def test_a_bug_in_the_library_fails_its_tests_with_the_report(project: Path) -> None:
    library = project / "mylib" / "nn.py"
    source = library.read_text()
    buggy = source.replace(
        "    e = np.exp(z - np.max(z, axis=axis, keepdims=True))\n    return e / np.sum(e, axis=axis, keepdims=True)",
        "    e = np.exp(z)  # no max subtraction: overflows for large logits\n    return e / np.sum(e, axis=axis, keepdims=True)",
    )
    assert buggy != source, "the example's softmax changed: update this test's bug"
    library.write_text(buggy)
    completed = run(project, "-k", "softmax.forward")
    assert completed.returncode == 1, completed.stdout[-4000:]
    for words in ("FAILED softmax.forward: p is finite for logits as large as ±1e4", "returned nan",
                  "Minimal failing input (found by Hypothesis)", "Reproduce: gradoracle.assert_formula('softmax.forward'"):
        assert words in completed.stdout, completed.stdout[-4000:]


def test_the_command_line_route_grades_the_mapping_from_the_projects_folder(project: Path, tmp_path: Path) -> None:
    results = tmp_path / "results.json"
    completed = run(project, "--pyargs", "properties", "--impl", "mylib_gradoracle", "--no-sandbox",
                    "--formula", "softmax.*", "--formula", "activations.relu*", "--grade-json", str(results))
    assert completed.returncode == 0, completed.stdout[-4000:]
    by_name = {t["name"]: t["status"] for t in json.loads(results.read_text())["tests"]}
    assert by_name["softmax.forward"] == by_name["activations.relu_grad"] == "passed"
    assert by_name["softmax.jacobian"] == "failed"  # not in the mapping: missing, never passed


def _formula_ids(project: Path) -> str:
    code = "import json, mylib_gradoracle; print(json.dumps(sorted(mylib_gradoracle.FORMULAS)))"
    return subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True, cwd=project).stdout
