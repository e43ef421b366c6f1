"""A class at once: what counts as a submission, grading a class folder
(``gradoracle grade-all``), slicing it over machines (``--shard K/N``) and
putting the slices back together (``gradoracle merge``).

What a submission is, the same for ``grade``, ``grade-all`` and Gradescope:

* a ``.py`` file;
* a notebook (``.ipynb``, see :mod:`gradoracle.notebook`);
* a package folder (it has ``__init__.py``);
* a folder holding ``submission.py``, else ``submission.ipynb``, else exactly
  one ``.py`` or ``.ipynb`` file. Other files in it (data, helper modules the
  chosen file imports) come along.

A folder submission is handed to the grader as the folder: the sandbox copies
the folder, and :func:`choose_in_folder` (which the worker runs, through
:mod:`gradoracle.loading`) picks the file. Anything else in a class folder is a
row of the gradebook saying why it is not a submission.

The part the worker needs, :func:`choose_in_folder`, lives in
:mod:`gradoracle.loading` (which the jailed worker has) and is re-exported here.
"""

from __future__ import annotations

import csv
import hashlib
import json
import os
import shutil
import signal
import subprocess
import sys
import threading
import time
from collections import Counter
from concurrent.futures import ThreadPoolExecutor, as_completed
from dataclasses import asdict, dataclass, field
from pathlib import Path
from typing import Any, Callable, TextIO

# The worker resolves a folder submission itself, with this same rule: it lives
# in gradoracle.loading, which the jailed worker has.
from gradoracle.loading import NotASubmission, choose_in_folder

__all__ = [
    "NotASubmission",
    "Entry",
    "Row",
    "Shard",
    "choose_in_folder",
    "resolve_entry",
    "find_submissions",
    "grade_all",
    "merge",
    "MergeError",
    "parse_shard",
    "write_gradebook",
    "pytest_command",
]

GRADEBOOK_FORMAT = "gradoracle-gradebook/1"
@dataclass
class Entry:
    """One entry of a class folder (or the one path given to ``grade``)."""

    name: str  # the gradebook's row name
    path: Path  # what is handed to the grader (absolute)
    kind: str  # "file", "notebook", "package", "folder", or "" when not a submission
    problem: str = ""  # why it is not a submission

    @property
    def is_submission(self) -> bool:
        return not self.problem


def resolve_entry(path: Path, name: str | None = None) -> Entry:
    """What ``path`` is as a submission; never raises for a bad entry."""
    path = Path(path).expanduser().absolute()
    name = name or (path.stem if path.is_file() else path.name)
    if path.is_file():
        if path.suffix == ".py":
            return Entry(name, path, "file")
        if path.suffix == ".ipynb":
            return Entry(name, path, "notebook")
        return Entry(name, path, "", f"a {path.suffix or 'file without extension'} file is not a submission (.py or .ipynb)")
    if path.is_dir():
        if (path / "__init__.py").is_file():
            return Entry(name, path, "package")
        try:
            choose_in_folder(path)
        except NotASubmission as exc:
            return Entry(name, path, "", str(exc))
        except OSError as exc:
            return Entry(name, path, "", f"the folder cannot be read: {exc.strerror or exc}")
        return Entry(name, path, "folder")
    if path.exists():
        return Entry(name, path, "", "not a file or a folder")
    return Entry(name, path, "", "no such file or folder")


def _ignored(entry: Path) -> bool:
    return entry.name.startswith((".", "_")) or entry.name in ("__pycache__",)


def find_submissions(folder: Path) -> list[Entry]:
    """One entry per item of ``folder`` (hidden and ``_``-prefixed ones aside),
    sorted by name. Two items with the same stem (``alice.py`` and ``alice/``)
    are named by their full names so that every row is distinct."""
    items = sorted((p for p in Path(folder).iterdir() if not _ignored(p)), key=lambda p: p.name)
    stems = Counter(p.stem if p.is_file() else p.name for p in items)
    entries = []
    for item in items:
        stem = item.stem if item.is_file() else item.name
        entries.append(resolve_entry(item, stem if stems[stem] == 1 else item.name))
    return sorted(entries, key=lambda e: e.name)


# -- shards ---------------------------------------------------------------------


