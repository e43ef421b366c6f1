"""Calling an implementation with another library's arrays, in another dtype.

The grader speaks NumPy float64 everywhere. A library author's functions take
``torch.Tensor`` or ``jax.Array`` (or any array-API namespace that
``array-api-compat`` knows), often in float32. :func:`adapt_function` puts a
translation layer around one function:

- outside, the grader's NumPy float64 arguments and results (so the seam, the
  wire and every property stay as they are);
- inside, the asked namespace's arrays of the asked dtype: float arrays are
  converted (rounded to the dtype), integer and boolean arrays keep their
  kind, Python floats are rounded to the dtype's grid and stay Python floats
  (a library's hyperparameters: ``lr``, ``eps``, ``alpha``), and the
  catalogue's data-built callables (``grad_fn``, ``f``, ``fprime``,
  ``hess_fn``) take and return that namespace's arrays;
- results come back through DLPack (``__array__`` where DLPack is missing),
  after a check that they are arrays of the asked namespace and, for floating
  results, of the asked dtype: anything else is a fault naming what came back.

An input changed in place inside stays detectable: the converted arrays are
compared after the call with what was handed in, and a change is written back
to the grader's private copy, where :func:`gradoracle.seam.invoke` sees it.

The module imports nothing of ``reference/`` or ``properties/``: the
sandboxed worker uses it. :func:`active` / :func:`current` hold the setting
of the run for the tolerance machinery (``properties/dtype_tolerance.py``).
"""

from __future__ import annotations

import contextlib
import functools
import importlib
import importlib.util
from dataclasses import dataclass
from typing import Any, Callable, Iterator

import numpy as np

__all__ = [
    "DTYPES",
    "NamespaceError",
    "WrongArrayType",
    "Setting",
    "validate",
    "resolve",
    "adapt_function",
    "active",
    "activate",
    "current",
    "unit_roundoff",
    "round_to_dtype",
]

# The floating dtypes an implementation may be graded in, and their unit roundoff u = 2^-p
# (p the significand's precision in bits, hidden bit included).
DTYPES: dict[str, float] = {"float64": 2.0**-53, "float32": 2.0**-24}
# Names that mean one namespace.
_ALIASES = {"numpy": "numpy", "np": "numpy", "torch": "torch", "pytorch": "torch", "jax": "jax.numpy", "jax.numpy": "jax.numpy", "jnp": "jax.numpy"}


class NamespaceError(ValueError):
    """The grader was asked for a namespace or dtype it cannot provide (a
    usage error of the grader, never a student's fault)."""


class WrongArrayType(Exception):
    """An implementation returned arrays of another namespace or dtype than asked.

    Deliberately not a ValueError: a property expecting the implementation to
    reject bad input with ValueError must not accept this."""


def unit_roundoff(dtype: str) -> float:
    """``u`` of ``dtype``: the largest relative error of rounding one real number to it."""
    try:
        return DTYPES[dtype]
    except KeyError:
        raise NamespaceError(_unknown_dtype(dtype)) from None


def _unknown_dtype(dtype: Any) -> str:
    return f"unknown dtype {dtype!r}: gradoracle grades in {' or '.join(DTYPES)}"


def round_to_dtype(value: Any, dtype: str) -> Any:
    """``value`` with every float rounded to ``dtype``'s grid, kept as float64
    (arrays, Python floats, tuples and lists; anything else unchanged)."""
    if dtype == "float64":
        return value
    np_dtype = np.dtype(dtype)
    # Below the dtype's smallest normal number values go to 0: the float64 strategies
    # never draw subnormals (they probe hardware, not formulas), and libraries that
    # flush them (XLA on CPU, GPUs) would otherwise see 0 where the reference sees a number.
    tiny = float(np.finfo(np_dtype).tiny)
    if isinstance(value, np.ndarray) and value.dtype.kind == "f":
        with np.errstate(over="ignore"):  # beyond the dtype's range: inf, which callers look for
            rounded = value.astype(np_dtype).astype(np.float64)
        with np.errstate(invalid="ignore"):  # 0·inf where nothing is flushed
            return np.where(np.abs(rounded) < tiny, 0.0 * rounded, rounded)
    if isinstance(value, (float, np.floating)) and not isinstance(value, bool):
        with np.errstate(over="ignore"):
            rounded_value = float(np_dtype.type(value))
        return 0.0 * rounded_value if abs(rounded_value) < tiny else rounded_value
    if isinstance(value, tuple):
        return tuple(round_to_dtype(v, dtype) for v in value)
    if isinstance(value, list):
        return [round_to_dtype(v, dtype) for v in value]
    return value


