"""Implementations under test: a student's submission, the reference, or an
in-memory mapping (meta-tests), all reached through :mod:`gradoracle.seam`.

Loading a submission and the catalogue's lookup rule live in
:mod:`gradoracle.loading`, which the sandboxed worker shares.
"""

from __future__ import annotations

import collections
import copy
from typing import Any, Callable, Mapping

from gradoracle import seam
from gradoracle.loading import SubmissionImportError, import_submission, lookup_formulas
from reference import registry

__all__ = [
    "Implementation",
    "SubmissionImportError",
    "import_submission",
    "Subject",
    "load_implementation",
    "lookup_formulas",
    "reference_implementation",
    "recorded_calls",
    "take_recorded_calls",
]

# formula ID -> the arguments of its last few calls through a Subject (the
# property's own calls), for diagnosing and reproducing a failure.
recorded_calls: dict[str, collections.deque] = collections.defaultdict(lambda: collections.deque(maxlen=3))


def take_recorded_calls(formula_id: str) -> list[tuple]:
    """The recorded argument tuples of ``formula_id``, oldest first; forgets them."""
    return list(recorded_calls.pop(formula_id, ()))


def _record(formula_id: str, args: tuple) -> None:
    try:
        recorded_calls[formula_id].append(copy.deepcopy(args))
    except Exception:  # an argument that cannot be copied is not worth failing a call over
        pass


class Subject:
    """One formula of an implementation, callable with the catalogue's arguments."""

    def __init__(self, implementation: "Implementation", formula_id: str) -> None:
        self.implementation = implementation
        self.formula_id = formula_id

    def __call__(self, *args: Any) -> Any:
        _record(self.formula_id, args)
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


def load_implementation(
    spec: str | None,
    *,
    bindings: Mapping[str, Mapping[str, Any]] | None = None,
    array_namespace: str | None = None,
    dtype: str = "float64",
) -> Implementation:
    """The implementation named on the command line (``--impl``), or the
    reference, as the implementation under test, when ``spec`` is None.
    ``bindings`` as in :func:`gradoracle.loading.lookup_formulas`; its functions
    are called with ``array_namespace``'s arrays of ``dtype`` (gradoracle.namespaces).
    Raises :class:`SubmissionImportError`."""
    if spec is None:
        functions = {f.id: f.reference for f in registry.all_formulas()}
        name = "reference"
    else:
        functions = lookup_formulas(import_submission(spec), registry.ids(), bindings)
        name = spec
    from gradoracle.namespaces import adapt_function

    functions = {
        formula_id: adapt_function(fn, formula_id, array_namespace=array_namespace, dtype=dtype)
        for formula_id, fn in functions.items()
    }
    return Implementation(name, functions)
