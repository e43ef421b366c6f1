"""The jail (issue 10): one hostile submission per attack class, each graded by
a real grader in a subprocess, asserting

* the verdict (the attacked formula fails with a plain reason, the rest is graded);
* that the grader finished within its budget (small budgets here: --call-timeout 2,
  --formula-budget 5, --submission-budget 30; the bound below is the test's own
  guard, not a measure of speed);
* that nothing outside the submission's scratch space changed (hashes of the
  project, the class folder and the classmates' files, before and after);
* that no process of it survives (a scan of /proc for processes whose command
  line or working folder is in the run's private temporary folder, or that
  carry the hostile file's marker).

Tests that need bubblewrap are skipped, with the probe's reason, only where the
jail cannot run; the fallback's guarantees are tested everywhere.
"""

from __future__ import annotations

import hashlib
import json
import os
import shutil
import signal
import socket
import subprocess
import sys
import time
from pathlib import Path
from typing import Any

import numpy as np
import pytest

from gradoracle import jail, report, wire
from gradoracle.sandbox import SandboxedImplementation, SandboxLimits, WorkerDied
from meta_tests.helpers import grader_environment

ROOT = Path(__file__).resolve().parent.parent
HOSTILE = Path(__file__).parent / "hostile"
CORRECT = ROOT / "benchmarks" / "submissions" / "independent_numpy.py"
BUDGETS = ["--call-timeout", "2", "--formula-budget", "5", "--submission-budget", "30"]
# The most a grade under BUDGETS may take: the submission budget, plus a grade of
# the logistic family's own work and interpreter starts on a loaded machine.
GRADE_BOUND_SECONDS = 30 + 270

needs_jail = pytest.mark.skipif(
    not jail.status().available, reason=f"the jail cannot run on this machine: {jail.status().reason}"
)
JAIL_MODES = [pytest.param("--require-jail", marks=needs_jail, id="jail"), pytest.param("--no-jail", id="no-jail")]


# -- harness ---------------------------------------------------------------------------


def _tree_hashes(*folders: Path) -> dict[str, str]:
    hashes = {}
    for folder in folders:
        for path in sorted(folder.rglob("*")):
            if path.is_file() and ".git" not in path.parts and "__pycache__" not in path.parts and ".hypothesis" not in path.parts:
                hashes[str(path)] = hashlib.sha256(path.read_bytes()).hexdigest()
    return hashes


PROJECT_FOLDERS = [ROOT / name for name in ("gradoracle", "reference", "properties", "examples", "benchmarks", "meta_tests")]


def _processes_of(run_folder: Path, marker: str | None = None) -> list[str]:
    """Processes whose command line or working folder is inside ``run_folder``
    (the grader's TMPDIR and working folder), or whose command line holds ``marker``."""
    found = []
    for entry in Path("/proc").iterdir():
        if not entry.name.isdigit() or int(entry.name) == os.getpid():
            continue
        try:
            command = (entry / "cmdline").read_bytes().replace(b"\0", b" ").decode(errors="replace")
            state = (entry / "stat").read_text().rsplit(")", 1)[1].split()[0]
        except OSError:
            continue
        if state in ("Z", "X"):
            continue  # a zombie runs no code
        try:
            cwd = os.readlink(entry / "cwd")
        except OSError:
            cwd = ""
        if str(run_folder) in command or cwd.startswith(str(run_folder)) or (marker and marker in command):
            found.append(f"{entry.name}: {command}")
    return found


def _assert_no_survivor(run_folder: Path, marker: str | None = None) -> None:
    # Killed processes take a moment to be reaped: wait up to 10 s, then fail.
    deadline = time.monotonic() + 10.0
    while _processes_of(run_folder, marker) and time.monotonic() < deadline:
        time.sleep(0.05)
    assert not _processes_of(run_folder, marker), "processes of the submission outlived the grade"


