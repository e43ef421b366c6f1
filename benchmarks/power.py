"""The power benchmark: how much more the suite catches than the incumbent checks.

    python benchmarks/power.py [--family F]... [--seeds 1 2 3] [--markdown]

Grades, for every formula family that exists in the registry:

- every wrong implementation of ``mistakes/`` ("mutant") with the
  suite -- all properties of the mutant's formula, in registration order,
  through ``meta_tests.helpers.run_property`` under the ``grading`` profile
  (derandomized, so seed-independent), stopping at the first property that
  rejects it -- and with the two incumbent checks of ``benchmarks/incumbents.py``
  (cs231n's numerical gradient + rel_error, torch.autograd.gradcheck's
  numerical check), once per seed (the seed picks their random points);
- the two correct submissions of ``benchmarks/submissions/`` (an independent
  NumPy one and an autodiff one, skipped when torch is not installed) with
  every property of every formula under each seed (Hypothesis seeded, not
  derandomized), and with both incumbents under each seed. Every rejection
  of a correct submission is a false failure. The reference goes through the
  incumbents too;
- derived "consistent pairs" (not in the corpus, reported apart): each
  derivation/convention mutant of a forward the catalogue has (``logistic.loss``,
  ``batchnorm.forward``, an activation...) paired with the exact derivative of
  that wrong forward, graded under the derivative's ID -- a forward and a
  backward wrong together, which gradcheck cannot see.

It prints, per bug class, per kind of formula, per family and overall, the
kill rate of each method (raw, and counting only gradings where the incumbent
accepts the reference at the same points), the suite/incumbent ratios and the
median time per entry; the false failures of each method on the correct
submissions; cs231n at other thresholds; the mutants the suite lets survive;
the mutants only the suite kills; and the properties that reject no mutant.
``--markdown`` prints the tables for ``benchmarks/README.md``.
Not part of the test run (``conftest.py`` ignores ``benchmarks/``).
"""

from __future__ import annotations

import argparse
import contextlib
import importlib.util
import inspect
import json
import statistics
import sys
import time
import warnings
from collections import defaultdict
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Iterator

ROOT = Path(__file__).resolve().parent.parent
if str(ROOT) not in sys.path:
    sys.path.insert(0, str(ROOT))

from hypothesis import Phase, settings  # noqa: E402

from gradoracle import profiles  # noqa: E402

SUBMISSIONS = ROOT / "benchmarks" / "submissions"
CORRECT_SUBMISSIONS = {
    "independent_numpy": SUBMISSIONS / "independent_numpy.py",
    "autodiff_torch": SUBMISSIONS / "autodiff_torch.py",
}
METHODS = ("suite", "cs231n", "gradcheck")
CATALOGUE_SIZE = 73  # formula IDs in the catalogue (docs/catalogue.md)
_NO_SHRINK = [Phase.explicit, Phase.reuse, Phase.generate]


# ----------------------------------------------------------------------------
# Running the suite


@contextlib.contextmanager
def _seeded(test: Any, seed: int | None) -> Iterator[None]:
    """Run a property's Hypothesis test under ``seed`` (random generation from
    that seed) without shrinking; ``seed=None`` keeps it derandomized."""
    original_settings = test._hypothesis_internal_use_settings
    original_seed = getattr(test, "_hypothesis_internal_use_seed", None)
    test._hypothesis_internal_use_settings = settings(
        original_settings, phases=_NO_SHRINK, database=None, derandomize=seed is None
    )
    if seed is not None:
        test._hypothesis_internal_use_seed = seed
    try:
        yield
    finally:
        test._hypothesis_internal_use_settings = original_settings
        test._hypothesis_internal_use_seed = original_seed


def run_property_seeded(prop: Any, implementation: Any, seed: int) -> BaseException | None:
    """``meta_tests.helpers.run_property`` with Hypothesis seeded by ``seed``."""
    with _seeded(prop.test, seed):
        try:
            fixtures = {"subject": implementation.subject(prop.formula), "impl": implementation}
            wanted = inspect.signature(prop.test.hypothesis.inner_test).parameters
            prop.test(**{k: v for k, v in fixtures.items() if k in wanted})
        except Exception as exc:  # noqa: BLE001 - the property failed
            return exc
    return None


def _first_line(exc: BaseException | None) -> str:
    if exc is None:
        return ""
    text = str(exc).strip().splitlines()
    return f"{type(exc).__name__}: {text[0] if text else ''}"[:200]


# ----------------------------------------------------------------------------
# Results