# ----------------------------------------------------------------------------
# The setting


@dataclass(frozen=True)
class Setting:
    """A resolved (namespace, dtype) pair."""

    namespace: str  # canonical name: "numpy", "torch", "jax.numpy", or a module name
    dtype: str

    @property
    def is_default(self) -> bool:
        return self.namespace == "numpy" and self.dtype == "float64"

    @property
    def unit_roundoff(self) -> float:
        return DTYPES[self.dtype]

    def describe(self) -> str:
        return f"dtype {self.dtype}, array namespace {self.namespace}"


def _canonical(array_namespace: str | None) -> str:
    if array_namespace is None or array_namespace == "":
        return "numpy"
    if not isinstance(array_namespace, str):
        raise NamespaceError(f"the array namespace must be a module name, got {array_namespace!r}")
    return _ALIASES.get(array_namespace.strip().lower(), array_namespace.strip())


def validate(array_namespace: str | None, dtype: str) -> None:
    """Raise :class:`NamespaceError` with a sentence naming the problem: an
    unknown dtype, a namespace that is not installed, or a module that is not
    an array namespace ``array-api-compat`` knows."""
    resolve(array_namespace, dtype)


@functools.lru_cache(maxsize=None)
def _cached_resolve(namespace: str, dtype: str) -> Setting:
    if dtype not in DTYPES:
        raise NamespaceError(_unknown_dtype(dtype))
    if namespace == "numpy":
        return Setting("numpy", dtype)
    top = namespace.split(".")[0]
    try:
        found = importlib.util.find_spec(top) is not None
    except (ImportError, ValueError):
        found = False
    if not found:
        raise NamespaceError(
            f"array namespace {namespace!r} is not installed in this Python ({top!r} cannot be imported); "
            f"install it, or choose numpy, torch or jax.numpy"
        )
    _backend(Setting(namespace, dtype))  # imports it and checks array-api-compat knows its arrays
    return Setting(namespace, dtype)


def resolve(array_namespace: str | None, dtype: str) -> Setting:
    """The checked :class:`Setting` for ``array_namespace`` (None = numpy) and ``dtype``."""
    if not isinstance(dtype, str):
        raise NamespaceError(_unknown_dtype(dtype))
    return _cached_resolve(_canonical(array_namespace), dtype)


_ACTIVE: Setting = Setting("numpy", "float64")


def current() -> Setting:
    """The setting the run grades in (numpy float64 unless :func:`activate` said otherwise)."""
    return _ACTIVE


def activate(array_namespace: str | None, dtype: str) -> Setting:
    """Make ``(array_namespace, dtype)`` the setting of the run (the plugin calls it once)."""
    global _ACTIVE
    _ACTIVE = resolve(array_namespace, dtype)
    return _ACTIVE


@contextlib.contextmanager
def active(array_namespace: str | None, dtype: str) -> Iterator[Setting]:
    """The setting of the run for the duration of a block (the public API's runs)."""
    global _ACTIVE
    previous = _ACTIVE
    _ACTIVE = resolve(array_namespace, dtype)
    try:
        yield _ACTIVE
    finally:
        _ACTIVE = previous


# ----------------------------------------------------------------------------
# Per-namespace conversion


