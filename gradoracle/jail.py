"""The jail: the sandboxed worker runs inside bubblewrap (``bwrap``).

bubblewrap gives the worker new user, PID, IPC, UTS, network and mount
namespaces, an unprivileged uid/gid (65534) with no capabilities, and a
read-only root that holds only what the worker needs:

* the Python installation (``sys.base_prefix``, the venv ``sys.prefix``, their
  site-packages) and ``/usr`` with the ``/lib*`` links, all read-only;
* a staged copy of the few ``gradoracle`` modules the worker runs
  (:data:`WORKER_MODULES`), never the checkout nor an installed copy of the
  grader: the grader's own packages (:data:`GRADER_PACKAGES`) are hidden under
  an empty read-only tmpfs wherever they lie inside a bound folder;
* the submission's private copy, read-only;
* a size-limited private tmpfs as ``/tmp``, its home and working folder.

So the worker cannot see or signal the grading process (PID namespace), read
the grader's files or the results path (not mounted), reach the network (a
network namespace with only loopback), or outlive the grade
(``--die-with-parent``: when bwrap goes, the namespace's init goes, and the
kernel kills every process in the namespace with it).

:func:`status` runs a real probe once per process; where bubblewrap is missing
or not permitted the sandbox falls back to the plain worker and the grade says
"graded without the jail: <reason>". :func:`doctor` is ``gradoracle doctor``.
"""

from __future__ import annotations

import atexit
import compileall
import functools
import importlib.util
import os
import shutil
import site
import subprocess
import sys
import sysconfig
import tempfile
import time
from dataclasses import dataclass
from pathlib import Path
from typing import Iterable

__all__ = [
    "JAIL_ROOT",
    "WORKER_MODULES",
    "GRADER_PACKAGES",
    "JailStatus",
    "JailUnavailable",
    "status",
    "command",
    "in_jail_path",
    "doctor",
]

# Modules of gradoracle the worker imports (and only these are staged into the
# jail). Extend this list when a worker-side module is added; a name whose file
# does not exist (yet) is skipped. ``notebook`` reads notebook submissions,
# ``namespaces`` sets up torch/jax array namespaces: both run in the worker.
WORKER_MODULES = ("__init__", "worker", "loading", "seam", "wire", "callables", "notebook", "namespaces")
# Top-level packages of the grader that must be absent from the worker's view.
GRADER_PACKAGES = ("gradoracle", "reference", "properties", "mistakes", "meta_tests", "benchmarks")

JAIL_ROOT = "/gradoracle-jail"
LIB_IN_JAIL = f"{JAIL_ROOT}/lib"
SUBMISSION_IN_JAIL = f"{JAIL_ROOT}/submission"
SCRATCH = "/tmp"
UNPRIVILEGED_ID = 65534  # "nobody" on Debian and most distributions
SCRATCH_BYTES = 64 * 1024**2


class JailUnavailable(RuntimeError):
    """--require-jail was given and the jail cannot run here."""


@dataclass
class JailStatus:
    available: bool
    reason: str = ""  # why not, when not available
    bwrap: str | None = None
    version: str = ""
    start_seconds: float = 0.0  # one probe's wall time (bwrap + Python start)


def _bwrap() -> str | None:
    return shutil.which("bwrap")


# -- staging the worker's modules ------------------------------------------------


@functools.lru_cache(maxsize=None)
def _stage() -> str:
    """A private folder holding ``gradoracle/<WORKER_MODULES>.py``, compiled, for
    this process's jails (removed at exit)."""
    source = Path(__file__).resolve().parent
    root = Path(tempfile.mkdtemp(prefix="gradoracle-jail-lib-"))
    atexit.register(shutil.rmtree, root, True)
    package = root / "gradoracle"
    package.mkdir()
    for name in WORKER_MODULES:
        path = source / f"{name}.py"
        if path.exists():
            shutil.copy2(path, package / path.name)
    # Compiled here, because the worker's view is read-only (no __pycache__ there).
    compileall.compile_dir(str(package), quiet=1, workers=1)
    for path in [root, package, *package.rglob("*")]:
        path.chmod(0o755 if path.is_dir() else 0o644)
    root.chmod(0o755)
    return str(root)


# -- what the worker sees ----------------------------------------------------------


def _python_roots() -> list[str]:
    """Folders of the Python installation the worker needs, outermost only."""
    candidates = {sys.base_prefix, sys.prefix, sys.exec_prefix, sys.base_exec_prefix}
    candidates.update(site.getsitepackages() if hasattr(site, "getsitepackages") else [])
    for key in ("stdlib", "platstdlib", "purelib", "platlib"):
        candidates.add(sysconfig.get_path(key))
    candidates.add(str(Path(sys.executable).parent))
    candidates.add(str(Path(os.path.realpath(sys.executable)).parent))
    if site.ENABLE_USER_SITE and site.USER_SITE and os.path.isdir(site.USER_SITE):
        candidates.add(site.USER_SITE)
    real = sorted({os.path.realpath(c) for c in candidates if c and os.path.isdir(c)} | {c for c in candidates if c and os.path.isdir(c)})
    outermost: list[str] = []
    for path in real:
        if path.startswith("/usr/") or path == "/usr":
            continue  # /usr is bound as a whole
        if not any(path == o or path.startswith(o.rstrip("/") + "/") for o in outermost):
            outermost.append(path)
    return outermost