@dataclass
class MutantResult:
    id: str
    formula: str
    family: str
    bug: str
    description: str
    derivative: bool
    companions: bool
    suite_killed: bool = False
    suite_killer: str = ""  # the first property that rejected it
    suite_error: str = ""
    suite_failures: list[str] = field(default_factory=list)  # with --all-properties
    suite_time: float = 0.0
    incumbent_killed: dict[str, list[bool]] = field(default_factory=lambda: defaultdict(list))  # per seed
    # per seed: killed, and the same check accepts the reference at the same points
    incumbent_informative: dict[str, list[bool]] = field(default_factory=lambda: defaultdict(list))
    incumbent_time: dict[str, list[float]] = field(default_factory=lambda: defaultdict(list))
    incumbent_detail: dict[str, str] = field(default_factory=dict)
    cs231n_scores: list[float] = field(default_factory=list)  # worst rel_error per seed

    def kill_rate(self, method: str, informative: bool = False) -> float:
        """1/0 for the suite; the fraction of seeds that killed it for an incumbent
        (``informative``: only where that check accepts the reference at the same points)."""
        if method == "suite":
            return 1.0 if self.suite_killed else 0.0
        runs = (self.incumbent_informative if informative else self.incumbent_killed)[method]
        return sum(runs) / len(runs) if runs else 0.0

    def times(self, method: str) -> list[float]:
        return [self.suite_time] if method == "suite" else list(self.incumbent_time[method])


@dataclass
class CorrectResult:
    submission: str
    formula: str
    seed: int
    failed: dict[str, bool] = field(default_factory=dict)
    detail: dict[str, str] = field(default_factory=dict)
    time: dict[str, float] = field(default_factory=dict)
    cs231n_score: float = 0.0


# ----------------------------------------------------------------------------
# Grading


_REFERENCE_REJECTED: dict[tuple[str, str, int], bool] = {}


def reference_rejected(method: str, formula_id: str, seed: int, control: Any = None) -> bool:
    """Whether the incumbent ``method`` rejects the reference itself at the points
    of ``seed`` (or, for a derived pair, its ``control``: the same numerical
    derivation applied to the correct forward)."""
    from benchmarks import incumbents
    from reference import registry

    key = (method, formula_id, seed, control is not None)
    if key not in _REFERENCE_REJECTED:
        functions = {f.id: f.reference for f in registry.all_formulas()}
        if control is not None:
            functions[formula_id] = control
        points = incumbents.draw_points(formula_id, seed=seed)
        _REFERENCE_REJECTED[key] = not incumbents.INCUMBENTS[method](functions, formula_id, points, seed=seed).passed
    return _REFERENCE_REJECTED[key]


def reference_failures(properties: dict[str, list[Any]], log: Any) -> dict[str, str]:
    """Formulas whose reference fails one of its own properties under the
    profile (a suite or seam regression): grading them would measure the bug,
    not the suite. Maps formula ID to the first failure."""
    from gradoracle.submission import reference_implementation
    from meta_tests.helpers import run_property

    reference = reference_implementation()
    broken = {}
    for formula_id, props in properties.items():
        for prop in props:
            with warnings.catch_warnings():
                warnings.simplefilter("ignore")
                failure = run_property(prop, reference)
            if failure is not None:
                broken[formula_id] = f"{prop.name}: {_first_line(failure)}"
                log(f"the reference fails {formula_id}::{prop.name}")
                break
    return broken


