"""Tolerances for grading in a dtype less precise than float64 (float32), derived per call.

Every property was written for float64, where its tolerances sit many orders
above rounding. In float32 rounding is 2^29 times larger, and a fixed scale
factor would either fail correct float32 libraries or pass float16 ones. So
in float32 each call of the implementation under test carries an *error bar*
derived from float32's unit roundoff ``u = 2^-24`` and a bound on the
formula's error growth at the very inputs the strategy drew
(DECISIONS: "float32 tolerances"):

1. The inputs are rounded to the float32 grid before the implementation sees
   them, and the reference is evaluated (in float64) at the rounded inputs:
   ``y = f(fl(x))``. What rounding the *inputs* changes, ``|f(fl(x)) - f(x)|``,
   is added to the bar as it is (a property compares against ``f(x)``): that
   is what float32 cannot represent, never the implementation's error.
2. Condition: ``S_i = Σ_j |∂y_i/∂x_j|·|x_j|`` (the componentwise condition
   number times ``|y_i|``), estimated by evaluating the float64 reference at
   inputs perturbed relatively by ``u``, one input entry at a time
   (``S_i ≈ Σ_j |f(x + u x_j e_j) - f(x)|_i / u``); entries of the catalogue's
   data-built callables (``grad_fn``'s A and b, ...) count as inputs.
3. Growth: a componentwise backward-stable float32 computation returns
   ``f(x + Δx) + Δy`` with ``|Δx| ≤ γ_n |x|``, ``|Δy| ≤ γ_n |y|``,
   ``γ_n = n u / (1 - n u)`` (Higham, *Accuracy and Stability of Numerical
   Algorithms*, §3.1) when no chain of roundings is longer than ``n``. We take
   ``n`` = (number of float input entries) + (number of result entries): each
   result entry is a reduction over the inputs, or an iterate built from the
   previous ones, which are result entries themselves.
   So ``|ŷ_i - y_i| ≤ γ_n (S_i + |y_i|)``, to first order.
4. The bar is ``C · [(γ_n + u)(S_i + |y_i|) + γ_n·max|y| + n·tiny] + |f(fl(x)) - f(x)|_i``
   with ``C = 4``: 2 for the first-order estimate and the perturbation
   finite-differencing, 2 for algorithms that are backward stable normwise
   rather than componentwise (a solve, an inverse); ``γ_n·max|y|`` absorbs the
   cancellation of intermediate values of the size of the result; ``n·tiny``
   (``tiny`` float32's smallest normal) the values that underflow on the way.

A correct float32 library stays inside the bar; the bugs the suite targets do
not: a missing factor or a wrong sign is an O(1) relative error, a nan or an
overflow is not finite, and float16 arithmetic errs by its own unit roundoff
``2^-11``, 8192 times float32's, which ``C·γ_n`` (n ≤ ~100 here) does not reach.

Applying it ("snapping"): every result entry within its bar of the float64
reference at the unrounded inputs is replaced by that reference value; entries
outside keep the implementation's value and the property's own float64 check
judges them. So every property (agreement, invariants such as sums to zero or
symmetry, convergence bounds, statistical tests) has the derived bar as its
float32 counterpart at its own inputs, and keeps its own message for what the
bar does not excuse. The agreement property also shows each entry's bar as its
tolerance. Inputs beyond the dtype's range are skipped (``hypothesis.reject``).

In float64 nothing here runs: grading is exactly as before.
"""

from __future__ import annotations

import copy
import warnings
from dataclasses import dataclass
from typing import Any

import numpy as np

from gradoracle import namespaces
from reference import registry

__all__ = [
    "GROWTH_SAFETY",
    "Bar",
    "MeasuredImplementation",
    "measured",
    "grading_in_reduced_precision",
    "allowance",
    "last_bar",
    "reset",
    "describe_setting",
]

GROWTH_SAFETY = 4.0
# Above this many float input entries, entries are perturbed in this many groups
# (fixed random signs) instead of one by one: the estimate of S stays cheap.
MAX_PROBES = 48


