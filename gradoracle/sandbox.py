"""Running a submission in a separate, limited worker process.

The grading process never imports the submission. It starts
``python -m gradoracle.worker`` in a new session with limits on address space,
file size and core dumps, sends it plain data (:mod:`gradoracle.wire`) and
checks every reply itself (:func:`gradoracle.seam.check`). A call that outlives
its time limit, a worker that dies (``os._exit``, a segfault, the memory limit)
or a reply that cannot be read fails that call with a plain reason; the worker
is killed with everything it started and a fresh one serves the next call.

Where bubblewrap works, the worker runs in the jail (:mod:`gradoracle.jail`):
its own namespaces, an unprivileged uid, a read-only view of only Python and
the submission's private copy. Elsewhere it runs as the plain worker, and the
grade says so. The grading process makes itself a *child subreaper*, so a
plain worker's double-forked daemon is reparented to it and killed with the
worker instead of outliving the grade.

Time budgets bound a whole grade: besides the per-call limit, the time spent
waiting for the worker is charged to the formula whose property is running
(:meth:`SandboxedImplementation.running`) and to the submission; past either
budget every further call fails at once with "too slow".
"""

from __future__ import annotations

import ctypes
import json
import fcntl
import os
import resource
import select
import shutil
import signal
import subprocess
import sys
import tempfile
import time
import weakref
from pathlib import Path
from typing import Any, Callable

from gradoracle import jail, seam, wire
from gradoracle.submission import Implementation, SubmissionImportError
from reference import registry

__all__ = ["SandboxedImplementation", "SandboxLimits", "WorkerDied", "CallTimedOut", "TooSlow", "evaluate_batched"]

PR_SET_CHILD_SUBREAPER = 36

# Live sandboxes, and the calls being recorded for one batched round trip.
_LIVE: "weakref.WeakSet[SandboxedImplementation]" = weakref.WeakSet()
_RECORDING: list[tuple["SandboxedImplementation", str, tuple, tuple[Any, ...]]] | None = None


def evaluate_batched(f: Callable[[Any], Any], points: list[Any]) -> list[Any]:
    """``[f(p) for p in points]``, with the sandboxed calls ``f`` makes sent in
    one round trip instead of one each.

    First pass: every sandboxed call is recorded and answered by the reference
    (so ``f`` can finish); the recorded calls then go to the worker together;
    second pass: ``f`` runs again and its calls are served from those results.
    A call the first pass did not foresee is simply made directly.
    """
    global _RECORDING
    if not _LIVE or _RECORDING is not None or len(points) < 2:
        return [f(p) for p in points]
    _RECORDING = []
    try:
        for point in points:
            try:
                f(point)
            except Exception:  # the stand-in results misled f: its real calls go directly
                pass
        recorded = _RECORDING
    finally:
        _RECORDING = None
    by_sandbox: dict[int, list[tuple[str, tuple, tuple[Any, ...]]]] = {}
    owners: dict[int, SandboxedImplementation] = {}
    for sandbox, formula_id, args, key in recorded:
        by_sandbox.setdefault(id(sandbox), []).append((formula_id, args, key))
        owners[id(sandbox)] = sandbox
    for ident, calls in by_sandbox.items():
        owners[ident]._prefetch(calls)
    return [f(p) for p in points]


class WorkerDied(seam.SubmissionFault):
    pass


class CallTimedOut(seam.SubmissionFault):
    pass


class TooSlow(seam.SubmissionFault):
    """A formula's (or the whole submission's) time budget is spent."""