def grade_mutants(mutants: list[Any], properties: dict[str, list[Any]], seeds: list[int], all_properties: bool, log: Any) -> list[MutantResult]:
    from benchmarks import incumbents
    from meta_tests.helpers import implementation_of, run_property

    results = []
    for index, m in enumerate(mutants, 1):
        r = MutantResult(
            id=m.id,
            formula=m.formula,
            family=m.formula.split(".")[0],
            bug=m.bug,
            description=" ".join(m.description.split()),
            derivative=m.formula in incumbents.DERIVATIVES,
            companions=bool(m.companions),
        )
        implementation = implementation_of(m.id, m.functions())
        start = time.perf_counter()
        for prop in properties[m.formula]:
            with warnings.catch_warnings():
                warnings.simplefilter("ignore")
                failure = run_property(prop, implementation)
            if failure is not None:
                r.suite_failures.append(prop.name)
                if not r.suite_killed:
                    r.suite_killed, r.suite_killer = True, prop.name
                    if not isinstance(failure, AssertionError):
                        r.suite_error = _first_line(failure)
                if not all_properties:
                    break
        r.suite_time = time.perf_counter() - start
        for seed in seeds:
            points = incumbents.draw_points(m.formula, seed=seed)
            for method, check in incumbents.INCUMBENTS.items():
                start = time.perf_counter()
                verdict = check(m.functions(), m.formula, points, seed=seed)
                r.incumbent_time[method].append(time.perf_counter() - start)
                r.incumbent_killed[method].append(not verdict.passed)
                control = PAIR_CONTROLS.get(m.id)
                r.incumbent_informative[method].append(not verdict.passed and not reference_rejected(method, m.formula, seed, control))
                if method == "cs231n":
                    r.cs231n_scores.append(verdict.score)
                if not verdict.passed and method not in r.incumbent_detail:
                    r.incumbent_detail[method] = verdict.detail
        log(f"[{index}/{len(mutants)}] {m.id}: suite {'killed by ' + r.suite_killer if r.suite_killed else 'SURVIVED'}"
            f" ({r.suite_time:.2f}s); cs231n {sum(r.incumbent_killed['cs231n'])}/{len(seeds)},"
            f" gradcheck {sum(r.incumbent_killed['gradcheck'])}/{len(seeds)}")
        results.append(r)
    return results


def grade_correct(name: str, implementation: Any, formula_ids: list[str], properties: dict[str, list[Any]], seeds: list[int], log: Any, *, suite: bool = True) -> tuple[list[CorrectResult], list[str]]:
    """Grade a correct implementation with the suite (unless ``suite`` is False)
    and both incumbents, per formula and seed."""
    from benchmarks import incumbents

    missing = [f for f in formula_ids if not implementation.provides(f)]
    results = []
    for seed in seeds:
        for formula_id in formula_ids:
            if formula_id in missing:
                continue
            r = CorrectResult(name, formula_id, seed)
            if suite:
                start = time.perf_counter()
                problems = []
                for prop in properties[formula_id]:
                    with warnings.catch_warnings():
                        warnings.simplefilter("ignore")
                        failure = run_property_seeded(prop, implementation, seed)
                    if failure is not None:
                        problems.append(f"{prop.name}: {_first_line(failure)}")
                r.time["suite"] = time.perf_counter() - start
                r.failed["suite"] = bool(problems)
                r.detail["suite"] = "; ".join(problems)
            points = incumbents.draw_points(formula_id, seed=seed)
            for method, check in incumbents.INCUMBENTS.items():
                start = time.perf_counter()
                verdict = check(implementation.functions, formula_id, points, seed=seed)
                r.time[method] = time.perf_counter() - start
                r.failed[method] = not verdict.passed
                r.detail[method] = verdict.detail
                if method == "cs231n":
                    r.cs231n_score = verdict.score
            flags = ", ".join(f"{m} FAILED" for m in METHODS if r.failed.get(m)) or "passed"
            log(f"[{name} seed {seed}] {formula_id}: {flags} ({r.time.get('suite', 0.0):.2f}s)")
            results.append(r)
    return results, missing


def idle_properties(results: list[MutantResult], mutants: list[Any], properties: dict[str, list[Any]], log: Any) -> list[str]:
    """The properties that reject no mutant of their formula. A property that
    was never the first to reject one is run against the formula's mutants
    (those naming it in ``killed_by`` first) until one fails."""
    from meta_tests.helpers import implementation_of, run_property

    seen = {(r.formula, name) for r in results for name in r.suite_failures}
    idle = []
    for formula_id, props in properties.items():
        candidates = [m for m in mutants if m.formula == formula_id]
        if not candidates:
            continue  # reported among the formulas with fewer than 3 mutants
        for prop in props:
            if (formula_id, prop.name) in seen:
                continue
            ordered = sorted(candidates, key=lambda m: prop.name not in m.killed_by)
            for m in ordered:
                with warnings.catch_warnings():
                    warnings.simplefilter("ignore")
                    if run_property(prop, implementation_of(m.id, m.functions())) is not None:
                        break
            else:
                idle.append(prop.qualname)
                log(f"{prop.qualname} rejects none of the {len(ordered)} mutants of {formula_id}")
    return idle


# ----------------------------------------------------------------------------
# Derived "consistent pairs": a wrong forward with the exact derivative of itself

PAIR_BUGS = ("derivation", "convention")  # forward bugs that change the function, not its numerics


