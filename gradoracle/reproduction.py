"""A self-contained Python snippet that reproduces one failing call.

The snippet imports the student's own module (by its file name, from the
folder it is run in; or by module name), finds the formula by the catalogue's
lookup rule (``FORMULAS`` entry, else ``family_name``), calls it on the literal
failing input and prints what it got next to what the reference returns. It
needs numpy only: every argument is written out as a literal (floats by
``repr``, which round-trips exactly; dtypes given), a random generator is
rebuilt from its state, and a data-built callable (:mod:`gradoracle.callables`)
from its class's own source, so no name is undefined and no grader needs to
be installed.
"""

from __future__ import annotations

import inspect
import math
import os
import textwrap
from pathlib import Path
from typing import Any, Mapping

import numpy as np

from gradoracle import callables

__all__ = ["Unrepresentable", "literal", "snippet", "module_to_import"]


class Unrepresentable(ValueError):
    """A value with no self-contained literal: no snippet is written."""


def _float(value: float) -> str:
    if math.isnan(value):
        return "np.nan"
    if math.isinf(value):
        return "np.inf" if value > 0 else "-np.inf"
    return repr(float(value))


def _nested(value: Any) -> str:
    if isinstance(value, list):
        return "[" + ", ".join(_nested(v) for v in value) + "]"
    if isinstance(value, float):
        return _float(value)
    return repr(value)


_DTYPES = {"f": "np.float{bits}", "i": "np.int{bits}", "u": "np.uint{bits}"}


def _dtype(array: np.ndarray) -> str:
    if array.dtype == np.bool_:
        return "bool"
    template = _DTYPES.get(array.dtype.kind)
    if template is None:
        raise Unrepresentable(f"an array of dtype {array.dtype}")
    return template.format(bits=array.dtype.itemsize * 8)


def _array(array: np.ndarray) -> str:
    dtype = _dtype(array)
    if array.size == 0:
        return f"np.zeros({array.shape!r}, dtype={dtype})"
    return f"np.array({_nested(array.tolist())}, dtype={dtype})"


class _Context:
    """Definitions a snippet needs besides its literals (helper functions, classes)."""

    def __init__(self) -> None:
        self.definitions: dict[str, str] = {}


_GENERATOR_HELPER = '''\
def generator_from_state(state):
    """A numpy random Generator in exactly the state the grader used."""
    bit_generator = getattr(np.random, state["bit_generator"])()
    bit_generator.state = state
    return np.random.Generator(bit_generator)
'''

_DATA_CALLABLE_BASE = '''\
class DataCallable:
    """A function defined by a few arrays (as the grader passes them)."""

    fields = ()

    def __init__(self, **arrays):
        for name in self.fields:
            setattr(self, name, np.array(arrays[name], dtype=np.float64))
'''


def _state_literal(state: Any) -> str:
    if isinstance(state, dict):
        return "{" + ", ".join(f"{k!r}: {_state_literal(v)}" for k, v in state.items()) + "}"
    if isinstance(state, np.ndarray):
        return _array(state)
    if isinstance(state, (int, str, bool, np.integer)):
        return repr(int(state)) if isinstance(state, np.integer) else repr(state)
    if isinstance(state, float):
        return _float(state)
    raise Unrepresentable(f"generator state item {state!r}")


def _callable_source(cls: type) -> str:
    source = textwrap.dedent(inspect.getsource(cls))
    return source


def literal(value: Any, context: _Context | None = None) -> str:
    """Python source that evaluates to ``value`` (with numpy as ``np`` and the
    definitions collected in ``context``). Raises :class:`Unrepresentable`."""
    context = context if context is not None else _Context()
    if value is None or isinstance(value, (bool, str)):
        return repr(value)
    if isinstance(value, np.bool_):
        return repr(bool(value))
    if isinstance(value, (int, np.integer)):
        return repr(int(value))
    if isinstance(value, np.floating) and not isinstance(value, np.float64):
        return f"np.{type(value).__name__}({_float(float(value))})"
    if isinstance(value, (float, np.floating)):
        return _float(float(value))
    if isinstance(value, np.ndarray):
        return _array(value)
    if isinstance(value, tuple):
        inner = ", ".join(literal(v, context) for v in value)
        return f"({inner},)" if len(value) == 1 else f"({inner})"
    if isinstance(value, list):
        return "[" + ", ".join(literal(v, context) for v in value) + "]"
    if isinstance(value, dict):
        return "{" + ", ".join(f"{literal(k, context)}: {literal(v, context)}" for k, v in value.items()) + "}"
    if isinstance(value, np.random.Generator):
        context.definitions.setdefault("generator_from_state", _GENERATOR_HELPER)
        return f"generator_from_state({_state_literal(value.bit_generator.state)})"
    if isinstance(value, callables.DataCallable):
        cls = type(value)
        context.definitions.setdefault("DataCallable", _DATA_CALLABLE_BASE)
        context.definitions.setdefault(cls.__name__, _callable_source(cls))
        fields = ", ".join(f"{name}={_array(array)}" for name, array in value.data().items())
        return f"{cls.__name__}({fields})"
    raise Unrepresentable(f"a value of type {type(value).__name__}")


