"""``gradoracle``: grade one submission, or a whole folder of them.

    gradoracle grade PATH [--formula GLOB]... [--grade-json FILE] [-n N]
    gradoracle grade-all FOLDER --out OUT [-j JOBS] [--formula GLOB]...
    gradoracle doctor

``grade`` is ``pytest --pyargs properties --impl PATH`` with the same options.
``grade-all`` grades every submission in FOLDER (a ``.py`` file, a package
folder, or a folder holding one ``.py`` file or a ``submission.py``), JOBS at a
time, each in its own pytest process with its own sandboxed worker, and writes
``OUT/<name>/results.json`` for each plus ``OUT/gradebook.csv``.
"""

from __future__ import annotations

import argparse
import csv
import json
import os
import subprocess
import sys
import threading
import time
from concurrent.futures import ThreadPoolExecutor, as_completed
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from gradoracle import report

__all__ = ["main", "find_submissions", "grade_all"]


@dataclass
class Submission:
    name: str
    path: Path | None
    problem: str = ""


@dataclass
class Graded:
    submission: Submission
    results: dict[str, Any] | None = None
    problem: str = ""
    seconds: float = 0.0
    statuses: dict[str, str] = field(default_factory=dict)


def find_submissions(folder: Path) -> list[Submission]:
    """One submission per entry of ``folder``, sorted by name."""
    found = []
    for entry in sorted(folder.iterdir(), key=lambda p: p.name):
        if entry.name.startswith((".", "_")) or entry.name == "__pycache__":
            continue
        name = entry.stem if entry.is_file() else entry.name
        if entry.is_file():
            if entry.suffix == ".py":
                found.append(Submission(name, entry))
            continue
        if (entry / "__init__.py").exists():
            found.append(Submission(name, entry))
            continue
        candidates = sorted(entry.glob("*.py"))
        chosen = next((c for c in candidates if c.name == "submission.py"), None)
        if chosen is None and len(candidates) == 1:
            chosen = candidates[0]
        if chosen is None:
            problem = (
                "no .py file in the folder"
                if not candidates
                else f"cannot tell which of {len(candidates)} .py files to grade (name one submission.py)"
            )
            found.append(Submission(name, None, problem))
        else:
            found.append(Submission(name, chosen))
    return found


def _pytest_command(target: str, formulas: list[str], grade_json: Path | None, extra: list[str]) -> list[str]:
    command = [sys.executable, "-m", "pytest", "--pyargs", "properties", "--impl", target, "-q", "-p", "no:cacheprovider"]
    for glob in formulas:
        command += ["--formula", glob]
    if grade_json is not None:
        command += ["--grade-json", str(grade_json)]
    return command + extra


def _grade_one(submission: Submission, out: Path, formulas: list[str], extra: list[str], timeout: float) -> Graded:
    graded = Graded(submission)
    if submission.path is None:
        graded.problem = submission.problem
        return graded
    folder = out / submission.name
    folder.mkdir(parents=True, exist_ok=True)
    results_path = folder / "results.json"
    results_path.unlink(missing_ok=True)
    started = time.monotonic()
    try:
        completed = subprocess.run(
            _pytest_command(str(submission.path), formulas, results_path, extra + ["-p", "no:xdist"]),
            stdin=subprocess.DEVNULL,
            stdout=subprocess.PIPE,
            stderr=subprocess.STDOUT,
            timeout=timeout,
            cwd=folder,
        )
        (folder / "report.txt").write_bytes(completed.stdout[-2_000_000:])
    except subprocess.TimeoutExpired:
        graded.problem = f"grading took longer than {timeout:g} s and was stopped"
        graded.seconds = time.monotonic() - started
        return graded
    graded.seconds = time.monotonic() - started
    if not results_path.exists():
        tail = completed.stdout.decode(errors="replace").strip().splitlines()[-3:]
        graded.problem = f"the grader produced no results (exit {completed.returncode}): " + " | ".join(tail)
        return graded
    graded.results = json.loads(results_path.read_text())
    for test in graded.results["tests"]:
        output = test.get("output", "")
        graded.statuses[test["name"]] = "missing" if output.startswith("missing") else test["status"]
    return graded


