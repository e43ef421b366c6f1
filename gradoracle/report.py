"""Per-formula verdicts, the failure text a student reads, and the
Gradescope-compatible ``results.json``.

A formula is worth one point and passes only when every one of its properties
holds: a gradient that is right on most inputs is still wrong. A formula the
submission does not provide is *missing*: status ``failed``, score 0, never
passed.
"""

from __future__ import annotations

import dataclasses
import json
import os
import re
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Mapping

__all__ = [
    "Verdicts",
    "FormulaResult",
    "apply_assignment",
    "strip_grader_paths",
    "submission_name",
    "without_grader_paths",
    "import_error_of",
    "failure_text",
    "mark_tampering",
    "render_text",
    "write_results_json",
    "results_document",
]

_OUTCOME_RANK = {"passed": 0, "skipped": 1, "failed": 2}


@dataclass
class FormulaResult:
    name: str
    status: str  # "passed", "failed" or "missing"
    output: str
    properties_passed: int = 0
    properties_total: int = 0
    score: float = 0.0
    max_score: float = 1.0
    visibility: str = "visible"  # Gradescope's: visible, hidden, after_due_date, after_published

    def as_gradescope_test(self) -> dict[str, Any]:
        return {
            "name": self.name,
            "score": self.score,
            "max_score": self.max_score,
            "status": "passed" if self.status == "passed" else "failed",
            "visibility": self.visibility,
            "output": self.output,
        }


@dataclass
class _PropertyOutcome:
    claim: str
    outcome: str = "passed"
    failure: str = ""
    skip: str = ""
    warnings: list[str] = field(default_factory=list)


class Verdicts:
    """Outcomes of every property, grouped by formula."""

    def __init__(self) -> None:
        self.by_formula: dict[str, dict[str, _PropertyOutcome]] = {}

    def record(self, entry: dict[str, Any], *, outcome: str, when: str) -> None:
        if when == "teardown" and outcome == "passed":
            return
        if when == "setup" and outcome == "passed":
            return
        props = self.by_formula.setdefault(entry["formula"], {})
        current = props.setdefault(entry["test"], _PropertyOutcome(entry.get("claim", "")))
        if _OUTCOME_RANK[outcome] >= _OUTCOME_RANK[current.outcome]:
            current.outcome = outcome
        current.failure = entry.get("failure") or current.failure
        current.skip = entry.get("skip") or current.skip
        for warning in entry.get("warnings", []):
            if warning not in current.warnings:
                current.warnings.append(warning)

    def results(self, formulas: list[str], *, import_error: str | None = None) -> list[FormulaResult]:
        out = []
        for formula_id in sorted(formulas):
            if import_error is not None:
                out.append(FormulaResult(formula_id, "missing", f"missing: {import_error}"))
                continue
            props = self.by_formula.get(formula_id, {})
            out.append(_formula_result(formula_id, props))
        return out


def _formula_result(formula_id: str, props: dict[str, _PropertyOutcome]) -> FormulaResult:
    total = len(props)
    failed = {name: p for name, p in props.items() if p.outcome == "failed"}
    skipped = {name: p for name, p in props.items() if p.outcome == "skipped"}
    passed = total - len(failed) - len(skipped)
    warnings = sorted({w for p in props.values() for w in p.warnings})
    warning_text = (
        "\nFloating-point warnings (reported, not failed):\n" + "\n".join(f"  {w}" for w in warnings)
        if warnings
        else ""
    )
    if failed:
        parts = [f"{formula_id}: {len(failed)} of {total} properties failed."]
        for name, p in sorted(failed.items()):
            parts.append("")
            parts.append(p.failure or f"{name}: {p.claim} (failed)")
        return FormulaResult(formula_id, "failed", "\n".join(parts) + warning_text, passed, total)
    missing = [p for p in skipped.values() if p.skip.startswith("missing")]
    if missing or total == 0:
        reason = missing[0].skip if missing else "missing: no property ran"
        return FormulaResult(formula_id, "missing", reason, 0, total)
    if skipped:
        # A property skipped for another reason was not checked: not a pass.
        reasons = "; ".join(sorted({p.skip for p in skipped.values()}))
        return FormulaResult(
            formula_id, "failed", f"{formula_id}: {len(skipped)} properties could not run: {reasons}", passed, total
        )
    return FormulaResult(
        formula_id, "passed", f"{formula_id}: all {total} properties hold." + warning_text, passed, total, score=1.0
    )