def module_to_import(spec: str) -> tuple[str, str]:
    """(module name to import, where to run the snippet from) for a submission spec."""
    path = Path(spec).expanduser()
    looks_like_path = spec.endswith(".py") or os.sep in spec or path.exists()
    if not looks_like_path:
        return spec, "any folder where `import " + spec + "` works"
    if path.is_dir():
        return path.resolve().name, f"the folder that holds {path.resolve().name}/"
    return path.stem, f"the folder that holds {path.name}"


def _lookup_lines(formula_id: str, binding: Mapping[str, Any] | None) -> list[str]:
    name = (binding or {}).get("function")
    if name:
        return [f"function = submission.{name}"]
    return [
        'table = getattr(submission, "FORMULAS", {})',
        f"function = table[{formula_id!r}] if {formula_id!r} in table else submission.{formula_id.replace('.', '_')}",
    ]


_COMPARE = '''\
def same(a, b):  # equal structure, values within 1e-9 (relative)
    if isinstance(b, tuple):
        return isinstance(a, (tuple, list)) and len(a) == len(b) and all(map(same, a, b))
    try:
        a, b = np.asarray(a, dtype=np.float64), np.asarray(b, dtype=np.float64)
    except (TypeError, ValueError):
        return False
    return a.shape == b.shape and bool(np.allclose(a, b, rtol=1e-9, atol=1e-12))
'''


def snippet(
    *,
    spec: str,
    formula_id: str,
    args: tuple,
    expected: Any,
    expected_raises: str | None = None,
    test_name: str = "",
    binding: Mapping[str, Any] | None = None,
) -> str:
    """The reproduction script for ``formula_id`` of the submission ``spec`` on
    ``args``; ``expected`` is the reference's result (or ``expected_raises``,
    the exception type it raises). Raises :class:`Unrepresentable`."""
    context = _Context()
    module, where = module_to_import(spec)
    arg_lines = [f"    {literal(a, context)}," for a in args]
    expected_source = literal(expected, context) if expected_raises is None else repr(f"raises {expected_raises}")
    order = (binding or {}).get("order")
    call = "function(*args)" if not order else f"function(*[args[i] for i in {list(map(int, order))!r}])"
    lines = [
        f"# {formula_id}" + (f", {test_name}" if test_name else "") + f": run with plain Python from {where}.",
    ]
    if context.definitions:
        lines.append("from __future__ import annotations  # the classes below carry type hints")
    lines += ["import importlib", "import sys", "", "import numpy as np", ""]
    for definition in context.definitions.values():
        lines += [definition.rstrip(), ""]
    lines += [
        'sys.path.insert(0, "")  # import the submission from the folder this runs in',
        f"submission = importlib.import_module({module!r})",
        *_lookup_lines(formula_id, binding),
        "",
        "args = (",
        *arg_lines,
        ")",
        f"expected = {expected_source}  # what the reference implementation returns",
        "",
        "try:",
        f"    got = {call}",
        "except Exception as exc:",
        "    got = f\"raises {type(exc).__name__}: {exc}\"",
        "np.set_printoptions(precision=17)",
        'print("got:     ", got)',
        'print("expected:", expected)',
        "",
        "",
        _COMPARE.rstrip(),
        "",
        "",
        'print("same:    ", str(got).startswith(expected) if isinstance(expected, str) else same(got, expected))',
    ]
    return "\n".join(lines) + "\n"