def _accurate_jacobian(f: Any, x: Any) -> Any:
    """``J[out, in]`` of ``f`` at ``x`` by ``scipy.differentiate.jacobian`` run to
    its accuracy limit (rtol 1e-14, up to 20 iterations): about 1e-11 relative
    on smooth functions, so a derived derivative reads like an analytic one to
    checks at 1e-7 and coarser."""
    import numpy as np
    from scipy import differentiate

    x = np.asarray(x, dtype=np.float64)
    out_size = np.asarray(f(x.copy())).size

    def vectorized(points: Any) -> Any:
        n, batch = points.shape[0], points.shape[1:]
        flat = points.reshape(n, -1)
        values = [np.asarray(f(flat[:, j].copy()), dtype=np.float64).reshape(-1) for j in range(flat.shape[1])]
        return np.stack(values, axis=-1).reshape((out_size, *batch))

    result = differentiate.jacobian(
        vectorized, x, tolerances=dict(atol=0.0, rtol=1e-14), maxiter=20, initial_step=0.5
    )
    return np.asarray(result.df).reshape(out_size, x.size)


def derived_derivative(derivative_id: str, wrong_forward: Any) -> Any:
    """The derivative formula ``derivative_id`` computed exactly (to scipy's
    accuracy) from ``wrong_forward`` instead of the true forward: what a student
    writes who derives the backward of their own, wrong, forward correctly."""
    import numpy as np

    from benchmarks.incumbents import DERIVATIVES, _flatten
    from reference import registry

    spec = DERIVATIVES[derivative_id]
    cache: dict[Any, Any] = {}

    def own(formula_id: str, *args: Any) -> Any:
        return wrong_forward(*args) if formula_id == spec.source else registry.get(formula_id).reference(*args)

    def key(args: tuple) -> Any:
        # The Jacobian does not depend on a backward's upstream gradient: gradcheck
        # calls the backward once per output entry, so compute it once per point.
        upstream = spec.upstream(args) if spec.upstream is not None else None
        return tuple(None if a is upstream else (type(a).__name__, np.asarray(a, dtype=np.float64).tobytes(), np.shape(a)) for a in args)

    def derivative(*args: Any) -> Any:
        k = key(args)
        if k not in cache:
            cache.clear()
            cache[k] = jacobian_at(args)
        templates, shapes, unpack, jac = cache[k]
        if spec.kind == "jacobian":
            return jac.copy()
        if spec.kind == "elementwise":
            return np.diag(jac).reshape(np.shape(args[0]))
        row = _flatten(spec.upstream(args)) @ jac if spec.kind == "backward" else jac[0]
        values = tuple(unpack(row).values())
        return values if len(values) > 1 else values[0]

    def jacobian_at(args: tuple) -> Any:
        templates = spec.params(args)
        shapes = {name: np.shape(value) for name, value in templates.items()}
        sizes = [int(np.prod(shape)) for shape in shapes.values()]
        theta0 = np.concatenate([np.asarray(v, dtype=np.float64).reshape(-1) for v in templates.values()])

        def unpack(theta: np.ndarray) -> dict[str, Any]:
            pieces = np.split(theta, np.cumsum(sizes)[:-1])
            return {
                name: (float(piece[0]) if not isinstance(templates[name], np.ndarray) and shape == () else piece.reshape(shape))
                for (name, shape), piece in zip(shapes.items(), pieces)
            }

        def forward(theta: np.ndarray) -> np.ndarray:
            return _flatten(spec.forward(own, args, unpack(theta)))

        jac = _accurate_jacobian(forward, theta0)
        return templates, shapes, unpack, jac.reshape(-1, theta0.size)

    return derivative


def consistent_pairs(mutants: list[Any], properties: dict[str, list[Any]]) -> list[Any]:
    """For every derivative formula whose forward is in the catalogue, one pair
    per forward mutant of class derivation/convention: the wrong forward and
    its exact derivative, graded under the derivative's ID. Not part of the
    corpus; reported in a table of their own."""
    from benchmarks.incumbents import DERIVATIVES
    from mistakes import Mutant

    from reference import registry

    pairs = []
    for derivative_id, spec in DERIVATIVES.items():
        if spec.source == "stated loss" or derivative_id not in properties or spec.source not in properties:
            continue
        # The same numerical derivation applied to the correct forward: where an
        # incumbent rejects it, it rejects the derivation's rounding, not the bug.
        control = derived_derivative(derivative_id, registry.get(spec.source).reference)
        for m in mutants:
            if m.formula != spec.source or m.bug not in PAIR_BUGS:
                continue
            pair = Mutant(
                formula=derivative_id,
                name=f"consistent_with_{m.name}",
                bug=m.bug,
                description=f"its {spec.source} is {m.name} ({' '.join(m.description.split())}) and it differentiates that exactly",
                fn=derived_derivative(derivative_id, m.fn),
                witness=lambda: (),
                killed_by=("(derived)",),
                companions=((spec.source, m.fn),),
            )
            if _differs_from_reference(pair):
                pairs.append(pair)
                PAIR_CONTROLS[pair.id] = control
            else:
                EQUIVALENT_PAIRS.append(pair.id)
    return pairs


