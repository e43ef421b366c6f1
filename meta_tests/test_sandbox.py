"""The hostile corpus: each attack on the grader gets a plain verdict for the
attacked formula, the grader survives, and the rest is graded normally."""

from __future__ import annotations

import json
import os
import subprocess
import sys
import textwrap
import time
from pathlib import Path

import numpy as np
import pytest

from gradoracle import seam, wire
from gradoracle.sandbox import CallTimedOut, SandboxedImplementation, SandboxLimits, WorkerDied
from gradoracle.submission import reference_implementation
from meta_tests.helpers import properties_by_name, run_property

HOSTILE = Path(__file__).parent / "hostile"
ARGS = (np.array([0.5, -1.0]), 0.25, np.array([[1.0, 2.0], [-1.0, 0.5]]), np.array([1.0, 0.0]))
# Short enough to keep the meta-tests quick, long enough for a loaded 2-core machine.
LIMITS = SandboxLimits(call_seconds=3.0, memory_bytes=2 * 1024**3)


@pytest.fixture(params=["auto", "off"], ids=["jail", "no-jail"])
def jail_mode(request: pytest.FixtureRequest) -> str:
    """Every attack against the jailed worker (where bubblewrap works) and the plain one."""
    return request.param


@pytest.fixture
def sandbox(request: pytest.FixtureRequest, jail_mode: str):
    limits = SandboxLimits(call_seconds=LIMITS.call_seconds, memory_bytes=LIMITS.memory_bytes, jail=jail_mode)
    implementation = SandboxedImplementation(str(HOSTILE / f"{request.param}.py"), limits)
    yield implementation
    implementation.close()


def _grad_still_graded(implementation: SandboxedImplementation) -> None:
    expected = reference_implementation().call("logistic.grad", *ARGS)
    dw, db = implementation.call("logistic.grad", *ARGS)
    np.testing.assert_allclose(dw, expected[0], rtol=1e-12)
    assert db == pytest.approx(expected[1], rel=1e-12)


ATTACKS = {
    # file name: (fault class, words the verdict must contain)
    "hangs": (CallTimedOut, "within 3 s"),
    "allocates_10gb": (seam.SubmissionRaised, "MemoryError"),
    "prints_100mb": (seam.SubmissionFault, "bytes"),
    "calls_sys_exit": (seam.SubmissionRaised, "SystemExit"),
    "calls_os_exit": (WorkerDied, "os._exit"),
    "segfaults": (WorkerDied, "SIGSEGV"),
    "forks": (seam.SubmissionRaised, "child process"),
    "raises": (seam.SubmissionRaised, "ValueError: shapes (3,2) and (3,) not aligned"),
}


@pytest.mark.parametrize("sandbox", sorted(ATTACKS), indirect=True)
def test_attack_fails_its_formula_and_the_rest_is_graded(sandbox: SandboxedImplementation) -> None:
    attack = Path(sandbox.spec).stem
    fault, words = ATTACKS[attack]
    with pytest.raises(fault) as caught:
        sandbox.call("logistic.loss", *ARGS)
    message = str(caught.value)
    assert "logistic.loss" in message and words in message, message
    _grad_still_graded(sandbox)  # the worker was restarted or survived
    # Killed processes may take a moment to be reaped: wait for that (up to 10 s),
    # but a process that is still there after the wait is a failure.
    deadline = time.monotonic() + 10.0
    while _lingering_processes(sandbox) and time.monotonic() < deadline:
        time.sleep(0.02)
    assert not _lingering_processes(sandbox), "processes started by the submission outlived the call"


def _lingering_processes(sandbox: SandboxedImplementation) -> list[int]:
    from gradoracle.sandbox import _processes

    worker = sandbox._process.pid if sandbox._process else None
    return [pid for pid, parent, session in _processes() if session == worker and pid != worker]


def test_a_hung_formula_is_not_retried(tmp_path: Path) -> None:
    implementation = SandboxedImplementation(str(HOSTILE / "hangs.py"), SandboxLimits(call_seconds=1.0))
    try:
        with pytest.raises(CallTimedOut):
            implementation.call("logistic.loss", *ARGS)
        with pytest.raises(CallTimedOut, match="not retried"):
            implementation.call("logistic.loss", *ARGS)
    finally:
        implementation.close()


