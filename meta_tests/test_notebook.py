"""Notebook submissions: read with nbformat, IPython lines dropped, only imports
and definitions run, what was skipped listed, and a clear reason for a notebook
that cannot be graded. (Grading a notebook end to end, sandboxed, is in
test_batch.py's class folder.)"""

from __future__ import annotations

import traceback
from pathlib import Path

import nbformat
import pytest
from nbformat.v4 import new_code_cell, new_markdown_cell, new_notebook

from gradoracle.classroom import choose_in_folder
from gradoracle.loading import SubmissionImportError, import_submission
from gradoracle.notebook import KEEP_TAG, SKIP_TAG, read_notebook

EXAMPLE = Path(__file__).resolve().parent.parent / "examples" / "student_notebook.ipynb"


def _notebook(tmp_path: Path, *cells: object, name: str = "hw.ipynb") -> Path:
    built = [new_code_cell(c) if isinstance(c, str) else c for c in cells]
    path = tmp_path / name
    nbformat.write(new_notebook(cells=built), str(path))
    return path


def test_the_example_notebook_runs_its_definitions_and_lists_the_rest() -> None:
    module = import_submission(str(EXAMPLE))
    for name in ("sigmoid", "logistic_loss", "logistic_grad", "logistic_hessian", "logistic_gd_step"):
        assert callable(getattr(module, name)), name
    assert module.EPS == 1e-12
    # The data and training cells did not run.
    for name in ("X", "rng", "w", "losses"):
        assert not hasattr(module, name), name
    notes = read_notebook(EXAMPLE).skipped_text()
    assert "cell 2, line 1: IPython (%matplotlib inline)" in notes
    assert "cell 2, line 2: IPython (!pip install --quiet numpy)" in notes
    assert "cell 6, line 1: calls a function (rng = np.random.default_rng(0))" in notes
    assert "cell 7, line 2: a loop (for step in range(500):)" in notes
    assert "cell 8: a cell magic (%%time)" in notes


def test_skipped_code_does_not_run(tmp_path: Path) -> None:
    sentinel = tmp_path / "ran"
    path = _notebook(
        tmp_path,
        "import numpy as np",
        f"open({str(sentinel)!r}, 'w').write('x')",
        f"_ = open({str(sentinel)!r}, 'w')",
        "for i in range(3):\n    raise SystemExit('training ran')",
        "def softmax_forward(z):\n    e = np.exp(z - z.max())\n    return e / e.sum()",
    )
    module = import_submission(str(path))
    assert callable(module.softmax_forward)
    assert not sentinel.exists()


def test_what_counts_as_a_constant(tmp_path: Path) -> None:
    path = _notebook(
        tmp_path,
        "import numpy as np\ntry:\n    import torch\nexcept ImportError:\n    torch = None",
        "EPS = 1e-8\nSIZES: tuple = (2, 3)\nLOG2 = np.log(2)\nALIAS = not_defined_anywhere\nPI = np.pi",
        "def softmax_forward(z):\n    return z\n\nFORMULAS = {'softmax.forward': softmax_forward}\nnp.seterr(all='ignore')\nnp.x = 1",
        "if __name__ == '__main__':\n    softmax_forward(1)",
    )
    program = read_notebook(path)
    assert set(program.defined) == {"EPS", "SIZES", "PI", "softmax_forward", "FORMULAS"}
    notes = program.skipped_text()
    assert "cell 2, line 3: calls a function (LOG2 = np.log(2))" in notes
    assert "cell 2, line 4: uses not_defined_anywhere, which is not defined by a kept statement" in notes
    assert "cell 3, line 5: an expression (np.seterr(all='ignore'))" in notes
    assert "cell 3, line 6: assigns to an attribute or item (np.x = 1)" in notes
    assert "cell 4, line 1: an if statement" in notes
    module = import_submission(str(path))
    assert module.FORMULAS["softmax.forward"] is module.softmax_forward
    assert not hasattr(module, "LOG2")


def test_ipython_lines_inside_a_block_keep_the_block(tmp_path: Path) -> None:
    path = _notebook(tmp_path, "def activations_relu(x):\n    %time y = x\n    !echo hi\n    return x * (x > 0)\nrelu?")
    module = import_submission(str(path))
    assert module.activations_relu(-2.0) == 0 and module.activations_relu(3.0) == 3.0
    notes = read_notebook(path).skipped_text()
    assert "cell 1, line 2: IPython (%time y = x)" in notes and "cell 1, line 5: IPython (relu?)" in notes


def test_a_valid_cell_is_never_rewritten(tmp_path: Path) -> None:
    # A docstring line that starts with % looks like a magic; the cell parses, so it is left alone.
    path = _notebook(tmp_path, 'def f(x):\n    """Share of the total:\n% of all\n"""\n    return x')
    module = import_submission(str(path))
    assert "% of all" in module.f.__doc__
    assert read_notebook(path).skipped == []


