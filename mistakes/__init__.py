"""The corpus of realistic wrong implementations ("mutants"), one module per family.

Each mutant is a one-bug variant of a correct formula, labelled with its bug
class, with a stored *witness* input on which it differs from the reference
(so it is provably not an equivalent rewrite), and with the names of the
properties that must reject it. The meta-tests run those properties against
it; the benchmark (``benchmarks/power.py``) grades it with the whole suite and
with the incumbent checks.

Bug classes:

- ``derivation``: wrong math (missing 1/n, sign, transpose, missing term);
- ``edge``: wrong at n = 1, at kinks, at boundaries;
- ``stability``: overflow, underflow, float32 precision;
- ``convention``: a convention other than the catalogue's (kink value, δ placement, ...);
- ``contract``: mutates its input, wrong shape or type.
"""

from __future__ import annotations

import importlib
import pkgutil
from dataclasses import dataclass
from typing import Any, Callable

__all__ = ["Mutant", "mutant", "all_mutants", "BUG_CLASSES"]

BUG_CLASSES = ("derivation", "edge", "stability", "convention", "contract")


@dataclass(frozen=True)
class Mutant:
    formula: str
    name: str
    bug: str
    description: str
    fn: Callable[..., Any]
    witness: Callable[[], tuple]
    killed_by: tuple[str, ...]
    # Other formulas the bug also lives in, for properties that use them
    # (a Hessian property differentiating the same submission's gradient).
    companions: tuple[tuple[str, Callable[..., Any]], ...] = ()

    @property
    def id(self) -> str:
        return f"{self.formula}/{self.name}"

    def functions(self) -> dict[str, Callable[..., Any]]:
        return {self.formula: self.fn, **dict(self.companions)}


_MUTANTS: dict[str, Mutant] = {}


def mutant(
    formula: str,
    *,
    bug: str,
    killed_by: list[str] | tuple[str, ...],
    witness: Callable[[], tuple],
    companions: dict[str, Callable[..., Any]] | None = None,
) -> Callable[[Callable[..., Any]], Callable[..., Any]]:
    """Register the decorated function as a wrong implementation of ``formula``.

    Its docstring says what the bug is, in a student's terms. ``killed_by`` are
    test names in ``properties/test_<family>.py`` that must reject it;
    ``witness`` returns an argument tuple on which it differs from the reference.
    """
    if bug not in BUG_CLASSES:
        raise ValueError(f"bug class must be one of {BUG_CLASSES}, got {bug!r}")
    if not killed_by:
        raise ValueError("a mutant must name at least one property that kills it")

    def register(fn: Callable[..., Any]) -> Callable[..., Any]:
        entry = Mutant(
            formula=formula,
            name=fn.__name__,
            bug=bug,
            description=(fn.__doc__ or "").strip(),
            fn=fn,
            witness=witness,
            killed_by=tuple(killed_by),
            companions=tuple((companions or {}).items()),
        )
        if entry.id in _MUTANTS and _MUTANTS[entry.id].fn.__module__ != fn.__module__:
            raise ValueError(f"two mutants are named {entry.id}")
        _MUTANTS[entry.id] = entry
        return fn

    return register


def all_mutants() -> list[Mutant]:
    """Every mutant of every family module in this package."""
    for info in sorted(pkgutil.iter_modules(__path__), key=lambda i: i.name):
        if not info.name.startswith("_"):
            importlib.import_module(f"{__name__}.{info.name}")
    return sorted(_MUTANTS.values(), key=lambda m: m.id)
