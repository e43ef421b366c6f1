"""``--impl MODULE`` resolves a module name as ``python -c "import MODULE"``
would for the user: from the current working folder, then ``PYTHONPATH``
(relative entries from the current folder), sandboxed or not.

``pytest`` is started the way its console script starts it: a script in
another folder, so the current folder is not on ``sys.path`` by itself.
"""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

import pytest

from meta_tests.helpers import grader_environment

LIBRARY_ORACLE = '''
import numpy as np


def _softmax(z):
    e = np.exp(z - np.max(z, axis=-1, keepdims=True))
    return e / np.sum(e, axis=-1, keepdims=True)


FORMULAS = {"softmax.forward": _softmax}
'''

PYTEST_SCRIPT = "import sys\nimport pytest\nsys.exit(pytest.console_main())\n"

SANDBOX_MODES = [pytest.param(["--no-sandbox"], id="in-process"), pytest.param([], id="sandboxed")]


def run_pytest_script(tmp_path: Path, cwd: Path, module: str, options: list[str], pythonpath: str | None = None) -> dict:
    launcher = tmp_path / "bin" / "pytest_script.py"
    launcher.parent.mkdir(exist_ok=True)
    launcher.write_text(PYTEST_SCRIPT)
    results = tmp_path / "results.json"
    env = {k: v for k, v in grader_environment().items() if k != "PYTHONPATH"}
    if pythonpath is not None:
        env["PYTHONPATH"] = pythonpath
    completed = subprocess.run(
        [sys.executable, str(launcher), "-q", "-p", "no:cacheprovider", "-p", "no:xdist", "--pyargs", "properties",
         "--impl", module, "--formula", "softmax.forward", "--grade-json", str(results), *options],
        capture_output=True, text=True, timeout=600, cwd=cwd, env=env,
    )
    assert results.exists(), completed.stdout[-3000:] + completed.stderr[-3000:]
    document = json.loads(results.read_text())
    document["returncode"] = completed.returncode
    return document


@pytest.mark.parametrize("options", SANDBOX_MODES)
def test_a_module_in_the_current_folder_is_found(tmp_path: Path, options: list[str]) -> None:
    project = tmp_path / "project"
    project.mkdir()
    (project / "mylib_gradoracle.py").write_text(LIBRARY_ORACLE)
    document = run_pytest_script(tmp_path, project, "mylib_gradoracle", options)
    assert [t["status"] for t in document["tests"]] == ["passed"], document
    assert document["returncode"] == 0


@pytest.mark.parametrize("options", SANDBOX_MODES)
def test_a_module_on_a_relative_pythonpath_is_found(tmp_path: Path, options: list[str]) -> None:
    project = tmp_path / "project"
    (project / "src").mkdir(parents=True)
    (project / "src" / "onpath_gradoracle.py").write_text(LIBRARY_ORACLE)
    document = run_pytest_script(tmp_path, project, "onpath_gradoracle", options, pythonpath="src")
    assert [t["status"] for t in document["tests"]] == ["passed"], document
    assert document["returncode"] == 0


@pytest.mark.parametrize("options", SANDBOX_MODES)
def test_a_module_python_would_not_find_is_not_found(tmp_path: Path, options: list[str]) -> None:
    # In a sibling folder, neither current nor on PYTHONPATH: Python would not
    # import it, so neither does the grader (no guessing around the user).
    project = tmp_path / "project"
    (project / "elsewhere").mkdir(parents=True)
    (project / "elsewhere" / "hidden_gradoracle.py").write_text(LIBRARY_ORACLE)
    document = run_pytest_script(tmp_path, project, "hidden_gradoracle", options)
    assert document["returncode"] != 0
    assert "No module named 'hidden_gradoracle'" in document["output"], document
    assert [t["status"] for t in document["tests"]] == ["failed"]