def _package_folders(names: Iterable[str]) -> list[str]:
    folders: list[str] = []
    for name in names:
        try:
            spec = importlib.util.find_spec(name)
        except (ImportError, ValueError):
            spec = None
        if spec is None:
            continue
        locations = list(spec.submodule_search_locations or [])
        if not locations and spec.origin:
            locations = [spec.origin]
        folders.extend(os.path.realpath(p) for p in locations)
    return folders


def _hidden_inside(roots: list[str]) -> list[str]:
    """Grader packages (and their metadata-free copies) that lie inside a bound
    folder, e.g. a wheel install in site-packages: each is covered by an empty
    read-only tmpfs."""
    hide = []
    for folder in _package_folders(GRADER_PACKAGES):
        for root in roots:
            real_root = os.path.realpath(root)
            if folder == real_root or folder.startswith(real_root.rstrip("/") + "/"):
                hide.append(root.rstrip("/") + folder[len(real_root):])
    return sorted(set(hide))


def _system_binds() -> list[str]:
    args = ["--ro-bind", "/usr", "/usr"]
    for name in ("lib", "lib32", "lib64", "libx32", "bin", "sbin"):
        path = Path("/") / name
        if path.is_symlink():
            args += ["--symlink", os.readlink(path), str(path)]
        elif path.is_dir():
            args += ["--ro-bind", str(path), str(path)]
    # The dynamic linker's cache: libraries outside the default paths (BLAS, libgomp).
    for name in ("/etc/ld.so.cache", "/etc/ld.so.conf", "/etc/ld.so.conf.d", "/etc/alternatives"):
        if os.path.exists(name):
            args += ["--ro-bind", name, name]
    return args


def in_jail_path(host_submission_folder: str, host_path: str) -> str:
    """Where ``host_path`` (inside the submission's private folder) appears in the jail."""
    relative = os.path.relpath(host_path, host_submission_folder)
    return SUBMISSION_IN_JAIL if relative == "." else f"{SUBMISSION_IN_JAIL}/{relative}"


def command(
    argv: list[str],
    *,
    submission_folder: str | None,
    environment: dict[str, str],
    scratch_bytes: int = SCRATCH_BYTES,
    module_paths: list[str] | tuple[str, ...] = (),
) -> list[str]:
    """The bwrap command that runs ``argv`` (a Python command) in the jail.

    ``submission_folder`` (the private copy) is mounted read-only at
    ``/gradoracle-jail/submission``; ``environment`` is the worker's whole
    environment (bwrap starts from an empty one); PYTHONPATH is set to the
    staged worker modules, then ``module_paths``: the folders a submission
    named as a module (``--impl NAME``) is imported from, each mounted
    read-only at its own path."""
    bwrap = _bwrap()
    if bwrap is None:
        raise JailUnavailable("bwrap is not installed")
    roots = _python_roots()
    args = [
        bwrap,
        "--unshare-all",  # PID, IPC, UTS, network, cgroup and mount namespaces
        "--unshare-user",  # --unshare-all only tries the user namespace; require it
        "--uid", str(UNPRIVILEGED_ID), "--gid", str(UNPRIVILEGED_ID),
        "--disable-userns",  # no nested user namespace to regain privileges in
        "--cap-drop", "ALL",
        "--die-with-parent",
        "--new-session",  # no TIOCSTI into the grader's terminal
        "--hostname", "gradoracle-jail",
        *_system_binds(),
        # The scratch tmpfs first: a Python installed under /tmp stays visible on top of it.
        "--size", str(int(scratch_bytes)), "--tmpfs", SCRATCH,
    ]
    for root in roots:
        args += ["--ro-bind", root, root]
    for hidden in _hidden_inside([*roots, "/usr"]):
        if os.path.isdir(hidden):
            args += ["--tmpfs", hidden, "--remount-ro", hidden]
        else:  # a single-file module
            args += ["--ro-bind", "/dev/null", hidden]
    args += ["--ro-bind", _stage(), LIB_IN_JAIL]
    if submission_folder is not None:
        args += ["--ro-bind", submission_folder, SUBMISSION_IN_JAIL]
    module_paths = [p for p in dict.fromkeys(module_paths) if os.path.isdir(p)]
    for folder in module_paths:
        args += ["--ro-bind", folder, folder]
    args += [
        "--proc", "/proc",
        "--dev", "/dev",
        "--remount-ro", "/",  # the root tmpfs holds only mount points: nothing to write there
        "--chdir", SCRATCH,
        "--clearenv",
    ]
    env = dict(environment)
    env.update(PYTHONPATH=os.pathsep.join([LIB_IN_JAIL, *module_paths]), HOME=SCRATCH, TMPDIR=SCRATCH, PYTHONDONTWRITEBYTECODE="1")
    env.setdefault("PATH", "/usr/local/bin:/usr/bin:/bin")
    for key, value in sorted(env.items()):
        args += ["--setenv", key, value]
    return args + ["--", *argv]


