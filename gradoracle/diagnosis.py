"""Naming a student's likely mistake when a formula fails.

Runs in the grading process (never in the worker), only for a failed property.
The inputs tried are the last arguments the property passed to the formula
(the failing input: Hypothesis re-runs the minimal example last) and a few
more drawn deterministically from the formula's registered strategy. On each,
the submission (through the implementation it was graded with, so a
sandboxed submission stays jailed), the reference, and every candidate
mistake are evaluated:

- the formula's known mistakes (:mod:`mistakes`), in this process (our code);
- cheap transformations of the reference (a wrong factor n, 1/n, 2 or ½, a
  sign flip, a transposed matrix), per item of a tuple result, tried only when
  no known mistake matches.

A candidate *matches* when the submission agrees with it within a tight
tolerance on every input it was evaluated on (a candidate that raises, or
returns a non-finite or malformed value, on an input is skipped there) and it clearly differs from the reference on at least
one of them. Every match is named; no match, nothing is said.

A failure that is a seam fault (the submission mutated an input, returned a
malformed or non-finite value, hung or died) keeps its plain message: no
diagnosis. A submission that raised is diagnosed like any other: its raise
agrees with no value, so a mistake that returns there is rejected.
"""

from __future__ import annotations

import contextlib
import copy
import inspect
from dataclasses import dataclass, field
from typing import Any, Callable, Iterator, Sequence

import numpy as np

from gradoracle import seam
from gradoracle.submission import Implementation, reference_implementation

__all__ = [
    "Candidate",
    "Diagnosis",
    "diagnose",
    "candidates_for",
    "candidate_from_mistake",
    "known_mistakes",
    "strategy_inputs",
    "LIKELY_MISTAKE",
    "MAX_RECORDED_INPUTS",
    "STRATEGY_INPUTS",
    "Feedback",
    "feedback_for_failure",
]

LIKELY_MISTAKE = "Likely mistake:"

# At most this many of the property's last calls, plus this many strategy
# draws: diagnosis costs a few dozen in-process calls and one batched round
# trip to the worker per failed property.
MAX_RECORDED_INPUTS = 3
STRATEGY_INPUTS = 5

# The submission agrees with a candidate when every entry is within AGREE of
# the larger magnitude (a student's rewrite of the same wrong formula differs
# by rounding, ~1e-13, iterated methods by a little more); a candidate differs
# from the reference only when some entry is off by more than DIFFER, a
# hundred times the agreement tolerance, so "matches the mistake" and
# "matches the reference" can never both hold on a distinguishing input.
AGREE_RTOL = 1e-6
DIFFER_RTOL = 1e-4


# -- outcomes of one call --------------------------------------------------------------


@dataclass(frozen=True)
class _Value:
    value: Any


@dataclass(frozen=True)
class _Raised:
    exc_type: str


@dataclass(frozen=True)
class _Fault:
    kind: str  # the seam fault's class name: NonFiniteResult, MalformedResult, MutatedInput


_SKIP = None  # a candidate not evaluated on this input (it raised, or does not apply)

# Faults that say the worker is gone or hung: stop diagnosing at once.
_FATAL = ("WorkerDied", "CallTimedOut")


def _outcome(call: Callable[[], Any]) -> Any:
    try:
        return _Value(call())
    except seam.SubmissionRaised as raised:
        return _Raised(raised.exc_type)
    except seam.SubmissionFault as fault:
        return _Fault(type(fault).__name__)


def _leaves(value: Any) -> list[np.ndarray] | None:
    if isinstance(value, tuple):
        out: list[np.ndarray] = []
        for item in value:
            sub = _leaves(item)
            if sub is None:
                return None
            out.extend(sub)
        return out
    try:
        array = np.asarray(value, dtype=np.float64)
    except (TypeError, ValueError):
        return None
    return [array]


def _close(a: Any, b: Any, rtol: float) -> bool:
    """Entrywise ``|a - b| <= rtol (max(|a|, |b|) + 1e-3 S)``, S the largest
    magnitude in the leaf: relative, with a floor so exact zeros compare."""
    left, right = _leaves(a), _leaves(b)
    if left is None or right is None or len(left) != len(right):
        return False
    for x, y in zip(left, right):
        if x.shape != y.shape:
            return False
        if not (np.all(np.isfinite(x)) and np.all(np.isfinite(y))):
            if not np.array_equal(x, y, equal_nan=True):
                return False
            continue
        size = max(float(np.max(np.abs(x), initial=0.0)), float(np.max(np.abs(y), initial=0.0)))
        allowed = rtol * (np.maximum(np.abs(x), np.abs(y)) + 1e-3 * size)
        if not np.all(np.abs(x - y) <= allowed):
            return False
    return True