class Run:
    def __init__(self, tmp_path: Path) -> None:
        self.base = tmp_path
        self.cwd = tmp_path / "cwd"  # the grader's working folder
        self.scratch = tmp_path / "tmp"  # its TMPDIR: the sandbox's folders are made here
        self.cwd.mkdir(parents=True)
        self.scratch.mkdir(parents=True)
        self.results = self.cwd / "results.json"

    def command(self, submission: Path, *options: str) -> list[str]:
        return [
            sys.executable, "-m", "pytest", "--pyargs", "properties", "--impl", str(submission),
            "--formula", "logistic.*", "--grade-json", str(self.results), "-q", "-p", "no:xdist",
            "-p", "no:cacheprovider", *BUDGETS, *options,
        ]

    def environment(self) -> dict[str, str]:
        return {**grader_environment(), "TMPDIR": str(self.scratch)}

    def grade(self, submission: Path, *options: str) -> tuple[subprocess.CompletedProcess[str], dict[str, Any] | None, float]:
        started = time.monotonic()
        completed = subprocess.run(
            self.command(submission, *options), capture_output=True, text=True,
            timeout=GRADE_BOUND_SECONDS + 60, cwd=self.cwd, env=self.environment(),
        )
        seconds = time.monotonic() - started
        assert seconds < GRADE_BOUND_SECONDS, f"the grade took {seconds:.0f} s, more than its budget allows"
        document = json.loads(self.results.read_text()) if self.results.is_file() else None
        return completed, document, seconds


def _status(document: dict[str, Any], formula_id: str) -> tuple[str, str]:
    test = next(t for t in document["tests"] if t["name"] == formula_id)
    return test["status"], test["output"]


def _assert_loss_failed_grad_passed(
    completed: subprocess.CompletedProcess[str], document: dict[str, Any] | None, words: str, *, grad_too: bool = True
) -> None:
    """logistic.loss failed with ``words`` in its reason, and (``grad_too``) the
    correct logistic.grad of the same submission passed."""
    assert document is not None, completed.stdout[-3000:] + completed.stderr[-2000:]
    assert completed.returncode == 1, completed.stdout[-3000:]
    status, output = _status(document, "logistic.loss")
    assert status == "failed" and words in output, output
    if grad_too:
        assert _status(document, "logistic.grad")[0] == "passed", _status(document, "logistic.grad")
    assert "forged" not in json.dumps(document)


@pytest.fixture
def run(tmp_path: Path) -> Run:
    return Run(tmp_path)


@pytest.fixture
def untouched(run: Run):
    """The project and the grader's working folder are the same after the grade
    (apart from the results the grader itself writes)."""
    before = _tree_hashes(*PROJECT_FOLDERS, run.cwd)
    yield
    after = _tree_hashes(*PROJECT_FOLDERS, run.cwd)
    after.pop(str(run.results), None)
    before.pop(str(run.results), None)
    changed = sorted(p for p in set(before) | set(after) if before.get(p) != after.get(p))
    assert not changed, f"files outside the submission's scratch space changed: {changed}"


# -- copying the grader's answers ------------------------------------------------------


@needs_jail
def test_the_reference_cannot_be_copied(run: Run, untouched: None) -> None:
    completed, document, _ = run.grade(HOSTILE / "copies_reference.py", "--require-jail")
    _assert_loss_failed_grad_passed(completed, document, "42")
    _assert_no_survivor(run.scratch)


def test_without_the_jail_the_copy_succeeds_and_the_report_says_so(run: Run) -> None:
    """The known-bad case for the test above: the plain worker can import the
    reference (which is why the jail exists), and its grade says it had no jail."""
    completed, document, _ = run.grade(HOSTILE / "copies_reference.py", "--no-jail")
    assert document is not None and _status(document, "logistic.loss")[0] == "passed", completed.stdout[-2000:]
    assert "graded without the jail: --no-jail was given" in document["output"].splitlines()
    assert "graded without the jail" in completed.stdout


# -- forging the report through /proc and killing the grader ------------------------------


@needs_jail
def test_the_report_cannot_be_forged_nor_the_grader_killed(run: Run, untouched: None) -> None:
    completed, document, _ = run.grade(HOSTILE / "forges_results.py", "--require-jail")
    assert completed.returncode != -signal.SIGKILL, "the submission killed the grader"
    _assert_loss_failed_grad_passed(completed, document, "42")
    _assert_no_survivor(run.scratch)


# -- outliving the grade -------------------------------------------------------------


@needs_jail
def test_no_process_outlives_the_grade(run: Run, untouched: None) -> None:
    marker = "gradoracle-hostile-outlives-grade"
    completed, document, _ = run.grade(HOSTILE / "outlives_grade.py", "--require-jail")
    _assert_loss_failed_grad_passed(completed, document, "42")
    _assert_no_survivor(run.scratch, marker)
    time.sleep(4)  # the daemon would have written by now, had it survived
    assert not (run.cwd / "OUTLIVED").exists()