def grade_all(
    folder: Path,
    out: Path,
    *,
    jobs: int,
    formulas: list[str],
    extra: list[str],
    timeout: float,
    log: Any = sys.stderr,
) -> list[Graded]:
    submissions = find_submissions(folder)
    out.mkdir(parents=True, exist_ok=True)
    lock = threading.Lock()
    done: list[Graded] = []
    total = len(submissions)
    started = time.monotonic()
    with ThreadPoolExecutor(max_workers=max(1, jobs)) as pool:
        futures = {pool.submit(_grade_one, s, out, formulas, extra, timeout): s for s in submissions}
        for future in as_completed(futures):
            graded = future.result()
            with lock:
                done.append(graded)
                if graded.results is not None:
                    summary = f"{graded.results['score']:g}/{graded.results['max_score']:g}"
                else:
                    summary = f"not graded: {graded.problem}"
                print(
                    f"[{len(done)}/{total}] {graded.submission.name}: {summary} "
                    f"({graded.seconds:.1f} s; {time.monotonic() - started:.0f} s elapsed)",
                    file=log,
                    flush=True,
                )
    done.sort(key=lambda g: g.submission.name)
    write_gradebook(out / "gradebook.csv", done)
    return done


def _gradebook_status(results: dict[str, Any]) -> str:
    """'graded', or why nothing could be: an instructor scanning the gradebook
    must tell a file that does not import from a student who scored 0."""
    import_error = report.import_error_of(results)
    return "graded" if import_error is None else f"does not import: {import_error}"


def write_gradebook(path: Path, graded: list[Graded]) -> None:
    formula_ids = sorted({f for g in graded for f in g.statuses})
    with path.open("w", newline="") as handle:
        writer = csv.writer(handle)
        writer.writerow(["submission", "score", "max_score", "status", *formula_ids])
        for g in graded:
            if g.results is None:
                writer.writerow([g.submission.name, 0, "", f"not graded: {g.problem}", *[""] * len(formula_ids)])
                continue
            writer.writerow(
                [
                    g.submission.name,
                    f"{g.results['score']:g}",
                    f"{g.results['max_score']:g}",
                    _gradebook_status(g.results),
                    *[g.statuses.get(f, "") for f in formula_ids],
                ]
            )


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="gradoracle", description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    commands = parser.add_subparsers(dest="command", required=True)

    one = commands.add_parser("grade", help="grade one submission (pytest --pyargs properties --impl PATH)")
    one.add_argument("path")
    one.add_argument("--formula", action="append", default=[], metavar="GLOB")
    one.add_argument("--grade-json", metavar="FILE")
    one.add_argument("-n", dest="workers", default="auto", help="pytest-xdist workers (default auto; 0 for none)")

    commands.add_parser("doctor", help="what the bubblewrap jail can and cannot do on this machine")

    many = commands.add_parser("grade-all", help="grade every submission in a folder")
    many.add_argument("folder", type=Path)
    many.add_argument("--out", type=Path, required=True, help="folder for the results and gradebook.csv")
    many.add_argument("-j", "--jobs", type=int, default=os.cpu_count() or 1, help="submissions graded at once")
    many.add_argument("--formula", action="append", default=[], metavar="GLOB")
    many.add_argument("--call-timeout", type=float, default=20.0, metavar="SECONDS")
    many.add_argument("--submission-timeout", type=float, default=3600.0, metavar="SECONDS")

    args, extra = parser.parse_known_args(argv)
    if args.command == "doctor":
        from gradoracle import jail

        return jail.doctor()
    if args.command == "grade":
        workers = [] if args.workers == "0" else ["-n", args.workers]
        command = _pytest_command(args.path, args.formula, Path(args.grade_json) if args.grade_json else None, workers + extra)
        return subprocess.call(command)
    if not args.folder.is_dir():
        parser.error(f"{args.folder} is not a folder")
    graded = grade_all(
        args.folder,
        args.out,
        jobs=args.jobs,
        formulas=args.formula,
        extra=["--call-timeout", str(args.call_timeout), *extra],
        timeout=args.submission_timeout,
    )
    print(f"gradebook: {args.out / 'gradebook.csv'} ({len(graded)} submissions)")
    return 0


if __name__ == "__main__":
    sys.exit(main())