def _agree(submission: Any, candidate: Any) -> bool:
    if isinstance(submission, _Value) and isinstance(candidate, _Value):
        return _close(submission.value, candidate.value, AGREE_RTOL)
    if isinstance(submission, _Fault) and isinstance(candidate, _Fault):
        return submission.kind == candidate.kind
    return False


def _differs(candidate: Any, reference: Any) -> bool:
    if isinstance(candidate, _Value) and isinstance(reference, _Value):
        return not _close(candidate.value, reference.value, DIFFER_RTOL)
    return type(candidate) is not type(reference) or candidate != reference


# -- candidates ---------------------------------------------------------------------------


@dataclass(frozen=True)
class Candidate:
    """A way to be wrong: ``evaluate(args, reference_outcome)`` gives its
    outcome on ``args`` (or None where it does not apply)."""

    key: str
    explanation: str
    evaluate: Callable[[tuple, Any], Any]
    generic: bool = False
    # For a factor-n transformation: the size it divides or multiplies by
    # (``len(y)``), filled into ``{n}`` of the explanation; several sizes that
    # always coincide on the inputs tried are named together.
    size: str = ""
    # ... and how to read that size off the arguments: such a candidate counts
    # only when n took two values or more on the inputs tried (with n fixed it
    # cannot be told from a constant factor).
    size_of: Callable[[tuple], int | None] | None = None


def candidate_from_mistake(formula_id: str, mistake: Any) -> Candidate:
    """A known mistake (:class:`mistakes.Mutant`) as a candidate."""
    reference = _reference_of(formula_id)

    def evaluate(args: tuple, _reference_outcome: Any) -> Any:
        outcome = seam.invoke(mistake.fn, copy.deepcopy(args))
        if outcome.raised is not None:
            return _SKIP  # a mistake that raises on an input says nothing about it
        try:
            return _Value(seam.check(formula_id, outcome, args, reference, record_warnings=False))
        except seam.SubmissionFault:
            # Nor does one that returns nan, a wrong shape or mutates there (a
            # student's version of the same mistake may guard that edge).
            return _SKIP

    return Candidate(mistake.id, " ".join(mistake.description.split()), evaluate)


# Names of the items of tuple results, as the catalogue writes them.
RESULT_NAMES: dict[str, tuple[str, ...]] = {
    "logistic.grad": ("dw", "db"),
    "logistic.gd_step": ("the new w", "the new b"),
    "softmax.regression_grad": ("dW", "db"),
    "batchnorm.backward": ("dx", "dgamma", "dbeta"),
    "backprop.linear": ("dx", "dW"),
    "backprop.relu_regression": ("dW", "db", "dx"),
    "backprop.sigmoid_neuron": ("dw", "dx"),
    "matcalc.bilinear_grads": ("dx", "dy", "dA"),
    "mle.gaussian_classes": ("the means", "the covariances"),
}


def _item_name(formula_id: str, index: int | None, count: int) -> str:
    if index is None:
        return "the result" if count == 0 else "every item of the result"
    names = RESULT_NAMES.get(formula_id)
    if names and len(names) == count:
        return names[index]
    return f"item {index + 1} of the returned tuple"


def _transform(reference_value: Any, index: int | None, change: Callable[[np.ndarray], np.ndarray | None]) -> Any:
    """``reference_value`` with ``change`` applied to item ``index`` (all
    items when None; the whole value when it is not a tuple); None where the
    change does not apply (an integer item, a scalar to transpose)."""
    if not isinstance(reference_value, tuple):
        array = np.asarray(reference_value)
        if not np.issubdtype(array.dtype, np.floating):
            return None
        changed = change(array.astype(np.float64))
        if changed is None:
            return None
        return float(changed) if np.ndim(changed) == 0 else changed
    items = list(reference_value)
    targets = range(len(items)) if index is None else [index]
    for i in targets:
        if isinstance(items[i], tuple):
            return None
        changed = _transform(items[i], None, change)
        if changed is None:
            return None
        items[i] = changed
    return tuple(items)