def test_without_the_jail_no_process_outlives_the_grade_either(run: Run) -> None:
    """The plain worker's sweep follows the whole tree (every orphan comes to the
    subreaper grader, round after round)."""
    marker = "gradoracle-hostile-outlives-grade"
    completed, document, _ = run.grade(HOSTILE / "outlives_grade.py", "--no-jail")
    _assert_loss_failed_grad_passed(completed, document, "42")
    _assert_no_survivor(run.scratch, marker)


# -- planting code in the grader's working folder -----------------------------------


@pytest.mark.parametrize("mode", JAIL_MODES)
def test_code_planted_in_the_graders_folder_never_runs(run: Run, mode: str) -> None:
    completed, document, _ = run.grade(HOSTILE / "plants_module.py", mode)
    _assert_loss_failed_grad_passed(completed, document, "42")
    assert not (run.cwd / "PLANTED-CODE-RAN").exists(), "planted code ran inside the grader"
    planted = sorted(p.name for p in run.cwd.glob("*.py"))
    if mode == "--require-jail":
        assert planted == [], f"the jailed worker wrote into the grader's folder: {planted}"
    _assert_no_survivor(run.scratch)


# -- classmates ------------------------------------------------------------------------


CLASSMATE = '''
import numpy as np
from scipy.special import expit  # the class folder also holds a hostile scipy.py


def logistic_loss(w, b, x, y):
    z = x @ w + b
    return float(np.sum(y * np.logaddexp(0, -z) + (1 - y) * np.logaddexp(0, z)))


def logistic_grad(w, b, x, y):
    r = expit(x @ w + b) - y
    return x.T @ r, float(np.sum(r))
'''


@pytest.mark.parametrize("mode", JAIL_MODES)
def test_a_classmate_can_be_neither_copied_nor_harmed(run: Run, mode: str) -> None:
    folder = run.base / "class"
    folder.mkdir()
    (folder / "classmate.py").write_text(CLASSMATE)
    shutil.copy(HOSTILE / "reads_classmate.py", folder / "mallory.py")
    (folder / "scipy.py").write_text("raise ImportError('a classmate shipped this scipy')\n")
    before = _tree_hashes(folder, *PROJECT_FOLDERS)
    completed, document, _ = run.grade(folder / "mallory.py", mode)
    _assert_loss_failed_grad_passed(completed, document, "42")
    if mode == "--require-jail":
        assert _tree_hashes(folder, *PROJECT_FOLDERS) == before, "the class folder or the project changed"
    # The classmate's own grade: a file submission is graded alone, so neither
    # mallory.py nor the hostile scipy.py beside it is importable.
    assert (folder / "classmate.py").read_text() == CLASSMATE or mode == "--no-jail"
    run.results.unlink()
    (folder / "classmate.py").write_text(CLASSMATE)
    completed, document, _ = run.grade(folder / "classmate.py", mode)
    assert document is not None, completed.stdout[-3000:]
    assert _status(document, "logistic.loss")[0] == "passed" and _status(document, "logistic.grad")[0] == "passed", document
    _assert_no_survivor(run.scratch)


def test_a_folder_submission_gets_its_folder_and_nothing_beside_it(tmp_path: Path) -> None:
    folder = tmp_path / "class"
    (folder / "alice").mkdir(parents=True)
    (folder / "alice" / "helpers.py").write_text("def two():\n    return 2.0\n")
    (folder / "alice" / "__init__.py").write_text("from .helpers import two\n\ndef logistic_loss(w, b, x, y):\n    return two()\n")
    (folder / "classmate.py").write_text("SECRET = 1\n")
    implementation = SandboxedImplementation(str(folder / "alice"), SandboxLimits(call_seconds=10))
    try:
        copied = sorted(p.name for p in (implementation._workdir / "submission").rglob("*"))
        assert copied == ["__init__.py", "alice", "helpers.py"], copied
    finally:
        implementation.close()


# -- wedging the grader ----------------------------------------------------------------


@pytest.mark.parametrize("mode", JAIL_MODES)
def test_a_named_pipe_as_results_path_is_refused_at_once(run: Run, mode: str) -> None:
    os.mkfifo(run.results)
    completed, document, _ = run.grade(CORRECT, mode)
    assert completed.returncode not in (0, 1), completed.stdout[-2000:]
    assert "named pipe" in completed.stdout + completed.stderr
    assert document is None


