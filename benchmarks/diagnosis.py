"""How often diagnosis names the right mistake, per bug class.

For every mutant of the corpus (``mistakes/``): grade it in-process with its
formula's properties under the grading profile (the properties it names
first, then the others) until one fails, as a student's run would; diagnose
that failure exactly as the plugin does (the failing property's last calls
plus the strategy draws); and classify what it says:

- **right**: it names at least one mistake, and every mistake it names
  behaves like the mutant: agrees with it on 20 further inputs of the
  formula's strategy (held out: not the ones diagnosis tried);
- **wrong**: it names a mistake that differs from the mutant on a held-out
  input (the target is none);
- **none**: it names nothing (a seam fault such as nan or a mutated input,
  which keeps its plain message, or no candidate matched).

Two settings: *with the corpus* (the mutant itself is one of the known
mistakes, as for a student who makes a catalogued mistake), and
*leave-one-out* (the mutant is removed from the known mistakes, so only the
other mistakes and the generic transformations can name it: how well the
diagnosis generalises to mistakes the corpus does not hold verbatim).

    python benchmarks/diagnosis.py [--family logistic ...] [--markdown]
"""

from __future__ import annotations

import argparse
import copy
import inspect
import statistics
import sys
import time
from collections import Counter, defaultdict
from pathlib import Path
from typing import Any

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

HELD_OUT = 20


def failing_property(mutant: Any, properties: list[Any], implementation: Any) -> tuple[Any, BaseException, list[tuple]] | None:
    from gradoracle.submission import take_recorded_calls

    ordered = sorted(properties, key=lambda p: (p.name not in mutant.killed_by, p.name))
    for prop in ordered:
        take_recorded_calls(prop.formula)
        fixtures = {"subject": implementation.subject(prop.formula), "impl": implementation}
        wanted = inspect.signature(prop.test.hypothesis.inner_test).parameters
        try:
            prop.test(**{k: v for k, v in fixtures.items() if k in wanted})
        except Exception as exc:
            return prop, exc, take_recorded_calls(prop.formula)
    return None


def behaves_like(candidate: Any, mutant: Any, held_out: list[tuple]) -> bool:
    """Whether ``candidate`` agrees with ``mutant`` on every held-out input both evaluate."""
    from gradoracle import diagnosis
    from gradoracle.submission import Implementation, reference_implementation

    as_submission = Implementation(mutant.id, mutant.functions(), records_warnings=False)
    reference = reference_implementation()
    for args in held_out:
        got = diagnosis._outcome(lambda: as_submission.call(mutant.formula, *copy.deepcopy(args)))
        expected = diagnosis._outcome(lambda: reference.call(mutant.formula, *copy.deepcopy(args)))
        try:
            outcome = candidate.evaluate(copy.deepcopy(args), expected)
        except Exception:
            continue
        if outcome is None:
            continue
        if not _same_behaviour(got, outcome):
            return False
    return True


