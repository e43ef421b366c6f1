"""The power benchmark's fast sample, on every run (``benchmarks/power.py`` is the
full benchmark; see ``benchmarks/README.md``).

- For every formula that has properties, one mutant of the corpus (picked
  deterministically) is graded with all the formula's properties, as the
  benchmark grades it, and must be rejected.
- The two correct submissions of ``benchmarks/submissions/`` must pass every
  property of every formula: the independent NumPy one always, the autodiff
  one when torch is installed. They run a reduced number of examples (the
  first examples of the derandomized ``ci`` profile, no shrinking) to keep
  the whole module within about 15 s of CPU time; the benchmark runs them in
  full under several seeds.
"""

from __future__ import annotations

import contextlib
import zlib
from pathlib import Path
from typing import Any, Iterator

import pytest
from hypothesis import Phase, settings

from gradoracle.submission import Implementation, load_implementation
from mistakes import Mutant, all_mutants
from meta_tests.helpers import implementation_of, properties_by_name, run_property

SUBMISSIONS = Path(__file__).resolve().parent.parent / "benchmarks" / "submissions"
PROPERTIES = properties_by_name()
FORMULAS = sorted({p.formula for p in PROPERTIES.values()})
MUTANTS = all_mutants()
# Examples per property for the correct submissions. CPU time grows by about
# 1.3 s per example across the catalogue (plus ~1 s of Hypothesis overhead), so
# these keep the module near 15 s; the ``ci`` profile would run 30 (7 for
# derivative properties). The first examples of a derandomized run are the
# strategies' simplest (sizes 1, zeros), where careless code fails first; the
# benchmark runs the full count under three seeds.
CORRECT_EXAMPLES = {"independent_numpy": 3, "autodiff_torch": 2}


def _properties_of(formula_id: str) -> list[Any]:
    return [PROPERTIES[q] for q in sorted(PROPERTIES) if PROPERTIES[q].formula == formula_id]


def sampled_mutant(formula_id: str) -> Mutant | None:
    """One mutant per formula, chosen by a hash of the formula ID (stable
    across runs, spread across bug classes rather than always the first)."""
    candidates = sorted((m for m in MUTANTS if m.formula == formula_id), key=lambda m: m.id)
    if not candidates:
        return None
    return candidates[zlib.crc32(formula_id.encode()) % len(candidates)]


@contextlib.contextmanager
def _at_most(test: Any, examples: int) -> Iterator[None]:
    original = test._hypothesis_internal_use_settings
    test._hypothesis_internal_use_settings = settings(
        original,
        max_examples=min(original.max_examples, examples),
        phases=[Phase.explicit, Phase.reuse, Phase.generate],
        derandomize=True,
        database=None,
    )
    try:
        yield
    finally:
        test._hypothesis_internal_use_settings = original


@pytest.mark.filterwarnings("ignore::RuntimeWarning")  # a wrong implementation's overflow is expected
@pytest.mark.parametrize("formula_id", FORMULAS)
def test_sampled_mutant_is_rejected_by_the_suite(formula_id: str) -> None:
    mutant = sampled_mutant(formula_id)
    assert mutant is not None, f"{formula_id} has no wrong implementation in mistakes/"
    implementation = implementation_of(mutant.id, mutant.functions())
    for prop in _properties_of(formula_id):
        if run_property(prop, implementation) is not None:
            return
    pytest.fail(f"every property of {formula_id} accepted the wrong implementation {mutant.id}: {mutant.description}")


def _correct_submission(name: str) -> Implementation:
    return load_implementation(str(SUBMISSIONS / f"{name}.py"))


def _assert_passes(implementation: Implementation, formula_id: str, examples: int) -> None:
    assert implementation.provides(formula_id), f"{implementation.name} does not provide {formula_id}"
    failures = []
    for prop in _properties_of(formula_id):
        with _at_most(prop.test, examples):
            failure = run_property(prop, implementation)
        if failure is not None:
            failures.append(f"{prop.name}: {failure}")
    assert not failures, f"the correct submission {Path(implementation.name).name} fails {formula_id}:\n" + "\n".join(failures)


@pytest.fixture(scope="module")
def independent_numpy() -> Implementation:
    return _correct_submission("independent_numpy")


@pytest.fixture(scope="module")
def autodiff_torch() -> Implementation:
    pytest.importorskip("torch")
    return _correct_submission("autodiff_torch")


@pytest.mark.parametrize("formula_id", FORMULAS)
def test_independent_numpy_submission_passes(independent_numpy: Implementation, formula_id: str) -> None:
    _assert_passes(independent_numpy, formula_id, CORRECT_EXAMPLES["independent_numpy"])


@pytest.mark.parametrize("formula_id", FORMULAS)
def test_autodiff_torch_submission_passes(autodiff_torch: Implementation, formula_id: str) -> None:
    _assert_passes(autodiff_torch, formula_id, CORRECT_EXAMPLES["autodiff_torch"])


def test_every_catalogue_formula_is_in_both_correct_submissions() -> None:
    """Both correct submissions provide every formula the registry knows
    (the torch one is checked by name, without importing torch)."""
    from reference import registry

    numpy_impl = _correct_submission("independent_numpy")
    missing = [f for f in registry.ids() if not numpy_impl.provides(f)]
    assert not missing, f"independent_numpy lacks {missing}"
    source = (SUBMISSIONS / "autodiff_torch.py").read_text()
    missing = [f for f in registry.ids() if f"def {f.replace('.', '_')}(" not in source]
    assert not missing, f"autodiff_torch lacks {missing}"