# -- the failure text -----------------------------------------------------------

_FIXTURE_LINE = re.compile(r"^\s*(subject|impl)=.*,\s*$")


def _falsifying_example(exc: BaseException) -> str:
    notes = [n for n in getattr(exc, "__notes__", []) if n]
    lines: list[str] = []
    for note in notes:
        if note.startswith("Falsifying example") or note.startswith("Falsifying explicit example"):
            body = note.split("\n")
            lines.extend(line for line in body[1:] if not _FIXTURE_LINE.match(line) and line.strip() != ")")
        elif note.startswith(("You can reproduce", "Trying example", "Explanation", "Unreliable")):
            continue
        else:
            lines.append(note)
    return "\n".join(lines)


def _submission_traceback(exc: BaseException) -> str:
    return getattr(exc, "traceback_text", "") or ""


def failure_text(
    *,
    formula_id: str,
    claim: str,
    exc: BaseException,
    reproduce: str,
    likely_mistakes: list[str] | tuple[str, ...] = (),
    snippet: str | None = None,
) -> str:
    """The whole story of one failed property, in the order a student needs it:
    a summary line (the formula and the property it broke, in plain words),
    the likely mistakes on their own lines, then the details, a self-contained
    reproduction and the command that re-runs the check."""
    message = str(exc).strip() or type(exc).__name__
    if not isinstance(exc, AssertionError):
        message = f"{type(exc).__name__}: {message}"
    parts = [f"FAILED {formula_id}: {claim}"]
    parts += [f"Likely mistake: {m}" for m in likely_mistakes]
    parts.append(message)
    where = _submission_traceback(exc)
    if where:
        parts.append("Where, in the submission:\n" + where)
    example = _falsifying_example(exc)
    if example:
        parts.append("Minimal failing input (found by Hypothesis):\n" + example)
    if snippet:
        parts.append(
            "Reproduce without the grader (plain Python and numpy; save as a .py file, it prints got vs expected):\n"
            + "\n".join(f"    {line}" if line else "" for line in snippet.rstrip("\n").split("\n"))
        )
    # The grader's own re-run of the property (label kept: tools parse it).
    parts.append(f"Reproduce: {reproduce}")
    return "\n".join(parts)


def mark_tampering(results: list[FormulaResult], files: list[str]) -> list[FormulaResult]:
    """Every formula fails when the grader's own files changed during grading."""
    listing = "\n".join(f"  {f}" for f in files[:20]) + ("\n  ..." if len(files) > 20 else "")
    text = (
        "The grader's own files changed while this submission was graded, so its grade "
        "cannot be trusted and is withheld (all formulas failed):\n" + listing
    )
    return [
        FormulaResult(
            r.name, "failed", text, 0, r.properties_total, score=0.0, max_score=r.max_score, visibility=r.visibility
        )
        for r in results
    ]


def apply_assignment(
    results: list[FormulaResult], weights: Mapping[str, tuple[float, str]], *, partial_credit: bool = False
) -> list[FormulaResult]:
    """Points and visibility from an assignment: ``weights[formula] = (points,
    visibility)``. All or nothing by default; with ``partial_credit`` a formula
    scores ``points × (properties that hold / properties)``. A missing formula
    scores 0 either way."""
    out = []
    for r in results:
        points, visibility = weights.get(r.name, (1.0, "visible"))
        if r.status == "passed":
            score = points
        elif partial_credit and r.status == "failed" and r.properties_total:
            score = round(points * r.properties_passed / r.properties_total, 6)
        else:
            score = 0.0
        out.append(dataclasses.replace(r, score=float(score), max_score=float(points), visibility=visibility))
    return out