EQUIVALENT_PAIRS: list[str] = []
PAIR_CONTROLS: dict[str, Any] = {}


def _differs_from_reference(pair: Any, points: int = 12, quorum: int = 4) -> bool:
    """Whether the derived derivative differs from the reference's (by more than
    1e-6 of its scale) on at least ``quorum`` of ``points`` argument tuples of the
    formula's strategy, jittered by up to 10%. A wrong forward whose bug the
    derivative formula's inputs cannot reach (softmax along axis 0 of a 1-D z),
    or whose bug is a constant (ELU's forgotten -1, a jump at the kink only),
    gives an equivalent derivative, which differs at a kink now and then
    (where a numerical derivative of a discontinuous forward means nothing)
    but not on a third of the points."""
    import copy

    import numpy as np

    from benchmarks import incumbents
    from reference import registry

    reference = registry.get(pair.formula).reference
    rng = np.random.default_rng(0)
    differing = 0
    for args in incumbents.draw_points(pair.formula, seed=0, count=points):
        args = tuple(
            a + rng.uniform(-0.1, 0.1, a.shape) * (1 + np.abs(a)) if isinstance(a, np.ndarray) and a.dtype.kind == "f" else a
            for a in args
        )
        with warnings.catch_warnings(), np.errstate(all="ignore"):
            warnings.simplefilter("ignore")
            try:
                expected = incumbents._flatten(reference(*copy.deepcopy(args)))
                got = incumbents._flatten(pair.fn(*copy.deepcopy(args)))
            except Exception:  # noqa: BLE001 - a derivative that raises differs
                differing += 1
                continue
        if got.shape != expected.shape or not np.all(np.abs(got - expected) <= 1e-6 * (1 + np.max(np.abs(expected), initial=0))):
            differing += 1
    return differing >= quorum


# ----------------------------------------------------------------------------
# Reporting


def _pct(x: float) -> str:
    return f"{100 * x:.1f}%"


def _ratio(a: float, b: float) -> str:
    if b == 0:
        return "∞" if a > 0 else "—"
    return f"{a / b:.2f}×"


def _median(values: list[float]) -> str:
    return f"{statistics.median(values) * 1000:.0f} ms" if values else "—"


def _group_row(label: str, group: list[MutantResult]) -> list[str]:
    def rate(method: str, informative: bool = False) -> float:
        return sum(r.kill_rate(method, informative) for r in group) / len(group) if group else 0.0

    return [
        label,
        str(len(group)),
        _pct(rate("suite")),
        _pct(rate("cs231n")),
        _pct(rate("cs231n", True)),
        _pct(rate("gradcheck")),
        _pct(rate("gradcheck", True)),
        _ratio(rate("suite"), rate("cs231n")),
        _ratio(rate("suite"), rate("gradcheck")),
        _median([t for r in group for t in r.times("suite")]),
        _median([t for r in group for t in r.times("cs231n")]),
        _median([t for r in group for t in r.times("gradcheck")]),
    ]


KILL_HEADER = [
    "group", "mutants", "suite kills", "cs231n kills", "cs231n kills†", "gradcheck kills", "gradcheck kills†",
    "suite/cs231n", "suite/gradcheck", "median suite", "median cs231n", "median gradcheck",
]
KILL_FOOTNOTE = (
    "† only gradings where the same check, at the same random points, accepts the reference "
    "(a check that rejects the correct answer there tells the mutant nothing). Ratios use the raw kill rates."
)
FALSE_HEADER = [
    "correct submission", "seeds", "formulas", "suite false failures", "cs231n false failures",
    "gradcheck false failures", "median suite", "median cs231n", "median gradcheck",
]


