"""The one registry: each catalogue formula ID mapped to its reference, its
strategies and its properties.

A family is added by writing one module in ``reference/`` (whose functions are
decorated with :func:`formula`) and one in ``properties/`` (whose tests are
decorated with ``properties.pytest_helpers.prop`` and whose argument strategy
is declared with :func:`register_inputs`). Nothing else has to be edited:
both packages are discovered by module name.
"""

from __future__ import annotations

import importlib
import pkgutil
from dataclasses import dataclass, field
from typing import Any, Callable

__all__ = [
    "Formula",
    "Property",
    "formula",
    "get",
    "ids",
    "all_formulas",
    "register_inputs",
    "register_property",
    "load_references",
    "load_properties",
]


@dataclass
class Property:
    """One checkable claim about one formula, as a Hypothesis test."""

    formula: str
    claim: str
    test: Callable[..., Any]
    module: str
    name: str = ""  # the module attribute name, i.e. the pytest test name

    @property
    def qualname(self) -> str:
        return f"{self.formula}::{self.name}"


@dataclass
class Formula:
    """A catalogue entry: its ID, reference implementation and checks."""

    id: str
    reference: Callable[..., Any]
    # A strategy of argument tuples, in catalogue order: what the reference
    # agreement property and the benchmarks feed the formula.
    inputs: Any = None
    properties: list[Property] = field(default_factory=list)

    @property
    def family(self) -> str:
        return self.id.split(".", 1)[0]

    @property
    def submission_name(self) -> str:
        """The module-level callable name a submission may use instead of FORMULAS."""
        return self.id.replace(".", "_")


_FORMULAS: dict[str, Formula] = {}


def _validate_id(formula_id: str) -> None:
    family, _, name = formula_id.partition(".")
    if not family or not name or "." in name:
        raise ValueError(f"formula ID must look like 'family.name', got {formula_id!r}")


def formula(formula_id: str) -> Callable[[Callable[..., Any]], Callable[..., Any]]:
    """Declare the decorated function as the reference of ``formula_id``."""
    _validate_id(formula_id)

    def register(fn: Callable[..., Any]) -> Callable[..., Any]:
        existing = _FORMULAS.get(formula_id)
        if existing is not None and existing.reference is not fn:
            # Re-importing a module (pytest's import modes) re-creates the
            # function object; keep the properties already registered.
            existing.reference = fn
        else:
            _FORMULAS[formula_id] = Formula(formula_id, fn)
        fn.formula_id = formula_id  # type: ignore[attr-defined]
        return fn

    return register


def get(formula_id: str) -> Formula:
    load_references()
    try:
        return _FORMULAS[formula_id]
    except KeyError:
        raise KeyError(f"no formula {formula_id!r} in the registry") from None


def ids() -> list[str]:
    load_references()
    return sorted(_FORMULAS)


def all_formulas() -> list[Formula]:
    load_references()
    return [_FORMULAS[i] for i in sorted(_FORMULAS)]


def register_inputs(formula_id: str, strategy: Any) -> Any:
    """Declare the argument-tuple strategy of a formula (used by agreement
    properties, meta-tests and benchmarks)."""
    get(formula_id).inputs = strategy
    return strategy


def register_property(prop: Property) -> None:
    entry = get(prop.formula)
    # A module imported twice registers its tests twice; keep the newest.
    entry.properties = [
        p for p in entry.properties if not (p.module == prop.module and p.test.__qualname__ == prop.test.__qualname__ and p.claim == prop.claim)
    ]
    entry.properties.append(prop)


def _import_submodules(package_name: str, prefix: str = "") -> list[Any]:
    package = importlib.import_module(package_name)
    modules = []
    for info in sorted(pkgutil.iter_modules(package.__path__), key=lambda i: i.name):
        if info.name.startswith("_") or not info.name.startswith(prefix):
            continue
        modules.append(importlib.import_module(f"{package_name}.{info.name}"))
    return modules


_REFERENCES_LOADED = False
_PROPERTIES_LOADED = False
FAMILY_MODULES_EXCLUDED = {"registry", "callables"}


def load_references() -> None:
    """Import every family module of ``reference/`` so that all formulas register."""
    global _REFERENCES_LOADED
    if _REFERENCES_LOADED:
        return
    _REFERENCES_LOADED = True
    package = importlib.import_module("reference")
    for info in sorted(pkgutil.iter_modules(package.__path__), key=lambda i: i.name):
        if info.name.startswith("_") or info.name in FAMILY_MODULES_EXCLUDED:
            continue
        importlib.import_module(f"reference.{info.name}")


def load_properties() -> None:
    """Import every ``properties/test_*`` module and name each registered property
    after the module attribute that holds it (the name pytest gives the test)."""
    global _PROPERTIES_LOADED
    if _PROPERTIES_LOADED:
        return
    _PROPERTIES_LOADED = True
    load_references()
    for module in _import_submodules("properties", prefix="test_"):
        name_property(module)


def name_property(module: Any) -> None:
    for attr, value in vars(module).items():
        prop = getattr(value, "gradoracle_property", None)
        if isinstance(prop, Property) and attr.startswith("test"):
            prop.name = attr
