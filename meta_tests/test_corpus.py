"""Every property can fail, and every wrong implementation in the corpus is
rejected: the suite's power, checked on each run."""

from __future__ import annotations

import numpy as np
import pytest

from gradoracle.seam import SubmissionFault, SubmissionRaised
from gradoracle.submission import reference_implementation
from mistakes import BUG_CLASSES, Mutant, all_mutants
from meta_tests.helpers import implementation_of, properties_by_name, run_property
from reference import registry

MUTANTS = all_mutants()
PROPERTIES = properties_by_name()


def _mutant_id(m: Mutant) -> str:
    return m.id


@pytest.mark.parametrize("qualname", sorted(PROPERTIES))
def test_every_property_has_a_known_bad_implementation(qualname: str) -> None:
    """A property no wrong implementation can fail is not a property."""
    prop = PROPERTIES[qualname]
    killers = [m for m in MUTANTS if m.formula == prop.formula and prop.name in m.killed_by]
    assert killers, f"no mutant in mistakes/ names {prop.name} of {prop.formula} in killed_by"


@pytest.mark.parametrize("mutant", MUTANTS, ids=_mutant_id)
def test_mutant_is_rejected_by_the_properties_it_names(mutant: Mutant) -> None:
    implementation = implementation_of(mutant.id, mutant.functions())
    for name in mutant.killed_by:
        qualname = f"{mutant.formula}::{name}"
        assert qualname in PROPERTIES, f"{mutant.id} names {name}, which is not a property of {mutant.formula}"
        failure = run_property(PROPERTIES[qualname], implementation)
        assert failure is not None, f"{qualname} accepted the wrong implementation {mutant.id}: {mutant.description}"
        assert isinstance(failure, AssertionError), (
            f"{qualname} rejected {mutant.id} with {type(failure).__name__} instead of a readable "
            f"AssertionError: {failure}"
        )


@pytest.mark.parametrize("mutant", MUTANTS, ids=_mutant_id)
def test_witness_shows_mutant_differs_from_reference(mutant: Mutant) -> None:
    """A mutant must be a real bug: on its witness it differs from the reference
    (or misbehaves at the seam: raises, mutates, returns a malformed value)."""
    args = mutant.witness()
    try:
        expected = reference_implementation().call(mutant.formula, *args)
    except SubmissionRaised as refused:
        # The reference rejects the witness (a stride that does not divide):
        # the mutant differs if it does not reject it the same way.
        try:
            implementation_of(mutant.id, mutant.functions()).call(mutant.formula, *args)
        except SubmissionRaised as raised:
            assert refused.exc_type not in raised.exc_bases, (
                f"{mutant.id} raises {raised.exc_type} on its witness, as the reference does"
            )
        except SubmissionFault:
            pass
        return
    try:
        got = implementation_of(mutant.id, mutant.functions()).call(mutant.formula, *args)
    except SubmissionFault:
        return
    assert not _equal(got, expected), f"{mutant.id} agrees with the reference on its witness {args!r}"


def _equal(a, b) -> bool:
    if isinstance(b, tuple):
        return isinstance(a, tuple) and len(a) == len(b) and all(_equal(x, y) for x, y in zip(a, b))
    a, b = np.asarray(a, dtype=float), np.asarray(b, dtype=float)
    return a.shape == b.shape and bool(np.allclose(a, b, rtol=1e-12, atol=1e-12))


@pytest.mark.parametrize("mutant", MUTANTS, ids=_mutant_id)
def test_mutant_is_well_formed(mutant: Mutant) -> None:
    assert mutant.bug in BUG_CLASSES
    assert mutant.description, f"{mutant.id} needs a docstring saying what the bug is"
    assert mutant.formula in registry.ids()


def test_every_formula_has_at_least_three_mutants() -> None:
    counts = {f: sum(m.formula == f for m in MUTANTS) for f in registry.ids()}
    thin = {f: c for f, c in counts.items() if c < 3}
    assert not thin, f"formulas with fewer than three wrong implementations in the corpus: {thin}"
