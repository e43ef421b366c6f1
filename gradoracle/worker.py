"""The sandboxed worker: imports a submission and calls its formulas on request.

Started by :mod:`gradoracle.sandbox` as ``python -m gradoracle.worker READ_FD WRITE_FD``
in a session of its own, with resource limits set before ``exec``. It speaks
:mod:`gradoracle.wire` over two inherited pipe descriptors, so a submission
that prints cannot confuse the channel.
Its stdout and stderr go to a private file that is measured and emptied after
each call. Only :func:`gradoracle.seam.invoke` runs here: every check of a result runs in
the grading process.
"""

from __future__ import annotations

import os
import sys
from typing import Any


# A formula that prints more than this in one call is abusing the grader's
# disk and the student's report; short debug prints are fine.
OUTPUT_LIMIT_BYTES = 1024 * 1024


def _capture_output() -> None:
    """Send fds 1 and 2 to one private file, measured and emptied after each call."""
    log = os.open("worker-output.log", os.O_RDWR | os.O_CREAT | os.O_TRUNC, 0o600)
    os.dup2(log, 1)
    os.dup2(log, 2)
    os.close(log)


def _output_written() -> int:
    for stream in (sys.stdout, sys.stderr):
        try:
            stream.flush()
        except Exception:
            pass
    size = os.fstat(1).st_size
    os.ftruncate(1, 0)
    os.lseek(1, 0, os.SEEK_SET)
    return size


def _child_pids(own_pid: int) -> list[int]:
    """This process's children, from each thread's /proc children file (cheap),
    or from a scan of /proc where that file does not exist."""
    try:
        pids: list[int] = []
        for tid in os.listdir("/proc/self/task"):
            with open(f"/proc/self/task/{tid}/children") as handle:
                pids.extend(int(p) for p in handle.read().split())
        return pids
    except OSError:
        pass
    pids = []
    for name in os.listdir("/proc") if os.path.isdir("/proc") else []:
        if not name.isdigit():
            continue
        try:
            with open(f"/proc/{name}/stat") as handle:
                stat = handle.read()
        except OSError:
            continue
        fields = stat[stat.rfind(")") + 2 :].split()
        if len(fields) > 1 and int(fields[1]) == own_pid:
            pids.append(int(name))
    return pids


def _reap_children(own_pid: int) -> int:
    """Kill and count the processes a call left behind (forked children)."""
    import signal

    count = 0
    for pid in _child_pids(own_pid):
        count += 1
        try:
            os.kill(pid, signal.SIGKILL)
            os.waitpid(pid, 0)
        except OSError:
            pass
    while True:  # reap, including children that had already exited
        try:
            pid, _ = os.waitpid(-1, os.WNOHANG)
        except ChildProcessError:
            break
        if pid == 0:
            break
        count = max(count, 1)
    return count


def serve(read_fd: int, write_fd: int) -> None:
    from gradoracle import seam, wire  # noqa: F401  (seam loaded before the submission can shadow it)
    from gradoracle.loading import SubmissionImportError, import_submission, lookup_formulas

    own_pid = os.getpid()
    hello = wire.receive(read_fd)
    functions: dict[str, Any] = {}
    try:
        module = import_submission(hello["spec"])
        # The hello names the formulas to look up and, optionally, an assignment's
        # ``bindings`` (student names and argument orders) and the array namespace
        # and dtype the functions are to be called with (see gradoracle.sandbox).
        functions = lookup_formulas(module, list(hello["formula_ids"]), hello.get("bindings"))
        if os.getpid() == own_pid:
            # Processes the submission started at import are not any call's doing:
            # end them now rather than blame the first call for them.
            _reap_children(own_pid)
        functions = _in_namespace(functions, hello.get("array_namespace"), hello.get("dtype") or "float64")
        wire.send(write_fd, {"provides": sorted(functions)})
    except SubmissionImportError as exc:
        wire.send(write_fd, {"import_error": str(exc)})
        return
    except ValueError as exc:  # gradoracle.namespaces.NamespaceError: the grader's setting, not the submission
        wire.send(write_fd, {"import_error": f"cannot grade in the asked array namespace and dtype: {exc}"})
        return
    if os.getpid() != own_pid:  # the submission forked at import: the child must not speak
        os._exit(0)

    while True:
        try:
            request = wire.receive(read_fd)
        except EOFError:
            return
        if request.get("op") == "stop":
            return
        # One call, or a batch answered call by call (so the grader can time each).
        calls = request["calls"] if request.get("op") == "call_many" else [request]
        for call in calls:
            _answer(call, functions, own_pid, write_fd)


def _in_namespace(functions: dict[str, Any], array_namespace: str | None, dtype: str) -> dict[str, Any]:
    """The functions called with ``array_namespace``'s arrays of ``dtype`` (see gradoracle.namespaces)."""
    from gradoracle.namespaces import adapt_function

    return {
        formula_id: adapt_function(fn, formula_id, array_namespace=array_namespace, dtype=dtype)
        for formula_id, fn in functions.items()
    }


def _answer(call: dict[str, Any], functions: dict[str, Any], own_pid: int, write_fd: int) -> None:
    from gradoracle import seam, wire

    formula_id = call["formula"]
    args = tuple(wire.decode(a) for a in call["args"])
    outcome = seam.invoke(functions[formula_id], args)
    if os.getpid() != own_pid:  # a forked copy of the worker returning from the call
        os._exit(0)
    printed = _output_written()
    children = _reap_children(own_pid)
    if outcome.raised is None and children:
        outcome.raised = ("StartedProcesses", f"started {children} child process(es) (fork/subprocess); a formula must not", "")
    hit_file_limit = outcome.raised is not None and "[Errno 27]" in outcome.raised[1]  # EFBIG
    if printed > OUTPUT_LIMIT_BYTES or hit_file_limit:
        outcome.raised = (
            "ExcessiveOutput",
            f"printed or wrote {printed:,} bytes in one call"
            + (" and hit the sandbox's file-size limit" if hit_file_limit else "")
            + f" (the limit on output is {OUTPUT_LIMIT_BYTES:,} bytes a call)",
            "",
        )
    try:
        reply = {
            "result": wire.encode(outcome.result),
            "raised": outcome.raised,
            "raised_bases": list(outcome.raised_bases),
            "mutated_position": outcome.mutated_position,
            "warnings": outcome.warnings,
        }
        wire.send(write_fd, reply)
    except wire.FrameTooLarge as exc:
        wire.send(write_fd, {"result": None, "raised": ["ResultTooLarge", str(exc), ""], "mutated_position": None, "warnings": []})
    except (TypeError, ValueError, OverflowError) as exc:
        # json could not carry it (a huge int, a recursive list): the result is malformed.
        wire.send(write_fd, {"result": {"__opaque__": f"unencodable {type(outcome.result).__name__} ({exc})"}, "raised": None, "mutated_position": outcome.mutated_position, "warnings": outcome.warnings})


def main() -> None:
    read_fd, write_fd = int(sys.argv[1]), int(sys.argv[2])
    _capture_output()
    try:
        serve(read_fd, write_fd)
    finally:
        os._exit(0)  # skip atexit handlers a submission may have registered


if __name__ == "__main__":
    main()
