"""Numerical derivatives of a sandboxed submission cost one round trip to the
worker per scipy iteration, not one per point: ``evaluate_batched`` records
the calls, sends them in one ``call_many`` and serves the second pass from the
replies. The calls' keys must identify array arguments (raw buffers), or
nothing is ever batched and grading is several times slower."""

from __future__ import annotations

from pathlib import Path
from typing import Any, Iterator

import numpy as np
import pytest

from gradoracle import wire
from gradoracle.sandbox import SandboxedImplementation, SandboxLimits
from gradoracle.submission import load_implementation
from meta_tests.helpers import properties_by_name, run_property
from properties.derivative_helpers import numerical_jacobian

REFERENCE_SUBMISSION = Path(__file__).resolve().parent.parent / "benchmarks" / "submissions" / "independent_numpy.py"  # correct, and stands alone in the jail
LIMITS = SandboxLimits(call_seconds=30.0, memory_bytes=2 * 1024**3)


class RoundTrips:
    """Counts the requests sent to workers (``call`` one each, ``call_many`` one
    per batch) and the calls served to the grader."""

    def __init__(self) -> None:
        self.single = 0
        self.batches = 0
        self.served = 0

    @property
    def round_trips(self) -> int:
        return self.single + self.batches


@pytest.fixture
def counted(monkeypatch: pytest.MonkeyPatch) -> Iterator[RoundTrips]:
    counts = RoundTrips()
    send, check_reply = wire.send, SandboxedImplementation._check_reply

    def counting_send(stream: Any, message: Any) -> None:
        op = message.get("op") if isinstance(message, dict) else None
        counts.single += op == "call"
        counts.batches += op == "call_many"
        send(stream, message)

    def counting_check_reply(self: SandboxedImplementation, *args: Any) -> Any:
        counts.served += 1
        return check_reply(self, *args)

    monkeypatch.setattr(wire, "send", counting_send)
    monkeypatch.setattr(SandboxedImplementation, "_check_reply", counting_check_reply)
    yield counts


@pytest.fixture
def sandbox() -> Iterator[SandboxedImplementation]:
    implementation = SandboxedImplementation(str(REFERENCE_SUBMISSION), LIMITS)
    yield implementation
    implementation.close()


def _logistic_args() -> tuple:
    w = np.array([0.5, -1.0, 0.25])
    X = np.array([[1.0, 2.0, -1.0], [-1.0, 0.5, 2.0], [0.25, -0.5, 1.5], [2.0, 1.0, 0.0]])
    return w, 0.25, X, np.array([1.0, 0.0, 1.0, 0.0])


def test_a_numerical_jacobian_of_a_sandboxed_formula_is_batched(sandbox: SandboxedImplementation, counted: RoundTrips) -> None:
    w, b, X, y = _logistic_args()
    got = numerical_jacobian(lambda v: sandbox.call("logistic.loss", v, b, X, y), w)
    # Every point went through the worker, in a few batches (one per scipy
    # iteration that evaluates two points or more), the rest one by one (the
    # first call, for the output's shape, and iterations of a single point).
    assert counted.served >= 30, f"only {counted.served} sandboxed calls were served"
    assert counted.batches >= 1 and counted.round_trips * 4 <= counted.served, (
        f"{counted.single} single calls and {counted.batches} batches for {counted.served} points: "
        "evaluate_batched did not batch (is every argument keyable?)"
    )
    # Batched values are the worker's own: the same numbers as the same file's in process.
    in_process = load_implementation(str(REFERENCE_SUBMISSION))
    expected = numerical_jacobian(lambda v: in_process.call("logistic.loss", v, b, X, y), w)
    np.testing.assert_array_equal(got, expected)


def test_a_numerical_derivative_property_makes_few_round_trips(sandbox: SandboxedImplementation, counted: RoundTrips) -> None:
    """A whole property (the submission's own objective differentiated, cost 4)."""
    prop = properties_by_name()["dropout.gaussian_expected_grad::test_expected_grad_is_derivative_of_objective"]
    assert run_property(prop, sandbox) is None
    assert counted.batches >= 1
    # Direct calls remain: the property's own call of the gradient, and the
    # agreement check of the forward (two per example).
    assert counted.round_trips * 4 <= counted.served, (
        f"{counted.round_trips} round trips ({counted.single} single, {counted.batches} batches) "
        f"for {counted.served} calls: the numerical derivative was not batched"
    )


@pytest.mark.parametrize(
    "first, second, same",
    [
        ((np.array([1.0, 2.0]),), (np.array([1.0, 2.0]),), True),
        ((np.array([1.0, 2.0]),), (np.array([1.0, 2.0 + 2.0**-51]),), False),  # one ulp apart
        ((np.array([0.0]),), (np.array([-0.0]),), False),  # different bytes, may differ in a submission
        ((np.array([1.0, 2.0]),), (np.array([1.0, 2.0], dtype=np.float32),), False),
        ((np.array([1.0, 2.0]),), (np.array([[1.0, 2.0]]),), False),
        ((np.array([1.0]), np.array([2.0])), (np.array([2.0]), np.array([1.0])), False),  # buffers' order
        ((np.array([1.0]), 2.0), (np.array([1.0]), 2), False),
        ((np.array([1.0]), (np.array([2.0]), 3.0)), (np.array([1.0]), (np.array([2.0]), 3.0)), True),
    ],
)
def test_call_keys_tell_argument_tuples_apart_exactly(first: tuple, second: tuple, same: bool) -> None:
    def key(args: tuple) -> Any:
        return SandboxedImplementation._key("f", [wire.encode(a) for a in args])

    hash(key(first))  # a dict key
    assert (key(first) == key(second)) is same