@dataclass(frozen=True)
class Shard:
    index: int  # 1-based
    count: int

    def picks(self, entries: list[Entry]) -> list[Entry]:
        """Round robin over the entries sorted by name: slices differ in size by
        at most one, and the same class folder always slices the same way."""
        ordered = sorted(entries, key=lambda e: e.name)
        return [e for i, e in enumerate(ordered) if i % self.count == self.index - 1]


def parse_shard(text: str) -> Shard:
    try:
        index, count = (int(part) for part in text.split("/"))
    except ValueError:
        raise ValueError(f"--shard wants K/N (e.g. 2/8), not {text!r}") from None
    if count < 1 or not 1 <= index <= count:
        raise ValueError(f"--shard {text}: K must be between 1 and N")
    return Shard(index, count)


# -- grading ----------------------------------------------------------------------


@dataclass
class Row:
    """One row of the gradebook, as ``gradebook.json`` stores it."""

    name: str
    entry: str  # the entry's file or folder name in the class folder
    outcome: str  # "graded", "not_a_submission" or "not_graded"
    problem: str = ""
    score: float = 0.0
    max_score: float = 0.0
    seconds: float = 0.0
    import_error: str | None = None
    statuses: dict[str, str] = field(default_factory=dict)
    failed_claims: dict[str, list[str]] = field(default_factory=dict)

    @property
    def status(self) -> str:
        if self.outcome == "not_a_submission":
            return f"not a submission: {self.problem}"
        if self.outcome == "not_graded":
            return f"not graded: {self.problem}"
        return "graded" if self.import_error is None else f"does not import: {self.import_error}"


def pytest_command(
    target: str, formulas: list[str], grade_json: Path | None, extra: list[str], assignment: Path | None = None
) -> list[str]:
    command = [sys.executable, "-m", "pytest", "--pyargs", "properties", "--impl", target, "-q", "-p", "no:cacheprovider"]
    for glob in formulas:
        command += ["--formula", glob]
    if assignment is not None:
        command += ["--assignment", str(Path(assignment).absolute())]
    if grade_json is not None:
        command += ["--grade-json", str(grade_json)]
    return command + extra


def _failed_claims(output: str, formula_id: str) -> list[str]:
    """The claims of the failed properties in a test's output (``FAILED id: claim`` lines)."""
    prefix = f"FAILED {formula_id}: "
    return [line[len(prefix):].strip() for line in output.splitlines() if line.startswith(prefix)]


TAMPERING_MARK = "The grader's own files changed while this submission was graded"


def row_from_results(name: str, entry: str, results: dict[str, Any], seconds: float) -> Row:
    from gradoracle import report

    if any(t.get("output", "").startswith(TAMPERING_MARK) for t in results.get("tests", [])):
        # A grade withheld because the grader's files changed (report.mark_tampering):
        # most likely someone edited the installed grader mid-run. Not a zero for
        # the student: the instructor re-grades it (and reads report.txt).
        return Row(
            name, entry, "not_graded",
            "the grader's own files changed while it graded, so the grade was withheld; "
            "grade it again (if it happens again, read its report.txt)",
            seconds=seconds,
        )
    row = Row(name, entry, "graded", seconds=seconds)
    row.score = float(results.get("score", 0))
    row.max_score = float(results.get("max_score", sum(float(t.get("max_score", 0)) for t in results.get("tests", []))))
    row.import_error = report.import_error_of(results)
    for test in results.get("tests", []):
        output = test.get("output", "")
        status = "missing" if output.startswith("missing") else test.get("status", "failed")
        row.statuses[test["name"]] = status
        if status == "failed":
            row.failed_claims[test["name"]] = _failed_claims(output, test["name"])
    return row


class _Progress:
    """Progress lines on the instructor's terminal: one per submission, and on a
    long grade one every ``interval`` seconds with the formulas done so far."""

    def __init__(self, log: TextIO, total: int, interval: float) -> None:
        self.log = log
        self.total = total
        self.interval = interval
        self.done = 0
        self.started = time.monotonic()
        self.lock = threading.Lock()

    def formula(self, name: str, began: float, last_said: list[float], line: str) -> None:
        now = time.monotonic()
        if now - last_said[0] < self.interval:
            return
        last_said[0] = now
        with self.lock:
            print(f"    {name}: {line} ({now - began:.0f} s)", file=self.log, flush=True)

    def finished(self, row: Row) -> None:
        with self.lock:
            self.done += 1
            if row.outcome == "graded":
                summary = f"{row.score:g}/{row.max_score:g}" + ("" if row.import_error is None else " (does not import)")
            else:
                summary = row.status
            print(
                f"[{self.done}/{self.total}] {row.name}: {summary} "
                f"({row.seconds:.1f} s; {time.monotonic() - self.started:.0f} s elapsed)",
                file=self.log,
                flush=True,
            )


