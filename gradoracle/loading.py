"""Loading a submission and finding its formulas: the part of grading that runs
where the submission lives (the sandboxed worker, or this process with
``--no-sandbox``).

It imports nothing of the grader's own packages (``reference``, ``properties``):
the jailed worker does not have them.

The catalogue's lookup rule: for ``family.name`` a submission provides either
``FORMULAS["family.name"]`` or a module-level callable ``family_name``.
"""

from __future__ import annotations

import hashlib
import importlib
import importlib.util
import os
import sys
import traceback
from pathlib import Path
from typing import Any, Callable, Mapping

__all__ = ["SubmissionImportError", "NotASubmission", "choose_in_folder", "import_submission", "lookup_formulas"]


class SubmissionImportError(Exception):
    """The submission could not be loaded at all."""


def lookup_formulas(
    module: Any, formula_ids: list[str], bindings: Mapping[str, Mapping[str, Any]] | None = None
) -> dict[str, Callable[..., Any]]:
    """Apply the catalogue's lookup rule to a loaded module.

    ``bindings`` (from an assignment file) may name, per formula ID, the
    student's own ``function`` name and their parameter ``order``: the
    student's k-th parameter is the catalogue's argument ``order[k]``. Such a
    formula is found under that name only, and called with its arguments
    reordered, so the rest of the grader always speaks the catalogue's order.
    """
    table = getattr(module, "FORMULAS", None)
    table = table if isinstance(table, Mapping) else {}
    bindings = bindings or {}
    found: dict[str, Callable[..., Any]] = {}
    for formula_id in formula_ids:
        binding = bindings.get(formula_id) or {}
        name = binding.get("function")
        if name:
            fn = getattr(module, str(name), None)
        else:
            fn = table.get(formula_id)
            if fn is None:
                fn = getattr(module, formula_id.replace(".", "_"), None)
        if callable(fn):
            order = binding.get("order")
            found[formula_id] = _reordered(fn, [int(i) for i in order]) if order else fn
    return found


def _reordered(fn: Callable[..., Any], order: list[int]) -> Callable[..., Any]:
    def in_students_order(*args: Any) -> Any:
        return fn(*(args[i] for i in order))

    in_students_order.__name__ = getattr(fn, "__name__", "formula")
    in_students_order.__wrapped__ = fn  # type: ignore[attr-defined]
    return in_students_order


def import_submission(spec: str) -> Any:
    """Import a submission given as a file path or an importable module name."""
    path = Path(spec).expanduser()
    looks_like_path = spec.endswith((".py", ".ipynb")) or os.sep in spec or path.exists()
    try:
        if looks_like_path:
            if path.is_dir() and (path / "__init__.py").exists():
                path = path / "__init__.py"
            elif path.is_dir():
                path = _chosen_in_folder(path)
            if path.suffix == ".ipynb" and path.is_file():
                return _import_notebook(path)
            if not path.is_file():
                raise SubmissionImportError(f"no submission file at {spec!r}")
            digest = hashlib.sha1(str(path.resolve()).encode()).hexdigest()[:12]
            module_name = f"gradoracle_submission_{digest}"
            module_spec = importlib.util.spec_from_file_location(
                module_name, path, submodule_search_locations=[str(path.parent)] if path.name == "__init__.py" else None
            )
            if module_spec is None or module_spec.loader is None:
                raise SubmissionImportError(f"{spec!r} is not a Python file")
            module = importlib.util.module_from_spec(module_spec)
            sys.modules[module_name] = module
            # A submission may import its own helper modules from its folder.
            sys.path.insert(0, str(path.parent.resolve()))
            try:
                module_spec.loader.exec_module(module)
            finally:
                sys.path.remove(str(path.parent.resolve()))
            return module
        return _import_module_as_python_would(spec)
    except SubmissionImportError:
        raise
    except BaseException as exc:  # a submission's SyntaxError or sys.exit at import is its failure
        if isinstance(exc, KeyboardInterrupt):
            raise
        raise SubmissionImportError(f"the submission {spec!r} could not be imported: {_one_line(exc)}") from exc


def _import_module_as_python_would(name: str) -> Any:
    """Import module ``name`` as ``python -c "import name"`` would from the
    current folder: the current working folder first, then the ``PYTHONPATH``
    entries (relative ones taken from the current folder), then the rest of
    ``sys.path``. ``pytest`` started as a script has neither the current folder
    nor, under some launchers, a relative ``PYTHONPATH`` entry on its path.
    The entries are added for the import only."""
    wanted = [os.getcwd()] + [
        os.path.abspath(entry) for entry in os.environ.get("PYTHONPATH", "").split(os.pathsep) if entry
    ]
    added = [entry for entry in dict.fromkeys(wanted) if entry not in sys.path]
    sys.path[:0] = added
    try:
        return importlib.import_module(name)
    finally:
        for entry in added:
            if entry in sys.path:
                sys.path.remove(entry)


SUBMISSION_SUFFIXES = (".py", ".ipynb")


class NotASubmission(Exception):
    """The entry is not something the grader can grade; the message says why."""


def choose_in_folder(folder: Path) -> Path:
    """The file to grade in a folder submission that is not a package:
    ``submission.py``, else ``submission.ipynb``, else its only ``.py`` or
    ``.ipynb`` file. The one rule for ``grade``, ``grade-all`` (through
    :mod:`gradoracle.classroom`), Gradescope and this worker."""
    candidates = sorted(
        p for p in folder.iterdir() if p.is_file() and p.suffix in SUBMISSION_SUFFIXES and not p.name.startswith(".")
    )
    for preferred in ("submission.py", "submission.ipynb"):
        chosen = folder / preferred
        if chosen in candidates:
            return chosen
    if len(candidates) == 1:
        return candidates[0]
    if not candidates:
        raise NotASubmission("no .py or .ipynb file in the folder")
    names = ", ".join(p.name for p in candidates[:6]) + (", ..." if len(candidates) > 6 else "")
    raise NotASubmission(f"cannot tell which of {len(candidates)} files to grade ({names}); name one submission.py")


def _chosen_in_folder(folder: Path) -> Path:
    try:
        return choose_in_folder(folder)
    except NotASubmission as exc:
        raise SubmissionImportError(f"{folder.name} is not a submission: {exc}") from None


def _import_notebook(path: Path) -> Any:
    """A notebook's imports and definitions as a module (see :mod:`gradoracle.notebook`)."""
    import types

    from gradoracle.notebook import NotebookError, load_notebook

    digest = hashlib.sha1(str(path.resolve()).encode()).hexdigest()[:12]
    module = types.ModuleType(f"gradoracle_submission_{digest}")
    module.__file__ = str(path)
    sys.modules[module.__name__] = module
    sys.path.insert(0, str(path.parent.resolve()))  # its own helper modules, as for a .py file
    try:
        load_notebook(path, module)
    except NotebookError as exc:
        raise SubmissionImportError(str(exc)) from None
    finally:
        sys.path.remove(str(path.parent.resolve()))
    return module


def _one_line(exc: BaseException) -> str:
    """An import failure in one line, with the submission's file and line where known."""
    if isinstance(exc, SyntaxError):
        where = f" ({Path(exc.filename or '?').name}, line {exc.lineno})"
        return f"SyntaxError: {exc.msg}{where}"
    frames = [f for f in traceback.extract_tb(exc.__traceback__) if "importlib" not in f.filename]
    where = f" ({Path(frames[-1].filename).name}, line {frames[-1].lineno})" if frames else ""
    return f"{type(exc).__name__}: {exc}{where}"
