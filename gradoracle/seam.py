"""The one seam through which every call into an implementation under test goes.

:func:`checked_call` runs a submission's function on private copies of the
arguments and turns every way it can misbehave into a :class:`SubmissionFault`
with a sentence a student can act on: it raised, it mutated an input, it
returned the wrong structure (tuple length, shape, not numbers) or a
non-finite value. Floating-point warnings are recorded, not failed, as the
catalogue requires.

The expected structure of a result is the structure of the reference's result
on arguments of the same shapes, so no formula has to declare its shapes.
"""

from __future__ import annotations

import copy
import traceback
import warnings
from collections import defaultdict
from dataclasses import dataclass, field
from typing import Any, Callable

import numpy as np

__all__ = [
    "SubmissionFault",
    "SubmissionRaised",
    "MutatedInput",
    "MalformedResult",
    "NonFiniteResult",
    "Outcome",
    "invoke",
    "check",
    "checked_call",
    "observed_warnings",
    "expected_structure",
]

# formula ID -> distinct floating-point warning texts seen while calling it.
observed_warnings: dict[str, set[str]] = defaultdict(set)


class SubmissionFault(AssertionError):
    """The implementation under test misbehaved in a way no property needs to
    interpret: the formula fails with this message."""


class SubmissionRaised(SubmissionFault):
    def __init__(
        self,
        formula_id: str,
        exc_type: str,
        exc_text: str,
        traceback_text: str = "",
        exc_bases: tuple[str, ...] = (),
    ) -> None:
        self.exc_type = exc_type
        self.exc_text = exc_text
        self.traceback_text = traceback_text
        # Names of the exception's classes, most derived first, so that a
        # property expecting ValueError accepts a subclass of it.
        self.exc_bases = exc_bases or (exc_type,)
        super().__init__(f"{formula_id} raised {exc_type}: {exc_text}".rstrip(": "))


class MutatedInput(SubmissionFault):
    pass


class MalformedResult(SubmissionFault):
    pass


class NonFiniteResult(SubmissionFault):
    pass


# ----------------------------------------------------------------------------
# Structure of results


class Leaf:
    """One number or array of a result: its shape and whether it is an integer."""

    __slots__ = ("shape", "integral")

    def __init__(self, shape: tuple[int, ...], integral: bool) -> None:
        self.shape = shape
        self.integral = integral

    def describe(self) -> str:
        kind = "integer" if self.integral else "number"
        return f"a {kind}" if self.shape == () else f"an array of shape {self.shape}"


Structure = Leaf | tuple  # a tuple of Leaf


def _structure_of(value: Any) -> Structure:
    if isinstance(value, tuple):
        return tuple(_structure_of(v) for v in value)
    array = np.asarray(value)
    return Leaf(array.shape, np.issubdtype(array.dtype, np.integer))


def _arg_key(arg: Any) -> Any:
    if isinstance(arg, np.ndarray):
        return ("array", arg.shape)
    if isinstance(arg, (bool, np.bool_)):
        return ("bool", bool(arg))
    if isinstance(arg, (int, np.integer)):
        return ("int", int(arg))  # ints are sizes and counts: results' shapes depend on them
    if isinstance(arg, (float, np.floating)):
        return ("float",)
    if isinstance(arg, (list, tuple)):
        return ("seq", tuple(_arg_key(a) for a in arg))
    shape_key = getattr(arg, "shape_key", None)
    if callable(shape_key):
        return ("obj", type(arg).__name__, shape_key())
    return ("obj", type(arg).__name__)


_structure_cache: dict[Any, Structure | None] = {}


def expected_structure(formula_id: str, reference: Callable[..., Any], args: tuple) -> Structure | None:
    """The structure of the reference's result on arguments shaped like ``args``,
    or None when the reference rejects them (a property then expects an error)."""
    key = (formula_id, tuple(_arg_key(a) for a in args))
    if key not in _structure_cache:
        try:
            with warnings.catch_warnings():
                warnings.simplefilter("ignore")
                result = reference(*copy.deepcopy(args))
        except Exception:
            return None
        _structure_cache[key] = _structure_of(result)
    return _structure_cache[key]


def _a(noun: str) -> str:
    return f"an {noun}" if noun[:1].lower() in "aeiou" else f"a {noun}"