@pytest.mark.parametrize("mode", JAIL_MODES)
def test_a_results_path_replaced_by_a_pipe_during_the_grade_is_not_written(run: Run, mode: str) -> None:
    completed, document, _ = run.grade(HOSTILE / "replaces_results_with_fifo.py", mode)
    if mode == "--require-jail":  # the jailed worker cannot even see the path
        _assert_loss_failed_grad_passed(completed, document, "42")
    else:  # the plain worker can: the grader then refuses to write, and says so
        assert document is None and completed.returncode not in (0, 1)
        assert "not a regular file" in completed.stdout, completed.stdout[-2000:]
    _assert_no_survivor(run.scratch)


@pytest.mark.parametrize("mode", JAIL_MODES)
def test_a_huge_reply_is_refused(run: Run, mode: str) -> None:
    completed, document, _ = run.grade(HOSTILE / "huge_reply.py", mode)
    # (logistic.grad's derivative property also calls the broken loss.)
    _assert_loss_failed_grad_passed(completed, document, "too large", grad_too=False)
    _assert_no_survivor(run.scratch)


def test_a_reply_larger_than_its_budget_is_refused_from_its_length_prefix() -> None:
    read_end, write_end = os.pipe()
    try:
        # A header claiming 200 MB, followed by a few bytes: nothing after the
        # header may be read (or allocated) once the claim exceeds the budget.
        os.write(write_end, wire._HEADER.pack(200 * 1024**2) + b"rest")
        with pytest.raises(wire.FrameTooLarge):
            wire.receive(read_end, budget=1024**2)
        assert os.read(read_end, 16) == b"rest"
    finally:
        os.close(read_end)
        os.close(write_end)


@pytest.mark.parametrize("mode", JAIL_MODES)
def test_sleeping_under_the_call_limit_runs_out_of_the_formula_budget(run: Run, mode: str) -> None:
    completed, document, seconds = run.grade(HOSTILE / "sleeps_under_limit.py", mode)
    assert document is not None, completed.stdout[-3000:]
    for formula_id in ("logistic.loss", "logistic.grad"):
        status, output = _status(document, formula_id)
        assert status == "failed" and "too slow: its properties took more than 5 s" in output, output
    _assert_no_survivor(run.scratch)


def test_the_submission_budget_stops_every_formula_left() -> None:
    limits = SandboxLimits(call_seconds=2.0, formula_seconds=100.0, submission_seconds=3.0)
    implementation = SandboxedImplementation(str(HOSTILE / "sleeps_under_limit.py"), limits)
    args = (np.array([0.5, -1.0]), 0.25, np.array([[1.0, 2.0], [-1.0, 0.5]]), np.array([1.0, 0.0]))
    try:
        implementation.call("logistic.loss", *args)  # 1.8 s
        with pytest.raises(Exception, match="too slow: the submission's calls took more than 3 s in all"):
            implementation.call("logistic.grad", *args)  # cut at 3 s
        with pytest.raises(Exception, match="too slow"):
            implementation.call("logistic.loss", *args)  # at once
    finally:
        implementation.close()


# -- interrupting and killing the grader ---------------------------------------------


def _wait_for_worker(run: Run, grader: subprocess.Popen[str]) -> None:
    deadline = time.monotonic() + 120
    while time.monotonic() < deadline and grader.poll() is None:
        # The worker proper (not the jail's start-up probe) is up: grading is under way.
        if any("-m gradoracle.worker" in p for p in _processes_of(run.scratch)):
            time.sleep(2.0)
            return
        time.sleep(0.05)
    pytest.fail("the grader never started its worker")


@pytest.mark.parametrize("mode", JAIL_MODES)
@pytest.mark.parametrize("how", [signal.SIGINT, signal.SIGKILL], ids=["SIGINT", "SIGKILL"])
def test_an_interrupted_or_killed_grade_leaves_no_results(run: Run, mode: str, how: signal.Signals) -> None:
    run.results.write_text(json.dumps({"score": 4, "max_score": 4, "output": "an earlier grade", "tests": []}))
    grader = subprocess.Popen(
        run.command(HOSTILE / "sleeps_under_limit.py", mode), stdout=subprocess.PIPE, stderr=subprocess.STDOUT,
        text=True, cwd=run.cwd, env=run.environment(),
    )
    try:
        _wait_for_worker(run, grader)
        grader.send_signal(how)
        output, _ = grader.communicate(timeout=120)
    finally:
        if grader.poll() is None:
            grader.kill()
    assert grader.returncode != 0
    assert not run.results.exists(), "an interrupted grade left a complete-looking results.json"
    if how == signal.SIGINT:
        assert "interrupted" in output
    _assert_no_survivor(run.scratch)