PROGRESS_PREFIX = "gradoracle-progress: "

_RUNNING: set[subprocess.Popen[bytes]] = set()
_RUNNING_LOCK = threading.Lock()
_STOPPING = threading.Event()


def _kill_group(process: subprocess.Popen[bytes]) -> None:
    try:
        os.killpg(process.pid, signal.SIGKILL)
    except (ProcessLookupError, PermissionError):
        pass


def _stop_running() -> None:
    """Kill every grading process still running (grade-all was interrupted)."""
    with _RUNNING_LOCK:
        _STOPPING.set()
        running = list(_RUNNING)
    for process in running:
        _kill_group(process)


def _grade_one_safely(entry: Entry, out: Path, **options: Any) -> Row:
    """A row whatever happens: an unexpected error here is the grader's, and says so."""
    try:
        return _grade_one(entry, out, **options)
    except Exception as exc:  # noqa: BLE001 - reported as the grader's failure, never a grade
        return Row(entry.name, entry.path.name, "not_graded", f"the grader failed: {type(exc).__name__}: {exc}")


def _grade_one(
    entry: Entry,
    out: Path,
    *,
    formulas: list[str],
    extra: list[str],
    timeout: float,
    assignment: Path | None,
    progress: _Progress,
) -> Row:
    if not entry.is_submission:
        return Row(entry.name, entry.path.name, "not_a_submission", entry.problem)
    folder = out / entry.name
    folder.mkdir(parents=True, exist_ok=True)
    results_path = folder / "results.json"
    results_path.unlink(missing_ok=True)
    command = pytest_command(
        str(entry.path), formulas, results_path.absolute(), extra + ["-p", "no:xdist", "-p", "gradoracle.progress"], assignment
    )
    began = time.monotonic()
    last_said = [began]
    captured: list[bytes] = []
    size = [0]
    # A session of its own, so a timeout can kill it with everything it started;
    # grade_all kills the running ones itself on Ctrl-C (see _stop_running).
    process = subprocess.Popen(
        command, stdin=subprocess.DEVNULL, stdout=subprocess.PIPE, stderr=subprocess.STDOUT,
        cwd=folder, start_new_session=True,
    )
    with _RUNNING_LOCK:
        _RUNNING.add(process)
        if _STOPPING.is_set():  # grade-all was interrupted while this one started
            _kill_group(process)

    def read() -> None:
        assert process.stdout is not None
        marker = PROGRESS_PREFIX.encode()
        for line in process.stdout:
            # pytest -q writes its dots without a newline: the progress line may
            # follow them on the same line.
            at = line.find(marker)
            if at >= 0:
                progress.formula(entry.name, began, last_said, line[at + len(marker):].decode(errors="replace").strip())
                line = line[:at]
            if size[0] < 2_000_000:
                captured.append(line)
                size[0] += len(line)

    reader = threading.Thread(target=read, daemon=True)
    reader.start()
    timed_out = False
    try:
        try:
            returncode = process.wait(timeout=timeout)
        except subprocess.TimeoutExpired:
            timed_out = True
            _kill_group(process)
            returncode = process.wait()
    finally:
        with _RUNNING_LOCK:
            _RUNNING.discard(process)
    reader.join(timeout=10)
    seconds = time.monotonic() - began
    text = b"".join(captured)
    (folder / "report.txt").write_bytes(text)
    if timed_out:
        results_path.unlink(missing_ok=True)
        return Row(entry.name, entry.path.name, "not_graded", f"grading took longer than {timeout:g} s and was stopped", seconds=seconds)
    tail = " | ".join(text.decode(errors="replace").strip().splitlines()[-3:])
    # pytest's exit status: 0 every test passed, 1 some failed (a grade either
    # way); anything else (interrupted, internal error, usage error, nothing
    # collected) is the grader's failure, whatever file it left behind.
    if returncode not in (0, 1):
        results_path.unlink(missing_ok=True)
        return Row(entry.name, entry.path.name, "not_graded", f"the grader failed (pytest exit {returncode}): {tail}", seconds=seconds)
    if not results_path.exists():
        return Row(entry.name, entry.path.name, "not_graded", f"the grader produced no results (exit {returncode}): {tail}", seconds=seconds)
    try:
        results = json.loads(results_path.read_text())
    except (OSError, ValueError) as exc:
        results_path.unlink(missing_ok=True)
        return Row(entry.name, entry.path.name, "not_graded", f"the grader's results.json cannot be read: {exc}", seconds=seconds)
    row = row_from_results(entry.name, entry.path.name, results, seconds)
    if row.outcome == "not_graded":
        results_path.unlink(missing_ok=True)
    return row


