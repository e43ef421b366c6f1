"""``gradoracle``: grade one submission, a whole class, or build a Gradescope autograder.

    gradoracle grade PATH [--assignment FILE] [--formula GLOB]... [--grade-json FILE] [-n N]
    gradoracle grade-all FOLDER --out OUT [--assignment FILE] [-j JOBS] [--shard K/N]
    gradoracle merge SLICE_OUT... --out OUT
    gradoracle gradescope ASSIGNMENT.toml --out autograder.zip
    gradoracle doctor

A submission (PATH, or each entry of FOLDER) is a ``.py`` file, a notebook
(``.ipynb``), a package folder, or a folder holding ``submission.py`` (or one
``.py`` or ``.ipynb`` file). ``grade`` is ``pytest --pyargs properties --impl
PATH`` with the same options. ``grade-all`` writes ``OUT/<name>/results.json``
for each submission plus ``OUT/gradebook.csv``, ``OUT/gradebook.json`` and the
class report ``OUT/report.html``; it exits 1 when the grader failed on any
entry (a student's failing grade is not such a failure).
"""

from __future__ import annotations

import argparse
import os
import subprocess
import sys
from pathlib import Path

from gradoracle.classroom import (
    MergeError,
    find_submissions,
    grade_all,
    grader_failures,
    merge,
    parse_shard,
    pytest_command,
    resolve_entry,
    summary_line,
)

__all__ = ["main", "find_submissions", "grade_all"]


def _is_module_name(spec: str) -> bool:
    return not Path(spec).exists() and os.sep not in spec and not spec.endswith((".py", ".ipynb"))


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="gradoracle", description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    commands = parser.add_subparsers(dest="command", required=True)

    one = commands.add_parser("grade", help="grade one submission (pytest --pyargs properties --impl PATH)")
    one.add_argument("path", help="a .py file, a notebook, a submission folder, or an importable module")
    one.add_argument("--assignment", type=Path, metavar="FILE", help="assignment file (TOML): formulas, points, names")
    one.add_argument("--formula", action="append", default=[], metavar="GLOB")
    one.add_argument("--grade-json", metavar="FILE")
    one.add_argument("-n", dest="workers", default="auto", help="pytest-xdist workers (default auto; 0 for none)")

    commands.add_parser("doctor", help="what the bubblewrap jail can and cannot do on this machine")

    many = commands.add_parser("grade-all", help="grade every submission in a folder")
    many.add_argument("folder", type=Path)
    many.add_argument("--out", type=Path, required=True, help="folder for the results, gradebook and class report")
    many.add_argument("--assignment", type=Path, metavar="FILE", help="assignment file (TOML): formulas, points, names")
    many.add_argument("-j", "--jobs", type=int, default=os.cpu_count() or 1, help="submissions graded at once")
    many.add_argument("--formula", action="append", default=[], metavar="GLOB")
    many.add_argument("--shard", metavar="K/N", help="grade only the K-th of N slices of the class (merge them with `gradoracle merge`)")
    many.add_argument("--call-timeout", type=float, default=20.0, metavar="SECONDS")
    many.add_argument("--submission-timeout", type=float, default=3600.0, metavar="SECONDS")
    many.add_argument("--progress-every", type=float, default=30.0, metavar="SECONDS",
                      help="on a long grade, show its formulas done this often (default 30)")

    combine = commands.add_parser("merge", help="combine the outputs of grade-all --shard 1/N ... N/N")
    combine.add_argument("slices", type=Path, nargs="+", metavar="SLICE_OUT")
    combine.add_argument("--out", type=Path, required=True)

    zipper = commands.add_parser("gradescope", help="build a Gradescope autograder zip for an assignment")
    zipper.add_argument("assignment", type=Path)
    zipper.add_argument("--out", type=Path, default=Path("autograder.zip"))

    args, extra = parser.parse_known_args(argv)
    if args.command == "doctor":
        from gradoracle import jail

        return jail.doctor()
    if args.command == "grade":
        return _grade(parser, args, extra)
    if extra and args.command in ("merge", "gradescope"):
        parser.error(f"unrecognized arguments: {' '.join(extra)}")
    if args.command == "grade-all":
        return _grade_all(parser, args, extra)
    if args.command == "merge":
        try:
            merged = merge(args.slices, args.out)
        except MergeError as exc:
            print(f"gradoracle merge: {exc}", file=sys.stderr)
            return 2
        print(f"merged {merged['merged_from']} slices, {len(merged['rows'])} rows: {args.out / 'gradebook.csv'}; class report: {args.out / 'report.html'}")
        return 0
    from gradoracle import gradescope

    try:
        gradescope.build_zip(args.assignment, args.out)
    except gradescope.BuildError as exc:
        print(f"gradoracle gradescope: {exc}", file=sys.stderr)
        return 2
    print(f"autograder: {args.out} (upload it under the assignment's Configure Autograder)")
    return 0


def _check_assignment(parser: argparse.ArgumentParser, assignment: Path | None) -> None:
    """Every name in the assignment is checked before anything is graded."""
    if assignment is None:
        return
    from gradoracle.assignment import AssignmentError, load_assignment

    try:
        load_assignment(assignment)
    except AssignmentError as exc:
        parser.exit(2, f"gradoracle: {exc}\n")
    except OSError as exc:
        parser.error(f"--assignment {assignment}: {exc.strerror or exc}")


def _grade(parser: argparse.ArgumentParser, args: argparse.Namespace, extra: list[str]) -> int:
    _check_assignment(parser, args.assignment)
    target = args.path
    if not _is_module_name(args.path):
        entry = resolve_entry(Path(args.path))
        if not entry.is_submission:
            print(f"gradoracle grade: {args.path} is not a submission: {entry.problem}", file=sys.stderr)
            return 2
        target = str(entry.path)
    workers = [] if args.workers == "0" else ["-n", args.workers]
    grade_json = Path(args.grade_json).absolute() if args.grade_json else None
    return subprocess.call(pytest_command(target, args.formula, grade_json, workers + extra, args.assignment))


def _grade_all(parser: argparse.ArgumentParser, args: argparse.Namespace, extra: list[str]) -> int:
    if not args.folder.is_dir():
        parser.error(f"{args.folder} is not a folder")
    _check_assignment(parser, args.assignment)
    try:
        shard = parse_shard(args.shard) if args.shard else None
    except ValueError as exc:
        parser.error(str(exc))
    rows = grade_all(
        args.folder,
        args.out,
        jobs=args.jobs,
        formulas=args.formula,
        extra=["--call-timeout", str(args.call_timeout), *extra],
        timeout=args.submission_timeout,
        assignment=args.assignment,
        shard=shard,
        progress_interval=args.progress_every,
    )
    summary_line(rows, args.out)
    return 1 if grader_failures(rows) else 0


if __name__ == "__main__":
    sys.exit(main())