# -- the jail itself -------------------------------------------------------------------


@needs_jail
def test_the_jailed_worker_sees_nothing_of_the_grader(tmp_path: Path) -> None:
    """Each isolation, probed from inside by a real submission."""
    server = socket.socket()
    server.bind(("127.0.0.1", 0))
    server.listen(1)
    port = server.getsockname()[1]
    probe = tmp_path / "probe.py"
    probe.write_text(f'''
import os, socket, importlib.util
def _network():
    try:
        socket.create_connection(("127.0.0.1", {port}), timeout=2)
        return "reached the grader's network"
    except OSError:
        return ""
def _answers():
    seen = []
    if importlib.util.find_spec("reference") and importlib.util.find_spec("reference.registry"):
        seen.append("reference importable")
    for name in ("properties", "meta_tests", "benchmarks", "mistakes"):
        if importlib.util.find_spec(name) and importlib.util.find_spec(name).origin:
            seen.append(name + " importable")
    import gradoracle
    extra = sorted(set(os.listdir(os.path.dirname(gradoracle.__file__))) - {{"__pycache__"}})
    if any(n in extra for n in ("sandbox.py", "plugin.py", "report.py", "submission.py")):
        seen.append("grader modules visible: " + ",".join(extra))
    if os.path.exists({str(ROOT)!r}):
        seen.append("the project folder exists")
    if os.path.exists({str(tmp_path)!r}):
        seen.append("the grader's temporary folder exists")
    return seen
def logistic_loss(w, b, x, y):
    found = [p for p in os.listdir("/proc") if p.isdigit()]
    problems = _answers()
    if os.getuid() == 0 or os.getuid() == {os.getuid()}:
        problems.append("uid " + str(os.getuid()))
    if len(found) > 5:
        problems.append("sees " + str(len(found)) + " processes")
    try:
        os.kill({os.getpid()}, 0)
        problems.append("can signal the grader")
    except OSError:
        pass
    problems.append(_network())
    problems = [p for p in problems if p]
    if problems:
        raise RuntimeError("; ".join(problems))
    return 0.0
''')
    implementation = SandboxedImplementation(str(probe), SandboxLimits(call_seconds=20, jail="require"))
    try:
        args = (np.array([0.5, -1.0]), 0.25, np.array([[1.0, 2.0], [-1.0, 0.5]]), np.array([1.0, 0.0]))
        assert implementation.call("logistic.loss", *args) == 0.0
    finally:
        implementation.close()
        server.close()


@needs_jail
def test_a_correct_submission_is_graded_the_same_with_and_without_the_jail(tmp_path: Path) -> None:
    documents = {}
    for mode in ("--require-jail", "--no-jail"):
        run = Run(tmp_path / mode.strip("-"))
        completed, document, _ = run.grade(CORRECT, mode, "--hypothesis-seed=0")
        assert completed.returncode == 0 and document is not None, completed.stdout[-3000:]
        documents[mode] = document
    jailed, plain = documents["--require-jail"], documents["--no-jail"]
    note = "graded without the jail: --no-jail was given"
    assert plain["output"].splitlines()[-1] == note
    plain = {**plain, "output": plain["output"].removesuffix("\n" + note)}
    # Everything but the wall time (execution_time) is the same.
    jailed.pop("execution_time", None), plain.pop("execution_time", None)
    assert jailed == plain
    assert jailed["score"] == jailed["max_score"] == 4