@dataclass
class Bar:
    """The derived float32 error bar of one call's result."""

    formula_id: str
    bar: Any  # shaped like the result (a tuple of arrays for a tuple result)
    largest: float
    n: int
    condition: float  # max_i S_i / (|y_i| + max|y|·u), for the message
    target: np.ndarray | None = None  # the float64 reference at the unrounded inputs, flat

    def describe(self) -> str:
        return (
            f"{self.formula_id}: bar ≤ {self.largest:.2g} (n = {self.n}, γ_n = {_gamma(self.n, namespaces.current().unit_roundoff):.2g}, "
            f"condition ≈ {self.condition:.3g})"
        )


def grading_in_reduced_precision() -> bool:
    return namespaces.current().dtype != "float64"


def describe_setting() -> str:
    return namespaces.current().describe()


# -- per-example records -------------------------------------------------------------

_records: list[Bar] = []
_records_owner: list[Any] = [None]


def _example_key() -> Any:
    try:
        from hypothesis.control import _current_build_context

        context = _current_build_context.value
    except Exception:  # pragma: no cover - hypothesis internals moved
        context = None
    return id(context) if context is not None else None


def _current_records() -> list[Bar]:
    key = _example_key()
    if key != _records_owner[0]:
        _records.clear()
        _records_owner[0] = key
    return _records


def reset() -> None:
    """Forget the bars recorded so far (a new test begins)."""
    _records.clear()
    _records_owner[0] = None


def allowance() -> float:
    """What a property comparing results of this example's calls adds to its
    float64 tolerance: the sum of each call's largest bar (0 in float64)."""
    if not grading_in_reduced_precision():
        return 0.0
    return float(sum(record.largest for record in _current_records()))


def last_bar(formula_id: str) -> Bar | None:
    for record in reversed(_current_records()):
        if record.formula_id == formula_id:
            return record
    return None


def recorded() -> list[Bar]:
    return list(_current_records())


# -- estimating the bar ------------------------------------------------------------------


def _gamma(n: int, u: float) -> float:
    return n * u / (1.0 - n * u) if n * u < 0.5 else float("inf")


def _leaves(value: Any) -> list[np.ndarray]:
    if isinstance(value, tuple):
        out: list[np.ndarray] = []
        for v in value:
            out.extend(_leaves(v))
        return out
    return [np.atleast_1d(np.asarray(value, dtype=np.float64)).reshape(-1)]


def _flat(value: Any) -> np.ndarray:
    leaves = _leaves(value)
    return np.concatenate(leaves) if leaves else np.zeros(0)


def _unflat(flat: np.ndarray, like: Any) -> Any:
    position = [0]

    def build(v: Any) -> Any:
        if isinstance(v, tuple):
            return tuple(build(item) for item in v)
        shape = np.shape(v)
        size = int(np.prod(shape)) if shape else 1
        part = flat[position[0] : position[0] + size]
        position[0] += size
        return part.reshape(shape) if shape else float(part[0])

    return build(like)


class _Slot:
    """One float input entry that can be perturbed: (path into the args, index)."""

    __slots__ = ("path", "index", "value")

    def __init__(self, path: tuple, index: int, value: float) -> None:
        self.path = path
        self.index = index
        self.value = value


def _slots(args: tuple) -> list[_Slot]:
    found: list[_Slot] = []

    def visit(value: Any, path: tuple) -> None:
        if isinstance(value, np.ndarray) and value.dtype.kind == "f":
            for index, entry in enumerate(value.reshape(-1)):
                found.append(_Slot(path, index, float(entry)))
        elif isinstance(value, float) and not isinstance(value, bool):
            found.append(_Slot(path, -1, value))
        elif isinstance(value, (list, tuple)):
            for position, item in enumerate(value):
                visit(item, path + (position,))
        elif callable(getattr(value, "snapshot", None)):
            for name, array in value.snapshot().items():
                for index, entry in enumerate(np.asarray(array).reshape(-1)):
                    found.append(_Slot(path + (name,), index, float(entry)))

    for position, arg in enumerate(args):
        visit(arg, (position,))
    return found