def _describe_value(value: Any) -> str:
    if isinstance(value, tuple):
        return f"a tuple of length {len(value)}"
    if isinstance(value, list):
        return f"a list of length {len(value)}"
    if value is None:
        return "None"
    if hasattr(value, "type_name"):  # wire.Opaque: a type that cannot cross the sandbox boundary
        return _a(value.type_name)
    try:
        array = np.asarray(value)
    except Exception:
        return _a(type(value).__name__)
    if array.dtype == object:
        return f"{_a(type(value).__name__)} that is not an array of numbers"
    return f"{_a(type(value).__name__)} of shape {array.shape} and dtype {array.dtype}"


def _normalize_leaf(formula_id: str, where: str, value: Any, leaf: Leaf) -> Any:
    if value is None:
        raise MalformedResult(f"{formula_id} returned None{where}; expected {leaf.describe()}")
    try:
        array = np.asarray(value)
    except Exception as exc:
        raise MalformedResult(
            f"{formula_id} returned {_describe_value(value)}{where} that numpy.asarray cannot read ({exc})"
        ) from None
    if array.dtype == object or not (
        np.issubdtype(array.dtype, np.number) or np.issubdtype(array.dtype, np.bool_)
    ):
        raise MalformedResult(
            f"{formula_id} returned {_describe_value(value)}{where}; expected {leaf.describe()}"
        )
    if np.iscomplexobj(array):
        raise MalformedResult(f"{formula_id} returned complex numbers{where}; expected real {leaf.describe()}")
    if array.shape != leaf.shape:
        raise MalformedResult(
            f"{formula_id} returned shape {array.shape}{where}; expected {leaf.describe()}"
        )
    if leaf.integral:
        as_float = array.astype(np.float64)
        if not np.all(np.isfinite(as_float)) or not np.all(as_float == np.round(as_float)):
            raise MalformedResult(f"{formula_id} returned {value!r}{where}; expected {leaf.describe()}")
        ints = np.round(as_float).astype(np.int64)
        return int(ints) if leaf.shape == () else ints
    result = array.astype(np.float64)
    if not np.all(np.isfinite(result)):
        bad = "nan" if np.any(np.isnan(result)) else "inf"
        raise NonFiniteResult(
            f"{formula_id} returned {bad}{where} where the true value is finite"
        )
    return float(result) if leaf.shape == () else result


def _normalize(formula_id: str, value: Any, structure: Structure, where: str = "") -> Any:
    if isinstance(structure, tuple):
        if isinstance(value, np.ndarray) or not isinstance(value, (tuple, list)):
            raise MalformedResult(
                f"{formula_id} returned {_describe_value(value)}{where}; expected a tuple of {len(structure)} values"
            )
        if len(value) != len(structure):
            raise MalformedResult(
                f"{formula_id} returned a {type(value).__name__} of {len(value)} values{where}; "
                f"expected a tuple of {len(structure)}"
            )
        return tuple(
            _normalize(formula_id, v, s, f" (item {i} of the tuple)")
            for i, (v, s) in enumerate(zip(value, structure))
        )
    return _normalize_leaf(formula_id, where, value, structure)


# ----------------------------------------------------------------------------
# Input mutation


def _snapshot(arg: Any) -> Any:
    if isinstance(arg, np.ndarray):
        return arg.copy()
    if isinstance(arg, (list, tuple)):
        return type(arg)(_snapshot(a) for a in arg)
    snapshot = getattr(arg, "snapshot", None)
    if callable(snapshot):  # data-built callables expose their data
        return snapshot()
    return arg


def _same(before: Any, after: Any) -> bool:
    if isinstance(before, np.ndarray):
        return (
            isinstance(after, np.ndarray)
            and before.shape == after.shape
            and np.array_equal(before, after, equal_nan=True)
        )
    if isinstance(before, (list, tuple)):
        return (
            isinstance(after, (list, tuple))
            and len(before) == len(after)
            and all(_same(b, a) for b, a in zip(before, after))
        )
    # A data-built callable's snapshot is a dict of its arrays, so it must be
    # compared through its snapshot before the plain-dict case below.
    snapshot = getattr(after, "snapshot", None)
    if callable(snapshot):
        return _same(before, snapshot())
    if isinstance(before, dict):
        return (
            isinstance(after, dict)
            and before.keys() == after.keys()
            and all(_same(before[k], after[k]) for k in before)
        )
    if isinstance(before, (int, float, complex, str, bool, np.number)):
        return type(before) is type(after) and (before == after or (before != before and after != after))
    return True