def _generic(
    formula_id: str,
    key: str,
    explanation: str,
    index: int | None,
    change: Callable[[tuple], Callable[[np.ndarray], np.ndarray | None] | None],
    size: str = "",
    size_of: Callable[[tuple], int | None] | None = None,
) -> Candidate:
    def evaluate(args: tuple, reference_outcome: Any) -> Any:
        if not isinstance(reference_outcome, _Value):
            return _SKIP
        per_args = change(args)
        if per_args is None:
            return _SKIP
        value = _transform(reference_outcome.value, index, per_args)
        return _SKIP if value is None else _Value(value)

    return Candidate(f"{formula_id}/generic:{key}", explanation, evaluate, generic=True, size=size, size_of=size_of)


def _argument_names(formula_id: str) -> list[str]:
    try:
        return list(inspect.signature(_reference_of(formula_id)).parameters)
    except (TypeError, ValueError):
        return []


def _generic_candidates(formula_id: str, sample_args: Sequence[tuple], sample_result: Any) -> list[Candidate]:
    """The cheap transformations of the reference for this formula's results."""
    count = len(sample_result) if isinstance(sample_result, tuple) else 0
    indices: list[int | None] = [None] + list(range(count)) if count else [None]
    names = _argument_names(formula_id)
    # Every (argument, axis) whose size could be an n: the arrays of the inputs tried.
    sizes: list[tuple[int, int]] = sorted(
        {
            (i, axis)
            for args in sample_args
            for i, a in enumerate(args)
            if isinstance(a, np.ndarray)
            for axis in range(a.ndim)
        }
    )
    out: list[Candidate] = []
    for index in indices:
        item = _item_name(formula_id, index, count)
        out.append(_generic(
            formula_id, f"{index}:sign",
            f"{item} has the wrong sign: the negative of the right value (check the order of a "
            "subtraction, e.g. ŷ − y rather than y − ŷ, or a minus sign lost or added)",
            index, lambda args: (lambda r: -r),
        ))
        out.append(_generic(
            formula_id, f"{index}:times2",
            f"{item} is twice the right value: a factor 2 too many "
            "(e.g. the 2 of d(u²)/du kept where a ½ cancels it)",
            index, lambda args: (lambda r: 2.0 * r),
        ))
        out.append(_generic(
            formula_id, f"{index}:half",
            f"{item} is half the right value: a factor 2 missing "
            "(e.g. d(u²)/du = 2u, or a term that appears twice)",
            index, lambda args: (lambda r: 0.5 * r),
        ))
        if index is not None or count == 0:
            out.append(_generic(
                formula_id, f"{index}:transpose",
                f"{item} is the transpose of the right matrix: rows and columns swapped "
                "(check the order of a matrix product, or a missing or extra .T)",
                index, lambda args: (lambda r: r.T if r.ndim == 2 and r.shape[0] == r.shape[1] else None),
            ))
        for position, axis in sizes:
            arg = names[position] if position < len(names) else f"argument {position + 1}"
            n = f"{arg}.shape[{axis}]" if axis else f"len({arg})"

            def size_of(args: tuple, position: int = position, axis: int = axis) -> int | None:
                a = args[position] if position < len(args) else None
                if not isinstance(a, np.ndarray) or a.ndim <= axis or a.shape[axis] < 2:
                    return None  # n = 1 or 0 changes nothing: not evidence either way
                return int(a.shape[axis])

            def divided(args: tuple, size_of: Callable[[tuple], int | None] = size_of) -> Any:
                n_value = size_of(args)
                return None if n_value is None else (lambda r: r / n_value)

            def multiplied(args: tuple, size_of: Callable[[tuple], int | None] = size_of) -> Any:
                n_value = size_of(args)
                return None if n_value is None else (lambda r: r * n_value)

            out.append(_generic(
                formula_id, f"{index}:over:{position}:{axis}",
                f"{item} is the right value divided by n = {{n}}: "
                "an average where the formula has a sum (or an extra 1/n)",
                index, divided, size=n, size_of=size_of,
            ))
            out.append(_generic(
                formula_id, f"{index}:times:{position}:{axis}",
                f"{item} is n = {{n}} times the right value: "
                "a sum where the formula has an average (or a missing 1/n)",
                index, multiplied, size=n, size_of=size_of,
            ))
    return out


_MISTAKES_BY_FORMULA: dict[str, list[Any]] | None = None