@pytest.mark.parametrize("attack", ["patches_numpy", "patches_grader"])
def test_monkeypatching_in_the_submission_cannot_change_its_grade(attack: str) -> None:
    implementation = SandboxedImplementation(str(HOSTILE / f"{attack}.py"), LIMITS)
    try:
        agreement = properties_by_name()["logistic.loss::test_loss_agrees_with_reference"]
        failure = run_property(agreement, implementation)
        assert isinstance(failure, AssertionError) and "42" in str(failure), failure
        _grad_still_graded(implementation)
    finally:
        implementation.close()
    assert np.allclose(1.0, 2.0) is False  # and the grading process's numpy is untouched


def test_only_plain_data_crosses_the_boundary() -> None:
    read_end, write_end = os.pipe()
    try:
        wire.send(write_end, {"value": wire.encode((np.arange(3.0), [1, 2.5], None, np.float64(2.0)))})
        decoded = wire.decode(wire.receive(read_end)["value"])
    finally:
        os.close(read_end)
        os.close(write_end)
    assert isinstance(decoded, tuple) and np.array_equal(decoded[0], np.arange(3.0))
    assert isinstance(wire.decode({"__opaque__": "socket"}), wire.Opaque)
    # A pickled object array is refused, not loaded.
    import base64
    import io

    buffer = io.BytesIO()
    np.save(buffer, np.array([object()], dtype=object), allow_pickle=True)
    with pytest.raises(ValueError):
        wire.decode({"__ndarray__": base64.b64encode(buffer.getvalue()).decode()})


def _is_running(pid: int) -> bool:
    try:
        state = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()[0]
    except FileNotFoundError:
        return False
    return state not in ("Z", "X")  # a zombie runs no code


def _forging_submission(tmp_path: Path, results: Path) -> Path:
    fake = {"score": 999, "max_score": 1, "tests": [{"name": "logistic.loss", "score": 999, "max_score": 1, "status": "passed", "output": "forged"}]}
    source = f"""
        '''Writes a perfect results.json and JUnit file at import, and leaves a
        double-forked daemon behind to write them again after grading.'''
        import json, os, time
        FAKE = {json.dumps(fake)!r}
        TARGETS = [{str(results)!r}, {str(tmp_path / "junit.xml")!r}]

        def forge():
            for target in TARGETS:
                with open(target, "w") as handle:
                    handle.write(FAKE)

        PID_FILE = {str(tmp_path / "daemon.pid")!r}

        forge()
        if os.fork() == 0:
            os.setsid()
            if os.fork() == 0:
                with open(PID_FILE + ".tmp", "w") as handle:
                    handle.write(str(os.getpid()))
                os.rename(PID_FILE + ".tmp", PID_FILE)
                time.sleep(4)
                forge()
            os._exit(0)
        while not os.path.exists(PID_FILE):  # the daemon is alive before grading starts
            time.sleep(0.01)

        def logistic_loss(w, b, x, y):
            forge()
            return 42.0
    """
    path = tmp_path / "forger.py"
    path.write_text(textwrap.dedent(source))
    return path


def test_a_submission_cannot_write_its_own_results(tmp_path: Path) -> None:
    results = tmp_path / "results.json"
    junit = tmp_path / "junit.xml"
    submission = _forging_submission(tmp_path, results)
    completed = subprocess.run(
        # The plain worker (the jail is tested in test_jail.py): its subreaper sweep
        # must end the daemon, and its forgery must be overwritten.
        [sys.executable, "-m", "pytest", "--pyargs", "properties", "--impl", str(submission), "--no-jail",
         "--formula", "logistic.loss", "--grade-json", str(results), f"--junitxml={junit}",
         "-q", "-p", "no:xdist", "-p", "no:cacheprovider"],
        capture_output=True, text=True, timeout=300, cwd=tmp_path,
    )
    assert completed.returncode != 0, completed.stdout[-2000:]
    # No waiting to see whether it writes: a daemon that is gone cannot write.
    assert not _is_running(int((tmp_path / "daemon.pid").read_text()))
    document = json.loads(results.read_text())
    assert document["score"] == 0 and document["tests"][0]["status"] == "failed", document
    assert "forged" not in junit.read_text()