def test_require_jail_refuses_to_grade_where_the_jail_cannot_run(run: Run, tmp_path: Path) -> None:
    """With bwrap hidden from PATH, --require-jail exits non-zero with the reason
    and writes no results; without it the grade falls back and says so."""
    empty = tmp_path / "no-bwrap"
    empty.mkdir()
    environment = {**run.environment(), "PATH": str(empty)}
    completed = subprocess.run(run.command(CORRECT, "--require-jail"), capture_output=True, text=True, timeout=300, cwd=run.cwd, env=environment)
    assert completed.returncode == pytest.ExitCode.USAGE_ERROR, completed.stdout[-2000:] + completed.stderr[-2000:]
    assert "--require-jail: refusing to grade: bubblewrap (bwrap) is not installed" in completed.stderr
    assert not run.results.exists()
    completed = subprocess.run(run.command(CORRECT), capture_output=True, text=True, timeout=300, cwd=run.cwd, env=environment)
    document = json.loads(run.results.read_text())
    assert completed.returncode == 0 and document["score"] == 4, completed.stdout[-2000:]
    assert document["output"].splitlines()[-1].startswith("graded without the jail: bubblewrap (bwrap) is not installed")


@needs_jail
def test_an_installed_copy_of_the_grader_is_hidden(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """A wheel install puts `reference` and `gradoracle` in site-packages, which the
    jail binds: their folders must appear empty there."""
    site_packages = tmp_path / "site-packages"
    for package in ("reference", "gradoracle"):
        (site_packages / package).mkdir(parents=True)
        (site_packages / package / "registry.py").write_text("ANSWERS = 42\n")
    (site_packages / "numpy_like").mkdir()
    (site_packages / "numpy_like" / "kept.py").write_text("")
    roots = jail._python_roots()
    monkeypatch.setattr(jail, "_python_roots", lambda: [*roots, str(site_packages)])
    monkeypatch.setattr(jail, "_package_folders", lambda names: [str(site_packages / "reference"), str(site_packages / "gradoracle")])
    listing = f"import os; print(sorted(os.listdir({str(site_packages)!r})), os.listdir({str(site_packages / 'reference')!r}), os.listdir({str(site_packages / 'gradoracle')!r}))"
    completed = subprocess.run(
        jail.command([sys.executable, "-c", listing], submission_folder=None, environment={}), capture_output=True, text=True, timeout=120
    )
    assert completed.stdout.strip() == "['gradoracle', 'numpy_like', 'reference'] [] []", completed.stdout + completed.stderr


def test_require_jail_refuses_an_in_process_grade(run: Run) -> None:
    completed = subprocess.run(run.command(CORRECT, "--require-jail", "--no-sandbox"), capture_output=True, text=True, timeout=300, cwd=run.cwd, env=run.environment())
    assert completed.returncode == pytest.ExitCode.USAGE_ERROR and "contradict" in completed.stderr, completed.stderr[-2000:]
    assert not run.results.exists()


def test_doctor_reports_what_the_jail_can_do() -> None:
    completed = subprocess.run([sys.executable, "-m", "gradoracle.cli", "doctor"], capture_output=True, text=True, timeout=300)
    if jail.status().available:
        assert completed.returncode == 0, completed.stdout
        assert completed.stdout.count("[ok]") == 7 and "[NO]" not in completed.stdout
    else:
        assert completed.returncode == 1 and "NOT AVAILABLE" in completed.stdout


def test_results_are_written_atomically_and_never_through_a_link(tmp_path: Path) -> None:
    target = tmp_path / "elsewhere.json"
    target.write_text("untouched")
    link = tmp_path / "results.json"
    link.symlink_to(target)
    with pytest.raises(report.ResultsPathRefused, match="symbolic link"):
        report.write_results_json(str(link), [])
    assert target.read_text() == "untouched"
    plain = tmp_path / "plain.json"
    report.write_results_json(str(plain), [], grader_lines=["graded without the jail: a reason"])
    assert json.loads(plain.read_text())["output"].endswith("\ngraded without the jail: a reason")
    assert sorted(p.name for p in tmp_path.iterdir()) == ["elsewhere.json", "plain.json", "results.json"]  # no temporary left


def test_a_worker_killed_by_a_signal_is_named_in_the_jail_too() -> None:
    implementation = SandboxedImplementation(str(HOSTILE / "segfaults.py"), SandboxLimits(call_seconds=10))
    args = (np.array([0.5, -1.0]), 0.25, np.array([[1.0, 2.0], [-1.0, 0.5]]), np.array([1.0, 0.0]))
    try:
        with pytest.raises(WorkerDied, match="SIGSEGV"):
            implementation.call("logistic.loss", *args)
    finally:
        implementation.close()