class SandboxLimits:
    """Per-call wall time and the worker's resources.

    The time limit is generous (a correct formula on the suite's small inputs
    takes milliseconds) so that a loaded machine never turns a slow correct
    submission into a failure; it only stops submissions that hang.

    The budgets bound a whole grade: ``formula_seconds`` of waiting for the
    worker while one formula's properties run, ``submission_seconds`` in all
    (per grading process: each xdist worker has its own sandbox). ``jail`` is
    "auto" (the jail where bubblewrap works, else the plain worker), "require"
    (refuse to start without it) or "off".
    """

    def __init__(
        self,
        call_seconds: float = 20.0,
        memory_bytes: int = 4 * 1024**3,
        file_bytes: int = 64 * 1024**2,
        *,
        formula_seconds: float = 60.0,
        submission_seconds: float = 900.0,
        jail: str = "auto",
    ) -> None:
        if jail not in ("auto", "require", "off"):
            raise ValueError(f"jail must be 'auto', 'require' or 'off', not {jail!r}")
        self.call_seconds = call_seconds
        self.memory_bytes = memory_bytes
        self.file_bytes = file_bytes
        self.formula_seconds = formula_seconds
        self.submission_seconds = submission_seconds
        self.jail = jail


def _widen_pipe(descriptor: int) -> None:
    """Let one write hold a whole message of arrays (an initializer's 16k samples
    are ~200 kB as JSON); the default 64 kB pipe splits it into several context
    switches between the two processes."""
    try:
        fcntl.fcntl(descriptor, fcntl.F_SETPIPE_SZ, 1 << 20)
    except (OSError, AttributeError):  # not Linux, or above /proc/sys/fs/pipe-max-size
        pass


def _become_subreaper() -> None:
    try:
        libc = ctypes.CDLL(None, use_errno=True)
        libc.prctl(PR_SET_CHILD_SUBREAPER, 1, 0, 0, 0)
    except (OSError, AttributeError):  # not Linux: orphans go to init instead
        pass


def _processes() -> list[tuple[int, int, int]]:
    """(pid, parent pid, session id) of every process, from /proc."""
    table = []
    proc = Path("/proc")
    if not proc.exists():
        return table
    for entry in proc.iterdir():
        if not entry.name.isdigit():
            continue
        try:
            stat = (entry / "stat").read_text()
        except OSError:
            continue
        # The command name is in parentheses and may contain spaces: parse after it.
        fields = stat[stat.rfind(")") + 2 :].split()
        if len(fields) > 3:
            table.append((int(entry.name), int(fields[1]), int(fields[3])))
    return table


