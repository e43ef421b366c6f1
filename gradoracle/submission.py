"""Implementations under test: a student's submission, the reference, or an
in-memory mapping (meta-tests), all reached through :mod:`gradoracle.seam`.

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

from gradoracle import seam
from reference import registry

__all__ = [
    "Implementation",
    "SubmissionImportError",
    "Subject",
    "load_implementation",
    "lookup_formulas",
    "reference_implementation",
]


class SubmissionImportError(Exception):
    """The submission could not be loaded at all."""


def lookup_formulas(module: Any, formula_ids: list[str]) -> dict[str, Callable[..., Any]]:
    """Apply the catalogue's lookup rule to a loaded module."""
    table = getattr(module, "FORMULAS", None)
    table = table if isinstance(table, Mapping) else {}
    found: dict[str, Callable[..., Any]] = {}
    for formula_id in formula_ids:
        fn = table.get(formula_id)
        if fn is None:
            fn = getattr(module, formula_id.replace(".", "_"), None)
        if callable(fn):
            found[formula_id] = fn
    return found


def import_submission(spec: str) -> Any:
    """Import a submission given as a file path or an importable module name."""
    path = Path(spec).expanduser()
    looks_like_path = spec.endswith(".py") or os.sep in spec or path.exists()
    try:
        if looks_like_path:
            if path.is_dir() and (path / "__init__.py").exists():
                path = path / "__init__.py"
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
        return importlib.import_module(spec)
    except SubmissionImportError:
        raise
    except BaseException as exc:  # a submission's SyntaxError or sys.exit at import is its failure
        if isinstance(exc, KeyboardInterrupt):
            raise
        raise SubmissionImportError(f"the submission {spec!r} could not be imported: {_one_line(exc)}") from exc


def _one_line(exc: BaseException) -> str:
    """An import failure in one line, with the submission's file and line where known."""
    if isinstance(exc, SyntaxError):
        where = f" ({Path(exc.filename or '?').name}, line {exc.lineno})"
        return f"SyntaxError: {exc.msg}{where}"
    frames = [f for f in traceback.extract_tb(exc.__traceback__) if "importlib" not in f.filename]
    where = f" ({Path(frames[-1].filename).name}, line {frames[-1].lineno})" if frames else ""
    return f"{type(exc).__name__}: {exc}{where}"


class Subject:
    """One formula of an implementation, callable with the catalogue's arguments."""

    def __init__(self, implementation: "Implementation", formula_id: str) -> None:
        self.implementation = implementation
        self.formula_id = formula_id

    def __call__(self, *args: Any) -> Any:
        return self.implementation.call(self.formula_id, *args)

    def __repr__(self) -> str:
        return f"<{self.formula_id} of {self.implementation.name}>"


class Implementation:
    """A set of formulas under test, every call going through the seam."""

    def __init__(
        self, name: str, functions: Mapping[str, Callable[..., Any]], *, records_warnings: bool = True
    ) -> None:
        self.name = name
        self.functions = dict(functions)
        self.import_error: str | None = None
        self.records_warnings = records_warnings

    def provides(self, formula_id: str) -> bool:
        return formula_id in self.functions

    def call(self, formula_id: str, *args: Any) -> Any:
        """The seam: call ``formula_id`` of this implementation on ``args``."""
        return seam.checked_call(
            formula_id,
            self.functions[formula_id],
            args,
            registry.get(formula_id).reference,
            record_warnings=self.records_warnings,
        )

    def subject(self, formula_id: str) -> Subject:
        return Subject(self, formula_id)

    def own_or_reference(self, formula_id: str) -> Subject:
        """This implementation's ``formula_id`` if it has one, else the reference's."""
        if self.provides(formula_id):
            return self.subject(formula_id)
        return reference_implementation().subject(formula_id)

    def __repr__(self) -> str:
        return f"<implementation {self.name}>"


_REFERENCE: Implementation | None = None


def reference_implementation() -> Implementation:
    """The reference as the oracle properties consult (its warnings are not
    recorded against the implementation under test)."""
    global _REFERENCE
    if _REFERENCE is None:
        _REFERENCE = Implementation(
            "reference", {f.id: f.reference for f in registry.all_formulas()}, records_warnings=False
        )
    return _REFERENCE


def load_implementation(spec: str | None) -> Implementation:
    """The implementation named on the command line (``--impl``), or the
    reference, as the implementation under test, when ``spec`` is None.
    Raises :class:`SubmissionImportError`."""
    if spec is None:
        return Implementation("reference", {f.id: f.reference for f in registry.all_formulas()})
    module = import_submission(spec)
    return Implementation(spec, lookup_formulas(module, registry.ids()))