class _Backend:
    """How to move arrays between NumPy and one namespace."""

    def __init__(self, setting: Setting) -> None:
        import array_api_compat

        self.setting = setting
        self.np_dtype = np.dtype(setting.dtype)
        if setting.namespace == "jax.numpy" and setting.dtype == "float64":
            import jax

            # Without it JAX silently makes every float64 array float32.
            jax.config.update("jax_enable_x64", True)
        try:
            module = importlib.import_module(setting.namespace)
        except Exception as exc:
            raise NamespaceError(
                f"array namespace {setting.namespace!r} could not be imported ({type(exc).__name__}: {exc})"
            ) from None
        self.module = module
        try:
            probe = module.asarray(np.zeros(1, dtype=self.np_dtype))
            self.xp = array_api_compat.array_namespace(probe)
            self.float_dtype = getattr(self.xp, setting.dtype)
        except Exception as exc:
            raise NamespaceError(
                f"{setting.namespace!r} is not an array namespace that array-api-compat knows "
                f"({type(exc).__name__}: {exc}); give numpy, torch, jax.numpy or an array-API library"
            ) from None
        self.array_type = f"{type(probe).__module__.split('.')[0]}.{type(probe).__name__}"
        self.mutable = setting.namespace not in ("jax.numpy",)

    def is_ours(self, value: Any) -> bool:
        import array_api_compat

        if self.setting.namespace == "numpy":
            return isinstance(value, (np.ndarray, np.generic))
        if isinstance(value, (np.ndarray, np.generic)) or not array_api_compat.is_array_api_obj(value):
            return False
        try:
            return array_api_compat.array_namespace(value) is self.xp
        except TypeError:
            return False

    def to_inner(self, array: np.ndarray) -> Any:
        if self.setting.namespace == "numpy":
            return array
        return self.xp.asarray(array)

    def to_numpy(self, value: Any) -> np.ndarray:
        if self.setting.namespace == "numpy":
            return np.asarray(value)
        detach = getattr(value, "detach", None)  # torch: a result may still carry its autograd graph
        if callable(detach):
            value = detach()
        try:
            return np.from_dlpack(value).copy()
        except Exception:
            return np.asarray(value).copy()

    def dtype_name(self, value: Any) -> str:
        dtype = getattr(value, "dtype", None)
        return str(dtype).removeprefix("torch.")

    def is_floating(self, value: Any) -> bool:
        if isinstance(value, (np.ndarray, np.generic)):
            return value.dtype.kind == "f"
        try:
            return bool(self.xp.isdtype(value.dtype, "real floating"))
        except Exception:
            return self.dtype_name(value).startswith(("float", "bfloat"))


@functools.lru_cache(maxsize=None)
def _backend(setting: Setting) -> _Backend:
    return _Backend(setting)


# ----------------------------------------------------------------------------
# The adapter


def _describe(value: Any) -> str:
    cls = type(value)
    module = cls.__module__.split(".")[0]
    name = f"{module}.{cls.__name__}" if module != "builtins" else cls.__name__
    dtype = getattr(value, "dtype", None)
    return f"{name} of dtype {str(dtype).removeprefix('torch.')}" if dtype is not None else name


class _NamespacedCallable:
    """A catalogue callable (``grad_fn``, ``f``, ...) seen from inside: it takes and
    returns the namespace's arrays of the asked dtype (Python floats stay floats)."""

    def __init__(self, inner: Callable[[Any], Any], backend: _Backend) -> None:
        self._inner = inner
        self._backend = backend

    def __call__(self, theta: Any) -> Any:
        backend = self._backend
        if isinstance(theta, (bool, int, float)):
            value = self._inner(float(theta))
            if isinstance(value, (float, int)) or np.ndim(value) == 0:
                return float(backend.np_dtype.type(value))
            return backend.to_inner(np.asarray(value, dtype=backend.np_dtype))
        if backend.is_ours(theta):
            point = backend.to_numpy(theta).astype(np.float64)
        else:
            raise TypeError(
                f"this function takes {backend.array_type} arrays (or Python floats), got {_describe(theta)}"
            )
        value = self._inner(point)
        return backend.to_inner(np.asarray(value, dtype=backend.np_dtype))

    def __repr__(self) -> str:
        return f"<{type(self._inner).__name__} taking {self._backend.array_type}>"


def adapt_function(
    fn: Callable[..., Any], formula_id: str, *, array_namespace: str | None, dtype: str
) -> Callable[..., Any]:
    """``fn`` as the grader calls it (NumPy float64 in and out), calling the
    implementation with ``array_namespace``'s arrays of ``dtype``.

    The identity for numpy float64 (the default grading is untouched).
    Raises :class:`NamespaceError` for an unknown or missing namespace or dtype."""
    setting = resolve(array_namespace, dtype)
    if setting.is_default:
        return fn
    backend = _backend(setting)

    def in_namespace(*args: Any) -> Any:
        tracked: list[tuple[np.ndarray, Any, np.ndarray]] = []
        inner_args = tuple(_to_inner(a, backend, tracked) for a in args)
        has_float_array = any(_has_float_array(a) for a in args)
        try:
            result = fn(*inner_args)
        finally:
            _write_back_mutations(tracked, backend)
        return _from_inner(result, backend, formula_id, check_dtype=has_float_array)

    in_namespace.__name__ = getattr(fn, "__name__", "formula")
    in_namespace.__wrapped__ = fn  # type: ignore[attr-defined]
    return in_namespace