def _perturbed(args: tuple, changes: list[tuple[_Slot, float]]) -> tuple:
    """A deep copy of ``args`` with each slot's entry multiplied by its factor."""
    copied = list(_private(a) for a in args)
    for slot, factor in changes:
        container: Any = copied
        for step in slot.path[:-1]:
            container = container[step] if not isinstance(step, str) else getattr(container, step)
        last = slot.path[-1]
        target = container[last] if not isinstance(last, str) else getattr(container, last)
        if slot.index < 0:
            container[last] = target * factor
        else:
            target.reshape(-1)[slot.index] *= factor
    return tuple(copied)


def _private(value: Any) -> Any:
    if isinstance(value, np.ndarray):
        return value.copy()
    if isinstance(value, tuple):
        return list(_private(v) for v in value)  # lists so entries can be replaced; turned back below
    if isinstance(value, list):
        return [_private(v) for v in value]
    fresh = getattr(value, "fresh_copy", None)
    if callable(fresh):
        return fresh()
    if isinstance(value, np.random.Generator):
        return copy.deepcopy(value)
    return value


def _retuple(value: Any, like: Any) -> Any:
    if isinstance(like, tuple):
        return tuple(_retuple(v, l) for v, l in zip(value, like))
    if isinstance(like, list):
        return [_retuple(v, l) for v, l in zip(value, like)]
    return value


def _reference_value(formula_id: str, args: tuple) -> np.ndarray | None:
    reference = registry.get(formula_id).reference
    call_args = _retuple(tuple(_private(a) for a in args), args)
    try:
        with warnings.catch_warnings(), np.errstate(all="ignore"):
            warnings.simplefilter("ignore")
            return _flat(reference(*call_args))
    except Exception:
        return None


def estimate_bar(formula_id: str, original: tuple, rounded: tuple, result: Any) -> Bar | None:
    """The float32 error bar of ``result``, the implementation's answer at ``rounded``
    (``original`` rounded to the dtype's grid); None where the reference rejects
    the inputs (a property then expects an error, not a value)."""
    u = namespaces.current().unit_roundoff
    y = _reference_value(formula_id, rounded)
    if y is None:
        return None
    flat_result = _flat(result)
    if flat_result.shape != y.shape:
        return None  # malformed: the seam has already said so
    y_original = _reference_value(formula_id, original)
    input_rounding = np.abs(y - y_original) if y_original is not None and y_original.shape == y.shape else np.zeros_like(y)
    slots = [s for s in _slots(rounded) if s.value != 0.0]
    sensitivity = np.zeros_like(y)
    if len(slots) <= MAX_PROBES:
        groups = [[(slot, 1.0 + u)] for slot in slots]
    else:
        signs = np.random.default_rng(0).choice([-1.0, 1.0], size=len(slots))
        members = np.arange(len(slots)) % MAX_PROBES
        groups = [[(slots[j], 1.0 + signs[j] * u) for j in np.flatnonzero(members == g)] for g in range(MAX_PROBES)]
    for group in groups:
        moved = _reference_value(formula_id, _retuple(_perturbed(rounded, group), rounded))
        if moved is not None and moved.shape == y.shape:
            sensitivity += np.nan_to_num(np.abs(moved - y) / u, nan=0.0, posinf=0.0)
    n = len(_slots(rounded)) + y.size
    gamma = _gamma(n, u)
    tiny = float(np.finfo(np.dtype(namespaces.current().dtype)).tiny)
    scale = float(np.max(np.abs(y))) if y.size else 0.0
    flat_bar = GROWTH_SAFETY * ((gamma + u) * (sensitivity + np.abs(y)) + gamma * (1.0 + scale) + n * tiny) + input_rounding
    flat_bar = np.nan_to_num(flat_bar, nan=np.inf)
    with np.errstate(divide="ignore", invalid="ignore"):
        condition = float(np.max(sensitivity / (np.abs(y) + u * scale + tiny))) if y.size else 0.0
    target = y_original if y_original is not None and y_original.shape == y.shape else None
    return Bar(formula_id, _unflat(flat_bar, result), float(np.max(flat_bar)) if flat_bar.size else 0.0, n, condition, target)