def grade_all(
    folder: Path,
    out: Path,
    *,
    jobs: int,
    formulas: list[str],
    extra: list[str],
    timeout: float,
    assignment: Path | None = None,
    shard: Shard | None = None,
    log: TextIO = sys.stderr,
    progress_interval: float = 30.0,
) -> list[Row]:
    """Grade every submission of ``folder`` (or this shard's slice of them) into
    ``out``: ``<name>/results.json`` each, ``gradebook.csv``, ``gradebook.json``
    and ``report.html``. Paths may be relative to the current folder."""
    folder = Path(folder).absolute()
    out = Path(out).absolute()
    # An output folder inside the class folder is not a student's entry.
    everyone = [e for e in find_submissions(folder) if e.path != out]
    entries = shard.picks(everyone) if shard else everyone
    out.mkdir(parents=True, exist_ok=True)
    progress = _Progress(log, len(entries), progress_interval)
    _STOPPING.clear()
    rows: list[Row] = []
    started = time.monotonic()
    with ThreadPoolExecutor(max_workers=max(1, jobs)) as pool:
        futures = []
        try:
            for e in entries:
                futures.append(pool.submit(
                    _grade_one_safely, e, out, formulas=formulas, extra=extra, timeout=timeout,
                    assignment=assignment, progress=progress,
                ))
            for future in as_completed(futures):
                row = future.result()
                rows.append(row)
                progress.finished(row)
        except BaseException:  # Ctrl-C: no grading process may outlive grade-all
            for future in futures:
                future.cancel()
            _stop_running()
            raise
    rows.sort(key=lambda r: r.name)
    book = {
        "format": GRADEBOOK_FORMAT,
        "class": [e.name for e in everyone],
        "shard": {"index": shard.index, "count": shard.count} if shard else None,
        "settings": _settings(formulas, assignment),
        "jobs": jobs,
        "wall_seconds": round(time.monotonic() - started, 3),
        "rows": [asdict(r) for r in rows],
    }
    write_outputs(out, book)
    return rows


def _settings(formulas: list[str], assignment: Path | None) -> dict[str, Any]:
    """What makes two slices' grades comparable: the same formulas, the same assignment file."""
    settings: dict[str, Any] = {"formulas": sorted(formulas), "assignment_sha256": None}
    if assignment:
        from gradoracle.assignment import load_assignment

        settings["assignment_sha256"] = hashlib.sha256(Path(assignment).read_bytes()).hexdigest()
        loaded = load_assignment(assignment)
        settings["assignment"] = {"name": loaded.name, "formulas": len(loaded.formula_ids)}
    return settings


def write_outputs(out: Path, book: dict[str, Any]) -> None:
    from gradoracle import class_report

    rows = [Row(**r) for r in book["rows"]]
    (out / "gradebook.json").write_text(json.dumps(book, indent=1) + "\n")
    write_gradebook(out / "gradebook.csv", rows)
    (out / "report.html").write_text(class_report.render(book), encoding="utf-8")


def write_gradebook(path: Path, rows: list[Row]) -> None:
    formula_ids = sorted({f for r in rows for f in r.statuses})
    with path.open("w", newline="") as handle:
        writer = csv.writer(handle)
        writer.writerow(["submission", "score", "max_score", "status", *formula_ids])
        for r in rows:
            graded = r.outcome == "graded"
            writer.writerow(
                [
                    r.name,
                    f"{r.score:g}",
                    f"{r.max_score:g}" if graded else "",
                    r.status,
                    *[r.statuses.get(f, "") for f in formula_ids],
                ]
            )


def grader_failures(rows: list[Row]) -> list[Row]:
    """Rows the grader failed on: these make ``grade-all`` exit non-zero."""
    return [r for r in rows if r.outcome == "not_graded"]


# -- merging shards ---------------------------------------------------------------


class MergeError(Exception):
    pass


