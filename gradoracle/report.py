"""Per-formula verdicts, the failure text a student reads, and the
Gradescope-compatible ``results.json``.

A formula is worth one point and passes only when every one of its properties
holds: a gradient that is right on most inputs is still wrong. A formula the
submission does not provide is *missing*: status ``failed``, score 0, never
passed.
"""

from __future__ import annotations

import json
import re
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

__all__ = [
    "Verdicts",
    "FormulaResult",
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

    def as_gradescope_test(self) -> dict[str, Any]:
        return {
            "name": self.name,
            "score": self.score,
            "max_score": self.max_score,
            "status": "passed" if self.status == "passed" else "failed",
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
        FormulaResult(r.name, "failed", text, 0, r.properties_total, score=0.0, max_score=r.max_score)
        for r in results
    ]


# -- rendering --------------------------------------------------------------------


IMPORT_FAILED = "The submission could not be imported, so every formula is missing"


def import_error_of(document: dict[str, Any]) -> str | None:
    """The import error a results document reports, or None: the inverse of
    :func:`results_document`'s first output line."""
    first_line = document.get("output", "").split("\n", 1)[0]
    prefix = IMPORT_FAILED + ": "
    return first_line.removeprefix(prefix) if first_line.startswith(prefix) else None


def results_document(results: list[FormulaResult], *, import_error: str | None = None) -> dict[str, Any]:
    score = sum(r.score for r in results)
    max_score = sum(r.max_score for r in results)
    counts = {s: sum(r.status == s for r in results) for s in ("passed", "failed", "missing")}
    summary = (
        f"{counts['passed']} passed, {counts['failed']} failed, {counts['missing']} missing "
        f"of {len(results)} formulas."
    )
    return {
        "score": score,
        "max_score": max_score,
        # Gradescope shows the top-level output above the tests: a student whose
        # file does not import must read why there, not in 73 identical lines.
        "output": f"{IMPORT_FAILED}: {import_error}\n{summary}" if import_error else summary,
        "tests": [r.as_gradescope_test() for r in results],
    }


def write_results_json(path: str, results: list[FormulaResult], *, import_error: str | None = None) -> None:
    target = Path(path)
    if target.parent and not target.parent.exists():
        target.parent.mkdir(parents=True, exist_ok=True)
    document = results_document(results, import_error=import_error)
    target.write_text(json.dumps(document, indent=2, sort_keys=False) + "\n")


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