# -- no grader paths in what a student reads ---------------------------------------------

_ABSOLUTE_PATH = re.compile(r"(?<![\w.~/-])/(?:[\w.+@-]+/)+([\w.+@-]+)")


def submission_name(spec: str) -> str:
    """How a student names their own submission: the file or folder name of a
    path, or a module name as given."""
    looks_like_path = spec.endswith(".py") or os.sep in spec or os.path.exists(spec)
    return Path(spec.rstrip(os.sep)).name if looks_like_path else spec


def _grader_roots(submission: str | None) -> list[tuple[str, str]]:
    """(absolute prefix, replacement) pairs, longest first: the submission's own
    folder becomes nothing (its files keep their names), every other place on
    the grader's disk loses its folders."""
    pairs: list[tuple[str, str]] = []
    if submission:
        looks_like_path = submission.endswith(".py") or os.sep in submission or os.path.exists(submission)
        if looks_like_path:
            folder = Path(submission.rstrip(os.sep)).parent
            for variant in {str(folder.absolute()), str(folder.resolve())}:
                if variant != os.sep:
                    pairs.append((variant.rstrip(os.sep) + os.sep, ""))
    return sorted(pairs, key=lambda p: -len(p[0]))


def strip_grader_paths(text: str | None, *, submission: str | None = None) -> str | None:
    """``text`` without the grader's absolute paths: the submission's folder is
    removed (``/srv/class/alice/hw2.py`` reads ``hw2.py``, and so does the
    sandbox's private copy of it), and any other absolute path keeps only its
    last part (``.../loading.py``)."""
    if text is None:
        return None
    for prefix, replacement in _grader_roots(submission):
        text = text.replace(prefix, replacement)
    # The sandbox runs a private copy of the submission: its file is the student's.
    own = submission_name(submission) if submission else None
    return _ABSOLUTE_PATH.sub(lambda m: m.group(1) if m.group(1) == own else ".../" + m.group(1), text)


def without_grader_paths(results: list[FormulaResult], *, submission: str | None = None) -> list[FormulaResult]:
    return [dataclasses.replace(r, output=strip_grader_paths(r.output, submission=submission) or "") for r in results]


# -- rendering --------------------------------------------------------------------


IMPORT_FAILED = "The submission could not be imported, so every formula is missing"


def import_error_of(document: dict[str, Any]) -> str | None:
    """The import error a results document reports, or None: the inverse of
    :func:`results_document`'s first output line."""
    first_line = document.get("output", "").split("\n", 1)[0]
    prefix = IMPORT_FAILED + ": "
    return first_line.removeprefix(prefix) if first_line.startswith(prefix) else None


def results_document(
    results: list[FormulaResult],
    *,
    import_error: str | None = None,
    execution_time: float | None = None,
    notes: str = "",
) -> dict[str, Any]:
    """Gradescope's results.json (https://gradescope-autograders.readthedocs.io/en/latest/specs/):
    top-level ``score``, ``execution_time`` (seconds), ``output``,
    ``visibility``, ``stdout_visibility`` and ``tests``; ``max_score`` is ours
    (Gradescope ignores it) for gradebooks."""
    score = sum(r.score for r in results)
    max_score = sum(r.max_score for r in results)
    # The top-level output is shown with the score, so it counts only the
    # formulas a student may see now: it must not reveal a hidden one's outcome.
    shown = [r for r in results if r.visibility == "visible"]
    counts = {s: sum(r.status == s for r in shown) for s in ("passed", "failed", "missing")}
    summary = (
        f"{counts['passed']} passed, {counts['failed']} failed, {counts['missing']} missing "
        f"of {len(shown)} formulas."
    )
    if len(shown) < len(results):
        summary += f" {len(results) - len(shown)} more are hidden or shown after the due date."
    document: dict[str, Any] = {"score": score, "max_score": max_score}
    if execution_time is not None:
        document["execution_time"] = round(execution_time, 1)
    document.update(
        {
            # Gradescope shows the top-level output above the tests: a student whose
            # file does not import must read why there, not in 73 identical lines.
            "output": (f"{IMPORT_FAILED}: {import_error}\n{summary}" if import_error else summary)
            + (f"\n\n{notes}" if notes else ""),  # e.g. what of a notebook was skipped
            "visibility": "visible",
            # The grader's console shows every formula's failure, hidden ones too.
            "stdout_visibility": "hidden",
            "tests": [r.as_gradescope_test() for r in results],
        }
    )
    return document