def known_mistakes(formula_id: str) -> list[Any]:
    """The corpus entries (:class:`mistakes.Mutant`) of ``formula_id``."""
    global _MISTAKES_BY_FORMULA
    if _MISTAKES_BY_FORMULA is None:
        from mistakes import all_mutants

        table: dict[str, list[Any]] = {}
        for m in all_mutants():
            table.setdefault(m.formula, []).append(m)
        _MISTAKES_BY_FORMULA = table
    return list(_MISTAKES_BY_FORMULA.get(formula_id, []))


def candidates_for(formula_id: str, *, exclude: Sequence[str] = ()) -> list[Candidate]:
    """The formula's known mistakes as candidates (minus the IDs in ``exclude``,
    for leave-one-out measurement)."""
    return [candidate_from_mistake(formula_id, m) for m in known_mistakes(formula_id) if m.id not in exclude]


# -- inputs ---------------------------------------------------------------------------------


def _reference_of(formula_id: str) -> Callable[..., Any]:
    from reference import registry

    return registry.get(formula_id).reference


_STRATEGY_CACHE: dict[tuple[str, int], list[tuple]] = {}


def strategy_inputs(formula_id: str, count: int = STRATEGY_INPUTS) -> list[tuple]:
    """``count`` argument tuples of the formula's registered strategy, the same
    on every run (derandomized Hypothesis; the simplest early examples, which
    distinguish nothing, are passed over)."""
    key = (formula_id, count)
    if key not in _STRATEGY_CACHE:
        from hypothesis import HealthCheck, Phase, given, settings

        from reference import registry

        registry.load_properties()  # the strategies are registered beside the properties
        strategy = registry.get(formula_id).inputs
        drawn: list[tuple] = []
        budget = 8 * count

        @settings(
            max_examples=budget,
            derandomize=True,
            database=None,
            deadline=None,
            phases=[Phase.generate],
            suppress_health_check=list(HealthCheck),
        )
        @given(strategy)
        def collect(args: tuple) -> None:
            drawn.append(copy.deepcopy(args))

        try:
            with _without_local_constants():
                collect()
        except Exception:  # a strategy that cannot be drawn outside its test: no extra inputs
            drawn = []
        _STRATEGY_CACHE[key] = _varied(drawn, count)
    return [copy.deepcopy(a) for a in _STRATEGY_CACHE[key]]


def _signature(args: tuple) -> tuple:
    return tuple(
        ("array", a.shape) if isinstance(a, np.ndarray) else ("int", a) if isinstance(a, (int, np.integer)) else type(a).__name__
        for a in args
    )


def _diversity(args: tuple) -> int:
    """How many distinct finite numbers the arguments hold (capped): inputs of
    zeros or one repeated value make different formulas coincide."""
    values: set[float] = set()
    for a in args:
        data = a.data().values() if hasattr(a, "data") and callable(a.data) else [a]
        for item in data:
            if isinstance(item, (float, np.floating, np.ndarray)) and np.asarray(item).dtype.kind == "f":
                flat = np.asarray(item, dtype=np.float64).ravel()[:64]
                values.update(float(v) for v in flat if np.isfinite(v))
    return min(len(values), 16)


def _varied(drawn: list[tuple], count: int) -> list[tuple]:
    """``count`` of ``drawn``: the most varied values first, each of a new
    shape signature while there are some (sizes that vary tell a factor n from
    a constant and one size from another)."""
    chosen: list[tuple] = []
    seen: set[tuple] = set()
    order = sorted(range(len(drawn)), key=lambda i: (-_diversity(drawn[i]), -i))
    ranked = [drawn[i] for i in order]
    for args in ranked:
        signature = _signature(args)
        if signature not in seen and len(chosen) < count:
            seen.add(signature)
            chosen.append(args)
    for args in ranked:
        if len(chosen) >= count:
            break
        if not any(a is args for a in chosen):
            chosen.append(args)
    return chosen


@contextlib.contextmanager
def _without_local_constants() -> Iterator[None]:
    """Hypothesis mixes into its draws constants it finds in the source of the
    modules loaded so far (and caches them), so a derandomized draw depends on
    what was imported before it. Draw with no local constants and a private
    cache, then put Hypothesis back exactly as it was: the same inputs in
    every process, and the properties' own draws untouched."""
    try:
        from hypothesis.internal.cache import LRUCache
        from hypothesis.internal.conjecture import providers

        empty = providers.Constants(
            integers=providers.SortedSet(),
            floats=providers.SortedSet(key=providers.float_to_int),
            bytes=providers.SortedSet(),
            strings=providers.SortedSet(),
        )
        saved = (providers._get_local_constants, providers.CONSTANTS_CACHE)
    except (ImportError, AttributeError, TypeError):  # another Hypothesis: draw as it does
        yield
        return
    providers._get_local_constants = lambda: empty
    providers.CONSTANTS_CACHE = LRUCache(1024)
    try:
        yield
    finally:
        providers._get_local_constants, providers.CONSTANTS_CACHE = saved