def _has_float_array(value: Any) -> bool:
    if isinstance(value, (np.ndarray, np.floating)):
        return value.dtype.kind == "f"
    if isinstance(value, (list, tuple)):
        return any(_has_float_array(v) for v in value)
    # Python floats and callables say nothing of the dtype meant: a formula with
    # no floating array argument (newton.root, init.*) may answer in any floating dtype.
    return False


def _to_inner(value: Any, backend: _Backend, tracked: list[tuple[np.ndarray, Any, np.ndarray]]) -> Any:
    if isinstance(value, np.ndarray):
        if value.dtype.kind == "f":
            converted = value.astype(backend.np_dtype)
        else:
            converted = value.copy()
        before = converted.copy()
        inner = backend.to_inner(converted)
        if backend.mutable:
            tracked.append((value, inner, before))
        return inner
    if isinstance(value, np.floating):  # a NumPy scalar stands for a 0-d array (x of an activation)
        converted = np.asarray(value, dtype=backend.np_dtype)
        return backend.to_inner(converted)
    if isinstance(value, float) and not isinstance(value, bool):  # hyperparameters stay Python floats
        return float(backend.np_dtype.type(value))
    if isinstance(value, list):
        inner_list = [_to_inner(v, backend, tracked) for v in value]
        tracked.append((value, inner_list, list(inner_list)))  # type: ignore[arg-type]
        return inner_list
    if isinstance(value, tuple):
        return tuple(_to_inner(v, backend, tracked) for v in value)
    if callable(getattr(value, "snapshot", None)):  # gradoracle.callables.DataCallable
        return _NamespacedCallable(value, backend)
    return value  # ints, bools, None, numpy Generators


def _write_back_mutations(tracked: list[tuple[np.ndarray, Any, np.ndarray]], backend: _Backend) -> None:
    """A converted argument changed in place: change the grader's private copy
    too, so the seam reports the mutation as it would for NumPy."""
    for outer, inner, before in tracked:
        if isinstance(outer, list):  # a list argument: an element added, removed or replaced
            if len(inner) != len(before) or any(a is not b for a, b in zip(inner, before)):
                outer.append("changed in place")
            continue
        try:
            after = backend.to_numpy(inner)
        except Exception:
            continue
        if after.shape != before.shape or not np.array_equal(after, before, equal_nan=True):
            try:
                outer[...] = after.astype(outer.dtype) if after.shape == outer.shape else np.nan
            except Exception:
                outer[...] = np.nan
            if np.array_equal(outer, before.astype(outer.dtype), equal_nan=True):
                outer[...] = np.nan  # never let a write-back look unchanged


def _from_inner(value: Any, backend: _Backend, formula_id: str, *, check_dtype: bool) -> Any:
    if isinstance(value, tuple):
        return tuple(_from_inner(v, backend, formula_id, check_dtype=check_dtype) for v in value)
    if isinstance(value, list):
        return [_from_inner(v, backend, formula_id, check_dtype=check_dtype) for v in value]
    if value is None or isinstance(value, (bool, int, float)):
        return value  # Python numbers belong to no namespace
    setting = backend.setting
    if not backend.is_ours(value):
        import array_api_compat

        if isinstance(value, (np.ndarray, np.generic)) or array_api_compat.is_array_api_obj(value):
            raise WrongArrayType(
                f"{formula_id} returned a {_describe(value)}; with array namespace {setting.namespace} "
                f"it must return {backend.array_type} arrays (or Python numbers)"
            )
        return value  # not an array at all: the seam says what is wrong with it
    if check_dtype and backend.is_floating(value) and backend.dtype_name(value) != setting.dtype:
        raise WrongArrayType(
            f"{formula_id} returned {backend.array_type} of dtype {backend.dtype_name(value)} "
            f"where {setting.dtype} was asked (inputs were {setting.dtype})"
        )
    array = backend.to_numpy(value)
    return array.astype(np.float64) if array.dtype.kind == "f" else array