class ResultsPathRefused(Exception):
    """The results path is something other than a regular file (a named pipe, a
    symlink, a folder): the grader writes nothing into it."""


def check_results_path(path: str) -> None:
    """Refuse a results path that exists and is not a regular file; nothing is
    opened, so a named pipe cannot block the grader."""
    import os
    import stat

    try:
        mode = os.lstat(path).st_mode
    except FileNotFoundError:
        return
    if not stat.S_ISREG(mode):
        kind = (
            "a named pipe" if stat.S_ISFIFO(mode) else "a symbolic link" if stat.S_ISLNK(mode)
            else "a folder" if stat.S_ISDIR(mode) else "not a regular file"
        )
        raise ResultsPathRefused(f"refusing to write results to {path}: it is {kind}, not a regular file")


def write_results_json(
    path: str,
    results: list[FormulaResult],
    *,
    import_error: str | None = None,
    execution_time: float | None = None,
    notes: str = "",
    grader_lines: list[str] | None = None,
) -> None:
    """Write results.json atomically: a new file beside ``path`` (created with
    O_EXCL|O_NOFOLLOW, so never through a link) is renamed over it, so a reader
    sees the old file, or none, or the whole new one. ``notes`` is how the
    submission was read (a notebook's skipped statements); ``grader_lines`` are
    lines about the grading itself appended to the top-level output (e.g.
    "graded without the jail: ...")."""
    import contextlib
    import os
    import tempfile

    check_results_path(path)
    target = Path(path)
    if target.parent and not target.parent.exists():
        target.parent.mkdir(parents=True, exist_ok=True)
    document = results_document(results, import_error=import_error, execution_time=execution_time, notes=notes)
    for note in grader_lines or []:
        document["output"] = f"{document['output']}\n{note}" if document.get("output") else note
    descriptor, temporary = tempfile.mkstemp(prefix=f".{target.name}.", suffix=".tmp", dir=target.parent or ".")
    try:
        os.fchmod(descriptor, 0o644)  # as a plainly written results.json would be
        with os.fdopen(descriptor, "w") as handle:
            handle.write(json.dumps(document, indent=2, sort_keys=False) + "\n")
            handle.flush()
            os.fsync(handle.fileno())
        check_results_path(path)
        os.replace(temporary, target)
    except BaseException:
        with contextlib.suppress(OSError):
            os.unlink(temporary)
        raise


def render_text(results: list[FormulaResult], *, impl: str, import_error: str | None = None) -> str:
    lines = [f"Implementation: {impl}"]
    if import_error:
        lines.append(f"!! {import_error}")
        lines.append("!! every formula is reported as missing")
    width = max((len(r.name) for r in results), default=10)
    for r in results:
        mark = {"passed": "PASS", "failed": "FAIL", "missing": "MISSING"}[r.status]
        detail = f"{r.properties_passed}/{r.properties_total} properties" if r.status != "missing" else ""
        lines.append(f"  {mark:8} {r.name:<{width}}  {detail}")
    doc = results_document(results)
    lines.append(f"Score: {doc['score']:g} / {doc['max_score']:g}  ({doc['output']})")
    failed = [r for r in results if r.status == "failed"]
    for r in failed:
        lines.append("")
        lines.append("-" * 78)
        lines.append(r.output)
    return "\n".join(lines)