def _table(header: list[str], rows: list[list[str]], markdown: bool) -> str:
    if markdown:
        lines = ["| " + " | ".join(header) + " |", "|" + "|".join("---" if i == 0 else "---:" for i in range(len(header))) + "|"]
        lines += ["| " + " | ".join(row) + " |" for row in rows]
        return "\n".join(lines)
    widths = [max(len(str(x)) for x in col) for col in zip(header, *rows)]
    fmt = lambda row: "  ".join(str(c).ljust(w) if i == 0 else str(c).rjust(w) for i, (c, w) in enumerate(zip(row, widths)))  # noqa: E731
    return "\n".join([fmt(header), "  ".join("-" * w for w in widths)] + [fmt(r) for r in rows])


def kill_tables(results: list[MutantResult], markdown: bool) -> str:
    from mistakes import BUG_CLASSES

    by_class = [_group_row(bug, [r for r in results if r.bug == bug]) for bug in BUG_CLASSES if any(r.bug == bug for r in results)]
    by_class.append(_group_row("**overall**" if markdown else "OVERALL", results))
    kinds = [
        ("derivative formulas", [r for r in results if r.derivative]),
        ("  of which forward wrong too", [r for r in results if r.companions]),
        ("other formulas", [r for r in results if not r.derivative]),
    ]
    by_kind = [_group_row(label, group) for label, group in kinds if group]
    families = sorted({r.family for r in results})
    by_family = [_group_row(f, [r for r in results if r.family == f]) for f in families]
    out = []
    out.append(("#### " if markdown else "") + "Kill rate per bug class")
    out.append(_table(["bug class", *KILL_HEADER[1:]], by_class, markdown))
    out.append("")
    out.append(("#### " if markdown else "") + "Kill rate per kind of formula")
    out.append(_table(["kind", *KILL_HEADER[1:]], by_kind, markdown))
    out.append("")
    out.append(("#### " if markdown else "") + "Kill rate per family")
    out.append(_table(["family", *KILL_HEADER[1:]], by_family, markdown))
    out.append("")
    out.append(KILL_FOOTNOTE)
    return "\n".join(out)


def pairs_table(pairs: list[MutantResult], markdown: bool) -> str:
    """The derived consistent pairs, per derivative formula's family and overall."""
    families = sorted({r.family for r in pairs})
    rows = [_group_row(f, [r for r in pairs if r.family == f]) for f in families]
    rows.append(_group_row("**overall**" if markdown else "OVERALL", pairs))
    title = ("#### " if markdown else "") + (
        "Forward and backward wrong together (derived, not in the corpus): each derivation/convention "
        "mutant of a forward, paired with the exact derivative of that wrong forward"
    )
    note = (
        "† here: only gradings where the same check, at the same points, accepts the same numerical "
        "derivation applied to the correct forward (so a rejection is of the bug, not of the derivation's rounding)."
    )
    return title + "\n" + _table(["family", *KILL_HEADER[1:]], rows, markdown) + "\n\n" + note


def false_failure_table(correct: dict[str, list[CorrectResult]], seeds: list[int], markdown: bool) -> str:
    rows = []
    for name, results in correct.items():
        if not results:
            continue
        n = len(results)
        row = [name, " ".join(map(str, seeds)), str(len({r.formula for r in results}))]
        for method in METHODS:
            graded = [r for r in results if method in r.failed]
            row.append(f"{sum(r.failed[method] for r in graded)}/{n}" if graded else "—")
        for method in METHODS:
            row.append(_median([r.time[method] for r in results if method in r.time]))
        rows.append(row)
    title = ("#### " if markdown else "") + "False failures on correct submissions (formula × seed gradings rejected)"
    return title + "\n" + _table(FALSE_HEADER, rows, markdown)


SENSITIVITY = (1e-7, 1e-6, 1e-5, 1e-4, 1e-2)


def sensitivity_table(results: list[MutantResult], correct: dict[str, list[CorrectResult]], markdown: bool) -> str:
    """cs231n's verdicts at other rel_error thresholds, read off the same runs."""
    from benchmarks.incumbents import CS231N_THRESHOLD

    rows = []
    for threshold in SENSITIVITY:
        scores = [score for r in results for score in r.cs231n_scores]
        kills = sum(score >= threshold for score in scores) / len(scores) if scores else 0.0
        row = [f"{threshold:g}" + (" (used)" if threshold == CS231N_THRESHOLD else ""), _pct(kills)]
        for name, rs in correct.items():
            row.append(f"{sum(r.cs231n_score >= threshold for r in rs)}/{len(rs)}")
        rows.append(row)
    header = ["cs231n threshold", "kill rate", *[f"false failures: {name}" for name in correct]]
    title = ("#### " if markdown else "") + "cs231n at other rel_error thresholds (same runs)"
    return title + "\n" + _table(header, rows, markdown)