def test_a_cell_that_does_not_parse_fails_the_submission_naming_it(tmp_path: Path) -> None:
    path = _notebook(tmp_path, new_markdown_cell("# intro"), "import numpy as np", "def f(x):\n    return x +\n")
    with pytest.raises(SubmissionImportError) as caught:
        import_submission(str(path))
    message = str(caught.value)
    assert message.startswith("cell 3 of hw.ipynb does not parse: SyntaxError:"), message
    assert "(line 2)" in message


@pytest.mark.parametrize(
    ("content", "reason"),
    [
        (b"def softmax(z): return z\n", "hw.ipynb is not a notebook: it is not JSON"),
        (b'{"cells": 3, "metadata": {}, "nbformat": 4, "nbformat_minor": 5}', "hw.ipynb is not a readable notebook"),
        (b"\xff\xfe\x00junk", "hw.ipynb is not a notebook: it is not UTF-8 text"),
    ],
)
def test_a_file_that_is_not_a_notebook_says_so(tmp_path: Path, content: bytes, reason: str) -> None:
    path = tmp_path / "hw.ipynb"
    path.write_bytes(content)
    with pytest.raises(SubmissionImportError, match="^" + reason.replace(".", r"\.")):
        import_submission(str(path))


def test_a_notebook_without_code_cells_says_so(tmp_path: Path) -> None:
    path = _notebook(tmp_path, new_markdown_cell("I wrote my answers on paper."))
    with pytest.raises(SubmissionImportError, match="the notebook hw.ipynb has no code cells"):
        import_submission(str(path))


def test_a_notebook_that_defines_nothing_says_so(tmp_path: Path) -> None:
    path = _notebook(tmp_path, "import numpy as np", "x = np.ones(3)\nprint(x)")
    with pytest.raises(SubmissionImportError, match="defines no function, class or constant"):
        import_submission(str(path))


def test_cell_tags_override_the_rule(tmp_path: Path) -> None:
    kept = new_code_cell("import numpy as np\nSCALE = np.sqrt(2.0)", metadata={"tags": [KEEP_TAG]})
    skipped = new_code_cell("def g(x):\n    return x", metadata={"tags": [SKIP_TAG]})
    path = _notebook(tmp_path, kept, skipped, "def f(x):\n    return SCALE * x")
    module = import_submission(str(path))
    assert module.f(1.0) == pytest.approx(2.0**0.5)
    assert not hasattr(module, "g")
    assert f"cell 2: tagged {SKIP_TAG} (def g(x):)" in read_notebook(path).skipped_text()


def test_a_traceback_names_the_notebook_and_cell_and_shows_the_line(tmp_path: Path) -> None:
    path = _notebook(tmp_path, "import numpy as np", "def f(x):\n    return 1 / 0")
    module = import_submission(str(path))
    with pytest.raises(ZeroDivisionError) as caught:
        module.f(1)
    text = "".join(traceback.format_tb(caught.value.__traceback__))
    assert 'File "hw.ipynb, cell 2", line 2, in f' in text
    assert "return 1 / 0" in text
    assert str(tmp_path) not in text  # the grader's paths stay out of the student's report


def test_an_error_while_defining_names_the_cell(tmp_path: Path) -> None:
    path = _notebook(tmp_path, "import numpy as np", "def f(x, w=np.zeros(-1)):\n    return x")
    with pytest.raises(SubmissionImportError, match=r"ValueError: .*\(hw\.ipynb, cell 2, line 1\)"):
        import_submission(str(path))


def test_a_folder_with_one_notebook_is_that_notebook(tmp_path: Path) -> None:
    folder = tmp_path / "alice"
    folder.mkdir()
    _notebook(folder, "def activations_relu(x):\n    return max(x, 0)", name="HW2 final.ipynb")
    (folder / "data.csv").write_text("1,2\n")
    assert choose_in_folder(folder).name == "HW2 final.ipynb"
    module = import_submission(str(folder))
    assert module.activations_relu(-1) == 0


def test_the_worker_loads_notebooks_and_folders_with_worker_modules_only(tmp_path: Path) -> None:
    """The jailed worker has only gradoracle's worker modules: loading a notebook
    or a folder submission must import none of the grader's other modules."""
    import subprocess
    import sys

    folder = tmp_path / "bob"
    folder.mkdir()
    (folder / "hw.py").write_text("def activations_relu(x):\n    return max(x, 0)\n")
    script = (
        "import sys\n"
        "from gradoracle.loading import import_submission\n"
        f"import_submission({str(EXAMPLE)!r}); import_submission({str(folder)!r})\n"
        "print(sorted(m for m in sys.modules if m.split('.')[0] in ('gradoracle', 'reference', 'properties')))\n"
    )
    completed = subprocess.run([sys.executable, "-c", script], capture_output=True, text=True, cwd=tmp_path, timeout=120)
    assert completed.returncode == 0, completed.stderr
    loaded = set(eval(completed.stdout.strip().splitlines()[-1]))  # noqa: S307 - our own printout
    worker_modules = {"gradoracle", "gradoracle.loading", "gradoracle.notebook", "gradoracle.seam", "gradoracle.wire", "gradoracle.callables"}
    assert loaded <= worker_modules, loaded - worker_modules