class SandboxedImplementation(Implementation):
    """An implementation whose functions run in a sandboxed worker process."""

    def __init__(
        self,
        spec: str,
        limits: SandboxLimits | None = None,
        *,
        bindings: dict[str, dict[str, Any]] | None = None,
        array_namespace: str | None = None,
        dtype: str = "float64",
    ) -> None:
        super().__init__(spec, {})
        self.spec = spec
        self.limits = limits or SandboxLimits()
        # What the worker's hello carries besides the submission: an assignment's
        # bindings (see gradoracle.loading.lookup_formulas), and the array
        # namespace and dtype the functions are called with.
        self.bindings = bindings or {}
        self.array_namespace = array_namespace
        self.dtype = dtype
        self.formula_ids = registry.ids()
        # Jailed, or why not (said in the grade: "graded without the jail: ...").
        self.jailed, self.jail_problem = _jail_decision(self.limits.jail)
        self._workdir = Path(tempfile.mkdtemp(prefix="gradoracle-sandbox-"))
        self._target = self._private_copy(spec)
        self._process: subprocess.Popen[bytes] | None = None
        self._to_worker: int | None = None
        self._from_worker: int | None = None
        self._provided: set[str] = set()
        self._hung: dict[str, str] = {}
        self.restarts = 0
        self._known_children: set[int] = set()
        self._prefetched: dict[str, dict[str, Any]] = {}
        # Time budgets: seconds spent waiting for the worker, per formula whose
        # properties were running, and in all.
        self._running_formula: str | None = None
        self._spent_by_formula: dict[str, float] = {}
        self._spent = 0.0
        _become_subreaper()
        self._start()
        _LIVE.add(self)

    # -- the worker's life ---------------------------------------------------------
    def _private_copy(self, spec: str) -> str:
        """Copy a file or folder submission into the sandbox's own folder, so the
        submission cannot rewrite the original it was graded from. A file
        submission gets only its file and a folder submission only its folder:
        never a classmate's file that lies beside it."""
        path = Path(spec).expanduser()
        if not path.exists():
            return spec  # a module name (or a bad path: the worker reports it)
        destination = self._workdir / "submission"
        if path.is_dir():
            shutil.copytree(path, destination / path.name, symlinks=False, ignore=shutil.ignore_patterns("__pycache__"))
            target = destination / path.name
        else:
            destination.mkdir()
            shutil.copy2(path, destination / path.name)
            target = destination / path.name
        # The jailed worker (another uid) reads the copy; nobody writes it.
        for item in [self._workdir, destination, *destination.rglob("*")]:
            item.chmod(0o755 if item.is_dir() else 0o644)
        return str(target)

    def _worker_target(self) -> str:
        """The submission's path as the worker sees it."""
        folder = self._workdir / "submission"
        if self.jailed and os.path.isabs(self._target) and self._target.startswith(str(folder)):
            return jail.in_jail_path(str(folder), self._target)
        return self._target

    def _limit_child(self) -> None:  # runs in the child between fork and exec
        resource.setrlimit(resource.RLIMIT_AS, (self.limits.memory_bytes, self.limits.memory_bytes))
        resource.setrlimit(resource.RLIMIT_FSIZE, (self.limits.file_bytes, self.limits.file_bytes))
        resource.setrlimit(resource.RLIMIT_CORE, (0, 0))

    def _start(self) -> None:
        parent_read, child_write = os.pipe()
        child_read, parent_write = os.pipe()
        for descriptor in (parent_read, child_read):
            _widen_pipe(descriptor)
        env = {
            key: value
            for key, value in os.environ.items()
            if key in ("PATH", "HOME", "LANG", "LC_ALL", "PYTHONPATH", "VIRTUAL_ENV", "SYSTEMROOT")
        }
        # One BLAS thread: the worker shares the machine with xdist and other
        # graders, and threaded BLAS would reserve memory under the AS limit.
        env.update(OPENBLAS_NUM_THREADS="1", OMP_NUM_THREADS="1", MKL_NUM_THREADS="1", PYTHONHASHSEED="0")
        # A module named by --impl is imported as `python -c "import NAME"` would in
        # the grader's folder: that folder, then PYTHONPATH made absolute (the
        # worker runs in its own folder). A file submission gets its private copy's folder.
        user_path = [os.path.abspath(p) for p in env.get("PYTHONPATH", "").split(os.pathsep) if p]
        if self._target == self.spec and not Path(self.spec).expanduser().exists():
            user_path.insert(0, os.getcwd())
        argv = [sys.executable, "-m", "gradoracle.worker", str(child_read), str(child_write)]
        if self.jailed:
            submission = self._workdir / "submission"
            env.pop("PYTHONPATH", None)  # the jail's PYTHONPATH holds only the staged worker modules (and user_path)
            env.pop("VIRTUAL_ENV", None)
            argv = jail.command(
                argv,
                submission_folder=str(submission) if submission.exists() else None,
                environment=env,
                module_paths=user_path,
            )
            cwd = "/"
        else:
            env["PYTHONPATH"] = os.pathsep.join(dict.fromkeys([_project_root(), *user_path]))
            cwd = str(self._workdir)
        self._known_children = {pid for pid, parent, _ in _processes() if parent == os.getpid()}
        self._process = subprocess.Popen(
            argv,
            pass_fds=(child_read, child_write),
            stdin=subprocess.DEVNULL,
            stdout=subprocess.DEVNULL,
            stderr=subprocess.DEVNULL,
            cwd=cwd,
            env=env,
            start_new_session=True,
            preexec_fn=self._limit_child,
        )
        os.close(child_read)
        os.close(child_write)
        self._to_worker, self._from_worker = parent_write, parent_read
        hello = {
            "spec": self._worker_target(),
            "formula_ids": self.formula_ids,
            "bindings": self.bindings,
            "array_namespace": self.array_namespace,
            "dtype": self.dtype,
        }
        wire.send(self._to_worker, hello)
        hello = self._await_reply(
            timeout=max(60.0, self.limits.call_seconds), doing="importing the submission", budget=HELLO_REPLY_BYTES
        )
        if "import_error" in hello:
            self.close()
            raise SubmissionImportError(str(hello["import_error"]).replace(self._worker_target(), self.spec).replace(self._target, self.spec))
        self._provided = set(hello["provides"])
        self.functions = {formula_id: None for formula_id in self._provided}  # type: ignore[misc]

    def _kill(self) -> None:
        process = self._process
        if process is not None:
            try:
                os.killpg(process.pid, signal.SIGKILL)
            except (ProcessLookupError, PermissionError):
                pass
            try:
                process.wait(timeout=5)
            except subprocess.TimeoutExpired:
                pass
        # Whatever the submission started dies too (the jail's PID namespace does
        # this by itself): processes still in the worker's session, orphans
        # reparented to us (we are a subreaper) that we did not start ourselves,
        # and every descendant of those, round after round, since a killed
        # parent's children are reparented to us only once it is gone (a
        # double-forked, setsid daemon whose own parent stays alive).
        if process is not None:
            me = os.getpid()
            for _ in range(20):
                table = _processes()
                strays = {
                    pid
                    for pid, parent, session in table
                    if pid != me and (session == process.pid or (parent == me and pid not in self._known_children))
                }
                grew = True
                while grew:
                    more = {pid for pid, parent, _ in table if parent in strays and pid != me} - strays
                    strays |= more
                    grew = bool(more)
                if not strays:
                    break
                for pid in strays:
                    try:
                        os.kill(pid, signal.SIGKILL)
                    except (ProcessLookupError, PermissionError):
                        pass
                for pid, parent, _ in table:
                    if pid in strays and parent == me:
                        try:
                            os.waitpid(pid, 0)
                        except ChildProcessError:
                            pass
                time.sleep(0.01)  # let the kernel reparent the orphans of what was killed
        for fd in (self._to_worker, self._from_worker):
            if fd is not None:
                try:
                    os.close(fd)
                except OSError:
                    pass
        self._process, self._to_worker, self._from_worker = None, None, None
        self._prefetched = {}

    def close(self) -> None:
        self._kill()
        shutil.rmtree(self._workdir, ignore_errors=True)

    def __del__(self) -> None:  # pragma: no cover - best effort at interpreter exit
        try:
            self._kill()
        except Exception:
            pass

    # -- calls -------------------------------------------------------------------
    def provides(self, formula_id: str) -> bool:
        return formula_id in self._provided

    # -- time budgets -------------------------------------------------------------
    def running(self, formula_id: str | None) -> None:
        """Charge the time of the calls that follow to ``formula_id``'s budget
        (the plugin calls this as each property starts)."""
        self._running_formula = formula_id

    def _budget_left(self, formula_id: str | None) -> tuple[float, str]:
        """Seconds left before a budget runs out, and what "too slow" then says."""
        left = self.limits.submission_seconds - self._spent
        why = f"too slow: the submission's calls took more than {self.limits.submission_seconds:g} s in all (the time budget per submission)"
        charged = self._running_formula or formula_id
        if charged is not None:
            formula_left = self.limits.formula_seconds - self._spent_by_formula.get(charged, 0.0)
            if formula_left < left:
                left = formula_left
                why = f"too slow: its properties took more than {self.limits.formula_seconds:g} s (the time budget per formula)"
        return left, why

    def _charge(self, formula_id: str | None, seconds: float) -> None:
        self._spent += seconds
        charged = self._running_formula or formula_id
        if charged is not None:
            self._spent_by_formula[charged] = self._spent_by_formula.get(charged, 0.0) + seconds

    def _await_reply(
        self, *, timeout: float, doing: str, budget: int = wire.MAX_FRAME, formula_id: str | None = None
    ) -> dict[str, Any]:
        assert self._from_worker is not None
        left, too_slow = self._budget_left(formula_id)
        if left <= 0:
            self._kill()  # the worker may be in the middle of a call nobody waits for
            raise TooSlow(too_slow)
        started = time.monotonic()
        deadline = started + min(timeout, left)
        try:
            while True:
                remaining = deadline - time.monotonic()
                if remaining <= 0:
                    self._kill()
                    if left < timeout:
                        raise TooSlow(too_slow)
                    raise CallTimedOut(f"did not finish {doing} within {timeout:g} s (the time limit per call)")
                ready, _, _ = select.select([self._from_worker], [], [], remaining)
                if ready:
                    break
        finally:
            self._charge(formula_id, time.monotonic() - started)
        try:
            return wire.receive(self._from_worker, budget=budget)
        except (EOFError, OSError, wire.FrameTooLarge, ValueError, RecursionError) as exc:
            reason = self._death_reason()
            self._kill()
            if isinstance(exc, wire.FrameTooLarge):
                raise WorkerDied(f"returned a result too large to accept while {doing} ({exc})") from None
            raise WorkerDied(f"ended the process running it while {doing} ({reason})") from None

    def _death_reason(self) -> str:
        process = self._process
        if process is None:
            return "no worker"
        try:
            code = process.wait(timeout=2)
        except subprocess.TimeoutExpired:
            return "the worker stopped answering"
        if self.jailed and code > 128:  # bwrap exits with 128 + the signal that killed the worker
            code = 128 - code
        if code < 0:
            try:
                name = signal.Signals(-code).name
            except ValueError:
                name = f"signal {-code}"
            hints = {
                "SIGKILL": " — likely the memory limit",
                "SIGXFSZ": " — it wrote more than the file-size limit",
                "SIGSEGV": " — a segmentation fault",
            }
            hint = hints.get(name, "")
            return f"killed by {name}{hint}"
        return f"exit status {code}: it called os._exit or exited the interpreter"

    @staticmethod
    def _key(formula_id: str, encoded_args: list[Any]) -> tuple[Any, ...]:
        """Identifies a call exactly: the JSON of its encoded arguments, with each
        array's raw buffer (a ``wire._Raw``, which JSON cannot encode) replaced by
        its index and the buffers' bytes appended. Equal keys are equal calls,
        byte for byte (no digest, so no collision can serve a wrong reply)."""
        buffers: list[bytes] = []

        def raw_buffer(value: Any) -> Any:
            if isinstance(value, wire._Raw):
                buffers.append(value.data)
                return {"__raw__": len(buffers) - 1}
            raise TypeError(f"cannot key a call on a {type(value).__name__}")

        return (formula_id, json.dumps(encoded_args, sort_keys=True, default=raw_buffer), *buffers)

    def call(self, formula_id: str, *args: Any) -> Any:
        encoded = [wire.encode(a) for a in args]
        if _RECORDING is not None:
            from gradoracle.submission import reference_implementation

            _RECORDING.append((self, formula_id, args, self._key(formula_id, encoded)))
            return reference_implementation().call(formula_id, *args)
        reply = self._prefetched.pop(self._key(formula_id, encoded), None) if self._prefetched else None
        if reply is None:
            reply = self._round_trip(formula_id, encoded, args)
        return self._check_reply(formula_id, args, reply)

    def _round_trip(self, formula_id: str, encoded: list[Any], args: tuple = ()) -> dict[str, Any]:
        if formula_id in self._hung:
            raise CallTimedOut(f"{formula_id} {self._hung[formula_id]} (an earlier call; not retried)")
        left, too_slow = self._budget_left(formula_id)
        if left <= 0:
            raise TooSlow(f"{formula_id} {too_slow}")
        if self._process is None:
            self.restarts += 1
            self._start()
        try:
            wire.send(self._to_worker, {"op": "call", "formula": formula_id, "args": encoded})  # type: ignore[arg-type]
        except OSError:
            self._kill()
            raise WorkerDied(f"{formula_id}: the process running the submission was gone") from None
        return self._await_call(formula_id, args)

    def _await_call(self, formula_id: str, args: tuple = ()) -> dict[str, Any]:
        try:
            return self._await_reply(
                timeout=self.limits.call_seconds,
                doing=f"computing {formula_id}",
                budget=reply_budget(formula_id, args),
                formula_id=formula_id,
            )
        except TooSlow as exc:
            raise TooSlow(f"{formula_id} {exc}") from None
        except CallTimedOut as exc:
            self._hung[formula_id] = str(exc)
            raise CallTimedOut(f"{formula_id} {exc}") from None
        except WorkerDied as exc:
            raise WorkerDied(f"{formula_id} {exc}") from None

    def _prefetch(self, calls: list[tuple[str, tuple, tuple[Any, ...]]]) -> None:
        """Send ``calls`` at once; the worker answers each in turn. A fault stops
        the batch: the calls left unanswered are made again, one by one, later."""
        calls = [c for c in calls if c[0] not in self._hung]
        if not calls:
            return
        if self._process is None:
            self.restarts += 1
            self._start()
        batch = [{"formula": formula_id, "args": [wire.encode(a) for a in args]} for formula_id, args, _ in calls]
        try:
            wire.send(self._to_worker, {"op": "call_many", "calls": batch})  # type: ignore[arg-type]
            for formula_id, args, key in calls:
                self._prefetched[key] = self._await_call(formula_id, args)
        except (seam.SubmissionFault, OSError):
            pass  # the direct calls of the second pass report it

    def _check_reply(self, formula_id: str, args: tuple, reply: dict[str, Any]) -> Any:
        raised = reply.get("raised")
        outcome = seam.Outcome(
            result=wire.decode(reply.get("result")),
            raised=tuple(raised) if raised else None,  # type: ignore[arg-type]
            raised_bases=tuple(str(b) for b in reply.get("raised_bases", [])),
            mutated_position=reply.get("mutated_position"),
            warnings=[str(w) for w in reply.get("warnings", [])],
        )
        return seam.check(formula_id, outcome, args, registry.get(formula_id).reference)