def details(results: list[MutantResult], correct: dict[str, list[CorrectResult]], properties: dict[str, list[Any]], idle: list[str], counts: dict[str, int]) -> str:
    out = []
    survivors = [r for r in results if not r.suite_killed]
    out.append(f"Mutants the suite let survive: {len(survivors)} of {len(results)}")
    for r in survivors:
        out.append(f"  {r.id} [{r.bug}]: {r.description}")
    errors = [r for r in results if r.suite_error]
    if errors:
        out.append("Mutants rejected by an error rather than a readable AssertionError:")
        for r in errors:
            out.append(f"  {r.id} by {r.suite_killer}: {r.suite_error}")
    only_incumbent = [r for r in results if not r.suite_killed and any(r.kill_rate(m) > 0 for m in METHODS[1:])]
    if only_incumbent:
        out.append("Mutants an incumbent kills but the suite does not:")
        for r in only_incumbent:
            out.append(f"  {r.id}: " + ", ".join(f"{m} {r.incumbent_detail.get(m, '')}" for m in METHODS[1:] if r.kill_rate(m) > 0))
    only_suite = [r for r in results if r.suite_killed and all(r.kill_rate(m) == 0 for m in METHODS[1:])]
    out.append(f"Mutants only the suite kills (neither incumbent, under any seed): {len(only_suite)} of {len(results)}")
    for r in only_suite:
        out.append(f"  {r.id} [{r.bug}]: {r.description}")
    with_mutants = sum(len(p) for f, p in properties.items() if counts.get(f))
    out.append(f"Properties that reject no mutant of the corpus: {len(idle)} of the {with_mutants} properties of formulas that have mutants")
    for name in idle:
        out.append(f"  {name}")
    thin = sorted((f, c) for f, c in counts.items() if c < 3)
    out.append(f"Formulas with fewer than 3 mutants: {len(thin)}" + "".join(f"\n  {f}: {c}" for f, c in thin))
    for name, rs in correct.items():
        bad = [r for r in rs if any(r.failed.values())]
        if bad:
            out.append(f"False failures of {name}:")
            for r in bad:
                for method in METHODS:
                    if r.failed.get(method):
                        out.append(f"  seed {r.seed} {r.formula} [{method}]: {r.detail[method][:300]}")
    return "\n".join(out)