# -- diagnosis -----------------------------------------------------------------------------


@dataclass
class Diagnosis:
    """What diagnosis found for one failure."""

    formula_id: str
    mistakes: list[Candidate] = field(default_factory=list)
    inputs: list[tuple] = field(default_factory=list)
    submission: list[Any] = field(default_factory=list)  # outcome per input
    reference: list[Any] = field(default_factory=list)
    skipped_reason: str = ""

    @property
    def explanations(self) -> list[str]:
        return [c.explanation for c in self.mistakes]

    def reproduction_input(self, recorded: int) -> tuple | None:
        """The failing input to reproduce: the last of the first ``recorded``
        inputs (the property's own calls) on which the submission disagrees
        with the reference; else the last of them."""
        own = list(range(min(recorded, len(self.inputs))))
        for i in reversed(own):
            if i < len(self.submission) and not _agree(self.submission[i], self.reference[i]):
                return self.inputs[i]
        return self.inputs[own[-1]] if own else None


def _dedupe(inputs: Sequence[tuple]) -> list[tuple]:
    out: list[tuple] = []
    for args in inputs:
        if not any(_same_args(args, seen) for seen in out):
            out.append(args)
    return out


def _same_args(a: tuple, b: tuple) -> bool:
    try:
        return len(a) == len(b) and all(seam._same(x, y) and seam._same(y, x) for x, y in zip(a, b))
    except Exception:
        return False


def evaluate_submission(implementation: Implementation, formula_id: str, inputs: Sequence[tuple]) -> list[Any]:
    """The submission's outcome on each input, through its implementation (so a
    sandboxed one is called in its worker, in one batched round trip)."""
    from gradoracle.sandbox import evaluate_batched

    return evaluate_batched(lambda args: _outcome(lambda: implementation.call(formula_id, *args)), list(inputs))


def diagnose(
    implementation: Implementation,
    formula_id: str,
    failing_inputs: Sequence[tuple],
    *,
    failure: BaseException | None = None,
    extra_inputs: int = STRATEGY_INPUTS,
    exclude: Sequence[str] = (),
    generic: bool = True,
    known: Sequence[Candidate] | None = None,
) -> Diagnosis:
    """Which known mistakes (or generic transformations of the reference) the
    submission's ``formula_id`` behaves like; see the module docstring.
    ``known`` replaces the formula's known mistakes (meta-tests); ``exclude``
    leaves some out (leave-one-out measurement)."""
    diagnosis = Diagnosis(formula_id)
    # A wrong shape, nan or inf, a mutated input, a hang: the plain message. A
    # submission that raises may still behave like a mistake on the other inputs.
    if isinstance(failure, seam.SubmissionFault) and not isinstance(failure, seam.SubmissionRaised):
        diagnosis.skipped_reason = f"the failure is a seam fault ({type(failure).__name__})"
        return diagnosis
    recorded = _dedupe(list(failing_inputs)[-MAX_RECORDED_INPUTS:])
    inputs = _dedupe(recorded + (strategy_inputs(formula_id, extra_inputs) if extra_inputs else []))
    diagnosis.inputs = inputs
    if not inputs:
        diagnosis.skipped_reason = "no input to try"
        return diagnosis
    # Diagnosis calls are not the property's: their warnings are not reported.
    saved_warnings = set(seam.observed_warnings.get(formula_id, set()))
    try:
        reference = reference_implementation()
        diagnosis.reference = [_outcome(lambda a=args: reference.call(formula_id, *a)) for args in inputs]
        diagnosis.submission = evaluate_submission(implementation, formula_id, inputs)
    finally:
        seam.observed_warnings[formula_id] = saved_warnings
        if not saved_warnings:
            seam.observed_warnings.pop(formula_id, None)
    if any(isinstance(o, _Fault) and o.kind in _FATAL for o in diagnosis.submission):
        diagnosis.skipped_reason = "the submission hung or died on an input tried"
        return diagnosis
    if not any(_differs(s, r) for s, r in zip(diagnosis.submission, diagnosis.reference)):
        diagnosis.skipped_reason = "the submission agrees with the reference on every input tried"
        return diagnosis
    if known is None:
        known = candidates_for(formula_id, exclude=exclude)
    diagnosis.mistakes = _matching(known, diagnosis)
    if not diagnosis.mistakes and generic:
        sample = next((r.value for r in diagnosis.reference if isinstance(r, _Value)), None)
        if sample is not None:
            diagnosis.mistakes = _merge_same_text(_matching(_generic_candidates(formula_id, inputs, sample), diagnosis))
    return diagnosis