# The hello's reply names the formulas provided: a few kB.
HELLO_REPLY_BYTES = 1024**2
# Room in any reply for its JSON keys, an exception's text and traceback, warnings.
REPLY_OVERHEAD_BYTES = 1024**2
# Per number of the expected result: 16 bytes (complex128) as a buffer, or ~32
# characters as JSON text (a list of floats), with room to spare.
REPLY_BYTES_PER_NUMBER = 64


def reply_budget(formula_id: str, args: tuple) -> int:
    """The largest reply a call can need: a fixed allowance plus a few bytes per
    number of the reference's result on these arguments' shapes (cached per
    shape by :func:`gradoracle.seam.expected_structure`). A larger reply is
    refused from its length prefix, before anything is allocated for it."""
    numbers = 0
    try:
        structure = seam.expected_structure(formula_id, registry.get(formula_id).reference, args)
    except Exception:
        structure = None
    if structure is not None:
        leaves = list(structure) if isinstance(structure, tuple) else [structure]
        while leaves:
            leaf = leaves.pop()
            if isinstance(leaf, tuple):
                leaves.extend(leaf)
            else:
                count = 1
                for n in leaf.shape:
                    count *= int(n)
                numbers += count
    return min(wire.MAX_FRAME, REPLY_OVERHEAD_BYTES + REPLY_BYTES_PER_NUMBER * numbers)


def _jail_decision(mode: str) -> tuple[bool, str]:
    """(jailed?, why not): "require" raises :class:`jail.JailUnavailable` instead of falling back."""
    if mode == "off":
        return False, "--no-jail was given"
    found = jail.status()
    if found.available:
        return True, ""
    if mode == "require":
        raise jail.JailUnavailable(f"--require-jail: the jail cannot run here: {found.reason}")
    return False, found.reason


def _project_root() -> str:
    """Where ``gradoracle`` is importable from, for the worker's PYTHONPATH."""
    return str(Path(__file__).resolve().parent.parent)