def _rounded_args(args: tuple, dtype: str) -> tuple:
    """``args`` on the dtype's grid, the data of the catalogue's callables included
    (a stationary point ``t`` of a gradient field stays exactly stationary)."""
    def rounded(value: Any) -> Any:
        if callable(getattr(value, "snapshot", None)) and callable(getattr(value, "fresh_copy", None)):
            return type(value)(**{k: namespaces.round_to_dtype(v, dtype) for k, v in value.snapshot().items()})
        if isinstance(value, (list, tuple)):
            return type(value)(rounded(v) for v in value)
        return namespaces.round_to_dtype(value, dtype)

    return tuple(rounded(a) for a in args)


def _all_finite(args: tuple) -> bool:
    for slot in _slots(args):
        if not np.isfinite(slot.value):
            return False
    return True


def _snapped(result: Any, bar: Bar) -> Any:
    """``result`` with every entry inside its error bar replaced by the float64
    reference's value at the unrounded inputs: a property then judges, in float64,
    only the entries the derived float32 tolerance cannot excuse."""
    if bar.target is None:
        return result
    flat_result = _flat(result)
    flat_bar = _flat(bar.bar)
    inside = np.abs(flat_result - bar.target) <= flat_bar
    if not np.any(inside):
        return result
    snapped = np.where(inside, bar.target, flat_result)
    return _unflat_like(snapped, result)


def _unflat_like(flat: np.ndarray, like: Any) -> Any:
    """``flat`` in the structure and kinds of ``like`` (ints stay ints, floats floats)."""
    position = [0]

    def build(v: Any) -> Any:
        if isinstance(v, tuple):
            return tuple(build(item) for item in v)
        array = np.asarray(v)
        part = flat[position[0] : position[0] + max(array.size, 1)]
        position[0] += max(array.size, 1)
        if array.dtype.kind in "iub":
            return v  # integers are compared exactly: never snapped
        if isinstance(v, float) or array.shape == ():
            return float(part[0])
        return part.reshape(array.shape)

    return build(like)


# -- the implementation under test, measured -------------------------------------------------


class MeasuredImplementation:
    """An implementation under test in a reduced-precision run: each call gets
    float32-rounded inputs, and its derived error bar is recorded for the
    current example. Everything else is delegated."""

    def __init__(self, inner: Any) -> None:
        self.inner = inner

    def __getattr__(self, name: str) -> Any:
        return getattr(self.inner, name)

    def provides(self, formula_id: str) -> bool:
        return self.inner.provides(formula_id)

    def call(self, formula_id: str, *args: Any) -> Any:
        dtype = namespaces.current().dtype
        rounded = _rounded_args(args, dtype)
        if not _all_finite(rounded) and _example_key() is not None:
            # An input beyond the dtype's range (1e179 is a float64, not a float32) is
            # outside the domain a float32 library can be handed: the example is skipped.
            from hypothesis import reject

            reject()
        result = self.inner.call(formula_id, *rounded)
        bar = estimate_bar(formula_id, args, rounded, result)
        if bar is None:
            return result
        _current_records().append(bar)
        return _snapped(result, bar)

    def subject(self, formula_id: str) -> Any:
        from gradoracle.submission import Subject

        return Subject(self, formula_id)  # type: ignore[arg-type]

    def own_or_reference(self, formula_id: str) -> Any:
        from gradoracle.submission import reference_implementation

        if self.provides(formula_id):
            return self.subject(formula_id)
        return reference_implementation().subject(formula_id)

    def __repr__(self) -> str:
        return f"<{self.inner!r} in {describe_setting()}>"


def measured(implementation: Any) -> Any:
    """``implementation`` as graded in the current setting: unchanged in float64."""
    if not grading_in_reduced_precision() or isinstance(implementation, MeasuredImplementation):
        return implementation
    return MeasuredImplementation(implementation)