# ----------------------------------------------------------------------------


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python benchmarks/power.py", description=__doc__.split("\n\n")[0])
    parser.add_argument("--family", action="append", default=[], help="only this family (repeatable)")
    parser.add_argument("--seeds", type=int, nargs="+", default=[1], help="Hypothesis seeds for the correct submissions and the incumbents' random points")
    parser.add_argument("--markdown", action="store_true", help="print the tables as Markdown (for benchmarks/README.md)")
    parser.add_argument("--profile", default="grading", help="Hypothesis profile of the suite (default: grading, as submissions are graded)")
    parser.add_argument("--all-properties", action="store_true", help="run every property on every mutant instead of stopping at the first rejection")
    parser.add_argument("--no-correct", action="store_true", help="skip the correct submissions")
    parser.add_argument("--no-pairs", action="store_true", help="skip the derived forward-and-backward-wrong-together pairs")
    parser.add_argument("--no-reference-check", action="store_true", help="do not first run every property against the reference")
    parser.add_argument("--json", metavar="PATH", help="also write every result as JSON")
    parser.add_argument("-q", "--quiet", action="store_true", help="no progress lines on stderr")
    args = parser.parse_args(argv)

    wall = time.perf_counter()
    log = (lambda _msg: None) if args.quiet else (lambda msg: print(msg, file=sys.stderr, flush=True))
    # The profile must be loaded before the properties are imported: cost-reduced
    # properties read the example count at import.
    profiles.load(args.profile)

    from gradoracle.submission import SubmissionImportError, load_implementation, reference_implementation
    from mistakes import all_mutants
    from reference import registry

    registry.load_properties()
    formulas = [f for f in registry.all_formulas() if not args.family or f.family in args.family]
    properties = {f.id: f.properties for f in formulas if f.properties}
    without_properties = [f.id for f in formulas if not f.properties]
    formula_ids = sorted(properties)
    torch_before = "torch" in sys.modules
    mutants = [m for m in all_mutants() if m.formula in properties]
    if "torch" in sys.modules and not torch_before:
        print("warning: a module of mistakes/ imports torch; mutants must run without it")
    counts = {f: sum(m.formula == f for m in mutants) for f in formula_ids}

    broken: dict[str, str] = {}
    if not args.no_reference_check:
        broken = reference_failures(properties, log)
        if broken:
            properties = {f: p for f, p in properties.items() if f not in broken}
            formula_ids = sorted(properties)
            mutants = [m for m in mutants if m.formula in properties]
            counts = {f: c for f, c in counts.items() if f in properties}
    print(f"power benchmark: {len(formula_ids)} formulas with properties (of {CATALOGUE_SIZE} in the catalogue) "
          f"in {len({f.split('.')[0] for f in formula_ids})} families; {len(mutants)} mutants; "
          f"profile {args.profile}; seeds {' '.join(map(str, args.seeds))}")
    if not args.no_reference_check and broken:
        print("skipped (the reference fails its own properties, so the suite cannot grade them):")
        for formula_id, problem in broken.items():
            print(f"  {formula_id}: {problem}")
    if without_properties:
        print(f"skipped (in reference/ but no properties yet): {', '.join(without_properties)}")

    results = grade_mutants(mutants, properties, args.seeds, args.all_properties, log)
    pairs = [] if args.no_pairs else grade_mutants(consistent_pairs(mutants, properties), properties, args.seeds, args.all_properties, log)

    correct: dict[str, list[CorrectResult]] = {}
    if not args.no_correct:
        for name, path in CORRECT_SUBMISSIONS.items():
            if name == "autodiff_torch" and importlib.util.find_spec("torch") is None:
                print("skipping autodiff_torch: torch is not installed (pip install torch==2.13.0, CPU build; or the 'autodiff' extra)")
                continue
            if not path.exists():
                print(f"skipping {name}: {path} does not exist")
                continue
            try:
                implementation = load_implementation(str(path))
            except SubmissionImportError as exc:
                print(f"skipping {name}: {exc}")
                continue
            correct[name], missing = grade_correct(name, implementation, formula_ids, properties, args.seeds, log)
            if missing:
                print(f"{name} does not provide: {', '.join(missing)}")
        # The reference is correct by definition: how often do the incumbents reject it?
        correct["reference (incumbents only)"], _ = grade_correct(
            "reference", reference_implementation(), formula_ids, properties, args.seeds, log, suite=False
        )
    idle = idle_properties(results, mutants, properties, log)

    print()
    print(kill_tables(results, args.markdown))
    print()
    if pairs:
        print(pairs_table(pairs, args.markdown))
        print()
        pair_survivors = [r for r in pairs if not r.suite_killed]
        print(f"Derived pairs the suite let survive: {len(pair_survivors)} of {len(pairs)}"
              + "".join(f"\n  {r.id}: {r.description}" for r in pair_survivors))
        if EQUIVALENT_PAIRS:
            print(f"Pairs left out as equivalent (the derivative's inputs never reach the forward's bug): {', '.join(EQUIVALENT_PAIRS)}")
        print()
    if correct:
        print(false_failure_table(correct, args.seeds, args.markdown))
        print()
    print(sensitivity_table(results, correct, args.markdown))
    print()
    print(details(results, correct, properties, idle, counts))
    elapsed = time.perf_counter() - wall
    print(f"\nwall time {elapsed:.0f} s ({time.process_time():.0f} s CPU)")

    if args.json:
        as_json = lambda r: {  # noqa: E731
            "id": r.id, "bug": r.bug, "derivative": r.derivative, "suite_killed": r.suite_killed,
            "suite_killer": r.suite_killer, "suite_failures": r.suite_failures, "suite_time": r.suite_time,
            "incumbent_killed": dict(r.incumbent_killed), "incumbent_informative": dict(r.incumbent_informative),
            "incumbent_time": dict(r.incumbent_time), "incumbent_detail": r.incumbent_detail,
            "cs231n_scores": [min(x, 1e308) for x in r.cs231n_scores],
        }
        document = {
            "seeds": args.seeds,
            "profile": args.profile,
            "mutants": [as_json(r) for r in results],
            "pairs": [as_json(r) for r in pairs],
            "correct": {
                name: [{"formula": r.formula, "seed": r.seed, "failed": r.failed, "detail": r.detail, "time": r.time} for r in rs]
                for name, rs in correct.items()
            },
            "wall_time": elapsed,
        }
        Path(args.json).write_text(json.dumps(document, indent=1))
    survivors = sum(not r.suite_killed for r in results)
    false_failures = sum(r.failed.get("suite", False) for rs in correct.values() for r in rs)
    return 1 if survivors or false_failures else 0


if __name__ == "__main__":
    sys.exit(main())
