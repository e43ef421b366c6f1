"""gradoracle: grade implementations of the formulas of introductory deep learning.

The public API (:mod:`gradoracle.api`), for a library that uses the suite as
its CI oracle from its own tests:

- ``assert_formula(formula_id, fn, *, dtype="float64", array_namespace=None, profile="ci")``
- ``check_formula(...)`` → :class:`FormulaVerdict`
- ``strategies(formula_id)`` → the formula's Hypothesis strategy of argument tuples
- ``formulas()`` → every formula ID with its call signature

The machinery behind the suite: the call seam (:mod:`gradoracle.seam`), loading
submissions (:mod:`gradoracle.submission`), the pytest plugin
(:mod:`gradoracle.plugin`), Hypothesis profiles and the grade report.
"""

from __future__ import annotations

from typing import Any

__version__ = "0.1.0"

_API = (
    "assert_formula",
    "check_formula",
    "strategies",
    "formulas",
    "FormulaVerdict",
    "PropertyOutcome",
    "UnknownFormulaError",
)
__all__ = [*_API, "__version__"]


def __getattr__(name: str) -> Any:
    # Imported on first use: `import gradoracle` (and the pytest plugin, which
    # every pytest run of the environment loads) stays free of numpy and Hypothesis.
    if name in _API:
        from gradoracle import api

        return getattr(api, name)
    raise AttributeError(f"module 'gradoracle' has no attribute {name!r}")


def __dir__() -> list[str]:
    return sorted({*globals(), *_API})