def _same_behaviour(got: Any, outcome: Any) -> bool:
    """The judge's equality: diagnosis's agreement, or equal within 1e-6
    relative with an absolute floor of 1e-12 (a mistake computed another way
    underflows to 0 where the other gives 1e-300: the same mistake)."""
    import numpy as np

    from gradoracle import diagnosis

    if diagnosis._agree(got, outcome):
        return True
    if not (isinstance(got, diagnosis._Value) and isinstance(outcome, diagnosis._Value)):
        return False
    left, right = diagnosis._leaves(got.value), diagnosis._leaves(outcome.value)
    return (
        left is not None and right is not None and len(left) == len(right)
        and all(a.shape == b.shape and np.allclose(a, b, rtol=1e-6, atol=1e-12) for a, b in zip(left, right))
    )


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--family", action="append", default=[])
    parser.add_argument("--profile", default="grading")
    parser.add_argument("--markdown", action="store_true")
    parser.add_argument("--verbose", action="store_true", help="one line per mutant")
    args = parser.parse_args(argv)

    from gradoracle import profiles

    profiles.load(args.profile)
    from gradoracle import diagnosis
    from gradoracle.submission import Implementation
    from mistakes import BUG_CLASSES, all_mutants
    from reference import registry

    registry.load_properties()
    mutants = [m for m in all_mutants() if not args.family or m.formula.split(".")[0] in args.family]
    settings_names = ("with the corpus", "leave-one-out")
    tallies: dict[str, dict[str, Counter]] = {s: defaultdict(Counter) for s in settings_names}
    wrong_cases: list[str] = []
    seconds: list[float] = []
    passed: list[str] = []
    held_out_cache: dict[str, list[tuple]] = {}
    wall = time.perf_counter()
    for mutant in mutants:
        properties = registry.get(mutant.formula).properties
        implementation = Implementation(mutant.id, mutant.functions(), records_warnings=False)
        found = failing_property(mutant, properties, implementation)
        if found is None:
            passed.append(mutant.id)
            continue
        prop, failure, recorded = found
        if mutant.formula not in held_out_cache:
            # Drawn with another budget than diagnosis's, so these are other inputs.
            held_out_cache[mutant.formula] = diagnosis.strategy_inputs(mutant.formula, HELD_OUT)
        held_out = held_out_cache[mutant.formula]
        for setting in settings_names:
            exclude = [mutant.id] if setting == "leave-one-out" else []
            start = time.perf_counter()
            result = diagnosis.diagnose(implementation, mutant.formula, recorded, failure=failure, exclude=exclude)
            seconds.append(time.perf_counter() - start)
            if not result.mistakes:
                verdict = "none"
            elif all(c.key == mutant.id or behaves_like(c, mutant, held_out) for c in result.mistakes):
                verdict = "right"
            else:
                verdict = "wrong"
                wrong_cases.append(
                    f"{setting}: {mutant.id} ({prop.name}) named "
                    + "; ".join(f"{c.key}: {c.explanation}" for c in result.mistakes)
                )
            tallies[setting][mutant.bug][verdict] += 1
            if args.verbose:
                print(f"{setting:16} {mutant.id:60} {verdict:5} {[c.key for c in result.mistakes]} {result.skipped_reason}")

    lines = [
        f"diagnosis benchmark: {len(mutants)} mutants, profile {args.profile}; "
        f"{len(passed)} not rejected by any property (not diagnosed); "
        f"{len(seconds)} diagnoses, median {statistics.median(seconds) * 1000:.0f} ms, "
        f"max {max(seconds) * 1000:.0f} ms (in-process, loaded machine); total {time.perf_counter() - wall:.0f} s",
    ]
    for setting in settings_names:
        lines.append("")
        lines.append(f"#### Diagnosis of failing corpus mutants, {setting}")
        lines.append("")
        lines.append("| bug class | failing mutants | right | wrong | none |")
        lines.append("|---|---:|---:|---:|---:|")
        total: Counter = Counter()
        for bug in BUG_CLASSES:
            c = tallies[setting][bug]
            n = sum(c.values())
            total.update(c)
            if n:
                lines.append(
                    f"| {bug} | {n} | {c['right']} ({100 * c['right'] / n:.0f}%) | {c['wrong']} ({100 * c['wrong'] / n:.0f}%) "
                    f"| {c['none']} ({100 * c['none'] / n:.0f}%) |"
                )
        n = sum(total.values())
        lines.append(
            f"| all | {n} | {total['right']} ({100 * total['right'] / n:.0f}%) | {total['wrong']} ({100 * total['wrong'] / n:.0f}%) "
            f"| {total['none']} ({100 * total['none'] / n:.0f}%) |"
        )
    if wrong_cases:
        lines.append("")
        lines.append("Wrong diagnoses:")
        lines.extend(f"- {w}" for w in wrong_cases)
    print("\n".join(lines))
    return 1 if any(tallies[s][b]["wrong"] for s in ("with the corpus",) for b in tallies[s]) else 0


if __name__ == "__main__":
    sys.exit(main())