def merge(inputs: list[Path], out: Path) -> dict[str, Any]:
    """Combine the outputs of ``grade-all --shard K/N`` for K = 1..N into ``out``.

    Refuses slices of different class folders or settings, a missing, repeated
    or foreign slice, and a submission graded in two slices."""
    books = []
    for folder in inputs:
        path = Path(folder) / "gradebook.json"
        try:
            book = json.loads(path.read_text())
        except (OSError, ValueError) as exc:
            raise MergeError(f"{path}: not a gradebook written by grade-all ({exc})") from None
        if book.get("format") != GRADEBOOK_FORMAT:
            raise MergeError(f"{path}: not a gradebook written by grade-all (format {book.get('format')!r})")
        if not book.get("shard"):
            raise MergeError(f"{path}: graded without --shard; there is nothing to merge it with")
        books.append((Path(folder), book))
    if not books:
        raise MergeError("no gradebooks to merge")
    counts = {b["shard"]["count"] for _, b in books}
    if len(counts) > 1:
        raise MergeError(f"the slices were cut differently (--shard K/N with N = {', '.join(map(str, sorted(counts)))})")
    count = counts.pop()
    first_folder, first = books[0]
    for folder, book in books[1:]:
        if book["class"] != first["class"]:
            raise MergeError(f"{folder} and {first_folder} graded different class folders")
        if book["settings"] != first["settings"]:
            raise MergeError(f"{folder} and {first_folder} were graded with different formulas or assignment files")
    seen: dict[int, Path] = {}
    for folder, book in books:
        index = book["shard"]["index"]
        if index in seen:
            raise MergeError(f"slice {index}/{count} is given twice ({seen[index]} and {folder})")
        seen[index] = folder
    missing = sorted(set(range(1, count + 1)) - set(seen))
    if missing:
        raise MergeError(f"incomplete: slice(s) {', '.join(f'{k}/{count}' for k in missing)} missing")
    owner: dict[str, Path] = {}
    for folder, book in books:
        for row in book["rows"]:
            if row["name"] in owner:
                raise MergeError(f"{row['name']} was graded in two slices ({owner[row['name']]} and {folder})")
            owner[row["name"]] = folder
    if sorted(owner) != sorted(first["class"]):
        absent = sorted(set(first["class"]) - set(owner))
        raise MergeError(f"incomplete: no row for {', '.join(absent[:10])}")
    out = Path(out).absolute()
    if out in {f.absolute() for f, _ in books}:
        raise MergeError("--out must be a new folder, not one of the slices")
    out.mkdir(parents=True, exist_ok=True)
    for name, folder in owner.items():
        source = folder / name
        if source.is_dir():
            shutil.copytree(source, out / name, dirs_exist_ok=True)
    rows = sorted((r for _, b in books for r in b["rows"]), key=lambda r: r["name"])
    merged = {
        "format": GRADEBOOK_FORMAT,
        "class": first["class"],
        "shard": None,
        "merged_from": count,
        "settings": first["settings"],
        "jobs": max(b.get("jobs", 1) for _, b in books),
        # The slices ran side by side: the class took as long as the slowest one.
        "wall_seconds": max(b.get("wall_seconds", 0.0) for _, b in books),
        "rows": rows,
    }
    write_outputs(out, merged)
    return merged


def summary_line(rows: list[Row], out: Path, log: Callable[[str], None] = print) -> None:
    failures = grader_failures(rows)
    log(f"gradebook: {out / 'gradebook.csv'} ({len(rows)} rows); class report: {out / 'report.html'}")
    if failures:
        log(f"{len(failures)} submission(s) could not be graded (the grader's problem, not the students'):")
        for r in failures:
            log(f"  {r.name}: {r.problem}")


def submission_notes(spec: str | None) -> str:
    """What the report says about how the submission was read: for a notebook
    (alone or chosen in a folder), the statements that were skipped. Called on
    the grader's side only after the worker read the same notebook without
    error (so parsing it here is parsing known-sane input)."""
    if not spec:
        return ""
    entry = resolve_entry(Path(spec))
    target = entry.path
    if entry.kind == "folder":
        target = choose_in_folder(entry.path)
    elif entry.kind != "notebook":
        return ""
    if target.suffix != ".ipynb":
        return ""
    from gradoracle.notebook import NotebookError, read_notebook

    try:
        return read_notebook(target).skipped_text()
    except NotebookError:
        return ""