def _matching(candidates: Sequence[Candidate], diagnosis: Diagnosis) -> list[Candidate]:
    needed = min(2, len(diagnosis.inputs))
    matches = []
    for candidate in candidates:
        evaluated, distinguishing, rejected = 0, False, False
        sizes: set[int | None] = set()
        telling: set[float] = set()  # the reference's values where the candidate differs from it
        for args, submission, reference in zip(diagnosis.inputs, diagnosis.submission, diagnosis.reference):
            try:
                outcome = candidate.evaluate(copy.deepcopy(args), reference)
            except Exception:
                outcome = _SKIP  # our own candidate failed on this input: it is not evidence
            if outcome is _SKIP:
                continue
            evaluated += 1
            if candidate.size_of is not None:
                sizes.add(candidate.size_of(args))
            if not _agree(submission, outcome):
                rejected = True
                break
            if _differs(outcome, reference):
                distinguishing = True
                if candidate.generic and isinstance(reference, _Value):
                    for leaf in _leaves(reference.value) or []:
                        telling.update(float(v) for v in leaf.ravel()[:64] if v != 0 and np.isfinite(v))
        if candidate.size_of is not None and len(sizes) < 2:
            continue
        # A transformation of the reference seen only where the right value is
        # one repeated number (σ'(0) = ¼ everywhere) is a coincidence, not evidence.
        if candidate.generic and len(telling) < 2:
            continue
        if not rejected and distinguishing and evaluated >= needed:
            matches.append(candidate)
    return matches


def _merge_same_text(candidates: list[Candidate]) -> list[Candidate]:
    """One candidate per explanation; factor-n candidates whose sizes coincided
    on every input tried become one, naming all those sizes."""
    groups: dict[str, list[Candidate]] = {}
    for c in candidates:
        groups.setdefault(c.explanation, []).append(c)
    merged = []
    for explanation, group in groups.items():
        if group[0].size:
            sizes = " = ".join(dict.fromkeys(c.size for c in group))
            explanation = explanation.replace("{n}", sizes)
        merged.append(Candidate(group[0].key, explanation, group[0].evaluate, generic=True, size_of=group[0].size_of))
    return merged


# -- what the failure text gets ------------------------------------------------------------


@dataclass
class Feedback:
    """The likely mistakes to name and the reproduction snippet of one failure."""

    mistakes: list[str] = field(default_factory=list)
    snippet: str | None = None


def feedback_for_failure(
    implementation: Implementation | None,
    formula_id: str,
    failure: BaseException,
    recorded: Sequence[tuple],
    *,
    spec: str | None,
    test_name: str = "",
    binding: Any = None,
) -> Feedback:
    """Diagnose one failed property and write its reproduction. Never raises:
    a problem here costs the student the hint, never the grade."""
    from gradoracle import reproduction

    feedback = Feedback()
    recorded = list(recorded)[-MAX_RECORDED_INPUTS:]
    if implementation is None or not recorded:
        return feedback
    try:
        diagnosis = diagnose(implementation, formula_id, recorded, failure=failure)
        feedback.mistakes = diagnosis.explanations
        args = diagnosis.reproduction_input(len(_dedupe(recorded))) if diagnosis.submission else recorded[-1]
    except Exception:
        return feedback
    if spec is None or args is None:
        return feedback
    try:
        expected = _outcome(lambda: reference_implementation().call(formula_id, *copy.deepcopy(args)))
        if isinstance(expected, _Fault):
            return feedback
        feedback.snippet = reproduction.snippet(
            spec=spec,
            formula_id=formula_id,
            args=args,
            expected=expected.value if isinstance(expected, _Value) else None,
            expected_raises=expected.exc_type if isinstance(expected, _Raised) else None,
            test_name=test_name,
            binding=binding,
        )
    except Exception:
        pass
    return feedback
