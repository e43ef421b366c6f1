"""The sandbox must be invisible to a correct submission: whatever crosses the
wire comes back as it left, and every formula called in the worker returns
exactly what it returns in-process. A discrepancy here fails correct students
under the default (sandboxed) grading, the worst bug the project can have."""

from __future__ import annotations

import os
import struct
from pathlib import Path
from typing import Any, Iterator

import numpy as np
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from hypothesis.extra import numpy as hnp

from gradoracle import wire
from gradoracle.sandbox import SandboxedImplementation
from gradoracle.submission import load_implementation
from reference.registry import all_formulas, load_properties

# A correct submission that stands alone (a submission importing the grader's
# `reference` cannot: the jail does not let a worker see it).
CORRECT_SUBMISSION = Path(__file__).resolve().parent.parent / "benchmarks" / "submissions" / "independent_numpy.py"

load_properties()  # registers each formula's input strategy
FORMULAS = [entry for entry in all_formulas() if entry.inputs is not None]

numeric_dtypes = st.sampled_from(["float64", "float32", "float16", "int64", "int32", "uint8", "bool", "complex128"])


def across_the_wire(value: Any) -> Any:
    """Through a real pipe, framed as the channel frames it (small values only:
    one thread writes, then reads)."""
    read_end, write_end = os.pipe()
    try:
        wire.send(write_end, {"value": wire.encode(value)})
        return wire.decode(wire.receive(read_end)["value"])
    finally:
        os.close(read_end)
        os.close(write_end)


@settings(max_examples=60, derandomize=True, database=None)
@given(hnp.arrays(numeric_dtypes, hnp.array_shapes(min_dims=0, max_dims=3, min_side=0, max_side=3)))
def test_arrays_cross_the_wire_unchanged(array: np.ndarray) -> None:
    back = across_the_wire(array)  # 0-d and empty arrays included
    assert isinstance(back, np.ndarray)
    assert back.shape == array.shape and back.dtype == array.dtype
    assert np.array_equal(back, array, equal_nan=True)


def test_non_contiguous_views_cross_the_wire_unchanged() -> None:
    base = np.arange(24.0).reshape(4, 6)
    for view in (base.T, base[::2, 1::3], base[1, ::-1]):
        back = across_the_wire(view)
        assert back.shape == view.shape and np.array_equal(back, view)


def test_a_reply_cannot_point_outside_its_buffers() -> None:
    read_end, write_end = os.pipe()
    try:
        frame = b'{"result": {"__buffer__": 3}}'
        os.write(write_end, struct.pack(">Q", len(frame)) + frame + struct.pack(">Q", 0))
        with pytest.raises(ValueError, match="out of range"):
            wire.receive(read_end)
    finally:
        os.close(read_end)
        os.close(write_end)


@pytest.fixture(scope="module")
def sandboxed_reference() -> Iterator[SandboxedImplementation]:
    implementation = SandboxedImplementation(str(CORRECT_SUBMISSION))
    yield implementation
    implementation.close()


_IN_PROCESS: list[Any] = []


def _in_process() -> Any:
    """The same submission imported into this process, once."""
    if not _IN_PROCESS:
        _IN_PROCESS.append(load_implementation(str(CORRECT_SUBMISSION)))
    return _IN_PROCESS[0]


def _same_structure_and_values(got: Any, expected: Any) -> bool:
    if isinstance(expected, (tuple, list)):
        return (
            isinstance(got, (tuple, list))
            and len(got) == len(expected)
            and all(_same_structure_and_values(g, e) for g, e in zip(got, expected))
        )
    got_array, expected_array = np.asarray(got), np.asarray(expected)
    return got_array.shape == expected_array.shape and np.array_equal(got_array, expected_array, equal_nan=True)


@pytest.mark.parametrize("entry", FORMULAS, ids=lambda entry: entry.id)
def test_a_formula_returns_the_same_in_the_sandbox(entry: Any, sandboxed_reference: SandboxedImplementation) -> None:
    # The same code on the same machine: results must match bit for bit, and
    # keep their shapes (a 0-d array must not come back 1-d).
    @settings(
        max_examples=4,
        derandomize=True,
        database=None,
        deadline=None,
        suppress_health_check=[HealthCheck.too_slow, HealthCheck.filter_too_much, HealthCheck.data_too_large],
    )
    @given(entry.inputs)
    def same(args: tuple) -> None:
        expected = _in_process().call(entry.id, *args)
        got = sandboxed_reference.call(entry.id, *args)
        assert _same_structure_and_values(got, expected), f"{entry.id}: sandbox gave {got!r}, in-process {expected!r}"

    same()