# -- probing -------------------------------------------------------------------------


def _run_in_jail(code: str, timeout: float = 60.0) -> subprocess.CompletedProcess[str]:
    argv = [sys.executable, "-c", code]
    return subprocess.run(
        command(argv, submission_folder=None, environment={"LANG": "C.UTF-8"}),
        stdin=subprocess.DEVNULL,
        capture_output=True,
        text=True,
        timeout=timeout,
    )


_status: JailStatus | None = None


def status() -> JailStatus:
    """Can the jail run here? One real probe per process (a Python start in the jail)."""
    global _status
    if _status is None:
        _status = _probe()
    return _status


def _probe() -> JailStatus:
    bwrap = _bwrap()
    if bwrap is None:
        return JailStatus(False, "bubblewrap (bwrap) is not installed; install it with `apt-get install bubblewrap`")
    try:
        version = subprocess.run([bwrap, "--version"], capture_output=True, text=True, timeout=30).stdout.strip()
    except (OSError, subprocess.TimeoutExpired) as exc:
        return JailStatus(False, f"bwrap does not run: {exc}", bwrap)
    started = time.monotonic()
    try:
        probe = _run_in_jail("import gradoracle.worker, numpy, os; print(os.getuid())")
    except (OSError, subprocess.TimeoutExpired, JailUnavailable) as exc:
        return JailStatus(False, f"bwrap could not start a jail: {exc}", bwrap, version)
    seconds = time.monotonic() - started
    if probe.returncode != 0 or probe.stdout.strip() != str(UNPRIVILEGED_ID):
        detail = (probe.stderr.strip().splitlines() or ["no message"])[-1]
        return JailStatus(False, f"bwrap is not permitted to build the jail here ({detail})", bwrap, version, seconds)
    return JailStatus(True, "", bwrap, version, seconds)


_DOCTOR_CHECKS = [
    # (what, Python run in the jail that prints OK when the jail does it)
    ("runs as an unprivileged user (uid 65534)", "import os; print('OK' if os.getuid() == 65534 else os.getuid())"),
    ("sees only its own processes (PID namespace)", "import os; print('OK' if {int(p) for p in os.listdir('/proc') if p.isdigit()} <= {1, 2, 3} else os.listdir('/proc'))"),
    ("cannot reach the network", "import socket\ntry:\n    socket.create_connection(('1.1.1.1', 53), timeout=3); print('connected')\nexcept OSError: print('OK')"),
    ("cannot import the grader's reference answers", "import importlib.util as u\nprint('OK' if u.find_spec('reference') is None or u.find_spec('reference.registry') is None else 'importable')"),
    ("cannot read the grader's files", f"import os; print('OK' if not os.path.exists({str(Path(__file__).resolve().parent.parent)!r} + '/reference') else 'visible')"),
    ("has a size-limited private /tmp", "import os; s = os.statvfs('/tmp'); print('OK' if s.f_blocks * s.f_frsize <= 256 * 1024**2 else s.f_blocks * s.f_frsize)"),
    ("cannot write outside /tmp", "import os\ntry:\n    open('/usr/gradoracle-probe', 'w'); print('wrote')\nexcept OSError: print('OK')"),
]


def doctor(out: "object" = None) -> int:
    """``gradoracle doctor``: what the jail can and cannot do on this machine.
    Returns 0 when the jail works, 1 when grading would fall back to the plain worker."""
    stream = out or sys.stdout
    found = status()
    write = lambda line: print(line, file=stream)  # noqa: E731
    write(f"bwrap: {found.bwrap or 'not found'}{'  (' + found.version + ')' if found.version else ''}")
    if not found.available:
        write(f"jail: NOT AVAILABLE — {found.reason}")
        write("grading falls back to the plain worker and says 'graded without the jail' in every report;")
        write("--require-jail refuses to grade instead.")
        return 1
    write(f"jail: available (one jailed Python start took {found.start_seconds * 1000:.0f} ms)")
    failures = 0
    for what, code in _DOCTOR_CHECKS:
        try:
            result = _run_in_jail(code)
            answer = result.stdout.strip() or (result.stderr.strip().splitlines() or ["no output"])[-1]
        except (OSError, subprocess.TimeoutExpired) as exc:
            answer = str(exc)
        ok = answer == "OK"
        failures += not ok
        write(f"  [{'ok' if ok else 'NO'}] the worker {what}" + ("" if ok else f": {answer}"))
    return 0 if failures == 0 else 1