def _private_copy(arg: Any) -> Any:
    if isinstance(arg, np.ndarray):
        return arg.copy()
    if isinstance(arg, list):
        return [_private_copy(a) for a in arg]
    if isinstance(arg, np.random.Generator):
        return copy.deepcopy(arg)
    copier = getattr(arg, "fresh_copy", None)
    if callable(copier):
        return copier()
    return arg


# ----------------------------------------------------------------------------
# The seam, in two halves: `invoke` runs where the submission lives (this
# process, or a sandboxed worker), `check` always runs in the grading process.


@dataclass
class Outcome:
    """What one call of a submission's function did, as plain data."""

    result: Any = None
    raised: tuple[str, str, str] | None = None  # (exception type, text, traceback of the submission's frames)
    raised_bases: tuple[str, ...] = ()  # the exception's class names, most derived first
    mutated_position: int | None = None  # 0-based index of the first argument changed in place
    warnings: list[str] = field(default_factory=list)


def _submission_frames(exc: BaseException) -> str:
    frames = traceback.extract_tb(exc.__traceback__)[1:]  # drop invoke()'s own frame
    return "".join(traceback.format_list(frames[-4:])).rstrip()


def invoke(fn: Callable[..., Any], args: tuple) -> Outcome:
    """Call ``fn`` on private copies of ``args``; record what it raised, whether
    it changed an argument in place, and its floating-point warnings."""
    private = tuple(_private_copy(a) for a in args)
    before = tuple(_snapshot(a) for a in private)
    outcome = Outcome()
    with warnings.catch_warnings(record=True) as caught, np.errstate(all="warn"):
        warnings.simplefilter("always")
        try:
            outcome.result = fn(*private)
        except (Exception, SystemExit) as exc:  # sys.exit() in a submission is its failure, not the run's
            outcome.raised = (type(exc).__name__, str(exc), _submission_frames(exc))
            outcome.raised_bases = tuple(cls.__name__ for cls in type(exc).__mro__)
    # Underflow to zero is how correct float64 code reaches tiny values; only
    # overflow, invalid operations and division by zero are worth reporting.
    outcome.warnings = sorted(
        {
            f"{w.category.__name__}: {w.message}"
            for w in caught
            if issubclass(w.category, RuntimeWarning) and "underflow" not in str(w.message)
        }
    )
    for position, (old, new) in enumerate(zip(before, private)):
        if not _same(old, new):
            outcome.mutated_position = position
            break
    return outcome


def check(
    formula_id: str, outcome: Outcome, args: tuple, reference: Callable[..., Any], *, record_warnings: bool = True
) -> Any:
    """Turn an :class:`Outcome` into the normalized result, or the fault a student reads.

    ``record_warnings`` is False for the reference consulted as an oracle: its
    warnings are not the implementation under test's."""
    if record_warnings:
        observed_warnings[formula_id].update(outcome.warnings)
    if outcome.raised is not None:
        exc_type, exc_text, where = outcome.raised
        raise SubmissionRaised(formula_id, exc_type, exc_text, where, tuple(outcome.raised_bases))
    if outcome.mutated_position is not None:
        raise MutatedInput(
            f"{formula_id} changed its argument {outcome.mutated_position + 1} in place; "
            "a formula must not mutate its inputs (copy before modifying)"
        )
    structure = expected_structure(formula_id, reference, args)
    if structure is None:
        return outcome.result
    return _normalize(formula_id, outcome.result, structure)


def checked_call(
    formula_id: str,
    fn: Callable[..., Any],
    args: tuple,
    reference: Callable[..., Any],
    *,
    record_warnings: bool = True,
) -> Any:
    """Call ``fn(*args)`` in this process as the catalogue's ``formula_id`` and
    return its result normalized to the reference's structure."""
    return check(formula_id, invoke(fn, args), args, reference, record_warnings=record_warnings)
